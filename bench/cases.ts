/**
 * The benchmark cases: the persistent query each one runs (over the sources of sourceDdl), which
 * topics it reads, and the plain-JS baseline doing the same work.
 */
import * as B from './baselines.js';

export type InputTopic = 'bid' | 'auction' | 'person' | 'mem' | 'bidAvro';
export type Backend = 'embedded' | 'kafka';

export interface TopicMap {
  /** Topic names of the inputs (on the case's backend). */
  readonly inputs: Readonly<Record<InputTopic, string>>;
  /** Prefix for sink topics (unique per run on Kafka, where topics outlive the run). */
  readonly sinkPrefix: string;
}

export interface QueryCase {
  readonly kind: 'query';
  readonly name: string;
  readonly backend: Backend;
  readonly inputs: readonly InputTopic[];
  /** Name of the sink source created by `sql`. */
  readonly sink: string;
  readonly sql: (t: TopicMap) => string;
  readonly baseline: B.Baseline;
  /** Compare the first outputs with the baseline's byte for byte (same JSON rendering expected). */
  readonly compareOutputs?: boolean;
  readonly fullOnly?: boolean;
  /** Properties of the query (e.g. processing.guarantee for the exactly-once variants, the record cache off). */
  readonly properties?: Readonly<Record<string, string>>;
}

/** Needs a server (pull latency, push fan-out): measured only when src/server provides one. */
export interface ServerCase {
  readonly kind: 'server';
  readonly name: string;
  readonly subscribers?: number;
}

export type BenchCase = QueryCase | ServerCase;

const BID_COLUMNS = 'auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime BIGINT, extra STRING';
const AUCTION_COLUMNS =
  'itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime BIGINT, expires BIGINT, seller BIGINT, category BIGINT, extra STRING';
const PERSON_COLUMNS = 'name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, dateTime BIGINT, extra STRING';

/** The source streams and tables, one statement each (a source whose topic is absent is skipped). */
export function sourceDdl(t: TopicMap): { topic: InputTopic; sql: string }[] {
  const i = t.inputs;
  return [
    { topic: 'bid', sql: `CREATE STREAM bids (${BID_COLUMNS}) WITH (KAFKA_TOPIC='${i.bid}', VALUE_FORMAT='JSON');` },
    { topic: 'mem', sql: `CREATE STREAM bids_mem (${BID_COLUMNS}) WITH (KAFKA_TOPIC='${i.mem}', VALUE_FORMAT='JSON');` },
    // No columns: they are inferred from the schema registered for the topic (avro-input.ts).
    { topic: 'bidAvro', sql: `CREATE STREAM bids_avro WITH (KAFKA_TOPIC='${i.bidAvro}', VALUE_FORMAT='AVRO');` },
    {
      topic: 'auction',
      sql: `CREATE STREAM auctions_s (id BIGINT KEY, ${AUCTION_COLUMNS}) WITH (KAFKA_TOPIC='${i.auction}', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');`,
    },
    {
      topic: 'auction',
      sql: `CREATE TABLE auctions (id BIGINT PRIMARY KEY, ${AUCTION_COLUMNS}) WITH (KAFKA_TOPIC='${i.auction}', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');`,
    },
    {
      topic: 'person',
      sql: `CREATE TABLE persons (id BIGINT PRIMARY KEY, ${PERSON_COLUMNS}) WITH (KAFKA_TOPIC='${i.person}', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');`,
    },
  ];
}

const sinkWith = (t: TopicMap, name: string) => `WITH (KAFKA_TOPIC='${t.sinkPrefix}${name}')`;

const Q0 = (name: string) => (t: TopicMap) => `CREATE STREAM ${name} ${sinkWith(t, name)} AS SELECT * FROM bids EMIT CHANGES;`;
// Nexmark q1 (currency conversion), in Beam's integer form: price * 89 / 100.
const Q1 = (name: string) => (t: TopicMap) =>
  `CREATE STREAM ${name} ${sinkWith(t, name)} AS SELECT auction, bidder, (price * 89) / 100 AS price, dateTime, extra FROM bids EMIT CHANGES;`;
// Nexmark q2 (selection): about 1 bid in 123 passes.
const Q2 = (name: string) => (t: TopicMap) => `CREATE STREAM ${name} ${sinkWith(t, name)} AS SELECT auction, price FROM bids WHERE auction % 123 = 0 EMIT CHANGES;`;
const TUMBLE = (name: string) => (t: TopicMap) =>
  `CREATE TABLE ${name} ${sinkWith(t, name)} AS SELECT auction, COUNT(*) AS bid_count, SUM(price) AS total FROM bids WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY auction EMIT CHANGES;`;

const EOS = { 'processing.guarantee': 'exactly_once_v2' } as const;

