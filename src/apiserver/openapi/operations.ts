/**
 * The REST operations of the served resources, in a neutral form that the
 * Swagger 2.0 and OpenAPI 3.0 renderers share. Paths, operation ids,
 * actions and parameters follow the real apiserver's documents (the
 * deprecated /watch/ paths are left out: list takes ?watch=true).
 *
 * The resources come from the served-resource table (src/api/resources.ts);
 * SUBRESOURCE_OPERATIONS below is the one place that says which operations
 * a subresource has. A resource without a schema definition is skipped.
 */
import { RESOURCES, type ResourceInfo } from '../../api/resources.ts';
import { DELETE_OPTIONS, STATUS, definitionNameFor } from '../../api/schema/index.ts';
import {
  DELETE_COLLECTION_PARAMS,
  DELETE_PARAMS,
  LIST_PARAMS,
  LOG_PARAMS,
  P,
  PATCH_PARAMS,
  WRITE_PARAMS,
  nameParam,
  type Param,
} from './parameters.ts';

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

export interface Response {
  readonly code: string;
  readonly description: string;
  /** Definition name of the body, or 'string' for text. */
  readonly schema?: string;
}

export interface Operation {
  readonly method: Method;
  readonly operationId: string;
  readonly description: string;
  readonly action: Action;
  readonly gvk: { readonly group: string; readonly version: string; readonly kind: string };
  readonly params: readonly Param[];
  /** Request body: a definition name; 'patch' for the four patch media types. */
  readonly body?: { readonly schema: string; readonly patch?: boolean; readonly required: boolean };
  readonly responses: readonly Response[];
  /** What the 200 response may be encoded as. */
  readonly produces: 'object' | 'list' | 'text';
}

export interface PathItem {
  readonly path: string;
  readonly params: readonly Param[];
  readonly operations: readonly Operation[];
}

export const PATCH_DEFINITION = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
export const PATCH_CONTENT_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

const UNAUTHORIZED: Response = { code: '401', description: 'Unauthorized' };

/** `CoreV1`, `DiscoveryV1`, `CoordinationV1`: the operation id infix. */
export function groupVersionId(group: string, version: string): string {
  const g = group ? group.split('.')[0]! : 'core';
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return `${cap(g)}${cap(version)}`;
}

/** `core_v1`, `discovery_v1`: the tag. */
export function groupVersionTag(group: string, version: string): string {
  return `${group ? group.split('.')[0]! : 'core'}_${version}`;
}

/** `api/v1`, `apis/discovery.k8s.io/v1`: the key in /openapi/v3 and the URL prefix. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

interface Ctx {
  readonly r: ResourceInfo;
  readonly def: string;
  readonly listDef: string;
  readonly id: string;
  /** `Namespaced` or '' for operation ids. */
  readonly scope: string;
}

function op(
  c: Ctx,
  method: Method,
  action: Action,
  operationId: string,
  description: string,
  rest: Pick<Operation, 'params' | 'responses'> & Partial<Pick<Operation, 'body' | 'produces'>>,
): Operation {
  return {
    method,
    operationId,
    description,
    action,
    gvk: { group: c.r.group, version: c.r.version, kind: c.r.kind },
    produces: 'object',
    ...rest,
  };
}

function objectOps(c: Ctx, sub: string, subTitle: string): Operation[] {
  const k = c.r.kind;
  const what = sub ? `${subTitle} of the specified ${k}` : `the specified ${k}`;
  const suffix = sub ? subTitle.charAt(0).toUpperCase() + subTitle.slice(1) : '';
  const ok = (schema: string): Response[] => [{ code: '200', description: 'OK', schema }];
  return [
    op(c, 'get', 'get', `read${c.id}${c.scope}${k}${suffix}`, `read ${what}`, { params: [], responses: [...ok(c.def), UNAUTHORIZED] }),
    op(c, 'put', 'put', `replace${c.id}${c.scope}${k}${suffix}`, `replace ${what}`, {
      params: WRITE_PARAMS,
      body: { schema: c.def, required: true },
      responses: [...ok(c.def), { code: '201', description: 'Created', schema: c.def }, UNAUTHORIZED],
    }),
    op(c, 'patch', 'patch', `patch${c.id}${c.scope}${k}${suffix}`, `partially update ${what}`, {
      params: PATCH_PARAMS,
      body: { schema: PATCH_DEFINITION, patch: true, required: true },
      responses: [...ok(c.def), { code: '201', description: 'Created', schema: c.def }, UNAUTHORIZED],
    }),
  ];
}

/**
 * Operations of each subresource the resource table may list. Adding a
 * subresource is adding an entry here (and to the discovery verbs).
 */
