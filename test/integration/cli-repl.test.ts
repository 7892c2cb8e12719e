/**
 * The CLI against a real server (127.0.0.1, port 0): `-e` and `-f` non-interactive modes, JSON
 * output, errors with their position, and an interactive session on piped stdin with a
 * multi-line statement, SET kept in the session, a push query stopped by Ctrl-C (SIGINT) and
 * history written across runs. Uses the compiled CLI (pretest builds it).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';

const run = promisify(execFile);
let dir: string;
let engine: Engine;
let server: SluiceServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-cli-repl-'));
  engine = await Engine.open({ dataDir: join(dir, 'data') });
  server = new SluiceServer(engine, { port: 0 });
  await server.listen();
});

afterAll(async () => {
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run(process.execPath, ['dist/cli/sluice.js', 'cli', '--server', server.url, '--history', join(dir, 'hist'), ...args], { encoding: 'utf8' });

it('-f runs a script and -e a statement, tabular and JSON; errors exit 1 with the position', async () => {
  const script = join(dir, 's.sql');
  writeFileSync(
    script,
    `-- comment; with a semicolon
     CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
     INSERT INTO s (k, v) VALUES ('a;b', 1);
     SET 'auto.offset.reset' = 'earliest';
     SELECT * FROM s EMIT CHANGES LIMIT 1;`,
  );
  const f = await cli('-f', script);
  expect(f.stdout).toContain('Stream created');
  expect(f.stdout).toMatch(/\| a;b +\| 1 +\|/);
  expect(f.stdout).toContain('Limit Reached');

  const e = await cli('-e', 'SHOW STREAMS; DESCRIBE s;');
  expect(e.stdout).toMatch(/ S +\| s +\| KAFKA +\| JSON/);
  expect(e.stdout).toMatch(/V +\| INTEGER/);

  const j = await cli('-e', 'SHOW STREAMS;', '--output', 'JSON');
  expect(JSON.parse(j.stdout)).toMatchObject({ '@type': 'streams' });

  let err: { code?: number; stderr?: string } = {};
  try {
    await cli('-e', "SHOW STREAMS;\nCREATE STREAM x (a INT) WITH (kafka_topic=);");
  } catch (x) {
    err = x as typeof err;
  }
  expect(err.code).toBe(1);
  expect(err.stderr).toMatch(/line 1:\d+/);
});

it('interactive on piped stdin: multi-line statements, session SET, Ctrl-C stops a push query, history persists', async () => {
  const child = spawn(process.execPath, ['dist/cli/sluice.js', '--server', server.url, '--history', join(dir, 'hist2')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const waitFor = async (text: string | RegExp, timeout = 10_000) => {
    const start = Date.now();
    while (!(typeof text === 'string' ? out.includes(text) : text.test(out))) {
      if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${String(text)}; output:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor('Connected to');
  child.stdin.write("CREATE STREAM t (k STRING KEY,\n  v INT)\n  WITH (kafka_topic='t', value_format='JSON', partitions=1);\n");
  await waitFor('Stream created');
  child.stdin.write("INSERT INTO t (k, v) VALUES ('x', 5);\nSET 'auto.offset.reset'='earliest';\n");
  await waitFor("Successfully changed local property 'auto.offset.reset'");
  child.stdin.write('SELECT k, v FROM t EMIT CHANGES;\n');
  await waitFor(/\| x +\| 5 +\|/);
  child.kill('SIGINT');
  await waitFor('Query terminated');
  // Still in the REPL after Ctrl-C.
  child.stdin.write('SHOW STREAMS;\n');
  await waitFor(/ T +\| t +\|/);
  child.stdin.end('exit\n');
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  expect(code).toBe(0);
  const history = readFileSync(join(dir, 'hist2'), 'utf8');
  expect(history).toContain("CREATE STREAM t (k STRING KEY, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);");
  expect(history).toContain('SELECT k, v FROM t EMIT CHANGES;');
});
