/**
 * Patch metadata for strategic merge, read from the schema language instead of
 * Go struct tags. A field the schema does not describe (or describes as free-
 * form `any`) has no metadata: its maps merge and its lists are replaced, i.e.
 * plain JSON merge patch semantics.
 */
import type { Definitions, RefSchema, Schema } from '../../api/schema-types.ts';
import { patchInternal } from './patch-errors.ts';

/** A schema with references followed; undefined means "unknown / free-form". */
export type Resolved = Exclude<Schema, RefSchema> | undefined;

export function resolveSchema(s: Schema | undefined, defs: Definitions): Resolved {
  let cur: Schema | undefined = s;
  // Bounded so a definition that refers to itself cannot loop.
  for (let hops = 0; cur !== undefined && cur.type === 'ref'; hops++) {
    if (hops > 64) return undefined;
    cur = Object.hasOwn(defs, cur.name) ? defs[cur.name] : undefined;
  }
  return cur;
}

/** The schema of member `key` of a value described by `parent`. */
export function fieldSchema(parent: Resolved, key: string, defs: Definitions): Resolved {
  if (parent === undefined) return undefined;
  if (parent.type === 'object') return Object.hasOwn(parent.properties, key) ? resolveSchema(parent.properties[key], defs) : undefined;
  if (parent.type === 'map') return resolveSchema(parent.values, defs);
  return undefined;
}

export interface ListMeta {
  /** "merge" or "" (replace); retainKeys is dropped, it only matters when patches are created. */
  readonly strategy: string;
  /** "" for lists of scalars and for lists without a merge key. */
  readonly mergeKey: string;
  readonly items: Resolved;
}

export function listMeta(s: Resolved, defs: Definitions): ListMeta {
  if (s === undefined || s.type !== 'array') return { strategy: '', mergeKey: '', items: undefined };
  return { strategy: patchStrategy(s.patchStrategy), mergeKey: s.mergeKey ?? '', items: resolveSchema(s.items, defs) };
}

/** "replace" when a struct-valued field must be replaced instead of merged. */
export function mapStrategy(s: Resolved): string {
  return s !== undefined && s.type === 'object' ? patchStrategy(s.patchStrategy) : '';
}

/** extractRetainKeysPatchStrategy: "merge,retainKeys" → "merge"; "retainKeys" → "". */
function patchStrategy(tag: string | undefined): string {
  const parts = (tag ?? '').split(',');
  if (parts.length === 1) return parts[0] === 'retainKeys' ? '' : parts[0]!;
  if (parts.length === 2) {
    if (parts[0] === 'retainKeys') return parts[1]!;
    if (parts[1] === 'retainKeys') return parts[0]!;
  }
  throw patchInternal(`unexpected patch strategy: [${parts.join(' ')}]`);
}
