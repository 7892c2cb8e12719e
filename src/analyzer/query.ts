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
import { sourceRelation, type Relation } from './relation.js';
import { analyzeStreamQuery } from './stream-query.js';

export function analyzeQuery(query: Query, lookup: (name: string) => DataSource, ctx: CompileContext, opts: AnalyzeOptions = {}): AnalyzedQuery {
  let rel: Relation;
  let single: ReturnType<typeof sourceRelation> | undefined;
  if (query.from.kind === 'Join') rel = joinRelation(query.from, lookup, ctx);
  else {
    const from = query.from as AliasedSource;
    rel = single = sourceRelation(lookup(from.name), from.alias);
  }
  if (isAggregateQuery(query, ctx)) {
    if (query.partitionBy) throw new AnalysisError('Queries only support one of PARTITION BY and GROUP BY');
    return analyzeAggregateQuery(query, rel, ctx, opts);
  }
  if (query.emit === 'FINAL') throw new AnalysisError('EMIT FINAL is only supported for windowed aggregations.');
  if (single) return analyzeStreamQuery(query, single, ctx, opts);
  if (query.having) throw new AnalysisError('HAVING requires GROUP BY.');
  return analyzeJoinQuery(query, rel as ReturnType<typeof joinRelation>, ctx, opts);
}
