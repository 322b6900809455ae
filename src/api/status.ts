/**
 * Kubernetes `Status` errors. Every API failure is one of these; the HTTP
 * layer serializes `err.status` as the response body with `err.status.code`
 * as the HTTP status. Messages copy Kubernetes' wording, since clients
 * (kubectl among them) print them verbatim.
 */
import type { Status, StatusCause } from './types.ts';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'MethodNotAllowed'
  | 'ServiceUnavailable'
  | 'InternalError'
  | 'TooManyRequests'
  | 'Timeout';

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'ApiError';
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export interface QualifiedResource {
  /** API group ('' for core). */
  group: string;
  /** Plural resource name, e.g. "services". */
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export function statusError(code: number, reason: StatusReason | undefined, message: string, details?: Status['details']): ApiError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason) status.reason = reason;
  if (details) status.details = details;
  return new ApiError(status);
}

export function successStatus(details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}

export function notFound(r: QualifiedResource, name: string): ApiError {
  return statusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.resource });
}

export function alreadyExists(r: QualifiedResource, name: string): ApiError {
  return statusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.resource });
}

export function conflict(r: QualifiedResource, name: string, why: string): ApiError {
  return statusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name,
    group: r.group || undefined,
    kind: r.resource,
  });
}

/** The message Kubernetes uses for a stale resourceVersion on update. */
export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export function badRequest(message: string): ApiError {
  return statusError(400, 'BadRequest', message);
}

export function gone(message: string): ApiError {
  return statusError(410, 'Expired', message);
}

export function unauthorized(): ApiError {
  return statusError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(message: string): ApiError {
  return statusError(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(message: string): ApiError {
  return statusError(415, 'UnsupportedMediaType', message);
}

export function notAcceptable(message: string): ApiError {
  return statusError(406, 'NotAcceptable', message);
}

export function tooLarge(message = 'the request entity is too large'): ApiError {
  return statusError(413, 'RequestEntityTooLarge', message);
}

export function internalError(message: string): ApiError {
  return statusError(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function forbidden(r: QualifiedResource, name: string, why: string): ApiError {
  const what = name ? `${qualified(r)} "${name}"` : qualified(r);
  return statusError(403, 'Forbidden', `${what} is forbidden: ${why}`, { name, group: r.group || undefined, kind: r.resource });
}

// ------------------------------------------------------------ field errors

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

/** One problem with one field, as in k8s.io/apimachinery/pkg/util/validation/field. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value (omitted for Required / Forbidden when Kubernetes omits it). */
  value?: unknown;
  detail?: string;
  /** For NotSupported: the allowed values. */
  supported?: readonly string[];
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/**
 * Formats a value the way apimachinery's field.Error.ErrorBody does: %q for
 * strings, %v for numbers and booleans, JSON for lists and objects (e.g.
 * `spec.clusterIPs: Invalid value: ["10.0.0.1"]: …`).
 */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

/** "spec.ports[1].name: Duplicate value: \"http\"" — the text kubectl prints. */
export function fieldErrorText(e: FieldError): string {
  let s = `${e.field}: ${TYPE_TEXT[e.type]}`;
  // Required, Forbidden, TooLong and Internal never print the value; TooMany prints the count.
  const showValue = e.value !== undefined && e.type !== 'FieldValueRequired' && e.type !== 'FieldValueForbidden' && e.type !== 'FieldValueTooLong' && e.type !== 'InternalError';
  if (showValue) s += `: ${formatValue(e.value)}`;
  if (e.type === 'FieldValueNotSupported' && e.supported?.length) {
    s += `: supported values: ${e.supported.map((x) => JSON.stringify(x)).join(', ')}`;
  } else if (e.detail) {
    s += `: ${e.detail}`;
  }
  return s;
}

/**
 * 422 Invalid, shaped like apimachinery's NewInvalid: message
 * `Service "web" is invalid: [a, b]` (brackets only for several errors), one
 * cause per field error.
 */
export function invalid(kind: string, group: string, name: string, errs: readonly FieldError[]): ApiError {
  const texts = errs.map(fieldErrorText);
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const causes: StatusCause[] = errs.map((e, i) => ({ reason: e.type, message: texts[i]!.slice(e.field.length + 2), field: e.field }));
  const gk = group ? `${kind}.${group}` : kind;
  return statusError(422, 'Invalid', `${gk} "${name}" is invalid: ${joined}`, { name, group: group || undefined, kind, causes });
}

// --------------------------------------------------------------- predicates

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status.reason === 'NotFound';
}
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.status.reason === 'AlreadyExists';
}
export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.status.reason === 'Conflict';
}
export function isGone(e: unknown): boolean {
  return e instanceof ApiError && (e.status.code === 410);
}
export function isInvalid(e: unknown): boolean {
  return e instanceof ApiError && e.status.reason === 'Invalid';
}

// ------------------------------------------------------------- field paths

/** Builds field paths: path('spec','ports').index(1).child('name') → "spec.ports[1].name". */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(...names: string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }
  child(...names: string[]): FieldPath {
    return new FieldPath([this.text, ...names].filter(Boolean).join('.'));
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

export const path = FieldPath.root;

export const fieldErr = {
  required: (p: FieldPath | string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field: String(p), detail: detail || undefined }),
  invalid: (p: FieldPath | string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: String(p), value, detail }),
  duplicate: (p: FieldPath | string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: String(p), value }),
  notSupported: (p: FieldPath | string, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: String(p),
    value,
    supported,
  }),
  forbidden: (p: FieldPath | string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: String(p), detail }),
  tooLong: (p: FieldPath | string, value: unknown, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: String(p),
    value,
    detail: `must have at most ${max} bytes`,
  }),
  tooMany: (p: FieldPath | string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: String(p),
    value: actual,
    detail: `must have at most ${max} items`,
  }),
  notFound: (p: FieldPath | string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: String(p), value }),
};
