/** AVRO: serde round trips, other writer schemas, VALUE_SCHEMA_ID, vector values, registry support, avsc cross-checks. */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroFormat, avroSchemaSupport } from '../../src/serde/avro/index.js';
import { UnknownSchemaError } from '../../src/serde/confluent-wire.js';
import { SerdeError, type FormatOptions } from '../../src/serde/serde.js';
import { JsonNumber } from '../../src/serde/json-exact.js';
import { decimalBytes } from '../../src/serde/avro/values.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText } from '../../src/registry/schema.js';
import { col, TestCatalog, generatedSerde, avscBytes, decimal } from './avro-fixtures.js';

describe('AVRO serde round trips', () => {
  const columns = [
    col('B', T.BOOLEAN),
    col('I', T.INTEGER),
    col('L', T.BIGINT),
    col('D', T.DOUBLE),
    col('DEC', T.decimal(10, 3)),
    col('S', T.STRING),
    col('BY', T.BYTES),
    col('DT', T.DATE),
    col('TM', T.TIME),
    col('TS', T.TIMESTAMP),
    col('A', T.array(T.struct([{ name: 'X', type: T.INTEGER }, { name: 'M', type: T.map(T.STRING, T.array(T.STRING)) }]))),
    col('M', T.map(T.STRING, T.decimal(4, 2))),
    col('ST', T.struct([{ name: 'N', type: T.struct([{ name: 'V', type: T.STRING }]) }, { name: 'Q', type: T.DOUBLE }])),
  ];
  const row = [
    true,
    -2147483648,
    9007199254740991,
    -1.5e-7,
    new Decimal(-1234567890n, 3),
    'héllo wörld ☃ 𝄞 ' + 'x'.repeat(100),
    Buffer.from([0, 255, 7]),
    19000,
    86399999,
    1700000000123,
    [{ X: 1, M: new Map([['k', ['a', null]]]) }, null, { X: null, M: null }],
    new Map<string, unknown>([['a', new Decimal(-1n, 2)], ['b', null]]),
    { N: { V: 'v' }, Q: null },
  ];

  it('writes and reads every type, framed with the registered id', () => {
    const { serde, id } = generatedSerde(columns);
    const bytes = serde.serialize(row)!;
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(serde.deserialize(bytes)).toEqual(row);
    const out: unknown[] = ['x', 'y'];
    expect(serde.deserializeInto!(bytes, out, 2)).toBe(true);
    expect(out.slice(2)).toEqual(row);
    expect(serde.serialize(columns.map(() => null))).not.toBeNull();
    expect(serde.deserialize(serde.serialize(columns.map(() => null)))).toEqual(columns.map(() => null));
  });

  it('writes what avsc reads, and reads what avsc writes', () => {
    const { serde, schema, id } = generatedSerde([col('L', T.BIGINT), col('S', T.STRING), col('M', T.map(T.STRING, T.INTEGER)), col('A', T.array(T.DOUBLE))]);
    const type = avro.Type.forSchema(JSON.parse(schema.schema), { wrapUnions: true });
    const bytes = serde.serialize([-300, 'abc', new Map([['k', 7]]), [1.25, null]])!;
    expect(type.fromBuffer(bytes.subarray(5))).toEqual({
      L: { long: -300 },
      S: { string: 'abc' },
      M: { array: [{ key: { string: 'k' }, value: { int: 7 } }] },
      A: { array: [{ double: 1.25 }, null] },
    });
    const theirs = avscBytes(JSON.parse(schema.schema), { L: { long: 1234567890123 }, S: null, M: null, A: { array: [] } }, id);
    expect(serde.deserialize(theirs)).toEqual([1234567890123, null, null, []]);
  });

  it('reads repeated and colliding short strings right', () => {
    const { serde } = generatedSerde([col('S', T.STRING)], { wrapSingleValue: false });
    // "Aa" and "BB" hash alike; the cache must compare the bytes.
    const words = ['Aa', 'BB', 'Aa', 'é', 'BB', '', 'x'.repeat(16), 'x'.repeat(17), 'Google', 'Googld', 'Aa'];
    for (const w of words) expect(serde.deserialize(serde.serialize([w]))).toEqual([w]);
  });

  it('keeps the scale of decimals and refuses to round them', () => {
    const { serde } = generatedSerde([col('D', T.decimal(6, 4))]);
    expect(serde.deserialize(serde.serialize([new Decimal(10n, 0)]))).toEqual([new Decimal(100000n, 4)]);
    expect(() => serde.serialize([new Decimal(12345n, 5)])).toThrow(SerdeError);
    expect(() => serde.serialize([new Decimal(123n, 0)])).toThrow('Numeric field overflow');
  });

  it('decimals in the fewest two\'s-complement bytes, as Java\'s BigInteger.toByteArray', () => {
    const hex = (u: bigint, size?: number) => decimalBytes(u, size).toString('hex');
    expect([0n, 127n, 128n, -128n, -129n, -1n, 255n, -256n, 32768n].map((u) => hex(u))).toEqual(['00', '7f', '0080', '80', 'ff7f', 'ff', '00ff', 'ff00', '008000']);
    expect(hex(-2n, 4)).toBe('fffffffe');
    expect(hex(5n, 3)).toBe('000005');
  });

  it('unwrapped keys and values; null rows and null unwrapped values are tombstones', () => {
    const key = generatedSerde([col('K', T.STRING, 'KEY')], {}, true);
    expect(key.serde.deserialize(key.serde.serialize(['k1']))).toEqual(['k1']);
    expect(key.serde.serialize([null])).toBeNull();
    expect(key.serde.serialize(null)).toBeNull();
    expect(key.serde.deserialize(null)).toBeNull();
    const structKey = generatedSerde([col('K', T.struct([{ name: 'F1', type: T.STRING }]), 'KEY')], {}, true);
    expect(structKey.serde.deserialize(structKey.serde.serialize([{ F1: null }]))).toEqual([{ F1: null }]);
    const value = generatedSerde([col('V', T.array(T.BIGINT))], { wrapSingleValue: false });
    const bytes = value.serde.serialize([[1, null]])!;
    expect(avro.Type.forSchema({ type: 'array', items: ['null', 'long'] }, { wrapUnions: true }).fromBuffer(bytes.subarray(5))).toEqual([{ long: 1 }, null]);
    expect(value.serde.deserialize(bytes)).toEqual([[1, null]]);
  });

  it('reads longs beyond 2^53 approximately, as BIGINT is held', () => {
    const { serde, id } = generatedSerde([col('K', T.BIGINT, 'KEY')], {}, true);
    const bytes = avroFormat.encodeSpec(998877665544332211, { schemaType: 'AVRO', schema: '"long"' }, id, new TestCatalog());
    expect(serde.deserialize(bytes)).toEqual([998877665544332211]);
  });

  it('keeps the sign and magnitude of longs at the ends of the range', () => {
    const { serde } = generatedSerde([col('V', T.BIGINT)]);
    for (const v of [-9223372036854775808, 9223372036854775807, -(2 ** 60) - 2 ** 10, 2 ** 53 + 2, -(2 ** 53) - 2, -1073741825, 1073741824, -1, 0]) {
      expect(serde.deserialize(serde.serialize([v]))).toEqual([v]);
    }
    const t = avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'V', type: ['null', 'long'] }] }, { wrapUnions: true });
    expect(t.fromBuffer(serde.serialize([-(2 ** 51) - 1])!.subarray(5))).toEqual({ V: { long: -(2 ** 51) - 1 } });
  });

  it('needs the schema registered only to write', () => {
    const catalog = new TestCatalog();
    const columns2 = [col('A', T.INTEGER)];
    const serde = avroFormat.createSerde(columns2, {}, false, { topic: 'orders', catalog });
    expect(() => serde.serialize([1])).toThrow("not registered under subject 'orders-value'");
    const id = catalog.register('orders-value', avroFormat.schemaFor(columns2, {}, false));
    expect(serde.serialize([1])!.readInt32BE(1)).toBe(id);
  });
});

