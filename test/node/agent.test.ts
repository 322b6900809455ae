/**
 * The node agent in loopback mode against a real API server, with real
 * processes: registration and heartbeat, readiness, liveness with back-off,
 * graceful deletion, bad input, environment, logs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, Lease, Node, Service } from '../../src/api/types.ts';
import { Resources } from '../../src/client/index.ts';
import type { Agent } from '../../src/node/index.ts';
import { agentGet, condition, groupAlive, httpGet, isReady, NODE, samplePod, startEnv, waitFor, type Env } from './helpers.ts';

let env: Env;
let agent: Agent;

before(async () => {
  env = await startEnv();
  agent = await env.startAgent({ nodeName: 'node1', zone: 'zone-a', region: 'region-1' });
});

after(async () => {
  await env?.stop();
});

async function events(name: string): Promise<Event[]> {
  const list = await env.client.list<Event>(Resources.events, 'default', { fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

describe('node registration', () => {
  test('registers the Node with labels, addresses, capacity, Ready and the logs port; renews its Lease', async () => {
    const node = await env.client.get<Node>(Resources.nodes, undefined, 'node1');
    const l = node.metadata.labels!;
    assert.equal(l['kubernetes.io/hostname'], 'node1');
    assert.equal(l['topology.kubernetes.io/zone'], 'zone-a');
    assert.equal(l['topology.kubernetes.io/region'], 'region-1');
    assert.equal(l['kubernetes.io/os'], 'linux');
    assert.deepEqual(node.status?.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'node1' },
    ]);
    assert.match(node.status!.capacity!['cpu'], /^\d+$/);
    assert.match(node.status!.allocatable!['memory'], /^\d+Ki$/);
    assert.equal(node.status!.capacity!['pods'], '110');
    assert.equal(node.spec?.podCIDR, agent.podCIDR);
    assert.match(agent.podCIDR, /^127\.244\.\d+\.0\/24$/);
    const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'True');
    assert.equal(ready.reason, 'KubeletReady');
    assert.deepEqual((node.status as Record<string, unknown>)['daemonEndpoints'], { kubeletEndpoint: { Port: agent.port } });
    const r1 = (await env.client.get<Lease>(Resources.leases, 'kube-node-lease', 'node1')).spec!;
    assert.equal(r1.holderIdentity, 'node1');
    assert.equal(r1.leaseDurationSeconds, 40);
    await waitFor('lease renewal', async () => (await env.client.get<Lease>(Resources.leases, 'kube-node-lease', 'node1')).spec!.renewTime !== r1.renewTime, 20_000);
    const out = await env.api.kubectl(['get', 'nodes']);
    assert.match(out.stdout, /node1\s+Ready\s+<none>\s+\S+\s+v1\.33\.0/);
  });

  test('a second agent claims a different pod block', async () => {
    const other = await env.startAgent({ nodeName: 'node2' });
    assert.notEqual(other.podCIDR, agent.podCIDR);
    assert.match(other.podCIDR, /^127\.244\.\d+\.0\/24$/);
    await other.drain();
    await waitFor('node2 gone', async () => !(await env.client.get(Resources.nodes, undefined, 'node2').catch(() => undefined)));
  });
});

describe('readiness', () => {
  test('without a readiness probe a pod is Ready as soon as its process runs, at its own 127.244 address', async () => {
    await env.create(samplePod('plain', { nodeName: 'node1' }));
    const p = await waitFor('plain Ready', async () => {
      const x = await env.pod('plain');
      return isReady(x) ? x : undefined;
    });
    const cs = p.status!.containerStatuses![0];
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.restartCount, 0);
    assert.ok(cs.state?.running?.startedAt);
    assert.equal(p.status!.phase, 'Running');
    assert.match(p.status!.podIP!, /^127\.244\./);
    assert.equal(p.status!.hostIP, '127.0.0.1');
    assert.deepEqual(
      p.status!.conditions!.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.equal(agent.podPids('default', 'plain').length, 1);
    const res = await waitFor('app answers', () => httpGet(p.status!.podIP!, 8080, '/name').catch(() => undefined));
    assert.equal(res.body, 'plain\n');
    const out = await env.api.kubectl(['get', 'pod', 'plain', '-o', 'wide']);
    assert.match(out.stdout, /plain\s+1\/1\s+Running\s+0\s+\S+\s+127\.244\.\d+\.\d+\s+node1/);
  });

  test('with a readiness probe a pod is Ready only after it passes, and not ready within one period after the app fails', async () => {
    await env.create(
      samplePod('probed', {
        nodeName: 'node1',
        env: { READY: 'false' },
        container: { readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 } },
      }),
    );
    const running = await waitFor('probed running', async () => {
      const x = await env.pod('probed');
      return x?.status?.containerStatuses?.[0]?.state?.running ? x : undefined;
    });
    const ip = running.status!.podIP!;
    await waitFor('app listening', () => httpGet(ip, 8080, '/name').catch(() => undefined));
    // Failing probe: stays not ready over a few periods.
    await new Promise((r) => setTimeout(r, 1500));
    let p = await env.pod('probed');
    assert.equal(condition(p, 'Ready'), 'False');
    assert.equal(condition(p, 'ContainersReady'), 'False');
    assert.equal(p!.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'ContainersNotReady');
    assert.equal(p!.status!.conditions!.find((c) => c.type === 'Ready')!.message, 'containers with unready status: [app]');
    assert.equal(p!.status!.containerStatuses![0].ready, false);
    assert.equal(p!.status!.containerStatuses![0].started, true);
    await httpGet(ip, 8080, '/recover');
    // How soon, in probe periods, is asserted without a clock in test/node/endpoints.test.ts (it counts the probes).
    await waitFor('Ready after recover', async () => isReady(await env.pod('probed')), 15_000);
    await httpGet(ip, 8080, '/fail');
    await waitFor('not Ready after fail', async () => condition(await env.pod('probed'), 'Ready') === 'False', 15_000, 20);
    p = await env.pod('probed');
    assert.equal(p!.status!.phase, 'Running');
    const ev = await events('probed');
    assert.ok(ev.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning' && /^Readiness probe failed: HTTP probe failed with statuscode: 503$/.test(e.message ?? '')), JSON.stringify(ev.map((e) => e.message)));
    const out = await env.api.kubectl(['get', 'pod', 'probed']);
    assert.match(out.stdout, /probed\s+0\/1\s+Running\s+0/);
  });

  test('a startup probe holds readiness and liveness back until it succeeds', async () => {
    await env.create(
      samplePod('slow', {
        nodeName: 'node1',
        env: { START_DELAY_MS: '1500' },
        container: {
          startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 10 },
          livenessProbe: { httpGet: { path: '/livez', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
        },
      }),
    );
    await waitFor('slow running', async () => (await env.pod('slow'))?.status?.containerStatuses?.[0]?.state?.running);
    const early = await env.pod('slow');
    assert.equal(early!.status!.containerStatuses![0].started, false);
    assert.equal(condition(early, 'Ready'), 'False');
    const p = await waitFor('slow Ready', async () => {
      const x = await env.pod('slow');
      return isReady(x) ? x : undefined;
    }, 6000);
    assert.equal(p.status!.containerStatuses![0].started, true);
    assert.equal(p.status!.containerStatuses![0].restartCount, 0, 'liveness did not kill it while starting');
  });
});

// Independent of each other: run concurrently.
describe('pods', { concurrency: true }, () => {
  describe('node deletion', () => {
    test('deleting the Node terminates its pods gracefully, confirms their deletion and stops the agent', async () => {
      const doomed = await env.startAgent({ nodeName: 'doomed' });
      await env.create(samplePod('on-doomed', { nodeName: 'doomed', spec: { terminationGracePeriodSeconds: 1 } }));
      await waitFor('on-doomed Ready', async () => isReady(await env.pod('on-doomed')));
      const pgid = doomed.podPids('default', 'on-doomed')[0];
      const r = await env.api.kubectl(['delete', 'node', 'doomed']);
      assert.equal(r.code, 0, r.stderr);
      await doomed.done;
      assert.equal(await env.pod('on-doomed'), undefined);
      assert.equal(groupAlive(pgid), false);
    });
  });

  describe('bad input', () => {
    test('impossible probes, missing command, unknown executable, bad env references: status reason + Event; the rest keeps running', async () => {
      const base = (name: string, c: Record<string, unknown>) => samplePod(name, { nodeName: 'node1', container: c as never });
      await env.create(base('no-command', { command: undefined, args: ['--port', '80'] }));
      await env.create(base('not-found', { command: ['definitely-not-a-command-xyz'] }));
      await env.create(base('bad-port', { readinessProbe: { httpGet: { path: '/', port: 70000 } } }));
      await env.create(base('bad-name', { livenessProbe: { tcpSocket: { port: 'metrics' } } }));
      await env.create(base('bad-env', { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'status.nope' } } }] }));
      await env.create(samplePod('good', { nodeName: 'node1' }));
      const waitingMsg = async (name: string) =>
        waitFor(`${name} waiting`, async () => {
          const cs = (await env.pod(name))?.status?.containerStatuses?.[0];
          return cs?.state?.waiting?.reason === 'CreateContainerConfigError' ? cs.state.waiting.message : undefined;
        });
      assert.match(await waitingMsg('no-command'), /has no command: .*spec\.containers\[\]\.command is required/);
      assert.match(await waitingMsg('bad-port'), /readinessProbe\.httpGet\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/);
      assert.match(await waitingMsg('bad-name'), /livenessProbe\.tcpSocket\.port: Invalid value: "metrics": no port named "metrics" in container "app"/);
      assert.match(await waitingMsg('bad-env'), /unsupported fieldPath: status\.nope/);
      const nf = await waitFor('not-found StartError', async () => {
        const cs = (await env.pod('not-found'))?.status?.containerStatuses?.[0];
        return cs?.lastState?.terminated?.reason === 'StartError' ? cs : undefined;
      });
      assert.equal(nf.lastState!.terminated!.exitCode, 128);
      assert.match(nf.lastState!.terminated!.message!, /exec: "definitely-not-a-command-xyz": executable file not found in \$PATH/);
      for (const name of ['no-command', 'bad-port', 'bad-name', 'bad-env', 'not-found']) {
        const ev = await waitFor(`${name} event`, async () => (await events(name)).find((e) => e.reason === 'Failed' && e.type === 'Warning'));
        assert.match(ev.message!, /^Error: /);
        assert.equal(ev.source?.component, 'kubelet');
        assert.equal(ev.involvedObject.fieldPath, 'spec.containers{app}');
      }
      await waitFor('good Ready', async () => isReady(await env.pod('good')));
      const out = await env.api.kubectl(['get', 'pods', 'no-command', 'bad-env']);
      assert.match(out.stdout, /no-command\s+0\/1\s+CreateContainerConfigError/);
      for (const n of ['no-command', 'not-found', 'bad-port', 'bad-name', 'bad-env', 'good']) await env.client.delete(Resources.pods, 'default', n);
      await waitFor('bad pods deleted', async () => !(await env.pod('not-found')) && !(await env.pod('good')), 10_000);
    });
  });

  describe('environment', () => {
    test('fieldRef, service links, $(VAR) expansion in env, command and args, workingDir', async () => {
      const svc = await env.client.create<Service>(Resources.services, 'default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'back-end' },
        spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'UDP' }] },
      });
      const ip = svc.spec.clusterIP!;
      await env.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'envpod', namespace: 'default', labels: { tier: 'web' } },
        spec: {
          nodeName: 'node1',
          containers: [
            {
              name: 'c',
              command: ['/bin/sh', '-c', 'env | sort; echo "args: $*"; echo "cwd: $(pwd)"; exec sleep 3600', 'sh'],
              args: ['$(GREETING)', '$$(GREETING)', '$(UNDEFINED)'],
              workingDir: '/tmp',
              env: [
                { name: 'NAME', value: 'world' },
                { name: 'GREETING', value: 'hello-$(NAME)' },
                { name: 'ESCAPED', value: '$$(NAME)' },
                { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'MY_TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
                { name: 'SVC', value: '$(BACK_END_SERVICE_HOST):$(BACK_END_SERVICE_PORT)' },
              ],
            },
          ],
        },
      });
      const body = await waitFor('env logged', async () => {
        const r = await agentGet(agent.port, '/containerLogs/default/envpod/c', env.api.pki.token);
        return /cwd: /.test(r.body) ? r.body : undefined;
      });
      const pod = await waitFor('envpod IP', async () => {
        const x = await env.pod('envpod');
        return x?.status?.podIP ? x : undefined;
      });
      const want: Record<string, string> = {
        NAME: 'world',
        GREETING: 'hello-world',
        ESCAPED: '$(NAME)',
        MY_POD: 'envpod',
        MY_NS: 'default',
        MY_IP: pod!.status!.podIP!,
        POD_IP: pod!.status!.podIP!,
        MY_NODE: 'node1',
        MY_TIER: 'web',
        HOSTNAME: 'envpod',
        SVC: `${ip}:80`,
        BACK_END_SERVICE_HOST: ip,
        BACK_END_SERVICE_PORT: '80',
        BACK_END_SERVICE_PORT_HTTP: '80',
        BACK_END_SERVICE_PORT_METRICS: '9090',
        BACK_END_PORT: `tcp://${ip}:80`,
        BACK_END_PORT_80_TCP: `tcp://${ip}:80`,
        BACK_END_PORT_80_TCP_PROTO: 'tcp',
        BACK_END_PORT_80_TCP_PORT: '80',
        BACK_END_PORT_80_TCP_ADDR: ip,
        BACK_END_PORT_9090_UDP: `udp://${ip}:9090`,
        KUBERNETES_SERVICE_PORT: '443',
      };
      for (const [k, v] of Object.entries(want)) assert.ok(body.includes(`\n${k}=${v}\n`) || body.startsWith(`${k}=${v}\n`), `${k}=${v} in:\n${body}`);
      assert.match(body, /\nKUBERNETES_SERVICE_HOST=\S+\n/);
      assert.match(body, /args: hello-world \$\(GREETING\) \$\(UNDEFINED\)\n/);
      assert.match(body, /cwd: \/tmp\n/);
      await env.client.delete(Resources.pods, 'default', 'envpod', { gracePeriodSeconds: 0 });
    });
  });

  describe('logs endpoint', () => {
    test('tailLines, timestamps, limitBytes, sinceSeconds, follow; 401 / 404 / 400 as the kubelet', async () => {
      await env.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'printer', namespace: 'default' },
        spec: {
          nodeName: 'node1',
          terminationGracePeriodSeconds: 1,
          containers: [
            { name: 'p', command: [NODE, '-e', "for (let i = 1; i <= 5; i++) console.log('line ' + i); setInterval(() => console.log('tick'), 300)"] },
            { name: 'waiter', command: [] },
          ],
        },
      });
      const token = env.api.pki.token;
      await waitFor('lines', async () => /line 5\ntick\n/.test((await agentGet(agent.port, '/containerLogs/default/printer/p', token)).body));
      const tail = await agentGet(agent.port, '/containerLogs/default/printer/p?tailLines=2', token);
      assert.equal(tail.body.split('\n').filter(Boolean).length, 2);
      const all = await agentGet(agent.port, '/containerLogs/default/printer/p', token);
      assert.ok(all.body.startsWith('line 1\nline 2\nline 3\nline 4\nline 5\n'));
      const ts = await agentGet(agent.port, '/containerLogs/default/printer/p?timestamps=true&tailLines=1', token);
      assert.match(ts.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick\n$/);
      const limited = await agentGet(agent.port, '/containerLogs/default/printer/p?limitBytes=9', token);
      assert.equal(limited.body, 'line 1\nli');
      // A line's time is when the agent saw the file grow (a busy machine sees it late), so wait for the
      // first lines to age out of a 1 s window rather than sleeping a fixed time.
      let since = { body: '' };
      await waitFor('the first lines older than 1 s', async () => {
        since = await agentGet(agent.port, '/containerLogs/default/printer/p?sinceSeconds=1', token);
        return !/line 1/.test(since.body) && since.body !== '';
      });
      assert.match(since.body, /^tick\n/);
      // follow streams new lines as they come.
      const followed = await new Promise<string>((resolve, reject) => {
        import('node:https').then(({ request }) => {
          let got = '';
          const req = request({ host: '127.0.0.1', port: agent.port, path: '/containerLogs/default/printer/p?follow=true&tailLines=0', rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.on('data', (c: Buffer) => {
              got += c.toString();
              if (got.split('tick').length > 3) {
                req.destroy();
                resolve(got);
              }
            });
          });
          req.on('error', (e) => (got ? resolve(got) : reject(e)));
          req.end();
        });
      });
      assert.match(followed, /^(tick\n){3}/);
      assert.equal((await agentGet(agent.port, '/containerLogs/default/printer/p', undefined)).status, 401);
      assert.equal((await agentGet(agent.port, '/containerLogs/default/printer/p', 'wrong')).status, 401);
      const noPod = await agentGet(agent.port, '/containerLogs/default/nope/p', token);
      assert.equal(noPod.status, 404);
      const noContainer = await agentGet(agent.port, '/containerLogs/default/printer/zzz', token);
      assert.deepEqual(noContainer, { status: 404, body: 'container "zzz" not found in pod "printer"' });
      const waiting = await agentGet(agent.port, '/containerLogs/default/printer/waiter', token);
      assert.deepEqual(waiting, { status: 400, body: 'container "waiter" in pod "printer" is waiting to start: CreateContainerConfigError' });
      const prev = await agentGet(agent.port, '/containerLogs/default/printer/p?previous=true', token);
      assert.deepEqual(prev, { status: 400, body: 'previous terminated container "p" in pod "printer" not found' });
      const bad = await agentGet(agent.port, '/containerLogs/default/printer/p?tailLines=x', token);
      assert.equal(bad.status, 400);
      await env.client.delete(Resources.pods, 'default', 'printer');
    });
  });

  describe('pod lifecycle', () => {
    test('init containers run first; restartPolicy Never pods finish Succeeded or Failed and free their address', async () => {
      const marks = join(env.dir, 'init.log');
      writeFileSync(marks, '');
      appendFileSync(marks, '');
      await env.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'job-ok', namespace: 'default' },
        spec: {
          nodeName: 'node1',
          restartPolicy: 'Never',
          initContainers: [{ name: 'init', command: ['/bin/sh', '-c', `echo init >> ${marks}`] }],
          containers: [{ name: 'main', command: ['/bin/sh', '-c', `echo main >> ${marks}`] }],
        },
      });
      await env.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'job-fail', namespace: 'default' },
        spec: { nodeName: 'node1', restartPolicy: 'Never', containers: [{ name: 'main', command: ['/bin/sh', '-c', 'exit 3'] }] },
      });
      const ok = await waitFor('job-ok Succeeded', async () => {
        const x = await env.pod('job-ok');
        return x?.status?.phase === 'Succeeded' ? x : undefined;
      });
      assert.equal(readFileSync(marks, 'utf8'), 'init\nmain\n');
      assert.equal(ok.status!.initContainerStatuses![0].state!.terminated!.reason, 'Completed');
      assert.equal(ok.status!.containerStatuses![0].state!.terminated!.exitCode, 0);
      const init = ok.status!.conditions!.find((c) => c.type === 'Initialized')!;
      assert.deepEqual([init.status, init.reason], ['True', 'PodCompleted']);
      assert.equal(ok.status!.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
      assert.equal(condition(ok, 'PodReadyToStartContainers'), 'False');
      const failed = await waitFor('job-fail Failed', async () => {
        const x = await env.pod('job-fail');
        return x?.status?.phase === 'Failed' ? x : undefined;
      });
      assert.deepEqual(
        [failed.status!.containerStatuses![0].state!.terminated!.exitCode, failed.status!.containerStatuses![0].state!.terminated!.reason],
        [3, 'Error'],
      );
      const out = await env.api.kubectl(['get', 'pods', 'job-ok', 'job-fail']);
      assert.match(out.stdout, /job-ok\s+0\/1\s+Completed\s+0/);
      assert.match(out.stdout, /job-fail\s+0\/1\s+Error\s+0/);
      // Finished pods are deleted at once (no grace for terminal pods).
      await env.client.delete(Resources.pods, 'default', 'job-ok');
      await env.client.delete(Resources.pods, 'default', 'job-fail');
    });
  });
});
