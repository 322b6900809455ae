/**
 * Client process for the request/response parts: sequential creates (a),
 * concurrent bulk creates (b), big lists (c), the paced and burst writers of
 * the watch part (d). Run by the driver through worker-rpc; argv: PORT DATA_DIR.
 * Every job reports its own CPU use so the driver can show the client/server
 * split.
 */
import { performance } from 'node:perf_hooks';
import { apiClient, expectStatus, nsToMs, resourceVersionOf } from './https-client.ts';
import { namespaceManifest, podManifest, serviceManifest, stampPatch } from './manifests.ts';
import { serve } from './worker-rpc.ts';
import { summarize, type Summary } from './stats.ts';

const target = { port: Number(process.argv[2]), dataDir: process.argv[3] };

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

const MERGE_PATCH = 'application/merge-patch+json';

export interface SequentialResult {
  count: number;
  seconds: number;
  latMs: number[];
  clientCpu: number;
}

export interface BulkResult {
  count: number;
  seconds: number;
  errors: number;
  firstError?: string;
  latency: Record<string, Summary>;
  clientCpu: number;
}

export interface ListResult {
  path: string;
  items: number;
  bytes: number;
  latMs: number[];
  ttfbMs: number[];
}

export interface Ack {
  rv: number;
  sentNs: string;
  ackNs: string;
}

export interface WriterResult {
  acks: Ack[];
  errors: number;
  firstError?: string;
  seconds: number;
  /** Writes that started more than one interval behind schedule. */
  late: number;
  latMs: number[];
  clientCpu: number;
}

