/**
 * Service admission through the real HTTP API (in-process ApiServer, plain
 * HTTP, MemoryStore): allocation of ClusterIPs, NodePorts and health-check
 * ports, their release on type changes and deletes, dual-stack, the
 * externalIPs policy, concurrency, repair and the start-up Services.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/storage/index.ts';
import { ApiServer } from '../../../src/apiserver/index.ts';
import {
  bootstrapServices,
  formatRepairReport,
  kernelNetworkConfig,
  loopbackNetworkConfig,
  repairAllocations,
  serviceAdmission,
  type ClusterNetworkConfig,
} from '../../../src/apiserver/admission/index.ts';
import { NODE_PORTS_PREFIX, SERVICE_IPS_PREFIX, ipKey, portKey } from '../../../src/allocators/index.ts';
import type { Service, Status } from '../../../src/api/types.ts';

interface Api {
  server: ApiServer;
  store: MemoryStore;
  config: ClusterNetworkConfig;
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
  create(ns: string, spec: Record<string, unknown>, name?: string, meta?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  ipKeys(): string[];
  portKeys(): number[];
  stop(): Promise<void>;
}

async function startApi(config: ClusterNetworkConfig = loopbackNetworkConfig()): Promise<Api> {
  const store = new MemoryStore();
  // The start-up Services are tested on their own below; keep these tables to what each test creates.
  const server = new ApiServer({ store, port: 0, network: config, bootstrapServices: false });
  const url = await server.start();
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': contentType, accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  let n = 0;
  return {
    server,
    store,
    config,
    call,
    create: (ns, spec, name = `svc-${++n}`, meta = {}) =>
      call('POST', `/api/v1/namespaces/${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name, ...meta }, spec }),
    ipKeys: () => server.cacher.list(SERVICE_IPS_PREFIX).map((c) => c.key.slice(SERVICE_IPS_PREFIX.length)).sort(),
    portKeys: () => server.cacher.list(NODE_PORTS_PREFIX).map((c) => Number(c.key.slice(NODE_PORTS_PREFIX.length))).sort((a, b) => a - b),
    async stop() {
      await server.stop();
      await store.close();
    },
  };
}

const P80 = [{ port: 80 }];
const ownerUid = (api: Api, key: string) => (api.server.cacher.get(key)?.obj as any)?.spec?.parentRef?.uid;

test('a ClusterIP Service gets an IP from the loopback range, recorded under its uid', async () => {
  const api = await startApi();
  try {
    const r = await api.create('default', { ports: P80, selector: { app: 'web' } }, 'web');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const s = r.body as Service;
    assert.match(s.spec.clusterIP!, /^127\.96\.\d+\.\d+$/);
    assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal(ownerUid(api, ipKey(s.spec.clusterIP!)), s.metadata.uid);
    const third = Number(s.spec.clusterIP!.split('.')[2]);
    const fourth = Number(s.spec.clusterIP!.split('.')[3]);
    assert.ok(third > 0 || fourth > 256 || third * 256 + fourth > 256, 'dynamic IPs come from the upper band');
  } finally {
    await api.stop();
  }
});

test('a requested IP is honoured, and refused to the next Service with upstream wording', async () => {
  const api = await startApi();
  try {
    assert.equal((await api.create('default', { clusterIP: '127.96.0.50', ports: P80 }, 'a')).status, 201);
    const r = await api.create('default', { clusterIP: '127.96.0.50', ports: P80 }, 'b');
    assert.equal(r.status, 422);
    const st = r.body as Status;
    assert.equal(st.message, 'Service "b" is invalid: spec.clusterIPs: Invalid value: ["127.96.0.50"]: failed to allocate IP 127.96.0.50: provided IP is already allocated');
    assert.deepEqual(st.details?.causes, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Invalid value: ["127.96.0.50"]: failed to allocate IP 127.96.0.50: provided IP is already allocated' }]);
    const out = await api.create('default', { clusterIP: '10.0.0.1', ports: P80 }, 'c');
    assert.equal(out.status, 422);
    assert.equal(
      out.body.message,
      'Service "c" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.1"]: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/16',
    );
    assert.deepEqual(api.ipKeys(), ['127.96.0.50']);
  } finally {
    await api.stop();
  }
});

test('a /28 runs full ("range is full"), and a deleted Service gives its IP back', async () => {
  const api = await startApi({ ...loopbackNetworkConfig(), serviceCIDRs: { ipv4: '10.0.0.0/28' } });
  try {
    const ips: string[] = [];
    for (let i = 0; i < 14; i++) {
      const r = await api.create('default', { ports: P80 }, `s${i}`);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ips.push(r.body.spec.clusterIP);
    }
    assert.equal(new Set(ips).size, 14);
    const full = await api.create('default', { ports: P80 }, 'overflow');
    assert.equal(full.status, 500);
    assert.equal(full.body.reason, 'InternalError');
    assert.equal(full.body.message, 'Internal error occurred: failed to allocate a serviceIP: range is full');
    assert.equal((await api.call('DELETE', '/api/v1/namespaces/default/services/s3')).status, 200);
    assert.ok(!api.ipKeys().includes(ips[3]!), 'released in the same write as the delete');
    const again = await api.create('default', { ports: P80 }, 'overflow');
    assert.equal(again.status, 201);
    assert.equal(again.body.spec.clusterIP, ips[3]);
  } finally {
    await api.stop();
  }
});

test('50 concurrent creates never share an IP (even in a /26)', async () => {
  for (const cidr of ['127.96.0.0/16', '10.1.0.0/26']) {
    const api = await startApi({ ...loopbackNetworkConfig(), serviceCIDRs: { ipv4: cidr } });
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => api.create('default', { ports: P80, type: 'NodePort' }, `c${i}`)));
      for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));
      const ips = results.map((r) => r.body.spec.clusterIP as string);
      assert.equal(new Set(ips).size, 50, `${cidr}: distinct IPs`);
      assert.deepEqual(api.ipKeys(), [...ips].sort());
      const ports = results.map((r) => r.body.spec.ports[0].nodePort as number);
      assert.equal(new Set(ports).size, 50, 'distinct node ports');
      assert.deepEqual(api.portKeys(), [...ports].sort((a, b) => a - b));
    } finally {
      await api.stop();
    }
  }
});

test('dual-stack: RequireDualStack gets one IP per family, in ipFamilies order; SingleStack IPv6 works', async () => {
  const api = await startApi(kernelNetworkConfig({ dualStack: true }));
  try {
    const a = await api.create('default', { ipFamilyPolicy: 'RequireDualStack', ports: P80 }, 'ds');
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.deepEqual(a.body.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.match(a.body.spec.clusterIPs[0], /^10\.96\./);
    assert.match(a.body.spec.clusterIPs[1], /^fd00:10:96::/);
    assert.equal(a.body.spec.clusterIP, a.body.spec.clusterIPs[0]);
    const b = await api.create('default', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'], ports: P80 }, 'ds6');
    assert.equal(b.status, 201);
    assert.match(b.body.spec.clusterIPs[0], /^fd00:10:96::/);
    assert.match(b.body.spec.clusterIPs[1], /^10\.96\./);
    const c = await api.create('default', { ipFamilies: ['IPv6'], ports: P80 }, 'v6');
    assert.equal(c.status, 201);
    assert.equal(c.body.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(c.body.spec.clusterIPs.length, 1);
    assert.match(c.body.spec.clusterIP, /^fd00:10:96::/);
    const d = await api.create('default', { ipFamilyPolicy: 'PreferDualStack', ports: P80 }, 'pref');
    assert.equal(d.body.spec.clusterIPs.length, 2);
    // Upgrade a single-stack Service, then downgrade it again.
    const up = await api.call('PATCH', '/api/v1/namespaces/default/services/v6', { spec: { ipFamilyPolicy: 'RequireDualStack' } }, 'application/merge-patch+json');
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.deepEqual(up.body.spec.ipFamilies, ['IPv6', 'IPv4']);
    assert.equal(up.body.spec.clusterIPs[0], c.body.spec.clusterIP);
    const secondary = up.body.spec.clusterIPs[1] as string;
    assert.ok(api.ipKeys().includes(secondary));
    const down = await api.call('PATCH', '/api/v1/namespaces/default/services/v6', { spec: { ipFamilyPolicy: 'SingleStack' } }, 'application/merge-patch+json');
    assert.equal(down.status, 200, JSON.stringify(down.body));
    assert.deepEqual(down.body.spec.clusterIPs, [c.body.spec.clusterIP]);
    assert.ok(!api.ipKeys().includes(secondary), 'secondary released');
    assert.equal(api.ipKeys().length, 7);
  } finally {
    await api.stop();
  }
});

test('single-stack cluster: dual-stack demands and foreign families are refused; headless+selectorless gets both families', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { ipFamilyPolicy: 'RequireDualStack', ports: P80 }, 'a');
    assert.equal(a.status, 422);
    assert.equal(a.body.message, 'Service "a" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
    const b = await api.create('default', { ipFamilies: ['IPv6'], ports: P80 }, 'b');
    assert.equal(b.body.message, 'Service "b" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster');
    const c = await api.create('default', { clusterIP: 'None' }, 'c');
    assert.equal(c.status, 201, JSON.stringify(c.body));
    assert.equal(c.body.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(c.body.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.deepEqual(c.body.spec.clusterIPs, ['None']);
    const d = await api.create('default', { clusterIP: 'None', selector: { app: 'x' }, ports: P80 }, 'd');
    assert.equal(d.body.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(d.body.spec.ipFamilies, ['IPv4']);
    const e = await api.create('default', { clusterIP: '127.96.0.9', clusterIPs: ['127.96.0.9', 'fd00::9'], ipFamilyPolicy: 'PreferDualStack', ports: P80 }, 'e');
    assert.equal(e.body.message, 'Service "e" is invalid: spec.clusterIPs[1]: Invalid value: ["127.96.0.9","fd00::9"]: IPv6 is not configured on this cluster');
    assert.deepEqual(api.ipKeys(), []);
  } finally {
    await api.stop();
  }
});

test('NodePorts: allocated, shared by one port number, requested ones honoured or refused', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'm', port: 9153 }] }, 'a');
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const [p0, p1, p2] = a.body.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    assert.equal(p0, p1, '53/UDP and 53/TCP share a node port');
    assert.notEqual(p0, p2);
    for (const p of [p0, p2]) assert.ok(p >= 30086 && p <= 32767, `dynamic node port ${p} in the upper band`);
    assert.equal(a.body.spec.externalTrafficPolicy, 'Cluster');
    assert.deepEqual(api.portKeys(), [p0, p2].sort((x, y) => x - y));

    assert.equal((await api.create('default', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, 'b')).status, 201);
    const taken = await api.create('default', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, 'c');
    assert.equal(taken.status, 422);
    assert.equal(taken.body.message, 'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const range = await api.create('default', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }, 'd');
    assert.equal(range.body.message, 'Service "d" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
    const noAlloc = await api.create('default', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: P80 }, 'e');
    assert.equal(noAlloc.status, 201);
    assert.equal(noAlloc.body.spec.ports[0].nodePort, undefined);
  } finally {
    await api.stop();
  }
});

test('NodePort → ClusterIP releases the node ports (PUT of the object, and merge patch)', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { type: 'NodePort', ports: P80 }, 'a');
    const np = a.body.spec.ports[0].nodePort as number;
    assert.ok(api.portKeys().includes(np));
    const put = structuredClone(a.body);
    put.spec.type = 'ClusterIP';
    const r = await api.call('PUT', '/api/v1/namespaces/default/services/a', put);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.spec.ports[0].nodePort, undefined);
    assert.equal(r.body.spec.externalTrafficPolicy, undefined);
    assert.equal(r.body.spec.clusterIP, a.body.spec.clusterIP, 'the cluster IP stays');
    assert.deepEqual(api.portKeys(), []);

    const b = await api.create('default', { type: 'NodePort', ports: P80 }, 'b');
    const p = await api.call('PATCH', '/api/v1/namespaces/default/services/b', { spec: { type: 'ClusterIP' } }, 'application/merge-patch+json');
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.spec.ports[0].nodePort, undefined);
    assert.deepEqual(api.portKeys(), []);
    // Back to NodePort: a fresh port.
    const q = await api.call('PATCH', '/api/v1/namespaces/default/services/b', { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
    assert.equal(q.status, 200, JSON.stringify(q.body));
    assert.deepEqual(api.portKeys(), [q.body.spec.ports[0].nodePort]);
    // Changing a nodePort while leaving NodePort is refused.
    const bad = await api.call('PATCH', '/api/v1/namespaces/default/services/b', { spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: 31111 }] } }, 'application/merge-patch+json');
    assert.equal(bad.status, 422);
    assert.match(bad.body.message, /spec\.ports\[0\]\.nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
    void b;
  } finally {
    await api.stop();
  }
});

test('LoadBalancer + Local gets a health-check port, released when the policy changes', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: P80 }, 'lb');
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const hc = a.body.spec.healthCheckNodePort as number;
    assert.ok(hc >= 30000 && hc <= 32767);
    assert.equal(a.body.spec.allocateLoadBalancerNodePorts, true);
    assert.deepEqual(api.portKeys(), [a.body.spec.ports[0].nodePort, hc].sort((x, y) => x - y));
    const r = await api.call('PATCH', '/api/v1/namespaces/default/services/lb', { spec: { externalTrafficPolicy: 'Cluster' } }, 'application/merge-patch+json');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.spec.healthCheckNodePort, undefined);
    assert.deepEqual(api.portKeys(), [a.body.spec.ports[0].nodePort]);
    const taken = await api.create('default', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: a.body.spec.ports[0].nodePort, ports: P80 }, 'lb2');
    assert.equal(taken.status, 500);
    assert.equal(taken.body.message, `Internal error occurred: failed to allocate requested HealthCheck NodePort ${a.body.spec.ports[0].nodePort}: provided port is already allocated`);
  } finally {
    await api.stop();
  }
});

test('re-applying the original manifest is a no-op (allocated values carried over)', async () => {
  const api = await startApi();
  try {
    const manifest = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } };
    const a = await api.call('POST', '/api/v1/namespaces/default/services', manifest);
    assert.equal(a.status, 201);
    const b = await api.call('PUT', '/api/v1/namespaces/default/services/web', manifest);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(b.body.spec.clusterIP, a.body.spec.clusterIP);
    assert.equal(b.body.spec.ports[0].nodePort, a.body.spec.ports[0].nodePort);
    assert.equal(b.body.metadata.resourceVersion, a.body.metadata.resourceVersion, 'nothing changed, nothing written');
    assert.equal(api.ipKeys().length, 1);
    assert.equal(api.portKeys().length, 1);
  } finally {
    await api.stop();
  }
});

test('ClusterIP ↔ ExternalName releases and re-allocates the cluster IP', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { ports: P80 }, 'x');
    const ip = a.body.spec.clusterIP as string;
    const toName = await api.call('PATCH', '/api/v1/namespaces/default/services/x', { spec: { type: 'ExternalName', externalName: 'example.com' } }, 'application/merge-patch+json');
    assert.equal(toName.status, 200, JSON.stringify(toName.body));
    assert.equal(toName.body.spec.clusterIP, undefined);
    assert.equal(toName.body.spec.ipFamilies, undefined);
    assert.equal(toName.body.spec.ipFamilyPolicy, undefined);
    assert.equal(toName.body.spec.internalTrafficPolicy, 'Cluster', 'kept (historical)');
    assert.deepEqual(api.ipKeys(), []);
    const back = await api.call('PATCH', '/api/v1/namespaces/default/services/x', { spec: { type: 'ClusterIP', externalName: null } }, 'application/merge-patch+json');
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.match(back.body.spec.clusterIP, /^127\.96\./);
    assert.equal(back.body.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(api.ipKeys(), [back.body.spec.clusterIP]);
    void ip;
    // Changing the IP while switching to ExternalName is refused.
    const bad = await api.call('PATCH', '/api/v1/namespaces/default/services/x', { spec: { type: 'ExternalName', externalName: 'example.com', clusterIP: '127.96.0.77', clusterIPs: ['127.96.0.77'] } }, 'application/merge-patch+json');
    assert.equal(bad.status, 422);
  } finally {
    await api.stop();
  }
});

test('clusterIP is immutable over the API', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { ports: P80 }, 'x');
    const r = await api.call('PATCH', '/api/v1/namespaces/default/services/x', { spec: { clusterIP: '127.96.0.77' } }, 'application/merge-patch+json');
    assert.equal(r.status, 422);
    assert.equal(r.body.message, 'Service "x" is invalid: spec.clusterIPs[0]: Invalid value: ["127.96.0.77"]: may not change once set');
    assert.deepEqual(api.ipKeys(), [a.body.spec.clusterIP]);
  } finally {
    await api.stop();
  }
});

test('externalIPs: refused without an allow-list (saying how to allow them), accepted inside it', async () => {
  const api = await startApi();
  try {
    const r = await api.create('default', { externalIPs: ['203.0.113.10'], ports: P80 }, 'x');
    assert.equal(r.status, 422);
    assert.equal(r.body.details.causes[0].field, 'spec.externalIPs[0]');
    assert.equal(r.body.details.causes[0].reason, 'FieldValueForbidden');
    assert.match(r.body.message, /--service-external-ip-cidrs/);
    assert.deepEqual(api.ipKeys(), [], 'nothing allocated for a refused write');
  } finally {
    await api.stop();
  }
  const allowed = await startApi({ ...loopbackNetworkConfig(), externalIPCIDRs: ['203.0.113.0/24'] });
  try {
    assert.equal((await allowed.create('default', { externalIPs: ['203.0.113.10'], ports: P80 }, 'x')).status, 201);
    const out = await allowed.create('default', { externalIPs: ['198.51.100.1'], ports: P80 }, 'y');
    assert.equal(out.status, 422);
    assert.match(out.body.message, /198\.51\.100\.1 is not in the allowed external IP ranges \(203\.0\.113\.0\/24\)/);
  } finally {
    await allowed.stop();
  }
});

test('dry run allocates nothing', async () => {
  const api = await startApi();
  try {
    const r = await api.call('POST', '/api/v1/namespaces/default/services?dryRun=All', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'NodePort', ports: P80 } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.spec.clusterIP, /^127\.96\./);
    assert.deepEqual(api.ipKeys(), []);
    assert.deepEqual(api.portKeys(), []);
  } finally {
    await api.stop();
  }
});

test('repair reports and fixes a hand-deleted allocation key and a leaked one', async () => {
  const api = await startApi();
  try {
    const a = await api.create('default', { type: 'NodePort', ports: P80 }, 'a');
    const ip = a.body.spec.clusterIP as string;
    const clean = await repairAllocations(api.server.cacher, api.store, api.config);
    assert.deepEqual(formatRepairReport(clean), [], 'consistent state: nothing to do');

    const rec = api.server.cacher.get(ipKey(ip))!;
    await api.store.txn([
      { type: 'delete', key: ipKey(ip), expectedModRevision: rec.rv },
      { type: 'create', key: portKey(31999), value: JSON.stringify({ spec: { parentRef: { namespace: 'default', name: 'gone', uid: 'dead-beef' } } }) },
    ]);
    const report = await repairAllocations(api.server.cacher, api.store, api.config);
    assert.deepEqual(report.created, [{ kind: 'ip', value: ip, service: 'default/a' }]);
    assert.deepEqual(report.released, [{ kind: 'port', value: '31999', service: 'default/gone' }]);
    assert.deepEqual(report.errors, []);
    assert.equal(formatRepairReport(report).length, 2);
    assert.equal(ownerUid(api, ipKey(ip)), a.body.metadata.uid);
    assert.deepEqual(api.portKeys(), [a.body.spec.ports[0].nodePort]);
    const again = await repairAllocations(api.server.cacher, api.store, api.config);
    assert.deepEqual(formatRepairReport(again), []);
    // The repaired key is released by the delete again.
    assert.equal((await api.call('DELETE', '/api/v1/namespaces/default/services/a')).status, 200);
    assert.deepEqual(api.ipKeys(), []);
    assert.deepEqual(api.portKeys(), []);
  } finally {
    await api.stop();
  }
});

test('start-up Services: kubernetes on the first IP, kube-dns on the tenth; idempotent', async () => {
  const api = await startApi();
  try {
    const rep = await bootstrapServices(api.server.registry, api.config, 6443);
    assert.deepEqual(rep.errors, []);
    assert.equal(rep.created.length, 4);
    const k = (await api.call('GET', '/api/v1/namespaces/default/services/kubernetes')).body;
    assert.equal(k.spec.clusterIP, '127.96.0.1');
    assert.deepEqual(k.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    const ep = (await api.call('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body;
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const sl = (await api.call('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).body;
    assert.equal(sl.endpoints[0].addresses[0], '127.0.0.1');
    const dns = (await api.call('GET', '/api/v1/namespaces/kube-system/services/kube-dns')).body;
    assert.equal(dns.spec.clusterIP, '127.96.0.10');
    assert.deepEqual(
      dns.spec.ports.map((p: { name: string; port: number; protocol: string }) => `${p.name} ${p.port}/${p.protocol}`),
      ['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP'],
    );
    assert.deepEqual(dns.spec.selector, { 'k8s-app': 'kube-dns' });
    assert.deepEqual(api.ipKeys(), ['127.96.0.1', '127.96.0.10']);
    const again = await bootstrapServices(api.server.registry, api.config, 6443);
    assert.equal(again.created.length + again.updated.length, 0);
    const moved = await bootstrapServices(api.server.registry, api.config, 7443);
    assert.deepEqual(moved.updated.sort(), ['endpoints/default/kubernetes', 'endpointslices/default/kubernetes', 'services/default/kubernetes']);
  } finally {
    await api.stop();
  }
});

test('Endpoints through the API: host loopback refused, pod loopback accepted (loopback mode)', async () => {
  const api = await startApi();
  try {
    const mk = (name: string, ip: string) =>
      api.call('POST', '/api/v1/namespaces/default/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name }, subsets: [{ addresses: [{ ip }], ports: [{ port: 8080 }] }] });
    const bad = await mk('evil', '127.0.0.1');
    assert.equal(bad.status, 422);
    assert.equal(bad.body.message, 'Endpoints "evil" is invalid: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)');
    const ok = await mk('good', '127.244.0.5');
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.subsets[0].ports[0].protocol, 'TCP');
    const slice = await api.call('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.96.0.10'] }],
    });
    assert.equal(slice.status, 422);
  } finally {
    await api.stop();
  }
});
