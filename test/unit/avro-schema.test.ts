/** AVRO: the schemas ksqlDB generates and registers, and column inference from registered ones. */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroFormat, avroSchemaSupport } from '../../src/serde/avro/index.js';
import { SerdeError, type FormatOptions } from '../../src/serde/serde.js';
import { AnalysisError } from '../../src/errors.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText } from '../../src/registry/schema.js';
import { col, TestCatalog, schemaOf, CONNECT_DATE, decimal } from './avro-fixtures.js';

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
