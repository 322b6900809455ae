/**
 * A proxy without the privilege to bind ports below 1024 (run as `nobody`
 * through setpriv when the tests run as root): a Service on port 80 gets a
 * Warning Event naming the reason, the proxy does not crash, and a Service
 * on a high port keeps working through the same proxy.
 *
 * Band 208. The proxy runs as a child process (`runProxy`, the code behind
 * `switchboard proxy`), so this also covers the command's start-up path.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, hello, sliceFor, tcpBackend, until, type TcpBackend } from './helpers.ts';

const B = 208;
const pod = (i: number) => `127.244.${B}.${i}`;
const vip = (i: number) => `127.96.${B}.${i}`;
const ROOT = new URL('../..', import.meta.url).pathname;

let c: Cluster;
let child: ChildProcess;
let backend: TcpBackend;
let output = '';

function unprivilegedPrefix(): string[] {
  if (process.getuid?.() !== 0) return [];
  if (spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status !== 0) throw new Error('setpriv (util-linux) is needed to drop root for this test');
  return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-net_bind_service', '--'];
}

before(async () => {
  c = await Cluster.start(B);
  backend = await tcpBackend(pod(1), 8080, 'pod-1');
  // The kubeconfig must be readable by nobody (it carries the CA and the token inline).
  chmodSync(c.api.dir, 0o755);
  chmodSync(c.api.kubeconfig, 0o644);
  const script = join(c.api.dir, 'run-proxy.mts');
  writeFileSync(
    script,
    `import { runProxy } from ${JSON.stringify(join(ROOT, 'src/cli/proxy.ts'))};\n` +
      `await runProxy({ kubeconfig: ${JSON.stringify(c.api.kubeconfig)}, nodeName: 'unpriv', mode: 'userspace', minSyncPeriodMs: 0, nodePortAddresses: ['127.0.${B}.1'], metricsListen: '', healthzListen: '', handleSignals: true });\n`,
  );
  chmodSync(script, 0o644);
  const argv = [...unprivilegedPrefix(), process.execPath, '--import', 'tsx', script];
  child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: c.api.dir } });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await until(() => output.includes('switchboard proxy: ready') || child.exitCode !== null, 'child proxy ready', 30_000, 20);
  assert.ok(output.includes('ready'), `child proxy did not start:\n${output}`);
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await backend.close();
  await c.stop();
});

test('a privileged port without permission gives a Warning Event on the Service, not a crash', async () => {
  await c.service({ metadata: { name: 'low' }, spec: { clusterIP: vip(10), ports: [{ port: 80, targetPort: 8080 }] } });
  await c.putSlice(sliceFor('low', 'low-1', [{ ip: pod(1) }], [{ port: 8080 }]));
  await until(async () => (await c.events('low')).some((e) => e.reason === 'FailedToStartServiceProxy'), 'listen failure event', 15_000);
  const ev = (await c.events('low')).find((e) => e.reason === 'FailedToStartServiceProxy')!;
  assert.equal(ev.type, 'Warning');
  assert.match(ev.message!, /127\.96\.208\.10:80\/TCP: permission denied: ports below \d+ need root or CAP_NET_BIND_SERVICE/);

  await c.service({ metadata: { name: 'high' }, spec: { clusterIP: vip(11), ports: [{ port: 8080, targetPort: 8080 }] } });
  await c.putSlice(sliceFor('high', 'high-1', [{ ip: pod(1) }], [{ port: 8080 }]));
  await until(async () => (await hello(vip(11), 8080).catch(() => '')) === 'pod-1', 'high port served by the unprivileged proxy');
  assert.equal(child.exitCode, null, `the proxy is still running:\n${output}`);
});
