/**
 * Child process of write-path.ts: watches pods and EndpointSlices, and sends
 * readiness changes (pods/status merge PATCH, then the slice PUT that shows
 * it) in a closed loop.
 */
import { serve } from '../apiserver/worker-rpc.ts';
import type { EndpointSlice } from '../../src/api/types.ts';
import { RestClient, Resources, loadClientConfig, type WatchStream } from '../../src/client/index.ts';
import { NAMESPACE, podName } from './shape.ts';

let client: RestClient | undefined;
let shape = { services: 0, pods: 0 };
const slices = new Map<number, EndpointSlice>();
const streams: WatchStream[] = [];
let events = 0;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

serve({
  async prepare(a: { kubeconfig: string; services: number; pods: number }) {
    client = new RestClient(loadClientConfig(a.kubeconfig));
    shape = a;
    for (const r of [Resources.pods, Resources.endpointSlices]) {
      const l = await client.list(r, NAMESPACE, { limit: 1 });
      streams.push(client.watch(r, NAMESPACE, { resourceVersion: l.metadata.resourceVersion ?? '', timeoutSeconds: 3600 }, () => void events++));
    }
    for (const s of (await client.list<EndpointSlice>(Resources.endpointSlices, NAMESPACE)).items) {
      slices.set(Number(s.metadata.name!.slice(4, 9)), s);
    }
    return {};
  },

  async run(a: { changes: number; concurrency: number; seed: number }) {
    const c = client!;
    let rnd = a.seed;
    const random = () => {
      rnd ^= rnd << 13;
      rnd ^= rnd >>> 17;
      rnd ^= rnd << 5;
      return (rnd >>> 0) / 4294967296;
    };
    const busy = new Set<number>();
    const cpu0 = cpuMs();
    const e0 = events;
    let next = 0;
    const one = async (): Promise<void> => {
      let i: number;
      do i = Math.floor(random() * shape.services);
      while (busy.has(i));
      busy.add(i);
      const j = Math.floor(random() * shape.pods);
      const s = slices.get(i)!;
      const ep = s.endpoints![j]!;
      const ready = !ep.conditions!.ready;
      await c.patch(Resources.pods, NAMESPACE, podName(i, j), { status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, 'merge', 'status');
      const upd = { ...s, endpoints: s.endpoints!.map((e, k) => (k === j ? { ...e, conditions: { ...e.conditions, ready, serving: ready } } : e)) };
      slices.set(i, await c.update(Resources.endpointSlices, NAMESPACE, upd));
      busy.delete(i);
    };
    await Promise.all(
      Array.from({ length: a.concurrency }, async () => {
        while (next < a.changes) {
          next++;
          await one();
        }
      }),
    );
    // Let the last watch events arrive.
    await new Promise((r) => setTimeout(r, 200));
    return { changes: a.changes, events: events - e0, clientCpuMs: cpuMs() - cpu0 };
  },

  async stop() {
    for (const s of streams) s.stop();
    client?.close();
    return {};
  },
});
