/**
 * The command log: every statement that changed the engine's metadata (CREATE, DROP, INSERT INTO
 * ... SELECT, TERMINATE, CREATE TYPE...) in execution order. On start-up the engine replays it to
 * rebuild the metastore and restart persistent queries, which then resume from their committed
 * positions — the role ksqlDB's command topic plays.
 *
 * Two stores: a SQLite file in the data directory (the embedded default), and a topic in the Log
 * (`_confluent-ksql-<service id>_command_topic`, used on Kafka) that every server with the same
 * service id shares, so statements run on one server run on all of them, and a server started on
 * an empty data directory gets every statement back.
 */
import Database from 'better-sqlite3';
import type { Log } from '../storage/log/log.js';
import type { QueryPlan, StepColumn, Formats, WindowStepInfo } from '../plan/steps.js';

/**
 * What a statement that starts a persistent query stored besides its text: the query's plan, and
 * the stream or table it created. A replay runs this plan as stored (also when a later build would
 * plan the statement differently); statements recorded without one are planned again.
 */
export interface StoredPlan {
  readonly planVersion: number;
  /** The stream or table the statement created (CSAS / CTAS). */
  readonly source?: StoredSource;
  readonly query: QueryPlan;
  /** The sink topic, created again on replay if it is missing. */
  readonly sinkTopic?: { readonly name: string; readonly partitions: number; readonly replicas: number };
}

/** A metastore entry in stored form (column types as SQL text). */
export interface StoredSource {
  readonly name: string;
  readonly type: 'STREAM' | 'TABLE';
  readonly columns: readonly StepColumn[];
  readonly topic: string;
  readonly formats: Formats;
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
  readonly window?: WindowStepInfo;
  readonly statement: string;
  readonly createdBy?: string;
}

export interface Command {
  readonly seq: number;
  readonly statement: string;
  /** Properties in force when it ran (e.g. auto.offset.reset), replayed with it. */
  readonly properties: Readonly<Record<string, string>>;
  readonly plan?: StoredPlan;
}

export interface CommandStore {
  /** Every command so far, in order (the start-up replay). */
  all(): Promise<Command[]>;
  /** Durably record a command this engine executed. */
  append(statement: string, properties: Readonly<Record<string, string>>, plan?: StoredPlan): Promise<void>;
  /** Commands appended by other servers since the last all()/poll() (shared stores only). */
  poll?(): Promise<Command[]>;
  close(): void;
}

export class SqliteCommandLog implements CommandStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string | null]>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY AUTOINCREMENT, statement TEXT NOT NULL, properties TEXT NOT NULL, plan TEXT)');
    // Command logs written before plans were stored lack the column.
    const columns = this.db.prepare('PRAGMA table_info(commands)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'plan')) this.db.exec('ALTER TABLE commands ADD COLUMN plan TEXT');
    this.insert = this.db.prepare('INSERT INTO commands (statement, properties, plan) VALUES (?, ?, ?)');
  }

  append(statement: string, properties: Readonly<Record<string, string>>, plan?: StoredPlan): Promise<void> {
    this.insert.run(statement, JSON.stringify(properties), plan ? JSON.stringify(plan) : null);
    return Promise.resolve();
  }

  all(): Promise<Command[]> {
    const rows = this.db.prepare('SELECT seq, statement, properties, plan FROM commands ORDER BY seq').all() as { seq: number; statement: string; properties: string; plan: string | null }[];
    return Promise.resolve(
      rows.map((r) => ({
        seq: r.seq,
        statement: r.statement,
        properties: JSON.parse(r.properties) as Record<string, string>,
        ...(r.plan !== null ? { plan: JSON.parse(r.plan) as StoredPlan } : {}),
      })),
    );
  }

  close(): void {
    this.db.close();
  }
}

/** ksqlDB's name for the command topic of a service id. */
export const commandTopicName = (serviceId: string): string => `_confluent-ksql-${serviceId}_command_topic`;

export class TopicCommandLog implements CommandStore {
  /** Next offset to read. */
  private next = 0;
  /** Offsets of commands this engine appended (already executed here; skipped when read back). */
  private readonly own = new Set<number>();

  private constructor(
    private readonly log: Log,
    private readonly topic: string,
  ) {}

  static async open(log: Log, topic: string): Promise<TopicCommandLog> {
    // One partition: a total order of commands. Kept forever (it is the catalogue).
    await log.createTopic(topic, { partitions: 1, retentionMs: -1 });
    return new TopicCommandLog(log, topic);
  }

  async all(): Promise<Command[]> {
    this.next = (await this.log.startOffsets(this.topic))[0] ?? 0;
    return this.readNew();
  }

  async poll(): Promise<Command[]> {
    return this.readNew();
  }

  async append(statement: string, properties: Readonly<Record<string, string>>, plan?: StoredPlan): Promise<void> {
    const value = Buffer.from(JSON.stringify({ statement, streamsProperties: properties, ...(plan ? { plan } : {}) }));
    const [r] = await this.log.append(this.topic, [{ key: null, value, partition: 0 }]);
    if (r) this.own.add(r.offset);
  }

  private async readNew(): Promise<Command[]> {
    const end = (await this.log.endOffsets(this.topic))[0] ?? 0;
    const out: Command[] = [];
    while (this.next < end) {
      const records = await this.log.read(this.topic, 0, this.next, 1000);
      if (records.length === 0) break;
      for (const r of records) {
        this.next = r.offset + 1;
        if (this.own.delete(r.offset) || r.value === null) continue;
        try {
          const c = JSON.parse(r.value.toString('utf8')) as { statement?: unknown; streamsProperties?: unknown; plan?: unknown };
          if (typeof c.statement !== 'string') continue;
          const plan = typeof c.plan === 'object' && c.plan !== null && 'query' in c.plan ? { plan: c.plan as StoredPlan } : {};
          out.push({ seq: r.offset, statement: c.statement, properties: (c.streamsProperties ?? {}) as Record<string, string>, ...plan });
        } catch {
          // Not a command this engine wrote (e.g. a ksqlDB server sharing the service id): skip it.
        }
      }
    }
    return out;
  }

  close(): void {}
}
