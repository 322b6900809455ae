/**
 * Events the proxy records on Services (listen failures, unsupported
 * protocols). Fire-and-forget through the API; the same (object, reason,
 * message) is written at most once per `dedupMs`, so a condition found again
 * on every resync does not flood the API. Failures are only logged.
 */
import type { Event } from '../api/types.ts';
import { Resources, type RestClient } from '../client/index.ts';

export interface ServiceRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface ProxyEventRecorder {
  event(svc: ServiceRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export const NO_PROXY_EVENTS: ProxyEventRecorder = { event() {} };

export function apiProxyEvents(
  client: Pick<RestClient, 'create'>,
  host: string,
  opts: { dedupMs?: number; log?: (line: string) => void; now?: () => number } = {},
): ProxyEventRecorder {
  const dedupMs = opts.dedupMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now;
  const last = new Map<string, number>();
  return {
    event(svc, type, reason, message) {
      const t = now();
      const id = `${svc.uid}|${svc.namespace}/${svc.name}|${reason}|${message}`;
      const prev = last.get(id);
      if (prev !== undefined && t - prev < dedupMs) return;
      last.set(id, t);
      if (last.size > 10_000) last.delete(last.keys().next().value!);
      opts.log?.(`${type} ${reason} ${svc.namespace}/${svc.name}: ${message}`);
      const ts = new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
      const ev: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${svc.name}.${(t * 1_000_000 + Math.floor(Math.random() * 1_000_000)).toString(16)}`, namespace: svc.namespace },
        involvedObject: { kind: 'Service', apiVersion: 'v1', namespace: svc.namespace, name: svc.name, uid: svc.uid || undefined },
        reason,
        message,
        type,
        source: { component: 'kube-proxy', host },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: 'kube-proxy',
        reportingInstance: host,
      };
      client.create(Resources.events, svc.namespace, ev).catch((e: unknown) => {
        opts.log?.(`event ${reason} for ${svc.namespace}/${svc.name}: ${e instanceof Error ? e.message : String(e)}`);
      });
    },
  };
}
