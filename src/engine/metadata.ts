/**
 * Statements that read the catalogue: SHOW / LIST, DESCRIBE [EXTENDED], EXPLAIN, ASSERT TOPIC. The
 * links between sources and queries come from the queries' plans (what they read, what they write),
 * the statistics from the running queries' counters.
 */
import type { Statement } from '../parser/ast.js';
import { formatSchema, type LogicalSchema } from '../types/schema.js';
import { formatType } from '../types/sql-type.js';
import { executionPlanText, topologyText } from '../plan/explain.js';
import { schemaOf } from '../plan/step-codec.js';
import type { QueryPlan } from '../plan/steps.js';
import type { PersistentQuery } from '../runtime/persistent-query.js';
import { AnalysisError, ExecutionError } from '../errors.js';
import type { DataSource } from './metastore.js';
import type { EngineContext, Props } from './context.js';
import type { FieldDescription, QueryDescription, SourceDescription, StatementResult } from './results.js';
import { ok, summary } from './statement-support.js';
import { explainPersistent } from './persistent.js';
import { planTransient } from './transient.js';
import { sourceStatistics } from './statistics.js';

/** Properties whose values are credentials: SHOW PROPERTIES hides them, as ksqlDB does. */
const SECRET = /password|user\.info|jaas|secret|api\.key/i;

export async function list(engine: EngineContext, st: Statement & { kind: 'List' }): Promise<StatementResult> {
  switch (st.what) {
    case 'STREAMS':
    case 'TABLES': {
      const type = st.what === 'STREAMS' ? 'STREAM' : 'TABLE';
      const sources = engine.metastore.listSources().filter((s) => s.type === type);
      if (st.extended) return { type: 'sourceDescriptionList', statementText: st.text, sources: await Promise.all(sources.map((s) => describeSource(engine, s, true))) };
      return { type: st.what === 'STREAMS' ? 'streams' : 'tables', statementText: st.text, sources: sources.map(summary) };
    }
    case 'QUERIES':
      if (st.extended) return { type: 'queryDescriptionList', statementText: st.text, queries: await Promise.all(engine.queries.all().map((q) => describeQuery(engine, q))) };
      return { type: 'queries', statementText: st.text, queries: engine.queries.summaries() };
    case 'TOPICS': {
      const ts = await engine.log.listTopics();
      return { type: 'kafka_topics', statementText: st.text, topics: ts.filter((t) => st.all || !t.name.startsWith('_')).map((t) => ({ name: t.name, partitions: t.partitions, replicas: t.replicas })) };
    }
    case 'PROPERTIES':
      return { type: 'properties', statementText: st.text, properties: Object.fromEntries(Object.entries(engine.properties).map(([k, v]) => [k, SECRET.test(k) ? '[hidden]' : v])) };
    case 'TYPES':
      return { type: 'type_list', statementText: st.text, types: Object.fromEntries(engine.metastore.listTypes().map(([n, t]) => [n, formatType(t)])) };
    case 'FUNCTIONS':
      return {
        type: 'function_names',
        statementText: st.text,
        functions: [...engine.functions.listScalars(), ...engine.functions.listTables()].map((f) => ({ name: f.name, category: f.category })).sort((a, b) => a.name.localeCompare(b.name)),
      };
    default:
      throw new ExecutionError(`SHOW ${st.what} is not supported yet.`);
  }
}

export async function describe(engine: EngineContext, st: Statement & { kind: 'Describe' }): Promise<StatementResult> {
  const s = engine.metastore.getSource(st.name);
  if (!s) throw new AnalysisError(`Could not find STREAM/TABLE '${st.name}' in the Metastore`);
  return { type: 'sourceDescription', statementText: st.text, source: await describeSource(engine, s, st.extended) };
}

/** DESCRIBE STREAMS / DESCRIBE TABLES [EXTENDED]. */
export async function describeAll(engine: EngineContext, st: Statement & { kind: 'DescribeAll' }): Promise<StatementResult> {
  const type = st.what === 'STREAMS' ? 'STREAM' : 'TABLE';
  const sources = engine.metastore.listSources().filter((s) => s.type === type);
  return { type: 'sourceDescriptionList', statementText: st.text, sources: await Promise.all(sources.map((s) => describeSource(engine, s, st.extended))) };
}

