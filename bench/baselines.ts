/**
 * The limits a query is compared with: for each query, a hand-written loop that decodes the same
 * input bytes (JSON.parse, or avsc for the Avro cases), does the same work in plain JS and encodes
 * the same output (JSON.stringify or avsc, KAFKA keys by hand). No SQL, no schema checks, no log:
 * the most a pipeline of that format in this process can do. Each baseline is a factory so its
 * state (maps) starts empty on every run.
 */
import avro from 'avsc';
import type { LogRecord } from '../src/storage/log/log.js';
import { frame } from '../src/serde/confluent-wire.js';
import { BID_AVRO_SCHEMA } from './avro-input.js';

export type Emit = (key: Buffer | null, value: Buffer | null) => void;
export type Baseline = (emit: Emit) => (record: LogRecord) => void;

interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}
interface Auction {
  seller: number;
  category: number;
}

const parse = <T>(b: Buffer): T => JSON.parse(b.toString()) as T;
const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o), 'utf8');

function longKey(id: number, extra = 0): Buffer {
  const b = Buffer.allocUnsafe(8 + extra);
  b.writeBigInt64BE(BigInt(id), 0);
  return b;
}

/** KAFKA key followed by the window start (and end, for sessions), as windowed keys are laid out. */
function windowedKey(id: number, start: number, end?: number): Buffer {
  const b = longKey(id, end === undefined ? 8 : 16);
  b.writeBigInt64BE(BigInt(start), 8);
  if (end !== undefined) b.writeBigInt64BE(BigInt(end), 16);
  return b;
}

export const q0: Baseline = (emit) => (r) => {
  const o = parse<Bid>(r.value!);
  emit(null, json({ AUCTION: o.auction, BIDDER: o.bidder, PRICE: o.price, CHANNEL: o.channel, URL: o.url, DATETIME: o.dateTime, EXTRA: o.extra }));
};

export const q1: Baseline = (emit) => (r) => {
  const o = parse<Bid>(r.value!);
  emit(null, json({ AUCTION: o.auction, BIDDER: o.bidder, PRICE: Math.trunc((o.price * 89) / 100), DATETIME: o.dateTime, EXTRA: o.extra }));
};

export const q2: Baseline = (emit) => (r) => {
  const o = parse<Bid>(r.value!);
  if (o.auction % 123 === 0) emit(null, json({ AUCTION: o.auction, PRICE: o.price }));
};

/**
 * The Avro limit: avsc decoding the producer's records and encoding the result records (the
 * schemas Sluice generates for them: nullable fields of record KsqlDataSourceSchema), framed.
 */
const avroOut = (fields: readonly [string, string][]) =>
  avro.Type.forSchema({
    type: 'record',
    name: 'KsqlDataSourceSchema',
    namespace: 'io.confluent.ksql.avro_schemas',
    fields: fields.map(([name, type]) => ({ name, type: ['null', type], default: null })),
  } as avro.Schema);
const bidAvro = () => avro.Type.forSchema(BID_AVRO_SCHEMA as unknown as avro.Schema);

export const avroQ0: Baseline = (emit) => {
  const input = bidAvro();
  const output = avroOut([['AUCTION', 'long'], ['BIDDER', 'long'], ['PRICE', 'long'], ['CHANNEL', 'string'], ['URL', 'string'], ['DATETIME', 'long'], ['EXTRA', 'string']]);
  return (r) => {
    const o = input.fromBuffer(r.value!.subarray(5)) as Bid;
    emit(null, frame(2, output.toBuffer({ AUCTION: o.auction, BIDDER: o.bidder, PRICE: o.price, CHANNEL: o.channel, URL: o.url, DATETIME: o.dateTime, EXTRA: o.extra })));
  };
};

