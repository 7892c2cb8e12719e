/**
 * Query state in SQLite (better-sqlite3): one database file per persistent query holding its
 * key-value stores, window stores and the input positions they reflect.
 *
 * Writes stay in memory until the end of the micro-batch (many updates of one key in a batch cost
 * one write) and are flushed, together with the input offsets, in one transaction — so after a
 * crash, state and positions are consistent and the query replays from the last commit. The same
 * bounded map of decoded values caches hot keys in front of SQLite; memory does not grow with the
 * number of keys.
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

/**
 * A key's decoded value as the store knows it: loaded from SQLite (value undefined: no row) or
 * written in this batch (`dirty`, flushed at commit). One map of slots is both the cache and the
 * write buffer, so a read-modify-write of a key costs one map lookup and no allocation once its
 * slot exists. The map may exceed its capacity during a batch (dirty slots cannot be evicted); it
 * is trimmed after each flush, oldest first, with just-written slots moved to the young end.
 */
interface Slot<V> {
  value: V | undefined;
  task: number;
  dirty: boolean;
}

function trim<S>(slots: Map<string, S>, capacity: number): void {
  if (slots.size <= capacity) return;
  // Down to 90% in one go (amortised).
  let n = slots.size - Math.floor(capacity * 0.9);
  for (const k of slots.keys()) {
    slots.delete(k);
    if (--n === 0) break;
  }
}

