/**
 * Pod defaulting as Kubernetes' SetObjectDefaults_Pod: the pure function
 * (table-driven), then through a real API server: the stored pod and what
 * `kubectl describe pod` shows for its probes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from '../../src/api/types.ts';
import { defaultPod, defaultPullPolicy, imageTag } from '../../src/api/defaults/pod.ts';
import { RestClient, loadClientConfig, Resources } from '../../src/client/index.ts';
import { startTestApi, type TestApi } from '../helpers/apiserver.ts';

const pod = (spec: Record<string, unknown>, containers: Partial<Container>[] = [{ name: 'c' }]): Pod =>
  ({ metadata: { name: 'p' }, spec: { containers, ...spec } }) as unknown as Pod;

function defaulted(p: Pod): Pod {
  const copy = structuredClone(p);
  defaultPod(copy);
  return copy;
}

const container = (p: Pod, i = 0): Record<string, unknown> => p.spec.containers[i] as Record<string, unknown>;

for (const row of [
  { image: 'nginx', tag: 'latest', policy: 'Always' },
  { image: 'nginx:latest', tag: 'latest', policy: 'Always' },
  { image: 'nginx:1.27', tag: '1.27', policy: 'IfNotPresent' },
  { image: 'localhost:5000/team/app', tag: 'latest', policy: 'Always' },
  { image: 'registry.example.com:5000/team/app:v2', tag: 'v2', policy: 'IfNotPresent' },
  { image: 'nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', tag: '', policy: 'IfNotPresent' },
  { image: 'nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', tag: '1.27', policy: 'IfNotPresent' },
  { image: 'switchboard/sample-app', tag: 'latest', policy: 'Always' },
  { image: 'Upper/Case', tag: undefined, policy: 'IfNotPresent' },
  { image: '', tag: undefined, policy: 'IfNotPresent' },
  { image: undefined, tag: undefined, policy: 'IfNotPresent' },
]) {
  test(`imagePullPolicy for ${JSON.stringify(row.image)}: ${row.policy}`, () => {
    assert.equal(imageTag(row.image), row.tag);
    assert.equal(defaultPullPolicy(row.image), row.policy);
    assert.equal(container(defaulted(pod({}, [{ name: 'c', image: row.image }])))['imagePullPolicy'], row.policy);
  });
}

test('pod spec defaults (SetDefaults_Pod, SetDefaults_PodSpec)', () => {
  const p = defaulted(pod({}));
  const s = p.spec as Record<string, unknown>;
  assert.equal(s['restartPolicy'], 'Always');
  assert.equal(s['dnsPolicy'], 'ClusterFirst');
  assert.equal(s['terminationGracePeriodSeconds'], 30);
  assert.equal(s['schedulerName'], 'default-scheduler');
  assert.equal(s['enableServiceLinks'], true);
  assert.deepEqual(s['securityContext'], {});
});

for (const row of [
  { name: 'set values are kept', spec: { restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 5, schedulerName: 'mine', enableServiceLinks: false, securityContext: { runAsUser: 1 } } },
  { name: 'grace 0 is a value, not unset (pointer field)', spec: { terminationGracePeriodSeconds: 0 } },
]) {
  test(`pod spec defaults: ${row.name}`, () => {
    const s = defaulted(pod(row.spec)).spec as Record<string, unknown>;
    for (const [k, v] of Object.entries(row.spec)) assert.deepEqual(s[k], v, k);
  });
}

test('container defaults (SetDefaults_Container, ports, fieldRef)', () => {
  const p = defaulted(
    pod({}, [
      {
        name: 'c',
        image: 'app:1',
        ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
        env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'B', value: 'x' }],
      },
    ]),
  );
  const c = container(p);
  assert.equal(c['terminationMessagePath'], '/dev/termination-log');
  assert.equal(c['terminationMessagePolicy'], 'File');
  assert.equal(c['imagePullPolicy'], 'IfNotPresent');
  assert.deepEqual(c['ports'], [
    { containerPort: 80, protocol: 'TCP' },
    { containerPort: 53, protocol: 'UDP' },
  ]);
  assert.deepEqual(c['env'], [
    { name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'B', value: 'x' },
  ]);
});

const PROBE_ROWS: { name: string; probe: Record<string, unknown>; want: Record<string, unknown> }[] = [
  {
    name: 'httpGet, nothing set',
    probe: { httpGet: { port: 8080 } },
    want: { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
  },
  {
    name: 'zero values count as unset',
    probe: { tcpSocket: { port: 'http' }, timeoutSeconds: 0, periodSeconds: 0, successThreshold: 0, failureThreshold: 0, initialDelaySeconds: 0 },
    want: { tcpSocket: { port: 'http' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 0 },
  },
  {
    name: 'set values are kept',
    probe: { httpGet: { port: 80, path: '/healthz', scheme: 'HTTPS' }, timeoutSeconds: 5, periodSeconds: 2, successThreshold: 2, failureThreshold: 7 },
    want: { httpGet: { port: 80, path: '/healthz', scheme: 'HTTPS' }, timeoutSeconds: 5, periodSeconds: 2, successThreshold: 2, failureThreshold: 7 },
  },
  {
    name: 'grpc service defaults to ""',
    probe: { grpc: { port: 9000 } },
    want: { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
  },
  {
    name: 'exec',
    probe: { exec: { command: ['true'] }, periodSeconds: 1 },
    want: { exec: { command: ['true'] }, timeoutSeconds: 1, periodSeconds: 1, successThreshold: 1, failureThreshold: 3 },
  },
];

for (const row of PROBE_ROWS) {
  test(`probe defaults (SetDefaults_Probe, SetDefaults_HTTPGetAction): ${row.name}`, () => {
    for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const p = defaulted(pod({}, [{ name: 'c', [kind]: row.probe }]));
      assert.deepEqual(container(p)[kind], row.want, kind);
    }
    // Init containers are defaulted the same way.
    const init = defaulted(pod({ initContainers: [{ name: 'i', readinessProbe: row.probe }] }));
    assert.deepEqual((init.spec.initContainers![0] as Record<string, unknown>)['readinessProbe'], row.want);
  });
}

test('lifecycle httpGet handlers, resources, volumes, hostNetwork ports', () => {
  const p = defaulted(
    pod({ hostNetwork: true, volumes: [{ name: 'v' }, { name: 's', secret: { secretName: 'x' } }, { name: 'h', hostPath: { path: '/tmp' } }] }, [
      {
        name: 'c',
        ports: [{ containerPort: 8080 }],
        lifecycle: { preStop: { httpGet: { port: 80 } }, postStart: { exec: { command: ['true'] } } },
        resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
      } as Partial<Container>,
    ]),
  );
  const c = container(p);
  assert.deepEqual(c['lifecycle'], { preStop: { httpGet: { port: 80, path: '/', scheme: 'HTTP' } }, postStart: { exec: { command: ['true'] } } });
  assert.deepEqual(c['resources'], { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
  assert.deepEqual(c['ports'], [{ containerPort: 8080, protocol: 'TCP', hostPort: 8080 }]);
  assert.deepEqual((p.spec as Record<string, unknown>)['volumes'], [
    { name: 'v', emptyDir: {} },
    { name: 's', secret: { secretName: 'x', defaultMode: 420 } },
    { name: 'h', hostPath: { path: '/tmp', type: '' } },
  ]);
});

test('idempotent, and malformed input is left for validation', () => {
  const once = defaulted(pod({}, [{ name: 'c', image: 'x', readinessProbe: { httpGet: { port: 1 } } }]));
  assert.deepEqual(defaulted(once), once);
  for (const bad of [{ metadata: {} }, { metadata: {}, spec: null }, { metadata: {}, spec: { containers: 'x' } }, { metadata: {}, spec: { containers: [null, 3, { name: 'c', readinessProbe: 'x', ports: [null] }] } }]) {
    assert.doesNotThrow(() => defaultPod(structuredClone(bad) as unknown as Pod));
  }
});

let api: TestApi;
let client: RestClient;
before(async () => {
  api = await startTestApi();
  client = new RestClient(loadClientConfig(api.kubeconfig));
});
after(async () => {
  client?.close();
  await api?.stop();
});

test('through the API server: the stored pod is defaulted, kubectl describe shows the probe defaults, and a replace with the bare manifest is accepted', async () => {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'switchboard/sample-app',
          command: ['node', 'server.mjs'],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
          livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 3 },
        },
      ],
    },
  };
  const r = await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  assert.equal(r.code, 0, r.stderr);
  const stored = await client.get<Pod>(Resources.pods, 'default', 'web');
  const c = container(stored);
  assert.deepEqual(c['readinessProbe'], { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c['imagePullPolicy'], 'Always');
  assert.equal(stored.spec.terminationGracePeriodSeconds, 30);
  assert.equal(stored.spec.restartPolicy, 'Always');

  const d = await api.kubectl(['describe', 'pod', 'web']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /Readiness:\s+http-get http:\/\/:http\/healthz delay=0s timeout=1s period=10s #success=1 #failure=3\n/);
  assert.match(d.stdout, /Liveness:\s+tcp-socket :8080 delay=0s timeout=1s period=3s #success=1 #failure=3\n/);

  // kubectl replace sends the manifest without the defaults: defaulted again, it is no change.
  const rep = await api.kubectl(['replace', '-f', '-'], { input: JSON.stringify(manifest) });
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /pod\/web replaced/);
  const after_ = await client.get<Pod>(Resources.pods, 'default', 'web');
  assert.deepEqual(after_.spec, stored.spec);
});
