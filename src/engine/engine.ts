/**
 * The Engine: executes statements against a metastore and a Log, and owns the persistent queries.
 * It is the embeddable library API (`import { Engine } from 'sluice'`) and what the CLI and server
 * drive. This file is the façade: each family of statements has its module (ddl.ts, persistent.ts,
 * transient.ts, metadata.ts, insert-values.ts), the queries' life cycle is query-registry.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Statement } from '../parser/ast.js';
import { parseStatements } from '../parser/parse.js';
import { NO_PARSE_LIMITS, parseLimits } from '../parser/limits.js';
import { substituteVariables } from '../parser/variables.js';
import type { Log } from '../storage/log/log.js';
import { openEmbeddedLog } from '../storage/log/embedded/index.js';
import { MetaStore } from './metastore.js';
import { SqliteCommandLog, TopicCommandLog, commandTopicName, type Command, type CommandStore, type StoredPlan } from './command-log.js';
import { builtinFunctions, type FunctionRegistry } from '../functions/registry.js';
import type { CompileContext } from '../expr/compile.js';
import { ProcessingLog, ensureProcessingLogStream, processingLogTopic } from '../runtime/processing-log.js';
import type { PersistentQuery } from '../runtime/persistent-query.js';
import type { QueryStatsSnapshot } from '../runtime/query-stats.js';
import type { RowSink, TransientQueryHandle } from '../runtime/transient-query.js';
import { ExecutionError } from '../errors.js';
import { DEFAULT_PROPERTIES, type EngineProperties } from './properties.js';
import { serviceId, type EngineContext, type Props } from './context.js';
import { QueryRegistry } from './query-registry.js';
import type { QuerySummary, StatementResult } from './results.js';
import { ok } from './statement-support.js';
import { alterSource, createSource, createType, dropSource, dropType, terminate } from './ddl.js';
import { createAsSelect, insertInto, runStoredPlan } from './persistent.js';
import { insertValues } from './insert-values.js';
import { assertTopic, describe, describeAll, explain, list } from './metadata.js';
import { executeQuery, pullRoute, type ExecuteOptions, type PullRoute } from './transient.js';
import { printTopic, type PrintHandle, type PrintSink } from './print.js';
import type { SchemaRegistry } from '../registry/registry.js';
import { EmbeddedRegistry, DEFAULT_SCHEMAS_TOPIC } from '../registry/embedded-registry.js';
import { RemoteRegistry } from '../registry/remote-registry.js';

export type { StatementResult, SourceSummary, QuerySummary, QueryDescription, SourceDescription } from './results.js';
export type { ExecuteOptions, PullRoute } from './transient.js';
export type { PrintHandle, PrintSink } from './print.js';

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
  /**
   * The schema registry (default: `ksql.schema.registry.url`'s if set, else the embedded one, stored
   * in the log's `_schemas` topic — or the topic `sluice.schema.registry.topic` names).
   */
  readonly registry?: SchemaRegistry;
}

export class Engine implements EngineContext {
  readonly metastore = new MetaStore();
  readonly processingLog: ProcessingLog;
  readonly properties: Props;
  readonly queries: QueryRegistry;
  replaying = false;
  private closed = false;
  private followTimer: NodeJS.Timeout | undefined;
  private lock: Promise<void> = Promise.resolve();

  private constructor(
    readonly log: Log,
    readonly dataDir: string,
    private readonly commandLog: CommandStore,
    private readonly ownsLog: boolean,
    properties: EngineProperties,
    readonly functions: FunctionRegistry,
    runQueries: boolean,
    private readonly advertisedUrl: string | undefined,
    readonly registry: SchemaRegistry,
    private readonly ownsRegistry: boolean,
  ) {
    this.properties = { ...DEFAULT_PROPERTIES, ...properties };
    this.processingLog = new ProcessingLog(log, processingLogTopic(this.properties));
    const customTypes = (n: string) => this.metastore.getType(n);
    this.queries = new QueryRegistry({ log, dataDir, functions, customTypes, processingLog: this.processingLog, runQueries, schemas: registry.catalog, ...(advertisedUrl !== undefined ? { advertisedUrl } : {}) });
  }

  static async open(options: EngineOptions): Promise<Engine> {
    mkdirSync(options.dataDir, { recursive: true });
    const log = options.log ?? (await openEmbeddedLog(join(options.dataDir, 'log')));
    const props = { ...DEFAULT_PROPERTIES, ...(options.properties ?? {}) };
    const store: CommandStore =
      (options.commandStore ?? (log.kind === 'kafka' ? 'topic' : 'local')) === 'topic'
        ? await TopicCommandLog.open(log, commandTopicName(serviceId(props)))
        : new SqliteCommandLog(join(options.dataDir, 'commands.db'));
    const runQueries = options.runQueries ?? true;
    const registry = options.registry ?? (await openRegistry(log, props));
    const engine = new Engine(log, options.dataDir, store, !options.log, options.properties ?? {}, options.functions ?? builtinFunctions(), runQueries, options.advertisedUrl, registry, !options.registry);
    await engine.replay(await store.all());
    await ensureProcessingLogStream(engine);
    if (runQueries && store.poll) engine.followCommands(store.poll.bind(store));
    return engine;
  }

