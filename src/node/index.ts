/**
 * The node agent (see README.md): pods as processes with their own IPs,
 * probes, status, graceful termination, logs; the Node and its Lease.
 */
export { startAgent, claimPodCIDR, type Agent, type AgentOptions, type AgentMetrics, type AgentMode } from './agent.ts';
export { newEventRecorder, podRef, nodeRef, type EventRecorder, type EventSource } from './events.ts';
export { NODE_LEASE_NAMESPACE, microTime } from './lease.ts';
export { planPodStatus, podPhase, comparableStatus, canonicalJSON, KUBELET_CONDITIONS, type PodView, type ContainerView } from './pod-status.ts';
export { buildContainerEnv, serviceEnv, serviceLinkVars, fieldRefValue, EnvError } from './env.ts';
export { expand, mappingFor } from './expansion.ts';
export { resolveProbe, resolveContainerProbes, nextProbeCounter, initialProbeCounter, ProbeSpecError, type ResolvedProbe, type ProbeKind } from './probe-spec.ts';
export { planRestart, goDuration, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
export { PodAddressAllocator, nthBlock, parseCidr, cidrContains, gatewayOf } from './ipam.ts';
export { runtimeNames, type RuntimeNames } from './names.ts';
export { planNode, planNodeStatus, nodeLabels, KUBELET_VERSION } from './node-status.ts';
export { ensureServingCert, type ServingCert } from './cert.ts';
export { procStartTicks } from './runtime.ts';
export { createExclusive } from './host-lock.ts';
