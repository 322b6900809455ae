/**
 * Throughput and request latency through a ClusterIP in the kernel modes vs
 * straight to the pod (issue 8), with wrk from Debian, in throwaway network
 * namespaces (test/proxy/nftables/netns.ts: a node namespace with a bridge, a
 * server pod, a client pod on the same bridge).
 *
 *   node --import tsx bench/dataplane/clusterip-throughput.ts [--rounds 3] [--seconds 5]
 *
 * For each mode (nftables, iptables) the node gets that data plane's rules
 * for one Service (ClusterIP 10.96.1.0:80 → the pod's 8080), then rounds
 * alternate direct and ClusterIP runs of: kept-alive requests (`wrk -t1 -c16
 * --latency`, a 2-byte body) and bulk (`/big`, 1 MiB bodies, Transfer/sec).
 * Each figure is the median over rounds; ratios are ClusterIP / direct.
 * Writes bench/results/dataplane-throughput.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { NO_PROXY_EVENTS } from '../../src/proxy/events.ts';
import { execRunner, netnsRunner } from '../../src/proxy/kernel.ts';
import type { DataPlane } from '../../src/proxy/data-plane.ts';
import { NftablesDataPlane } from '../../src/proxy/nftables/index.ts';
import { createIptablesDataPlane } from '../../src/proxy/iptables/index.ts';
import type { ProxyState, ProxyStateUpdate } from '../../src/proxy/types.ts';
import { endpoint, servicePort } from '../../test/proxy/nftables/fixtures.ts';
import { TestNode } from '../../test/proxy/nftables/netns.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('--rounds', 3);
const SECONDS = arg('--seconds', 5);
const POD_IP = '10.244.1.2';
const VIP = '10.96.1.0';
const FULL: ProxyStateUpdate = { full: true, changed: new Set(), deleted: new Set(), services: new Set(), triggerTimes: new Map() };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const SERVER = `
const http = require('node:http');
const big = Buffer.alloc(1 << 20, 120);
http.createServer((req, res) => {
  if (req.url === '/big') { res.writeHead(200, { 'content-length': big.length }); res.end(big); }
  else { res.writeHead(200, { 'content-length': 2 }); res.end('ok'); }
}).listen(8080, '0.0.0.0', () => console.log('ready'));
`;

function state(): ProxyState {
  const sp = servicePort({ namespace: 'bench', name: 'web', portName: 'http', clusterIPs: [VIP] });
  return { node: { name: 'node1', zone: '' }, servicePorts: new Map([[sp.key, sp]]), endpoints: new Map([[sp.key, [endpoint(`${POD_IP}:8080`, { isLocal: true })]]]) };
}

interface Wrk {
  rps: number;
  p50ms: number;
  p99ms: number;
  bytesPerSec: number;
  errors: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const ms = (v: string, u: string) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);

function parseWrk(out: string): Wrk {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const t = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
  const p = (q: string) => {
    const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    return m ? ms(m[1]!, m[2]!) : NaN;
  };
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps,
    p50ms: p('50'),
    p99ms: p('99'),
    bytesPerSec: t ? Number(t[1]) * UNITS[t[2]!]! : NaN,
    errors: (errs ? errs.slice(1).reduce((a, x) => a + Number(x), 0) : 0) + non2xx,
  };
}

async function wrk(ns: string, url: string, conns: number): Promise<Wrk> {
  const out = await execRunner('ip', ['netns', 'exec', ns, 'wrk', '-t1', `-c${conns}`, `-d${SECONDS}s`, '--latency', url]);
  return parseWrk(out);
}

interface ModeResult {
  mode: string;
  direct: { keep: Wrk[]; bulk: Wrk[] };
  vip: { keep: Wrk[]; bulk: Wrk[] };
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const tn = new TestNode();
  let server: ChildProcess | undefined;
  const results: ModeResult[] = [];
  try {
    await tn.create();
    const pod = await tn.pod('a', POD_IP);
    const client = await tn.pod('x', '10.244.1.4');
    writeFileSync(join(tn.dir, 'http.js'), SERVER);
    server = spawn('ip', ['netns', 'exec', pod.ns, process.execPath, join(tn.dir, 'http.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.once('exit', (c) => reject(new Error(`server exited ${c}`)));
      server!.stdout!.once('data', () => resolve());
    });
    const run = netnsRunner(tn.node);
    const ctx = { addressing: { nodePortAddresses: () => [], isLocalPod: () => false }, events: NO_PROXY_EVENTS, ipFamilies: ['IPv4' as const], clusterCIDRs: ['10.244.0.0/16'], run };
    const modes: [string, () => DataPlane][] = [
      ['nftables', () => new NftablesDataPlane({ ...ctx, name: `${tn.prefix}t` })],
      ['iptables', () => createIptablesDataPlane({ ...ctx, name: 'SBB' })],
    ];
    for (const [mode, make] of modes) {
      const dp = make();
      await dp.sync(state(), FULL);
      const r: ModeResult = { mode, direct: { keep: [], bulk: [] }, vip: { keep: [], bulk: [] } };
      for (let i = 0; i < ROUNDS; i++) {
        for (const [which, host] of [['direct', `${POD_IP}:8080`], ['vip', `${VIP}:80`]] as const) {
          r[which].keep.push(await wrk(client.ns, `http://${host}/`, 16));
          r[which].bulk.push(await wrk(client.ns, `http://${host}/big`, 4));
          console.error(`${mode} round ${i + 1} ${which}: ${r[which].keep.at(-1)!.rps.toFixed(0)} rps, ${(r[which].bulk.at(-1)!.bytesPerSec / 2 ** 20).toFixed(0)} MiB/s`);
        }
      }
      await dp.close();
      results.push(r);
    }
  } finally {
    if (server?.pid && server.exitCode === null) {
      server.removeAllListeners('exit');
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await tn.destroy();
  }
  const load1 = loadavg();
  const f = (xs: Wrk[], k: keyof Wrk) => median(xs.map((x) => x[k]));
  const lines = [
    '# Throughput and request latency through a ClusterIP (kernel modes) vs directly to the pod',
    '',
    `Command: \`node --import tsx bench/dataplane/clusterip-throughput.ts --rounds ${ROUNDS} --seconds ${SECONDS}\`  `,
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}. Load average before / after: ${load0.map((x) => x.toFixed(2)).join(' ')} / ${load1.map((x) => x.toFixed(2)).join(' ')}.`,
    '',
    `Throwaway namespaces: a client pod and a server pod (Node HTTP server) on one node bridge; the node namespace holds one data plane's rules for one Service (ClusterIP ${VIP}:80 → ${POD_IP}:8080). wrk (Debian) runs in the client pod: kept-alive requests with 16 connections (2-byte bodies), bulk with 4 connections fetching 1 MiB bodies. Rounds alternate direct and ClusterIP; medians of ${ROUNDS} rounds of ${SECONDS} s.`,
    '',
    '| mode | direct req/s | ClusterIP req/s | ratio | direct p50 / p99 ms | ClusterIP p50 / p99 ms | direct MiB/s | ClusterIP MiB/s | throughput ratio | errors |',
    '|---|---:|---:|---:|---|---|---:|---:|---:|---:|',
    ...results.map((r) => {
      const dr = f(r.direct.keep, 'rps');
      const vr = f(r.vip.keep, 'rps');
      const db = f(r.direct.bulk, 'bytesPerSec') / 2 ** 20;
      const vb = f(r.vip.bulk, 'bytesPerSec') / 2 ** 20;
      const errors = [...r.direct.keep, ...r.direct.bulk, ...r.vip.keep, ...r.vip.bulk].reduce((a, x) => a + x.errors, 0);
      return `| ${r.mode} | ${dr.toFixed(0)} | ${vr.toFixed(0)} | ${(vr / dr).toFixed(2)} | ${f(r.direct.keep, 'p50ms').toFixed(2)} / ${f(r.direct.keep, 'p99ms').toFixed(2)} | ${f(r.vip.keep, 'p50ms').toFixed(2)} / ${f(r.vip.keep, 'p99ms').toFixed(2)} | ${db.toFixed(0)} | ${vb.toFixed(0)} | ${(vb / db).toFixed(2)} | ${errors} |`;
    }),
    '',
    'Aim (issue 8): ClusterIP throughput ≥ 0.97× direct. Only the first packet of a connection walks the NAT rules; the rest follow conntrack, so kept-alive traffic through a ClusterIP costs what direct traffic costs.',
    '',
  ];
  writeFileSync(join(import.meta.dirname, '..', 'results', 'dataplane-throughput.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
}

await main();
