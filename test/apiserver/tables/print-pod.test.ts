import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod, PodStatus } from '../../../src/api/types.ts';
import { buildTable } from '../../../src/apiserver/tables/index.ts';
import { DURATION, NOW, ago, cellsOf, meta } from './helpers.ts';

const { m, s } = DURATION;

function pod(status: PodStatus, extra: { spec?: Partial<Pod['spec']>; deletion?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('web-0', extra.deletion ? { deletionTimestamp: ago(5 * s) } : {}),
    spec: { containers: [{ name: 'app', image: 'nginx' }], nodeName: 'node-1', ...extra.spec },
    status,
  };
}

function running(name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, ready: true, restartCount: 0, state: { running: { startedAt: ago(9 * m) } }, ...extra };
}

const READY = [{ type: 'Ready', status: 'True' as const }];

/** [READY, STATUS, RESTARTS] of each pod. */
const rows: { name: string; pod: Pod; want: [string, string, string] }[] = [
  {
    name: 'running and ready',
    pod: pod({ phase: 'Running', conditions: READY, containerStatuses: [running('app')] }),
    want: ['1/1', 'Running', '0'],
  },
  { name: 'pending, nothing reported yet', pod: pod({ phase: 'Pending' }), want: ['0/1', 'Pending', '0'] },
  {
    name: 'container creating',
    pod: pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
    want: ['0/1', 'ContainerCreating', '0'],
  },
  {
    name: 'crash loop with last restart age',
    pod: pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30 * s) } },
        },
      ],
    }),
    want: ['0/1', 'CrashLoopBackOff', '5 (30s ago)'],
  },
  {
    name: 'restarts without a known last termination time',
    pod: pod({ phase: 'Running', containerStatuses: [running('app', { restartCount: 2 })] }),
    want: ['1/1', 'Running', '2'],
  },
  {
    name: 'succeeded pod shows Completed',
    pod: pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
    want: ['0/1', 'Completed', '0'],
  },
  {
    name: 'failed container shows its reason',
    pod: pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }),
    want: ['0/1', 'Error', '0'],
  },
  {
    name: 'terminated without reason shows the exit code',
    pod: pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }] }),
    want: ['0/1', 'ExitCode:137', '0'],
  },
  {
    name: 'terminated by signal without reason',
    pod: pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } }] }),
    want: ['0/1', 'Signal:9', '0'],
  },
  {
    name: 'first container wins (statuses walked last to first)',
    pod: pod(
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } },
          running('b'),
        ],
      },
      { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    ),
    want: ['1/2', 'ImagePullBackOff', '0'],
  },
  {
    name: 'completed container but another still running and pod ready',
    pod: pod(
      {
        phase: 'Running',
        conditions: READY,
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          running('b'),
        ],
      },
      { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    ),
    want: ['1/2', 'Running', '0'],
  },
  {
    name: 'completed container, another running, pod not ready',
    pod: pod(
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          running('b'),
        ],
      },
      { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    ),
    want: ['1/2', 'NotReady', '0'],
  },
  {
    name: 'being deleted shows Terminating',
    pod: pod({ phase: 'Running', conditions: READY, containerStatuses: [running('app')] }, { deletion: true }),
    want: ['1/1', 'Terminating', '0'],
  },
  {
    name: 'a finished pod being deleted keeps its status',
    pod: pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, { deletion: true }),
    want: ['0/1', 'Completed', '0'],
  },
  {
    name: 'pod on a lost node shows NodeLost',
    pod: pod({ phase: 'Running', reason: 'NodeLost' }),
    want: ['0/1', 'NodeLost', '0'],
  },
  {
    name: 'pod on a lost node being deleted shows Unknown',
    pod: pod({ phase: 'Running', reason: 'NodeLost' }, { deletion: true }),
    want: ['0/1', 'Unknown', '0'],
  },
  {
    name: 'evicted pod shows the status reason',
    pod: pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }),
    want: ['0/1', 'Evicted', '0'],
  },
  {
    name: 'scheduling gated',
    pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
    want: ['0/1', 'SchedulingGated', '0'],
  },
  {
    name: 'first init container still running',
    pod: pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 0, state: { running: {} } }, { name: 'init-b', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] },
      { spec: { initContainers: [{ name: 'init-a' }, { name: 'init-b' }] } },
    ),
    want: ['0/1', 'Init:0/2', '0'],
  },
  {
    name: 'second init container pending after the first succeeded',
    pod: pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'init-b', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] },
      { spec: { initContainers: [{ name: 'init-a' }, { name: 'init-b' }] } },
    ),
    want: ['0/1', 'Init:1/2', '0'],
  },
  {
    name: 'init container crash looping counts its restarts',
    pod: pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * m) } } }] },
      { spec: { initContainers: [{ name: 'init-a' }] } },
    ),
    want: ['0/1', 'Init:CrashLoopBackOff', '3 (2m ago)'],
  },
  {
    name: 'init container failed with a reason',
    pod: pod(
      { phase: 'Failed', initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }] },
      { spec: { initContainers: [{ name: 'init-a' }] } },
    ),
    want: ['0/1', 'Init:Error', '0'],
  },
  {
    name: 'init container failed without a reason',
    pod: pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] },
      { spec: { initContainers: [{ name: 'init-a' }] } },
    ),
    want: ['0/1', 'Init:ExitCode:3', '0'],
  },
  {
    name: 'init container killed by a signal',
    pod: pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, signal: 9 } } }] },
      { spec: { initContainers: [{ name: 'init-a' }] } },
    ),
    want: ['0/1', 'Init:Signal:9', '0'],
  },
  {
    name: 'finished init containers: their restarts no longer count',
    pod: pod(
      {
        phase: 'Running',
        conditions: [...READY, { type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'init-a', ready: false, restartCount: 4, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        containerStatuses: [running('app')],
      },
      { spec: { initContainers: [{ name: 'init-a' }] } },
    ),
    want: ['1/1', 'Running', '0'],
  },
  {
    name: 'sidecar counts as a container and its restarts count',
    pod: pod(
      {
        phase: 'Running',
        conditions: [...READY, { type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          running('proxy', { started: true, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * m) } } }),
        ],
        containerStatuses: [running('app', { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * m) } } })],
      },
      { spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] } },
    ),
    want: ['2/2', 'Running', '3 (5m ago)'],
  },
  {
    name: 'sidecar not started yet blocks initialization',
    pod: pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'proxy', ready: false, restartCount: 0, started: false, state: { running: {} } }] },
      { spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] } },
    ),
    want: ['0/2', 'Init:0/1', '0'],
  },
];

