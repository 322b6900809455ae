/**
 * The Service promises of issue 9 on a kernel-mode cluster, with continuous
 * traffic (test/cluster/traffic.mjs, run inside the client namespace or a
 * pod) and every failed request counted. cluster-promises.test.ts says what
 * each case proves and why it holds; this file has the cases and their tools.
 *
 * One cluster, 3 nodes in zones a/b/c. Pods are the sample app pinned to a
 * node; `probe` (node2, zone b) is the in-cluster client that digs and sends
 * traffic from another node than most backends.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { SAMPLE, curlRun, run, waitFor, type TestCluster } from './harness.ts';

const TRAFFIC = new URL('./traffic.mjs', import.meta.url).pathname;
/** kube-dns's ClusterIP: what pods' resolv.conf names (src/cluster/kube-dns.ts). */
export const KUBE_DNS = '10.96.0.10';
/** Graceful termination of the pods that are replaced or deleted under traffic: they serve this long after SIGTERM. */
const TERM_DELAY_MS = '5000';
const GRACE_SECONDS = 20;
/** The slow app listens this long after it starts (longer than the path API → controller → proxies takes). */
const START_DELAY_MS = '15000';

// ------------------------------------------------------------- manifests

interface PodOptions {
  node: number;
  app: string;
  /** An HTTP readiness probe on /healthz every second (default true). */
  probe?: boolean;
  env?: Record<string, string>;
  /** terminationGracePeriodSeconds. */
  grace?: number;
  hostname?: string;
  subdomain?: string;
}

/** The sample app as a pod pinned to node K (HTTP on 8080); SB_TEST_CLUSTER marks its process for the harness's sweep. */
export function pod(c: TestCluster, name: string, o: PodOptions): object {
  const env = { HOST: '0.0.0.0', PORT: '8080', SB_TEST_CLUSTER: c.name, ...o.env };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: o.app } },
    spec: {
      nodeName: `${c.name}-node${o.node}`,
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}),
      containers: [
        {
          name: 'app',
          image: 'switchboard/sample-app',
          command: ['node', SAMPLE],
          env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
          ...(o.probe === false ? {} : { readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }),
        },
      ],
    },
  };
}

export function service(name: string, spec: Record<string, unknown>): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } };
}

