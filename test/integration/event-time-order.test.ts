/**
 * Event-time order across a query's inputs (src/runtime/input-merge.ts): a join started over data
 * already in its topics takes the records by timestamp across them, as Kafka Streams does, not in
 * the order the topics were written.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { readAll, tempDataDirs } from './fixtures/engine-data.js';
import type { LogRecord } from '../../src/storage/log/log.js';

const dataDir = tempDataDirs('sluice-order-');

const json = (b: Buffer | null): unknown => (b === null ? null : JSON.parse(b.toString('utf8')));

describe('event-time order across inputs', () => {
  it('a stream-table join over existing data loads the earlier table rows first (the survey case)', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await engine.execute(`
        CREATE STREAM responses (respondent_id VARCHAR KEY, question VARCHAR, answer VARCHAR)
          WITH (kafka_topic='survey-responses', partitions=2, value_format='JSON');
        CREATE TABLE respondents (id VARCHAR PRIMARY KEY, name VARCHAR)
          WITH (kafka_topic='survey-respondents', partitions=2, value_format='JSON');`);
      // The responses are written first, but happen after the respondents registered.
      await engine.execute(`INSERT INTO responses (ROWTIME, respondent_id, question, answer) VALUES (5000, 'r1', 'q1', 'yes');`);
      await engine.execute(`INSERT INTO responses (ROWTIME, respondent_id, question, answer) VALUES (6000, 'r2', 'q1', 'no');`);
      await engine.execute(`INSERT INTO respondents (ROWTIME, id, name) VALUES (1000, 'r1', 'Ann');`);
      await engine.execute(`INSERT INTO respondents (ROWTIME, id, name) VALUES (2000, 'r2', 'Bob');`);
      await engine.execute(`
        CREATE STREAM answers AS
          SELECT responses.respondent_id AS id, respondents.name, responses.answer
          FROM responses JOIN respondents ON responses.respondent_id = respondents.id
          EMIT CHANGES;`);
      await engine.drain();
      const rows = (await readAll(engine, 'ANSWERS')).map((r) => ({ key: r.key?.toString(), value: json(r.value), ts: r.timestamp }));
      rows.sort((a, b) => a.ts - b.ts);
      expect(rows).toEqual([
        { key: 'r1', value: { NAME: 'Ann', ANSWER: 'yes' }, ts: 5000 },
        { key: 'r2', value: { NAME: 'Bob', ANSWER: 'no' }, ts: 6000 },
      ]);
      // The batch committed every input record, none twice: nothing more runs.
      await engine.execute(`INSERT INTO responses (ROWTIME, respondent_id, question, answer) VALUES (7000, 'r1', 'q2', 'maybe');`);
      await engine.drain();
      const again = await readAll(engine, 'ANSWERS');
      expect(again).toHaveLength(3);
      expect(json(again.find((r) => r.timestamp === 7000)!.value)).toEqual({ NAME: 'Ann', ANSWER: 'maybe' });
    } finally {
      await engine.close();
    }
  });

  it('a stream-stream join over two pre-loaded topics runs their records in timestamp order', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await engine.execute(`
        CREATE STREAM clicks (k VARCHAR KEY, page VARCHAR) WITH (kafka_topic='clicks', partitions=1, value_format='JSON');
        CREATE STREAM views (k VARCHAR KEY, ad VARCHAR) WITH (kafka_topic='views', partitions=1, value_format='JSON');`);
      // Written first: a view of 'a' at 1.5 s, then one of 'z' at 10 s. In write order the click
      // of 'a' at 1 s would come after stream time reached 10 s, its match long expired.
      await engine.execute(`INSERT INTO views (ROWTIME, k, ad) VALUES (1500, 'a', 'ad-a');`);
      await engine.execute(`INSERT INTO views (ROWTIME, k, ad) VALUES (10000, 'z', 'ad-z');`);
      await engine.execute(`INSERT INTO clicks (ROWTIME, k, page) VALUES (1000, 'a', 'home');`);
      await engine.execute(`INSERT INTO clicks (ROWTIME, k, page) VALUES (10500, 'z', 'shop');`);
      await engine.execute(`
        CREATE STREAM clicked AS
          SELECT clicks.k AS k, page, ad FROM clicks
          JOIN views WITHIN 1 SECOND GRACE PERIOD 1 SECOND ON clicks.k = views.k
          EMIT CHANGES;`);
      await engine.drain();
      const rows = (await readAll(engine, 'CLICKED')).map((r) => ({ key: r.key?.toString(), value: json(r.value), ts: r.timestamp }));
      expect(rows).toEqual([
        { key: 'a', value: { PAGE: 'home', AD: 'ad-a' }, ts: 1500 },
        { key: 'z', value: { PAGE: 'shop', AD: 'ad-z' }, ts: 10500 },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('a table-table join over existing data joins by event time', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest', 'cache.max.bytes.buffering': '0' } });
    try {
      await engine.execute(`
        CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR) WITH (kafka_topic='users', partitions=1, value_format='JSON');
        CREATE TABLE regions (id INT PRIMARY KEY, region VARCHAR) WITH (kafka_topic='regions', partitions=1, value_format='JSON');`);
      // The region changes at 3 s; users were written after it, with earlier and later timestamps.
      await engine.execute(`INSERT INTO regions (ROWTIME, id, region) VALUES (1000, 1, 'north');`);
      await engine.execute(`INSERT INTO regions (ROWTIME, id, region) VALUES (3000, 1, 'south');`);
      await engine.execute(`INSERT INTO users (ROWTIME, id, name) VALUES (2000, 1, 'Ann');`);
      await engine.execute(`
        CREATE TABLE located AS SELECT users.id AS id, name, region FROM users JOIN regions ON users.id = regions.id EMIT CHANGES;`);
      await engine.drain();
      const rows = (await readAll(engine, 'LOCATED')).map((r) => ({ value: json(r.value), ts: r.timestamp }));
      // In event time: Ann joins north (at 2 s), then the region's change updates her row (3 s).
      expect(rows).toEqual([
        { value: { NAME: 'Ann', REGION: 'north' }, ts: 2000 },
        { value: { NAME: 'Ann', REGION: 'south' }, ts: 3000 },
      ]);
    } finally {
      await engine.close();
    }
  });
});
