/**
 * The README's walkthrough, run exactly as written (the lines between the
 * walkthrough markers) against a fresh `switchboard up`, with the pinned
 * kubectl first on PATH as the README tells the reader to set it up. The
 * only difference from a reader's machine: this `up` gets its own service
 * range and API port so it never meets another test's cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../helpers/net.ts';
import { kubectlPath } from '../../scripts/kubectl.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;

function walkthroughScript(readme: string): string {
  const m = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!m) throw new Error('README.md has no walkthrough block');
  return m[1]!;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeout = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

test('the README walkthrough works as written: ClusterIP, DNS name, NodePort, LoadBalancer IP, traffic survives a pod deletion', { timeout: 300_000 }, async () => {
  const script = walkthroughScript(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'sb-readme-'));
  const port = await freePort();
  const range = `127.99.${Math.floor(Math.random() * 250)}.0/24`;
  let child: ChildProcess | undefined;
  const env = { PATH: `${dirname(kubectlPath())}:${process.env['PATH'] ?? ''}`, HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') };
  try {
    child = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'up', '--data-dir', dir, '--api-port', String(port), '--service-cluster-ip-range', range], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    for (let i = 0; i < 1200 && !/export KUBECONFIG=/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(out, /export KUBECONFIG=/, out);

    const r = await run('bash', ['-e', '-c', script], env);
    assert.equal(r.code, 0, `walkthrough failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.split('\n');
    const answers = lines.filter((l) => /^hello-[123] 127\.244\.\d+\.\d+:8080 GET \/ from /.test(l));
    assert.equal(answers.length, 8, r.stdout); // 6 on the ClusterIP, 1 on the NodePort, 1 on the LoadBalancer IP
    const clusterIP = (await run(kubectlPath(), ['get', 'svc', 'hello', '-o', 'jsonpath={.spec.clusterIP}'], env)).stdout.trim();
    assert.match(clusterIP, /^127\.99\.\d+\.\d+$/);
    assert.ok(lines.includes(clusterIP), `dig answered the ClusterIP ${clusterIP}:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout, /FAILED/, 'no request failed while hello-2 went away');
    assert.match(r.stdout, /^default\s+hello\s+LoadBalancer\s+127\.99\.\d+\.\d+\s+127\.240\.\d+\.\d+\s+8080:3\d{4}\/TCP\s+\d\/\d ready$/m, r.stdout);
  } finally {
    if (child && child.exitCode === null) {
      // Pods outlive `up` by design (the next one adopts them): delete them first.
      await run(kubectlPath(), ['delete', 'pods', '--all', '--grace-period=1', '--timeout=30s'], env, 40_000);
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
