/**
 * DDL: CREATE [SOURCE] STREAM/TABLE, ALTER, DROP, CREATE/DROP TYPE. A CREATE SOURCE TABLE also starts
 * the query that materializes the table for pull queries.
 */
import type { AliasedSource, CreateSource, Statement } from '../parser/ast.js';
import type { Properties } from '../parser/ast.js';
import { checkTableKey, schemaFromColumns } from '../analyzer/source-schema.js';
import { intProperty, str, validateProperties, validateTimestampColumn } from '../analyzer/with-properties.js';
import { analyzeQuery } from '../analyzer/query.js';
import { createSerde, formatFromProperties } from '../serde/index.js';
import { parseDurationText } from '../serde/windowed.js';
import { resolveTypeNode } from '../types/type-node.js';
import { formatType } from '../types/sql-type.js';
import { PLAN_VERSION } from '../plan/steps.js';
import { AnalysisError, ExecutionError } from '../errors.js';
import type { DataSource, WindowInfo } from './metastore.js';
import type { StoredPlan } from './command-log.js';
import type { EngineContext, Props } from './context.js';
import { serviceId } from './context.js';
import type { StatementResult } from './results.js';
import { persistentPlan, runStoredPlan, sinkForSource } from './persistent.js';
import { checkSchemaNameProperties, formatDefaults, ok, prepare, status } from './statement-support.js';
import { inferSourceSchema, registerSchemas } from './source-schemas.js';
import { schemaBinding } from './context.js';
import { quoteIdentifierIfNeeded } from '../types/sql-type.js';
import type { LogicalSchema } from '../types/schema.js';

export async function createSource(engine: EngineContext, st: Statement & CreateSource, props: Props, stored?: StoredPlan): Promise<StatementResult> {
  const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
  const existing = engine.metastore.getSource(st.name);
  if (st.isSource && st.orReplace) {
    throw new AnalysisError(`Cannot add ${kind} '${st.name}': CREATE OR REPLACE is not supported on source ${kind}s.`);
  }
  if (existing && !engine.replaying) {
    if (st.ifNotExists) return status(st, `${kind}/${st.name}/create`, `Cannot add ${kind} ${st.name}: A ${existing.type.toLowerCase()} with the same name already exists.`);
    if (!st.orReplace) {
      throw new ExecutionError(`Cannot add ${kind} '${st.name}': A ${existing.type.toLowerCase()} with the same name already exists`);
    }
  }
  validateProperties(st.properties);
  const topic = str(st.properties, 'KAFKA_TOPIC');
  if (topic === undefined) throw new AnalysisError(`Missing required property "KAFKA_TOPIC" in WITH clause`);
  const formats = prepare(() => formatFromProperties(st.properties, { ...formatDefaults(props), sourceName: st.name }));
  checkSchemaNameProperties(st.properties, formats.keyFormat, formats.valueFormat);
  const declared = schemaFromColumns(st.sourceType, st.name, st.columns, (n) => engine.metastore.getType(n));
  // Columns the statement leaves out come from the registry (schema inference).
  // (A replay runs the statement as recorded, with the columns inferred when it first ran.)
  const schema = engine.replaying ? declared : await inferSourceSchema(engine, topic, formats, declared);
  if (schema.value.length === 0 && schema.key.length === 0 && st.columns.length === 0) {
    throw new AnalysisError(`No columns supplied.`);
  }
  checkTableKey(st.sourceType, st.name, schema);
  const formatsFinal = schema.key.length === 0 && str(st.properties, 'KEY_FORMAT') === undefined && str(st.properties, 'FORMAT') === undefined ? { ...formats, keyFormat: 'NONE' as const } : formats;
  if (formatsFinal.valueOptions.wrapSingleValue !== undefined && st.properties['WRAP_SINGLE_VALUE'] !== undefined && schema.value.length !== 1) {
    throw new AnalysisError(`'WRAP_SINGLE_VALUE' is only valid for single-field value schemas`);
  }
  // Build the serdes once now so unsupported format/type combinations fail at CREATE time.
  createSerde(formatsFinal.keyFormat, schema.key, formatsFinal.keyOptions, true, schemaBinding(engine, topic));
  createSerde(formatsFinal.valueFormat, schema.value, formatsFinal.valueOptions, false, schemaBinding(engine, topic));
  const window = windowFromProperties(st.properties);
  if (window && schema.key.length === 0) throw new AnalysisError('Windowed sources require a key column.');
  const tsColumn = str(st.properties, 'TIMESTAMP')?.toUpperCase();
  if (tsColumn !== undefined) validateTimestampColumn(tsColumn, [...schema.key, ...schema.value], str(st.properties, 'TIMESTAMP_FORMAT'));
  if (!(await engine.log.describeTopic(topic))) {
    const partitions = intProperty(st.properties, 'PARTITIONS');
    if (partitions === undefined) throw new ExecutionError(`Kafka topic does not exist: ${topic}`);
    await engine.log.createTopic(topic, { partitions, replicas: intProperty(st.properties, 'REPLICAS') ?? 1 });
  }
  if (!engine.replaying) await registerSchemas(engine, topic, formatsFinal, schema, true);
  // Recorded (and described) with the inferred columns, so a replay gets the same schema even
  // after the subject has evolved.
  const statement = schema === declared ? st.text : createSourceText(st, schema);
  const source: DataSource = {
    name: st.name,
    type: st.sourceType,
    schema,
    topic,
    ...formatsFinal,
    ...(tsColumn !== undefined ? { timestampColumn: tsColumn } : {}),
    ...(str(st.properties, 'TIMESTAMP_FORMAT') !== undefined ? { timestampFormat: str(st.properties, 'TIMESTAMP_FORMAT')! } : {}),
    ...(window ? { window } : {}),
    isSource: st.isSource,
    statement,
  };
  engine.metastore.putSource(source);
  const plan = st.isSource && st.sourceType === 'TABLE' ? await materializeSourceTable(engine, source, props, stored) : undefined;
  await engine.record(statement === st.text ? st : { ...st, text: statement }, props, plan);
  return status(st, `${kind}/${st.name}/create`, `${st.sourceType === 'STREAM' ? 'Stream' : 'Table'} created`);
}

