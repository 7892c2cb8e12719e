import { describe, expect, it } from 'vitest';
import { allAggregateFunctions } from '../../src/functions/aggregate/index.js';
import { resolveAggregate } from '../../src/functions/aggregate/resolve-aggregate.js';
import type { AggregateFunction, Aggregator } from '../../src/functions/aggregate/types.js';
import { decodeValue, encodeValue } from '../../src/functions/aggregate/state-codec.js';
import { testAggregateFunctions } from '../conformance/test-udfs.js';
import type { ArgInfo } from '../../src/functions/resolve.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, formatType, type SqlType } from '../../src/types/sql-type.js';
import { AnalysisError } from '../../src/errors.js';

const fns = new Map<string, AggregateFunction>([...allAggregateFunctions, ...testAggregateFunctions].map((f) => [f.name, f]));

interface Call {
  readonly agg: Aggregator;
  readonly returnType: SqlType;
  readonly columns: number;
}

/** Plans NAME(columns..., literals...) like the planner would. */
function plan(name: string, columnTypes: SqlType[], literals: unknown[] = [], literalTypes: SqlType[] = [], config: Record<string, string> = {}): Call {
  const fn = fns.get(name)!;
  const args: ArgInfo[] = [...columnTypes.map((type) => ({ type })), ...literals.map((literal, i) => ({ type: literalTypes[i]!, literal }))];
  const r = resolveAggregate(fn, args);
  const init = literals.slice(literals.length - r.initArgCount);
  const agg = r.overload.create({ types: r.argTypes, generics: r.generics, literals: args.map((a) => a.literal ?? null) }, init, config);
  return { agg, returnType: r.returnType, columns: r.columnArgCount };
}

/** Results after each row (rows are arrays of column values, or single values). */
function run(call: Call, rows: unknown[]): unknown[] {
  let acc = call.agg.initial();
  return rows.map((row) => {
    acc = call.agg.add(acc, Array.isArray(row) ? row : [row]);
    return call.agg.result(acc);
  });
}

function roundTrip(agg: Aggregator, acc: unknown): unknown {
  return agg.deserialize(agg.serialize(acc));
}

const dec = (s: string) => Decimal.parse(s);

describe('COUNT', () => {
  it('COUNT(*) counts rows, COUNT(col) non-null values, both undo and merge', () => {
    const star = plan('COUNT', []);
    expect(formatType(star.returnType)).toBe('BIGINT');
    expect(run(star, [[], [], []])).toEqual([1, 2, 3]);
    const col = plan('COUNT', [T.STRING]);
    expect(run(col, ['a', null, 'b'])).toEqual([1, 1, 2]);
    expect(col.agg.undo!(2, ['x'])).toBe(1);
    expect(col.agg.undo!(2, [null])).toBe(2);
    expect(col.agg.merge!(2, 3)).toBe(5);
    expect(roundTrip(col.agg, 7)).toBe(7);
  });
});

describe('SUM / AVG / SUM_LIST', () => {
  it('keeps the input type; INT wraps like Java int', () => {
    expect(formatType(plan('SUM', [T.INTEGER]).returnType)).toBe('INTEGER');
    expect(formatType(plan('SUM', [T.BIGINT]).returnType)).toBe('BIGINT');
    expect(formatType(plan('SUM', [T.DOUBLE]).returnType)).toBe('DOUBLE');
    expect(formatType(plan('SUM', [T.decimal(4, 1)]).returnType)).toBe('DECIMAL(4, 1)');
    expect(run(plan('SUM', [T.INTEGER]), [2147483647, 1])).toEqual([2147483647, -2147483648]);
    expect(run(plan('SUM', [T.DOUBLE]), [5.4, 100.1])).toEqual([5.4, 105.5]);
    expect(run(plan('SUM', [T.INTEGER]), [null])).toEqual([0]);
  });

  it('decimal sums fail with Numeric field overflow', () => {
    const s = plan('SUM', [T.decimal(4, 1)]);
    const out = run(s, [dec('500.9'), dec('300.8')]) as Decimal[];
    expect(out.map((d) => d.toString())).toEqual(['500.9', '801.7']);
    let acc = s.agg.initial();
    acc = s.agg.add(acc, [dec('500.9')]);
    acc = s.agg.add(acc, [dec('300.8')]);
    expect(() => s.agg.add(acc, [dec('400.8')])).toThrow(/Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10\^3/);
    expect((roundTrip(s.agg, acc) as Decimal).toString()).toBe('801.7');
    expect((s.agg.undo!(acc, [dec('0.7')]) as Decimal).toString()).toBe('801.0');
  });

  it('AVG returns DOUBLE, ignores nulls, undoes and merges', () => {
    const a = plan('AVG', [T.INTEGER]);
    expect(formatType(a.returnType)).toBe('DOUBLE');
    expect(run(a, [1, 2, 2, null])).toEqual([1, 1.5, 5 / 3, 5 / 3]);
    expect(a.agg.result(a.agg.initial())).toBe(0);
    const acc = a.agg.add(a.agg.add(a.agg.initial(), [1]), [2]);
    expect(a.agg.result(a.agg.undo!(roundTrip(a.agg, acc), [1]))).toBe(2);
    expect(a.agg.result(a.agg.merge!([3, 1], [5, 1]))).toBe(4);
  });

  it('SUM_LIST sums array elements, skipping nulls', () => {
    expect(run(plan('SUM_LIST', [T.array(T.BIGINT)]), [[[1, 1]], [[2, 2]], [[100, 100, null]]])).toEqual([2, 6, 206]);
  });
});

