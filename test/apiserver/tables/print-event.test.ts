import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../../src/api/types.ts';
import { DURATION, ago, cellsOf, meta } from './helpers.ts';

const { s, m, h } = DURATION;

function ev(extra: Partial<Event>): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta('web-0.17d2a'),
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-0', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    message: 'Container image "nginx" already present on machine\n',
    source: { component: 'kubelet', host: 'node-1' },
    type: 'Normal',
    ...extra,
  };
}

/** LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME. */
const rows: { name: string; ev: Event; want: (string | number)[] }[] = [
  {
    name: 'classic event with count and both timestamps',
    ev: ev({ firstTimestamp: ago(2 * h), lastTimestamp: ago(30 * s), count: 12 }),
    want: ['30s', 'Normal', 'Pulled', 'pod/web-0', 'spec.containers{app}', 'kubelet, node-1', 'Container image "nginx" already present on machine', '120m', 12, 'web-0.17d2a'],
  },
  {
    name: 'no lastTimestamp: last seen is first seen; zero count is 1',
    ev: ev({ firstTimestamp: ago(5 * m), lastTimestamp: null }),
    want: ['5m', 'Normal', 'Pulled', 'pod/web-0', 'spec.containers{app}', 'kubelet, node-1', 'Container image "nginx" already present on machine', '5m', 1, 'web-0.17d2a'],
  },
  {
    name: 'events.k8s.io style: eventTime, series, reporting controller',
    ev: ev({
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: '2025-06-01T11:00:00.000000Z',
      source: {},
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-node-1',
      type: 'Warning',
      reason: 'FailedScheduling',
      message: '0/1 nodes are available.',
      involvedObject: { kind: 'Pod', name: 'web-1' },
      series: { count: 4, lastObservedTime: '2025-06-01T11:59:00.000000Z' },
    } as Partial<Event>),
    want: ['60s', 'Warning', 'FailedScheduling', 'pod/web-1', '', 'default-scheduler, default-scheduler-node-1', '0/1 nodes are available.', '60m', 4, 'web-0.17d2a'],
  },
  {
    name: 'cluster-scoped object without name, source without host, no times',
    ev: ev({ involvedObject: { kind: 'Node' }, source: { component: 'kube-proxy' }, count: 1, message: undefined }),
    want: ['<unknown>', 'Normal', 'Pulled', 'node', '', 'kube-proxy', '', '<unknown>', 1, 'web-0.17d2a'],
  },
];

for (const row of rows) {
  test(`event: ${row.name}`, () => assert.deepEqual(cellsOf('events', '', row.ev), row.want));
}
