/**
 * The LoadBalancer IP controller against the real API server (and kubectl's
 * view of it): allocation from pools, requested IPs (spec.loadBalancerIP and
 * the MetalLB annotation), loadBalancerClass, release on delete and on type
 * change, an exhausted pool leaving <pending> with an Event, restart
 * stability, allocateLoadBalancerNodePorts=false. Pool parsing is tested
 * table-driven on plain data.
 *
 * Band 206: pools in 127.240.206.0/24.
 */
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../src/api/types.ts';
import { Resources, RestClient, loadClientConfig } from '../../../src/client/index.ts';
import { parsePool, parsePoolConfig, PoolAllocator, startLoadBalancerController, type LoadBalancerController } from '../../../src/controllers/loadbalancer/index.ts';
import { startTestApi, type TestApi } from '../../helpers/apiserver.ts';

const B = 206;
let api: TestApi;
let client: RestClient;

before(async () => {
  api = await startTestApi();
  client = new RestClient(loadClientConfig(api.kubeconfig));
  for (const ns of ['ex', 'restart']) await client.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

// Every test starts without LoadBalancer Services: a controller with other pools would re-address earlier tests' Services.
afterEach(async () => {
  const all = await client.list<Service>(Resources.services, undefined);
  for (const s of all.items) if (s.spec.type === 'LoadBalancer') await client.delete(Resources.services, s.metadata.namespace, s.metadata.name!);
});

after(async () => {
  client.close();
  await api.stop();
});

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lbService = (name: string, spec: Partial<Service['spec']> = {}, annotations?: Record<string, string>, namespace = 'default'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});

const create = (s: Service) => client.create<Service>(Resources.services, s.metadata.namespace, s);
const get = (name: string, ns = 'default') => client.get<Service>(Resources.services, ns, name);
const ingressIPs = async (name: string, ns = 'default') => ((await get(name, ns)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip);

async function events(name: string, ns = 'default'): Promise<{ reason?: string; message?: string; type?: string }[]> {
  const list = await client.list<{ metadata: { name?: string }; involvedObject: { name?: string }; reason?: string; message?: string; type?: string }>(Resources.events, ns);
  return list.items.filter((e) => e.involvedObject.name === name);
}

async function withController<T>(opts: { pools: string[]; className?: string }, fn: (lb: LoadBalancerController) => Promise<T>): Promise<T> {
  const lb = startLoadBalancerController(new RestClient(loadClientConfig(api.kubeconfig)), opts);
  try {
    await lb.synced;
    return await fn(lb);
  } finally {
    lb.stop();
  }
}

// ----------------------------------------------------------------- pure

const poolRows: { name: string; input: string; want: { first: string; last: string; family: string } | RegExp }[] = [
  { name: 'IPv4 /24 skips network and broadcast', input: '127.240.206.0/24', want: { first: '127.240.206.1', last: '127.240.206.254', family: 'IPv4' } },
  { name: 'IPv4 /30 leaves two', input: '10.0.0.0/30', want: { first: '10.0.0.1', last: '10.0.0.2', family: 'IPv4' } },
  { name: 'IPv4 /32 is one address', input: '10.0.0.7/32', want: { first: '10.0.0.7', last: '10.0.0.7', family: 'IPv4' } },
  { name: 'IPv4 range inclusive', input: '10.0.0.10-10.0.0.20', want: { first: '10.0.0.10', last: '10.0.0.20', family: 'IPv4' } },
  { name: 'range with spaces', input: ' 10.0.0.10 - 10.0.0.11 ', want: { first: '10.0.0.10', last: '10.0.0.11', family: 'IPv4' } },
  { name: 'single address', input: '192.0.2.9', want: { first: '192.0.2.9', last: '192.0.2.9', family: 'IPv4' } },
  { name: 'IPv6 /120 keeps the last address', input: 'fd00::/120', want: { first: 'fd00::1', last: 'fd00::ff', family: 'IPv6' } },
  { name: 'not a CIDR', input: '10.0.0.0/33', want: /not a valid CIDR/ },
  { name: 'mixed families', input: '10.0.0.1-fd00::1', want: /same IP family/ },
  { name: 'reversed range', input: '10.0.0.9-10.0.0.1', want: /first address is after the last/ },
  { name: 'garbage', input: 'poolA', want: /neither a CIDR/ },
  { name: 'range of non-addresses', input: 'pool-a', want: /both ends of a range must be IP addresses/ },
];

for (const row of poolRows) {
  test(`parsePool: ${row.name}`, () => {
    if (row.want instanceof RegExp) {
      assert.throws(() => parsePool(row.input), row.want);
      return;
    }
    const p = parsePool(row.input);
    const a = new PoolAllocator([p]);
    assert.equal(p.family, row.want.family);
    assert.equal(a.allocateNext(p.family, 'x'), row.want.first);
    assert.ok(a.poolOf(row.want.last));
    assert.equal(a.poolOf(row.want.first), p);
  });
}

test('PoolAllocator: lowest free first, release makes it available again, owners are exclusive', () => {
  const a = new PoolAllocator([parsePool('10.0.0.1-10.0.0.3')]);
  assert.equal(a.allocateNext('IPv4', 'ns/a'), '10.0.0.1');
  assert.equal(a.allocateNext('IPv4', 'ns/b'), '10.0.0.2');
  assert.equal(a.assign('10.0.0.2', 'ns/c'), false);
  assert.equal(a.assign('10.0.0.9', 'ns/c'), false);
  assert.deepEqual(a.release('ns/a'), ['10.0.0.1']);
  assert.equal(a.allocateNext('IPv4', 'ns/c'), '10.0.0.1');
  assert.equal(a.allocateNext('IPv4', 'ns/d'), '10.0.0.3');
  assert.equal(a.allocateNext('IPv4', 'ns/e'), undefined);
});

// ----------------------------------------------------------- controller

test('a LoadBalancer Service gets the first pool address in status (ipMode VIP), an Event, and kubectl shows it', async () => {
  await withController({ pools: [`127.240.${B}.0/28`] }, async () => {
    await create(lbService('first'));
    await until(async () => (await ingressIPs('first')).length === 1, 'ingress written');
    const s = await get('first');
    assert.deepEqual(s.status?.loadBalancer?.ingress, [{ ip: `127.240.${B}.1`, ipMode: 'VIP' }]);
    await until(async () => (await events('first')).some((e) => e.reason === 'IPAllocated'), 'event');
    const out = await api.kubectl(['get', 'svc', 'first', '--no-headers']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`LoadBalancer\\s+\\S+\\s+127\\.240\\.${B}\\.1\\s+80:3\\d{4}/TCP`));
  });
});

test('requested addresses: spec.loadBalancerIP and metallb.io/loadBalancerIPs are honoured; outside the pools or taken → <pending> with an Event', async () => {
  await withController({ pools: [`127.240.${B}.16/28`] }, async (lb) => {
    await create(lbService('want-ip', { loadBalancerIP: `127.240.${B}.20` }));
    await create(lbService('want-ann', {}, { 'metallb.io/loadBalancerIPs': `127.240.${B}.21` }));
    await until(async () => (await ingressIPs('want-ip'))[0] === `127.240.${B}.20` && (await ingressIPs('want-ann'))[0] === `127.240.${B}.21`, 'requested IPs assigned');

    await create(lbService('want-outside', { loadBalancerIP: '127.241.0.1' }));
    await create(lbService('want-taken', { loadBalancerIP: `127.240.${B}.20` }));
    await until(async () => (await events('want-outside')).some((e) => e.reason === 'AllocationFailed'), 'outside event');
    await until(async () => (await events('want-taken')).some((e) => e.reason === 'AllocationFailed'), 'taken event');
    await lb.idle();
    assert.deepEqual(await ingressIPs('want-outside'), []);
    assert.deepEqual(await ingressIPs('want-taken'), []);
    assert.match((await events('want-outside')).find((e) => e.reason === 'AllocationFailed')!.message!, /not in any pool/);
    assert.match((await events('want-taken')).find((e) => e.reason === 'AllocationFailed')!.message!, /already in use by Service default\/want-ip/);
    const out = await api.kubectl(['get', 'svc', 'want-taken', '--no-headers']);
    assert.match(out.stdout, /<pending>/);
  });
});

test('loadBalancerClass: Services of another class are left alone; our class and unclassed ones are served', async () => {
  await withController({ pools: [`127.240.${B}.32/28`], className: 'switchboard.dev/lb' }, async (lb) => {
    await create(lbService('cls-other', { loadBalancerClass: 'example.com/cloud' }));
    await create(lbService('cls-ours', { loadBalancerClass: 'switchboard.dev/lb' }));
    await until(async () => (await ingressIPs('cls-ours')).length === 1, 'ours served');
    await lb.idle();
    assert.deepEqual(await ingressIPs('cls-other'), []);
    assert.deepEqual(await events('cls-other'), []);
  });
});

test('release on delete and on type change; an exhausted pool leaves <pending> with an Event until an address frees up', async () => {
  await withController({ pools: [`127.240.${B}.50-127.240.${B}.51`] }, async (lb) => {
    await create(lbService('ex-a', {}, undefined, 'ex'));
    await until(async () => (await ingressIPs('ex-a', 'ex').catch(() => [])).length === 1, 'a');
    await create(lbService('ex-b', {}, undefined, 'ex'));
    await until(async () => (await ingressIPs('ex-b', 'ex')).length === 1, 'b');
    await create(lbService('ex-c', {}, undefined, 'ex'));
    await until(async () => (await events('ex-c', 'ex')).some((e) => e.reason === 'AllocationFailed' && /no available IPs/.test(e.message ?? '')), 'exhausted event');
    assert.deepEqual(await ingressIPs('ex-c', 'ex'), []);

    // Type change away from LoadBalancer: the address is freed, the status cleared, and the pending Service gets it.
    const aIP = (await ingressIPs('ex-a', 'ex'))[0];
    await client.patch(Resources.services, 'ex', 'ex-a', { spec: { type: 'ClusterIP' } }, 'merge');
    await until(async () => (await ingressIPs('ex-a', 'ex')).length === 0, 'a cleared');
    await until(async () => (await ingressIPs('ex-c', 'ex'))[0] === aIP, 'c got a\'s address');

    // Delete: b's address goes to a new Service.
    const bIP = (await ingressIPs('ex-b', 'ex'))[0];
    await client.delete(Resources.services, 'ex', 'ex-b');
    await create(lbService('ex-d', {}, undefined, 'ex'));
    await until(async () => (await ingressIPs('ex-d', 'ex'))[0] === bIP, 'd got b\'s address');
    await lb.idle();
    assert.deepEqual(lb.allocations(), new Map([['ex/ex-c', [aIP]], ['ex/ex-d', [bIP]], ...[...lb.allocations()].filter(([k]) => !k.startsWith('ex/'))]));
  });
});

test('a restarted controller keeps every address where it is and never hands one out twice', async () => {
  const pool = `127.240.${B}.64/29`;
  const before = await withController({ pools: [pool] }, async (lb) => {
    for (const n of ['r-1', 'r-2', 'r-3']) await create(lbService(n, {}, undefined, 'restart'));
    await until(async () => (await Promise.all(['r-1', 'r-2', 'r-3'].map((n) => ingressIPs(n, 'restart')))).every((l) => l.length === 1), 'three assigned');
    await lb.idle();
    return Promise.all(['r-1', 'r-2', 'r-3'].map(async (n) => (await ingressIPs(n, 'restart'))[0]));
  });
  // r-2 goes away while no controller runs; its address is in no Service any more.
  await client.delete(Resources.services, 'restart', 'r-2');
  await withController({ pools: [pool] }, async (lb) => {
    await create(lbService('r-4', {}, undefined, 'restart'));
    await until(async () => (await ingressIPs('r-4', 'restart')).length === 1, 'r-4 assigned');
    await lb.idle();
    assert.equal((await ingressIPs('r-1', 'restart'))[0], before[0]);
    assert.equal((await ingressIPs('r-3', 'restart'))[0], before[2]);
    assert.equal((await ingressIPs('r-4', 'restart'))[0], before[1], 'the freed address is reused, the held ones are not');
  });
});

test('allocateLoadBalancerNodePorts=false: the Service gets an address and no node ports', async () => {
  await withController({ pools: [`127.240.${B}.80/29`] }, async () => {
    const s = await create(lbService('no-np', { allocateLoadBalancerNodePorts: false }));
    assert.equal(s.spec.ports![0]!.nodePort, undefined);
    await until(async () => (await ingressIPs('no-np')).length === 1, 'assigned');
  });
});

const configRows: { name: string; input: string; want: { pools: string[]; className?: string } | RegExp }[] = [
  { name: 'YAML pools and class', input: 'pools: ["127.240.0.0/16", "10.0.0.10-10.0.0.20"]\nclassName: switchboard.dev/lb\n', want: { pools: ['127.240.0.0/16', '10.0.0.10-10.0.0.20'], className: 'switchboard.dev/lb' } },
  { name: 'JSON', input: '{"pools": ["192.0.2.0/28"]}', want: { pools: ['192.0.2.0/28'] } },
  {
    name: 'MetalLB IPAddressPool manifests',
    input: 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a}\nspec:\n  addresses: ["192.0.2.0/28"]\n---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: b}\nspec:\n  addresses: ["192.0.2.100-192.0.2.110"]\n',
    want: { pools: ['192.0.2.0/28', '192.0.2.100-192.0.2.110'] },
  },
  { name: 'no pools', input: 'className: x\n', want: /"pools" must be a list/ },
  { name: 'bad address', input: 'pools: ["10.0.0.0/40"]\n', want: /not a valid CIDR/ },
  { name: 'not YAML', input: 'pools: [unclosed\n', want: /not valid YAML/ },
];

for (const row of configRows) {
  test(`parsePoolConfig: ${row.name}`, () => {
    if (row.want instanceof RegExp) assert.throws(() => parsePoolConfig(row.input), row.want);
    else assert.deepEqual(parsePoolConfig(row.input), row.want);
  });
}