  /** Rebuild the metastore and restart persistent queries from the command log (stored plans run as stored). */
  private async replay(commands: readonly Command[]): Promise<void> {
    this.replaying = true;
    try {
      for (const cmd of commands) {
        try {
          const props = { ...this.properties, ...cmd.properties };
          const statements = parseStatements(cmd.statement, { limits: NO_PARSE_LIMITS });
          const st = statements[0];
          if (cmd.plan && statements.length === 1 && st && (st.kind === 'CreateAsSelect' || st.kind === 'InsertInto')) await runStoredPlan(this, st.text, cmd.plan, props);
          else for (const s of statements) await this.executeStatement(s, props, cmd.plan);
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
    // The server's limits, not the request's: a client must not raise them.
    const statements = parseStatements(text, { limits: parseLimits(this.properties) });
    return this.exclusive(async () => {
      const results: StatementResult[] = [];
      for (const st of statements) results.push(await this.executeStatement(st, props));
      return results;
    });
  }

  compileContext(): CompileContext {
    return { functions: this.functions, customTypes: (n) => this.metastore.getType(n) };
  }

  private async executeStatement(st: Statement, props: Props, stored?: StoredPlan): Promise<StatementResult> {
    switch (st.kind) {
      case 'CreateSource':
        return createSource(this, st, props, stored);
      case 'CreateAsSelect':
        return createAsSelect(this, st, props);
      case 'InsertInto':
        return insertInto(this, st, props);
      case 'InsertValues':
        return insertValues(this, st);
      case 'CreateType':
        return createType(this, st, props);
      case 'DropType':
        return dropType(this, st, props);
      case 'DropSource':
        return dropSource(this, st, props);
      case 'Terminate':
        return terminate(this, st, props);
      case 'AlterSource':
        return alterSource(this, st, props);
      case 'List':
        return list(this, st);
      case 'Describe':
        return describe(this, st);
      case 'DescribeAll':
        return describeAll(this, st);
      case 'Explain':
        return explain(this, st, props);
      case 'Assert':
        return assertTopic(this, st);
      case 'SetProperty':
      case 'UnsetProperty':
      case 'DefineVariable':
      case 'UndefineVariable':
        // Session state: kept by the caller (CLI, REST session) and passed with each request.
        return ok(st);
      default:
        throw new ExecutionError(`Statement not supported yet: ${st.text}`);
    }
  }

  async record(st: Statement, props: Props, plan?: StoredPlan): Promise<void> {
    if (!this.replaying) await this.commandLog.append(st.text, pickReplayProperties(props), plan);
  }

  /** Start a push or pull query and deliver its rows to `sink`. */
  executeQuery(sql: string, sink: RowSink, options: ExecuteOptions = {}): Promise<TransientQueryHandle> {
    return executeQuery(this, sql, sink, options);
  }

  /** Start a PRINT of a topic: its records, formatted as ksqlDB prints them, to `sink`. */
  printTopic(sql: string, sink: PrintSink, options: ExecuteOptions = {}): Promise<PrintHandle> {
    return printTopic(this, sql, sink, options);
  }

  /** For a pull query on a table shared between servers (Kafka): the other servers holding rows it needs. */
  pullRoute(sql: string, options: ExecuteOptions = {}): Promise<PullRoute | undefined> {
    return pullRoute(this, sql, options, this.advertisedUrl);
  }

  listQueries(): QuerySummary[] {
    return this.queries.summaries();
  }

  query(id: string): PersistentQuery | undefined {
    return this.queries.get(id);
  }

  /** A persistent query's counters: messages in and out (total, per second), failures, consumer lag. */
  async queryStats(id: string): Promise<(QueryStatsSnapshot & { readonly consumerLag: number }) | undefined> {
    const q = this.queries.get(id);
    return q ? { ...q.stats.snapshot(), consumerLag: await q.consumerLag() } : undefined;
  }

  /**
   * Run every persistent query until none has input left (queries feeding each other included).
   * For tests and scripts run without background queries.
   */
  drain(): Promise<void> {
    return this.queries.drain();
  }

  /** Whether close() was called (for /healthcheck). */
  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.followTimer);
    await this.lock;
    await this.queries.close();
    await this.processingLog.flush().catch(() => undefined);
    this.commandLog.close();
    if (this.ownsRegistry) await this.registry.close();
    if (this.ownsLog) await this.log.close();
  }
}

/** Only properties that change how a query runs are kept with its command for replay. */
function pickReplayProperties(props: Props): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k === 'auto.offset.reset' || k.startsWith('ksql.')) out[k] = v;
  return out;
}

/** ksqlDB's `ksql.schema.registry.url` (with basic auth as ksqlDB configures it), else the embedded registry. */
async function openRegistry(log: Log, props: Props): Promise<SchemaRegistry> {
  const url = props['ksql.schema.registry.url'];
  if (url) {
    const userInfo = props['ksql.schema.registry.basic.auth.user.info'];
    return new RemoteRegistry({ url, ...(userInfo ? { userInfo } : {}) });
  }
  return EmbeddedRegistry.open(log, props['sluice.schema.registry.topic'] ?? DEFAULT_SCHEMAS_TOPIC);
}
