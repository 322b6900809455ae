/**
 * PATCH bodies: picks the patch type from the Content-Type and applies it to
 * a copy of the stored object, failing the way the Kubernetes apiserver does
 * (handlers/patch.go): 415 for unsupported types, 400 for a malformed body,
 * 422 when a patch cannot be applied or yields something that is not an object.
 */
import type { Definitions, Schema } from '../../api/schema-types.ts';
import { unsupportedMediaType } from '../../api/status.ts';
import { applyJsonPatch, decodeJsonPatch } from './json-patch.ts';
import { jsonMergePatch } from './merge-patch.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';
import { parseGoJson, unmarshalTypeError } from './go-json.ts';
import { isObject, jsonTypeWord, type JsonObject, type JsonValue } from './json-value.ts';
import { patchBadRequest, patchedNotAnObject } from './patch-errors.ts';

export { applyJsonPatch, decodeJsonPatch, MAX_JSON_PATCH_OPERATIONS, type JsonPatchOperation } from './json-patch.ts';
export { jsonMergePatch } from './merge-patch.ts';
export { strategicMergePatch } from './strategic-merge-patch.ts';
export type { JsonObject, JsonValue } from './json-value.ts';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_YAML = 'application/apply-patch+yaml';

/** The patch types this server accepts, in the order Kubernetes lists them. */
export const SUPPORTED_PATCH_TYPES: readonly string[] = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH];

export interface PatchContext {
  /** Schema of the resource's kind (usually a ref into `defs`); drives strategic merge. */
  readonly schema: Schema;
  readonly defs: Definitions;
}

/**
 * Applies a PATCH body to `original` (never mutated) and returns the patched
 * object. The caller still validates the result as for an update.
 */
export function applyPatch(contentType: string, original: object, patchText: string, ctx: PatchContext): JsonObject {
  const semicolon = contentType.indexOf(';');
  const mediaType = semicolon > 0 ? contentType.slice(0, semicolon) : contentType;
  switch (mediaType) {
    case JSON_PATCH:
      return requireObject(applyJsonPatch(original, decodeJsonPatch(patchText)));
    case MERGE_PATCH:
      return requireObject(jsonMergePatch(original, parseMergePatch(patchText)));
    case STRATEGIC_MERGE_PATCH:
      return strategicMergePatch(original, parseStrategicPatch(patchText), ctx.schema, ctx.defs);
    case APPLY_PATCH_YAML:
      throw unsupportedMediaType(
        'server-side apply (application/apply-patch+yaml) is not supported yet; use client-side apply (kubectl apply --server-side=false)',
      );
    default:
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: ${SUPPORTED_PATCH_TYPES.join(', ')}`,
      );
  }
}

/**
 * evanphx MergePatch: unparsable, null or scalar bodies are ErrBadJSONPatch
 * ("Invalid JSON Patch", 400); an array body replaces the document, which
 * then fails to decode as an object (422).
 */
function parseMergePatch(text: string): JsonValue {
  const parsed = parseGoJson(text);
  if (!parsed.ok || !(isObject(parsed.value) || Array.isArray(parsed.value))) throw patchBadRequest('Invalid JSON Patch');
  return parsed.value;
}

function parseStrategicPatch(text: string): JsonObject {
  const parsed = parseGoJson(text);
  if (!parsed.ok) throw patchBadRequest(parsed.message);
  if (parsed.value === null) return {};
  if (!isObject(parsed.value)) throw patchBadRequest(unmarshalTypeError(jsonTypeWord(parsed.value), 'map[string]interface {}'));
  return parsed.value;
}

function requireObject(v: JsonValue): JsonObject {
  if (isObject(v)) return v;
  throw patchedNotAnObject(JSON.stringify(v), unmarshalTypeError(jsonTypeWord(v), 'map[string]interface {}'));
}
