/**
 * Well-known label, annotation and controller names the endpoint controllers
 * read and write (k8s.io/api discovery/v1 well_known_labels.go, core/v1
 * annotation_key_constants.go and well_known_labels.go).
 */

/** discovery.LabelServiceName: the Service a slice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy: which controller (or user) manages a slice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** discovery.LabelSkipMirror: on an Endpoints object, "true" stops mirroring. */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** v1.IsHeadlessService: set ("") on slices/Endpoints of a Service without a cluster IP. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** v1.LabelTopologyZone on Nodes. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** v1.EndpointsLastChangeTriggerTime (RFC3339Nano). */
export const ANNOTATION_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** v1.EndpointsOverCapacity; the Endpoints controller writes the value "truncated". */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** resourcelock.LeaderElectionRecordAnnotationKey: old leader-election Endpoints, never touched. */
export const ANNOTATION_LEADER = 'control-plane.alpha.kubernetes.io/leader';
/** v1.LastAppliedConfigAnnotation (kubectl apply). */
export const ANNOTATION_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** v1.AnnotationTopologyMode and its deprecated predecessor (which wins when both are set). */
export const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
export const ANNOTATION_TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';

/** The managed-by values of the two slice-writing controllers. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';

/** --max-endpoints-per-slice default and upper bound (kube-controller-manager). */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
export const MAX_ENDPOINTS_PER_SLICE_LIMIT = 1000;
/** Endpoints controller capacity (maxCapacity) and mirroring's per-subset cap. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;
