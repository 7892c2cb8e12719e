/**
 * Query state in SQLite (better-sqlite3): one database file per persistent query holding its
 * key-value stores, window stores and the input positions they reflect.
 *
 * Writes go to a per-batch dirty map (many updates of one key in a batch cost one write) and are
 * flushed, together with the input offsets, in one transaction at the end of the micro-batch — so
 * after a crash, state and positions are consistent and the query replays from the last commit.
 * A bounded cache of decoded values sits in front of SQLite for hot keys; memory does not grow
 * with the number of keys.
 *
 * On Kafka, state is also split by task (the input partition a write came from, `StateDb.task`):
 * every row carries its task, so a server that loses a partition to another drops that task's rows,
 * and every write is reported (`changes`) for the query's changelog topic, from which a server that
 * gains a partition, or starts on an empty data directory, restores it (src/runtime/changelog.ts).
 */
import Database from 'better-sqlite3';

export interface Codec<V> {
  encode(v: V): string;
  decode(text: string): V;
}

const DELETED = Symbol('deleted');
type Dirty<V> = V | typeof DELETED;

/** One store write, as the changelog carries it: `value` null deletes. */
export interface StateChange {
  readonly store: string;
  readonly key: string;
  readonly value: string | null;
  readonly task: number;
}

export interface StateDbOptions {
  /** Record the task of every write (for dropTask) and report writes to `changes`. */
  readonly tasks?: boolean;
}

export class StateDb {
  readonly db: Database.Database;
  private readonly stores: Store[] = [];
  private readonly getOffsets: Database.Statement<[string]>;
  private readonly putOffsets: Database.Statement<[string, string]>;
  /** The task (input partition) of the record being processed; stamped on writes when tracking tasks. */
  task = 0;
  /** Writes flushed since the last takeChanges(), when tracking tasks. */
  private changes: StateChange[] | null;

  constructor(path: string, options: StateDbOptions = {}) {
    this.changes = options.tasks ? [] : null;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // Commits are ordered by WAL; durability against power loss is traded for speed, as the log
    // itself is the source of truth and state can be rebuilt from it.
    this.db.pragma('synchronous = NORMAL');
    // Batches write many pages: checkpoint the WAL less often, and keep more pages cached.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.pragma('cache_size = -65536');
    this.db.exec('CREATE TABLE IF NOT EXISTS offsets (topic TEXT PRIMARY KEY, positions TEXT NOT NULL)');
    this.getOffsets = this.db.prepare('SELECT positions FROM offsets WHERE topic = ?');
    this.putOffsets = this.db.prepare('INSERT INTO offsets (topic, positions) VALUES (?, ?) ON CONFLICT(topic) DO UPDATE SET positions = excluded.positions');
  }

  /** The key-value store `name` (operators rebuilt over the same state get the same store back). */
  kv<V>(name: string, codec: Codec<V>, cacheSize = 100_000): KvStore<V> {
    const existing = this.stores.find((s) => s.name === name);
    if (existing instanceof KvStore) return existing as KvStore<V>;
    const s = new KvStore(this.db, name, codec, cacheSize, this);
    this.stores.push(s);
    return s;
  }

  windows<V>(name: string, codec: Codec<V>, cacheSize = 100_000): WindowStore<V> {
    const existing = this.stores.find((s) => s.name === name);
    if (existing instanceof WindowStore) return existing as WindowStore<V>;
    const s = new WindowStore(this.db, name, codec, cacheSize, this);
    this.stores.push(s);
    return s;
  }

  /** @internal Stores report flushed writes here. */
  reportChange(change: StateChange): void {
    this.changes?.push(change);
  }

  get tracksTasks(): boolean {
    return this.changes !== null;
  }

  /**
   * Flush every store into the open transaction and return the writes since the last call (for the
   * changelog, which must be durable before commit()). Empty when not tracking tasks.
   */
  takeChanges(): StateChange[] {
    this.begin();
    for (const s of this.stores) s.flush();
    const out = this.changes ?? [];
    if (this.changes) this.changes = [];
    return out;
  }

  /** Forget a task's rows (its partition moved to another server), in one transaction. */
  dropTask(task: number): void {
    this.inTransaction(() => {
      for (const s of this.stores) s.dropTask(task);
      for (const row of this.db.prepare('SELECT topic, positions FROM offsets').all() as { topic: string; positions: string }[]) {
        const p = JSON.parse(row.positions) as number[];
        if (task < p.length) p[task] = -1;
        this.putOffsets.run(row.topic, JSON.stringify(p));
      }
    });
  }

