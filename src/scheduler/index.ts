/** The minimal scheduler: see scheduler.ts and plan.ts. */
export { startScheduler, type SchedulerOptions, type RunningScheduler } from './scheduler.ts';
export { planScheduling, filterNode, matchesNodeAffinity, effectiveTaints, tolerates, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, type SchedulePlan, type Taint, type Toleration } from './plan.ts';
