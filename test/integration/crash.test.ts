/**
 * kill -9 of a process running persistent queries loses nothing: after a restart on the same data
 * directory, every input record the log acknowledged has its output (duplicates of the last,
 * uncommitted batch are allowed: delivery is at-least-once), and an aggregation's state counts
 * every input exactly once.
 * The child runs the compiled engine (dist/), which `npm test` builds first (pretest).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('resumes persistent queries after kill -9 with no lost output', async () => {
  expect(existsSync('dist/src/index.js'), 'run `npm run build` first').toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
  dirs.push(dir);
  const child = spawn(process.execPath, ['test/integration/fixtures/crash-child.mjs', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(m[1]));
      if (acked >= 5000) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited early: ${code}`))));
  });
  await new Promise((r) => child.once('exit', r));

  const engine = await Engine.open({ dataDir: dir, runQueries: false });
  try {
    expect(engine.listQueries().map((q) => q.id).sort()).toEqual(['CSAS_DST_0', 'CTAS_COUNTS_1']);
    await engine.drain();
    const seen = new Set<number>();
    const ends = await engine.log.endOffsets('DST');
    for (let p = 0; p < ends.length; p++) {
      for (const r of await engine.log.read('DST', p, 0, ends[p]!)) seen.add(r.key!.readInt32BE(0));
    }
    const inputs = (await engine.log.endOffsets('src')).reduce((a, b) => a + b, 0);
    expect(inputs).toBeGreaterThanOrEqual(acked);
    for (let i = 0; i < inputs; i++) if (!seen.has(i)) throw new Error(`output for input ${i} is missing`);
    // The aggregation's SQLite state matches its input exactly: the state and the input position
    // it reflects commit together, so a replayed batch is not counted twice.
    const latest = new Map<number, number>();
    const cends = await engine.log.endOffsets('COUNTS');
    for (let p = 0; p < cends.length; p++) {
      for (const r of await engine.log.read('COUNTS', p, 0, cends[p]!)) latest.set(r.key!.readInt32BE(0), JSON.parse(r.value!.toString()).N);
    }
    for (let b = 0; b < 10; b++) expect(latest.get(b), `bucket ${b}`).toBe(Math.floor(inputs / 10) + (b < inputs % 10 ? 1 : 0));
  } finally {
    await engine.close();
  }
}, 60_000);
