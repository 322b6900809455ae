/**
 * Small constructors for the schema language (../schema-types.ts), so the
 * definition tables read like the Go structs they mirror.
 *
 * Time and MicroTime are plain date-time strings to every consumer except
 * the OpenAPI builder, which publishes them as `$ref`s to the named
 * meta/v1 definitions the way Kubernetes does. The builder recognises them
 * through `isTime` / `isMicroTime` (object identity), so the schema types
 * need no extra marker.
 */
import type {
  AnySchema,
  ArraySchema,
  IntOrStringSchema,
  MapSchema,
  ObjectSchema,
  QuantitySchema,
  RefSchema,
  ScalarSchema,
  Schema,
} from '../schema-types.ts';

type Gvk = { readonly group: string; readonly version: string; readonly kind: string };

export interface ListOptions {
  readonly mergeKey?: string;
  readonly patchStrategy?: string;
  readonly listType?: 'atomic' | 'map' | 'set';
  readonly listMapKeys?: readonly string[];
}

export interface ObjectOptions {
  readonly required?: readonly string[];
  readonly gvk?: Gvk;
  readonly patchStrategy?: string;
}

const timeSchemas = new WeakSet<Schema>();
const microTimeSchemas = new WeakSet<Schema>();

/** Drops undefined members so the tables stay free of `description: undefined` noise. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function str(description?: string, opts: { format?: string; enum?: readonly string[] } = {}): ScalarSchema {
  return compact({ type: 'string', format: opts.format, enum: opts.enum, description });
}

export function int32(description?: string): ScalarSchema {
  return compact({ type: 'integer', format: 'int32', description });
}

export function int64(description?: string): ScalarSchema {
  return compact({ type: 'integer', format: 'int64', description });
}

export function num(description?: string): ScalarSchema {
  return compact({ type: 'number', format: 'double', description });
}

export function bool(description?: string): ScalarSchema {
  return compact({ type: 'boolean', description });
}

/** metav1.Time: RFC 3339 seconds precision. */
export function time(description?: string): ScalarSchema {
  const s: ScalarSchema = compact({ type: 'string', format: 'date-time', description });
  timeSchemas.add(s);
  return s;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(description?: string): ScalarSchema {
  const s: ScalarSchema = compact({ type: 'string', format: 'date-time', description });
  microTimeSchemas.add(s);
  return s;
}

export function isTime(s: Schema): boolean {
  return timeSchemas.has(s);
}

export function isMicroTime(s: Schema): boolean {
  return microTimeSchemas.has(s);
}

export function intOrString(description?: string): IntOrStringSchema {
  return compact({ type: 'int-or-string', description });
}

export function quantity(description?: string): QuantitySchema {
  return compact({ type: 'quantity', description });
}

export function anyValue(description?: string): AnySchema {
  return compact({ type: 'any', description });
}

export function ref(name: string, description?: string): RefSchema {
  return compact({ type: 'ref', name, description });
}

export function arr(items: Schema, description?: string, opts: ListOptions = {}): ArraySchema {
  return compact({ type: 'array', items, description, ...opts });
}

export function map(values: Schema, description?: string): MapSchema {
  return compact({ type: 'map', values, description });
}

export function obj(description: string, properties: Record<string, Schema>, opts: ObjectOptions = {}): ObjectSchema {
  return compact({ type: 'object', description, properties, ...opts });
}
