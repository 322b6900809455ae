/**
 * The client library every component uses to see the cluster: kubeconfig,
 * REST client, informers (reflector + indexed cache + handlers) and the
 * rate-limited work queue. Works against this project's API server and any
 * conformant Kubernetes API server.
 */
import { RESOURCES } from '../api/resources.ts';
import type { ResourceRef } from './rest.ts';

export { loadClientConfig, kubeconfigPath, type ClientConfig } from './kubeconfig.ts';
export { RestClient, resourcePath, type ResourceRef, type ListQuery, type WatchQuery, type WatchEventOf, type WatchStream } from './rest.ts';
export { Informer, Cache, objectKey, trimManagedFields, type InformerHandlers, type InformerOptions, type IndexFunc } from './informer.ts';
export { WorkQueue, type WorkQueueOptions } from './workqueue.ts';

function ref(group: string, resource: string): ResourceRef {
  const r = RESOURCES.find((x) => x.group === group && x.resource === resource)!;
  return { group: r.group, version: r.version, resource: r.resource, namespaced: r.namespaced };
}

/** Resource refs for the kinds the components use. */
export const Resources = {
  namespaces: ref('', 'namespaces'),
  nodes: ref('', 'nodes'),
  pods: ref('', 'pods'),
  services: ref('', 'services'),
  endpoints: ref('', 'endpoints'),
  events: ref('', 'events'),
  endpointSlices: ref('discovery.k8s.io', 'endpointslices'),
  leases: ref('coordination.k8s.io', 'leases'),
} as const;
