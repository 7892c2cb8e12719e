/**
 * The aggregation operator: GROUP BY over a stream or a table (a source, or a join's output),
 * optionally windowed (tumbling, hopping, session), with HAVING and EMIT CHANGES / EMIT FINAL.
 * Accumulators live in the query's SQLite state (KvStore / WindowStore) with a cache in front; every
 * update emits the new row of the output table (or a tombstone when HAVING stops matching); with
 * the record cache on (record-cache.ts, EMIT CHANGES only) a batch's updates of a group are emitted
 * once, at the batch's end.
 *
 * It runs an aggregation's steps together (group-by, aggregate, HAVING filter, projection, suppress):
 * HAVING must know whether a group's previous row passed, to delete it downstream only then, and only
 * the aggregate's state knows (ksqlDB carries the old value in every table change for this).
 *
 * Event time: each record's window is chosen from its timestamp; stream time is the highest
 * timestamp seen per task partition, and a record whose window closed (end + grace <= stream time)
 * is dropped as late. When the GROUP BY changes the key, ksqlDB repartitions: the task partition is
 * then the partition of the new key, which we compute without writing a repartition topic.
 */
import type { Expr } from '../parser/ast.js';
import type { AggregateCall, WindowPlan } from '../analyzer/analysis.js';
import type { Aggregator } from '../functions/aggregate/types.js';
import { compileExpression, type CompileContext } from '../expr/compile.js';
import { LayoutScope, type LayoutColumn } from '../analyzer/row-scope.js';
import type { KvStore, StateDb, WindowKey, WindowStore } from '../storage/state/state-db.js';
import { decodeValue, encodeValue, keyString } from '../storage/state/value-codec.js';
import type { WindowBounds } from '../serde/windowed.js';
import type { ViewRow, ViewSource } from '../storage/state/materialized-view.js';
import type { Serde } from '../serde/serde.js';
import { partitionForKey } from '../storage/log/partitioner.js';
import type { OutputConsumer, RowConsumer } from './operator.js';
import { RecordCache, cacheMaxBytes } from './record-cache.js';

/** Accumulators of one group (or one group's window) and the timestamp of its last update. */
interface GroupState {
  readonly key: unknown[];
  readonly accs: unknown[];
  ts: number;
  /** The last row emitted for it passed HAVING (so a failing update must delete it downstream). */
  passed?: boolean;
}

/** An aggregation's steps, resolved against its input (the group-by step's input rows). */
export interface AggregateSpec {
  readonly inputScope: LayoutScope;
  readonly groupBy: readonly Expr[];
  readonly aggregates: readonly AggregateCall[];
  readonly window?: WindowPlan;
  /** The aggregated row: group key values, aggregate results, WINDOWSTART / WINDOWEND. */
  readonly aggLayout: readonly LayoutColumn[];
  /** The projection over the aggregated row. */
  readonly keyColumns: readonly Expr[];
  readonly valueColumns: readonly Expr[];
  readonly having?: Expr;
  readonly emitFinal: boolean;
  /** The input is a table: each row replaces (retracts) the previous row of its key. */
  readonly tableInput: boolean;
  /** GROUP BY is not the input's key: a group's task is the partition of its new key. */
  readonly repartitioned: boolean;
}

/** Where the operator reads what its input rows do not carry. */
export interface AggregateInputContext {
  /** The partition of the input record being processed. */
  partition(): number;
  /** Table input: the identity of a row (its key), to retract its previous version. */
  identity(row: readonly unknown[]): string;
}

