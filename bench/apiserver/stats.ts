/**
 * Small numeric helpers shared by the benchmark parts: exact percentiles of a
 * sample, a mergeable log-bucket histogram (for millions of watch receipts
 * across processes), and plain-text / Markdown tables.
 */

/** The p-th percentile (nearest rank) of an ascending array; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1] : 0,
    mean: s.length ? sum / s.length : 0,
  };
}

/**
 * Histogram of non-negative values in microseconds with ~1% relative error:
 * bucket i holds (1.01^(i-1), 1.01^i] µs, bucket 0 holds <= 1 µs. Negative
 * values (a receipt before the ack it is compared with) are counted apart.
 * Plain JSON-able state so worker processes can send it over IPC and merge.
 */
export interface HistogramData {
  counts: Record<string, number>;
  negative: number;
  n: number;
  max: number;
  min: number;
  sum: number;
}

const LOG_BASE = Math.log(1.01);

export function newHistogram(): HistogramData {
  return { counts: {}, negative: 0, n: 0, max: -Infinity, min: Infinity, sum: 0 };
}

export function record(h: HistogramData, us: number): void {
  h.n++;
  h.sum += us;
  if (us > h.max) h.max = us;
  if (us < h.min) h.min = us;
  if (us < 0) {
    h.negative++;
    return;
  }
  const b = us <= 1 ? 0 : Math.ceil(Math.log(us) / LOG_BASE);
  h.counts[b] = (h.counts[b] ?? 0) + 1;
}

export function merge(into: HistogramData, from: HistogramData): void {
  for (const [b, c] of Object.entries(from.counts)) into.counts[b] = (into.counts[b] ?? 0) + c;
  into.negative += from.negative;
  into.n += from.n;
  into.sum += from.sum;
  into.max = Math.max(into.max, from.max);
  into.min = Math.min(into.min, from.min);
}

/** Percentile in microseconds (bucket upper bound; negatives count as 0). */
export function histPercentile(h: HistogramData, p: number): number {
  if (h.n === 0) return 0;
  const rank = Math.ceil((p / 100) * h.n);
  let seen = h.negative;
  if (seen >= rank) return 0;
  const buckets = Object.keys(h.counts)
    .map(Number)
    .sort((a, b) => a - b);
  for (const b of buckets) {
    seen += h.counts[b];
    if (seen >= rank) return Math.min(h.max, b === 0 ? 1 : Math.pow(1.01, b));
  }
  return h.max;
}

export function histSummary(h: HistogramData): Summary {
  return {
    n: h.n,
    p50: histPercentile(h, 50),
    p90: histPercentile(h, 90),
    p99: histPercentile(h, 99),
    max: h.n ? h.max : 0,
    mean: h.n ? h.sum / h.n : 0,
  };
}

/** Fixed-width text table (first column left-aligned, the rest right-aligned). */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const width = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export const ms = (v: number, digits = 2): string => `${v.toFixed(digits)} ms`;
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
export const perSec = (v: number): string => `${v.toFixed(0)}/s`;