describe('STDDEV / CORRELATION', () => {
  it('STDDEV_SAMPLE is the sample standard deviation; STDDEV_SAMP (as in ksqlDB) the variance', () => {
    expect(run(plan('STDDEV_SAMPLE', [T.BIGINT]), [2147483648, 100, -2, null])).toEqual([0, 1518500179.2773468, 1239850233.9629574, 1239850233.9629574]);
    expect(run(plan('STDDEV_SAMP', [T.INTEGER]), [0, 10, 7, 6])).toEqual([0, 50, 26.333333333333332, 17.583333333333332]);
    const d = run(plan('STDDEV_SAMP', [T.DOUBLE]), [9223372036854.775, 300.8, -200000.6, 0]) as number[];
    expect(d[1]).toBe(42535295862342920000000000);
    expect(d[3]).toBe(21267648239542927000000000);
  });

  it('STDDEV undo and merge follow the Youngs-Cramer updates', () => {
    const s = plan('STDDEV_SAMPLE', [T.DOUBLE]);
    let a = s.agg.initial();
    for (const v of [1, 2, 3, 4]) a = s.agg.add(a, [v]);
    let b = s.agg.initial();
    for (const v of [1, 2]) b = s.agg.add(b, [v]);
    let c = s.agg.initial();
    for (const v of [3, 4]) c = s.agg.add(c, [v]);
    expect(s.agg.result(s.agg.merge!(b, c))).toBeCloseTo(s.agg.result(a) as number, 12);
    expect(s.agg.result(s.agg.undo!(roundTrip(s.agg, a), [4]))).toBeCloseTo(1, 12);
  });

  it('CORRELATION matches ksqlDB, NaN for degenerate input, undoable', () => {
    const c = plan('CORRELATION', [T.DOUBLE, T.DOUBLE]);
    expect(run(c, [[1.5, 8], [-1, -2], [-4.5, -1], [null, -6]])).toEqual([NaN, 1, 0.7580764521133173, 0.7580764521133173]);
    const l = plan('CORRELATION', [T.BIGINT, T.BIGINT]);
    expect(run(l, [[1, 8], [-1, -2], [-4, -1]])[2]).toBe(0.7455284088780169);
    let acc = c.agg.initial();
    for (const r of [[1.5, 8], [-3.5, -2]]) acc = c.agg.add(acc, r);
    acc = c.agg.undo!(acc, [1.5, 8]);
    acc = c.agg.add(acc, [-1, -2]);
    expect(c.agg.result(acc)).toBeNaN();
  });
});

