import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroFormat, avroSchemaSupport } from '../../src/serde/avro/index.js';
import { UnknownSchemaError } from '../../src/serde/confluent-wire.js';
import { SerdeError, type FormatOptions } from '../../src/serde/serde.js';
import { JsonNumber } from '../../src/serde/json-exact.js';
import { AnalysisError } from '../../src/errors.js';
import { decimalBytes } from '../../src/serde/avro/values.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { Column } from '../../src/types/schema.js';
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText } from '../../src/registry/schema.js';

const col = (name: string, type: SqlType, namespace: 'KEY' | 'VALUE' = 'VALUE'): Column => ({ name, type, namespace });

/** A catalog: schemas registered under subjects, compared in canonical form. */
class TestCatalog implements SchemaCatalog {
  readonly schemas = new Map<number, RegisteredSchema>();
  readonly subjects = new Map<string, number[]>();
  readonly refs = new Map<string, RegisteredSchema>();
  lookups = 0;
  private next = 1;

  register(subject: string, schema: SchemaText | object | string, id = this.next++): number {
    const text: SchemaText =
      typeof schema === 'string' ? { schemaType: 'AVRO', schema: JSON.stringify(schema) } : 'schemaType' in schema ? (schema as SchemaText) : { schemaType: 'AVRO', schema: JSON.stringify(schema) };
    this.schemas.set(id, { ...text, id });
    this.subjects.set(subject, [...(this.subjects.get(subject) ?? []), id]);
    this.next = Math.max(this.next, id + 1);
    return id;
  }
  byId(id: number): RegisteredSchema | undefined {
    this.lookups++;
    return this.schemas.get(id);
  }
  idOf(subject: string, schema: SchemaText): number | undefined {
    const c = avroSchemaSupport.canonical(schema, this);
    return (this.subjects.get(subject) ?? []).find((id) => avroSchemaSupport.canonical(this.schemas.get(id)!, this) === c);
  }
  reference(ref: SchemaReference): RegisteredSchema | undefined {
    return this.refs.get(`${ref.subject}/${ref.version}`);
  }
}

const schemaOf = (columns: Column[], options: FormatOptions = {}, isKey = false) => JSON.parse(avroFormat.schemaFor(columns, options, isKey).schema);

/** A serde over its generated schema, registered under topic t. */
function generatedSerde(columns: Column[], options: FormatOptions = {}, isKey = false) {
  const catalog = new TestCatalog();
  const schema = avroFormat.schemaFor(columns, options, isKey);
  const id = catalog.register(`t-${isKey ? 'key' : 'value'}`, schema);
  const serde = avroFormat.createSerde(columns, options, isKey, { topic: 't', catalog });
  return { serde, catalog, schema, id };
}

/** Bytes of `value` written by avsc with `schema` and framed with `id`. */
function avscBytes(schema: unknown, value: unknown, id: number): Buffer {
  const body = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: true }).toBuffer(value);
  const out = Buffer.alloc(5 + body.length);
  out.writeInt32BE(id, 1);
  body.copy(out, 5);
  return out;
}