export class AggregateOperator implements RowConsumer, ViewSource {
  private readonly aggregators: Aggregator[];
  private readonly groupFns: ((row: readonly unknown[]) => unknown)[];
  private readonly argFns: ((row: readonly unknown[]) => unknown)[][];
  private readonly argScratch: unknown[][];
  /** Window bounds handed to emit() for EMIT CHANGES outputs (read at once downstream, never kept). */
  private readonly bounds = { start: 0, end: 0 };
  private readonly keyOut: ((row: readonly unknown[]) => unknown)[];
  private readonly valueOut: ((row: readonly unknown[]) => unknown)[];
  private readonly having?: (row: readonly unknown[]) => unknown;
  private readonly groups?: KvStore<GroupState>;
  private readonly windows?: WindowStore<GroupState>;
  /** For table sources: the last row of each source key, to retract it when it changes. */
  private readonly sourceRows?: KvStore<unknown[]>;
  private readonly meta: KvStore<Record<string, number>>;
  private readonly streamTime = new Map<number, number>();
  /** EMIT FINAL: windows waiting to close, by end + grace. */
  private readonly pendingFinal = new Map<string, { key: unknown[]; window: WindowBounds; closeAt: number }>();
  /** EMIT CHANGES with `cache.max.bytes.buffering` > 0: collapses each group's updates until beforeCommit. */
  private readonly cache?: RecordCache;

  constructor(
    private readonly plan: AggregateSpec,
    ctx: CompileContext,
    private readonly state: StateDb,
    private readonly out: OutputConsumer,
    private readonly input: AggregateInputContext,
    config: Readonly<Record<string, string>>,
    /** Serializes group keys to find their partition when the query re-keys (stream time per task). */
    private readonly keySerde: Serde | undefined,
    private readonly partitions: number,
  ) {
    const scope = plan.inputScope;
    const cacheBytes = plan.emitFinal ? 0 : cacheMaxBytes(config);
    if (cacheBytes > 0) this.cache = new RecordCache(out, cacheBytes);
    this.aggregators = plan.aggregates.map((a) => a.overload.create(a.resolved, a.init, config));
    this.groupFns = plan.groupBy.map((g) => compileExpression(g, scope, ctx).evaluate);
    this.argFns = plan.aggregates.map((a) => a.argExprs.map((e) => compileExpression(e, scope, ctx).evaluate));
    this.argScratch = this.argFns.map((fns) => new Array<unknown>(fns.length));
    const aggScope = new LayoutScope(plan.aggLayout, [], 'SELECT column');
    this.keyOut = plan.keyColumns.map((e) => compileExpression(e, aggScope, ctx).evaluate);
    this.valueOut = plan.valueColumns.map((e) => compileExpression(e, aggScope, ctx).evaluate);
    if (plan.having) this.having = compileExpression(plan.having, aggScope, ctx).evaluate;

    const aggs = this.aggregators;
    const codec = {
      encode: (g: GroupState) => JSON.stringify([encodeValue(g.key), g.ts, g.passed ? 1 : 0, ...g.accs.map((a, i) => aggs[i]!.serialize(a))]),
      decode: (text: string): GroupState => {
        const [k, ts, passed, ...accs] = JSON.parse(text) as [string, number, number, ...string[]];
        return { key: decodeValue(k) as unknown[], ts, passed: passed === 1, accs: accs.map((a, i) => aggs[i]!.deserialize(a)) };
      },
    };
    if (plan.window) this.windows = state.windows('agg', codec);
    else this.groups = state.kv('agg', codec);
    if (plan.tableInput) {
      this.sourceRows = state.kv<unknown[]>('source', { encode: encodeValue, decode: (t) => decodeValue(t) as unknown[] });
    }
    this.meta = state.kv('meta', { encode: (v) => JSON.stringify(v), decode: (t) => JSON.parse(t) as Record<string, number> });
    const saved = this.meta.get('streamTime');
    if (saved) for (const [p, t] of Object.entries(saved)) this.streamTime.set(Number(p), t);
  }

  push(row: unknown[], ts: number, nullValue: boolean): void {
    if (this.sourceRows) return this.processTableRow(row, ts, nullValue);
    if (nullValue) return;
    const key = this.groupKey(row);
    if (key !== null) this.processKeyed(row, ts, key, this.input.partition());
  }

  /** A stream row whose group key is known (computed before a repartition topic). */
  processKeyed(row: readonly unknown[], ts: number, key: unknown[], partition: number): void {
    const args = this.argsOnce(row);
    const task = this.plan.window || this.state.tracksTasks ? this.taskPartition(key, partition) : partition;
    // A re-keyed group's state belongs to the task of its new key (where a repartition topic would send it).
    this.state.task = task;
    if (!this.plan.window) {
      this.updateGroup(key, args, ts, +1);
      return;
    }
    const streamTime = Math.max(this.streamTime.get(task) ?? -Infinity, ts);
    this.streamTime.set(task, streamTime);
    if (this.plan.window.kind === 'SESSION') this.updateSession(key, args, ts, streamTime);
    else this.updateTimeWindows(key, args, ts, streamTime);
    if (this.plan.emitFinal) this.emitClosed(streamTime);
  }

