import { describe, expect, it } from 'vitest';
import { jsonSchemaFormat as fmt, jsonSchemaSupport as support } from '../../src/serde/json-schema/index.js';
import { connectSchemaOf, javaHashMapOrder } from '../../src/serde/json-schema/parse.js';
import { readsAsJson } from '../../src/serde/json-schema/read.js';
import { UnknownSchemaError } from '../../src/serde/confluent-wire.js';
import { SerdeError, type FormatOptions } from '../../src/serde/serde.js';
import { createSerde } from '../../src/serde/index.js';
import { JsonNumber } from '../../src/serde/json-exact.js';
import { AnalysisError } from '../../src/errors.js';
import { subjectName, type RegisteredSchema, type SchemaCatalog, type SchemaText } from '../../src/registry/schema.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { Column } from '../../src/types/schema.js';

const col = (name: string, type: SqlType, namespace: 'KEY' | 'VALUE' = 'VALUE'): Column => ({ name, type, namespace });
const json = (s: SchemaText) => JSON.parse(s.schema) as unknown;
const text = (v: unknown): SchemaText => ({ schemaType: 'JSON', schema: JSON.stringify(v) });

/** An in-memory registry: ids from 1, subjects compared in canonical form. */
class TestCatalog implements SchemaCatalog {
  private readonly schemas: RegisteredSchema[] = [];
  private readonly subjects = new Map<string, number[]>();
  register(subject: string, s: SchemaText): number {
    const known = this.idOf(subject, s);
    if (known !== undefined) return known;
    const id = this.schemas.length + 1;
    this.schemas.push({ ...s, id });
    this.subjects.set(subject, [...(this.subjects.get(subject) ?? []), id]);
    return id;
  }
  byId(id: number) {
    return this.schemas[id - 1];
  }
  idOf(subject: string, s: SchemaText) {
    const c = support.canonical(s, this);
    return this.subjects.get(subject)?.find((id) => support.canonical(this.byId(id)!, this) === c);
  }
  reference() {
    return undefined;
  }
}

const optional = (s: object, index?: number) => (index === undefined ? { oneOf: [{ type: 'null' }, s] } : { 'connect.index': index, oneOf: [{ type: 'null' }, s] });
const INT32 = { type: 'integer', 'connect.type': 'int32' };
const INTEGER_SCHEMA = { type: 'integer' };

