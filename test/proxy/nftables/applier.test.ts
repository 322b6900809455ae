/**
 * The applier's choices, with a recording command runner in place of the
 * kernel tools: which transaction each sync sends (fresh / full /
 * incremental), deferred deletions, the retry after a failed apply,
 * conntrack calls, close(). The kernel itself is tested in kernel.test.ts.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { CommandRunner } from '../../../src/proxy/kernel.ts';
import { NO_PROXY_EVENTS } from '../../../src/proxy/events.ts';
import { NftablesDataPlane, endpointNames } from '../../../src/proxy/nftables/index.ts';
import type { ProxyStateUpdate } from '../../../src/proxy/types.ts';
import { endpoint, proxyState, servicePort } from './fixtures.ts';

interface Call {
  file: string;
  args: readonly string[];
  input?: string;
}

function recorder(fail: (c: Call) => string | undefined = () => undefined): { run: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const run: CommandRunner = async (file, args, input) => {
    const c = { file, args, input };
    calls.push(c);
    const err = fail(c);
    if (err) throw new Error(err);
    return '';
  };
  return { run, calls };
}

const FULL: ProxyStateUpdate = { full: true, changed: new Set(), deleted: new Set(), services: new Set(), triggerTimes: new Map() };
const changed = (...keys: string[]): ProxyStateUpdate => ({ full: false, changed: new Set(keys), deleted: new Set(), services: new Set(), triggerTimes: new Map() });

function dataPlane(run: CommandRunner, nodePorts: string[] = [], logs: string[] = []) {
  return new NftablesDataPlane({
    addressing: { nodePortAddresses: () => nodePorts, isLocalPod: () => false },
    events: NO_PROXY_EVENTS,
    ipFamilies: ['IPv4'],
    clusterCIDRs: ['10.180.0.0/16'],
    run,
    name: 'sbtest',
    log: (l) => logs.push(l),
  });
}

const web = servicePort({ name: 'web', clusterIPs: ['172.30.0.1'] });
const dns = servicePort({ name: 'dns', clusterIPs: ['172.30.0.2'], protocol: 'UDP', port: 53 });
const a = endpoint('10.180.1.1:80');
const b = endpoint('10.180.1.2:80');
const d1 = endpoint('10.180.1.1:53');
const d2 = endpoint('10.180.1.2:53');
const nftInputs = (calls: Call[]) => calls.filter((c) => c.file === 'nft').map((c) => c.input ?? '');

test('first sync is fresh, then incremental; chains left by incremental syncs go at the next full sync', async () => {
  const { run, calls } = recorder();
  const dp = dataPlane(run);
  await dp.sync(proxyState([[web, [a, b]]]), FULL);
  assert.equal(dp.last.mode, 'fresh');
  assert.match(nftInputs(calls)[0]!, /^add table ip sbtest\ndelete table ip sbtest\nadd table ip sbtest\n/);

  await dp.sync(proxyState([[web, [a]]]), changed(web.key));
  assert.equal(dp.last.mode, 'incremental');
  const inc = nftInputs(calls)[1]!;
  const gone = endpointNames(web.spn, b).chain;
  assert.match(inc, new RegExp(`^flush chain ip sbtest ${gone.replaceAll('/', '\\/')}$`, 'm'));
  assert.doesNotMatch(inc, /delete|flush table/);

  await dp.sync(proxyState([[web, [a]]]), changed());
  assert.equal(dp.last.mode, 'none');
  assert.equal(nftInputs(calls).length, 2, 'nothing changed: no nft call');

  await dp.sync(proxyState([[web, [a]]]), FULL);
  assert.equal(dp.last.mode, 'full');
  const full = nftInputs(calls)[2]!;
  assert.match(full, /^add table ip sbtest\nflush table ip sbtest\n/);
  assert.ok(full.includes(`delete chain ip sbtest ${gone}\n`), 'the flushed chain is deleted');

  await dp.sync(proxyState([[web, [a]]]), FULL);
  assert.ok(!nftInputs(calls)[3]!.includes('delete chain'), 'and only once');
});

test('a failed apply throws; the next full sync starts from a fresh table', async () => {
  let failNext = false;
  const { run, calls } = recorder(() => (failNext ? ((failNext = false), 'nft: Error: Could not process rule') : undefined));
  const dp = dataPlane(run);
  await dp.sync(proxyState([[web, [a]]]), FULL);
  failNext = true;
  await assert.rejects(dp.sync(proxyState([[web, [a, b]]]), FULL), /Could not process rule/);
  await dp.sync(proxyState([[web, [a, b]]]), FULL);
  assert.equal(dp.last.mode, 'fresh');
  assert.match(nftInputs(calls).at(-1)!, /delete table ip sbtest/);
});

test('a change of the NodePort addresses turns an incremental sync into a full one', async () => {
  const { run } = recorder();
  const addrs = ['192.168.77.1'];
  const dp = dataPlane(run, addrs);
  await dp.sync(proxyState([[web, [a]]]), FULL);
  addrs.push('192.168.77.9');
  await dp.sync(proxyState([[web, [a, b]]]), changed(web.key));
  assert.equal(dp.last.mode, 'full');
});

test('UDP endpoint replaced: conntrack entries towards the old one are deleted; "0 flow entries" is not an error', async () => {
  const logs: string[] = [];
  const { run, calls } = recorder((c) => (c.file === 'conntrack' ? 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.' : undefined));
  const dp = dataPlane(run, [], logs);
  await dp.sync(proxyState([[dns, [d1]]]), FULL);
  calls.length = 0;
  await dp.sync(proxyState([[dns, [d2]]]), changed(dns.key));
  assert.deepEqual(
    calls.filter((c) => c.file === 'conntrack').map((c) => c.args.join(' ')),
    ['-D --orig-dst 172.30.0.2 --dst-nat 10.180.1.1 -p udp'],
  );
  assert.deepEqual(logs, []);
});

test('conntrack failures are logged, not thrown', async () => {
  const logs: string[] = [];
  const { run } = recorder((c) => (c.file === 'conntrack' ? 'conntrack: Operation not permitted' : undefined));
  const dp = dataPlane(run, [], logs);
  await dp.sync(proxyState([[dns, []]]), FULL);
  await dp.sync(proxyState([[dns, [d1]]]), changed(dns.key));
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /--orig-dst 172\.30\.0\.2 -p udp: .*Operation not permitted/);
});

test('close() deletes the table and later syncs do nothing', async () => {
  const { run, calls } = recorder();
  const dp = dataPlane(run);
  await dp.sync(proxyState([[web, [a]]]), FULL);
  await dp.close();
  assert.equal(nftInputs(calls).at(-1), 'add table ip sbtest\ndelete table ip sbtest\n');
  const n = calls.length;
  await dp.sync(proxyState([[web, [a, b]]]), FULL);
  assert.equal(calls.length, n);
});
