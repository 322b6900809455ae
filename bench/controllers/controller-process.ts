/**
 * Benchmark child process: the endpoint controllers, exactly as
 * `switchboard controller-manager --kubeconfig …` runs them
 * (startControllers over a RestClient), plus timing probes for "where the
 * time goes", all on this machine's clock:
 *
 * - pod event received − the driver's write stamp (annotation
 *   bench.switchboard.dev/t, epoch ms) = status write + watch delivery;
 * - next sync of that Service − pod event received = work queue wait;
 * - sync start → slice PUT sent = cache reads and planning;
 * - the slice PUT's round trip.
 *
 * Jobs (over IPC): start, idle, resetProbes, stats, profileStart,
 * profileStop, stop.
 */
import { performance } from 'node:perf_hooks';
import { serve } from '../apiserver/worker-rpc.ts';
import type { EndpointSlice, KubeObject, Pod } from '../../src/api/types.ts';
import { RestClient, loadClientConfig, type ResourceRef } from '../../src/client/index.ts';
import { DEFAULT_WORKERS, startControllers, type ControllerName, type RunningControllers } from '../../src/controllers/index.ts';
import { STAMP } from './shape.ts';
import { startProfile, stopProfile } from './profile.ts';

const now = () => performance.timeOrigin + performance.now();

let ctl: RunningControllers | undefined;
let client: RestClient | undefined;
let workers = 0;
const probes = { toController: [] as number[], queueWait: [] as number[], plan: [] as number[], reconcile: [] as number[], put: [] as number[], readinessEvents: 0 };
/** service name → when the earliest pod event not yet followed by a sync of that Service arrived. */
const pendingArrival = new Map<string, number>();
/** service name → when its current sync started. */
const syncStart = new Map<string, number>();

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function probeWrites(c: RestClient): void {
  const update = c.update.bind(c);
  c.update = (async <T extends KubeObject>(r: ResourceRef, ns: string | undefined, obj: T, sub?: string): Promise<T> => {
    if (r.resource !== 'endpointslices') return update(r, ns, obj, sub);
    const svc = (obj as unknown as EndpointSlice).metadata.labels?.['kubernetes.io/service-name'] ?? '';
    const t0 = now();
    const started = syncStart.get(svc);
    if (started !== undefined) probes.plan.push(t0 - started);
    const res = await update(r, ns, obj, sub);
    probes.put.push(now() - t0);
    return res;
  }) as typeof c.update;
}

function probeSyncs(r: RunningControllers): void {
  const esc = r.controllers.endpointslice;
  if (!esc) return;
  const reconcile = esc.reconcile.bind(esc);
  esc.reconcile = async (key: string) => {
    const t = now();
    const svc = key.slice(key.indexOf('/') + 1);
    const arrival = pendingArrival.get(svc);
    if (arrival !== undefined) probes.queueWait.push(t - arrival);
    pendingArrival.delete(svc);
    syncStart.set(svc, t);
    try {
      await reconcile(key);
    } finally {
      syncStart.delete(svc);
      probes.reconcile.push(now() - t);
    }
  };
  r.informers.pods.addHandler({
    onUpdate: (old: Pod, p: Pod) => {
      const t = Number(p.metadata.annotations?.[STAMP]);
      if (!t) return;
      const at = now();
      probes.toController.push(at - t);
      const ready = (x: Pod) => x.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      if (ready(old) !== ready(p)) probes.readinessEvents++;
      const svc = p.metadata.labels?.['app'];
      if (svc && !pendingArrival.has(svc)) pendingArrival.set(svc, at);
    },
  });
}

serve({
  async start(args: { kubeconfig: string; controllers?: ControllerName[]; workers?: number }) {
    workers = args.workers ?? DEFAULT_WORKERS;
    client = new RestClient(loadClientConfig(args.kubeconfig));
    probeWrites(client);
    const t0 = now();
    ctl = startControllers(client, { controllers: args.controllers, workers, events: false, log: (l) => process.stderr.write(`controller: ${l}\n`) });
    probeSyncs(ctl);
    await ctl.synced;
    return { startedAt: t0, syncMs: now() - t0 };
  },
  async idle() {
    await ctl!.idle();
    return { at: now() };
  },
  async resetProbes() {
    for (const k of ['toController', 'queueWait', 'plan', 'reconcile', 'put'] as const) probes[k] = [];
    probes.readinessEvents = 0;
    pendingArrival.clear();
    return {};
  },
  async stats() {
    const m = process.memoryUsage();
    return { stats: ctl!.stats(), probes, workers, cpuMs: cpuMs(), rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
  },
  /** Starts the V8 CPU profiler in this process. */
  async profileStart() {
    await startProfile();
    return {};
  },
  /** Stops the profiler; self time per function, top entries. */
  async profileStop(args: { top: number }) {
    return stopProfile(args.top);
  },
  async stop() {
    ctl?.stop();
    client?.close();
    return {};
  },
});
