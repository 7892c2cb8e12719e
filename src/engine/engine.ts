/**
 * The Engine: executes statements against a metastore and a Log, and owns the persistent queries.
 * It is the embeddable library API (`import { Engine } from 'sluice'`) and what the CLI and server
 * drive.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateAsSelect, CreateSource, Expr, InsertInto, InsertValues, Statement, Query, AliasedSource } from '../parser/ast.js';
import { parseStatements } from '../parser/parse.js';
import { substituteVariables } from '../parser/variables.js';
import type { Log } from '../storage/log/log.js';
import { openEmbeddedLog } from '../storage/log/embedded/index.js';
import { MetaStore, type DataSource, type WindowInfo } from './metastore.js';
import { parseDurationText } from '../serde/windowed.js';
import { SqliteCommandLog, TopicCommandLog, commandTopicName, type CommandStore } from './command-log.js';
import { builtinFunctions, type FunctionRegistry } from '../functions/registry.js';
import { schemaFromColumns } from '../analyzer/source-schema.js';
import { intProperty, str, validateProperties, validateTimestampColumn } from '../analyzer/with-properties.js';
import { analyzeStreamQuery } from '../analyzer/stream-query.js';
import type { AggregateQueryPlan, SinkSpec } from '../plan/logical/plan.js';
import { queryTopics, type QueryPlan } from '../runtime/persistent-query.js';
import { analyzeJoinQuery } from '../analyzer/join-query.js';
import { visitExpr } from '../analyzer/expr-utils.js';
import { validatePullWhere } from '../analyzer/pull-query.js';
import { analyzeAggregateQuery, isAggregateQuery } from '../analyzer/aggregate-query.js';
import { StateDb } from '../storage/state/state-db.js';
import { AggregateView, MaterializedView, type TableView, type ViewRow } from '../storage/state/materialized-view.js';
import { AggregateOperator } from '../operators/aggregate.js';
import { PersistentQuery } from '../runtime/persistent-query.js';
import { partitionForKey } from '../storage/log/partitioner.js';
import { Changelog, changelogTopicName } from '../runtime/changelog.js';
import { repartitionTopicName } from '../runtime/repartition.js';
import { ProcessingLog, type ProcessingLogEntry } from '../runtime/processing-log.js';
import { runTransientQuery, type RowSink, type TransientQueryHandle } from '../runtime/transient-query.js';
import { runTransientAggregate } from '../runtime/transient-aggregate.js';
import { resolveTypeNode } from '../types/type-node.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import { castValue } from '../expr/cast.js';
import { createSerde, formatFromProperties } from '../serde/index.js';
import { formatSchema, type LogicalSchema } from '../types/schema.js';
import { formatType, typeEquals, type SqlType } from '../types/sql-type.js';
import { AnalysisError, ExecutionError } from '../errors.js';
import { DEFAULT_PROPERTIES, type EngineProperties } from './properties.js';
import type { Command } from './command-log.js';

/** How often a server reads statements other servers appended to the shared command topic. */
const COMMAND_POLL_MS = 500;

export interface EngineOptions {
  /** Where the command log, state and (for the embedded log) topics live. */
  readonly dataDir: string;
  /** A Log to use instead of the embedded one in `dataDir/log` (e.g. Kafka). */
  readonly log?: Log;
  /** Engine-wide properties (ksqlDB names, e.g. 'auto.offset.reset'). */
  readonly properties?: EngineProperties;
  /** Start persistent queries in the background (default true). Tests drive them with drain(). */
  readonly runQueries?: boolean;
  /** Function registry (default: the built-ins). User-defined functions are added to a copy of it. */
  readonly functions?: FunctionRegistry;
  /**
   * Where statements are recorded for replay: 'topic' (the service's command topic in the Log,
   * shared by every server with the same ksql.service.id) or 'local' (SQLite in dataDir).
   * Default: 'topic' on Kafka, 'local' on the embedded log.
   */
  readonly commandStore?: 'topic' | 'local';
  /**
   * The URL other servers reach this one at (ksql.advertised.listener). Published with this
   * server's consumer-group memberships so pull queries can be forwarded to the key's owner.
   */
  readonly advertisedUrl?: string;
}

/** Where a pull query's rows live, beyond this server (see Engine.pullRoute). */
export interface PullRoute {
  /** Servers (advertised URLs) holding rows this server does not. */
  readonly remote: readonly string[];
  /** The query's LIMIT, to apply again to the gathered rows. */
  readonly limit?: number;
}

export interface ExecuteOptions {
  /** Per-request properties (overrides engine properties). */
  readonly properties?: EngineProperties;
  /** Session variables for ${var} substitution. */
  readonly variables?: ReadonlyMap<string, string>;
}

/** The outcome of one statement, shaped after ksqlDB's REST entities. */
export type StatementResult =
  | { readonly type: 'currentStatus'; readonly statementText: string; readonly commandId: string; readonly message: string; readonly queryId?: string }
  | { readonly type: 'streams' | 'tables'; readonly statementText: string; readonly sources: readonly SourceSummary[] }
  | { readonly type: 'queries'; readonly statementText: string; readonly queries: readonly QuerySummary[] }
  | { readonly type: 'kafka_topics'; readonly statementText: string; readonly topics: readonly { name: string; partitions: number; replicas: number }[] }
  | { readonly type: 'sourceDescription'; readonly statementText: string; readonly source: SourceSummary & { readonly schema: string; readonly fields: readonly { name: string; type: string; key: boolean }[]; readonly statement: string } }
  | { readonly type: 'properties'; readonly statementText: string; readonly properties: Readonly<Record<string, string>> }
  | { readonly type: 'type_list'; readonly statementText: string; readonly types: Readonly<Record<string, string>> }
  | { readonly type: 'function_names'; readonly statementText: string; readonly functions: readonly { name: string; category: string }[] }
  | { readonly type: 'ok'; readonly statementText: string };

export interface SourceSummary {
  readonly name: string;
  readonly type: 'STREAM' | 'TABLE';
  readonly topic: string;
  readonly keyFormat: string;
  readonly valueFormat: string;
  readonly isWindowed: boolean;
}

export interface QuerySummary {
  readonly id: string;
  readonly queryString: string;
  readonly sinks: readonly string[];
  readonly sinkKafkaTopics: readonly string[];
  readonly state: string;
}

export class Engine {
  readonly metastore = new MetaStore();
  readonly functions: FunctionRegistry;
  readonly processingLog: ProcessingLog;
  private readonly queries = new Map<string, PersistentQuery>();
  /** Materialized tables, by table name (pull queries read them). */
  private readonly views = new Map<string, TableView>();
  private readonly properties: Record<string, string>;
  private queryCounter = 0;
  private replaying = false;
  private closed = false;
  private followTimer: NodeJS.Timeout | undefined;
  private lock: Promise<void> = Promise.resolve();
  private advertisedUrl: string | undefined;

