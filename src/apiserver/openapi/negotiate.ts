/**
 * Content negotiation for GET /openapi/v2.
 *
 * kubectl (client-go discovery.OpenAPISchema) asks only for
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and feeds
 * whatever 2xx body it gets to proto.Unmarshal, so JSON under that Accept
 * would only turn into a confusing parse error. We do not encode the gnostic
 * protobuf, so a protobuf-only Accept gets 406 Not Acceptable, the status
 * kube-openapi's handler uses for an Accept it cannot serve. kubectl 1.33
 * treats that like any download failure: apply falls back to its compiled-in
 * patch metadata, and validation and explain use /openapi/v3 anyway.
 * Clients that accept JSON (curl, client libraries, `*` wildcards) get the
 * Swagger 2.0 JSON document.
 */

export interface NegotiatedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** Parses an Accept header into media ranges (parameters other than q are ignored). */
export function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim());
    if (!range) continue;
    const [type, subtype] = range.toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    out.push({ type, subtype, q: Number.isFinite(q) ? q : 0 });
  }
  return out;
}

/** Does the Accept header allow application/json? An empty header allows anything. */
export function acceptsJson(accept: string | undefined): boolean {
  const ranges = parseAccept(accept ?? '');
  if (!ranges.length) return true;
  return ranges.some(
    (r) => r.q > 0 && (r.type === '*' || r.type === 'application') && (r.subtype === '*' || r.subtype === 'json'),
  );
}

/**
 * The response for GET /openapi/v2 given the request's Accept header.
 * `documentJson` is produced lazily so a 406 costs nothing.
 */
export function negotiateOpenApiV2(accept: string | undefined, documentJson: () => string): NegotiatedResponse {
  if (acceptsJson(accept)) return { status: 200, contentType: 'application/json', body: documentJson() };
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'only the following media types are accepted: application/json',
    reason: 'NotAcceptable',
    code: 406,
  };
  return { status: 406, contentType: 'application/json', body: JSON.stringify(status) };
}
