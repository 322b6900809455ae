/**
 * Stale UDP conntrack entries to delete after a sync (kube-proxy
 * CleanStaleEntries): table-driven over two ProxyStates.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { planConntrackCleanup } from '../../../src/proxy/nftables/index.ts';
import type { ProxyState } from '../../../src/proxy/types.ts';
import { endpoint, proxyState, servicePort } from './fixtures.ts';

const udp = servicePort({ name: 'dns', protocol: 'UDP', port: 53, clusterIPs: ['172.30.0.10', 'fd00:30::10'], externalIPs: ['192.168.99.10'], nodePort: 30053 });
const tcp = servicePort({ name: 'web', clusterIPs: ['172.30.0.11'] });
const a = endpoint('10.180.1.1:53');
const b = endpoint('10.180.1.2:53');
const a6 = endpoint('[fd00:10:180::1]:53');

const ROWS: Array<{ name: string; prev: ProxyState; next: ProxyState; want: string[] }> = [
  {
    name: 'UDP endpoint removed: entries DNATed to it from every VIP and the NodePort',
    prev: proxyState([[udp, [a, b]]]),
    next: proxyState([[udp, [b]]]),
    want: [
      '-D --orig-dst 172.30.0.10 --dst-nat 10.180.1.1 -p udp',
      '-D --orig-dst 192.168.99.10 --dst-nat 10.180.1.1 -p udp',
      '-D -p udp --dport 30053 --dst-nat 10.180.1.1',
    ],
  },
  {
    name: 'UDP endpoint stops serving: same as removed',
    prev: proxyState([[udp, [a, b]]]),
    next: proxyState([[udp, [{ ...a, ready: false, serving: false }, b]]]),
    want: [
      '-D --orig-dst 172.30.0.10 --dst-nat 10.180.1.1 -p udp',
      '-D --orig-dst 192.168.99.10 --dst-nat 10.180.1.1 -p udp',
      '-D -p udp --dport 30053 --dst-nat 10.180.1.1',
    ],
  },
  {
    name: 'UDP service gets its first endpoint: every entry towards it (they were REJECTed)',
    prev: proxyState([[udp, []]]),
    next: proxyState([[udp, [a]]]),
    want: ['-D --orig-dst 172.30.0.10 -p udp', '-D --orig-dst 192.168.99.10 -p udp', '-D -p udp --dport 30053'],
  },
  {
    name: 'IPv6 endpoint replaced: -f ipv6, per family',
    prev: proxyState([[udp, [a, a6]]]),
    next: proxyState([[udp, [a, { ...a6, ip: 'fd00:10:180::2' }]]]),
    want: ['-D --orig-dst fd00:30::10 --dst-nat fd00:10:180::1 -p udp -f ipv6', '-D -p udp --dport 30053 --dst-nat fd00:10:180::1 -f ipv6'],
  },
  { name: 'UDP service deleted: its ClusterIPs', prev: proxyState([[udp, [a]]]), next: proxyState([]), want: ['-D --orig-dst 172.30.0.10 -p udp', '-D --orig-dst fd00:30::10 -p udp -f ipv6'] },
  { name: 'TCP endpoint removed: nothing (TCP resets)', prev: proxyState([[tcp, [a, b]]]), next: proxyState([[tcp, [b]]]), want: [] },
  { name: 'not-serving endpoint removed: nothing (it never had entries)', prev: proxyState([[udp, [{ ...a, ready: false, serving: false }, b]]]), next: proxyState([[udp, [b]]]), want: [] },
  { name: 'unchanged: nothing', prev: proxyState([[udp, [a]]]), next: proxyState([[udp, [a]]]), want: [] },
];

for (const r of ROWS) {
  test(r.name, () => {
    const keys = new Set([...r.prev.servicePorts.keys(), ...r.next.servicePorts.keys()]);
    const got = planConntrackCleanup(r.prev, r.next, keys, ['IPv4', 'IPv6']).map((a) => a.join(' '));
    assert.deepEqual(got, [...r.want].sort());
  });
}

test('only the families the node programs', () => {
  const got = planConntrackCleanup(proxyState([[udp, [a, a6]]]), proxyState([[udp, []]]), [udp.key], ['IPv4']);
  assert.ok(got.length > 0 && got.every((args) => !args.includes('ipv6')));
});
