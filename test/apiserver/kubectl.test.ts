/**
 * kubectl v1.33 end to end against the real API server: apply twice with an
 * edited manifest, get/-o yaml/-w, describe, edit, the three patch types,
 * delete, endpointslices, pods -o wide, api-resources, events.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';

let api: TestApi;
before(async () => {
  api = await startTestApi({ storage: 'sqlite' });
});
after(async () => {
  await api?.stop();
});

const svcV1 = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
    tier: frontend
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
`;

const svcV2 = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 9090
  - name: https
    port: 443
    targetPort: 8443
`;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await api.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function getJson(name: string, kind = 'service'): Promise<Record<string, any>> {
  return ok(['get', kind, name, '-o', 'json']).then((s) => JSON.parse(s));
}

test('apply creates, then apply of an edited manifest changes a port, removes a label, adds a port', async () => {
  const f1 = join(api.dir, 'svc1.yaml');
  const f2 = join(api.dir, 'svc2.yaml');
  writeFileSync(f1, svcV1);
  writeFileSync(f2, svcV2);
  assert.match(await ok(['apply', '-f', f1]), /service\/web created/);
  let svc = await getJson('web');
  assert.deepEqual(svc.metadata.labels, { app: 'web', tier: 'frontend' });
  assert.match(await ok(['apply', '-f', f2]), /service\/web configured/);
  svc = await getJson('web');
  assert.deepEqual(svc.metadata.labels, { app: 'web' });
  assert.deepEqual(
    svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]),
    [
      ['http', 80, 9090],
      ['https', 443, 8443],
    ],
  );
  // A third apply of the same manifest changes nothing.
  assert.match(await ok(['apply', '-f', f2]), /service\/web unchanged/);
  // And back to v1: the https port goes away again.
  assert.match(await ok(['apply', '-f', f1]), /configured/);
  svc = await getJson('web');
  assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [80]);
  assert.equal(svc.metadata.labels.tier, 'frontend');
});

test('get prints the real columns; -o yaml round-trips', async () => {
  const out = await ok(['get', 'svc']);
  assert.match(out.split('\n')[0]!, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
  assert.match(out, /^web\s+ClusterIP\s+/m);
  const yaml = await ok(['get', 'svc', 'web', '-o', 'yaml']);
  assert.match(yaml, /^kind: Service$/m);
  assert.match(yaml, /^  name: web$/m);
  assert.match(yaml, /resourceVersion: "\d+"/);
});

test('get -w sees ADDED, MODIFIED and DELETED', async () => {
  const child = api.kubectlSpawn(['get', 'svc', '--output-watch-events', '-w', '--request-timeout=0']);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 1200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, re);
  };
  try {
    // The initial list (an ADDED row per existing service) comes first.
    await waitFor(/ADDED\s+kubernetes/);
    await ok(['create', 'service', 'clusterip', 'watched', '--tcp=80:8080']);
    await waitFor(/ADDED\s+watched/);
    await ok(['label', 'service', 'watched', 'x=y']);
    await waitFor(/MODIFIED\s+watched/);
    await ok(['delete', 'service', 'watched']);
    await waitFor(/DELETED\s+watched/);
  } finally {
    child.kill('SIGTERM');
  }
});

test('describe shows the service', async () => {
  const out = await ok(['describe', 'svc', 'web']);
  assert.match(out, /^Name:\s+web$/m);
  assert.match(out, /^Selector:\s+app=web$/m);
  assert.match(out, /^Port:\s+http\s+80\/TCP$/m);
});

test('edit through KUBE_EDITOR changes the object', async () => {
  const editor = join(api.dir, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\nsed -i 's/targetPort: 8080/targetPort: 7070/' "$1"\n`);
  chmodSync(editor, 0o755);
  const r = await api.kubectl(['edit', 'svc', 'web'], { env: { KUBE_EDITOR: editor, EDITOR: editor } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /service\/web edited/);
  const svc = await getJson('web');
  assert.equal(svc.spec.ports[0].targetPort, 7070);
});

test('patch with strategic, merge and json patches', async () => {
  await ok(['patch', 'svc', 'web', '-p', '{"spec":{"ports":[{"port":80,"targetPort":6060}]}}']);
  let svc = await getJson('web');
  assert.equal(svc.spec.ports[0].targetPort, 6060);
  assert.equal(svc.spec.ports[0].name, 'http', 'strategic merge keeps the other fields of the port');
  await ok(['patch', 'svc', 'web', '--type=merge', '-p', '{"metadata":{"annotations":{"team":"blue"}}}']);
  svc = await getJson('web');
  assert.equal(svc.metadata.annotations.team, 'blue');
  await ok(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/targetPort","value":5050},{"op":"remove","path":"/metadata/annotations/team"}]']);
  svc = await getJson('web');
  assert.equal(svc.spec.ports[0].targetPort, 5050);
  assert.equal(svc.metadata.annotations.team, undefined);
  const bad = await api.kubectl(['patch', 'svc', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/ports/0/port","value":81}]']);
  assert.notEqual(bad.code, 0);
});

test('pods, endpointslices, events and api-resources print like a real cluster', async () => {
  const pod = `apiVersion: v1
kind: Pod
metadata:
  name: p1
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
`;
  const f = join(api.dir, 'pod.yaml');
  writeFileSync(f, pod);
  await ok(['apply', '-f', f]);
  const wide = await ok(['get', 'pods', '-o', 'wide']);
  assert.match(wide.split('\n')[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
  assert.match(wide, /^p1\s+0\/1\s+Pending\s+0\s+/m);
  const slice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: ["10.244.1.5"]
  conditions: {ready: true}
`;
  const sf = join(api.dir, 'slice.yaml');
  writeFileSync(sf, slice);
  await ok(['apply', '-f', sf]);
  const slices = await ok(['get', 'endpointslices']);
  assert.match(slices.split('\n')[0]!, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE/);
  assert.match(slices, /^web-abc\s+IPv4\s+8080\s+10\.244\.1\.5\s+/m);
  const ev = `apiVersion: v1
kind: Event
metadata: {name: p1.1}
involvedObject: {kind: Pod, name: p1, namespace: default}
reason: Testing
message: hello from the test
type: Normal
`;
  const ef = join(api.dir, 'ev.yaml');
  writeFileSync(ef, ev);
  await ok(['create', '-f', ef]);
  const events = await ok(['get', 'events']);
  assert.match(events, /Testing/);
  assert.match(events, /pod\/p1/);
  assert.match(events, /hello from the test/);
  const res = await ok(['api-resources']);
  for (const line of [/^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice/m, /^services\s+svc\s+v1\s+true\s+Service/m, /^pods\s+po\s+v1\s+true\s+Pod/m, /^nodes\s+no\s+v1\s+false\s+Node/m]) {
    assert.match(res, line);
  }
});

test('delete removes the object and a second delete is NotFound', async () => {
  assert.match(await ok(['delete', 'svc', 'web']), /service "web" deleted/);
  const r = await api.kubectl(['get', 'svc', 'web']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error from server \(NotFound\): services "web" not found/);
});

test('create of an existing object is AlreadyExists', async () => {
  await ok(['create', 'namespace', 'dup']);
  const r = await api.kubectl(['create', 'namespace', 'dup']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Error from server \(AlreadyExists\): namespaces "dup" already exists/);
});

test('explain reads the OpenAPI documents', async () => {
  const out = await ok(['explain', 'service.spec.ports']);
  assert.match(out, /^KIND:\s+Service$/m);
  assert.match(out, /^FIELD: ports <\[\]ServicePort>$/m);
  assert.match(out, /targetPort\s+<IntOrString>/);
});

test('create service and namespace (protobuf bodies) and run a pod', async () => {
  assert.match(await ok(['create', 'service', 'nodeport', 'np', '--tcp=80:8080']), /service\/np created/);
  const np = await getJson('np');
  assert.equal(np.spec.type, 'NodePort');
  assert.ok(np.spec.ports[0].nodePort >= 30000 && np.spec.ports[0].nodePort <= 32767);
  assert.match(np.spec.clusterIP, /^127\.96\./);
  assert.match(await ok(['run', 'runner', '--image=busybox', '--command', '--', 'sleep', '60']), /pod\/runner created/);
  const p = await getJson('runner', 'pod');
  assert.deepEqual(p.spec.containers[0].command, ['sleep', '60']);
});
