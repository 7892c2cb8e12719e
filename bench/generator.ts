/**
 * A deterministic generator of Nexmark-style events (persons, auctions, bids) as JSON records, and
 * the loader that appends them to a Log in batches.
 *
 * Mix as in Nexmark: of every 50 events 1 is a person, 3 are auctions and 46 are bids. Ids are
 * sequential (from 1000); a bid refers to one of the `hotAuctions` most recent auctions and one of the
 * `hotBidders` most recent persons (the key cardinality of the keyed queries). Event time advances by
 * 1000 / eventsPerSecond ms per event; an `outOfOrderFraction` of events is shifted back by up to
 * `maxDelayMs` (record timestamp and the dateTime field alike).
 *
 * Persons and auctions are keyed by id (KAFKA format: 8-byte big-endian BIGINT); bids carry no key.
 */
import type { Log, ProduceRecord } from '../src/storage/log/log.js';
import { Prng } from './prng.js';

export interface GeneratorOptions {
  readonly events: number;
  readonly seed: number;
  readonly hotAuctions: number;
  readonly hotBidders: number;
  readonly outOfOrderFraction: number;
  readonly maxDelayMs: number;
  readonly eventsPerSecond: number;
  /** Event time of the first event (epoch ms). */
  readonly startTime: number;
}

export const DEFAULT_GENERATOR: GeneratorOptions = {
  events: 1_000_000,
  seed: 42,
  hotAuctions: 10_000,
  hotBidders: 10_000,
  outOfOrderFraction: 0.05,
  maxDelayMs: 2_000,
  eventsPerSecond: 10_000,
  startTime: Date.UTC(2024, 0, 1),
};

export type EventKind = 'person' | 'auction' | 'bid';

export interface GeneratedEvent {
  readonly kind: EventKind;
  readonly record: ProduceRecord;
}

const FIRST_ID = 1000;
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];

/** 8-byte big-endian BIGINT, the KAFKA key format. */
export function longKey(id: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(BigInt(id), 0);
  return b;
}

export function* generateEvents(o: GeneratorOptions): Generator<GeneratedEvent> {
  const rnd = new Prng(o.seed);
  let persons = 0;
  let auctions = 0;
  const step = 1000 / o.eventsPerSecond;
  for (let i = 0; i < o.events; i++) {
    let ts = o.startTime + Math.floor(i * step);
    if (o.outOfOrderFraction > 0 && rnd.next() < o.outOfOrderFraction) ts -= rnd.int(o.maxDelayMs + 1);
    const slot = i % 50;
    if (slot === 0) {
      const id = FIRST_ID + persons++;
      const value = {
        id,
        name: rnd.word(5) + ' ' + rnd.word(7),
        emailAddress: rnd.word(8) + '@' + rnd.word(6) + '.com',
        creditCard: `${1000 + rnd.int(9000)} ${1000 + rnd.int(9000)} ${1000 + rnd.int(9000)} ${1000 + rnd.int(9000)}`,
        city: CITIES[rnd.int(CITIES.length)]!,
        state: STATES[rnd.int(STATES.length)]!,
        dateTime: ts,
        extra: rnd.word(16),
      };
      yield { kind: 'person', record: { key: longKey(id), value: Buffer.from(JSON.stringify(value)), timestamp: ts } };
    } else if (slot < 4) {
      const id = FIRST_ID + auctions++;
      const initialBid = 100 + rnd.int(10_000);
      const value = {
        id,
        itemName: rnd.word(10),
        description: rnd.word(24),
        initialBid,
        reserve: initialBid + rnd.int(5_000),
        dateTime: ts,
        expires: ts + 10_000 + rnd.int(60_000),
        seller: persons > 0 ? FIRST_ID + persons - 1 - rnd.int(Math.min(o.hotBidders, persons)) : FIRST_ID,
        category: 10 + rnd.int(5),
        extra: rnd.word(16),
      };
      yield { kind: 'auction', record: { key: longKey(id), value: Buffer.from(JSON.stringify(value)), timestamp: ts } };
    } else {
      const r = rnd.next();
      const value = {
        auction: FIRST_ID + auctions - 1 - rnd.int(Math.min(o.hotAuctions, auctions)),
        bidder: FIRST_ID + persons - 1 - rnd.int(Math.min(o.hotBidders, persons)),
        price: 100 + Math.floor(r * r * r * 1_000_000),
        channel: CHANNELS[rnd.int(CHANNELS.length)]!,
        url: `https://www.nexmark.com/${rnd.word(5)}/item.htm?query=1&channel_id=${rnd.int(1000)}`,
        dateTime: ts,
        extra: rnd.word(12),
      };
      yield { kind: 'bid', record: { key: null, value: Buffer.from(JSON.stringify(value)), timestamp: ts } };
    }
  }
}

/**
 * Bids with `keys` distinct bidders (each bidder once), for the state-size check: every record
 * creates a new key in an aggregation grouped by bidder.
 */
export function* distinctKeyBids(keys: number, seed: number, startTime: number): Generator<ProduceRecord> {
  const rnd = new Prng(seed);
  for (let i = 0; i < keys; i++) {
    const ts = startTime + i;
    const value = { auction: FIRST_ID + rnd.int(1000), bidder: FIRST_ID + i, price: 100 + rnd.int(100_000), channel: 'Google', url: '', dateTime: ts, extra: '' };
    yield { key: null, value: Buffer.from(JSON.stringify(value)), timestamp: ts };
  }
}

export type TopicNames = Readonly<Record<EventKind, string>>;

export interface LoadCounts {
  person: number;
  auction: number;
  bid: number;
  bytes: number;
}

/** Appends the events to their topics in batches of `batchSize` events (per-topic order kept, topics interleaved by batch). */
export async function loadEvents(log: Log, topics: TopicNames, events: Iterable<GeneratedEvent>, batchSize = 5000): Promise<LoadCounts> {
  const counts: LoadCounts = { person: 0, auction: 0, bid: 0, bytes: 0 };
  let batch: Record<EventKind, ProduceRecord[]> = { person: [], auction: [], bid: [] };
  let n = 0;
  const flush = async (): Promise<void> => {
    for (const kind of ['person', 'auction', 'bid'] as const) if (batch[kind].length > 0) await log.append(topics[kind], batch[kind]);
    batch = { person: [], auction: [], bid: [] };
    n = 0;
  };
  for (const e of events) {
    batch[e.kind].push(e.record);
    counts[e.kind]++;
    counts.bytes += e.record.value!.length;
    if (++n >= batchSize) await flush();
  }
  await flush();
  return counts;
}

/** Appends plain records to one topic in batches. */
export async function loadRecords(log: Log, topic: string, records: Iterable<ProduceRecord>, batchSize = 5000): Promise<number> {
  let batch: ProduceRecord[] = [];
  let n = 0;
  for (const r of records) {
    batch.push(r);
    n++;
    if (batch.length >= batchSize) {
      await log.append(topic, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await log.append(topic, batch);
  return n;
}
