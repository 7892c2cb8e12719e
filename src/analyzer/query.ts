/**
 * The analyzer's entry for a SELECT of any shape: the FROM clause (one source or a join tree), then
 * either an aggregation or a projection over it. What comes out (AnalyzedQuery) is planned the same
 * way whatever the shape.
 */
import type { AliasedSource, Query } from '../parser/ast.js';
import type { CompileContext } from '../expr/compile.js';
import type { DataSource } from '../engine/metastore.js';
import { AnalysisError } from '../errors.js';
import type { AnalyzedQuery } from './analysis.js';
import { analyzeAggregateQuery, isAggregateQuery } from './aggregate-query.js';
import { joinRelation } from './join-from.js';
import { analyzeJoinQuery } from './join-query.js';
import type { AnalyzeOptions } from './projection.js';
import { sourceRelation } from './relation.js';
import { analyzeStreamQuery } from './stream-query.js';

export function analyzeQuery(query: Query, lookup: (name: string) => DataSource, ctx: CompileContext, opts: AnalyzeOptions = {}): AnalyzedQuery {
  const from = query.from;
  const rel = from.kind === 'Join' ? joinRelation(from, lookup, ctx) : sourceRelation(lookup((from as AliasedSource).name), (from as AliasedSource).alias);
  if (isAggregateQuery(query, ctx)) {
    if (query.partitionBy) throw new AnalysisError('Queries only support one of PARTITION BY and GROUP BY');
    return analyzeAggregateQuery(query, rel, ctx, opts);
  }
  if (query.emit === 'FINAL') throw new AnalysisError('EMIT FINAL is only supported for windowed aggregations.');
  if ('sources' in rel) {
    if (query.having) throw new AnalysisError('HAVING requires GROUP BY.');
    return analyzeJoinQuery(query, rel, ctx, opts);
  }
  return analyzeStreamQuery(query, rel, ctx, opts);
}