  /**
   * Table input: retract the row's previous version from its group, then add the new one. (A row
   * that no longer passes WHERE arrives as a delete: the table filter before this made it one.)
   */
  private processTableRow(row: unknown[], ts: number, nullValue: boolean): void {
    const store = this.sourceRows!;
    const id = this.input.identity(row);
    const old = store.get(id);
    const neu = nullValue ? undefined : row;
    store.put(id, neu);
    this.applyTableChange(old, neu, ts);
  }

  /**
   * A table row changed from `old` to `neu` (either absent): retract the old version from its
   * group, add the new one (one update when both are in the same group). On Kafka a re-keying table
   * aggregation gets these from its repartition topic.
   */
  applyTableChange(old: readonly unknown[] | undefined, neu: readonly unknown[] | undefined, ts: number): void {
    const oldKey = old ? this.groupKey(old) : null;
    const newKey = neu ? this.groupKey(neu) : null;
    if (oldKey !== null && newKey !== null && keyString(oldKey) === keyString(newKey)) {
      // Same group: one update (retract and add), one output.
      this.updateGroup(newKey, this.args(neu!), ts, 0, this.args(old!));
      return;
    }
    if (oldKey !== null) this.updateGroup(oldKey, this.args(old!), ts, -1);
    if (newKey !== null) this.updateGroup(newKey, this.args(neu!), ts, +1);
  }

  /** The serialized group key of a stream row (null: the row is dropped), for the repartition topic of a re-keying aggregation. */
  groupKeyBytes(row: readonly unknown[]): Buffer | null {
    const key = this.groupKey(row);
    return key === null || !this.keySerde ? null : this.keySerde.serialize(key);
  }

  /** The group key written by groupKeyBytes. */
  groupKeyFromBytes(bytes: Buffer | null): unknown[] | null {
    return this.keySerde ? this.keySerde.deserialize(bytes) : null;
  }

  private groupKey(row: readonly unknown[]): unknown[] | null {
    const key = new Array<unknown>(this.groupFns.length);
    for (let i = 0; i < key.length; i++) {
      const v = this.groupFns[i]!(row);
      // ksqlDB drops rows whose grouping expression evaluates to NULL.
      if (v === null || v === undefined) return null;
      key[i] = v;
    }
    return key;
  }

  private args(row: readonly unknown[]): unknown[][] {
    return this.argFns.map((fns) => fns.map((f) => f(row)));
  }

  /** As args(), into arrays reused from record to record (aggregators do not keep them). */
  private argsOnce(row: readonly unknown[]): unknown[][] {
    const out = this.argScratch;
    const fns = this.argFns;
    for (let i = 0; i < fns.length; i++) {
      const f = fns[i]!;
      const a = out[i]!;
      for (let j = 0; j < f.length; j++) a[j] = f[j]!(row);
    }
    return out;
  }

  private taskPartition(key: unknown[], sourcePartition: number): number {
    if (!this.plan.repartitioned || !this.keySerde) return sourcePartition;
    if (this.partitions <= 1) return 0;
    const bytes = this.keySerde.serialize(key);
    return bytes === null ? 0 : partitionForKey(bytes, this.partitions);
  }

  /** sign +1 add, -1 retract, 0 retract `undoArgs` then add `args`. */
  private updateGroup(key: unknown[], args: unknown[][], ts: number, sign: number, undoArgs?: unknown[][]): void {
    const ks = keyString(key);
    const store = this.groups!;
    let g = store.get(ks);
    if (!g) {
      if (sign < 0) return;
      g = { key, accs: this.aggregators.map((a) => a.initial()), ts };
    } else {
      g.ts = Math.max(g.ts, ts);
    }
    for (let i = 0; i < this.aggregators.length; i++) {
      const a = this.aggregators[i]!;
      if (sign < 0 || undoArgs) g.accs[i] = a.undo!(g.accs[i], (undoArgs ?? args)[i]!);
      if (sign >= 0) g.accs[i] = a.add(g.accs[i], args[i]!);
    }
    store.put(ks, g);
    this.output(g, undefined);
  }