describe('AVRO reading records of other writer schemas', () => {
  const columns = [col('ID', T.BIGINT), col('NAME', T.STRING), col('AMOUNT', T.DOUBLE), col('lower', T.INTEGER)];
  const serdeOver = (catalog: TestCatalog) => avroFormat.createSerde(columns, {}, false, { topic: 't', catalog });

  it('matches fields by name (exact, then upper-cased), skips the unknown, nulls the missing', () => {
    const catalog = new TestCatalog();
    const writer = {
      type: 'record',
      name: 'W',
      fields: [
        { name: 'extra', type: { type: 'map', values: { type: 'array', items: 'string' } } },
        { name: 'amount', type: 'float' },
        { name: 'id', type: 'int' },
        { name: 'rec', type: { type: 'record', name: 'R', fields: [{ name: 'x', type: ['null', 'string'] }] } },
        { name: 'LOWER', type: 'int' },
      ],
    };
    const id = catalog.register('t-value', writer);
    const bytes = avscBytes(writer, { extra: { a: ['b', 'c'] }, amount: 1.100000023841858, id: 42, rec: { x: { string: 'q' } }, LOWER: 5 }, id);
    expect(serdeOver(catalog).deserialize(bytes)).toEqual([42, null, Math.fround(1.1), null]);
  });

  it('reads records written with an older and a newer schema (evolution) and compiles each once', () => {
    const catalog = new TestCatalog();
    const v1 = { type: 'record', name: 'V', fields: [{ name: 'ID', type: 'long' }] };
    const v2 = { type: 'record', name: 'V', fields: [{ name: 'ID', type: 'long' }, { name: 'NAME', type: ['null', 'string'], default: null }, { name: 'AMOUNT', type: 'double', default: 0 }] };
    const id1 = catalog.register('t-value', v1);
    const id2 = catalog.register('t-value', v2);
    const serde = serdeOver(catalog);
    const a = avscBytes(v1, { ID: 1 }, id1);
    const b = avscBytes(v2, { ID: 2, NAME: { string: 'n' }, AMOUNT: 2.5 }, id2);
    for (let i = 0; i < 3; i++) {
      expect(serde.deserialize(a)).toEqual([1, null, null, null]);
      expect(serde.deserialize(b)).toEqual([2, 'n', 2.5, null]);
    }
    expect(catalog.lookups).toBe(2);
  });

  it('coerces as ksqlDB: numbers and booleans to STRING as Java prints them, enums to STRING', () => {
    const catalog = new TestCatalog();
    const cols = [col('A', T.STRING), col('B', T.STRING), col('C', T.STRING), col('D', T.STRING), col('E', T.STRING), col('F', T.BIGINT)];
    const writer = {
      type: 'record',
      name: 'W',
      fields: [
        { name: 'A', type: 'int' },
        { name: 'B', type: 'double' },
        { name: 'C', type: 'float' },
        { name: 'D', type: 'boolean' },
        { name: 'E', type: { type: 'enum', name: 'En', symbols: ['X', 'Y'] } },
        { name: 'F', type: 'int' },
      ],
    };
    const id = catalog.register('t-value', writer);
    const serde = avroFormat.createSerde(cols, {}, false, { topic: 't', catalog });
    expect(serde.deserialize(avscBytes(writer, { A: 10, B: 1e7, C: 1.1, D: true, E: 'Y', F: -3 }, id))).toEqual(['10', '1.0E7', '1.1', 'true', 'Y', -3]);
  });

  it('reads unions of several types as structs, and map entries with int keys', () => {
    const catalog = new TestCatalog();
    const writer = {
      type: 'record',
      name: 'W',
      fields: [
        { name: 'U', type: ['null', 'int', 'string'] },
        { name: 'M', type: { type: 'array', items: { type: 'record', name: 'MapEntry', namespace: 'io.confluent.connect.avro', fields: [{ name: 'key', type: 'int' }, { name: 'value', type: 'string' }] } } },
      ],
    };
    const id = catalog.register('t-value', writer);
    const cols = [col('U', T.struct([{ name: 'INT', type: T.INTEGER }, { name: 'STRING', type: T.STRING }])), col('M', T.map(T.STRING, T.STRING))];
    const serde = avroFormat.createSerde(cols, {}, false, { topic: 't', catalog });
    const bytes = avscBytes(writer, { U: { string: 's' }, M: [{ key: 1, value: 'one' }] }, id);
    expect(serde.deserialize(bytes)).toEqual([{ INT: null, STRING: 's' }, new Map([['1', 'one']])]);
  });

  it('fails records it cannot read with ksqlDB-like messages', () => {
    const catalog = new TestCatalog();
    const writer = { type: 'record', name: 'W', fields: [{ name: 'id', type: ['null', 'string'] }] };
    const id = catalog.register('t-value', writer);
    const serde = serdeOver(catalog);
    // Even a null fails: the types do not match.
    expect(() => serde.deserialize(avscBytes(writer, { id: null }, id))).toThrow('Cannot deserialize type string as type int64 for path: ->ID');
    expect(() => serde.deserialize(Buffer.from('{"a":1}'))).toThrow('Unknown magic byte!');
    expect(() => serde.deserialize(Buffer.from([0, 0, 0, 0, 99, 1]))).toThrow(UnknownSchemaError);
    const good = avscBytes({ type: 'record', name: 'W', fields: [{ name: 'NAME', type: 'string' }] }, { NAME: 'a long enough string' }, catalog.register('t-value', { type: 'record', name: 'W', fields: [{ name: 'NAME', type: 'string' }] }));
    expect(() => serde.deserialize(good.subarray(0, good.length - 4))).toThrow(SerdeError);
    const garbage = Buffer.concat([good.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])]);
    expect(() => serde.deserialize(garbage)).toThrow(SerdeError);
  });

  it('random bytes either read or fail with a SerdeError (no crash, no hang)', () => {
    const columns = [col('A', T.array(T.map(T.STRING, T.STRING))), col('D', T.decimal(9, 2)), col('S', T.struct([{ name: 'X', type: T.array(T.BIGINT) }])), col('B', T.BYTES)];
    const { serde, id } = generatedSerde(columns);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
    const valid = serde.serialize([[new Map([['k', 'v']])], new Decimal(5n, 2), { X: [1, 2] }, Buffer.from('xy')])!;
    for (let i = 0; i < 3000; i++) {
      const body = i % 2 ? Buffer.from(Array.from({ length: rand() % 40 }, rand)) : Buffer.from(valid.subarray(5).map((b) => (rand() < 20 ? rand() : b)));
      const bytes = Buffer.concat([valid.subarray(0, 5), body]);
      try {
        serde.deserialize(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(SerdeError);
      }
    }
    expect(valid.readInt32BE(1)).toBe(id);
  });

  it('the wrapped value of a non-record schema fails; unwrapped reads it', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('t-value', 'int');
    const bytes = avscBytes('int', 10, id);
    expect(() => serdeOver(catalog).deserialize(bytes)).toThrow('Cannot deserialize type int32 as type struct for path: ');
    const unwrapped = avroFormat.createSerde([col('FOO', T.STRING)], { wrapSingleValue: false }, false, { topic: 't', catalog });
    expect(unwrapped.deserialize(bytes)).toEqual(['10']);
  });
});

