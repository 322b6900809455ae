/**
 * The nftables kernel data plane (kube-proxy's nftables mode): a pure
 * renderer from the per-node ProxyState to nft text, and an applier that
 * loads it atomically and incrementally. See README.md.
 */
export { nftablesDataPlane, NftablesDataPlane, type NftSyncResult } from './applier.ts';
export {
  renderNftables,
  planNftables,
  replanPorts,
  renderFamilyFull,
  renderIncremental,
  canSyncIncrementally,
  sameAffinityTimeouts,
  leftovers,
  nftFamily,
  DEFAULT_TABLE,
  DEFAULT_MASQUERADE_MARK,
  type NftOptions,
  type NftPlan,
  type FamilyPlan,
  type Leftovers,
  type IncrementalSync,
} from './renderer.ts';
export { planServicePort, endpointDispatch, type PortRules, type Chain, type Element, type ElementContainer, type AffinitySet, type FamilyContext } from './plan.ts';
export { planConntrackCleanup } from './conntrack.ts';
export { servicePortChains, endpointNames, hash8 } from './names.ts';
