import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../src/parser/parse.js';
import { compileExpression, inferType, type CompileContext, type Scope } from '../../src/expr/compile.js';
import { FunctionRegistry } from '../../src/functions/registry.js';
import type { ScalarFunction } from '../../src/functions/types.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, formatType, type SqlType } from '../../src/types/sql-type.js';
import { AnalysisError } from '../../src/errors.js';

const COLS: [string, SqlType][] = [
  ['I', T.INTEGER],
  ['I2', T.INTEGER],
  ['L', T.BIGINT],
  ['D', T.DOUBLE],
  ['DEC', T.decimal(4, 2)],
  ['DEC2', T.decimal(5, 3)],
  ['S', T.STRING],
  ['B', T.BOOLEAN],
  ['ARR', T.array(T.INTEGER)],
  ['M', T.map(T.STRING, T.INTEGER)],
  ['ST', T.struct([{ name: 'ID', type: T.INTEGER }, { name: 'NAME', type: T.STRING }])],
  ['DT', T.DATE],
  ['TS', T.TIMESTAMP],
  ['ROWTIME', T.BIGINT],
  ['LARR', T.array(T.BIGINT)],
];
const scope: Scope = {
  resolveColumn: (source, name) => {
    if (source !== undefined && source !== 'SRC') return undefined;
    const i = COLS.findIndex(([n]) => n === name);
    return i < 0 ? undefined : { index: i, type: COLS[i]![1] };
  },
};

const fns: ScalarFunction[] = [
  {
    kind: 'scalar', name: 'PICK', category: 'OTHER', description: '',
    overloads: [
      { params: [{ name: 'a', type: T.INTEGER }, { name: 'b', type: T.STRING }], returns: T.STRING, impl: () => 'int-string' },
      { params: [{ name: 'a', type: T.BIGINT }, { name: 'b', type: T.STRING }], returns: T.STRING, impl: () => 'bigint-string' },
      { params: [{ name: 'a', type: T.DOUBLE }, { name: 'b', type: T.DOUBLE }], returns: T.STRING, impl: () => 'double-double' },
    ],
  },
  {
    kind: 'scalar', name: 'BIG', category: 'OTHER', description: '',
    overloads: [
      { params: [{ name: 'v', type: T.INTEGER }], variadic: true, returns: T.INTEGER, impl: ((xs: (number | null)[]) => Math.max(...xs.filter((x): x is number => x !== null))) as never },
      { params: [{ name: 'v', type: T.BIGINT }], variadic: true, returns: T.BIGINT, impl: ((xs: (number | null)[]) => Math.max(...xs.filter((x): x is number => x !== null))) as never },
      { params: [{ name: 'v', type: T.DOUBLE }], variadic: true, returns: T.DOUBLE, impl: ((xs: (number | null)[]) => Math.max(...xs.filter((x): x is number => x !== null))) as never },
    ],
  },
  {
    kind: 'scalar', name: 'FIRST_OR', category: 'OTHER', description: '',
    overloads: [
      {
        params: [{ name: 'arr', type: { kind: 'ARRAY', element: { kind: 'GENERIC', name: 'T' } } }, { name: 'dflt', type: { kind: 'GENERIC', name: 'T' } }],
        returns: { kind: 'GENERIC', name: 'T' },
        impl: ((a: unknown[] | null, d: unknown) => (a && a.length ? a[0] : d)) as never,
      },
    ],
  },
  {
    kind: 'scalar', name: 'TRANSFORM', category: 'LAMBDA', description: '',
    overloads: [
      {
        params: [
          { name: 'arr', type: { kind: 'ARRAY', element: { kind: 'GENERIC', name: 'T' } } },
          { name: 'fn', type: { kind: 'LAMBDA_PARAM', params: [{ kind: 'GENERIC', name: 'T' }], returns: { kind: 'GENERIC', name: 'U' } } },
        ],
        returns: { kind: 'ARRAY', element: { kind: 'GENERIC', name: 'U' } },
        nullOnNullInput: true,
        impl: ((a: unknown[], f: (x: unknown) => unknown) => a.map(f)) as never,
      },
    ],
  },
  {
    kind: 'scalar', name: 'REDUCE', category: 'LAMBDA', description: '',
    overloads: [
      {
        params: [
          { name: 'arr', type: { kind: 'ARRAY', element: { kind: 'GENERIC', name: 'T' } } },
          { name: 's', type: { kind: 'GENERIC', name: 'S' } },
          { name: 'fn', type: { kind: 'LAMBDA_PARAM', params: [{ kind: 'GENERIC', name: 'S' }, { kind: 'GENERIC', name: 'T' }], returns: { kind: 'GENERIC', name: 'S' } } },
        ],
        returns: { kind: 'GENERIC', name: 'S' },
        impl: ((a: unknown[] | null, s: unknown, f: (s: unknown, x: unknown) => unknown) => (a === null ? s : a.reduce((acc, x) => f(acc, x), s))) as never,
      },
    ],
  },
  {
    kind: 'scalar', name: 'BOOM', category: 'OTHER', description: '',
    overloads: [{ params: [{ name: 'x', type: T.INTEGER }], returns: T.INTEGER, impl: () => { throw new Error('boom'); } }],
  },
  {
    kind: 'scalar', name: 'COUNTING', category: 'OTHER', description: '',
    overloads: [{ params: [{ name: 'x', type: T.INTEGER }], returns: T.INTEGER, nullOnNullInput: true, impl: ((x: number) => x + 1) as never }],
  },
  {
    kind: 'scalar', name: 'DAYS_OF', category: 'OTHER', description: '',
    overloads: [{ params: [{ name: 'd', type: T.DATE }], returns: T.INTEGER, impl: ((d: number) => d) as never }],
  },
  {
    kind: 'scalar', name: 'UNIT_NAME', category: 'OTHER', description: '',
    overloads: [{ params: [{ name: 'u', type: T.STRING }, { name: 'n', type: T.INTEGER }], returns: T.STRING, impl: ((u: string, n: number) => `${n} ${u}`) as never }],
  },
  {
    kind: 'scalar', name: 'SPEC', category: 'OTHER', description: '',
    overloads: [{ params: [{ name: 'x', type: { kind: 'ANY' } }], returns: T.STRING, impl: () => 'generic', specialize: (a) => () => `for ${formatType(a.types[0]!)}` }],
  },
];

