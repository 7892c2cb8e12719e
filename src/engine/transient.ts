/**
 * Transient queries: push queries (EMIT CHANGES) of any shape — joins and aggregations included —
 * and pull queries on tables (their materialized rows) and streams (a scan of the topic). Planned
 * like persistent queries, without a sink; and, for pull queries on tables shared between servers,
 * where the rows live (pullRoute).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AliasedSource, Expr, Query, Statement } from '../parser/ast.js';
import { parseStatements } from '../parser/parse.js';
import { parseLimits } from '../parser/limits.js';
import { substituteVariables } from '../parser/variables.js';
import { analyzeQuery } from '../analyzer/query.js';
import { fromSources, type AnalyzedQuery } from '../analyzer/analysis.js';
import { visitExpr } from '../analyzer/expr-utils.js';
import { validatePullWhere } from '../analyzer/pull-query.js';
import { sourceLayout } from '../analyzer/row-scope.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import { castValue } from '../expr/cast.js';
import { planQuery } from '../plan/planner.js';
import { PLAN_VERSION, isJoinStep, walkSteps, type QueryPlan } from '../plan/steps.js';
import { createSerde } from '../serde/index.js';
import { partitionForKey } from '../storage/log/partitioner.js';
import type { ViewRow } from '../storage/state/materialized-view.js';
import { runTransientQuery, type RowSink, type TransientQueryHandle } from '../runtime/transient-query.js';
import type { ProcessingLogEntry } from '../runtime/processing-log.js';
import { aggregateOf } from './query-registry.js';
import type { Column } from '../types/schema.js';
import { AnalysisError } from '../errors.js';
import type { DataSource } from './metastore.js';
import type { EngineContext, Props } from './context.js';
import { schemaBinding, serviceId } from './context.js';

export interface ExecuteOptions {
  /** Per-request properties (overrides engine properties). */
  readonly properties?: Readonly<Record<string, string>>;
  /** Session variables for ${var} substitution. */
  readonly variables?: ReadonlyMap<string, string>;
}

/** Where a pull query's rows live, beyond this server (see pullRoute). */
export interface PullRoute {
  /** Servers (advertised URLs) holding rows this server does not. */
  readonly remote: readonly string[];
  /** The query's LIMIT, to apply again to the gathered rows. */
  readonly limit?: number;
}

/** A transient query planned, not yet running. */
export interface TransientPlan {
  readonly kind: 'push' | 'pull';
  readonly plan: QueryPlan;
  readonly analyzed: AnalyzedQuery;
  /** The output columns, as the client sees them (pull queries on tables mark key columns). */
  readonly columns: readonly Column[];
  /** The table a pull query reads. */
  readonly table?: DataSource;
  /** The ASTs of the plan's expressions (it runs at once: no need to parse them again). */
  readonly asts: ReadonlyMap<string, Expr>;
  /** A pull query's key lookup: the values of the plan's lookup expressions, coerced to the key's type. */
  readonly lookupKeys?: readonly unknown[];
}

/** The one SELECT of `sql`, parsed with the limits of the engine's (server's) properties. */
export function parseSelect(engine: EngineContext, sql: string, options: ExecuteOptions): Statement & { kind: 'Select' } {
  const text = options.variables && options.variables.size > 0 ? substituteVariables(sql, options.variables) : sql;
  const statements = parseStatements(text, { limits: parseLimits(engine.properties) });
  if (statements.length !== 1 || statements[0]!.kind !== 'Select') throw new AnalysisError('Expected exactly one SELECT statement.');
  return statements[0] as Statement & { kind: 'Select' };
}

