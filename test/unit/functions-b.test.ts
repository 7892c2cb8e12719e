import { describe, expect, it } from 'vitest';
import { arrayFunctions } from '../../src/functions/scalar/array.js';
import { mapFunctions } from '../../src/functions/scalar/map.js';
import { lambdaFunctions } from '../../src/functions/scalar/lambda.js';
import { explodeFunctions, cubeCombinations } from '../../src/functions/table/explode.js';
import { isSpecializable } from '../../src/functions/scalar/support.js';
import { builtinFunctions } from '../../src/functions/registry.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { ResolvedArgs, ScalarFunction, ScalarOverload } from '../../src/functions/types.js';

const all: ScalarFunction[] = [...arrayFunctions, ...mapFunctions, ...lambdaFunctions];

function overload(name: string, arity: number, index = 0): ScalarOverload {
  const fn = all.find((f) => f.name === name);
  if (!fn) throw new Error(`no function ${name}`);
  const os = fn.overloads.filter((o) => o.params.length === arity);
  const o = os[index];
  if (!o) throw new Error(`no overload ${name}/${arity}`);
  return o;
}
/** Calls an overload as the compiler would (NULL short-circuit for nullOnNullInput). */
function call(name: string, ...args: unknown[]): unknown {
  return callAt(name, 0, ...args);
}
function callAt(name: string, index: number, ...args: unknown[]): unknown {
  const o = overload(name, args.length, index);
  if (o.nullOnNullInput && args.some((a) => a === null)) return null;
  return (o.impl as (...a: unknown[]) => unknown)(...args);
}
const orNull = (f: () => unknown): unknown => {
  try {
    return f();
  } catch {
    return null;
  }
};
const dec = (s: string) => Decimal.parse(s);
const m = (o: Record<string, unknown>) => new Map(Object.entries(o));

