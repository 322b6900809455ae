/**
 * Chain names of the iptables data plane, as kube-proxy builds them
 * (pkg/proxy/iptables/proxier.go: portProtoHash, servicePortPolicyClusterChain,
 * servicePortPolicyLocalChainName, serviceFirewallChainName,
 * serviceExternalChainName, servicePortEndpointChainName): a prefix plus the
 * first 16 characters of base32(sha256(servicePortName + protocol [+ endpoint])),
 * servicePortName = `ns/name[:port]`, protocol lower case, endpoint `ip:port`
 * (`[ip]:port` for IPv6).
 *
 * The prefix ("KUBE" in kube-proxy) is configurable so several data planes
 * (tests, nodes sharing a kernel) never touch each other's chains. iptables
 * chain names are at most 28 characters, so the prefix is at most 7.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_PREFIX = 'KUBE';
/** iptables' chain name limit (XT_EXTENSION_MAXNAMELEN - 1). */
export const MAX_CHAIN_NAME = 28;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 16 characters of RFC 4648 base32 (encoding/base32.StdEncoding) of sha256(s): 10 bytes = 80 bits. */
export function hash16(s: string): string {
  const h = createHash('sha256').update(s).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; out.length < 16; i++) {
    value = (value << 8) | h[i];
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** The fixed (non-service) chains, by role. */
export interface TopChains {
  services: string;
  externalServices: string;
  nodePorts: string;
  postrouting: string;
  markMasq: string;
  forward: string;
  proxyFirewall: string;
}

/**
 * Chain names for one prefix. Hashes are memoised: a sync of 10,000
 * services × 10 endpoints needs 140,000 names, and a partial sync needs the
 * same names again. The memo only caches a pure function, so outputs stay
 * deterministic.
 */
export class ChainNames {
  readonly prefix: string;
  readonly top: TopChains;
  private readonly memo = new Map<string, string>();

  constructor(prefix = DEFAULT_PREFIX) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(prefix) || prefix.length > MAX_CHAIN_NAME - 21) {
      throw new Error(`iptables chain prefix "${prefix}" must be 1-${MAX_CHAIN_NAME - 21} letters and digits, starting with a letter`);
    }
    this.prefix = prefix;
    this.top = {
      services: `${prefix}-SERVICES`,
      externalServices: `${prefix}-EXTERNAL-SERVICES`,
      nodePorts: `${prefix}-NODEPORTS`,
      postrouting: `${prefix}-POSTROUTING`,
      markMasq: `${prefix}-MARK-MASQ`,
      forward: `${prefix}-FORWARD`,
      proxyFirewall: `${prefix}-PROXY-FIREWALL`,
    };
  }

  private hashed(kind: string, input: string): string {
    const k = `${kind}\u0000${input}`;
    let name = this.memo.get(k);
    if (name === undefined) {
      name = `${this.prefix}-${kind}-${hash16(input)}`;
      this.memo.set(k, name);
    }
    return name;
  }

  /** KUBE-SVC-…: the Cluster traffic policy chain. */
  svc(spn: string, protocol: string): string {
    return this.hashed('SVC', spn + protocol);
  }

  /** KUBE-SVL-…: the Local traffic policy chain. */
  svl(spn: string, protocol: string): string {
    return this.hashed('SVL', spn + protocol);
  }

  /** KUBE-EXT-…: external destinations (NodePort, LoadBalancer IPs, externalIPs). */
  ext(spn: string, protocol: string): string {
    return this.hashed('EXT', spn + protocol);
  }

  /** KUBE-FW-…: loadBalancerSourceRanges firewall. */
  fw(spn: string, protocol: string): string {
    return this.hashed('FW', spn + protocol);
  }

  /** KUBE-SEP-…: one endpoint (DNAT). */
  sep(spn: string, protocol: string, endpoint: string): string {
    return this.hashed('SEP', spn + protocol + endpoint);
  }

  /** Chains this prefix owns (fixed or per service), e.g. for cleanup of leftovers. */
  owns(chain: string): boolean {
    return chain.startsWith(`${this.prefix}-`);
  }

  /** Per-service chains (kube-proxy's isServiceChainName): the only ones deleted when stale. */
  isServiceChain(chain: string): boolean {
    const p = this.prefix;
    return ['SVC', 'SVL', 'EXT', 'FW', 'SEP'].some((k) => chain.startsWith(`${p}-${k}-`));
  }
}