/** Plan a push or pull query, with ksqlDB's restrictions on pull queries. */
export function planTransient(engine: EngineContext, query: Query, props: Props, queryId: string): TransientPlan {
  const kind = query.emit === 'CHANGES' ? 'push' : 'pull';
  if (kind === 'pull') checkPullQuery(query, props);
  const ctx = engine.compileContext();
  const analyzed = analyzeQuery(query, (n) => engine.metastore.requireSource(n), ctx, { transient: true });
  const asts = new Map<string, Expr>();
  const sources = fromSources(analyzed.from);
  const base = { planVersion: PLAN_VERSION, queryId, sources: sources.map((s) => s.name), resultType: analyzed.resultType };
  const source = sources[0]!;
  if (kind === 'pull' && source.type === 'TABLE') {
    if (!engine.queries.view(source.name)) {
      throw new AnalysisError(
        `The \`${source.name}\` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_${source.name} AS SELECT * FROM ${source.name}'. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.`,
      );
    }
    validatePullWhere(query.where, source, props['ksql.query.pull.table.scan.enabled'] !== 'false', props['ksql.query.pull.range.scan.enabled'] !== 'false');
    // A lookup of literal keys (`K = v`, `K IN (...)`) reads just those rows; the WHERE clause still applies.
    const lookup = source.window ? undefined : literalKeyLookup(query.where, source, ctx);
    const root = planQuery(analyzed, { kind: 'pull', ...(lookup ? { lookup: lookup.exprs } : {}) }, asts);
    // Pull queries on tables mark the key columns they return.
    const keyNames = new Set([...source.schema.key.map((k) => k.name), ...(source.window ? ['WINDOWSTART', 'WINDOWEND'] : [])]);
    const columns = analyzed.valueColumns.map((c, i) => ({ ...analyzed.outputSchema.value[i]!, ...(c.expr.kind === 'ColumnRef' && keyNames.has(c.expr.name) ? { namespace: 'KEY' as const } : {}) }));
    return { kind, plan: { ...base, queryType: 'PULL', root }, analyzed, columns, table: source, asts, ...(lookup ? { lookupKeys: lookup.values } : {}) };
  }
  const root = planQuery(analyzed, { kind: 'push' }, asts);
  return { kind, plan: { ...base, queryType: kind === 'push' ? 'PUSH' : 'PULL', root }, analyzed, columns: analyzed.outputSchema.value, asts };
}

/**
 * Start a transient query (`SELECT ... EMIT CHANGES` push query, or a pull query) and deliver its
 * rows to `sink`. Pull queries over streams scan the topic's current content.
 */
