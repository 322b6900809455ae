/**
 * A pull scanner over JSON text. JSON.parse keeps only the last of duplicate
 * keys, so duplicate detection has to read the text itself; this scanner
 * lets a caller walk objects key by key and skip values it does not care
 * about, without building them.
 *
 * Contract: methods throw JsonSyntaxError on malformed input and never
 * return partial tokens. Whitespace is the four JSON whitespace characters.
 */

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

export type ValueStart = 'object' | 'array' | 'string' | 'number' | 'literal';

const WS = new Set([' ', '\t', '\n', '\r']);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export class JsonScanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  get offset(): number {
    return this.pos;
  }

  private skipWs(): void {
    while (this.pos < this.text.length && WS.has(this.text[this.pos]!)) this.pos++;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  /** The kind of the next value, without consuming it. */
  peekValue(): ValueStart {
    this.skipWs();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return 'object';
      case '[':
        return 'array';
      case '"':
        return 'string';
      case 't':
      case 'f':
      case 'n':
        return 'literal';
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return 'number';
        return this.fail(c === undefined ? 'unexpected end of JSON input' : `invalid character ${JSON.stringify(c)}`);
    }
  }

  /** Consumes `{`. Then call nextKey() until it returns undefined. */
  beginObject(): void {
    this.expect('{');
    this.first = true;
  }

  /** Consumes `[`. Then call nextElement() until it returns false. */
  beginArray(): void {
    this.expect('[');
    this.first = true;
  }

  private first = false;

  /**
   * The next key of the object being read (consuming the `:`), or undefined
   * after consuming the closing `}`. The caller must consume the value
   * (read it or skipValue) before asking for the next key. Nested walks
   * are fine: `first` is only consulted right after begin*().
   */
  nextKey(): string | undefined {
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.first = false;
      return undefined;
    }
    if (!this.first) this.expect(',');
    this.first = false;
    this.skipWs();
    const key = this.readString();
    this.expect(':');
    return key;
  }

  /** True when another element follows (its value is next), false after consuming `]`. */
  nextElement(): boolean {
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.first = false;
      return false;
    }
    if (!this.first) this.expect(',');
    this.first = false;
    return true;
  }

  readString(): string {
    this.skipWs();
    if (this.text[this.pos] !== '"') this.fail('expected string');
    this.pos++;
    let out = '';
    let start = this.pos;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') {
        out += this.text.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (c < ' ') this.fail('control character in string');
      if (c === '\\') {
        out += this.text.slice(start, this.pos);
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          this.pos += 2;
        } else {
          this.fail('invalid escape');
        }
        start = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /** Consumes one whole value of any kind. */
  skipValue(): void {
    switch (this.peekValue()) {
      case 'object':
        this.beginObject();
        while (this.nextKey() !== undefined) this.skipValue();
        return;
      case 'array':
        this.beginArray();
        while (this.nextElement()) this.skipValue();
        return;
      case 'string':
        this.readString();
        return;
      case 'number':
        NUMBER_RE.lastIndex = this.pos;
        if (!NUMBER_RE.test(this.text)) this.fail('invalid number');
        this.pos = NUMBER_RE.lastIndex;
        return;
      case 'literal':
        for (const lit of ['true', 'false', 'null']) {
          if (this.text.startsWith(lit, this.pos)) {
            this.pos += lit.length;
            return;
          }
        }
        this.fail('invalid literal');
    }
  }

  /** Asserts only whitespace remains. */
  end(): void {
    this.skipWs();
    if (this.pos !== this.text.length) this.fail('invalid character after top-level value');
  }

  private expect(ch: string): void {
    this.skipWs();
    if (this.text[this.pos] !== ch) this.fail(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }
}
