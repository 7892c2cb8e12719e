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
 *
 * This module holds StateDb (the database, its transactions, input positions and tasks) and is the
 * entry point of the state stores: KvStore (kv-store.ts) and WindowStore (window-store.ts), over the
 * slots of store.ts, are re-exported from here. The stores import this module for types only.
 */
import Database from 'better-sqlite3';
import { KvStore } from './kv-store.js';
import type { Store } from './store.js';
import { WindowStore } from './window-store.js';

export { KvStore, WindowStore };
export type { WindowEntry, WindowKey } from './window-store.js';

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