  private constructor(
    readonly log: Log,
    private readonly dataDir: string,
    private readonly commandLog: CommandStore,
    private readonly ownsLog: boolean,
    properties: EngineProperties,
    private readonly runQueries: boolean,
    functions: FunctionRegistry,
  ) {
    this.functions = functions;
    this.properties = { ...DEFAULT_PROPERTIES, ...properties };
    this.processingLog = new ProcessingLog(log);
  }

  static async open(options: EngineOptions): Promise<Engine> {
    mkdirSync(options.dataDir, { recursive: true });
    const log = options.log ?? (await openEmbeddedLog(join(options.dataDir, 'log')));
    const props = { ...DEFAULT_PROPERTIES, ...(options.properties ?? {}) };
    const store: CommandStore =
      (options.commandStore ?? (log.kind === 'kafka' ? 'topic' : 'local')) === 'topic'
        ? await TopicCommandLog.open(log, commandTopicName(serviceId(props)))
        : new SqliteCommandLog(join(options.dataDir, 'commands.db'));
    const engine = new Engine(log, options.dataDir, store, !options.log, options.properties ?? {}, options.runQueries ?? true, options.functions ?? builtinFunctions());
    engine.advertisedUrl = options.advertisedUrl;
    await engine.replay(await store.all());
    if (engine.runQueries && store.poll) engine.followCommands(store.poll.bind(store));
    return engine;
  }

  /** Rebuild the metastore and restart persistent queries from the command log. */
  private async replay(commands: readonly Command[]): Promise<void> {
    this.replaying = true;
    try {
      for (const cmd of commands) {
        try {
          for (const st of parseStatements(cmd.statement)) await this.executeStatement(st, { ...this.properties, ...cmd.properties });
        } catch (e) {
          // A command that no longer applies (e.g. its topic was deleted outside Sluice) is skipped.
          process.emitWarning(`Skipping command ${cmd.seq} on replay: ${(e as Error).message}`);
        }
      }
    } finally {
      this.replaying = false;
    }
  }

  /** Statements run on other servers sharing the command topic run here too, in topic order. */
  private followCommands(poll: () => Promise<Command[]>): void {
    const tick = async (): Promise<void> => {
      if (this.closed) return;
      try {
        const commands = await poll();
        if (commands.length > 0) await this.exclusive(() => this.replay(commands));
      } catch (e) {
        process.emitWarning(`Reading the command topic failed: ${(e as Error).message}`);
      }
      if (!this.closed) this.followTimer = setTimeout(() => void tick(), COMMAND_POLL_MS);
    };
    this.followTimer = setTimeout(() => void tick(), COMMAND_POLL_MS);
  }

  /** Statements (local and followed) run one at a time: each sees the metastore the previous left. */
  private exclusive<R>(f: () => Promise<R>): Promise<R> {
    const run = this.lock.then(f, f);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Execute a script of one or more statements; stops at the first failing statement (throws). */
  async execute(sql: string, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    const text = options.variables && options.variables.size > 0 ? substituteVariables(sql, options.variables) : sql;
    const props = { ...this.properties, ...(options.properties ?? {}) };
    const statements = parseStatements(text);
    return this.exclusive(async () => {
      const results: StatementResult[] = [];
      for (const st of statements) results.push(await this.executeStatement(st, props));
      return results;
    });
  }

  private compileContext(): CompileContext {
    return { functions: this.functions, customTypes: (n) => this.metastore.getType(n) };
  }

  private async executeStatement(st: Statement, props: Record<string, string>): Promise<StatementResult> {
    switch (st.kind) {
      case 'CreateSource':
        return this.createSource(st, props);
      case 'CreateAsSelect':
        return this.createAsSelect(st, props);
      case 'InsertInto':
        return this.insertInto(st, props);
      case 'InsertValues':
        return this.insertValues(st);
      case 'CreateType': {
        if (this.metastore.getType(st.name)) {
          if (st.ifNotExists) return ok(st);
          throw new ExecutionError(`Cannot register custom type '${st.name}' since it is already registered with type: ${formatType(this.metastore.getType(st.name)!)}`);
        }
        this.metastore.putType(st.name, resolveTypeNode(st.type, (n) => this.metastore.getType(n)));
        await this.record(st, props);
        return status(st, `type/${st.name}/create`, 'Registered custom type with name \'' + st.name + '\' and SQL type ' + formatType(this.metastore.getType(st.name)!));
      }
      case 'DropType': {
        if (!this.metastore.deleteType(st.name) && !st.ifExists) throw new ExecutionError(`Type ${st.name} does not exist.`);
        await this.record(st, props);
        return status(st, `type/${st.name}/drop`, `Dropped type '${st.name}'`);
      }
      case 'DropSource':
        return this.dropSource(st, props);
      case 'Terminate':
        return this.terminate(st, props);
      case 'List':
        return this.list(st);
      case 'Describe': {
        const s = this.metastore.getSource(st.name);
        if (!s) throw new AnalysisError(`Could not find STREAM/TABLE '${st.name}' in the Metastore`);
        return {
          type: 'sourceDescription',
          statementText: st.text,
          source: {
            ...summary(s),
            schema: formatSchema(s.schema, s.type),
            fields: [...s.schema.key, ...s.schema.value, ...s.schema.headers].map((c) => ({ name: c.name, type: formatType(c.type), key: c.namespace === 'KEY' })),
            statement: s.statement,
          },
        };
      }
      case 'SetProperty':
      case 'UnsetProperty':
      case 'DefineVariable':
      case 'UndefineVariable':
        // Session state: kept by the caller (CLI, REST session) and passed with each request.
        return ok(st);
      case 'Assert':
        return this.assert(st);
      case 'AlterSource':
        return this.alterSource(st, props);
      default:
        throw new ExecutionError(`Statement not supported yet: ${st.text}`);
    }
  }

  private async record(st: Statement, props: Record<string, string>): Promise<void> {
    if (!this.replaying) await this.commandLog.append(st.text, pickReplayProperties(props));
  }

  // ------------------------------------------------------------------------------------------
  // DDL

  private async createSource(st: Statement & CreateSource, props: Record<string, string>): Promise<StatementResult> {
    const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
    const existing = this.metastore.getSource(st.name);
    if (st.isSource && st.orReplace) {
      throw new AnalysisError(`Cannot add ${kind} '${st.name}': CREATE OR REPLACE is not supported on source ${kind}s.`);
    }
    if (existing && !this.replaying) {
      if (st.ifNotExists) return status(st, `${kind}/${st.name}/create`, `Cannot add ${kind} ${st.name}: A ${existing.type.toLowerCase()} with the same name already exists.`);
      if (!st.orReplace) {
        throw new ExecutionError(`Cannot add ${kind} '${st.name}': A ${existing.type.toLowerCase()} with the same name already exists`);
      }
    }
    validateProperties(st.properties);
    const topic = str(st.properties, 'KAFKA_TOPIC');
    if (topic === undefined) throw new AnalysisError(`Missing required property "KAFKA_TOPIC" in WITH clause`);
    const formats = prepare(() => formatFromProperties(st.properties, formatDefaults(props)));
    checkSchemaNameProperties(st.properties, formats.keyFormat, formats.valueFormat);
    const schema = schemaFromColumns(st.sourceType, st.name, st.columns, (n) => this.metastore.getType(n));
    if (schema.value.length === 0 && schema.key.length === 0 && st.columns.length === 0) {
      throw new AnalysisError(`The statement does not define any columns.`);
    }
    const formatsFinal = schema.key.length === 0 && str(st.properties, 'KEY_FORMAT') === undefined && str(st.properties, 'FORMAT') === undefined ? { ...formats, keyFormat: 'NONE' as const } : formats;
    if (formatsFinal.valueOptions.wrapSingleValue !== undefined && st.properties['WRAP_SINGLE_VALUE'] !== undefined && schema.value.length !== 1) {
      throw new AnalysisError(`'WRAP_SINGLE_VALUE' is only valid for single-field value schemas`);
    }
    // Build the serdes once now so unsupported format/type combinations fail at CREATE time.
    createSerde(formatsFinal.keyFormat, schema.key, formatsFinal.keyOptions, true);
    createSerde(formatsFinal.valueFormat, schema.value, formatsFinal.valueOptions, false);
    const window = windowFromProperties(st.properties);
    if (window && schema.key.length === 0) throw new AnalysisError('Windowed sources require a key column.');
    const tsColumn = str(st.properties, 'TIMESTAMP')?.toUpperCase();
    if (tsColumn !== undefined) validateTimestampColumn(tsColumn, [...schema.key, ...schema.value], str(st.properties, 'TIMESTAMP_FORMAT'));
    let desc = await this.log.describeTopic(topic);
    if (!desc) {
      const partitions = intProperty(st.properties, 'PARTITIONS');
      if (partitions === undefined) throw new ExecutionError(`Kafka topic does not exist: ${topic}`);
      await this.log.createTopic(topic, { partitions, replicas: intProperty(st.properties, 'REPLICAS') ?? 1 });
      desc = await this.log.describeTopic(topic);
    }
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
      statement: st.text,
    };
    this.metastore.putSource(source);
    if (st.isSource && st.sourceType === 'TABLE') await this.materializeSourceTable(source, props);
    await this.record(st, props);
    return status(st, `${kind}/${st.name}/create`, `${st.sourceType === 'STREAM' ? 'Stream' : 'Table'} created`);
  }

