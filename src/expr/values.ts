/** Value-level helpers shared by operators: SQL equality and ordering of runtime values. */
import { Decimal } from '../types/decimal.js';

/** Deep SQL equality of two non-null values of compatible types (DECIMAL by value, not scale). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'number' || typeof b === 'number') {
    if (a instanceof Decimal && typeof b === 'number') return Number.isFinite(b) && a.compareTo(Decimal.fromNumber(b)) === 0;
    if (b instanceof Decimal && typeof a === 'number') return Number.isFinite(a) && b.compareTo(Decimal.fromNumber(a)) === 0;
    return false;
  }
  if (a instanceof Decimal) return b instanceof Decimal && a.compareTo(b) === 0;
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !valuesEqual(v, b.get(k))) return false;
    }
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of Object.keys(ao)) if (!valuesEqual(ao[k] ?? null, bo[k] ?? null)) return false;
    for (const k of Object.keys(bo)) if (!(k in ao) && (bo[k] ?? null) !== null) return false;
    return true;
  }
  return false;
}

/** Ordering of two non-null values of one comparable kind: numbers, strings, booleans, Decimals, Buffers. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Decimal && b instanceof Decimal) return a.compareTo(b);
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  throw new Error(`Cannot order values ${String(a)} and ${String(b)}`);
}
