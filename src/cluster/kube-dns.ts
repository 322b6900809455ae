/**
 * Where DNS lives in a local cluster, and how pods reach it.
 *
 * The DNS server runs once, in the root namespace, on the underlay gateway
 * (GATEWAY:53), next to the API server. kube-system/kube-dns keeps its
 * well-known ClusterIP (10.96.0.10, in every pod's resolv.conf) but becomes a
 * selectorless Service with hand-written Endpoints pointing at the gateway:
 * the Kubernetes way to put a Service in front of something that is not a
 * pod (the `kubernetes` Service is built the same way). The EndpointSlice
 * mirroring controller turns the Endpoints into an EndpointSlice, and every
 * node's proxy serves 10.96.0.10:53 like any other Service: the kernel data
 * planes DNAT it to GATEWAY:53 (the node's ip-masq rule gives the packet the
 * node's underlay address on the way out), the userspace proxy relays it.
 */
import type { Endpoints, Service } from '../api/types.ts';
import { isNotFound } from '../api/status.ts';
import { Resources, type RestClient } from '../client/index.ts';

export function planKubeDnsEndpoints(dnsIP: string): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    subsets: [
      {
        addresses: [{ ip: dnsIP }],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      },
    ],
  };
}

/** Idempotent: drops kube-dns's selector and writes its Endpoints. */
export async function pointKubeDnsAt(client: RestClient, dnsIP: string): Promise<void> {
  const svc = await client.get<Service>(Resources.services, 'kube-system', 'kube-dns');
  if (svc.spec.selector) await client.patch<Service>(Resources.services, 'kube-system', 'kube-dns', { spec: { selector: null } }, 'merge');
  const want = planKubeDnsEndpoints(dnsIP);
  try {
    const cur = await client.get<Endpoints>(Resources.endpoints, 'kube-system', 'kube-dns');
    if (JSON.stringify(cur.subsets) === JSON.stringify(want.subsets)) return;
    await client.update<Endpoints>(Resources.endpoints, 'kube-system', { ...want, metadata: { ...want.metadata, resourceVersion: cur.metadata.resourceVersion } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create<Endpoints>(Resources.endpoints, 'kube-system', want);
  }
}
