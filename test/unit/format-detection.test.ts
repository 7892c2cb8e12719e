/** PRINT's format guessing and record text, byte for byte (ksqlDB's RecordFormatterTest cases and more). */
import { describe, expect, it } from 'vitest';
import { FormatDetector, SchemaCache, kafkaBytesText, NO_DATA_PROCESSED } from '../../src/serde/format-detection.js';
import { jacksonRead } from '../../src/serde/record-text-json.js';
import { frame } from '../../src/serde/confluent-wire.js';
import type { RegisteredSchema, SchemaCatalog } from '../../src/registry/schema.js';

function catalogOf(...schemas: RegisteredSchema[]): SchemaCatalog {
  return { byId: (id) => schemas.find((s) => s.id === id), idOf: () => undefined, reference: () => undefined };
}

const PROTO = `syntax = "proto3";
message Rec {
  string name = 1;
  int32 n = 2;
  repeated int64 xs = 3;
  Inner inner = 4;
  map<string, int32> m = 5;
  Color color = 6;
  message Inner { double d = 1; }
  enum Color { RED = 0; GREEN = 1; }
}`;

/** Protobuf wire helpers. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const tag = (field: number, wt: number) => varint((field << 3) | wt);
const len = (field: number, bytes: number[]) => [...tag(field, 2), ...varint(bytes.length), ...bytes];
const str = (s: string) => [...Buffer.from(s)];

describe('format detection', () => {
  it('values: JSON, KAFKA_* and nothing at all', () => {
    const d = new FormatDetector(new SchemaCache(catalogOf()), false);
    expect(d.possibleFormats()).toEqual([NO_DATA_PROCESSED]);
    expect(d.format(null)).toBe('<null>');
    expect(d.possibleFormats()).toEqual([NO_DATA_PROCESSED]);
    expect(d.format(Buffer.from('24.987'))).toBe('24.987');
    expect(d.possibleFormats()).toEqual(['JSON', 'KAFKA_STRING']);
    expect(d.format(Buffer.from('{"a": 1}  '))).toBe('{"a": 1}  ');
    expect(d.format(Buffer.from('not json'))).toBe('not json');
    expect(d.possibleFormats()).toEqual(['KAFKA_STRING']);
    expect(d.format(Buffer.from([0xff, 0x5c, 0x20]))).toBe('\\xFF\\x5C ');
    expect(d.possibleFormats()).toEqual([]);
  });

  it('keys in windows: time windows show no end, session windows do; negative starts are no window', () => {
    const key = Buffer.alloc(12);
    key.writeInt32BE(24, 0);
    key.writeBigInt64BE(1234567890123n, 4);
    const d = new FormatDetector(new SchemaCache(catalogOf()), true);
    expect(d.format(key)).toBe('[24@1234567890123/-]');
    // 00 00 00 18 is UTF-8 text too.
    expect(d.possibleFormats()).toEqual(['HOPPING(KAFKA_INT)', 'TUMBLING(KAFKA_INT)', 'HOPPING(KAFKA_STRING)', 'TUMBLING(KAFKA_STRING)']);
    const negative = Buffer.alloc(12, 0xff);
    const d2 = new FormatDetector(new SchemaCache(catalogOf()), true);
    d2.format(negative);
    expect(d2.possibleFormats()).not.toContain('TUMBLING(KAFKA_INT)');
  });

  it('AVRO: records as GenericData.toString, a top-level string bare; needs the registry id', () => {
    const record: RegisteredSchema = { id: 1, schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 's', type: 'string' }, { name: 'o', type: ['null', 'double'] }, { name: 'a', type: { type: 'array', items: 'int' } }] }) };
    const plain: RegisteredSchema = { id: 2, schemaType: 'AVRO', schema: '"string"' };
    const cache = new SchemaCache(catalogOf(record, plain));
    // s="x\"y", o=1.0 (union branch 1), a=[1, 2]
    const body = Buffer.from([0x06, 0x78, 0x22, 0x79, 0x02, ...Buffer.from(new Float64Array([1]).buffer), 0x04, 0x02, 0x04, 0x00]);
    const d = new FormatDetector(cache, false);
    expect(d.format(frame(1, body))).toBe('{"s": "x\\"y", "o": 1.0, "a": [1, 2]}');
    expect(d.possibleFormats()[0]).toBe('AVRO');
    expect(new FormatDetector(cache, false).format(frame(2, Buffer.from([0x04, 0x68, 0x69])))).toBe('hi');
    const unknown = new FormatDetector(cache, false);
    unknown.format(frame(9, body));
    expect(unknown.possibleFormats()).not.toContain('AVRO');
  });

  it('PROTOBUF: the short debug string, defaults omitted, nested, repeated, maps by key, enums by name', () => {
    const cache = new SchemaCache(catalogOf({ id: 3, schemaType: 'PROTOBUF', schema: PROTO }));
    const body = [
      ...len(1, str('é')),
      ...tag(2, 0), 0, // n = 0: the default, not shown
      ...len(3, [...varint(5), ...varint(7)]), // packed xs
      ...len(4, [...tag(1, 1), ...Buffer.from(new Float64Array([2.5]).buffer)]),
      ...len(5, [...len(1, str('b')), ...tag(2, 0), 2]),
      ...len(5, [...len(1, str('a')), ...tag(2, 0), 1]),
      ...tag(6, 0), 1,
    ];
    const bytes = Buffer.concat([frame(3, Buffer.from([0])), Buffer.from(body)]);
    const text = new FormatDetector(cache, false).format(bytes);
    expect(text).toBe('name: "\\303\\251" xs: 5 xs: 7 inner { d: 2.5 } m { key: "a" value: 1 } m { key: "b" value: 2 } color: GREEN');
  });

  it("JSON as Jackson reads it: one value, trailing text ignored, a root number must end in space", () => {
    expect(jacksonRead('{ "a" : [1, 2.50, "\\u00e9"] } trailing')).toBe('{"a":[1,2.5,"é"]}');
    expect(jacksonRead('  ')).toBe('');
    expect(() => jacksonRead('12x')).toThrow();
    expect(jacksonRead('12 x')).toBe('12');
    expect(() => jacksonRead('truex')).toThrow();
    expect(() => jacksonRead("{'a': 1}")).toThrow();
    expect(jacksonRead('1e7')).toBe('1.0E7');
    expect(kafkaBytesText(Buffer.from([0x00, 0x41, 0x7f]))).toBe('\\x00A\\x7F');
  });
});