function makeCtx(errors: Error[] = []): CompileContext {
  return { functions: new FunctionRegistry(fns), onRowError: (e) => errors.push(e) };
}

const ROW: unknown[] = [
  5, null, 3_000_000_000, 2.5, new Decimal(1020n, 2), new Decimal(12345n, 3), 'foo', true, [10, 20, 30],
  new Map([['a', 1], ['b', 2]]), { ID: 7, NAME: 'x' }, 18262, 1_577_836_800_000, 1_000, [1, 2],
];

function run(sql: string, row: readonly unknown[] = ROW, ctx = makeCtx()): unknown {
  return compileExpression(parseExpression(sql), scope, ctx).evaluate(row);
}
function typeOf(sql: string): string {
  return formatType(inferType(parseExpression(sql), scope, makeCtx()));
}
function err(sql: string): string {
  try {
    compileExpression(parseExpression(sql), scope, makeCtx());
  } catch (e) {
    expect(e).toBeInstanceOf(AnalysisError);
    return (e as Error).message;
  }
  throw new Error(`expected an analysis error for ${sql}`);
}
const dec = (v: unknown): string => (v as Decimal).toString();

describe('literals and columns', () => {
  it('types literals as ksqlDB', () => {
    expect(typeOf('1')).toBe('INTEGER');
    expect(typeOf('3000000000')).toBe('BIGINT');
    expect(typeOf('1.50')).toBe('DECIMAL(3, 2)');
    expect(typeOf('0.05')).toBe('DECIMAL(2, 2)');
    expect(typeOf('1.5E3')).toBe('DOUBLE');
    expect(typeOf("'x'")).toBe('STRING');
    expect(typeOf("X'0AFF'")).toBe('BYTES');
    expect(typeOf('NULL')).toBe('NULL');
    expect(run("DATE '2020-01-01'")).toBe(18262);
  });
  it('reads columns by position and reports unknown ones', () => {
    expect(run('S')).toBe('foo');
    expect(run('SRC.I')).toBe(5);
    expect(err('NOPE')).toBe("Column 'NOPE' cannot be resolved.");
    const ctx = { ...makeCtx(), clause: 'SELECT' };
    expect(() => compileExpression(parseExpression('I.BOB'), scope, ctx)).toThrow("SELECT column 'I.BOB' cannot be resolved.");
  });
  it('marks constant expressions', () => {
    const c = compileExpression(parseExpression('1 + 2 * 3'), scope, makeCtx());
    expect(c.constant).toBe(true);
    expect(c.evaluate([])).toBe(7);
    expect(compileExpression(parseExpression('I + 1'), scope, makeCtx()).constant).toBe(false);
  });
});

