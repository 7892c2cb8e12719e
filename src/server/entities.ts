/**
 * Engine results → ksqlDB's REST entities (the JSON objects of a /ksql response), each with
 * `@type`, `statementText` and `warnings`.
 */
import type { Engine, QueryDescription, SourceDescription, StatementResult } from '../engine/engine.js';
import { queryStatistics } from '../engine/statistics.js';
import { parseType } from '../parser/parse.js';
import { resolveTypeNode } from '../types/type-node.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { ParamType } from '../functions/types.js';
import type { SqlType } from '../types/sql-type.js';
import { formatType } from '../types/sql-type.js';

export type Entity = Record<string, unknown> & { readonly '@type': string; readonly statementText: string };

/** ksqlDB's SchemaInfo: `{type, fields, memberSchema}` (+ `parameters` for DECIMAL). */
export interface SchemaInfo {
  readonly type: string;
  readonly fields: readonly { name: string; schema: SchemaInfo }[] | null;
  readonly memberSchema: SchemaInfo | null;
  readonly parameters?: Readonly<Record<string, number>>;
}

export function schemaInfo(t: SqlType): SchemaInfo {
  switch (t.kind) {
    case 'ARRAY':
      return { type: 'ARRAY', fields: null, memberSchema: schemaInfo(t.element) };
    case 'MAP':
      return { type: 'MAP', fields: null, memberSchema: schemaInfo(t.value) };
    case 'STRUCT':
      return { type: 'STRUCT', fields: t.fields.map((f) => ({ name: f.name, schema: schemaInfo(f.type) })), memberSchema: null };
    case 'DECIMAL':
      return { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: t.precision, scale: t.scale } };
    default:
      return { type: t.kind === 'STRING' ? 'STRING' : t.kind, fields: null, memberSchema: null };
  }
}

export interface EntityContext {
  readonly engine: Engine;
  /** Next command sequence number (for currentStatus). */
  nextSequence(): number;
  /** This server as ksqlDB names hosts in query statuses: `host:port` (once listening). */
  host?(): string | undefined;
}

export function toEntity(r: StatementResult, ctx: EntityContext): Entity | undefined {
  const base = { statementText: r.statementText, warnings: [] as { message: string }[] };
  switch (r.type) {
    case 'ok':
      return undefined;
    case 'currentStatus':
      return {
        '@type': 'currentStatus',
        ...base,
        commandId: r.commandId,
        commandStatus: { status: 'SUCCESS', message: r.message, ...(r.queryId !== undefined ? { queryId: r.queryId } : {}) },
        commandSequenceNumber: ctx.nextSequence(),
      };
    case 'streams':
    case 'tables':
      return {
        '@type': r.type,
        ...base,
        [r.type]: r.sources.map((s) => ({ type: s.type, name: s.name, topic: s.topic, keyFormat: s.keyFormat, valueFormat: s.valueFormat, isWindowed: s.isWindowed })),
      };
    case 'queries':
      return {
        '@type': 'queries',
        ...base,
        queries: r.queries.map((q) => ({
          queryString: q.queryString,
          sinks: q.sinks,
          sinkKafkaTopics: q.sinkKafkaTopics,
          id: q.id,
          statusCount: { [q.state]: 1 },
          queryType: 'PERSISTENT',
          state: q.state,
        })),
      };
    case 'kafka_topics':
      return { '@type': 'kafka_topics', ...base, topics: r.topics.map((t) => ({ name: t.name, replicaInfo: Array.from({ length: t.partitions }, () => t.replicas) })) };
    case 'sourceDescription':
      return { '@type': 'sourceDescription', ...base, sourceDescription: sourceDescription(r.source, ctx.engine) };
    case 'sourceDescriptionList':
      return { '@type': 'source_descriptions', ...base, sourceDescriptions: r.sources.map((d) => sourceDescription(d, ctx.engine)) };
    case 'queryDescription':
      return { '@type': 'queryDescription', ...base, queryDescription: queryDescription(r.query, ctx) };
    case 'queryDescriptionList':
      return { '@type': 'query_descriptions', ...base, queryDescriptions: r.queries.map((q) => queryDescription(q, ctx)) };
    case 'properties':
      return {
        '@type': 'properties',
        ...base,
        properties: Object.entries(r.properties).map(([name, value]) => ({ name, scope: name.startsWith('ksql.') ? 'KSQL' : 'STREAMS', value })),
        overwrittenProperties: [],
        defaultProperties: [],
      };
    case 'type_list': {
      const types: Record<string, SchemaInfo> = {};
      for (const [name] of Object.entries(r.types)) {
        const t = ctx.engine.metastore.getType(name);
        if (t) types[name] = schemaInfo(t);
      }
      return { '@type': 'type_list', ...base, types };
    }
    case 'function_names':
      return {
        '@type': 'function_names',
        ...base,
        functions: r.functions.map((f) => ({ name: f.name, type: f.category === 'TABLE' ? 'TABLE' : f.category === 'AGGREGATE' ? 'AGGREGATE' : 'SCALAR', category: f.category })),
      };
    default:
      // Result kinds added to the engine later pass through with their own fields.
      return { '@type': (r as { type: string }).type, ...(r as object), ...base } as Entity;
  }
}

