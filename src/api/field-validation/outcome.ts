/**
 * What the apiserver does with unknown/duplicate fields for each
 * fieldValidation directive (staging/src/k8s.io/apiserver/pkg/endpoints/
 * handlers: create.go, update.go, patch.go, rest.go):
 *
 *  - Strict: 400 BadRequest. For create and update the decoder error is
 *    wrapped by transformDecodeError:
 *      Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"
 *    For patch it is the bare `strict decoding error: ...`.
 *  - Warn (also the default when the parameter is absent): one warning per
 *    problem, `unknown field "spec.foo"`, sent as `Warning: 299 - "..."`.
 *  - Ignore: nothing.
 */
import { ApiError, badRequest, fieldErr, invalid } from '../status.ts';
import type { FieldProblem, FieldProblems } from './find-field-problems.ts';

export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

/** For create/update errors: the kind and version the body was decoded as. */
export interface DecodeContext {
  readonly kind: string;
  readonly version: string;
}

/** `unknown field "spec.foo"` / `duplicate field "metadata.name"`, as Go's strconv.Quote renders the path. */
export function problemText(p: FieldProblem): string {
  return `${p.kind} field ${JSON.stringify(p.path)}`;
}

function ordered(problems: FieldProblems | Pick<FieldProblems, 'unknown' | 'duplicate'>): FieldProblem[] {
  if ('all' in problems && problems.all) return problems.all;
  return [
    ...problems.unknown.map((path): FieldProblem => ({ kind: 'unknown', path })),
    ...problems.duplicate.map((path): FieldProblem => ({ kind: 'duplicate', path })),
  ];
}

/** runtime.strictDecodingError.Error(): `strict decoding error: a, b`. */
export function strictDecodingMessage(problems: FieldProblems | Pick<FieldProblems, 'unknown' | 'duplicate'>): string {
  return `strict decoding error: ${ordered(problems).map(problemText).join(', ')}`;
}

export function fieldValidationOutcome(
  mode: FieldValidationMode,
  problems: FieldProblems | Pick<FieldProblems, 'unknown' | 'duplicate'>,
  context?: DecodeContext,
): { error?: ApiError; warnings: string[] } {
  const list = ordered(problems);
  if (list.length === 0 || mode === 'Ignore') return { warnings: [] };
  if (mode === 'Warn') return { warnings: list.map(problemText) };
  const msg = strictDecodingMessage(problems);
  const full = context ? `${context.kind} in version ${JSON.stringify(context.version)} cannot be handled as a ${context.kind}: ${msg}` : msg;
  return { error: badRequest(full), warnings: [] };
}

/**
 * The value of one `Warning` response header (RFC 7234 warn-code 299, agent
 * "-"), escaping like k8s.io/apimachinery/pkg/util/net.NewWarningHeader.
 */
export function warningHeaderValue(text: string): string {
  return `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const SUPPORTED = ['', 'Ignore', 'Strict', 'Warn'];

/**
 * The fieldValidation query parameter. Absent or empty means Warn; other
 * values outside the supported set are rejected like the apiserver does,
 * as 422 Invalid on the request's options kind.
 */
export function parseFieldValidation(
  value: string | null | undefined,
  optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
): FieldValidationMode {
  const v = value ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw invalid(optionsKind, 'meta.k8s.io', '', [fieldErr.notSupported('fieldValidation', v, SUPPORTED)]);
}

export type { ApiError };