describe('MIN / MAX', () => {
  it('ignore nulls and cover numbers, decimals, strings, bytes, temporal types', () => {
    expect(run(plan('MAX', [T.INTEGER]), [null, -5, 5, null, 2])).toEqual([null, -5, 5, 5, 5]);
    expect(run(plan('MIN', [T.STRING]), [null, 'B', 'A', 'C'])).toEqual([null, 'B', 'A', 'A']);
    expect((run(plan('MAX', [T.decimal(4, 2)]), [dec('-10.12'), dec('5.10'), dec('1.00')]) as Decimal[]).map(String)).toEqual(['-10.12', '5.10', '5.10']);
    const bytes = run(plan('MIN', [T.BYTES]), [Buffer.from('B'), Buffer.from('A')]) as Buffer[];
    expect(bytes.map((b) => b.toString())).toEqual(['B', 'A']);
    expect(formatType(plan('MAX', [T.TIMESTAMP]).returnType)).toBe('TIMESTAMP');
    const m = plan('MAX', [T.DATE]);
    expect(m.agg.merge!(3, null)).toBe(3);
    expect(m.agg.undo).toBeUndefined();
    expect(roundTrip(m.agg, null)).toBeNull();
  });
});

describe('COLLECT_LIST / COLLECT_SET / HISTOGRAM / ATTR', () => {
  it('COLLECT_LIST keeps order and nulls, honours the limit, undoes the last equal value', () => {
    const c = plan('COLLECT_LIST', [T.INTEGER]);
    expect(formatType(c.returnType)).toBe('ARRAY<INTEGER>');
    expect(run(c, [1, null, 1, 2])).toEqual([[1], [1, null], [1, null, 1], [1, null, 1, 2]]);
    expect(c.agg.undo!([1, 2, 1, 3], [1])).toEqual([1, 2, 3]);
    const limited = plan('COLLECT_LIST', [T.INTEGER], [], [], { 'ksql.functions.collect_list.limit': '1' });
    expect(run(limited, [0, 100])).toEqual([[0], [0]]);
    expect(limited.agg.merge!([1], [2, 3])).toEqual([1]);
    const maps = plan('COLLECT_LIST', [T.map(T.STRING, T.BIGINT)]);
    const acc = maps.agg.add(maps.agg.initial(), [new Map([['a', 1]])]);
    expect(roundTrip(maps.agg, acc)).toEqual([new Map([['a', 1]])]);
  });

  it('COLLECT_SET uses value equality (maps, structs, decimals) and the set limit', () => {
    const c = plan('COLLECT_SET', [T.map(T.STRING, T.BIGINT)]);
    const out = run(c, [new Map([['x', 1], ['y', 2]]), new Map([['y', 2], ['x', 1]]), null]);
    expect((out[2] as unknown[]).length).toBe(2);
    const s = plan('COLLECT_SET', [T.STRING], [], [], { 'ksql.functions.collect_set.limit': '2' });
    expect(run(s, ['a', 'b', 'a', 'c'])).toEqual([['a'], ['a', 'b'], ['a', 'b'], ['a', 'b']]);
    const acc = roundTrip(s.agg, s.agg.add(s.agg.initial(), ['a']));
    expect(s.agg.result(s.agg.add(acc, ['a']))).toEqual(['a']);
    expect(s.agg.undo).toBeUndefined();
  });

  it('HISTOGRAM counts values, removes zero counts on undo', () => {
    const h = plan('HISTOGRAM', [T.STRING]);
    expect(formatType(h.returnType)).toBe('MAP<STRING, BIGINT>');
    expect(run(h, ['baz', 'baz', 'foo']).at(-1)).toEqual(new Map([['baz', 2], ['foo', 1]]));
    const acc = h.agg.undo!(new Map([['a', 1], ['b', 2]]), ['a']);
    expect(acc).toEqual(new Map([['b', 2]]));
    expect(h.agg.merge!(new Map([['b', 1]]), new Map([['b', 2], ['c', 1]]))).toEqual(new Map([['b', 3], ['c', 1]]));
  });

  it('ATTR returns the single value, or null when several were seen', () => {
    const a = plan('ATTR', [T.STRING]);
    expect(formatType(a.returnType)).toBe('STRING');
    expect(run(a, ['1', '2', '3'])).toEqual(['1', null, null]);
    expect(run(a, ['1', null, '1'])).toEqual(['1', null, null]);
    let acc = a.agg.add(a.agg.add(a.agg.initial(), ['1']), ['2']);
    acc = a.agg.undo!(acc, ['2']);
    expect(a.agg.result(roundTrip(a.agg, acc))).toBe('1');
  });
});

