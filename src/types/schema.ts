/**
 * Logical schema of a stream or table: key columns, value columns and header columns. Pseudo
 * columns (ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND) are not part of it; the planner
 * adds them to the row layout of a source.
 */
import { formatType, quoteIdentifierIfNeeded, type SqlType } from './sql-type.js';

export type ColumnNamespace = 'KEY' | 'VALUE' | 'HEADERS';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  readonly namespace: ColumnNamespace;
  /** For a HEADER('k') column: the header key it reads; absent for HEADERS (all headers). */
  readonly headerKey?: string;
}

export interface LogicalSchema {
  readonly key: readonly Column[];
  readonly value: readonly Column[];
  /** Header columns (read-only; never serialized into the value). */
  readonly headers: readonly Column[];
}

export const PSEUDO_COLUMNS = ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET'] as const;
export const WINDOW_BOUNDS = ['WINDOWSTART', 'WINDOWEND'] as const;

/** All columns in declaration order: key columns first, then value and header columns. */
export function allColumns(s: LogicalSchema): Column[] {
  return [...s.key, ...s.value, ...s.headers];
}

/**
 * Schema text as ksqlDB prints it (and as conformance vectors expect in `post.sources[].schema`):
 * "`ID` INTEGER KEY, `NAME` STRING" style, but with ksqlDB's quoting: "ID INTEGER KEY, NAME STRING".
 * Key columns carry ` KEY` for streams and ` PRIMARY KEY` for tables; header columns ` HEADERS` or
 * ` HEADER('k')`.
 */
export function formatSchema(s: LogicalSchema, sourceType: 'STREAM' | 'TABLE'): string {
  const keySuffix = sourceType === 'TABLE' ? ' PRIMARY KEY' : ' KEY';
  const parts: string[] = [];
  for (const c of s.key) parts.push(`${quoteIdentifierIfNeeded(c.name)} ${formatType(c.type)}${keySuffix}`);
  for (const c of s.value) parts.push(`${quoteIdentifierIfNeeded(c.name)} ${formatType(c.type)}`);
  for (const c of s.headers)
    parts.push(`${quoteIdentifierIfNeeded(c.name)} ${formatType(c.type)} ${c.headerKey === undefined ? 'HEADERS' : `HEADER('${c.headerKey}')`}`);
  return parts.join(', ');
}
