/**
 * core/v1 ContainerStatus and container states.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, bool, int32, int64, map, obj, quantity, ref, str, time } from './builders.ts';

export const coreV1ContainerStatusDefinitions: Definitions = {
  'io.k8s.api.core.v1.ContainerState': obj(
    'ContainerState holds a possible state of container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.',
    {
      running: ref('io.k8s.api.core.v1.ContainerStateRunning', 'Details about a running container'),
      terminated: ref('io.k8s.api.core.v1.ContainerStateTerminated', 'Details about a terminated container'),
      waiting: ref('io.k8s.api.core.v1.ContainerStateWaiting', 'Details about a waiting container'),
    },
  ),
  'io.k8s.api.core.v1.ContainerStateRunning': obj(
    'ContainerStateRunning is a running state of a container.',
    {
      startedAt: time('Time at which the container was last (re-)started'),
    },
  ),
  'io.k8s.api.core.v1.ContainerStateTerminated': obj(
    'ContainerStateTerminated is a terminated state of a container.',
    {
      containerID: str('Container\'s ID in the format \'<type>://<container_id>\''),
      exitCode: int32('Exit status from the last termination of the container'),
      finishedAt: time('Time at which the container last terminated'),
      message: str('Message regarding the last termination of the container'),
      reason: str('(brief) reason from the last termination of the container'),
      signal: int32('Signal from the last termination of the container'),
      startedAt: time('Time at which previous execution of the container started'),
    },
    { required: ['exitCode'] },
  ),
  'io.k8s.api.core.v1.ContainerStateWaiting': obj(
    'ContainerStateWaiting is a waiting state of a container.',
    {
      message: str('Message regarding why the container is not yet running.'),
      reason: str('(brief) reason the container is not yet running.'),
    },
  ),
  'io.k8s.api.core.v1.ContainerStatus': obj(
    'ContainerStatus contains details for the current status of this container.',
    {
      allocatedResources: map(quantity(), 'AllocatedResources represents the compute resources allocated for this container by the node. Kubelet sets this value to Container.Resources.Requests upon successful pod admission and after successfully admitting desired pod resize.'),
      allocatedResourcesStatus: arr(ref('io.k8s.api.core.v1.ResourceStatus'), 'AllocatedResourcesStatus represents the status of various resources allocated for this Pod.', { mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] }),
      containerID: str('ContainerID is the ID of the container in the format \'<type>://<container_id>\'. Where type is a container runtime identifier, returned from Version call of CRI API (for example "containerd").'),
      image: str('Image is the name of container image that the container is running. The container image may not match the image used in the PodSpec, as it may have been resolved by the runtime. More info: https://kubernetes.io/docs/concepts/containers/images.'),
      imageID: str('ImageID is the image ID of the container\'s image. The image ID may not match the image ID of the image used in the PodSpec, as it may have been resolved by the runtime.'),
      lastState: ref('io.k8s.api.core.v1.ContainerState', 'LastTerminationState holds the last termination state of the container to help debug container crashes and restarts. This field is not populated if the container is still running and RestartCount is 0.'),
      name: str('Name is a DNS_LABEL representing the unique name of the container. Each container in a pod must have a unique name across all container types. Cannot be updated.'),
      ready: bool('Ready specifies whether the container is currently passing its readiness check. The value will change as readiness probes keep executing. If no readiness probes are specified, this field defaults to true once the container is fully started (see Started field).\n\nThe value is typically used to determine whether a container is ready to accept traffic.'),
      resources: ref('io.k8s.api.core.v1.ResourceRequirements', 'Resources represents the compute resource requests and limits that have been successfully enacted on the running container after it has been started or has been successfully resized.'),
      restartCount: int32('RestartCount holds the number of times the container has been restarted. Kubelet makes an effort to always increment the value, but there are cases when the state may be lost due to node restarts and then the value may be reset to 0. The value is never negative.'),
      started: bool('Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe. Initialized as false, becomes true after startupProbe is considered successful. Resets to false when the container is restarted, or if kubelet loses state temporarily. In both cases, startup probes will run again. Is always true when no startupProbe is defined and container is running and has passed the postStart lifecycle hook. The null value must be treated the same as false.'),
      state: ref('io.k8s.api.core.v1.ContainerState', 'State holds details about the container\'s current condition.'),
      stopSignal: str('StopSignal reports the effective stop signal for this container'),
      user: ref('io.k8s.api.core.v1.ContainerUser', 'User represents user identity information initially attached to the first process of the container'),
      volumeMounts: arr(ref('io.k8s.api.core.v1.VolumeMountStatus'), 'Status of volume mounts.', { listType: 'map', listMapKeys: ['mountPath'] }),
    },
    { required: ['image', 'imageID', 'name', 'ready', 'restartCount'] },
  ),
  'io.k8s.api.core.v1.ContainerUser': obj(
    'ContainerUser represents user identity information',
    {
      linux: ref('io.k8s.api.core.v1.LinuxContainerUser', 'Linux holds user identity information initially attached to the first process of the containers in Linux. Note that the actual running identity can be changed if the process has enough privilege to do so.'),
    },
  ),
  'io.k8s.api.core.v1.LinuxContainerUser': obj(
    'LinuxContainerUser represents user identity information in Linux containers',
    {
      gid: int64('GID is the primary gid initially attached to the first process in the container'),
      supplementalGroups: arr(int64(), 'SupplementalGroups are the supplemental groups initially attached to the first process in the container', { listType: 'atomic' }),
      uid: int64('UID is the primary uid initially attached to the first process in the container'),
    },
    { required: ['gid', 'uid'] },
  ),
  'io.k8s.api.core.v1.ResourceHealth': obj(
    'ResourceHealth represents the health of a resource. It has the latest device health information. This is a part of KEP https://kep.k8s.io/4680.',
    {
      health: str('Health of the resource. can be one of:  - Healthy: operates as normal  - Unhealthy: reported unhealthy. We consider this a temporary health issue               since we do not have a mechanism today to distinguish               temporary and permanent issues.  - Unknown: The status cannot be determined.             For example, Device Plugin got unregistered and hasn\'t been re-registered since.  In future we may want to introduce the PermanentlyUnhealthy Status.'),
      resourceID: str('ResourceID is the unique identifier of the resource. See the ResourceID type for more information.'),
    },
    { required: ['resourceID'] },
  ),
  'io.k8s.api.core.v1.ResourceStatus': obj(
    'ResourceStatus represents the status of a single resource allocated to a Pod.',
    {
      name: str('Name of the resource. Must be unique within the pod and in case of non-DRA resource, match one of the resources from the pod spec. For DRA resources, the value must be "claim:<claim_name>/<request>". When this status is reported about a container, the "claim_name" and "request" must match one of the claims of this container.'),
      resources: arr(ref('io.k8s.api.core.v1.ResourceHealth'), 'List of unique resources health. Each element in the list contains an unique resource ID and its health. At a minimum, for the lifetime of a Pod, resource ID must uniquely identify the resource allocated to the Pod on the Node. If other Pod on the same Node reports the status with the same resource ID, it must be the same resource they share. See ResourceID type definition for a specific format it has in various use cases.', { listType: 'map', listMapKeys: ['resourceID'] }),
    },
    { required: ['name'] },
  ),
  'io.k8s.api.core.v1.VolumeMountStatus': obj(
    'VolumeMountStatus shows status of volume mounts.',
    {
      mountPath: str('MountPath corresponds to the original VolumeMount.'),
      name: str('Name corresponds to the name of the original VolumeMount.'),
      readOnly: bool('ReadOnly corresponds to the original VolumeMount.'),
      recursiveReadOnly: str('RecursiveReadOnly must be set to Disabled, Enabled, or unspecified (for non-readonly mounts). An IfPossible value in the original VolumeMount must be translated to Disabled or Enabled, depending on the mount result.'),
    },
    { required: ['mountPath', 'name'] },
  ),
};
