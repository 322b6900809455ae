import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../src/api/types.ts';
import { cellsOf, meta } from './helpers.ts';

function svc(spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec, ...(status ? { status } : {}) };
}

/** Full rows: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR. */
const rows: { name: string; svc: Service; want: string[] }[] = [
  {
    name: 'plain ClusterIP with selector',
    svc: svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { tier: 'fe', app: 'web' } }),
    want: ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '10m', 'app=web,tier=fe'],
  },
  {
    name: 'NodePort with two ports and no selector',
    svc: svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 443, protocol: 'TCP', nodePort: 30443 }] }),
    want: ['web', 'NodePort', '10.96.0.11', '<none>', '80:30080/TCP,443:30443/TCP', '10m', '<none>'],
  },
  {
    name: 'mixed node ports and protocols',
    svc: svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 443, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }),
    want: ['web', 'NodePort', '10.96.0.11', '<none>', '80:30080/TCP,443/TCP,53/UDP', '10m', '<none>'],
  },
  {
    name: 'LoadBalancer without ingress is pending',
    svc: svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }], selector: { app: 'web' } }),
    want: ['web', 'LoadBalancer', '10.96.0.12', '<pending>', '80:31000/TCP', '10m', 'app=web'],
  },
  {
    name: 'LoadBalancer ingress: IPs else hostnames, sorted, unclipped',
    svc: svc(
      { type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] },
      { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'lb.example.com' }, { ip: '1.2.3.4', hostname: 'ignored.example.com' }, { ip: '5.6.7.8' }] } },
    ),
    want: ['web', 'LoadBalancer', '10.96.0.12', '1.2.3.4,5.6.7.8,lb.example.com', '80:31000/TCP', '10m', '<none>'],
  },
  {
    name: 'LoadBalancer ingress followed by external IPs',
    svc: svc(
      { type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], externalIPs: ['192.0.2.10'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] },
      { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
    ),
    want: ['web', 'LoadBalancer', '10.96.0.12', '203.0.113.7,192.0.2.10', '80:31000/TCP', '10m', '<none>'],
  },
  {
    name: 'LoadBalancer with external IPs but no ingress',
    svc: svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], externalIPs: ['192.0.2.10', '192.0.2.11'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] }),
    want: ['web', 'LoadBalancer', '10.96.0.12', '192.0.2.10,192.0.2.11', '80:31000/TCP', '10m', '<none>'],
  },
  {
    name: 'ClusterIP with external IPs',
    svc: svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.13'], externalIPs: ['192.0.2.20', '192.0.2.21'], ports: [{ port: 8080, protocol: 'TCP' }] }),
    want: ['web', 'ClusterIP', '10.96.0.13', '192.0.2.20,192.0.2.21', '8080/TCP', '10m', '<none>'],
  },
  {
    name: 'ExternalName shows the name, no cluster IP, no ports',
    svc: svc({ type: 'ExternalName', externalName: 'db.example.com' }),
    want: ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '10m', '<none>'],
  },
  {
    name: 'headless',
    svc: svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }], selector: { app: 'db' } }),
    want: ['web', 'ClusterIP', 'None', '<none>', '5432/TCP', '10m', 'app=db'],
  },
  {
    name: 'dual stack shows the primary family only',
    svc: svc({ type: 'ClusterIP', clusterIP: 'fd00:10:96::a', clusterIPs: ['fd00:10:96::a', '10.96.0.14'], ports: [{ port: 80, protocol: 'TCP' }] }),
    want: ['web', 'ClusterIP', 'fd00:10:96::a', '<none>', '80/TCP', '10m', '<none>'],
  },
  {
    name: 'undefaulted object: type ClusterIP, clusterIP only, protocol TCP',
    svc: svc({ clusterIP: '10.96.0.15', ports: [{ port: 80 }] }),
    want: ['web', 'ClusterIP', '10.96.0.15', '<none>', '80/TCP', '10m', '<none>'],
  },
];

for (const row of rows) {
  test(`service: ${row.name}`, () => assert.deepEqual(cellsOf('services', '', row.svc), row.want));
}
