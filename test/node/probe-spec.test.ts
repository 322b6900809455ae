/** Probe defaults, validation, port resolution and the threshold machine (table-driven, pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Probe } from '../../src/api/types.ts';
import { initialProbeCounter, nextProbeCounter, resolveProbe, type ProbeKind } from '../../src/node/index.ts';

const c: Container = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }, { name: 'bad', containerPort: 0 }] };

test('defaults: timeout 1, period 10, success 1, failure 3; httpGet path / scheme HTTP', () => {
  const r = resolveProbe('readiness', { httpGet: { port: 'http' } }, c);
  assert.deepEqual(r, {
    kind: 'readiness',
    action: { type: 'http', scheme: 'http', host: undefined, port: 8080, path: '/', headers: [] },
    initialDelaySeconds: 0,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
});

for (const row of [
  { name: 'tcp numeric port as string', kind: 'liveness', probe: { tcpSocket: { port: '9000' } }, want: { type: 'tcp', host: undefined, port: 9000 } },
  { name: 'https with headers', kind: 'readiness', probe: { httpGet: { port: 443, scheme: 'HTTPS', path: 'x', httpHeaders: [{ name: 'X-A', value: 'b' }] } }, want: { type: 'http', scheme: 'https', host: undefined, port: 443, path: '/x', headers: [['X-A', 'b']] } },
  { name: 'exec', kind: 'startup', probe: { exec: { command: ['true'] } }, want: { type: 'exec', command: ['true'] } },
  { name: 'grpc', kind: 'liveness', probe: { grpc: { port: 50051 } }, want: { type: 'grpc', port: 50051, service: '' } },
] as { name: string; kind: ProbeKind; probe: Probe; want: unknown }[]) {
  test(`resolve: ${row.name}`, () => assert.deepEqual(resolveProbe(row.kind, row.probe, c).action, row.want));
}

for (const row of [
  { name: 'port out of range', kind: 'readiness', probe: { httpGet: { port: 70000 } }, want: /httpGet\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/ },
  { name: 'port zero', kind: 'readiness', probe: { tcpSocket: { port: 0 } }, want: /must be between 1 and 65535/ },
  { name: 'unknown named port', kind: 'liveness', probe: { httpGet: { port: 'metrics' } }, want: /no port named "metrics" in container "app"/ },
  { name: 'named port with a bad number', kind: 'liveness', probe: { httpGet: { port: 'bad' } }, want: /Invalid value: 0: must be between 1 and 65535/ },
  { name: 'invalid port name', kind: 'liveness', probe: { tcpSocket: { port: 'Not_A_Name' } }, want: /must be a valid port name/ },
  { name: 'no handler', kind: 'readiness', probe: { periodSeconds: 3 }, want: /Required value: must specify a handler type/ },
  { name: 'two handlers', kind: 'readiness', probe: { exec: { command: ['x'] }, tcpSocket: { port: 1 } }, want: /may not specify more than 1 handler type/ },
  { name: 'liveness success threshold', kind: 'liveness', probe: { tcpSocket: { port: 1 }, successThreshold: 2 }, want: /successThreshold: Invalid value: 2: must be 1/ },
  { name: 'negative delay', kind: 'readiness', probe: { tcpSocket: { port: 1 }, initialDelaySeconds: -1 }, want: /initialDelaySeconds: Invalid value: -1/ },
  { name: 'grace on readiness', kind: 'readiness', probe: { tcpSocket: { port: 1 }, terminationGracePeriodSeconds: 5 }, want: /must not be set for readinessProbes/ },
  { name: 'bad scheme', kind: 'readiness', probe: { httpGet: { port: 1, scheme: 'FTP' } }, want: /Unsupported value: "FTP"/ },
  { name: 'empty exec', kind: 'readiness', probe: { exec: { command: [] } }, want: /exec\.command: Required value/ },
] as { name: string; kind: ProbeKind; probe: Probe; want: RegExp }[]) {
  test(`invalid: ${row.name}`, () => assert.throws(() => resolveProbe(row.kind, row.probe, c), row.want));
}

test('thresholds: the result flips only after N in a row', () => {
  const p = { successThreshold: 2, failureThreshold: 3 };
  let s = initialProbeCounter('readiness');
  assert.equal(s.result, 'failure');
  const seq: ['success' | 'failure', string][] = [
    ['success', 'failure'],
    ['success', 'success'],
    ['failure', 'success'],
    ['failure', 'success'],
    ['success', 'success'],
    ['failure', 'success'],
    ['failure', 'success'],
    ['failure', 'failure'],
  ];
  for (const [outcome, want] of seq) {
    s = nextProbeCounter(s, outcome, p);
    assert.equal(s.result, want);
  }
  assert.equal(initialProbeCounter('liveness').result, 'success');
  assert.equal(initialProbeCounter('startup').result, 'unknown');
});
