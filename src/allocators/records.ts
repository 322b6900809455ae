/**
 * Allocation records: every allocated ClusterIP and NodePort is one storage
 * key (like Kubernetes' IPAddress objects), whose value names the owning
 * Service. Allocation state is derived from these keys only; creating one in
 * the same transaction as the Service is what makes two owners impossible.
 *
 *   /registry/ranges/serviceips/<canonical ip>
 *   /registry/ranges/servicenodeports/<port>
 *
 * The keys live under /registry/ so the watch cache holds them; no served
 * resource uses the "ranges" segment, so no handler, GC or namespace sweep
 * ever sees them.
 */

export const SERVICE_IPS_PREFIX = '/registry/ranges/serviceips/';
export const NODE_PORTS_PREFIX = '/registry/ranges/servicenodeports/';

export interface ServiceRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface AllocationRecord {
  apiVersion: 'internal.switchboard.dev/v1';
  kind: 'ServiceIPAllocation' | 'ServiceNodePortAllocation';
  metadata: { name: string; resourceVersion?: string };
  spec: { parentRef: { group: ''; resource: 'services' } & ServiceRef };
}

export function ipKey(ip: string): string {
  return `${SERVICE_IPS_PREFIX}${ip}`;
}

export function portKey(port: number): string {
  return `${NODE_PORTS_PREFIX}${port}`;
}

export function encodeRecord(kind: 'ip' | 'port', value: string | number, owner: ServiceRef): string {
  const rec: AllocationRecord = {
    apiVersion: 'internal.switchboard.dev/v1',
    kind: kind === 'ip' ? 'ServiceIPAllocation' : 'ServiceNodePortAllocation',
    metadata: { name: String(value) },
    spec: { parentRef: { group: '', resource: 'services', namespace: owner.namespace, name: owner.name, uid: owner.uid } },
  };
  return JSON.stringify(rec);
}

/** The owner named by a stored record (as decoded by the watch cache), or undefined when malformed. */
export function ownerOf(obj: unknown): ServiceRef | undefined {
  const ref = (obj as { spec?: { parentRef?: Partial<ServiceRef> } } | undefined)?.spec?.parentRef;
  if (!ref || typeof ref.uid !== 'string' || typeof ref.name !== 'string' || typeof ref.namespace !== 'string') return undefined;
  return { namespace: ref.namespace, name: ref.name, uid: ref.uid };
}
