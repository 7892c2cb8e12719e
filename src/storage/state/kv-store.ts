/**
 * The key-value store of StateDb (StateDb.kv): one SQLite table of key → encoded value (and the
 * writing task), behind a bounded map of slots that is both the cache and the batch's write buffer.
 */
import type Database from 'better-sqlite3';
import type { Codec, StateDb } from './state-db.js';
import { type Slot, type Store, markDirty } from './store.js';

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
