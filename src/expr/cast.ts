/**
 * CAST between SQL types with ksqlDB semantics. `compileCast` checks support once (analysis error
 * "Cast of X to Y is not supported") and returns a converter; converters throw on bad input
 * (unparseable string, DECIMAL precision overflow), which callers turn into NULL + a row error.
 */
import { AnalysisError } from '../errors.js';
import { Decimal } from '../types/decimal.js';
import { formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { parseBooleanLax } from './coerce.js';
import { javaDoubleString } from './format.js';
import { formatDate, formatTime, formatTimestamp, MILLIS_PER_DAY, parseDate, parseTime, parseTimestamp } from './temporal.js';

export type Converter = (value: unknown) => unknown;

const identity: Converter = (v) => v;
const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?)$/;
const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

function notSupported(from: SqlType, to: SqlType): AnalysisError {
  return new AnalysisError(`Cast of ${formatType(from)} to ${formatType(to)} is not supported`);
}

/** Whether CAST(from AS to) is allowed. */
export function isCastSupported(from: SqlType, to: SqlType): boolean {
  try {
    compileCast(from, to);
    return true;
  } catch {
    return false;
  }
}

export function castValue(value: unknown, from: SqlType, to: SqlType): unknown {
  return compileCast(from, to)(value);
}

/** A converter from `from` values to `to` values (null in, null out). Throws AnalysisError if unsupported. */
export function compileCast(from: SqlType, to: SqlType): Converter {
  if (from.kind === 'NULL') return () => null;
  if (typeEquals(from, to)) return identity;
  const c = converter(from, to);
  if (!c) throw notSupported(from, to);
  return (v) => (v === null || v === undefined ? null : c(v));
}

function converter(from: SqlType, to: SqlType): Converter | undefined {
  if (to.kind === 'STRING') {
    if (from.kind === 'BYTES' || from.kind === 'LAMBDA') return undefined;
    return (v) => toJavaString(v, from);
  }
  switch (to.kind) {
    case 'INTEGER':
      return toInteger(from);
    case 'BIGINT':
      return toBigint(from);
    case 'DOUBLE':
      return toDouble(from);
    case 'DECIMAL':
      return toDecimal(from, to.precision, to.scale);
    case 'BOOLEAN':
      return from.kind === 'STRING' ? (v) => parseBooleanStrict(v as string) : undefined;
    case 'DATE':
      if (from.kind === 'STRING') return (v) => parseDate(v as string);
      if (from.kind === 'TIMESTAMP') return (v) => Math.floor((v as number) / MILLIS_PER_DAY);
      return undefined;
    case 'TIME':
      if (from.kind === 'STRING') return (v) => parseTime(v as string);
      if (from.kind === 'TIMESTAMP') return (v) => (((v as number) % MILLIS_PER_DAY) + MILLIS_PER_DAY) % MILLIS_PER_DAY;
      return undefined;
    case 'TIMESTAMP':
      if (from.kind === 'STRING') return (v) => parseTimestamp(v as string);
      if (from.kind === 'DATE') return (v) => (v as number) * MILLIS_PER_DAY;
      return undefined;
    case 'ARRAY': {
      if (from.kind !== 'ARRAY') return undefined;
      const el = compileCast(from.element, to.element);
      if (el === identity) return identity;
      return (v) => (v as unknown[]).map(el);
    }
    case 'MAP': {
      if (from.kind !== 'MAP') return undefined;
      const k = compileCast(from.key, to.key);
      const val = compileCast(from.value, to.value);
      return (v) => {
        const out = new Map<unknown, unknown>();
        for (const [a, b] of v as Map<unknown, unknown>) out.set(k(a), val(b));
        return out;
      };
    }
    case 'STRUCT': {
      if (from.kind !== 'STRUCT') return undefined;
      const fields = to.fields.map((f) => {
        const src = from.fields.find((x) => x.name === f.name);
        return { name: f.name, conv: src ? compileCast(src.type, f.type) : undefined };
      });
      return (v) => {
        const s = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.name] = f.conv ? f.conv(s[f.name] ?? null) : null;
        return out;
      };
    }
    default:
      return undefined;
  }
}

function parseBooleanStrict(s: string): boolean {
  const b = parseBooleanLax(s);
  if (b === undefined) throw new Error(`invalid input syntax for type BOOLEAN: "${s}"`);
  return b;
}

function parseIntegral(s: string, min: bigint, max: bigint, typeName: string): number {
  const t = s.trim();
  if (!INT_RE.test(t)) throw new Error(`invalid input syntax for type ${typeName}: "${s}"`);
  const b = BigInt(t);
  if (b < min || b > max) throw new Error(`Value out of range for type ${typeName}: "${s}"`);
  return Number(b);
}

export function parseJavaDouble(s: string): number {
  const t = s.trim();
  if (!DOUBLE_RE.test(t)) throw new Error(`invalid input syntax for type DOUBLE: "${s}"`);
  return Number(t.replace(/[dDfF]$/, ''));
}

