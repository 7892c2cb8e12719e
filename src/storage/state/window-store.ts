/**
 * The window store of StateDb (StateDb.windows): values per (key, window start, window end), for
 * time windows, sessions and stream-stream joins, in one SQLite table behind per-key lists of slots
 * that answer point lookups and per-key window scans from memory where they can.
 */
import type Database from 'better-sqlite3';
import type { Codec, StateDb } from './state-db.js';
import { type Slot, type Store, markDirty } from './store.js';

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
