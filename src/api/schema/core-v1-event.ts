/**
 * core/v1 Event.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, int32, microTime, obj, ref, str, time } from './builders.ts';

export const coreV1EventDefinitions: Definitions = {
  'io.k8s.api.core.v1.Event': obj(
    'Event is a report of an event somewhere in the cluster.  Events have a limited retention time and triggers and messages may evolve with time.  Event consumers should not rely on the timing of an event with a given Reason reflecting a consistent underlying trigger, or the continued existence of events with that Reason.  Events should be treated as informative, best-effort, supplemental data.',
    {
      action: str('What action was taken/failed regarding to the Regarding object.'),
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      count: int32('The number of times this event has occurred.'),
      eventTime: microTime('Time when this Event was first observed.'),
      firstTimestamp: time('The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      involvedObject: ref('io.k8s.api.core.v1.ObjectReference', 'The object that this event is about.'),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
      message: str('A human-readable description of the status of this operation.'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
      reason: str('This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
      related: ref('io.k8s.api.core.v1.ObjectReference', 'Optional secondary object for more complex actions.'),
      reportingComponent: str('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
      reportingInstance: str('ID of the controller instance, e.g. `kubelet-xyzf`.'),
      series: ref('io.k8s.api.core.v1.EventSeries', 'Data about the Event series this event represents or nil if it\'s a singleton Event.'),
      source: ref('io.k8s.api.core.v1.EventSource', 'The component reporting this event. Should be a short machine understandable string.'),
      type: str('Type of this event (Normal, Warning), new types could be added in the future'),
    },
    { required: ['involvedObject', 'metadata'], gvk: { group: '', version: 'v1', kind: 'Event' } },
  ),
  'io.k8s.api.core.v1.EventList': obj(
    'EventList is a list of events.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      items: arr(ref('io.k8s.api.core.v1.Event'), 'List of events', { listType: 'atomic' }),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    },
    { required: ['items'], gvk: { group: '', version: 'v1', kind: 'EventList' } },
  ),
  'io.k8s.api.core.v1.EventSeries': obj(
    'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.',
    {
      count: int32('Number of occurrences in this series up to the last heartbeat time'),
      lastObservedTime: microTime('Time of the last occurrence observed'),
    },
  ),
  'io.k8s.api.core.v1.EventSource': obj(
    'EventSource contains information for an event.',
    {
      component: str('Component from which the event is generated.'),
      host: str('Node name on which the event is generated.'),
    },
  ),
};