describe('COUNT_DISTINCT', () => {
  it('counts distinct non-null values (exact for small counts), merges, round-trips', () => {
    const c = plan('COUNT_DISTINCT', [T.STRING]);
    expect(run(c, ['one', 'two', 'one', null])).toEqual([1, 2, 2, 2]);
    let a = c.agg.initial();
    let b = c.agg.initial();
    for (let i = 0; i < 5000; i++) a = c.agg.add(a, ['v' + i]);
    for (let i = 2500; i < 7500; i++) b = c.agg.add(b, ['v' + i]);
    const n = c.agg.result(c.agg.merge!(roundTrip(c.agg, a), b)) as number;
    expect(Math.abs(n - 7500) / 7500).toBeLessThan(0.03);
    expect(c.agg.result(roundTrip(c.agg, a))).toBe(c.agg.result(a));
  });
});

describe('TOPK / TOPKDISTINCT', () => {
  it('TOPK keeps duplicates, newest equal value last, and merges sorted lists', () => {
    const t = plan('TOPK', [T.BIGINT], [3], [T.INTEGER]);
    expect(formatType(t.returnType)).toBe('ARRAY<BIGINT>');
    expect(run(t, [2147483648, 100, 99, 7, 100]).at(-1)).toEqual([2147483648, 100, 100]);
    expect(t.agg.merge!([9, 5, 1], [8, 5])).toEqual([9, 8, 5]);
  });

  it('TOPK with extra columns returns structs of sort_col and col0..', () => {
    const t = plan('TOPK', [T.INTEGER, T.STRING], [3], [T.INTEGER]);
    expect(t.columns).toBe(2);
    expect(formatType(t.returnType)).toBe('ARRAY<STRUCT<`sort_col` INTEGER, `col0` STRING>>');
    const out = run(t, [[0, 'zero'], [100, 'one'], [99, 'two'], [null, 'three'], [100, null]]);
    expect(out.at(-1)).toEqual([
      { sort_col: 100, col0: 'one' },
      { sort_col: 100, col0: null },
      { sort_col: 99, col0: 'two' },
    ]);
  });

  it('TOPKDISTINCT keeps distinct values, including decimals', () => {
    const t = plan('TOPKDISTINCT', [T.INTEGER], [3], [T.INTEGER]);
    expect(run(t, [0, 100, 99, 7, 100]).at(-1)).toEqual([100, 99, 7]);
    const d = plan('TOPKDISTINCT', [T.decimal(2, 1)], [3], [T.INTEGER]);
    expect(formatType(d.returnType)).toBe('ARRAY<DECIMAL(2, 1)>');
    const out = run(d, [dec('9.8'), dec('8.9'), null, dec('7.8'), dec('6.5'), dec('9.9')]).at(-1) as Decimal[];
    expect(out.map(String)).toEqual(['9.9', '9.8', '8.9']);
  });
});

describe('EARLIEST_BY_OFFSET / LATEST_BY_OFFSET', () => {
  it('single values, with and without ignoring nulls', () => {
    expect(run(plan('LATEST_BY_OFFSET', [T.INTEGER]), [12, null, 13])).toEqual([12, 12, 13]);
    expect(run(plan('LATEST_BY_OFFSET', [T.INTEGER], [false], [T.BOOLEAN]), [12, null, 13])).toEqual([12, null, 13]);
    expect(run(plan('EARLIEST_BY_OFFSET', [T.INTEGER]), [null, 13, 14])).toEqual([null, 13, 13]);
    expect(run(plan('EARLIEST_BY_OFFSET', [T.INTEGER], [false], [T.BOOLEAN]), [null, 13])).toEqual([null, null]);
  });

  it('N values as arrays', () => {
    const l = plan('LATEST_BY_OFFSET', [T.INTEGER], [2, false], [T.INTEGER, T.BOOLEAN]);
    expect(formatType(l.returnType)).toBe('ARRAY<INTEGER>');
    expect(l.columns).toBe(1);
    expect(run(l, [12, null, 13])).toEqual([[12], [12, null], [null, 13]]);
    expect(run(plan('EARLIEST_BY_OFFSET', [T.INTEGER], [2], [T.INTEGER]), [null, 13, 14, 15])).toEqual([[], [13], [13, 14], [13, 14]]);
  });

  it('merges by sequence as ksqlDB does for session windows', () => {
    const l = plan('LATEST_BY_OFFSET', [T.INTEGER]);
    const first = l.agg.add(l.agg.initial(), [1]);
    const second = l.agg.initial(); // a session that only saw a null
    let merged = l.agg.merge!(l.agg.initial(), first);
    merged = l.agg.merge!(merged, second);
    expect(l.agg.result(merged)).toBe(1);
    const e = plan('EARLIEST_BY_OFFSET', [T.INTEGER], [2, false], [T.INTEGER, T.BOOLEAN]);
    const a = e.agg.add(e.agg.initial(), [null]);
    const b = roundTrip(e.agg, e.agg.add(e.agg.initial(), [1]));
    expect(e.agg.result(e.agg.merge!(e.agg.merge!(e.agg.initial(), a), b))).toEqual([null, 1]);
    // the sequence continues past values read back from the store
    const later = e.agg.add(e.agg.initial(), [2]) as { s: number }[];
    expect(later[0]!.s).toBeGreaterThan((b as { s: number }[])[0]!.s);
  });

  it('rejects N below 1 with ksqlDB messages', () => {
    expect(() => plan('EARLIEST_BY_OFFSET', [T.INTEGER], [0], [T.INTEGER])).toThrow('earliestN must be 1 or greater');
    expect(() => plan('LATEST_BY_OFFSET', [T.INTEGER], [-1, true], [T.INTEGER, T.BOOLEAN])).toThrow('latestN must be 1 or greater');
  });

  it('works on complex types', () => {
    const l = plan('LATEST_BY_OFFSET', [T.array(T.INTEGER)]);
    expect(formatType(l.returnType)).toBe('ARRAY<INTEGER>');
    expect(run(l, [[[1, 2]], [[3]]])).toEqual([[1, 2], [3]]);
  });
});

