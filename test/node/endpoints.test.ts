/**
 * What a Service sees of the node agent: EndpointSlice conditions written by
 * the real endpoint controllers (src/controllers) follow the pod status the
 * agent writes for real processes.
 * - no readiness probe: the endpoint is ready once the process runs, even
 *   before the program listens (Kubernetes sends traffic to it, ready or not);
 * - with a readiness probe: ready only after a probe passes; not ready after
 *   failureThreshold failing probes (about one period), ready again after one
 *   passing probe;
 * - graceful deletion: terminating=true, serving=true, ready=false while the
 *   process handles SIGTERM, then SIGKILL at the end of the grace period; an
 *   app whose readiness fails on SIGTERM is serving=false while it drains.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointConditions, EndpointSlice, Pod } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import { startControllers, type RunningControllers } from '../../src/controllers/index.ts';
import type { Agent } from '../../src/node/index.ts';
import { agentGet, endpointConditions, groupAlive, httpGet, samplePod, sampleService, startEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
let agent: Agent;
let controllers: RunningControllers;

before(async () => {
  env = await startEnv();
  agent = await env.startAgent({ nodeName: 'node1' });
  controllers = startControllers(env.client, { events: false });
  await controllers.synced;
});

after(async () => {
  controllers?.stop();
  await env?.stop();
});

const NOT_READY: EndpointConditions = { ready: false, serving: false, terminating: false };
const READY: EndpointConditions = { ready: true, serving: true, terminating: false };
const TERMINATING_SERVING: EndpointConditions = { ready: false, serving: true, terminating: true };
const TERMINATING: EndpointConditions = { ready: false, serving: false, terminating: true };

/** Waits until the pod's endpoint in the Service's slices has exactly these conditions. */
async function endpointIs(svc: string, pod: string, want: EndpointConditions | undefined, timeoutMs = 15_000): Promise<void> {
  let last: EndpointConditions | undefined;
  await waitFor(`${pod} endpoint ${JSON.stringify(want)} (last ${JSON.stringify(last)})`, async () => {
    last = await endpointConditions(env.client, svc, pod);
    return JSON.stringify(last) === JSON.stringify(want);
  }, timeoutMs, 25);
}

async function podLog(pod: string): Promise<string> {
  return (await agentGet(agent.port, `/containerLogs/default/${pod}/app`, env.api.pki.token)).body;
}

/** Readiness probe requests the sample app logged (LOG_REQUESTS=1) after the line matching `mark`. */
function probesAfter(log: string, mark: RegExp): number {
  const i = log.search(mark);
  assert.ok(i >= 0, `${mark} in the log:\n${log}`);
  return (log.slice(i).match(/GET \/healthz from/g) ?? []).length;
}

async function podIP(name: string): Promise<string> {
  return waitFor(`${name} IP`, async () => (await env.pod(name))?.status?.podIP);
}

test('no readiness probe: the endpoint is ready as soon as the process runs, before the program even listens', async () => {
  await env.client.create(Resources.services, 'default', sampleService('plain'));
  // The app waits a minute before listening: only its process runs.
  await env.create(samplePod('plain', { nodeName: 'node1', env: { START_DELAY_MS: '60000' } }));
  await endpointIs('plain', 'plain', READY);
  const ip = await podIP('plain');
  // (Ready even before node has loaded the script: the process is what counts.)
  await waitFor('the app logs its delay', async () => /starting in 60000 ms/.test(await podLog('plain')));
  await assert.rejects(httpGet(ip, 8080, '/name'), 'nothing listens yet, but the Service would send traffic');
  const out = await env.api.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=plain']);
  assert.match(out.stdout, new RegExp(`plain-\\S+\\s+IPv4\\s+8080\\s+${ip.replace(/\./g, '\\.')}\\s`));
  const ep = await env.api.kubectl(['get', 'endpoints', 'plain']);
  assert.match(ep.stdout, new RegExp(`plain\\s+${ip.replace(/\./g, '\\.')}:8080\\s`));
});

test('readiness probe: ready only after it passes; not ready after failureThreshold failing probes; ready again after one passing probe', async () => {
  const period = 2;
  await env.client.create(Resources.services, 'default', sampleService('probed'));
  await env.create(
    samplePod('probed', {
      nodeName: 'node1',
      env: { READY: 'false', LOG_REQUESTS: '1' },
      container: { readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: period, failureThreshold: 2 } },
    }),
  );
  const ip = await podIP('probed');
  // Failing probes: the endpoint is listed, not ready, not serving.
  await waitFor('two failing probes', async () => probesAfter(await podLog('probed'), /listening on/) >= 2, 15_000);
  assert.deepEqual(await endpointConditions(env.client, 'probed', 'probed'), NOT_READY);
  const pod = await env.pod('probed');
  assert.equal(pod!.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False');

  await httpGet(ip, 8080, '/recover');
  await endpointIs('probed', 'probed', READY);
  assert.ok(probesAfter(await podLog('probed'), /readiness recovered/) >= 1, 'ready only after a probe passed');

  await httpGet(ip, 8080, '/fail');
  await endpointIs('probed', 'probed', NOT_READY);
  // At the moment the slice shows not ready: failureThreshold (2) probes have failed, at most one more
  // was sent meanwhile (the slice follows within about one period of the deciding probe).
  const failing = probesAfter(await podLog('probed'), /readiness set to failing/);
  assert.ok(failing >= 2 && failing <= 3, `${failing} failing probes before the slice showed not ready`);

  await httpGet(ip, 8080, '/recover');
  await endpointIs('probed', 'probed', READY);
  const out = await env.api.kubectl(['get', 'pod', 'probed']);
  assert.match(out.stdout, /probed\s+1\/1\s+Running\s+0/);
});

