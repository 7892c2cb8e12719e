/**
 * Query shapes that compose, on the embedded log with real SQLite state: aggregations over joins
 * (stream-table, stream-stream windowed, n-way, table-table with retractions) give exactly the
 * answers of the two-step workaround they replace (a join into a stream or table, then an
 * aggregation over it), also across a restart; push queries run over every join kind; PARTITION BY
 * and table functions apply to a join's output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { createSerde } from '../../src/serde/index.js';
import { splitWindowedKey } from '../../src/serde/windowed.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-shapes-'));
  dirs.push(d);
  return d;
}

const open = (dir: string) => Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });

interface Out {
  readonly key: unknown;
  readonly window?: { start: number; end: number };
  readonly value: unknown;
  readonly ts: number;
}

/** The records of a sink, decoded with its formats, in the order they were written. */
async function outputs(engine: Engine, name: string): Promise<Out[]> {
  const source = engine.metastore.getSource(name)!;
  const keySerde = createSerde(source.keyFormat, source.schema.key, source.keyOptions, true);
  const ends = await engine.log.endOffsets(source.topic);
  const records = (await Promise.all(ends.map((end, p) => engine.log.read(source.topic, p, 0, end)))).flat();
  records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  return records.map((r) => {
    let keyBytes = r.key;
    let window: { start: number; end: number } | undefined;
    if (source.window && keyBytes) ({ key: keyBytes, window } = splitWindowedKey(keyBytes, source.window.type, source.window.sizeMs));
    const key = keySerde.deserialize(keyBytes)?.[0] ?? null;
    return { key, ...(window ? { window: { start: window.start, end: window.end } } : {}), value: r.value === null ? null : JSON.parse(r.value.toString()), ts: r.timestamp };
  });
}

/**
 * Run `queries` over `ddl`, inserting `inputs` (one INSERT per entry) and draining after each;
 * with `restartAt`, the engine is closed and opened again on the same data directory there.
 */
type Input = string | ((engine: Engine) => Promise<unknown>);

async function scenario(ddl: string, queries: string, inputs: readonly Input[], sinks: readonly string[], restartAt?: number): Promise<Record<string, Out[]>> {
  const dir = newDir();
  let engine = await open(dir);
  try {
    await engine.execute(ddl);
    await engine.execute(queries);
    for (let i = 0; i < inputs.length; i++) {
      if (i === restartAt) {
        await engine.close();
        engine = await open(dir);
      }
      const input = inputs[i]!;
      await (typeof input === 'string' ? engine.execute(input) : input(engine));
      await engine.drain();
    }
    const out: Record<string, Out[]> = {};
    for (const s of sinks) out[s] = await outputs(engine, s);
    return out;
  } finally {
    await engine.close();
  }
}

const ORDERS_DDL = `
  CREATE STREAM orders (id INT KEY, cust INT, amount INT, tags ARRAY<STRING>) WITH (kafka_topic='orders', partitions=1, value_format='JSON');
  CREATE TABLE customers (id INT PRIMARY KEY, name STRING, region INT) WITH (kafka_topic='customers', partitions=1, value_format='JSON');
  CREATE TABLE regions (id INT PRIMARY KEY, label STRING) WITH (kafka_topic='regions', partitions=1, value_format='JSON');`;

const ORDERS_INPUTS = [
  `INSERT INTO regions (id, label) VALUES (7, 'north');`,
  `INSERT INTO regions (id, label) VALUES (8, 'south');`,
  `INSERT INTO customers (id, name, region) VALUES (1, 'ann', 7);`,
  `INSERT INTO customers (id, name, region) VALUES (2, 'bob', 8);`,
  `INSERT INTO orders (ROWTIME, id, cust, amount, tags) VALUES (1000, 10, 1, 5, ARRAY['a', 'b']);`,
  `INSERT INTO orders (ROWTIME, id, cust, amount, tags) VALUES (2000, 11, 1, 7, ARRAY['c']);`,
  `INSERT INTO orders (ROWTIME, id, cust, amount) VALUES (3000, 12, 2, 1);`,
  // No such customer: an inner join drops it.
  `INSERT INTO orders (ROWTIME, id, cust, amount, tags) VALUES (4000, 13, 3, 9, ARRAY['d']);`,
  `INSERT INTO customers (id, name, region) VALUES (2, 'bob', 7);`,
  `INSERT INTO orders (ROWTIME, id, cust, amount, tags) VALUES (5000, 14, 2, 4, ARRAY['e']);`,
];