  private updateTimeWindows(key: unknown[], args: unknown[][], ts: number, streamTime: number): void {
    const w = this.plan.window!;
    const ks = windowKey(key);
    // Every window [start, start + size) containing ts; starts are multiples of the advance.
    // (Floor division instead of %: a double's % is a call to fmod, twice per record.)
    const adv = w.advanceMs;
    let lastStart = Math.floor(ts / adv) * adv;
    if (lastStart > ts) lastStart -= adv;
    else if (ts - lastStart >= adv) lastStart += adv;
    for (let start = Math.max(0, lastStart - w.sizeMs + adv); start <= lastStart; start += adv) {
      const end = start + w.sizeMs;
      if (end <= ts) continue;
      if (end + w.graceMs <= streamTime) continue; // late: the window has closed
      let g = this.windows!.get(ks, start, end);
      if (!g) g = { key, accs: this.aggregators.map((a) => a.initial()), ts };
      else if (ts > g.ts) g.ts = ts;
      for (let i = 0; i < this.aggregators.length; i++) g.accs[i] = this.aggregators[i]!.add(g.accs[i], args[i]!);
      this.windows!.put(ks, start, end, g);
      if (this.plan.emitFinal) this.windowUpdated(g, { start, end });
      else {
        const b = this.bounds;
        b.start = start;
        b.end = end;
        this.output(g, b);
      }
    }
  }

  private updateSession(key: unknown[], args: unknown[][], ts: number, streamTime: number): void {
    const w = this.plan.window!;
    const ks = windowKey(key);
    if (ts + w.graceMs < streamTime) return; // late: a session ending at ts would already be closed
    const overlapping = this.windows!.overlapping(ks, ts - w.sizeMs, ts + w.sizeMs);
    let start = ts;
    let end = ts;
    let g: GroupState = { key, accs: this.aggregators.map((a) => a.initial()), ts };
    for (const s of overlapping) {
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
      g = { key, ts: Math.max(g.ts, s.value.ts), accs: g.accs.map((acc, i) => this.aggregators[i]!.merge!(acc, s.value.accs[i])) };
      this.windows!.put(ks, s.start, s.end, undefined);
      // The merged-away session is deleted downstream.
      if (!this.plan.emitFinal) this.write(g.key, this.outputKey(g.key, s), null, s.value.ts, { start: s.start, end: s.end });
      else this.pendingFinal.delete(`${keyString(key)}|${s.start}|${s.end}`);
    }
    for (let i = 0; i < this.aggregators.length; i++) g.accs[i] = this.aggregators[i]!.add(g.accs[i], args[i]!);
    this.windows!.put(ks, start, end, g);
    this.windowUpdated(g, { start, end });
  }

  private windowUpdated(g: GroupState, window: WindowBounds): void {
    if (!this.plan.emitFinal) {
      this.output(g, window);
      return;
    }
    const w = this.plan.window!;
    const ks = keyString(g.key);
    this.pendingFinal.set(`${ks}|${window.start}|${window.end}`, { key: g.key, window, closeAt: window.end + w.graceMs });
  }

  /** EMIT FINAL: emit every buffered window whose end + grace has passed. */
  private emitClosed(streamTime: number): void {
    const ready = [...this.pendingFinal.entries()].filter(([, p]) => p.closeAt <= streamTime);
    ready.sort((a, b) => a[1].window.end - b[1].window.end || a[1].window.start - b[1].window.start);
    for (const [id, p] of ready) {
      this.pendingFinal.delete(id);
      const g = this.windows!.get(keyString(p.key), p.window.start, p.window.end);
      if (g) this.output(g, p.window);
    }
  }

  private aggRow(g: GroupState, window: WindowBounds | undefined): unknown[] {
    const key = g.key;
    const aggs = this.aggregators;
    const nk = key.length;
    const row = new Array<unknown>(nk + aggs.length + (window ? 2 : 0));
    for (let i = 0; i < nk; i++) row[i] = key[i];
    for (let i = 0; i < aggs.length; i++) row[nk + i] = aggs[i]!.result(g.accs[i]);
    if (window) {
      row[nk + aggs.length] = window.start;
      row[nk + aggs.length + 1] = window.end;
    }
    return row;
  }

