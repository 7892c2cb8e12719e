import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateDb, type Codec } from '../../src/storage/state/state-db.js';

const numbers: Codec<number> = { encode: (v) => String(v), decode: (t) => Number(t) };
const NO_POSITIONS = new Map<string, number[]>();

describe('StateDb window store (a real SQLite file)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-state-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** One batch: begin, apply, commit. */
  function batch(db: StateDb, f: () => void): void {
    db.begin();
    f();
    db.commit(NO_POSITIONS);
  }

  it('reads back committed windows after a reopen, and new windows start empty', () => {
    const db = new StateDb(path);
    const w = db.windows('w', numbers);
    batch(db, () => {
      for (let k = 0; k < 20; k++) w.put('k' + k, 1000, 2000, k);
    });
    db.close();
    const again = new StateDb(path);
    const w2 = again.windows('w', numbers);
    for (let k = 0; k < 20; k++) expect(w2.get('k' + k, 1000, 2000)).toBe(k);
    expect(w2.get('k1', 2000, 3000)).toBeUndefined();
    expect(w2.get('k1', 0, 1000)).toBeUndefined();
    again.close();
  });

  it('finds evicted windows in SQLite (more windows than the cache holds)', () => {
    const db = new StateDb(path);
    const w = db.windows('w', numbers, 10);
    for (let b = 0; b < 5; b++) {
      batch(db, () => {
        for (let k = 0; k < 30; k++) {
          const start = 1000 * (k % 3);
          w.put('k' + k, start, start + 1000, (w.get('k' + k, start, start + 1000) ?? 0) + 1);
        }
      });
    }
    for (let k = 0; k < 30; k++) {
      const start = 1000 * (k % 3);
      expect(w.get('k' + k, start, start + 1000)).toBe(5);
    }
    // A window started before the newest one, never written, is still absent.
    expect(w.get('k0', 1000, 2000)).toBeUndefined();
    db.close();
  });

  it('a rolled-back batch leaves the committed values, written mid-batch or not', () => {
    const db = new StateDb(path);
    const w = db.windows('w', numbers);
    batch(db, () => w.put('a', 0, 100, 1));
    db.begin();
    w.put('a', 0, 100, 2);
    w.put('b', 500, 600, 7);
    w.overlapping('a', 0, 100); // flushes into the open transaction
    w.put('a', 0, 100, 3);
    db.rollback();
    expect(w.get('a', 0, 100)).toBe(1);
    expect(w.get('b', 500, 600)).toBeUndefined();
    db.close();
  });

  it('overlapping() sees committed rows after a reopen, and unflushed writes and deletes; a rollback restores it', () => {
    let db = new StateDb(path);
    let w = db.windows('w', numbers);
    batch(db, () => {
      w.put('a', 0, 10, 1);
      w.put('a', 50, 60, 2);
      w.put('a', 200, 210, 3);
      w.put('b', 0, 10, 9);
    });
    db.close();
    db = new StateDb(path);
    w = db.windows('w', numbers);
    const spans = (from: number, to: number) => w.overlapping('a', from, to).map((e) => [e.start, e.end, e.value]);
    expect(spans(5, 55)).toEqual([
      [0, 10, 1],
      [50, 60, 2],
    ]);
    db.begin();
    // A session merge: two windows deleted, one written; nothing flushed yet.
    w.put('a', 0, 10, undefined);
    w.put('a', 50, 60, undefined);
    w.put('a', 0, 60, 3);
    expect(spans(0, 100)).toEqual([[0, 60, 3]]);
    expect(spans(150, 250)).toEqual([[200, 210, 3]]);
    expect(w.overlapping('new', 0, 1000)).toEqual([]);
    db.rollback();
    expect(spans(0, 100)).toEqual([
      [0, 10, 1],
      [50, 60, 2],
    ]);
    db.begin();
    w.put('a', 0, 10, undefined);
    w.put('a', 20, 30, 4);
    db.commit(NO_POSITIONS);
    expect(spans(0, 100)).toEqual([
      [20, 30, 4],
      [50, 60, 2],
    ]);
    db.close();
  });

  it('reads alone (no writes, no flush) keep the cache within its capacity', () => {
    const db = new StateDb(path);
    const kv = db.kv('k', numbers, 50);
    const w = db.windows('w', numbers, 50);
    batch(db, () => {
      for (let i = 0; i < 500; i++) {
        kv.put('k' + i, i);
        w.put('k' + i, 0, 10, i);
      }
    });
    for (let i = 0; i < 500; i++) {
      expect(kv.get('k' + i)).toBe(i);
      expect(w.get('k' + i, 0, 10)).toBe(i);
      expect(kv.get('missing' + i)).toBeUndefined();
    }
    // Internal sizes: the bound this test is about.
    expect((kv as unknown as { slots: Map<string, unknown> }).slots.size).toBeLessThanOrEqual(50);
    expect((w as unknown as { slotCount: number }).slotCount).toBeLessThanOrEqual(50);
    db.close();
  });

  it('a numeric key and its key text name the same window', () => {
    const db = new StateDb(path);
    const w = db.windows('w', numbers);
    batch(db, () => {
      w.put(5, 0, 100, 1);
      w.put('n5', 0, 100, (w.get(5, 0, 100) ?? 0) + 1);
      w.put('n7', 0, 100, 3);
      w.put('s7', 0, 100, 4);
    });
    expect(w.get('n5', 0, 100)).toBe(2);
    expect(w.get(7, 0, 100)).toBe(3);
    expect([...w.entries()].map((e) => [e.key, e.value])).toEqual([
      ['n5', 2],
      ['n7', 3],
      ['s7', 4],
    ]);
    db.close();
  });

  it('deleted windows stay deleted; restored rows are seen', () => {
    const db = new StateDb(path);
    const w = db.windows('w', numbers);
    batch(db, () => {
      w.put('a', 0, 100, 1);
      w.put('a', 100, 200, 2);
    });
    batch(db, () => w.put('a', 0, 100, undefined));
    expect(w.get('a', 0, 100)).toBeUndefined();
    expect(w.get('a', 100, 200)).toBe(2);
    expect([...w.entries()].map((e) => [e.key, e.start, e.value])).toEqual([['a', 100, 2]]);
    // Rows written by a restore (as from a changelog), later than anything the store wrote itself.
    db.restore([{ store: 'w', key: '900:1000:z', value: '9', task: 0 }], NO_POSITIONS);
    expect(w.get('z', 900, 1000)).toBe(9);
    db.close();
  });
});
