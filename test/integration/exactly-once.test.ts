/**
 * processing.guarantee=exactly_once_v2 on the embedded log: a child process running a CSAS and a
 * CTAS is killed (-9) at random moments while input is appended, and restarted each time. In the
 * end every input has exactly one output in the stream sink (none lost, none duplicated) and the
 * table's counts are exact. The same run with at-least-once is expected to duplicate (the control
 * that shows the test can fail).
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

/** Runs the child `kills` times, each killed -9 a random 100–700 ms after it starts appending. */
async function crashRepeatedly(dir: string, guarantee: string, kills: number): Promise<void> {
  for (let k = 0; k < kills; k++) {
    const child = spawn(process.execPath, ['test/integration/fixtures/exactly-once-child.mjs', dir, guarantee], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      let armed = false;
      child.stdout.on('data', (chunk: string) => {
        if (!armed && chunk.includes('ready')) {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), 100 + Math.floor(Math.random() * 600));
        }
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited: ${code}`))));
    });
  }
}

/** The input ids in SRC, outputs per id in DST, and the latest count per bucket in COUNTS. */
async function outcome(dir: string, guarantee: string): Promise<{ ids: Set<number>; perId: Map<number, number>; counts: Map<number, number> }> {
  const engine = await Engine.open({ dataDir: dir, runQueries: false, properties: { 'processing.guarantee': guarantee } });
  try {
    await engine.drain();
    const read = async (topic: string, each: (key: Buffer, value: Buffer) => void): Promise<void> => {
      const ends = await engine.log.endOffsets(topic);
      for (let p = 0; p < ends.length; p++) for (const r of await engine.log.read(topic, p, 0, ends[p]!)) each(r.key!, r.value!);
    };
    // Not every id below the largest is an input: an input append killed half-way (never
    // acknowledged to the child) may have landed on some partitions only.
    const ids = new Set<number>();
    await read('src', (k) => ids.add(k.readInt32BE(0)));
    const perId = new Map<number, number>();
    await read('DST', (k) => perId.set(k.readInt32BE(0), (perId.get(k.readInt32BE(0)) ?? 0) + 1));
    const counts = new Map<number, number>();
    await read('COUNTS', (k, v) => counts.set(k.readInt32BE(0), (JSON.parse(v.toString()) as { N: number }).N));
    return { ids, perId, counts };
  } finally {
    await engine.close();
  }
}

function duplicates(o: Awaited<ReturnType<typeof outcome>>): number {
  let duplicated = 0;
  for (const n of o.perId.values()) if (n > 1) duplicated += n - 1;
  return duplicated;
}

function expectExact(o: Awaited<ReturnType<typeof outcome>>): void {
  expect(o.ids.size).toBeGreaterThan(5_000);
  let lost = 0;
  for (const id of o.ids) if ((o.perId.get(id) ?? 0) === 0) lost++;
  const unknown = [...o.perId.keys()].filter((id) => !o.ids.has(id)).length;
  expect({ lost, duplicated: duplicates(o), unknown }).toEqual({ lost: 0, duplicated: 0, unknown: 0 });
  // The child writes v = id: each bucket counts the inputs whose id % 10 is the bucket.
  const expected = new Map<number, number>();
  for (const id of o.ids) expected.set(id % 10, (expected.get(id % 10) ?? 0) + 1);
  for (let b = 0; b < 10; b++) expect(o.counts.get(b), `bucket ${b}`).toBe(expected.get(b));
}

it('exactly_once_v2 on the embedded log: no output lost or duplicated across repeated kill -9', async () => {
  expect(existsSync('dist/src/index.js'), 'run `npm run build` first').toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-eos-'));
  dirs.push(dir);
  await crashRepeatedly(dir, 'exactly_once_v2', 12);
  expectExact(await outcome(dir, 'exactly_once_v2'));
}, 60_000);

it('the same crashes with at_least_once duplicate outputs (the control: the check above can fail)', async () => {
  // A duplicate needs a kill between a batch's outputs and its commit: crash until one happens.
  let o: Awaited<ReturnType<typeof outcome>> | undefined;
  for (let round = 0; round < 4 && (o === undefined || duplicates(o) === 0); round++) {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-alo-'));
    dirs.push(dir);
    await crashRepeatedly(dir, 'at_least_once', 8);
    o = await outcome(dir, 'at_least_once');
  }
  console.log(`at_least_once: ${duplicates(o!)} duplicated outputs among ${o!.ids.size} inputs`);
  expect(duplicates(o!)).toBeGreaterThan(0);
  for (const id of o!.ids) expect(o!.perId.get(id) ?? 0).toBeGreaterThan(0);
}, 120_000);