function sourceDescription(s: SourceDescription, engine: Engine): Record<string, unknown> {
  const ds = engine.metastore.getSource(s.name);
  const fields = ds
    ? [
        ...ds.schema.key.map((c) => ({ name: c.name, schema: schemaInfo(c.type), type: 'KEY' })),
        ...ds.schema.value.map((c) => ({ name: c.name, schema: schemaInfo(c.type) })),
        ...ds.schema.headers.map((c) => ({ name: c.name, schema: schemaInfo(c.type), type: 'HEADER', ...(c.headerKey !== undefined ? { headerKey: c.headerKey } : {}) })),
      ]
    : fieldInfos(s.fields);
  return {
    name: s.name,
    windowType: s.windowType ?? null,
    readQueries: s.readQueries.map(queryRef),
    writeQueries: s.writeQueries.map(queryRef),
    fields,
    type: s.type,
    timestamp: s.timestampColumn ?? '',
    statistics: s.statistics,
    errorStats: s.errorStats,
    extended: s.extended,
    keyFormat: s.keyFormat,
    valueFormat: s.valueFormat,
    topic: s.topic,
    partitions: s.partitions,
    replication: s.replication,
    statement: s.statement,
    queryOffsetSummaries: [],
    sourceConstraints: [],
  };
}

/** Fields of a schema as ksqlDB's FieldInfo: `{name, schema: {type, fields, memberSchema}, type: "KEY"}`. */
function fieldInfos(fields: readonly { name: string; type: string; key: boolean }[]): Record<string, unknown>[] {
  return fields.map((f) => ({ name: f.name, schema: schemaInfo(resolveTypeNode(parseType(f.type), () => undefined)), ...(f.key ? { type: 'KEY' } : {}) }));
}

/** ksqlDB's QueryDescription (EXPLAIN, SHOW QUERIES EXTENDED), with the query's statistics in DESCRIBE EXTENDED's format. */
function queryDescription(q: QueryDescription, ctx: EntityContext): Record<string, unknown> {
  const stats = q.stats ? queryStatistics(q.stats) : { statistics: '', errorStats: '' };
  return {
    id: q.id,
    statementText: q.statementText,
    windowType: q.windowType ?? null,
    fields: fieldInfos(q.fields),
    sources: q.sources,
    sinks: q.sinks,
    topology: q.topology,
    executionPlan: q.executionPlan,
    overriddenProperties: q.overriddenProperties,
    ksqlHostQueryStatus: q.state !== undefined ? { [ctx.host?.() ?? 'localhost:8088']: q.state } : {},
    queryType: q.queryType,
    queryErrors: q.queryErrors.map((e) => ({ timestamp: e.timestamp, errorMessage: e.message, type: 'USER' })),
    tasksMetadata: [],
    ...(q.state !== undefined ? { state: q.state } : {}),
    ...stats,
    ...(q.stats ? { consumerLag: q.stats.consumerLag } : {}),
  };
}

function queryRef(q: { id: string; queryString: string; sinks: readonly string[]; sinkKafkaTopics: readonly string[]; state: string }): Record<string, unknown> {
  return { queryString: q.queryString, sinks: q.sinks, sinkKafkaTopics: q.sinkKafkaTopics, id: q.id, statusCount: { [q.state]: 1 }, queryType: 'PERSISTENT', state: q.state };
}

/** DESCRIBE FUNCTION: ksqlDB's `describe_function` entity. */
export function describeFunction(functions: FunctionRegistry, name: string, statementText: string): Entity | undefined {
  const upper = name.toUpperCase();
  const scalar = functions.scalar(upper);
  const table = scalar ? undefined : functions.table(upper);
  const aggregate = scalar || table ? undefined : functions.aggregate(upper);
  const f = scalar ?? table ?? aggregate;
  if (!f) return undefined;
  const overloads = (f as { overloads?: readonly { params: readonly { name: string; type: ParamType; description?: string }[]; returns: unknown; variadic?: boolean; description?: string }[] }).overloads ?? [];
  return {
    '@type': 'describe_function',
    statementText,
    warnings: [],
    name: upper,
    description: (f as { description?: string }).description ?? '',
    author: 'Sluice',
    version: '',
    path: 'internal',
    type: scalar ? 'SCALAR' : table ? 'TABLE' : 'AGGREGATE',
    functions: overloads.map((o) => ({
      arguments: o.params.map((p, i) => ({ name: p.name, type: paramTypeText(p.type) + (o.variadic && i === o.params.length - 1 ? '[]' : ''), description: p.description ?? '', isVariadic: Boolean(o.variadic && i === o.params.length - 1) })),
      returnType: typeof o.returns === 'function' ? 'ANY' : paramTypeText(o.returns as ParamType),
      description: o.description ?? (f as { description?: string }).description ?? '',
      argumentTypes: o.params.map((p) => paramTypeText(p.type)),
    })),
  };
}

function paramTypeText(t: ParamType): string {
  const k = (t as { kind: string }).kind;
  switch (k) {
    case 'ARRAY':
      return `ARRAY<${paramTypeText((t as { element: ParamType }).element)}>`;
    case 'MAP':
      return `MAP<${paramTypeText((t as { key: ParamType }).key)}, ${paramTypeText((t as { value: ParamType }).value)}>`;
    case 'ANY_STRUCT':
      return 'STRUCT';
    case 'LAMBDA_PARAM':
      return 'LAMBDA';
    default:
      if ('name' in (t as object) && typeof (t as { name?: unknown }).name === 'string') return (t as { name: string }).name;
      try {
        return formatType(t as SqlType);
      } catch {
        return k;
      }
  }
}