describe('resolveAggregate', () => {
  it('requires init arguments to be literals', () => {
    const fn = fns.get('EARLIEST_BY_OFFSET')!;
    expect(() => resolveAggregate(fn, [{ type: T.INTEGER }, { type: T.INTEGER }], ['F0', 'F0'])).toThrow(
      "Parameter 2 passed to function EARLIEST_BY_OFFSET must be a literal constant, but was expression: 'F0'",
    );
  });

  it('reports calls no overload accepts', () => {
    const fn = fns.get('MULTI_ARG')!;
    expect(() => resolveAggregate(fn, [{ type: T.BIGINT }, { type: T.STRING }])).toThrow(/Function 'MULTI_ARG' does not accept parameters \(BIGINT, STRING\)\./);
    expect(() => resolveAggregate(fns.get('VAR_ARG')!, [{ type: T.BIGINT }, { type: T.INTEGER }])).toThrow(AnalysisError);
  });

  it('casts where ksqlDB does: SUM(INT literal) stays INT, CORRELATION(BIGINT) -> DOUBLE, AVG(DECIMAL) -> DOUBLE', () => {
    expect(formatType(plan('SUM', [T.INTEGER]).returnType)).toBe('INTEGER');
    const r = resolveAggregate(fns.get('CORRELATION')!, [{ type: T.BIGINT }, { type: T.BIGINT }]);
    expect(r.argTypes.map(formatType)).toEqual(['DOUBLE', 'DOUBLE']);
    expect(formatType(plan('AVG', [T.decimal(4, 2)]).returnType)).toBe('DOUBLE');
  });

  it('places variadic arguments in the middle and in the init arguments', () => {
    const mid = resolveAggregate(fns.get('MID_VAR_ARG')!, [
      { type: T.BIGINT },
      { type: T.STRING },
      { type: T.STRING },
      { type: T.INTEGER, literal: 7 },
      { type: T.INTEGER, literal: 3 },
    ]);
    expect([mid.columnArgCount, mid.initArgCount]).toEqual([3, 2]);
    const multi = resolveAggregate(fns.get('MULTI_ARG')!, [
      { type: T.BIGINT },
      { type: T.STRING },
      { type: T.INTEGER, literal: 5 },
      { type: T.STRING, literal: '10' },
      { type: T.STRING, literal: '20' },
    ]);
    expect([multi.columnArgCount, multi.initArgCount]).toEqual([2, 3]);
  });
});

