/**
 * fieldValidation=Strict|Warn|Ignore: finding unknown and duplicate fields
 * in request bodies, and turning them into the apiserver's error or
 * warnings. The schema comes from ../schema (one description per type).
 */
export { findFieldProblems, findUnknownFields, type FieldProblem, type FieldProblems } from './find-field-problems.ts';
export {
  fieldValidationOutcome,
  parseFieldValidation,
  problemText,
  strictDecodingMessage,
  warningHeaderValue,
  type DecodeContext,
  type FieldValidationMode,
} from './outcome.ts';
export { JsonScanner, JsonSyntaxError } from './json-scanner.ts';