  /** Writing into an existing source: its topic and formats. */
  private async sinkForSource(source: DataSource): Promise<SinkSpec> {
    const desc = await this.log.describeTopic(source.topic);
    return {
      name: source.name,
      topic: source.topic,
      partitions: desc?.partitions ?? 1,
      replicas: desc?.replicas ?? 1,
      keyFormat: source.keyFormat,
      valueFormat: source.valueFormat,
      keyOptions: source.keyOptions,
      valueOptions: source.valueOptions,
      ...(source.window ? { window: source.window } : {}),
    };
  }

  /** CREATE SOURCE TABLE: a query that only keeps the table's rows, for pull queries. */
  private async materializeSourceTable(source: DataSource, props: Record<string, string>): Promise<void> {
    const [st] = parseStatements(`SELECT * FROM \`${source.name}\`;`);
    const plan = analyzeStreamQuery((st as Statement & { kind: 'Select' }).query, source, undefined, this.compileContext(), { newQueryPlanner: true });
    const sink: SinkSpec = { ...(await this.sinkForSource(source)), materializeOnly: true };
    // A source table is read from the start of its topic.
    await this.startQuery(`CST_${source.name}_${this.queryCounter++}`, source.statement, plan, sink, { ...props, 'auto.offset.reset': 'earliest' }, 'TABLE');
  }

  private resolveSingleSource(query: Query): { source: DataSource; alias?: string } {
    if (query.from.kind !== 'Source') throw new AnalysisError('Joins are not supported yet.');
    const from = query.from as AliasedSource;
    const source = this.metastore.getSource(from.name);
    if (!source) throw new AnalysisError(`${from.name} does not exist.`);
    return from.alias !== undefined ? { source, alias: from.alias } : { source };
  }

  /** Plan a persistent query; `resultType` is what the query produces (a stream or a table). */
  private planQuery(query: Query, sinkName: string | undefined, props: Properties, engineProps: Record<string, string>): { plan: QueryPlan; source: DataSource; resultType: 'STREAM' | 'TABLE' } {
    if (query.from.kind === 'Join') {
      const ts = str(props, 'TIMESTAMP')?.toUpperCase();
      const tf = str(props, 'TIMESTAMP_FORMAT');
      const plan = analyzeJoinQuery(query, (n) => this.metastore.requireSource(n), this.compileContext(), {
        ...(sinkName !== undefined ? { sinkName } : {}),
        ...(ts !== undefined ? { timestampColumn: ts } : {}),
        ...(tf !== undefined ? { timestampFormat: tf } : {}),
      });
      return { plan, source: plan.sources[0]!.source, resultType: plan.resultType };
    }
    const { source, alias } = this.resolveSingleSource(query);
    const ts = str(props, 'TIMESTAMP')?.toUpperCase();
    const tf = str(props, 'TIMESTAMP_FORMAT');
    const opts = {
      ...(sinkName !== undefined ? { sinkName } : {}),
      newQueryPlanner: engineProps['ksql.new.query.planner.enabled'] === 'true',
      ...(ts !== undefined ? { timestampColumn: ts } : {}),
      ...(tf !== undefined ? { timestampFormat: tf } : {}),
    };
    const ctx = this.compileContext();
    if (isAggregateQuery(query, ctx)) {
      return { plan: analyzeAggregateQuery(query, source, alias, ctx, opts), source, resultType: 'TABLE' };
    }
    if (query.emit === 'FINAL') throw new AnalysisError('EMIT FINAL is only supported for windowed aggregations.');
    return { plan: analyzeStreamQuery(query, source, alias, ctx, opts), source, resultType: source.type };
  }

