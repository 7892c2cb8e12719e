/**
 * Arithmetic operators: result types and type-specialised value functions (chosen once at compile
 * time). INTEGER arithmetic wraps like Java int; integer division truncates; integer division or
 * modulo by zero throws (the row's expression becomes NULL); DOUBLE follows IEEE. DECIMAL result
 * types follow ksqlDB:
 *   + -  scale max(s1,s2), precision max(s1,s2) + max(p1-s1, p2-s2) + 1
 *   *    precision p1+p2+1, scale s1+s2
 *   /    scale max(6, s1+p2+1), precision p1-s1+s2+scale
 *   %    precision min(p1-s1, p2-s2) + max(s1,s2), scale max(s1,s2)
 * STRING + STRING (and ||) concatenates.
 */
import type { ArithmeticOp } from '../parser/ast.js';
import { Decimal } from '../types/decimal.js';
import { isNumeric, T, type DecimalType, type SqlType } from '../types/sql-type.js';
import { toDecimalType } from './coerce.js';

export type BinaryFn = (a: never, b: never) => unknown;

export function arithmeticResultType(op: ArithmeticOp, l: SqlType, r: SqlType): SqlType | undefined {
  if (op === '||' || (op === '+' && l.kind === 'STRING' && r.kind === 'STRING')) return l.kind === 'STRING' && r.kind === 'STRING' ? T.STRING : undefined;
  if (!isNumeric(l) || !isNumeric(r)) return undefined;
  if (l.kind === 'DOUBLE' || r.kind === 'DOUBLE') return T.DOUBLE;
  if (l.kind === 'DECIMAL' || r.kind === 'DECIMAL') return decimalResult(op, toDecimalType(l), toDecimalType(r));
  if (l.kind === 'BIGINT' || r.kind === 'BIGINT') return T.BIGINT;
  return T.INTEGER;
}

function decimalResult(op: ArithmeticOp, a: DecimalType, b: DecimalType): DecimalType {
  const [p1, s1, p2, s2] = [a.precision, a.scale, b.precision, b.scale];
  switch (op) {
    case '+':
    case '-': {
      const s = Math.max(s1, s2);
      return T.decimal(s + Math.max(p1 - s1, p2 - s2) + 1, s);
    }
    case '*':
      return T.decimal(p1 + p2 + 1, s1 + s2);
    case '/': {
      const s = Math.max(6, s1 + p2 + 1);
      return T.decimal(p1 - s1 + s2 + s, s);
    }
    default: {
      const s = Math.max(s1, s2);
      return T.decimal(Math.max(Math.min(p1 - s1, p2 - s2) + s, 1), s);
    }
  }
}

function divByZero(): never {
  throw new Error('/ by zero');
}

const INT_OPS: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => (a + b) | 0,
  '-': (a, b) => (a - b) | 0,
  '*': (a, b) => Math.imul(a, b),
  '/': (a, b) => (b === 0 ? divByZero() : (a / b) | 0),
  '%': (a, b) => (b === 0 ? divByZero() : (a % b) | 0),
};
const BIGINT_OPS: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? divByZero() : Math.trunc(a / b) + 0),
  '%': (a, b) => (b === 0 ? divByZero() : (a % b) + 0),
};
const DOUBLE_OPS: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

/**
 * The value function for `l op r` with non-null operands of types l and r, producing `result`.
 * Numeric operands of a narrower kind are converted inside (INTEGER to Decimal, Decimal to number).
 */
export function arithmeticFn(op: ArithmeticOp, l: SqlType, r: SqlType, result: SqlType): (a: unknown, b: unknown) => unknown {
  if (result.kind === 'STRING') return (a, b) => (a as string) + (b as string);
  if (result.kind === 'INTEGER') return INT_OPS[op]! as (a: unknown, b: unknown) => unknown;
  if (result.kind === 'BIGINT') return BIGINT_OPS[op]! as (a: unknown, b: unknown) => unknown;
  if (result.kind === 'DOUBLE') {
    const f = DOUBLE_OPS[op]!;
    const la = l.kind === 'DECIMAL';
    const ra = r.kind === 'DECIMAL';
    if (!la && !ra) return f as (a: unknown, b: unknown) => unknown;
    return (a, b) => f(la ? (a as Decimal).toNumber() : (a as number), ra ? (b as Decimal).toNumber() : (b as number));
  }
  const res = result as DecimalType;
  const ld = l.kind !== 'DECIMAL';
  const rd = r.kind !== 'DECIMAL';
  const toDec = (v: unknown, conv: boolean): Decimal => (conv ? Decimal.fromBigInt(BigInt(v as number)) : (v as Decimal));
  switch (op) {
    case '+':
      return (a, b) => toDec(a, ld).add(toDec(b, rd)).setScale(res.scale);
    case '-':
      return (a, b) => toDec(a, ld).subtract(toDec(b, rd)).setScale(res.scale);
    case '*':
      return (a, b) => toDec(a, ld).multiply(toDec(b, rd)).setScale(res.scale);
    case '/':
      return (a, b) => toDec(a, ld).divide(toDec(b, rd), res.scale);
    default:
      return (a, b) => toDec(a, ld).remainder(toDec(b, rd)).setScale(res.scale);
  }
}

/** Unary minus for a numeric type. */
export function negateFn(t: SqlType): ((v: unknown) => unknown) | undefined {
  switch (t.kind) {
    case 'INTEGER':
      return (v) => -(v as number) | 0;
    case 'BIGINT':
      return (v) => 0 - (v as number);
    case 'DOUBLE':
      return (v) => -(v as number);
    case 'DECIMAL':
      return (v) => (v as Decimal).negate();
    default:
      return undefined;
  }
}
