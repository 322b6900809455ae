/**
 * Promises of each Service type, against a real `switchboard up`:
 * - NodePort: a port in 30000–32767 that answers on every node's address;
 * - LoadBalancer: a ClusterIP, a NodePort and an external IP, all answering;
 * - ExternalName: the name is a CNAME to the external name, no ClusterIP;
 * - selectorless + hand-written Endpoints: the Service reaches a server that
 *   is not a pod (a tiny key-value server this test runs on the host);
 * - headless: the name returns the pod IPs (and per-pod names from
 *   hostname/subdomain), and there is no virtual IP.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { get, samplePod, service, startCluster, until, waitReady, type Cluster } from './harness.ts';

let c: Cluster;
before(async () => {
  c = await startCluster({ name: 'types' });
  await c.apply(samplePod('echo-1', { labels: { app: 'echo' }, probe: true }), samplePod('echo-2', { labels: { app: 'echo' }, probe: true }));
  await waitReady(c, ['echo-1', 'echo-2']);
});
after(async () => {
  await c?.stop();
});

interface Svc {
  spec: { clusterIP?: string; clusterIPs?: string[]; type: string; ports?: { port: number; nodePort?: number }[]; externalName?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

const inRange = (ip: string, prefix: string) => ip.startsWith(prefix);

/** Answers 200 from one of the echo pods (retrying while the proxy picks up the new Service). */
async function answers(host: string, port: number): Promise<string> {
  return until(`an echo pod answering on ${host}:${port}`, async () => {
    const r = await get(host, port);
    return r.status === 200 && /^echo-\d$/.test(r.pod) ? r.pod : undefined;
  }, 30_000);
}

