/**
 * The compiler's internal node: what every compile step returns (type, closure, constness) and the
 * small pieces shared by all the compile-* modules — constant nodes, the empty row constants are
 * folded against, and the sink that reports row errors (or aborts a constant fold).
 */
import type { SqlType } from '../types/sql-type.js';

export type Eval = (row: readonly unknown[]) => unknown;

export interface CNode {
  readonly type: SqlType;
  readonly ev: Eval;
  readonly constant: boolean;
  /** The value, when constant. */
  readonly value?: unknown;
  /** Row slot, when the node is a plain column read. */
  readonly column?: number;
}

export interface LambdaBinding {
  readonly frame: unknown[];
  readonly slot: number;
  readonly type: SqlType;
}

export const EMPTY_ROW: readonly unknown[] = [];
const FOLD_ABORT = Symbol('fold-abort');

export function constNode(type: SqlType, value: unknown): CNode {
  const v = value ?? null;
  return { type, ev: () => v, constant: true, value: v };
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Reports row errors; while folding constants it aborts instead, so the fold is abandoned. */
export class ErrorSink {
  folding = false;
  constructor(private readonly onRowError?: (error: Error) => void) {}
  report(e: unknown): void {
    if (this.folding) throw FOLD_ABORT;
    this.onRowError?.(toError(e));
  }
}
