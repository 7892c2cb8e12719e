/**
 * The per-record comparison closures: one specialised closure per operator and operand shape
 * (column vs constant, expression vs constant, expression vs expression), so the hot path does no
 * dispatch on the operator. NULL on either side gives false.
 */
import type { ComparisonOp } from '../parser/ast.js';
import type { ComparisonPlan } from './compare.js';
import type { CNode } from './compile-node.js';
import { compareValues, valuesEqual } from './values.js';

/**
 * The closure for a comparison: `number` / `string` kinds use JS operators directly, `generic`
 * uses compareValues, `structural` deep equality. NULL on either side gives false.
 */
export function comparisonClosure(op: ComparisonOp, kind: ComparisonPlan['kind'], l: CNode, r: CNode): (row: readonly unknown[]) => boolean {
  if (kind === 'structural') {
    const le = l.ev;
    const re = r.ev;
    const want = op === '=';
    return (row) => {
      const a = le(row);
      if (a == null) return false;
      const b = re(row);
      return b != null && valuesEqual(a, b) === want;
    };
  }
  if (kind === 'generic') {
    const le = l.ev;
    const re = r.ev;
    const test = ORDER_TESTS[op];
    return (row) => {
      const a = le(row);
      if (a == null) return false;
      const b = re(row);
      return b != null && test(compareValues(a, b));
    };
  }
  // number / string: JS operators agree with Java's for these.
  if (r.constant) {
    const b = r.value;
    if (b === null) return () => false;
    if (l.column !== undefined) return columnVsConstant(op, l.column, b);
    const le = l.ev;
    switch (op) {
      case '=':
        return (row) => le(row) === b;
      case '<>':
        return (row) => {
          const a = le(row);
          return a != null && a !== b;
        };
      case '<':
        return (row) => {
          const a = le(row) as number;
          return a != null && a < (b as number);
        };
      case '<=':
        return (row) => {
          const a = le(row) as number;
          return a != null && a <= (b as number);
        };
      case '>':
        return (row) => {
          const a = le(row) as number;
          return a != null && a > (b as number);
        };
      case '>=':
        return (row) => {
          const a = le(row) as number;
          return a != null && a >= (b as number);
        };
    }
  }
  const le = l.ev;
  const re = r.ev;
  switch (op) {
    case '=':
      return (row) => {
        const a = le(row);
        if (a == null) return false;
        return a === re(row);
      };
    case '<>':
      return (row) => {
        const a = le(row);
        if (a == null) return false;
        const b = re(row);
        return b != null && a !== b;
      };
    case '<':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a < b;
      };
    case '<=':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a <= b;
      };
    case '>':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a > b;
      };
    case '>=':
      return (row) => {
        const a = le(row) as number;
        if (a == null) return false;
        const b = re(row) as number;
        return b != null && a >= b;
      };
  }
}

function columnVsConstant(op: ComparisonOp, i: number, b: unknown): (row: readonly unknown[]) => boolean {
  const n = b as number;
  switch (op) {
    case '=':
      return (row) => row[i] === b;
    case '<>':
      return (row) => {
        const a = row[i];
        return a != null && a !== b;
      };
    case '<':
      return (row) => {
        const a = row[i] as number;
        return a != null && a < n;
      };
    case '<=':
      return (row) => {
        const a = row[i] as number;
        return a != null && a <= n;
      };
    case '>':
      return (row) => {
        const a = row[i] as number;
        return a != null && a > n;
      };
    case '>=':
      return (row) => {
        const a = row[i] as number;
        return a != null && a >= n;
      };
  }
}

const ORDER_TESTS: Record<ComparisonOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};
