/**
 * `switchboard up` as a user runs it: the ready line, a 0600 kubeconfig that
 * the pinned kubectl uses as it is, Ctrl-C shutdown that stops the pods'
 * processes too (`up` is the machine), and a restart that keeps every object:
 * the same ClusterIP answers again, from the pods started once more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { freePort } from '../helpers/net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath } from '../../scripts/kubectl.mjs';
import { get, recordedPodPids, killRecordedPods, until } from '../scenarios/harness.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

// Its own service range, so the DNS server and the proxy listeners of this `up` never meet another test's.
const serviceRange = `127.98.${Math.floor(Math.random() * 250)}.0/24`;

async function up(dir: string, port: number): Promise<{ child: ChildProcess; out: () => string }> {
  const args = ['up', '--data-dir', dir, '--api-port', String(port), '--service-cluster-ip-range', serviceRange];
  const child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  for (let i = 0; i < 2400 && !/export KUBECONFIG=/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
  assert.match(out, /ready/, out);
  return { child, out: () => out };
}

function kubectl(kubeconfig: string, home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectlPath(), args, { env: { PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: kubeconfig } }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

test('up prints the ready line and a kubeconfig kubectl uses as it is; Ctrl-C stops; restart keeps objects', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-up-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  try {
    const first = await up(dir, port);
    child = first.child;
    const m = /export KUBECONFIG=(\S+)/.exec(first.out());
    assert.ok(m, 'prints the export line');
    const kubeconfig = m[1]!;
    assert.equal(statSync(kubeconfig).mode & 0o777, 0o600, 'kubeconfig is 0600');
    assert.match(first.out(), new RegExp(`https://127\\.0\\.0\\.1:${port}`));
    const ns = await kubectl(kubeconfig, dir, ['get', 'namespaces']);
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /^default\s+Active/m);
    const created = await kubectl(kubeconfig, dir, ['create', 'namespace', 'kept']);
    assert.equal(created.code, 0, created.stderr);
    // Every component is up: `switchboard status` says so.
    const status = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'status', '--kubeconfig', kubeconfig], (err, stdout) => resolve({ code: err ? 1 : 0, stdout: String(stdout) })),
    );
    assert.equal(status.code, 0, status.stdout);
    for (const c of ['apiserver', 'dns', 'agent', 'proxy']) assert.match(status.stdout, new RegExp(`^${c}\\b.*\\bok\\b`, 'm'), status.stdout);
    assert.match(status.stdout, /^default\s+kubernetes\s+ClusterIP\s+127\.98\.\d+\.1\s/m);

    const applied = await kubectl(kubeconfig, dir, ['apply', '-f', join(ROOT, 'examples/clusterip.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    const clusterIP = (await kubectl(kubeconfig, dir, ['get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
    await until('hello answering on its ClusterIP', async () => (await get(clusterIP, 8080)).pod.startsWith('hello-'), 90_000);
    await until('three pod processes running', () => recordedPodPids(dir).length === 3, 90_000);

    const exited = new Promise<number | null>((r) => first.child.once('exit', (code) => r(code)));
    first.child.kill('SIGINT');
    assert.equal(await exited, 0, 'clean exit on SIGINT');
    assert.deepEqual(recordedPodPids(dir), [], 'Ctrl-C leaves no pod process running');

    const second = await up(dir, port);
    child = second.child;
    const again = await kubectl(kubeconfig, dir, ['get', 'namespace', 'kept']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^kept\s+Active/m);
    assert.equal((await kubectl(kubeconfig, dir, ['get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim(), clusterIP, 'the Service keeps its ClusterIP');
    await until('hello answering on the same ClusterIP after the restart', async () => (await get(clusterIP, 8080)).pod.startsWith('hello-'), 90_000);
    const restarts = await until('hello-1 restarted', async () => {
      const n = (await kubectl(kubeconfig, dir, ['get', 'pod', 'hello-1', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout.trim();
      return n !== '0' && n !== '' ? n : undefined;
    }, 90_000);
    assert.equal(restarts, '1', 'the pod was stopped with `up` and started again once');
  } finally {
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    killRecordedPods(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
