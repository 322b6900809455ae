/**
 * Renders the schema language as OpenAPI schema objects, in the shapes the
 * real apiserver publishes (kube-openapi's builders):
 *
 *  - a field that refers to a definition: v3 `{allOf: [{$ref}], description}`,
 *    v2 `{$ref, description}`;
 *  - Time, MicroTime, IntOrString, Quantity, FieldsV1 and RawExtension are
 *    named definitions referenced like structs. In v3, IntOrString and
 *    Quantity are `oneOf` integer|string and string|number with no `type`
 *    (so kubectl explain prints `<IntOrString>`), in v2 plain strings;
 *  - list and patch markers as x-kubernetes-list-type, -list-map-keys,
 *    -patch-merge-key, -patch-strategy on the array property;
 *  - kinds carry x-kubernetes-group-version-kind (a list).
 *
 * Pure and deterministic: the same schema renders to the same JSON.
 */
import type { ObjectSchema, Schema } from '../../api/schema-types.ts';
import {
  FIELDS_V1,
  INT_OR_STRING,
  MICRO_TIME,
  QUANTITY,
  RAW_EXTENSION,
  TIME,
  gvksOf,
  isMicroTime,
  isTime,
  namedScalarDefinitions,
} from '../../api/schema/index.ts';

export type Flavor = 'v2' | 'v3';
type Json = Record<string, unknown>;

/** Free-form fields that Kubernetes publishes as a named definition. */
const ANY_FIELD_REFS: Readonly<Record<string, string>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry.fieldsV1': FIELDS_V1,
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent.object': RAW_EXTENSION,
};

export function refPath(flavor: Flavor, name: string): string {
  return flavor === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`;
}

function refTo(flavor: Flavor, name: string, description: string | undefined): Json {
  if (flavor === 'v2' || description === undefined) {
    return description === undefined ? { $ref: refPath(flavor, name) } : { $ref: refPath(flavor, name), description };
  }
  return { allOf: [{ $ref: refPath(flavor, name) }], description };
}

/** The definition a field points at, if it is rendered as a reference. */
export function referencedName(s: Schema, fieldKey?: string): string | undefined {
  switch (s.type) {
    case 'ref':
      return s.name;
    case 'int-or-string':
      return INT_OR_STRING;
    case 'quantity':
      return QUANTITY;
    case 'any':
      return fieldKey ? ANY_FIELD_REFS[fieldKey] : undefined;
    case 'string':
      return isTime(s) ? TIME : isMicroTime(s) ? MICRO_TIME : undefined;
    default:
      return undefined;
  }
}

/**
 * One field or nested schema. `fieldKey` is `<definition>.<field>` for
 * properties, so free-form fields can be mapped to their named definition.
 */
export function renderSchema(s: Schema, flavor: Flavor, fieldKey?: string): Json {
  const named = referencedName(s, fieldKey);
  if (named) return refTo(flavor, named, s.description);
  const out: Json = {};
  switch (s.type) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      if (s.description !== undefined) out['description'] = s.description;
      if (s.enum) out['enum'] = [...s.enum];
      if (s.format) out['format'] = s.format;
      out['type'] = s.type;
      return out;
    case 'map':
      if (s.description !== undefined) out['description'] = s.description;
      out['type'] = 'object';
      out['additionalProperties'] = renderSchema(s.values, flavor);
      return out;
    case 'array': {
      if (s.description !== undefined) out['description'] = s.description;
      const items = referencedName(s.items);
      out['items'] = items ? { $ref: refPath(flavor, items) } : renderSchema(s.items, flavor);
      out['type'] = 'array';
      if (s.listMapKeys) out['x-kubernetes-list-map-keys'] = [...s.listMapKeys];
      if (s.listType) out['x-kubernetes-list-type'] = s.listType;
      if (s.mergeKey) out['x-kubernetes-patch-merge-key'] = s.mergeKey;
      if (s.patchStrategy) out['x-kubernetes-patch-strategy'] = s.patchStrategy;
      return out;
    }
    case 'object':
      return renderObject(s, flavor);
    case 'any':
      if (s.description !== undefined) out['description'] = s.description;
      out['type'] = 'object';
      return out;
    default:
      // ref, int-or-string and quantity always have a referenced name.
      throw new Error(`unrenderable schema type ${s.type}`);
  }
}

/** A struct (a named definition or an inline object). */
export function renderObject(s: ObjectSchema, flavor: Flavor, name?: string): Json {
  const out: Json = {};
  if (s.description !== undefined) out['description'] = s.description;
  const props: Json = {};
  for (const key of Object.keys(s.properties).sort()) {
    props[key] = renderSchema(s.properties[key]!, flavor, name ? `${name}.${key}` : undefined);
  }
  if (Object.keys(props).length) out['properties'] = props;
  if (s.required?.length) out['required'] = [...s.required];
  out['type'] = 'object';
  if (name) {
    const gvks = gvksOf(name);
    if (gvks.length) out['x-kubernetes-group-version-kind'] = gvks.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
  }
  if (s.patchStrategy) out['x-kubernetes-patch-strategy'] = s.patchStrategy;
  return out;
}

/** The named non-struct definitions (Time, IntOrString, ...). */
export function renderNamedScalar(name: string, flavor: Flavor): Json {
  const s = namedScalarDefinitions[name];
  if (!s) throw new Error(`unknown named scalar ${name}`);
  const out: Json = {};
  if (s.description !== undefined) out['description'] = s.description;
  switch (s.type) {
    case 'int-or-string':
      out['format'] = 'int-or-string';
      if (flavor === 'v3') out['oneOf'] = [{ type: 'integer' }, { type: 'string' }];
      else out['type'] = 'string';
      out['x-kubernetes-int-or-string'] = true;
      return out;
    case 'quantity':
      if (flavor === 'v3') out['oneOf'] = [{ type: 'string' }, { type: 'number' }];
      else out['type'] = 'string';
      return out;
    case 'any':
      out['type'] = 'object';
      return out;
    case 'string':
      if (s.format) out['format'] = s.format;
      out['type'] = 'string';
      return out;
    default:
      throw new Error(`unexpected named scalar type ${s.type}`);
  }
}
