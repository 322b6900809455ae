/**
 * Cluster DNS: the Kubernetes DNS-Based Service Discovery specification
 * (schema 1.1.0) for the cluster zone, answered from informer caches, and a
 * caching forwarder for every other name. See README.md in this folder.
 */
export { resolve, reverseName, reverseToIP, podLabelToIP, endpointHostname, defaultResolverOptions, DEFAULT_ZONE, DEFAULT_TTL, DNS_SCHEMA_VERSION } from './resolver.ts';
export type { Answer, ResolverOptions, PodsMode } from './resolver.ts';
export { ClusterIndex, serviceEntry, sliceEntry, SERVICE_NAME_LABEL } from './view.ts';
export type { ClusterView, ClusterObjects, ServiceEntry, EndpointEntry, PortEntry } from './view.ts';
export { watchCluster, type ClusterWatch } from './watch.ts';
export { DnsServer, type DnsServerOptions } from './server.ts';
export { Forwarder, parseUpstream, parseResolvConf, upstreamsFromResolvConf, upstreamString, type Upstream, type ForwarderOptions } from './forwarder.ts';
export { DnsMetrics, startHealthServer } from './metrics.ts';
export { startDns, startDnsInstance, parseListen, FALLBACK_DNS_PORT, DEFAULT_METRICS_PORT, type DnsOptions, type RunningDns, type DnsInstance, type DnsInstanceConfig } from './start.ts';
export { encodeResponse, encodeErrorResponse, responseLimit, type ResponseParts } from './respond.ts';
export { Type, Class, Rcode, encodeMessage, WireError, type Message, type Question, type RR } from './wire.ts';
export { parseQuery, decodeMessage, type ParsedQuery, type QueryParse } from './parse.ts';
export { canonicalIP } from './ip.ts';
