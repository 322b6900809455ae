#!/usr/bin/env node
// Continuous HTTP traffic that counts every failed request, for the scenario
// tests on a kernel-mode cluster. No dependencies: it runs inside a network
// namespace (`ip netns exec NS node test/cluster/traffic.mjs URL…`), where
// the test process itself cannot reach a ClusterIP.
//
//   node traffic.mjs URL [URL…] [--concurrency N] [--timeout-ms N] [--gap-ms N]
//
// N loops (default 3) each send one GET at a time, cycling through the URLs,
// every request on a new connection (no agent, `Connection: close`), with a
// timeout (default 10000 ms: a refused connection fails at once, a dropped
// one at the timeout; a longer one only delays the count on a busy machine)
// and a pause (default 20 ms) between requests. A request counts as ok when it gets status 200; its answerer is the first
// word of the body (the sample app answers "<pod> <ip>:<port> …"). Anything
// else — a status other than 200, a refused or reset connection, a timeout —
// counts as failed, by error code.
//
// stdin: each line "stats" prints one JSON line of the counters so far; the
// line "stop", the end of stdin or SIGTERM lets the requests in flight finish,
// prints the final JSON line and exits 0. The JSON:
//   {ok, failed, byPod: {pod: n}, errors: {code: n},
//    failures: [{at, url, error}] (the first 50), recent: [answerer|"!code"] (the last 60)}
import http from 'node:http';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const urls = [];
const opts = { concurrency: 3, timeoutMs: 10_000, gapMs: 20 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--concurrency') opts.concurrency = Number(args[++i]);
  else if (a === '--timeout-ms') opts.timeoutMs = Number(args[++i]);
  else if (a === '--gap-ms') opts.gapMs = Number(args[++i]);
  else urls.push(a);
}
if (!urls.length || !Object.values(opts).every((v) => Number.isFinite(v) && v >= 0)) {
  process.stderr.write('usage: traffic.mjs URL [URL…] [--concurrency N] [--timeout-ms N] [--gap-ms N]\n');
  process.exit(2);
}

const stats = { ok: 0, failed: 0, byPod: {}, errors: {}, failures: [], recent: [] };
const RECENT = 60;
const FAILURE_SAMPLES = 50;
let running = true;
let sent = 0;

function remember(entry) {
  stats.recent.push(entry);
  if (stats.recent.length > RECENT) stats.recent.shift();
}

function fail(url, error) {
  stats.failed++;
  stats.errors[error] = (stats.errors[error] ?? 0) + 1;
  if (stats.failures.length < FAILURE_SAMPLES) stats.failures.push({ at: Date.now(), url, error });
  remember(`!${error}`);
}

/** One GET on a fresh connection: resolves with [status, body] or rejects with the error. */
function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { connection: 'close' }, signal: AbortSignal.timeout(opts.timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve([res.statusCode, body]));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function loop() {
  while (running) {
    const url = urls[sent++ % urls.length];
    try {
      const [status, body] = await get(url);
      if (status === 200) {
        const pod = body.split(/\s/)[0] || '?';
        stats.ok++;
        stats.byPod[pod] = (stats.byPod[pod] ?? 0) + 1;
        remember(pod);
      } else fail(url, `HTTP ${status}`);
    } catch (e) {
      fail(url, e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'timeout' : (e?.code ?? String(e?.message ?? e)));
    }
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
}

const print = () => process.stdout.write(`${JSON.stringify(stats)}\n`);
const loops = Array.from({ length: opts.concurrency }, loop);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  running = false;
  await Promise.all(loops);
  print();
  process.exit(0);
}

process.on('SIGTERM', stop);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === 'stop') void stop();
  else if (line.trim() === 'stats') print();
});
rl.on('close', stop);