export const avroQ2: Baseline = (emit) => {
  const input = bidAvro();
  const output = avroOut([['AUCTION', 'long'], ['PRICE', 'long']]);
  return (r) => {
    const o = input.fromBuffer(r.value!.subarray(5)) as Bid;
    if (o.auction % 123 === 0) emit(null, frame(2, output.toBuffer({ AUCTION: o.auction, PRICE: o.price })));
  };
};

export function tumbling(sizeMs: number): Baseline {
  return (emit) => {
    const state = new Map<string, { count: number; sum: number }>();
    return (r) => {
      const o = parse<Bid>(r.value!);
      const ws = r.timestamp - (r.timestamp % sizeMs);
      const k = o.auction + '@' + ws;
      let s = state.get(k);
      if (s === undefined) state.set(k, (s = { count: 0, sum: 0 }));
      s.count++;
      s.sum += o.price;
      emit(windowedKey(o.auction, ws), json({ BID_COUNT: s.count, TOTAL: s.sum }));
    };
  };
}

export function hopping(sizeMs: number, advanceMs: number): Baseline {
  return (emit) => {
    const state = new Map<string, { count: number; sum: number }>();
    return (r) => {
      const o = parse<Bid>(r.value!);
      const last = r.timestamp - (r.timestamp % advanceMs);
      for (let ws = last; ws > r.timestamp - sizeMs && ws >= 0; ws -= advanceMs) {
        const k = o.auction + '@' + ws;
        let s = state.get(k);
        if (s === undefined) state.set(k, (s = { count: 0, sum: 0 }));
        s.count++;
        s.sum += o.price;
        emit(windowedKey(o.auction, ws), json({ AVG_PRICE: s.sum / s.count }));
      }
    };
  };
}

export function session(gapMs: number): Baseline {
  return (emit) => {
    const state = new Map<number, { start: number; end: number; count: number }>();
    return (r) => {
      const o = parse<Bid>(r.value!);
      const ts = r.timestamp;
      let s = state.get(o.bidder);
      if (s !== undefined && ts >= s.start - gapMs && ts <= s.end + gapMs) {
        // The merged session replaces the old one: a tombstone for the old window, then the new row.
        emit(windowedKey(o.bidder, s.start, s.end), null);
        s.start = Math.min(s.start, ts);
        s.end = Math.max(s.end, ts);
        s.count++;
      } else {
        state.set(o.bidder, (s = { start: ts, end: ts, count: 1 }));
      }
      emit(windowedKey(o.bidder, s.start, s.end), json({ BID_COUNT: s.count }));
    };
  };
}

/** Bids joined with the latest auction row of their auction id. */
export const streamTable: Baseline = (emit) => {
  const auctions = new Map<number, Auction>();
  return (r) => {
    if (r.key !== null) {
      const id = Number(r.key.readBigInt64BE(0));
      if (r.value === null) auctions.delete(id);
      else auctions.set(id, parse<Auction>(r.value));
      return;
    }
    const b = parse<Bid>(r.value!);
    const a = auctions.get(b.auction);
    if (a !== undefined) emit(longKey(b.auction), json({ BIDDER: b.bidder, PRICE: b.price, SELLER: a.seller, CATEGORY: a.category }));
  };
};

/** Bids and auctions joined when their timestamps are within `withinMs`; old entries are purged. */
export function streamStream(withinMs: number): Baseline {
  return (emit) => {
    const bids = new Map<number, { ts: number; price: number }[]>();
    const auctions = new Map<number, { ts: number; seller: number }[]>();
    const fresh = <T extends { ts: number }>(list: T[], ts: number): T[] => {
      let i = 0;
      while (i < list.length && list[i]!.ts < ts - 2 * withinMs) i++;
      return i === 0 ? list : list.slice(i);
    };
    const out = (auction: number, price: number, seller: number) => emit(longKey(auction), json({ PRICE: price, SELLER: seller }));
    return (r) => {
      const ts = r.timestamp;
      if (r.key !== null) {
        const id = Number(r.key.readBigInt64BE(0));
        const a = parse<Auction>(r.value!);
        const list = fresh(auctions.get(id) ?? [], ts);
        list.push({ ts, seller: a.seller });
        auctions.set(id, list);
        for (const b of bids.get(id) ?? []) if (Math.abs(b.ts - ts) <= withinMs) out(id, b.price, a.seller);
        return;
      }
      const b = parse<Bid>(r.value!);
      const list = fresh(bids.get(b.auction) ?? [], ts);
      list.push({ ts, price: b.price });
      bids.set(b.auction, list);
      for (const a of auctions.get(b.auction) ?? []) if (Math.abs(a.ts - ts) <= withinMs) out(b.auction, b.price, a.seller);
    };
  };
}

