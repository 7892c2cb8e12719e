/**
 * Crash durability of the embedded log with a real kill -9. The child process must run the real log
 * code, but Node 20 cannot load TypeScript and no TS loader is installed, so the test transpiles the
 * log's modules to plain JS (TypeScript's transpileModule, see fixtures/transpile-log.mjs) and runs
 * fixtures/log-crash-child.mjs on them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedLog } from '../../src/storage/log/embedded/index.js';
import type { LogRecord } from '../../src/storage/log/log.js';
// @ts-expect-error plain ESM helper without type declarations
import { transpileClosure } from './fixtures/transpile-log.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const child = path.join(here, 'fixtures', 'log-crash-child.mjs');
let tmp: string;
let entry: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-crash-'));
  entry = (transpileClosure as (e: string, r: string, o: string) => string)(
    path.join(root, 'src/storage/log/embedded/index.ts'),
    root,
    path.join(tmp, 'js'),
  );
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts the child; resolves once `until(line)` holds for a line of its output. */
function startChild(dataDir: string, mode: string, until: (line: string) => boolean): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, [child, entry, dataDir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) if (until(line)) resolve({ proc, line });
    });
    proc.on('exit', (code) => reject(new Error(`child exited (${code}): ${err}`)));
  });
}

function killed(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
}

describe('crash (kill -9)', () => {
  it('keeps every acknowledged append and recovers a writable log', async () => {
    const dataDir = path.join(tmp, 'data-kill');
    let acked = 0;
    const { proc } = await startChild(dataDir, 'append', (line) => {
      const n = Number(line.split(' ')[1]);
      if (n > acked) acked = n;
      return acked >= 3000;
    });
    proc.kill('SIGKILL');
    await killed(proc);
    // The dead child's LOCK is still there: stale, so it is taken over.
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(true);
    const log = await openEmbeddedLog(dataDir, { segmentBytes: 64 * 1024 });
    try {
      const ends = await log.endOffsets('crash');
      const total = ends.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(acked);
      const all: LogRecord[] = [];
      for (let p = 0; p < 3; p++) {
        const recs = await log.read('crash', p, 0, 1e9);
        expect(recs.map((r) => r.offset)).toEqual(Array.from({ length: ends[p]! }, (_, i) => i));
        all.push(...recs);
      }
      const ids = all.map((r) => Number(r.key!.toString().slice(1))).sort((a, b) => a - b);
      // Every acknowledged record is there exactly once. Of the batch in flight at the kill, any
      // subset may have landed (a batch spans partitions, which are separate files).
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(0, acked)).toEqual(Array.from({ length: acked }, (_, i) => i));
      for (const r of all) expect(r.value!.toString()).toBe(`v${r.key!.toString().slice(1)}`);
      // The global order survived too: a consumer returns records in append order.
      const c = await log.createConsumer({ groupId: 'g', topics: ['crash'], autoOffsetReset: 'earliest' });
      const polled = await c.poll(1e9, 0);
      expect(polled.map((r) => r.key!.toString())).toEqual(ids.map((i) => `k${i}`));
      const res = await log.append('crash', [{ key: Buffer.from('after'), value: null }]);
      expect(res[0]!.offset).toBe(ends[res[0]!.partition]);
    } finally {
      await log.close();
    }
  });

  it('fails clearly while another live process holds the data directory', async () => {
    const dataDir = path.join(tmp, 'data-held');
    const { proc } = await startChild(dataDir, 'hold', (line) => line === 'ready');
    try {
      await expect(openEmbeddedLog(dataDir)).rejects.toThrow(new RegExp(`in use by process ${proc.pid}`));
    } finally {
      proc.kill('SIGKILL');
      await killed(proc);
    }
    const log = await openEmbeddedLog(dataDir);
    await log.close();
  });
});