/** kubectl apply of objects (YAML documents written as JSON). */
export async function apply(c: TestCluster, ...objects: object[]): Promise<void> {
  const r = await c.kubectlRun(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  assert.equal(r.code, 0, r.stderr);
}

// ------------------------------------------------------------- observing the cluster

const readyStatus = async (c: TestCluster) =>
  c.kubectl('get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');

export async function waitPodsReady(c: TestCluster, pods: string[], ready = true): Promise<void> {
  const want = ready ? 'True' : 'False';
  await waitFor(`pods ${pods.join(', ')} Ready=${want}`, async () => ((out) => (pods.every((p) => new RegExp(`^${p}=${want}$`, 'm').test(out)) ? true : undefined))(await readyStatus(c)), 120_000);
}

export const jsonpath = async (c: TestCluster, kind: string, name: string, path: string) => (await c.kubectl('get', kind, name, '-o', `jsonpath={${path}}`)).trim();

/** The node's nftables table (the proxy's own), as text. */
export async function ruleset(c: TestCluster, k: number): Promise<string> {
  const r = await run('ip', ['netns', 'exec', `sb-${c.name}-node${k}`, 'nft', 'list', 'table', 'ip', 'switchboard'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Endpoint addresses the table has chains for, for Service default/SVC (chains `endpoint-HASH-default/SVC/tcp/PORT__IP/PORT`). */
export const programmedEndpoints = (table: string, svc: string) => new Set([...table.matchAll(new RegExp(`endpoint-[A-Z0-9]+-default/${svc}/[^_\\s"]*__([0-9.]+)`, 'g'))].map((m) => m[1]!));

/** Waits until node K's table sends Service SVC to (at least) these pod IPs. */
export async function waitProgrammed(c: TestCluster, k: number, svc: string, ips: string[]): Promise<void> {
  await waitFor(`node${k} programs ${svc} → ${ips.join(', ')}`, async () => ((got) => (ips.every((ip) => got.has(ip)) ? true : undefined))(programmedEndpoints(await ruleset(c, k), svc)));
}

/** `dig +short` in a namespace; the answer lines. */
export async function dig(netns: string, ...args: string[]): Promise<string[]> {
  const r = await run('ip', ['netns', 'exec', netns, 'dig', '+short', '+time=3', '+tries=2', ...args], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `dig ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

// ------------------------------------------------------------- traffic

export interface TrafficStats {
  ok: number;
  failed: number;
  byPod: Record<string, number>;
  errors: Record<string, number>;
  failures: { at: number; url: string; error: string }[];
  /** The last answerers, oldest first ("!code" for a failure). */
  recent: string[];
}

export const describe = (s: TrafficStats) =>
  `${s.ok} ok, ${s.failed} failed ${JSON.stringify(s.errors)}, by pod ${JSON.stringify(s.byPod)}${s.failures.length ? `, first failures ${JSON.stringify(s.failures.slice(0, 5))}` : ''}`;

/** Requests answered by POD between two snapshots. */
export const answeredBetween = (a: TrafficStats, b: TrafficStats, p: string) => (b.byPod[p] ?? 0) - (a.byPod[p] ?? 0);

/** traffic.mjs running in a network namespace; `stats()` reads its counters, `stop()` ends it and returns the totals. */
export class Traffic {
  private readonly child: ChildProcess;
  private readonly pending: ((s: TrafficStats) => void)[] = [];
  private readonly exited: Promise<void>;
  private stderr = '';

  constructor(
    readonly label: string,
    netns: string,
    urls: string[],
  ) {
    // `ip netns exec` execs node itself: the child's PID is the generator's.
    this.child = spawn('ip', ['netns', 'exec', netns, process.execPath, TRAFFIC, ...urls], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => undefined);
    this.child.stderr!.on('data', (d) => (this.stderr += String(d)));
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.pending.shift()?.(JSON.parse(l) as TrafficStats));
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
  }

  private ask(line: string | undefined): Promise<TrafficStats> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`traffic ${this.label}: no answer (${this.stderr.trim()})`)), 30_000);
      this.pending.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
      if (line) this.child.stdin!.write(`${line}\n`);
      else this.child.kill('SIGTERM');
    });
  }

  stats(): Promise<TrafficStats> {
    return this.ask('stats');
  }

  /** Waits until `pred` holds of a snapshot; returns that snapshot. */
  until(what: string, pred: (s: TrafficStats) => boolean, timeoutMs = 90_000): Promise<TrafficStats> {
    return waitFor(`${this.label}: ${what}`, async () => ((s) => (pred(s) ? s : undefined))(await this.stats()), timeoutMs);
  }

  /** Waits for `n` more answered requests after `from`. */
  more(from: TrafficStats, n: number): Promise<TrafficStats> {
    return this.until(`${n} more answers`, (s) => s.ok >= from.ok + n);
  }

  /** SIGTERM: the requests in flight finish, the totals are printed. */
  async stop(): Promise<TrafficStats> {
    const s = await this.ask(undefined);
    await this.exited;
    return s;
  }

  /** For cleanup: kills the generator (by its PID) if it still runs. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The totals of a traffic run, in the test's output. */
export const note = (t: TestContext, tr: Traffic, s: TrafficStats) => t.diagnostic(`${tr.label}: ${describe(s)}`);

/** Starts traffic and registers its kill with the test's cleanup. */
export function startTraffic(t: TestContext, label: string, netns: string, ...urls: string[]): Traffic {
  const tr = new Traffic(label, netns, urls);
  t.after(() => tr.kill());
  return tr;
}

/** The last `n` answerers (failures included). */
const last = (s: TrafficStats, n: number) => s.recent.slice(-n);

// ------------------------------------------------------------- the cases

export interface Setup {
  c: TestCluster;
  /** Network namespace of the pod `probe` (node2, zone b). */
  probeNs: string;
  /** ClusterIP of every Service made by setup(). */
  ips: Record<string, string>;
  /** Pod IP of every pod made by setup(). */
  podIPs: Record<string, string>;
}

const graceful = { env: { TERM_DELAY_MS }, grace: GRACE_SECONDS };

/** Everything the cases start from, applied at once (pods start in parallel). */
export async function setup(c: TestCluster): Promise<Setup> {
  const p = (name: string, o: PodOptions) => pod(c, name, o);
  const slowV1 = (svc: string, probe: boolean) => p(`${svc}-v1`, { node: 1, app: svc, probe, ...graceful });
  const pods = [
    p('probe', { node: 2, app: 'probe' }),
    ...[1, 2, 3].map((k) => p(`roll-${k}`, { node: k, app: 'roll', ...graceful })),
    slowV1('slow-noprobe', false),
    slowV1('slow-probe', true),
    p('flaky-a', { node: 1, app: 'flaky' }),
    p('flaky-b', { node: 3, app: 'flaky' }),
    ...[1, 2, 3].map((k) => p(`zone-${'abc'[k - 1]}`, { node: k, app: 'zonal', ...graceful })),
    ...[0, 1].map((i) => p(`hl-${i}`, { node: 1 + 2 * i, app: 'hl', hostname: `hl-${i}`, subdomain: 'hl' })),
  ];
  const services = [
    service('roll', { selector: { app: 'roll' } }),
    service('slow-noprobe', { selector: { app: 'slow-noprobe' } }),
    service('slow-probe', { selector: { app: 'slow-probe' } }),
    service('flaky', { selector: { app: 'flaky' } }),
    service('zonal', { selector: { app: 'zonal' }, trafficDistribution: 'PreferClose' }),
    service('hl', { selector: { app: 'hl' }, clusterIP: 'None' }),
    // The same pods behind a Service with a ClusterIP: made with `hl`, so a table that has it has seen `hl` too.
    service('hl-twin', { selector: { app: 'hl' } }),
  ];
  await apply(c, ...services, ...pods);
  const names = pods.map((x) => (x as { metadata: { name: string } }).metadata.name);
  await waitPodsReady(c, names);
  const table = async (kind: string, field: string) =>
    Object.fromEntries(
      (await c.kubectl('get', kind, '-o', `jsonpath={range .items[*]}{.metadata.name}={${field}}{"\\n"}{end}`))
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    );
  return { c, probeNs: await c.podNetns('probe'), ips: await table('services', '.spec.clusterIP'), podIPs: await table('pods', '.status.podIP') };
}

/** 1. Rolling replacement across nodes with probes and graceful termination: same ClusterIP and DNS answer, no failed request. */
export async function rollingReplacement(t: TestContext, s: Setup): Promise<void> {
  const { c, probeNs, ips, podIPs } = s;
  const ip = ips['roll']!;
  const name = 'roll.default.svc.cluster.local';
  assert.deepEqual(await dig(probeNs, `@${KUBE_DNS}`, name), [ip], 'kube-dns answers the name with the ClusterIP');
  // The client's packets are DNATed on node1, the probe's on node2: both have all three endpoints before traffic starts.
  const old = [1, 2, 3].map((k) => `roll-${k}`);
  for (const k of [1, 2]) await waitProgrammed(c, k, 'roll', old.map((p) => podIPs[p]!));
  const url = `http://${ip}/`;
  const traffic = [startTraffic(t, 'client → roll', c.client, url), startTraffic(t, 'probe (node2) → roll', probeNs, url)];
  for (const tr of traffic) await tr.until('all three pods answering', (x) => old.every((p) => x.byPod[p]));

  const seen: string[] = [];
  for (const k of [1, 2, 3]) {
    const next = `roll-${k}-v2`;
    await apply(c, pod(c, next, { node: k, app: 'roll', ...graceful }));
    await waitPodsReady(c, [next]);
    // Waits until the pod is gone: SIGTERM, TERM_DELAY_MS of serving while it is `terminating`, exit.
    await c.kubectl('delete', 'pod', `roll-${k}`, '--timeout=90s');
    seen.push(await jsonpath(c, 'service', 'roll', '.spec.clusterIP'), ...(await dig(probeNs, `@${KUBE_DNS}`, name)));
  }
  const fresh = old.map((p) => `${p}-v2`);
  const totals: TrafficStats[] = [];
  for (const tr of traffic) {
    await tr.until('only new pods answering', (x) => fresh.every((p) => x.byPod[p]) && last(x, 60).every((p) => fresh.includes(p)));
    totals.push(await tr.stop());
    note(t, tr, totals.at(-1)!);
  }
  assert.deepEqual(new Set(seen), new Set([ip]), `the ClusterIP and the DNS answer stayed ${ip}: ${seen.join(', ')}`);
  totals.forEach((x, i) => {
    assert.equal(x.failed, 0, `${traffic[i]!.label}: ${describe(x)}`);
    for (const p of old) assert.ok(x.byPod[p], `${traffic[i]!.label}: ${p} served before it went: ${describe(x)}`);
  });
}

/** 2. The same slow-starting app with and without a readiness probe, replacing a serving pod: fails without, none fail with. */
export async function slowStart(t: TestContext, s: Setup): Promise<void> {
  const { c, ips, podIPs } = s;
  const cases = [
    { svc: 'slow-noprobe', probe: false },
    { svc: 'slow-probe', probe: true },
  ];
  for (const { svc } of cases) await waitProgrammed(c, 1, svc, [podIPs[`${svc}-v1`]!]);
  const traffic = cases.map(({ svc }) => startTraffic(t, `client → ${svc}`, c.client, `http://${ips[svc]}/`));
  for (const [i, { svc }] of cases.entries()) await traffic[i]!.until(`${svc}-v1 answering`, (x) => x.byPod[`${svc}-v1`]! > 0);
  // A rollout as a controller does it: the new pod (node3, listening START_DELAY_MS after it starts), wait for
  // Ready, delete the old one. Without a probe a kernel-mode pod is Ready as soon as its process runs, so the old
  // pod is gone while the new one still refuses connections.
  await apply(c, ...cases.map(({ svc, probe }) => pod(c, `${svc}-v2`, { node: 3, app: svc, probe, env: { START_DELAY_MS, TERM_DELAY_MS }, grace: GRACE_SECONDS })));
  await Promise.all(
    cases.map(async ({ svc }) => {
      await waitPodsReady(c, [`${svc}-v2`]);
      await c.kubectl('delete', 'pod', `${svc}-v1`, '--wait=false');
    }),
  );
  const [noProbe, withProbe] = await Promise.all(
    cases.map(async ({ svc }, i) => {
      await traffic[i]!.until(`only ${svc}-v2 answering`, (x) => last(x, 30).every((p) => p === `${svc}-v2`) && x.byPod[`${svc}-v2`]! >= 30, 120_000);
      const total = await traffic[i]!.stop();
      note(t, traffic[i]!, total);
      return total;
    }),
  );
  const report = `without a probe: ${describe(noProbe!)}; with a probe: ${describe(withProbe!)}`;
  assert.ok(noProbe!.failed > 0, `requests fail while the app without a probe warms up — ${report}`);
  assert.ok(noProbe!.errors['ECONNREFUSED']! > 0, `they fail because nothing listens yet (connection refused) — ${report}`);
  assert.equal(withProbe!.failed, 0, `no request fails when the app has a probe — ${report}`);
}

/** 3. /fail on one pod under traffic: it stops getting requests; /recover: it gets them again; no request fails. */
export async function readinessFlip(t: TestContext, s: Setup): Promise<void> {
  const { c, ips, podIPs } = s;
  await waitProgrammed(c, 1, 'flaky', [podIPs['flaky-a']!, podIPs['flaky-b']!]);
  const traffic = startTraffic(t, 'client → flaky', c.client, `http://${ips['flaky']}/`);
  await traffic.until('both pods answering', (x) => !!x.byPod['flaky-a'] && !!x.byPod['flaky-b']);
  const flakyA = await c.podNetns('flaky-a');
  assert.equal((await curlRun(flakyA, 'http://127.0.0.1:8080/fail', 15)).code, 0, 'the sample app takes /fail');
  await waitPodsReady(c, ['flaky-a'], false);
  // Once the proxy has the change, flaky-a gets nothing: 40 answers in a row from flaky-b (1 in 2^40 while
  // both are chosen at random), then 150 more counted.
  const left = await traffic.until('traffic leaving flaky-a', (x) => x.recent.length >= 40 && !last(x, 40).includes('flaky-a'));
  const whileFailing = await traffic.more(left, 150);
  assert.equal(answeredBetween(left, whileFailing, 'flaky-a'), 0, `no traffic to the unready pod: ${describe(whileFailing)}`);
  assert.match(await c.kubectl('get', 'pod', 'flaky-a'), /flaky-a\s+0\/1\s+Running/, 'kubectl shows it running but not ready');

  assert.equal((await curlRun(flakyA, 'http://127.0.0.1:8080/recover', 15)).code, 0);
  await waitPodsReady(c, ['flaky-a']);
  await traffic.until('flaky-a gets traffic again', (x) => answeredBetween(whileFailing, x, 'flaky-a') > 0);
  const total = await traffic.stop();
  note(t, traffic, total);
  assert.equal(total.failed, 0, `failing readiness only took the pod out of rotation: ${describe(total)}`);
}

/** 4. ExternalName: kube-dns answers the name with a CNAME, asked through a pod's own resolv.conf. */
export async function externalName(s: Setup): Promise<void> {
  const { c, probeNs } = s;
  await apply(c, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'docs' }, spec: { type: 'ExternalName', externalName: 'docs.example.com' } });
  assert.equal(await jsonpath(c, 'service', 'docs', '.spec.clusterIP'), '', 'an ExternalName Service has no ClusterIP');
  // A CNAME question only: the target is not chased upstream (no traffic leaves the machine).
  assert.deepEqual(await waitFor('the CNAME', async () => ((a) => (a.length ? a : undefined))(await dig(probeNs, `@${KUBE_DNS}`, 'docs.default.svc.cluster.local', 'CNAME'))), ['docs.example.com.']);
  // The short name, through the pod's resolv.conf (nameserver 10.96.0.10, search default.svc.cluster.local …).
  assert.deepEqual(await dig(probeNs, '+search', 'docs', 'CNAME'), ['docs.example.com.']);
}

/** 5. A selectorless Service with hand-written Endpoints reaches a server outside the cluster (in the client namespace). */
export async function selectorless(t: TestContext, s: Setup): Promise<void> {
  const { c, probeNs } = s;
  const outsideIP = `172.30.${c.state.spec.underlay}.250`;
  const server = spawn('ip', ['netns', 'exec', c.client, process.execPath, SAMPLE], {
    env: { ...process.env, HOST: outsideIP, PORT: '5432', POD_NAME: 'outside-db', SB_TEST_CLUSTER: c.name },
    stdio: 'ignore',
  });
  t.after(() => void (server.exitCode === null && server.signalCode === null && server.kill('SIGKILL')));
  await waitFor('the outside server listening', async () => ((r) => (r.code === 0 ? true : undefined))(await curlRun(c.client, `http://${outsideIP}:5432/name`)));
  await apply(
    c,
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'outside-db' }, spec: { ports: [{ name: 'db', port: 5432, targetPort: 5432 }] } },
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'outside-db' }, subsets: [{ addresses: [{ ip: outsideIP }], ports: [{ name: 'db', port: 5432 }] }] },
  );
  const ip = await jsonpath(c, 'service', 'outside-db', '.spec.clusterIP');
  assert.match(ip, /^10\.96\./);
  await waitProgrammed(c, 2, 'outside-db', [outsideIP]);
  for (const url of [`http://${ip}:5432/`, 'http://outside-db:5432/', 'http://outside-db.default.svc.cluster.local:5432/']) {
    const body = await waitFor(`${url} from the probe pod`, async () => ((r) => (r.code === 0 ? r.stdout.trim() : undefined))(await curlRun(probeNs, url)));
    assert.match(body, new RegExp(`^outside-db ${outsideIP.replace(/\./g, '\\.')}:5432 GET /`), url);
  }
  assert.deepEqual(await dig(probeNs, `@${KUBE_DNS}`, 'outside-db.default.svc.cluster.local'), [ip]);
  server.kill('SIGTERM');
}

