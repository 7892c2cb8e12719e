/**
 * Which parts of a query go through repartition topics on Kafka, as ksqlDB repartitions them, so
 * that every key meets its co-partitioned state on one server (task p = partition p of every topic
 * the query reads, see storage/log/kafka/co-partitioned-assigner.ts):
 *
 *  - a join side read from a stream whose join expression is not its key: the side's records,
 *    re-keyed by the join expression, go through `..._query_<id>-<ctx>-left-repartition` (or
 *    `-right-`), partitioned like the other side; the join reads them from there;
 *  - a re-keying aggregation (GROUP BY other than the input's key), through
 *    `..._query_<id>-Aggregate-GroupBy-repartition`: over a stream source, the source records as
 *    they are ('source'); over a join or other derived stream, the rows ('rows'); over a table, each
 *    change as the old row to subtract and the new row to add ('table'), as ksqlDB's KGroupedTable.
 *
 * n-way joins are left in process (an inner join's output re-keyed for the next join would need a
 * repartition between the nodes of one join tree).
 *
 * On the embedded log (one server) the same routing is done in process, without topics.
 */
import type { Expr } from '../parser/ast.js';
import { parseStepExpr } from '../plan/step-codec.js';
import { isJoinStep, walkSteps, type ExecutionStep, type Formats, type JoinStep, type SourceStep, type StepColumn } from '../plan/steps.js';

export type AggregateRepartition = 'source' | 'rows' | 'table';

export interface JoinSideRepartition {
  /** ksqlDB's name: `Join-left`, `Join-right` (the topic is `..._query_<id>-<name>-repartition`). */
  readonly name: string;
  readonly join: JoinStep;
  readonly side: 'left' | 'right';
  /** The stream read by this side (stage one reads it, the join reads the repartition topic). */
  readonly source: SourceStep;
  /** The side's join expression, over the join's columns. */
  readonly keyExpr: string;
  /** Key format of the repartition topic: the other side's (so equal keys land in equal partitions). */
  readonly keyFormats: Formats;
  /**
   * Whose key schema the key is written with: the other side's (its topic and key column, so a
   * schema-registry format writes the very bytes that side's producers write), or, with both
   * sides re-keyed, the join key column in a format without a registry.
   */
  readonly keyBinding?: { readonly topic: string; readonly columns: readonly StepColumn[] };
  /** The topic whose partition count the repartition topic takes (the other side's, if read directly). */
  readonly partitionsOf: string;
}

export interface RepartitionPlan {
  readonly aggregate?: AggregateRepartition;
  readonly joins: readonly JoinSideRepartition[];
}

export const internalRepartitionTopicName = (serviceId: string, queryId: string, name: string): string => `_confluent-ksql-${serviceId}query_${queryId}-${name}-repartition`;

export function repartitionPlan(root: ExecutionStep): RepartitionPlan {
  let aggregate: AggregateRepartition | undefined;
  const joins: JoinSideRepartition[] = [];
  for (const s of walkSteps(root)) {
    if (s.kind === 'tableGroupByV1') aggregate = 'table';
    else if (s.kind === 'streamGroupByV1') {
      const input = s.source.kind === 'streamFilterV1' ? s.source.source : s.source;
      aggregate = input.kind === 'streamSourceV1' ? 'source' : 'rows';
    } else if (isJoinStep(s) && !isJoinStep(s.left) && !isJoinStep(s.right) && !hasNestedJoin(root, s)) {
      joins.push(...joinSides(s));
    }
  }
  return { ...(aggregate ? { aggregate } : {}), joins };
}

/** The join sides of a one-join tree that need a repartition. */
function joinSides(join: JoinStep): JoinSideRepartition[] {
  if (join.kind === 'fkTableTableJoinV1') return [];
  const left = join.left as SourceStep;
  const right = join.right as SourceStep;
  const needs = (s: SourceStep, alias: string, keyExpr: string): boolean => s.kind === 'streamSourceV1' && s.window === undefined && !isKeyOf(s, alias, parseStepExpr(keyExpr));
  const l = needs(left, join.leftAlias ?? left.alias, join.leftKey);
  const r = needs(right, join.rightAlias, join.rightKey);
  const out: JoinSideRepartition[] = [];
  const keyOf = (own: SourceStep, other: SourceStep, otherRepartitioned: boolean): Pick<JoinSideRepartition, 'keyFormats' | 'keyBinding'> => {
    const otherKeys = other.columns.filter((c) => c.role === 'KEY');
    if (!otherRepartitioned && otherKeys.length === 1 && other.formats.keyFormat !== 'NONE') return { keyFormats: other.formats, keyBinding: { topic: other.topic, columns: otherKeys } };
    const f = otherRepartitioned ? own.formats : other.formats;
    if (f.keyFormat === 'NONE') return { keyFormats: { ...f, keyFormat: 'KAFKA', keyOptions: {} } };
    return { keyFormats: REGISTRY_FORMATS.has(f.keyFormat) ? { ...f, keyFormat: 'JSON', keyOptions: {} } : f };
  };
  if (l) out.push({ name: `${join.ctx}-left`, join, side: 'left', source: left, keyExpr: join.leftKey, ...keyOf(left, right, r), partitionsOf: r ? left.topic : right.topic });
  if (r) out.push({ name: `${join.ctx}-right`, join, side: 'right', source: right, keyExpr: join.rightKey, ...keyOf(right, left, l), partitionsOf: left.topic });
  return out;
}

const REGISTRY_FORMATS = new Set(['AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'JSON_SR']);

/** The expression is the source's single key column. */
function isKeyOf(s: SourceStep, alias: string, e: Expr): boolean {
  const keys = s.columns.filter((c) => c.role === 'KEY');
  return keys.length === 1 && e.kind === 'ColumnRef' && e.name === `${alias}_${keys[0]!.name}`;
}

function hasNestedJoin(root: ExecutionStep, join: JoinStep): boolean {
  for (const s of walkSteps(root)) if (isJoinStep(s) && s !== join && (s.left === join || s.right === join)) return true;
  return false;
}

/** Topics a query reads only to write a repartition topic (their partitions hold no state). */
export function stageOneOnlyTopics(plan: RepartitionPlan, root: ExecutionStep): string[] {
  const out = plan.joins.map((j) => j.source.topic);
  if (plan.aggregate === 'source') for (const s of walkSteps(root)) if (s.kind === 'streamSourceV1') out.push(s.topic);
  return out;
}
