/**
 * EXPLAIN and runtime statistics. The plans of the benchmark queries are pinned as golden files
 * (test/golden/explain/, rewritten with UPDATE_GOLDEN=1 when a plan changes on purpose); a query of
 * each shape is explained through REST and the CLI; DESCRIBE EXTENDED, SHOW QUERIES EXTENDED and
 * the library API report the counters of queries data has flowed through.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import { CASES, sourceDdl, type TopicMap } from '../../bench/cases.js';
import { writeAvroBids } from '../../bench/avro-input.js';

const GOLDEN = 'test/golden/explain';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-explain-'));
  dirs.push(d);
  return d;
}

/** Compare with the golden file, or write it (UPDATE_GOLDEN=1, or a new case). */
function golden(name: string, text: string): void {
  const path = join(GOLDEN, `${name}.txt`);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, text);
    if (process.env['CI'] === 'true') throw new Error(`golden file ${path} was missing`);
    return;
  }
  expect(text).toBe(readFileSync(path, 'utf8'));
}

/** POST /ksql to a server; the entities, or a rejection with the error body. */
function ksqlAt(server: SluiceServer, statements: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/ksql', server.url), { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json' } }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(data) as Record<string, unknown>[]) : reject(new Error(`${res.statusCode}: ${data}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ ksql: statements }));
  });
}

describe('EXPLAIN of the benchmark queries, through REST', () => {
  const topics: TopicMap = { inputs: { bid: 'bid', auction: 'auction', person: 'person', mem: 'mem', bidAvro: 'bid_avro' }, sinkPrefix: '' };
  for (const c of CASES) {
    if (c.kind !== 'query' || c.backend !== 'embedded') continue;
    it(`${c.name} matches its golden plan`, async () => {
      const engine = await Engine.open({ dataDir: newDir(), runQueries: false });
      const server = new SluiceServer(engine, { port: 0 });
      await server.listen();
      try {
        for (const t of Object.values(topics.inputs)) await engine.log.createTopic(t, { partitions: 4 });
        // Registers the Avro bids' schema, from which bids_avro's columns are inferred.
        await writeAvroBids(engine.log, topics.inputs.bid, topics.inputs.bidAvro, 4);
        await ksqlAt(server, sourceDdl(topics).map((d) => d.sql).join('\n'));
        const [created] = await ksqlAt(server, c.sql(topics));
        const id = (created!['commandStatus'] as { queryId: string }).queryId;
        const [explained] = await ksqlAt(server, `EXPLAIN ${id};`);
        const q = explained!['queryDescription'] as { statementText: string; executionPlan: string; topology: string };
        expect(q).toMatchObject({ id, queryType: 'PERSISTENT', state: 'RUNNING', sinks: [c.sink.toUpperCase()] });
        golden(c.name, `${q.statementText}\n\n${q.executionPlan}\n${q.topology}`);
      } finally {
        // The test's keep-alive connection is the only one left: no need to wait for it.
        await server.close(0);
        await engine.close();
      }
    });
  }
});

describe('EXPLAIN, DESCRIBE EXTENDED and SHOW QUERIES EXTENDED through REST and the CLI', () => {
  let engine: Engine;
  let server: SluiceServer;
  const run = promisify(execFile);

  beforeAll(async () => {
    engine = await Engine.open({ dataDir: newDir(), properties: { 'auto.offset.reset': 'earliest' } });
    server = new SluiceServer(engine, { port: 0 });
    await server.listen();
    await ksql(`
      CREATE STREAM orders (id INT KEY, cust INT, amount INT, tags ARRAY<STRING>) WITH (kafka_topic='orders', partitions=2, value_format='JSON');
      CREATE STREAM payments (order_id INT KEY, paid INT) WITH (kafka_topic='payments', partitions=2, value_format='JSON');
      CREATE TABLE customers (id INT PRIMARY KEY, name STRING, region INT) WITH (kafka_topic='customers', partitions=2, value_format='JSON');
      CREATE TABLE regions (id INT PRIMARY KEY, label STRING) WITH (kafka_topic='regions', partitions=2, value_format='JSON');
      CREATE STREAM big AS SELECT id, amount * 2 AS doubled FROM orders WHERE amount > 1;`);
  });

  afterAll(async () => {
    await server.close();
    await engine.close();
  });

  const ksql = (statements: string) => ksqlAt(server, statements);
  const cli = (statement: string) => run(process.execPath, ['dist/cli/sluice.js', 'cli', '--server', server.url, '-e', statement], { encoding: 'utf8' });

  const plan = async (statement: string) => {
    const [e] = await ksql(`EXPLAIN ${statement}`);
    expect(e).toMatchObject({ '@type': 'queryDescription' });
    return (e!['queryDescription'] as { executionPlan: string; topology: string; id: string }).executionPlan;
  };
  /** The operators of a plan, root first. */
  const ops = (text: string) => [...text.matchAll(/> \[ (\w+) \]/g)].map((m) => m[1]);

  it.each([
    ['a filter and projection', `CREATE STREAM s1 AS SELECT id, amount FROM orders WHERE amount > 3;`, ['SINK', 'PROJECT', 'FILTER', 'SOURCE']],
    ['an aggregation with HAVING', `CREATE TABLE t1 AS SELECT cust, COUNT(*) AS n FROM orders GROUP BY cust HAVING COUNT(*) > 1;`, ['SINK', 'PROJECT', 'FILTER', 'AGGREGATE', 'GROUP_BY', 'SOURCE']],
    ['a windowed aggregation with EMIT FINAL', `CREATE TABLE t2 AS SELECT cust, COUNT(*) AS n FROM orders WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY cust EMIT FINAL;`, ['SINK', 'SUPPRESS', 'PROJECT', 'AGGREGATE', 'GROUP_BY', 'SOURCE']],
    ['table functions', `CREATE STREAM s2 AS SELECT id, EXPLODE(tags) AS tag FROM orders;`, ['SINK', 'PROJECT', 'FLAT_MAP', 'SOURCE']],
    ['PARTITION BY', `CREATE STREAM s3 AS SELECT cust, amount FROM orders PARTITION BY cust;`, ['SINK', 'PROJECT', 'REKEY', 'SOURCE']],
    ['a stream-stream join', `CREATE STREAM s4 AS SELECT o.id AS id, p.paid FROM orders o JOIN payments p WITHIN 1 HOUR ON o.id = p.order_id;`, ['SINK', 'PROJECT', 'JOIN', 'SOURCE', 'SOURCE']],
    ['a foreign-key join', `CREATE TABLE t3 AS SELECT c.id AS id, r.label FROM customers c JOIN regions r ON c.region = r.id;`, ['SINK', 'PROJECT', 'JOIN', 'SOURCE', 'SOURCE']],
    [
      'an aggregation over an n-way join',
      `CREATE TABLE t4 AS SELECT r.label AS label, SUM(o.amount) AS total FROM orders o JOIN customers c ON o.cust = c.id JOIN regions r ON c.region = r.id GROUP BY r.label;`,
      ['SINK', 'PROJECT', 'AGGREGATE', 'GROUP_BY', 'JOIN', 'JOIN', 'SOURCE', 'SOURCE', 'SOURCE'],
    ],
    ['an INSERT INTO', `INSERT INTO big SELECT id, amount AS doubled FROM orders;`, ['SINK', 'PROJECT', 'SOURCE']],
    ['a push query over a join', `SELECT o.id, c.name FROM orders o JOIN customers c ON o.cust = c.id EMIT CHANGES;`, ['PROJECT', 'JOIN', 'SOURCE', 'SOURCE']],
  ])('explains %s without running it, through REST and the CLI', async (_shape, statement, expected) => {
    expect(ops(await plan(statement))).toEqual(expected);
    const printed = (await cli(`EXPLAIN ${statement}`)).stdout;
    expect(printed).toMatch(/^Query Type +: (PERSISTENT|PUSH)$/m);
    expect(ops(printed.slice(printed.indexOf('Execution plan')))).toEqual(expected);
  });

  it('explains nothing it was not asked to create', async () => {
    const [shown] = await ksql('SHOW QUERIES;');
    expect((shown!['queries'] as { id: string }[]).map((q) => q.id)).toEqual(['CSAS_BIG_0']);
    const [topics] = await ksql('SHOW TOPICS;');
    expect((topics!['topics'] as { name: string }[]).map((t) => t.name)).not.toContain('S1');
    await expect(ksql('EXPLAIN NOPE_9;')).rejects.toThrow(/Query with id:NOPE_9 does not exist/);
    await expect(ksql('EXPLAIN SHOW STREAMS;')).rejects.toThrow(/does not run a ksql query/);
  });

  it('reports the statistics of a query data has flowed through, from its links', async () => {
    await ksql(`
      INSERT INTO orders (id, cust, amount) VALUES (1, 1, 5);
      INSERT INTO orders (id, cust, amount) VALUES (2, 1, 1);
      INSERT INTO orders (id, cust, amount) VALUES (3, 2, 7);`);
    const deadline = Date.now() + 10_000;
    while ((await engine.queryStats('CSAS_BIG_0'))!.consumedTotal < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const stats = (await engine.queryStats('CSAS_BIG_0'))!;
    expect(stats).toMatchObject({ consumedTotal: 3, producedTotal: 2, failedTotal: 0, consumerLag: 0 });
    expect(stats.consumedPerSec).toBeGreaterThan(0);
    expect(stats.lastMessageAt).toBeGreaterThan(0);

    const [described] = await ksql('DESCRIBE orders EXTENDED;');
    const d = described!['sourceDescription'] as Record<string, unknown>;
    expect(d).toMatchObject({ extended: true, partitions: 2, replication: 1, readQueries: [{ id: 'CSAS_BIG_0' }], writeQueries: [] });
    expect(d['statistics']).toMatch(/consumer-total-messages: +3 /);
    const [sink] = await ksql('DESCRIBE big EXTENDED;');
    const b = sink!['sourceDescription'] as Record<string, unknown>;
    expect(b).toMatchObject({ readQueries: [], writeQueries: [{ id: 'CSAS_BIG_0' }] });
    expect(b['statistics']).toMatch(/ total-messages: +2 +last-message: 20\d\d-/);

    const [all] = await ksql('SHOW QUERIES EXTENDED;');
    expect(all).toMatchObject({ '@type': 'query_descriptions', queryDescriptions: [{ id: 'CSAS_BIG_0', state: 'RUNNING', consumerLag: 0 }] });
    const q = (all!['queryDescriptions'] as Record<string, unknown>[])[0]!;
    expect(q['statistics']).toMatch(/consumer-total-messages: +3 /);
    expect(q['ksqlHostQueryStatus']).toEqual({ [server.url.replace('http://', '')]: 'RUNNING' });

    // The CLI renders both as ksql's CLI does.
    const explained = (await cli('EXPLAIN CSAS_BIG_0;')).stdout;
    expect(explained).toMatch(/^ID +: CSAS_BIG_0$/m);
    expect(explained).toContain('Execution plan');
    expect(explained).toContain(' > [ SINK ] | Schema: ID INTEGER KEY, DOUBLED INTEGER | Logger: CSAS_BIG_0.BIG');
    expect(explained).toContain('Processing topology');
    expect(explained).toMatch(/consumer-total-messages: +3/);
    const describedText = (await cli('DESCRIBE orders EXTENDED;')).stdout;
    expect(describedText).toMatch(/^Kafka topic +: orders \(partitions: 2, replication: 1\)$/m);
    expect(describedText).toMatch(/^CSAS_BIG_0 \(RUNNING\) : CREATE STREAM big AS SELECT/m);
    expect(describedText).toContain('Local runtime statistics');
  });
});
