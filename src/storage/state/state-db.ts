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
 * slot exists. Past its capacity the map is trimmed, oldest first, of clean slots (dirty ones wait
 * for the flush): after each flush, with just-written slots moved to the young end, and when reads
 * (pull queries of an idle table, say) fill it.
 */
interface Slot<V> {
  value: V | undefined;
  task: number;
  dirty: boolean;
}

/** A written slot: stamped with the writing task, listed once for the next flush. */
function markDirty<S extends Slot<unknown>>(s: S, task: number, dirty: S[]): void {
  s.task = task;
  if (!s.dirty) {
    s.dirty = true;
    dirty.push(s);
  }
}

function trim<S extends Slot<unknown>>(slots: Map<string, S>, capacity: number): void {
  if (slots.size <= capacity) return;
  // Down to 90% in one go (amortised).
  let n = slots.size - Math.floor(capacity * 0.9);
  for (const [k, s] of slots) {
    if (s.dirty) continue;
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
    trim(this.slots, this.capacity);
    return value;
  }

  /** Set (or, with undefined, delete) a key; written at the next commit. */
  put(key: string, value: V | undefined): void {
    let s = this.slots.get(key);
    if (s === undefined) this.slots.set(key, (s = { key, value, task: 0, dirty: false }));
    else s.value = value;
    markDirty(s, this.owner.task, this.dirty);
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

/**
 * A window store key: the key text, or a number n standing for the text 'n' + n (keyString of a
 * single numeric column), which the hot path passes to skip building and hashing that text.
 */
export type WindowKey = string | number;

/** The in-memory form of a key: numbers for numeric key texts, so both spellings share a slot. */
function slotKey(k: WindowKey): WindowKey {
  if (typeof k === 'number') return k;
  if (k.charCodeAt(0) === 110 /* n */) {
    const n = Number(k.slice(1));
    if ('n' + n === k) return n;
  }
  return k;
}

function keyText(k: WindowKey): string {
  return typeof k === 'number' ? 'n' + k : k;
}

/** Values per (key, window start, window end); time windows and sessions. */
interface WindowSlot<V> extends Slot<V> {
  readonly key: WindowKey;
  readonly start: number;
  readonly end: number;
}

export class WindowStore<V> implements Store {
  /**
   * Slots (see Slot) by key: a key has a few live windows, found by a scan of its list. Measured
   * against one map keyed by "start:end:key" text: the text had to be built, flattened and hashed
   * for every record (~0.5 µs a lookup with 40K windows).
   */
  private readonly byKey = new Map<WindowKey, WindowSlot<V>[]>();
  /**
   * Keys whose every row is in a slot (their list was filled from SQLite, or they had none), so
   * overlapping() and range() answer from memory. Session windows and stream-stream joins ask for
   * every record: before, each asked SQLite, after writing out the batch so far.
   */
  private readonly complete = new Set<WindowKey>();
  private slotCount = 0;
  private dirty: WindowSlot<V>[] = [];
  /** The slot the last get() found or made: the put() that follows is for the same window. */
  private last: WindowSlot<V> | undefined;
  private readonly sel: Database.Statement<[string, number, number]>;
  private readonly ups: Database.Statement<[string, number, number, string, number]>;
  private readonly delTask: Database.Statement<[number]>;
  private readonly del: Database.Statement<[string, number, number]>;
  private readonly forKey: Database.Statement<[string]>;
  private readonly expire: Database.Statement<[number]>;
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
    this.forKey = db.prepare(`SELECT ws, we, v FROM ${table} WHERE k = ?`);
    this.expire = db.prepare(`DELETE FROM ${table} WHERE we < ?`);
    this.all = db.prepare(`SELECT k, ws, we, v FROM ${table} ORDER BY k, ws`);
    this.newestStart = (db.prepare(`SELECT MAX(ws) AS m FROM ${table}`).get() as { m: number | null }).m ?? -Infinity;
    this.mirroredAfter = this.newestStart;
  }

  /** The latest window start written to the table (by a flush or a restore). */
  private newestStart: number;
  /**
   * Every row of a window starting after this is mirrored in a slot, so a window without a slot
   * there has no row and its lookup needs no SELECT. Windows are new as time moves on: without this
   * a tumbling aggregation missed the slots on ~1 record in 8, each a SELECT finding nothing. Raised
   * when slots are evicted or dropped, and by rows written behind the slots' back (restores).
   */
  private mirroredAfter: number;

  private find(key: WindowKey, start: number, end: number): WindowSlot<V> | undefined {
    const last = this.last;
    if (last !== undefined && last.start === start && last.end === end && last.key === key) return last;
    const list = this.byKey.get(key);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.start === start && s.end === end) return s;
    }
    return undefined;
  }

  private add(key: WindowKey, start: number, end: number, value: V | undefined): WindowSlot<V> {
    const s: WindowSlot<V> = { key, start, end, value, task: 0, dirty: false };
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [s]);
    else list.push(s);
    this.slotCount++;
    return s;
  }

  /** Forget every slot but the dirty ones (their rows are no longer all mirrored). */
  private dropClean(): void {
    this.mirroredAfter = Math.max(this.mirroredAfter, this.newestStart);
    this.complete.clear();
    this.last = undefined;
    this.slotCount = 0;
    for (const [k, list] of this.byKey) {
      const keep = list.filter((s) => s.dirty);
      if (keep.length === 0) this.byKey.delete(k);
      else {
        this.byKey.set(k, keep);
        this.slotCount += keep.length;
      }
    }
  }

  get(key: WindowKey, start: number, end: number): V | undefined {
    const k = slotKey(key);
    let s = this.find(k, start, end);
    if (s === undefined) {
      const row = start > this.mirroredAfter || this.complete.has(k) ? undefined : (this.sel.get(keyText(k), start, end) as { v: string } | undefined);
      s = this.add(k, start, end, row ? this.codec.decode(row.v) : undefined);
      if (this.slotCount > this.capacity) this.trim(s);
    }
    this.last = s;
    return s.value;
  }

  put(key: WindowKey, start: number, end: number, value: V | undefined): void {
    key = slotKey(key);
    let s = this.find(key, start, end);
    if (s === undefined) s = this.add(key, start, end, value);
    else s.value = value;
    markDirty(s, this.owner.task, this.dirty);
  }

  /** Windows of `key` overlapping [from, to] (end >= from and start <= to), by start. */
  overlapping(key: WindowKey, from: number, to: number): WindowEntry<V>[] {
    return this.fromSlots(key, from, to, true);
  }

  /** Entries of `key` whose window start is within [from, to], by start. */
  range(key: WindowKey, from: number, to: number): WindowEntry<V>[] {
    return this.fromSlots(key, from, to, false);
  }

  /**
   * The live windows of `key` overlapping [from, to] (`overlap`) or starting within it, by start,
   * with the key's slots filled from SQLite first unless they are complete.
   */
  private fromSlots(key: WindowKey, from: number, to: number, overlap: boolean): WindowEntry<V>[] {
    const k = slotKey(key);
    if (!this.complete.has(k)) {
      // Fill the key's slots from its rows (a slot is newer than its row: written or deleted since).
      for (const r of this.forKey.all(keyText(k)) as { ws: number; we: number; v: string }[]) {
        if (this.find(k, r.ws, r.we) === undefined) this.add(k, r.ws, r.we, this.codec.decode(r.v));
      }
      if (!this.byKey.has(k)) this.byKey.set(k, []);
      this.complete.add(k);
    }
    const out: WindowEntry<V>[] = [];
    let text: string | undefined;
    for (const s of this.byKey.get(k)!) {
      if (s.value === undefined || s.start > to || (overlap ? s.end < from : s.start < from)) continue;
      out.push({ key: (text ??= keyText(k)), start: s.start, end: s.end, value: s.value });
    }
    return out.length > 1 ? out.sort((a, b) => a.start - b.start || a.end - b.end) : out;
  }

  /** Drop windows that ended before `time` (retention), and their slots. */
  expireBefore(time: number): void {
    this.flush();
    this.expire.run(time);
    this.last = undefined;
    for (const [k, list] of this.byKey) {
      const keep = list.filter((s) => s.end >= time);
      if (keep.length === list.length) continue;
      this.slotCount -= list.length - keep.length;
      if (keep.length > 0) this.byKey.set(k, keep);
      else {
        this.byKey.delete(k);
        this.complete.delete(k);
      }
    }
  }

  flush(): void {
    const report = this.owner.tracksTasks;
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    this.dirty = [];
    const byKey = this.byKey;
    for (let i = 0; i < dirty.length; i++) {
      const s = dirty[i]!;
      s.dirty = false;
      if (s.value === undefined) {
        this.del.run(keyText(s.key), s.start, s.end);
        if (report) this.owner.reportChange({ store: this.name, key: windowId(s), value: null, task: s.task });
        // A missing slot reads as no row (or is looked up): the deleted window's slot can go.
        this.remove(s);
        continue;
      }
      const text = this.codec.encode(s.value);
      this.ups.run(keyText(s.key), s.start, s.end, text, s.task);
      if (s.start > this.newestStart) this.newestStart = s.start;
      if (report) this.owner.reportChange({ store: this.name, key: windowId(s), value: text, task: s.task });
      // Recently written: move the key to the young end of the eviction order.
      const list = byKey.get(s.key);
      if (list !== undefined) {
        byKey.delete(s.key);
        byKey.set(s.key, list);
      }
    }
    this.trim();
  }

  private remove(s: WindowSlot<V>): void {
    const list = this.byKey.get(s.key);
    const i = list === undefined ? -1 : list.indexOf(s);
    if (i < 0) return;
    if (list!.length === 1) {
      this.byKey.delete(s.key);
      this.complete.delete(s.key);
    } else list!.splice(i, 1);
    this.slotCount--;
    if (this.last === s) this.last = undefined;
  }

  /**
   * Evict the least recently written keys' slots down to 90% of capacity, skipping keys with a
   * dirty slot (and `keep`, the slot just read).
   */
  private trim(keep?: WindowSlot<V>): void {
    if (this.slotCount <= this.capacity) return;
    this.last = undefined;
    const target = Math.floor(this.capacity * 0.9);
    for (const [k, list] of this.byKey) {
      if (this.slotCount <= target) break;
      if (list.some((s) => s.dirty || s === keep)) continue;
      this.byKey.delete(k);
      this.complete.delete(k);
      this.slotCount -= list.length;
      for (const s of list) if (s.start > this.mirroredAfter) this.mirroredAfter = s.start;
    }
  }

  dropTask(task: number): void {
    this.flush();
    this.delTask.run(task);
    this.dropClean();
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
    // Written behind the slots' back: their windows are no longer mirrored.
    if (start > this.mirroredAfter) this.mirroredAfter = start;
  }

  clearCache(): void {
    this.dropClean();
  }

  discard(): void {
    this.dirty = [];
    this.byKey.clear();
    this.complete.clear();
    this.slotCount = 0;
    this.last = undefined;
    this.mirroredAfter = Math.max(this.mirroredAfter, this.newestStart);
  }

  *entries(): IterableIterator<WindowEntry<V>> {
    for (const r of this.all.iterate() as IterableIterator<{ k: string; ws: number; we: number; v: string }>) {
      yield { key: r.k, start: r.ws, end: r.we, value: this.codec.decode(r.v) };
    }
  }
}

/** A window's changelog key: `start:end:key`. */
function windowId(s: { readonly key: WindowKey; readonly start: number; readonly end: number }): string {
  return s.start + ':' + s.end + ':' + keyText(s.key);
}
