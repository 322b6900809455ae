/**
 * A proxy without the privilege to bind ports below 1024: `switchboard
 * proxy` (runProxy, its own process) dropped to `nobody` with setpriv
 * (no capabilities, CAP_NET_BIND_SERVICE out of the bounding set) when the
 * tests run as root, as it is by default otherwise. The real case is the
 * `kubernetes` Service on 443: it gets a Warning Event naming the reason, as
 * does a Service on port 80 in front of a real pod; the proxy does not crash,
 * and a Service on a high port keeps working through the same proxy.
 * (traffic.test.ts shows the root case: the in-process proxy binds 443.)
 *
 * Band 208. API server, controllers and a node agent in this process; the
 * proxy is the only unprivileged part.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../../src/api/types.ts';
import { ProxyCluster, outcome } from './cluster.ts';
import { until } from './helpers.ts';

const B = 208;
const ROOT = new URL('../..', import.meta.url).pathname;
const PERMISSION = /: permission denied: ports below \d+ need root or CAP_NET_BIND_SERVICE/;

let c: ProxyCluster;
let child: ChildProcess | undefined;
let output = '';

function unprivilegedPrefix(): string[] {
  if (process.getuid?.() !== 0) return [];
  if (spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status !== 0) throw new Error('setpriv (util-linux) is needed to drop root for this test');
  return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-net_bind_service', '--'];
}

before(async () => {
  c = await ProxyCluster.start({ band: B, proxy: false });
  // The kubeconfig must be readable by nobody (it carries the CA and the token inline).
  c.shareKubeconfig();
  const script = join(c.api.dir, 'run-proxy.mts');
  writeFileSync(
    script,
    `import { runProxy } from ${JSON.stringify(join(ROOT, 'src/cli/proxy.ts'))};\n` +
      `await runProxy({ kubeconfig: ${JSON.stringify(c.api.kubeconfig)}, nodeName: 'node-1', mode: 'userspace', minSyncPeriodMs: 0, nodePortAddresses: [${JSON.stringify(c.nodeAddress(0))}], metricsListen: '', healthzListen: '', handleSignals: true });\n`,
  );
  chmodSync(script, 0o644);
  const argv = [...unprivilegedPrefix(), process.execPath, '--import', 'tsx', script];
  const p = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: c.api.dir } });
  child = p;
  p.stdout!.on('data', (d) => (output += d));
  p.stderr!.on('data', (d) => (output += d));
  await until(() => output.includes('switchboard proxy: ready') || p.exitCode !== null, 'child proxy ready', 30_000, 20);
  assert.ok(output.includes('ready'), `child proxy did not start:\n${output}`);
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await c?.stop();
});

async function listenFailure(service: string): Promise<Event> {
  await until(async () => (await c.events(service)).some((e) => e.reason === 'FailedToStartServiceProxy'), `FailedToStartServiceProxy on ${service}`, 20_000);
  return (await c.events(service)).find((e) => e.reason === 'FailedToStartServiceProxy')!;
}

test('the `kubernetes` Service on 443 gets a Warning Event from an unprivileged proxy, not a crash', async () => {
  const ev = await listenFailure('kubernetes');
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.involvedObject.kind, 'Service');
  assert.equal(ev.involvedObject.namespace, 'default');
  assert.match(ev.message!, new RegExp(`cannot listen on ${c.vip(1).replace(/\./g, '\\.')}:443/TCP${PERMISSION.source}`));
  assert.equal(child!.exitCode, null, `the proxy is still running:\n${output}`);
});

test('a Service on port 80 in front of a real pod: Event, refused on 80; a Service on a high port is served by the same proxy', async () => {
  const [pod] = await c.runPods(['low-pod'], { labels: { app: 'low' } });
  await c.service('low', { clusterIP: c.vip(20), selector: { app: 'low' }, ports: [{ port: 80, targetPort: 8080 }] });
  const ev = await listenFailure('low');
  assert.equal(ev.type, 'Warning');
  assert.match(ev.message!, new RegExp(`${c.vip(20).replace(/\./g, '\\.')}:80/TCP${PERMISSION.source}`));
  assert.equal(await outcome(c.vip(20), 80), 'ECONNREFUSED', 'nothing listens on the privileged port');

  await c.service('high', { clusterIP: c.vip(21), selector: { app: 'low' }, ports: [{ port: 8080, targetPort: 8080 }] });
  await until(async () => (await outcome(c.vip(21), 8080)) === `ok:${pod!.metadata.name}`, 'high port served by the unprivileged proxy', 20_000);
  assert.equal(child!.exitCode, null, `the proxy is still running:\n${output}`);
});
