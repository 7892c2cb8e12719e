/**
 * JSON → column values, coercing as ksqlDB's KsqlJsonDeserializer does:
 * - BOOLEAN only from JSON booleans;
 * - INTEGER / BIGINT / DOUBLE / DATE / TIME / TIMESTAMP from numbers (truncated like Java's
 *   intValue/longValue) or from strings in Java's number grammar;
 * - STRING from anything: numbers keep their source text (BigDecimal.toString form), objects become
 *   compact JSON, arrays "[a, b]";
 * - DECIMAL from numbers or numeric strings, rescaled HALF_UP to the column scale, error on overflow;
 * - BYTES from base64 strings; ARRAY from arrays; MAP and STRUCT from objects. Struct fields match
 *   the exact name first, then the upper-cased JSON name (so `foo` matches column FOO).
 *
 * Readers are built once per serde. They run on JSON.parse output (fast) or, when that would lose
 * information ksqlDB keeps (a number read into STRING, a DECIMAL with more than 15 digits), throw
 * NEED_EXACT so the caller re-reads the record with the source-preserving parser (see json-exact.ts).
 */
import { Decimal } from '../types/decimal.js';
import type { SqlType, StructField } from '../types/sql-type.js';
import { JsonNumber } from './json-exact.js';
import { connectTypeText, decodeBase64, isDecimalText, javaIntegralBits, jsonNumberText, parseJavaDouble, parseJavaInt, parseJavaLong } from './text.js';

export type Reader = (v: unknown) => unknown;

/** 2^53: below it a JSON.parse number is the token's exact value. */
const EXACT = 9007199254740992;
/** 2^63, the double nearest Long.MIN_VALUE and Long.MAX_VALUE. */
const LONG_BOUND = 9223372036854775808;

/** Thrown by fast-path readers when the record must be re-read with number texts kept. */
export const NEED_EXACT: unique symbol = Symbol('NEED_EXACT');

/** A coercion failure; `path` is built while unwinding ("$.A[2].B"). */
export class CoercionError extends Error {
  constructor(
    readonly raw: string,
    public path: string = '',
  ) {
    super(raw);
  }
}

/** Jackson's node class for a parsed JSON value, as named in ksqlDB's coercion errors. */
export function nodeName(v: unknown): string {
  if (v === null) return 'NullNode';
  switch (typeof v) {
    case 'boolean':
      return 'BooleanNode';
    case 'string':
      return 'TextNode';
    case 'number':
      return !Number.isInteger(v) ? 'DecimalNode' : v >= -2147483648 && v <= 2147483647 ? 'IntNode' : 'LongNode';
  }
  if (v instanceof JsonNumber) {
    if (!v.integral) return 'DecimalNode';
    const n = Number(v.text);
    return n >= -2147483648 && n <= 2147483647 ? 'IntNode' : parseJavaLong(v.text) !== undefined ? 'LongNode' : 'BigIntegerNode';
  }
  return Array.isArray(v) ? 'ArrayNode' : 'ObjectNode';
}