  private async createAsSelect(st: Statement & CreateAsSelect, props: Record<string, string>): Promise<StatementResult> {
    const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
    const existing = this.metastore.getSource(st.name);
    if (existing && !this.replaying) {
      if (st.ifNotExists) return status(st, `${kind}/${st.name}/create`, `Cannot add ${kind} ${st.name}: A ${existing.type.toLowerCase()} with the same name already exists.`);
      if (!st.orReplace) throw new ExecutionError(`Cannot add ${kind} '${st.name}': A ${existing.type.toLowerCase()} with the same name already exists`);
    }
    validateProperties(st.properties);
    if (st.query.limit !== undefined) throw new AnalysisError(`CREATE ${st.sourceType} AS SELECT statements don't support LIMIT clause.`);
    const { plan, source, resultType } = this.planQuery(st.query, st.name, st.properties, props);
    if (resultType !== st.sourceType) {
      throw new AnalysisError(
        `Invalid result type. Your SELECT query produces a ${resultType}. Please use CREATE ${resultType} AS SELECT statement instead.`,
      );
    }
    const rekeyed = plan.kind === 'aggregateQuery' ? true : plan.rekeyed;
    if (plan.kind === 'aggregateQuery') checkIntermediateState(plan, st.properties, source);
    const window = plan.kind === 'aggregateQuery' && plan.window ? { type: plan.window.kind, ...(plan.window.kind !== 'SESSION' ? { sizeMs: plan.window.sizeMs } : {}) } : undefined;
    const sink = await this.sinkSpec(st.name, st.properties, plan.outputSchema, source, rekeyed, props, window);
    const queryId = existing?.createdBy ?? `${st.sourceType === 'STREAM' ? 'CSAS' : 'CTAS'}_${st.name}_${this.queryCounter++}`;
    if (existing?.createdBy) await this.stopQuery(existing.createdBy);
    const tsColumn = plan.kind !== 'aggregateQuery' ? plan.timestampColumn : undefined;
    const tsFormat = plan.kind !== 'aggregateQuery' ? plan.timestampFormat : undefined;
    this.metastore.putSource({
      name: st.name,
      type: st.sourceType,
      schema: plan.outputSchema,
      topic: sink.topic,
      keyFormat: sink.keyFormat,
      valueFormat: sink.valueFormat,
      keyOptions: sink.keyOptions,
      valueOptions: sink.valueOptions,
      ...(tsColumn !== undefined ? { timestampColumn: tsColumn } : {}),
      ...(tsFormat !== undefined ? { timestampFormat: tsFormat } : {}),
      ...(sink.window ? { window: sink.window } : {}),
      isSource: false,
      statement: st.text,
      createdBy: queryId,
    });
    await this.startQuery(queryId, st.text, plan, sink, props, st.sourceType);
    await this.record(st, props);
    return status(st, `${kind}/${st.name}/create`, `Created query with ID ${queryId}`, queryId);
  }

  private async sinkSpec(
    name: string,
    with_: Properties,
    schema: LogicalSchema,
    upstream: DataSource,
    rekeyed: boolean,
    props: Record<string, string>,
    outputWindow?: WindowInfo,
  ): Promise<SinkSpec> {
    const formats = prepare(() => formatFromProperties(with_, { ...formatDefaults(props), inherit: upstream }));
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
    createSerde(keyFormat, schema.key, formats.keyOptions, true);
    createSerde(formats.valueFormat, schema.value, formats.valueOptions, false);
    const topic = str(with_, 'KAFKA_TOPIC') ?? `${props['ksql.output.topic.name.prefix'] ?? ''}${name}`;
    const upstreamTopic = await this.log.describeTopic(upstream.topic);
    const partitions = intProperty(with_, 'PARTITIONS') ?? (props['ksql.sink.partitions'] ? Number(props['ksql.sink.partitions']) : undefined) ?? upstreamTopic?.partitions ?? 1;
    const replicas = intProperty(with_, 'REPLICAS') ?? upstreamTopic?.replicas ?? 1;
    const existing = await this.log.describeTopic(topic);
    if (existing && existing.partitions !== partitions && intProperty(with_, 'PARTITIONS') !== undefined) {
      throw new ExecutionError(`A Kafka topic with the name '${topic}' already exists, with different partition/replica configuration than required. KSQL expects ${partitions} partitions (topic has ${existing.partitions}), 1 replication factor (topic has 1).`);
    }
    if (!existing) await this.log.createTopic(topic, { partitions, replicas });
    // Windowed aggregations write windowed keys; keys that pass through a windowed source stay windowed.
    const window = outputWindow ?? (upstream.window && !rekeyed && schema.key.length > 0 ? upstream.window : undefined);
    return {
      name,
      topic,
      partitions,
      replicas,
      keyFormat,
      valueFormat: formats.valueFormat,
      keyOptions: formats.keyOptions,
      valueOptions: formats.valueOptions,
      ...(window ? { window } : {}),
    };
  }

  private async insertInto(st: Statement & InsertInto, props: Record<string, string>): Promise<StatementResult> {
    const target = this.metastore.getSource(st.target);
    if (!target) throw new AnalysisError(`${st.target} does not exist.`);
    if (target.isSource) throw new AnalysisError(`Cannot insert into read-only ${target.type.toLowerCase()}: ${target.name}`);
    if (target.type === 'TABLE') throw new AnalysisError(`INSERT INTO can only be used to insert into a stream. ${target.name} is a table.`);
    if (target.schema.headers.length > 0) throw new AnalysisError(`Cannot insert into ${target.name} because it has header columns`);
    const { plan, resultType } = this.planQuery(st.query, st.target, st.properties, props);
    if (resultType !== 'STREAM' || plan.kind !== 'streamQuery') throw new AnalysisError(`INSERT INTO can only be used to insert into a stream. The query produces a ${resultType}.`);
    if (!schemasCompatible(plan.outputSchema, target.schema)) {
      throw new AnalysisError(
        `Incompatible schema between results and sink.\nResult schema is ${formatSchema(plan.outputSchema, 'STREAM')}\nSink schema is ${formatSchema(target.schema, 'STREAM')}`,
      );
    }
    const sink = await this.sinkForSource(target);
    const queryId = `INSERTQUERY_${this.queryCounter++}`;
    await this.startQuery(queryId, st.text, { ...plan, outputSchema: target.schema }, sink, props);
    await this.record(st, props);
    return status(st, `stream/${target.name}/create`, `Created query with ID ${queryId}`, queryId);
  }

  private async insertValues(st: Statement & InsertValues): Promise<StatementResult> {
    const target = this.metastore.getSource(st.target);
    if (!target) throw new AnalysisError(`Cannot insert values into an unknown stream/table: \`${st.target}\`${this.caseHint(st.target)}`);
    if (target.isSource) throw new AnalysisError(`Cannot insert values into read-only ${target.type.toLowerCase()}: ${target.name}`);
    const schema = target.schema;
    const all = [...schema.key, ...schema.value];
    const headerNames = new Set(schema.headers.map((h) => h.name));
    const names = st.columns ?? [...all, ...schema.headers].map((c) => c.name);
    const intoHeaders = names.filter((n) => headerNames.has(n));
    if (intoHeaders.length > 0) throw new AnalysisError(`Cannot insert into HEADER columns: ${intoHeaders.join(', ')}`);
    if (names.length !== st.values.length) {
      throw new AnalysisError(`Expected a value for each column. Expected Columns: [${names.join(', ')}]. Got [${st.values.map(() => '?').join(', ')}]`);
    }
    const ctx = this.compileContext();
    const noColumns = { resolveColumn: () => undefined };
    const byName = new Map<string, unknown>();
    let rowtime: number | undefined;
    names.forEach((name, i) => {
      const expr: Expr = st.values[i]!;
      const compiled = compileExpression(expr, noColumns, ctx);
      const value = compiled.evaluate([]);
      if (name === 'ROWTIME') {
        rowtime = value === null ? undefined : Number(value);
        return;
      }
      if (name === 'ROWPARTITION' || name === 'ROWOFFSET') throw new AnalysisError(`Inserting into column \`${name}\` is not allowed.`);
      const col = all.find((c) => c.name === name);
      if (!col) throw new AnalysisError(`Column name ${name} does not exist.`);
      byName.set(name, value === null ? null : castValue(value, compiled.type, col.type));
    });
    const key = schema.key.map((c) => byName.get(c.name) ?? null);
    const value = schema.value.map((c) => byName.get(c.name) ?? null);
    const keySerde = createSerde(target.keyFormat, schema.key, target.keyOptions, true);
    const valueSerde = createSerde(target.valueFormat, schema.value, target.valueOptions, false);
    await this.log.append(target.topic, [
      { key: schema.key.length ? keySerde.serialize(key) : null, value: valueSerde.serialize(value), timestamp: rowtime ?? Date.now() },
    ]);
    return ok(st);
  }

