/**
 * The select list of a query over one source: `*` expanded into the source's columns (struct `->*`
 * into fields), and ksqlDB's names for the items.
 */
import type { SelectItem, Star } from '../parser/ast.js';
import type { CompileContext } from '../expr/compile.js';
import { inferType } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import type { DataSource } from '../engine/metastore.js';
import { formatType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import type { OutputColumn } from './analysis.js';
import type { Item } from './projection.js';
import type { LayoutScope } from './row-scope.js';

export function expandSelect(
  select: readonly (SelectItem | Star)[],
  source: DataSource,
  sourceNames: readonly string[],
  scope: LayoutScope,
  ctx: CompileContext,
  /** Transient queries on windowed sources: `*` includes WINDOWSTART and WINDOWEND after the keys. */
  withWindowBounds = false,
): Item[] {
  const out: Item[] = [];
  for (const s of select) {
    if ('kind' in s && s.kind === 'Star' && s.base !== undefined) {
      // `struct->*`: one column per field of the struct, named after the field.
      const t = inferType(s.base, scope, ctx);
      if (t.kind !== 'STRUCT') throw new AnalysisError(`Expected STRUCT type for ${formatExpression(s.base)}->*, got ${formatType(t)}`);
      for (const f of t.fields) out.push({ expr: { kind: 'Dereference', base: s.base, field: f.name }, alias: f.name });
      continue;
    }
    if ('kind' in s && s.kind === 'Star') {
      if (s.source !== undefined && !sourceNames.includes(s.source)) throw new AnalysisError(`'${s.source}' is not a valid stream/table name or alias.`);
      for (const c of source.schema.key) out.push({ expr: { kind: 'ColumnRef', name: c.name }, fromStar: true });
      if (withWindowBounds && source.window) {
        for (const b of ['WINDOWSTART', 'WINDOWEND']) out.push({ expr: { kind: 'ColumnRef', name: b }, fromStar: true });
      }
      for (const c of [...source.schema.value, ...source.schema.headers]) out.push({ expr: { kind: 'ColumnRef', name: c.name }, fromStar: true });
      continue;
    }
    const item = s as SelectItem;
    if (item.expr.kind === 'Star') {
      out.push(...expandSelect([item.expr], source, sourceNames, scope, ctx, withWindowBounds));
      continue;
    }
    out.push(item.alias !== undefined ? { expr: item.expr, alias: item.alias } : { expr: item.expr });
  }
  return out;
}

/** ksqlDB naming: aliases as given; columns keep their name; struct fields their field name; the rest KSQL_COL_n. */
export function nameColumns(items: readonly Item[], sourceColumnNames: ReadonlySet<string>): (OutputColumn & { fromStar?: boolean })[] {
  const taken = new Set<string>(sourceColumnNames);
  for (const it of items) if (it.alias) taken.add(it.alias);
  // Names of plain column references are theirs; only struct fields and expressions get new names.
  const explicit = new Set<string>();
  for (const it of items) {
    if (it.alias) explicit.add(it.alias);
    else if (it.expr.kind === 'ColumnRef') explicit.add(it.expr.name);
  }
  let generated = 0;
  const out: (OutputColumn & { fromStar?: boolean })[] = [];
  for (const it of items) {
    let name = it.alias;
    if (name === undefined) {
      if (it.expr.kind === 'ColumnRef') name = it.expr.name;
      else if (it.expr.kind === 'Dereference') name = it.expr.field;
      if (name !== undefined && it.expr.kind === 'Dereference' && (taken.has(name) || explicit.has(name))) {
        let n = 1;
        while (taken.has(`${name}_${n}`)) n++;
        name = `${name}_${n}`;
      }
      if (name === undefined) {
        while (taken.has(`KSQL_COL_${generated}`)) generated++;
        name = `KSQL_COL_${generated++}`;
      }
      taken.add(name);
    }
    out.push({ name, expr: it.expr, ...(it.fromStar ? { fromStar: true } : {}) });
  }
  return out;
}
