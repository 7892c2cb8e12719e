/**
 * The embedded shell (`sluice shell`) and `sluice run`, as processes on a real data directory:
 * pull and push queries and PRINT from piped stdin, `run` printing query results and exiting,
 * tables sized to their data (a long value wraps inside its cell), DOUBLE shown as ksqlDB shows it,
 * and a locked data directory reported in one line with exit status 1 (server, shell, run).
 * Uses the compiled CLI (pretest builds it).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';

const exec = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-shell-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const LONG = 'a much longer value than the column was sized for, which used to push the grid out of line';

/** Grid lines of a table in `out`: from a `+---` border to the next blank-bordered end. */
function gridBlocks(out: string): string[][] {
  const blocks: string[][] = [];
  let cur: string[] | undefined;
  for (const line of out.split('\n')) {
    const l = line.replace(/^sluice> /, '');
    if (l.startsWith('+-') || l.startsWith('|')) (cur ??= []).push(l);
    else if (cur) {
      blocks.push(cur);
      cur = undefined;
    }
  }
  if (cur) blocks.push(cur);
  return blocks;
}

function shell(dataDir: string, input: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli/sluice.js', 'shell', '--data-dir', dataDir, '--history', ''], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

it('the shell runs pull and push queries and PRINT from piped stdin, and ends its last line at end of input', async () => {
  const r = await shell(
    join(dir, 'shell'),
    [
      "CREATE STREAM s (k STRING KEY, price DOUBLE, note STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
      "INSERT INTO s (k, price, note) VALUES ('a', 10.0, 'short');",
      `INSERT INTO s (k, price, note) VALUES ('b', 2.5, '${LONG}');`,
      'SELECT k, price FROM s;',
      "SET 'auto.offset.reset'='earliest';",
      'SELECT * FROM s EMIT CHANGES LIMIT 2;',
      "PRINT 's' FROM BEGINNING LIMIT 1;",
      '',
    ].join('\n'),
  );
  expect(r.code).toBe(0);
  expect(r.err).toBe('');
  // The pull query: a grid as wide as its data, DOUBLE 10.0 (not 10).
  expect(r.out).toContain(['+---+-------+', '| K | PRICE |', '+---+-------+', '| a | 10.0  |', '| b | 2.5   |', '+---+-------+'].join('\n'));
  expect(r.out).toContain('Query Completed\nQuery terminated');
  // The push query: ends at its LIMIT; the long value wraps inside its column, every line as wide.
  expect(r.out).toContain('Limit Reached\nQuery terminated');
  const push = gridBlocks(r.out).find((b) => b.some((l) => l.includes('NOTE')))!;
  expect(push.length).toBeGreaterThan(6);
  expect(new Set(push.map((l) => l.length)).size).toBe(1);
  expect(push.map((l) => l.split('|')[3]?.trim() ?? '').join(' ')).toContain(LONG);
  // PRINT
  expect(r.out).toMatch(/Key format: KAFKA_STRING\nValue format: JSON or KAFKA_STRING\nrowtime: [^\n]+, key: a, value: \{"PRICE":10\.0,"NOTE":"short"\}, partition: 0\nTopic printing ceased/);
  expect(r.out.endsWith('sluice> \n')).toBe(true);
});

it('`run` prints query results and exits: a push query stops once it has shown the data present', async () => {
  const script = join(dir, 'script.sql');
  writeFileSync(
    script,
    `CREATE STREAM orders (id INT KEY, amount DOUBLE) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
     INSERT INTO orders (id, amount) VALUES (1, 3.0);
     INSERT INTO orders (id, amount) VALUES (2, 4.5);
     CREATE TABLE totals AS SELECT id, SUM(amount) AS total FROM orders GROUP BY id;
     SELECT * FROM totals;
     SELECT id, amount * 2 AS twice FROM orders EMIT CHANGES;
     PRINT 'orders';`,
  );
  const started = Date.now();
  const { stdout } = await exec(process.execPath, ['dist/cli/sluice.js', 'run', script, '--data-dir', join(dir, 'run'), '--earliest'], { encoding: 'utf8', timeout: 30_000 });
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(stdout).toContain(['+----+-------+', '| ID | TOTAL |', '+----+-------+', '| 1  | 3.0   |', '| 2  | 4.5   |', '+----+-------+'].join('\n'));
  expect(stdout).toMatch(/\| 1 +\| 6\.0 +\|\n\| 2 +\| 9\.0 +\|\n\+-+/);
  expect(stdout).toMatch(/key: 1, value: \{"AMOUNT":3\.0\}, partition: 0\nrowtime: [^\n]+, key: 2, value: \{"AMOUNT":4\.5\}, partition: 0\nTopic printing ceased/);

  // JSON output: the header and rows as objects, one per line.
  const json = await exec(process.execPath, ['dist/cli/sluice.js', 'run', script.replace('script', 'q'), '--data-dir', join(dir, 'run'), '--output', 'JSON'], { encoding: 'utf8' }).catch((e: { stderr: string }) => ({ stdout: '', stderr: e.stderr }));
  expect(json.stderr ?? '').toMatch(/ENOENT/);
  writeFileSync(script.replace('script', 'q'), 'SELECT * FROM totals;');
  const q = await exec(process.execPath, ['dist/cli/sluice.js', 'run', script.replace('script', 'q'), '--data-dir', join(dir, 'run'), '--output', 'JSON'], { encoding: 'utf8' });
  const objects = q.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(objects[0]).toMatchObject({ header: { schema: '`ID` INTEGER KEY, `TOTAL` DOUBLE' } });
  expect(objects.slice(1)).toEqual([{ row: { columns: [1, 3] } }, { row: { columns: [2, 4.5] } }]);
});

it('a locked data directory is one line on stderr and exit status 1, for server, shell and run', async () => {
  const dataDir = join(dir, 'locked');
  const holder = await Engine.open({ dataDir });
  try {
    writeFileSync(join(dir, 'empty.sql'), 'SHOW STREAMS;');
    for (const args of [['server', '--port', '0'], ['shell'], ['run', join(dir, 'empty.sql')]]) {
      let failure: { code?: number; stderr?: string; stdout?: string } = {};
      try {
        await exec(process.execPath, ['dist/cli/sluice.js', ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 20_000 });
      } catch (e) {
        failure = e as typeof failure;
      }
      expect(failure.code, args[0]).toBe(1);
      expect(failure.stderr).toMatch(/^Error: data directory \S+ is in use by process \d+ \(lock file \S+\)\. Stop the other process, or use another --data-dir\.\n$/);
    }
  } finally {
    await holder.close();
  }
});