  /** ksqlDB's hint when a name only differs by case from an existing source. */
  private caseHint(name: string): string {
    const other = this.metastore.listSources().find((s) => s.name !== name && s.name.toUpperCase() === name.toUpperCase());
    if (!other) return '';
    return other.name === other.name.toUpperCase()
      ? `\nDid you mean ${other.name}? Hint: try removing double quotes from the source name.`
      : `\nDid you mean "${other.name}"? Hint: wrap the source name in double quotes to make it case-sensitive.`;
  }

  private async alterSource(st: Statement & { kind: 'AlterSource' }, props: Record<string, string>): Promise<StatementResult> {
    const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
    const source = this.metastore.getSource(st.name);
    if (!source) throw new ExecutionError(`Source ${st.name} does not exist.`);
    if (source.isSource) throw new AnalysisError(`Cannot alter ${kind} '${st.name}': ALTER operations are not supported on source ${kind}s.`);
    if (source.type !== st.sourceType) throw new AnalysisError(`Incompatible data source type is ${source.type}, but statement was ALTER ${st.sourceType}`);
    if (source.createdBy) throw new AnalysisError(`ALTER command is not supported for CREATE ... AS statements.`);
    const added = schemaFromColumns(st.sourceType, st.name, st.columns, (n) => this.metastore.getType(n));
    for (const c of added.value) {
      if ([...source.schema.key, ...source.schema.value].some((x) => x.name === c.name)) {
        throw new AnalysisError(`Cannot add column \`${c.name}\` to schema. A column with the same name already exists.`);
      }
    }
    this.metastore.putSource({ ...source, schema: { ...source.schema, value: [...source.schema.value, ...added.value] } });
    await this.record(st, props);
    return status(st, `${kind}/${st.name}/alter`, `${st.sourceType === 'STREAM' ? 'Stream' : 'Table'} altered`);
  }

  private async dropSource(st: Statement & { kind: 'DropSource' }, props: Record<string, string>): Promise<StatementResult> {
    const kind = st.sourceType === 'STREAM' ? 'stream' : 'table';
    const source = this.metastore.getSource(st.name);
    if (!source) {
      if (st.ifExists || this.replaying) return status(st, `${kind}/${st.name}/drop`, `Source \`${st.name}\` does not exist.`);
      throw new ExecutionError(`${st.sourceType === 'STREAM' ? 'Stream' : 'Table'} ${st.name} does not exist.`);
    }
    if (source.type !== st.sourceType) {
      throw new ExecutionError(`Incompatible data source type is ${source.type}, but statement was DROP ${st.sourceType}`);
    }
    if (st.deleteTopic && source.isSource) throw new ExecutionError(`Cannot delete topic for read-only source: ${source.name}`);
    const writers = [...this.queries.values()].filter((q) => q.sinkSpec.name === source.name);
    const readers = [...this.queries.values()].filter((q) => querySources(q.plan).includes(source.name) && q.sinkSpec.name !== source.name);
    if (readers.length > 0 && !this.replaying) {
      throw new ExecutionError(
        `Cannot drop ${source.name}.\nThe following queries read from this source: [${readers.map((q) => q.id).join(', ')}].\nThe following queries write into this source: [${writers.map((q) => q.id).join(', ')}].\nYou need to terminate them before dropping ${source.name}.`,
      );
    }
    for (const q of writers) await this.stopQuery(q.id);
    this.metastore.deleteSource(source.name);
    if (st.deleteTopic) await this.log.deleteTopic(source.topic);
    await this.record(st, props);
    return status(st, `${kind}/${st.name}/drop`, `Source \`${source.name}\` (topic: ${source.topic}) was dropped.`);
  }

  private async terminate(st: Statement & { kind: 'Terminate' }, props: Record<string, string>): Promise<StatementResult> {
    const ids = st.all ? [...this.queries.keys()] : [st.queryId];
    for (const id of ids) {
      if (!this.queries.has(id) && !this.replaying) throw new ExecutionError(`Unknown queryId: ${id}`);
      await this.stopQuery(id);
    }
    await this.record(st, props);
    return status(st, `terminate/${st.all ? 'ALL' : st.queryId}/execute`, 'Query terminated.');
  }

  private list(st: Statement & { kind: 'List' }): Promise<StatementResult> | StatementResult {
    switch (st.what) {
      case 'STREAMS':
      case 'TABLES': {
        const type = st.what === 'STREAMS' ? 'STREAM' : 'TABLE';
        return {
          type: st.what === 'STREAMS' ? 'streams' : 'tables',
          statementText: st.text,
          sources: this.metastore.listSources().filter((s) => s.type === type).map(summary),
        };
      }
      case 'QUERIES':
        return { type: 'queries', statementText: st.text, queries: this.listQueries() };
      case 'TOPICS':
        return this.log.listTopics().then((ts) => ({
          type: 'kafka_topics' as const,
          statementText: st.text,
          topics: ts.filter((t) => st.all || !t.name.startsWith('_')).map((t) => ({ name: t.name, partitions: t.partitions, replicas: t.replicas })),
        }));
      case 'PROPERTIES':
        return { type: 'properties', statementText: st.text, properties: { ...this.properties } };
      case 'TYPES':
        return { type: 'type_list', statementText: st.text, types: Object.fromEntries(this.metastore.listTypes().map(([n, t]) => [n, formatType(t)])) };
      case 'FUNCTIONS':
        return {
          type: 'function_names',
          statementText: st.text,
          functions: [...this.functions.listScalars(), ...this.functions.listTables()].map((f) => ({ name: f.name, category: f.category })).sort((a, b) => a.name.localeCompare(b.name)),
        };
      default:
        throw new ExecutionError(`SHOW ${st.what} is not supported yet.`);
    }
  }

  private assert(st: Statement & { kind: 'Assert' }): Promise<StatementResult> {
    if (st.what === 'TOPIC' && st.name !== undefined) {
      return this.log.describeTopic(st.name).then((d) => {
        if (Boolean(d) !== st.exists) throw new ExecutionError(`Topic ${st.name} ${st.exists ? 'does not exist' : 'exists'}`);
        return ok(st);
      });
    }
    throw new ExecutionError(`ASSERT ${st.what} is not supported yet.`);
  }

