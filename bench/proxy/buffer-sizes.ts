/**
 * The userspace proxy's bulk path with different large read-buffer sizes, in
 * interleaved rounds (the machine is shared): one proxy process per size,
 * each running forwardTcp (src/proxy/userspace/tcp.ts) in front of the
 * benchmark's bulk "pod" (backend-process.ts); a client downloads `MiB` MiB
 * through each in turn. Reports per size: median throughput, proxy CPU per
 * GiB and the proxy's read + write calls per GiB (syscr + syscw from
 * /proc/PID/io), the figures least disturbed by outside load.
 *
 *   node --import tsx bench/proxy/buffer-sizes.ts [rounds=6] [MiB=256] [sizes KiB=64,256,1024,4096]
 *
 * Prints to stdout; every process started is stopped by PID.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import type { EndpointInfo } from '../../src/proxy/index.ts';

const POD = '127.244.249.1';
const LISTEN = '127.0.249.9';
const HERE = new URL('.', import.meta.url).pathname;

async function proxyMain(largeKiB: number, port: number): Promise<void> {
  const { forwardTcp, readBuffers } = await import('../../src/proxy/userspace/tcp.ts');
  // The pool's size is fixed at construction; this benchmark swaps it per process.
  (readBuffers as unknown as { largeSize: number }).largeSize = largeKiB * 1024;
  const ep = { ip: POD, port: 9000 } as EndpointInfo;
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => forwardTcp(s, { next: (tried) => (tried.size ? undefined : ep) }));
  server.listen(port, LISTEN, () => process.send!({ type: 'ready' }));
  const io = () => {
    const f = Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => l.split(': ') as [string, string]));
    return Number(f['syscr']) + Number(f['syscw']);
  };
  process.on('message', () => {
    const c = process.cpuUsage();
    process.send!({ type: 'stats', cpuS: (c.user + c.system) / 1e6, calls: io() });
  });
}

function download(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let got = 0;
    const s = net.connect({ host: LISTEN, port }, () => s.write(`GET ${bytes}\n`));
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('error', reject);
    s.on('end', () => {
      s.destroy();
      if (got !== bytes) reject(new Error(`got ${got} of ${bytes} bytes`));
      else resolve(bytes / (1 << 20) / ((performance.now() - t0) / 1000));
    });
  });
}

async function driver(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 6);
  const bytes = Number(process.argv[3] ?? 256) * (1 << 20);
  const sizes = (process.argv[4] ?? '64,256,1024,4096').split(',').map(Number);
  const children: ChildProcess[] = [];
  const backend = spawn(process.execPath, ['--import', 'tsx', `${HERE}backend-process.ts`, POD], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(backend);
  try {
    await new Promise((r) => backend.stdout!.once('data', r));
    const proxies = await Promise.all(
      sizes.map(async (kib, i) => {
        const c = fork(new URL(import.meta.url).pathname, ['--proxy', String(kib), String(9300 + i)], { execArgv: ['--import', 'tsx'] });
        children.push(c);
        await new Promise((r) => c.once('message', r));
        return { kib, port: 9300 + i, c, rates: [] as number[], cpuS: 0, calls: 0 };
      }),
    );
    const stats = (c: ChildProcess) =>
      new Promise<{ cpuS: number; calls: number }>((r) => {
        c.once('message', (m) => r(m as { cpuS: number; calls: number }));
        c.send('stats');
      });
    for (let round = 0; round < rounds; round++) {
      for (const p of round % 2 ? [...proxies].reverse() : proxies) {
        const s0 = await stats(p.c);
        p.rates.push(await download(p.port, bytes));
        const s1 = await stats(p.c);
        p.cpuS += s1.cpuS - s0.cpuS;
        p.calls += s1.calls - s0.calls;
      }
    }
    const gib = (rounds * bytes) / (1 << 30);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`${rounds} rounds × ${bytes >> 20} MiB per size; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log('| large buffer | MiB/s (median; all rounds) | proxy CPU per GiB (s) | read + write calls per GiB |');
    console.log('|---:|---|---:|---:|');
    for (const p of proxies) console.log(`| ${p.kib} KiB | ${median(p.rates).toFixed(0)} (${p.rates.map((r) => r.toFixed(0)).join(', ')}) | ${(p.cpuS / gib).toFixed(2)} | ${(p.calls / gib).toFixed(0)} |`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
  }
}

if (process.argv[2] === '--proxy') await proxyMain(Number(process.argv[3]), Number(process.argv[4]));
else {
  await driver();
  process.exit(0);
}