/** Records the pod's endpoint conditions on every slice change (undefined: no endpoint) until stopped. */
function recordEndpoint(svc: string, pod: string): { seen: (EndpointConditions | undefined)[]; stop(): void } {
  const seen: (EndpointConditions | undefined)[] = [];
  const w = env.client.watch<EndpointSlice>(Resources.endpointSlices, 'default', { labelSelector: `kubernetes.io/service-name=${svc}` }, (ev) => {
    if (ev.type === 'BOOKMARK') return;
    const e = ev.type === 'DELETED' ? undefined : ev.object.endpoints?.find((x) => x.targetRef?.name === pod);
    const c = e ? (e.conditions ?? {}) : undefined;
    if (JSON.stringify(seen.at(-1)) !== JSON.stringify(c)) seen.push(c);
  });
  return { seen, stop: () => w.stop() };
}

/** Records the pod's containerStatuses[0].state.terminated values until stopped. */
function recordTermination(name: string): { last(): Record<string, unknown> | undefined; stop(): void } {
  let last: Record<string, unknown> | undefined;
  const w = env.client.watch<Pod>(Resources.pods, 'default', { fieldSelector: `metadata.name=${name}` }, (ev) => {
    const t = ev.object.status?.containerStatuses?.[0]?.state?.terminated;
    if (t) last = t as Record<string, unknown>;
  });
  return { last: () => last, stop: () => w.stop() };
}

test('graceful deletion: terminating and serving during the grace period while the app handles SIGTERM; SIGKILL after it', async () => {
  const grace = 3;
  await env.client.create(Resources.services, 'default', sampleService('graceful'));
  await env.create(samplePod('graceful', { nodeName: 'node1', env: { IGNORE_SIGTERM: '1' }, spec: { terminationGracePeriodSeconds: grace } }));
  await endpointIs('graceful', 'graceful', READY);
  await waitFor('app up', async () => /listening on/.test(await podLog('graceful')));
  const pgid = agent.podPids('default', 'graceful')[0]!;
  const rec = recordEndpoint('graceful', 'graceful');
  const term = recordTermination('graceful');
  try {
    await waitFor('slice watch started', () => rec.seen.length > 0);
    const del = await env.api.kubectl(['delete', 'pod', 'graceful', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
    // The app logs SIGTERM and keeps running (it ignores it): the endpoint is terminating but still serving.
    await waitFor('SIGTERM in kubectl logs', async () => /received SIGTERM/.test((await env.api.kubectl(['logs', 'graceful'])).stdout), 10_000, 200);
    await endpointIs('graceful', 'graceful', TERMINATING_SERVING);
    assert.ok(groupAlive(pgid), 'the process runs on during the grace period');
    const pod = await env.pod('graceful');
    assert.ok(pod?.metadata.deletionTimestamp);
    assert.equal(pod!.status!.containerStatuses![0].state?.running !== undefined, true, 'container still running');
    // Then SIGKILL: the pod goes, and with it the endpoint.
    await waitFor('pod gone', async () => !(await env.pod('graceful')), 15_000);
    await endpointIs('graceful', 'graceful', undefined);
    assert.equal(groupAlive(pgid), false);
    assert.equal(term.last()?.['exitCode'], 137, 'killed by SIGKILL (128 + 9)');
  } finally {
    rec.stop();
    term.stop();
  }
  // In order: ready → terminating and serving (the container stays Ready until it stops) → gone
  // (possibly not serving for a moment between the kill and the deletion).
  const [first, second, ...rest] = rec.seen;
  assert.deepEqual([first, second, rest.at(-1)], [READY, TERMINATING_SERVING, undefined], JSON.stringify(rec.seen));
  for (const c of rest.slice(0, -1)) assert.deepEqual(c, TERMINATING, JSON.stringify(rec.seen));
});

test('graceful deletion of an app that fails readiness on SIGTERM: not serving while it drains, gone when it exits (no SIGKILL)', async () => {
  await env.client.create(Resources.services, 'default', sampleService('drainer'));
  await env.create(
    samplePod('drainer', {
      nodeName: 'node1',
      // On SIGTERM the app answers 503 on /healthz and exits 4 s later, well within the 30 s grace.
      env: { TERM_DELAY_MS: '4000' },
      spec: { terminationGracePeriodSeconds: 30 },
      container: { readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 } },
    }),
  );
  await endpointIs('drainer', 'drainer', READY);
  const rec = recordEndpoint('drainer', 'drainer');
  const term = recordTermination('drainer');
  try {
    await waitFor('slice watch started', () => rec.seen.length > 0);
    await env.client.delete(Resources.pods, 'default', 'drainer');
    await endpointIs('drainer', 'drainer', TERMINATING);
    assert.match(await podLog('drainer'), /received SIGTERM/);
    await waitFor('pod gone', async () => !(await env.pod('drainer')), 20_000);
    assert.equal(term.last()?.['exitCode'], 0, 'the app exited by itself after SIGTERM');
  } finally {
    rec.stop();
    term.stop();
  }
  // ready → terminating (serving while the probe still passed) → not serving → gone.
  const seen = rec.seen.slice(rec.seen.findIndex((c) => c?.ready === true));
  assert.deepEqual(seen.at(0), READY);
  assert.deepEqual(seen.at(-2), TERMINATING);
  assert.equal(seen.at(-1), undefined);
});
