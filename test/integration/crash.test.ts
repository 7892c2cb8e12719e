/**
 * kill -9 of a process running persistent queries loses nothing: after a restart on the same data
 * directory, every input record the log acknowledged has its output (duplicates of the last,
 * uncommitted batch are allowed: delivery is at-least-once).
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
    expect(engine.listQueries().map((q) => q.id)).toEqual(['CSAS_DST_0']);
    await engine.drain();
    const seen = new Set<number>();
    const ends = await engine.log.endOffsets('DST');
    for (let p = 0; p < ends.length; p++) {
      for (const r of await engine.log.read('DST', p, 0, ends[p]!)) seen.add(r.key!.readInt32BE(0));
    }
    const inputs = (await engine.log.endOffsets('src')).reduce((a, b) => a + b, 0);
    expect(inputs).toBeGreaterThanOrEqual(acked);
    for (let i = 0; i < inputs; i++) if (!seen.has(i)) throw new Error(`output for input ${i} is missing`);
  } finally {
    await engine.close();
  }
}, 60_000);
