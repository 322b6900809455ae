/**
 * Client process holding many watch streams (part d). Each watcher is its own
 * HTTPS keep-alive connection; on every chunk it takes one CLOCK_MONOTONIC
 * stamp (process.hrtime, the same clock the writer stamps into the objects)
 * and records, per event, the resourceVersion and the writer's send stamp.
 * Lines are scanned with indexOf rather than JSON.parse so the receiving side
 * stays cheap. argv: PORT DATA_DIR.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { ClientRequest } from 'node:http';
import { credentials } from './https-client.ts';
import { SENT_ANNOTATION } from './manifests.ts';
import { serve } from './worker-rpc.ts';
import { newHistogram, record, type HistogramData } from './stats.ts';

const target = { port: Number(process.argv[2]), dataDir: process.argv[3] };
const creds = credentials(target.dataDir);

interface Watcher {
  req: ClientRequest;
  rest: string;
  rvs: number[];
  receivedMs: number[];
  sentMs: number[];
  errors: number;
  ended: boolean;
}

let watchers: Watcher[] = [];
let agent: Agent | undefined;
let cpuMark = process.cpuUsage();

const RV_KEY = '"resourceVersion":"';
const SENT_KEY = `"${SENT_ANNOTATION}":"`;

function onLine(w: Watcher, line: string, receivedMs: number): void {
  if (!line.startsWith('{"type":"MODIFIED"') && !line.startsWith('{"type":"ADDED"')) {
    if (line.startsWith('{"type":"ERROR"')) w.errors++;
    return;
  }
  const r = line.indexOf(RV_KEY);
  const s = line.indexOf(SENT_KEY);
  if (r < 0) return;
  w.rvs.push(Number(line.slice(r + RV_KEY.length, line.indexOf('"', r + RV_KEY.length))));
  w.receivedMs.push(receivedMs);
  w.sentMs.push(s < 0 ? NaN : Number(line.slice(s + SENT_KEY.length, line.indexOf('"', s + SENT_KEY.length))) / 1e6);
}

function open(path: string): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const opts: RequestOptions = {
      host: '127.0.0.1',
      port: target.port,
      path,
      method: 'GET',
      agent,
      headers: { authorization: `Bearer ${creds.token}`, accept: 'application/json' },
    };
    const w: Watcher = { req: undefined as unknown as ClientRequest, rest: '', rvs: [], receivedMs: [], sentMs: [], errors: 0, ended: false };
    w.req = request(opts, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const receivedMs = Number(process.hrtime.bigint()) / 1e6;
        let text = w.rest + chunk;
        let nl: number;
        while ((nl = text.indexOf('\n')) >= 0) {
          onLine(w, text.slice(0, nl), receivedMs);
          text = text.slice(nl + 1);
        }
        w.rest = text;
      });
      res.on('end', () => (w.ended = true));
      res.on('error', () => (w.ended = true));
      resolve(w);
    });
    w.req.on('error', (e) => {
      w.ended = true;
      reject(e);
    });
    w.req.end();
  });
}

export interface WatchAnalysis {
  watchers: number;
  events: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  unexpected: number;
  watchersWithProblems: number;
  errors: number;
  ended: number;
  /** Receipt minus the writer's send stamp (µs). */
  sendToReceipt: HistogramData;
  /** Receipt minus the time the writer's response arrived (µs; negative: the watcher was first). */
  ackToReceipt: HistogramData;
  clientCpu: number;
}

serve({
  /** Opens `count` watch streams on `path` (at most `parallel` handshakes at once). */
  async open(a: { path: string; count: number; parallel: number }) {
    agent ??= new Agent({ keepAlive: true, maxSockets: Infinity, ca: creds.ca });
    let next = 0;
    await Promise.all(
      Array.from({ length: a.parallel }, async () => {
        while (next < a.count) {
          next++;
          watchers.push(await open(a.path));
        }
      }),
    );
    cpuMark = process.cpuUsage();
    return watchers.length;
  },

  /** Fewest events any watcher has received (to wait for delivery to finish). */
  async minReceived() {
    return watchers.reduce((m, w) => Math.min(m, w.rvs.length), Infinity);
  },

  /** Compares every watcher's stream with the writer's acknowledged resourceVersions. */
  async analyze(a: { acks: { rv: number; ackNs: string }[] }): Promise<WatchAnalysis> {
    const ackMs = new Map(a.acks.map((k) => [k.rv, Number(BigInt(k.ackNs)) / 1e6]));
    const out: WatchAnalysis = {
      watchers: watchers.length,
      events: 0,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      unexpected: 0,
      watchersWithProblems: 0,
      errors: 0,
      ended: 0,
      sendToReceipt: newHistogram(),
      ackToReceipt: newHistogram(),
      clientCpu: 0,
    };
    for (const w of watchers) {
      const seen = new Set<number>();
      let dup = 0;
      let ooo = 0;
      let unexpected = 0;
      for (let i = 0; i < w.rvs.length; i++) {
        const rv = w.rvs[i];
        if (seen.has(rv)) dup++;
        seen.add(rv);
        if (i > 0 && rv <= w.rvs[i - 1]) ooo++;
        const acked = ackMs.get(rv);
        if (acked === undefined) unexpected++;
        else record(out.ackToReceipt, (w.receivedMs[i] - acked) * 1000);
        if (!Number.isNaN(w.sentMs[i])) record(out.sendToReceipt, (w.receivedMs[i] - w.sentMs[i]) * 1000);
      }
      let lost = 0;
      for (const rv of ackMs.keys()) if (!seen.has(rv)) lost++;
      out.events += w.rvs.length;
      out.lost += lost;
      out.duplicated += dup;
      out.outOfOrder += ooo;
      out.unexpected += unexpected;
      out.errors += w.errors;
      if (w.ended) out.ended++;
      if (lost || dup || ooo || unexpected || w.errors) out.watchersWithProblems++;
    }
    const d = process.cpuUsage(cpuMark);
    out.clientCpu = (d.user + d.system) / 1e6;
    return out;
  },

  /** Forgets what was received so far (the streams stay open). */
  async reset() {
    for (const w of watchers) {
      w.rvs = [];
      w.receivedMs = [];
      w.sentMs = [];
      w.errors = 0;
    }
    cpuMark = process.cpuUsage();
    return true;
  },

  /** Closes every stream. */
  async close() {
    for (const w of watchers) w.req.destroy();
    watchers = [];
    agent?.destroy();
    agent = undefined;
    return true;
  },
});
