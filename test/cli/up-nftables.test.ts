/**
 * `switchboard up --dataplane nftables` as a user runs it (root): this
 * machine becomes a kernel-mode node. The README's example Service answers
 * on its ClusterIP from this machine's shell and, by name, from inside a pod
 * (pod → ClusterIP → another pod is routed back out of the node bridge);
 * kube-dns's ClusterIP answers dig; a NodePort answers on the node address;
 * `switchboard status` reports every component ok. Ctrl-C leaves nothing:
 * no nftables table, pod namespace, bridge, route or pod process. A restart
 * keeps the objects: the same ClusterIP answers again, from restarted pods.
 *
 * Isolation: a unique node name (so the table `switchboard-NODE`, the bridge
 * and the pods' namespaces are this test's) and unique service, pod and
 * LoadBalancer ranges; the ranges are routed through the test's bridge, so
 * no packet of the test leaves the machine. Whatever a failed run leaves is
 * removed in `after`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net.ts';
import { get, recordedPodPids, killRecordedPods, until, ROOT } from '../scenarios/harness.ts';
import { run } from '../cluster/harness.ts';
import { runtimeNames } from '../../src/node/names.ts';
import { kubectlPath } from '../../scripts/kubectl.mjs';

const root = process.getuid?.() === 0;
const node = `sbt${randomBytes(2).toString('hex')}`;
const r = randomInt(1, 250);
const serviceRange = `10.98.${r}.0/24`;
const podCIDR = `10.244.${r}.0/24`;
const lbPool = `10.252.${r}.0/28`;
const nodeIP = `10.244.${r}.1`;
const table = `switchboard-${node}`;
const bridge = runtimeNames('sb', node).bridge;
const dir = mkdtempSync(join(tmpdir(), 'sbt-upnft-'));
const children: ChildProcess[] = [];

/** Everything of this test's node on the host. */
function leftovers(): { tables: string[]; netns: string[]; bridge: boolean; routes: string[]; pods: number[] } {
  const tables = execFileSync('nft', ['list', 'tables']).toString().split('\n').filter((l) => l.trim() === `table ip ${table}`);
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`sb_${node}_`)) : [];
  const routes = execFileSync('ip', ['-4', 'route', 'show']).toString().split('\n').filter((l) => l.startsWith(serviceRange) || l.startsWith(lbPool));
  return { tables, netns, bridge: existsSync(`/sys/class/net/${bridge}`), routes, pods: recordedPodPids(dir) };
}

after(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((res) => c.once('exit', res));
      c.kill('SIGTERM');
      await Promise.race([gone, new Promise((res) => setTimeout(res, 30_000))]);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  }
  if (!root) return;
  // Last resort after a failed run: what SIGTERM did not remove.
  killRecordedPods(dir);
  const left = leftovers();
  for (const ns of left.netns) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  if (left.tables.length) execFileSync('nft', ['delete', 'table', 'ip', table], { stdio: 'ignore' });
  if (left.bridge) execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

