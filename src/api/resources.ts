/**
 * The table of served resources: everything discovery, routing, storage keys
 * and field selectors need to know about a kind. Adding a resource is adding a
 * row here (plus its schema and table printer).
 */
import type { KubeObject, Pod, Event } from './types.ts';

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: string[];
  /**
   * Field selector fields beyond metadata.name / metadata.namespace that the
   * real apiserver supports for this resource (its GetAttrs function).
   */
  fields?: (obj: KubeObject) => Record<string, string>;
  /** Does the main resource endpoint ignore status changes (has a status subresource)? */
  statusSubresource: boolean;
  /** PUT to a missing object creates it (strategy AllowCreateOnUpdate). */
  allowCreateOnUpdate?: boolean;
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function podFields(o: KubeObject): Record<string, string> {
  const p = o as Pod;
  return {
    'spec.nodeName': p.spec?.nodeName ?? '',
    'spec.restartPolicy': p.spec?.restartPolicy ?? '',
    'spec.schedulerName': String(p.spec?.['schedulerName'] ?? ''),
    'spec.serviceAccountName': String(p.spec?.['serviceAccountName'] ?? ''),
    'spec.hostNetwork': String(Boolean(p.spec?.['hostNetwork'])),
    'status.phase': p.status?.phase ?? '',
    'status.podIP': p.status?.podIP ?? '',
    'status.nominatedNodeName': p.status?.nominatedNodeName ?? '',
  };
}

function eventFields(o: KubeObject): Record<string, string> {
  const e = o as Event;
  const io = e.involvedObject ?? {};
  return {
    'involvedObject.kind': io.kind ?? '',
    'involvedObject.namespace': io.namespace ?? '',
    'involvedObject.name': io.name ?? '',
    'involvedObject.uid': io.uid ?? '',
    'involvedObject.apiVersion': io.apiVersion ?? '',
    'involvedObject.resourceVersion': io.resourceVersion ?? '',
    'involvedObject.fieldPath': io.fieldPath ?? '',
    reason: e.reason ?? '',
    reportingComponent: e.reportingComponent ?? '',
    source: e.source?.component ?? '',
    type: e.type ?? '',
  };
}

function nsFields(o: KubeObject): Record<string, string> {
  return { 'status.phase': String((o as { status?: { phase?: string } }).status?.phase ?? '') };
}

function nodeFields(o: KubeObject): Record<string, string> {
  return { 'spec.unschedulable': String(Boolean((o as { spec?: { unschedulable?: boolean } }).spec?.unschedulable)) };
}

function row(
  group: string,
  version: string,
  kind: string,
  resource: string,
  namespaced: boolean,
  shortNames: string[],
  extra: Partial<ResourceInfo> = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    categories: [],
    subresources: [],
    statusSubresource: false,
    ...extra,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  row('', 'v1', 'Namespace', 'namespaces', false, ['ns'], { subresources: ['status', 'finalize'], statusSubresource: true, fields: nsFields }),
  row('', 'v1', 'Node', 'nodes', false, ['no'], { subresources: ['status'], statusSubresource: true, fields: nodeFields }),
  row('', 'v1', 'Pod', 'pods', true, ['po'], { categories: ['all'], subresources: ['status', 'log'], statusSubresource: true, fields: podFields }),
  row('', 'v1', 'Service', 'services', true, ['svc'], { categories: ['all'], subresources: ['status'], statusSubresource: true }),
  row('', 'v1', 'Endpoints', 'endpoints', true, ['ep'], { singular: 'endpoints', allowCreateOnUpdate: true }),
  row('', 'v1', 'Event', 'events', true, ['ev'], { fields: eventFields }),
  row('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, []),
  row('coordination.k8s.io', 'v1', 'Lease', 'leases', true, [], { allowCreateOnUpdate: true }),
];

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/** The groups served, each with its versions, in discovery order. */
export function servedGroups(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}

/** Storage key of an object: /registry/<group>/<resource>/<namespace>/<name>. */
export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${storagePrefix(r, namespace)}${name}`;
}

/** Prefix of all keys of a resource (optionally one namespace), ending in '/'. */
export function storagePrefix(r: ResourceInfo, namespace?: string): string {
  const g = r.group || 'core';
  if (!r.namespaced) return `/registry/${g}/${r.resource}/`;
  return namespace ? `/registry/${g}/${r.resource}/${namespace}/` : `/registry/${g}/${r.resource}/`;
}

/** The field set a field selector is matched against. */
export function objectFields(r: ResourceInfo, o: KubeObject): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': o.metadata.name ?? '' };
  if (r.namespaced) base['metadata.namespace'] = o.metadata.namespace ?? '';
  return r.fields ? { ...base, ...r.fields(o) } : base;
}