  /**
   * Write restored changelog entries straight to their stores (no new changes are reported), with
   * the input positions they reflect, in one transaction.
   */
  restore(changes: Iterable<StateChange>, positions: ReadonlyMap<string, readonly number[]>): void {
    const byName = new Map(this.stores.map((s) => [s.name, s]));
    this.inTransaction(() => {
      for (const c of changes) byName.get(c.store)?.restore(c.key, c.value, c.task);
      for (const [topic, p] of positions) {
        const merged = this.positions(topic) ?? [];
        p.forEach((o, i) => {
          if (o >= 0) {
            while (merged.length <= i) merged.push(-1);
            merged[i] = o;
          }
        });
        this.putOffsets.run(topic, JSON.stringify(merged));
      }
    });
    for (const s of this.stores) s.clearCache();
  }

  private inTransaction(f: () => void): void {
    const outer = this.open;
    if (!outer) this.db.exec('BEGIN');
    try {
      f();
      if (!outer) this.db.exec('COMMIT');
    } catch (e) {
      if (!outer) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Input positions committed with the state (topic → next offset per partition). */
  positions(topic: string): number[] | undefined {
    const row = this.getOffsets.get(topic) as { positions: string } | undefined;
    return row ? (JSON.parse(row.positions) as number[]) : undefined;
  }

  private open = false;

  /**
   * Start a micro-batch: everything written until commit() — including mid-batch flushes a session
   * lookup needs — lands in one transaction with the batch's input positions.
   */
  begin(): void {
    if (!this.open) {
      this.db.exec('BEGIN');
      this.open = true;
    }
  }

  /** Flush every store and the given positions, and commit the batch's transaction. */
  commit(positions: ReadonlyMap<string, readonly number[]>): void {
    this.begin();
    try {
      for (const s of this.stores) s.flush();
      for (const [topic, p] of positions) this.putOffsets.run(topic, JSON.stringify(p));
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.open = false;
    }
  }

  /**
   * Abandon the batch: roll back its transaction and forget its uncommitted writes and every cached
   * value (a failed batch is processed again from its start).
   */
  rollback(): void {
    if (this.open) {
      this.db.exec('ROLLBACK');
      this.open = false;
    }
    for (const s of this.stores) s.discard();
    if (this.changes) this.changes = [];
  }

  close(): void {
    if (this.open) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

interface Store {
  readonly name: string;
  flush(): void;
  dropTask(task: number): void;
  restore(key: string, value: string | null, task: number): void;
  clearCache(): void;
  /** Drop uncommitted writes and the cache. */
  discard(): void;
}

/** Bounded map of recently used decoded values (insertion order approximates recency). */
class Cache<V> {
  private readonly map = new Map<string, V | undefined>();
  constructor(private readonly capacity: number) {}
  has(k: string): boolean {
    return this.map.has(k);
  }
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V | undefined): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.capacity) {
      // Drop the oldest tenth in one go (amortised).
      let n = Math.ceil(this.capacity / 10);
      for (const key of this.map.keys()) {
        this.map.delete(key);
        if (--n === 0) break;
      }
    }
  }
  clear(): void {
    this.map.clear();
  }
}

export class KvStore<V> implements Store {
  private readonly dirty = new Map<string, Dirty<V>>();
  /** Task of each dirty key (only when the StateDb tracks tasks). */
  private readonly dirtyTask: Map<string, number> | null;
  private readonly cache: Cache<V>;
  private readonly sel: Database.Statement<[string]>;
  private readonly ups: Database.Statement<[string, string, number]>;
  private readonly del: Database.Statement<[string]>;
  private readonly all: Database.Statement<[]>;
  private readonly delTask: Database.Statement<[number]>;
  private readonly table: string;

  constructor(
    db: Database.Database,
    readonly name: string,
    private readonly codec: Codec<V>,
    cacheSize: number,
    private readonly owner: StateDb,
  ) {
    this.table = `kv_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (k TEXT PRIMARY KEY, v TEXT NOT NULL, p INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`);
    this.sel = db.prepare(`SELECT v FROM ${this.table} WHERE k = ?`);
    this.ups = db.prepare(`INSERT INTO ${this.table} (k, v, p) VALUES (?, ?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v, p = excluded.p`);
    this.del = db.prepare(`DELETE FROM ${this.table} WHERE k = ?`);
    this.all = db.prepare(`SELECT k, v FROM ${this.table} ORDER BY k`);
    this.delTask = db.prepare(`DELETE FROM ${this.table} WHERE p = ?`);
    this.cache = new Cache(cacheSize);
    this.dirtyTask = owner.tracksTasks ? new Map() : null;
  }

