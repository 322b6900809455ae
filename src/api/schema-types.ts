/**
 * A small schema language for the served types. One description per type
 * feeds three consumers, so they can never disagree:
 *  - the OpenAPI v2/v3 documents (kubectl apply/create validation, explain),
 *  - strategic merge patch (merge keys and patch strategies per list),
 *  - fieldValidation=Strict|Warn (unknown fields are those the schema lacks).
 *
 * The vocabulary follows Kubernetes' Go struct tags: `patchMergeKey`,
 * `patchStrategy` ("merge", "replace", "retainKeys", "merge,retainKeys"),
 * and the +listType / +listMapKey markers.
 */
export type Schema =
  | ScalarSchema
  | ObjectSchema
  | MapSchema
  | ArraySchema
  | RefSchema
  | IntOrStringSchema
  | QuantitySchema
  | AnySchema;

interface Described {
  readonly description?: string;
}

export interface ScalarSchema extends Described {
  readonly type: 'string' | 'integer' | 'number' | 'boolean';
  /** OpenAPI format, e.g. int32, int64, date-time, byte. */
  readonly format?: string;
  readonly enum?: readonly string[];
}

/** A Go struct: a fixed set of named fields. */
export interface ObjectSchema extends Described {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  /** Set on top-level kinds: the group/version/kind the definition serves. */
  readonly gvk?: { readonly group: string; readonly version: string; readonly kind: string };
  /** Struct-level patchStrategy (e.g. "retainKeys" on a volume source union). */
  readonly patchStrategy?: string;
}

/** A Go map[string]X. */
export interface MapSchema extends Described {
  readonly type: 'map';
  readonly values: Schema;
}

export interface ArraySchema extends Described {
  readonly type: 'array';
  readonly items: Schema;
  /** Go tag patchMergeKey: the field identifying an element for strategic merge. */
  readonly mergeKey?: string;
  /** Go tag patchStrategy: "merge" merges elements by mergeKey (or as a set of scalars). */
  readonly patchStrategy?: string;
  readonly listType?: 'atomic' | 'map' | 'set';
  readonly listMapKeys?: readonly string[];
}

/** A reference to a named definition (allows sharing and recursion). */
export interface RefSchema extends Described {
  readonly type: 'ref';
  readonly name: string;
}

/** intstr.IntOrString (e.g. targetPort). */
export interface IntOrStringSchema extends Described {
  readonly type: 'int-or-string';
}

/** resource.Quantity, serialized as a string (numbers are accepted on input). */
export interface QuantitySchema extends Described {
  readonly type: 'quantity';
}

/** Free-form JSON (runtime.RawExtension and the like). */
export interface AnySchema extends Described {
  readonly type: 'any';
}

/** Named definitions, keyed by OpenAPI definition name (io.k8s.api.core.v1.Pod). */
export type Definitions = Readonly<Record<string, ObjectSchema>>;