describe('aggregations over joins', () => {
  it('stream-table join, then GROUP BY with HAVING: the same records as a join stream aggregated by a second query', async () => {
    const composed = `CREATE TABLE totals AS SELECT c.name AS name, SUM(o.amount) AS total, COUNT(*) AS n FROM orders o JOIN customers c ON o.cust = c.id GROUP BY c.name HAVING SUM(o.amount) > 2;`;
    const twoStep = `
      CREATE STREAM enriched AS SELECT o.cust AS cust, c.name AS name, o.amount AS amount FROM orders o JOIN customers c ON o.cust = c.id;
      CREATE TABLE totals2 AS SELECT name, SUM(amount) AS total, COUNT(*) AS n FROM enriched GROUP BY name HAVING SUM(amount) > 2;`;
    const out = await scenario(ORDERS_DDL, composed + twoStep, ORDERS_INPUTS, ['TOTALS', 'TOTALS2']);
    expect(out['TOTALS']).toEqual([
      { key: 'ann', value: { TOTAL: 5, N: 1 }, ts: 1000 },
      { key: 'ann', value: { TOTAL: 12, N: 2 }, ts: 2000 },
      // bob's first order (1) does not pass HAVING: nothing to delete, nothing written.
      { key: 'bob', value: { TOTAL: 5, N: 2 }, ts: 5000 },
    ]);
    expect(out['TOTALS']).toEqual(out['TOTALS2']);
  });

  it('n-way join (stream-table-table), then GROUP BY: the same as the two-step workaround, also across a restart', async () => {
    const composed = `CREATE TABLE by_region AS SELECT r.label AS label, SUM(o.amount) AS total FROM orders o JOIN customers c ON o.cust = c.id JOIN regions r ON c.region = r.id GROUP BY r.label;`;
    const twoStep = `
      CREATE STREAM enriched AS SELECT c.region AS region, r.label AS label, o.amount AS amount FROM orders o JOIN customers c ON o.cust = c.id JOIN regions r ON c.region = r.id;
      CREATE TABLE by_region2 AS SELECT label, SUM(amount) AS total FROM enriched GROUP BY label;`;
    const expected = [
      { key: 'north', value: { TOTAL: 5 }, ts: 1000 },
      { key: 'north', value: { TOTAL: 12 }, ts: 2000 },
      { key: 'south', value: { TOTAL: 1 }, ts: 3000 },
      // bob moved to the north: his next order counts there.
      { key: 'north', value: { TOTAL: 16 }, ts: 5000 },
    ];
    const straight = await scenario(ORDERS_DDL, composed + twoStep, ORDERS_INPUTS, ['BY_REGION', 'BY_REGION2']);
    expect(straight['BY_REGION']).toEqual(expected);
    expect(straight['BY_REGION2']).toEqual(expected);
    const restarted = await scenario(ORDERS_DDL, composed + twoStep, ORDERS_INPUTS, ['BY_REGION', 'BY_REGION2'], 6);
    expect(restarted).toEqual(straight);
  });

  const CLICKS_DDL = `
    CREATE STREAM views (ad INT KEY, viewer STRING) WITH (kafka_topic='views', partitions=1, value_format='JSON');
    CREATE STREAM clicks (ad INT KEY, viewer STRING) WITH (kafka_topic='clicks', partitions=1, value_format='JSON');`;
  const CLICKS_INPUTS = [
    `INSERT INTO views (ROWTIME, ad, viewer) VALUES (1000, 1, 'u1');`,
    `INSERT INTO clicks (ROWTIME, ad, viewer) VALUES (3000, 1, 'u1');`,
    `INSERT INTO views (ROWTIME, ad, viewer) VALUES (4000, 2, 'u2');`,
    `INSERT INTO clicks (ROWTIME, ad, viewer) VALUES (5000, 1, 'u3');`,
    // Too late for the view at 1000 (WITHIN 5 SECONDS): no match.
    `INSERT INTO clicks (ROWTIME, ad, viewer) VALUES (9000, 1, 'u4');`,
    `INSERT INTO clicks (ROWTIME, ad, viewer) VALUES (62000, 2, 'u5');`,
    `INSERT INTO views (ROWTIME, ad, viewer) VALUES (61000, 2, 'u6');`,
  ];

  it('stream-stream join, then a windowed GROUP BY: the same windowed records as the two-step workaround, also across a restart', async () => {
    const composed = `CREATE TABLE per_ad AS SELECT v.ad AS ad, COUNT(*) AS n FROM views v JOIN clicks c WITHIN 5 SECONDS ON v.ad = c.ad WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY v.ad;`;
    const twoStep = `
      CREATE STREAM matched AS SELECT v.ad AS ad, c.viewer AS clicker FROM views v JOIN clicks c WITHIN 5 SECONDS ON v.ad = c.ad;
      CREATE TABLE per_ad2 AS SELECT ad, COUNT(*) AS n FROM matched WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ad;`;
    const expected = [
      { key: 1, window: { start: 0, end: 60000 }, value: { N: 1 }, ts: 3000 },
      { key: 1, window: { start: 0, end: 60000 }, value: { N: 2 }, ts: 5000 },
      { key: 2, window: { start: 60000, end: 120000 }, value: { N: 1 }, ts: 62000 },
    ];
    const straight = await scenario(CLICKS_DDL, composed + twoStep, CLICKS_INPUTS, ['PER_AD', 'PER_AD2']);
    expect(straight['PER_AD']).toEqual(expected);
    expect(straight['PER_AD2']).toEqual(expected);
    const restarted = await scenario(CLICKS_DDL, composed + twoStep, CLICKS_INPUTS, ['PER_AD', 'PER_AD2'], 4);
    expect(restarted).toEqual(straight);
  });

  it('table-table join, then GROUP BY: a row that changes group is retracted from the old one', async () => {
    const ddl = `
      CREATE TABLE users (id INT PRIMARY KEY, region_id INT) WITH (kafka_topic='users', partitions=1, value_format='JSON');
      CREATE TABLE regions (id INT PRIMARY KEY, label STRING) WITH (kafka_topic='regions', partitions=1, value_format='JSON');`;
    const composed = `CREATE TABLE per_region AS SELECT r.label AS label, COUNT(*) AS n FROM users u JOIN regions r ON u.region_id = r.id GROUP BY r.label;`;
    const twoStep = `
      CREATE TABLE user_regions AS SELECT u.id AS id, r.label AS label FROM users u JOIN regions r ON u.region_id = r.id;
      CREATE TABLE per_region2 AS SELECT label, COUNT(*) AS n FROM user_regions GROUP BY label;`;
    const inputs = [
      `INSERT INTO regions (ROWTIME, id, label) VALUES (1, 7, 'north');`,
      `INSERT INTO regions (ROWTIME, id, label) VALUES (2, 8, 'south');`,
      `INSERT INTO users (ROWTIME, id, region_id) VALUES (3, 1, 7);`,
      `INSERT INTO users (ROWTIME, id, region_id) VALUES (4, 2, 7);`,
      `INSERT INTO users (ROWTIME, id, region_id) VALUES (5, 2, 8);`,
    ];
    const out = await scenario(ddl, composed + twoStep, inputs, ['PER_REGION', 'PER_REGION2']);
    expect(out['PER_REGION']).toEqual([
      { key: 'north', value: { N: 1 }, ts: 3 },
      { key: 'north', value: { N: 2 }, ts: 4 },
      { key: 'north', value: { N: 1 }, ts: 5 },
      { key: 'south', value: { N: 1 }, ts: 5 },
    ]);
    expect(out['PER_REGION']).toEqual(out['PER_REGION2']);
  });
});

