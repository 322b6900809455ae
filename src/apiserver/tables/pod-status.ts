/**
 * The READY / STATUS / RESTARTS summary of a pod: printPod's status logic as of
 * Kubernetes v1.33 (sidecar-aware, before the v1.35 "errorReason" change).
 *
 * Precedence, lowest to highest: phase; status.reason; SchedulingGated; the
 * first unfinished init container (Init:X/Y, Init:<reason>, Init:ExitCode:N);
 * the regular containers, walked last to first so the first container's state
 * wins (Waiting reason, Terminated reason or ExitCode:N/Signal:N); "Completed"
 * turned back into Running/NotReady while a container still runs; finally
 * deletion (Terminating, or Unknown for a pod on a lost node).
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodStatus } from '../../api/types.ts';
import { humanDuration, parseTime } from './format-duration.ts';
import type { TableRowCondition } from './table-types.ts';

export interface PodSummary {
  /** "ready/total", sidecars (restartable init containers) counted in both. */
  ready: string;
  status: string;
  /** "N" or "N (age ago)" when the last restart time is known. */
  restarts: string;
  conditions?: TableRowCondition[];
}

/** node.NodeUnreachablePodReason: set by the node lifecycle controller. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

const SUCCEEDED_CONDITIONS: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const FAILED_CONDITIONS: TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** Tracks a restart count and the latest lastState.terminated.finishedAt seen. */
class RestartTally {
  count = 0;
  /** Epoch ms; undefined is Go's zero time. */
  last: number | undefined;

  add(cs: ContainerStatus): void {
    this.count += cs.restartCount ?? 0;
    const terminated = cs.lastState?.terminated;
    if (!terminated) return;
    const finished = parseTime(terminated.finishedAt);
    // Go: lastRestartDate.Before(&finishedAt); a zero finishedAt never wins.
    if (finished !== undefined && (this.last === undefined || this.last < finished)) this.last = finished;
  }
}

export function summarizePod(pod: Pod, now: Date): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status: PodStatus = pod.status ?? {};
  const initContainers = spec.initContainers ?? [];
  const phase = status.phase ?? '';

  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const specByName = new Map<string, Container>(initContainers.map((c) => [c.name, c]));
  const totalContainers = (spec.containers ?? []).length + initContainers.filter(isRestartableInitContainer).length;
  let readyContainers = 0;

  let all = new RestartTally();
  const sidecars = new RestartTally();

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const sidecar = isRestartableInitContainer(specByName.get(cs.name));
    all.add(cs);
    if (sidecar) sidecars.add(cs);
    const state: ContainerState = cs.state ?? {};
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (state.terminated) {
      reason = state.terminated.reason
        ? `Init:${state.terminated.reason}`
        : state.terminated.signal
          ? `Init:Signal:${state.terminated.signal}`
          : `Init:ExitCode:${state.terminated.exitCode ?? 0}`;
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || isPodInitializedConditionTrue(status)) {
    // Only sidecar restarts carry over; regular init containers ran to completion.
    all = sidecars;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      all.add(cs);
      const state: ContainerState = cs.state ?? {};
      if (state.waiting?.reason) {
        reason = state.waiting.reason;
      } else if (state.terminated?.reason) {
        reason = state.terminated.reason;
      } else if (state.terminated) {
        reason = state.terminated.signal
          ? `Signal:${state.terminated.signal}`
          : `ExitCode:${state.terminated.exitCode ?? 0}`;
      } else if (cs.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose first container completed but another still runs is not "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = hasPodReadyCondition(status) ? 'Running' : 'NotReady';
    }
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp);
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restarts = String(all.count);
  if (all.count !== 0 && all.last !== undefined) {
    restarts = `${all.count} (${humanDuration(now.getTime() - all.last)} ago)`;
  }

  const summary: PodSummary = { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts };
  if (phase === 'Succeeded') summary.conditions = SUCCEEDED_CONDITIONS;
  if (phase === 'Failed') summary.conditions = FAILED_CONDITIONS;
  return summary;
}

/** podutil.IsRestartableInitContainer: an init container with restartPolicy Always (a sidecar). */
export function isRestartableInitContainer(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function hasPodReadyCondition(status: PodStatus): boolean {
  return (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The first Initialized condition decides. */
function isPodInitializedConditionTrue(status: PodStatus): boolean {
  const c = (status.conditions ?? []).find((x) => x.type === 'Initialized');
  return c?.status === 'True';
}
