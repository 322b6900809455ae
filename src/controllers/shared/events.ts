/**
 * A best-effort core/v1 Event recorder (client-go's EventRecorder, reduced):
 * writes are fire-and-forget, failures are only logged, and the same
 * (object, reason, message) is recorded at most once per `dedupMs` so a
 * condition re-detected on every sync does not flood the API.
 */
import type { Event, KubeObject } from '../../api/types.ts';
import { Resources, type RestClient } from '../../client/index.ts';

export interface EventRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export const NO_EVENTS: EventRecorder = { event() {} };

export function apiEventRecorder(
  client: Pick<RestClient, 'create'>,
  component: string,
  opts: { now?: () => Date; dedupMs?: number; log?: (line: string) => void } = {},
): EventRecorder {
  const now = opts.now ?? (() => new Date());
  const dedupMs = opts.dedupMs ?? 10 * 60_000;
  const last = new Map<string, number>();
  return {
    event(obj, type, reason, message) {
      const t = now();
      const id = `${obj.metadata.uid}|${reason}|${message}`;
      const prev = last.get(id);
      if (prev !== undefined && t.getTime() - prev < dedupMs) return;
      last.set(id, t.getTime());
      if (last.size > 10_000) last.delete(last.keys().next().value!);
      const ts = t.toISOString().replace(/\.\d+Z$/, 'Z');
      const ev: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${obj.metadata.name}.${(t.getTime() * 1_000_000 + Math.floor(Math.random() * 1_000_000)).toString(16)}`, namespace: obj.metadata.namespace ?? 'default' },
        involvedObject: {
          kind: obj.kind,
          apiVersion: obj.apiVersion,
          namespace: obj.metadata.namespace,
          name: obj.metadata.name,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: component,
        reportingInstance: '',
      };
      client.create(Resources.events, ev.metadata.namespace, ev).catch((e: unknown) => {
        opts.log?.(`event ${reason} for ${obj.metadata.namespace}/${obj.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
      });
    },
  };
}
