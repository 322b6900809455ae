/**
 * Benchmark child process: the load and the observer.
 *
 * - converge: watches EndpointSlices and Endpoints (from the current
 *   resourceVersion) until every bench Service has all its pods ready in its
 *   slices and in its Endpoints object; reports when each was first true.
 * - churn: flips the Ready condition of random pods through pods/status at a
 *   fixed rate, stamping each write (annotation bench.switchboard.dev/t, epoch
 *   ms), and matches every change with the slice event that shows it: latency
 *   = slice event received − status write sent. Counts every slice and
 *   Endpoints event meanwhile (writes per change).
 */
import { performance } from 'node:perf_hooks';
import { serve } from '../apiserver/worker-rpc.ts';
import type { EndpointSlice, Endpoints } from '../../src/api/types.ts';
import { RestClient, Resources, loadClientConfig, type WatchEventOf, type WatchStream } from '../../src/client/index.ts';
import { STAMP, podName, serviceName } from './shape.ts';

const now = () => performance.timeOrigin + performance.now();

let client: RestClient | undefined;

interface Shape {
  kubeconfig: string;
  namespace: string;
  services: number;
  podsPerService: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function currentRv(c: RestClient, r: typeof Resources.endpointSlices, ns: string): Promise<string> {
  const l = await c.list(r, ns, { limit: 1 });
  return l.metadata.resourceVersion ?? '';
}

/** Live per-Service state built from slice and Endpoints events. */
class Observer {
  readonly sliceReady = new Map<string, number>(); // slice name → ready endpoints
  readonly sliceSvc = new Map<string, string>();
  readonly svcReady = new Map<string, number>(); // service → ready endpoints over its slices
  readonly epReady = new Map<string, number>(); // service → ready addresses in Endpoints
  sliceEvents = 0;
  endpointsEvents = 0;
  onSlice?: (s: EndpointSlice, at: number) => void;
  private streams: WatchStream[] = [];

  constructor(private readonly c: RestClient, private readonly ns: string) {}

  async start(): Promise<void> {
    const rvS = await currentRv(this.c, Resources.endpointSlices, this.ns);
    const rvE = await currentRv(this.c, Resources.endpoints, this.ns);
    // Seed with what exists (nothing at a cold start; everything before churn).
    for (const s of (await this.c.list<EndpointSlice>(Resources.endpointSlices, this.ns)).items) this.slice('ADDED', s);
    for (const e of (await this.c.list<Endpoints>(Resources.endpoints, this.ns)).items) this.endpoints('ADDED', e);
    this.sliceEvents = 0;
    this.endpointsEvents = 0;
    this.streams.push(
      this.c.watch<EndpointSlice>(Resources.endpointSlices, this.ns, { resourceVersion: rvS, timeoutSeconds: 3600 }, (ev: WatchEventOf<EndpointSlice>) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') {
          this.sliceEvents++;
          this.slice(ev.type, ev.object);
        }
      }),
      this.c.watch<Endpoints>(Resources.endpoints, this.ns, { resourceVersion: rvE, timeoutSeconds: 3600 }, (ev: WatchEventOf<Endpoints>) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') {
          this.endpointsEvents++;
          this.endpoints(ev.type, ev.object);
        }
      }),
    );
  }

  stop(): void {
    for (const s of this.streams) s.stop();
  }

  private slice(type: string, s: EndpointSlice): void {
    const at = now();
    const name = s.metadata.name!;
    const svc = s.metadata.labels?.['kubernetes.io/service-name'] ?? '';
    const before = this.sliceReady.get(name) ?? 0;
    const after = type === 'DELETED' ? 0 : (s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
    this.sliceReady.set(name, after);
    this.sliceSvc.set(name, svc);
    this.svcReady.set(svc, (this.svcReady.get(svc) ?? 0) + after - before);
    if (type !== 'DELETED') this.onSlice?.(s, at);
  }

  private endpoints(type: string, e: Endpoints): void {
    const n = type === 'DELETED' ? 0 : (e.subsets ?? []).reduce((a, s) => a + (s.addresses?.length ?? 0), 0);
    this.epReady.set(e.metadata.name!, n);
  }
}

let observer: Observer | undefined;
/** Readiness of pods flipped so far (all start ready); kept across churn runs. */
const ready = new Map<string, boolean>();

