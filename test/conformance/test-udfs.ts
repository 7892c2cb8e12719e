/**
 * The functions ksqlDB's functional-test harness loads from its own test sources (not part of the
 * product): TEST_UDF, BAD_UDF, WHENCONDITION, WHENRESULT, TOSTRUCT and the table functions
 * TEST_UDTF and THROWING_UDTF. The query-validation vectors call them, so the conformance runner
 * registers them next to the built-ins. Behaviour follows ksqlDB's Java test classes:
 *
 * - A Java primitive parameter (int, long, double, boolean) cannot take NULL: the reflective call
 *   fails, which ksqlDB logs and turns into a NULL result. `need` reproduces that by throwing.
 * - Table functions build Guava ImmutableLists, which reject null elements: a NULL that would be
 *   emitted throws instead (the row is dropped, as in ksqlDB).
 */
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType, type StructType } from '../../src/types/sql-type.js';
import type { ParamType, ScalarFunction, ScalarOverload, TableFunction } from '../../src/functions/types.js';
import { javaDoubleToString } from '../../src/functions/scalar/java-format.js';
import { ANY_DECIMAL, p } from '../../src/functions/scalar/support.js';

/** STRUCT<A VARCHAR>, the struct schema the test functions declare. */
const STRUCT_A: StructType = T.struct([{ name: 'A', type: T.STRING }]);

type Struct = Record<string, unknown>;

