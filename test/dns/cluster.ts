/**
 * A real API server (HTTPS + token, in-process, dual-stack loopback network:
 * 127.96.0.0/16 + fd00:10:96::/112) loaded with the DNS fixture through the
 * REST client, as a DNS server's informers will see it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.ts';
import { ApiServer, ensurePki, writeKubeconfig } from '../../src/apiserver/index.ts';
import { loopbackNetworkConfig } from '../../src/apiserver/admission/index.ts';
import { RestClient, Resources, loadClientConfig } from '../../src/client/index.ts';
import type { KubeObject, Pod } from '../../src/api/types.ts';
import { NAMESPACES, PODS, SERVICES, SLICES } from './fixture.ts';

export interface DnsTestCluster {
  kubeconfig: string;
  client: RestClient;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<DnsTestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-dns-'));
  const store = await openStore({ kind: 'memory' });
  const pki = ensurePki(dir, []);
  const network = { ...loopbackNetworkConfig(), serviceCIDRs: { ipv4: '127.96.0.0/16', ipv6: 'fd00:10:96::/112' } };
  const server = new ApiServer({ store, pki, port: 0, network, bookmarkIntervalMs: 1000 });
  const url = await server.start();
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki);
  const client = new RestClient(loadClientConfig(kubeconfig));
  return {
    kubeconfig,
    client,
    async stop() {
      client.close();
      await server.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createOrKeep(client: RestClient, ref: (typeof Resources)[keyof typeof Resources], obj: KubeObject): Promise<void> {
  try {
    await client.create(ref, obj.metadata.namespace, obj);
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw new Error(`creating ${ref.resource} ${obj.metadata.namespace}/${obj.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Loads the fixture (the start-up kubernetes and kube-dns Services already exist). */
export async function loadFixture(client: RestClient): Promise<void> {
  for (const ns of NAMESPACES) await createOrKeep(client, Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const builtIn = new Set(['default/kubernetes', 'kube-system/kube-dns']);
  await Promise.all(SERVICES.filter((s) => !builtIn.has(`${s.metadata.namespace}/${s.metadata.name}`)).map((s) => createOrKeep(client, Resources.services, s)));
  await Promise.all(SLICES.map((s) => createOrKeep(client, Resources.endpointSlices, s)));
  for (const p of PODS) {
    await createOrKeep(client, Resources.pods, { ...p, status: undefined });
    const cur = await client.get<Pod>(Resources.pods, p.metadata.namespace, p.metadata.name!);
    await client.update(Resources.pods, p.metadata.namespace, { ...cur, status: p.status }, 'status');
  }
}