const CONNECT_DATE = { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date', logicalType: 'date' };
const decimal = (p: number, s: number) => ({
  type: 'bytes',
  scale: s,
  precision: p,
  'connect.version': 1,
  'connect.parameters': { scale: String(s), 'connect.decimal.precision': String(p) },
  'connect.name': 'org.apache.kafka.connect.data.Decimal',
  logicalType: 'decimal',
});

describe('AVRO generated schemas (as ksqlDB registers them)', () => {
  it('a record of nullable fields named KsqlDataSourceSchema', () => {
    expect(schemaOf([col('FOO', T.INTEGER)])).toEqual({
      type: 'record',
      name: 'KsqlDataSourceSchema',
      namespace: 'io.confluent.ksql.avro_schemas',
      fields: [{ name: 'FOO', type: ['null', 'int'], default: null }],
      'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema',
    });
  });

  it('a struct key under its full schema name (avro.json: STRUCT - key - inference)', () => {
    const key = schemaOf([col('ROWKEY', T.struct([{ name: 'F1', type: T.STRING }]), 'KEY')], { fullSchemaName: 'io.confluent.ksql.avro_schemas.OutputKey' }, true);
    expect(key).toEqual({
      type: 'record',
      name: 'OutputKey',
      namespace: 'io.confluent.ksql.avro_schemas',
      fields: [{ name: 'F1', type: ['null', 'string'], default: null }],
      'connect.name': 'io.confluent.ksql.avro_schemas.OutputKey',
    });
  });

  it('nested structs named after their path; multi-column keys are records (partition-by, group-by vectors)', () => {
    const nested = T.struct([{ name: 'F1', type: T.struct([{ name: 'F1', type: T.INTEGER }, { name: 'F2', type: T.INTEGER }]) }]);
    expect(schemaOf([col('KSQL_COL_0', nested, 'KEY')], { fullSchemaName: 'io.confluent.ksql.avro_schemas.OutputKey' }, true)).toEqual({
      type: 'record',
      name: 'OutputKey',
      namespace: 'io.confluent.ksql.avro_schemas',
      fields: [
        {
          name: 'F1',
          type: [
            'null',
            {
              type: 'record',
              name: 'OutputKey_F1',
              fields: [
                { name: 'F1', type: ['null', 'int'], default: null },
                { name: 'F2', type: ['null', 'int'], default: null },
              ],
              'connect.name': 'io.confluent.ksql.avro_schemas.OutputKey_F1',
            },
          ],
          default: null,
        },
      ],
      'connect.name': 'io.confluent.ksql.avro_schemas.OutputKey',
    });
    const multi = schemaOf([col('A', T.INTEGER, 'KEY'), col('B', T.INTEGER, 'KEY')], { fullSchemaName: 'io.confluent.ksql.avro_schemas.OutputKey' }, true);
    expect(multi.fields.map((f: { name: string }) => f.name)).toEqual(['A', 'B']);
    expect(multi.name).toBe('OutputKey');
  });

  it('maps as arrays of MapEntry records, structs in arrays, decimals (collect-list vector)', () => {
    const f0 = T.array(T.struct([{ name: 'A', type: T.STRING }, { name: 'M', type: T.map(T.STRING, T.DOUBLE) }, { name: 'D', type: T.decimal(4, 1) }]));
    expect(schemaOf([col('F0', f0)])).toEqual({
      type: 'record',
      name: 'KsqlDataSourceSchema',
      namespace: 'io.confluent.ksql.avro_schemas',
      fields: [
        {
          name: 'F0',
          type: [
            'null',
            {
              type: 'array',
              items: [
                'null',
                {
                  type: 'record',
                  name: 'KsqlDataSourceSchema_F0',
                  fields: [
                    { name: 'A', type: ['null', 'string'], default: null },
                    {
                      name: 'M',
                      type: [
                        'null',
                        {
                          type: 'array',
                          items: {
                            type: 'record',
                            name: 'KsqlDataSourceSchema_F0_M',
                            fields: [
                              { name: 'key', type: ['null', 'string'], default: null },
                              { name: 'value', type: ['null', 'double'], default: null },
                            ],
                            'connect.internal.type': 'MapEntry',
                          },
                          'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema_F0_M',
                        },
                      ],
                      default: null,
                    },
                    { name: 'D', type: ['null', decimal(4, 1)], default: null },
                  ],
                  'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema_F0',
                },
              ],
            },
          ],
          default: null,
        },
      ],
      'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema',
    });
  });

  it('logical types with Connect names; map values named <map>_MapValue', () => {
    const s = schemaOf([col('D', T.DATE), col('T', T.TIME), col('TS', T.TIMESTAMP), col('B', T.BYTES), col('M', T.map(T.STRING, T.struct([{ name: 'X', type: T.BOOLEAN }])))]);
    expect(s.fields[0].type).toEqual(['null', CONNECT_DATE]);
    expect(s.fields[1].type[1]).toEqual({ type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Time', logicalType: 'time-millis' });
    expect(s.fields[2].type[1]).toEqual({ type: 'long', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Timestamp', logicalType: 'timestamp-millis' });
    expect(s.fields[3].type).toEqual(['null', 'bytes']);
    expect(s.fields[4].type[1].items.fields[1].type[1].name).toBe('KsqlDataSourceSchema_M_MapValue');
  });

  it('unwrapped single values are the bare, non-null type', () => {
    expect(schemaOf([col('K', T.INTEGER, 'KEY')], {}, true)).toBe('int');
    expect(schemaOf([col('FOO', T.BOOLEAN)], { wrapSingleValue: false })).toBe('boolean');
    expect(schemaOf([col('FOO', T.array(T.STRING))], { wrapSingleValue: false })).toEqual({ type: 'array', items: ['null', 'string'] });
    expect(schemaOf([col('FOO', T.STRING)], { defaultWrapSingleValue: false })).toBe('string');
    expect(schemaOf([col('K', T.decimal(4, 2), 'KEY')], {}, true)).toEqual({
      type: 'bytes',
      scale: 2,
      precision: 4,
      'connect.parameters': { scale: '2', 'connect.decimal.precision': '4' },
      'connect.name': 'org.apache.kafka.connect.data.Decimal',
      logicalType: 'decimal',
    });
    const m = schemaOf([col('FOO', T.map(T.STRING, T.DOUBLE))], { wrapSingleValue: false });
    expect(m.items.name).toBe('KsqlDataSourceSchema');
    expect(m.items.namespace).toBe('io.confluent.ksql.avro_schemas');
  });

  it('honours the full schema name, also without a namespace', () => {
    const s = schemaOf([col('A', T.struct([{ name: 'B', type: T.INTEGER }]))], { fullSchemaName: 'com.acme.Thing' });
    expect([s.name, s.namespace, s.fields[0].type[1].name, s.fields[0].type[1]['connect.name']]).toEqual(['Thing', 'com.acme', 'Thing_A', 'com.acme.Thing_A']);
    const bare = schemaOf([col('A', T.INTEGER)], { fullSchemaName: 'Thing' });
    expect(bare.name).toBe('Thing');
    expect(bare.namespace).toBeUndefined();
  });

  it('refuses what Avro cannot hold, with ksqlDB messages', () => {
    expect(() => avroFormat.schemaFor([col('FOO', T.map(T.INTEGER, T.DOUBLE))], {}, false)).toThrow('Avro only supports MAPs with STRING keys');
    expect(() => avroFormat.schemaFor([col('1AvroDoesNotLikeFieldsThatStartWithNumbers', T.DOUBLE)], {}, false)).toThrow(
      'Schema is not compatible with Avro: Illegal initial character: 1AvroDoesNotLikeFieldsThatStartWithNumbers',
    );
    expect(() => avroFormat.schemaFor([col('FOO', T.STRING)], { fullSchemaName: ' ' }, false)).toThrow('fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}');
    expect(() => avroFormat.createSerde([col('A', T.INTEGER), col('B', T.INTEGER)], { wrapSingleValue: false }, false, { topic: 't', catalog: new TestCatalog() })).toThrow(
      "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas",
    );
    expect(() => avroFormat.schemaFor([col('FOO', T.map(T.INTEGER, T.DOUBLE))], {}, false)).toThrow(AnalysisError);
  });
});

describe('AVRO schema inference', () => {
  const infer = (schema: unknown, options: FormatOptions = {}, isKey = false, catalog: SchemaCatalog = new TestCatalog()) =>
    avroFormat.columnsOf({ schemaType: 'AVRO', schema: JSON.stringify(schema), id: 1 }, options, isKey, catalog).map((c) => [c.name, c.type, c.namespace]);
  const record = (fields: { name: string; type: unknown }[]) => ({ type: 'record', name: 'blah', fields });

  it('maps field types as ksqlDB does, upper-casing names', () => {
    const cols = infer(
      record([
        { name: 'c1', type: 'boolean' },
        { name: 'c2', type: 'int' },
        { name: 'c3', type: 'long' },
        { name: 'c4', type: 'double' },
        { name: 'c5', type: 'float' },
        { name: 'c6', type: 'string' },
        { name: 'c7', type: { type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS'] } },
        { name: 'c8', type: ['null', 'bytes'] },
        { name: 'c9', type: ['null', { type: 'fixed', size: 16, name: 'md5' }] },
        { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 } },
        { name: 'd2', type: { type: 'bytes', logicalType: 'decimal', scale: 2 } },
        { name: 'dt', type: { type: 'int', logicalType: 'date' } },
        { name: 't', type: { type: 'int', logicalType: 'time-millis' } },
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'tsu', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'i8', type: { type: 'int', 'connect.type': 'int8' } },
      ]),
    );
    expect(cols).toEqual([
      ['C1', T.BOOLEAN, 'VALUE'],
      ['C2', T.INTEGER, 'VALUE'],
      ['C3', T.BIGINT, 'VALUE'],
      ['C4', T.DOUBLE, 'VALUE'],
      ['C5', T.DOUBLE, 'VALUE'],
      ['C6', T.STRING, 'VALUE'],
      ['C7', T.STRING, 'VALUE'],
      ['C8', T.BYTES, 'VALUE'],
      ['C9', T.BYTES, 'VALUE'],
      ['D', T.decimal(4, 2), 'VALUE'],
      ['D2', T.decimal(64, 2), 'VALUE'],
      ['DT', T.DATE, 'VALUE'],
      ['T', T.TIME, 'VALUE'],
      ['TS', T.TIMESTAMP, 'VALUE'],
      ['TSU', T.BIGINT, 'VALUE'],
      ['I8', T.INTEGER, 'VALUE'],
    ]);
  });

  it('arrays, maps (also as arrays of MapEntry with non-string keys), records and unions', () => {
    const entry = { type: 'array', items: { type: 'record', name: 'MapEntry', namespace: 'io.confluent.connect.avro', fields: [{ name: 'key', type: 'int' }, { name: 'value', type: 'string' }] } };
    const cols = infer(
      record([
        { name: 'a', type: { type: 'array', items: 'string' } },
        { name: 'm', type: { type: 'map', values: 'long' } },
        { name: 'e', type: entry },
        { name: 's', type: { type: 'record', name: 'something', fields: [{ name: 'f1', type: 'int' }] } },
        { name: 'u', type: ['null', 'int', 'string'] },
        { name: 'n', type: ['null', { type: 'array', items: ['null', 'int'] }] },
      ]),
    );
    expect(cols).toEqual([
      ['A', T.array(T.STRING), 'VALUE'],
      ['M', T.map(T.STRING, T.BIGINT), 'VALUE'],
      ['E', T.map(T.STRING, T.STRING), 'VALUE'],
      ['S', T.struct([{ name: 'F1', type: T.INTEGER }]), 'VALUE'],
      ['U', T.struct([{ name: 'INT', type: T.INTEGER }, { name: 'STRING', type: T.STRING }]), 'VALUE'],
      ['N', T.array(T.INTEGER), 'VALUE'],
    ]);
  });

  it('leaves out fields of unsupported types; fails when nothing is left', () => {
    const badKey = { type: 'array', items: { type: 'record', name: 'E', 'connect.internal.type': 'MapEntry', fields: [{ name: 'key', type: 'double' }, { name: 'value', type: 'string' }] } };
    expect(infer(record([{ name: 'ok', type: 'int' }, { name: 'bad', type: badKey }]))).toEqual([['OK', T.INTEGER, 'VALUE']]);
    expect(() => infer(record([{ name: 'bad', type: badKey }]))).toThrow('Schema does not include any columns with types that ksqlDB supports.');
  });

  it('single ROWKEY / ROWVAL columns for keys and unwrapped values', () => {
    expect(infer('int', {}, true)).toEqual([['ROWKEY', T.INTEGER, 'KEY']]);
    expect(infer(record([{ name: 'F1', type: ['null', 'string'] }]), {}, true)).toEqual([['ROWKEY', T.struct([{ name: 'F1', type: T.STRING }]), 'KEY']]);
    expect(infer({ type: 'int' }, { wrapSingleValue: false })).toEqual([['ROWVAL', T.INTEGER, 'VALUE']]);
    expect(infer(record([{ name: 'F0', type: ['null', 'int'] }]), { wrapSingleValue: false })).toEqual([['ROWVAL', T.struct([{ name: 'F0', type: T.INTEGER }]), 'VALUE']]);
    expect(() => infer('int')).toThrow("Schema returned from schema registry is anonymous type. To use this schema with ksqlDB, set 'WRAP_SINGLE_VALUE=false' in the WITH clause properties.");
  });

  it('keeps field names as written for KEY/VALUE_SCHEMA_ID', () => {
    const s = record([{ name: 'eventID', type: 'string' }, { name: 'tx', type: { type: 'record', name: 'tx', fields: [{ name: 'num_shares', type: 'int' }] } }]);
    expect(infer(s, { schemaId: 1 })).toEqual([
      ['eventID', T.STRING, 'VALUE'],
      ['tx', T.struct([{ name: 'num_shares', type: T.INTEGER }]), 'VALUE'],
    ]);
  });

  it('resolves named types from references', () => {
    const catalog = new TestCatalog();
    catalog.refs.set('other/1', { schemaType: 'AVRO', id: 9, schema: JSON.stringify({ type: 'record', name: 'Other', namespace: 'com.x', fields: [{ name: 'v', type: 'int' }] }) });
    const cols = avroFormat.columnsOf(
      { schemaType: 'AVRO', id: 2, schema: JSON.stringify(record([{ name: 'o', type: 'com.x.Other' }])), references: [{ name: 'com.x.Other', subject: 'other', version: 1 }] },
      {},
      false,
      catalog,
    );
    expect(cols).toEqual([{ name: 'O', type: T.struct([{ name: 'V', type: T.INTEGER }]), namespace: 'VALUE' }]);
  });

  it('rejects invalid schemas with an AnalysisError', () => {
    expect(() => infer({ type: 'record', name: 'x', fields: [{ name: 'a', type: 'nope' }] })).toThrow(AnalysisError);
    expect(() => infer({ type: 'record', name: 'x', fields: [{ name: 'a', type: 'nope' }] })).toThrow('Undefined name: "nope"');
  });
});

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
