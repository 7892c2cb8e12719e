/**
 * Statements that start persistent queries: CREATE STREAM/TABLE AS SELECT and INSERT INTO ... SELECT.
 * Each is analyzed, planned into steps (src/plan), given its sink (formats, topic), recorded with its
 * plan, and started. A replay of the command log runs the stored plan instead (replayPlan).
 */
import type { CreateAsSelect, InsertInto, Query, Statement } from '../parser/ast.js';
import { analyzeQuery } from '../analyzer/query.js';
import type { AnalyzedQuery, OutputColumn } from '../analyzer/analysis.js';
import { fromSources } from '../analyzer/analysis.js';
import { intProperty, str, validateProperties } from '../analyzer/with-properties.js';
import { planQuery } from '../plan/planner.js';
import { PLAN_VERSION, type QueryPlan, type WindowStepInfo } from '../plan/steps.js';
import { createSerde, formatFromProperties } from '../serde/index.js';
import { formatSchema, type Column, type LogicalSchema } from '../types/schema.js';
import { formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { coerceType } from '../expr/coerce.js';
import { parseType } from '../parser/parse.js';
import { AnalysisError, ExecutionError } from '../errors.js';
import type { DataSource } from './metastore.js';
import type { StoredPlan } from './command-log.js';
import type { EngineContext, Props } from './context.js';
import { schemaBinding, serviceId } from './context.js';
import { checkSinkSchemaIds, registerSchemas } from './source-schemas.js';
import type { StatementResult } from './results.js';
import { checkSchemaNameProperties, formatDefaults, prepare, status } from './statement-support.js';
import { loadSource, storeSource } from './stored-source.js';

type With = Readonly<Record<string, string | number | boolean>>;

/** The sink of a persistent query: the topic (created if missing) and formats it writes. */
export interface SinkTarget {
  readonly name: string;
  readonly topic: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly formats: { readonly keyFormat: DataSource['keyFormat']; readonly valueFormat: DataSource['valueFormat']; readonly keyOptions: DataSource['keyOptions']; readonly valueOptions: DataSource['valueOptions'] };
  readonly window?: WindowStepInfo;
}

/** Analyze the SELECT of a persistent query, with the sink's name and TIMESTAMP properties. */
function analyzePersistent(engine: EngineContext, query: Query, sinkName: string, with_: With, props: Props): AnalyzedQuery {
  const ts = str(with_, 'TIMESTAMP')?.toUpperCase();
  const tf = str(with_, 'TIMESTAMP_FORMAT');
  const q = analyzeQuery(query, (n) => engine.metastore.requireSource(n), engine.compileContext(), {
    sinkName,
    newQueryPlanner: props['ksql.new.query.planner.enabled'] === 'true',
    ...(ts !== undefined ? { timestampColumn: ts } : {}),
    ...(tf !== undefined ? { timestampFormat: tf } : {}),
  });
  if (fromSources(q.from).some((s) => s.type === 'TABLE' && s.window)) throw new ExecutionError('KSQL does not support persistent queries on windowed tables.');
  return q;
}

export async function createAsSelect(engine: EngineContext, st: Statement & CreateAsSelect, props: Props): Promise<StatementResult> {
  const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
  const existing = engine.metastore.getSource(st.name);
  if (existing && !engine.replaying) {
    if (st.ifNotExists) return status(st, `${kind}/${st.name}/create`, `Cannot add ${kind} ${st.name}: A ${existing.type.toLowerCase()} with the same name already exists.`);
    if (!st.orReplace) throw new ExecutionError(`Cannot add ${kind} '${st.name}': A ${existing.type.toLowerCase()} with the same name already exists`);
  }
  const stored = await planCreateAsSelect(engine, st, props, false);
  await runStoredPlan(engine, st.text, stored, props);
  await engine.record(st, props, stored);
  return status(st, `${kind}/${st.name}/create`, `Created query with ID ${stored.query.queryId}`, stored.query.queryId);
}

export async function insertInto(engine: EngineContext, st: Statement & InsertInto, props: Props): Promise<StatementResult> {
  const stored = await planInsertInto(engine, st, props, false);
  await runStoredPlan(engine, st.text, stored, props);
  await engine.record(st, props, stored);
  return status(st, `stream/${st.target}/create`, `Created query with ID ${stored.query.queryId}`, stored.query.queryId);
}

/** EXPLAIN of a CSAS / CTAS / INSERT INTO: its plan, without creating or starting anything. */
export async function explainPersistent(engine: EngineContext, st: Statement & (CreateAsSelect | InsertInto), props: Props): Promise<QueryPlan> {
  return (st.kind === 'CreateAsSelect' ? await planCreateAsSelect(engine, st, props, true) : await planInsertInto(engine, st, props, true)).query;
}

/** A CSAS / CTAS planned: the source it creates and its query. `dryRun`: no topic is created, no id taken. */
async function planCreateAsSelect(engine: EngineContext, st: Statement & CreateAsSelect, props: Props, dryRun: boolean): Promise<StoredPlan> {
  validateProperties(st.properties);
  if (st.query.limit !== undefined) throw new AnalysisError(`CREATE ${st.sourceType} AS SELECT statements don't support LIMIT clause.`);
  const q = analyzePersistent(engine, st.query, st.name, st.properties, props);
  if (q.resultType !== st.sourceType) {
    throw new AnalysisError(`Invalid result type. Your SELECT query produces a ${q.resultType}. Please use CREATE ${q.resultType} AS SELECT statement instead.`);
  }
  const upstream = fromSources(q.from)[0]!;
  if (q.aggregation) checkIntermediateState(q, st.properties, upstream);
  const window = q.aggregation?.window ? { type: q.aggregation.window.kind, ...(q.aggregation.window.kind !== 'SESSION' ? { sizeMs: q.aggregation.window.sizeMs } : {}) } : undefined;
  const rekeyed = q.aggregation !== undefined || q.partitionBy !== undefined;
  const sink = await sinkTarget(engine, st.name, st.properties, q.outputSchema, upstream, rekeyed, props, window, dryRun);
  const prefix = st.sourceType === 'STREAM' ? `CSAS_${st.name}` : `CTAS_${st.name}`;
  // CREATE OR REPLACE keeps the id of the query it replaces.
  const queryId = engine.metastore.getSource(st.name)?.createdBy ?? (dryRun ? engine.queries.peekId(prefix) : engine.queries.nextId(prefix));
  const source: DataSource = {
    name: st.name,
    type: st.sourceType,
    schema: q.outputSchema,
    topic: sink.topic,
    ...sink.formats,
    ...(q.timestampColumn !== undefined && !q.aggregation ? { timestampColumn: q.timestampColumn } : {}),
    ...(q.timestampFormat !== undefined && !q.aggregation ? { timestampFormat: q.timestampFormat } : {}),
    ...(sink.window ? { window: sink.window } : {}),
    isSource: false,
    statement: st.text,
    createdBy: queryId,
  };
  return { planVersion: PLAN_VERSION, source: storeSource(source), query: persistentPlan(q, queryId, sink), sinkTopic: { name: sink.topic, partitions: sink.partitions, replicas: sink.replicas } };
}

async function planInsertInto(engine: EngineContext, st: Statement & InsertInto, props: Props, dryRun: boolean): Promise<StoredPlan> {
  const target = engine.metastore.getSource(st.target);
  if (!target) throw new AnalysisError(`${st.target} does not exist.`);
  if (target.isSource) throw new AnalysisError(`Cannot insert into read-only ${target.type.toLowerCase()}: ${target.name}`);
  if (target.type === 'TABLE') throw new AnalysisError(`INSERT INTO can only be used to insert into a stream. ${target.name} is a table.`);
  if (target.schema.headers.length > 0) throw new AnalysisError(`Cannot insert into ${target.name} because it has header columns`);
  const q = analyzePersistent(engine, st.query, st.target, st.properties, props);
  if (q.resultType !== 'STREAM' || q.aggregation) throw new AnalysisError(`INSERT INTO can only be used to insert into a stream. The query produces a ${q.resultType}.`);
  if (!schemasCompatible(q.outputSchema, target.schema)) {
    throw new AnalysisError(
      `Incompatible schema between results and sink.\nResult schema is ${formatSchema(q.outputSchema, 'STREAM')}\nSink schema is ${formatSchema(target.schema, 'STREAM')}`,
    );
  }
  const sink = await sinkForSource(engine, target);
  const queryId = dryRun ? engine.queries.peekId('INSERTQUERY') : engine.queries.nextId('INSERTQUERY');
  // The rows are written with the target's schema: columns of a narrower type are cast to it.
  const cast = (cols: readonly OutputColumn[], from: readonly Column[], to: readonly Column[]): OutputColumn[] =>
    cols.map((c, i) => (typeEquals(from[i]!.type, to[i]!.type) ? c : { ...c, expr: { kind: 'Cast', expr: c.expr, type: parseType(formatType(to[i]!.type)) } }));
  const keyColumns = cast(q.keyColumns, q.outputSchema.key, target.schema.key);
  const valueColumns = cast(q.valueColumns, q.outputSchema.value, target.schema.value);
  return { planVersion: PLAN_VERSION, query: persistentPlan({ ...q, keyColumns, valueColumns, outputSchema: target.schema }, queryId, sink) };
}

/** The plan of a persistent query writing into `sink`. */
export function persistentPlan(q: AnalyzedQuery, queryId: string, sink: SinkTarget, materializeOnly = false): QueryPlan {
  return {
    planVersion: PLAN_VERSION,
    queryId,
    queryType: 'PERSISTENT',
    sources: fromSources(q.from).map((s) => s.name),
    sink: sink.name,
    resultType: q.resultType,
    root: planQuery(q, {
      kind: 'persistent',
      sinkName: sink.name,
      topic: sink.topic,
      formats: sink.formats,
      ...(sink.window ? { window: sink.window } : {}),
      // The TIMESTAMP property sets the output timestamps of stream queries (not of aggregations).
      ...(q.timestampColumn !== undefined && !q.aggregation ? { timestampColumn: q.timestampColumn } : {}),
      ...(q.timestampFormat !== undefined && !q.aggregation ? { timestampFormat: q.timestampFormat } : {}),
      ...(materializeOnly ? { materializeOnly: true } : {}),
    }),
  };
}

/**
 * Apply a stored plan: the source it created goes into the metastore (replacing the query writing it
 * before, for CREATE OR REPLACE), its sink topic exists, and its query runs — as planned when the
 * statement was first executed.
 */
export async function runStoredPlan(engine: EngineContext, text: string, plan: StoredPlan, props: Props): Promise<void> {
  // Run what the command log holds, also the first time: the plan as JSON, nothing more.
  const stored = JSON.parse(JSON.stringify(plan)) as StoredPlan;
  if (stored.planVersion > PLAN_VERSION) throw new ExecutionError(`The plan of '${text}' was written by a newer version of Sluice (plan version ${stored.planVersion}).`);
  const topic = stored.sinkTopic;
  if (topic && !(await engine.log.describeTopic(topic.name))) await engine.log.createTopic(topic.name, { partitions: topic.partitions, replicas: topic.replicas });
  const id = stored.query.queryId;
  if (engine.queries.has(id)) await engine.queries.stop(id, serviceId(props));
  if (stored.source) engine.metastore.putSource(loadSource(stored.source));
  // The sink's schemas are registered before it writes (again on replay: a no-op unless the
  // subject was deleted, and how a client of an external registry learns their ids).
  const sink = stored.query.root;
  const target = stored.query.sink !== undefined ? engine.metastore.getSource(stored.query.sink) : undefined;
  if (target && (sink.kind === 'streamSinkV1' || sink.kind === 'tableSinkV1') && !sink.materializeOnly) {
    await registerSchemas(engine, target.topic, sink.formats, target.schema, false);
  }
  await engine.queries.start(text, stored.query, props);
}

/** Writing into an existing source: its topic and formats. */
export async function sinkForSource(engine: EngineContext, source: DataSource): Promise<SinkTarget> {
  const desc = await engine.log.describeTopic(source.topic);
  return {
    name: source.name,
    topic: source.topic,
    partitions: desc?.partitions ?? 1,
    replicas: desc?.replicas ?? 1,
    formats: { keyFormat: source.keyFormat, valueFormat: source.valueFormat, keyOptions: source.keyOptions, valueOptions: source.valueOptions },
    ...(source.window ? { window: source.window } : {}),
  };
}

/** The sink of a CSAS / CTAS: formats from WITH (or inherited), the topic (created now if missing). */
async function sinkTarget(
  engine: EngineContext,
  name: string,
  with_: With,
  schema: LogicalSchema,
  upstream: DataSource,
  rekeyed: boolean,
  props: Props,
  outputWindow: WindowStepInfo | undefined,
  dryRun: boolean,
): Promise<SinkTarget> {
  const formats = prepare(() => formatFromProperties(with_, { ...formatDefaults(props), inherit: upstream, sourceName: name }));
  checkSchemaNameProperties(with_, formats.keyFormat, formats.valueFormat);
  let keyFormat = formats.keyFormat;
  if (schema.key.length === 0) {
    const explicit = str(with_, 'KEY_FORMAT');
    if (explicit !== undefined && explicit.toUpperCase() !== 'NONE') throw new AnalysisError('Key format specified for stream without key columns.');
    keyFormat = 'NONE';
  } else if (keyFormat === 'NONE') {
    keyFormat = (props['ksql.persistence.default.format.key'] ?? 'KAFKA').toUpperCase() as typeof keyFormat;
  }
  if (with_['WRAP_SINGLE_VALUE'] !== undefined && schema.value.length !== 1) {
    throw new AnalysisError(`'WRAP_SINGLE_VALUE' is only valid for single-field value schemas`);
  }
  const topic = str(with_, 'KAFKA_TOPIC') ?? `${props['ksql.output.topic.name.prefix'] ?? ''}${name}`;
  createSerde(keyFormat, schema.key, formats.keyOptions, true, schemaBinding(engine, topic));
  createSerde(formats.valueFormat, schema.value, formats.valueOptions, false, schemaBinding(engine, topic));
  await checkSinkSchemaIds(engine, topic, { ...formats, keyFormat }, schema);
  const log = engine.log;
  const upstreamTopic = await log.describeTopic(upstream.topic);
  const partitions = intProperty(with_, 'PARTITIONS') ?? (props['ksql.sink.partitions'] ? Number(props['ksql.sink.partitions']) : undefined) ?? upstreamTopic?.partitions ?? 1;
  const replicas = intProperty(with_, 'REPLICAS') ?? upstreamTopic?.replicas ?? 1;
  const existing = await log.describeTopic(topic);
  if (existing && existing.partitions !== partitions && intProperty(with_, 'PARTITIONS') !== undefined) {
    throw new ExecutionError(`A Kafka topic with the name '${topic}' already exists, with different partition/replica configuration than required. KSQL expects ${partitions} partitions (topic has ${existing.partitions}), 1 replication factor (topic has 1).`);
  }
  if (!existing && !dryRun) await log.createTopic(topic, { partitions, replicas });
  // Windowed aggregations write windowed keys; keys that pass through a windowed source stay windowed.
  const window = outputWindow ?? (upstream.window && !rekeyed && schema.key.length > 0 ? upstream.window : undefined);
  return {
    name,
    topic,
    partitions,
    replicas,
    formats: { keyFormat, valueFormat: formats.valueFormat, keyOptions: formats.keyOptions, valueOptions: formats.valueOptions },
    ...(window ? { window } : {}),
  };
}

/** Aggregates whose intermediate state is structured cannot be kept in DELIMITED / KAFKA values. */
function checkIntermediateState(q: AnalyzedQuery, with_: With, source: DataSource): void {
  const valueFormat = String(with_['VALUE_FORMAT'] ?? with_['FORMAT'] ?? source.valueFormat).toUpperCase();
  if ((valueFormat === 'DELIMITED' || valueFormat === 'KAFKA') && q.aggregation!.aggregates.some((a) => a.overload.complexState)) {
    throw new AnalysisError('One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.');
  }
}

/** INSERT INTO needs the same column names, with types equal or implicitly cast to the sink's (INTEGER to DECIMAL, ...). */
function schemasCompatible(a: LogicalSchema, b: LogicalSchema): boolean {
  const same = (x: readonly { name: string; type: SqlType }[], y: readonly { name: string; type: SqlType }[]) =>
    x.length === y.length && x.every((c, i) => c.name === y[i]!.name && (typeEquals(c.type, y[i]!.type) || coerceType(c.type, y[i]!.type) !== undefined));
  return same(a.key, b.key) && same(a.value, b.value);
}
