/**
 * Arithmetic operators: binary + - * / % and unary minus — the result type and operator variant
 * chosen from the operand types (arithmetic.ts), integer division/modulo by zero reported as a row
 * error, and a column-op-constant fast path.
 */
import { AnalysisError } from '../errors.js';
import type { Expr } from '../parser/ast.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import { arithmeticFn, arithmeticResultType, negateFn } from './arithmetic.js';
import type { Compiler } from './compiler.js';
import { constNode, type CNode, type Eval } from './compile-node.js';
import { formatExpression } from './format.js';

export function arithmetic(c: Compiler, e: Extract<Expr, { kind: 'Arithmetic' }>): CNode {
  const l = c.compile(e.left);
  const r = c.compile(e.right);
  if (l.type.kind === 'NULL' || r.type.kind === 'NULL') {
    const fmt = (t: SqlType): string => (t.kind === 'NULL' ? 'null' : formatType(t));
    throw new AnalysisError(`Error processing expression: ${formatExpression(e)}. Arithmetic on types ${fmt(l.type)} and ${fmt(r.type)} are not supported.`, e.pos);
  }
  const type = arithmeticResultType(e.op, l.type, r.type);
  if (!type)
    throw new AnalysisError(`Error processing expression: ${formatExpression(e)}. Unsupported arithmetic types. ${formatType(l.type)} ${formatType(r.type)}`, e.pos);
  const f = arithmeticFn(e.op, l.type, r.type, type);
  const canThrow = (e.op === '/' || e.op === '%') && type.kind !== 'DOUBLE';
  const le = l.ev;
  const sink = c.sink;
  let ev: Eval;
  if (r.constant && !canThrow) {
    const b = r.value;
    if (b === null) return constNode(type, null);
    ev = l.column !== undefined ? columnArith(l.column, b, f) : (row) => {
      const a = le(row);
      return a == null ? null : f(a, b);
    };
  } else {
    const re = r.ev;
    ev = canThrow
      ? (row) => {
          const a = le(row);
          if (a == null) return null;
          const b = re(row);
          if (b == null) return null;
          try {
            return f(a, b);
          } catch (err) {
            sink.report(err);
            return null;
          }
        }
      : (row) => {
          const a = le(row);
          if (a == null) return null;
          const b = re(row);
          return b == null ? null : f(a, b);
        };
  }
  return c.fold(type, ev, l.constant && r.constant);
}

export function negation(c: Compiler, e: Extract<Expr, { kind: 'Negation' }>): CNode {
  const v = c.compile(e.value);
  if (v.type.kind === 'NULL') return v;
  const f = negateFn(v.type);
  if (!f) throw new AnalysisError(`Error processing expression: ${formatExpression(e)}. Unsupported arithmetic types. ${formatType(v.type)}`, e.pos);
  const ev = v.ev;
  return c.fold(
    v.type,
    (row) => {
      const x = ev(row);
      return x == null ? null : f(x);
    },
    v.constant,
  );
}

/** `column op constant` with the column read inlined. */
function columnArith(i: number, b: unknown, f: (a: unknown, b: unknown) => unknown): Eval {
  return (row) => {
    const a = row[i];
    return a == null ? null : f(a, b);
  };
}
