import { describe, expect, it } from 'vitest';
import { createSerde, formatFromProperties, SerdeError } from '../../src/serde/index.js';
import type { FormatName, FormatOptions } from '../../src/serde/index.js';
import { javaDouble, jsonNumberText } from '../../src/serde/text.js';
import { readInt64BE, writeInt64BE } from '../../src/serde/int64.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { Column } from '../../src/types/schema.js';

const col = (name: string, type: SqlType, namespace: 'KEY' | 'VALUE' = 'VALUE'): Column => ({ name, type, namespace });
const buf = (s: string) => Buffer.from(s, 'utf8');
const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

function serde(format: FormatName, columns: Column[], options: FormatOptions = {}, isKey = false) {
  return createSerde(format, columns, options, isKey);
}

describe('JSON values', () => {
  const s = serde('JSON', [col('ID', T.BIGINT), col('NAME', T.STRING), col('AMOUNT', T.decimal(4, 2)), col('OK', T.BOOLEAN), col('X', T.DOUBLE)]);

  it('reads an object by column name, case-insensitively, missing → null, extras ignored', () => {
    const row = s.deserialize(buf('{"id": 7, "Name": "a", "extra": 1, "OK": true}'));
    expect(row).toEqual([7, 'a', null, true, null]);
  });

  it('prefers the exact field name over an upper-cased match', () => {
    const q = serde('JSON', [col('foo', T.INTEGER), col('FOO', T.INTEGER)]);
    expect(q.deserialize(buf('{"foo": 1, "Foo": 2}'))).toEqual([1, 2]);
    // A quoted lower-case column is matched only exactly.
    expect(q.deserialize(buf('{"Foo": 2}'))).toEqual([null, 2]);
  });

  it('keeps matching fields when records change their key names or omit fields (compiled lookups)', () => {
    const q = serde('JSON', [col('ID', T.BIGINT), col('NAME', T.STRING)]);
    // The first records teach the lookups "id"/"name"; later ones use other spellings, omit a field,
    // or carry the exact name beside another spelling.
    for (let i = 0; i < 3; i++) expect(q.deserialize(buf(`{"id": ${i}, "name": "n${i}"}`))).toEqual([i, `n${i}`]);
    expect(q.deserialize(buf('{"Id": 5, "NAME": "x"}'))).toEqual([5, 'x']);
    expect(q.deserialize(buf('{"name": "y"}'))).toEqual([null, 'y']);
    expect(q.deserialize(buf('{"id": 6, "name": "z", "ID": 9}'))).toEqual([9, 'z']);
    expect(q.deserialize(buf('{"id": 7, "name": "w"}'))).toEqual([7, 'w']);
    const out: unknown[] = ['k', 'left'];
    expect(q.deserializeInto!(buf('{"id": 8, "name": "v"}'), out, 1)).toBe(true);
    expect(out).toEqual(['k', 8, 'v']);
    expect(q.deserializeInto!(buf('null'), out, 1)).toBe(false);
    expect(q.deserializeInto!(null, out, 1)).toBe(false);
    // A value that cannot be coerced, on the compiled path, names its field.
    expect(() => q.deserialize(buf('{"id": "x7", "name": "w"}'))).toThrow(/path: \$\.ID/);
    expect(q.deserialize(buf('{"id": "7", "name": 8}'))).toEqual([7, '8']);
  });

  it('writes field names exactly, decimals with their scale and doubles as Java prints them', () => {
    const out = text(s.serialize([1, 'x"y', new Decimal(1050n, 2), false, 3]));
    expect(out).toBe('{"ID":1,"NAME":"x\\"y","AMOUNT":10.50,"OK":false,"X":3.0}');
    expect(text(s.serialize([null, null, null, null, null]))).toBe('{"ID":null,"NAME":null,"AMOUNT":null,"OK":null,"X":null}');
  });

  it('round-trips', () => {
    const row = [5, 'héllo', new Decimal(-123n, 2), true, 1.5e-7];
    const back = s.deserialize(s.serialize(row));
    expect(back).toEqual(row);
  });

  it('null bytes and JSON null are a null row; null row serializes to null', () => {
    expect(s.deserialize(null)).toBeNull();
    expect(s.deserialize(buf('null'))).toBeNull();
    expect(s.serialize(null)).toBeNull();
  });

  it('re-reads exactly when a number lands in a STRING column of a wrapped row', () => {
    const r = serde('JSON', [col('ID', T.INTEGER), col('NAME', T.STRING), col('M', T.decimal(20, 16))]);
    expect(r.deserialize(buf('{"name": 1.50, "id": 1, "m": 1234.1234567890123456}'))).toEqual([1, '1.50', new Decimal(12341234567890123456n, 16)]);
    expect(() => r.deserialize(buf('5'))).toThrow("Can't convert type. sourceType: IntNode, requiredType: STRUCT<`ID` INT, `NAME` VARCHAR, `M` DECIMAL(20, 16)>, path: $");
  });

  it('fails on malformed JSON and on a non-object row', () => {
    expect(() => s.deserialize(buf('{"ID": '))).toThrow(SerdeError);
    expect(() => s.deserialize(buf('[1]'))).toThrow(/Can't convert type. sourceType: ArrayNode, requiredType: STRUCT<`ID` BIGINT/);
  });
});

describe('JSON coercions', () => {
  const one = (t: SqlType, json: string) => serde('JSON', [col('V', t)], { wrapSingleValue: false }).deserialize(buf(json))![0];

  it('numbers from strings, truncation of fractional numbers', () => {
    expect(one(T.INTEGER, '"42"')).toBe(42);
    expect(one(T.INTEGER, '1.9')).toBe(1);
    expect(one(T.INTEGER, '-1.9')).toBe(-1);
    expect(one(T.BIGINT, '"-9000000000"')).toBe(-9000000000);
    expect(one(T.DOUBLE, '"1.5"')).toBe(1.5);
    expect(one(T.DOUBLE, '2')).toBe(2);
    expect(() => one(T.INTEGER, '"1.5"')).toThrow("Can't coerce string to type. targetType: INTEGER, path: $");
    expect(() => one(T.INTEGER, '"99999999999"')).toThrow(/Can't coerce string/);
  });

  it('booleans only from JSON booleans', () => {
    expect(one(T.BOOLEAN, 'true')).toBe(true);
    expect(() => one(T.BOOLEAN, '"true"')).toThrow("Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, path: $");
    expect(() => one(T.BOOLEAN, '1')).toThrow(/sourceType: IntNode/);
  });

  it('strings from anything, numbers keeping their JSON text', () => {
    expect(one(T.STRING, '12')).toBe('12');
    expect(one(T.STRING, '1.50')).toBe('1.50');
    expect(one(T.STRING, '1e3')).toBe('1E+3');
    expect(one(T.STRING, 'true')).toBe('true');
    expect(one(T.STRING, '{"a": 1.0, "b": [1, "x"]}')).toBe('{"a":1.0,"b":[1,"x"]}');
    expect(one(T.STRING, '[1, "b", null]')).toBe('[1, b, null]');
    expect(one(T.array(T.STRING), '[1, 2.50, 3]')).toEqual(['1', '2.50', '3']);
  });

  it('decimals from numbers and strings, rescaled, with overflow errors', () => {
    expect(one(T.decimal(6, 4), '10')).toEqual(new Decimal(100000n, 4));
    expect(one(T.decimal(4, 2), '"1.005"')).toEqual(new Decimal(101n, 2));
    expect(one(T.decimal(21, 19), '10.1234512345123451234')).toEqual(new Decimal(101234512345123451234n, 19));
    expect(() => one(T.decimal(4, 2), '123.4')).toThrow(/Numeric field overflow/);
    expect(() => one(T.decimal(4, 2), 'true')).toThrow(/requiredType: DECIMAL\(4, 2\)/);
  });

  it('bytes from base64, temporal types from integers', () => {
    expect(one(T.BYTES, '"dmFyaWF0aW9ucw=="')).toEqual(Buffer.from('variations'));
    expect(() => one(T.BYTES, '"not base64!"')).toThrow(/not a valid Base64/);
    expect(one(T.DATE, '19000')).toBe(19000);
    expect(one(T.TIME, '"1000"')).toBe(1000);
    expect(one(T.TIMESTAMP, '1600000000000')).toBe(1600000000000);
  });

  it('maps, arrays and case-insensitive nested structs', () => {
    expect(one(T.map(T.STRING, T.INTEGER), '{"a": 1, "b": null}')).toEqual(
      new Map<string, unknown>([
        ['a', 1],
        ['b', null],
      ]),
    );
    const st = T.struct([
      { name: 'F0', type: T.INTEGER },
      { name: 'INNER', type: T.struct([{ name: 'X', type: T.STRING }]) },
    ]);
    expect(one(st, '{"f0": 1, "inner": {"x": "y"}}')).toEqual({ F0: 1, INNER: { X: 'y' } });
    expect(() => one(st, '{"f0": "z"}')).toThrow(/path: \$\.F0/);
    expect(() => one(T.array(T.INTEGER), '[1, true]')).toThrow(/path: \$\[1\]/);
  });
});

describe('JSON wrapping', () => {
  it('single key columns are bare by default, values wrapped', () => {
    const key = serde('JSON', [col('K', T.STRING, 'KEY')], {}, true);
    expect(text(key.serialize(['Hey']))).toBe('"Hey"');
    expect(key.deserialize(buf('"Hey"'))).toEqual(['Hey']);
    const value = serde('JSON', [col('V', T.INTEGER)]);
    expect(text(value.serialize([1]))).toBe('{"V":1}');
  });

  it('WRAP_SINGLE_VALUE=false writes the bare value; a bare null is a tombstone', () => {
    const v = serde('JSON', [col('V', T.map(T.STRING, T.DOUBLE))], { wrapSingleValue: false });
    expect(text(v.serialize([new Map([['b', 76.54]])]))).toBe('{"b":76.54}');
    expect(v.serialize([null])).toBeNull();
    expect(v.deserialize(buf('{"a": 45.67}'))).toEqual([new Map([['a', 45.67]])]);
  });

  it('the engine default applies only to single values', () => {
    const single = serde('JSON', [col('V', T.STRING)], { defaultWrapSingleValue: false });
    expect(text(single.serialize(['bar']))).toBe('"bar"');
    const multi = serde('JSON', [col('A', T.STRING), col('B', T.STRING)], { defaultWrapSingleValue: false });
    expect(text(multi.serialize(['a', 'b']))).toBe('{"A":"a","B":"b"}');
  });

  it('multi-column keys are objects', () => {
    const key = serde('JSON', [col('K1', T.STRING, 'KEY'), col('K2', T.INTEGER, 'KEY')], {}, true);
    expect(text(key.serialize(['a', 1]))).toBe('{"K1":"a","K2":1}');
    expect(key.deserialize(buf('{"k1": "a", "k2": 1}'))).toEqual(['a', 1]);
  });

  it('rejects bad schemas at creation', () => {
    expect(() => serde('JSON', [col('V', T.map(T.INTEGER, T.DOUBLE))])).toThrow('JSON only supports MAP types with STRING keys');
    expect(() => serde('JSON', [col('A', T.STRING), col('B', T.STRING)], { wrapSingleValue: true })).toThrow(
      "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas",
    );
    expect(() => serde('JSON', [col('K', T.map(T.STRING, T.DOUBLE), 'KEY')], {}, true)).toThrow(
      'Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `K`. Column type: MAP<STRING, DOUBLE>.',
    );
  });

  it('writes nested values: structs, maps, arrays, bytes, NaN', () => {
    const st = T.struct([
      { name: 'A', type: T.DOUBLE },
      { name: 'B', type: T.array(T.BYTES) },
    ]);
    const v = serde('JSON', [col('S', st), col('D', T.DOUBLE)]);
    expect(text(v.serialize([{ A: 1e10, B: [Buffer.from('hi'), null] }, NaN]))).toBe('{"S":{"A":1.0E10,"B":["aGk=",null]},"D":"NaN"}');
    expect(v.deserialize(v.serialize([{ A: 1e10, B: [Buffer.from('hi'), null] }, NaN]))).toEqual([{ A: 1e10, B: [Buffer.from('hi'), null] }, NaN]);
  });
});

describe('DELIMITED', () => {
  const s = serde('DELIMITED', [col('ID', T.BIGINT), col('NAME', T.STRING), col('V', T.INTEGER)]);

  it('reads and writes comma-separated fields', () => {
    expect(s.deserialize(buf('0,zero,0'))).toEqual([0, 'zero', 0]);
    expect(text(s.serialize([0, 'zero', 0]))).toBe('0,zero,0');
  });

  it('empty fields are null; quotes and escaped quotes', () => {
    expect(s.deserialize(buf('1,,'))).toEqual([1, null, null]);
    expect(s.deserialize(buf('1,"a,""b""",2'))).toEqual([1, 'a,"b"', 2]);
    expect(text(s.serialize([1, 'a,"b"', null]))).toBe('1,"a,""b""",');
    expect(text(s.serialize([1, 'line\nbreak', 2]))).toBe('1,"line\nbreak",2');
  });

  it('quotes a first field that does not start with a letter or digit, as ksqlDB does', () => {
    const d = serde('DELIMITED', [col('V', T.decimal(33, 16))]);
    expect(text(d.serialize([Decimal.parse('-12345.12').setScale(16)]))).toBe('"-12345.1200000000000000"');
    expect(d.deserialize(buf('"-12345.12"'))).toEqual([Decimal.parse('-12345.12').setScale(16)]);
    expect(text(d.serialize([d.deserialize(buf('.12'))![0]]))).toBe('0.1200000000000000');
    expect(text(s.serialize([5, '-x', -3]))).toBe('5,-x,-3');
  });

  it('fails on a wrong field count and on bad numbers', () => {
    expect(() => s.deserialize(buf('1,2'))).toThrow('Column count mismatch on deserialization. topic: , expected: 3, got: 2');
    expect(() => s.deserialize(buf('x,a,1'))).toThrow(/For input string: "x"/);
    expect(() => s.deserialize(buf('1,a, 1'))).toThrow(SerdeError);
  });

  it('custom delimiters: TAB, SPACE, single char', () => {
    const tab = serde('DELIMITED', [col('A', T.STRING), col('B', T.INTEGER)], { delimiter: 'TAB' });
    expect(tab.deserialize(buf('x\t1'))).toEqual(['x', 1]);
    expect(text(tab.serialize(['x', 1]))).toBe('x\t1');
    const pipe = serde('DELIMITED', [col('A', T.STRING), col('B', T.STRING)], { delimiter: ';' }, true);
    expect(pipe.deserialize(buf('foo,bar;baz'))).toEqual(['foo,bar', 'baz']);
  });

  it('types: boolean, double, decimal scale, temporal', () => {
    const d = serde('DELIMITED', [col('B', T.BOOLEAN), col('D', T.DOUBLE), col('M', T.decimal(6, 4)), col('T', T.TIMESTAMP)]);
    expect(d.deserialize(buf('TRUE,1.5,10,10'))).toEqual([true, 1.5, new Decimal(100000n, 4), 10]);
    expect(d.deserialize(buf('yes,1,1.0000,0'))![0]).toBe(false);
    expect(text(d.serialize([true, 2, new Decimal(10000n, 4), 10]))).toBe('true,2.0,1.0000,10');
  });

  it('rejects complex types and WRAP_SINGLE_VALUE=true', () => {
    expect(() => serde('DELIMITED', [col('V', T.array(T.INTEGER))])).toThrow("The 'DELIMITED' format does not support type 'ARRAY'");
    expect(() => serde('DELIMITED', [col('K', T.struct([{ name: 'F', type: T.DOUBLE }]), 'KEY')], {}, true)).toThrow(
      "Key format does not support schema.\nformat: DELIMITED\nschema: Persistence{columns=[`K` STRUCT<`F` DOUBLE> KEY], features=[]}\nreason: The 'DELIMITED' format does not support type 'STRUCT', column: `K`",
    );
    expect(() => serde('DELIMITED', [col('V', T.INTEGER)], { wrapSingleValue: true })).toThrow(
      "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
    );
  });
});

describe('KAFKA', () => {
  it('encodes INTEGER, BIGINT, DOUBLE big-endian, STRING UTF-8, BYTES raw', () => {
    const i = serde('KAFKA', [col('V', T.INTEGER)]);
    expect(i.serialize([258])).toEqual(Buffer.from([0, 0, 1, 2]));
    expect(i.deserialize(Buffer.from([255, 255, 255, 254]))).toEqual([-2]);
    const l = serde('KAFKA', [col('V', T.BIGINT)]);
    expect(l.deserialize(l.serialize([-9000000000]))).toEqual([-9000000000]);
    expect(l.serialize([1])).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    const d = serde('KAFKA', [col('V', T.DOUBLE)]);
    expect(d.serialize([1.5])).toEqual(Buffer.from([0x3f, 0xf8, 0, 0, 0, 0, 0, 0]));
    expect(d.deserialize(d.serialize([2.25]))).toEqual([2.25]);
    const s = serde('KAFKA', [col('K', T.STRING, 'KEY')], {}, true);
    expect(s.deserialize(buf(''))).toEqual(['']);
    expect(text(s.serialize(['héllo']))).toBe('héllo');
    const b = serde('KAFKA', [col('V', T.BYTES)]);
    expect(b.deserialize(Buffer.from([1, 2]))).toEqual([Buffer.from([1, 2])]);
  });

  it('null values are null bytes; size mismatches fail', () => {
    const i = serde('KAFKA', [col('V', T.INTEGER)]);
    expect(i.serialize([null])).toBeNull();
    expect(i.deserialize(null)).toBeNull();
    expect(() => i.deserialize(Buffer.from([1, 2]))).toThrow('Size of data received by IntegerDeserializer is not 4');
  });

  it('rejects unsupported types and several columns', () => {
    expect(() => serde('KAFKA', [col('K', T.BOOLEAN, 'KEY')], {}, true)).toThrow(
      "Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` BOOLEAN KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'BOOLEAN'",
    );
    expect(() => serde('KAFKA', [col('V', T.decimal(2, 1))])).toThrow("The 'KAFKA' format does not support type 'DECIMAL'");
    expect(() => serde('KAFKA', [col('V0', T.INTEGER), col('V1', T.STRING)])).toThrow(
      "The 'KAFKA' format only supports a single field. Got: [`V0` INTEGER, `V1` STRING]",
    );
  });

  it('with no columns (keyless stream) ignores the bytes', () => {
    const k = serde('KAFKA', [], {}, true);
    expect(k.deserialize(buf('ignored'))).toEqual([]);
    expect(k.serialize([])).toBeNull();
  });
});

describe('NONE and unsupported formats', () => {
  it('NONE has no columns', () => {
    const n = serde('NONE', [], {}, true);
    expect(n.serialize([])).toBeNull();
    expect(n.deserialize(buf('data that should be ignored'))).toEqual([]);
    expect(() => serde('NONE', [col('K', T.STRING, 'KEY')], {}, true)).toThrow(
      "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]",
    );
    expect(() => serde('NONE', [col('FOO', T.INTEGER)])).toThrow('Got: [`FOO` INTEGER]');
  });

});

describe('formatFromProperties', () => {
  it('defaults: key KAFKA, value required', () => {
    expect(formatFromProperties({ VALUE_FORMAT: 'json' })).toEqual({ keyFormat: 'KAFKA', valueFormat: 'JSON', keyOptions: {}, valueOptions: {} });
    expect(() => formatFromProperties({})).toThrow("Statement is missing the 'VALUE_FORMAT' property from the WITH clause.");
    expect(formatFromProperties({}, { valueFormat: 'JSON', keyFormat: 'JSON' }).keyFormat).toBe('JSON');
  });

  it('FORMAT sets both and cannot be combined', () => {
    expect(formatFromProperties({ FORMAT: 'Delimited' })).toMatchObject({ keyFormat: 'DELIMITED', valueFormat: 'DELIMITED' });
    expect(() => formatFromProperties({ FORMAT: 'KAFKA', VALUE_FORMAT: 'JSON' })).toThrow(
      "Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.",
    );
    expect(() => formatFromProperties({ FORMAT: 'KAFKA', KEY_FORMAT: 'JSON' })).toThrow("Cannot supply both 'KEY_FORMAT' and 'FORMAT'");
    expect(() => formatFromProperties({ VALUE_FORMAT: 'FOO' })).toThrow('Unknown format: FOO');
  });

  it('delimiters and wrapping', () => {
    const spec = formatFromProperties({ FORMAT: 'DELIMITED', KEY_DELIMITER: ';', VALUE_DELIMITER: 'tab' });
    expect(spec.keyOptions).toEqual({ delimiter: ';' });
    expect(spec.valueOptions).toEqual({ delimiter: 'TAB' });
    expect(() => formatFromProperties({ VALUE_FORMAT: 'DELIMITED', VALUE_DELIMITER: '<~>' })).toThrow(
      "Configuration VALUE_DELIMITER is invalid: Invalid delimiter value: '<~>'. Delimiter must be a single character or TAB,SPACE\nExample valid value: ';'",
    );
    expect(() => formatFromProperties({ VALUE_FORMAT: 'DELIMITED', VALUE_DELIMITER: '\t' })).toThrow('Delimiter cannot be empty');
    expect(formatFromProperties({ VALUE_FORMAT: 'JSON', WRAP_SINGLE_VALUE: false }).valueOptions).toEqual({ wrapSingleValue: false });
    expect(formatFromProperties({ VALUE_FORMAT: 'JSON' }, { wrapSingleValues: false }).valueOptions).toEqual({ defaultWrapSingleValue: false });
  });

  it('C*AS inherits the source formats and delimiters unless overridden', () => {
    const source = formatFromProperties({ VALUE_FORMAT: 'DELIMITED', VALUE_DELIMITER: '|' });
    expect(formatFromProperties({}, { inherit: source })).toEqual(source);
    expect(formatFromProperties({ KEY_FORMAT: 'JSON' }, { inherit: source })).toMatchObject({ keyFormat: 'JSON', valueFormat: 'DELIMITED', valueOptions: { delimiter: '|' } });
    expect(formatFromProperties({ FORMAT: 'JSON' }, { inherit: source }).valueOptions).toEqual({});
  });
});

describe('number text helpers', () => {
  it('javaDouble matches Double.toString', () => {
    expect(javaDouble(1)).toBe('1.0');
    expect(javaDouble(-0)).toBe('-0.0');
    expect(javaDouble(0.001)).toBe('0.001');
    expect(javaDouble(0.0001)).toBe('1.0E-4');
    expect(javaDouble(1234567.5)).toBe('1234567.5');
    expect(javaDouble(12345678)).toBe('1.2345678E7');
    expect(javaDouble(22026.465794806718)).toBe('22026.465794806718');
  });

  it('jsonNumberText matches BigDecimal.toString', () => {
    expect(jsonNumberText('0.0000001')).toBe('1E-7');
    expect(jsonNumberText('0.000001')).toBe('0.000001');
    expect(jsonNumberText('-1.5e2')).toBe('-1.5E+2');
    expect(jsonNumberText('12e-1')).toBe('1.2');
    expect(jsonNumberText('-0')).toBe('0');
  });
});

describe('int64 helpers', () => {
  it('agree with the BigInt encoding across the safe range and fall back beyond it', () => {
    const values = [0, -0, 1, -1, 255, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32) - 1, 1704067200000, -1704067200123, 2 ** 53 - 1, -(2 ** 53), 2 ** 53, -(2 ** 60)];
    for (const v of values) {
      const mine = Buffer.alloc(8);
      const ref = Buffer.alloc(8);
      writeInt64BE(mine, v, 0);
      ref.writeBigInt64BE(BigInt(v), 0);
      expect(mine.equals(ref), String(v)).toBe(true);
      expect(readInt64BE(ref, 0)).toBe(Number(ref.readBigInt64BE(0)));
    }
    const max = Buffer.from('7fffffffffffffff', 'hex');
    expect(readInt64BE(max, 0)).toBe(Number(max.readBigInt64BE(0)));
    expect(() => writeInt64BE(Buffer.alloc(8), 1.5, 0)).toThrow();
  });
});

describe('JSON fast paths', () => {
  it('quotes strings by hand only when JSON.stringify would write the same', () => {
    const s = serde('JSON', [col('S', T.STRING)]);
    for (const v of ['plain', '', 'quote"', 'back\\slash', 'tab\t', '\u0001', 'é ü', '😀', '\ud800lone', 'del\u007f', '</script>']) {
      expect(text(s.serialize([v]))).toBe(`{"S":${JSON.stringify(v)}}`);
    }
  });

  it('matches case-insensitive field names whatever the key order of successive records', () => {
    const s = serde('JSON', [col('A', T.INTEGER), col('B', T.STRING)]);
    const read = (json: string) => s.deserialize(buf(json));
    expect(read('{"a":1,"b":"x"}')).toEqual([1, 'x']);
    expect(read('{"b":"y","a":2}')).toEqual([2, 'y']);
    expect(read('{"a":3,"b":"z"}')).toEqual([3, 'z']);
    // The last key whose upper-case form matches wins; an exact name wins over both.
    expect(read('{"a":4,"b":"w","A":5}')).toEqual([5, 'w']);
    expect(read('{"a":6,"b":"v"}')).toEqual([6, 'v']);
    expect(read('{"x":7,"b":"u"}')).toEqual([null, 'u']);
    expect(read('{"a":8,"b":"t"}')).toEqual([8, 't']);
  });
});
