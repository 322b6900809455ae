/**
 * Restarts and terminations with real processes: liveness with back-off and
 * previous logs; graceful deletion (preStop, SIGTERM, grace, SIGKILL).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, Pod } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import type { Agent } from '../../src/node/index.ts';
import { agentGet, groupAlive, httpGet, isReady, NODE, samplePod, startEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
let agent: Agent;

before(async () => {
  env = await startEnv();
  agent = await env.startAgent({ nodeName: 'node1' });
});

after(async () => {
  await env?.stop();
});

async function events(name: string): Promise<Event[]> {
  const list = await env.client.list<Event>(Resources.events, 'default', { fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe('liveness', () => {
  test('kills and restarts a hung process; an exit restarts with back-off; restartCount grows; logs --previous shows the old run', async () => {
    await env.create(
      samplePod('hung', {
        nodeName: 'node1',
        // Two failures in a row (one would kill the app while it is still starting).
        container: { livenessProbe: { httpGet: { path: '/livez', port: 8080 }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 } },
      }),
    );
    const ipOf = async () => (await waitFor('hung running', async () => {
      const x = await env.pod('hung');
      return x?.status?.containerStatuses?.[0]?.state?.running ? x : undefined;
    })).status!.podIP!;
    const ip = await ipOf();
    await waitFor('app up', () => httpGet(ip, 8080, '/name').catch(() => undefined));
    await httpGet(ip, 8080, '/hang');
    const p1 = await waitFor('first restart', async () => {
      const x = await env.pod('hung');
      return x?.status?.containerStatuses?.[0]?.restartCount === 1 ? x : undefined;
    }, 10_000);
    const last = p1.status!.containerStatuses![0].lastState!.terminated!;
    assert.equal(last.exitCode, 137, 'SIGKILL after the grace: the hung process ignored SIGTERM');
    assert.equal(last.reason, 'Error');
    const hungLog = await agentGet(agent.port, '/containerLogs/default/hung/app?previous=true', env.api.pki.token);
    assert.match(hungLog.body, /hanging \(event loop blocked\)/, 'the previous run is the hung one');
    // Second failure, a plain exit this time: the restart waits for the back-off (1 s in this test).
    await waitFor('app up again', () => httpGet(ip, 8080, '/name').catch(() => undefined));
    await httpGet(ip, 8080, '/exit?code=3');
    const seen = new Set<string>();
    const p2 = await waitFor('second restart', async () => {
      const x = await env.pod('hung');
      const cs = x?.status?.containerStatuses?.[0];
      if (cs?.state?.waiting?.reason) seen.add(cs.state.waiting.reason);
      return cs?.restartCount === 2 && cs.state?.running ? x : undefined;
    }, 15_000, 20);
    assert.ok(seen.has('CrashLoopBackOff'), `waiting reasons seen: ${[...seen].join(', ')}`);
    const lt = p2.status!.containerStatuses![0].lastState!.terminated!;
    assert.deepEqual([lt.exitCode, lt.reason], [3, 'Error']);
    const ev = await events('hung');
    assert.ok(ev.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'));
    assert.ok(ev.some((e) => e.reason === 'BackOff' && /^Back-off restarting failed container app in pod hung_default\(/.test(e.message ?? '')));
    // Logs: the previous run is the one that exited; the current one neither hung nor exited.
    const prev = await agentGet(agent.port, '/containerLogs/default/hung/app?previous=true', env.api.pki.token);
    assert.equal(prev.status, 200);
    assert.match(prev.body, /exiting with 3/);
    await waitFor('current log', async () => /listening on/.test((await agentGet(agent.port, '/containerLogs/default/hung/app', env.api.pki.token)).body));
    const cur = await agentGet(agent.port, '/containerLogs/default/hung/app', env.api.pki.token);
    assert.doesNotMatch(cur.body, /hanging|exiting/);
    const out = await env.api.kubectl(['get', 'pod', 'hung']);
    assert.match(out.stdout, /hung\s+1\/1\s+Running\s+2 \(\S+ ago\)/);
  });
});

describe('graceful deletion', () => {
  test('preStop, then SIGTERM, grace, SIGKILL in order; the pod stays, terminating, during the grace period; then it is deleted', async () => {
    const marks = join(env.dir, 'prestop.log');
    writeFileSync(marks, '');
    await env.create(
      samplePod('graceful', {
        nodeName: 'node1',
        env: { IGNORE_SIGTERM: '1' },
        spec: { terminationGracePeriodSeconds: 2 },
        container: {
          lifecycle: {
            preStop: { exec: { command: [NODE, '-e', `require('fs').appendFileSync(${JSON.stringify(marks)}, 'prestop ' + Date.now() + '\\n'); setTimeout(() => {}, 500)`] } },
          },
        },
      }),
    );
    const p = await waitFor('graceful Ready', async () => {
      const x = await env.pod('graceful');
      return isReady(x) ? x : undefined;
    });
    await waitFor('app up', () => httpGet(p.status!.podIP!, 8080, '/name').catch(() => undefined));
    const pgid = agent.podPids('default', 'graceful')[0];
    assert.ok(pgid);
    // Watch the pod's statuses until it goes.
    const statuses: Pod[] = [];
    const w = env.client.watch<Pod>(Resources.pods, 'default', { fieldSelector: 'metadata.name=graceful', resourceVersion: p.metadata.resourceVersion }, (ev) => statuses.push(ev.object));
    const t0 = Date.now();
    await env.client.delete(Resources.pods, 'default', 'graceful');
    const log = await waitFor('SIGTERM logged', async () => {
      const r = await agentGet(agent.port, '/containerLogs/default/graceful/app', env.api.pki.token);
      return /received SIGTERM/.test(r.body) ? r.body : undefined;
    }, 5000);
    const during = await env.pod('graceful');
    assert.ok(during?.metadata.deletionTimestamp, 'still there, terminating');
    assert.equal(during!.metadata.deletionGracePeriodSeconds, 2);
    const ps = await env.api.kubectl(['get', 'pod', 'graceful']);
    assert.match(ps.stdout, /graceful\s+\S+\s+Terminating/);
    assert.ok(groupAlive(pgid), 'process alive during the grace period (it ignores SIGTERM)');
    const termAt = Date.parse(/(\S+) graceful: received SIGTERM/.exec(log)![1]);
    const preStopAt = Number(/prestop (\d+)/.exec(readFileSync(marks, 'utf8'))![1]);
    assert.ok(preStopAt >= t0 && preStopAt <= termAt, `preStop ${preStopAt - t0} ms, SIGTERM ${termAt - t0} ms after the delete`);
    assert.ok(termAt - preStopAt >= 400, 'SIGTERM only after preStop finished');
    await waitFor('graceful deleted', async () => !(await env.pod('graceful')), 20_000);
    const gone = Date.now() - t0;
    assert.ok(gone >= 2000, `deleted after ${gone} ms (grace 2 s)`);
    w.stop();
    assert.equal(groupAlive(pgid), false, 'process group gone');
    const final = statuses.map((s) => s.status?.containerStatuses?.[0]?.state?.terminated).filter(Boolean).at(-1)!;
    assert.equal(final.exitCode, 137, 'SIGKILL after the grace');
    const killedAt = Date.parse(final.finishedAt!);
    assert.ok(killedAt - t0 >= 1000, `SIGKILL ${killedAt - t0} ms after the delete (second precision)`);
    const ev = await events('graceful');
    assert.ok(ev.some((e) => e.reason === 'Killing' && e.message === 'Stopping container app'));
  });
});
