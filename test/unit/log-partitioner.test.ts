import { describe, expect, it } from 'vitest';
import { kafkaMurmur2, partitionForKey, toPositive } from '../../src/storage/log/partitioner.js';

describe('kafkaMurmur2', () => {
  // Kafka's own vectors (clients UtilsTest.testMurmur2), as also used by other Kafka clients' tests.
  const vectors: [string | number[], number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    [[12, 42, 56, 24, 109, 111], 274204207],
    ['', 275646681],
  ];
  for (const [input, expected] of vectors) {
    it(`hashes ${JSON.stringify(input)}`, () => {
      const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
      expect(kafkaMurmur2(buf)).toBe(expected);
    });
  }
});

describe('partitionForKey', () => {
  it('is toPositive(murmur2) % n, as Kafka', () => {
    // toPositive(-973932308) = 1173551340 (as in the Java client's expectations)
    expect(toPositive(-973932308)).toBe(1173551340);
    expect(partitionForKey(Buffer.from('21'), 7)).toBe(1173551340 % 7);
    expect(partitionForKey(Buffer.from('abc'), 12)).toBe(479470107 % 12);
  });

  it('spreads null keys round-robin', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 3; i++) seen.add(partitionForKey(null, 3));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