function cannotConvert(v: unknown, required: string): CoercionError {
  return new CoercionError(`Can't convert type. sourceType: ${nodeName(v)}, requiredType: ${required}`);
}
function cannotCoerce(target: string): CoercionError {
  return new CoercionError(`Can't coerce string to type. targetType: ${target}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** Builds the reader for a type. `exact`: input comes from parseExact (numbers are JsonNumber). */
export function jsonReader(t: SqlType, exact: boolean): Reader {
  switch (t.kind) {
    case 'BOOLEAN':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'boolean') return v;
        throw cannotConvert(v, 'BOOLEAN');
      };
    case 'INTEGER':
    case 'DATE':
    case 'TIME': {
      const target = t.kind;
      return (v) => {
        if (v === null || v === undefined) return null;
        // Truncated, then the low 32 bits (ToInt32 is Java's intValue for exact numbers); beyond
        // 2^53 JSON.parse has rounded the number: re-read its text.
        if (typeof v === 'number') {
          if (v > -EXACT && v < EXACT) return v | 0;
          throw NEED_EXACT;
        }
        if (typeof v === 'string') {
          const n = parseJavaInt(v);
          if (n === undefined) throw cannotCoerce(target);
          return n;
        }
        if (v instanceof JsonNumber) return javaIntegralBits(v.text, 32);
        throw cannotConvert(v, target);
      };
    }
    case 'BIGINT':
    case 'TIMESTAMP': {
      const target = t.kind;
      return (v) => {
        if (v === null || v === undefined) return null;
        // A BIGINT is a double here, so up to ±2^63 (Long.MAX_VALUE's double, what Sluice itself
        // writes for it) the nearest double is the value. Past it (1e400, 2^70) the number's text
        // gives Java's longValue: its low 64 bits.
        if (typeof v === 'number') {
          if (v >= -LONG_BOUND && v <= LONG_BOUND) return Math.trunc(v);
          throw NEED_EXACT;
        }
        if (typeof v === 'string') {
          const n = parseJavaLong(v);
          if (n === undefined) throw cannotCoerce(target);
          return n;
        }
        if (v instanceof JsonNumber) {
          const d = Number(v.text);
          return d >= -LONG_BOUND && d <= LONG_BOUND ? Math.trunc(d) : javaIntegralBits(v.text, 64);
        }
        throw cannotConvert(v, target);
      };
    }
    case 'DOUBLE':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return v;
        if (typeof v === 'string') {
          const n = parseJavaDouble(v);
          if (n === undefined) throw cannotCoerce('DOUBLE');
          return n;
        }
        if (v instanceof JsonNumber) return Number(v.text);
        throw cannotConvert(v, 'DOUBLE');
      };
    case 'STRING':
      return exact ? exactString : fastString;
    case 'DECIMAL': {
      const { precision, scale } = t;
      const required = connectTypeText(t);
      return (v) => {
        if (v === null || v === undefined) return null;
        let d: Decimal;
        if (typeof v === 'number') {
          const s = String(v);
          // Up to 15 significant digits a double gives back the text it was read from.
          if (s.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length > 15) throw NEED_EXACT;
          d = Decimal.parse(s);
        } else if (v instanceof JsonNumber) d = Decimal.parse(v.text);
        else if (typeof v === 'string' && isDecimalText(v)) d = Decimal.parse(v);
        else if (typeof v === 'string') throw cannotCoerce('DECIMAL');
        else throw cannotConvert(v, required);
        return fitDecimal(d, precision, scale);
      };
    }
    case 'BYTES':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'string') {
          const b = decodeBase64(v);
          if (b === undefined) throw new CoercionError('Value is not a valid Base64 encoded string: ' + v);
          return b;
        }
        throw cannotConvert(v, 'BYTES');
      };
    case 'ARRAY': {
      const el = jsonReader(t.element, exact);
      const required = connectTypeText(t);
      return (v) => {
        if (v === null || v === undefined) return null;
        if (!Array.isArray(v)) throw cannotConvert(v, required);
        const n = v.length;
        const out = new Array<unknown>(n);
        let i = 0;
        try {
          for (; i < n; i++) out[i] = el(v[i]);
        } catch (e) {
          throw addPath(e, '[' + i + ']');
        }
        return out;
      };
    }
    case 'MAP': {
      const val = jsonReader(t.value, exact);
      const required = connectTypeText(t);
      return (v) => {
        if (v === null || v === undefined) return null;
        if (!isObject(v)) throw cannotConvert(v, required);
        const out = new Map<string, unknown>();
        for (const k in v) {
          try {
            out.set(k, val(v[k]));
          } catch (e) {
            throw addPath(e, '.' + k + '.value');
          }
        }
        return out;
      };
    }
    case 'STRUCT': {
      const fields = new FieldMatcher(t.fields, exact);
      const names = t.fields.map((f) => f.name);
      const required = connectTypeText(t);
      return (v) => {
        if (v === null || v === undefined) return null;
        if (!isObject(v)) throw cannotConvert(v, required);
        const vals = fields.read(v, new Array<unknown>(names.length));
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) out[names[i]!] = vals[i];
        return out;
      };
    }
    default:
      throw new Error(`Type is not supported: ${t.kind}`);
  }
}

export function fitDecimal(d: Decimal, precision: number, scale: number): Decimal {
  const r = d.setScale(scale);
  const u = r.unscaled < 0n ? -r.unscaled : r.unscaled;
  if (u >= 10n ** BigInt(precision)) {
    throw new CoercionError(
      `Numeric field overflow: A field with precision ${precision} and scale ${scale} must round to an absolute value less than 10^${precision - scale}. Got ${d.toString()}`,
    );
  }
  return r;
}

export function addPath(e: unknown, part: string): unknown {
  if (e instanceof CoercionError) e.path = part + e.path;
  return e;
}

function fastString(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  // Numbers (and containers that may hold them) need their source text: re-read exactly.
  throw NEED_EXACT;
}

function exactString(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof JsonNumber) return jsonNumberText(v.text);
  if (Array.isArray(v)) {
    // Jackson path: each element coerced to STRING, joined as List.toString does.
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ', ';
      let e: unknown;
      try {
        e = exactString(v[i]);
      } catch (err) {
        throw addPath(err, '[' + i + ']');
      }
      s += e === null ? 'null' : (e as string);
    }
    return s + ']';
  }
  return compactJson(v);
}

/** Compact JSON of an exact tree, numbers as Jackson writes their BigDecimal/integer values. */
function compactJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof JsonNumber) return jsonNumberText(v.text);
  if (Array.isArray(v)) return '[' + v.map(compactJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  let s = '{';
  let first = true;
  for (const k in o) {
    if (!first) s += ',';
    first = false;
    s += JSON.stringify(k) + ':' + compactJson(o[k]);
  }
  return s + '}';
}

/** Key positions remembered by FieldMatcher (later keys take the name cache). */
const POSITIONS = 64;

const PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Reads the fields of a struct (or the columns of a wrapped row) from a JSON object: exact name
 * first, then a JSON name whose upper-case form equals the field name (the last such wins, as in
 * ksqlDB's upper-cased HashMap). Missing fields are null; extra JSON fields are ignored.
 */
export class FieldMatcher {
  private readonly names: string[];
  private readonly readers: Reader[];
  /** Field names that exist on Object.prototype need an own-property check. */
  private readonly hazard: boolean[];
  private readonly byName = new Map<string, number>();
  /** JSON key → field index (-1: none) for the upper-case match; keys repeat across records. */
  private readonly keyCache = new Map<string, number>();
  /** The JSON keys of the last record read through the key cache, by position, and their field indexes. */
  // Allocated at the first record that needs them: serdes are also built where no record is read
  // (every pull query builds its source's), and a typed array costs a backing store.
  private seenKeys: (string | undefined)[] | undefined;
  private seenIdx: Int32Array | undefined;
  private readonly exactHit: Uint8Array;
  private readonly raw: unknown[];
  /** The JSON key each field was last found under, when not its exact name. */
  private readonly alias: (string | undefined)[];
  /**
   * The whole read compiled for the key names this topic's records use (learned from a record where
   * every field was found): constant-name property loads are cached per object shape by V8, about
   * ten times faster than the generic loop below. Returns false, before writing anything, when a
   * field is not found that way.
   */
  private compiled: CompiledRead | undefined;
  private compilations = 0;

  constructor(fields: readonly StructField[], exact: boolean) {
    this.names = fields.map((f) => f.name);
    this.readers = fields.map((f) => jsonReader(f.type, exact));
    this.hazard = this.names.map((n) => PROTO_NAMES.has(n));
    this.names.forEach((n, i) => this.byName.set(n, i));
    this.exactHit = new Uint8Array(fields.length);
    this.raw = new Array<unknown>(fields.length);
    this.alias = new Array<string | undefined>(fields.length).fill(undefined);
  }

  read(o: Record<string, unknown>, out: unknown[], at = 0): unknown[] {
    if (this.compiled !== undefined && this.compiled(o, out, at)) return out;
    const { names, raw } = this;
    const n = names.length;
    this.lookUp(o);
    const readers = this.readers;
    let i = 0;
    try {
      for (; i < n; i++) {
        out[at + i] = readers[i]!(raw[i]);
        raw[i] = undefined;
      }
    } catch (e) {
      raw.fill(undefined);
      throw addPath(e, '.' + names[i]);
    }
    return out;
  }

  /** Generic field lookup into `raw`: exact names, then every JSON key upper-cased. */
  private lookUp(o: Record<string, unknown>): void {
    const { names, hazard, raw, exactHit, alias } = this;
    const n = names.length;
    let missing = false;
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      const v = hazard[i] && !Object.prototype.hasOwnProperty.call(o, name) ? undefined : o[name];
      raw[i] = v;
      if (v === undefined) {
        exactHit[i] = 0;
        missing = true;
      } else exactHit[i] = 1;
    }
    if (missing) {
      // Records of a topic mostly repeat one key order: the key at each position is checked against
      // the previous record's (one pointer compare) before the name cache is consulted.
      const cache = this.keyCache;
      const seenKeys = (this.seenKeys ??= new Array<string | undefined>(POSITIONS).fill(undefined));
      const seenIdx = (this.seenIdx ??= new Int32Array(POSITIONS));
      let j = 0;
      for (const k in o) {
        let idx: number;
        if (j < POSITIONS && seenKeys[j] === k) idx = seenIdx[j]!;
        else {
          let c = cache.get(k);
          if (c === undefined) {
            c = this.byName.get(k.toUpperCase()) ?? -1;
            if (cache.size < 1024) cache.set(k, c);
          }
          idx = c;
          if (j < POSITIONS) {
            seenKeys[j] = k;
            seenIdx[j] = idx;
          }
        }
        j++;
        if (idx >= 0 && exactHit[idx] === 0) {
          raw[idx] = o[k];
          alias[idx] = k;
        }
      }
    }
    // Compile once every field was found (a few times at most, should records change their key names).
    if (this.compilations < 4 && !hazard.includes(true) && raw.every((v) => v !== undefined)) {
      this.compilations++;
      this.compiled = compileRead(names, exactHit, alias, this.readers);
    }
  }
}

type CompiledRead = (o: Record<string, unknown>, out: unknown[], at: number) => boolean;

/** See FieldMatcher.compiled. Names are embedded as JSON string literals; none is an Object.prototype name. */
function compileRead(names: readonly string[], exactHit: Uint8Array, alias: readonly (string | undefined)[], readers: readonly Reader[]): CompiledRead {
  let lookups = '';
  let conversions = '';
  for (let i = 0; i < names.length; i++) {
    const a = exactHit[i] === 1 ? undefined : alias[i];
    if (a !== undefined && PROTO_NAMES.has(a)) return () => false;
    lookups += `let v${i} = o[${JSON.stringify(names[i])}];\n`;
    if (a !== undefined) lookups += `if (v${i} === undefined) v${i} = o[${JSON.stringify(a)}];\n`;
    lookups += `if (v${i} === undefined) return false;\n`;
    conversions += `i = ${i}; out[at + ${i}] = r${i}(v${i});\n`;
  }
  const bind = readers.map((_, i) => `const r${i} = readers[${i}];`).join('\n');
  const body = `${bind}\nreturn function compiledRead(o, out, at) {\n${lookups}let i = 0;\ntry {\n${conversions}} catch (e) {\nthrow addPath(e, '.' + names[i]);\n}\nreturn true;\n};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from column names, quoted
  return new Function('readers', 'addPath', 'names', body)(readers, addPath, names) as CompiledRead;
}