export class KvStore<V> implements Store {
  private readonly slots = new Map<string, Slot<V> & { readonly key: string }>();
  private dirty: (Slot<V> & { readonly key: string })[] = [];
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
    private readonly capacity: number,
    private readonly owner: StateDb,
  ) {
    this.table = `kv_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (k TEXT PRIMARY KEY, v TEXT NOT NULL, p INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`);
    this.sel = db.prepare(`SELECT v FROM ${this.table} WHERE k = ?`);
    this.ups = db.prepare(`INSERT INTO ${this.table} (k, v, p) VALUES (?, ?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v, p = excluded.p`);
    this.del = db.prepare(`DELETE FROM ${this.table} WHERE k = ?`);
    this.all = db.prepare(`SELECT k, v FROM ${this.table} ORDER BY k`);
    this.delTask = db.prepare(`DELETE FROM ${this.table} WHERE p = ?`);
  }

  get(key: string): V | undefined {
    const s = this.slots.get(key);
    if (s !== undefined) return s.value;
    const row = this.sel.get(key) as { v: string } | undefined;
    const value = row ? this.codec.decode(row.v) : undefined;
    this.slots.set(key, { key, value, task: 0, dirty: false });
    return value;
  }

  /** Set (or, with undefined, delete) a key; written at the next commit. */
  put(key: string, value: V | undefined): void {
    let s = this.slots.get(key);
    if (s === undefined) this.slots.set(key, (s = { key, value, task: 0, dirty: false }));
    else s.value = value;
    s.task = this.owner.task;
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  flush(): void {
    const report = this.owner.tracksTasks;
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    this.dirty = [];
    const slots = this.slots;
    for (let i = 0; i < dirty.length; i++) {
      const s = dirty[i]!;
      s.dirty = false;
      const k = s.key;
      if (s.value === undefined) {
        this.del.run(k);
        if (report) this.owner.reportChange({ store: this.name, key: k, value: null, task: s.task });
      } else {
        const text = this.codec.encode(s.value);
        this.ups.run(k, text, s.task);
        if (report) this.owner.reportChange({ store: this.name, key: k, value: text, task: s.task });
      }
      // Recently written: move to the young end of the eviction order.
      slots.delete(k);
      slots.set(k, s);
    }
    trim(slots, this.capacity);
  }

  dropTask(task: number): void {
    this.flush();
    this.delTask.run(task);
    this.slots.clear();
  }

  restore(key: string, value: string | null, task: number): void {
    if (value === null) this.del.run(key);
    else this.ups.run(key, value, task);
  }

  clearCache(): void {
    for (const [k, s] of this.slots) if (!s.dirty) this.slots.delete(k);
  }

  discard(): void {
    this.dirty = [];
    this.slots.clear();
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
interface WindowSlot<V> extends Slot<V> {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

export class WindowStore<V> implements Store {
  /** Keyed by id(): see Slot. */
  private readonly slots = new Map<string, WindowSlot<V>>();
  private dirty: WindowSlot<V>[] = [];
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
    private readonly capacity: number,
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
    this.newestStart = (db.prepare(`SELECT MAX(ws) AS m FROM ${table}`).get() as { m: number | null }).m ?? -Infinity;
  }

  /**
   * The latest window start ever written to the table: a window starting later has no row, so its
   * lookup needs no query. Time moves forward, so most new windows are found absent this way
   * (measured: tumbling windows missed the cache on ~1 record in 10, each a SELECT finding nothing).
   */
  private newestStart: number;

  private id(key: string, start: number, end: number): string {
    // A put usually follows a get of the same window: reuse its id (already hashed by the map).
    if (key === this.lastKey && start === this.lastStart && end === this.lastEnd) return this.lastId;
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
    this.lastKey = key;
    return (this.lastId = this.lastStartText + this.lastEndText + key);
  }
  /** The last window bounds turned into id text, and their text; the last key and id. */
  private lastStart = NaN;
  private lastStartText = '';
  private lastEnd = NaN;
  private lastEndText = '';
  private lastKey: string | undefined;
  private lastId = '';

  get(key: string, start: number, end: number): V | undefined {
    const id = this.id(key, start, end);
    const s = this.slots.get(id);
    if (s !== undefined) return s.value;
    const row = start > this.newestStart ? undefined : (this.sel.get(key, start, end) as { v: string } | undefined);
    const value = row ? this.codec.decode(row.v) : undefined;
    this.slots.set(id, { key, start, end, value, task: 0, dirty: false });
    return value;
  }

  put(key: string, start: number, end: number, value: V | undefined): void {
    const id = this.id(key, start, end);
    let s = this.slots.get(id);
    if (s === undefined) this.slots.set(id, (s = { key, start, end, value, task: 0, dirty: false }));
    else s.value = value;
    s.task = this.owner.task;
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /** The value of a window as cached (undefined: not cached, or deleted). */
  private cached(key: string, start: number, end: number): V | undefined {
    return this.slots.get(this.id(key, start, end))?.value;
  }

  /** Windows of `key` overlapping [from, to] (end >= from and start <= to), by start. */
  overlapping(key: string, from: number, to: number): WindowEntry<V>[] {
    this.flush();
    return (this.forKey.all(key, from, to) as { ws: number; we: number; v: string }[]).map((r) => {
      return { key, start: r.ws, end: r.we, value: this.cached(key, r.ws, r.we) ?? this.codec.decode(r.v) };
    });
  }

  /** Entries of `key` whose window start is within [from, to], by start. */
  range(key: string, from: number, to: number): WindowEntry<V>[] {
    this.flush();
    return (this.byStart.all(key, from, to) as { ws: number; we: number; v: string }[]).map((r) => {
      return { key, start: r.ws, end: r.we, value: this.cached(key, r.ws, r.we) ?? this.codec.decode(r.v) };
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
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    this.dirty = [];
    const slots = this.slots;
    for (let i = 0; i < dirty.length; i++) {
      const s = dirty[i]!;
      s.dirty = false;
      const id = this.id(s.key, s.start, s.end);
      if (s.value === undefined) {
        this.del.run(s.key, s.start, s.end);
        if (report) this.owner.reportChange({ store: this.name, key: id, value: null, task: s.task });
      } else {
        const text = this.codec.encode(s.value);
        this.ups.run(s.key, s.start, s.end, text, s.task);
        if (s.start > this.newestStart) this.newestStart = s.start;
        if (report) this.owner.reportChange({ store: this.name, key: id, value: text, task: s.task });
      }
      slots.delete(id);
      slots.set(id, s);
    }
    trim(slots, this.capacity);
  }

  dropTask(task: number): void {
    this.flush();
    this.delTask.run(task);
    this.slots.clear();
  }

  /** `id` is the changelog key: `start:end:key`. */
  restore(id: string, value: string | null, task: number): void {
    const a = id.indexOf(':');
    const b = id.indexOf(':', a + 1);
    const start = Number(id.slice(0, a));
    const end = Number(id.slice(a + 1, b));
    const key = id.slice(b + 1);
    if (value === null) this.del.run(key, start, end);
    else {
      this.ups.run(key, start, end, value, task);
      if (start > this.newestStart) this.newestStart = start;
    }
  }

  clearCache(): void {
    for (const [k, s] of this.slots) if (!s.dirty) this.slots.delete(k);
  }

  discard(): void {
    this.dirty = [];
    this.slots.clear();
  }

  *entries(): IterableIterator<WindowEntry<V>> {
    for (const r of this.all.iterate() as IterableIterator<{ k: string; ws: number; we: number; v: string }>) {
      yield { key: r.k, start: r.ws, end: r.we, value: this.codec.decode(r.v) };
    }
  }
}