for (const row of rows) {
  test(`pod status: ${row.name}`, () => {
    const cells = cellsOf('pods', '', row.pod);
    assert.deepEqual(cells.slice(1, 4), row.want);
  });
}

const wide: { name: string; pod: Pod; want: string[] }[] = [
  {
    name: 'scheduled pod with IP from podIPs',
    pod: pod({ phase: 'Running', podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00::5' }] }),
    want: ['10.244.1.5', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'podIP is authoritative over podIPs',
    pod: pod({ phase: 'Running', podIP: '10.244.1.9', podIPs: [{ ip: '10.244.1.5' }] }),
    want: ['10.244.1.9', 'node-1', '<none>', '<none>'],
  },
  {
    name: 'unscheduled pod with a nominated node and readiness gates',
    pod: pod(
      {
        phase: 'Pending',
        nominatedNodeName: 'node-2',
        conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }],
      },
      { spec: { nodeName: undefined, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] } },
    ),
    want: ['<none>', '<none>', 'node-2', '1/2'],
  },
];

for (const row of wide) {
  test(`pod wide cells: ${row.name}`, () => {
    assert.deepEqual(cellsOf('pods', '', row.pod).slice(5), row.want);
  });
}

test('pod row: name and age cells', () => {
  const cells = cellsOf('pods', '', pod({ phase: 'Pending' }));
  assert.equal(cells[0], 'web-0');
  assert.equal(cells[4], '10m');
  assert.equal(cells.length, 9);
});

const conditionRows: { name: string; phase: PodStatus['phase']; want: unknown }[] = [
  { name: 'succeeded', phase: 'Succeeded', want: [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }] },
  { name: 'failed', phase: 'Failed', want: [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }] },
  { name: 'running has none', phase: 'Running', want: undefined },
];
for (const row of conditionRows) {
  test(`pod row conditions: ${row.name}`, () => {
    const table = buildTable('pods', '', [pod({ phase: row.phase })], { includeObject: 'None', now: NOW });
    assert.deepEqual(table.rows[0].conditions, row.want);
  });
}
