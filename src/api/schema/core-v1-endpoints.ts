/**
 * core/v1 Endpoints.
 *
 * Fields, types and descriptions are Kubernetes v1.33's own (its OpenAPI
 * documents, which kubectl explain prints); patch strategies and merge keys
 * copy the Go struct tags; list types copy the +listType markers.
 */
import type { Definitions } from '../schema-types.ts';
import { arr, int32, obj, ref, str } from './builders.ts';

export const coreV1EndpointsDefinitions: Definitions = {
  'io.k8s.api.core.v1.EndpointAddress': obj(
    'EndpointAddress is a tuple that describes single IP address. Deprecated: This API is deprecated in v1.33+.',
    {
      hostname: str('The Hostname of this endpoint'),
      ip: str('The IP of this endpoint. May not be loopback (127.0.0.0/8 or ::1), link-local (169.254.0.0/16 or fe80::/10), or link-local multicast (224.0.0.0/24 or ff02::/16).'),
      nodeName: str('Optional: Node hosting this endpoint. This can be used to determine endpoints local to a node.'),
      targetRef: ref('io.k8s.api.core.v1.ObjectReference', 'Reference to object providing the endpoint.'),
    },
    { required: ['ip'] },
  ),
  'io.k8s.api.core.v1.EndpointPort': obj(
    'EndpointPort is a tuple that describes a single port. Deprecated: This API is deprecated in v1.33+.',
    {
      appProtocol: str('The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand. This field follows standard Kubernetes label syntax. Valid values are either:\n\n* Un-prefixed protocol names - reserved for IANA standard service names (as per RFC-6335 and https://www.iana.org/assignments/service-names).\n\n* Kubernetes-defined prefixed names:\n  * \'kubernetes.io/h2c\' - HTTP/2 prior knowledge over cleartext as described in https://www.rfc-editor.org/rfc/rfc9113.html#name-starting-http-2-with-prior-\n  * \'kubernetes.io/ws\'  - WebSocket over cleartext as described in https://www.rfc-editor.org/rfc/rfc6455\n  * \'kubernetes.io/wss\' - WebSocket over TLS as described in https://www.rfc-editor.org/rfc/rfc6455\n\n* Other protocols should use implementation-defined prefixed names such as mycompany.com/my-custom-protocol.'),
      name: str('The name of this port.  This must match the \'name\' field in the corresponding ServicePort. Must be a DNS_LABEL. Optional only if one port is defined.'),
      port: int32('The port number of the endpoint.'),
      protocol: str('The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
    },
    { required: ['port'] },
  ),
  'io.k8s.api.core.v1.Endpoints': obj(
    'Endpoints is a collection of endpoints that implement the actual service. Example:    Name: "mysvc",   Subsets: [     {       Addresses: [{"ip": "10.10.1.1"}, {"ip": "10.10.2.2"}],       Ports: [{"name": "a", "port": 8675}, {"name": "b", "port": 309}]     },     {       Addresses: [{"ip": "10.10.3.3"}],       Ports: [{"name": "a", "port": 93}, {"name": "b", "port": 76}]     },  ]  Endpoints is a legacy API and does not contain information about all Service features. Use discoveryv1.EndpointSlice for complete information about Service endpoints.  Deprecated: This API is deprecated in v1.33+. Use discoveryv1.EndpointSlice.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
      subsets: arr(ref('io.k8s.api.core.v1.EndpointSubset'), 'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.', { listType: 'atomic' }),
    },
    { gvk: { group: '', version: 'v1', kind: 'Endpoints' } },
  ),
  'io.k8s.api.core.v1.EndpointsList': obj(
    'EndpointsList is a list of endpoints. Deprecated: This API is deprecated in v1.33+.',
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
      items: arr(ref('io.k8s.api.core.v1.Endpoints'), 'List of endpoints.', { listType: 'atomic' }),
      kind: str('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    },
    { required: ['items'], gvk: { group: '', version: 'v1', kind: 'EndpointsList' } },
  ),
  'io.k8s.api.core.v1.EndpointSubset': obj(
    'EndpointSubset is a group of addresses with a common set of ports. The expanded set of endpoints is the Cartesian product of Addresses x Ports. For example, given:   {    Addresses: [{"ip": "10.10.1.1"}, {"ip": "10.10.2.2"}],    Ports:     [{"name": "a", "port": 8675}, {"name": "b", "port": 309}]  }  The resulting set of endpoints can be viewed as:   a: [ 10.10.1.1:8675, 10.10.2.2:8675 ],  b: [ 10.10.1.1:309, 10.10.2.2:309 ]  Deprecated: This API is deprecated in v1.33+.',
    {
      addresses: arr(ref('io.k8s.api.core.v1.EndpointAddress'), 'IP addresses which offer the related ports that are marked as ready. These endpoints should be considered safe for load balancers and clients to utilize.', { listType: 'atomic' }),
      notReadyAddresses: arr(ref('io.k8s.api.core.v1.EndpointAddress'), 'IP addresses which offer the related ports but are not currently marked as ready because they have not yet finished starting, have recently failed a readiness check, or have recently failed a liveness check.', { listType: 'atomic' }),
      ports: arr(ref('io.k8s.api.core.v1.EndpointPort'), 'Port numbers available on the related IP addresses.', { listType: 'atomic' }),
    },
  ),
};