describe('AVRO writing with a registered schema (VALUE_SCHEMA_ID)', () => {
  const physical = {
    type: 'record',
    name: 'Transaction',
    namespace: 'com.acme',
    fields: [
      { name: 'eventID', type: 'string' },
      { name: 'tx', type: { type: 'record', name: 'tx', fields: [{ name: 'num', type: 'int', default: 0 }, { name: 'opt', type: ['null', 'long'] }] } },
      { name: 'optField', type: 'string', default: 'foo' },
    ],
  };
  const columns = [col('eventID', T.STRING), col('tx', T.struct([{ name: 'num', type: T.INTEGER }]))];

  it('matches fields by name and fills the rest with defaults or nulls', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('other-value', physical, 102);
    const serde = avroFormat.createSerde(columns, { schemaId: 102 }, false, { topic: 'out', catalog });
    const bytes = serde.serialize(['1', { num: null }])!;
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(avroFormat.decodeSpec(bytes, catalog)).toEqual({ eventID: '1', tx: { num: 0, opt: null }, optField: 'foo' });
    expect(serde.deserialize(bytes)).toEqual(['1', { num: 0 }]);
  });

  it('fails for required fields without defaults and for columns the schema lacks', () => {
    const catalog = new TestCatalog();
    catalog.register('x-value', { type: 'record', name: 'blah', fields: [{ name: 'c1', type: 'int' }, { name: 'c2', type: 'double' }] }, 5);
    const serde = avroFormat.createSerde([col('c1', T.INTEGER)], { schemaId: 5 }, false, { topic: 'x', catalog });
    expect(() => serde.serialize([1])).toThrow('Missing default value for required Avro field: [c2]. This field appears in Avro schema in Schema Registry');
    const extra = avroFormat.createSerde([col('c1', T.INTEGER), col('c3', T.INTEGER)], { schemaId: 5 }, false, { topic: 'x', catalog });
    expect(() => extra.serialize([1, 2])).toThrow('Schema from Schema Registry misses field with name: c3');
    const nulls = avroFormat.createSerde([col('c1', T.INTEGER), col('c2', T.DOUBLE)], { schemaId: 5 }, false, { topic: 'x', catalog });
    expect(() => nulls.serialize([null, 1])).toThrow('Invalid value: null used for required field: "c1", schema type: INT32');
    expect(() => avroFormat.createSerde([col('c1', T.INTEGER)], { schemaId: 77 }, false, { topic: 'x', catalog }).serialize([1])).toThrow(UnknownSchemaError);
  });
});

