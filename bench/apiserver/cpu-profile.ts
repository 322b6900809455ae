/**
 * Summaries of a V8 .cpuprofile (from `node --cpu-prof`) over a time window.
 * V8 stamps samples in microseconds of CLOCK_MONOTONIC, the clock behind
 * process.hrtime, so the driver can cut one whole-run profile into its parts.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time in the window (ms), and how much of it was idle. */
  totalMs: number;
  idleMs: number;
  /** Self time by function, highest first. */
  self: { name: string; ms: number }[];
  /** Inclusive time by function (each function once per stack), highest first. */
  inclusive: { name: string; ms: number }[];
  /** Self time by area: a source file of ours, a node: module, a package, GC. */
  areas: { name: string; ms: number }[];
}

const ROOT_URL = new URL('../..', import.meta.url).href;

function area(cf: CallFrame): string {
  const url = cf.url;
  if (!url) {
    const n = cf.functionName;
    if (n === '(garbage collector)' || n === '(idle)' || n === '(program)' || n === '(root)') return n;
    return `native: ${n || '(anonymous)'}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `npm: ${nm[1]}`;
  if (url.startsWith(ROOT_URL)) return url.slice(ROOT_URL.length);
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  return url;
}

function label(cf: CallFrame): string {
  const where = area(cf);
  const fn = cf.functionName || '(anonymous)';
  // tsx hands V8 whitespace-minified code, so line numbers of .ts files mean nothing.
  if (!cf.url) return fn;
  return cf.url.endsWith('.ts') ? `${fn} (${where})` : `${fn} (${where}:${cf.lineNumber + 1})`;
}

export function loadProfile(path: string): Profile {
  return JSON.parse(readFileSync(path, 'utf8')) as Profile;
}

/** Summary of the samples taken in [fromUs, toUs] (CLOCK_MONOTONIC µs). */
export function summarizeProfile(p: Profile, fromUs: number, toUs: number, top = 12): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    // The time until the next sample belongs to this one.
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(p.samples[i])!;
    total += dt;
    const a = area(node.callFrame);
    if (a === '(idle)') {
      idle += dt;
      continue;
    }
    areas.set(a, (areas.get(a) ?? 0) + dt);
    const s = label(node.callFrame);
    self.set(s, (self.get(s) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id)!.callFrame;
      if (cf.functionName === '(root)') break;
      onStack.add(label(cf));
    }
    for (const l of onStack) incl.set(l, (incl.get(l) ?? 0) + dt);
  }
  const topOf = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, v]) => ({ name, ms: v }));
  return { totalMs: total, idleMs: idle, self: topOf(self), inclusive: topOf(incl), areas: topOf(areas) };
}

/** Plain-text rendering: busy share, then areas, self and inclusive tops. */
export function renderProfile(title: string, s: ProfileSummary): string {
  const busy = s.totalMs - s.idleMs;
  const pct = (v: number) => `${((100 * v) / Math.max(busy, 1e-9)).toFixed(1)}%`;
  const lines = [
    `${title}: server main thread busy ${(busy / 1000).toFixed(1)} s of ${(s.totalMs / 1000).toFixed(1)} s sampled (${((100 * busy) / Math.max(s.totalMs, 1e-9)).toFixed(0)}%)`,
    '  by area (self time, % of busy):',
    ...s.areas.map((a) => `    ${pct(a.ms).padStart(6)}  ${a.name}`),
    '  top functions (self):',
    ...s.self.map((a) => `    ${pct(a.ms).padStart(6)}  ${a.name}`),
    '  top functions (inclusive):',
    ...s.inclusive.map((a) => `    ${pct(a.ms).padStart(6)}  ${a.name}`),
  ];
  return lines.join('\n');
}
