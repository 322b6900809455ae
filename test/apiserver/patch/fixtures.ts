/**
 * Small schemas mirroring the Kubernetes types the patch tests need, with the
 * same patch tags as k8s.io/api core/v1, discovery/v1 and apps/v1; plus
 * apimachinery's own strategicpatch test type (MergeItem), so its test
 * tables can be reused as they are.
 */
import type { Definitions, ObjectSchema, Schema } from '../../../src/api/schema-types.ts';

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer', format: 'int32' };
const bool: Schema = { type: 'boolean' };
const ref = (name: string): Schema => ({ type: 'ref', name });
const obj = (properties: Record<string, Schema>, extra: Partial<ObjectSchema> = {}): ObjectSchema => ({
  type: 'object',
  properties,
  ...extra,
});
const stringMap: Schema = { type: 'map', values: str };
const atomic = (items: Schema): Schema => ({ type: 'array', items, listType: 'atomic' });
const mergeList = (items: Schema, mergeKey: string, patchStrategy = 'merge'): Schema => ({
  type: 'array',
  items,
  mergeKey,
  patchStrategy,
  listType: 'map',
  listMapKeys: [mergeKey],
});
const stringSet: Schema = { type: 'array', items: str, patchStrategy: 'merge', listType: 'set' };

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const kind = (spec: string | undefined, status: string | undefined): ObjectSchema =>
  obj({
    apiVersion: str,
    kind: str,
    metadata: ref(META),
    ...(spec ? { spec: ref(spec) } : {}),
    ...(status ? { status: ref(status) } : {}),
  });

const condition = obj({ type: str, status: str, reason: str, message: str, lastTransitionTime: str, lastHeartbeatTime: str });