/** 6. Headless: the name gives the pods' IPs, each pod's hostname resolves, and no node's table has the Service. */
export async function headless(s: Setup): Promise<void> {
  const { c, probeNs, podIPs } = s;
  assert.equal(await jsonpath(c, 'service', 'hl', '.spec.clusterIP'), 'None');
  const want = [podIPs['hl-0']!, podIPs['hl-1']!].sort();
  // kube-dns learns the endpoints from the EndpointSlice a moment after the pods turn Ready: wait for the full answer, then check it.
  const answer = async (q: string, ips: string[]) => {
    const same = (a: string[]) => JSON.stringify([...a].sort()) === JSON.stringify(ips);
    await waitFor(`${q} → ${ips.join(', ')}`, async () => (same(await dig(probeNs, `@${KUBE_DNS}`, q)) ? true : undefined));
    assert.deepEqual((await dig(probeNs, `@${KUBE_DNS}`, q)).sort(), ips, q);
  };
  await answer('hl.default.svc.cluster.local', want);
  for (const i of [0, 1]) await answer(`hl-${i}.hl.default.svc.cluster.local`, [podIPs[`hl-${i}`]!]);
  const body = await waitFor('hl-0 by its name from the probe pod', async () => ((r) => (r.code === 0 ? r.stdout.trim() : undefined))(await curlRun(probeNs, 'http://hl-0.hl:8080/')));
  assert.match(body, /^hl-0 /);
  // hl-twin (same pods, with a ClusterIP) was created with hl: every table that has it has seen hl too, and has no VIP for it.
  for (const k of [1, 2, 3]) {
    await waitProgrammed(c, k, 'hl-twin', want);
    const table = await ruleset(c, k);
    assert.ok(table.includes('default/hl-twin/'), `node${k} has hl-twin`);
    assert.ok(!table.includes('default/hl/'), `node${k} has no chain or element for the headless hl:\n${table}`);
  }
}