describe('steps after a join', () => {
  it('PARTITION BY re-keys a join, and EXPLODE runs over a stream-table LEFT JOIN', async () => {
    const queries = `
      CREATE STREAM by_name AS SELECT c.name AS name, o.id AS id FROM orders o JOIN customers c ON o.cust = c.id PARTITION BY c.name;
      CREATE STREAM tagged AS SELECT o.cust AS cust, c.name AS name, EXPLODE(o.tags) AS tag FROM orders o LEFT JOIN customers c ON o.cust = c.id;`;
    const out = await scenario(ORDERS_DDL, queries, ORDERS_INPUTS, ['BY_NAME', 'TAGGED']);
    expect(out['BY_NAME']!.map((r) => [r.key, r.value])).toEqual([
      ['ann', { ID: 10 }],
      ['ann', { ID: 11 }],
      ['bob', { ID: 12 }],
      ['bob', { ID: 14 }],
    ]);
    expect(out['TAGGED']!.map((r) => [r.key, r.value])).toEqual([
      [1, { NAME: 'ann', TAG: 'a' }],
      [1, { NAME: 'ann', TAG: 'b' }],
      [1, { NAME: 'ann', TAG: 'c' }],
      [3, { NAME: null, TAG: 'd' }],
      [2, { NAME: 'bob', TAG: 'e' }],
    ]);
  });
});