export async function executeQuery(engine: EngineContext, sql: string, sink: RowSink, options: ExecuteOptions): Promise<TransientQueryHandle> {
  const st = parseSelect(engine, sql, options);
  const props = { ...engine.properties, ...(options.properties ?? {}) };
  const from = st.query.from;
  const first = from.kind === 'Source' ? engine.metastore.getSource((from as AliasedSource).name) : undefined;
  // ksqlDB serves push queries from latest on the output of a persistent query as "scalable push queries".
  const push = st.query.emit === 'CHANGES';
  const simple = from.kind === 'Source' && !st.query.groupBy && !st.query.window;
  const scalable = push && simple && first?.createdBy !== undefined && (props['auto.offset.reset'] ?? 'latest') === 'latest';
  const name = from.kind === 'Source' ? (from as AliasedSource).name : 'JOIN';
  const id = `${scalable ? 'SCALABLE_PUSH_QUERY_' : `transient_${name}_`}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const planned = planTransient(engine, st.query, props, id);
  const root = planned.plan.root;
  const sources = fromSources(planned.analyzed.from);
  const stateful = aggregateOf(root) !== undefined || [...walkSteps(root)].some(isJoinStep);
  const consumer = planned.kind === 'push'
    ? await engine.log.createConsumer({
        groupId: `_confluent-ksql-${serviceId(props)}${id}`,
        topics: [...new Set(sources.map((s) => s.topic))],
        autoOffsetReset: props['auto.offset.reset'] === 'earliest' ? 'earliest' : 'latest',
      })
    : undefined;
  if (stateful) mkdirSync(join(engine.dataDir, 'state'), { recursive: true });
  const onRecordError = (type: ProcessingLogEntry['type'], message: string, record?: { topic: string; partition: number; offset: number }) =>
    engine.processingLog.record({ queryId: id, type, message, timestamp: Date.now(), ...(record ? { topic: record.topic, partition: record.partition, offset: record.offset } : {}) });
  const ctx = { ...engine.compileContext(), onRowError: (e: Error) => onRecordError('RECORD_PROCESSING_ERROR', e.message) };
  const table = planned.table;
  return runTransientQuery(
    {
      id,
      kind: planned.kind,
      root,
      columns: planned.columns,
      sourceType: sources[0]!.type,
      ...(st.query.limit !== undefined ? { limit: st.query.limit } : {}),
      log: engine.log,
      ...(consumer ? { consumer } : {}),
      ...(stateful ? { statePath: join(engine.dataDir, 'state', `${id}.db`) } : {}),
      ctx,
      config: props,
      onRecordError,
      asts: planned.asts,
      schemas: engine.registry.catalog,
      ...(table ? { pullRows: () => tableRows(engine, table, planned.lookupKeys) } : planned.kind === 'pull' ? { scanTopic: sources[0]!.topic } : {}),
    },
    sink,
  );
}

/**
 * The rows a pull query reads from its table's view (the rows of `keys`, or all of them), as source
 * rows, in the order of their serialized keys (as from ksqlDB's state stores).
 */
function tableRows(engine: EngineContext, table: DataSource, keys: readonly unknown[] | undefined): Iterable<unknown[]> {
  const view = engine.queries.view(table.name);
  if (!view) return [];
  const candidates = keys ? keys.map((k) => view.get([k])).filter((r): r is ViewRow => r !== undefined) : view.rows();
  const keySerde = createSerde(table.keyFormat, table.schema.key, table.keyOptions, true, schemaBinding(engine, table.topic));
  const order = (k: readonly unknown[]): Buffer => {
    try {
      return keySerde.serialize(k) ?? Buffer.alloc(0);
    } catch {
      // A schema-registry key whose schema was never registered (a source table inferred from a
      // producer's schema) cannot be serialized here: order such keys by their text instead.
      return Buffer.from(JSON.stringify(k));
    }
  };
  return viewRows(candidates, sourceLayout(table).length, table.window !== undefined, order);
}

const PULL_HINT = ' See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.';

function checkPullQuery(query: Query, props: Props): void {
  if (query.groupBy) throw new AnalysisError(`Pull queries don't support GROUP BY clauses.${PULL_HINT}`);
  if (query.from.kind === 'Join') throw new AnalysisError(`Pull queries don't support JOIN clauses.${PULL_HINT}`);
  if (query.window) throw new AnalysisError(`Pull queries don't support WINDOW clauses.${PULL_HINT}`);
  if (query.partitionBy) throw new AnalysisError(`Pull queries don't support PARTITION BY clauses.${PULL_HINT}`);
  if (query.having) throw new AnalysisError(`Pull queries don't support HAVING clauses.${PULL_HINT}`);
  for (const [clause, exprs] of [
    ['SELECT', query.select.flatMap((i) => ('expr' in i ? [i.expr] : []))],
    ['WHERE', query.where ? [query.where] : []],
  ] as const) {
    const bad = new Set<string>();
    for (const e of exprs) visitExpr(e, (n) => {
      if (n.kind === 'ColumnRef' && (n.name === 'ROWPARTITION' || n.name === 'ROWOFFSET')) bad.add(n.name);
    });
    if (bad.size > 0) throw new AnalysisError(`Pull queries don't support the following columns in ${clause} clauses: ${[...bad].map((b) => '`' + b + '`').join(', ')}`);
  }
  if (query.limit !== undefined && query.limit < 0) throw new AnalysisError(`Pull queries don't support negative integers in the LIMIT clause. See https://cnfl.io/queries for more info.`);
  if (query.limit !== undefined && props['ksql.query.pull.limit.clause.enabled'] === 'false') {
    throw new AnalysisError(`LIMIT clause in pull queries is currently disabled. You can enable them by setting ksql.query.pull.limit.clause.enabled=true.${PULL_HINT}`);
  }
}

/**
 * When persistent queries are shared by several servers (Kafka), a table's rows are split between
 * them by partition. For a pull query on such a table this says which other servers hold rows it
 * asks for: the owners of the partitions of its literal keys, or every other member for a scan.
 * Undefined when this server can answer alone (or the statement is not such a pull query).
 */