serve({
  async createNamespaces(a: { names: string[] }) {
    const c = apiClient(target, 4);
    try {
      for (const name of a.names) {
        const r = await c.call('POST', '/api/v1/namespaces', namespaceManifest(name));
        expectStatus(r, [201, 409], `create namespace ${name}`);
      }
      return a.names.length;
    } finally {
      c.close();
    }
  },

  /** Creates `count` pods named `${prefix}-N` in ns, 16 at a time; returns their names. */
  async createPods(a: { ns: string; count: number; prefix: string }) {
    const c = apiClient(target, 16);
    try {
      const names = Array.from({ length: a.count }, (_, i) => `${a.prefix}-${i}`);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < names.length; i = next++) {
            const pod = podManifest(a.ns, i) as { metadata: { name: string } };
            pod.metadata.name = names[i];
            const r = await c.call('POST', `/api/v1/namespaces/${a.ns}/pods`, pod);
            expectStatus(r, [201], `create pod ${names[i]}`);
          }
        }),
      );
      return names;
    } finally {
      c.close();
    }
  },

  /**
   * One client, one request at a time. mode 'create': POST a pod; 'dryRun':
   * the same with dryRun=All (everything but the storage txn); 'get': GET the
   * namespace (the HTTPS + auth + routing floor).
   */
  async sequential(a: { ns: string; mode: 'create' | 'dryRun' | 'get'; warmup: number; seconds: number; offset: number }): Promise<SequentialResult> {
    const c = apiClient(target, 1);
    try {
      let i = a.offset;
      const one = async () => {
        const idx = i++;
        if (a.mode === 'get') {
          const r = await c.call('GET', `/api/v1/namespaces/${a.ns}`);
          expectStatus(r, [200], 'get namespace');
          return r;
        }
        const r = await c.call('POST', `/api/v1/namespaces/${a.ns}/pods${a.mode === 'dryRun' ? '?dryRun=All' : ''}`, podManifest(a.ns, idx));
        expectStatus(r, [201], `create pod #${idx}`);
        return r;
      };
      for (let w = 0; w < a.warmup; w++) await one();
      const lat: number[] = [];
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const end = start + a.seconds * 1000;
      while (performance.now() < end) {
        const r = await one();
        lat.push(nsToMs(r.endNs - r.startNs));
      }
      return { count: lat.length, seconds: (performance.now() - start) / 1000, latMs: lat, clientCpu: cpuSince(cpu0) };
    } finally {
      c.close();
    }
  },

  /** `clients` concurrent loops over one queue: all Services, then all Pods, spread over the namespaces. */
  async bulkCreates(a: { clients: number; services: number; pods: number; namespaces: string[] }, progress): Promise<BulkResult> {
    const c = apiClient(target, a.clients);
    const nsCount = a.namespaces.length;
    const total = a.services + a.pods;
    const lat: Record<string, number[]> = { services: [], pods: [] };
    let next = 0;
    let done = 0;
    let errors = 0;
    let firstError: string | undefined;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    let lastDone = 0;
    let lastT = start;
    const ticker = setInterval(() => {
      const now = performance.now();
      progress(`(b) ${done}/${total} created, ${(((done - lastDone) * 1000) / (now - lastT)).toFixed(0)}/s`);
      lastDone = done;
      lastT = now;
    }, 5000);
    try {
      await Promise.all(
        Array.from({ length: a.clients }, async () => {
          for (let k = next++; k < total; k = next++) {
            const isSvc = k < a.services;
            const idx = isSvc ? k : k - a.services;
            const ns = a.namespaces[idx % nsCount];
            const body = isSvc ? serviceManifest(ns, idx) : podManifest(ns, idx);
            const r = await c.call('POST', `/api/v1/namespaces/${ns}/${isSvc ? 'services' : 'pods'}`, body);
            if (r.status !== 201) {
              errors++;
              firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
            }
            lat[isSvc ? 'services' : 'pods'].push(nsToMs(r.endNs - r.startNs));
            done++;
          }
        }),
      );
    } finally {
      clearInterval(ticker);
      c.close();
    }
    return {
      count: done,
      seconds: (performance.now() - start) / 1000,
      errors,
      firstError,
      latency: { services: summarize(lat.services), pods: summarize(lat.pods), all: summarize([...lat.services, ...lat.pods]) },
      clientCpu: cpuSince(cpu0),
    };
  },

  /**
   * Each path: one untimed request (that counts the items when `countItems`),
   * then `rounds` timed ones whose bytes are counted, not kept. `port`
   * overrides the server's (the static reference server).
   */
  async lists(a: { paths: string[]; rounds: number; port?: number; countItems?: boolean }): Promise<ListResult[]> {
    const c = apiClient({ ...target, port: a.port ?? target.port }, 1);
    try {
      const out: ListResult[] = [];
      for (const path of a.paths) {
        const first = await c.call('GET', path, undefined, { bodyMode: a.countItems ? 'text' : 'size' });
        expectStatus(first, [200], `list ${path}`);
        const items = a.countItems ? (JSON.parse(first.body) as { items: unknown[] }).items.length : 0;
        const lat: number[] = [];
        const ttfb: number[] = [];
        let bytes = 0;
        for (let i = 0; i < a.rounds; i++) {
          const r = await c.call('GET', path, undefined, { bodyMode: 'size' });
          expectStatus(r, [200], `list ${path}`);
          lat.push(nsToMs(r.endNs - r.startNs));
          ttfb.push(nsToMs(r.headersNs - r.startNs));
          bytes = r.size;
        }
        out.push({ path, items, bytes, latMs: lat, ttfbMs: ttfb });
      }
      return out;
    } finally {
      c.close();
    }
  },

  /**
   * Lists `path` in pages of `limit` (following continue tokens, as kubectl
   * get does by default with limit=500), `rounds` times. Returns per-page and
   * per-full-list latencies.
   */
  async pagedList(a: { path: string; limit: number; rounds: number }): Promise<{ pageMs: number[]; fullMs: number[]; pages: number; items: number; bytes: number }> {
    const c = apiClient(target, 1);
    try {
      const pageMs: number[] = [];
      const fullMs: number[] = [];
      let pages = 0;
      let items = 0;
      let bytes = 0;
      for (let round = 0; round < a.rounds; round++) {
        const t0 = performance.now();
        let cont = '';
        pages = 0;
        items = 0;
        bytes = 0;
        do {
          const sep = a.path.includes('?') ? '&' : '?';
          const r = await c.call('GET', `${a.path}${sep}limit=${a.limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
          expectStatus(r, [200], `list ${a.path} page ${pages}`);
          pageMs.push(nsToMs(r.endNs - r.startNs));
          const head = r.body.slice(0, r.body.indexOf('"items":'));
          cont = /"continue":"([^"]+)"/.exec(head)?.[1] ?? '';
          items += r.body.split('"kind":"Pod"').length - 1;
          bytes += r.size;
          pages++;
        } while (cont);
        fullMs.push(performance.now() - t0);
      }
      return { pageMs, fullMs, pages, items, bytes };
    } finally {
      c.close();
    }
  },

  /**
   * Open-loop writer: write k starts at start + k/rate (up to 16 in flight),
   * each a merge patch stamping a pod with its send time. Pods round-robin.
   */
  async pacedWriter(a: { ns: string; pods: string[]; rate: number; seconds: number }): Promise<WriterResult> {
    const c = apiClient(target, 16);
    const acks: Ack[] = [];
    const lat: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let late = 0;
    const interval = 1000 / a.rate;
    const total = Math.round(a.rate * a.seconds);
    const inFlight = new Set<Promise<void>>();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    try {
      for (let k = 0; k < total; k++) {
        const due = start + k * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else if (-wait > interval) late++;
        while (inFlight.size >= 16) await Promise.race(inFlight);
        const pod = a.pods[k % a.pods.length];
        const sentNs = process.hrtime.bigint();
        const p = c
          .call('PATCH', `/api/v1/namespaces/${a.ns}/pods/${pod}`, stampPatch(sentNs, k), { contentType: MERGE_PATCH })
          .then((r) => {
            if (r.status !== 200) {
              errors++;
              firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
              return;
            }
            acks.push({ rv: resourceVersionOf(r.body), sentNs: String(sentNs), ackNs: String(r.endNs) });
            lat.push(nsToMs(r.endNs - r.startNs));
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.all(inFlight);
    } finally {
      c.close();
    }
    return { acks, errors, firstError, late, seconds: (performance.now() - start) / 1000, latMs: lat, clientCpu: cpuSince(cpu0) };
  },

  /** `updates` merge patches as fast as `clients` loops can go; client c owns pods c, c+clients, … (no self-conflicts). */
  async burst(a: { ns: string; pods: string[]; updates: number; clients: number }): Promise<WriterResult> {
    const c = apiClient(target, a.clients);
    const acks: Ack[] = [];
    const lat: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let next = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    try {
      await Promise.all(
        Array.from({ length: a.clients }, async (_, ci) => {
          const mine = a.pods.filter((_, i) => i % a.clients === ci);
          for (let j = 0; next < a.updates; j++) {
            const k = next++;
            const sentNs = process.hrtime.bigint();
            const r = await c.call('PATCH', `/api/v1/namespaces/${a.ns}/pods/${mine[j % mine.length]}`, stampPatch(sentNs, k), {
              contentType: MERGE_PATCH,
            });
            if (r.status !== 200) {
              errors++;
              firstError ??= `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
              continue;
            }
            acks.push({ rv: resourceVersionOf(r.body), sentNs: String(sentNs), ackNs: String(r.endNs) });
            lat.push(nsToMs(r.endNs - r.startNs));
          }
        }),
      );
    } finally {
      c.close();
    }
    return { acks, errors, firstError, late: 0, seconds: (performance.now() - start) / 1000, latMs: lat, clientCpu: cpuSince(cpu0) };
  },
});
