/**
 * The iptables applier with a recording CommandRunner (no kernel): which
 * tools it runs on a first, partial, full and failed sync and on close, and
 * the UDP conntrack cleanup plan (kube-proxy's CleanStaleEntries) as a table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_PROXY_EVENTS } from '../../../src/proxy/events.ts';
import { ChainNames, createIptablesDataPlane, planConntrackCleanup } from '../../../src/proxy/iptables/index.ts';
import type { CommandRunner } from '../../../src/proxy/kernel.ts';
import { EMPTY_STATE, type ProxyState } from '../../../src/proxy/types.ts';
import { ep, fullUpdate, partialUpdate, sp, state } from './fixtures.ts';

interface Call {
  file: string;
  args: readonly string[];
  input?: string;
}

/** Records calls; `iptables -S` lists `present` jumps, iptables-save lists `chains`, restore fails while `failRestore`. */
function recorder(o: { present?: string[]; chains?: string[] } = {}) {
  const calls: Call[] = [];
  const box = { failRestore: false };
  const run: CommandRunner = async (file, args, input) => {
    calls.push({ file, args, input });
    if (file.endsWith('-restore') && box.failRestore) throw new Error('iptables-restore: line 3 failed');
    if (file.endsWith('-save')) return `*nat\n${(o.chains ?? []).map((c) => `:${c} - [0:0]`).join('\n')}\nCOMMIT\n`;
    if (args.includes('-S')) return (o.present ?? []).filter((l) => l.startsWith(`-A ${args[args.length - 1]} `)).join('\n');
    if (file === 'conntrack') throw new Error('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.');
    return '';
  };
  return { calls, run, box };
}

const ctxOf = (run: CommandRunner, families: ('IPv4' | 'IPv6')[] = ['IPv4']) => ({
  addressing: { nodePortAddresses: () => ['192.168.77.1'], isLocalPod: () => false },
  events: NO_PROXY_EVENTS,
  ipFamilies: families,
  clusterCIDRs: ['10.244.0.0/16'],
  run,
  name: 'SBT0',
});

const a = sp('default', 'a', { clusterIPs: ['10.96.0.1'] });
const b = sp('default', 'b', { clusterIPs: ['10.96.0.2'] });
const s1 = state([[a, [ep('10.244.1.2'), ep('10.244.1.3')]], [b, [ep('10.244.1.4')]]]);

test('first sync: lists leftovers and jumps, loads one restore with the missing jumps', async () => {
  const r = recorder({ chains: ['SBT0-SVC-OLDOLDOLDOLDOLDO'], present: ['-A PREROUTING -m comment --comment "kubernetes service portals" -j SBT0-SERVICES'] });
  const plane = createIptablesDataPlane(ctxOf(r.run));
  await plane.sync(s1, fullUpdate(s1));
  assert.deepEqual(
    r.calls.map((c) => c.file),
    ['iptables-save', 'iptables', 'iptables', 'iptables', 'iptables', 'iptables', 'iptables', 'iptables-restore'],
  );
  const restore = r.calls.at(-1)!;
  assert.deepEqual(restore.args, ['--noflush']);
  assert.match(restore.input!, /^-X SBT0-SVC-OLDOLDOLDOLDOLDO$/m, 'leftover service chain deleted');
  assert.match(restore.input!, /^-I OUTPUT 1 -m comment --comment "kubernetes service portals" -j SBT0-SERVICES$/m);
  assert.doesNotMatch(restore.input!, /-I PREROUTING/, 'a jump that exists is not added twice');
  assert.equal(plane.lastSync[0].addedJumps, 11);
});