describe('AVRO test vector values (encodeSpec / decodeSpec)', () => {
  const catalog = new TestCatalog();
  const schema = {
    type: 'record',
    name: 'blah',
    fields: [
      { name: 'c1', type: 'boolean' },
      { name: 'c2', type: ['null', 'int'] },
      { name: 'dec', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 4 }] },
      { name: 'b', type: ['null', 'bytes'] },
      { name: 'm', type: { type: 'map', values: 'long' } },
      { name: 'e', type: { type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS'] } },
      { name: 'u', type: ['null', 'int', 'string'] },
    ],
  };
  const id = catalog.register('in-value', schema);
  const text: SchemaText = { schemaType: 'AVRO', schema: JSON.stringify(schema) };

  it('matches fields case-insensitively, fits decimals, reads bytes as base64', () => {
    const bytes = avroFormat.encodeSpec({ C1: true, c2: 7, DEC: 10.0, b: 'AQID', m: { a: 1 }, e: 'HEARTS', u: { STRING: 'x' }, extra: 1 }, text, id, catalog);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(avroFormat.decodeSpec(bytes, catalog)).toEqual({ c1: true, c2: 7, dec: new JsonNumber('10.0000'), b: 'AQID', m: { a: 1 }, e: 'HEARTS', u: { int: null, string: 'x' } });
    const again = avroFormat.encodeSpec({ c1: false, dec: '1.23456', m: {}, e: 'SPADES' }, text, id, catalog);
    expect(avroFormat.decodeSpec(again, catalog)).toEqual({ c1: false, c2: null, dec: new JsonNumber('1.2346'), b: null, m: {}, e: 'SPADES', u: null });
  });

  it('maps written as MapEntry arrays read back as objects', () => {
    const s = avroFormat.schemaFor([col('FOO', T.map(T.STRING, T.DOUBLE))], { wrapSingleValue: false }, false);
    const sid = catalog.register('out-value', s);
    const serde = avroFormat.createSerde([col('FOO', T.map(T.STRING, T.DOUBLE))], { wrapSingleValue: false }, false, { topic: 'out', catalog });
    expect(avroFormat.decodeSpec(serde.serialize([new Map([['a', 1.1], ['c', null]])])!, catalog)).toEqual({ a: 1.1, c: null });
    expect(serde.deserialize(avroFormat.encodeSpec({ a: 1.5 }, s, sid, catalog))).toEqual([new Map([['a', 1.5]])]);
  });

  it('unknown ids fail with UnknownSchemaError', () => {
    expect(() => avroFormat.decodeSpec(Buffer.from([0, 0, 0, 1, 0, 0]), catalog)).toThrow(UnknownSchemaError);
  });
});

