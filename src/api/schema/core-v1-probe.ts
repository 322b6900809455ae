/**
 * core/v1 probes and lifecycle handlers.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, int32, int64, intOrString, obj, ref, str } from './builders.ts';

export const coreV1ProbeDefinitions: Definitions = {
  'io.k8s.api.core.v1.ExecAction': obj(
    'ExecAction describes a "run in container" action.',
    {
      command: arr(str(), 'Command is the command line to execute inside the container, the working directory for the command  is root (\'/\') in the container\'s filesystem. The command is simply exec\'d, it is not run inside a shell, so traditional shell instructions (\'|\', etc) won\'t work. To use a shell, you need to explicitly call out to that shell. Exit status of 0 is treated as live/healthy and non-zero is unhealthy.', { listType: 'atomic' }),
    },
  ),
  'io.k8s.api.core.v1.GRPCAction': obj(
    'GRPCAction specifies an action involving a GRPC service.',
    {
      port: int32('Port number of the gRPC service. Number must be in the range 1 to 65535.'),
      service: str('Service is the name of the service to place in the gRPC HealthCheckRequest (see https://github.com/grpc/grpc/blob/master/doc/health-checking.md).\n\nIf this is not specified, the default behavior is defined by gRPC.'),
    },
    { required: ['port'] },
  ),
  'io.k8s.api.core.v1.HTTPGetAction': obj(
    'HTTPGetAction describes an action based on HTTP Get requests.',
    {
      host: str('Host name to connect to, defaults to the pod IP. You probably want to set "Host" in httpHeaders instead.'),
      httpHeaders: arr(ref('io.k8s.api.core.v1.HTTPHeader'), 'Custom headers to set in the request. HTTP allows repeated headers.', { listType: 'atomic' }),
      path: str('Path to access on the HTTP server.'),
      port: intOrString('Name or number of the port to access on the container. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME.'),
      scheme: str('Scheme to use for connecting to the host. Defaults to HTTP.', { enum: ['HTTP', 'HTTPS'] }),
    },
    { required: ['port'] },
  ),
  'io.k8s.api.core.v1.HTTPHeader': obj(
    'HTTPHeader describes a custom header to be used in HTTP probes',
    {
      name: str('The header field name. This will be canonicalized upon output, so case-variant names will be understood as the same header.'),
      value: str('The header field value'),
    },
    { required: ['name', 'value'] },
  ),
  'io.k8s.api.core.v1.Lifecycle': obj(
    'Lifecycle describes actions that the management system should take in response to container lifecycle events. For the PostStart and PreStop lifecycle handlers, management of the container blocks until the action is complete, unless the container process fails, in which case the handler is aborted.',
    {
      postStart: ref('io.k8s.api.core.v1.LifecycleHandler', 'PostStart is called immediately after a container is created. If the handler fails, the container is terminated and restarted according to its restart policy. Other management of the container blocks until the hook completes. More info: https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#container-hooks'),
      preStop: ref('io.k8s.api.core.v1.LifecycleHandler', 'PreStop is called immediately before a container is terminated due to an API request or management event such as liveness/startup probe failure, preemption, resource contention, etc. The handler is not called if the container crashes or exits. The Pod\'s termination grace period countdown begins before the PreStop hook is executed. Regardless of the outcome of the handler, the container will eventually terminate within the Pod\'s termination grace period (unless delayed by finalizers). Other management of the container blocks until the hook completes or until the termination grace period is reached. More info: https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#container-hooks'),
      stopSignal: str('StopSignal defines which signal will be sent to a container when it is being stopped. If not specified, the default is defined by the container runtime in use. StopSignal can only be set for Pods with a non-empty .spec.os.name'),
    },
  ),
  'io.k8s.api.core.v1.LifecycleHandler': obj(
    'LifecycleHandler defines a specific action that should be taken in a lifecycle hook. One and only one of the fields, except TCPSocket must be specified.',
    {
      exec: ref('io.k8s.api.core.v1.ExecAction', 'Exec specifies the action to take.'),
      httpGet: ref('io.k8s.api.core.v1.HTTPGetAction', 'HTTPGet specifies the http request to perform.'),
      sleep: ref('io.k8s.api.core.v1.SleepAction', 'Sleep represents the duration that the container should sleep before being terminated.'),
      tcpSocket: ref('io.k8s.api.core.v1.TCPSocketAction', 'Deprecated. TCPSocket is NOT supported as a LifecycleHandler and kept for the backward compatibility. There are no validation of this field and lifecycle hooks will fail in runtime when tcp handler is specified.'),
    },
  ),
  'io.k8s.api.core.v1.Probe': obj(
    'Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.',
    {
      exec: ref('io.k8s.api.core.v1.ExecAction', 'Exec specifies the action to take.'),
      failureThreshold: int32('Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1.'),
      grpc: ref('io.k8s.api.core.v1.GRPCAction', 'GRPC specifies an action involving a GRPC port.'),
      httpGet: ref('io.k8s.api.core.v1.HTTPGetAction', 'HTTPGet specifies the http request to perform.'),
      initialDelaySeconds: int32('Number of seconds after the container has started before liveness probes are initiated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes'),
      periodSeconds: int32('How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.'),
      successThreshold: int32('Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1. Must be 1 for liveness and startup. Minimum value is 1.'),
      tcpSocket: ref('io.k8s.api.core.v1.TCPSocketAction', 'TCPSocket specifies an action involving a TCP port.'),
      terminationGracePeriodSeconds: int64('Optional duration in seconds the pod needs to terminate gracefully upon probe failure. The grace period is the duration in seconds after the processes running in the pod are sent a termination signal and the time when the processes are forcibly halted with a kill signal. Set this value longer than the expected cleanup time for your process. If this value is nil, the pod\'s terminationGracePeriodSeconds will be used. Otherwise, this value overrides the value provided by the pod spec. Value must be non-negative integer. The value zero indicates stop immediately via the kill signal (no opportunity to shut down). This is a beta field and requires enabling ProbeTerminationGracePeriod feature gate. Minimum value is 1. spec.terminationGracePeriodSeconds is used if unset.'),
      timeoutSeconds: int32('Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes'),
    },
  ),
  'io.k8s.api.core.v1.SleepAction': obj(
    'SleepAction describes a "sleep" action.',
    {
      seconds: int64('Seconds is the number of seconds to sleep.'),
    },
    { required: ['seconds'] },
  ),
  'io.k8s.api.core.v1.TCPSocketAction': obj(
    'TCPSocketAction describes an action based on opening a socket',
    {
      host: str('Optional: Host name to connect to, defaults to the pod IP.'),
      port: intOrString('Number or name of the port to access on the container. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME.'),
    },
    { required: ['port'] },
  ),
};
