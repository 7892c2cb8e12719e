/**
 * Row layouts and name resolution. A source row is an array laid out as
 *   [key columns..., value columns..., header columns..., ROWTIME, ROWPARTITION, ROWOFFSET
 *    (, WINDOWSTART, WINDOWEND for windowed sources)]
 * and expressions are compiled against positions in it.
 */
import { WINDOW_BOUNDS, type Column } from '../types/schema.js';
import type { SqlType } from '../types/sql-type.js';
import type { ColumnInfo, Scope } from '../expr/compile.js';
import type { DataSource } from '../engine/metastore.js';
import { pseudoColumnType } from './source-schema.js';
import { AnalysisError } from '../errors.js';

export interface LayoutColumn {
  readonly name: string;
  readonly type: SqlType;
  /** KEY / VALUE / HEADERS for source columns, PSEUDO for ROWTIME etc, SYNTHETIC for planner-made columns. */
  readonly role: 'KEY' | 'VALUE' | 'HEADERS' | 'PSEUDO' | 'SYNTHETIC';
  readonly column?: Column;
}

export const PSEUDO_IN_ROW = ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET'] as const;

export function sourceLayout(source: DataSource): LayoutColumn[] {
  const s = source.schema;
  const cols: LayoutColumn[] = [];
  for (const c of s.key) cols.push({ name: c.name, type: c.type, role: 'KEY', column: c });
  for (const c of s.value) cols.push({ name: c.name, type: c.type, role: 'VALUE', column: c });
  for (const c of s.headers) cols.push({ name: c.name, type: c.type, role: 'HEADERS', column: c });
  for (const p of PSEUDO_IN_ROW) cols.push({ name: p, type: pseudoColumnType(p)!, role: 'PSEUDO' });
  if (source.window) for (const p of WINDOW_BOUNDS) cols.push({ name: p, type: pseudoColumnType(p)!, role: 'PSEUDO' });
  return cols;
}

/** Resolves names of one (aliased) source against a layout; unknown names raise ksqlDB's error for the clause. */
export class LayoutScope implements Scope {
  private readonly byName = new Map<string, number>();

  constructor(
    readonly layout: readonly LayoutColumn[],
    private readonly sourceNames: readonly string[],
    /** e.g. "SELECT column", "WHERE column", "PARTITION BY column" */
    private clause: string,
  ) {
    layout.forEach((c, i) => {
      if (!this.byName.has(c.name)) this.byName.set(c.name, i);
    });
  }

  withClause(clause: string): LayoutScope {
    const s = new LayoutScope(this.layout, this.sourceNames, clause);
    return s;
  }

  indexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  resolveColumn(source: string | undefined, name: string): ColumnInfo | undefined {
    if (source !== undefined && !this.sourceNames.includes(source)) {
      throw new AnalysisError(`${this.clause} '${source}.${name}' cannot be resolved.`);
    }
    const index = this.byName.get(name);
    if (index === undefined) {
      throw new AnalysisError(`${this.clause} '${source !== undefined ? source + '.' : ''}${name}' cannot be resolved.`);
    }
    return { index, type: this.layout[index]!.type };
  }
}