serve({
  /** Lists and starts watching; call before the controllers start. */
  async prepareConverge(a: Shape) {
    client = new RestClient(loadClientConfig(a.kubeconfig));
    observer = new Observer(client, a.namespace);
    await observer.start();
    return { at: now() };
  },

  /** Resolves when all Services are complete in slices, then in Endpoints. */
  async awaitConverge(a: Shape & { timeoutMs: number }, progress: (n: string) => void) {
    const o = observer!;
    const want = a.podsPerService;
    const expected = (i: number) => {
      let n = want;
      for (let j = 0; j < want; j++) if (ready.get(podName(i, j)) === false) n--;
      return n;
    };
    const countDone = (m: Map<string, number>) => {
      let n = 0;
      for (let i = 0; i < a.services; i++) if (m.get(serviceName(i)) === expected(i)) n++;
      return n;
    };
    let slicesAt = 0;
    let endpointsAt = 0;
    const end = Date.now() + a.timeoutMs;
    let lastNote = 0;
    while (Date.now() < end && (!slicesAt || !endpointsAt)) {
      await new Promise((r) => setTimeout(r, 20));
      const s = countDone(o.svcReady);
      const e = countDone(o.epReady);
      if (!slicesAt && s === a.services) slicesAt = now();
      if (!endpointsAt && e === a.services) endpointsAt = now();
      if (Date.now() - lastNote > 2000) {
        lastNote = Date.now();
        progress(`converging: ${s}/${a.services} Services complete in slices, ${e}/${a.services} in Endpoints`);
      }
    }
    return { slicesAt, endpointsAt, sliceEvents: o.sliceEvents, endpointsEvents: o.endpointsEvents, slices: o.sliceReady.size };
  },

  /** Ready flips at `rate`/s for `seconds`, then waits up to `drainMs` for the last ones to show. */
  async churn(a: Shape & { rate: number; seconds: number; drainMs: number; seed: number; maxInflight: number; observe: boolean }, progress: (n: string) => void) {
    const c = client!;
    const o = observer!;
    let rnd = a.seed >>> 0;
    const random = () => {
      // xorshift32: reproducible choice of pods.
      rnd ^= rnd << 13;
      rnd ^= rnd >>> 17;
      rnd ^= rnd << 5;
      return (rnd >>> 0) / 4294967296;
    };
    const pending = new Map<string, { t: number; ack: number; ready: boolean }>();
    const latencies: number[] = [];
    const fromAck: number[] = [];
    let skipped = 0;
    const writeRtt: number[] = [];
    let errors = 0;
    let firstError = '';
    o.onSlice = (s, at) => {
      for (const e of s.endpoints ?? []) {
        const name = e.targetRef?.name;
        if (!name) continue;
        const p = pending.get(name);
        if (p && (e.conditions?.ready ?? false) === p.ready) {
          latencies.push(at - p.t);
          if (p.ack) fromAck.push(at - p.ack);
          pending.delete(name);
        }
      }
    };
    const sliceEvents0 = o.sliceEvents;
    const endpointsEvents0 = o.endpointsEvents;
    const cpu0 = cpuMs();
    const total = Math.round(a.rate * a.seconds);
    let sent = 0;
    const t0 = now();
    let inflight = 0;
    let maxInflight = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((now() - t0) / 1000) * a.rate));
        while (sent + skipped < due) {
          if (inflight >= a.maxInflight) {
            // The API server is not keeping up: this change is not offered (counted, not queued client-side).
            skipped++;
            continue;
          }
          let i: number;
          let j: number;
          let name: string;
          do {
            i = Math.floor(random() * a.services);
            j = Math.floor(random() * a.podsPerService);
            name = podName(i, j);
          } while (pending.has(name));
          const next = !(ready.get(name) ?? true);
          ready.set(name, next);
          const t = now();
          const entry = { t, ack: 0, ready: next };
          if (a.observe) pending.set(name, entry);
          sent++;
          inflight++;
          maxInflight = Math.max(maxInflight, inflight);
          const stamp = new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
          c.patch(
            Resources.pods,
            a.namespace,
            name,
            { metadata: { annotations: { [STAMP]: t.toFixed(3) } }, status: { conditions: [{ type: 'Ready', status: next ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: stamp }] } },
            'merge',
            'status',
          ).then(
            () => {
              entry.ack = now();
              writeRtt.push(entry.ack - t);
              inflight--;
            },
            (e: unknown) => {
              errors++;
              firstError ||= e instanceof Error ? e.message : String(e);
              pending.delete(name);
              inflight--;
            },
          );
        }
        if (sent + skipped >= total) return resolve();
        setTimeout(tick, 2);
      };
      tick();
    });
    const sentAt = now();
    progress(`churn: sent ${sent} status writes in ${((sentAt - t0) / 1000).toFixed(1)} s; draining`);
    const drainEnd = Date.now() + (a.observe ? a.drainMs : 0);
    while (inflight > 0) await new Promise((r) => setTimeout(r, 5));
    while ((pending.size > 0 || inflight > 0) && Date.now() < drainEnd) await new Promise((r) => setTimeout(r, 20));
    // Let trailing writes (e.g. Endpoints) land before counting events.
    if (a.observe) await new Promise((r) => setTimeout(r, 1000));
    o.onSlice = undefined;
    return {
      sent,
      sendSeconds: (sentAt - t0) / 1000,
      observed: latencies.length,
      unobserved: pending.size,
      errors,
      firstError,
      maxInflight,
      latencies,
      fromAck,
      skipped,
      writeRtt,
      sliceEvents: o.sliceEvents - sliceEvents0,
      endpointsEvents: o.endpointsEvents - endpointsEvents0,
      cpuMs: cpuMs() - cpu0,
    };
  },

  async stop() {
    observer?.stop();
    client?.close();
    return {};
  },
});
