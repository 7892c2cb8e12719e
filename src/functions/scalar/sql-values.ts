/**
 * Value semantics shared by the collection functions: Java-style equality (List.contains /
 * Object.equals on ksqlDB's runtime values), natural ordering (Comparable), distinct-element sets
 * and Object.toString for primitive elements.
 */
import { Decimal } from '../../types/decimal.js';
import type { SqlType } from '../../types/sql-type.js';
import { javaDoubleToString } from './java-format.js';

/** Deep equality over the runtime representation; null equals null, NaN equals NaN (Double.equals). */
export function sqlEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'number') return typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Decimal) return b instanceof Decimal && a.compareTo(b) === 0;
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sqlEquals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !sqlEquals(v, b.get(k))) return false;
    }
    return true;
  }
  if (b instanceof Map || Array.isArray(b) || b instanceof Decimal || Buffer.isBuffer(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sqlEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** A canonical string for a complex value: equal values (per sqlEquals) give equal keys. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isNaN(v) ? 'NaN' : 'n' + String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      break;
  }
  if (v instanceof Decimal) return 'd' + stripZeros(v).toString();
  if (Buffer.isBuffer(v)) return 'b' + v.toString('base64');
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => canonical(k) + ':' + canonical(x)).sort();
    return 'm{' + entries.join(',') + '}';
  }
  const obj = v as Record<string, unknown>;
  return 's{' + Object.keys(obj).sort().map((k) => JSON.stringify(k) + ':' + canonical(obj[k])).join(',') + '}';
}

function stripZeros(d: Decimal): Decimal {
  let u = d.unscaled;
  let s = d.scale;
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s--;
  }
  return new Decimal(u, s);
}

/** Membership set with sqlEquals semantics: primitives hash directly, complex values by canonical key. */
export class ValueSet {
  private readonly prims = new Set<unknown>();
  private complex?: Set<string>;

  /** Adds a value; returns true when it was not present. */
  add(v: unknown): boolean {
    if (v === undefined) v = null;
    if (v === null || typeof v !== 'object') {
      if (this.prims.has(v)) return false;
      this.prims.add(v);
      return true;
    }
    const key = canonical(v);
    const set = (this.complex ??= new Set());
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  has(v: unknown): boolean {
    if (v === undefined) v = null;
    if (v === null || typeof v !== 'object') return this.prims.has(v);
    return this.complex?.has(canonical(v)) ?? false;
  }

  static of(values: readonly unknown[]): ValueSet {
    const s = new ValueSet();
    for (const v of values) s.add(v);
    return s;
  }
}

/** Natural order of comparable (primitive) values: Comparable.compareTo. Throws for others. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    // Double.compareTo: -0.0 < 0.0, NaN greatest
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
    return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Decimal && b instanceof Decimal) return a.compareTo(b);
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  throw new Error(`Values are not comparable: ${describe(a)} and ${describe(b)}`);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'ARRAY';
  if (v instanceof Map) return 'MAP';
  return typeof v;
}

/** BigDecimal.toString: plain unless the scale is negative or the adjusted exponent is below -6. */
export function bigDecimalToString(d: Decimal): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString();
  const adjusted = digits.length - 1 - d.scale;
  if (d.scale >= 0 && adjusted >= -6) return d.toString();
  const mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return (neg ? '-' : '') + mantissa + 'E' + (adjusted >= 0 ? '+' : '') + adjusted;
}

/** Object.toString of a primitive element of the given SQL type (Integer, Long, Double, BigDecimal, ...). */
export function javaToStringForType(type: SqlType): (v: unknown) => string {
  switch (type.kind) {
    case 'DOUBLE':
      return (v) => javaDoubleToString(v as number);
    case 'DECIMAL':
      return (v) => bigDecimalToString(v as Decimal);
    case 'INTEGER':
    case 'BIGINT':
    case 'BOOLEAN':
    case 'STRING':
      return (v) => String(v);
    default:
      return javaToString;
  }
}

/** Best effort Object.toString from the value alone (an integral number prints as a long). */
export function javaToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : javaDoubleToString(v);
  if (v instanceof Decimal) return bigDecimalToString(v);
  return String(v);
}
