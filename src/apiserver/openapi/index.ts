/**
 * The OpenAPI endpoints' documents: /openapi/v3 (the index), /openapi/v3/<gv>
 * and /openapi/v2. Each document is built once, on first use, and cached with
 * its serialized text and hash (the schema is static for the process).
 *
 * The hash is sha256 of the document's JSON text, upper-case hex. It goes
 * into the index's serverRelativeURL (`/openapi/v3/api/v1?hash=<HASH>`); the
 * HTTP layer can use it as the ETag and, for requests that carry the current
 * hash, answer `Cache-Control: public, immutable` like the real apiserver.
 */
import { createHash } from 'node:crypto';
import { buildOpenApiV2, buildOpenApiV3 } from './documents.ts';
import { negotiateOpenApiV2, type NegotiatedResponse } from './negotiate.ts';
import { groupVersionPath, openApiGroupVersions } from './operations.ts';

export { acceptsJson, negotiateOpenApiV2, parseAccept, type NegotiatedResponse } from './negotiate.ts';
export { buildOpenApiV2, buildOpenApiV3 } from './documents.ts';
export { groupVersionPath, groupVersionPaths, openApiGroupVersions, PATCH_CONTENT_TYPES } from './operations.ts';

export interface CachedDocument {
  readonly json: object;
  readonly text: string;
  /** sha256 of text, upper-case hex. */
  readonly hash: string;
}

function cached(json: object): CachedDocument {
  const text = JSON.stringify(json);
  return { json, text, hash: createHash('sha256').update(text).digest('hex').toUpperCase() };
}

let v3Docs: Map<string, CachedDocument> | undefined;
let v2Doc: CachedDocument | undefined;

function v3All(): Map<string, CachedDocument> {
  if (!v3Docs) {
    v3Docs = new Map();
    for (const gv of openApiGroupVersions()) v3Docs.set(groupVersionPath(gv.group, gv.version), cached(buildOpenApiV3(gv.group, gv.version)));
  }
  return v3Docs;
}

/** Accepts `api/v1`, `/api/v1`, `api/v1?hash=...`. */
function normalize(gvPath: string): string {
  return gvPath.split('?')[0]!.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** GET /openapi/v3: `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=..."}, ...}}`. */
export function openApiV3Root(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [path, doc] of v3All()) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` };
  return { paths };
}

/** GET /openapi/v3/<gvPath>: the document, or undefined for an unknown group version. */
export function openApiV3GroupVersion(gvPath: string): object | undefined {
  return v3All().get(normalize(gvPath))?.json;
}

/** The same document pre-serialized, with its hash (for ETag and cache headers). */
export function openApiV3GroupVersionDocument(gvPath: string): CachedDocument | undefined {
  return v3All().get(normalize(gvPath));
}

/** The Swagger 2.0 document of every served group version. */
export function openApiV2(): object {
  return openApiV2Document().json;
}

export function openApiV2Document(): CachedDocument {
  return (v2Doc ??= cached(buildOpenApiV2()));
}

/** GET /openapi/v2 for a request's Accept header (see negotiate.ts). */
export function openApiV2Response(accept: string | undefined): NegotiatedResponse {
  return negotiateOpenApiV2(accept, () => openApiV2Document().text);
}
