/**
 * core/v1 Container and EphemeralContainer: ports, env, mounts, resources.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, bool, int32, map, obj, quantity, ref, str } from './builders.ts';

export const coreV1ContainerDefinitions: Definitions = {
  'io.k8s.api.core.v1.ConfigMapEnvSource': obj(
    'ConfigMapEnvSource selects a ConfigMap to populate the environment variables with.\n\nThe contents of the target ConfigMap\'s Data field will represent the key-value pairs as environment variables.',
    {
      name: str('Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. Instances of this type with an empty value here are almost certainly wrong. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names'),
      optional: bool('Specify whether the ConfigMap must be defined'),
    },
  ),
  'io.k8s.api.core.v1.ConfigMapKeySelector': obj(
    'Selects a key from a ConfigMap.',
    {
      key: str('The key to select.'),
      name: str('Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. Instances of this type with an empty value here are almost certainly wrong. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names'),
      optional: bool('Specify whether the ConfigMap or its key must be defined'),
    },
    { required: ['key'] },
  ),
  'io.k8s.api.core.v1.Container': obj(
    'A single application container that you want to run within a pod.',
    {
      args: arr(str(), 'Arguments to the entrypoint. The container image\'s CMD is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container\'s environment. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)". Escaped references will never be expanded, regardless of whether the variable exists or not. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell', { listType: 'atomic' }),
      command: arr(str(), 'Entrypoint array. Not executed within a shell. The container image\'s ENTRYPOINT is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container\'s environment. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)". Escaped references will never be expanded, regardless of whether the variable exists or not. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell', { listType: 'atomic' }),
      env: arr(ref('io.k8s.api.core.v1.EnvVar'), 'List of environment variables to set in the container. Cannot be updated.', { mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] }),
      envFrom: arr(ref('io.k8s.api.core.v1.EnvFromSource'), 'List of sources to populate environment variables in the container. The keys defined within a source must be a C_IDENTIFIER. All invalid keys will be reported as an event when the container is starting. When a key exists in multiple sources, the value associated with the last source will take precedence. Values defined by an Env with a duplicate key will take precedence. Cannot be updated.', { listType: 'atomic' }),
      image: str('Container image name. More info: https://kubernetes.io/docs/concepts/containers/images This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.'),
      imagePullPolicy: str('Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated. More info: https://kubernetes.io/docs/concepts/containers/images#updating-images', { enum: ['Always', 'IfNotPresent', 'Never'] }),
      lifecycle: ref('io.k8s.api.core.v1.Lifecycle', 'Actions that the management system should take in response to container lifecycle events. Cannot be updated.'),
      livenessProbe: ref('io.k8s.api.core.v1.Probe', 'Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes'),
      name: str('Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.'),
      ports: arr(ref('io.k8s.api.core.v1.ContainerPort'), 'List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed. Any port which is listening on the default "0.0.0.0" address inside a container will be accessible from the network. Modifying this array with strategic merge patch may corrupt the data. For more information See https://github.com/kubernetes/kubernetes/issues/108255. Cannot be updated.', { mergeKey: 'containerPort', patchStrategy: 'merge', listType: 'map', listMapKeys: ['containerPort', 'protocol'] }),
      readinessProbe: ref('io.k8s.api.core.v1.Probe', 'Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes'),
      resizePolicy: arr(ref('io.k8s.api.core.v1.ContainerResizePolicy'), 'Resources resize policy for the container.', { listType: 'atomic' }),
      resources: ref('io.k8s.api.core.v1.ResourceRequirements', 'Compute Resources required by this container. Cannot be updated. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/'),
      restartPolicy: str('RestartPolicy defines the restart behavior of individual containers in a pod. This field may only be set for init containers, and the only allowed value is "Always". For non-init containers or when this field is not specified, the restart behavior is defined by the Pod\'s restart policy and the container type. Setting the RestartPolicy as "Always" for the init container will have the following effect: this init container will be continually restarted on exit until all regular containers have terminated. Once all regular containers have completed, all init containers with restartPolicy "Always" will be shut down. This lifecycle differs from normal init containers and is often referred to as a "sidecar" container. Although this init container still starts in the init container sequence, it does not wait for the container to complete before proceeding to the next init container. Instead, the next init container starts immediately after this init container is started, or after any startupProbe has successfully completed.'),
      securityContext: ref('io.k8s.api.core.v1.SecurityContext', 'SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext. More info: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/'),
      startupProbe: ref('io.k8s.api.core.v1.Probe', 'StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully. If this probe fails, the Pod will be restarted, just as if the livenessProbe failed. This can be used to provide different probe parameters at the beginning of a Pod\'s lifecycle, when it might take a long time to load data or warm a cache, than during steady-state operation. This cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes'),
      stdin: bool('Whether this container should allocate a buffer for stdin in the container runtime. If this is not set, reads from stdin in the container will always result in EOF. Default is false.'),
      stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach. When stdin is true the stdin stream will remain open across multiple attach sessions. If stdinOnce is set to true, stdin is opened on container start, is empty until the first client attaches to stdin, and then remains open and accepts data until the client disconnects, at which time stdin is closed and remains closed until the container is restarted. If this flag is false, a container processes that reads from stdin will never receive an EOF. Default is false'),
      terminationMessagePath: str('Optional: Path at which the file to which the container\'s termination message will be written is mounted into the container\'s filesystem. Message written is intended to be brief final status, such as an assertion failure message. Will be truncated by the node if greater than 4096 bytes. The total message length across all containers will be limited to 12kb. Defaults to /dev/termination-log. Cannot be updated.'),
      terminationMessagePolicy: str('Indicate how the termination message should be populated. File will use the contents of terminationMessagePath to populate the container status message on both success and failure. FallbackToLogsOnError will use the last chunk of container log output if the termination message file is empty and the container exited with an error. The log output is limited to 2048 bytes or 80 lines, whichever is smaller. Defaults to File. Cannot be updated.', { enum: ['FallbackToLogsOnError', 'File'] }),
      tty: bool('Whether this container should allocate a TTY for itself, also requires \'stdin\' to be true. Default is false.'),
      volumeDevices: arr(ref('io.k8s.api.core.v1.VolumeDevice'), 'volumeDevices is the list of block devices to be used by the container.', { mergeKey: 'devicePath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['devicePath'] }),
      volumeMounts: arr(ref('io.k8s.api.core.v1.VolumeMount'), 'Pod volumes to mount into the container\'s filesystem. Cannot be updated.', { mergeKey: 'mountPath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['mountPath'] }),
      workingDir: str('Container\'s working directory. If not specified, the container runtime\'s default will be used, which might be configured in the container image. Cannot be updated.'),
    },
    { required: ['name'] },
  ),
  'io.k8s.api.core.v1.ContainerPort': obj(
    'ContainerPort represents a network port in a single container.',
    {
      containerPort: int32('Number of port to expose on the pod\'s IP address. This must be a valid port number, 0 < x < 65536.'),
      hostIP: str('What host IP to bind the external port to.'),
      hostPort: int32('Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536. If HostNetwork is specified, this must match ContainerPort. Most containers do not need this.'),
      name: str('If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name. Name for the port that can be referred to by services.'),
      protocol: str('Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".', { enum: ['SCTP', 'TCP', 'UDP'] }),
    },
    { required: ['containerPort'] },
  ),
  'io.k8s.api.core.v1.ContainerResizePolicy': obj(
    'ContainerResizePolicy represents resource resize policy for the container.',
    {
      resourceName: str('Name of the resource to which this resource resize policy applies. Supported values: cpu, memory.'),
      restartPolicy: str('Restart policy to apply when specified resource is resized. If not specified, it defaults to NotRequired.', { enum: ['NotRequired', 'RestartContainer'] }),
    },
    { required: ['resourceName', 'restartPolicy'] },
  ),
  'io.k8s.api.core.v1.EnvFromSource': obj(
    'EnvFromSource represents the source of a set of ConfigMaps or Secrets',
    {
      configMapRef: ref('io.k8s.api.core.v1.ConfigMapEnvSource', 'The ConfigMap to select from'),
      prefix: str('Optional text to prepend to the name of each environment variable. Must be a C_IDENTIFIER.'),
      secretRef: ref('io.k8s.api.core.v1.SecretEnvSource', 'The Secret to select from'),
    },
  ),
  'io.k8s.api.core.v1.EnvVar': obj(
    'EnvVar represents an environment variable present in a Container.',
    {
      name: str('Name of the environment variable. Must be a C_IDENTIFIER.'),
      value: str('Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)". Escaped references will never be expanded, regardless of whether the variable exists or not. Defaults to "".'),
      valueFrom: ref('io.k8s.api.core.v1.EnvVarSource', 'Source for the environment variable\'s value. Cannot be used if value is not empty.'),
    },
    { required: ['name'] },
  ),
  'io.k8s.api.core.v1.EnvVarSource': obj(
    'EnvVarSource represents a source for the value of an EnvVar.',
    {
      configMapKeyRef: ref('io.k8s.api.core.v1.ConfigMapKeySelector', 'Selects a key of a ConfigMap.'),
      fieldRef: ref('io.k8s.api.core.v1.ObjectFieldSelector', 'Selects a field of the pod: supports metadata.name, metadata.namespace, `metadata.labels[\'<KEY>\']`, `metadata.annotations[\'<KEY>\']`, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.'),
      resourceFieldRef: ref('io.k8s.api.core.v1.ResourceFieldSelector', 'Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.'),
      secretKeyRef: ref('io.k8s.api.core.v1.SecretKeySelector', 'Selects a key of a secret in the pod\'s namespace'),
    },
  ),
  'io.k8s.api.core.v1.EphemeralContainer': obj(
    'An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging. Ephemeral containers have no resource or scheduling guarantees, and they will not be restarted when they exit or when a Pod is removed or restarted. The kubelet may evict a Pod if an ephemeral container causes the Pod to exceed its resource allocation.\n\nTo add an ephemeral container, use the ephemeralcontainers subresource of an existing Pod. Ephemeral containers may not be removed or restarted.',
    {
      args: arr(str(), 'Arguments to the entrypoint. The image\'s CMD is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container\'s environment. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)". Escaped references will never be expanded, regardless of whether the variable exists or not. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell', { listType: 'atomic' }),
      command: arr(str(), 'Entrypoint array. Not executed within a shell. The image\'s ENTRYPOINT is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container\'s environment. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax: i.e. "$$(VAR_NAME)" will produce the string literal "$(VAR_NAME)". Escaped references will never be expanded, regardless of whether the variable exists or not. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell', { listType: 'atomic' }),
      env: arr(ref('io.k8s.api.core.v1.EnvVar'), 'List of environment variables to set in the container. Cannot be updated.', { mergeKey: 'name', patchStrategy: 'merge', listType: 'map', listMapKeys: ['name'] }),
      envFrom: arr(ref('io.k8s.api.core.v1.EnvFromSource'), 'List of sources to populate environment variables in the container. The keys defined within a source must be a C_IDENTIFIER. All invalid keys will be reported as an event when the container is starting. When a key exists in multiple sources, the value associated with the last source will take precedence. Values defined by an Env with a duplicate key will take precedence. Cannot be updated.', { listType: 'atomic' }),
      image: str('Container image name. More info: https://kubernetes.io/docs/concepts/containers/images'),
      imagePullPolicy: str('Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated. More info: https://kubernetes.io/docs/concepts/containers/images#updating-images', { enum: ['Always', 'IfNotPresent', 'Never'] }),
      lifecycle: ref('io.k8s.api.core.v1.Lifecycle', 'Lifecycle is not allowed for ephemeral containers.'),
      livenessProbe: ref('io.k8s.api.core.v1.Probe', 'Probes are not allowed for ephemeral containers.'),
      name: str('Name of the ephemeral container specified as a DNS_LABEL. This name must be unique among all containers, init containers and ephemeral containers.'),
      ports: arr(ref('io.k8s.api.core.v1.ContainerPort'), 'Ports are not allowed for ephemeral containers.', { mergeKey: 'containerPort', patchStrategy: 'merge', listType: 'map', listMapKeys: ['containerPort', 'protocol'] }),
      readinessProbe: ref('io.k8s.api.core.v1.Probe', 'Probes are not allowed for ephemeral containers.'),
      resizePolicy: arr(ref('io.k8s.api.core.v1.ContainerResizePolicy'), 'Resources resize policy for the container.', { listType: 'atomic' }),
      resources: ref('io.k8s.api.core.v1.ResourceRequirements', 'Resources are not allowed for ephemeral containers. Ephemeral containers use spare resources already allocated to the pod.'),
      restartPolicy: str('Restart policy for the container to manage the restart behavior of each container within a pod. This may only be set for init containers. You cannot set this field on ephemeral containers.'),
      securityContext: ref('io.k8s.api.core.v1.SecurityContext', 'Optional: SecurityContext defines the security options the ephemeral container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.'),
      startupProbe: ref('io.k8s.api.core.v1.Probe', 'Probes are not allowed for ephemeral containers.'),
      stdin: bool('Whether this container should allocate a buffer for stdin in the container runtime. If this is not set, reads from stdin in the container will always result in EOF. Default is false.'),
      stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach. When stdin is true the stdin stream will remain open across multiple attach sessions. If stdinOnce is set to true, stdin is opened on container start, is empty until the first client attaches to stdin, and then remains open and accepts data until the client disconnects, at which time stdin is closed and remains closed until the container is restarted. If this flag is false, a container processes that reads from stdin will never receive an EOF. Default is false'),
      targetContainerName: str('If set, the name of the container from PodSpec that this ephemeral container targets. The ephemeral container will be run in the namespaces (IPC, PID, etc) of this container. If not set then the ephemeral container uses the namespaces configured in the Pod spec.\n\nThe container runtime must implement support for this feature. If the runtime does not support namespace targeting then the result of setting this field is undefined.'),
      terminationMessagePath: str('Optional: Path at which the file to which the container\'s termination message will be written is mounted into the container\'s filesystem. Message written is intended to be brief final status, such as an assertion failure message. Will be truncated by the node if greater than 4096 bytes. The total message length across all containers will be limited to 12kb. Defaults to /dev/termination-log. Cannot be updated.'),
      terminationMessagePolicy: str('Indicate how the termination message should be populated. File will use the contents of terminationMessagePath to populate the container status message on both success and failure. FallbackToLogsOnError will use the last chunk of container log output if the termination message file is empty and the container exited with an error. The log output is limited to 2048 bytes or 80 lines, whichever is smaller. Defaults to File. Cannot be updated.', { enum: ['FallbackToLogsOnError', 'File'] }),
      tty: bool('Whether this container should allocate a TTY for itself, also requires \'stdin\' to be true. Default is false.'),
      volumeDevices: arr(ref('io.k8s.api.core.v1.VolumeDevice'), 'volumeDevices is the list of block devices to be used by the container.', { mergeKey: 'devicePath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['devicePath'] }),
      volumeMounts: arr(ref('io.k8s.api.core.v1.VolumeMount'), 'Pod volumes to mount into the container\'s filesystem. Subpath mounts are not allowed for ephemeral containers. Cannot be updated.', { mergeKey: 'mountPath', patchStrategy: 'merge', listType: 'map', listMapKeys: ['mountPath'] }),
      workingDir: str('Container\'s working directory. If not specified, the container runtime\'s default will be used, which might be configured in the container image. Cannot be updated.'),
    },
    { required: ['name'] },
  ),
  'io.k8s.api.core.v1.ObjectFieldSelector': obj(
    'ObjectFieldSelector selects an APIVersioned field of an object.',
    {
      apiVersion: str('Version of the schema the FieldPath is written in terms of, defaults to "v1".'),
      fieldPath: str('Path of the field to select in the specified API version.'),
    },
    { required: ['fieldPath'] },
  ),
  'io.k8s.api.core.v1.ResourceClaim': obj(
    'ResourceClaim references one entry in PodSpec.ResourceClaims.',
    {
      name: str('Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used. It makes that resource available inside a container.'),
      request: str('Request is the name chosen for a request in the referenced claim. If empty, everything from the claim is made available, otherwise only the result of this request.'),
    },
    { required: ['name'] },
  ),
  'io.k8s.api.core.v1.ResourceFieldSelector': obj(
    'ResourceFieldSelector represents container resources (cpu, memory) and their output format',
    {
      containerName: str('Container name: required for volumes, optional for env vars'),
      divisor: quantity('Specifies the output format of the exposed resources, defaults to "1"'),
      resource: str('Required: resource to select'),
    },
    { required: ['resource'] },
  ),
  'io.k8s.api.core.v1.ResourceRequirements': obj(
    'ResourceRequirements describes the compute resource requirements.',
    {
      claims: arr(ref('io.k8s.api.core.v1.ResourceClaim'), 'Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.\n\nThis is an alpha field and requires enabling the DynamicResourceAllocation feature gate.\n\nThis field is immutable. It can only be set for containers.', { listType: 'map', listMapKeys: ['name'] }),
      limits: map(quantity(), 'Limits describes the maximum amount of compute resources allowed. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/'),
      requests: map(quantity(), 'Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value. Requests cannot exceed Limits. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/'),
    },
  ),
  'io.k8s.api.core.v1.SecretEnvSource': obj(
    'SecretEnvSource selects a Secret to populate the environment variables with.\n\nThe contents of the target Secret\'s Data field will represent the key-value pairs as environment variables.',
    {
      name: str('Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. Instances of this type with an empty value here are almost certainly wrong. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names'),
      optional: bool('Specify whether the Secret must be defined'),
    },
  ),
  'io.k8s.api.core.v1.SecretKeySelector': obj(
    'SecretKeySelector selects a key of a Secret.',
    {
      key: str('The key of the secret to select from.  Must be a valid secret key.'),
      name: str('Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. Instances of this type with an empty value here are almost certainly wrong. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names'),
      optional: bool('Specify whether the Secret or its key must be defined'),
    },
    { required: ['key'] },
  ),
  'io.k8s.api.core.v1.VolumeDevice': obj(
    'volumeDevice describes a mapping of a raw block device within a container.',
    {
      devicePath: str('devicePath is the path inside of the container that the device will be mapped to.'),
      name: str('name must match the name of a persistentVolumeClaim in the pod'),
    },
    { required: ['devicePath', 'name'] },
  ),
  'io.k8s.api.core.v1.VolumeMount': obj(
    'VolumeMount describes a mounting of a Volume within a container.',
    {
      mountPath: str('Path within the container at which the volume should be mounted.  Must not contain \':\'.'),
      mountPropagation: str('mountPropagation determines how mounts are propagated from the host to container and the other way around. When not set, MountPropagationNone is used. This field is beta in 1.10. When RecursiveReadOnly is set to IfPossible or to Enabled, MountPropagation must be None or unspecified (which defaults to None).', { enum: ['Bidirectional', 'HostToContainer', 'None'] }),
      name: str('This must match the Name of a Volume.'),
      readOnly: bool('Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.'),
      recursiveReadOnly: str('RecursiveReadOnly specifies whether read-only mounts should be handled recursively.\n\nIf ReadOnly is false, this field has no meaning and must be unspecified.\n\nIf ReadOnly is true, and this field is set to Disabled, the mount is not made recursively read-only.  If this field is set to IfPossible, the mount is made recursively read-only, if it is supported by the container runtime.  If this field is set to Enabled, the mount is made recursively read-only if it is supported by the container runtime, otherwise the pod will not be started and an error will be generated to indicate the reason.\n\nIf this field is set to IfPossible or Enabled, MountPropagation must be set to None (or be unspecified, which defaults to None).\n\nIf this field is not specified, it is treated as an equivalent of Disabled.'),
      subPath: str('Path within the volume from which the container\'s volume should be mounted. Defaults to "" (volume\'s root).'),
      subPathExpr: str('Expanded path within the volume from which the container\'s volume should be mounted. Behaves similarly to SubPath but environment variable references $(VAR_NAME) are expanded using the container\'s environment. Defaults to "" (volume\'s root). SubPathExpr and SubPath are mutually exclusive.'),
    },
    { required: ['mountPath', 'name'] },
  ),
};
