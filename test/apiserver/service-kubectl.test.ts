/**
 * A sample of the Service manifest table through the real HTTP API with the
 * pinned kubectl: accepted ones come back with Kubernetes' defaults and
 * allocations; rejected ones print the field path and reason a real cluster
 * prints, and change nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';
import { loopbackNetworkConfig } from '../../src/apiserver/admission/index.ts';

let api: TestApi;
before(async () => {
  api = await startTestApi({ network: { ...loopbackNetworkConfig(), serviceCIDRs: { ipv4: '127.96.0.0/16', ipv6: 'fd00:10:96::/112' } } });
});
after(async () => {
  await api?.stop();
});

let n = 0;
async function apply(yaml: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const f = join(api.dir, `m${n++}.yaml`);
  writeFileSync(f, yaml);
  return api.kubectl(['apply', '-f', f]);
}

const svc = (name: string, spec: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

test('a plain ClusterIP Service gets Kubernetes defaults and an address from the range', async () => {
  const r = await apply(svc('plain', '  selector: {app: x}\n  ports:\n  - port: 80\n'));
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse((await api.kubectl(['get', 'svc', 'plain', '-o', 'json'])).stdout);
  assert.equal(s.spec.type, 'ClusterIP');
  assert.equal(s.spec.sessionAffinity, 'None');
  assert.equal(s.spec.ports[0].protocol, 'TCP');
  assert.equal(s.spec.ports[0].targetPort, 80);
  assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
  assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
  assert.match(s.spec.clusterIP, /^127\.96\./);
  assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
});

test('RequireDualStack gets one address of each family, in order', async () => {
  const r = await apply(svc('dual', '  ipFamilyPolicy: RequireDualStack\n  ports:\n  - port: 80\n'));
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse((await api.kubectl(['get', 'svc', 'dual', '-o', 'json'])).stdout);
  assert.deepEqual(s.spec.ipFamilies, ['IPv4', 'IPv6']);
  assert.match(s.spec.clusterIPs[0], /^127\.96\./);
  assert.match(s.spec.clusterIPs[1], /^fd00:10:96::/);
});

const rejected: { name: string; yaml: string; want: RegExp }[] = [
  { name: 'duplicate port names', yaml: svc('dup', '  ports:\n  - {name: http, port: 80}\n  - {name: http, port: 81}\n'), want: /The Service "dup" is invalid: spec\.ports\[1\]\.name: Duplicate value: "http"/ },
  { name: 'a name that starts with a digit', yaml: svc('1bad', '  ports:\n  - port: 80\n'), want: /metadata\.name: Invalid value: "1bad": a DNS-1035 label must consist of/ },
  { name: 'a nodePort outside the range', yaml: svc('np', '  type: NodePort\n  ports:\n  - {port: 80, nodePort: 8080}\n'), want: /spec\.ports\[0\]\.nodePort: Invalid value: 8080: provided port is not in the valid range\. The range of valid ports is 30000-32767/ },
  { name: 'ExternalName with a clusterIP', yaml: svc('ext', '  type: ExternalName\n  externalName: example.com\n  clusterIP: 127.96.5.5\n'), want: /spec\.clusterIPs?: (Forbidden|Invalid value)/ },
  { name: 'externalIPs without an allow-list', yaml: svc('eip', '  externalIPs: [192.0.2.10]\n  ports:\n  - port: 80\n'), want: /spec\.externalIPs\[0\].*service-external-ip-cidrs/ },
  { name: 'sessionAffinity timeout over a day', yaml: svc('aff', '  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}\n  ports:\n  - port: 80\n'), want: /spec\.sessionAffinityConfig\.clientIP\.timeoutSeconds: Invalid value: 86401/ },
];

for (const row of rejected) {
  test(`kubectl shows the real error for ${row.name}`, async () => {
    const before = await api.store.currentRevision();
    const r = await apply(row.yaml);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, row.want);
    assert.equal(await api.store.currentRevision(), before, 'nothing written');
  });
}

test('a requested clusterIP that is taken is refused with the upstream message', async () => {
  const first = await apply(svc('ip-a', '  clusterIP: 127.96.3.3\n  ports:\n  - port: 80\n'));
  assert.equal(first.code, 0, first.stderr);
  const second = await apply(svc('ip-b', '  clusterIP: 127.96.3.3\n  ports:\n  - port: 80\n'));
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /spec\.clusterIPs: Invalid value: \["127\.96\.3\.3"\]: failed to allocate IP 127\.96\.3\.3: provided IP is already allocated/);
});
