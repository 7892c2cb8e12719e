import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { protobufFormat, protobufNoSrFormat, protobufSchemaSupport } from '../../src/serde/protobuf/index.js';
import { UnknownSchemaError, frame, writeMessageIndexes } from '../../src/serde/confluent-wire.js';
import { SerdeError, type FormatOptions } from '../../src/serde/serde.js';
import { createSerde } from '../../src/serde/index.js';
import { AnalysisError } from '../../src/errors.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { Column } from '../../src/types/schema.js';
import { subjectName, type RegisteredSchema, type SchemaCatalog, type SchemaReference, type SchemaText } from '../../src/registry/schema.js';

const col = (name: string, type: SqlType, namespace: 'KEY' | 'VALUE' = 'VALUE'): Column => ({ name, type, namespace });
const proto = (schema: string, references?: SchemaReference[]): SchemaText => ({ schemaType: 'PROTOBUF', schema, ...(references ? { references } : {}) });

/** A registry in memory: ids, subjects (compared in canonical form) and references by subject. */
class TestCatalog implements SchemaCatalog {
  private next = 1;
  private readonly ids = new Map<number, RegisteredSchema>();
  private readonly subjects = new Map<string, number[]>();

  register(subject: string, s: SchemaText, id = this.next++): number {
    this.next = Math.max(this.next, id + 1);
    this.ids.set(id, { ...s, id });
    this.subjects.set(subject, [...(this.subjects.get(subject) ?? []), id]);
    return id;
  }
  byId(id: number): RegisteredSchema | undefined {
    return this.ids.get(id);
  }
  idOf(subject: string, s: SchemaText): number | undefined {
    const canon = protobufSchemaSupport.canonical(s, this);
    return (this.subjects.get(subject) ?? []).find((id) => protobufSchemaSupport.canonical(this.ids.get(id)!, this) === canon);
  }
  reference(ref: SchemaReference): RegisteredSchema | undefined {
    const ids = this.subjects.get(ref.subject) ?? [];
    const id = ids[ref.version - 1];
    return id === undefined ? undefined : this.ids.get(id);
  }
}

/** A PROTOBUF serde of the columns with their generated schema registered for topic `t`. */
function registered(columns: Column[], options: FormatOptions = {}, isKey = false) {
  const catalog = new TestCatalog();
  const schema = protobufFormat.schemaFor(columns, options, isKey);
  const id = catalog.register(subjectName('t', isKey), schema);
  const serde = protobufFormat.createSerde(columns, { topic: 't', ...options }, isKey, { topic: 't', catalog });
  return { catalog, schema, id, serde };
}

const infer = (schema: string, options: FormatOptions = {}, isKey = false, catalog = new TestCatalog()) =>
  protobufFormat.columnsOf({ ...proto(schema), id: 1 }, options, isKey, catalog).map((c) => `${c.name} ${typeText(c.type)}`);