async function describeSource(engine: EngineContext, s: DataSource, extended: boolean): Promise<SourceDescription> {
  const topic = extended ? await engine.log.describeTopic(s.topic) : undefined;
  const readers = engine.queries.readers(s.name);
  const writers = engine.queries.writers(s.name);
  const stats = extended ? sourceStatistics(readers, writers) : { statistics: '', errorStats: '' };
  const summaries = (qs: readonly PersistentQuery[]) => {
    const ids = new Set(qs.map((q) => q.id));
    return engine.queries.summaries().filter((q) => ids.has(q.id));
  };
  return {
    ...summary(s),
    schema: formatSchema(s.schema, s.type),
    fields: fields(s.schema),
    statement: s.statement,
    ...(s.window ? { windowType: s.window.type } : {}),
    ...(s.timestampColumn !== undefined ? { timestampColumn: s.timestampColumn } : {}),
    readQueries: summaries(readers),
    writeQueries: summaries(writers),
    extended,
    partitions: topic?.partitions ?? 0,
    replication: topic?.replicas ?? 0,
    ...stats,
  };
}

function fields(schema: LogicalSchema): FieldDescription[] {
  return [...schema.key, ...schema.value, ...schema.headers].map((c) => ({ name: c.name, type: formatType(c.type), key: c.namespace === 'KEY' }));
}

export async function explain(engine: EngineContext, st: Statement & { kind: 'Explain' }, props: Props): Promise<StatementResult> {
  if (st.queryId !== undefined) {
    const q = engine.queries.get(st.queryId);
    if (!q) throw new ExecutionError(`Query with id:${st.queryId} does not exist, use SHOW QUERIES to view the full set of queries.`);
    return { type: 'queryDescription', statementText: st.text, query: await describeQuery(engine, q) };
  }
  const inner = st.statement!;
  let plan: QueryPlan;
  switch (inner.kind) {
    case 'Select':
      plan = planTransient(engine, inner.query, props, engine.queries.peekId('transient')).plan;
      break;
    case 'CreateAsSelect':
    case 'InsertInto':
      plan = await explainPersistent(engine, inner, props);
      break;
    default:
      throw new ExecutionError('The provided statement does not run a ksql query');
  }
  return { type: 'queryDescription', statementText: st.text, query: planDescription(plan, inner.text.trim()) };
}

/** A plan's description, without runtime information (EXPLAIN of a statement). */
function planDescription(plan: QueryPlan, statementText: string, repartitionTopic?: string): QueryDescription {
  const root = plan.root;
  const output = root.kind === 'streamSinkV1' || root.kind === 'tableSinkV1' ? root.source : root;
  const window = root.kind === 'streamSinkV1' || root.kind === 'tableSinkV1' ? root.window : undefined;
  return {
    id: plan.queryId,
    statementText,
    ...(window ? { windowType: window.type } : {}),
    fields: fields(schemaOf(output.columns)),
    sources: plan.sources,
    sinks: plan.sink !== undefined ? [plan.sink] : [],
    topology: topologyText(root, repartitionTopic),
    executionPlan: executionPlanText(root, plan.queryId),
    overriddenProperties: {},
    queryType: plan.queryType,
    queryErrors: [],
  };
}

/** A running query: its plan, state, recent errors and counters. */
export async function describeQuery(engine: EngineContext, q: PersistentQuery): Promise<QueryDescription> {
  const errors = engine.processingLog.entries(q.id).slice(-10).map((e) => ({ timestamp: e.timestamp, message: e.message, type: e.type }));
  return {
    ...planDescription(q.plan, q.statementText, q.repartitionTopic),
    state: q.state,
    queryErrors: errors,
    stats: { ...q.stats.snapshot(), consumerLag: await q.consumerLag() },
  };
}

export async function assertTopic(engine: EngineContext, st: Statement & { kind: 'Assert' }): Promise<StatementResult> {
  if (st.what === 'TOPIC' && st.name !== undefined) {
    const d = await engine.log.describeTopic(st.name);
    if (Boolean(d) !== st.exists) throw new ExecutionError(`Topic ${st.name} ${st.exists ? 'does not exist' : 'exists'}`);
    return ok(st);
  }
  throw new ExecutionError(`ASSERT ${st.what} is not supported yet.`);
}