describe('arithmetic', () => {
  it('keeps integer types and wraps INT like Java', () => {
    expect(run('I * 2 + 1')).toBe(11);
    expect(typeOf('I + L')).toBe('BIGINT');
    expect(run('2147483647 + 1')).toBe(-2147483648);
    expect(run('7 / 2')).toBe(3);
    expect(run('-7 / 2')).toBe(-3);
    expect(run('-7 % 3')).toBe(-1);
    expect(run('I + I2')).toBe(null);
  });
  it('integer division by zero is a row error giving null; double follows IEEE', () => {
    const errors: Error[] = [];
    expect(run('I / 0', ROW, makeCtx(errors))).toBe(null);
    expect(errors).toHaveLength(1);
    expect(run('D / 0')).toBe(Infinity);
  });
  it('computes DECIMAL result types and values', () => {
    expect(typeOf('DEC + DEC')).toBe('DECIMAL(5, 2)');
    expect(typeOf('DEC * DEC')).toBe('DECIMAL(9, 4)');
    expect(typeOf('DEC / DEC')).toBe('DECIMAL(11, 7)');
    expect(typeOf('DEC + I')).toBe('DECIMAL(13, 2)');
    expect(typeOf('DEC + D')).toBe('DOUBLE');
    expect(dec(run('DEC + DEC2'))).toBe('22.545');
    expect(dec(run('DEC / 2.00'))).toBe('5.100000');
    expect(dec(run('DEC % 3'))).toBe('1.20');
    expect(run('DEC + D')).toBeCloseTo(12.7);
    expect(dec(run('-DEC'))).toBe('-10.20');
  });
  it('concatenates strings with + and ||', () => {
    expect(run("S + 'bar'")).toBe('foobar');
    expect(run("S || 'bar'")).toBe('foobar');
  });
  it('rejects unsupported arithmetic with ksqlDB messages', () => {
    expect(err('TRUE + 1.5')).toBe('Error processing expression: (true + 1.5). Unsupported arithmetic types. BOOLEAN DECIMAL(2, 1)');
    expect(err('1 + NULL')).toBe('Error processing expression: (1 + null). Arithmetic on types INTEGER and null are not supported.');
  });
});

