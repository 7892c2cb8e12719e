/**
 * Query values as the CLI shows them, knowing each column's type from the response's schema
 * ("`ID` BIGINT KEY, `PRICE` DOUBLE"): DOUBLE as Java prints it (10.0, 1.0E10; JSON alone would
 * give 10), nested values as JSON with the same doubles, null as `null`.
 */
import { javaDoubleString } from '../src/types/java-text.js';

export type ValueType =
  | { readonly kind: 'DOUBLE' }
  | { readonly kind: 'ARRAY'; readonly element: ValueType }
  | { readonly kind: 'MAP'; readonly value: ValueType }
  | { readonly kind: 'STRUCT'; readonly fields: ReadonlyMap<string, ValueType> }
  | { readonly kind: 'OTHER'; readonly name: string };

export interface SchemaColumn {
  readonly name: string;
  readonly type: ValueType;
  /** The type as the schema wrote it. */
  readonly typeText: string;
}

const OTHER: ValueType = { kind: 'OTHER', name: '' };

/** The top-level columns of a /query header schema; unreadable type text is taken as OTHER. */
export function parseSchemaColumns(schema: string): SchemaColumn[] {
  const p = new TypeParser(schema);
  const out: SchemaColumn[] = [];
  p.ws();
  while (!p.done()) {
    const name = p.name();
    if (name === undefined) break;
    const start = p.pos;
    const type = p.type();
    const typeText = schema.slice(start, p.pos).trim();
    p.ws();
    if (p.peek('KEY')) p.pos += 3;
    out.push({ name, type, typeText });
    p.ws();
    if (!p.eat(',')) break;
    p.ws();
  }
  return out;
}

class TypeParser {
  pos = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.pos >= this.s.length;
  }

  ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  peek(word: string): boolean {
    return this.s.startsWith(word, this.pos) && !/[A-Za-z0-9_]/.test(this.s[this.pos + word.length] ?? '');
  }

  eat(c: string): boolean {
    this.ws();
    if (this.s[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  /** A back-quoted name (`` doubles a quote), or a bare word. */
  name(): string | undefined {
    this.ws();
    if (this.s[this.pos] === '`') {
      let out = '';
      this.pos++;
      while (this.pos < this.s.length) {
        const c = this.s[this.pos++]!;
        if (c === '`') {
          if (this.s[this.pos] === '`') {
            out += '`';
            this.pos++;
          } else return out;
        } else out += c;
      }
      return out;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  type(): ValueType {
    this.ws();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos))?.[0];
    if (!word) return OTHER;
    this.pos += word.length;
    switch (word.toUpperCase()) {
      case 'DOUBLE':
        return { kind: 'DOUBLE' };
      case 'ARRAY': {
        if (!this.eat('<')) return OTHER;
        const element = this.type();
        this.eat('>');
        return { kind: 'ARRAY', element };
      }
      case 'MAP': {
        if (!this.eat('<')) return OTHER;
        this.type();
        this.eat(',');
        const value = this.type();
        this.eat('>');
        return { kind: 'MAP', value };
      }
      case 'STRUCT': {
        if (!this.eat('<')) return OTHER;
        const fields = new Map<string, ValueType>();
        this.ws();
        if (this.eat('>')) return { kind: 'STRUCT', fields };
        for (;;) {
          const n = this.name();
          if (n === undefined) break;
          fields.set(n, this.type());
          if (!this.eat(',')) break;
        }
        this.eat('>');
        return { kind: 'STRUCT', fields };
      }
      default:
        // DECIMAL(p, s), VARCHAR(STRING) and the like: skip the parenthesized part.
        this.ws();
        if (this.s[this.pos] === '(') {
          const close = this.s.indexOf(')', this.pos);
          this.pos = close < 0 ? this.s.length : close + 1;
        }
        return { kind: 'OTHER', name: word.toUpperCase() };
    }
  }
}

/** A cell's text. */
export function renderValue(v: unknown, t: ValueType = OTHER): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && t.kind === 'DOUBLE') return javaDoubleString(v);
  if (typeof v === 'object') return nested(v, t);
  return String(v);
}

/** JSON text of a nested value, its DOUBLE parts written as Java doubles. */
function nested(v: unknown, t: ValueType): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return t.kind === 'DOUBLE' && Number.isFinite(v) ? javaDoubleString(v) : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => nested(x, t.kind === 'ARRAY' ? t.element : OTHER)).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    const fieldType = (k: string): ValueType => (t.kind === 'MAP' ? t.value : t.kind === 'STRUCT' ? (t.fields.get(k) ?? OTHER) : OTHER);
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${nested(x, fieldType(k))}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? String(v);
}
