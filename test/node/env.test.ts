/** Environment building: $(VAR) expansion, service links, fieldRef (table-driven, pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from '../../src/api/types.ts';
import { buildContainerEnv, EnvError, expand, fieldRefValue, mappingFor, serviceEnv, serviceLinkVars } from '../../src/node/index.ts';

const vars = new Map([
  ['VAR_A', 'A'],
  ['VAR_EMPTY', ''],
]);

for (const row of [
  { name: 'plain', input: 'hello', want: 'hello' },
  { name: 'defined', input: '$(VAR_A)', want: 'A' },
  { name: 'undefined kept', input: '$(VAR_X)', want: '$(VAR_X)' },
  { name: 'empty value', input: 'x$(VAR_EMPTY)y', want: 'xy' },
  { name: 'escaped', input: '$$(VAR_A)', want: '$(VAR_A)' },
  { name: 'double escape', input: '$$$$(VAR_A)', want: '$$(VAR_A)' },
  { name: 'escape then var', input: '$$$(VAR_A)', want: '$A' },
  { name: 'lone dollar', input: 'a$b', want: 'a$b' },
  { name: 'trailing dollar', input: 'ab$', want: 'ab$' },
  { name: 'unclosed', input: '$(VAR_A', want: '$(VAR_A' },
  { name: 'shell style untouched', input: '${VAR_A} $VAR_A', want: '${VAR_A} $VAR_A' },
  { name: 'two in a row', input: '$(VAR_A)$(VAR_A)', want: 'AA' },
  { name: 'empty name', input: '$()', want: '$()' },
]) {
  test(`expand: ${row.name}`, () => assert.equal(expand(row.input, mappingFor(vars)), row.want));
}

const svc = (ns: string, name: string, clusterIP: string, ports: Service['spec']['ports']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: ns, name },
  spec: { clusterIP, ports },
});

test('serviceLinkVars: host, port, named ports and Docker link variables', () => {
  assert.deepEqual(serviceLinkVars(svc('default', 'my-svc', '10.0.0.5', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }])), [
    ['MY_SVC_SERVICE_HOST', '10.0.0.5'],
    ['MY_SVC_SERVICE_PORT', '80'],
    ['MY_SVC_SERVICE_PORT_HTTP', '80'],
    ['MY_SVC_SERVICE_PORT_DNS', '53'],
    ['MY_SVC_PORT', 'tcp://10.0.0.5:80'],
    ['MY_SVC_PORT_80_TCP', 'tcp://10.0.0.5:80'],
    ['MY_SVC_PORT_80_TCP_PROTO', 'tcp'],
    ['MY_SVC_PORT_80_TCP_PORT', '80'],
    ['MY_SVC_PORT_80_TCP_ADDR', '10.0.0.5'],
    ['MY_SVC_PORT_53_UDP', 'udp://10.0.0.5:53'],
    ['MY_SVC_PORT_53_UDP_PROTO', 'udp'],
    ['MY_SVC_PORT_53_UDP_PORT', '53'],
    ['MY_SVC_PORT_53_UDP_ADDR', '10.0.0.5'],
  ]);
  assert.deepEqual(serviceLinkVars(svc('default', 'v6', 'fd00::5', [{ port: 80 }]))[2], ['V6_PORT', 'tcp://[fd00::5]:80']);
  assert.deepEqual(serviceLinkVars(svc('default', 'headless', 'None', [{ port: 80 }])), []);
});

test('serviceEnv: own namespace when enableServiceLinks, the kubernetes Service always', () => {
  const all = [
    svc('default', 'kubernetes', '10.0.0.1', [{ name: 'https', port: 443 }]),
    svc('default', 'other', '10.0.0.2', [{ port: 80 }]),
    svc('team', 'api', '10.0.0.3', [{ port: 8080 }]),
    svc('team', 'headless', 'None', [{ port: 80 }]),
  ];
  const team = serviceEnv(all, 'team', true);
  assert.equal(team.get('API_SERVICE_HOST'), '10.0.0.3');
  assert.equal(team.get('KUBERNETES_SERVICE_HOST'), '10.0.0.1');
  assert.equal(team.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
  assert.equal(team.has('OTHER_SERVICE_HOST'), false);
  assert.equal(team.has('HEADLESS_SERVICE_HOST'), false);
  const off = serviceEnv(all, 'team', false);
  assert.equal(off.has('API_SERVICE_HOST'), false);
  assert.equal(off.get('KUBERNETES_SERVICE_HOST'), '10.0.0.1');
});

const pod: Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { b: '2', a: '1' }, annotations: { note: 'say "hi"' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '128Mi' } } }] },
};
const ctx = { pod, podIPs: ['127.244.0.9'], hostIPs: ['127.0.0.1'], services: [], nodeAllocatable: { cpu: '4', memory: '8Gi' } };

for (const row of [
  { path: 'metadata.name', want: 'web-1' },
  { path: 'metadata.namespace', want: 'shop' },
  { path: 'metadata.uid', want: 'u-1' },
  { path: "metadata.labels['a']", want: '1' },
  { path: "metadata.labels['missing']", want: '' },
  { path: 'metadata.labels', want: 'a="1"\nb="2"' },
  { path: 'metadata.annotations', want: 'note="say \\"hi\\""' },
  { path: 'spec.nodeName', want: 'n1' },
  { path: 'spec.serviceAccountName', want: 'sa' },
  { path: 'status.podIP', want: '127.244.0.9' },
  { path: 'status.podIPs', want: '127.244.0.9' },
  { path: 'status.hostIP', want: '127.0.0.1' },
]) {
  test(`fieldRef ${row.path}`, () => assert.equal(fieldRefValue(row.path, ctx), row.want));
}

test('fieldRef: an unsupported path is an EnvError', () => {
  assert.throws(() => fieldRefValue('status.phase', ctx), (e: unknown) => e instanceof EnvError && e.message === 'unsupported fieldPath: status.phase');
});

test('buildContainerEnv: order, expansion against earlier vars only, valueFrom, command/args', () => {
  const r = buildContainerEnv(
    {
      name: 'c',
      command: ['run', '$(LATER)', '$(FIRST)'],
      args: ['--ip=$(POD_IP)', '$$(FIRST)'],
      env: [
        { name: 'USES_LATER', value: '$(LATER)' },
        { name: 'FIRST', value: 'one' },
        { name: 'SECOND', value: '$(FIRST)-two' },
        { name: 'LATER', value: 'late' },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
      ],
      resources: { limits: { cpu: '500m', memory: '128Mi' } },
    },
    ctx,
    new Map([['PATH', '/bin']]),
    new Map([['POD_IP', '127.244.0.9']]),
  );
  assert.equal(r.env.get('USES_LATER'), '$(LATER)', 'only variables declared before are expanded');
  assert.equal(r.env.get('SECOND'), 'one-two');
  assert.equal(r.env.get('CPU'), '1', 'cpu rounds up to whole cores');
  assert.equal(r.env.get('MEM_MI'), '128');
  assert.equal(r.env.has('OPT'), false);
  assert.equal(r.env.get('PATH'), '/bin');
  assert.deepEqual(r.command, ['run', 'late', 'one']);
  assert.deepEqual(r.args, ['--ip=127.244.0.9', '$(FIRST)']);
});

test('buildContainerEnv: a required ConfigMap key is an EnvError', () => {
  assert.throws(() => buildContainerEnv({ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, ctx), /configmap "cm" not found/);
});