  /**
   * When persistent queries are shared by several servers (Kafka), a table's rows are split between
   * them by partition. For a pull query on such a table this says which other servers hold rows it
   * asks for: the owners of the partitions of its literal keys, or every other member for a scan.
   * Undefined when this server can answer alone (or the statement is not such a pull query).
   */
  async pullRoute(sql: string, options: ExecuteOptions = {}): Promise<PullRoute | undefined> {
    if (!this.log.describeGroup) return undefined;
    let st: Statement;
    try {
      const text = options.variables && options.variables.size > 0 ? substituteVariables(sql, options.variables) : sql;
      const statements = parseStatements(text);
      if (statements.length !== 1) return undefined;
      st = statements[0]!;
    } catch {
      return undefined; // executeQuery reports the error
    }
    if (st.kind !== 'Select' || st.query.emit === 'CHANGES' || st.query.from.kind !== 'Source') return undefined;
    const source = this.metastore.getSource((st.query.from as AliasedSource).name);
    if (!source || source.type !== 'TABLE') return undefined;
    const owner = [...this.queries.values()].find((q) => q.sinkSpec.name === source.name && this.views.has(source.name));
    const assignment = owner?.assignment();
    if (!owner || !assignment) return undefined;
    // The partition of a key is the task holding it: of the repartition topic, if the query has one.
    const topic = owner.stateTopics()[0]!;
    const keys = source.window ? undefined : literalKeyLookup(st.query.where, source, this.compileContext());
    let wanted: Set<number> | undefined;
    if (keys) {
      const partitions = (await this.log.describeTopic(topic))?.partitions ?? 1;
      const keySerde = createSerde(source.keyFormat, source.schema.key, source.keyOptions, true);
      wanted = new Set(keys.map((k) => {
        const bytes = keySerde.serialize([k]);
        return bytes === null ? 0 : partitionForKey(bytes, partitions);
      }));
      for (const tp of assignment) if (tp.topic === topic) wanted.delete(tp.partition);
      if (wanted.size === 0) return undefined;
    }
    // Only now ask the broker who owns what: a lookup of local keys needs no round trip.
    const members = await this.log.describeGroup(owner.groupId);
    const remote = new Set<string>();
    for (const m of members) {
      if (m.memberInfo === '' || m.memberInfo === this.advertisedUrl) continue;
      if (!wanted || m.partitions.some((tp) => tp.topic === topic && wanted.has(tp.partition))) remote.add(m.memberInfo);
    }
    if (remote.size === 0) return undefined;
    return { remote: [...remote], ...(st.query.limit !== undefined ? { limit: st.query.limit } : {}) };
  }