/** 7. PreferClose under traffic: each client's zone keeps its traffic while it has an endpoint; zone b spills when its endpoint goes. */
export async function topology(t: TestContext, s: Setup): Promise<void> {
  const { c, probeNs, ips } = s;
  const url = `http://${ips['zonal']}/`;
  // The client namespace's packets are DNATed on node1 (zone a); the probe pod is on node2 (zone b).
  const fromA = startTraffic(t, 'client (zone a) → zonal', c.client, url);
  const fromB = startTraffic(t, 'probe (zone b) → zonal', probeNs, url);
  const only = (p: string) => (x: TrafficStats) => x.recent.length >= 40 && last(x, 40).every((y) => y === p);
  const a0 = await fromA.until('only zone-a answering', only('zone-a'));
  const b0 = await fromB.until('only zone-b answering', only('zone-b'));
  const [a1, b1] = [await fromA.more(a0, 100), await fromB.more(b0, 100)];
  for (const p of ['zone-b', 'zone-c']) assert.equal(answeredBetween(a0, a1, p), 0, `zone a stays in zone a: ${describe(a1)}`);
  for (const p of ['zone-a', 'zone-c']) assert.equal(answeredBetween(b0, b1, p), 0, `zone b stays in zone b: ${describe(b1)}`);

  // zone-b goes (gracefully): zone b has no endpoint left, so node2 ignores the hints and uses every zone's.
  await c.kubectl('delete', 'pod', 'zone-b', '--timeout=90s');
  const b2 = await fromB.until('zone b spilling to zones a and c', (x) => answeredBetween(b1, x, 'zone-a') > 0 && answeredBetween(b1, x, 'zone-c') > 0 && !last(x, 40).includes('zone-b'));
  const a2 = await fromA.stats();
  const [a3, b3] = [await fromA.more(a2, 100), await fromB.more(b2, 100)];
  assert.equal(answeredBetween(b2, b3, 'zone-b'), 0, `nothing to the deleted pod: ${describe(b3)}`);
  for (const p of ['zone-b', 'zone-c']) assert.equal(answeredBetween(a1, a3, p), 0, `zone a, which still has its endpoint, stays in zone a: ${describe(a3)}`);
  for (const tr of [fromA, fromB]) {
    const total = await tr.stop();
    note(t, tr, total);
    assert.equal(total.failed, 0, `${tr.label}: ${describe(total)}`);
  }
}
