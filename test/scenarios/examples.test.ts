/**
 * Every manifest in examples/ applies cleanly with kubectl against a real
 * `switchboard up`, and each Service gets what its type promises: a ClusterIP
 * from the service range, a NodePort in 30000–32767, an external IP from the
 * LoadBalancer pool, no ClusterIP for ExternalName, `None` when headless —
 * and keeps the fields the file sets. Every file has a header saying how to
 * try it, and examples/README.md lists it.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, startCluster, until, type Cluster } from './harness.ts';

const DIR = join(ROOT, 'examples');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

interface Obj {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown> & { type?: string; clusterIP?: string; ports?: { nodePort?: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

let c: Cluster;
before(async () => {
  c = await startCluster({ name: 'examples' });
});
after(async () => {
  await c?.stop();
});

test('examples/ has the manifests the README lists, each with a how-to header', () => {
  const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
  for (const f of ['clusterip', 'nodeport', 'loadbalancer', 'externalname', 'headless', 'selectorless', 'session-affinity', 'topology', 'traffic-policy', 'readiness']) {
    assert.ok(files.includes(`${f}.yaml`), `examples/${f}.yaml exists`);
  }
  for (const f of files) {
    assert.ok(readme.includes(`(${f})`), `examples/README.md lists ${f}`);
    const header = readFileSync(join(DIR, f), 'utf8').split('\n').filter((l) => l.startsWith('#')).join('\n');
    assert.match(header, new RegExp(`examples/${f.replace('.', '\\.')}`), `${f}: the header says how to apply it`);
    assert.match(header, /\b(curl|dig|kubectl get)\b/, `${f}: the header says how to see it work`);
  }
});

const inServiceRange = (ip: string) => ip.startsWith(`127.97.${c.k}.`);

for (const file of files) {
  test(`examples/${file} applies cleanly and its Services get what they should`, async () => {
    const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS() as Obj).filter(Boolean);
    const r = await c.kubectl(['apply', '-f', join(DIR, file)]);
    assert.equal(r.code, 0, `kubectl apply -f examples/${file}: ${r.stderr}`);
    // No warnings, apart from the one Kubernetes 1.33 gives for every use of the Endpoints API.
    assert.deepEqual(r.stderr.split('\n').filter((l) => l && !/v1 Endpoints is deprecated/.test(l)), [], `no warnings: ${r.stderr}`);
    for (const d of docs) assert.match(r.stdout, new RegExp(`^${d.kind.toLowerCase()}/${d.metadata.name} (created|configured|unchanged)$`, 'm'), r.stdout);

    for (const want of docs.filter((d) => d.kind === 'Service')) {
      const name = want.metadata.name;
      const got = await c.getJson<Obj>(['svc', name]);
      const spec = got.spec!;
      // Whatever the file sets is kept as written.
      for (const [k, v] of Object.entries(want.spec ?? {})) if (k !== 'ports') assert.deepEqual(spec[k], v, `${name}: spec.${k}`);
      const type = spec.type ?? 'ClusterIP';
      if (type === 'ExternalName') {
        assert.equal(spec.clusterIP, undefined, `${name}: ExternalName has no ClusterIP`);
        continue;
      }
      if (want.spec?.clusterIP === 'None') assert.equal(spec.clusterIP, 'None', `${name}: headless`);
      else assert.ok(inServiceRange(spec.clusterIP!), `${name}: ClusterIP ${spec.clusterIP} from ${c.serviceRange}`);
      if (type === 'NodePort' || type === 'LoadBalancer') {
        for (const p of spec.ports ?? []) assert.ok(p.nodePort! >= 30000 && p.nodePort! <= 32767, `${name}: nodePort ${p.nodePort} in 30000-32767`);
      }
      if (type === 'LoadBalancer') {
        const ip = await until(`${name}: an EXTERNAL-IP`, async () => (await c.getJson<Obj>(['svc', name])).status?.loadBalancer?.ingress?.[0]?.ip);
        assert.ok(ip.startsWith(`127.240.${c.k}.`), `${name}: external IP ${ip} from ${c.lbPool}`);
        assert.match(await c.k8s(['get', 'svc', name]), new RegExp(`\\s${ip.replace(/\./g, '\\.')}\\s`), 'kubectl get svc shows the EXTERNAL-IP');
      }
    }
    // Hand-written Endpoints are mirrored into an EndpointSlice the proxy reads.
    for (const ep of docs.filter((d) => d.kind === 'Endpoints')) {
      await until(`a mirrored EndpointSlice for ${ep.metadata.name}`, async () => {
        const l = await c.getJson<{ items: { metadata: { labels: Record<string, string> } }[] }>(['endpointslices', '-l', `kubernetes.io/service-name=${ep.metadata.name}`]);
        return l.items.some((s) => s.metadata.labels['endpointslice.kubernetes.io/managed-by'] === 'endpointslicemirroring-controller.k8s.io');
      });
    }
  });
}
