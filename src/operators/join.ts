/**
 * Join operators over the joined row (every source's columns side by side, then ROWKEY):
 *
 *  - stream-table: the table side is materialized by key; a stream record looks its key up.
 *  - table-table: both sides materialized; an update on either side re-joins that key (inner,
 *    left, right, full outer), deletes produce tombstones; foreign-key joins keep an index from
 *    foreign key to left rows.
 *  - stream-stream: both sides buffered by key and timestamp for the WITHIN window. Without a GRACE
 *    PERIOD, outer joins emit null-padded rows as soon as a record finds no match (ksqlDB's legacy
 *    behaviour); with one, they hold unmatched records until their window closes.
 *
 * Every node emits events to its parent (nested joins are always the left input) or, at the root,
 * to the query's projection and sink. State lives in the query's SQLite state (src/storage/state).
 */
import type { Expr } from '../parser/ast.js';
import type { LayoutScope } from '../analyzer/row-scope.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import type { KvStore, StateDb, WindowStore } from '../storage/state/state-db.js';
import { decodeValue, encodeValue, keyString } from '../storage/state/value-codec.js';

export interface JoinEvent {
  /** Full-width joined row (columns of sources outside this subtree are null). */
  readonly row: unknown[];
  readonly ts: number;
  /** A delete (table changelogs only). */
  readonly deleted: boolean;
}

export type JoinEmit = (e: JoinEvent) => void;

/** One join step, resolved against the join tree's row (every source's columns, then ROWKEY). */
export interface JoinSpec {
  readonly type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  readonly leftKind: 'STREAM' | 'TABLE';
  readonly rightKind: 'STREAM' | 'TABLE';
  /** Table-table join on a column of the left table that is not its key. */
  readonly foreignKey: boolean;
  readonly within?: { readonly beforeMs: number; readonly afterMs: number; readonly graceMs: number; readonly explicitGrace: boolean };
  /** The join expressions, over `scope`. */
  readonly leftKey: Expr;
  readonly rightKey: Expr;
  /** The join tree's row: every source's columns, then the join key (last). */
  readonly scope: LayoutScope;
  /** Row columns the left input fills, as [from, to) ranges (the key slot included). */
  readonly leftRanges: readonly (readonly [number, number])[];
  /** Row columns the right input (a source) fills. */
  readonly rightRange: readonly [number, number];
  /** Where each side's WINDOWSTART is in the row, for windowed sources (-1: not windowed). */
  readonly leftWindowAt: number;
  readonly rightWindowAt: number;
  /**
   * Session windows: records match on key, window start and end. Time windows (tumbling,
   * hopping) match on key and start only, as their serialized windowed keys hold no end.
   */
  readonly sessionWindows: boolean;
  /** A nested join on the left. */
  readonly left?: JoinSpec;
}

interface Stored {
  readonly row: unknown[];
  readonly ts: number;
}

const rowCodec = {
  encode: (s: Stored) => encodeValue([s.ts, s.row]),
  decode: (t: string): Stored => {
    const [ts, row] = decodeValue(t) as [number, unknown[]];
    return { ts, row };
  },
};
const listCodec = {
  encode: (l: Stored[]) => encodeValue(l.map((s) => [s.ts, s.row])),
  decode: (t: string): Stored[] => (decodeValue(t) as [number, unknown[]][]).map(([ts, row]) => ({ ts, row })),
};

/** Keys held by a join's in-memory maps (stream-table lookups, stream-stream indexes). */
const MAX_HOT_KEYS = 100_000;
/**
 * Records a stream-stream join holds in memory besides its store (measured: with every record of a
 * 1-minute window held, 980K bids peaked at 967 MB RSS); beyond it, keys are read from the store.
 */
const MAX_HOT_RECORDS = 250_000;

function isEmpty(store: WindowStore<Stored[]>): boolean {
  const it = store.entries();
  const empty = it.next().done === true;
  it.return?.(undefined);
  return empty;
}

const isPrimitiveKey = (k: unknown): k is number | string => typeof k === 'number' || typeof k === 'string';

/** Copy the columns of `sources` from `from` into `into`. */
function fill(into: unknown[], from: readonly unknown[], ranges: readonly (readonly [number, number])[]): void {
  for (let r = 0; r < ranges.length; r++) {
    const range = ranges[r]!;
    for (let i = range[0], end = range[1]; i < end; i++) into[i] = from[i];
  }
}

