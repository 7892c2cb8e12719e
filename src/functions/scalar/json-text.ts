/**
 * A small JSON tree for the JSON functions, mirroring how ksqlDB's Jackson setup behaves:
 * numbers keep their source text (exact BigDecimals), objects keep key order (last duplicate
 * wins), content after the first value is ignored, and blank input is "missing", not an error.
 */

export class JsonNumber {
  constructor(readonly text: string) {}
}
export type JsonObject = Map<string, JsonNode>;
export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | JsonObject;

/** Returned by parseJson for empty/blank input (Jackson's MissingNode). */
export const MISSING: unique symbol = Symbol('missing');

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  fail(what = 'Unexpected character'): never {
    throw new Error(`Invalid JSON format:${this.s}`, { cause: `${what} at position ${this.pos}` });
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(): JsonNode {
    this.ws();
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.word('true', true);
      case 'f':
        return this.word('false', false);
      case 'n':
        return this.word('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'Unexpected end of input' : 'Unrecognized token');
    }
  }

  word<V extends JsonNode>(w: string, v: V): V {
    if (!this.s.startsWith(w, this.pos)) this.fail('Unrecognized token');
    this.pos += w.length;
    if (/[A-Za-z0-9_$]/.test(this.s[this.pos] ?? '')) this.fail('Unrecognized token');
    return v;
  }

  number(): JsonNumber {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r) return this.fail('Invalid numeric value');
    this.pos += r[0].length;
    if (/[A-Za-z0-9_.]/.test(this.s[this.pos] ?? '')) this.fail('Invalid numeric value');
    return new JsonNumber(r[0]);
  }

  string(): string {
    const s = this.s;
    let i = ++this.pos;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= s.length) this.fail('Unexpected end of input in string');
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail('Illegal unquoted character');
      }
      if (c === 0x5c) {
        out += s.slice(chunk, i);
        const e = s[i + 1];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = s.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
              this.pos = i;
              this.fail('Unrecognized escape');
            }
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            this.pos = i;
            this.fail('Unrecognized character escape');
        }
        i += 2;
        chunk = i;
        continue;
      }
      i++;
    }
    out += s.slice(chunk, i);
    this.pos = i + 1;
    return out;
  }

  array(): JsonNode[] {
    this.pos++;
    const out: JsonNode[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail('Expected , or ]');
    }
  }

  object(): JsonObject {
    this.pos++;
    const out: JsonObject = new Map();
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('Expected field name');
      const key = this.string();
      this.ws();
      if (this.s[this.pos++] !== ':') this.fail('Expected :');
      out.set(key, this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail('Expected , or }');
    }
  }
}

/** Parse the first JSON value of `text`; MISSING for blank text; throws "Invalid JSON format:..." otherwise. */
export function parseJson(text: string): JsonNode | typeof MISSING {
  const parser = new Parser(text);
  parser.ws();
  if (parser.pos >= text.length) return MISSING;
  return parser.value();
}

export const isJsonObject = (n: JsonNode): n is JsonObject => n instanceof Map;

/** Compact JSON text of a node (Jackson's JsonNode.toString). */
export function jsonText(n: JsonNode): string {
  if (n === null) return 'null';
  if (typeof n === 'boolean') return n ? 'true' : 'false';
  if (typeof n === 'string') return JSON.stringify(n);
  if (n instanceof JsonNumber) return n.text;
  if (Array.isArray(n)) {
    let out = '[';
    for (let i = 0; i < n.length; i++) out += (i ? ',' : '') + jsonText(n[i]!);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const [k, v] of n) {
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + jsonText(v);
    first = false;
  }
  return out + '}';
}

/**
 * Tokens of a JSONPath as ksqlDB accepts it: $.a.b, $['a'], $["a"], $.a[0], $[1].name.
 * Throws on malformed paths.
 */
export function jsonPathTokens(path: string): string[] {
  if (!path.startsWith('$')) throw new Error(`Invalid JsonPath: '${path}'. Path must start with '$'`);
  const tokens: string[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      let j = i + 1;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      if (j === i + 1) throw new Error(`Invalid JsonPath: '${path}'`);
      tokens.push(path.slice(i + 1, j));
      i = j;
    } else if (c === '[') {
      const q = path[i + 1];
      if (q === "'" || q === '"') {
        const close = path.indexOf(q + ']', i + 2);
        if (close < 0) throw new Error(`Invalid JsonPath: '${path}'`);
        tokens.push(path.slice(i + 2, close));
        i = close + 2;
      } else {
        const close = path.indexOf(']', i + 1);
        if (close < 0) throw new Error(`Invalid JsonPath: '${path}'`);
        tokens.push(path.slice(i + 1, close).trim());
        i = close + 1;
      }
    } else {
      throw new Error(`Invalid JsonPath: '${path}'`);
    }
  }
  return tokens;
}

/** Follow path tokens: arrays take integer tokens, objects field names; undefined when absent. */
export function jsonAt(root: JsonNode, tokens: readonly string[]): JsonNode | undefined {
  let cur: JsonNode | undefined = root;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^[+-]?\d+$/.test(t)) return undefined;
      cur = cur[Number(t)];
    } else if (cur instanceof Map) {
      cur = cur.get(t);
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}
