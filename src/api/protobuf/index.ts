/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`).
 *
 * kubectl v1.33's typed commands send protobuf: POST by `create namespace`,
 * `create service …`, `debug node/…`, `debug --copy-to` (Pod), `create token`,
 * `auth can-i`; DELETE with a DeleteOptions body by `drain --disable-eviction`.
 * (`run`, `expose`, `delete`, `create -f`, `apply` and drain's Eviction send JSON.)
 * decodeKubernetesProtobuf turns such a body into the JSON object a JSON
 * client would have sent for the same Go object, so the rest of the server
 * only ever sees JSON.
 *
 * Wire format: the 4-byte magic "k8s\0", then a runtime.Unknown
 *   { typeMeta = 1 { apiVersion = 1, kind = 2 }, raw = 2, contentEncoding = 3, contentType = 4 }
 * whose `raw` is the object's own message.
 */
import { badRequest } from '../status.ts';
import { decodeToJSON, Registry } from './decode.ts';
import { COORDINATION_V1 } from './tables/coordination-v1.ts';
import { CORE_V1 } from './tables/core-v1.ts';
import { CORE_V1_POD } from './tables/core-v1-pod.ts';
import { CORE_V1_VOLUME } from './tables/core-v1-volume.ts';
import { DISCOVERY_V1 } from './tables/discovery-v1.ts';
import { META_V1 } from './tables/meta-v1.ts';
import { POLICY_V1 } from './tables/policy-v1.ts';
import type { MessageTable } from './tables/types.ts';
import { protobufError, Reader, WIRE_BYTES } from './wire.ts';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** "k8s\0" */
export const PROTOBUF_MAGIC: Readonly<Buffer> = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export const TABLES: readonly MessageTable[] = [META_V1, CORE_V1, CORE_V1_POD, CORE_V1_VOLUME, DISCOVERY_V1, COORDINATION_V1, POLICY_V1];

export const registry = new Registry(TABLES);

/** apiVersion → kind → message name, for the kinds the server accepts as protobuf. */
const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Namespace: 'core.Namespace',
    Pod: 'core.Pod',
    Service: 'core.Service',
    Endpoints: 'core.Endpoints',
    Node: 'core.Node',
    Event: 'core.Event',
  },
  'discovery.k8s.io/v1': { EndpointSlice: 'discovery.EndpointSlice' },
  'coordination.k8s.io/v1': { Lease: 'coordination.Lease' },
  'policy/v1': { Eviction: 'policy.Eviction' },
};

/**
 * meta/v1 option kinds are registered in every group version (metav1.AddToGroupVersion),
 * so a typed client sends e.g. {apiVersion: "discovery.k8s.io/v1", kind: "DeleteOptions"}.
 */
const OPTION_KINDS: Readonly<Record<string, string>> = { DeleteOptions: 'meta.DeleteOptions' };

export interface ExpectedKind {
  group: string;
  version: string;
  kind: string;
}

/** The message name for an apiVersion/kind, or undefined when we cannot decode it. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  const kinds = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion]! : undefined;
  if (kinds && Object.hasOwn(kinds, kind)) return kinds[kind];
  const version = apiVersion.slice(apiVersion.lastIndexOf('/') + 1);
  if (version === 'v1' && Object.hasOwn(OPTION_KINDS, kind)) return OPTION_KINDS[kind];
  return undefined;
}

/** True for a Content-Type naming the Kubernetes protobuf media type (parameters ignored). */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: [number, number] | undefined;
  contentEncoding: string;
}

function readEnvelope(body: Buffer): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: undefined, contentEncoding: '' };
  const r = new Reader(body, PROTOBUF_MAGIC.length, body.length);
  const str = (wire: number, what: string): string => {
    if (wire !== WIRE_BYTES) throw protobufError(`wrong wire type ${wire} for ${what} of runtime.Unknown`);
    const [s, e] = r.delimited();
    return body.toString('utf8', s, e);
  };
  while (!r.done) {
    const [num, wire] = r.tag();
    switch (num) {
      case 1: {
        if (wire !== WIRE_BYTES) throw protobufError(`wrong wire type ${wire} for typeMeta of runtime.Unknown`);
        const [s, e] = r.delimited();
        const tr = new Reader(body, s, e);
        while (!tr.done) {
          const [n, w] = tr.tag();
          if (n === 1 || n === 2) {
            if (w !== WIRE_BYTES) throw protobufError(`wrong wire type ${w} for typeMeta.${n === 1 ? 'apiVersion' : 'kind'}`);
            const [a, b] = tr.delimited();
            const v = body.toString('utf8', a, b);
            if (n === 1) env.apiVersion = v;
            else env.kind = v;
          } else {
            tr.skip(n, w);
          }
        }
        break;
      }
      case 2:
        if (wire !== WIRE_BYTES) throw protobufError(`wrong wire type ${wire} for raw of runtime.Unknown`);
        env.raw = r.delimited();
        break;
      case 3:
        env.contentEncoding = str(wire, 'contentEncoding');
        break;
      case 4:
        str(wire, 'contentType');
        break;
      default:
        r.skip(num, wire);
    }
  }
  return env;
}

function gv(e: ExpectedKind): string {
  return e.group ? `${e.group}/${e.version}` : e.version;
}

/**
 * Decodes a Kubernetes protobuf body (magic + runtime.Unknown) into the JSON
 * object encoding/json would print for the decoded Go object, with `kind` and
 * `apiVersion` from the envelope (defaulted from `expected` when empty, as the
 * apiserver's decoder does).
 *
 * When `expected` is given, the body must be that kind and group/version
 * (DeleteOptions: any group, version v1). Throws a 400 BadRequest ApiError for
 * anything malformed or not decodable; never throws anything else.
 */
export function decodeKubernetesProtobuf(body: Buffer, expected?: ExpectedKind): Record<string, unknown> {
  if (body.length < PROTOBUF_MAGIC.length || !body.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC)) {
    throw badRequest(`provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]`);
  }
  const env = readEnvelope(body);
  if (env.contentEncoding) throw badRequest(`unable to decode protobuf body: unsupported contentEncoding ${JSON.stringify(env.contentEncoding)}`);
  const apiVersion = env.apiVersion || (expected ? gv(expected) : '');
  const kind = env.kind || (expected?.kind ?? '');
  if (!kind) throw badRequest(`Object 'Kind' is missing in protobuf body`);
  if (!apiVersion) throw badRequest(`Object 'apiVersion' is missing in protobuf body`);
  if (expected) {
    if (kind !== expected.kind) {
      throw badRequest(`${expected.kind} in version "${expected.version}" cannot be handled as a ${expected.kind}: expected kind "${expected.kind}", got "${kind}"`);
    }
    const option = Object.hasOwn(OPTION_KINDS, kind);
    if (option ? !/^(?:[^/]+\/)?v1$/.test(apiVersion) : apiVersion !== gv(expected)) {
      throw badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${gv(expected)})`);
    }
  }
  const name = messageFor(apiVersion, kind);
  if (!name) throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}" in protobuf decoding`);
  const [start, end] = env.raw ?? [0, 0];
  const obj = decodeToJSON(registry, name, body, start, end);
  return { kind, apiVersion, ...obj };
}
