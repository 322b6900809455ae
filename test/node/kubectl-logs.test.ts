/**
 * `kubectl logs` against a real API server proxying to the node agent
 * (pods/log → /containerLogs), with real processes: after a liveness restart
 * --previous shows the old run; --tail, -f (streaming) and -c work; errors
 * read as on a real cluster.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE, httpGet, samplePod, startEnv, waitFor, type Env } from './helpers.ts';

let env: Env;

before(async () => {
  env = await startEnv();
  await env.startAgent({ nodeName: 'node1' });
});

after(async () => {
  await env?.stop();
});

const TICKER = { name: 'ticker', image: 'busybox', command: [NODE, '-e', "let i = 0; setInterval(() => console.log('tick ' + ++i), 200)"] };

const ticks = (out: string) => out.split('\n').filter(Boolean).map((l) => Number(/^tick (\d+)$/.exec(l)?.[1] ?? NaN));

function consecutive(ns: number[]): boolean {
  return ns.every((n, i) => Number.isInteger(n) && (i === 0 || n === ns[i - 1]! + 1));
}

test('kubectl logs: --previous after a liveness restart, --tail, -f, -c, and the errors a user sees', async () => {
  const pod = samplePod('logger', {
    nodeName: 'node1',
    container: {
      // Two failures in a row; SIGKILL 1 s after the SIGTERM the hung app cannot handle.
      livenessProbe: { httpGet: { path: '/livez', port: 8080 }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 },
    },
  });
  pod.spec.containers.push(TICKER);
  await env.create(pod);
  const logs = (...args: string[]) => env.api.kubectl(['logs', 'logger', ...args]);
  await waitFor('app listening', async () => /listening on/.test((await logs('-c', 'app')).stdout), 15_000, 200);

  // No -c: kubectl picks the first container and says so.
  const dflt = await logs();
  assert.equal(dflt.code, 0, dflt.stderr);
  assert.match(dflt.stderr, /Defaulted container "app" out of: app, ticker/);
  assert.match(dflt.stdout, /logger: listening on 127\.244\.\d+\.\d+:8080\n/);
  assert.doesNotMatch(dflt.stdout, /tick/);

  // Before any restart there is no previous run.
  const noPrev = await logs('-c', 'app', '--previous');
  assert.notEqual(noPrev.code, 0);
  assert.match(noPrev.stderr, /previous terminated container "app" in pod "logger" not found/);

  // Liveness: hang the app; the agent kills and restarts it.
  const ip = (await env.pod('logger'))!.status!.podIP!;
  await httpGet(ip, 8080, '/hang');
  await waitFor('app restarted', async () => {
    const cs = (await env.pod('logger'))?.status?.containerStatuses?.find((c) => c.name === 'app');
    return cs?.restartCount === 1 && cs.state?.running !== undefined;
  }, 20_000);
  const prev = await logs('-c', 'app', '--previous');
  assert.equal(prev.code, 0, prev.stderr);
  assert.match(prev.stdout, /listening on[^\n]*\n[^]*hanging \(event loop blocked\)\n$/, 'the previous run, up to the hang');
  const cur = await waitFor('current run logs', async () => {
    const r = await logs('-c', 'app');
    return /listening on/.test(r.stdout) ? r : undefined;
  }, 10_000, 200);
  assert.doesNotMatch(cur.stdout, /hanging/, 'the current run is a new log');
  const get = await env.api.kubectl(['get', 'pod', 'logger']);
  assert.match(get.stdout, /logger\s+2\/2\s+Running\s+1 \(\S+ ago\)/);

  // --tail=N on the other container: the last N lines, consecutive.
  await waitFor('some ticks', async () => ticks((await logs('-c', 'ticker')).stdout).length >= 5, 10_000, 200);
  const tail = await logs('-c', 'ticker', '--tail=3');
  assert.equal(tail.code, 0, tail.stderr);
  const tailed = ticks(tail.stdout);
  assert.equal(tailed.length, 3, tail.stdout);
  assert.ok(consecutive(tailed), tail.stdout);
  assert.ok(tailed[0]! >= 3, 'the last lines, not the first');

  // -f streams: new lines keep coming while kubectl runs; the test stops it.
  const child = env.api.kubectlSpawn(['logs', '-f', 'logger', '-c', 'ticker', '--tail=1']);
  let streamed = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (streamed += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor(`five streamed lines (stderr: ${stderr})`, () => ticks(streamed).length >= 5, 15_000);
    assert.equal(child.exitCode, null, 'kubectl is still following');
  } finally {
    child.kill('SIGKILL');
  }
  await exited;
  const followed = ticks(streamed);
  assert.ok(consecutive(followed), streamed);
  assert.ok(followed[0]! >= tailed[2]!, 'starts at the tail, not the beginning');

  // Errors.
  const noSuch = await logs('-c', 'nope');
  assert.notEqual(noSuch.code, 0);
  assert.match(noSuch.stderr, /container nope is not valid for pod logger/);
  const tickerPrev = await logs('-c', 'ticker', '--previous');
  assert.notEqual(tickerPrev.code, 0);
  assert.match(tickerPrev.stderr, /previous terminated container "ticker" in pod "logger" not found/);
});
