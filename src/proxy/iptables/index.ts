/**
 * The iptables data plane (kube-proxy --mode iptables): a pure renderer from
 * the per-node ProxyState to iptables-restore input in kube-proxy's layout,
 * and an applier that loads it atomically, incrementally, with periodic full
 * resyncs and UDP conntrack cleanup. See README.md.
 */
import type { KernelDataPlaneFactory } from '../kernel.ts';
import { createIptablesDataPlane } from './applier.ts';

export { createIptablesDataPlane, IptablesProxier, type IptablesDataPlaneOptions, type FamilySyncReport } from './applier.ts';
export {
  renderIptables,
  renderIptablesCleanup,
  jumpRules,
  masqueradeMark,
  LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
  type IptablesRenderOptions,
  type IptablesRuleset,
  type JumpRule,
} from './renderer.ts';
export { ChainNames, hash16, DEFAULT_PREFIX } from './names.ts';
export { planConntrackCleanup } from './conntrack.ts';
export { probability } from './service-rules.ts';

/** The iptables data plane for the proxy core (kube-proxy's iptables Proxier, both families). */
export const iptablesDataPlane: KernelDataPlaneFactory = (ctx) => createIptablesDataPlane(ctx);
