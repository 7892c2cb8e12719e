/**
 * COUNT_DISTINCT: an approximate distinct count with HyperLogLog over 2^14 registers, the size and
 * estimator ksqlDB uses (linear counting while the raw estimate is below 2.5m, so small counts are
 * exact barring hash collisions). Registers stay sparse (index -> rank) until they would cost more
 * than the dense array. Stream-only: no undo.
 */
import { T } from '../../types/sql-type.js';
import { Decimal } from '../../types/decimal.js';
import type { AggregateOverload, Aggregator } from './types.js';
import { ANY, aggregate, p } from './support.js';

const LOG2M = 14;
const M = 1 << LOG2M;
const ALPHA_MM = (0.7213 / (1 + 1.079 / M)) * M * M;
/** Past this many set registers the dense form is smaller. */
const SPARSE_MAX = 2048;

export interface HllState {
  sparse: Map<number, number> | null;
  dense: Uint8Array | null;
}

/** MurmurHash3 (x86, 32-bit) over the UTF-16 code units of a string. */
function murmur3(s: string): number {
  let h = 0x9747b28c;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A string standing for the value: equal SQL values give equal keys. */
function keyOf(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return 'n' + String(v);
    case 'boolean':
      return v ? 't' : 'f';
    default:
      break;
  }
  if (v instanceof Decimal) return 'd' + v.toString();
  if (Buffer.isBuffer(v)) return 'b' + v.toString('latin1');
  if (v instanceof Map) return 'm' + JSON.stringify([...v].map(([k, x]) => [keyOf(k), keyOf(x)]).sort());
  if (Array.isArray(v)) return 'a' + JSON.stringify(v.map(keyOf));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return 'o' + JSON.stringify(Object.keys(o).map((k) => [k, keyOf(o[k])]));
  }
  return 'z';
}

function setRegister(s: HllState, j: number, r: number): void {
  if (s.dense) {
    if (s.dense[j]! < r) s.dense[j] = r;
    return;
  }
  const sparse = s.sparse!;
  const cur = sparse.get(j);
  if (cur !== undefined && cur >= r) return;
  sparse.set(j, r);
  if (sparse.size > SPARSE_MAX) {
    const dense = new Uint8Array(M);
    for (const [k, x] of sparse) dense[k] = x;
    s.dense = dense;
    s.sparse = null;
  }
}

export function hllOffer(s: HllState, v: unknown): void {
  const x = murmur3(keyOf(v));
  const j = x >>> (32 - LOG2M);
  const r = Math.clz32(((x << LOG2M) | (1 << (LOG2M - 1))) >>> 0) + 1;
  setRegister(s, j, r);
}

export function hllCardinality(s: HllState): number {
  let sum = 0;
  let zeros = 0;
  if (s.dense) {
    for (let j = 0; j < M; j++) {
      const r = s.dense[j]!;
      sum += 1 / 2 ** r;
      if (r === 0) zeros++;
    }
  } else {
    zeros = M - s.sparse!.size;
    sum = zeros;
    for (const r of s.sparse!.values()) sum += 1 / 2 ** r;
  }
  const estimate = ALPHA_MM / sum;
  if (estimate <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(estimate);
}

const countDistinct: Aggregator<HllState> = {
  initial: () => ({ sparse: new Map(), dense: null }),
  add: (acc, args) => {
    const v = args[0];
    if (v != null) hllOffer(acc, v);
    return acc;
  },
  merge: (a, b) => {
    if (b.dense) for (let j = 0; j < M; j++) setRegister(a, j, b.dense[j]!);
    else for (const [j, r] of b.sparse!) setRegister(a, j, r);
    return a;
  },
  result: hllCardinality,
  serialize: (acc) =>
    acc.dense ? JSON.stringify({ d: Buffer.from(acc.dense).toString('base64') }) : JSON.stringify({ s: [...acc.sparse!].flat() }),
  deserialize: (text) => {
    const o = JSON.parse(text) as { d?: string; s?: number[] };
    if (o.d !== undefined) return { sparse: null, dense: new Uint8Array(Buffer.from(o.d, 'base64')) };
    const sparse = new Map<number, number>();
    const flat = o.s ?? [];
    for (let i = 0; i + 1 < flat.length; i += 2) sparse.set(flat[i]!, flat[i + 1]!);
    return { sparse, dense: null };
  },
};

const overloads: AggregateOverload[] = [
  { params: [p('col1', ANY)], returns: T.BIGINT, complexState: true, create: () => countDistinct },
];

export const countDistinctFunctions = [
  aggregate(
    'COUNT_DISTINCT',
    'This function returns the number of items found in a group. The implementation is probabilistic with a typical accuracy (standard error) of less than 1%.',
    overloads,
  ),
];
