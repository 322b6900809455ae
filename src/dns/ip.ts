/**
 * IP address text ↔ octets for the wire codec, and the canonical text form
 * (IPv6 per RFC 5952) every index and comparison uses.
 */

export function ipv4Bytes(ip: string): Buffer | undefined {
  const b = Buffer.allocUnsafe(4);
  let part = 0;
  let n = -1;
  let digits = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 46;
    if (c === 46) {
      if (n < 0 || part > 3) return undefined;
      b[part++] = n;
      n = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && n === 0) return undefined; // no leading zeros
      n = n < 0 ? c - 48 : n * 10 + (c - 48);
      if (++digits > 3 || n > 255) return undefined;
    } else return undefined;
  }
  return part === 4 ? b : undefined;
}

export function ipv6Bytes(ip: string): Buffer | undefined {
  let s = ip;
  let tail4: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
    tail4 = ipv4Bytes(s.slice(lastColon + 1));
    if (!tail4) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  let head: string[];
  let tail: string[];
  if (dbl >= 0) {
    head = s.slice(0, dbl) ? s.slice(0, dbl).split(':') : [];
    tail = s.slice(dbl + 2) ? s.slice(dbl + 2).split(':') : [];
    if (head.length + tail.length > 7) return undefined;
  } else {
    head = s.split(':');
    tail = [];
    if (head.length !== 8) return undefined;
  }
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  const b = Buffer.allocUnsafe(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i];
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    b.writeUInt16BE(parseInt(g, 16), i * 2);
  }
  if (tail4) tail4.copy(b, 12);
  return b;
}

export function formatIPv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // Longest run of ≥ 2 zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text form of an IP (IPv6 per RFC 5952), or undefined when it is not one. */
export function canonicalIP(ip: string): string | undefined {
  if (ip.indexOf(':') < 0) {
    const b = ipv4Bytes(ip);
    return b ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : undefined;
  }
  const b = ipv6Bytes(ip);
  return b ? formatIPv6(b) : undefined;
}
