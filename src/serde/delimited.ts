/**
 * The DELIMITED format: one CSV record (Apache Commons CSV's default dialect with a configurable
 * delimiter), fields in column order. Primitive types and DECIMAL only. Empty field → null.
 *
 * Writing follows the quoting rule of the Commons CSV version ksqlDB ships (MINIMAL mode): a field
 * is quoted when it contains the delimiter, a quote or a line break, starts with a char <= '#',
 * ends with a char <= ' ', is empty and first, or — for the first field only — does not start with
 * an ASCII letter or digit. That last rule is why ksqlDB writes a leading negative number quoted:
 * "-12345.12",... (see delimited.json "read written decimals").
 */
import { Decimal } from '../types/decimal.js';
import type { SqlType } from '../types/sql-type.js';
import type { Column } from '../types/schema.js';
import { CoercionError, fitDecimal } from './json-read.js';
import { decodeBase64, isDecimalText, javaDouble, parseJavaDouble, parseJavaInt, parseJavaLong } from './text.js';
import { unsupportedSchema } from './validate.js';
import { SerdeError, type FormatOptions, type Serde } from './serde.js';

type Parser = (s: string) => unknown;
type Printer = (v: unknown) => string;

/** 'TAB' / 'SPACE' / a single character → the delimiter character. */
export function delimiterChar(d: string | undefined): string {
  if (d === undefined) return ',';
  const u = d.toUpperCase();
  if (u === 'TAB') return '\t';
  if (u === 'SPACE') return ' ';
  return d;
}

function numberFormatError(s: string): CoercionError {
  return new CoercionError(`For input string: "${s}"`);
}

function parser(t: SqlType): Parser | undefined {
  switch (t.kind) {
    case 'BOOLEAN':
      // Boolean.parseBoolean: anything but "true" (any case) is false.
      return (s) => s.toLowerCase() === 'true';
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return (s) => {
        const n = parseJavaInt(s);
        if (n === undefined) throw numberFormatError(s);
        return n;
      };
    case 'BIGINT':
    case 'TIMESTAMP':
      return (s) => {
        const n = parseJavaLong(s);
        if (n === undefined) throw numberFormatError(s);
        return n;
      };
    case 'DOUBLE':
      return (s) => {
        const n = parseJavaDouble(s);
        if (n === undefined) throw numberFormatError(s);
        return n;
      };
    case 'STRING':
      return (s) => s;
    case 'DECIMAL': {
      const { precision, scale } = t;
      return (s) => {
        if (!isDecimalText(s)) throw new CoercionError(`Invalid decimal: ${s}`);
        return fitDecimal(Decimal.parse(s), precision, scale);
      };
    }
    case 'BYTES':
      return (s) => {
        const b = decodeBase64(s);
        if (b === undefined) throw new CoercionError('Value is not a valid Base64 encoded string: ' + s);
        return b;
      };
    default:
      return undefined;
  }
}

function printer(t: SqlType): Printer {
  switch (t.kind) {
    case 'DOUBLE':
      return (v) => javaDouble(v as number);
    case 'DECIMAL': {
      const scale = t.scale;
      return (v) => {
        const d = v instanceof Decimal ? v : Decimal.fromNumber(v as number);
        return (d.scale === scale ? d : d.setScale(scale)).toString();
      };
    }
    case 'BYTES':
      return (v) => (v as Buffer).toString('base64');
    case 'STRING':
      return (v) => v as string;
    default:
      return (v) => String(v);
  }
}

/** Splits the first CSV record of `text`; returns [] when there is none (blank input). */
export function parseCsvRecord(text: string, delim: string): string[] {
  const d = delim.charCodeAt(0);
  const n = text.length;
  let i = 0;
  // Leading empty lines are skipped (ignoreEmptyLines).
  while (i < n && (text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i++;
  const out: string[] = [];
  if (i >= n) return out;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      // Quoted field: "" is a literal quote; after the closing quote only spaces until the delimiter.
      let s = '';
      let start = ++i;
      for (;;) {
        if (i >= n) throw new CoercionError('EOF reached before encapsulated token finished');
        if (text.charCodeAt(i) === 34) {
          if (text.charCodeAt(i + 1) === 34) {
            s += text.slice(start, i + 1);
            i += 2;
            start = i;
            continue;
          }
          s += text.slice(start, i);
          i++;
          break;
        }
        i++;
      }
      while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) && text.charCodeAt(i) !== d) i++;
      out.push(s);
      if (i >= n) return out;
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        if (i >= n) return out.push(''), out;
        continue;
      }
      if (c === 10 || c === 13) return out;
      throw new CoercionError('invalid char between encapsulated token and delimiter');
    }
    const start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === d || c === 10 || c === 13) break;
      i++;
    }
    out.push(text.slice(start, i));
    if (i >= n) return out;
    if (text.charCodeAt(i) !== d) return out;
    i++;
    if (i >= n) return out.push(''), out;
  }
}

function needsQuote(s: string, first: boolean, d: number): boolean {
  const n = s.length;
  if (n === 0) return first;
  const c0 = s.charCodeAt(0);
  if (first && !((c0 >= 48 && c0 <= 57) || (c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) return true;
  if (c0 <= 35) return true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 34 || c === d) return true;
  }
  return s.charCodeAt(n - 1) <= 32;
}

export function createDelimitedSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean): Serde {
  const parsers: Parser[] = [];
  for (const c of columns) {
    const p = parser(c.type);
    if (p === undefined) {
      const reason = `The 'DELIMITED' format does not support type '${c.type.kind}', column: \`${c.name}\``;
      throw unsupportedSchema('DELIMITED', columns, options, isKey, reason);
    }
    parsers.push(p);
  }
  const printers = columns.map((c) => printer(c.type));
  const delim = delimiterChar(options.delimiter);
  const d = delim.charCodeAt(0);
  const n = columns.length;
  const target = isKey ? 'key' : 'value';
  const topic = options.topic ?? '';
  const where = options.topic === undefined ? '' : ' from topic: ' + options.topic;

  return {
    serialize(values) {
      if (values === null) return null;
      let s = '';
      for (let i = 0; i < n; i++) {
        if (i > 0) s += delim;
        const v = values[i];
        if (v == null) continue;
        const f = printers[i]!(v);
        s += needsQuote(f, i === 0, d) ? '"' + f.replace(/"/g, '""') + '"' : f;
      }
      return Buffer.from(s, 'utf8');
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      try {
        const fields = parseCsvRecord(bytes.toString('utf8'), delim);
        if (fields.length === 0) throw new CoercionError('No fields in record');
        if (fields.length !== n) {
          throw new CoercionError(`Column count mismatch on deserialization. topic: ${topic}, expected: ${n}, got: ${fields.length}`);
        }
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          const f = fields[i]!;
          out[i] = f === '' ? null : parsers[i]!(f);
        }
        return out;
      } catch (e) {
        throw new SerdeError(`Failed to deserialize ${target}${where}. Error deserializing delimited: ${(e as Error).message}`);
      }
    },
  };
}
