/** CrashLoopBackOff, address management, names (pure) and the process runtime's edges. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodAddressAllocator, goDuration, nthBlock, planRestart, runtimeNames } from '../../src/node/index.ts';
import { resolveExecutable, StartError, startProcess, procStartTicks } from '../../src/node/runtime.ts';

test('back-off: immediate first restart, then initial doubling to max, reset after 2·max', () => {
  const p = { initialMs: 10_000, maxMs: 40_000 };
  let entry;
  const delays: number[] = [];
  let t = 0;
  for (let i = 0; i < 6; i++) {
    const r = planRestart(entry, t, p);
    delays.push(r.delayMs);
    entry = r.next;
    t += r.delayMs + 1000;
  }
  assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 40_000, 40_000]);
  assert.equal(planRestart(entry, t + 80_001, p).delayMs, 0, 'ran longer than 2·max: reset');
});

for (const [ms, want] of [
  [500, '500ms'],
  [10_000, '10s'],
  [80_000, '1m20s'],
  [300_000, '5m0s'],
  [3_600_000, '1h0m0s'],
] as const) {
  test(`goDuration ${ms}`, () => assert.equal(goDuration(ms), want));
}

test('node blocks and pod addresses: round robin, no reuse right after release, .0/.1/.255 never', () => {
  assert.equal(nthBlock('127.244.0.0/16', 24, 3), '127.244.3.0/24');
  assert.equal(nthBlock('10.244.0.0/16', 24, 256), undefined);
  const a = new PodAddressAllocator('10.1.2.0/29');
  assert.equal(a.capacity, 5);
  const got = [a.allocate(), a.allocate(), a.allocate()];
  assert.deepEqual(got, ['10.1.2.2', '10.1.2.3', '10.1.2.4']);
  a.release('10.1.2.2');
  assert.equal(a.allocate(), '10.1.2.5');
  assert.equal(a.allocate(), '10.1.2.6');
  assert.equal(a.allocate(), '10.1.2.2', 'wraps to the released one');
  assert.throws(() => a.allocate(), /no free pod address in 10\.1\.2\.0\/29/);
  const b = new PodAddressAllocator('10.1.2.0/24');
  assert.equal(b.reserve('10.1.2.7'), true);
  assert.equal(b.reserve('10.1.2.1'), false, 'gateway');
  assert.equal(b.reserve('10.1.3.7'), false, 'outside');
});

test('names: interface names fit 15 characters; namespaces are per node and readable', () => {
  const n = runtimeNames('sb', 'node-1');
  assert.ok(n.bridge.length <= 15 && n.veth('uid-1').length <= 15);
  assert.notEqual(n.veth('a'), n.veth('b'));
  assert.equal(n.netns('default', 'web', '12345678-aaaa'), 'sb_node-1_default_web_12345678');
  assert.ok(!n.netns('default', 'web', 'x').startsWith(runtimeNames('sb', 'node').netnsPrefix), 'node "node" does not own node-1\'s namespaces');
  assert.ok(n.netns('ns', 'x'.repeat(253), 'abcdefgh').length <= 200);
  assert.throws(() => runtimeNames('bad prefix', 'n'), /invalid name prefix/);
});

test('resolveExecutable: PATH lookup, relative paths against the working directory, clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-exe-'));
  try {
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    writeFileSync(join(dir, 'data'), 'x');
    assert.equal(resolveExecutable('tool', `/nonexistent:${dir}`, '/'), join(dir, 'tool'));
    assert.equal(resolveExecutable('./tool', '', dir), join(dir, 'tool'));
    assert.throws(() => resolveExecutable('nope-xyz', '/bin', '/'), (e: unknown) => e instanceof StartError && e.message === 'exec: "nope-xyz": executable file not found in $PATH');
    assert.throws(() => resolveExecutable('data', dir, '/'), /executable file not found/);
    assert.throws(() => resolveExecutable('./missing', '', dir), /no such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startProcess: own process group, output to the log file, exit status through the shim', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-proc-'));
  // Pod processes are unref'd (they never keep the agent alive): hold the loop open here.
  const keep = setInterval(() => undefined, 1000);
  try {
    const h = startProcess({ argv: ['/bin/sh', '-c', 'echo out; echo err >&2; exit 7'], env: { PATH: '/bin:/usr/bin' }, cwd: dir, logPath: join(dir, 'log'), exitFile: join(dir, 'exit') });
    // The shim may already be a zombie here (procStartTicks says undefined then): check the parser on a live process.
    assert.match(procStartTicks(process.pid) ?? '', /^\d+$/);
    const info = await h.exited;
    assert.equal(info.exitCode, 7);
    assert.equal(readFileSync(join(dir, 'log'), 'utf8'), 'out\nerr\n');
    assert.equal(readFileSync(join(dir, 'exit'), 'utf8').trim(), '7');
    const k = startProcess({ argv: ['/bin/sleep', '30'], env: {}, cwd: dir, logPath: join(dir, 'log2'), exitFile: join(dir, 'exit2') });
    // Signal once the command runs (a TERM that reaches the shim before it forked is trapped and lost; SIGKILL after the grace covers that).
    const { readdirSync } = await import('node:fs');
    let running = false;
    for (let i = 0; i < 2000 && !running; i++) {
      const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== k.pid).some((d) => {
        try {
          const st = readFileSync(`/proc/${d}/stat`, 'utf8');
          return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[2]) === k.pid;
        } catch {
          return false;
        }
      });
      if (kids) running = true;
      else await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(running, 'the command started under the shim');
    assert.equal(k.signal('SIGTERM'), true);
    assert.equal((await k.exited).exitCode, 143, 'SIGTERM: 128 + 15');
    assert.throws(() => startProcess({ argv: ['/bin/true'], env: {}, cwd: join(dir, 'nope'), logPath: join(dir, 'l'), exitFile: join(dir, 'e') }), /chdir to cwd/);
  } finally {
    clearInterval(keep);
    rmSync(dir, { recursive: true, force: true });
  }
});
