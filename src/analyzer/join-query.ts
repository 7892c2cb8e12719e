/**
 * Analysis of a SELECT over a join without aggregation: ksqlDB's naming of join columns, the output
 * key (the join key, selected as one of the join columns or as ROWKEY; or PARTITION BY), and table
 * functions over the joined row.
 */
import type { Expr, Query } from '../parser/ast.js';
import type { LogicalSchema } from '../types/schema.js';
import type { CompileContext } from '../expr/compile.js';
import { formatExpression } from '../parser/format.js';
import { AnalysisError } from '../errors.js';
import type { AnalyzedQuery, OutputColumn } from './analysis.js';
import { qualifiedName, type JoinRelation } from './join-from.js';
import type { LayoutColumn } from './row-scope.js';
import { exprEquals } from './expr-utils.js';
import { checkDuplicateNames, checkReservedNames, checkWhere, extractTableFunctions, typeColumns, type AnalyzeOptions } from './projection.js';
import { validateKeyType } from './source-schema.js';
import { validateTimestampColumn } from './with-properties.js';

export function analyzeJoinQuery(query: Query, rel: JoinRelation, ctx: CompileContext, opts: AnalyzeOptions = {}): AnalyzedQuery {
  const { fullScope, candidates } = rel;
  const layout: LayoutColumn[] = [...rel.layout];
  checkWhere(query.where, fullScope, ctx);

  // Projection, named as ksqlDB names join columns.
  const items = rel.expand(query.select, ctx);
  if (!opts.transient) checkReservedNames(items.filter((i) => !(i.expr.kind === 'ColumnRef' && i.expr.source !== undefined && i.alias === undefined)));
  const named = rel.name(items);

  // The output key: the join key, selected as one of the join columns, or as ROWKEY.
  const isKeyRef = (e: Expr): boolean => {
    if (e.kind !== 'ColumnRef') return false;
    const idx = fullScope.find(e.source, e.name);
    return idx !== undefined && (idx === fullScope.rowKeyIndex || candidates.includes(idx));
  };
  let keyColumns: OutputColumn[] = [];
  let valueColumns: OutputColumn[] = [];
  if (opts.transient) {
    // A push query returns its projection as written.
    if (query.partitionBy) throw new AnalysisError('PARTITION BY is not supported in transient queries.');
    valueColumns = named.map((c) => ({ name: c.name, expr: c.expr }));
  } else if (query.partitionBy) {
    const p = query.partitionBy;
    if (p.length === 1 && p[0]!.kind === 'NullLiteral') {
      valueColumns = named.map((c) => ({ name: c.name, expr: c.expr }));
    } else {
      const used = new Set<number>();
      for (const e of p) {
        const idx = named.findIndex((c, i) => !used.has(i) && exprEquals(c.expr, e));
        if (idx < 0) throw new AnalysisError(`The query used to build \`${opts.sinkName ?? 'OUTPUT'}\` must include the partitioning expression ${formatExpression(e)} in its projection (eg, SELECT ${formatExpression(e)}...).`);
        used.add(idx);
        keyColumns.push({ name: named[idx]!.name, expr: named[idx]!.expr });
      }
      valueColumns = named.filter((_c, i) => !used.has(i)).map((c) => ({ name: c.name, expr: c.expr }));
    }
  } else {
    const allKeyItems = named.filter((c) => isKeyRef(c.expr));
    const refIndex = (e: Expr) => (e.kind === 'ColumnRef' ? fullScope.find(e.source, e.name) : undefined);
    // The first selected join column is the key; the same column selected again is an error,
    // the other side's join column stays a value column.
    const keyItems = allKeyItems.filter((c) => refIndex(c.expr) === refIndex(allKeyItems[0]!.expr));
    if (keyItems.length > 1) {
      const names = keyItems.map((k) => k.name).sort();
      const first = keyItems[0]!;
      const keyName = first.expr.kind === 'ColumnRef' ? `${fullScope.sources[fullScope.sourceOf(refIndex(first.expr)!)!]!.alias}_${first.expr.name}` : first.name;
      throw new AnalysisError(`The projection contains a key column (\`${keyName}\`) more than once, aliased as: ${names.join(' and ')}.`);
    }
    if (keyItems.length === 0) {
      const sink = opts.sinkName ?? 'OUTPUT';
      if (candidates.length === 0) {
        throw new AnalysisError(
          `Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build \`${sink}\` must include the join expression ${fullScope.keyName} in its projection (eg, SELECT ${fullScope.keyName}...).\n${fullScope.keyName} was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.`,
        );
      }
      const texts = candidates.map((i) => qualifiedName(i, fullScope));
      const list = texts.length === 1 ? texts[0]! : `${texts.slice(0, -1).join(', ')} or ${texts[texts.length - 1]}`;
      throw new AnalysisError(
        `The query used to build \`${sink}\` must include the join expression${texts.length > 1 ? 's' : ''} ${list} in its projection (eg, SELECT ${texts[0]}...).`,
      );
    }
    const k = keyItems[0]!;
    // The key value is the join key (ROWKEY), whichever side's column was selected.
    keyColumns = [{ name: k.name, expr: { kind: 'ColumnRef', name: fullScope.keyName } }];
    valueColumns = named.filter((c) => c !== k).map((c) => ({ name: c.name, expr: c.expr }));
  }

  // Table functions over the joined row (a stream-table join's output is a stream).
  const columns = { keyColumns, valueColumns };
  const tableFunctions = extractTableFunctions(columns, layout, fullScope, ctx);
  if (tableFunctions.length > 0 && rel.type === 'TABLE') throw new AnalysisError('Table source is not supported with table functions');
  ({ keyColumns, valueColumns } = columns);
  const extScope = rel.scope('SELECT column', layout);

  const outputSchema: LogicalSchema = { key: typeColumns(keyColumns, 'KEY', extScope, ctx), value: typeColumns(valueColumns, 'VALUE', extScope, ctx), headers: [] };
  for (const k of outputSchema.key) validateKeyType(k);
  checkDuplicateNames([...outputSchema.key, ...outputSchema.value]);
  if (opts.timestampColumn !== undefined) validateTimestampColumn(opts.timestampColumn, [...outputSchema.key, ...outputSchema.value], opts.timestampFormat);
  return {
    from: rel.from,
    resultType: rel.type,
    layout,
    ...(query.where ? { where: query.where } : {}),
    tableFunctions,
    ...(query.partitionBy ? { partitionBy: keyColumns.map((k) => k.expr) } : {}),
    keyColumns,
    valueColumns,
    outputSchema,
    ...(opts.timestampColumn !== undefined ? { timestampColumn: opts.timestampColumn } : {}),
    ...(opts.timestampFormat !== undefined ? { timestampFormat: opts.timestampFormat } : {}),
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
  };
}
