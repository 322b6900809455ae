/**
 * The schema of every served type, keyed by OpenAPI definition name
 * (io.k8s.api.core.v1.Service). One table feeds the OpenAPI documents,
 * strategic merge patch and fieldValidation; see README.md.
 */
import type { Definitions, ObjectSchema } from '../schema-types.ts';
import { coordinationV1Definitions } from './coordination-v1.ts';
import { coreV1CommonDefinitions } from './core-v1-common.ts';
import { coreV1ContainerStatusDefinitions } from './core-v1-container-status.ts';
import { coreV1ContainerDefinitions } from './core-v1-container.ts';
import { coreV1EndpointsDefinitions } from './core-v1-endpoints.ts';
import { coreV1EventDefinitions } from './core-v1-event.ts';
import { coreV1NamespaceDefinitions } from './core-v1-namespace.ts';
import { coreV1NodeDefinitions } from './core-v1-node.ts';
import { coreV1PodDefinitions } from './core-v1-pod.ts';
import { coreV1ProbeDefinitions } from './core-v1-probe.ts';
import { coreV1SchedulingDefinitions } from './core-v1-scheduling.ts';
import { coreV1SecurityDefinitions } from './core-v1-security.ts';
import { coreV1ServiceDefinitions } from './core-v1-service.ts';
import { coreV1VolumeLegacyDefinitions } from './core-v1-volume-legacy.ts';
import { coreV1VolumeDefinitions } from './core-v1-volume.ts';
import { discoveryV1Definitions } from './discovery-v1.ts';
import { metaV1Definitions } from './meta-v1.ts';

export { isMicroTime, isTime } from './builders.ts';
export * from './named-scalars.ts';

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
export const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
export const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const WATCH_EVENT = 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent';

export const definitions: Definitions = Object.freeze({
  ...metaV1Definitions,
  ...coreV1CommonDefinitions,
  ...coreV1NamespaceDefinitions,
  ...coreV1PodDefinitions,
  ...coreV1ContainerDefinitions,
  ...coreV1ContainerStatusDefinitions,
  ...coreV1ProbeDefinitions,
  ...coreV1SecurityDefinitions,
  ...coreV1SchedulingDefinitions,
  ...coreV1VolumeDefinitions,
  ...coreV1VolumeLegacyDefinitions,
  ...coreV1ServiceDefinitions,
  ...coreV1EndpointsDefinitions,
  ...coreV1NodeDefinitions,
  ...coreV1EventDefinitions,
  ...discoveryV1Definitions,
  ...coordinationV1Definitions,
});

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/**
 * meta/v1 kinds that every group version serves (the apiserver registers
 * them in each group's scheme), so their definitions carry one
 * x-kubernetes-group-version-kind per served group version.
 */
const META_KINDS_IN_EVERY_GROUP = [DELETE_OPTIONS, WATCH_EVENT];

function gvKey(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Group versions that have at least one definition with a gvk, core first. */
export function servedGroupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const def of Object.values(definitions)) {
    if (def.gvk) seen.set(gvKey(def.gvk.group, def.gvk.version), { group: def.gvk.group, version: def.gvk.version });
  }
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
}

/** Every group/version/kind a definition serves (several for DeleteOptions and WatchEvent). */
export function gvksOf(name: string): GroupVersionKind[] {
  const def = definitions[name];
  if (!def?.gvk) return [];
  if (!META_KINDS_IN_EVERY_GROUP.includes(name)) return [def.gvk];
  return servedGroupVersions().map((gv) => ({ ...gv, kind: def.gvk!.kind }));
}

let byGvk: Map<string, string> | undefined;

export function definitionNameFor(group: string, version: string, kind: string): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const name of Object.keys(definitions)) {
      for (const g of gvksOf(name)) byGvk.set(`${gvKey(g.group, g.version)}/${g.kind}`, name);
    }
  }
  return byGvk.get(`${gvKey(group, version)}/${kind}`);
}

export function schemaFor(group: string, version: string, kind: string): ObjectSchema | undefined {
  const name = definitionNameFor(group, version, kind);
  return name === undefined ? undefined : definitions[name];
}
