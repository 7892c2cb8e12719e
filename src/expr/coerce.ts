/**
 * Implicit type conversions (ksqlDB's "strict" coercion): numeric widening INTEGER → BIGINT →
 * DECIMAL → DOUBLE, applied element-wise to ARRAY / MAP and field-wise to STRUCT (a struct may
 * widen to a struct with a superset of its fields). NULL converts to anything.
 */
import { T, isNumeric, numericRank, typeEquals, type DecimalType, type SqlType } from '../types/sql-type.js';

/** INTEGER and BIGINT as the DECIMAL that holds all their values. */
export function toDecimalType(t: SqlType): DecimalType {
  switch (t.kind) {
    case 'DECIMAL':
      return t;
    case 'INTEGER':
      return T.decimal(10, 0);
    case 'BIGINT':
      return T.decimal(19, 0);
    default:
      throw new Error(`No DECIMAL type for ${t.kind}`);
  }
}

/** ksqlDB's DecimalUtil.widen: enough integral digits and scale for both. */
export function widenDecimal(a: SqlType, b: SqlType): DecimalType {
  const x = toDecimalType(a);
  const y = toDecimalType(b);
  const scale = Math.max(x.scale, y.scale);
  return T.decimal(Math.max(x.precision - x.scale, y.precision - y.scale) + scale, scale);
}

/** The wider of two numeric types (DECIMALs widened to hold both). */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return T.DOUBLE;
  if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') return widenDecimal(a, b);
  return numericRank(a) >= numericRank(b) ? a : b;
}

/**
 * The type `from` becomes when implicitly converted to `to`, or undefined when it cannot be.
 * For DECIMAL targets the result is the target if it fits, else the widened decimal.
 */
export function coerceType(from: SqlType, to: SqlType): SqlType | undefined {
  if (from.kind === 'NULL') return to;
  if (typeEquals(from, to)) return to;
  if (isNumeric(from) && isNumeric(to)) {
    if (numericRank(from) > numericRank(to)) return undefined;
    if (to.kind === 'DECIMAL') {
      if (from.kind === 'DECIMAL' && from.scale > to.scale) return undefined;
      return widenDecimal(from, to);
    }
    return to;
  }
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') {
    const e = coerceType(from.element, to.element);
    return e && T.array(e);
  }
  if (from.kind === 'MAP' && to.kind === 'MAP') {
    const k = coerceType(from.key, to.key);
    const v = coerceType(from.value, to.value);
    return k && v && T.map(k, v);
  }
  if (from.kind === 'STRUCT' && to.kind === 'STRUCT') {
    for (const f of from.fields) {
      const target = to.fields.find((x) => x.name === f.name);
      if (!target || !coerceType(f.type, target.type)) return undefined;
    }
    return to;
  }
  return undefined;
}

/** Whether `from` implicitly converts to `to` (base-type widening: any DECIMAL matches any DECIMAL). */
export function canImplicitlyCast(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'DECIMAL' && to.kind === 'DECIMAL') return true;
  if (isNumeric(from) && isNumeric(to)) return numericRank(from) <= numericRank(to);
  return coerceType(from, to) !== undefined;
}

export function isTemporal(t: SqlType): boolean {
  return t.kind === 'DATE' || t.kind === 'TIME' || t.kind === 'TIMESTAMP';
}

/** Lax boolean text, as ksqlDB accepts for literals: prefixes of true/false/yes/no, any case. */
export function parseBooleanLax(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (s === '') return undefined;
  if ('true'.startsWith(s) || 'yes'.startsWith(s)) return true;
  if ('false'.startsWith(s) || 'no'.startsWith(s)) return false;
  return undefined;
}