/**
 * CREATE SOURCE TABLE: a query that only keeps the table's rows, for pull queries, read from the
 * start of its topic. A replay runs the plan stored with the statement.
 */
async function materializeSourceTable(engine: EngineContext, source: DataSource, props: Props, stored: StoredPlan | undefined): Promise<StoredPlan> {
  let plan = stored;
  if (!plan) {
    const from: AliasedSource = { kind: 'Source', name: source.name };
    const q = analyzeQuery({ kind: 'Query', select: [{ kind: 'Star' }], from }, () => source, engine.compileContext(), { newQueryPlanner: true });
    plan = { planVersion: PLAN_VERSION, query: persistentPlan(q, engine.queries.nextId(`CST_${source.name}`), await sinkForSource(engine, source), true) };
  }
  await runStoredPlan(engine, source.statement, plan, { ...props, 'auto.offset.reset': 'earliest' });
  return plan;
}

export async function alterSource(engine: EngineContext, st: Statement & { kind: 'AlterSource' }, props: Props): Promise<StatementResult> {
  const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
  const source = engine.metastore.getSource(st.name);
  if (!source) throw new ExecutionError(`Source ${st.name} does not exist.`);
  if (source.isSource) throw new AnalysisError(`Cannot alter ${kind} '${st.name}': ALTER operations are not supported on source ${kind}s.`);
  if (source.type !== st.sourceType) throw new AnalysisError(`Incompatible data source type is ${source.type}, but statement was ALTER ${st.sourceType}`);
  if (source.createdBy) throw new AnalysisError(`ALTER command is not supported for CREATE ... AS statements.`);
  const added = schemaFromColumns(st.sourceType, st.name, st.columns, (n) => engine.metastore.getType(n));
  for (const c of added.value) {
    if ([...source.schema.key, ...source.schema.value].some((x) => x.name === c.name)) {
      throw new AnalysisError(`Cannot add column \`${c.name}\` to schema. A column with the same name already exists.`);
    }
  }
  engine.metastore.putSource({ ...source, schema: { ...source.schema, value: [...source.schema.value, ...added.value] } });
  await engine.record(st, props);
  return status(st, `${kind}/${st.name}/alter`, `${st.sourceType === 'STREAM' ? 'Stream' : 'Table'} altered`);
}

export async function dropSource(engine: EngineContext, st: Statement & { kind: 'DropSource' }, props: Props): Promise<StatementResult> {
  const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
  const source = engine.metastore.getSource(st.name);
  if (!source) {
    if (st.ifExists || engine.replaying) return status(st, `${kind}/${st.name}/drop`, `Source \`${st.name}\` does not exist.`);
    throw new ExecutionError(`${st.sourceType === 'STREAM' ? 'Stream' : 'Table'} ${st.name} does not exist.`);
  }
  if (source.type !== st.sourceType) {
    throw new ExecutionError(`Incompatible data source type is ${source.type}, but statement was DROP ${st.sourceType}`);
  }
  if (st.deleteTopic && source.isSource) throw new ExecutionError(`Cannot delete topic for read-only source: ${source.name}`);
  const writers = engine.queries.writers(source.name);
  const readers = engine.queries.readers(source.name);
  if (readers.length > 0 && !engine.replaying) {
    throw new ExecutionError(
      `Cannot drop ${source.name}.\nThe following queries read from this source: [${readers.map((q) => q.id).join(', ')}].\nThe following queries write into this source: [${writers.map((q) => q.id).join(', ')}].\nYou need to terminate them before dropping ${source.name}.`,
    );
  }
  for (const q of writers) await engine.queries.stop(q.id, serviceId(props));
  engine.metastore.deleteSource(source.name);
  if (st.deleteTopic) await engine.log.deleteTopic(source.topic);
  await engine.record(st, props);
  return status(st, `${kind}/${st.name}/drop`, `Source \`${source.name}\` (topic: ${source.topic}) was dropped.`);
}

