/**
 * The Status errors a PATCH can fail with, shaped like the ones
 * k8s.io/apiserver/pkg/endpoints/handlers/patch.go produces.
 */
import { badRequest, invalid, statusError, fieldErr, type ApiError } from '../../api/status.ts';

/** 400: the patch document itself is malformed. */
export function patchBadRequest(message: string): ApiError {
  return badRequest(message);
}

/**
 * 422 as NewGenericServerResponse(422, ...) builds it: a fixed message and the
 * underlying error as an UnexpectedServerResponse cause. Used when a JSON
 * patch does not apply and for the strategic merge errors Kubernetes maps to 422.
 */
export function patchNotApplicable(message: string): ApiError {
  return statusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

/**
 * 500 with an empty reason: what the apiserver answers when strategic merge
 * fails with a plain Go error (missing merge key, unknown $patch value, ...),
 * since such errors reach ErrorToAPIStatus unconverted.
 */
export function patchInternal(message: string): ApiError {
  return statusError(500, undefined, message);
}

/** 422 Invalid on field "patch": the patched document cannot be decoded into an object. */
export function patchedNotAnObject(patchedJson: string, detail: string): ApiError {
  return invalid('', '', '', [fieldErr.invalid('patch', patchedJson, detail)]);
}