describe('comparisons and logic', () => {
  it('compares across numeric types, strings, decimals', () => {
    expect(run('I > 4')).toBe(true);
    expect(run('L > I')).toBe(true);
    expect(run('DEC > 10')).toBe(true);
    expect(run('DEC < DEC2')).toBe(true);
    expect(run('D = 2.5')).toBe(true);
    expect(run("S < 'goo'")).toBe(true);
  });
  it('comparisons with null are false; AND/OR are three-valued', () => {
    expect(run('I2 = 1')).toBe(false);
    expect(run('I2 <> 1')).toBe(false);
    expect(run('I2 > 1 OR B')).toBe(true);
    expect(run('(I2 IS NULL) AND NOT B')).toBe(false);
    expect(run('CAST(NULL AS BOOLEAN) AND TRUE')).toBe(null);
    expect(run('CAST(NULL AS BOOLEAN) AND FALSE')).toBe(false);
    expect(run('CAST(NULL AS BOOLEAN) OR TRUE')).toBe(true);
    expect(run('NOT CAST(NULL AS BOOLEAN)')).toBe(null);
  });
  it('compares temporal values with strings, and ROWTIME with timestamp text', () => {
    expect(run("DT = '2020-01-01'")).toBe(true);
    expect(run("TS >= '2020-01-01T00:00:00'")).toBe(true);
    expect(run("ROWTIME > '1970-01-01T00:00:00.999'")).toBe(true);
    expect(run("ROWTIME BETWEEN '1970-01-01T00:00:00' AND '1970-01-01T00:00:01'")).toBe(true);
  });
  it('structural equality for arrays, maps, structs', () => {
    expect(run('ARR = ARRAY[10, 20, 30]')).toBe(true);
    expect(run("M = MAP('a' := 1, 'b' := 2)")).toBe(true);
    expect(run("ST <> STRUCT(ID := 7, NAME := 'x')")).toBe(false);
    expect(run('LARR = ARRAY[1, 2]')).toBe(true);
  });
  it('reports incompatible comparisons', () => {
    expect(err("I >= 'not an int'")).toBe("Cannot compare I (INTEGER) to 'not an int' (STRING) with GREATER_THAN_OR_EQUAL.");
    expect(err('M < M')).toBe('Cannot compare M (MAP<STRING, INTEGER>) to M (MAP<STRING, INTEGER>) with LESS_THAN.');
    expect(err('I = NULL')).toBe("Comparison with NULL not supported: INTEGER = NULL\nUse 'IS NULL' or 'IS NOT NULL' instead.");
  });
  it('IS [NOT] DISTINCT FROM is null-safe', () => {
    expect(run('I2 IS DISTINCT FROM 1')).toBe(true);
    expect(run('I2 IS NOT DISTINCT FROM CAST(NULL AS INT)')).toBe(true);
    expect(run('DEC IS NOT DISTINCT FROM 10.2')).toBe(true);
  });
  it('BETWEEN, IN, LIKE', () => {
    expect(run('I BETWEEN 1 AND 5')).toBe(true);
    expect(run('I NOT BETWEEN 1 AND 5')).toBe(false);
    expect(run("S BETWEEN 'a' AND 'g'")).toBe(true);
    expect(run('I2 BETWEEN 1 AND 5')).toBe(false);
    expect(run("I IN (1, '5')")).toBe(true);
    expect(run('I NOT IN (1, 2)')).toBe(true);
    expect(run('I2 IN (1, 2)')).toBe(false);
    expect(run('L IN (I, 3000000000)')).toBe(true);
    expect(run('DEC IN (10.2, 3)')).toBe(true);
    expect(run('ARR IN (ARRAY[1], ARRAY[10, 20, 30])')).toBe(true);
    expect(run("ST IN (STRUCT(ID := 7, NAME := 'x'))")).toBe(true);
    expect(run("S LIKE 'f%'")).toBe(true);
    expect(run("S LIKE '_o_'")).toBe(true);
    expect(run("S NOT LIKE '%x%'")).toBe(true);
    expect(run("'50%' LIKE '50!%' ESCAPE '!'")).toBe(true);
    expect(run("'50x' LIKE '50!%' ESCAPE '!'")).toBe(false);
  });
  it('IN widens struct literals to the union of fields (missing fields are null)', () => {
    expect(run("ST IN (STRUCT(ID := 7))")).toBe(false);
    const row = ROW.slice();
    row[10] = { ID: 7, NAME: null };
    expect(run('ST IN (STRUCT(ID := 7))', row)).toBe(true);
    expect(run("ST IN (STRUCT(ID := 7, NAME := 'x', EXTRA := 1))")).toBe(false);
    expect(run("ST IN (STRUCT(ID := '7', NAME := 'x'))")).toBe(true);
  });
  it('IN reports coercion errors as ksqlDB', () => {
    expect(err("I IN (10, '10 - not a number')")).toBe('Invalid Predicate: invalid input syntax for type INTEGER: "10 - not a number".');
    expect(err('I IN (10, S)')).toBe('Invalid Predicate: operator does not exist: INTEGER = STRING (S)\nHint: You might need to add explicit type casts.');
    expect(err('I IN (10, TRUE)')).toContain('operator does not exist: INTEGER = BOOLEAN (true)');
  });
});

