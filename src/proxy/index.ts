/**
 * The per-node Service proxy (kube-proxy): change tracking, endpoint
 * selection shared by every mode, the userspace data plane, health and
 * metrics. See README.md for the design.
 */
export * from './types.ts';
export { servicePortsFromService, shouldSkipService, sameServicePort, DEFAULT_AFFINITY_TIMEOUT_SECONDS, LABEL_SERVICE_PROXY_NAME, LABEL_HEADLESS, ANNOTATION_TRIGGER_TIME } from './service-ports.ts';
export { endpointsFromSlices, sliceIsProxied, type EndpointsMapOptions } from './endpoints-map.ts';
export {
  selectEndpoints,
  topologyModeFromHints,
  verdictFor,
  localReadyEndpointCount,
  type EndpointSelection,
  type SelectOptions,
  type TopologyMode,
  type TrafficKind,
  type Verdict,
} from './select-endpoints.ts';
export { ChangeTracker, recomputeServices, nodeTopology, serviceKeyOf, sliceServiceKey, type ProxySources } from './change-tracker.ts';
export { BoundedFrequencyRunner, realClock, type Clock, type BoundedFrequencyRunnerOptions } from './bounded-frequency-runner.ts';
export type { DataPlane, NodeAddressing } from './data-plane.ts';
export { ProxyMetrics, type ServicePortStats } from './metrics.ts';
export { ProxierHealth, ServiceHealthServer } from './healthcheck.ts';
export { startProxy, type ProxyOptions, type RunningProxy, type ProxyMode } from './proxy.ts';
export { serveProxyHttp, parseListen, type ProxyHttpServer } from './http.ts';
export { UserspaceProxier, type UserspaceOptions } from './userspace/proxier.ts';
export { EndpointPicker, type BalanceMode } from './userspace/balancer.ts';
export { ListenerRegistry, sharedListeners, ListenError } from './userspace/listeners.ts';
