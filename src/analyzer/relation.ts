/**
 * The FROM clause as the rest of the analysis sees it: a row layout, name resolution over it, `*`
 * expansion and ksqlDB's column naming. One source and a tree of joins name things differently
 * (`ID` vs `A_ID`); WHERE, aggregation and table functions work the same over either.
 */
import type { Expr, SelectItem, Star } from '../parser/ast.js';
import type { CompileContext } from '../expr/compile.js';
import type { DataSource } from '../engine/metastore.js';
import type { FromClause, OutputColumn } from './analysis.js';
import type { ClauseScope, Item } from './projection.js';
import { LayoutScope, sourceLayout, type LayoutColumn } from './row-scope.js';
import { expandSelect, nameColumns } from './select-items.js';

export interface Relation {
  readonly from: FromClause;
  /** What the FROM produces: a stream, or a table (a table source, a table-table join). */
  readonly type: 'STREAM' | 'TABLE';
  readonly layout: readonly LayoutColumn[];
  /** Name resolution over `layout`, or over an extension of it (table-function columns appended). */
  scope(clause: string, layout?: readonly LayoutColumn[]): ClauseScope;
  /** The select list with `*` expanded. */
  expand(select: readonly (SelectItem | Star)[], ctx: CompileContext, withWindowBounds?: boolean): Item[];
  /** ksqlDB's names for the select items (aliases, column names, KSQL_COL_n...). */
  name(items: readonly Item[]): (OutputColumn & { fromStar?: boolean })[];
  /** Whether grouping by these expressions keeps the input's key (no repartition in ksqlDB). */
  groupsByKey(groupBy: readonly Expr[]): boolean;
}

/** FROM one stream or table. */
export function sourceRelation(source: DataSource, alias: string | undefined): Relation & { readonly from: { readonly kind: 'source' } } {
  const sourceNames = alias ? [alias, source.name] : [source.name];
  const layout = sourceLayout(source);
  const columnNames = new Set([...source.schema.key, ...source.schema.value, ...source.schema.headers].map((c) => c.name));
  const keys = source.schema.key.map((k) => k.name);
  return {
    from: { kind: 'source', source, alias: alias ?? source.name },
    type: source.type,
    layout,
    scope: (clause, l = layout) => new LayoutScope(l, sourceNames, clause),
    expand: (select, ctx, withWindowBounds = false) => expandSelect(select, source, sourceNames, new LayoutScope(layout, sourceNames, 'SELECT column'), ctx, withWindowBounds),
    name: (items) => nameColumns(items, columnNames),
    groupsByKey: (groupBy) => groupBy.length === keys.length && groupBy.every((g, i) => g.kind === 'ColumnRef' && g.name === keys[i]),
  };
}

export type SourceRelation = ReturnType<typeof sourceRelation>;