export async function pullRoute(engine: EngineContext, sql: string, options: ExecuteOptions, advertisedUrl: string | undefined): Promise<PullRoute | undefined> {
  const log = engine.log;
  if (!log.describeGroup) return undefined;
  let st: Statement & { kind: 'Select' };
  try {
    st = parseSelect(engine, sql, options);
  } catch {
    return undefined; // executeQuery reports the error
  }
  if (st.query.emit === 'CHANGES' || st.query.from.kind !== 'Source') return undefined;
  const source = engine.metastore.getSource((st.query.from as AliasedSource).name);
  if (!source || source.type !== 'TABLE') return undefined;
  const owner = engine.queries.viewOwner(source.name);
  const assignment = owner?.assignment();
  if (!owner || !assignment) return undefined;
  // The partition of a key is the task holding it: of the repartition topic, if the query has one.
  const topic = owner.stateTopics()[0]!;
  const ctx = engine.compileContext();
  const keys = source.window ? undefined : literalKeyLookup(st.query.where, source, ctx)?.values;
  let wanted: Set<number> | undefined;
  if (keys) {
    const partitions = (await log.describeTopic(topic))?.partitions ?? 1;
    const keySerde = createSerde(source.keyFormat, source.schema.key, source.keyOptions, true, schemaBinding(engine, source.topic));
    wanted = new Set(keys.map((k) => {
      const bytes = keySerde.serialize([k]);
      return bytes === null ? 0 : partitionForKey(bytes, partitions);
    }));
    for (const tp of assignment) if (tp.topic === topic) wanted.delete(tp.partition);
    if (wanted.size === 0) return undefined;
  }
  // Only now ask the broker who owns what: a lookup of local keys needs no round trip.
  const members = await log.describeGroup(owner.groupId);
  const remote = new Set<string>();
  for (const m of members) {
    if (m.memberInfo === '' || m.memberInfo === advertisedUrl) continue;
    if (!wanted || m.partitions.some((tp) => tp.topic === topic && wanted.has(tp.partition))) remote.add(m.memberInfo);
  }
  if (remote.size === 0) return undefined;
  return { remote: [...remote], ...(st.query.limit !== undefined ? { limit: st.query.limit } : {}) };
}

/** A literal's value coerced to the (single) key column's type; undefined when it is not a non-null literal. */
function literalValue(e: Expr, source: DataSource, ctx: CompileContext): unknown {
  try {
    const c = compileExpression(e, { resolveColumn: () => undefined }, ctx);
    const v = c.constant ? c.evaluate([]) : undefined;
    return v === undefined || v === null ? undefined : castValue(v, c.type, source.schema.key[0]!.type);
  } catch {
    return undefined;
  }
}

/**
 * The literal key expressions a pull query's WHERE pins with `=` or `IN` on a single-column key (the
 * whole WHERE, or one conjunct of it), with their values; undefined when it is not such a lookup.
 */
function literalKeyLookup(where: Expr | undefined, source: DataSource, ctx: CompileContext): { exprs: Expr[]; values: unknown[] } | undefined {
  if (!where || source.schema.key.length !== 1) return undefined;
  const key = source.schema.key[0]!;
  const conj = (e: Expr): Expr[] => (e.kind === 'LogicalBinary' && e.op === 'AND' ? [...conj(e.left), ...conj(e.right)] : [e]);
  const lookup = (exprs: Expr[]) => {
    const values = exprs.map((e) => literalValue(e, source, ctx));
    return values.every((v) => v !== undefined) ? { exprs, values } : undefined;
  };
  for (const c of conj(where)) {
    if (c.kind === 'Comparison' && c.op === '=') {
      const other = c.left.kind === 'ColumnRef' && c.left.name === key.name ? c.right : c.right.kind === 'ColumnRef' && c.right.name === key.name ? c.left : undefined;
      const found = other && lookup([other]);
      if (found) return found;
    }
    if (c.kind === 'InList' && !c.not && c.value.kind === 'ColumnRef' && c.value.name === key.name) {
      const found = lookup([...c.list]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Rows of a materialized view laid out as a source row: key, value, headers, ROWTIME, ROWPARTITION, ROWOFFSET, window. */
function* viewRows(rows: Iterable<ViewRow>, width: number, windowed: boolean, keyBytes: (key: readonly unknown[]) => Buffer): Iterable<unknown[]> {
  const sorted = [...rows].map((r) => ({ r, k: keyBytes(r.key) }));
  sorted.sort((a, b) => Buffer.compare(a.k, b.k) || (a.r.window?.start ?? 0) - (b.r.window?.start ?? 0));
  for (const { r } of sorted) {
    const row = new Array<unknown>(width).fill(null);
    let i = 0;
    for (const k of r.key) row[i++] = k;
    for (const v of r.value) row[i++] = v;
    const rowtime = width - 3 - (windowed ? 2 : 0);
    row[rowtime] = r.ts;
    row[rowtime + 1] = 0;
    if (windowed && r.window) {
      row[width - 2] = r.window.start;
      row[width - 1] = r.window.end;
    }
    yield row;
  }
}