test('partial sync: only the restore, only the changed chains; stale chains deleted', async () => {
  const r = recorder();
  const plane = createIptablesDataPlane(ctxOf(r.run));
  await plane.sync(s1, fullUpdate(s1));
  r.calls.length = 0;
  const s2 = state([[a, [ep('10.244.1.2')]], [b, [ep('10.244.1.4')]]]);
  await plane.sync(s2, partialUpdate([a.key]));
  assert.deepEqual(
    r.calls.map((c) => c.file),
    ['iptables-restore'],
  );
  const input = r.calls[0].input!;
  const names = new ChainNames('SBT0');
  assert.ok(input.includes(`:${names.svc('default/a', 'tcp')} - [0:0]`));
  assert.ok(!input.includes(`:${names.svc('default/b', 'tcp')} - [0:0]`), 'unchanged service chain left alone');
  assert.ok(input.includes(`-X ${names.sep('default/a', 'tcp', '10.244.1.3:8080')}`), 'removed endpoint chain deleted');
  // The deletion is remembered: a later full sync does not delete it again.
  r.calls.length = 0;
  await plane.sync(s2, fullUpdate(s2));
  assert.ok(!r.calls.at(-1)!.input!.includes('-X '), 'nothing stale after the partial sync');
});

test('a failed restore throws, and the next sync starts over (lists the table, full)', async () => {
  const r = recorder();
  const plane = createIptablesDataPlane(ctxOf(r.run));
  await plane.sync(s1, fullUpdate(s1));
  r.box.failRestore = true;
  await assert.rejects(plane.sync(s1, partialUpdate([a.key])), /line 3 failed/);
  r.box.failRestore = false;
  r.calls.length = 0;
  await plane.sync(s1, partialUpdate([a.key]));
  assert.equal(r.calls[0].file, 'iptables-save', 'leftovers are listed again');
  assert.equal(plane.lastSync[0].full, true, 'the sync after a failure is full');
});

test('IPv6 goes through ip6tables tools', async () => {
  const r = recorder();
  const plane = createIptablesDataPlane(ctxOf(r.run, ['IPv4', 'IPv6']));
  const s = state([[sp('default', 'd', { clusterIPs: ['10.96.0.5', 'fd00:10:96::5'] }), [ep('10.244.1.2'), ep('fd00:10:244:1::2')]]]);
  await plane.sync(s, fullUpdate(s));
  const v6 = r.calls.find((c) => c.file === 'ip6tables-restore');
  assert.ok(v6?.input?.includes('-d fd00:10:96::5'));
  assert.ok(!v6!.input!.includes('10.96.0.5'));
  assert.ok(r.calls.some((c) => c.file === 'ip6tables-save') && r.calls.some((c) => c.file === 'ip6tables' && c.args.includes('-S')));
});

test('close() deletes the jumps it finds and every chain of its prefix', async () => {
  const r = recorder({
    chains: ['SBT0-SERVICES', 'SBT0-SVC-AAAAAAAAAAAAAAAA', 'OTHER'],
    present: ['-A PREROUTING -m comment --comment "kubernetes service portals" -j SBT0-SERVICES'],
  });
  const plane = createIptablesDataPlane(ctxOf(r.run));
  await plane.close();
  const input = r.calls.at(-1)!.input!;
  assert.match(input, /^-D PREROUTING -m comment --comment "kubernetes service portals" -j SBT0-SERVICES$/m);
  assert.match(input, /^-X SBT0-SVC-AAAAAAAAAAAAAAAA$/m);
  assert.doesNotMatch(input, /OTHER/);
  r.calls.length = 0;
  await plane.sync(s1, fullUpdate(s1));
  assert.equal(r.calls.length, 0, 'a closed data plane does nothing');
});

