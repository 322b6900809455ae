/**
 * coordination.k8s.io/v1: Lease.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, int32, microTime, obj, ref, str } from './builders.ts';

export const coordinationV1Definitions: Definitions = {
  'io.k8s.api.coordination.v1.Lease': obj(
    'Lease defines a lease concept.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
      spec: ref('io.k8s.api.coordination.v1.LeaseSpec', 'spec contains the specification of the Lease. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status'),
    },
    { gvk: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' } },
  ),
  'io.k8s.api.coordination.v1.LeaseList': obj(
    'LeaseList is a list of Lease objects.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      items: arr(ref('io.k8s.api.coordination.v1.Lease'), 'items is a list of schema objects.', { listType: 'atomic' }),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
    },
    { required: ['items'], gvk: { group: 'coordination.k8s.io', version: 'v1', kind: 'LeaseList' } },
  ),
  'io.k8s.api.coordination.v1.LeaseSpec': obj(
    'LeaseSpec is a specification of a Lease.',
    {
      acquireTime: microTime('acquireTime is a time when the current lease was acquired.'),
      holderIdentity: str('holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.'),
      leaseDurationSeconds: int32('leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it. This is measured against the time of last observed renewTime.'),
      leaseTransitions: int32('leaseTransitions is the number of transitions of a lease between holders.'),
      preferredHolder: str('PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up. This field can only be set if Strategy is also set.'),
      renewTime: microTime('renewTime is a time when the current holder of a lease has last updated the lease.'),
      strategy: str('Strategy indicates the strategy for picking the leader for coordinated leader election. If the field is not specified, there is no active coordination for this lease. (Alpha) Using this field requires the CoordinatedLeaderElection feature gate to be enabled.'),
    },
  ),
};
