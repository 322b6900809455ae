/**
 * Parses a request body the way Go's encoding/json does, so a malformed patch
 * is rejected with the message Kubernetes returns ("invalid character 'x'
 * looking for beginning of value", "unexpected end of JSON input") rather than
 * V8's wording. The syntax check walks UTF-8 bytes like Go's scanner; once it
 * passes, JSON.parse produces the value.
 */
import type { JsonValue } from './json-value.ts';

export type ParseResult = { ok: true; value: JsonValue } | { ok: false; message: string };

export function parseGoJson(text: string): ParseResult {
  const message = goJsonSyntaxError(Buffer.from(text, 'utf8'));
  if (message !== undefined) return { ok: false, message };
  return { ok: true, value: JSON.parse(text) as JsonValue };
}

/** encoding/json's UnmarshalTypeError text: "json: cannot unmarshal array into Go value of type string". */
export function unmarshalTypeError(jsonWord: string, goType: string): string {
  return `json: cannot unmarshal ${jsonWord} into Go value of type ${goType}`;
}

const EOF_MESSAGE = 'unexpected end of JSON input';

class SyntaxFailure {
  constructor(readonly message: string) {}
}

/** Returns Go's syntax error message for `b`, or undefined when it is valid JSON. */
export function goJsonSyntaxError(b: Uint8Array): string | undefined {
  const n = b.length;
  let i = 0;

  const fail = (context: string): never => {
    throw new SyntaxFailure(i >= n ? EOF_MESSAGE : `invalid character ${quoteChar(b[i]!)} ${context}`);
  };
  const need = (): number => {
    if (i >= n) throw new SyntaxFailure(EOF_MESSAGE);
    return b[i]!;
  };
  const skipSpace = (): void => {
    while (i < n && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

  const literal = (word: string): void => {
    i++;
    for (let k = 1; k < word.length; k++) {
      const want = word.charCodeAt(k);
      if (need() !== want) fail(`in literal ${word} (expecting ${quoteChar(want)})`);
      i++;
    }
  };

  const string = (): void => {
    i++; // opening quote
    for (;;) {
      const c = need();
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        const e = need();
        if (e === 0x75) {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!isHex(need())) fail('in \\u hexadecimal character escape');
            i++;
          }
          continue;
        }
        if ('"\\/bfnrt'.includes(String.fromCharCode(e))) {
          i++;
          continue;
        }
        fail('in string escape code');
      }
      if (c < 0x20) fail('in string literal');
      i++;
    }
  };

  const digits = (): void => {
    while (i < n && isDigit(b[i]!)) i++;
  };

  const number = (): void => {
    if (b[i] === 0x2d) {
      i++;
      if (!isDigit(need())) fail('in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else digits();
    if (i < n && b[i] === 0x2e) {
      i++;
      if (!isDigit(need())) fail('after decimal point in numeric literal');
      digits();
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (need() === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(need())) fail('in exponent of numeric literal');
      digits();
    }
  };

  const array = (): void => {
    i++;
    skipSpace();
    if (need() === 0x5d) {
      i++;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      const c = need();
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x5d) {
        i++;
        return;
      }
      fail('after array element');
    }
  };

  const object = (): void => {
    i++;
    skipSpace();
    if (need() === 0x7d) {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (need() !== 0x22) fail('looking for beginning of object key string');
      string();
      skipSpace();
      if (need() !== 0x3a) fail('after object key');
      i++;
      value();
      skipSpace();
      const c = need();
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x7d) {
        i++;
        return;
      }
      fail('after object key:value pair');
    }
  };

  function value(): void {
    skipSpace();
    const c = need();
    if (c === 0x7b) return object();
    if (c === 0x5b) return array();
    if (c === 0x22) return string();
    if (c === 0x2d || isDigit(c)) return number();
    if (c === 0x74) return literal('true');
    if (c === 0x66) return literal('false');
    if (c === 0x6e) return literal('null');
    fail('looking for beginning of value');
  }

  try {
    value();
    skipSpace();
    if (i < n) fail('after top-level value');
    return undefined;
  } catch (e: unknown) {
    if (e instanceof SyntaxFailure) return e.message;
    throw e;
  }
}

/** Go's quoteChar: a byte shown as a quoted rune ('x', '\n', '\x01', 'Ã'). */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  return `'${quoteRune(c)}'`;
}

const C_ESCAPES: Readonly<Record<number, string>> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

function quoteRune(c: number): string {
  const hex = c.toString(16).padStart(2, '0');
  if (c === 0x5c) return '\\\\';
  if (C_ESCAPES[c]) return C_ESCAPES[c]!;
  if (c < 0x20 || c === 0x7f) return `\\x${hex}`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `\\u00${hex}`;
  return String.fromCharCode(c);
}