export class JoinRuntime {
  private readonly width: number;
  private readonly keyIndex: number;
  private readonly leftKey: (row: readonly unknown[]) => unknown;
  private readonly rightKey: (row: readonly unknown[]) => unknown;
  private readonly leftRanges: readonly (readonly [number, number])[];
  private readonly rightRanges: readonly (readonly [number, number])[];
  readonly leftChild?: JoinRuntime;
  // state
  private readonly leftTable?: KvStore<Stored>;
  private readonly rightTable?: KvStore<Stored>;
  private readonly fkIndex?: KvStore<string[]>;
  private readonly leftBuf?: WindowStore<Stored[]>;
  private readonly rightBuf?: WindowStore<Stored[]>;
  private readonly outer?: KvStore<{ side: 'L' | 'R'; s: Stored; closeAt: number }>;
  private readonly held = new Map<string, { side: 'L' | 'R'; s: Stored; closeAt: number }>();
  private streamTime = -Infinity;
  private heldSeq = 0;

  constructor(
    private readonly node: JoinSpec,
    ctx: CompileContext,
    state: StateDb,
    private readonly emit: JoinEmit,
    id: string,
  ) {
    this.width = node.scope.layout.length;
    this.keyIndex = this.width - 1;
    this.leftKey = compileExpression(node.leftKey, node.scope, ctx).evaluate;
    this.rightKey = compileExpression(node.rightKey, node.scope, ctx).evaluate;
    // Windowed sources join on key and window: the window bounds are part of the join key.
    if (node.leftWindowAt >= 0 && node.rightWindowAt >= 0) this.windowed = { lw: node.leftWindowAt, rw: node.rightWindowAt };
    this.sessions = node.sessionWindows;
    this.leftRanges = node.leftRanges;
    this.rightRanges = [node.rightRange];
    if (node.left) this.leftChild = new JoinRuntime(node.left, ctx, state, (e) => this.onLeft(e), `${id}l`);
    if (node.leftKind === 'STREAM' && node.rightKind === 'STREAM') {
      this.leftBuf = state.windows(`${id}_lbuf`, listCodec);
      this.rightBuf = state.windows(`${id}_rbuf`, listCodec);
      this.indexComplete = isEmpty(this.leftBuf) && isEmpty(this.rightBuf);
      this.outer = state.kv(`${id}_outer`, { encode: (v) => encodeValue([v.side, v.s.ts, v.s.row, v.closeAt]), decode: (t) => {
        const [side, ts, row, closeAt] = decodeValue(t) as ['L' | 'R', number, unknown[], number];
        return { side, s: { ts, row }, closeAt };
      } });
      for (const [k, v] of this.outer.entries()) this.held.set(k, v);
      const meta = state.kv<number>(`${id}_time`, { encode: String, decode: Number });
      this.streamTime = meta.get('t') ?? -Infinity;
      this.saveTime = () => meta.put('t', this.streamTime);
    } else {
      this.rightTable = state.kv(`${id}_right`, rowCodec);
      if (node.leftKind === 'STREAM' && !node.foreignKey && !this.windowed) this.hotTable = new Map();
      if (node.leftKind === 'TABLE') this.leftTable = state.kv(`${id}_left`, rowCodec);
      if (node.foreignKey) this.fkIndex = state.kv(`${id}_fk`, { encode: (l: string[]) => JSON.stringify(l), decode: (t) => JSON.parse(t) as string[] });
    }
  }

  private saveTime?: () => void;
  private readonly windowed?: { lw: number; rw: number };
  private readonly sessions: boolean;

  /** The store key of a row's join key (with its window, for windowed sources). */
  private ks(side: 'L' | 'R', key: unknown, row: readonly unknown[]): string {
    if (!this.windowed) return keyString([key]);
    const i = side === 'L' ? this.windowed.lw : this.windowed.rw;
    return this.sessions ? keyString([key, row[i], row[i + 1]]) : keyString([key, row[i]]);
  }

  beforeCommit(): void {
    this.saveTime?.();
    this.expireBuffers();
    this.leftChild?.beforeCommit();
  }

  private lastExpiry = Date.now();

  /**
   * Stream-stream joins: drop buffered records past retention (before + after + grace behind stream
   * time) from the stores, now and then; they are never matched again, and would otherwise grow the
   * state without bound.
   */
  private expireBuffers(): void {
    const w = this.node.within;
    if (!w || !this.leftBuf || !this.rightBuf || !Number.isFinite(this.streamTime) || Date.now() - this.lastExpiry < 10_000) return;
    this.lastExpiry = Date.now();
    const before = this.streamTime - (w.beforeMs + w.afterMs + w.graceMs);
    this.leftBuf.expireBefore(before);
    this.rightBuf.expireBefore(before);
  }

