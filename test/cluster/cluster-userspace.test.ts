/** `switchboard cluster` end to end with the userspace data plane (see scenario.ts). Root only (CI runs as root). */
import { test } from 'node:test';
import { clusterScenario } from './scenario.ts';

const root = process.getuid?.() === 0;

test('cluster create/list/delete, 3 nodes in 3 zones, userspace data plane: kubectl, ClusterIP from another node and from outside, NodePort, LB IP, hairpin, DNS, full cleanup', { skip: root ? false : 'needs root (network namespaces)', timeout: 240_000 }, async () => {
  await clusterScenario('userspace');
});