export const countByBidder: Baseline = (emit) => {
  const counts = new Map<number, number>();
  return (r) => {
    const o = parse<Bid>(r.value!);
    const n = (counts.get(o.bidder) ?? 0) + 1;
    counts.set(o.bidder, n);
    emit(longKey(o.bidder), json({ N: n }));
  };
};

/**
 * The input of a baseline, held compactly (one buffer, offsets in typed arrays) rather than as a
 * million record objects: a large live heap would make every garbage collection of the baseline's
 * loop slower and understate the limit it measures.
 */
export class CompactInput {
  private bytes = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** Per record: key offset, key length (-1 = null), value offset, value length (-1 = null), timestamp. */
  private meta = new Float64Array(5 * 1024);
  count = 0;

  add(r: LogRecord): void {
    const need = (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (this.used + need > this.bytes.length) {
      const b = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + need));
      this.bytes.copy(b, 0, 0, this.used);
      this.bytes = b;
    }
    if ((this.count + 1) * 5 > this.meta.length) {
      const m = new Float64Array(this.meta.length * 2);
      m.set(this.meta);
      this.meta = m;
    }
    const m = this.meta;
    const o = this.count * 5;
    m[o] = this.used;
    m[o + 1] = r.key === null ? -1 : r.key.length;
    if (r.key !== null) this.used += r.key.copy(this.bytes, this.used);
    m[o + 2] = this.used;
    m[o + 3] = r.value === null ? -1 : r.value.length;
    if (r.value !== null) this.used += r.value.copy(this.bytes, this.used);
    m[o + 4] = r.timestamp;
    this.count++;
  }

  /** Record i as a LogRecord (key and value are views, as the log's consumer returns them). */
  record(i: number): LogRecord {
    const m = this.meta;
    const o = i * 5;
    const kl = m[o + 1]!;
    const vl = m[o + 3]!;
    return {
      topic: '',
      partition: 0,
      offset: i,
      key: kl < 0 ? null : this.bytes.subarray(m[o]!, m[o]! + kl),
      value: vl < 0 ? null : this.bytes.subarray(m[o + 2]!, m[o + 2]! + vl),
      timestamp: m[o + 4]!,
      headers: [],
    };
  }
}

/**
 * Runs a baseline over the input in micro-batches of `batch` outputs (as the engine hands its sink a
 * batch): returns the elapsed seconds, the number of outputs and the first few output values.
 */
export function runBaseline(baseline: Baseline, input: CompactInput, batch = 5000): { seconds: number; outputs: number; sample: (Buffer | null)[] } {
  let outputs = 0;
  let bytes = 0;
  let buf: { key: Buffer | null; value: Buffer | null }[] = [];
  const sample: (Buffer | null)[] = [];
  const emit: Emit = (key, value) => {
    buf.push({ key, value });
    if (buf.length >= batch) {
      for (const o of buf) bytes += o.value === null ? 0 : o.value.length;
      buf = [];
    }
    if (sample.length < 3) sample.push(value);
    outputs++;
  };
  const process = baseline(emit);
  const n = input.count;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) process(input.record(i));
  const seconds = (performance.now() - t0) / 1000;
  if (bytes < 0) throw new Error('unreachable'); // keeps the outputs observable
  return { seconds, outputs, sample };
}