  private join(left: readonly unknown[] | null, right: readonly unknown[] | null, key: unknown): unknown[] {
    const out = new Array<unknown>(this.width).fill(null);
    if (left) fill(out, left, this.leftRanges);
    if (right) fill(out, right, this.rightRanges);
    out[this.keyIndex] = key;
    return out;
  }

  onLeft(e: JoinEvent): void {
    if (this.leftBuf) return this.streamStream('L', e);
    if (this.leftTable) return this.node.foreignKey ? this.fkLeft(e) : this.tableTable('L', e);
    // stream-table: look the table up
    if (e.deleted) return;
    const key = this.leftKey(e.row);
    if (key === null || key === undefined) return;
    const match = this.tableRow(key, e.row);
    if (!match && this.node.type === 'INNER') return;
    this.emit({ row: this.join(e.row, match?.row ?? null, key), ts: e.ts, deleted: false });
  }

  onRight(e: JoinEvent): void {
    if (this.rightBuf) return this.streamStream('R', e);
    if (this.node.foreignKey) return this.fkRight(e);
    if (this.leftTable) return this.tableTable('R', e);
    // stream-table: the table side only updates state
    const key = this.rightKey(e.row);
    if (key === null || key === undefined) return;
    const row = e.deleted ? undefined : { row: e.row, ts: e.ts };
    this.rightTable!.put(this.ks('R', key, e.row), row);
    if (this.hotTable !== undefined && isPrimitiveKey(key)) this.hotTable.set(key, row ?? null);
  }

  /**
   * Stream-table lookups by a number or string key go through a map keyed by the value itself: a
   * hit builds no store key (measured: the store lookup with a freshly built key string was ~8% of
   * a stream-table join's profile). Table updates write through it; it is cleared when full.
   */
  private readonly hotTable?: Map<unknown, Stored | null>;

  private tableRow(key: unknown, row: readonly unknown[]): Stored | undefined {
    const hot = this.hotTable;
    if (hot === undefined || !isPrimitiveKey(key)) return this.rightTable!.get(this.ks('L', key, row));
    const cached = hot.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const stored = this.rightTable!.get(this.ks('L', key, row));
    if (hot.size >= MAX_HOT_KEYS) hot.clear();
    hot.set(key, stored ?? null);
    return stored;
  }

  private tableTable(side: 'L' | 'R', e: JoinEvent): void {
    const key = side === 'L' ? this.leftKey(e.row) : this.rightKey(e.row);
    if (key === null || key === undefined) return;
    const ks = this.ks(side, key, e.row);
    const mine = side === 'L' ? this.leftTable! : this.rightTable!;
    const other = side === 'L' ? this.rightTable! : this.leftTable!;
    const before = e.deleted ? mine.get(ks) : undefined;
    mine.put(ks, e.deleted ? undefined : { row: e.row, ts: e.ts });
    const o = other.get(ks);
    const l = side === 'L' ? (e.deleted ? null : e.row) : (o?.row ?? null);
    const r = side === 'R' ? (e.deleted ? null : e.row) : (o?.row ?? null);
    const ts = Math.max(e.ts, o?.ts ?? -Infinity);
    const type = this.node.type;
    // Which side must be present for a row to exist, per join type.
    const needL = type === 'INNER' || type === 'LEFT';
    const needR = type === 'INNER' || type === 'RIGHT';
    // An update of a side that must be present, while the other required side is absent, changes nothing.
    if (side === 'L' && needR && !o) return;
    if (side === 'R' && needL && !o) return;
    const exists = (!needL || l !== null) && (!needR || r !== null) && (l !== null || r !== null);
    if (exists) return this.emit({ row: this.join(l, r, key), ts, deleted: false });
    // A delete carries the row as it was, so that a join above this one finds its own key in it.
    const was = side === 'L' ? this.join(before?.row ?? null, o?.row ?? null, key) : this.join(o?.row ?? null, before?.row ?? null, key);
    this.emit({ row: was, ts, deleted: true });
  }

