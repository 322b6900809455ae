/**
 * Container logs. A process writes straight to its attempt's file (one file
 * per container start, like the kubelet's 0.log, 1.log …; the previous one is
 * what --previous reads). The agent watches the file and records when each
 * byte range appeared (`FILE.idx`: "size ms" lines), which gives every line
 * a timestamp for --timestamps, --since and --since-time without sitting in
 * the pod's output path. Readers implement the kubelet's PodLogOptions:
 * tailLines first, then the since filter, then limitBytes.
 */
import { appendFile, open, readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';

export type LogIndex = [size: number, ms: number][];

/** Records the growth of one log file while its process runs. */
export class LogRecorder {
  readonly index: LogIndex = [];
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private pending = false;
  private closed = false;
  private last = 0;

  constructor(readonly path: string, private readonly now: () => number = Date.now) {}

  /** Loads an existing index (adoption), then watches. */
  async start(): Promise<void> {
    try {
      const text = await readFile(`${this.path}.idx`, 'utf8');
      for (const line of text.split('\n')) {
        const [s, t] = line.split(' ').map(Number);
        if (Number.isFinite(s) && Number.isFinite(t)) this.index.push([s, t]);
      }
      this.last = this.index.at(-1)?.[0] ?? 0;
    } catch {
      /* new file */
    }
    if (this.closed) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => undefined);
    } catch {
      /* file missing: the poll below still notices growth */
    }
    // inotify may miss nothing, but a slow poll keeps the index right if it does.
    this.timer = setInterval(() => this.schedule(), 2000);
    this.timer.unref();
    this.schedule();
  }

  private schedule(): void {
    if (this.pending || this.closed) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      void this.sample();
    }, 20).unref();
  }

  /** Notes the current size (also called once more when the process exits). */
  async sample(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      return;
    }
    if (size <= this.last) return;
    this.last = size;
    const t = this.now();
    this.index.push([size, t]);
    await appendFile(`${this.path}.idx`, `${size} ${t}\n`).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.sample();
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}

export async function loadIndex(path: string): Promise<LogIndex> {
  try {
    const text = await readFile(`${path}.idx`, 'utf8');
    const out: LogIndex = [];
    for (const line of text.split('\n')) {
      const [s, t] = line.split(' ').map(Number);
      if (Number.isFinite(s) && Number.isFinite(t)) out.push([s, t]);
    }
    return out;
  } catch {
    return [];
  }
}

/** When the byte at `offset` was first seen: the first index entry past it. */
export function timeAt(index: LogIndex, offset: number, fallback: number): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index[mid][0] > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo < index.length ? index[lo][1] : fallback;
}

/** Kubelet's timestamp format for --timestamps: RFC 3339 with nine fraction digits. */
export function formatLogTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export interface LogReadOptions {
  tailLines?: number;
  sinceMs?: number;
  limitBytes?: number;
  timestamps?: boolean;
}

export interface LogLine {
  offset: number;
  bytes: Buffer;
}

/** Splits a buffer into lines (each keeps its '\n'; the last may be partial). */
export function splitLines(buf: Buffer, baseOffset = 0): LogLine[] {
  const out: LogLine[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) break;
    out.push({ offset: baseOffset + start, bytes: buf.subarray(start, nl + 1) });
    start = nl + 1;
  }
  if (start < buf.length) out.push({ offset: baseOffset + start, bytes: buf.subarray(start) });
  return out;
}

/** The offset where the last `n` lines start (tail.FindTailLineStartIndex), reading backwards in chunks. */
export async function tailStart(path: string, n: number, upTo?: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const size = Math.min(upTo ?? Infinity, (await fh.stat()).size);
    if (n <= 0) return size;
    let pos = size;
    let count = 0;
    const chunk = Buffer.alloc(64 * 1024);
    // A trailing newline ends the last line, it does not start a new one.
    let skipLast = true;
    while (pos > 0) {
      const len = Math.min(chunk.length, pos);
      pos -= len;
      await fh.read(chunk, 0, len, pos);
      for (let i = len - 1; i >= 0; i--) {
        if (chunk[i] !== 10) {
          skipLast = false;
          continue;
        }
        if (skipLast && pos + i === size - 1) {
          skipLast = false;
          continue;
        }
        count++;
        if (count === n) return pos + i + 1;
      }
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/** Formats lines for output: since filter, timestamps, byte limit. Returns the text and whether the limit was hit. */
export function renderLines(lines: LogLine[], index: LogIndex, o: LogReadOptions, budget: { left: number }, now: number): { out: Buffer[]; done: boolean } {
  const out: Buffer[] = [];
  for (const l of lines) {
    const t = timeAt(index, l.offset, now);
    if (o.sinceMs !== undefined && t < o.sinceMs) continue;
    let b = o.timestamps ? Buffer.concat([Buffer.from(`${formatLogTime(t)} `), l.bytes]) : l.bytes;
    if (b.length > budget.left) b = b.subarray(0, budget.left);
    budget.left -= b.length;
    if (b.length) out.push(b);
    if (budget.left <= 0) return { out, done: true };
  }
  return { out, done: false };
}

/**
 * Reads a log file per the options, writing to `write`. With `follow`, keeps
 * streaming until `active()` turns false and the file is drained, or `signal`
 * aborts. Resolves the number of bytes written.
 */
export async function streamLog(
  path: string,
  o: LogReadOptions & { follow?: boolean },
  write: (b: Buffer) => boolean | void,
  hooks: { index: () => LogIndex | Promise<LogIndex>; active?: () => boolean; signal?: AbortSignal; pollMs?: number },
): Promise<void> {
  const startSize = (await stat(path)).size;
  let pos = o.tailLines !== undefined ? await tailStart(path, o.tailLines, startSize) : 0;
  const budget = { left: o.limitBytes && o.limitBytes > 0 ? o.limitBytes : Infinity };
  let carry = Buffer.alloc(0);
  let carryOffset = pos;
  const fh = await open(path, 'r');
  try {
    // Without follow, read what the file held when the request came (tail is counted on that snapshot too).
    const snapshot = o.follow ? Infinity : startSize;
    for (;;) {
      const size = Math.min(snapshot, (await fh.stat()).size);
      if (size > pos) {
        const buf = Buffer.alloc(Math.min(size - pos, 4 << 20));
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        pos += bytesRead;
        const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        const lines = splitLines(data, carryOffset);
        // Keep an unfinished last line for the next round while following.
        const last = lines.at(-1);
        const keep = o.follow && last && last.bytes[last.bytes.length - 1] !== 10 ? lines.pop() : undefined;
        carry = keep ? Buffer.from(keep.bytes) : Buffer.alloc(0);
        carryOffset = keep ? keep.offset : pos;
        const { out, done } = renderLines(lines, await hooks.index(), o, budget, Date.now());
        for (const b of out) write(b);
        if (done) return;
        if (size > pos) continue;
      }
      if (!o.follow || hooks.signal?.aborted) break;
      if (hooks.active && !hooks.active()) {
        // Drain once more after the process stopped.
        const s2 = (await fh.stat()).size;
        if (s2 > pos) continue;
        break;
      }
      await new Promise((r) => setTimeout(r, hooks.pollMs ?? 100));
    }
    if (carry.length) {
      const { out } = renderLines([{ offset: carryOffset, bytes: carry }], await hooks.index(), o, budget, Date.now());
      for (const b of out) write(b);
    }
  } finally {
    await fh.close();
  }
}
