/**
 * Key ordering and prefix ranges shared by every backend.
 *
 * Keys sort by Unicode code point, which is the byte order of their UTF-8
 * encoding: the order SQLite's BINARY collation and etcd use. JavaScript's `<`
 * compares UTF-16 code units and differs from it for characters above U+FFFF,
 * so the memory backend sorts with `compareKeys` to agree with the others.
 */

/** Code point order (== UTF-8 byte order). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800–0xDFFF) starts a code point above U+FFFF, which sorts
    // after every BMP character, including U+E000–U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The smallest key greater than every key with the prefix, or undefined when
 * there is none (empty prefix, or a prefix made only of U+10FFFF). Every key k
 * with the prefix satisfies prefix <= k < prefixEnd(prefix) in code point order.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (cps.length > 0) {
    let last = cps.pop()!;
    if (last === 0x10ffff) continue;
    last += 1;
    if (last === 0xd800) last = 0xe000; // surrogates are not characters
    cps.push(last);
    return String.fromCodePoint(...cps);
  }
  return undefined;
}