describe('array functions', () => {
  it('ARRAY_CONCAT treats a NULL side as empty, NULL when both are NULL', () => {
    expect(call('ARRAY_CONCAT', [1, 2], [3])).toEqual([1, 2, 3]);
    expect(call('ARRAY_CONCAT', null, [1, -2])).toEqual([1, -2]);
    expect(call('ARRAY_CONCAT', [0, 3], null)).toEqual([0, 3]);
    expect(call('ARRAY_CONCAT', null, null)).toBeNull();
  });
  it('ARRAY_CONTAINS', () => {
    expect(call('ARRAY_CONTAINS', ['Pink', null], 'Pink')).toBe(true);
    expect(call('ARRAY_CONTAINS', ['Red'], 'Pink')).toBe(false);
    expect(call('ARRAY_CONTAINS', null, 'Pink')).toBe(false);
    expect(call('ARRAY_CONTAINS', [1, null], null)).toBe(true);
    expect(call('ARRAY_CONTAINS', [[1, 2], [3]], [3])).toBe(true);
    expect(call('ARRAY_CONTAINS', [dec('1.0')], dec('1.00'))).toBe(true);
  });
  it('set functions keep first-occurrence order and NULLs', () => {
    expect(call('ARRAY_DISTINCT', [0, null, 1, 0, -1, null])).toEqual([0, null, 1, -1]);
    expect(call('ARRAY_DISTINCT', [m({ apple: 1 }), m({ apple: 3 }), m({ apple: 1 })])).toEqual([m({ apple: 1 }), m({ apple: 3 })]);
    expect(call('ARRAY_DISTINCT', [['foo', 'bar'], ['foo', 'bar'], ['foo']])).toEqual([['foo', 'bar'], ['foo']]);
    expect(call('ARRAY_DISTINCT', [dec('1.0'), dec('-0.2'), dec('1.0')])).toEqual([dec('1.0'), dec('-0.2')]);
    expect(call('ARRAY_EXCEPT', [0, 0, 1, 0, -1], [1, -2])).toEqual([0, -1]);
    expect(call('ARRAY_EXCEPT', ['apple', 'apple', null, 'cherry'], ['cherry'])).toEqual(['apple', null]);
    expect(call('ARRAY_EXCEPT', [1], null)).toBeNull();
    expect(call('ARRAY_INTERSECT', [0, 0, 1, 0, -1], [1, -2, 0])).toEqual([0, 1]);
    expect(call('ARRAY_INTERSECT', [1], [])).toEqual([]);
    expect(call('ARRAY_UNION', [0, 0, 1, 0, -1], [3, 4, 0])).toEqual([0, 1, -1, 3, 4]);
    expect(call('ARRAY_UNION', null, [1])).toBeNull();
  });
  it('ARRAY_JOIN prints elements as Java does, by element type', () => {
    const o = overload('ARRAY_JOIN', 1);
    expect(isSpecializable(o)).toBe(true);
    const resolved = (element: SqlType): ResolvedArgs => ({ types: [T.array(element)], generics: new Map(), literals: [null] });
    if (!isSpecializable(o)) return;
    const joinDoubles = o.specialize(resolved(T.DOUBLE)) as (a: unknown[]) => string;
    expect(joinDoubles([1.23, -23.42, 0, 1e7])).toBe('1.23,-23.42,0.0,1.0E7');
    const joinBigints = o.specialize(resolved(T.BIGINT)) as (a: unknown[]) => string;
    expect(joinBigints([-4294967297, 8589934592])).toBe('-4294967297,8589934592');
    expect(call('ARRAY_JOIN', [true, null, false])).toBe('true,null,false');
    expect(call('ARRAY_JOIN', [dec('123.45'), dec('987.65')], '#')).toBe('123.45#987.65');
    expect(call('ARRAY_JOIN', ['Hello', 'From', '', 'Ksqldb'], null)).toBe('HelloFromKsqldb');
    expect(call('ARRAY_JOIN', null, ',')).toBeNull();
    expect(orNull(() => call('ARRAY_JOIN', [[1]]))).toBeNull();
  });
  it('ARRAY_LENGTH, ARRAY_MAX, ARRAY_MIN', () => {
    expect(call('ARRAY_LENGTH', [1, 2, 3])).toBe(3);
    expect(call('ARRAY_LENGTH', null)).toBeNull();
    expect(call('ARRAY_MAX', [-1, 2, null, 0])).toBe(2);
    expect(call('ARRAY_MAX', [false, null, true])).toBe(true);
    expect(call('ARRAY_MAX', ['Foo', 'Bar', null, 'baz'])).toBe('baz');
    expect(call('ARRAY_MAX', [dec('1.0'), dec('9.0'), dec('-9.9')])).toEqual(dec('9.0'));
    expect(call('ARRAY_MIN', ['foo', 'fo', 'Food', null, 'F', 'food'])).toBe('F');
    expect(call('ARRAY_MIN', [])).toBeNull();
    expect(call('ARRAY_MIN', [null])).toBeNull();
    expect(call('ARRAY_MIN', null)).toBeNull();
  });
  it('ARRAY_REMOVE removes equal elements, including NULL', () => {
    expect(call('ARRAY_REMOVE', [1, 2, 3, 2, 1], 2)).toEqual([1, 3, 1]);
    expect(call('ARRAY_REMOVE', ['Foo', 'Bar', null, 'baz'], null)).toEqual(['Foo', 'Bar', 'baz']);
    expect(call('ARRAY_REMOVE', [['foo'], null, ['foo', 'bar']], ['foo'])).toEqual([null, ['foo', 'bar']]);
    expect(call('ARRAY_REMOVE', null, 1)).toBeNull();
  });
  it('ARRAY_SORT sorts naturally with NULLs last', () => {
    expect(call('ARRAY_SORT', [-1, 2, null, 0])).toEqual([-1, 0, 2, null]);
    expect(call('ARRAY_SORT', ['foo', 'fo', 'Food', null, 'F', 'food'])).toEqual(['F', 'Food', 'fo', 'foo', 'food', null]);
    expect(call('ARRAY_SORT', [false, null, true], 'desc')).toEqual([true, false, null]);
    expect(call('ARRAY_SORT', [dec('1.0'), dec('-0.2'), null, dec('9.0')], 'DESCENDING')).toEqual([dec('9.0'), dec('1.0'), dec('-0.2'), null]);
    expect(call('ARRAY_SORT', [1, 2], 'sideways')).toBeNull();
    expect(call('ARRAY_SORT', null, 'ASC')).toBeNull();
    const input = [3, 1, 2];
    call('ARRAY_SORT', input);
    expect(input).toEqual([3, 1, 2]);
  });
  it('GENERATE_SERIES', () => {
    expect(call('GENERATE_SERIES', 0, 3)).toEqual([0, 1, 2, 3]);
    expect(call('GENERATE_SERIES', 4, 0)).toEqual([4, 3, 2, 1, 0]);
    expect(call('GENERATE_SERIES', 5, 5)).toEqual([5]);
    expect(call('GENERATE_SERIES', -2, 1, 2)).toEqual([-2, 0]);
    expect(call('GENERATE_SERIES', 9, 0, -3)).toEqual([9, 6, 3, 0]);
    expect(call('GENERATE_SERIES', 1, -2, -2)).toEqual([1, -1]);
    expect(() => call('GENERATE_SERIES', 0, 3, 0)).toThrow(/cannot be zero/);
    expect(() => call('GENERATE_SERIES', 0, 3, -1)).toThrow(/wrong sign/);
    expect(overload('GENERATE_SERIES', 2, 1).returns).toEqual(T.array(T.BIGINT));
  });
  it('SLICE is 1-based and inclusive; out of range gives NULL', () => {
    expect(call('SLICE', ['a', 'b', 'c', 'd'], 2, 3)).toEqual(['b', 'c']);
    expect(call('SLICE', ['a', 'b'], null, 1)).toEqual(['a']);
    expect(call('SLICE', ['a', 'b'], 2, null)).toEqual(['b']);
    expect(call('SLICE', ['a', 'b'], 0, 1)).toBeNull();
    expect(call('SLICE', ['a', 'b'], 1, 3)).toBeNull();
    expect(call('SLICE', ['a', 'b'], 3, 1)).toBeNull();
    expect(call('SLICE', ['a', 'b'], 2, 1)).toEqual([]);
        expect(call('SLICE', null, 1, 2)).toBeNull();
  });
});

