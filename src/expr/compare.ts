/**
 * Typing of comparisons (=, <>, <, <=, >, >=, IS [NOT] DISTINCT FROM) as ksqlDB's ComparisonUtil:
 * numbers compare across numeric types, STRING with STRING, BOOLEAN, BYTES, DATE / TIME / TIMESTAMP
 * (DATE with TIMESTAMP, and any of them with a STRING, which is parsed), ARRAY / MAP / STRUCT only
 * for (in)equality and only when one type converts to the other.
 */
import { Decimal } from '../types/decimal.js';
import { isNumeric, T, type SqlType } from '../types/sql-type.js';
import { coerceType, isTemporal, widerNumeric } from './coerce.js';
import { compileCast, type Converter } from './cast.js';

export type CompareKind = 'number' | 'string' | 'generic' | 'structural';

export interface ComparisonPlan {
  /** How non-null operands compare after conversion. */
  readonly kind: CompareKind;
  readonly convertLeft?: Converter;
  readonly convertRight?: Converter;
}

export const COMPARISON_NAMES = {
  '=': 'EQUAL',
  '<>': 'NOT_EQUAL',
  '<': 'LESS_THAN',
  '<=': 'LESS_THAN_OR_EQUAL',
  '>': 'GREATER_THAN',
  '>=': 'GREATER_THAN_OR_EQUAL',
} as const;

const toDecimal: Converter = (v) => (typeof v === 'number' ? Decimal.fromBigInt(BigInt(v)) : v);
const toNumber: Converter = (v) => (v instanceof Decimal ? v.toNumber() : v);

/** How `left op right` compares, or undefined when the types cannot be compared with that operator. */
export function planComparison(left: SqlType, right: SqlType, equalityOnly: boolean): ComparisonPlan | undefined {
  if (isNumeric(left) && isNumeric(right)) {
    const common = widerNumeric(left, right);
    if (common.kind === 'DECIMAL') return { kind: 'generic', convertLeft: left.kind === 'DECIMAL' ? undefined : toDecimal, convertRight: right.kind === 'DECIMAL' ? undefined : toDecimal };
    if (common.kind === 'DOUBLE')
      return { kind: 'number', convertLeft: left.kind === 'DECIMAL' ? toNumber : undefined, convertRight: right.kind === 'DECIMAL' ? toNumber : undefined };
    return { kind: 'number' };
  }
  if (left.kind === 'STRING' && right.kind === 'STRING') return { kind: 'string' };
  if (left.kind === 'BOOLEAN' && right.kind === 'BOOLEAN') return { kind: 'generic' };
  if (left.kind === 'BYTES' && right.kind === 'BYTES') return { kind: 'generic' };
  if (isTemporal(left) || isTemporal(right)) return planTemporal(left, right);
  if (left.kind === 'ARRAY' || left.kind === 'MAP' || left.kind === 'STRUCT') {
    if (!equalityOnly) return undefined;
    if (left.kind !== right.kind) return undefined;
    if (!coerceType(left, right) && !coerceType(right, left)) return undefined;
    return { kind: 'structural' };
  }
  return undefined;
}

function planTemporal(left: SqlType, right: SqlType): ComparisonPlan | undefined {
  if (left.kind === right.kind) return { kind: 'number' };
  // The common representation: TIMESTAMP when a DATE meets a TIMESTAMP, else the temporal side's type.
  if ((left.kind === 'DATE' && right.kind === 'TIMESTAMP') || (left.kind === 'TIMESTAMP' && right.kind === 'DATE'))
    return { kind: 'number', convertLeft: conv(left, T.TIMESTAMP), convertRight: conv(right, T.TIMESTAMP) };
  if (left.kind === 'STRING' && isTemporal(right)) return { kind: 'number', convertLeft: compileCast(left, right) };
  if (right.kind === 'STRING' && isTemporal(left)) return { kind: 'number', convertRight: compileCast(right, left) };
  return undefined;
}

function conv(from: SqlType, to: SqlType): Converter | undefined {
  return from.kind === to.kind ? undefined : compileCast(from, to);
}