const SUBRESOURCE_OPERATIONS: Readonly<Record<string, (c: Ctx) => Operation[]>> = {
  status: (c) => objectOps(c, 'status', 'status'),
  finalize: (c) =>
    objectOps(c, 'finalize', 'finalize')
      .filter((o) => o.method === 'put')
      .map((o) => ({ ...o, operationId: `replace${c.id}${c.scope}${c.r.kind}Finalize` })),
  log: (c) => [
    op(c, 'get', 'get', `read${c.id}${c.scope}${c.r.kind}Log`, `read log of the specified ${c.r.kind}`, {
      params: LOG_PARAMS,
      responses: [{ code: '200', description: 'OK', schema: 'string' }, UNAUTHORIZED],
      produces: 'text',
    }),
  ],
};

function pathsOf(r: ResourceInfo): PathItem[] {
  const def = definitionNameFor(r.group, r.version, r.kind);
  const listDef = definitionNameFor(r.group, r.version, r.listKind);
  if (!def || !listDef) return [];
  const c: Ctx = {
    r,
    def,
    listDef,
    id: groupVersionId(r.group, r.version),
    scope: r.namespaced ? 'Namespaced' : '',
  };
  const k = r.kind;
  const base = `/${groupVersionPath(r.group, r.version)}`;
  const coll = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
  const scopeParams: Param[] = r.namespaced ? [P.namespace] : [];
  const items: PathItem[] = [];

  items.push({
    path: coll,
    params: [...scopeParams, P.pretty],
    operations: [
      op(c, 'get', 'list', `list${c.id}${c.scope}${k}`, `list or watch objects of kind ${k}`, {
        params: LIST_PARAMS,
        responses: [{ code: '200', description: 'OK', schema: listDef }, UNAUTHORIZED],
        produces: 'list',
      }),
      op(c, 'post', 'post', `create${c.id}${c.scope}${k}`, `create ${article(k)} ${k}`, {
        params: WRITE_PARAMS,
        body: { schema: def, required: true },
        responses: [
          { code: '200', description: 'OK', schema: def },
          { code: '201', description: 'Created', schema: def },
          { code: '202', description: 'Accepted', schema: def },
          UNAUTHORIZED,
        ],
      }),
      op(c, 'delete', 'deletecollection', `delete${c.id}Collection${c.scope}${k}`, `delete collection of ${k}`, {
        params: DELETE_COLLECTION_PARAMS,
        body: { schema: DELETE_OPTIONS, required: false },
        responses: [{ code: '200', description: 'OK', schema: STATUS }, UNAUTHORIZED],
      }),
    ],
  });

  items.push({
    path: `${coll}/{name}`,
    params: [nameParam(k), ...scopeParams, P.pretty],
    operations: [
      ...objectOps(c, '', ''),
      op(c, 'delete', 'delete', `delete${c.id}${c.scope}${k}`, `delete ${article(k)} ${k}`, {
        params: DELETE_PARAMS,
        body: { schema: DELETE_OPTIONS, required: false },
        responses: [
          { code: '200', description: 'OK', schema: def },
          { code: '202', description: 'Accepted', schema: def },
          UNAUTHORIZED,
        ],
      }),
    ].sort(byMethod),
  });

  for (const sub of r.subresources) {
    const build = SUBRESOURCE_OPERATIONS[sub];
    if (!build) continue;
    items.push({ path: `${coll}/{name}/${sub}`, params: [nameParam(k), ...scopeParams, P.pretty], operations: build(c) });
  }

  if (r.namespaced) {
    items.push({
      path: `${base}/${r.resource}`,
      params: [],
      operations: [
        op(c, 'get', 'list', `list${c.id}${k}ForAllNamespaces`, `list or watch objects of kind ${k}`, {
          params: [...LIST_PARAMS, P.pretty].sort((a, b) => a.name.localeCompare(b.name)),
          responses: [{ code: '200', description: 'OK', schema: listDef }, UNAUTHORIZED],
          produces: 'list',
        }),
      ],
    });
  }
  return items;
}

const METHOD_ORDER: readonly Method[] = ['get', 'put', 'post', 'delete', 'patch'];
function byMethod(a: Operation, b: Operation): number {
  return METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method);
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

/** Every path of one group version, sorted by path. */
export function groupVersionPaths(group: string, version: string): PathItem[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version)
    .flatMap(pathsOf)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The group versions that have at least one path, core first. */
export function openApiGroupVersions(): { group: string; version: string }[] {
  const out: { group: string; version: string }[] = [];
  for (const r of RESOURCES) {
    if (!definitionNameFor(r.group, r.version, r.kind)) continue;
    if (!out.some((g) => g.group === r.group && g.version === r.version)) out.push({ group: r.group, version: r.version });
  }
  return out.sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
}