function typeText(t: SqlType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${typeText(t.element)}>`;
    case 'MAP':
      return `MAP<${typeText(t.key)},${typeText(t.value)}>`;
    case 'STRUCT':
      return `STRUCT<${t.fields.map((f) => `${f.name} ${typeText(f.type)}`).join(',')}>`;
    default:
      return t.kind;
  }
}

const DECIMAL_SCHEMA =
  'syntax = "proto3";\n\nimport "confluent/type/decimal.proto";\n\nmessage ConnectDefault1 {\n' +
  '  confluent.type.Decimal DEC = 1 [(confluent.field_meta) = {\n    params: [\n      {\n        value: "21",\n        key: "precision"\n      },\n' +
  '      {\n        value: "19",\n        key: "scale"\n      }\n    ]\n  }];\n}\n';

describe('generated schemas (schemaFor) are the texts ksqlDB registers', () => {
  const primitives = [col('I', T.INTEGER), col('L', T.BIGINT), col('D', T.DOUBLE), col('B', T.BOOLEAN), col('S', T.STRING)];

  it('primitives, and nullables as wrappers or as proto3 optional', () => {
    expect(protobufFormat.schemaFor(primitives, {}, false).schema).toBe(
      'syntax = "proto3";\n\nmessage ConnectDefault1 {\n  int32 I = 1;\n  int64 L = 2;\n  double D = 3;\n  bool B = 4;\n  string S = 5;\n}\n',
    );
    expect(protobufFormat.schemaFor(primitives, { nullableRepresentation: 'wrapper' }, false).schema).toBe(
      'syntax = "proto3";\n\nimport "google/protobuf/wrappers.proto";\n\nmessage ConnectDefault1 {\n' +
        '  google.protobuf.Int32Value I = 1;\n  google.protobuf.Int64Value L = 2;\n  google.protobuf.DoubleValue D = 3;\n' +
        '  google.protobuf.BoolValue B = 4;\n  google.protobuf.StringValue S = 5;\n}\n',
    );
    expect(protobufFormat.schemaFor(primitives, { nullableRepresentation: 'optional' }, false).schema).toBe(
      'syntax = "proto3";\n\nmessage ConnectDefault1 {\n  optional int32 I = 1;\n  optional int64 L = 2;\n  optional double D = 3;\n' +
        '  optional bool B = 4;\n  optional string S = 5;\n}\n',
    );
  });

  it('decimals carry precision and scale in confluent.field_meta', () => {
    expect(protobufFormat.schemaFor([col('DEC', T.decimal(21, 19))], {}, false).schema).toBe(DECIMAL_SCHEMA);
  });

  it('nested structs and maps are numbered depth-first, with an indented blank line inside nested messages', () => {
    const cols = [
      col('ORDERTIME', T.BIGINT),
      col('ORDERID', T.BIGINT),
      col('ITEMID', T.struct([{ name: 'ITEMID', type: T.BIGINT }, { name: 'NAME', type: T.STRING }, { name: 'CATEGORY', type: T.struct([{ name: 'ID', type: T.BIGINT }, { name: 'NAME', type: T.STRING }]) }])),
      col('ORDERUNITS', T.DOUBLE),
      col('ARRAYCOL', T.array(T.DOUBLE)),
      col('MAPCOL', T.map(T.STRING, T.DOUBLE)),
      col('ADDRESS', T.struct(['NUMBER', 'STREET', 'CITY', 'STATE', 'ZIPCODE'].map((n) => ({ name: n, type: n === 'NUMBER' || n === 'ZIPCODE' ? T.BIGINT : T.STRING })))),
    ];
    expect(protobufFormat.schemaFor(cols, {}, false).schema).toBe(
      'syntax = "proto3";\n\nmessage ConnectDefault1 {\n  int64 ORDERTIME = 1;\n  int64 ORDERID = 2;\n  ConnectDefault2 ITEMID = 3;\n  double ORDERUNITS = 4;\n' +
        '  repeated double ARRAYCOL = 5;\n  repeated ConnectDefault4Entry MAPCOL = 6;\n  ConnectDefault5 ADDRESS = 7;\n\n  message ConnectDefault2 {\n' +
        '    int64 ITEMID = 1;\n    string NAME = 2;\n    ConnectDefault3 CATEGORY = 3;\n  \n    message ConnectDefault3 {\n      int64 ID = 1;\n' +
        '      string NAME = 2;\n    }\n  }\n  message ConnectDefault4Entry {\n    string key = 1;\n    double value = 2;\n  }\n  message ConnectDefault5 {\n' +
        '    int64 NUMBER = 1;\n    string STREET = 2;\n    string CITY = 3;\n    string STATE = 4;\n    int64 ZIPCODE = 5;\n  }\n}\n',
    );
  });

  it('imports the date, time and timestamp types in order of use', () => {
    const s = protobufFormat.schemaFor([col('NAME', T.STRING), col('VALUE', T.map(T.STRING, T.DATE)), col('T', T.TIME), col('TS', T.array(T.TIMESTAMP))], {}, false).schema;
    expect(s).toBe(
      'syntax = "proto3";\n\nimport "google/type/date.proto";\nimport "google/type/timeofday.proto";\nimport "google/protobuf/timestamp.proto";\n\n' +
        'message ConnectDefault1 {\n  string NAME = 1;\n  repeated ConnectDefault2Entry VALUE = 2;\n  google.type.TimeOfDay T = 3;\n' +
        '  repeated google.protobuf.Timestamp TS = 4;\n\n  message ConnectDefault2Entry {\n    string key = 1;\n    google.type.Date value = 2;\n  }\n}\n',
    );
  });

  it('names the message after the full schema name (package included), except default-prefixed names', () => {
    expect(protobufFormat.schemaFor([col('K1', T.BIGINT, 'KEY')], { fullSchemaName: 'ProtobufKey2' }, true).schema).toBe(
      'syntax = "proto3";\n\nmessage ProtobufKey2 {\n  int64 K1 = 1;\n}\n',
    );
    expect(protobufFormat.schemaFor([col('A', T.struct([{ name: 'X', type: T.INTEGER }]))], { fullSchemaName: 'io.acme.Value' }, false).schema).toBe(
      'syntax = "proto3";\npackage io.acme;\n\nmessage Value {\n  ConnectDefault1 A = 1;\n\n  message ConnectDefault1 {\n    int32 X = 1;\n  }\n}\n',
    );
    expect(protobufFormat.schemaFor([col('A', T.INTEGER)], { fullSchemaName: 'ConnectDefault7' }, false).schema).toContain('message ConnectDefault1 {');
  });

  it('refuses maps with non-STRING keys and nested arrays', () => {
    expect(() => protobufFormat.schemaFor([col('M', T.map(T.INTEGER, T.DOUBLE))], {}, false)).toThrow('PROTOBUF format only supports MAP types with STRING keys');
    expect(() => protobufFormat.createSerde([col('M', T.map(T.INTEGER, T.DOUBLE))], {}, false, { topic: 't', catalog: new TestCatalog() })).toThrow(AnalysisError);
    expect(() => protobufFormat.schemaFor([col('A', T.array(T.array(T.INTEGER)))], {}, false)).toThrow('Array cannot be nested');
  });
});

describe('canonical form (registry)', () => {
  const compact =
    'syntax = "proto3"; import "confluent/type/decimal.proto"; message ConfluentDefault1 {bool c1 = 1; int32 c2 = 2; ' +
    'confluent.type.Decimal c6 = 6 [(confluent.field_meta) = { params: [{ value: "4", key: "precision" }, { value: "2", key: "scale" }]}];}';

  it('prints in the registry layout, so differently written copies compare equal', () => {
    const c = new TestCatalog();
    const canonical = protobufSchemaSupport.canonical(proto(compact), c);
    expect(canonical).toBe(
      'syntax = "proto3";\n\nimport "confluent/type/decimal.proto";\n\nmessage ConfluentDefault1 {\n  bool c1 = 1;\n  int32 c2 = 2;\n' +
        '  confluent.type.Decimal c6 = 6 [(confluent.field_meta) = {\n    params: [\n      {\n        value: "4",\n        key: "precision"\n      },\n' +
        '      {\n        value: "2",\n        key: "scale"\n      }\n    ]\n  }];\n}\n',
    );
    expect(protobufSchemaSupport.canonical(proto(canonical), c)).toBe(canonical);
    const spaced = compact.replace(/; /g, ';\n  // a comment\n ').replace('message', '/* block */ message');
    expect(protobufSchemaSupport.canonical(proto(spaced), c)).toBe(canonical);
  });

  it('keeps enums, oneofs, map fields and options; messages before enums', () => {
    const c = new TestCatalog();
    const text = 'syntax = "proto3"; package p; option java_package = "x.y"; enum E { A = 0; B = 1; } message M { oneof o { int32 a = 1; string b = 2; } map<string, int64> m = 3; E e = 4 [deprecated = true]; reserved 7, 9 to 11; }';
    expect(protobufSchemaSupport.canonical(proto(text), c)).toBe(
      'syntax = "proto3";\npackage p;\n\noption java_package = "x.y";\n\nmessage M {\n  reserved 7, 9 to 11;\n\n  map<string, int64> m = 3;\n' +
        '  E e = 4 [deprecated = true];\n\n  oneof o {\n    int32 a = 1;\n    string b = 2;\n  }\n}\nenum E {\n  A = 0;\n  B = 1;\n}\n',
    );
  });

  it('throws on invalid schemas', () => {
    const c = new TestCatalog();
    expect(() => protobufSchemaSupport.canonical(proto('syntax = "proto3"; message M { int32 a = 1; int32 b = 1; }'), c)).toThrow(/already been used/);
    expect(() => protobufSchemaSupport.canonical(proto('syntax = "proto3"; message M { Missing a = 1; }'), c)).toThrow(/not defined/);
    expect(() => protobufSchemaSupport.canonical(proto('message {'), c)).toThrow();
    expect(() => protobufSchemaSupport.canonical(proto('syntax = "proto3"; enum E { A = 1; }'), c)).toThrow(/must be zero/);
  });
});

describe('inference (columnsOf)', () => {
  it('maps Protobuf types as ksqlDB does', () => {
    expect(
      infer(
        'syntax = "proto3"; message M { bool c1 = 1; int32 c2 = 2; int64 c3 = 3; double c4 = 4; string c5 = 5; float f = 6; uint32 u = 7; sint32 s32 = 8; ' +
          'sfixed32 sf = 9; fixed64 f64 = 10; uint64 u64 = 11; bytes b = 12; }',
      ),
    ).toEqual(['C1 BOOLEAN', 'C2 INTEGER', 'C3 BIGINT', 'C4 DOUBLE', 'C5 STRING', 'F DOUBLE', 'U BIGINT', 'S32 INTEGER', 'SF INTEGER', 'F64 BIGINT', 'U64 BIGINT', 'B BYTES']);
  });

  it('wrappers are nullable primitives, unless primitives are not unwrapped', () => {
    const s = 'syntax = "proto3"; import "google/protobuf/wrappers.proto"; message M { google.protobuf.BoolValue c1 = 1; google.protobuf.Int32Value c2 = 2; google.protobuf.UInt32Value c3 = 3; }';
    expect(infer(s, { unwrapPrimitives: true })).toEqual(['C1 BOOLEAN', 'C2 INTEGER', 'C3 BIGINT']);
    expect(infer(s, { unwrapPrimitives: false })).toEqual(['C1 STRUCT<VALUE BOOLEAN>', 'C2 STRUCT<VALUE INTEGER>', 'C3 STRUCT<VALUE BIGINT>']);
    expect(infer(s, { unwrapPrimitives: false, nullableRepresentation: 'wrapper' })).toEqual(['C1 BOOLEAN', 'C2 INTEGER', 'C3 BIGINT']);
  });

  it('enums, repeated, nested, maps, oneofs and the logical types', () => {
    expect(
      infer(
        'syntax = "proto3"; import "confluent/type/decimal.proto"; import "google/type/date.proto"; import "google/type/timeofday.proto"; import "google/protobuf/timestamp.proto"; ' +
          'message M { enum Suit { SPADES = 0; HEARTS = 1; } message Something { int32 f1 = 1; } Suit c1 = 1; repeated string c2 = 2; Something c3 = 3; ' +
          'map<int32, Something> c4 = 4; confluent.type.Decimal c5 = 5 [(confluent.field_meta) = { params: [{ value: "4", key: "precision" }, { value: "2", key: "scale" }]}]; ' +
          'confluent.type.Decimal c6 = 6; google.type.Date c7 = 7; google.type.TimeOfDay c8 = 8; google.protobuf.Timestamp c9 = 9; oneof choice { string a = 10; int64 b = 11; } }',
      ),
    ).toEqual([
      'CHOICE STRUCT<A STRING,B BIGINT>', 'C1 STRING', 'C2 ARRAY<STRING>', 'C3 STRUCT<F1 INTEGER>', 'C4 MAP<STRING,STRUCT<F1 INTEGER>>', 'C5 DECIMAL(4,2)',
      'C6 DECIMAL(64,0)', 'C7 DATE', 'C8 TIME', 'C9 TIMESTAMP',
    ]);
  });

  it('keeps the schema names when the schema is named by id; picks the message by full name', () => {
    const two = 'syntax = "proto3"; message ProtobufKey1 {uint32 k1 = 1;} message ProtobufKey2 {string k1 = 1;}';
    expect(infer(two, { fullSchemaName: 'ProtobufKey2' }, true)).toEqual(['K1 STRING']);
    expect(infer(two, { fullSchemaName: 'ProtobufKey1', schemaId: 1 }, true)).toEqual(['k1 BIGINT']);
    expect(() => infer(two, {}, true)).toThrow(/Key schema has multiple schema definitions/);
    expect(() => infer(two, { fullSchemaName: 'Nope' }, true)).toThrow(AnalysisError);
  });

  it('resolves imports registered as references', () => {
    const c = new TestCatalog();
    c.register('event.proto', proto('syntax = "proto3";\n\nmessage Event {\n int64 timestamp = 1;\n}'));
    const schema = { ...proto('syntax = "proto3";\n\nimport "event.proto"; \n\nmessage Logistics {\n Event event = 1;\n}', [{ name: 'event.proto', subject: 'event.proto', version: 1 }]), id: 9 };
    expect(protobufFormat.columnsOf(schema, { schemaId: 9 }, false, c).map((x) => `${x.name} ${typeText(x.type)}`)).toEqual(['event STRUCT<timestamp BIGINT>']);
    expect(() => protobufFormat.columnsOf({ ...schema, references: [] }, {}, false, c)).toThrow(/not defined/);
  });

  it('refuses recursive messages, schemas without usable columns, and NOSR', () => {
    expect(() => infer('syntax = "proto3"; message Node { int32 v = 1; Node next = 2; }')).toThrow(/Recursive/);
    expect(() => infer('syntax = "proto3"; message Empty {}')).toThrow(/does not include any columns/);
    expect(() => protobufNoSrFormat.columnsOf({ ...proto('syntax = "proto3"; message M { int32 a = 1; }'), id: 1 }, {}, false, new TestCatalog())).toThrow(AnalysisError);
  });
});

describe('PROTOBUF serde', () => {
  const all = [
    col('I', T.INTEGER), col('L', T.BIGINT), col('D', T.DOUBLE), col('B', T.BOOLEAN), col('S', T.STRING), col('DEC', T.decimal(6, 4)), col('DT', T.DATE),
    col('TM', T.TIME), col('TS', T.TIMESTAMP), col('BY', T.BYTES), col('A', T.array(T.INTEGER)), col('M', T.map(T.STRING, T.DOUBLE)),
    col('ST', T.struct([{ name: 'X', type: T.INTEGER }, { name: 'Y', type: T.array(T.struct([{ name: 'Z', type: T.STRING }])) }, { name: 'MM', type: T.map(T.STRING, T.struct([{ name: 'Q', type: T.BIGINT }])) }])),
  ];
  const row = [
    -5, 998877665544332, -1.5, true, 'héllo', Decimal.parse('-10.0100'), -10, 45296789, -1600000000123, Buffer.from([0, 1, 255]), [1, -2, 2147483647],
    new Map([['a', 1.5], ['', -0.25]]), { X: 3, Y: [{ Z: 'q' }, { Z: '' }], MM: new Map([['k', { Q: -7 }]]) },
  ];

  it('round-trips every type, framed with the registered id and message index [0]', () => {
    const { serde, id } = registered(all);
    const bytes = serde.serialize(row)!;
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(bytes[5]).toBe(0);
    expect(serde.deserialize(bytes)).toEqual(row);
    const out: unknown[] = ['x', 'y'];
    expect(serde.deserializeInto!(bytes, out, 2)).toBe(true);
    expect(out.slice(2)).toEqual(row);
  });

  it('has no nulls: absent scalars read as defaults, messages as null, repeated as empty', () => {
    const { serde } = registered(all);
    expect(serde.deserialize(serde.serialize(all.map(() => null))!)).toEqual([0, 0, 0, false, '', null, null, null, null, Buffer.alloc(0), [], new Map(), null]);
    const nested = serde.deserialize(serde.serialize([...all.slice(0, 12).map(() => null), { X: null, Y: null, MM: new Map([['k', null]]) }])!)!;
    expect(nested[12]).toEqual({ X: 0, Y: [], MM: new Map([['k', { Q: 0 }]]) });
  });

  it('keeps nulls with the optional and the wrapper representations', () => {
    for (const nullableRepresentation of ['optional', 'wrapper'] as const) {
      const cols = [col('I', T.INTEGER), col('L', T.BIGINT), col('D', T.DOUBLE), col('B', T.BOOLEAN), col('S', T.STRING), col('A', T.array(T.INTEGER))];
      const { serde } = registered(cols, { nullableRepresentation });
      expect(serde.deserialize(serde.serialize([null, 0, null, false, null, null])!)).toEqual([null, 0, null, false, null, []]);
      expect(serde.deserialize(serde.serialize([0, null, 0, null, '', [0, 5]])!)).toEqual([0, null, 0, null, '', [0, 5]]);
    }
  });

  it('tombstones: null bytes ↔ null row', () => {
    const { serde } = registered(all);
    expect(serde.serialize(null)).toBeNull();
    expect(serde.deserialize(null)).toBeNull();
    expect(serde.deserializeInto!(null, [], 0)).toBe(false);
  });

  it('writes with the schema id given and the message its full name picks (message indexes)', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('t-value', proto('syntax = "proto3"; message ProtobufValue1 {float c1 = 1; uint32 c2 = 2;} message ProtobufValue2 {uint64 A = 1; string B = 2;}'));
    const cols = [col('A', T.BIGINT), col('B', T.STRING)];
    const serde = protobufFormat.createSerde(cols, { schemaId: id, fullSchemaName: 'ProtobufValue2' }, false, { topic: 't', catalog });
    const bytes = serde.serialize([1230, 'falcon'])!;
    expect(bytes.subarray(5, 7)).toEqual(writeMessageIndexes([1]));
    expect(serde.deserialize(bytes)).toEqual([1230, 'falcon']);
    const decoded = protobufFormat.decodeSpec(bytes, catalog);
    expect(decoded).toEqual({ A: 1230, B: 'falcon' });
  });

  it('reads any writer schema by id, matching fields by name (exact or upper-cased) and converting as ksqlDB', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('x', proto('syntax = "proto3"; message W { float c1 = 1; uint32 c2 = 2; string extra = 3; int64 n = 4; bool flag = 5; }'));
    const serde = protobufFormat.createSerde([col('C1', T.DOUBLE), col('C2', T.BIGINT), col('MISSING', T.STRING), col('N', T.STRING), col('FLAG', T.STRING)], {}, false, { topic: 't', catalog });
    const body = protobufFormat.encodeSpec({ c1: 1.1234, c2: 4000000000, extra: 'x', n: -12, flag: true }, catalog.byId(id)!, id, catalog);
    expect(serde.deserialize(body)).toEqual([Math.fround(1.1234), 4000000000, null, '-12', 'true']);
    const f = protobufFormat.createSerde([col('C1', T.STRING)], {}, false, { topic: 't', catalog });
    expect(f.deserialize(body)).toEqual(['1.1234']);
  });

  it('fails each record whose writer type the column cannot take', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('x', proto('syntax = "proto3"; message W { int64 c = 1; }'));
    const serde = protobufFormat.createSerde([col('C', T.INTEGER)], { topic: 'tp' }, false, { topic: 'tp', catalog });
    expect(() => serde.deserialize(frame(id, Buffer.from([0])))).toThrow('Failed to deserialize value from topic: tp. Cannot deserialize type int64 as type int32 for path: ->C');
  });

  it('unknown schema ids, unframed or malformed bytes and unregistered writers are errors, never crashes', () => {
    const { serde, id } = registered(all);
    expect(() => serde.deserialize(frame(999, Buffer.from([0])))).toThrow(UnknownSchemaError);
    expect(() => serde.deserialize(Buffer.from([1, 2, 3]))).toThrow(SerdeError);
    expect(() => serde.deserialize(frame(id, Buffer.from([0, 0x0a, 0x05, 0x61])))).toThrow(SerdeError);
    const good = serde.serialize(row)!;
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(good);
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) b[6 + Math.floor(rand() * (b.length - 6))] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? b.subarray(0, 6 + Math.floor(rand() * (b.length - 6))) : b;
      try {
        serde.deserialize(cut);
      } catch (e) {
        expect(e).toBeInstanceOf(SerdeError);
      }
    }
    const unregistered = protobufFormat.createSerde(all, {}, false, { topic: 'other', catalog: new TestCatalog() });
    expect(() => unregistered.serialize(row)).toThrow(/not registered/);
  });

  it('keys are always wrapped in a message; WRAP_SINGLE_VALUE=false is refused', () => {
    const { serde, schema } = registered([col('K', T.STRING, 'KEY')], {}, true);
    expect(schema.schema).toBe('syntax = "proto3";\n\nmessage ConnectDefault1 {\n  string K = 1;\n}\n');
    expect(serde.deserialize(serde.serialize(['k1'])!)).toEqual(['k1']);
    expect(() => createSerde('PROTOBUF', [col('V', T.INTEGER)], { wrapSingleValue: false }, false)).toThrow("Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'.");
    expect(() => createSerde('PROTOBUF', [col('V', T.INTEGER), col('W', T.INTEGER)], { wrapSingleValue: true }, false)).toThrow(/only valid for single-field/);
  });
});

describe('PROTOBUF_NOSR serde', () => {
  it('reads and writes bare messages of the generated schema', () => {
    const cols = [col('I', T.INTEGER), col('DEC', T.decimal(21, 19)), col('B', T.BYTES)];
    const serde = protobufNoSrFormat.createSerde(cols, {}, false, { topic: 't', catalog: new TestCatalog() });
    const value = [7, Decimal.parse('10.1234512345123450000'), Buffer.from('variations')];
    const bytes = serde.serialize(value)!;
    expect(bytes[0]).toBe(0x08); // field 1, varint: no framing
    expect(serde.deserialize(bytes)).toEqual(value);
    expect(serde.deserialize(Buffer.alloc(0))).toEqual([0, null, Buffer.alloc(0)]);
    const schema = protobufNoSrFormat.schemaFor(cols, {}, false);
    expect(protobufNoSrFormat.decodeSpec(bytes, new TestCatalog(), schema)).toEqual({ I: 7, DEC: 10.123451234512345, B: 'dmFyaWF0aW9ucw==' });
  });

  it('keeps nulls with nullable representations', () => {
    const cols = [col('I', T.INTEGER), col('S', T.STRING)];
    for (const nullableRepresentation of ['optional', 'wrapper'] as const) {
      const serde = protobufNoSrFormat.createSerde(cols, { nullableRepresentation }, false, { topic: 't', catalog: new TestCatalog() });
      expect(serde.deserialize(serde.serialize([null, ''])!)).toEqual([null, '']);
    }
  });

  it('unwraps single keys (and values with WRAP_SINGLE_VALUE=false) into wrapper messages', () => {
    const key = protobufNoSrFormat.createSerde([col('K', T.BIGINT, 'KEY')], {}, true, { topic: 't', catalog: new TestCatalog() });
    const bytes = key.serialize([12345678901])!;
    expect(bytes).toEqual(Buffer.from(protobuf.Writer.create().uint32(8).int64(12345678901).finish()));
    expect(key.deserialize(bytes)).toEqual([12345678901]);
    expect(key.serialize([null])).toBeNull();
    const value = protobufNoSrFormat.createSerde([col('V', T.struct([{ name: 'A', type: T.STRING }]))], { wrapSingleValue: false }, false, { topic: 't', catalog: new TestCatalog() });
    expect(value.deserialize(value.serialize([{ A: 'x' }])!)).toEqual([{ A: 'x' }]);
    expect(() => protobufNoSrFormat.createSerde([col('V', T.array(T.INTEGER))], { wrapSingleValue: false }, false, { topic: 't', catalog: new TestCatalog() })).toThrow(/Unsupported root schema/);
  });
});

describe('wire compatibility with protobufjs', () => {
  const text =
    'syntax = "proto3"; message M { int32 i = 1; int64 l = 2; sint32 s = 3; repeated int32 a = 4; map<string, int32> m = 5; Inner n = 6; ' +
    'string str = 7; bytes b = 8; double d = 9; fixed32 f = 10; bool ok = 11; message Inner { string x = 1; } }';

  it('decodes what protobufjs encodes, and protobufjs decodes what it writes', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('x', proto(text));
    const type = protobuf.parse(text, { keepCase: true }).root.lookupType('M');
    const obj = { i: -3, l: 1234567890123, s: -77, a: [1, -1, 300], m: { a: 2 }, n: { x: 'inner' }, str: 'ünïcode', b: Buffer.from([9, 8]), d: 2.5, f: 4000000000, ok: true };
    const body = Buffer.from(type.encode(type.fromObject(obj)).finish());
    // Named by id: the columns keep the schema's names (and writing matches them exactly).
    const cols = protobufFormat.columnsOf(catalog.byId(id)!, { schemaId: id }, false, catalog);
    expect(cols.map((c) => c.name)).toEqual(['i', 'l', 's', 'a', 'm', 'n', 'str', 'b', 'd', 'f', 'ok']);
    const serde = protobufFormat.createSerde(cols, { schemaId: id }, false, { topic: 'x', catalog });
    const values = [-3, 1234567890123, -77, [1, -1, 300], new Map([['a', 2]]), { x: 'inner' }, 'ünïcode', Buffer.from([9, 8]), 2.5, 4000000000, true];
    expect(serde.deserialize(frame(id, Buffer.concat([Buffer.from([0]), body])))).toEqual(values);
    const written = serde.serialize(values)!;
    const back = type.toObject(type.decode(written.subarray(6)), { longs: Number, bytes: Buffer as never });
    expect(back).toEqual({ ...obj, b: Buffer.from([9, 8]) });
  });
});

describe('vector specs (encodeSpec / decodeSpec)', () => {
  it('matches fields case-insensitively, reads numbers, decimals and base64 bytes', () => {
    const catalog = new TestCatalog();
    const cols = [col('C1', T.BOOLEAN), col('C2', T.INTEGER), col('C3', T.BIGINT), col('C6', T.decimal(4, 2)), col('B', T.BYTES), col('E', T.array(T.STRING))];
    const schema = protobufFormat.schemaFor(cols, {}, false);
    const id = catalog.register('t-value', schema);
    const bytes = protobufFormat.encodeSpec({ c1: true, C2: '1', c3: 400000000000, c6: 10.01, b: 'dmFyaWF0aW9ucw==', unknown: 5 }, schema, id, catalog);
    expect(protobufFormat.decodeSpec(bytes, catalog)).toEqual({ C1: true, C2: 1, C3: 400000000000, C6: 10.01, B: 'dmFyaWF0aW9ucw==', E: [] });
    expect(() => protobufFormat.encodeSpec({ c6: 10.015 }, schema, id, catalog)).toThrow(/without rounding/);
  });

  it('encodes enums by name and wrappers as bare values; picks the message by full name', () => {
    const catalog = new TestCatalog();
    const schema = proto('syntax = "proto3"; import "google/protobuf/wrappers.proto"; message A { int32 x = 1; } message B { enum Suit {SPADES = 0; HEARTS = 1;} Suit c1 = 1; google.protobuf.Int32Value w = 2; }');
    const id = catalog.register('t-value', schema);
    const bytes = protobufFormat.encodeSpec({ C1: 'HEARTS', w: 0 }, schema, id, catalog, { fullSchemaName: 'B' });
    expect(protobufFormat.decodeSpec(bytes, catalog)).toEqual({ c1: 'HEARTS', w: 0 });
    expect(protobufFormat.decodeSpec(protobufFormat.encodeSpec({ c1: 'SPADES' }, schema, id, catalog, { fullSchemaName: 'B' }), catalog)).toEqual({ c1: 'SPADES', w: null });
  });
});

describe('compatibility (BACKWARD)', () => {
  const c = new TestCatalog();
  const problems = (newer: string, older: string) => protobufSchemaSupport.backwardProblems(proto(newer), proto(older), c);
  const base = 'syntax = "proto3"; message M { int32 a = 1; string b = 2; }';

  it('accepts added and removed optional fields, renames and compatible scalar changes', () => {
    expect(problems('syntax = "proto3"; message M { int32 a = 1; string b = 2; double c = 3; }', base)).toEqual([]);
    expect(problems('syntax = "proto3"; message M { int32 a = 1; }', base)).toEqual([]);
    expect(problems('syntax = "proto3"; message M { int64 renamed = 1; bytes b = 2; }', base)).toEqual([]);
  });

  it('reports changed kinds, removed messages and fields moved into a oneof', () => {
    expect(problems('syntax = "proto3"; message M { string a = 1; string b = 2; }', base)).toEqual([
      expect.stringContaining('FIELD_SCALAR_KIND_CHANGED') as unknown as string,
    ]);
    expect(problems('syntax = "proto3"; message M { float a = 1; }', 'syntax = "proto3"; message M { double a = 1; }')[0]).toContain("'#/M/1'");
    expect(problems('syntax = "proto3"; message N { int32 a = 1; }', base)[0]).toContain('MESSAGE_REMOVED');
    expect(problems('syntax = "proto3"; message M { X a = 1; string b = 2; message X {} }', base)[0]).toContain('FIELD_KIND_CHANGED');
    expect(problems('syntax = "proto3"; message M { oneof o { int32 a = 1; string b = 2; } }', base)[0]).toContain('MULTIPLE_FIELDS_MOVED_TO_ONEOF');
    expect(problems('syntax = "proto3"; package q; message M { int32 a = 1; string b = 2; }', base)[0]).toContain('PACKAGE_CHANGED');
  });
});