describe('AVRO registry support', () => {
  const catalog = new TestCatalog();
  const canon = (schema: unknown) => avroSchemaSupport.canonical({ schemaType: 'AVRO', schema: typeof schema === 'string' ? schema : JSON.stringify(schema) }, catalog);

  it('gives equal canonical forms to the same schema written differently', () => {
    const a = { type: 'record', name: 'R', namespace: 'n', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: { type: 'record', name: 'S', fields: [{ name: 'x', type: 'string' }] } }, { name: 'c', type: 'S' }], 'connect.name': 'n.R', doc: 'd' };
    const b = { doc: 'd', 'connect.name': 'n.R', fields: [{ type: { type: 'int' }, name: 'a' }, { name: 'b', type: { name: 'n.S', type: 'record', fields: [{ name: 'x', type: 'string' }] } }, { name: 'c', type: 'n.S' }], name: 'n.R', type: 'record' };
    expect(canon(a)).toBe(canon(b));
    expect(canon('"int"')).toBe(canon({ type: 'int' }));
    expect(canon(a)).not.toBe(canon({ ...a, doc: 'other' }));
  });

  it('throws on invalid schemas', () => {
    expect(() => canon('{"type":"record"}')).toThrow();
    expect(() => canon({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 'x' }] })).toThrow();
    expect(() => canon('not json')).toThrow();
  });

  it('reports BACKWARD problems as the registry does', () => {
    const problems = (newer: unknown, older: unknown) =>
      avroSchemaSupport.backwardProblems({ schemaType: 'AVRO', schema: JSON.stringify(newer) }, { schemaType: 'AVRO', schema: JSON.stringify(older) }, catalog);
    const v1 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
    expect(problems({ ...v1, fields: [...v1.fields, { name: 'b', type: ['null', 'string'], default: null }] }, v1)).toEqual([]);
    expect(problems({ ...v1, fields: [{ name: 'a', type: 'long' }] }, v1)).toEqual([]);
    expect(problems({ ...v1, fields: [] }, v1)).toEqual([]);
    expect(problems({ ...v1, fields: [...v1.fields, { name: 'b', type: 'string' }] }, v1)[0]).toContain('READER_FIELD_MISSING_DEFAULT_VALUE');
    expect(problems(v1, { ...v1, fields: [{ name: 'a', type: 'long' }] })[0]).toContain('TYPE_MISMATCH');
    expect(problems({ ...v1, name: 'Q' }, v1)[0]).toContain('NAME_MISMATCH');
    const e1 = { type: 'enum', name: 'E', symbols: ['A', 'B'] };
    expect(problems({ ...e1, symbols: ['A'] }, e1)[0]).toContain('MISSING_ENUM_SYMBOLS');
    expect(problems(['null', 'int'], 'int')).toEqual([]);
    expect(problems('int', ['null', 'int'])[0]).toContain('TYPE_MISMATCH');
  });
});

