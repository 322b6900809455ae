/**
 * API server write-path microbenchmark (issue 4): the API server's own CPU
 * cost of one readiness change, measured as CPU time rather than latency so
 * that it stays comparable on a busy shared machine.
 *
 * One change = what the endpoint benchmark makes the server do per Ready
 * flip: a pods/status merge PATCH, an EndpointSlice PUT, and the watch
 * events of both (a pod watcher and a slice watcher, as the controller's
 * informers). A child process sends the writes in a closed loop
 * (`--concurrency` in flight) and watches; this process runs the API server
 * (memory store, HTTPS) and reports its CPU time per change.
 *
 *   node --import tsx bench/controllers/write-path.ts [--services N] [--pods N] [--changes N] [--concurrency N] [--profile]
 *
 * --profile prints the server's top functions by self time (and saves the
 * profile when BENCH_CPUPROFILE_DIR is set).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';
import { loopbackNetworkConfig } from '../../src/allocators/index.ts';
import { findResource } from '../../src/api/resources.ts';
import type { EndpointSlice, KubeObject, Pod } from '../../src/api/types.ts';
import { spawnWorker } from '../apiserver/worker-rpc.ts';
import { NAMESPACE, podIP, podName, serviceName } from './shape.ts';
import { startProfile, stopProfile } from './profile.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const PODS = opt('pods', 10);
const SERVICES = opt('services', 2000);
const CHANGES = opt('changes', 6000);
const CONCURRENCY = opt('concurrency', 16);
const ROOT = new URL('../..', import.meta.url).pathname;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function seed(server: ApiServer): Promise<void> {
  const reg = server.registry;
  const R = (g: string, v: string, res: string) => findResource(g, v, res)!;
  await reg.create(R('', 'v1', 'namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  for (let i = 0; i < SERVICES; i++) {
    const endpoints = [];
    for (let j = 0; j < PODS; j++) {
      const k = i * PODS + j;
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName(i, j), namespace: NAMESPACE, labels: { app: serviceName(i) } },
        spec: { nodeName: `node-${k % 12}`, containers: [{ name: 'app', image: 'registry.example/app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
      };
      await reg.create(R('', 'v1', 'pods'), NAMESPACE, pod);
      await reg.guaranteedUpdate(R('', 'v1', 'pods'), NAMESPACE, podName(i, j), { subresource: 'status' }, (cur) => ({
        ...cur,
        status: { phase: 'Running', podIP: podIP(k), podIPs: [{ ip: podIP(k) }], hostIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-27T00:00:00Z' }] },
      }));
      endpoints.push({
        addresses: [podIP(k)],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${k % 12}`,
        zone: 'zone-a',
        targetRef: { kind: 'Pod', namespace: NAMESPACE, name: podName(i, j) },
      });
    }
    await reg.create(R('discovery.k8s.io', 'v1', 'endpointslices'), NAMESPACE, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${serviceName(i)}-abcde`, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': serviceName(i), 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
      addressType: 'IPv4',
      endpoints,
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    } as unknown as EndpointSlice as KubeObject);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-wp-'));
  const store = await openStore({ kind: 'memory' });
  const pki = ensurePki(dir, []);
  const server = new ApiServer({ store, pki, port: 0, network: { ...loopbackNetworkConfig(), podCIDRs: ['127.244.0.0/14'] } });
  const url = await server.start();
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
  const client = spawnWorker(join(ROOT, 'bench/controllers/write-path-client.ts'), []);
  try {
    await seed(server);
    await client.call('prepare', { kubeconfig, services: SERVICES, pods: PODS });
    // Warm-up (JIT), then the measured run.
    await client.call('run', { changes: Math.min(1000, CHANGES), concurrency: CONCURRENCY, seed: 1 });
    const profile = args.includes('--profile');
    if (profile) await startProfile();
    const c0 = cpuMs();
    const t0 = performance.now();
    const r = await client.call<{ changes: number; events: number; clientCpuMs: number }>('run', { changes: CHANGES, concurrency: CONCURRENCY, seed: 2 });
    const wall = performance.now() - t0;
    const cpu = cpuMs() - c0;
    if (profile) for (const t of (await stopProfile(25, 'write-path')).top) process.stdout.write(`${t.ms.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}\n`);
    process.stdout.write(
      `${SERVICES} Services × ${PODS} pods; ${r.changes} changes (status PATCH + slice PUT), ${CONCURRENCY} in flight, ${r.events} watch events received: ` +
        `API server CPU ${(cpu / r.changes * 1000).toFixed(0)} µs per change (${((cpu / wall) * 100).toFixed(0)}% of a core), client ${(r.clientCpuMs / r.changes * 1000).toFixed(0)} µs; ` +
        `${(r.changes / (wall / 1000)).toFixed(0)} changes/s\n`,
    );
  } finally {
    await client.call('stop', {}).catch(() => undefined);
    await client.stop();
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