export const CASES: readonly BenchCase[] = [
  { kind: 'query', name: 'q0-passthrough', backend: 'embedded', inputs: ['bid'], sink: 'q0', sql: Q0('q0'), baseline: B.q0, compareOutputs: true },
  { kind: 'query', name: 'q1-projection', backend: 'embedded', inputs: ['bid'], sink: 'q1', sql: Q1('q1'), baseline: B.q1, compareOutputs: true },
  { kind: 'query', name: 'q2-filter', backend: 'embedded', inputs: ['bid'], sink: 'q2', sql: Q2('q2'), baseline: B.q2, compareOutputs: true },
  {
    kind: 'query',
    name: 'avro-q0-passthrough',
    backend: 'embedded',
    inputs: ['bidAvro'],
    sink: 'aq0',
    sql: (t) => `CREATE STREAM aq0 ${sinkWith(t, 'aq0')} AS SELECT * FROM bids_avro EMIT CHANGES;`,
    baseline: B.avroQ0,
  },
  {
    kind: 'query',
    name: 'avro-q2-filter',
    backend: 'embedded',
    inputs: ['bidAvro'],
    sink: 'aq2',
    sql: (t) => `CREATE STREAM aq2 ${sinkWith(t, 'aq2')} AS SELECT auction, price FROM bids_avro WHERE auction % 123 = 0 EMIT CHANGES;`,
    baseline: B.avroQ2,
  },
  { kind: 'query', name: 'tumbling-count-sum', backend: 'embedded', inputs: ['bid'], sink: 'q_tumble', sql: TUMBLE('q_tumble'), baseline: B.tumbling(10_000) },
  // The cost of exactly-once outputs: the same queries with processing.guarantee=exactly_once_v2.
  { kind: 'query', name: 'q0-passthrough-eos', backend: 'embedded', inputs: ['bid'], sink: 'q0e', sql: Q0('q0e'), baseline: B.q0, properties: EOS },
  { kind: 'query', name: 'tumbling-count-sum-eos', backend: 'embedded', inputs: ['bid'], sink: 'q_tumble_e', sql: TUMBLE('q_tumble_e'), baseline: B.tumbling(10_000), properties: EOS },
  // The same with ksqlDB's record cache off (cache.max.bytes.buffering=0): every update an output, as the baseline.
  { kind: 'query', name: 'tumbling-count-sum-nocache', backend: 'embedded', inputs: ['bid'], sink: 'q_tumble_nc', sql: TUMBLE('q_tumble_nc'), baseline: B.tumbling(10_000), properties: { 'cache.max.bytes.buffering': '0' } },
  {
    kind: 'query',
    name: 'hopping-avg',
    backend: 'embedded',
    inputs: ['bid'],
    sink: 'q_hop',
    sql: (t) =>
      `CREATE TABLE q_hop ${sinkWith(t, 'q_hop')} AS SELECT auction, AVG(price) AS avg_price FROM bids WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY auction EMIT CHANGES;`,
    baseline: B.hopping(10_000, 5_000),
  },
  {
    kind: 'query',
    name: 'session-count',
    backend: 'embedded',
    inputs: ['bid'],
    sink: 'q_session',
    sql: (t) => `CREATE TABLE q_session ${sinkWith(t, 'q_session')} AS SELECT bidder, COUNT(*) AS bid_count FROM bids WINDOW SESSION (10 SECONDS) GROUP BY bidder EMIT CHANGES;`,
    baseline: B.session(10_000),
  },
  {
    kind: 'query',
    name: 'stream-table-join',
    backend: 'embedded',
    inputs: ['auction', 'bid'],
    sink: 'q_st',
    sql: (t) =>
      `CREATE STREAM q_st ${sinkWith(t, 'q_st')} AS SELECT b.auction AS auction, b.bidder AS bidder, b.price AS price, a.seller AS seller, a.category AS category FROM bids b JOIN auctions a ON b.auction = a.id EMIT CHANGES;`,
    baseline: B.streamTable,
  },
  {
    kind: 'query',
    name: 'stream-stream-join',
    backend: 'embedded',
    inputs: ['auction', 'bid'],
    sink: 'q_ss',
    sql: (t) =>
      `CREATE STREAM q_ss ${sinkWith(t, 'q_ss')} AS SELECT b.auction AS auction, b.price AS price, a.seller AS seller FROM bids b JOIN auctions_s a WITHIN 1 MINUTE ON b.auction = a.id EMIT CHANGES;`,
    baseline: B.streamStream(60_000),
  },
  { kind: 'server', name: 'pull-query-latency' },
  { kind: 'server', name: 'push-fanout-100', subscribers: 100 },
  { kind: 'server', name: 'push-fanout-1000', subscribers: 1000 },
  { kind: 'query', name: 'kafka-q0-passthrough', backend: 'kafka', inputs: ['bid'], sink: 'kq0', sql: Q0('kq0'), baseline: B.q0 },
  { kind: 'query', name: 'kafka-q2-filter', backend: 'kafka', inputs: ['bid'], sink: 'kq2', sql: Q2('kq2'), baseline: B.q2 },
  { kind: 'query', name: 'kafka-tumbling-count-sum', backend: 'kafka', inputs: ['bid'], sink: 'kq_tumble', sql: TUMBLE('kq_tumble'), baseline: B.tumbling(10_000) },
  {
    kind: 'query',
    name: 'table-1m-keys',
    backend: 'embedded',
    inputs: ['mem'],
    sink: 'q_mem',
    sql: (t) => `CREATE TABLE q_mem ${sinkWith(t, 'q_mem')} AS SELECT bidder, COUNT(*) AS n FROM bids_mem GROUP BY bidder EMIT CHANGES;`,
    baseline: B.countByBidder,
    fullOnly: true,
  },
];
