import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, EndpointSubset, Endpoints } from '../../../src/api/types.ts';
import { cellsOf, meta } from './helpers.ts';

function ep(subsets?: EndpointSubset[]): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('web'), ...(subsets ? { subsets } : {}) };
}

const ips = (...list: string[]) => list.map((ip) => ({ ip }));

/** ENDPOINTS cell of `kubectl get ep`. */
const endpointRows: { name: string; ep: Endpoints; want: string }[] = [
  { name: 'no subsets', ep: ep(), want: '<none>' },
  { name: 'empty subsets', ep: ep([]), want: '<none>' },
  { name: 'two addresses, one port', ep: ep([{ addresses: ips('10.0.0.1', '10.0.0.2'), ports: [{ port: 80 }] }]), want: '10.0.0.1:80,10.0.0.2:80' },
  {
    name: 'five addresses: three shown, + 2 more',
    ep: ep([{ addresses: ips('10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'), ports: [{ port: 80 }] }]),
    want: '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
  },
  {
    name: 'addresses times ports, port-major order',
    ep: ep([{ addresses: ips('10.0.0.1', '10.0.0.2'), ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }]),
    want: '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
  },
  {
    name: 'counting across subsets',
    ep: ep([
      { addresses: ips('10.0.0.1', '10.0.0.2'), ports: [{ port: 80 }] },
      { addresses: ips('10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4'), ports: [{ port: 8080 }] },
    ]),
    want: '10.0.0.1:80,10.0.0.2:80,10.0.1.1:8080 + 3 more...',
  },
  { name: 'headless without ports: bare IPs', ep: ep([{ addresses: ips('10.0.0.1', '10.0.0.2') }]), want: '10.0.0.1,10.0.0.2' },
  { name: 'IPv6 is bracketed', ep: ep([{ addresses: ips('fd00::1'), ports: [{ port: 80 }] }]), want: '[fd00::1]:80' },
  { name: 'only not-ready addresses print nothing', ep: ep([{ notReadyAddresses: ips('10.0.0.1'), ports: [{ port: 80 }] }]), want: '' },
];

for (const row of endpointRows) {
  test(`endpoints: ${row.name}`, () => {
    const cells = cellsOf('endpoints', '', row.ep);
    assert.deepEqual(cells, ['web', row.want, '10m']);
  });
}

function slice(ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints'], addressType: EndpointSlice['addressType'] = 'IPv4'): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('web-abc12'), addressType, ports, endpoints };
}

/** [ADDRESSTYPE, PORTS, ENDPOINTS]. */
const sliceRows: { name: string; slice: EndpointSlice; want: [string, string, string] }[] = [
  {
    name: 'typical slice',
    slice: slice([{ name: 'http', port: 8080, protocol: 'TCP' }], [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.2.7'], conditions: { ready: false } }]),
    want: ['IPv4', '8080', '10.244.1.5,10.244.2.7'],
  },
  { name: 'no ports and no endpoints are <unset>', slice: slice([], []), want: ['IPv4', '<unset>', '<unset>'] },
  { name: 'null ports is <unset>', slice: slice(null, []), want: ['IPv4', '<unset>', '<unset>'] },
  {
    name: 'nil port prints its name, else *',
    slice: slice([{ name: 'dns', port: null as unknown as number }, { port: null as unknown as number }], [{ addresses: ['10.0.0.1'] }]),
    want: ['IPv4', 'dns,*', '10.0.0.1'],
  },
  {
    name: 'more than three ports',
    slice: slice([1, 2, 3, 4, 5].map((port) => ({ port })), [{ addresses: ['10.0.0.1'] }]),
    want: ['IPv4', '1,2,3 + 2 more...', '10.0.0.1'],
  },
  {
    name: 'more than three addresses across endpoints',
    slice: slice([{ port: 53 }], [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }, { addresses: ['10.0.0.5'] }]),
    want: ['IPv4', '53', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...'],
  },
  { name: 'IPv6 addresses are not bracketed', slice: slice([{ port: 80 }], [{ addresses: ['fd00::1'] }], 'IPv6'), want: ['IPv6', '80', 'fd00::1'] },
];

for (const row of sliceRows) {
  test(`endpointslices: ${row.name}`, () => {
    const cells = cellsOf('endpointslices', 'discovery.k8s.io', row.slice);
    assert.deepEqual(cells, ['web-abc12', ...row.want, '10m']);
  });
}