export const defs: Definitions = {
  [META]: obj({
    name: str,
    namespace: str,
    uid: str,
    resourceVersion: str,
    generation: { type: 'integer', format: 'int64' },
    labels: stringMap,
    annotations: stringMap,
    finalizers: stringSet,
    ownerReferences: mergeList(ref('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference'), 'uid'),
  }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': obj({
    apiVersion: str,
    kind: str,
    name: str,
    uid: str,
    controller: bool,
    blockOwnerDeletion: bool,
  }),

  // core/v1 Service
  'io.k8s.api.core.v1.Service': kind('io.k8s.api.core.v1.ServiceSpec', 'io.k8s.api.core.v1.ServiceStatus'),
  'io.k8s.api.core.v1.ServiceSpec': obj({
    ports: mergeList(ref('io.k8s.api.core.v1.ServicePort'), 'port'),
    selector: stringMap,
    clusterIP: str,
    clusterIPs: atomic(str),
    type: str,
    sessionAffinity: str,
    ipFamilies: atomic(str),
    ipFamilyPolicy: str,
    externalIPs: atomic(str),
    internalTrafficPolicy: str,
  }),
  'io.k8s.api.core.v1.ServicePort': obj({
    name: str,
    protocol: str,
    port: int,
    targetPort: { type: 'int-or-string' },
    nodePort: int,
  }),
  'io.k8s.api.core.v1.ServiceStatus': obj({ loadBalancer: { type: 'any' } }),

  // core/v1 Pod
  'io.k8s.api.core.v1.Pod': kind('io.k8s.api.core.v1.PodSpec', 'io.k8s.api.core.v1.PodStatus'),
  'io.k8s.api.core.v1.PodSpec': obj({
    containers: mergeList(ref('io.k8s.api.core.v1.Container'), 'name'),
    initContainers: mergeList(ref('io.k8s.api.core.v1.Container'), 'name'),
    volumes: mergeList(ref('io.k8s.api.core.v1.Volume'), 'name', 'merge,retainKeys'),
    tolerations: atomic(ref('io.k8s.api.core.v1.Toleration')),
    nodeSelector: stringMap,
    nodeName: str,
    restartPolicy: str,
  }),
  'io.k8s.api.core.v1.Container': obj({
    name: str,
    image: str,
    command: atomic(str),
    args: atomic(str),
    ports: mergeList(ref('io.k8s.api.core.v1.ContainerPort'), 'containerPort'),
    env: mergeList(ref('io.k8s.api.core.v1.EnvVar'), 'name'),
    resources: obj({ limits: { type: 'map', values: { type: 'quantity' } }, requests: { type: 'map', values: { type: 'quantity' } } }),
  }),
  'io.k8s.api.core.v1.ContainerPort': obj({ name: str, containerPort: int, protocol: str, hostPort: int }),
  'io.k8s.api.core.v1.EnvVar': obj({ name: str, value: str, valueFrom: { type: 'any' } }),
  'io.k8s.api.core.v1.Volume': obj({
    name: str,
    emptyDir: obj({ medium: str, sizeLimit: { type: 'quantity' } }),
    hostPath: obj({ path: str, type: str }),
    configMap: obj({ name: str, optional: bool }),
  }),
  'io.k8s.api.core.v1.Toleration': obj({ key: str, operator: str, value: str, effect: str, tolerationSeconds: int }),
  'io.k8s.api.core.v1.PodStatus': obj({
    phase: str,
    podIP: str,
    conditions: mergeList(condition, 'type'),
  }),

  // core/v1 Node
  'io.k8s.api.core.v1.Node': kind('io.k8s.api.core.v1.NodeSpec', 'io.k8s.api.core.v1.NodeStatus'),
  'io.k8s.api.core.v1.NodeSpec': obj({ podCIDR: str, podCIDRs: { type: 'array', items: str, patchStrategy: 'merge' }, unschedulable: bool }),
  'io.k8s.api.core.v1.NodeStatus': obj({
    conditions: mergeList(condition, 'type'),
    addresses: mergeList(obj({ type: str, address: str }), 'type'),
  }),

  // discovery/v1 EndpointSlice (no spec: fields at top level)
  'io.k8s.api.discovery.v1.EndpointSlice': obj({
    apiVersion: str,
    kind: str,
    metadata: ref(META),
    addressType: str,
    endpoints: atomic(obj({ addresses: atomic(str), conditions: obj({ ready: bool }), nodeName: str })),
    ports: atomic(obj({ name: str, port: int, protocol: str })),
  }),

  // apps/v1 Deployment strategy: a retainKeys union
  'io.k8s.api.apps.v1.Deployment': kind('io.k8s.api.apps.v1.DeploymentSpec', undefined),
  'io.k8s.api.apps.v1.DeploymentSpec': obj({
    replicas: int,
    strategy: obj(
      { type: str, rollingUpdate: obj({ maxSurge: { type: 'int-or-string' }, maxUnavailable: { type: 'int-or-string' } }) },
      { patchStrategy: 'retainKeys' },
    ),
  }),

  // apimachinery strategicpatch/patch_test.go MergeItem
  mergeItem: obj({
    name: str,
    value: str,
    other: str,
    mergingList: mergeList(ref('mergeItem'), 'name'),
    nonMergingList: { type: 'array', items: ref('mergeItem') },
    mergingIntList: { type: 'array', items: int, patchStrategy: 'merge' },
    nonMergingIntList: { type: 'array', items: int },
    mergeItemPtr: mergeList(ref('mergeItem'), 'name'),
    simpleMap: stringMap,
    replacingItem: obj({}, { patchStrategy: 'replace' }),
    retainKeysMap: ref('retainKeysMergeItem'),
    retainKeysMergingList: mergeList(ref('mergeItem'), 'name', 'merge,retainKeys'),
  }),
  retainKeysMergeItem: obj(
    {
      name: str,
      value: str,
      other: str,
      simpleMap: stringMap,
      mergingIntList: { type: 'array', items: int, patchStrategy: 'merge' },
      mergingList: mergeList(ref('mergeItem'), 'name'),
      nonMergingList: { type: 'array', items: ref('mergeItem') },
    },
    { patchStrategy: 'retainKeys' },
  ),
};

export const schemas = {
  service: ref('io.k8s.api.core.v1.Service'),
  pod: ref('io.k8s.api.core.v1.Pod'),
  node: ref('io.k8s.api.core.v1.Node'),
  endpointSlice: ref('io.k8s.api.discovery.v1.EndpointSlice'),
  deployment: ref('io.k8s.api.apps.v1.Deployment'),
  mergeItem: ref('mergeItem'),
};

/** Reads a deeply frozen copy, so any mutation of a test input throws. */
export function frozen<T>(v: T): T {
  const copy = structuredClone(v);
  const freeze = (x: unknown): void => {
    if (x && typeof x === 'object') {
      Object.freeze(x);
      for (const child of Object.values(x)) freeze(child);
    }
  };
  freeze(copy);
  return copy;
}
