/**
 * TriggerTimeTracker (k8s.io/endpointslice util/trigger_time_tracker.go):
 * computes the endpoints.kubernetes.io/last-change-trigger-time annotation
 * so data planes can measure network programming latency.
 *
 * The trigger time of a sync is the EARLIEST change not yet reflected by a
 * previous sync of the same Service: pod trigger = its Ready condition's
 * lastTransitionTime, service trigger = its creationTimestamp. A Service seen
 * for the first time reports its creationTimestamp. No changed trigger ⇒
 * undefined (the annotation is removed from written objects).
 *
 * Not pure (remembers the last state per Service), but no I/O and no clock.
 * Must not be called concurrently for the same key (the work queue ensures it).
 */
import type { Pod, Service } from '../../api/types.ts';
import { podReadyCondition } from './pod.ts';

interface ServiceState {
  service: number;
  pods: Map<string, number>;
}

interface Stamp {
  ms: number;
  text: string;
}

function stamp(s: string | undefined): Stamp | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : { ms, text: s };
}

/** time.Time.UTC().Format(time.RFC3339Nano): UTC, fraction without trailing zeros. */
export function formatRFC3339Nano(s: string): string {
  let text = s;
  if (!/Z$/i.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) return text;
    text = new Date(ms).toISOString();
  }
  return text.replace(/z$/, 'Z').replace(/\.(\d*?)0+Z$/, (_m, d: string) => (d ? `.${d}Z` : 'Z'));
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /** The annotation value for this sync (RFC3339Nano), or undefined to clear it. Updates the state. */
  compute(key: string, service: Service, pods: readonly Pod[]): string | undefined {
    const state = this.states.get(key);
    let min: Stamp | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = stamp(podReadyCondition(pod)?.lastTransitionTime);
      if (!t) continue;
      const name = pod.metadata.name ?? '';
      podTimes.set(name, t.ms);
      const last = state?.pods.get(name);
      if (last === undefined || t.ms > last) if (!min || t.ms < min.ms) min = t;
    }
    const svcTime = stamp(service.metadata.creationTimestamp);
    if (svcTime && (state === undefined || svcTime.ms > state.service)) if (!min || svcTime.ms < min.ms) min = svcTime;
    this.states.set(key, { service: svcTime?.ms ?? 0, pods: podTimes });
    if (!state) return svcTime ? formatRFC3339Nano(svcTime.text) : undefined;
    return min ? formatRFC3339Nano(min.text) : undefined;
  }

  forget(key: string): void {
    this.states.delete(key);
  }
}
