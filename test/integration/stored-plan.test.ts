/**
 * Stored plans: a persistent query runs the plan stored with its command, also one written by an
 * earlier build. test/fixtures/stored-plans/v1-commands.json is a command log written by the first
 * build that stored plans (plan version 1): keep it as it is, and keep it running.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SqliteCommandLog, type StoredPlan } from '../../src/engine/command-log.js';
import { createSerde } from '../../src/serde/index.js';
import { splitWindowedKey } from '../../src/serde/windowed.js';

interface FixtureCommand {
  readonly statement: string;
  readonly properties: Record<string, string>;
  readonly plan?: StoredPlan;
}

const FIXTURE = JSON.parse(readFileSync('test/fixtures/stored-plans/v1-commands.json', 'utf8')) as FixtureCommand[];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function commandLog(commands: readonly FixtureCommand[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-stored-'));
  dirs.push(dir);
  const log = new SqliteCommandLog(join(dir, 'commands.db'));
  for (const c of commands) void log.append(c.statement, c.properties, c.plan);
  log.close();
  return dir;
}

async function values(engine: Engine, name: string): Promise<{ key: unknown; window?: number; value: unknown }[]> {
  const s = engine.metastore.getSource(name)!;
  const serde = createSerde(s.keyFormat, s.schema.key, s.keyOptions, true);
  const records = await engine.log.read(s.topic, 0, 0, 1000);
  return records.map((r) => {
    let key = r.key;
    let window: number | undefined;
    if (s.window && key) {
      const split = splitWindowedKey(key, s.window.type, s.window.sizeMs);
      key = split.key;
      window = split.window.start;
    }
    return { key: serde.deserialize(key)?.[0], ...(window !== undefined ? { window } : {}), value: r.value === null ? null : JSON.parse(r.value.toString()) };
  });
}

// The table's rows are written (at wall-clock time) and run before the stream's: a join over a
// backlog runs in event-time order, which would put the stream's records (at 1 s...) first.
const TABLE_INPUTS = `
  INSERT INTO t (id, label) VALUES (1, 'one');
  INSERT INTO t (id, label) VALUES (2, 'two');`;
const INPUTS = `
  INSERT INTO s (ROWTIME, k, v, tags) VALUES (1000, 1, 1, ARRAY['a']);
  INSERT INTO s (ROWTIME, k, v, tags) VALUES (2000, 2, 2, ARRAY['b', 'c']);
  INSERT INTO s (ROWTIME, k, v, tags) VALUES (12000, 1, 3, ARRAY['d']);`;

describe('stored plans', () => {
  it('runs the queries of a command log written by plan version 1', async () => {
    const engine = await Engine.open({ dataDir: commandLog(FIXTURE), runQueries: false });
    try {
      expect(engine.listQueries().map((q) => q.id)).toEqual(['CSAS_BIG_0', 'CTAS_COUNTS_1', 'CSAS_TAGS_2']);
      await engine.execute(TABLE_INPUTS);
      await engine.drain();
      await engine.execute(INPUTS);
      await engine.drain();
      expect(await values(engine, 'BIG')).toEqual([
        { key: 2, value: { DOUBLED: 4 } },
        { key: 1, value: { DOUBLED: 6 } },
      ]);
      expect(await values(engine, 'COUNTS')).toEqual([
        { key: 'one', window: 0, value: { N: 1, TOTAL: 1 } },
        { key: 'two', window: 0, value: { N: 1, TOTAL: 2 } },
        { key: 'one', window: 10000, value: { N: 1, TOTAL: 3 } },
      ]);
      expect((await values(engine, 'TAGS')).map((r) => r.value)).toEqual([{ TAG: 'a' }, { TAG: 'b' }, { TAG: 'c' }, { TAG: 'd' }]);
      // A new statement continues the numbering of the stored queries.
      const [r] = await engine.execute(`CREATE STREAM more AS SELECT * FROM s;`);
      expect(r).toMatchObject({ queryId: 'CSAS_MORE_3' });
    } finally {
      await engine.close();
    }
  });

  it('runs the plan as stored, not as the statement would be planned today', async () => {
    // The stored plan of BIG keeps V > 2 where its text says V > 1: the plan decides.
    const changed = FIXTURE.map((c) => (c.plan?.query.queryId !== 'CSAS_BIG_0' ? c : { ...c, plan: JSON.parse(JSON.stringify(c.plan).replace('(V > 1)', '(V > 2)')) as StoredPlan }));
    expect(JSON.stringify(changed)).toContain('(V > 2)');
    const engine = await Engine.open({ dataDir: commandLog(changed), runQueries: false });
    try {
      await engine.execute(TABLE_INPUTS);
      await engine.drain();
      await engine.execute(INPUTS);
      await engine.drain();
      expect(await values(engine, 'BIG')).toEqual([{ key: 1, value: { DOUBLED: 6 } }]);
    } finally {
      await engine.close();
    }
  });

  it('plans again the statements of a command log written before plans were stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-stored-'));
    dirs.push(dir);
    const db = new Database(join(dir, 'commands.db'));
    db.exec('CREATE TABLE commands (seq INTEGER PRIMARY KEY AUTOINCREMENT, statement TEXT NOT NULL, properties TEXT NOT NULL)');
    for (const c of FIXTURE) db.prepare('INSERT INTO commands (statement, properties) VALUES (?, ?)').run(c.statement, JSON.stringify(c.properties));
    db.close();
    const engine = await Engine.open({ dataDir: dir, runQueries: false });
    try {
      await engine.execute(TABLE_INPUTS);
      await engine.drain();
      await engine.execute(INPUTS);
      await engine.drain();
      expect(await values(engine, 'BIG')).toEqual([
        { key: 2, value: { DOUBLED: 4 } },
        { key: 1, value: { DOUBLED: 6 } },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('skips, with a warning naming it, a plan written by a newer version', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const newer = FIXTURE.map((c) => (c.plan?.query.queryId !== 'CSAS_BIG_0' ? c : { ...c, plan: { ...c.plan, planVersion: 99 } }));
    const engine = await Engine.open({ dataDir: commandLog(newer), runQueries: false });
    try {
      expect(engine.listQueries().map((q) => q.id)).toEqual(['CTAS_COUNTS_1', 'CSAS_TAGS_2']);
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/written by a newer version of Sluice \(plan version 99\)/);
    } finally {
      await engine.close();
    }
  });
});
