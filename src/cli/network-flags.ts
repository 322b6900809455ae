/**
 * The address-plan flags shared by `up` and `apiserver`, named as
 * kube-apiserver's: --service-cluster-ip-range, --service-node-port-range,
 * --service-external-ip-cidrs. Turns them into a ClusterNetworkConfig or a
 * clear error.
 */
import type { Command } from 'commander';
import { loopbackNetworkConfig, networkConfigErrors, parsePortRange, type ClusterNetworkConfig } from '../apiserver/admission/index.ts';
import { parseCIDR } from '../api/validation/ip.ts';

export interface NetworkFlags {
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
  serviceExternalIpCidrs?: string;
}

export function addNetworkFlags(cmd: Command): Command {
  return cmd
    .option('--service-cluster-ip-range <cidrs>', 'Service CIDR, or two comma-separated (one per family) for dual-stack (default 127.96.0.0/16; 10.96.0.0/16 with a kernel data plane)')
    .option('--service-node-port-range <range>', 'NodePort range (default 30000-32767)')
    .option('--service-external-ip-cidrs <cidrs>', 'comma-separated CIDRs that Service externalIPs may come from (default: none; externalIPs are refused)');
}

/**
 * Builds the config on top of `base` (loopback mode's by default; `up --dataplane nftables` passes the kernel
 * plan: 10.96.0.0/16, pods in 10.244.0.0/16); throws an Error whose message is ready to print.
 */
export function networkConfigFromFlags(f: NetworkFlags, base: ClusterNetworkConfig = loopbackNetworkConfig()): ClusterNetworkConfig {
  const c = base;
  if (f.serviceClusterIpRange) {
    const cidrs = f.serviceClusterIpRange.split(',').map((s) => s.trim()).filter(Boolean);
    if (cidrs.length < 1 || cidrs.length > 2) throw new Error('--service-cluster-ip-range takes one CIDR, or two of different families');
    c.serviceCIDRs = {};
    cidrs.forEach((text, i) => {
      const p = parseCIDR(text);
      if (!p) throw new Error(`--service-cluster-ip-range: "${text}" is not a CIDR`);
      const fam = text.includes(':') ? 'ipv6' : 'ipv4';
      if (c.serviceCIDRs[fam]) throw new Error('--service-cluster-ip-range: two CIDRs of the same family');
      c.serviceCIDRs[fam] = text;
      if (i === 0) c.primaryFamily = fam === 'ipv4' ? 'IPv4' : 'IPv6';
    });
  }
  if (f.serviceNodePortRange) {
    const r = parsePortRange(f.serviceNodePortRange);
    if (!r) throw new Error(`--service-node-port-range: "${f.serviceNodePortRange}" is not a port range like 30000-32767`);
    c.nodePortRange = r;
  }
  if (f.serviceExternalIpCidrs) {
    c.externalIPCIDRs = f.serviceExternalIpCidrs.split(',').map((s) => s.trim()).filter(Boolean);
    for (const x of c.externalIPCIDRs) if (!parseCIDR(x)) throw new Error(`--service-external-ip-cidrs: "${x}" is not a CIDR`);
  }
  const errs = networkConfigErrors(c);
  if (errs.length) throw new Error(errs.join('; '));
  return c;
}