describe('JSON_SR generated schemas', () => {
  it('matches the value schema ksqlDB registers (json_sr.json)', () => {
    expect(json(fmt.schemaFor([col('FOO', T.INTEGER)], {}, false))).toEqual({ type: 'object', properties: { FOO: optional(INT32, 0) } });
  });

  it('unwraps a single key, and a value with WRAP_SINGLE_VALUE=false', () => {
    expect(json(fmt.schemaFor([col('K', T.INTEGER, 'KEY')], {}, true))).toEqual(optional(INT32));
    expect(json(fmt.schemaFor([col('K', T.BOOLEAN, 'KEY')], {}, true))).toEqual(optional({ type: 'boolean' }));
    expect(json(fmt.schemaFor([col('V', T.DOUBLE)], { wrapSingleValue: false }, false))).toEqual(optional({ type: 'number', 'connect.type': 'float64' }));
  });

  it('writes a struct key as ksqlDB does (STRUCT - key - inference)', () => {
    expect(json(fmt.schemaFor([col('K', T.struct([{ name: 'F1', type: T.STRING }]), 'KEY')], {}, true))).toEqual(
      optional({ type: 'object', properties: { F1: optional({ type: 'string' }, 0) } }),
    );
  });

  it('writes decimals and temporal types with their Connect logical names', () => {
    expect(json(fmt.schemaFor([col('K', T.decimal(4, 2), 'KEY')], {}, true))).toEqual(
      optional({
        type: 'number',
        title: 'org.apache.kafka.connect.data.Decimal',
        'connect.version': 1,
        'connect.type': 'bytes',
        'connect.parameters': { scale: '2', 'connect.decimal.precision': '4' },
      }),
    );
    const s = json(fmt.schemaFor([col('D', T.DATE), col('T', T.TIME), col('TS', T.TIMESTAMP), col('B', T.BYTES), col('L', T.BIGINT)], {}, false)) as {
      properties: Record<string, unknown>;
    };
    expect(s.properties['D']).toEqual(optional({ type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.version': 1, 'connect.type': 'int32' }, 0));
    expect(s.properties['T']).toEqual(optional({ type: 'integer', title: 'org.apache.kafka.connect.data.Time', 'connect.version': 1, 'connect.type': 'int32' }, 1));
    expect(s.properties['TS']).toEqual(optional({ type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.version': 1, 'connect.type': 'int64' }, 2));
    expect(s.properties['B']).toEqual(optional({ type: 'string', 'connect.type': 'bytes' }, 3));
    expect(s.properties['L']).toEqual(optional({ type: 'integer', 'connect.type': 'int64' }, 4));
  });

  it('writes arrays, and maps as key/value entry arrays (optional keys)', () => {
    const s = json(fmt.schemaFor([col('A', T.array(T.STRING)), col('M', T.map(T.STRING, T.INTEGER))], {}, false)) as { properties: Record<string, unknown> };
    expect(s.properties['A']).toEqual(optional({ type: 'array', items: optional({ type: 'string' }) }, 0));
    expect(s.properties['M']).toEqual(
      optional(
        {
          type: 'array',
          items: { type: 'object', properties: { key: optional({ type: 'string' }, 0), value: optional(INT32, 1) } },
          'connect.type': 'map',
        },
        1,
      ),
    );
  });

  it("refuses maps with non-string keys and WRAP_SINGLE_VALUE on several columns, as ksqlDB's JSON serde factory", () => {
    expect(() => fmt.schemaFor([col('M', T.map(T.INTEGER, T.DOUBLE))], {}, false)).toThrow('JSON only supports MAP types with STRING keys');
    expect(() => createSerde('JSON_SR', [col('M', T.map(T.INTEGER, T.DOUBLE))], {}, false)).toThrow('JSON only supports MAP types with STRING keys');
    expect(() => fmt.schemaFor([col('A', T.INTEGER), col('B', T.INTEGER)], { wrapSingleValue: false }, false)).toThrow(AnalysisError);
  });
});

describe('JSON_SR schema inference', () => {
  const catalog = new TestCatalog();
  const infer = (schema: unknown, options: FormatOptions = {}, isKey = false) =>
    fmt.columnsOf({ ...text(schema), id: 1 }, options, isKey, catalog).map((c) => [c.name, c.type] as const);

  it('maps key schemas to one ROWKEY column', () => {
    expect(infer(optional(INT32), {}, true)).toEqual([['ROWKEY', T.INTEGER]]);
    expect(infer(optional({ type: 'number', 'connect.type': 'float64' }), {}, true)).toEqual([['ROWKEY', T.DOUBLE]]);
    expect(infer(optional({ type: 'string', 'connect.type': 'string' }), {}, true)).toEqual([['ROWKEY', T.STRING]]);
    expect(infer({ type: 'integer' }, {}, true)).toEqual([['ROWKEY', T.BIGINT]]);
    expect(
      infer(optional({ type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.type': 'bytes', 'connect.parameters': { scale: '2', 'connect.decimal.precision': '4' } }), {}, true),
    ).toEqual([['ROWKEY', T.decimal(4, 2)]]);
    expect(infer({ type: 'object', properties: { F1: optional({ type: 'string' }, 0) } }, {}, true)).toEqual([['ROWKEY', T.struct([{ name: 'F1', type: T.STRING }])]]);
  });

  it('maps object properties to value columns, upper-casing names unless a schema id named the schema', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'integer' },
        b: { type: 'number' },
        c: { type: 'string', 'connect.type': 'bytes' },
        d: { type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.type': 'int32' },
        e: { type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.type': 'int64' },
        f: { type: 'array', items: { type: 'boolean' } },
        g: { type: 'object', additionalProperties: { type: 'integer', 'connect.type': 'int32' }, 'connect.type': 'map' },
        h: { type: 'object', properties: { x: { type: 'string' } } },
        i: { type: ['null', 'string'] },
        j: { enum: ['A', 'B'] },
      },
    };
    const types = [T.BIGINT, T.DOUBLE, T.BYTES, T.DATE, T.TIMESTAMP, T.array(T.BOOLEAN), T.map(T.STRING, T.INTEGER), T.struct([{ name: 'X', type: T.STRING }]), T.STRING, T.STRING];
    const cols = infer(schema);
    // Without connect.index, properties come in java.util.HashMap order.
    const order = javaHashMapOrder(Object.keys(schema.properties));
    expect(cols.map((c) => c[0])).toEqual(order.map((n) => n.toUpperCase()));
    const byName = new Map(cols);
    'abcdefghij'.split('').forEach((n, i) => expect(byName.get(n.toUpperCase())).toEqual(types[i]));
    const original = fmt.columnsOf({ ...text(schema), id: 1 }, { schemaId: 1 }, false, catalog);
    expect(original.find((c) => c.name === 'h')!.type).toEqual(T.struct([{ name: 'x', type: T.STRING }]));
  });

  it('orders properties by connect.index, else as a Java HashMap iterates them', () => {
    expect(javaHashMapOrder(['ID', 'foo'])).toEqual(['foo', 'ID']);
    const cols = infer({ type: 'object', properties: { B: { ...INT32, 'connect.index': 1 }, A: { ...INT32, 'connect.index': 0 } } });
    expect(cols.map((c) => c[0])).toEqual(['A', 'B']);
  });

  it('reads maps with non-string keys (entry arrays) as MAP<STRING, V>, and drops fields with unsupported map keys', () => {
    const entries = (key: object) => ({ type: 'array', 'connect.type': 'map', items: { type: 'object', properties: { key, value: { type: 'string' } } } });
    expect(infer({ type: 'object', properties: { M: entries(INT32), N: entries({ type: 'number' }) } })).toEqual([['M', T.map(T.STRING, T.STRING)]]);
  });

  it("gives ksqlDB's errors for schemas it cannot use", () => {
    expect(() => infer(optional(INT32))).toThrow("Schema returned from schema registry is anonymous type. To use this schema with ksqlDB, set 'WRAP_SINGLE_VALUE=false'");
    expect(infer(optional(INT32), { wrapSingleValue: false })).toEqual([['ROWVAL', T.INTEGER]]);
    expect(() => infer({ type: 'object', properties: {} })).toThrow('Schema does not include any columns with types that ksqlDB supports');
    expect(() => infer({ type: 'object', properties: { A: { type: 'array' } } })).toThrow('Array schema did not specify the items type');
    expect(() => infer({ type: 'object', properties: { a: { type: 'string' }, A: { type: 'string' } } })).toThrow('field name duplication');
  });

  it('resolves local $refs and reads oneOf of several types as a union struct', () => {
    const schema = { type: 'object', properties: { P: { $ref: '#/definitions/p' } }, definitions: { p: { type: 'object', properties: { X: INT32 } } } };
    expect(infer(schema)).toEqual([['P', T.struct([{ name: 'X', type: T.INTEGER }])]]);
    const union = infer({ type: 'object', properties: { U: { oneOf: [{ type: 'string' }, INT32] } } });
    expect(union).toEqual([['U', T.struct([{ name: 'IO.CONFLUENT.CONNECT.JSON.ONEOF.FIELD.0', type: T.STRING }, { name: 'IO.CONFLUENT.CONNECT.JSON.ONEOF.FIELD.1', type: T.INTEGER }])]]);
  });
});

describe('JSON_SR serde', () => {
  const topic = 't';
  const setup = (columns: Column[], options: FormatOptions = {}, isKey = false) => {
    const catalog = new TestCatalog();
    const id = catalog.register(subjectName(topic, isKey), fmt.schemaFor(columns, options, isKey));
    const serde = fmt.createSerde(columns, { ...options, topic }, isKey, { topic, catalog });
    return { catalog, id, serde };
  };

  it('frames the JSON body with the registered id and reads it back', () => {
    const { id, serde } = setup([col('ID', T.BIGINT), col('NAME', T.STRING), col('AMOUNT', T.decimal(6, 2)), col('D', T.DATE)]);
    const bytes = serde.serialize([7, 'a', Decimal.parse('1.5'), 19000])!;
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(bytes.subarray(5).toString()).toBe('{"ID":7,"NAME":"a","AMOUNT":1.50,"D":19000}');
    expect(serde.deserialize(bytes)).toEqual([7, 'a', Decimal.parse('1.50'), 19000]);
    const out = ['x', null, null, null, null];
    expect(serde.deserializeInto!(bytes, out, 1)).toBe(true);
    expect(out[1]).toBe(7);
    expect(serde.serialize(null)).toBeNull();
    expect(serde.deserialize(null)).toBeNull();
  });

  it('writes and reads nested structs, arrays and maps (maps as key/value entries)', () => {
    const type = T.struct([
      { name: 'A', type: T.array(T.INTEGER) },
      { name: 'M', type: T.map(T.STRING, T.DOUBLE) },
    ]);
    const { serde } = setup([col('S', type), col('X', T.BOOLEAN)]);
    const value = { A: [1, null], M: new Map<string, unknown>([['k', 1.5], ['n', null]]) };
    const bytes = serde.serialize([value, true])!;
    expect(JSON.parse(bytes.subarray(5).toString())).toEqual({
      S: { A: [1, null], M: [{ key: 'k', value: 1.5 }, { key: 'n', value: null }] },
      X: true,
    });
    expect(serde.deserialize(bytes)).toEqual([value, true]);
  });

  it('writes a null unwrapped value as a tombstone, and reads unwrapped keys', () => {
    const { serde } = setup([col('K', T.INTEGER, 'KEY')], {}, true);
    expect(serde.serialize([null])).toBeNull();
    const b = serde.serialize([42])!;
    expect(b.subarray(5).toString()).toBe('42');
    expect(serde.deserialize(b)).toEqual([42]);
  });

  it('refuses unframed bytes, unknown ids and bad JSON', () => {
    const { serde } = setup([col('A', T.INTEGER)]);
    expect(() => serde.deserialize(Buffer.from('{"A":1}'))).toThrow(SerdeError);
    expect(() => serde.deserialize(Buffer.from('{"A":1}'))).toThrow('Unknown magic byte!');
    const unknown = Buffer.concat([Buffer.from([0, 0, 0, 0, 99]), Buffer.from('{"A":1}')]);
    expect(() => serde.deserialize(unknown)).toThrow(UnknownSchemaError);
    const good = serde.serialize([1])!;
    const bad = Buffer.concat([good.subarray(0, 5), Buffer.from('{"A":')]);
    expect(() => serde.deserialize(bad)).toThrow(SerdeError);
  });

  it('fails to write when the generated schema is not registered', () => {
    const serde = fmt.createSerde([col('A', T.INTEGER)], { topic }, false, { topic, catalog: new TestCatalog() });
    expect(() => serde.serialize([1])).toThrow(/not registered under subject 't-value'/);
  });

  it('reads by the writer schema: entry-array maps, widened types, and refuses unreadable types', () => {
    const catalog = new TestCatalog();
    const writer = catalog.register('t-value', text({
      type: 'object',
      properties: {
        m: { type: 'array', 'connect.type': 'map', items: { type: 'object', properties: { key: INT32, value: { type: 'string' } } } },
        n: INT32,
        f: { type: 'number', 'connect.type': 'float64' },
      },
    }));
    const cols = [col('M', T.map(T.STRING, T.STRING)), col('N', T.BIGINT), col('F', T.STRING)];
    const serde = fmt.createSerde(cols, { topic }, false, { topic, catalog });
    const frame = (id: number, body: string) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from(body)]);
    expect(serde.deserialize(frame(writer, '{"m":[{"key":1,"value":"a"}],"n":5,"f":1e10}'))).toEqual([new Map([['1', 'a']]), 5, '1.0E10']);
    const narrow = catalog.register('t-value', text({ type: 'object', properties: { N: { type: 'integer' } } }));
    const ints = fmt.createSerde([col('N', T.INTEGER)], { topic }, false, { topic, catalog });
    expect(() => ints.deserialize(frame(narrow, '{"N":1}'))).toThrow('Cannot deserialize type int64 as type int32 for path: ->N');
    // Writer fields are matched exactly, then upper-cased: a JSON key the writer does not have is ignored.
    const lower = catalog.register('t-value', text({ type: 'object', properties: { n: INT32, x: { type: 'number' } } }));
    const two = fmt.createSerde([col('N', T.INTEGER), col('X', T.DOUBLE), col('Y', T.STRING)], { topic }, false, { topic, catalog });
    expect(two.deserialize(frame(lower, '{"n":3,"x":2.5,"Y":"ignored"}'))).toEqual([3, 2.5, null]);
  });

  it('writes with VALUE_SCHEMA_ID: the registered fields, in their order, nulls for the others', () => {
    const catalog = new TestCatalog();
    const id = catalog.register('t-value', text({ type: 'object', properties: { c2: { type: 'string' }, c1: { type: 'integer' }, c3: optional({ type: 'string' }) } }));
    const serde = fmt.createSerde([col('c1', T.BIGINT)], { topic, schemaId: id }, false, { topic, catalog });
    const b = serde.serialize([4])!;
    expect(b.readInt32BE(1)).toBe(id);
    const body = JSON.parse(b.subarray(5).toString()) as Record<string, unknown>;
    expect(body).toEqual({ c1: 4, c3: null });
    expect(() => serde.serialize([null])).toThrow('null used for required field');
    const other = fmt.createSerde([col('zz', T.BIGINT)], { topic, schemaId: id }, false, { topic, catalog });
    expect(() => other.serialize([1])).toThrow('Schema from Schema Registry misses field with name: zz');
  });
});

describe('JSON_SR readers', () => {
  it("reads topics of ksqlDB's own schemas with the JSON format's reader (no maps), else by the writer schema", () => {
    const cols = [col('A', T.INTEGER), col('B', T.array(T.struct([{ name: 'X', type: T.decimal(4, 1) }]))), col('C', T.STRING)];
    const generated = connectSchemaOf(fmt.schemaFor(cols, {}, false), new TestCatalog());
    expect(readsAsJson(generated, T.struct(cols.map((c) => ({ name: c.name, type: c.type }))))).toBe(true);
    const withMap = [col('M', T.map(T.STRING, T.INTEGER))];
    const mapSchema = connectSchemaOf(fmt.schemaFor(withMap, {}, false), new TestCatalog());
    expect(readsAsJson(mapSchema, T.struct([{ name: 'M', type: T.map(T.STRING, T.INTEGER) }]))).toBe(false);
    // A float writer read into STRING: Connect prints it as Java does.
    expect(readsAsJson({ type: 'float64', optional: true }, T.STRING)).toBe(false);
  });

  it('writes oneOf union structs (fields kept under a schema id) as their non-null alternative', () => {
    const catalog = new TestCatalog();
    const union = { type: 'object', properties: { u: { oneOf: [{ type: 'string' }, INTEGER_SCHEMA] } } };
    const id = catalog.register('t-value', text(union));
    const cols = fmt.columnsOf({ ...text(union), id }, { schemaId: id }, false, catalog);
    expect(cols[0]!.type).toEqual(T.struct([{ name: 'io.confluent.connect.json.OneOf.field.0', type: T.STRING }, { name: 'io.confluent.connect.json.OneOf.field.1', type: T.BIGINT }]));
    const serde = fmt.createSerde(cols, { topic: 't', schemaId: id }, false, { topic: 't', catalog });
    const row = serde.deserialize(Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from('{"u":5}')]))!;
    expect(row).toEqual([{ 'io.confluent.connect.json.OneOf.field.0': null, 'io.confluent.connect.json.OneOf.field.1': 5 }]);
    expect(serde.serialize(row)!.subarray(5).toString()).toBe('{"u":5}');
    expect(json(fmt.schemaFor(cols, {}, false))).toEqual({ type: 'object', properties: { u: { 'connect.index': 0, oneOf: [{ type: 'null' }, { type: 'string', 'connect.index': 0 }, { type: 'integer', 'connect.type': 'int64', 'connect.index': 1 }] } } });
  });
});

describe('JSON_SR test-vector specs', () => {
  it('encodes specs with the schema as the harness does, and decodes them back', () => {
    const catalog = new TestCatalog();
    const schema = fmt.schemaFor([col('FOO', T.STRING), col('N', T.INTEGER), col('D', T.decimal(6, 4)), col('S', T.struct([{ name: 'F1', type: T.STRING }]))], {}, false);
    const id = catalog.register('t-value', schema);
    const bytes = fmt.encodeSpec({ foo: 10, N: '7', d: 10.0, s: { f1: 'x' }, other: 1 }, schema, id, catalog);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(JSON.parse(bytes.subarray(5).toString())).toEqual({ FOO: '10', N: 7, D: 10, S: { F1: 'x' } });
    expect(bytes.subarray(5).toString()).toContain('"D":10.0000');
    const back = fmt.decodeSpec(bytes, catalog) as Record<string, unknown>;
    expect(back['FOO']).toBe('10');
    expect(back['N']).toBe(7);
    expect(back['D']).toEqual(new JsonNumber('10.0000'));
    expect(back['S']).toEqual({ F1: 'x' });
  });

  it('encodes maps as entries, BYTES from base64, and an unwrapped key', () => {
    const catalog = new TestCatalog();
    const schema = fmt.schemaFor([col('M', T.map(T.STRING, T.BYTES))], {}, false);
    const id = catalog.register('t-value', schema);
    const bytes = fmt.encodeSpec({ M: { a: 'AQI=' } }, schema, id, catalog);
    expect(JSON.parse(bytes.subarray(5).toString())).toEqual({ M: [{ key: 'a', value: 'AQI=' }] });
    expect(fmt.decodeSpec(bytes, catalog)).toEqual({ M: { a: 'AQI=' } });
    const key = fmt.schemaFor([col('K', T.BIGINT, 'KEY')], {}, true);
    const kid = catalog.register('t-key', key);
    expect(fmt.encodeSpec(998877665544332211n.toString(), key, kid, catalog).subarray(5).toString()).toBe('998877665544332211');
  });
});

describe('JSON Schema registry support', () => {
  const catalog = new TestCatalog();
  it('gives equal canonical forms to schemas that differ only in key order, and refuses invalid ones', () => {
    expect(support.canonical(text({ type: 'object', properties: { a: INT32 } }), catalog)).toBe(
      support.canonical({ schemaType: 'JSON', schema: '{"properties":{"a":{"connect.type":"int32","type":"integer"}},"type":"object"}' }, catalog),
    );
    expect(() => support.canonical({ schemaType: 'JSON', schema: '{"type":' }, catalog)).toThrow(/Invalid JSON schema/);
    expect(() => support.canonical(text({ type: 'integr' }), catalog)).toThrow(/unknown type/);
    expect(() => support.canonical(text(42), catalog)).toThrow(/not a schema/);
  });

  it('judges BACKWARD compatibility as Confluent (STRICT) does', () => {
    const obj = (props: object, extra: object = {}) => text({ type: 'object', properties: props, ...extra });
    const s = optional({ type: 'string' });
    const problems = (newer: SchemaText, older: SchemaText) => support.backwardProblems(newer, older, catalog);
    expect(problems(obj({ A: s }), obj({ A: s }))).toEqual([]);
    // Removing a property of an open content model is fine; adding one is not.
    expect(problems(obj({ A: s }), obj({ A: s, B: s }))).toEqual([]);
    expect(problems(obj({ A: s, B: s }), obj({ A: s }))[0]).toContain('OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
    // A closed content model may gain optional properties, not required ones, nor lose any.
    const closed = { additionalProperties: false };
    expect(problems(obj({ A: s, B: s }, closed), obj({ A: s }, closed))).toEqual([]);
    expect(problems(obj({ A: s, B: s }, { ...closed, required: ['B'] }), obj({ A: s }, closed))[0]).toContain('REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL');
    expect(problems(obj({ A: s }, closed), obj({ A: s, B: s }, closed))[0]).toContain('PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL');
    expect(problems(obj({ A: s }, closed), obj({ A: s }))[0]).toContain('ADDITIONAL_PROPERTIES_REMOVED');
    // Type changes: integer → number widens; string → integer does not.
    expect(problems(obj({ A: { type: 'number' } }), obj({ A: { type: 'integer' } }))).toEqual([]);
    expect(problems(obj({ A: { type: 'integer' } }), obj({ A: { type: 'number' } }))[0]).toContain('TYPE_NARROWED');
    expect(problems(obj({ A: optional(INT32) }), obj({ A: s }))[0]).toContain('COMBINED_TYPE_SUBSCHEMAS_CHANGED');
    expect(problems(obj({ A: s }), obj({ A: { type: 'string' } }))).toEqual([]);
    expect(problems(obj({ A: s }, { required: ['A'] }), obj({ A: s }))[0]).toContain('REQUIRED_ATTRIBUTE_ADDED');
  });
});