test('UDP endpoint removal runs conntrack -D; "0 flow entries" is not an error', async () => {
  const logs: string[] = [];
  const r = recorder();
  const u = sp('default', 'u', { clusterIPs: ['10.96.0.9'], protocol: 'UDP', port: 53, nodePort: 30053 });
  const plane = createIptablesDataPlane({ ...ctxOf(r.run), log: (l) => logs.push(l) });
  const before = state([[u, [ep('10.244.1.2'), ep('10.244.1.3')]]]);
  await plane.sync(before, fullUpdate(before));
  r.calls.length = 0;
  const after = state([[u, [ep('10.244.1.3')]]]);
  await plane.sync(after, partialUpdate([u.key]));
  assert.deepEqual(
    r.calls.filter((c) => c.file === 'conntrack').map((c) => c.args.join(' ')),
    ['-D -p udp --dport 30053 --dst-nat 10.244.1.2', '-D --orig-dst 10.96.0.9 --dst-nat 10.244.1.2 -p udp'],
  );
  assert.deepEqual(logs.filter((l) => l.startsWith('conntrack')), []);
});

interface CtRow {
  name: string;
  prev: ProxyState;
  next: ProxyState;
  family?: 'IPv4' | 'IPv6';
  want: string[];
}

const udp = sp('default', 'u', { clusterIPs: ['10.96.0.9', 'fd00:10:96::9'], protocol: 'UDP', port: 53, externalIPs: ['192.168.77.100'] });
const tcp = sp('default', 't', { clusterIPs: ['10.96.0.8'] });
const ctRows: CtRow[] = [
  { name: 'TCP is never cleaned', prev: state([[tcp, [ep('10.244.1.2')]]]), next: state([[tcp, []]]), want: [] },
  {
    name: 'serving UDP endpoint removed: its NAT entries from every service IP',
    prev: state([[udp, [ep('10.244.1.2'), ep('10.244.1.3')]]]),
    next: state([[udp, [ep('10.244.1.3')]]]),
    want: ['-D --orig-dst 10.96.0.9 --dst-nat 10.244.1.2 -p udp', '-D --orig-dst 192.168.77.100 --dst-nat 10.244.1.2 -p udp'],
  },
  {
    name: 'endpoint that stops serving counts as removed',
    prev: state([[udp, [ep('10.244.1.2'), ep('10.244.1.3')]]]),
    next: state([[udp, [ep('10.244.1.2', { ready: false, serving: false }), ep('10.244.1.3')]]]),
    want: ['-D --orig-dst 10.96.0.9 --dst-nat 10.244.1.2 -p udp', '-D --orig-dst 192.168.77.100 --dst-nat 10.244.1.2 -p udp'],
  },
  { name: 'endpoint that was not serving: nothing to clean', prev: state([[udp, [ep('10.244.1.2', { serving: false, ready: false }), ep('10.244.1.3')]]]), next: state([[udp, [ep('10.244.1.3')]]]), want: [] },
  {
    name: 'first endpoint: every entry towards the service IPs',
    prev: state([[udp, []]]),
    next: state([[udp, [ep('10.244.1.2')]]]),
    want: ['-D --orig-dst 10.96.0.9 -p udp --dport 53', '-D --orig-dst 192.168.77.100 -p udp --dport 53'],
  },
  {
    name: 'deleted UDP service port',
    prev: state([[udp, [ep('10.244.1.2')]]]),
    next: EMPTY_STATE,
    want: ['-D --orig-dst 10.96.0.9 -p udp --dport 53', '-D --orig-dst 192.168.77.100 -p udp --dport 53'],
  },
  {
    name: 'IPv6 family: IPv6 addresses and -f ipv6',
    prev: state([[udp, [ep('fd00:10:244:1::2'), ep('fd00:10:244:1::3')]]]),
    next: state([[udp, [ep('fd00:10:244:1::3')]]]),
    family: 'IPv6',
    want: ['-D --orig-dst fd00:10:96::9 --dst-nat fd00:10:244:1::2 -p udp -f ipv6'],
  },
];

for (const row of ctRows) {
  test(`conntrack plan: ${row.name}`, () => {
    const keys = new Set([...row.prev.servicePorts.keys(), ...row.next.servicePorts.keys()]);
    assert.deepEqual(
      planConntrackCleanup(row.prev, row.next, keys, row.family ?? 'IPv4').map((a) => a.join(' ')),
      row.want,
    );
  });
}