  /** Foreign-key join, left side: the row's foreign key finds the right row; output keyed by the left key. */
  private fkLeft(e: JoinEvent): void {
    const lk = e.row[this.leftPkIndex()];
    if (lk === null || lk === undefined) return;
    const lks = keyString([lk]);
    const old = this.leftTable!.get(lks);
    if (old) {
      const oldFk = this.leftKey(old.row);
      if (oldFk !== null && oldFk !== undefined) this.unindex(keyString([oldFk]), lks);
    }
    if (e.deleted) {
      this.leftTable!.put(lks, undefined);
      if (old) this.emit({ row: this.join(null, null, lk), ts: e.ts, deleted: true });
      return;
    }
    this.leftTable!.put(lks, { row: e.row, ts: e.ts });
    const fk = this.leftKey(e.row);
    const match = fk === null || fk === undefined ? undefined : this.rightTable!.get(keyString([fk]));
    if (fk !== null && fk !== undefined) this.index(keyString([fk]), lks);
    if (!match && this.node.type === 'INNER') {
      if (old) this.emit({ row: this.join(null, null, lk), ts: e.ts, deleted: true });
      return;
    }
    this.emit({ row: this.join(e.row, match?.row ?? null, lk), ts: Math.max(e.ts, match?.ts ?? -Infinity), deleted: false });
  }

  /** Foreign-key join, right side: re-join every left row that references this key. */
  private fkRight(e: JoinEvent): void {
    const rk = this.rightKey(e.row);
    if (rk === null || rk === undefined) return;
    const rks = keyString([rk]);
    const existed = this.rightTable!.get(rks) !== undefined;
    this.rightTable!.put(rks, e.deleted ? undefined : { row: e.row, ts: e.ts });
    for (const lks of this.fkIndex!.get(rks) ?? []) {
      const l = this.leftTable!.get(lks);
      if (!l) continue;
      const lk = l.row[this.leftPkIndex()];
      if (e.deleted) {
        if (this.node.type === 'INNER') {
          if (existed) this.emit({ row: this.join(null, null, lk), ts: e.ts, deleted: true });
        } else this.emit({ row: this.join(l.row, null, lk), ts: Math.max(e.ts, l.ts), deleted: false });
      } else {
        this.emit({ row: this.join(l.row, e.row, lk), ts: Math.max(e.ts, l.ts), deleted: false });
      }
    }
  }

  private pk = -1;
  private leftPkIndex(): number {
    if (this.pk < 0) {
      // the left table's (single) key column: first column of its range
      this.pk = this.leftRanges[0]![0];
    }
    return this.pk;
  }

  private index(fks: string, lks: string): void {
    const l = this.fkIndex!.get(fks) ?? [];
    if (!l.includes(lks)) this.fkIndex!.put(fks, [...l, lks]);
  }

  private unindex(fks: string, lks: string): void {
    const l = this.fkIndex!.get(fks);
    if (!l) return;
    const n = l.filter((x) => x !== lks);
    this.fkIndex!.put(fks, n.length ? n : undefined);
  }

  private streamStream(side: 'L' | 'R', e: JoinEvent): void {
    if (e.deleted) return;
    const w = this.node.within!;
    const key = side === 'L' ? this.leftKey(e.row) : this.rightKey(e.row);
    if (key === null || key === undefined) return;
    const ks = this.ks(side, key, e.row);
    const ts = e.ts;
    this.streamTime = Math.max(this.streamTime, ts);
    if (w.explicitGrace && ts === this.streamTime) this.emitClosed();
    const retention = w.beforeMs + w.afterMs + w.graceMs;
    const expiredBefore = this.streamTime - retention;
    // The other side's records within the window: for a left record [ts - before, ts + after].
    const [from, to] = side === 'L' ? [ts - w.beforeMs, ts + w.afterMs] : [ts - w.afterMs, ts + w.beforeMs];
    const others = this.buffered(side === 'L' ? 'R' : 'L', ks, expiredBefore);
    const lo = Math.max(from, expiredBefore);
    let matched = false;
    for (let i = 0; i < others.length; i++) {
      const other = others[i]!;
      if (other.ts < lo) continue;
      if (other.ts > to) break;
      matched = true;
      const row = side === 'L' ? this.join(e.row, other.row, key) : this.join(other.row, e.row, key);
      this.emit({ row, ts: Math.max(ts, other.ts), deleted: false });
      if (w.explicitGrace) this.unhold(side === 'L' ? 'R' : 'L', ks, other.ts);
    }
    const type = this.node.type;
    const outer = type === 'FULL' || (side === 'L' ? type === 'LEFT' : type === 'RIGHT');
    if (!matched && outer) {
      const timeTo = side === 'L' ? ts + w.afterMs : ts + w.beforeMs;
      if (!w.explicitGrace || timeTo < this.streamTime) {
        this.emit({ row: side === 'L' ? this.join(e.row, null, key) : this.join(null, e.row, key), ts, deleted: false });
      } else {
        const id = `${side}|${ks}|${ts}|${this.heldSeq++}|${Date.now()}`;
        const h = { side, s: { row: e.row, ts }, closeAt: timeTo + w.graceMs };
        this.held.set(id, h);
        this.outer!.put(id, h);
      }
    }
    // Buffer the record for later matches, unless it is already past retention.
    if (ts >= expiredBefore) {
      const buf = side === 'L' ? this.leftBuf! : this.rightBuf!;
      const mine = this.buffered(side, ks, expiredBefore);
      // After the records with the same or an earlier timestamp (arrival order within a timestamp).
      let at = mine.length;
      while (at > 0 && mine[at - 1]!.ts > ts) at--;
      let first = at;
      while (first > 0 && mine[first - 1]!.ts === ts) first--;
      const s: Stored = { row: e.row, ts };
      mine.splice(at, 0, s);
      if (++this.heldRecords > MAX_HOT_RECORDS) this.forgetIndexes();
      buf.put(ks, ts, ts, mine.slice(first, at + 1));
    }
  }

