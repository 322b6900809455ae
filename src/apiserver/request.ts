/**
 * Request parsing: URL → RequestInfo (Kubernetes' RequestInfoFactory), body
 * reading with the size limit, content-type decoding (JSON or YAML), and
 * Accept negotiation (JSON, YAML, Table). Pure apart from reading the body.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, tooLarge, unsupportedMediaType } from '../api/status.ts';
import { findResource, type ResourceInfo } from '../api/resources.ts';
import { decodeKubernetesProtobuf, isProtobufContentType } from '../api/protobuf/index.ts';

/** Kubernetes' limit on request bodies (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ResourceRequest {
  kind: 'resource';
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  group: string;
  version: string;
  resource: string;
  info: ResourceInfo | undefined;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface OtherRequest {
  kind: 'other';
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest;

export function parseRequestPath(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let i: number;
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    i = 2;
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    i = 3;
  } else {
    return { kind: 'other', path: pathname };
  }
  let watchPath = false;
  if (parts[i] === 'watch') {
    watchPath = true;
    i++;
  }
  let namespace: string | undefined;
  let rest = parts.slice(i);
  // /namespaces/{ns}/{resource}/... but /namespaces/{name}[/status|finalize] is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  const name = rest[1];
  const subresource = rest[2];
  if (rest.length > 3) return { kind: 'other', path: pathname };
  const info = findResource(group, version, resource);
  const watch = watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: ResourceRequest['verb'];
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? (watch ? 'watch' : 'get') : watch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'get';
  }
  const out: ResourceRequest = { kind: 'resource', verb, group, version, resource, info };
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  if (subresource !== undefined) out.subresource = subresource;
  return out;
}

/** Reads the body, refusing more than MAX_BODY_BYTES with 413. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Decodes a JSON, YAML or Kubernetes-protobuf object body (kubectl's typed
 * commands such as `create namespace` send protobuf). Returns the object and
 * its JSON text (for strict field checks). `expected` is the kind the URL
 * serves: protobuf envelopes without a type default to it.
 */
export function decodeBody(
  contentType: string | undefined,
  body: Buffer,
  expected?: { group: string; version: string; kind: string },
): { obj: unknown; jsonText: string } {
  const mt = mediaType(contentType) || 'application/json';
  const text = body.toString('utf8');
  if (mt === 'application/json' || mt === '*/*') {
    try {
      return { obj: JSON.parse(text), jsonText: text };
    } catch (e) {
      throw badRequest(`json: ${e instanceof Error ? e.message : String(e)}`.replace(/^json: /, 'error decoding JSON: '));
    }
  }
  if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') {
    let obj: unknown;
    try {
      obj = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
    } catch (e) {
      throw badRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    return { obj, jsonText: JSON.stringify(obj) };
  }
  if (isProtobufContentType(mt)) {
    const obj = decodeKubernetesProtobuf(body, expected);
    return { obj, jsonText: JSON.stringify(obj) };
  }
  throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

export type ResponseFormat = 'json' | 'yaml' | 'table' | 'partial-metadata' | 'none';

/**
 * Picks the response format from Accept (in the client's order). kubectl get
 * asks for `application/json;as=Table;v=v1;g=meta.k8s.io,application/json`.
 */
export function negotiate(accept: string | undefined): ResponseFormat {
  if (!accept) return 'json';
  for (const raw of accept.split(',')) {
    const [type, ...params] = raw.split(';').map((s) => s.trim());
    const p = new Map(params.map((kv) => kv.split('=') as [string, string]));
    const as = p.get('as');
    if (type === 'application/json' || type === 'application/*' || type === '*/*') {
      if (as === 'Table' && (p.get('g') ?? 'meta.k8s.io') === 'meta.k8s.io' && (p.get('v') ?? 'v1') !== 'v1beta2') return 'table';
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'partial-metadata';
      if (as) continue;
      return 'json';
    }
    if (type === 'application/yaml') return 'yaml';
    if (type === 'application/vnd.kubernetes.protobuf') continue;
    if (type === 'application/json;stream=watch') return 'json';
  }
  return 'none';
}
