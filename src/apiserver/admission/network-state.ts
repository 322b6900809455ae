/**
 * The cluster network configuration the Service and Endpoints strategies
 * read (IP-family defaulting, endpoint address policy). One per process:
 * `serviceAdmission(config, …)` sets it, or call `configureNetwork` directly.
 * Until then the loopback-mode defaults apply.
 */
import {
  configuredFamilies,
  loopbackNetworkConfig,
  networkConfigErrors,
  serviceCIDRList,
  type ClusterNetworkConfig,
} from '../../allocators/index.ts';
import type { EndpointAddressPolicy } from '../../api/validation/endpoints.ts';
import type { IPFamilySetup } from './service-fields.ts';

let current: ClusterNetworkConfig = loopbackNetworkConfig();

/** Installs the config; throws Error when it is unusable (bad CIDR, no primary range, …). */
export function configureNetwork(config: ClusterNetworkConfig): void {
  const errs = networkConfigErrors(config);
  if (errs.length) throw new Error(`invalid cluster network configuration: ${errs.join('; ')}`);
  current = structuredClone(config);
}

export function currentNetwork(): ClusterNetworkConfig {
  return current;
}

export function ipFamilySetup(c: ClusterNetworkConfig = current): IPFamilySetup {
  return { families: configuredFamilies(c), primary: c.primaryFamily };
}

/**
 * The address policy for a user-written Endpoints/EndpointSlice: nothing in
 * the service CIDRs; loopback only inside the pod ranges in loopback mode;
 * the API server's own address only in default/kubernetes.
 */
export function endpointPolicy(obj: { metadata?: { namespace?: string; name?: string } }, c: ClusterNetworkConfig = current): EndpointAddressPolicy {
  const isKubernetes = obj.metadata?.namespace === 'default' && obj.metadata?.name === 'kubernetes';
  return {
    serviceCIDRs: serviceCIDRList(c),
    loopbackPodCIDRs: c.loopback ? c.podCIDRs : [],
    allowedAddresses: isKubernetes ? c.apiServerIPs : undefined,
  };
}
