/**
 * Benchmark tools from Debian: dnsperf (load and latency) and knotd (the C
 * reference server), installed with apt-get when missing and running as root.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export function ensureTools(): void {
  const missing = [
    ['dnsperf', 'dnsperf'],
    ['knotd', 'knot'],
  ].filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (!missing.length) return;
  const pkgs = missing.map(([, p]) => p);
  if (process.getuid?.() !== 0) throw new Error(`missing ${pkgs.join(', ')}: sudo apt-get install -y ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
}

export interface PerfResult {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  avgMs: number;
  /** With verbose: per-query latency percentiles (ms). */
  p50?: number;
  p99?: number;
  p999?: number;
  max?: number;
  rcodes?: Record<string, number>;
  /** CPU seconds dnsperf itself used (user + sys). */
  cpu: number;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs dnsperf. With verbose, every query's latency goes to a file that is
 * read after the run, so parsing 20,000 lines a second takes no CPU from the
 * servers while they are measured.
 */
export function dnsperf(o: { host: string; port: number; file: string; seconds: number; clients?: number; outstanding?: number; qps?: number; verbose?: boolean; threads?: number }): Promise<PerfResult> {
  const args = ['-s', o.host, '-p', String(o.port), '-d', o.file, '-l', String(o.seconds), '-c', String(o.clients ?? 16), '-q', String(o.outstanding ?? 256), '-T', String(o.threads ?? 1)];
  if (o.qps) args.push('-Q', String(o.qps));
  if (o.verbose) args.push('-v');
  const out = join(dirname(o.file), `dnsperf-${process.pid}-${Date.now()}.out`);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'TIMEFORMAT="DNSPERF-CPU %U %S"; out="$1"; shift; { time dnsperf "$@" > "$out"; } 2>&1', 'dnsperf', out, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', () => {
      let text = '';
      try {
        text = readFileSync(out, 'utf8');
        rmSync(out, { force: true });
      } catch (e) {
        return reject(e);
      }
      const lat: number[] = [];
      const rcodes: Record<string, number> = {};
      let stats = '';
      for (const l of text.split('\n')) {
        if (l.startsWith('> ')) {
          const parts = l.split(' ');
          rcodes[parts[1]] = (rcodes[parts[1]] ?? 0) + 1;
          lat.push(Number(parts[parts.length - 1]) * 1000);
        } else stats += l + '\n';
      }
      const cpu = /DNSPERF-CPU ([\d.]+) ([\d.]+)/.exec(err);
      const num = (re: RegExp) => Number(re.exec(stats)?.[1] ?? NaN);
      const r: PerfResult = {
        sent: num(/Queries sent:\s+(\d+)/),
        completed: num(/Queries completed:\s+(\d+)/),
        lost: num(/Queries lost:\s+(\d+)/),
        qps: num(/Queries per second:\s+([\d.]+)/),
        avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
        cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
      };
      if (lat.length) {
        lat.sort((a, b) => a - b);
        r.p50 = pct(lat, 50);
        r.p99 = pct(lat, 99);
        r.p999 = pct(lat, 99.9);
        r.max = lat[lat.length - 1];
        r.rcodes = rcodes;
      }
      resolve(r);
    });
  });
}

/** CPU seconds a process has used, from /proc: [user, system]. */
export function cpuTimes(pid: number): [number, number] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(f[11]) / 100, Number(f[12]) / 100];
  } catch {
    return [NaN, NaN];
  }
}

/** CPU seconds (user + sys) a process has used. */
export function cpuSeconds(pid: number): number {
  const [u, s] = cpuTimes(pid);
  return u + s;
}

export interface Knot {
  pid: number;
  stop(): Promise<void>;
}

/** Starts knotd serving the zone files on host@port (it forks nothing; stops on SIGTERM). */
export async function startKnot(dir: string, host: string, port: number, zones: { name: string; text: string }[], workers: number): Promise<Knot> {
  mkdirSync(join(dir, 'db'), { recursive: true });
  for (const z of zones) writeFileSync(join(dir, `${z.name}.zone`), z.text);
  const conf = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: ${host}@${port}`,
    `    udp-workers: ${workers}`,
    '    tcp-workers: 1',
    '    background-workers: 1',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    semantic-checks: off',
    '    journal-content: none',
    'zone:',
    ...zones.flatMap((z) => [`  - domain: ${z.name}`, `    file: "${z.name}.zone"`]),
  ].join('\n');
  writeFileSync(join(dir, 'knot.conf'), conf + '\n');
  const child: ChildProcess = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  // Ready when it answers the zone's SOA.
  const t0 = Date.now();
  for (;;) {
    if (Date.now() - t0 > 15_000) throw new Error('knotd did not start');
    if (child.exitCode !== null) throw new Error(`knotd exited (${child.exitCode})`);
    if (await answers(host, port, zones[0].name)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** True when host:port answers an SOA query for `zone` with NOERROR. */
export function answers(host: string, port: number, zone: string, type: 'SOA' | 'A' = 'SOA'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(false);
    }, 300);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      try {
        const d = dnsPacket.decode(m);
        resolve(((d.flags ?? 0) & 0xf) === 0 && (d.answers?.length ?? 0) > 0);
      } catch {
        resolve(false);
      }
    });
    s.on('error', () => resolve(false));
    s.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type, name: zone }] }), port, host);
  });
}