  private outputKey(key: unknown[], window: WindowBounds | undefined): unknown[] {
    const row: unknown[] = [...key, ...this.aggregators.map(() => null)];
    if (window) row.push(window.start, window.end);
    return this.keyOut.map((f) => f(row));
  }

  private output(g: GroupState, window: WindowBounds | undefined): void {
    const row = this.aggRow(g, window);
    const key = evaluateAll(this.keyOut, row);
    if (this.having && this.having(row) !== true) {
      // Like a KTable filter: only a row that was there before needs deleting.
      if (g.passed) this.write(g.key, key, null, g.ts, window);
      g.passed = false;
      return;
    }
    g.passed = true;
    this.write(g.key, key, evaluateAll(this.valueOut, row), g.ts, window);
  }

  /** An output row of `group` (the cache collapses by group and window: a push query's rows have no key). */
  private write(group: readonly unknown[], key: readonly unknown[], value: readonly unknown[] | null, ts: number, window: WindowBounds | undefined): void {
    if (this.cache) this.cache.put(group, key, value, ts, window);
    else this.out.write(key, value, ts, window);
  }

  /**
   * Whether pull queries can read this operator's store as the table (AggregateView): the output
   * key must be the group key itself, and EMIT FINAL tables show only closed windows.
   */
  static servesView(plan: Pick<AggregateSpec, 'emitFinal' | 'keyColumns' | 'groupBy' | 'aggLayout'>): boolean {
    return !plan.emitFinal && plan.keyColumns.length === plan.groupBy.length && plan.keyColumns.every((e, i) => e.kind === 'ColumnRef' && e.name === plan.aggLayout[i]!.name);
  }

  /** The table row of a group as the query last emitted it; undefined when HAVING hides it. */
  private viewRow(g: GroupState, window: WindowBounds | undefined): ViewRow | undefined {
    if (!g.passed) return undefined;
    const row = this.aggRow(g, window);
    return { key: this.keyOut.map((f) => f(row)), value: this.valueOut.map((f) => f(row)), ts: g.ts, ...(window ? { window } : {}) };
  }

  /** ViewSource: one key's row (non-windowed tables; committed and uncommitted state alike). */
  get(key: readonly unknown[]): ViewRow | undefined {
    const g = this.groups?.get(keyString(key));
    return g ? this.viewRow(g, undefined) : undefined;
  }

  /** ViewSource: every committed row. */
  *rows(): IterableIterator<ViewRow> {
    if (this.groups) {
      for (const [, g] of this.groups.entries()) {
        const r = this.viewRow(g, undefined);
        if (r) yield r;
      }
      return;
    }
    for (const e of this.windows!.entries()) {
      const r = this.viewRow(e.value, { start: e.start, end: e.end });
      if (r) yield r;
    }
  }

  /** Called before the batch commits: persist stream time with the state; expire old windows. */
  beforeCommit(): void {
    if (this.streamTime.size > 0) this.meta.put('streamTime', Object.fromEntries(this.streamTime));
    // Retention is enforced now and then (a DELETE per commit would cost more than it saves).
    if (this.windows && this.plan.window && Date.now() - this.lastExpiry > 10_000) {
      this.lastExpiry = Date.now();
      const max = Math.max(...this.streamTime.values());
      if (Number.isFinite(max)) this.windows.expireBefore(max - this.plan.window.retentionMs);
    }
    this.cache?.flush();
  }

  private lastExpiry = Date.now();
}

/** The window stores' key of a group: a single numeric key as the number itself (no text per record). */
function windowKey(key: readonly unknown[]): WindowKey {
  return key.length === 1 && typeof key[0] === 'number' ? key[0] : keyString(key);
}

function evaluateAll(fns: readonly ((row: readonly unknown[]) => unknown)[], row: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(fns.length);
  for (let i = 0; i < fns.length; i++) out[i] = fns[i]!(row);
  return out;
}