  get(key: string): V | undefined {
    const d = this.dirty.get(key);
    if (d !== undefined) return d === DELETED ? undefined : d;
    if (this.cache.has(key)) return this.cache.get(key);
    const row = this.sel.get(key) as { v: string } | undefined;
    const v = row ? this.codec.decode(row.v) : undefined;
    this.cache.set(key, v);
    return v;
  }

  /** Set (or, with undefined, delete) a key; written at the next commit. */
  put(key: string, value: V | undefined): void {
    this.dirty.set(key, value === undefined ? DELETED : value);
    this.dirtyTask?.set(key, this.owner.task);
  }

  flush(): void {
    const tasks = this.dirtyTask;
    for (const [k, v] of this.dirty) {
      const task = tasks === null ? 0 : tasks.get(k)!;
      if (v === DELETED) {
        this.del.run(k);
        this.cache.set(k, undefined);
        if (tasks) this.owner.reportChange({ store: this.name, key: k, value: null, task });
      } else {
        const text = this.codec.encode(v);
        this.ups.run(k, text, task);
        this.cache.set(k, v);
        if (tasks) this.owner.reportChange({ store: this.name, key: k, value: text, task });
      }
    }
    this.dirty.clear();
    tasks?.clear();
  }

  dropTask(task: number): void {
    this.flush();
    this.delTask.run(task);
    this.cache.clear();
  }

  restore(key: string, value: string | null, task: number): void {
    if (value === null) this.del.run(key);
    else this.ups.run(key, value, task);
  }

  clearCache(): void {
    this.cache.clear();
  }

  discard(): void {
    this.dirty.clear();
    this.dirtyTask?.clear();
    this.cache.clear();
  }

  /** Every committed entry, in key order (pull-query scans). Uncommitted writes are not visible. */
  *entries(): IterableIterator<[string, V]> {
    for (const row of this.all.iterate() as IterableIterator<{ k: string; v: string }>) yield [row.k, this.codec.decode(row.v)];
  }
}

export interface WindowEntry<V> {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

/** Values per (key, window start, window end); time windows and sessions. */
export class WindowStore<V> implements Store {
  private readonly dirty = new Map<string, { key: string; start: number; end: number; value: Dirty<V>; task: number }>();
  private readonly cache: Cache<V>;
  private readonly sel: Database.Statement<[string, number, number]>;
  private readonly ups: Database.Statement<[string, number, number, string, number]>;
  private readonly delTask: Database.Statement<[number]>;
  private readonly del: Database.Statement<[string, number, number]>;
  private readonly forKey: Database.Statement<[string, number, number]>;
  private readonly expire: Database.Statement<[number]>;
  private readonly byStart: Database.Statement<[string, number, number]>;
  private readonly all: Database.Statement<[]>;

  constructor(
    db: Database.Database,
    readonly name: string,
    private readonly codec: Codec<V>,
    cacheSize: number,
    private readonly owner: StateDb,
  ) {
    const table = `win_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (k TEXT NOT NULL, ws INTEGER NOT NULL, we INTEGER NOT NULL, v TEXT NOT NULL, p INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (k, ws, we)) WITHOUT ROWID`);
    db.exec(`CREATE INDEX IF NOT EXISTS ${table}_we ON ${table} (we)`);
    this.sel = db.prepare(`SELECT v FROM ${table} WHERE k = ? AND ws = ? AND we = ?`);
    this.ups = db.prepare(`INSERT INTO ${table} (k, ws, we, v, p) VALUES (?, ?, ?, ?, ?) ON CONFLICT(k, ws, we) DO UPDATE SET v = excluded.v, p = excluded.p`);
    this.delTask = db.prepare(`DELETE FROM ${table} WHERE p = ?`);
    this.del = db.prepare(`DELETE FROM ${table} WHERE k = ? AND ws = ? AND we = ?`);
    this.forKey = db.prepare(`SELECT ws, we, v FROM ${table} WHERE k = ? AND we >= ? AND ws <= ? ORDER BY ws`);
    this.expire = db.prepare(`DELETE FROM ${table} WHERE we < ?`);
    this.byStart = db.prepare(`SELECT ws, we, v FROM ${table} WHERE k = ? AND ws >= ? AND ws <= ? ORDER BY ws`);
    this.all = db.prepare(`SELECT k, ws, we, v FROM ${table} ORDER BY k, ws`);
    this.cache = new Cache(cacheSize);
  }