  /**
   * Start a transient query (`SELECT ... EMIT CHANGES` push query, or a pull query) and deliver
   * its rows to `sink`. Pull queries over streams scan the topic's current content.
   */
  async executeQuery(sql: string, sink: RowSink, options: ExecuteOptions = {}): Promise<TransientQueryHandle> {
    const text = options.variables && options.variables.size > 0 ? substituteVariables(sql, options.variables) : sql;
    const statements = parseStatements(text);
    if (statements.length !== 1 || statements[0]!.kind !== 'Select') throw new AnalysisError('Expected exactly one SELECT statement.');
    const st = statements[0] as Statement & { kind: 'Select' };
    const props = { ...this.properties, ...(options.properties ?? {}) };
    const kind = st.query.emit === 'CHANGES' ? 'push' : 'pull';
    if (kind === 'pull') {
      const hint = ' See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.';
      if (st.query.groupBy) throw new AnalysisError(`Pull queries don't support GROUP BY clauses.${hint}`);
      if (st.query.from.kind === 'Join') throw new AnalysisError(`Pull queries don't support JOIN clauses.${hint}`);
      if (st.query.window) throw new AnalysisError(`Pull queries don't support WINDOW clauses.${hint}`);
      if (st.query.partitionBy) throw new AnalysisError(`Pull queries don't support PARTITION BY clauses.${hint}`);
      if (st.query.having) throw new AnalysisError(`Pull queries don't support HAVING clauses.${hint}`);
      for (const [clause, exprs] of [
        ['SELECT', st.query.select.flatMap((i) => ('expr' in i ? [i.expr] : []))],
        ['WHERE', st.query.where ? [st.query.where] : []],
      ] as const) {
        const bad = new Set<string>();
        for (const e of exprs) visitExpr(e, (n) => {
          if (n.kind === 'ColumnRef' && (n.name === 'ROWPARTITION' || n.name === 'ROWOFFSET')) bad.add(n.name);
        });
        if (bad.size > 0) throw new AnalysisError(`Pull queries don't support the following columns in ${clause} clauses: ${[...bad].map((b) => '`' + b + '`').join(', ')}`);
      }
      if (st.query.limit !== undefined && st.query.limit < 0) throw new AnalysisError(`Pull queries don't support negative integers in the LIMIT clause. See https://cnfl.io/queries for more info.`);
      if (st.query.limit !== undefined && props['ksql.query.pull.limit.clause.enabled'] === 'false') {
        throw new AnalysisError(`LIMIT clause in pull queries is currently disabled. You can enable them by setting ksql.query.pull.limit.clause.enabled=true.${hint}`);
      }
    }
    const { source, alias } = this.resolveSingleSource(st.query);
    if (kind === 'push' && isAggregateQuery(st.query, this.compileContext())) return this.pushAggregate(st.query, source, alias, props, sink);
    const plan = analyzeStreamQuery(st.query, source, alias, this.compileContext(), { transient: true });
    let pullRows: (() => Iterable<unknown[]>) | undefined;
    let columns = plan.outputSchema.value;
    if (source.type === 'TABLE' && kind === 'pull') {
      const view = this.views.get(source.name);
      if (!view) {
        throw new AnalysisError(
          `The \`${source.name}\` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_${source.name} AS SELECT * FROM ${source.name}'. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.`,
        );
      }
      // Rows come in the order of their serialized keys, as from ksqlDB's state stores (LIMIT keeps the first).
      const keySerde = createSerde(source.keyFormat, source.schema.key, source.keyOptions, true);
      validatePullWhere(st.query.where, source, props['ksql.query.pull.table.scan.enabled'] !== 'false', props['ksql.query.pull.range.scan.enabled'] !== 'false');
      // A lookup of literal keys (`K = v`, `K IN (...)`) reads just those rows; the WHERE clause still applies.
      const keys = source.window ? undefined : literalKeyLookup(st.query.where, source, this.compileContext());
      const candidates = keys ? () => keys.map((k) => view.get([k])).filter((r): r is ViewRow => r !== undefined) : () => view.rows();
      pullRows = () => viewRows(candidates(), plan.layout.length, source.window !== undefined, (k) => keySerde.serialize(k) ?? Buffer.alloc(0));
      // Pull queries on tables mark the key columns they return.
      const keyNames = new Set([...source.schema.key.map((k) => k.name), ...(source.window ? ['WINDOWSTART', 'WINDOWEND'] : [])]);
      columns = plan.valueColumns.map((c, i) => ({ ...plan.outputSchema.value[i]!, ...(c.expr.kind === 'ColumnRef' && keyNames.has(c.expr.name) ? { namespace: 'KEY' as const } : {}) }));
    }
    // ksqlDB serves push queries from latest on the output of a persistent query as "scalable push queries".
    const scalable = kind === 'push' && source.createdBy !== undefined && (props['auto.offset.reset'] ?? 'latest') === 'latest';
    const id = `${scalable ? 'SCALABLE_PUSH_QUERY_' : `transient_${source.name}_`}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const consumer =
      kind === 'push'
        ? await this.log.createConsumer({
            groupId: `_confluent-ksql-${props['ksql.service.id'] ?? 'default_'}${id}`,
            topics: [source.topic],
            autoOffsetReset: props['auto.offset.reset'] === 'earliest' ? 'earliest' : 'latest',
          })
        : undefined;
    const onError = (type: ProcessingLogEntry['type'], message: string, record?: { topic: string; partition: number; offset: number }) =>
      this.processingLog.record({
        queryId: id,
        type,
        message,
        timestamp: Date.now(),
        ...(record ? { topic: record.topic, partition: record.partition, offset: record.offset } : {}),
      });
    const ctx = { ...this.compileContext(), onRowError: (e: Error) => onError('RECORD_PROCESSING_ERROR', e.message) };
    return runTransientQuery(id, kind, plan, this.log, consumer, ctx, onError, sink, pullRows, columns);
  }

  private async pushAggregate(query: Query, source: DataSource, alias: string | undefined, props: Record<string, string>, sink: RowSink): Promise<TransientQueryHandle> {
    const plan = analyzeAggregateQuery(query, source, alias, this.compileContext(), { transient: true });
    const id = `transient_${source.name}_${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const consumer = await this.log.createConsumer({
      groupId: `_confluent-ksql-${props['ksql.service.id'] ?? 'default_'}${id}`,
      topics: [source.topic],
      autoOffsetReset: props['auto.offset.reset'] === 'earliest' ? 'earliest' : 'latest',
    });
    mkdirSync(join(this.dataDir, 'state'), { recursive: true });
    const onError = (type: ProcessingLogEntry['type'], message: string) => this.processingLog.record({ queryId: id, type, message, timestamp: Date.now() });
    const ctx = { ...this.compileContext(), onRowError: (e: Error) => onError('RECORD_PROCESSING_ERROR', e.message) };
    return runTransientAggregate(id, plan, consumer, join(this.dataDir, 'state', `${id}.db`), ctx, props, onError, sink, query.limit);
  }

  listQueries(): QuerySummary[] {
    return [...this.queries.values()].map((q) => ({ id: q.id, queryString: q.statementText, sinks: [q.sinkSpec.name], sinkKafkaTopics: [q.sinkSpec.topic], state: q.state }));
  }

  // ------------------------------------------------------------------------------------------
  // Query lifecycle

  private async startQuery(id: string, text: string, plan: QueryPlan, sink: SinkSpec, props: Record<string, string>, resultType: 'STREAM' | 'TABLE' = 'STREAM'): Promise<void> {
    const groupId = `_confluent-ksql-${serviceId(props)}query_${id}`;
    const sourcePartitions = (await this.log.describeTopic(queryTopics(plan)[0]!))?.partitions ?? 1;
    // On Kafka a re-keying aggregation over a stream goes through a repartition topic, so that
    // servers sharing it each own whole groups (on one server the routing is done in process).
    let repartitionTopic: string | undefined;
    if (this.log.kind === 'kafka' && plan.kind === 'aggregateQuery' && plan.repartitioned && plan.source.type === 'STREAM') {
      repartitionTopic = repartitionTopicName(serviceId(props), id);
      // Kept forever, as Kafka Streams does: records carry their event time, and time retention
      // would delete old (replayed, historical) records before the second stage reads them.
      if (!(await this.log.describeTopic(repartitionTopic))) await this.log.createTopic(repartitionTopic, { partitions: sourcePartitions, retentionMs: -1 });
    }
    const consumer = await this.log.createConsumer({
      groupId,
      topics: [...queryTopics(plan), ...(repartitionTopic !== undefined ? [repartitionTopic] : [])],
      autoOffsetReset: (props['auto.offset.reset'] ?? 'latest') === 'earliest' ? 'earliest' : 'latest',
      ...(this.advertisedUrl !== undefined ? { memberInfo: this.advertisedUrl } : {}),
    });
    // Stateful queries keep their state (and the input positions it reflects) in SQLite.
    // Tables are materialized (pull queries read them), so their queries are stateful too.
    const stateful = plan.kind !== 'streamQuery' || resultType === 'TABLE';
    let state: StateDb | null = null;
    let view: TableView | undefined;
    let changelog: Changelog | undefined;
    if (stateful) {
      mkdirSync(join(this.dataDir, 'state'), { recursive: true });
      // On Kafka, state is backed by a changelog topic and split by task, so servers sharing the
      // query can hand partitions over and an empty data directory can be rebuilt.
      if (this.log.kind === 'kafka') changelog = await Changelog.open(this.log, changelogTopicName(serviceId(props), id), sourcePartitions);
      state = new StateDb(join(this.dataDir, 'state', `${id}.db`), { tasks: changelog !== undefined });
      if (resultType === 'TABLE') {
        // An aggregation's table is read from its own store; other tables keep a view store.
        view = plan.kind === 'aggregateQuery' && AggregateOperator.servesView(plan) ? new AggregateView() : new MaterializedView(state, sink.window !== undefined);
        this.views.set(sink.name, view);
      }
    }
    const q = new PersistentQuery(id, text, plan, sink, {
      log: this.log,
      functions: this.functions,
      customTypes: (n) => this.metastore.getType(n),
      processingLog: this.processingLog,
      consumer,
      groupId,
      state,
      config: props,
      sourcePartitions,
      ...(view ? { view } : {}),
      ...(changelog ? { changelog } : {}),
      ...(repartitionTopic !== undefined ? { repartitionTopic } : {}),
    });
    // With a changelog the query itself resumes each task as it is assigned (reconcileTasks).
    if (!changelog) for (const [topic, positions] of q.resumePositions() ?? []) positions.forEach((o, p) => o >= 0 && consumer.seek(topic, p, o));
    this.queries.set(id, q);
    const n = Number(/_(\d+)$/.exec(id)?.[1] ?? -1);
    if (n >= this.queryCounter) this.queryCounter = n + 1;
    if (this.runQueries) q.start();
  }

  private async stopQuery(id: string): Promise<void> {
    const q = this.queries.get(id);
    if (!q) return;
    this.queries.delete(id);
    await q.stop();
    q.state = 'TERMINATED';
    if (this.views.has(q.sinkSpec.name)) this.views.delete(q.sinkSpec.name);
    // A terminated query's state is not needed any more (a new query starts afresh).
    if (this.log.kind === 'kafka' && q.hasChangelog) {
      // Internal topics go with the query, as in ksqlDB.
      await this.log.deleteTopic(changelogTopicName(serviceId(this.properties), id)).catch(() => undefined);
      if (q.hasRepartitionTopic) await this.log.deleteTopic(repartitionTopicName(serviceId(this.properties), id)).catch(() => undefined);
    }
    rmSync(join(this.dataDir, 'state', `${id}.db`), { force: true });
    rmSync(join(this.dataDir, 'state', `${id}.db-wal`), { force: true });
    rmSync(join(this.dataDir, 'state', `${id}.db-shm`), { force: true });
  }

  /**
   * Run every persistent query until none has input left (queries feeding each other included).
   * For tests and scripts run without background queries.
   */
  async drain(): Promise<void> {
    for (;;) {
      let progress = 0;
      for (const q of this.queries.values()) {
        for (;;) {
          const n = await q.step(q.batchRecords, 0);
          progress += n;
          if (n === 0) break;
        }
      }
      if (progress === 0) return;
    }
  }

  query(id: string): PersistentQuery | undefined {
    return this.queries.get(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.followTimer);
    await this.lock;
    for (const id of [...this.queries.keys()]) {
      const q = this.queries.get(id)!;
      await q.stop();
    }
    this.queries.clear();
    await this.processingLog.flush().catch(() => undefined);
    this.commandLog.close();
    if (this.ownsLog) await this.log.close();
  }
}

type Properties = Readonly<Record<string, string | number | boolean>>;

/** Aggregates whose intermediate state is structured cannot be kept in DELIMITED / KAFKA values. */
function checkIntermediateState(plan: AggregateQueryPlan, with_: Properties, source: DataSource): void {
  const valueFormat = String(with_['VALUE_FORMAT'] ?? with_['FORMAT'] ?? source.valueFormat).toUpperCase();
  if ((valueFormat === 'DELIMITED' || valueFormat === 'KAFKA') && plan.aggregates.some((a) => a.overload.complexState)) {
    throw new AnalysisError('One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.');
  }
}

/** Invalid configuration values in a WITH clause fail statement preparation, in ksqlDB's words. */
function prepare<R>(f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof AnalysisError && e.message.startsWith('Configuration ')) throw new AnalysisError(`Failed to prepare statement: ${e.message}`);
    throw e;
  }
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