/** Java's (long) of a double: truncation, saturating, NaN → 0. */
function doubleToLong(d: number): number {
  if (Number.isNaN(d)) return 0;
  if (d >= 9223372036854775807) return 9223372036854775807;
  if (d <= -9223372036854775808) return -9223372036854775808;
  return Math.trunc(d);
}

/** Java's (int) of a double: truncation, saturating, NaN → 0. */
function doubleToInt(d: number): number {
  if (Number.isNaN(d)) return 0;
  if (d >= 2147483647) return 2147483647;
  if (d <= -2147483648) return -2147483648;
  return Math.trunc(d) | 0;
}

function decimalTruncated(d: Decimal): bigint {
  return d.scale <= 0 ? d.unscaled * 10n ** BigInt(-d.scale) : d.unscaled / 10n ** BigInt(d.scale);
}

function toInteger(from: SqlType): Converter | undefined {
  switch (from.kind) {
    case 'BIGINT':
      return (v) => (v as number) | 0;
    case 'DOUBLE':
      return (v) => doubleToInt(v as number);
    case 'DECIMAL':
      return (v) => Number(BigInt.asIntN(32, decimalTruncated(v as Decimal)));
    case 'STRING':
      return (v) => parseIntegral(v as string, -2147483648n, 2147483647n, 'INTEGER');
    default:
      return undefined;
  }
}

function toBigint(from: SqlType): Converter | undefined {
  switch (from.kind) {
    case 'INTEGER':
      return identity;
    case 'DOUBLE':
      return (v) => doubleToLong(v as number);
    case 'DECIMAL':
      return (v) => Number(BigInt.asIntN(64, decimalTruncated(v as Decimal)));
    case 'STRING':
      return (v) => parseIntegral(v as string, LONG_MIN, LONG_MAX, 'BIGINT');
    default:
      return undefined;
  }
}

function toDouble(from: SqlType): Converter | undefined {
  switch (from.kind) {
    case 'INTEGER':
    case 'BIGINT':
      return identity;
    case 'DECIMAL':
      return (v) => (v as Decimal).toNumber();
    case 'STRING':
      return (v) => parseJavaDouble(v as string);
    default:
      return undefined;
  }
}

/** Rescale HALF_UP to `scale` and check the precision, as ksqlDB's DecimalUtil.ensureFit. */
export function fitDecimal(d: Decimal, precision: number, scale: number): Decimal {
  const r = d.setScale(scale);
  const u = r.unscaled < 0n ? -r.unscaled : r.unscaled;
  if (u >= 10n ** BigInt(precision))
    throw new Error(`Numeric field overflow: A field with precision ${precision} and scale ${scale} must round to an absolute value less than 10^${precision - scale}. Got ${d.toString()}`);
  return r;
}

function toDecimal(from: SqlType, precision: number, scale: number): Converter | undefined {
  switch (from.kind) {
    case 'INTEGER':
    case 'BIGINT':
      return (v) => fitDecimal(Decimal.fromBigInt(BigInt(v as number)), precision, scale);
    case 'DOUBLE':
      return (v) => fitDecimal(Decimal.fromNumber(v as number), precision, scale);
    case 'DECIMAL':
      return (v) => fitDecimal(v as Decimal, precision, scale);
    case 'STRING':
      return (v) => {
        let d: Decimal;
        try {
          d = Decimal.parse(v as string);
        } catch {
          throw new Error(`invalid input syntax for type DECIMAL: "${v as string}"`);
        }
        return fitDecimal(d, precision, scale);
      };
    default:
      return undefined;
  }
}

/** A value as text, as Java's toString of ksqlDB's value objects renders it (CAST(x AS STRING)). */
export function toJavaString(v: unknown, type: SqlType): string {
  if (v === null || v === undefined) return 'null';
  switch (type.kind) {
    case 'DOUBLE':
      return javaDoubleString(v as number);
    case 'DECIMAL':
    case 'INTEGER':
    case 'BIGINT':
    case 'BOOLEAN':
    case 'STRING':
      return String(v);
    case 'DATE':
      return formatDate(v as number);
    case 'TIME':
      return formatTime(v as number);
    case 'TIMESTAMP':
      return formatTimestamp(v as number);
    case 'BYTES':
      return (v as Buffer).toString('base64');
    case 'ARRAY':
      return '[' + (v as unknown[]).map((x) => toJavaString(x, type.element)).join(', ') + ']';
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, x] of v as Map<unknown, unknown>) parts.push(`${toJavaString(k, type.key)}=${toJavaString(x, type.value)}`);
      return '{' + parts.join(', ') + '}';
    }
    case 'STRUCT': {
      // Kafka Connect's Struct.toString: only non-null fields, comma-separated.
      const s = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const f of type.fields) {
        const x = s[f.name];
        if (x !== null && x !== undefined) parts.push(`${f.name}=${toJavaString(x, f.type)}`);
      }
      return 'Struct{' + parts.join(',') + '}';
    }
    default:
      return String(v);
  }
}