describe('CASE, constructors, access', () => {
  it('CASE unifies branch types and is lazy', () => {
    expect(run("CASE WHEN I > 3 THEN 'big' WHEN I > 1 THEN 'mid' ELSE 'small' END")).toBe('big');
    expect(run('CASE WHEN I > 9 THEN 1 ELSE NULL END')).toBe(null);
    expect(typeOf('CASE WHEN B THEN 1 ELSE L END')).toBe('BIGINT');
    expect(run("CASE I WHEN 5 THEN 'five' ELSE 'other' END")).toBe('five');
    const errors: Error[] = [];
    expect(run('CASE WHEN TRUE THEN 1 ELSE BOOM(1) END', ROW, makeCtx(errors))).toBe(1);
    expect(errors).toHaveLength(0);
    expect(err('CASE WHEN B THEN NULL ELSE NULL END')).toBe('Invalid Case expression. All case branches have NULL type');
  });
  it('builds arrays, maps and structs with element type unification', () => {
    expect(run("ARRAY[NULL, 10, '2e1', I, L]")).toEqual([null, new Decimal(10n, 0), new Decimal(20n, 0), new Decimal(5n, 0), new Decimal(3_000_000_000n, 0)]);
    expect(typeOf('ARRAY[1, L]')).toBe('ARRAY<BIGINT>');
    expect(run("MAP(S := I, 'k' := 2)")).toEqual(new Map([['foo', 5], ['k', 2]]));
    expect(run("MAP('a' := B, 'b' := 'no', 10 := 'true')")).toEqual(new Map([['a', true], ['b', false], ['10', true]]));
    expect(run("STRUCT(A := I, `b` := 'x')")).toEqual({ A: 5, b: 'x' });
    expect(typeOf("STRUCT(A := I, `b` := 'x')")).toBe('STRUCT<`A` INTEGER, `b` STRING>');
    expect(err('ARRAY[]')).toContain('Array constructor cannot be empty');
    expect(err('ARRAY[NULL]')).toContain('Cannot construct an array with all NULL elements');
    expect(err("ARRAY[1, 'not a number']")).toContain('invalid input syntax for type INTEGER: "not a number"');
    expect(err("MAP('a' := NULL)")).toBe('Cannot construct a map with all NULL values');
  });
  it('subscripts arrays (1-based, negative from the end) and maps; dereferences structs', () => {
    expect(run('ARR[1]')).toBe(10);
    expect(run('ARR[-1]')).toBe(30);
    expect(run('ARR[0]')).toBe(null);
    expect(run('ARR[4]')).toBe(null);
    expect(run("M['b']")).toBe(2);
    expect(run("M['zz']")).toBe(null);
    expect(run('ST->NAME')).toBe('x');
    const nullRow = ROW.slice();
    nullRow[10] = null;
    expect(run('ST->NAME', nullRow)).toBe(null);
    expect(err('ST->NOPE')).toContain("Could not find field 'NOPE'");
  });
});

