/**
 * A JSON parser that keeps each number's source text (as a JsonNumber), for the cases where
 * JSON.parse would lose what ksqlDB (Jackson with exact BigDecimals) keeps: DECIMAL values with more
 * than 15 significant digits and numbers read into STRING columns ("1.50" stays "1.50"). It builds
 * the same tree as JSON.parse otherwise. Only used on the slow path; JSON.parse is the fast path.
 */

export class JsonNumber {
  constructor(readonly text: string) {}
  /** Whether the token has no fraction or exponent (Jackson reads it as an integer node). */
  get integral(): boolean {
    return !/[.eE]/.test(this.text);
  }
}

export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | { [k: string]: ExactJson };

export function parseExact(text: string): ExactJson {
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.i < text.length) p.fail();
  return v;
}

/** Jackson's default StreamReadConstraints nesting limit; the parser below is recursive. */
export const MAX_JSON_DEPTH = 1000;

class Parser {
  i = 0;
  depth = 0;
  constructor(readonly s: string) {}

  enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) {
      throw new SyntaxError(`Document nesting depth (${this.depth}) exceeds the maximum allowed (${MAX_JSON_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`);
    }
  }

  fail(): never {
    throw new SyntaxError(
      this.i >= this.s.length ? 'Unexpected end of JSON input' : `Unexpected token '${this.s[this.i]}' in JSON at position ${this.i}`,
    );
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  value(): ExactJson {
    const c = this.s.charCodeAt(this.i);
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.fail();
  }

  object(): { [k: string]: ExactJson } {
    const o: { [k: string]: ExactJson } = {};
    this.enter();
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      this.depth--;
      return o;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) this.fail();
      const k = this.string();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail();
      this.i++;
      this.ws();
      // defineProperty so that a "__proto__" key is an own property, as with JSON.parse.
      Object.defineProperty(o, k, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 125) return this.depth--, o;
      if (c !== 44) (this.i--, this.fail());
    }
  }

  array(): ExactJson[] {
    const a: ExactJson[] = [];
    this.enter();
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      this.depth--;
      return a;
    }
    for (;;) {
      this.ws();
      a.push(this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 93) return this.depth--, a;
      if (c !== 44) (this.i--, this.fail());
    }
  }

  string(): string {
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c !== c) this.fail(); // NaN: end of input
      if (c === 34) break;
      if (c === 92) i += 2;
      else if (c < 32) {
        this.i = i;
        this.fail();
      } else i++;
    }
    this.i = i + 1;
    // The token is valid JSON string syntax unless an escape is malformed, which JSON.parse reports.
    return JSON.parse(s.slice(start, i + 1)) as string;
  }

  number(): JsonNumber {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail();
    this.i += r[0].length;
    return new JsonNumber(r[0]);
  }
}
