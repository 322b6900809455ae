/**
 * Builds the OpenAPI documents: one OpenAPI 3.0 document per group version
 * (GET /openapi/v3/<api/v1|apis/G/V>) and one Swagger 2.0 document for
 * everything (GET /openapi/v2). Pure functions of the schema and resource
 * tables; index.ts caches the results.
 *
 * What kubectl relies on (see README.md): every kind has a PATCH operation
 * with x-kubernetes-group-version-kind, a `fieldValidation` query parameter
 * and an application/strategic-merge-patch+json request body; the
 * components carry x-kubernetes-group-version-kind (explain, apply) and the
 * patch-merge-key / patch-strategy markers (client-side apply).
 */
import { DELETE_OPTIONS, STATUS, WATCH_EVENT, definitions, namedScalarDefinitions } from '../../api/schema/index.ts';
import type { Param } from './parameters.ts';
import {
  PATCH_CONTENT_TYPES,
  PATCH_DEFINITION,
  groupVersionPaths,
  groupVersionTag,
  openApiGroupVersions,
  type Operation,
  type PathItem,
} from './operations.ts';
import { referencedName, refPath, renderNamedScalar, renderObject, type Flavor } from './schema-json.ts';

type Json = Record<string, unknown>;

export const OPENAPI_INFO = { title: 'Kubernetes', version: 'v1.33.0' };

const PATCH_DEFINITION_JSON = {
  description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
  type: 'object',
};

const OBJECT_MEDIA = ['application/json', 'application/yaml'];
const LIST_MEDIA = [...OBJECT_MEDIA, 'application/json;stream=watch'];
const TEXT_MEDIA = ['text/plain'];

function media(o: Operation): string[] {
  return o.produces === 'list' ? LIST_MEDIA : o.produces === 'text' ? TEXT_MEDIA : OBJECT_MEDIA;
}

// ------------------------------------------------------------ components

/** Definitions reachable from the operations, plus the meta kinds every group serves. */
function reachable(paths: readonly PathItem[]): string[] {
  const roots = new Set<string>([STATUS, DELETE_OPTIONS, WATCH_EVENT]);
  for (const p of paths) {
    for (const o of p.operations) {
      if (o.body) roots.add(o.body.schema);
      for (const r of o.responses) if (r.schema && r.schema !== 'string') roots.add(r.schema);
    }
  }
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const def = definitions[name];
    if (!def) return;
    for (const [key, prop] of Object.entries(def.properties)) {
      const inner = prop.type === 'array' ? prop.items : prop.type === 'map' ? prop.values : prop;
      const ref = referencedName(inner, `${name}.${key}`);
      if (ref) visit(ref);
    }
  };
  for (const r of roots) visit(r);
  return [...seen].sort();
}

function renderDefinitions(names: readonly string[], flavor: Flavor): Json {
  const out: Json = {};
  for (const name of names) {
    if (name === PATCH_DEFINITION) out[name] = PATCH_DEFINITION_JSON;
    else if (definitions[name]) out[name] = renderObject(definitions[name]!, flavor, name);
    else if (namedScalarDefinitions[name]) out[name] = renderNamedScalar(name, flavor);
    else throw new Error(`openapi: no definition ${name}`);
  }
  return out;
}

// ------------------------------------------------------------ OpenAPI 3.0

function paramV3(p: Param): Json {
  const out: Json = { description: p.description, in: p.in, name: p.name };
  if (p.in === 'path') out['required'] = true;
  out['schema'] = { type: p.type, uniqueItems: true };
  return out;
}

function responseV3(o: Operation, schema: string | undefined, description: string): Json {
  if (!schema) return { description };
  const s = schema === 'string' ? { type: 'string' } : { $ref: refPath('v3', schema) };
  const content: Json = {};
  for (const m of media(o)) content[m] = { schema: s };
  return { content, description };
}

function operationV3(o: Operation): Json {
  const out: Json = { description: o.description, operationId: o.operationId };
  if (o.params.length) out['parameters'] = o.params.map(paramV3);
  if (o.body) {
    const content: Json = {};
    const types = o.body.patch ? PATCH_CONTENT_TYPES : ['*/*'];
    for (const t of types) content[t] = { schema: { $ref: refPath('v3', o.body.schema) } };
    out['requestBody'] = o.body.required ? { content, required: true } : { content };
  }
  const responses: Json = {};
  for (const r of o.responses) responses[r.code] = responseV3(o, r.schema, r.description);
  out['responses'] = responses;
  out['tags'] = [groupVersionTag(o.gvk.group, o.gvk.version)];
  out['x-kubernetes-action'] = o.action;
  out['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return out;
}

/** The OpenAPI 3.0 document of one group version. */
export function buildOpenApiV3(group: string, version: string): Json {
  const items = groupVersionPaths(group, version);
  const paths: Json = {};
  for (const item of items) {
    const p: Json = {};
    for (const o of item.operations) p[o.method] = operationV3(o);
    if (item.params.length) p['parameters'] = item.params.map(paramV3);
    paths[item.path] = p;
  }
  const names = [...reachable(items), PATCH_DEFINITION].sort();
  return {
    components: {
      schemas: renderDefinitions(names, 'v3'),
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
    info: OPENAPI_INFO,
    openapi: '3.0.0',
    paths,
  };
}

// ------------------------------------------------------------ Swagger 2.0

function paramV2(p: Param): Json {
  const out: Json = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.in === 'path') out['required'] = true;
  return out;
}

function operationV2(o: Operation): Json {
  const params: Json[] = [];
  if (o.body) {
    params.push({ name: 'body', in: 'body', ...(o.body.required ? { required: true } : {}), schema: { $ref: refPath('v2', o.body.schema) } });
  }
  params.push(...o.params.map(paramV2));
  const responses: Json = {};
  for (const r of o.responses) {
    if (!r.schema) responses[r.code] = { description: r.description };
    else responses[r.code] = { description: r.description, schema: r.schema === 'string' ? { type: 'string' } : { $ref: refPath('v2', r.schema) } };
  }
  const out: Json = {
    description: o.description,
    consumes: o.body?.patch ? [...PATCH_CONTENT_TYPES] : ['*/*'],
    produces: media(o),
    schemes: ['https'],
    tags: [groupVersionTag(o.gvk.group, o.gvk.version)],
    operationId: o.operationId,
  };
  if (params.length) out['parameters'] = params;
  out['responses'] = responses;
  out['x-kubernetes-action'] = o.action;
  out['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return out;
}

/** The Swagger 2.0 document of every served group version. */
export function buildOpenApiV2(): Json {
  const items = openApiGroupVersions().flatMap((gv) => groupVersionPaths(gv.group, gv.version));
  const paths: Json = {};
  for (const item of items) {
    const p: Json = {};
    for (const o of item.operations) p[o.method] = operationV2(o);
    if (item.params.length) p['parameters'] = item.params.map(paramV2);
    paths[item.path] = p;
  }
  const names = [...reachable(items), PATCH_DEFINITION].sort();
  return {
    swagger: '2.0',
    info: OPENAPI_INFO,
    paths,
    definitions: renderDefinitions(names, 'v2'),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    security: [{ BearerToken: [] }],
  };
}
