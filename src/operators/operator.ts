/**
 * How running operators pass rows: push-based, synchronous, one call per row, no wrapper object per
 * row. An operator is built from one execution step (src/plan/steps.ts) by the task builder
 * (src/runtime/task-builder.ts) and holds that step's running state.
 */
import type { LogRecord } from '../storage/log/log.js';
import type { WindowBounds } from '../serde/windowed.js';

/** Receives the rows of a step (laid out as the step's `columns`). */
export interface RowConsumer {
  /**
   * One row. `nullValue`: a record without a value (a stream record whose value is null; for a
   * table, a delete of the row's key). `window`: the row's window, where the step knows it.
   */
  push(row: unknown[], ts: number, nullValue: boolean, window: WindowBounds | undefined): void;
}

/** Receives a query's output records: key columns and value columns apart, as a topic holds them. */
export interface OutputConsumer {
  /** `key` null: a record without key; `value` null: a tombstone (a table delete, or a stream record without value). */
  write(key: readonly unknown[] | null, value: readonly unknown[] | null, ts: number, window: WindowBounds | undefined): void;
}

/**
 * The input record being processed, set by the task before it pushes the record's row: operators
 * that need what the row does not carry read it here (headers to forward, the raw key).
 */
export interface RecordContext {
  current: LogRecord | undefined;
}