/** A value for a Java primitive parameter: NULL fails the call, as unboxing null does in Java. */
function need<V>(v: V | null): V {
  if (v === null || v === undefined) throw new Error('java.lang.NullPointerException');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Scalar functions

const returnsName = (name: string, params: ScalarOverload['params'], variadic = false): ScalarOverload => ({
  params,
  variadic,
  returns: T.STRING,
  // The reflective call still fails on a NULL primitive even though the method ignores its args.
  impl: (...args: unknown[]) => {
    for (let i = 0; i < params.length; i++) {
      const t = params[i]!.type;
      if (variadic && i === params.length - 1) for (const x of need(args[i] as unknown[] | null)) need(x);
      else if (t.kind === 'INTEGER' || t.kind === 'BIGINT') need(args[i]);
    }
    return name;
  },
});

/** ksqlDB's TestUdf: each overload returns the Java method's name, to show which one was chosen. */
const testUdf: ScalarFunction = {
  kind: 'scalar',
  name: 'TEST_UDF',
  category: 'OTHER',
  description: 'test',
  overloads: [
    returnsName('doStuffIntString', [p('arg1', T.INTEGER), p('arg2', T.STRING)]),
    returnsName('doStuffLongString', [p('arg1', T.BIGINT), p('arg2', T.STRING)]),
    returnsName('doStuffLongLongString', [p('arg1', T.BIGINT), p('arg2', T.BIGINT), p('arg3', T.STRING)]),
    returnsName('doStuffLongVarargs', [p('longs', T.BIGINT)], true),
    {
      params: [p('struct', STRUCT_A)],
      returns: T.STRING,
      description: "returns the value of 'A'",
      impl: (s: Struct | null) => need(s)['A'] ?? null,
    },
    {
      params: [],
      returns: STRUCT_A,
      description: "returns the value of 'STRUCT<A VARCHAR>'",
      impl: () => ({ A: 'foo' }),
    },
    // TestUdf.returnList(String) calls System.exit: deliberately not reproduced.
  ],
};

/** ksqlDB's BadUdf: throws, or misbehaves, on purpose. */
const badUdf: ScalarFunction = {
  kind: 'scalar',
  name: 'BAD_UDF',
  category: 'OTHER',
  description: 'throws exceptions when called',
  overloads: [
    {
      params: [p('arg1', T.INTEGER)],
      returns: T.STRING,
      description: 'throws',
      impl: () => {
        throw new Error('boom!');
      },
    },
    {
      params: [p('arg', T.BOOLEAN)],
      returns: T.INTEGER,
      description: 'throws if arg is true',
      impl: (b: boolean | null) => {
        if (need(b)) throw new Error('You asked me to throw...');
        return 0;
      },
    },
    {
      params: [p('arg', T.STRING)],
      returns: T.STRING,
      description: 'returns null every other invocation',
      impl: (s: string | null) => s,
      // The Java class keeps a counter per instance, i.e. per compiled call: start a fresh one.
      specialize: () => {
        let i = 0;
        return (s: string | null) => (i++ % 2 === 0 ? null : s);
      },
    },
  ],
};

/** WHENCONDITION / WHENRESULT prove CASE is lazy: they throw if evaluated when they should not be. */
const whenCondition: ScalarFunction = {
  kind: 'scalar',
  name: 'WHENCONDITION',
  category: 'OTHER',
  description: 'UDF used in case-expression.json',
  overloads: [
    {
      params: [p('retValue', T.BOOLEAN), p('shouldBeEvaluated', T.BOOLEAN)],
      returns: T.BOOLEAN,
      impl: (ret: boolean | null, should: boolean | null) => {
        if (!need(should)) throw new Error('When condition in case is not running lazily!');
        return need(ret);
      },
    },
  ],
};

const whenResult: ScalarFunction = {
  kind: 'scalar',
  name: 'WHENRESULT',
  category: 'OTHER',
  description: 'UDF used in case-expression.json',
  overloads: [
    {
      params: [p('retVal', T.INTEGER), p('shouldBeEvaluated', T.BOOLEAN)],
      returns: T.INTEGER,
      impl: (ret: number | null, should: boolean | null) => {
        if (!need(should)) throw new Error('Then expression in case is not running lazily!');
        return need(ret);
      },
    },
  ],
};

/** The UDF of ksqlDB's udf-example.jar: wraps a string in STRUCT<A VARCHAR>. */
const toStruct: ScalarFunction = {
  kind: 'scalar',
  name: 'TOSTRUCT',
  category: 'OTHER',
  description: 'converts things to a struct',
  overloads: [{ params: [p('value', T.STRING)], returns: STRUCT_A, impl: (s: string | null) => ({ A: s }) }],
};

export const testScalarFunctions: ScalarFunction[] = [testUdf, badUdf, whenCondition, whenResult, toStruct];

// ---------------------------------------------------------------------------------------------
// Table functions

type TableOverload = TableFunction['overloads'][number];

/** Java's Object.toString of a runtime value, as String.valueOf and Kafka Connect print it. */
function javaString(v: unknown, type: SqlType): string {
  if (v === null || v === undefined) return 'null';
  switch (type.kind) {
    case 'DOUBLE':
      return javaDoubleToString(v as number);
    case 'STRUCT':
      return connectStructString(v as Struct, type);
    case 'ARRAY':
      return '[' + (v as unknown[]).map((x) => javaString(x, type.element)).join(', ') + ']';
    case 'MAP':
      return '{' + [...(v as Map<unknown, unknown>)].map(([k, x]) => javaString(k, type.key) + '=' + javaString(x, type.value)).join(', ') + '}';
    default:
      return v instanceof Decimal ? v.toString() : String(v);
  }
}

/** Kafka Connect's Struct.toString: `Struct{A=bar,B=1}`, NULL fields left out. */
function connectStructString(s: Struct, type: StructType): string {
  let out = 'Struct{';
  let first = true;
  for (const f of type.fields) {
    const v = s[f.name];
    if (v === null || v === undefined) continue;
    if (!first) out += ',';
    out += f.name + '=' + javaString(v, f.type);
    first = false;
  }
  return out + '}';
}

/** The element types of TEST_UDTF's seven-parameter overloads, in order. */
const SEVEN: readonly ParamType[] = [T.INTEGER, T.BIGINT, T.DOUBLE, T.BOOLEAN, T.STRING, ANY_DECIMAL, STRUCT_A];
const SEVEN_NAMES = ['i', 'l', 'd', 'b', 's', 'bd', 'struct'];

/**
 * A TEST_UDTF overload taking seven containers (or plain values) of the SEVEN types; `first` picks
 * the value each one contributes. Every pick must exist and be non-null (Java throws otherwise).
 */
function sevenParams(wrap: (t: ParamType, i: number) => ParamType, first: (container: unknown) => unknown): TableOverload {
  const params = SEVEN.map((t, i) => p(SEVEN_NAMES[i]!, wrap(t, i)));
  const emit =
    (elementTypes: readonly SqlType[]) =>
    (...values: unknown[]): string[] =>
      values.map((c, i) => javaString(need(first(need(c))), elementTypes[i]!));
  return {
    params,
    returns: T.STRING,
    // Only the kinds matter for printing; the specialised version uses the resolved types.
    impl: emit(SEVEN.map((t) => (t.kind === 'ANY_DECIMAL' ? T.decimal(38, 0) : (t as SqlType)))),
    specialize: (args) => emit(args.types.map((t) => (t.kind === 'ARRAY' ? t.element : t.kind === 'MAP' ? t.value : t))),
  };
}

function firstOfList(list: unknown): unknown {
  const a = list as unknown[];
  if (a.length === 0) throw new Error('java.lang.IndexOutOfBoundsException: Index 0 out of bounds for length 0');
  return a[0];
}

function firstMapValue(map: unknown): unknown {
  const it = (map as Map<unknown, unknown>).values().next();
  if (it.done) throw new Error('java.util.NoSuchElementException');
  return it.value;
}

/** A one-parameter TEST_UDTF overload that emits its argument. */
const single = (type: ParamType, returns: ParamType = type): TableOverload => ({
  params: [p('value', type)],
  returns,
  impl: (v: unknown) => [need(v)],
});

/** ksqlDB's TestUdtf: one overload per parameter shape, each emitting what it received. */
const testUdtf: TableFunction = {
  kind: 'table',
  name: 'TEST_UDTF',
  category: 'TABLE',
  description: 'test',
  overloads: [
    sevenParams((t) => t, (v) => v),
    sevenParams((t) => ({ kind: 'ARRAY', element: t }), firstOfList),
    sevenParams((t) => ({ kind: 'MAP', key: T.STRING, value: t }), firstMapValue),
    // parameterizedMapParams2: the first map is keyed by BIGINT.
    sevenParams((t, i) => ({ kind: 'MAP', key: i === 0 ? T.BIGINT : T.STRING, value: t }), firstMapValue),
    single(T.INTEGER),
    single(T.BIGINT),
    single(T.DOUBLE),
    single(T.BOOLEAN),
    single(T.STRING),
    // listBigDecimalReturnWithSchemaProvider: its schema provider fixes the result to DECIMAL(30, 10).
    single(ANY_DECIMAL, T.decimal(30, 10)),
    single(STRUCT_A),
    // TestUdtf.structTest(int) duplicates listIntegerReturn(int)'s signature; the vectors expect the
    // INTEGER one, so it is left out.
  ],
};

/** ksqlDB's ThrowingUdtf: emits its argument, or throws when it is true. */
const throwingUdtf: TableFunction = {
  kind: 'table',
  name: 'THROWING_UDTF',
  category: 'TABLE',
  description: 'test UDTF that throws if param is true',
  overloads: [
    {
      params: [p('shouldThrow', T.BOOLEAN)],
      returns: T.BOOLEAN,
      impl: (b: boolean | null) => {
        if (need(b)) throw new Error('You asked me to throw...');
        return [false];
      },
    },
  ],
};

export const testTableFunctions: TableFunction[] = [testUdtf, throwingUdtf];

// ---------------------------------------------------------------------------------------------
// Test UDAFs of ksqlDB's suite (ksqldb-engine/src/test/java/io/confluent/ksql/function/udaf/).

import type { AggregateFunction, AggregateOverload, Aggregator } from '../../src/functions/aggregate/types.js';
import { numberCodec, valueCodec } from '../../src/functions/aggregate/state-codec.js';

const udaf = (name: string, description: string, overloads: AggregateOverload[]): AggregateFunction => ({
  kind: 'aggregate',
  name,
  category: 'AGGREGATE',
  description,
  overloads,
});

/** A running number: init value, per-row contribution, optional undo and final mapping. */
function numberUdaf(init: number, contribution: (args: readonly unknown[]) => number, undoable: boolean, finish?: (n: number) => number): Aggregator<number> {
  const agg: Aggregator<number> = {
    initial: () => init,
    add: (acc, args) => acc + contribution(args),
    merge: (a, b) => a + b,
    result: finish ?? ((acc) => acc),
    ...numberCodec,
  };
  if (undoable) agg.undo = (acc, args) => acc - contribution(args);
  return agg;
}

const num = (v: unknown): number => (v == null ? 0 : (v as number));
const len = (v: unknown): number => (v == null ? 0 : (v as string).length);
const lengths = (vs: readonly unknown[]): number => vs.reduce<number>((s, v) => s + len(v), 0);
/** initArg1 + the lengths of the string init arguments (MULTI_ARG, FOUR_ARG, FIVE_ARG). */
const initSum = (init: readonly unknown[]): number => num(init[0]) + lengths(init.slice(1));

const STRUCT_AB = T.struct([
  { name: 'A', type: T.INTEGER },
  { name: 'B', type: T.INTEGER },
]);

/** TestUdaf: sums (BIGINT, INT: undoable), DOUBLE, string lengths (with an initial string), struct fields. */
const testUdaf = udaf('TEST_UDAF', 'test_udaf', [
  { params: [p('val', T.BIGINT)], returns: T.BIGINT, create: () => numberUdaf(0, (a) => num(a[0]), true) },
  { params: [p('val', T.INTEGER)], returns: T.BIGINT, create: () => numberUdaf(0, (a) => num(a[0]), true) },
  { params: [p('val', T.DOUBLE)], returns: T.DOUBLE, create: () => numberUdaf(0, (a) => num(a[0]), false) },
  {
    params: [p('val', T.STRING), p('initialString', T.STRING)],
    initParams: 1,
    returns: T.BIGINT,
    create: (_args, init) => numberUdaf(len(init[0]), (a) => len(a[0]), false),
  },
  {
    params: [p('val', STRUCT_AB)],
    returns: STRUCT_AB,
    complexState: true,
    create: () => {
      const plus = (acc: { A: number; B: number }, v: { A: number | null; B: number | null } | null) => {
        if (v) {
          acc.A = (acc.A + num(v.A)) | 0;
          acc.B = (acc.B + num(v.B)) | 0;
        }
        return acc;
      };
      const agg: Aggregator<{ A: number; B: number }> = {
        initial: () => ({ A: 0, B: 0 }),
        add: (acc, args) => plus(acc, args[0] as { A: number; B: number } | null),
        merge: (a, b) => plus(a, b),
        result: (acc) => ({ A: acc.A, B: acc.B }),
        ...valueCodec,
      } as Aggregator<{ A: number; B: number }>;
      return agg;
    },
  },
]);

/** MULTI_ARG(BIGINT, STRING, INT init, STRING... init): init + first + length(second). */
const multiArg = udaf('MULTI_ARG', 'Returns the sum of the provided longs and lengths of strings.', [
  {
    params: [p('first', T.BIGINT), p('second', T.STRING), p('initArg1', T.INTEGER), p('initArg2', T.STRING)],
    initParams: 2,
    variadic: true,
    returns: T.BIGINT,
    create: (_args, init) => numberUdaf(initSum(init), (a) => num(a[0]) + len(a[1]), false),
  },
]);

const fourArg = udaf('FOUR_ARG', 'Returns the sum of the provided longs and lengths of strings.', [
  {
    params: [p('first', T.BIGINT), p('second', T.STRING), p('third', T.STRING), p('fourth', T.STRING), p('initArg1', T.INTEGER), p('initArg2', T.STRING)],
    initParams: 2,
    variadic: true,
    returns: T.BIGINT,
    create: (_args, init) => numberUdaf(initSum(init), (a) => num(a[0]) + len(a[1]) + len(a[2]) + len(a[3]), false),
  },
]);

const fiveArg = udaf('FIVE_ARG', 'Returns the sum of the provided longs, lengths of strings, and integers.', [
  {
    params: [
      p('first', T.BIGINT),
      p('second', T.STRING),
      p('third', T.STRING),
      p('fourth', T.STRING),
      p('fifth', T.INTEGER),
      p('initArg1', T.INTEGER),
      p('initArg2', T.STRING),
    ],
    initParams: 2,
    variadic: true,
    returns: T.BIGINT,
    create: (_args, init) => numberUdaf(initSum(init), (a) => num(a[0]) + len(a[1]) + len(a[2]) + len(a[3]) + num(a[4]), false),
  },
]);

/** VAR_ARG(BIGINT, STRING...): first + the lengths of the strings. */
const varArg = udaf('VAR_ARG', 'Returns the sum of the provided longs and lengths of strings.', [
  {
    params: [p('first', T.BIGINT), p('rest', T.STRING)],
    variadic: true,
    returns: T.BIGINT,
    create: () => numberUdaf(0, (a) => num(a[0]) + lengths(a.slice(1)), false),
  },
]);

/** MID_VAR_ARG(BIGINT, STRING..., INT, INT): like VAR_ARG, plus both init ints in the result. */
const midVarArg = udaf('MID_VAR_ARG', 'Returns the sum of the provided longs, lengths of strings, and initial arguments.', [
  {
    params: [p('first', T.BIGINT), p('rest', T.STRING), p('initFirst', T.INTEGER), p('initSecond', T.INTEGER)],
    initParams: 2,
    variadic: true,
    variadicIndex: 1,
    returns: T.BIGINT,
    create: (_args, init) => {
      const constant = num(init[0]) + num(init[1]);
      return numberUdaf(0, (a) => num(a[0]) + lengths(a.slice(1)), false, (acc) => acc + constant);
    },
  },
]);

/** Collects the first column of the rows whose columns are all non-null. */
function collectIfAllPresent(): Aggregator<unknown[]> {
  return {
    initial: () => [],
    add: (acc, args) => {
      for (const v of args) if (v == null) return acc;
      acc.push(args[0]);
      return acc;
    },
    merge: (a, b) => a.concat(b),
    result: (acc) => acc.slice(),
    ...valueCodec,
  } as Aggregator<unknown[]>;
}

const genericVarArg = udaf('GENERIC_VAR_ARG', 'Returns an array of rows where all the given columns are non-null.', [
  {
    params: [p('a', { kind: 'GENERIC', name: 'A' }), p('b', { kind: 'GENERIC', name: 'B' }), p('c', { kind: 'GENERIC', name: 'C' })],
    variadic: true,
    returns: { kind: 'ARRAY', element: { kind: 'GENERIC', name: 'A' } },
    complexState: true,
    create: collectIfAllPresent,
  },
]);

const objColArg = udaf('OBJ_COL_ARG', 'Returns an array of rows where all the given columns are non-null.', [
  {
    params: [p('first', T.INTEGER), p('rest', { kind: 'ANY' })],
    variadic: true,
    returns: T.array(T.INTEGER),
    complexState: true,
    create: collectIfAllPresent,
  },
]);

export const testAggregateFunctions: AggregateFunction[] = [testUdaf, multiArg, fourArg, fiveArg, varArg, midVarArg, genericVarArg, objColArg];