describe('map functions', () => {
  it('AS_MAP pairs keys with values, NULL for missing values', () => {
    expect(call('AS_MAP', ['a', 'b', 'c'], [1, 2])).toEqual(m({ a: 1, b: 2, c: null }));
    expect(call('AS_MAP', ['a', 'a'], [1, 2])).toEqual(m({ a: 2 }));
    expect(call('AS_MAP', null, [1])).toBeNull();
  });
  it('ENTRIES builds K/V structs, optionally sorted; typed per value type', () => {
    const map = m({ K3: 3, K1: 1, K2: 2 });
    expect(call('ENTRIES', map, true)).toEqual([{ K: 'K1', V: 1 }, { K: 'K2', V: 2 }, { K: 'K3', V: 3 }]);
    expect(call('ENTRIES', map, false)).toEqual([{ K: 'K3', V: 3 }, { K: 'K1', V: 1 }, { K: 'K2', V: 2 }]);
    expect(call('ENTRIES', null, true)).toBeNull();
    const ov = all.find((f) => f.name === 'ENTRIES')!.overloads;
    expect(ov[1]!.returns).toEqual(T.array(T.struct([{ name: 'K', type: T.STRING }, { name: 'V', type: T.BIGINT }])));
    const structOv = ov[5]!.returns as (a: ResolvedArgs) => SqlType;
    const s = T.struct([{ name: 'A', type: T.STRING }]);
    expect(structOv({ types: [T.map(T.STRING, s), T.BOOLEAN], generics: new Map(), literals: [null, null] })).toEqual(
      T.array(T.struct([{ name: 'K', type: T.STRING }, { name: 'V', type: s }])),
    );
  });
  it('MAP_KEYS, MAP_VALUES, MAP_UNION', () => {
    expect(call('MAP_KEYS', m({ foo: 10, bar: null }))).toEqual(['foo', 'bar']);
    expect(call('MAP_KEYS', null)).toBeNull();
    expect(call('MAP_VALUES', m({ foo: [1], bar: null }))).toEqual([[1], null]);
    expect(call('MAP_UNION', m({ foo: 10, bar: 20 }), m({ foo: 99, apple: -1 }))).toEqual(m({ foo: 99, bar: 20, apple: -1 }));
    expect(call('MAP_UNION', m({ foo: 10 }), m({ foo: null }))).toEqual(m({ foo: null }));
    expect(call('MAP_UNION', null, m({ foo: null }))).toEqual(m({ foo: null }));
    expect(call('MAP_UNION', null, null)).toBeNull();
  });
});

