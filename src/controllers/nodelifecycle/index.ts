/** The node lifecycle controller (Lease-based heartbeat grace): see controller.ts. */
export { startNodeLifecycleController, type NodeLifecycleOptions, type RunningNodeLifecycle } from './controller.ts';
export { planUnknownConditions, planTaints, podsToMarkNotReady, heartbeatExpired, TAINT_NOT_READY, TAINT_UNREACHABLE } from './plan.ts';
