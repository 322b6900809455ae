/**
 * The cluster plan (pure): names, addresses, routes and the scripts that make
 * them; and the command-line refusals that happen before anything is touched
 * (ipvs, IPv6, bad names), as a user sees them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterNameErrors, createOptionsError, interfaceStem, planCluster, renderClientBatch, renderNodeBatch, renderNodeNftables, renderRootBatch, type ClusterSpec } from '../../src/cluster/index.ts';
import { switchboard } from './harness.ts';

const spec = (o: Partial<ClusterSpec> = {}): ClusterSpec => ({ name: 'demo', nodes: 3, zones: ['a', 'b', 'c'], dataplane: 'nftables', ipFamily: 'ipv4', underlay: 7, ...o });

test('plan: predictable names, one /24 of pods per node, underlay addresses, zones round-robin', () => {
  const p = planCluster(spec({ zones: ['a', 'b'] }));
  assert.equal(p.bridge, 'sb-demo');
  assert.equal(p.gateway, '172.30.7.1');
  assert.deepEqual(
    p.nodes.map((n) => [n.nodeName, n.netns, n.veth, n.ip, n.podCIDR, n.zone]),
    [
      ['demo-node1', 'sb-demo-node1', 'sb-demo-1', '172.30.7.11', '10.244.1.0/24', 'a'],
      ['demo-node2', 'sb-demo-node2', 'sb-demo-2', '172.30.7.12', '10.244.2.0/24', 'b'],
      ['demo-node3', 'sb-demo-node3', 'sb-demo-3', '172.30.7.13', '10.244.3.0/24', 'a'],
    ],
  );
  assert.deepEqual(p.client, { netns: 'sb-demo-client', veth: 'sb-demo-c', ip: '172.30.7.250' });
  assert.deepEqual(p.podNetnsPrefixes, ['sb_demo-node1_', 'sb_demo-node2_', 'sb_demo-node3_']);
});

test('plan: interface names fit in 15 characters for long cluster names', () => {
  for (const name of ['a', 'abcdefghi', 'abcdefghij', 'a-very-long-cluster-name-indeed']) {
    const p = planCluster(spec({ name, nodes: 99 }));
    for (const l of [p.bridge, p.client.veth, ...p.nodes.map((n) => n.veth)]) assert.ok(l.length <= 15, `${l} is ${l.length} characters`);
    assert.equal(p.nodes[98]!.netns, `sb-${name}-node99`);
  }
  assert.notEqual(interfaceStem('abcdefghij'), interfaceStem('abcdefghik'));
});

test('scripts: underlay, routes to the other nodes, the local service range in userspace mode only, ip-masq of pod traffic leaving the cluster', () => {
  const p = planCluster(spec());
  assert.equal(
    renderRootBatch(planCluster(spec({ nodes: 1 }))),
    [
      'link add sb-demo type bridge',
      'addr add 172.30.7.1/24 dev sb-demo',
      'link set sb-demo up',
      'netns add sb-demo-node1',
      'link add sb-demo-1 type veth peer name eth0 netns sb-demo-node1',
      'link set sb-demo-1 master sb-demo up',
      'netns add sb-demo-client',
      'link add sb-demo-c type veth peer name eth0 netns sb-demo-client',
      'link set sb-demo-c master sb-demo up',
      '',
    ].join('\n'),
  );
  assert.equal(
    renderNodeBatch(p, 2),
    'link set lo up\naddr add 172.30.7.12/24 dev eth0\nlink set eth0 up\nroute add default via 172.30.7.1\nroute add 10.244.1.0/24 via 172.30.7.11\nroute add 10.244.3.0/24 via 172.30.7.13\n',
  );
  assert.match(renderNodeBatch(planCluster(spec({ dataplane: 'userspace' })), 1), /^route add local 10\.96\.0\.0\/16 dev lo table local$/m);
  assert.doesNotMatch(renderNodeBatch(p, 1), /local/);
  assert.match(renderClientBatch(p), /^route add 10\.96\.0\.0\/16 via 172\.30\.7\.11$/m);
  assert.match(renderClientBatch(p), /^route add 10\.244\.3\.0\/24 via 172\.30\.7\.13$/m);
  assert.match(renderClientBatch(p), /^route add 10\.250\.0\.0\/24 via 172\.30\.7\.11$/m);
  assert.match(renderNodeBatch(planCluster(spec({ dataplane: 'userspace' })), 1), /^addr add 10\.250\.0\.254\/32 dev lo$/m);
  assert.match(renderNodeNftables(p, 3), /ip saddr 10\.244\.3\.0\/24 ip daddr != 10\.244\.0\.0\/16 oifname "eth0" masquerade/);
});

test('option checks', () => {
  const base = { name: 'demo', nodes: 3, zones: ['a'], dataplane: 'userspace', ipFamily: 'ipv4' };
  const rows: { name: string; input: Partial<typeof base>; want: RegExp | undefined }[] = [
    { name: 'valid', input: {}, want: undefined },
    { name: 'ipvs', input: { dataplane: 'ipvs' }, want: /CONFIG_IP_VS is not set.*same O\(1\)/ },
    { name: 'unknown data plane', input: { dataplane: 'ebpf' }, want: /unknown data plane "ebpf"/ },
    { name: 'ipv6', input: { ipFamily: 'ipv6' }, want: /IPv4 addresses only/ },
    { name: 'zero nodes', input: { nodes: 0 }, want: /--nodes must be/ },
    { name: 'upper-case name', input: { name: 'Demo' }, want: /invalid cluster name "Demo"/ },
    { name: 'bad zone', input: { zones: ['a b'] }, want: /--zones: "a b"/ },
  ];
  for (const r of rows) {
    const got = createOptionsError({ ...base, ...r.input });
    if (r.want) assert.match(got ?? '', r.want, r.name);
    else assert.equal(got, undefined, r.name);
  }
  assert.deepEqual(clusterNameErrors('a'.repeat(41)).length, 1);
});

test('switchboard cluster create --dataplane ipvs fails with the explanation and makes nothing', async () => {
  const r = await switchboard(['cluster', 'create', 'tipvs', '--nodes', '3', '--dataplane', 'ipvs']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /this kernel is built without IPVS \(CONFIG_IP_VS is not set/);
  assert.match(r.stderr, /Use nftables: its verdict map .* the same O\(1\) that IPVS gives/);
  const list = await switchboard(['cluster', 'list']);
  assert.doesNotMatch(list.stdout, /^tipvs\s/m);
});

test('switchboard cluster delete of an unknown name says so', async () => {
  const r = await switchboard(['cluster', 'delete', 'tnone', '--data-dir', '/nonexistent/sb-cluster']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no cluster "tnone"/);
});
