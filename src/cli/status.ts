/**
 * `switchboard status`: the cluster at a glance — the components' health,
 * the nodes, and every Service with its type, addresses and ready/total
 * endpoints (counted from its EndpointSlices, as the proxies see them).
 *
 * Health comes from where each component publishes it: the API server's
 * /readyz; DNS's /ready on the kube-dns ClusterIP, port 9153 (where the
 * metrics port of the kube-dns Service points); each node's Ready condition
 * (the agent's heartbeat) and its proxy's /healthz on port 10256 of the node
 * address, as kube-proxy serves it.
 */
import http from 'node:http';
import type { EndpointSlice, Node, Pod, Service } from '../api/types.ts';
import { RestClient, Resources, loadClientConfig } from '../client/index.ts';
import { LABEL_SERVICE_PROXY_NAME } from '../proxy/index.ts';
import { joinHostPort } from '../api/validation/ip.ts';

export interface StatusOptions {
  kubeconfig?: string;
  context?: string;
  /** Per-probe timeout (default 1500 ms). */
  timeoutMs?: number;
}

/** GET http://host:port/path → the status code, or the error's message. */
function probeHttp(host: string, port: number, path: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ ok: res.statusCode === 200, detail: `HTTP ${res.statusCode}` });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, detail: e.code ?? e.message }));
  });
}

/** Left-aligned columns separated by three spaces, as kubectl prints. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

function nodeReady(n: Node): string {
  const c = n.status?.conditions?.find((x) => x.type === 'Ready');
  const ready = c?.status === 'True' ? 'Ready' : c?.status === 'False' ? 'NotReady' : 'Unknown';
  return n.spec?.unschedulable ? `${ready},SchedulingDisabled` : ready;
}

function externalOf(s: Service): string {
  if (s.spec.type === 'ExternalName') return s.spec.externalName ?? '';
  const lb = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  const ext = [...(s.spec.externalIPs ?? []), ...lb];
  if (ext.length) return ext.join(',');
  return s.spec.type === 'LoadBalancer' ? '<pending>' : '<none>';
}

function portsOf(s: Service): string {
  return (s.spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
}

/** Ready and total endpoints (unique addresses) of a Service, from its slices. */
export function endpointCounts(slices: readonly EndpointSlice[]): { ready: number; total: number } {
  const all = new Map<string, boolean>();
  for (const sl of slices) {
    for (const e of sl.endpoints ?? []) {
      for (const a of e.addresses) all.set(a, (all.get(a) ?? false) || e.conditions?.ready !== false);
    }
  }
  return { ready: [...all.values()].filter(Boolean).length, total: all.size };
}

export async function collectStatus(o: StatusOptions = {}): Promise<{ text: string; healthy: boolean }> {
  const timeoutMs = o.timeoutMs ?? 1500;
  const cfg = loadClientConfig(o.kubeconfig, o.context);
  const client = new RestClient(cfg);
  client.userAgent = 'switchboard-status/0.1';
  try {
    const components: string[][] = [['COMPONENT', 'STATUS', 'DETAIL']];
    let healthy = true;
    const add = (name: string, ok: boolean, detail: string) => {
      healthy &&= ok;
      components.push([name, ok ? 'ok' : 'FAILING', detail]);
    };
    try {
      await client.request('GET', '/readyz');
      add('apiserver', true, cfg.server);
    } catch (e) {
      add('apiserver', false, `${cfg.server}: ${e instanceof Error ? e.message : String(e)}`);
      return { text: table(components), healthy: false };
    }
    const [nodes, services, slices, pods] = await Promise.all([
      client.list<Node>(Resources.nodes, undefined),
      client.list<Service>(Resources.services, undefined),
      client.list<EndpointSlice>(Resources.endpointSlices, undefined),
      client.list<Pod>(Resources.pods, undefined),
    ]);
    const dnsSvc = services.items.find((s) => s.metadata.namespace === 'kube-system' && s.metadata.name === 'kube-dns');
    const dnsIP = dnsSvc?.spec.clusterIP;
    if (dnsIP && dnsIP !== 'None') {
      const r = await probeHttp(dnsIP, 9153, '/ready', timeoutMs);
      add('dns', r.ok, `${dnsIP}:53, /ready on ${joinHostPort(dnsIP, 9153)}: ${r.detail}`);
    } else add('dns', false, 'no kube-system/kube-dns Service');
    const nodeRows: string[][] = [['NODE', 'STATUS', 'ZONE', 'ADDRESS', 'PODS']];
    for (const n of nodes.items) {
      const name = n.metadata.name!;
      const addr = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
      const running = pods.items.filter((p) => p.spec?.nodeName === name && !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')).length;
      const ready = nodeReady(n);
      nodeRows.push([name, ready, n.metadata.labels?.['topology.kubernetes.io/zone'] ?? '<none>', addr || '<none>', String(running)]);
      add(`agent (${name})`, ready.startsWith('Ready'), `node ${ready}`);
      if (addr) {
        const r = await probeHttp(addr, 10256, '/healthz', timeoutMs);
        add(`proxy (${name})`, r.ok, `/healthz on ${joinHostPort(addr, 10256)}: ${r.detail}`);
      }
    }
    const byService = new Map<string, EndpointSlice[]>();
    for (const sl of slices.items) {
      const svc = sl.metadata.labels?.['kubernetes.io/service-name'];
      if (!svc) continue;
      const k = `${sl.metadata.namespace}/${svc}`;
      const list = byService.get(k);
      if (list) list.push(sl);
      else byService.set(k, [sl]);
    }
    const svcRows: string[][] = [['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'ENDPOINTS']];
    for (const s of services.items) {
      const k = `${s.metadata.namespace}/${s.metadata.name}`;
      const proxyName = s.metadata.labels?.[LABEL_SERVICE_PROXY_NAME];
      const eps = s.spec.type === 'ExternalName' ? '-' : proxyName ? `served by ${proxyName}` : (() => {
        const c = endpointCounts(byService.get(k) ?? []);
        return `${c.ready}/${c.total} ready`;
      })();
      svcRows.push([s.metadata.namespace!, s.metadata.name!, s.spec.type ?? 'ClusterIP', s.spec.clusterIP ?? '<none>', externalOf(s), portsOf(s), eps]);
    }
    return { text: `${table(components)}\n${table(nodeRows)}\n${table(svcRows)}`, healthy };
  } finally {
    client.close();
  }
}

export async function runStatus(o: StatusOptions = {}): Promise<number> {
  const { text, healthy } = await collectStatus(o);
  process.stdout.write(text);
  return healthy ? 0 : 1;
}