/** Schema-registry naming properties are only valid for the formats that use them. */
function checkSchemaNameProperties(props: Properties, keyFormat: string, valueFormat: string): void {
  const usesSchemaName = (f: string) => f === 'AVRO' || f === 'PROTOBUF';
  if ((props['VALUE_SCHEMA_FULL_NAME'] !== undefined || props['VALUE_AVRO_SCHEMA_FULL_NAME'] !== undefined) && !usesSchemaName(valueFormat)) {
    throw new AnalysisError(`${valueFormat} does not support the following configs: [fullSchemaName]`);
  }
  if (props['KEY_SCHEMA_FULL_NAME'] !== undefined && !usesSchemaName(keyFormat)) {
    throw new AnalysisError(`${keyFormat} does not support the following configs: [fullSchemaName]`);
  }
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

/**
 * The key values a pull query's WHERE pins with `=` or `IN` on a single-column key (the whole WHERE,
 * or one conjunct of it), coerced to the key's type; undefined when it is not such a lookup.
 */
function literalKeyLookup(where: Expr | undefined, source: DataSource, ctx: CompileContext): unknown[] | undefined {
  if (!where || source.schema.key.length !== 1) return undefined;
  const key = source.schema.key[0]!;
  const conj = (e: Expr): Expr[] => (e.kind === 'LogicalBinary' && e.op === 'AND' ? [...conj(e.left), ...conj(e.right)] : [e]);
  const noColumns = { resolveColumn: () => undefined };
  const literal = (e: Expr): unknown => {
    try {
      const c = compileExpression(e, noColumns, ctx);
      const v = c.constant ? c.evaluate([]) : undefined;
      return v === undefined || v === null ? undefined : castValue(v, c.type, key.type);
    } catch {
      return undefined;
    }
  };
  for (const c of conj(where)) {
    if (c.kind === 'Comparison' && c.op === '=') {
      const other = c.left.kind === 'ColumnRef' && c.left.name === key.name ? c.right : c.right.kind === 'ColumnRef' && c.right.name === key.name ? c.left : undefined;
      const v = other && literal(other);
      if (v !== undefined) return [v];
    }
    if (c.kind === 'InList' && !c.not && c.value.kind === 'ColumnRef' && c.value.name === key.name) {
      const vs = c.list.map(literal);
      if (vs.every((v) => v !== undefined)) return vs;
    }
  }
  return undefined;
}

/** Names of the sources a query reads. */
function querySources(plan: QueryPlan): string[] {
  return plan.kind === 'joinQuery' ? plan.sources.map((s) => s.source.name) : [plan.source.name];
}

function formatDefaults(props: Record<string, string>): { keyFormat?: string; valueFormat?: string; wrapSingleValues?: boolean } {
  const d: { keyFormat?: string; valueFormat?: string; wrapSingleValues?: boolean } = {};
  if (props['ksql.persistence.default.format.key'] !== undefined) d.keyFormat = props['ksql.persistence.default.format.key'];
  if (props['ksql.persistence.default.format.value'] !== undefined) d.valueFormat = props['ksql.persistence.default.format.value'];
  if (props['ksql.persistence.wrap.single.values'] !== undefined) d.wrapSingleValues = props['ksql.persistence.wrap.single.values'] === 'true';
  return d;
}

function ok(st: Statement): StatementResult {
  return { type: 'ok', statementText: st.text };
}

function status(st: Statement, commandId: string, message: string, queryId?: string): StatementResult {
  return { type: 'currentStatus', statementText: st.text, commandId, message, ...(queryId !== undefined ? { queryId } : {}) };
}

function summary(s: DataSource): SourceSummary {
  return { name: s.name, type: s.type, topic: s.topic, keyFormat: s.keyFormat, valueFormat: s.valueFormat, isWindowed: s.window !== undefined };
}

/** INSERT INTO needs the same column names and types, keys and values alike. */
function schemasCompatible(a: LogicalSchema, b: LogicalSchema): boolean {
  const same = (x: readonly { name: string; type: SqlType }[], y: readonly { name: string; type: SqlType }[]) =>
    x.length === y.length && x.every((c, i) => c.name === y[i]!.name && typeEquals(c.type, y[i]!.type));
  return same(a.key, b.key) && same(a.value, b.value);
}

function serviceId(props: Readonly<Record<string, string>>): string {
  return props['ksql.service.id'] ?? 'default_';
}

/** Only properties that change how a query runs are kept with its command for replay. */
function pickReplayProperties(props: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k === 'auto.offset.reset' || k.startsWith('ksql.')) out[k] = v;
  return out;
}