test('NodePort: allocated in 30000-32767 and answers on every node address', async () => {
  await c.apply(service('echo-np', { type: 'NodePort', selector: { app: 'echo' }, ports: [{ port: 8080, targetPort: 'http' }] }));
  const svc = await c.getJson<Svc>(['svc', 'echo-np']);
  const nodePort = svc.spec.ports![0]!.nodePort!;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort} in 30000-32767`);
  const nodes = await c.getJson<{ items: { status: { addresses: { type: string; address: string }[] } }[] }>(['nodes']);
  const addrs = new Set(['127.0.0.1', ...nodes.items.flatMap((n) => n.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address))]);
  for (const a of addrs) await answers(a, nodePort);
});

test('LoadBalancer: ClusterIP, NodePort and external IP all answer', async () => {
  await c.apply(service('echo-lb', { type: 'LoadBalancer', selector: { app: 'echo' }, ports: [{ port: 8080, targetPort: 'http' }] }));
  const svc = await until('an external IP', async () => {
    const s = await c.getJson<Svc>(['svc', 'echo-lb']);
    return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
  });
  const lbIP = svc.status!.loadBalancer!.ingress![0]!.ip!;
  const clusterIP = svc.spec.clusterIP!;
  const nodePort = svc.spec.ports![0]!.nodePort!;
  assert.ok(inRange(lbIP, `127.240.${c.k}.`), `external IP ${lbIP} from the pool ${c.lbPool}`);
  assert.ok(inRange(clusterIP, `127.97.${c.k}.`), `ClusterIP ${clusterIP} from ${c.serviceRange}`);
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
  assert.match(await c.k8s(['get', 'svc', 'echo-lb']), new RegExp(`echo-lb\\s+LoadBalancer\\s+${clusterIP.replace(/\./g, '\\.')}\\s+${lbIP.replace(/\./g, '\\.')}\\s+8080:${nodePort}/TCP`));
  await answers(clusterIP, 8080);
  await answers('127.0.0.1', nodePort);
  await answers(lbIP, 8080);
});

test('ExternalName: the name is a CNAME and there is no ClusterIP', async () => {
  await c.apply(service('docs', { type: 'ExternalName', externalName: 'kubernetes.io' }));
  const svc = await c.getJson<Svc>(['svc', 'docs']);
  assert.equal(svc.spec.clusterIP, undefined, 'no ClusterIP');
  const dns = c.resolver();
  assert.deepEqual(await until('the CNAME', () => dns.resolveCname('docs.default.svc.cluster.local').catch(() => undefined)), ['kubernetes.io']);
});

/**
 * Where the "outside" server listens. Endpoints may not point into 127/8
 * (CVE-2021-25737) except the loopback-mode pod range 127.244.0.0/16; the top
 * /24 of that range is never handed to a node (blocks are claimed from the
 * bottom), so an address there is a loopback address that is no pod's: the
 * stand-in for a machine outside the cluster, and traffic stays on loopback.
 */
function hostAddress(): string {
  return `127.244.255.${200 + Math.floor(Math.random() * 50)}`;
}

/** A database-like server outside the cluster: a line protocol key-value store ("SET k v" → OK, "GET k" → v or (nil)). */
async function startKv(host: string): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const data = new Map<string, string>();
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const [cmd, key = '', ...rest] = buf.slice(0, i).trim().split(' ');
        buf = buf.slice(i + 1);
        if (cmd === 'SET') {
          data.set(key, rest.join(' '));
          s.write('OK\n');
        } else if (cmd === 'GET') s.write(`${data.get(key) ?? '(nil)'}\n`);
        else s.write('ERR unknown command\n');
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Sends one command line on a new connection and returns the reply line. */
function kvCommand(host: string, port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let buf = '';
    s.setTimeout(5000, () => s.destroy(new Error(`no reply from ${host}:${port}`)));
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        s.end();
        resolve(buf.trim());
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`connection closed without a reply (${buf})`)));
  });
}

test('selectorless Service with hand-written Endpoints reaches a server outside the cluster', async (t) => {
  const host = hostAddress();
  const kv = await startKv(host);
  t.after(() => kv.close());
  await c.apply(
    service('kv', { ports: [{ name: 'kv', port: 16379, targetPort: kv.port }] }),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kv' }, subsets: [{ addresses: [{ ip: host }], ports: [{ name: 'kv', port: kv.port }] }] },
  );
  const [ip] = await c.resolver().resolve4('kv.default.svc.cluster.local');
  assert.equal(ip, (await c.k8s(['get', 'svc', 'kv', '-o', 'jsonpath={.spec.clusterIP}'])).trim(), 'the name resolves to the ClusterIP');
  // The mirroring controller turns the Endpoints into an EndpointSlice the proxy reads.
  const slices = await until('the mirrored EndpointSlice', async () => {
    const l = await c.getJson<{ items: { metadata: { labels: Record<string, string> }; endpoints?: { addresses: string[] }[] }[] }>(['endpointslices', '-l', 'kubernetes.io/service-name=kv']);
    return l.items.length ? l.items : undefined;
  });
  assert.equal(slices[0]!.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(slices[0]!.endpoints?.map((e) => e.addresses[0]), [host]);

  assert.equal(await until('SET through the ClusterIP', () => kvCommand(ip!, 16379, 'SET greeting hello from a pod-less Service'), 30_000), 'OK');
  assert.equal(await kvCommand(ip!, 16379, 'GET greeting'), 'hello from a pod-less Service');
  assert.ok(kv.connections() >= 2, `the outside server saw the connections (${kv.connections()})`);
});

test("headless Service: the name returns the pod IPs, each pod has its own name, and there is no VIP", async () => {
  const pod = (name: string) => samplePod(name, { labels: { app: 'db' }, probe: true, hostname: name, subdomain: 'db' });
  await c.apply(service('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] }), pod('db-0'), pod('db-1'));
  await waitReady(c, ['db-0', 'db-1']);
  const svc = await c.getJson<Svc>(['svc', 'db']);
  assert.equal(svc.spec.clusterIP, 'None');
  assert.deepEqual(svc.spec.clusterIPs, ['None']);
  const podIPs: Record<string, string> = {};
  for (const p of ['db-0', 'db-1']) podIPs[p] = (await c.k8s(['get', 'pod', p, '-o', 'jsonpath={.status.podIP}'])).trim();
  const dns = c.resolver();
  const want = Object.values(podIPs).sort();
  const got = await until('both pod IPs behind the name', async () => {
    const a = (await dns.resolve4('db.default.svc.cluster.local')).sort();
    return a.join() === want.join() ? a : undefined;
  });
  assert.ok(got.every((a) => !a.startsWith(`127.97.${c.k}.`)), `no address from the service range: ${got.join(', ')}`);
  for (const [p, ip] of Object.entries(podIPs)) {
    assert.deepEqual(await dns.resolve4(`${p}.db.default.svc.cluster.local`), [ip], `${p}.db has the pod's IP`);
    assert.equal((await get(ip, 8080)).pod, p, `${p} answers on its own address`);
  }
  // kube-proxy (and Switchboard's proxy) skip slices labelled service.kubernetes.io/headless: nothing to listen on.
  const slices = await c.getJson<{ items: { metadata: { labels: Record<string, string> } }[] }>(['endpointslices', '-l', 'kubernetes.io/service-name=db']);
  assert.ok(slices.items.every((s) => 'service.kubernetes.io/headless' in s.metadata.labels), 'the slices are labelled headless');
});