describe('lambda functions', () => {
  it('TRANSFORM arrays and maps', () => {
    expect(call('TRANSFORM', [3, 6], (x: number) => x + 5)).toEqual([8, 11]);
    expect(call('TRANSFORM', null, (x: number) => x)).toBeNull();
    const upperKeys = callAt('TRANSFORM', 0, m({ a: [2, 4], b: [-1] }), (k: string) => k.toUpperCase(), (_k: string, v: number[]) => Math.min(...v));
    expect(upperKeys).toEqual(m({ A: 2, B: -1 }));
    // Duplicate keys and NULL values fail the call (Collectors.toMap), giving NULL in ksqlDB
    expect(() => call('TRANSFORM', m({ 1: 1, 2: 2 }), () => 'same', (_k: string, v: number) => v)).toThrow(/Duplicate key/);
    expect(() => call('TRANSFORM', m({ a: 1 }), (k: string) => k, () => null)).toThrow();
  });
  it('FILTER arrays and maps', () => {
    expect(call('FILTER', [3, 6, 2, 10], (x: number) => x > 5)).toEqual([6, 10]);
    expect(call('FILTER', [5, null], (x: number | null) => (x === null ? null : x > 5))).toEqual([]);
    expect(call('FILTER', null, () => true)).toBeNull();
    expect(callAt('FILTER', 1, m({ yes: [2], no: [-4] }), (k: string) => k.includes('e'))).toEqual(m({ yes: [2] }));
    expect(() => callAt('FILTER', 1, m({ a: null }), () => true)).toThrow();
    expect(callAt('FILTER', 1, null, () => true)).toBeNull();
  });
  it('REDUCE arrays and maps', () => {
    expect(call('REDUCE', [3, 6], 2, (s: number, x: number) => s + x)).toBe(11);
    expect(call('REDUCE', null, 2, (s: number, x: number) => s + x)).toBe(2);
    expect(call('REDUCE', [1, 2], null, (s: number, x: number) => s + x)).toBeNull();
    const order: string[] = [];
    const r = callAt('REDUCE', 1, m({ a: 1, b: 2 }), 10, (s: number, k: string, v: number) => {
      order.push(k);
      return s + v;
    });
    expect(r).toBe(13);
    expect(order).toEqual(['a', 'b']);
    expect(callAt('REDUCE', 1, null, 10, () => 0)).toBe(10);
  });
});

describe('table functions', () => {
  const explode = explodeFunctions.find((f) => f.name === 'EXPLODE')!;
  const cube = explodeFunctions.find((f) => f.name === 'CUBE_EXPLODE')!;
  it('EXPLODE returns the elements, nothing for NULL', () => {
    const impl = explode.overloads[1]!.impl as (a: unknown[] | null) => unknown[];
    expect(impl([1, 2])).toEqual([1, 2]);
    expect(impl(null)).toEqual([]);
    const decReturns = explode.overloads[0]!.returns as (a: ResolvedArgs) => SqlType;
    expect(decReturns({ types: [T.array(T.decimal(4, 2))], generics: new Map(), literals: [null] })).toEqual(T.decimal(4, 2));
  });
  it('CUBE_EXPLODE emits every combination in ksqlDB order', () => {
    expect(cubeCombinations(['one', 'two', 'three'])).toEqual([
      [null, null, null],
      [null, null, 'three'],
      [null, 'two', null],
      [null, 'two', 'three'],
      ['one', null, null],
      ['one', null, 'three'],
      ['one', 'two', null],
      ['one', 'two', 'three'],
    ]);
    expect(cubeCombinations([1, null])).toEqual([[null, null], [1, null]]);
    expect(cubeCombinations([])).toEqual([[]]);
    expect((cube.overloads[0]!.impl as (a: unknown[] | null) => unknown[])(null)).toEqual([]);
    expect(() => cubeCombinations(new Array(21).fill(1))).toThrow(/exceeds the maximum/);
  });
});

describe('registry', () => {
  it('registers part B functions', () => {
    const reg = builtinFunctions();
    for (const name of ['DATEADD', 'FORMAT_TIMESTAMP', 'ARRAY_SORT', 'MAP_UNION', 'TRANSFORM', 'ENTRIES', 'SLICE']) {
      expect(reg.scalar(name), name).toBeDefined();
    }
    expect(reg.table('explode')?.overloads.length).toBe(2);
    expect(reg.table('CUBE_EXPLODE')).toBeDefined();
  });
});
