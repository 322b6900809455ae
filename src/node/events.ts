/**
 * A core/v1 Event recorder in the manner of client-go's EventRecorder with its
 * correlator: the same (object, type, reason, message) within 10 minutes
 * bumps `count` and `lastTimestamp` of the existing Event instead of creating
 * another, so a probe failing every second is one Event "x42 over 1m". Writes
 * are best-effort and never block the caller; failures are only logged.
 */
import type { Event, ObjectReference } from '../api/types.ts';
import { Resources, type RestClient } from '../client/index.ts';

export interface EventSource {
  component: string;
  host?: string;
}

export interface EventRecorder {
  event(ref: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Resolves when every write so far finished (tests, shutdown). */
  flush(): Promise<void>;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  lastMs: number;
  write: Promise<void>;
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function newEventRecorder(
  client: Pick<RestClient, 'create' | 'patch'>,
  source: EventSource,
  opts: { now?: () => Date; windowMs?: number; log?: (l: string) => void } = {},
): EventRecorder {
  const now = opts.now ?? (() => new Date());
  const windowMs = opts.windowMs ?? 10 * 60_000;
  const seen = new Map<string, Seen>();
  const inflight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  };
  // One event write at a time, starting a little after the moment that caused
  // it: events never crowd out the status writes of the same moment.
  const pending: (() => Promise<void>)[] = [];
  let pumping = false;
  const pump = async () => {
    pumping = true;
    await new Promise((r) => setTimeout(r, 20));
    while (pending.length) await pending.shift()!();
    pumping = false;
  };
  const serial = <T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      pending.push(() => fn().then(resolve, reject));
      if (!pumping) void pump();
    });
  return {
    event(ref, type, reason, message) {
      const t = now();
      const ts = isoSeconds(t);
      const namespace = ref.namespace || 'default';
      const id = `${ref.uid ?? ''}|${ref.kind}|${namespace}|${ref.name}|${ref.fieldPath ?? ''}|${type}|${reason}|${message}`;
      const prev = seen.get(id);
      if (prev && t.getTime() - prev.lastMs < windowMs) {
        prev.count++;
        prev.lastMs = t.getTime();
        const count = prev.count;
        // Chain after the create so the patch finds the object.
        prev.write = track(
          prev.write.then(() =>
            serial(() => client.patch(Resources.events, prev.namespace, prev.name, { count, lastTimestamp: ts }))
              .then(() => undefined)
              .catch((e: unknown) => opts.log?.(`event ${reason}: ${e instanceof Error ? e.message : String(e)}`)),
          ),
        );
        return;
      }
      const name = `${ref.name}.${(t.getTime() * 1_000_000 + Math.floor(Math.random() * 1_000_000)).toString(16)}`;
      const ev: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: ref,
        reason,
        message,
        type,
        source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        eventTime: null,
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      };
      const write = track(
        serial(() => client.create(Resources.events, namespace, ev))
          .then(() => undefined)
          .catch((e: unknown) => opts.log?.(`event ${reason} for ${namespace}/${ref.name}: ${e instanceof Error ? e.message : String(e)}`)),
      );
      seen.set(id, { name, namespace, count: 1, first: ts, lastMs: t.getTime(), write });
      if (seen.size > 5000) {
        for (const [k, v] of seen) if (t.getTime() - v.lastMs >= windowMs || seen.size > 5000) seen.delete(k);
      }
    },
    async flush() {
      while (inflight.size) await Promise.all([...inflight]);
    },
  };
}

/** The reference an Event uses for a pod, or for one of its containers (fieldPath spec.containers{NAME}). */
export function podRef(p: { metadata: { namespace?: string; name?: string; uid?: string; resourceVersion?: string } }, container?: string, init = false): ObjectReference {
  const ref: ObjectReference = {
    kind: 'Pod',
    apiVersion: 'v1',
    namespace: p.metadata.namespace,
    name: p.metadata.name,
    uid: p.metadata.uid,
  };
  if (container) ref.fieldPath = `spec.${init ? 'initContainers' : 'containers'}{${container}}`;
  return ref;
}

/** The kubelet refers to its Node with the node name as UID. */
export function nodeRef(name: string): ObjectReference {
  return { kind: 'Node', apiVersion: 'v1', name, uid: name };
}
