/**
 * Realistic small manifests, shaped like what a Deployment's pods and their
 * Services look like when a client sends them: a few labels, one container
 * with a command, a port, requests; Services with a selector and two ports.
 * Deterministic from (namespace, index) so every run sends the same bytes.
 */

export const APP_COUNT = 200;

export function namespaceManifest(name: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'bench.switchboard.dev/run': 'apiserver' } } };
}

export function podManifest(ns: string, i: number, extraAnnotations: Record<string, string> = {}): object {
  const app = `app-${i % APP_COUNT}`;
  const hash = (0x9e3779b1 * (i + 1)) >>> 0;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-${hash.toString(36).padStart(7, '0')}-${i.toString(36)}`,
      namespace: ns,
      labels: {
        app,
        'app.kubernetes.io/name': app,
        'app.kubernetes.io/part-of': 'bench',
        'pod-template-hash': (hash % 0xfffff).toString(16),
        tier: i % 3 === 0 ? 'frontend' : 'backend',
      },
      annotations: { 'bench.switchboard.dev/index': String(i), ...extraAnnotations },
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.k8s.io/e2e-test-images/agnhost:2.53',
          command: ['/agnhost', 'netexec', '--http-port=8080'],
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 5,
    },
  };
}

export function serviceManifest(ns: string, i: number): object {
  const app = `app-${i % APP_COUNT}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `svc-${i}`,
      namespace: ns,
      labels: { app, 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'bench' },
    },
    spec: {
      type: 'ClusterIP',
      selector: { app },
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    },
  };
}

/** Merge patch that stamps a pod with the writer's send time (CLOCK_MONOTONIC ns). */
export function stampPatch(sentNs: bigint, seq: number): object {
  return { metadata: { annotations: { [SENT_ANNOTATION]: String(sentNs), 'bench.switchboard.dev/seq': String(seq) } } };
}

export const SENT_ANNOTATION = 'bench.switchboard.dev/sent-ns';
