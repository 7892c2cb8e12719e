/**
 * The error hierarchy. REST maps these to ksqlDB's error bodies; the conformance runner maps ksqlDB's
 * Java exception names onto them.
 */
import type { Pos } from './parser/ast.js';

export class SluiceError extends Error {
  override readonly name: string = 'SluiceError';
}

/** The statement text is not valid SQL. `pos` is where the parser stopped. */
export class ParseError extends SluiceError {
  override readonly name = 'ParseError';
  constructor(
    message: string,
    readonly pos: Pos,
    readonly expected: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Valid syntax, but the statement is wrong: unknown source/column, type mismatch, invalid window/join... */
export class AnalysisError extends SluiceError {
  override readonly name = 'AnalysisError';
  constructor(
    message: string,
    readonly pos?: Pos,
  ) {
    super(message);
  }
}

/** Failure while executing a valid statement (e.g. topic missing, source exists). */
export class ExecutionError extends SluiceError {
  override readonly name = 'ExecutionError';
}

/** A per-record failure at run time: goes to the processing log; the query keeps running. */
export class RecordError extends SluiceError {
  override readonly name = 'RecordError';
}

/** A bug in Sluice. */
export class InternalError extends SluiceError {
  override readonly name = 'InternalError';
}
