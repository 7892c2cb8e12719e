/**
 * The engine end to end on the embedded log: persistent queries, restart on the same data
 * directory, the processing log, and INSERT VALUES.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { readAll, tempDataDirs } from './fixtures/engine-data.js';
import type { Log, LogRecord, ProduceRecord } from '../../src/storage/log/log.js';
import { openEmbeddedLog } from '../../src/storage/log/embedded/index.js';

const dataDir = tempDataDirs('sluice-engine-');

const json = (b: Buffer | null) => (b === null ? null : JSON.parse(b.toString('utf8')));

describe('engine', () => {
  it('runs a filtering, projecting persistent query', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await engine.execute(`
        CREATE STREAM orders (id STRING KEY, amount DOUBLE, item STRING) WITH (kafka_topic='orders', value_format='JSON', partitions=2);
        CREATE STREAM big AS SELECT id, UCASE(item) AS item, amount * 2 AS doubled FROM orders WHERE amount > 10;`);
      await engine.execute(`
        INSERT INTO orders (id, amount, item) VALUES ('a', 5.0, 'pen');
        INSERT INTO orders (id, amount, item) VALUES ('b', 50.0, 'desk');
        INSERT INTO orders (id, amount, item) VALUES ('c', 11.5, 'lamp');`);
      await engine.drain();
      const out = (await readAll(engine, 'BIG')).map((r) => ({ key: r.key!.toString(), value: json(r.value) }));
      out.sort((x, y) => String(x.key).localeCompare(String(y.key)));
      expect(out).toEqual([
        { key: 'b', value: { ITEM: 'DESK', DOUBLED: 100 } },
        { key: 'c', value: { ITEM: 'LAMP', DOUBLED: 23 } },
      ]);
      expect(engine.listQueries().map((q) => q.id)).toEqual(['CSAS_BIG_0']);
    } finally {
      await engine.close();
    }
  });

  it('resumes persistent queries after a restart without losing or repeating output', async () => {
    const dir = dataDir();
    let engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    await engine.execute(`
      CREATE STREAM s (k INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
      CREATE STREAM t AS SELECT k, CONCAT(v, '!') AS v FROM s;`);
    for (let i = 0; i < 5; i++) await engine.execute(`INSERT INTO s (k, v) VALUES (${i}, 'x${i}');`);
    await engine.drain();
    await engine.close();

    engine = await Engine.open({ dataDir: dir, runQueries: false });
    try {
      expect(engine.metastore.getSource('T')?.type).toBe('STREAM');
      expect(engine.listQueries().map((q) => q.id)).toEqual(['CSAS_T_0']);
      for (let i = 5; i < 8; i++) await engine.execute(`INSERT INTO s (k, v) VALUES (${i}, 'x${i}');`);
      await engine.drain();
      const values = (await readAll(engine, 'T')).map((r) => json(r.value).V);
      expect(values).toEqual(['x0!', 'x1!', 'x2!', 'x3!', 'x4!', 'x5!', 'x6!', 'x7!']);
      // A new query gets the next id after the replayed ones.
      const [res] = await engine.execute(`CREATE STREAM u AS SELECT * FROM s;`);
      expect(res).toMatchObject({ type: 'currentStatus', queryId: 'CSAS_U_1' });
    } finally {
      await engine.close();
    }
  });

  it('sends undeserializable records to the processing log and keeps running', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await engine.execute(`
        CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
        CREATE STREAM t AS SELECT k, n + 1 AS m FROM s;`);
      await engine.log.append('s', [
        { key: Buffer.from('a'), value: Buffer.from('{"N": 1}'), timestamp: 1 },
        { key: Buffer.from('b'), value: Buffer.from('{not json'), timestamp: 2 },
        { key: Buffer.from('c'), value: Buffer.from('{"N": "seven"}'), timestamp: 3 },
        { key: Buffer.from('d'), value: Buffer.from('{"N": 41}'), timestamp: 4 },
      ]);
      await engine.drain();
      const out = (await readAll(engine, 'T')).map((r) => [r.key!.toString(), json(r.value).M, r.timestamp]);
      expect(out).toEqual([
        ['a', 2, 1],
        ['d', 42, 4],
      ]);
      const errors = engine.processingLog.entries('CSAS_T_0');
      expect(errors.map((e) => [e.type, e.offset])).toEqual([
        ['DESERIALIZATION_ERROR', 1],
        ['DESERIALIZATION_ERROR', 2],
      ]);
      // The entries are also records of the processing-log topic.
      const logged = (await readAll(engine, 'default_ksql_processing_log')).map((r) => json(r.value).message.type);
      expect(logged).toEqual([0, 0]); // ksqlDB's processing-log schema: type 0 is DESERIALIZATION_ERROR
    } finally {
      await engine.close();
    }
  });

  it('reports a malformed statement with its position', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false });
    try {
      await expect(engine.execute('CREATE STREAM s (k INT KEY)\n  WITH (kafka_topic=)')).rejects.toMatchObject({
        name: 'ParseError',
        pos: { line: 2, column: 21 },
      });
    } finally {
      await engine.close();
    }
  });

  it('runs queries in the background when asked to', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await engine.execute(`
        CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
        CREATE STREAM t AS SELECT k, v * 10 AS w FROM s;
        INSERT INTO s (k, v) VALUES (1, 4);`);
      const deadline = Date.now() + 10_000;
      let out: LogRecord[] = [];
      while (Date.now() < deadline && out.length === 0) {
        await new Promise((r) => setTimeout(r, 50));
        out = await readAll(engine, 'T');
      }
      expect(out.map((r) => json(r.value))).toEqual([{ W: 40 }]);
    } finally {
      await engine.close();
    }
  });

  it('serves push queries (with LIMIT) and pull queries over streams', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false });
    try {
      await engine.execute(`
        CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
        INSERT INTO s (k, v) VALUES ('a', 1);
        INSERT INTO s (k, v) VALUES ('b', 2);`);
      const collect = () => {
        const rows: unknown[][] = [];
        let end = '';
        return { rows, end: () => end, sink: { onRow: (r: readonly unknown[]) => rows.push([...r]), onEnd: (e: string) => (end = e), onError: (e: Error) => (end = e.message) } };
      };
      const pull = collect();
      const q1 = await engine.executeQuery(`SELECT k, v * 10 AS w FROM s WHERE v > 1;`, pull.sink);
      await q1.done;
      expect(q1.columns.map((c) => c.name)).toEqual(['K', 'W']);
      expect(pull.rows).toEqual([['b', 20]]);
      expect(pull.end()).toBe('Query Completed');

      const push = collect();
      const q2 = await engine.executeQuery(`SELECT * FROM s EMIT CHANGES LIMIT 2;`, push.sink, { properties: { 'auto.offset.reset': 'latest' } });
      await engine.execute(`INSERT INTO s (k, v) VALUES ('c', 3); INSERT INTO s (k, v) VALUES ('d', 4); INSERT INTO s (k, v) VALUES ('e', 5);`);
      await q2.done;
      expect(push.rows).toEqual([
        ['c', 3],
        ['d', 4],
      ]);
      expect(push.end()).toBe('Limit Reached');

      const open = collect();
      const q3 = await engine.executeQuery(`SELECT v FROM s EMIT CHANGES;`, open.sink, { properties: { 'auto.offset.reset': 'earliest' } });
      while (open.rows.length < 5) await new Promise((r) => setTimeout(r, 20));
      await q3.close();
      expect(open.rows).toEqual([[1], [2], [3], [4], [5]]);
      expect(open.end()).toBe('Query Terminated');
    } finally {
      await engine.close();
    }
  });

  it('keeps aggregation state updated over several micro-batches and a restart', async () => {
    const dir = dataDir();
    let engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    await engine.execute(`
      CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
      CREATE TABLE tumble AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
      CREATE TABLE sess AS SELECT k, COUNT(*) AS n FROM s WINDOW SESSION (5 SECONDS) GROUP BY k;
      CREATE TABLE plain AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;`);
    // Every insert is drained on its own: each update of a group lands in a later batch than the last.
    const rows: [number, number, number][] = [
      [1000, 1, 1],
      [2000, 1, 2],
      [3000, 2, 5],
      [4000, 1, 3],
      [12000, 1, 4],
    ];
    const insert = async (list: [number, number, number][]) => {
      for (const [ts, k, v] of list) {
        await engine.execute(`INSERT INTO s (ROWTIME, k, v) VALUES (${ts}, ${k}, ${v});`);
        await engine.drain();
      }
    };
    await insert(rows.slice(0, 3));
    await engine.close();
    engine = await Engine.open({ dataDir: dir, runQueries: false });
    try {
      await insert(rows.slice(3));
      await engine.execute(`INSERT INTO s (ROWTIME, k, v) VALUES (4500, 2, 6);`);
      await engine.drain();
      const last = async (topic: string, windowed: boolean) => {
        const m = new Map<string, unknown>();
        for (const r of await readAll(engine, topic)) {
          const id = windowed ? `${r.key!.readInt32BE(0)}@${Number(r.key!.readBigInt64BE(4))}` : String(r.key!.readInt32BE(0));
          m.set(id, json(r.value));
        }
        return Object.fromEntries([...m].filter(([, v]) => v !== null));
      };
      expect(await last('TUMBLE', true)).toEqual({
        '1@0': { N: 3, TOTAL: 6 },
        '2@0': { N: 2, TOTAL: 11 },
        '1@10000': { N: 1, TOTAL: 4 },
      });
      // Session keys hold the window end before its start; readBigInt64BE(4) reads the end.
      expect(await last('SESS', true)).toEqual({ '1@4000': { N: 3 }, '2@4500': { N: 2 }, '1@12000': { N: 1 } });
      expect(await last('PLAIN', false)).toEqual({ '1': { N: 4 }, '2': { N: 2 } });
      // Pull queries read the materialized views, updated over the same batches.
      const pull = async (sql: string) => {
        const rows: unknown[][] = [];
        const q = await engine.executeQuery(sql, { onRow: (r: readonly unknown[]) => rows.push([...r]), onEnd: () => undefined, onError: (e: Error) => rows.push([e.message]) });
        await q.done;
        return rows;
      };
      expect(await pull(`SELECT k, n FROM plain;`)).toEqual([
        [1, 4],
        [2, 2],
      ]);
      expect(await pull(`SELECT k, n FROM plain WHERE k = 1;`)).toEqual([[1, 4]]);
      expect(await pull(`SELECT k, WINDOWSTART, n, total FROM tumble;`)).toEqual([
        [1, 0, 3, 6],
        [1, 10000, 1, 4],
        [2, 0, 2, 11],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('joins stream records buffered before a restart and in earlier micro-batches', async () => {
    const dir = dataDir();
    let engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    await engine.execute(`
      CREATE STREAM l (k INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
      CREATE STREAM r (k INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
      CREATE STREAM j AS SELECT l.k AS k, a, b FROM l JOIN r WITHIN 10 SECONDS ON l.k = r.k;`);
    const run = async (stmts: string[]) => {
      for (const s of stmts) {
        await engine.execute(s);
        await engine.drain();
      }
    };
    await run([`INSERT INTO l (ROWTIME, k, a) VALUES (1000, 1, 'l1');`, `INSERT INTO r (ROWTIME, k, b) VALUES (2000, 1, 'r1');`]);
    await engine.close();
    engine = await Engine.open({ dataDir: dir, runQueries: false });
    try {
      await run([
        `INSERT INTO r (ROWTIME, k, b) VALUES (3000, 1, 'r2');`,
        `INSERT INTO l (ROWTIME, k, a) VALUES (4000, 1, 'l2');`,
        `INSERT INTO l (ROWTIME, k, a) VALUES (5000, 2, 'l3');`,
        `INSERT INTO r (ROWTIME, k, b) VALUES (30000, 1, 'late');`,
      ]);
      const out = (await readAll(engine, 'J')).map((r) => json(r.value));
      expect(out).toEqual([
        { A: 'l1', B: 'r1' },
        { A: 'l1', B: 'r2' },
        { A: 'l2', B: 'r1' },
        { A: 'l2', B: 'r2' },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('drops stream-stream join records past retention from its state', async () => {
    const dir = dataDir();
    const engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    const buffered = () => {
      const db = new Database(join(dir, 'state', 'CSAS_J_0.db'), { readonly: true });
      try {
        return (db.prepare('SELECT (SELECT COUNT(*) FROM win_j_lbuf) + (SELECT COUNT(*) FROM win_j_rbuf) AS n').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      await engine.execute(`
        CREATE STREAM l (k INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
        CREATE STREAM r (k INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
        CREATE STREAM j AS SELECT l.k AS k, a, b FROM l JOIN r WITHIN 1 SECOND GRACE PERIOD 1 SECOND ON l.k = r.k;`);
      for (let i = 0; i < 5; i++) await engine.execute(`INSERT INTO l (ROWTIME, k, a) VALUES (${1000 + i}, ${i}, 'x');`);
      await engine.drain();
      expect(buffered()).toBe(5);
      // Stream time moves an hour on; expiry runs at a commit at least 10 s (wall clock) after the last.
      vi.setSystemTime(Date.now() + 11_000);
      await engine.execute(`INSERT INTO r (ROWTIME, k, b) VALUES (3600000, 1, 'y');`);
      await engine.drain();
      expect(buffered()).toBe(1);
    } finally {
      vi.useRealTimers();
      await engine.close();
    }
  });

  it('processes a batch whose outputs could not be written again, losing and double-counting nothing', async () => {
    const engine = await Engine.open({ dataDir: dataDir(), runQueries: false, properties: { 'auto.offset.reset': 'earliest' } });
    try {
      await engine.execute(`
        CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
        CREATE STREAM t WITH (kafka_topic='t_out', partitions=1) AS SELECT k, v * 10 AS w FROM s;
        CREATE TABLE c WITH (kafka_topic='c_out', partitions=1) AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s GROUP BY k;`);
      await engine.execute(`INSERT INTO s (k, v) VALUES ('a', 1); INSERT INTO s (k, v) VALUES ('a', 2);`);
      await engine.drain();
      // Both sink topics disappear: the next batches fail at their append.
      await engine.log.deleteTopic('t_out');
      await engine.log.deleteTopic('c_out');
      await engine.execute(`INSERT INTO s (k, v) VALUES ('a', 3); INSERT INTO s (k, v) VALUES ('b', 4);`);
      await expect(engine.drain()).rejects.toThrow();
      await expect(engine.drain()).rejects.toThrow();
      await engine.log.createTopic('t_out', { partitions: 1 });
      await engine.log.createTopic('c_out', { partitions: 1 });
      await engine.drain();
      expect((await readAll(engine, 't_out')).map((r) => json(r.value))).toEqual([{ W: 30 }, { W: 40 }]);
      const latest = new Map((await readAll(engine, 'c_out')).map((r) => [r.key!.toString(), json(r.value)]));
      expect(latest).toEqual(new Map([['a', { N: 3, TOTAL: 6 }], ['b', { N: 1, TOTAL: 4 }]]));
    } finally {
      await engine.close();
    }
  });

  it('a batch run in chunks that fails after some chunks is run again whole: state counts each record once', async () => {
    const log = await openEmbeddedLog(dataDir());
    // The real log, except that the third append to the table's sink fails once (a batch of 10,000
    // records runs in chunks of log.chunkRecords, each chunk's outputs appended before the next).
    let sinkAppends = 0;
    const faulty: Log = new Proxy(log, {
      get(target, prop, receiver) {
        if (prop === 'append') {
          return async (topic: string, records: readonly ProduceRecord[]) => {
            if (topic === 'c_out' && ++sinkAppends === 3) throw new Error('injected append failure');
            return target.append(topic, records);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    expect(log.chunkRecords).toBeLessThan(5_000);
    // The record cache off: every chunk has outputs to append (with it, they are written at the batch's end).
    const engine = await Engine.open({ dataDir: dataDir(), log: faulty, runQueries: false, properties: { 'auto.offset.reset': 'earliest', 'cache.max.bytes.buffering': '0' } });
    try {
      await engine.execute(`
        CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
        CREATE TABLE c WITH (kafka_topic='c_out', partitions=1) AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM s GROUP BY k;`);
      const keys = ['a', 'b', 'c', 'd', 'e'];
      await log.append(
        's',
        Array.from({ length: 10_000 }, (_, i) => ({ key: Buffer.from(keys[i % 5]!), value: Buffer.from(JSON.stringify({ V: 1 })), timestamp: 1000 + i })),
      );
      await expect(engine.drain()).rejects.toThrow('injected append failure');
      await engine.drain();
      expect(sinkAppends).toBeGreaterThan(3);
      const latest = new Map((await readAll(engine, 'c_out')).map((r) => [r.key!.toString(), json(r.value)]));
      expect(latest).toEqual(new Map(keys.map((k) => [k, { N: 2_000, TOTAL: 2_000 }])));
    } finally {
      await engine.close();
      await log.close();
    }
  });
});