  private id(key: string, start: number, end: number): string {
    // Window bounds repeat across keys: convert each to text once (measured: the number-to-string
    // conversions of 13-digit epoch millis made this id cost ~15% of a tumbling aggregation's CPU time).
    if (start !== this.lastStart) {
      this.lastStart = start;
      this.lastStartText = start + ':';
    }
    if (end !== this.lastEnd) {
      this.lastEnd = end;
      this.lastEndText = end + ':';
    }
    return this.lastStartText + this.lastEndText + key;
  }
  /** The last window bounds turned into id text, and their text. */
  private lastStart = NaN;
  private lastStartText = '';
  private lastEnd = NaN;
  private lastEndText = '';

  get(key: string, start: number, end: number): V | undefined {
    const id = this.id(key, start, end);
    const d = this.dirty.get(id);
    if (d !== undefined) return d.value === DELETED ? undefined : d.value;
    if (this.cache.has(id)) return this.cache.get(id);
    const row = this.sel.get(key, start, end) as { v: string } | undefined;
    const v = row ? this.codec.decode(row.v) : undefined;
    this.cache.set(id, v);
    return v;
  }

  put(key: string, start: number, end: number, value: V | undefined): void {
    this.dirty.set(this.id(key, start, end), { key, start, end, value: value === undefined ? DELETED : value, task: this.owner.task });
  }

  /** Windows of `key` overlapping [from, to] (end >= from and start <= to), by start. */
  overlapping(key: string, from: number, to: number): WindowEntry<V>[] {
    this.flush();
    return (this.forKey.all(key, from, to) as { ws: number; we: number; v: string }[]).map((r) => {
      const id = this.id(key, r.ws, r.we);
      const cached = this.cache.get(id);
      return { key, start: r.ws, end: r.we, value: cached ?? this.codec.decode(r.v) };
    });
  }

  /** Entries of `key` whose window start is within [from, to], by start. */
  range(key: string, from: number, to: number): WindowEntry<V>[] {
    this.flush();
    return (this.byStart.all(key, from, to) as { ws: number; we: number; v: string }[]).map((r) => {
      const cached = this.cache.get(this.id(key, r.ws, r.we));
      return { key, start: r.ws, end: r.we, value: cached ?? this.codec.decode(r.v) };
    });
  }

  /**
   * Drop windows that ended before `time` (retention). Cached copies may linger until evicted: they
   * are only reachable for windows still within grace, which are never expired.
   */
  expireBefore(time: number): void {
    this.flush();
    this.expire.run(time);
  }

  flush(): void {
    const report = this.owner.tracksTasks;
    for (const [id, d] of this.dirty) {
      if (d.value === DELETED) {
        this.del.run(d.key, d.start, d.end);
        this.cache.set(id, undefined);
        if (report) this.owner.reportChange({ store: this.name, key: id, value: null, task: d.task });
      } else {
        const text = this.codec.encode(d.value);
        this.ups.run(d.key, d.start, d.end, text, d.task);
        this.cache.set(id, d.value);
        if (report) this.owner.reportChange({ store: this.name, key: id, value: text, task: d.task });
      }
    }
    this.dirty.clear();
  }

  dropTask(task: number): void {
    this.flush();
    this.delTask.run(task);
    this.cache.clear();
  }

  /** `id` is the changelog key: `start:end:key`. */
  restore(id: string, value: string | null, task: number): void {
    const a = id.indexOf(':');
    const b = id.indexOf(':', a + 1);
    const start = Number(id.slice(0, a));
    const end = Number(id.slice(a + 1, b));
    const key = id.slice(b + 1);
    if (value === null) this.del.run(key, start, end);
    else this.ups.run(key, start, end, value, task);
  }

  clearCache(): void {
    this.cache.clear();
  }

  discard(): void {
    this.dirty.clear();
    this.cache.clear();
  }

  *entries(): IterableIterator<WindowEntry<V>> {
    for (const r of this.all.iterate() as IterableIterator<{ k: string; ws: number; we: number; v: string }>) {
      yield { key: r.k, start: r.ws, end: r.we, value: this.codec.decode(r.v) };
    }
  }
}