describe('test UDAFs', () => {
  it('MULTI_ARG, MID_VAR_ARG, VAR_ARG follow ksqlDB test classes', () => {
    const m = plan('MULTI_ARG', [T.BIGINT, T.STRING], [5, '10', '20', '3'], [T.INTEGER, T.STRING, T.STRING, T.STRING]);
    expect(run(m, [[6, 'hi'], [null, 'hello'], [5, null]])).toEqual([18, 23, 28]);
    const mid = plan('MID_VAR_ARG', [T.BIGINT, T.STRING, T.STRING, T.STRING], [7, 3], [T.INTEGER, T.INTEGER]);
    expect(run(mid, [[6, 'hi', 'hello', 'world']])).toEqual([28]);
    const v = plan('VAR_ARG', [T.BIGINT]);
    expect(run(v, [[6], [null]])).toEqual([6, 6]);
  });

  it('GENERIC_VAR_ARG returns ARRAY of its first argument type', () => {
    const g = plan('GENERIC_VAR_ARG', [T.decimal(5, 1), T.INTEGER, T.DOUBLE, T.DOUBLE]);
    expect(formatType(g.returnType)).toBe('ARRAY<DECIMAL(5, 1)>');
    expect(() => plan('GENERIC_VAR_ARG', [T.decimal(5, 1), T.INTEGER, T.DOUBLE, T.STRING, T.DOUBLE])).toThrow(/does not accept parameters/);
  });

  it('TEST_UDAF sums with undo for integral inputs and struct fields', () => {
    const t = plan('TEST_UDAF', [T.INTEGER]);
    expect(formatType(t.returnType)).toBe('BIGINT');
    expect(run(t, [-2147483647, 5])).toEqual([-2147483647, -2147483642]);
    expect(t.agg.undo!(10, [4])).toBe(6);
    const s = plan('TEST_UDAF', [T.struct([{ name: 'A', type: T.INTEGER }, { name: 'B', type: T.INTEGER }])]);
    expect(run(s, [{ A: 1, B: 2 }, { A: 2, B: 3 }]).at(-1)).toEqual({ A: 3, B: 5 });
  });
});

describe('state codec', () => {
  it('round-trips every runtime value kind', () => {
    const v = [dec('-12.340'), new Map<unknown, unknown>([['k', Buffer.from('hi')], [null, 1]]), { A: NaN, B: -Infinity, C: -0 }, 12n, 'x', true, null];
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))) as unknown[];
    expect((back[0] as Decimal).equals(dec('-12.340'))).toBe(true);
    expect(back[1]).toEqual(new Map<unknown, unknown>([['k', Buffer.from('hi')], [null, 1]]));
    expect(Object.is((back[2] as { C: number }).C, -0)).toBe(true);
    expect((back[2] as { A: number }).A).toBeNaN();
    expect(back.slice(3)).toEqual([12n, 'x', true, null]);
  });
});

describe('registry coverage', () => {
  it('registers every ksqlDB aggregate function', () => {
    const names = allAggregateFunctions.map((f) => f.name).sort();
    expect(names).toEqual(
      ['ATTR', 'AVG', 'COLLECT_LIST', 'COLLECT_SET', 'CORRELATION', 'COUNT', 'COUNT_DISTINCT', 'EARLIEST_BY_OFFSET', 'HISTOGRAM', 'LATEST_BY_OFFSET', 'MAX', 'MIN', 'STDDEV_SAMP', 'STDDEV_SAMPLE', 'SUM', 'SUM_LIST', 'TOPK', 'TOPKDISTINCT'].sort(),
    );
  });

  it('table-capable functions have undo, stream-only ones do not', () => {
    const undoable = (name: string, types: SqlType[]) => plan(name, types).agg.undo !== undefined;
    for (const [n, t] of [['COUNT', [T.INTEGER]], ['SUM', [T.INTEGER]], ['AVG', [T.DOUBLE]], ['COLLECT_LIST', [T.INTEGER]], ['HISTOGRAM', [T.STRING]], ['STDDEV_SAMP', [T.DOUBLE]], ['CORRELATION', [T.DOUBLE, T.DOUBLE]], ['ATTR', [T.STRING]], ['SUM_LIST', [T.array(T.DOUBLE)]]] as const)
      expect(undoable(n, [...t]), n).toBe(true);
    for (const [n, t] of [['MIN', [T.INTEGER]], ['MAX', [T.INTEGER]], ['COLLECT_SET', [T.INTEGER]], ['COUNT_DISTINCT', [T.INTEGER]], ['LATEST_BY_OFFSET', [T.INTEGER]], ['EARLIEST_BY_OFFSET', [T.INTEGER]]] as const)
      expect(undoable(n, [...t]), n).toBe(false);
  });
});
