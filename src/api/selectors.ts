/**
 * Label and field selectors, parsed exactly as Kubernetes parses the
 * `labelSelector` / `fieldSelector` query parameters that `kubectl -l` and
 * `--field-selector` send (k8s.io/apimachinery/pkg/labels/selector.go and
 * pkg/fields/selector.go). Pure; errors are ApiError 400 with Kubernetes'
 * wording.
 */
import { badRequest } from './status.ts';

export type LabelOperator = 'exists' | '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type LabelSelector = readonly LabelRequirement[];

// ------------------------------------------------------------------ lexer

type Tok =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '!' | '=' | '==' | '!=' | '>' | '<' | 'in' | 'notin' }
  | { t: '(' }
  | { t: ')' }
  | { t: ',' }
  | { t: 'end' };

const SPECIAL = new Set(['!', '=', '>', '<', '(', ')', ',']);

function lex(input: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      toks.push({ t: c });
      i++;
      continue;
    }
    if (c === '!' || c === '=' || c === '>' || c === '<') {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        toks.push({ t: 'op', v: two });
        i += 2;
      } else {
        toks.push({ t: 'op', v: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j]!) && !/\s/.test(input[j]!)) j++;
    const word = input.slice(i, j);
    if (word === 'in' || word === 'notin') toks.push({ t: 'op', v: word });
    else toks.push({ t: 'id', v: word });
    i = j;
  }
  toks.push({ t: 'end' });
  return toks;
}

// --------------------------------------------------------------- validity

const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Errors for a label key (a qualified name, optional DNS-subdomain prefix). Empty when valid. */
export function labelKeyErrors(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const errs: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      errs.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
    }
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Errors for a label value (≤ 63 chars, may be empty). Empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return errs;
}

// ----------------------------------------------------------------- parser

function selectorError(input: string, why: string): Error {
  return badRequest(`unable to parse requirement: ${why}`);
}

/**
 * Parses a label selector string. An empty string selects everything.
 * Throws ApiError 400 on a syntax error or an invalid key/value.
 */
export function parseLabelSelector(input: string): LabelSelector {
  const toks = lex(input);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const reqs: LabelRequirement[] = [];
  if (peek().t === 'end') return reqs;

  const parseValues = (): string[] => {
    const open = next();
    if (open.t !== '(') throw selectorError(input, `found '${tokText(open)}', expected: '('`);
    const values: string[] = [];
    for (;;) {
      const t = next();
      if (t.t === 'id') {
        values.push(t.v);
        const after = next();
        if (after.t === ',') continue;
        if (after.t === ')') return values;
        throw selectorError(input, `found '${tokText(after)}', expected: ',' or ')'`);
      }
      if (t.t === ')') {
        values.push('');
        return values;
      }
      if (t.t === ',') {
        values.push('');
        continue;
      }
      throw selectorError(input, `found '${tokText(t)}', expected: ',', ')' or identifier`);
    }
  };

  for (;;) {
    let t = next();
    let negate = false;
    if (t.t === 'op' && t.v === '!') {
      negate = true;
      t = next();
    }
    if (t.t !== 'id') throw selectorError(input, `found '${tokText(t)}', expected: !, identifier, or 'end of string'`);
    const key = t.v;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length) throw badRequest(`unable to parse requirement: <nil>: Invalid value: "${key}": ${keyErrs.join('; ')}`);
    const after = peek();
    if (negate) {
      if (after.t !== ',' && after.t !== 'end') throw selectorError(input, `exists operator can't be used with '!'`);
      reqs.push({ key, operator: '!', values: [] });
    } else if (after.t === ',' || after.t === 'end') {
      reqs.push({ key, operator: 'exists', values: [] });
    } else if (after.t === 'op') {
      next();
      let values: string[];
      let op: LabelOperator;
      if (after.v === 'in' || after.v === 'notin') {
        op = after.v;
        values = parseValues();
      } else if (after.v === '!') {
        throw selectorError(input, `found '!', expected: in, notin, =, ==, !=, gt, lt`);
      } else {
        op = after.v === '>' ? 'gt' : after.v === '<' ? 'lt' : after.v;
        const v = peek();
        if (v.t === 'id') {
          next();
          values = [v.v];
        } else if (v.t === ',' || v.t === 'end') {
          values = [''];
        } else {
          throw selectorError(input, `found '${tokText(v)}', expected: identifier`);
        }
        if (op === 'gt' || op === 'lt') {
          if (!/^-?\d+$/.test(values[0]!)) {
            throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
          }
        }
      }
      if (op !== 'gt' && op !== 'lt') {
        for (const v of values) {
          const errs = labelValueErrors(v);
          if (errs.length) throw badRequest(`unable to parse requirement: values[0][${key}]: Invalid value: "${v}": ${errs.join('; ')}`);
        }
      }
      reqs.push({ key, operator: op, values });
    } else {
      throw selectorError(input, `found '${tokText(after)}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const sep = next();
    if (sep.t === 'end') break;
    if (sep.t !== ',') throw selectorError(input, `found '${tokText(sep)}', expected: ',' or 'end of string'`);
  }
  return reqs;
}

function tokText(t: Tok): string {
  switch (t.t) {
    case 'id':
      return t.v;
    case 'op':
      return t.v;
    case 'end':
      return '';
    default:
      return t.t;
  }
}

export function matchesLabels(sel: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key]! : undefined;
    switch (r.operator) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
      case '==':
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.operator === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** A map selector (Service.spec.selector): every key equals. */
export function selectorFromMap(m: Readonly<Record<string, string>>): LabelSelector {
  return Object.keys(m)
    .sort()
    .map((key) => ({ key, operator: '=' as const, values: [m[key]!] }));
}

/** metav1.LabelSelector (matchLabels + matchExpressions) → requirements. */
export function selectorFromLabelSelector(s: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): LabelSelector {
  const reqs: LabelRequirement[] = [...selectorFromMap(s.matchLabels ?? {})];
  for (const e of s.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator as 'In'];
    if (!op) throw badRequest(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, operator: op, values: e.values ?? [] });
  }
  return reqs;
}

// ---------------------------------------------------------- field selectors

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}
export type FieldSelector = readonly FieldRequirement[];

/** Splits on unescaped separators; `\` escapes `\`, `,` and `=` (fields.EscapeValue). */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescapeFieldValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      const n = v[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw badRequest(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
    }
    if (c === ',' || c === '=') throw badRequest(`invalid field selector: unescaped ${c}`);
    out += c;
  }
  return out;
}

export function parseFieldSelector(input: string): FieldSelector {
  if (input.trim() === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(input)) {
    if (term === '') continue;
    let idx = -1;
    let op: '=' | '!=' = '=';
    let oplen = 1;
    for (let i = 0; i < term.length; i++) {
      if (term[i] === '\\') {
        i++;
        continue;
      }
      if (term.startsWith('!=', i)) {
        idx = i;
        op = '!=';
        oplen = 2;
        break;
      }
      if (term.startsWith('==', i)) {
        idx = i;
        oplen = 2;
        break;
      }
      if (term[i] === '=') {
        idx = i;
        break;
      }
    }
    if (idx <= 0) throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    reqs.push({ field: term.slice(0, idx).trim(), operator: op, value: unescapeFieldValue(term.slice(idx + oplen)) });
  }
  return reqs;
}

/** Matches against a flat field set (e.g. {"metadata.name": "web"}). Unknown fields never match. */
export function matchesFields(sel: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  for (const r of sel) {
    const v = fields[r.field];
    if (r.operator === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
