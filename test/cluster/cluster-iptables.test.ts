/** `switchboard cluster` end to end with the iptables data plane (scenario.ts, then scenario-features.ts on the same cluster). Root only (CI runs as root). */
import { test } from 'node:test';
import { clusterScenario } from './scenario.ts';
import { FEATURE_SYNC_PERIOD_MS, featureCases } from './scenario-features.ts';

const root = process.getuid?.() === 0;

test(
  'cluster create/list/delete, 3 nodes in 3 zones, iptables data plane: kubectl, ClusterIP from another node and from outside, NodePort, LB IP, hairpin, DNS, Service features, full cleanup',
  { skip: root ? false : 'needs root (network namespaces)', timeout: 420_000 },
  async (t) => {
    await clusterScenario('iptables', { syncPeriodMs: FEATURE_SYNC_PERIOD_MS, more: (c, base) => featureCases(t, c, base, 'iptables') });
  },
);