async function up(port: number): Promise<{ child: ChildProcess; out: () => string }> {
  const args = ['up', '--dataplane', 'nftables', '--data-dir', dir, '--api-port', String(port), '--node-name', node];
  args.push('--service-cluster-ip-range', serviceRange, '--pod-cidr', podCIDR, '--lb-pool', lbPool);
  const child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await until('`up --dataplane nftables` to print its summary', () => {
    if (child.exitCode !== null) throw new Error(`up exited with ${child.exitCode}:\n${out}`);
    return /\n {2}try:/.test(out);
  }, 120_000, 50);
  return { child, out: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  child.kill('SIGINT');
  return exited;
}

const env = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') });
async function kubectl(...args: string[]): Promise<string> {
  const res = await run(kubectlPath(), args, { env: env(), timeoutMs: 60_000 });
  assert.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

async function waitReady(pods: string[]): Promise<void> {
  await kubectl('wait', '--for=condition=Ready', '--timeout=120s', ...pods.map((p) => `pod/${p}`));
}

/** The pods that answered on url (host side), until all of `want` have. */
async function answeringPods(ip: string, port: number, want: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  await until(`${want.join(', ')} answering on ${ip}:${port}`, async () => {
    seen.add((await get(ip, port)).pod);
    return want.every((p) => seen.has(p));
  }, 90_000, 50);
  return seen;
}

test(
  'up --dataplane nftables: ClusterIP, DNS, NodePort and pod-to-Service traffic through the kernel; Ctrl-C leaves nothing; restart keeps the Service',
  { skip: root ? false : 'needs root (network namespaces, nftables)', timeout: 400_000 },
  async () => {
    const port = await freePort();
    const first = await up(port);
    const summary = first.out();
    assert.match(summary, new RegExp(`netns mode: each pod in its own network namespace on bridge ${bridge}, pods ${podCIDR.replace(/\./g, '\\.')}, node IP ${nodeIP.replace(/\./g, '\\.')}`), summary);
    assert.match(summary, new RegExp(`data plane: nftables \\(table ip ${table};`), summary);
    const dnsIP = /DNS: (\S+) \(cluster\.local\)/.exec(summary)?.[1];
    assert.equal(dnsIP, `10.98.${r}.10`, summary);
    assert.deepEqual(leftovers().tables, [`table ip ${table}`], 'the proxy programmed its table');

    await kubectl('apply', '-f', join(ROOT, 'examples/clusterip.yaml'));
    await waitReady(['hello-1', 'hello-2', 'hello-3']);
    const clusterIP = (await kubectl('get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    assert.match(clusterIP, new RegExp(`^10\\.98\\.${r}\\.`));
    // From this machine's shell, through the kernel's DNAT: every pod answers.
    await answeringPods(clusterIP, 8080, ['hello-1', 'hello-2', 'hello-3']);

    const dig = await until('dig of the Service name at kube-dns', async () => {
      const d = await run('dig', [`@${dnsIP}`, '+short', '+time=2', '+tries=2', 'hello.default.svc.cluster.local']);
      return d.code === 0 && d.stdout.trim() ? d.stdout.trim() : undefined;
    });
    assert.equal(dig, clusterIP);

    // From inside hello-1, by the short name: resolv.conf → kube-dns → the ClusterIP → the kernel picks a pod,
    // possibly hello-1 itself (hairpin) — every one answers in the end.
    const podNs = readdirSync('/run/netns').find((n) => n.startsWith(`sb_${node}_default_hello-1_`));
    assert.ok(podNs, 'hello-1 has its own network namespace');
    const fromPod = new Set<string>();
    await until('hello answering hello-1 by name from all three pods', async () => {
      const c = await run('ip', ['netns', 'exec', podNs, 'curl', '-s', '-m', '5', 'http://hello:8080/'], { timeoutMs: 15_000 });
      if (c.code === 0) fromPod.add(c.stdout.split(' ')[0]!);
      return fromPod.size === 3;
    }, 90_000);

    // A NodePort on the node address.
    await kubectl('expose', 'service', 'hello', '--name', 'hello-np', '--type', 'NodePort');
    const nodePort = Number(await kubectl('get', 'svc', 'hello-np', '-o', 'jsonpath={.spec.ports[0].nodePort}'));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
    assert.deepEqual([...(await answeringPods(nodeIP, nodePort, ['hello-1', 'hello-2', 'hello-3']))].sort(), ['hello-1', 'hello-2', 'hello-3']);

    const status = await run(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'status', '--kubeconfig', join(dir, 'kubeconfig')]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    for (const c of ['apiserver', 'dns', `agent \\(${node}\\)`, `proxy \\(${node}\\)`]) assert.match(status.stdout, new RegExp(`^${c}\\s+ok\\b`, 'm'), status.stdout);

    // Ctrl-C: nothing of the node is left.
    assert.equal(await stop(first.child), 0, first.out());
    assert.deepEqual(leftovers(), { tables: [], netns: [], bridge: false, routes: [], pods: [] });

    // Restart: the objects and the ClusterIP are kept; the pods run again (in new sandboxes) and answer.
    const second = await up(port);
    assert.equal((await kubectl('get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}')).trim(), clusterIP);
    await waitReady(['hello-1', 'hello-2', 'hello-3']);
    await answeringPods(clusterIP, 8080, ['hello-1', 'hello-2', 'hello-3']);
    const restarts = await until('hello-1 restarted', async () => {
      const n = (await kubectl('get', 'pod', 'hello-1', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}')).trim();
      return n !== '0' && n !== '' ? n : undefined;
    }, 90_000);
    assert.equal(restarts, '1', 'the pod was stopped with the machine and started again once');
    assert.equal(await stop(second.child), 0, second.out());
    assert.deepEqual(leftovers(), { tables: [], netns: [], bridge: false, routes: [], pods: [] });
  },
);