export async function createType(engine: EngineContext, st: Statement & { kind: 'CreateType' }, props: Props): Promise<StatementResult> {
  const existing = engine.metastore.getType(st.name);
  if (existing) {
    if (st.ifNotExists) return ok(st);
    throw new ExecutionError(`Cannot register custom type '${st.name}' since it is already registered with type: ${formatType(existing)}`);
  }
  const type = resolveTypeNode(st.type, (n) => engine.metastore.getType(n));
  engine.metastore.putType(st.name, type);
  await engine.record(st, props);
  return status(st, `type/${st.name}/create`, `Registered custom type with name '${st.name}' and SQL type ${formatType(type)}`);
}

export async function dropType(engine: EngineContext, st: Statement & { kind: 'DropType' }, props: Props): Promise<StatementResult> {
  if (!engine.metastore.deleteType(st.name) && !st.ifExists) throw new ExecutionError(`Type ${st.name} does not exist.`);
  await engine.record(st, props);
  return status(st, `type/${st.name}/drop`, `Dropped type '${st.name}'`);
}

export async function terminate(engine: EngineContext, st: Statement & { kind: 'Terminate' }, props: Props): Promise<StatementResult> {
  const ids = st.all ? engine.queries.ids() : [st.queryId];
  for (const id of ids) {
    if (!engine.queries.has(id) && !engine.replaying) throw new ExecutionError(`Unknown queryId: ${id}`);
    await engine.queries.stop(id, serviceId(props));
  }
  await engine.record(st, props);
  return status(st, `terminate/${st.all ? 'ALL' : st.queryId}/execute`, 'Query terminated.');
}

/** WINDOW_TYPE / WINDOW_SIZE of a source over a topic with windowed keys. */
function windowFromProperties(props: Properties): WindowInfo | undefined {
  const type = str(props, 'WINDOW_TYPE')?.toUpperCase();
  if (type === undefined) {
    if (props['WINDOW_SIZE'] !== undefined) throw new AnalysisError(`'WINDOW_SIZE' should not be set for non-windowed sources.`);
    return undefined;
  }
  if (type !== 'TUMBLING' && type !== 'HOPPING' && type !== 'SESSION') {
    throw new AnalysisError(`Invalid value for WINDOW_TYPE: ${type}. Valid values are: SESSION, HOPPING, TUMBLING`);
  }
  const sizeText = str(props, 'WINDOW_SIZE');
  if (type === 'SESSION') {
    if (sizeText !== undefined) throw new AnalysisError(`'WINDOW_SIZE' should not be set for SESSION windows.`);
    return { type };
  }
  if (sizeText === undefined) throw new AnalysisError(`${type} windows require 'WINDOW_SIZE' to be set.`);
  const sizeMs = parseDurationText(sizeText);
  if (sizeMs === undefined) {
    const unit = /^\s*\d+\s*(\S+)/.exec(sizeText)?.[1]?.toUpperCase() ?? '';
    throw new AnalysisError(`Configuration WINDOW_SIZE is invalid: Invalid duration: '${sizeText}'. Unknown time unit: '${unit}'`);
  }
  return { type, sizeMs };
}

/** The statement with its columns written out (schema inference filled them in). */
function createSourceText(st: CreateSource, schema: LogicalSchema): string {
  const keySuffix = st.sourceType === 'TABLE' ? ' PRIMARY KEY' : ' KEY';
  const columns = [
    ...schema.key.map((c) => `${quoteIdentifierIfNeeded(c.name)} ${formatType(c.type)}${keySuffix}`),
    ...schema.value.map((c) => `${quoteIdentifierIfNeeded(c.name)} ${formatType(c.type)}`),
    ...schema.headers.map((c) => `${quoteIdentifierIfNeeded(c.name)} ${formatType(c.type)} ${c.headerKey === undefined ? 'HEADERS' : `HEADER('${c.headerKey.replace(/'/g, "''")}')`}`),
  ];
  const props = Object.entries(st.properties).map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v)}`);
  return `CREATE ${st.orReplace ? 'OR REPLACE ' : ''}${st.isSource ? 'SOURCE ' : ''}${st.sourceType} ${st.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifierIfNeeded(st.name)} (${columns.join(', ')}) WITH (${props.join(', ')});`;
}
