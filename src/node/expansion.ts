/**
 * `$(VAR)` expansion exactly as Kubernetes does it for command, args and env
 * values (third_party/forked/golang/expansion): `$(NAME)` is replaced when
 * NAME is defined and kept verbatim otherwise, `$$` escapes to `$`, and any
 * other `$` is copied. Pure.
 */

const OPERATOR = '$';
const OPENER = '(';
const CLOSER = ')';

/** Reads a variable reference after a `$`: [text or name, isVariable, characters consumed]. */
function tryReadVariableName(input: string): [string, boolean, number] {
  switch (input[0]) {
    case OPERATOR:
      return [input[0], false, 1];
    case OPENER:
      for (let i = 1; i < input.length; i++) {
        if (input[i] === CLOSER) return [input.slice(1, i), true, i + 1];
      }
      return [OPERATOR + OPENER, false, 1];
    default:
      return [OPERATOR + input[0], false, 1];
  }
}

/** expansion.Expand: mapping returns the value of a name (or its `$(NAME)` form when unknown). */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === OPERATOR && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const [read, isVar, advance] = tryReadVariableName(input.slice(cursor + 1));
      out += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

/** expansion.MappingFuncFor: the first context that defines a name wins; unknown names stay `$(NAME)`. */
export function mappingFor(...contexts: ReadonlyMap<string, string>[]): (name: string) => string {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `${OPERATOR}${OPENER}${name}${CLOSER}`;
  };
}
