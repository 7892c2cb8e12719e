/**
 * The materialized view of a table (CREATE TABLE AS SELECT, CREATE SOURCE TABLE): its current rows
 * by key (and window), kept in the owning query's SQLite state and updated with each output, so pull
 * queries can answer from it.
 */
import type { KvStore, StateDb, WindowStore } from './state-db.js';
import { decodeValue, encodeValue, keyString } from './value-codec.js';
import type { WindowBounds } from '../../serde/windowed.js';

export interface ViewRow {
  readonly key: readonly unknown[];
  readonly value: readonly unknown[];
  readonly ts: number;
  readonly window?: WindowBounds;
}

const codec = {
  encode: (r: ViewRow) => encodeValue([r.key, r.value, r.ts]),
  decode: (t: string): ViewRow => {
    const [key, value, ts] = decodeValue(t) as [unknown[], unknown[], number];
    return { key, value, ts };
  },
};

/** What pull queries read: a table's current rows. */
export interface TableView {
  apply(key: readonly unknown[], value: readonly unknown[] | null, ts: number, window?: WindowBounds): void;
  get(key: readonly unknown[]): ViewRow | undefined;
  rows(): IterableIterator<ViewRow>;
}

/** Rows computed from an aggregation's own state (see AggregateView). */
export interface ViewSource {
  get(key: readonly unknown[]): ViewRow | undefined;
  rows(): IterableIterator<ViewRow>;
}

/**
 * The view of an aggregation's table, read from the aggregation's own store instead of a copy:
 * the copy doubled the end-of-batch SQLite writes (measured, 920K bids: hopping 38.6K → 54K
 * records/s, tumbling 91K → 99K without it). The running query attaches its operator as the source.
 */
export class AggregateView implements TableView {
  private source: ViewSource | undefined;

  attach(source: ViewSource): void {
    this.source = source;
  }

  /** Nothing to do: the aggregation's store is the table. */
  apply(): void {}

  get(key: readonly unknown[]): ViewRow | undefined {
    return this.source?.get(key);
  }

  *rows(): IterableIterator<ViewRow> {
    if (this.source) yield* this.source.rows();
  }
}

export class MaterializedView implements TableView {
  private readonly kv?: KvStore<ViewRow>;
  private readonly win?: WindowStore<ViewRow>;

  constructor(state: StateDb, windowed: boolean) {
    if (windowed) this.win = state.windows('view', codec);
    else this.kv = state.kv('view', codec);
  }

  /** Apply one changelog record: a row, or (value null) a delete. */
  apply(key: readonly unknown[], value: readonly unknown[] | null, ts: number, window?: WindowBounds): void {
    const ks = keyString(key);
    const row = value === null ? undefined : { key, value, ts };
    if (this.win) {
      if (window) this.win.put(ks, window.start, window.end, row);
    } else this.kv!.put(ks, row);
  }

  /** One key's row (non-windowed views). */
  get(key: readonly unknown[]): ViewRow | undefined {
    return this.kv?.get(keyString(key));
  }

  /** Every committed row. */
  *rows(): IterableIterator<ViewRow> {
    if (this.kv) {
      for (const [, r] of this.kv.entries()) yield r;
      return;
    }
    for (const e of this.win!.entries()) yield { ...e.value, window: { start: e.start, end: e.end } };
  }
}
