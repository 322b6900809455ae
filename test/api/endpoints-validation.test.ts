/**
 * Endpoints / EndpointSlice validation, table-driven, with the address
 * policy of both modes: loopback mode allows exactly 127.244.0.0/16 of 127/8;
 * nothing may point into the service CIDR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEndpoints, defaultEndpointSlice } from '../../src/api/defaults/endpoints.ts';
import { validateEndpoints, validateEndpointSlice, validateEndpointSliceUpdate, type EndpointAddressPolicy } from '../../src/api/validation/endpoints.ts';
import { fieldErrorText } from '../../src/api/status.ts';
import type { Endpoints, EndpointSlice } from '../../src/api/types.ts';

const LOOPBACK: EndpointAddressPolicy = { serviceCIDRs: ['127.96.0.0/16'], loopbackPodCIDRs: ['127.244.0.0/16'] };
const KERNEL: EndpointAddressPolicy = { serviceCIDRs: ['10.96.0.0/16', 'fd00:10:96::/112'], loopbackPodCIDRs: [] };

const eps = (subsets: unknown[]): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets }) as Endpoints;
const slice = (extra: Record<string, unknown>): EndpointSlice =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ...extra }) as EndpointSlice;

interface Row {
  name: string;
  obj: Endpoints | EndpointSlice;
  policy: EndpointAddressPolicy;
  errors: string[];
}

const port = { name: 'http', port: 8080 };
const rows: Row[] = [
  // Endpoints
  { name: 'pod IP in loopback mode', obj: eps([{ addresses: [{ ip: '127.244.0.7' }], ports: [port] }]), policy: LOOPBACK, errors: [] },
  { name: 'pod IP in kernel mode', obj: eps([{ addresses: [{ ip: '10.244.1.7', nodeName: 'node-1', hostname: 'web-0' }], ports: [port] }]), policy: KERNEL, errors: [] },
  { name: 'not-ready addresses count', obj: eps([{ notReadyAddresses: [{ ip: '10.244.1.7' }] }]), policy: KERNEL, errors: [] },
  {
    name: '127.0.0.1 in loopback mode (host services are off limits)',
    obj: eps([{ addresses: [{ ip: '127.0.0.1' }], ports: [port] }]),
    policy: LOOPBACK,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
  },
  {
    name: '127.245.0.1 is just outside the pod range',
    obj: eps([{ addresses: [{ ip: '127.245.0.1' }] }]),
    policy: LOOPBACK,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "127.245.0.1": may not be in the loopback range'],
  },
  {
    name: '127.244.0.7 in kernel mode',
    obj: eps([{ addresses: [{ ip: '127.244.0.7' }] }]),
    policy: KERNEL,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "127.244.0.7": may not be in the loopback range'],
  },
  {
    name: 'a cluster IP as a backend (loopback mode: both reasons, loopback reported)',
    obj: eps([{ addresses: [{ ip: '127.96.0.1' }] }]),
    policy: LOOPBACK,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "127.96.0.1": may not be in the loopback range'],
  },
  {
    name: 'a cluster IP as a backend (kernel mode)',
    obj: eps([{ addresses: [{ ip: '10.96.0.10' }] }]),
    policy: KERNEL,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "10.96.0.10": may not be in the service IP range (10.96.0.0/16, fd00:10:96::/112)'],
  },
  {
    name: 'link-local metadata address',
    obj: eps([{ addresses: [{ ip: '169.254.169.254' }] }]),
    policy: KERNEL,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
  },
  { name: 'multicast', obj: eps([{ addresses: [{ ip: '239.1.1.1' }] }]), policy: KERNEL, errors: ['subsets[0].addresses[0].ip: Invalid value: "239.1.1.1": may not be in the multicast range'] },
  { name: 'unspecified', obj: eps([{ addresses: [{ ip: '0.0.0.0' }] }]), policy: KERNEL, errors: ['subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified'] },
  { name: 'IPv6 loopback', obj: eps([{ addresses: [{ ip: '::1' }] }]), policy: LOOPBACK, errors: ['subsets[0].addresses[0].ip: Invalid value: "::1": may not be in the loopback range'] },
  {
    name: 'not an IP (upstream reports it twice)',
    obj: eps([{ addresses: [{ ip: 'web' }] }]),
    policy: KERNEL,
    errors: ['subsets[0].addresses[0].ip: Invalid value: "web": must be a valid IP address, (e.g.', 'subsets[0].addresses[0].ip: Invalid value: "web": must be a valid IP address'],
  },
  { name: 'empty subset', obj: eps([{ ports: [port] }]), policy: KERNEL, errors: ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'] },
  { name: 'bad hostname', obj: eps([{ addresses: [{ ip: '10.244.0.1', hostname: 'Web_0' }] }]), policy: KERNEL, errors: ['subsets[0].addresses[0].hostname: Invalid value: "Web_0"'] },
  {
    name: 'two ports need names',
    obj: eps([{ addresses: [{ ip: '10.244.0.1' }], ports: [{ port: 80 }, { port: 81 }] }]),
    policy: KERNEL,
    errors: ['subsets[0].ports[0].name: Required value', 'subsets[0].ports[1].name: Required value'],
  },
  { name: 'port out of range', obj: eps([{ addresses: [{ ip: '10.244.0.1' }], ports: [{ port: 0 }] }]), policy: KERNEL, errors: ['subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  {
    name: 'bad protocol',
    obj: eps([{ addresses: [{ ip: '10.244.0.1' }], ports: [{ port: 80, protocol: 'http' }] }]),
    policy: KERNEL,
    errors: ['subsets[0].ports[0].protocol: Unsupported value: "http": supported values: "SCTP", "TCP", "UDP"'],
  },
  {
    name: 'API server address allowed only where the policy says so',
    obj: eps([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443 }] }]),
    policy: { ...LOOPBACK, allowedAddresses: ['127.0.0.1'] },
    errors: [],
  },

  // EndpointSlices
  { name: 'slice: pod IPs in loopback mode', obj: slice({ endpoints: [{ addresses: ['127.244.0.3'] }], ports: [port] }), policy: LOOPBACK, errors: [] },
  { name: 'slice: placeholder with no endpoints and ports: []', obj: slice({ endpoints: [], ports: [] }), policy: KERNEL, errors: [] },
  { name: 'slice: IPv6 pod', obj: slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fd00:10:244::5'] }] }), policy: KERNEL, errors: [] },
  { name: 'slice: FQDN', obj: slice({ addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] }] }), policy: KERNEL, errors: [] },
  { name: 'slice: missing addressType', obj: slice({ addressType: undefined }), policy: KERNEL, errors: ['addressType: Required value'] },
  { name: 'slice: unknown addressType', obj: slice({ addressType: 'IP' }), policy: KERNEL, errors: ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'] },
  { name: 'slice: no addresses', obj: slice({ endpoints: [{ addresses: [] }] }), policy: KERNEL, errors: ['endpoints[0].addresses: Required value: must contain at least 1 address'] },
  {
    name: 'slice: 101 addresses',
    obj: slice({ endpoints: [{ addresses: Array.from({ length: 101 }, (_, i) => `10.244.${i >> 8}.${(i & 255) + 1}`) }] }),
    policy: KERNEL,
    errors: ['endpoints[0].addresses: Too many: 101: must have at most 100 items'],
  },
  {
    name: 'slice: 1001 endpoints',
    obj: slice({ endpoints: Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.244.${i >> 8}.${(i & 255) + 1}`] })) }),
    policy: KERNEL,
    errors: ['endpoints: Too many: 1001: must have at most 1000 items'],
  },
  { name: 'slice: IPv6 address in an IPv4 slice', obj: slice({ endpoints: [{ addresses: ['fd00::1'] }] }), policy: KERNEL, errors: ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'] },
  { name: 'slice: loopback outside the pod range', obj: slice({ endpoints: [{ addresses: ['127.0.0.53'] }] }), policy: LOOPBACK, errors: ['endpoints[0].addresses[0]: Invalid value: "127.0.0.53": may not be in the loopback range'] },
  { name: 'slice: link-local IPv6', obj: slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fe80::1'] }] }), policy: KERNEL, errors: ['endpoints[0].addresses[0]: Invalid value: "fe80::1": may not be in the link-local range'] },
  {
    name: 'slice: a cluster IP',
    obj: slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fd00:10:96::a'] }] }),
    policy: KERNEL,
    errors: ['endpoints[0].addresses[0]: Invalid value: "fd00:10:96::a": may not be in the service IP range'],
  },
  { name: 'slice: bad hostname', obj: slice({ endpoints: [{ addresses: ['10.244.0.1'], hostname: 'a.b' }] }), policy: KERNEL, errors: ['endpoints[0].hostname: Invalid value: "a.b"'] },
  { name: 'slice: bad nodeName', obj: slice({ endpoints: [{ addresses: ['10.244.0.1'], nodeName: 'Node_1' }] }), policy: KERNEL, errors: ['endpoints[0].nodeName: Invalid value: "Node_1"'] },
  {
    name: 'slice: nine zone hints',
    obj: slice({ endpoints: [{ addresses: ['10.244.0.1'], hints: { forZones: Array.from({ length: 9 }, (_, i) => ({ name: `z${i}` })) } }] }),
    policy: KERNEL,
    errors: ['endpoints[0].hints.forZones: Too many: 9: must have at most 8 items'],
  },
  {
    name: 'slice: duplicate zone hint',
    obj: slice({ endpoints: [{ addresses: ['10.244.0.1'], hints: { forZones: [{ name: 'a' }, { name: 'a' }] } }] }),
    policy: KERNEL,
    errors: ['endpoints[0].hints.forZones[1].name: Duplicate value: "a"'],
  },
  { name: 'slice: duplicate port names', obj: slice({ ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'http', port: 81, protocol: 'TCP' }] }), policy: KERNEL, errors: ['ports[1].name: Duplicate value: "http"'] },
  { name: 'slice: two unnamed ports', obj: slice({ ports: [{ port: 80 }, { port: 81 }] }), policy: KERNEL, errors: ['ports[1].name: Duplicate value: ""'] },
  { name: 'slice: bad port protocol', obj: slice({ ports: [{ name: 'x', port: 80, protocol: 'ICMP' }] }), policy: KERNEL, errors: ['ports[0].protocol: Unsupported value: "ICMP"'] },
  { name: 'slice: 101 ports', obj: slice({ ports: Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, port: 1000 + i })) }), policy: KERNEL, errors: ['ports: Too many: 101: must have at most 100 items'] },
];

for (const row of rows) {
  test(row.name, () => {
    const obj = structuredClone(row.obj);
    const isSlice = obj.kind === 'EndpointSlice';
    if (isSlice) defaultEndpointSlice(obj as EndpointSlice);
    else defaultEndpoints(obj as Endpoints);
    const errs = isSlice ? validateEndpointSlice(obj as EndpointSlice, row.policy) : validateEndpoints(obj as Endpoints, row.policy);
    const texts = errs.map(fieldErrorText);
    assert.equal(texts.length, row.errors.length, `causes:\n  ${texts.join('\n  ')}`);
    row.errors.forEach((want, i) => assert.ok(texts[i]!.startsWith(want), `cause ${i}:\n  got  ${texts[i]}\n  want ${want}…`));
  });
}

test('defaulting: protocol TCP; slice port names default to ""', () => {
  const e = eps([{ addresses: [{ ip: '10.244.0.1' }], ports: [{ port: 80 }] }]);
  defaultEndpoints(e);
  assert.equal(e.subsets![0]!.ports![0]!.protocol, 'TCP');
  const s = slice({ ports: [{ port: 80 }] });
  defaultEndpointSlice(s);
  assert.deepEqual(s.ports, [{ name: '', port: 80, protocol: 'TCP' }]);
});

test('slice addressType is immutable', () => {
  const a = slice({});
  const b = slice({ addressType: 'IPv6' });
  assert.deepEqual(validateEndpointSliceUpdate(b, a, KERNEL).map(fieldErrorText), ['addressType: Invalid value: "IPv6": field is immutable']);
});