  /**
   * One side's buffered records of a key still within retention, by timestamp: read from the store
   * on first use, then kept in step with every put (measured: a store query per record, each
   * flushing the batch's writes first, was most of a stream-stream join's profile). Records that
   * fall out of retention are dropped from memory only.
   */
  private buffered(side: 'L' | 'R', ks: string, expiredBefore: number): Stored[] {
    const idx = side === 'L' ? this.leftIdx : this.rightIdx;
    let list = idx.get(ks);
    if (list === undefined) {
      if (idx.size >= MAX_HOT_KEYS) this.sweep(idx, expiredBefore);
      list = [];
      // While the index holds every key ever buffered, a key it lacks has no records.
      if (!this.indexComplete) {
        const buf = side === 'L' ? this.leftBuf! : this.rightBuf!;
        for (const entry of buf.range(ks, expiredBefore, Number.MAX_SAFE_INTEGER)) for (const r of entry.value) list.push(r);
        this.heldRecords += list.length;
      }
      idx.set(ks, list);
      return list;
    }
    let dead = 0;
    while (dead < list.length && list[dead]!.ts < expiredBefore) dead++;
    if (dead > 0) {
      list.splice(0, dead);
      this.heldRecords -= dead;
    }
    return list;
  }

  /** Records held by both indexes. */
  private heldRecords = 0;

  /** Memory bound: drop both indexes; keys load from the store again on next use. */
  private forgetIndexes(): void {
    this.leftIdx.clear();
    this.rightIdx.clear();
    this.indexComplete = false;
    this.heldRecords = 0;
  }

  /** Drop keys with nothing left within retention; if that is not enough, drop every key. */
  private sweep(idx: Map<string, Stored[]>, expiredBefore: number): void {
    for (const [k, list] of idx) {
      if (list.length > 0 && list[list.length - 1]!.ts >= expiredBefore) continue;
      idx.delete(k);
      this.heldRecords -= list.length;
    }
    if (idx.size >= MAX_HOT_KEYS / 2) this.forgetIndexes();
  }

  /** Both indexes started from empty stores and never dropped a key with live records. */
  private indexComplete = false;
  private readonly leftIdx = new Map<string, Stored[]>();
  private readonly rightIdx = new Map<string, Stored[]>();

  private unhold(side: 'L' | 'R', ks: string, ts: number): void {
    const prefix = `${side}|${ks}|${ts}|`;
    for (const id of this.held.keys()) {
      if (id.startsWith(prefix)) {
        this.held.delete(id);
        this.outer!.put(id, undefined);
      }
    }
  }

  /** New outer-join semantics: emit held unmatched records whose window has closed, oldest first. */
  private emitClosed(): void {
    const ready = [...this.held.entries()].filter(([, h]) => h.closeAt < this.streamTime).sort((a, b) => a[1].s.ts - b[1].s.ts);
    for (const [id, h] of ready) {
      this.held.delete(id);
      this.outer!.put(id, undefined);
      const key = h.side === 'L' ? this.leftKey(h.s.row) : this.rightKey(h.s.row);
      this.emit({ row: h.side === 'L' ? this.join(h.s.row, null, key) : this.join(null, h.s.row, key), ts: h.s.ts, deleted: false });
    }
  }
}