describe('CAST', () => {
  it('converts numbers, strings, decimals, dates', () => {
    expect(run('CAST(D AS INT)')).toBe(2);
    expect(run('CAST(L AS INT)')).toBe(-1294967296);
    expect(run("CAST('42' AS BIGINT)")).toBe(42);
    expect(run('CAST(D AS STRING)')).toBe('2.5');
    expect(run('CAST(10 AS DOUBLE)')).toBe(10);
    expect(run('CAST(CAST(10 AS DOUBLE) AS STRING)')).toBe('10.0');
    expect(dec(run('CAST(0.99 AS DECIMAL(2, 1))'))).toBe('1.0');
    expect(dec(run('CAST(DEC AS DECIMAL(5, 3))'))).toBe('10.200');
    expect(run('CAST(DEC AS INT)')).toBe(10);
    expect(run("CAST('true' AS BOOLEAN)")).toBe(true);
    expect(run('CAST(DT AS STRING)')).toBe('2020-01-01');
    expect(run('CAST(TS AS STRING)')).toBe('2020-01-01T00:00:00.000');
    expect(run('CAST(TS AS DATE)')).toBe(18262);
    expect(run("CAST('2022-04-28T21:44:47.943Z' AS TIMESTAMP)")).toBe(1651182287943);
    expect(run('CAST(ARR AS STRING)')).toBe('[10, 20, 30]');
    expect(run('CAST(M AS STRING)')).toBe('{a=1, b=2}');
    expect(run('CAST(ST AS STRING)')).toBe('Struct{ID=7,NAME=x}');
    expect(run('CAST(LARR AS ARRAY<STRING>)')).toEqual(['1', '2']);
    expect(run('CAST(ST AS STRUCT<ID STRING, OTHER INT>)')).toEqual({ ID: '7', OTHER: null });
    expect(run('CAST(NULL AS INT)')).toBe(null);
  });
  it('bad input is a row error giving null; overflow too', () => {
    const errors: Error[] = [];
    expect(run("CAST(S AS INT)", ROW, makeCtx(errors))).toBe(null);
    expect(run('CAST(I * 3 AS DECIMAL(2, 1))', ROW, makeCtx(errors))).toBe(null);
    expect(errors).toHaveLength(2);
  });
  it('unsupported casts are analysis errors', () => {
    expect(err('CAST(S AS ARRAY<INTEGER>)')).toBe('Cast of STRING to ARRAY<INTEGER> is not supported');
    expect(err('CAST(S AS STRUCT<F0 STRING>)')).toBe('Cast of STRING to STRUCT<`F0` STRING> is not supported');
  });
});

describe('function calls', () => {
  it('prefers the exact overload, then implicit widening', () => {
    expect(run("PICK(I, 'x')")).toBe('int-string');
    expect(run("PICK(L, 'x')")).toBe('bigint-string');
    expect(run('PICK(I, 2)')).toBe('double-double');
  });
  it('passes variadic arguments as an array and reports ambiguity', () => {
    expect(run('BIG(I, 7, 2)')).toBe(7);
    expect(typeOf('BIG(L, L)')).toBe('BIGINT');
    expect(err('BIG(I, L)')).toContain("Function 'big' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT).");
  });
  it('binds generics, widening to the wider argument', () => {
    expect(typeOf('FIRST_OR(ARR, 1)')).toBe('INTEGER');
    expect(typeOf('FIRST_OR(ARR, L)')).toBe('BIGINT');
    expect(run('FIRST_OR(ARR, L)')).toBe(10);
    expect(err("FIRST_OR(ARR, 'x')")).toContain("Function 'first_or' does not accept parameters (ARRAY<INTEGER>, STRING).");
  });
  it('types and runs lambdas; lambda parameters shadow columns and bodies see the row', () => {
    expect(run('TRANSFORM(ARR, x => x * 2)')).toEqual([20, 40, 60]);
    expect(typeOf("TRANSFORM(ARR, x => CAST(x AS STRING))")).toBe('ARRAY<STRING>');
    expect(run('TRANSFORM(ARR, I => I + 1)')).toEqual([11, 21, 31]);
    expect(run('TRANSFORM(ARR, x => x + I)')).toEqual([15, 25, 35]);
    expect(run('TRANSFORM(ARR, x => TRANSFORM(LARR, y => x + y))')).toEqual([[11, 12], [21, 22], [31, 32]]);
    expect(run('REDUCE(ARR, 0, (s, x) => s + x)')).toBe(60);
    expect(typeOf('REDUCE(ARR, L, (s, x) => s + x)')).toBe('BIGINT');
  });
  it('function errors become null + row error; nullOnNullInput short-circuits', () => {
    const errors: Error[] = [];
    expect(run('BOOM(I)', ROW, makeCtx(errors))).toBe(null);
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    expect(run('COUNTING(I2)')).toBe(null);
    expect(run('COUNTING(I)')).toBe(6);
  });
  it('string literals convert to DATE parameters; unit keywords pass as strings; specialize', () => {
    expect(run("DAYS_OF('2020-01-02')")).toBe(18263);
    expect(run('UNIT_NAME(DAYS, 3)')).toBe('3 DAYS');
    expect(run('SPEC(DT)')).toBe('for DATE');
  });
  it('reports unknown functions', () => {
    expect(err('WONT_FIND_ME(1)')).toBe("Can't find any functions with the name 'WONT_FIND_ME'");
  });
});
