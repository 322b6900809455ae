/**
 * core/v1 Namespace.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, obj, ref, str, time } from './builders.ts';

export const coreV1NamespaceDefinitions: Definitions = {
  'io.k8s.api.core.v1.Namespace': obj(
    'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
      spec: ref('io.k8s.api.core.v1.NamespaceSpec', 'Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status'),
      status: ref('io.k8s.api.core.v1.NamespaceStatus', 'Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status'),
    },
    { gvk: { group: '', version: 'v1', kind: 'Namespace' } },
  ),
  'io.k8s.api.core.v1.NamespaceCondition': obj(
    'NamespaceCondition contains details about state of namespace.',
    {
      lastTransitionTime: time('Last time the condition transitioned from one status to another.'),
      message: str('Human-readable message indicating details about last transition.'),
      reason: str('Unique, one-word, CamelCase reason for the condition\'s last transition.'),
      status: str('Status of the condition, one of True, False, Unknown.'),
      type: str('Type of namespace controller condition.'),
    },
    { required: ['status', 'type'] },
  ),
  'io.k8s.api.core.v1.NamespaceList': obj(
    'NamespaceList is a list of Namespaces.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      items: arr(ref('io.k8s.api.core.v1.Namespace'), 'Items is the list of Namespace objects in the list. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/', { listType: 'atomic' }),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    },
    { required: ['items'], gvk: { group: '', version: 'v1', kind: 'NamespaceList' } },
  ),
  'io.k8s.api.core.v1.NamespaceSpec': obj(
    'NamespaceSpec describes the attributes on a Namespace.',
    {
      finalizers: arr(str(), 'Finalizers is an opaque list of values that must be empty to permanently remove object from storage. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/', { listType: 'atomic' }),
    },
  ),
  'io.k8s.api.core.v1.NamespaceStatus': obj(
    'NamespaceStatus is information about the current status of a Namespace.',
    {
      conditions: arr(ref('io.k8s.api.core.v1.NamespaceCondition'), 'Represents the latest available observations of a namespace\'s current state.', { mergeKey: 'type', patchStrategy: 'merge', listType: 'map', listMapKeys: ['type'] }),
      phase: str('Phase is the current lifecycle phase of the namespace. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/', { enum: ['Active', 'Terminating'] }),
    },
  ),
};