describe('AVRO codec against avsc (random schemas and values)', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)]!;
  let fieldNo = 0;

  function randomType(depth: number): SqlType {
    const leaf = [T.BOOLEAN, T.INTEGER, T.BIGINT, T.DOUBLE, T.STRING, T.BYTES, T.DATE, T.TIME, T.TIMESTAMP, T.decimal(12, 3)];
    if (depth <= 0 || rand() < 0.6) return pick(leaf);
    const k = pick(['ARRAY', 'MAP', 'STRUCT']);
    if (k === 'ARRAY') return T.array(randomType(depth - 1));
    if (k === 'MAP') return T.map(T.STRING, randomType(depth - 1));
    const n = 1 + Math.floor(rand() * 3);
    return T.struct(Array.from({ length: n }, () => ({ name: `F${fieldNo++}`, type: randomType(depth - 1) })));
  }

  function randomValue(t: SqlType, depth = 0): unknown {
    if (depth > 0 && rand() < 0.15) return null;
    switch (t.kind) {
      case 'BOOLEAN':
        return rand() < 0.5;
      case 'INTEGER':
      case 'DATE':
      case 'TIME':
        return Math.floor((rand() - 0.5) * 2 ** 31);
      case 'BIGINT':
      case 'TIMESTAMP':
        return Math.floor((rand() - 0.5) * 2 ** 53);
      case 'DOUBLE':
        return (rand() - 0.5) * 10 ** Math.floor(rand() * 20 - 10);
      case 'STRING':
        return pick(['', 'a', 'héllo', '☃𝄞', 'x'.repeat(70), 'é'.repeat(40)]);
      case 'BYTES':
        return Buffer.from(Array.from({ length: Math.floor(rand() * 5) }, () => Math.floor(rand() * 256)));
      case 'DECIMAL':
        return new Decimal(BigInt(Math.floor((rand() - 0.5) * 2 * 10 ** 11)), 3);
      case 'ARRAY':
        return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(t.element, depth + 1));
      case 'MAP':
        return new Map(Array.from({ length: Math.floor(rand() * 3) }, (_, i) => [`k${i}`, randomValue(t.value, depth + 1)]));
      case 'STRUCT':
        return Object.fromEntries(t.fields.map((f) => [f.name, randomValue(f.type, depth + 1)]));
      default:
        return null;
    }
  }

  /** Our value as avsc holds it for the generated schema (wrapped unions, maps as entry arrays). */
  let minimalDecimals = false;
  function toAvsc(t: SqlType, v: unknown, context: string): unknown {
    switch (t.kind) {
      case 'DECIMAL': {
        const u = (v as Decimal).unscaled;
        if (minimalDecimals) return decimalBytes(u);
        const hex = (u < 0n ? (1n << 128n) + u : u).toString(16).padStart(32, '0');
        return Buffer.from(hex, 'hex');
      }
      case 'ARRAY':
        return (v as unknown[]).map((x) => wrap(t.element, x, context));
      case 'MAP':
        return [...(v as Map<string, unknown>)].map(([k, x]) => ({ key: { string: k }, value: wrap(t.value, x, `${context}_MapValue`) }));
      case 'STRUCT':
        return Object.fromEntries(t.fields.map((f) => [f.name, wrap(f.type, (v as Record<string, unknown>)[f.name], `${context}_${f.name}`)]));
      default:
        return v;
    }
  }
  function wrap(t: SqlType, v: unknown, context: string): unknown {
    if (v === null) return null;
    const branch = (() => {
      switch (t.kind) {
        case 'BOOLEAN':
          return 'boolean';
        case 'INTEGER':
        case 'DATE':
        case 'TIME':
          return 'int';
        case 'BIGINT':
        case 'TIMESTAMP':
          return 'long';
        case 'DOUBLE':
          return 'double';
        case 'STRING':
          return 'string';
        case 'BYTES':
        case 'DECIMAL':
          return 'bytes';
        case 'ARRAY':
        case 'MAP':
          return 'array';
        default:
          return `io.confluent.ksql.avro_schemas.${context}`;
      }
    })();
    return { [branch]: toAvsc(t, v, context) };
  }

  it('round-trips through avsc for 200 random schemas', () => {
    for (let i = 0; i < 200; i++) {
      const columns = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, c) => col(`C${c}`, randomType(3)));
      const { serde, schema, id } = generatedSerde(columns);
      const type = avro.Type.forSchema(JSON.parse(schema.schema), { wrapUnions: true });
      for (let j = 0; j < 5; j++) {
        const row = columns.map((c) => randomValue(c.type, 1));
        const ours = serde.serialize(row)!;
        const theirs = (minimal: boolean) => {
          minimalDecimals = minimal;
          return Object.fromEntries(columns.map((c, k) => [c.name, wrap(c.type, row[k], `KsqlDataSourceSchema_${c.name}`)]));
        };
        // We write the bytes avsc writes, and read what avsc writes (also decimals in 16 bytes).
        expect(ours.subarray(5).equals(type.toBuffer(theirs(true)))).toBe(true);
        expect(serde.deserialize(avscBytes(JSON.parse(schema.schema), theirs(false), id))).toEqual(row);
        expect(serde.deserialize(ours)).toEqual(row);
      }
    }
  });
});