describe('n-way table joins', () => {
  it('a delete in a table joined in the middle deletes the joined row', async () => {
    const ddl = `
      CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', partitions=1, value_format='JSON');
      CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', partitions=1, value_format='JSON');
      CREATE TABLE c (id INT PRIMARY KEY, z STRING) WITH (kafka_topic='c', partitions=1, value_format='JSON');`;
    const queries = `CREATE TABLE abc AS SELECT a.id AS id, x, y, z FROM a JOIN b ON a.id = b.id JOIN c ON a.id = c.id;`;
    const inputs = [
      `INSERT INTO a (ROWTIME, id, x) VALUES (1, 1, 'x');`,
      `INSERT INTO b (ROWTIME, id, y) VALUES (2, 1, 'y');`,
      `INSERT INTO c (ROWTIME, id, z) VALUES (3, 1, 'z');`,
      // A tombstone for b's row 1 (KAFKA-format INT key).
      (engine: Engine) => engine.log.append('b', [{ key: Buffer.from([0, 0, 0, 1]), value: null, timestamp: 4 }]),
    ];
    const out = await scenario(ddl, queries, inputs, ['ABC']);
    expect(out['ABC']).toEqual([
      { key: 1, value: { X: 'x', Y: 'y', Z: 'z' }, ts: 3 },
      { key: 1, value: null, ts: 4 },
    ]);
  });
});

describe('push queries over joins', () => {
  /** Start a push query from the earliest records, and collect `n` rows. */
  async function push(engine: Engine, sql: string, n: number): Promise<{ rows: unknown[][]; columns: string[] }> {
    const rows: unknown[][] = [];
    // The record cache off: every update of an aggregation is a row (with it, a poll's updates collapse).
    const handle = await engine.executeQuery(sql.replace(/;\s*$/, ` EMIT CHANGES LIMIT ${n};`), { onRow: (r) => rows.push([...r]), onEnd() {}, onError(e) { throw e; } }, { properties: { 'auto.offset.reset': 'earliest', 'cache.max.bytes.buffering': '0' } });
    const timeout = setTimeout(() => void handle.close(), 10_000);
    await handle.done;
    clearTimeout(timeout);
    return { rows, columns: handle.columns.map((c) => c.name) };
  }

  it('runs stream-stream, stream-table, table-table, foreign-key and n-way joins, and an aggregation over a join', async () => {
    const engine = await open(newDir());
    try {
      await engine.execute(ORDERS_DDL);
      await engine.execute(`
        CREATE STREAM payments (order_id INT KEY, paid INT) WITH (kafka_topic='payments', partitions=1, value_format='JSON');
        CREATE TABLE accounts (id INT PRIMARY KEY, owner STRING) WITH (kafka_topic='accounts', partitions=1, value_format='JSON');`);
      for (const i of ORDERS_INPUTS) await engine.execute(i);
      await engine.execute(`
        INSERT INTO payments (ROWTIME, order_id, paid) VALUES (1500, 10, 5);
        INSERT INTO payments (ROWTIME, order_id, paid) VALUES (2500, 11, 6);
        INSERT INTO accounts (id, owner) VALUES (1, 'ann-account');`);

      const ss = await push(engine, `SELECT o.id AS id, p.paid AS paid FROM orders o JOIN payments p WITHIN 1 SECOND ON o.id = p.order_id;`, 2);
      expect(ss.rows).toEqual([[10, 5], [11, 6]]);
      const st = await push(engine, `SELECT o.id AS id, c.name AS name FROM orders o LEFT JOIN customers c ON o.cust = c.id;`, 5);
      expect(st.rows).toEqual([[10, 'ann'], [11, 'ann'], [12, 'bob'], [13, null], [14, 'bob']]);
      const tt = await push(engine, `SELECT c.id AS id, c.name AS name, a.owner AS owner FROM customers c JOIN accounts a ON c.id = a.id;`, 1);
      expect(tt.rows).toEqual([[1, 'ann', 'ann-account']]);
      const fk = await push(engine, `SELECT c.id AS id, r.label AS label FROM customers c JOIN regions r ON c.region = r.id;`, 3);
      expect(fk.rows).toEqual([[1, 'north'], [2, 'south'], [2, 'north']]);
      const nway = await push(engine, `SELECT o.id AS id, c.name AS name, r.label AS label FROM orders o JOIN customers c ON o.cust = c.id JOIN regions r ON c.region = r.id;`, 4);
      expect(nway.rows).toEqual([[10, 'ann', 'north'], [11, 'ann', 'north'], [12, 'bob', 'south'], [14, 'bob', 'north']]);
      expect(nway.columns).toEqual(['ID', 'NAME', 'LABEL']);
      const agg = await push(engine, `SELECT c.name AS name, COUNT(*) AS n FROM orders o JOIN customers c ON o.cust = c.id GROUP BY c.name;`, 4);
      expect(agg.rows).toEqual([['ann', 1], ['ann', 2], ['bob', 1], ['bob', 2]]);
    } finally {
      await engine.close();
    }
  });
});
