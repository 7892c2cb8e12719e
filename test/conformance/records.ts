/**
 * Moving vector records in and out of the log: encoding inputs as a producer for the source's
 * formats would, and decoding outputs into the JSON shape the vectors use. Shared by the query and
 * REST runners.
 */
import type { Engine } from '../../src/engine/engine.js';
import type { DataSource } from '../../src/engine/metastore.js';
import type { LogRecord } from '../../src/storage/log/log.js';
import { createSerde } from '../../src/serde/index.js';
import { Decimal } from '../../src/types/decimal.js';
import { parseExact } from '../../src/serde/json-exact.js';
import { joinWindowedKey, splitWindowedKey, type WindowKind } from '../../src/serde/windowed.js';
import type { VectorRecord } from './vectors.js';
import { decodeWithSchema, encodeWithSchema, sourceSchemaFormat } from './schemas.js';

export async function ensureTopic(engine: Engine, name: string, partitions: number): Promise<void> {
  if (!(await engine.log.describeTopic(name))) await engine.log.createTopic(name, { partitions });
}

/**
 * Produce a case's inputs: all to partition 0, as ksqlDB's query-test harness does; or, `byKey`, to
 * the partition of their key, as its REST-test harness's Kafka producer does.
 */
export async function produce(engine: Engine, inputs: readonly VectorRecord[], byKey = false): Promise<void> {
  for (const i of inputs) {
    const source = engine.metastore.sourcesForTopic(i.topic)[0];
    await ensureTopic(engine, i.topic, 4);
    await engine.log.append(i.topic, [
      {
        key: encodeKey(engine, i, source),
        value: i.value === null ? null : encode(engine, i.value, source, false),
        timestamp: i.timestamp ?? 0,
        headers: (i.headers ?? []).map((h) => ({ key: h.KEY, value: h.VALUE === null ? null : Buffer.from(h.VALUE, 'base64') })),
        ...(byKey ? {} : { partition: 0 }),
      },
    ]);
  }
}

export function encodeKey(engine: Engine, i: VectorRecord, source: DataSource | undefined): Buffer | null {
  const key = i.key === undefined || i.key === null ? null : encode(engine, i.key, source, true);
  if (!i.window) return key;
  const kind: WindowKind = source?.window?.type ?? (i.window.type.toLowerCase() === 'session' ? 'SESSION' : 'TUMBLING');
  return joinWindowedKey(key, kind, i.window);
}

/** Encode a vector's JSON key/value as the bytes a producer would write for the source's format. */
export function encode(engine: Engine, v: unknown, source: DataSource | undefined, isKey: boolean): Buffer | null {
  const sr = sourceSchemaFormat(source, isKey);
  if (sr) return encodeWithSchema(engine, sr, v, source!, isKey);
  const format = source ? (isKey ? source.keyFormat : source.valueFormat) : typeof v === 'string' ? 'KAFKA' : 'JSON';
  switch (format) {
    case 'DELIMITED':
      return Buffer.from(typeof v === 'string' ? v : String(v));
    case 'KAFKA': {
      const cols = source ? (isKey ? source.schema.key : source.schema.value) : [];
      const col = cols[0];
      if (!col) return typeof v === 'string' ? Buffer.from(v) : Buffer.from(JSON.stringify(v));
      const serde = createSerde('KAFKA', [col], {}, isKey);
      let value: unknown = v;
      if (col.type.kind === 'BYTES' && typeof v === 'string') value = Buffer.from(v, 'base64');
      else if (col.type.kind === 'STRING' && typeof v !== 'string') value = JSON.stringify(v);
      else if ((col.type.kind === 'INTEGER' || col.type.kind === 'BIGINT' || col.type.kind === 'DOUBLE') && typeof v === 'string') value = Number(v);
      if (col.type.kind === 'INTEGER' && typeof value === 'number' && !Number.isInteger(value)) return Buffer.from(String(v));
      return serde.serialize([value]);
    }
    case 'NONE':
      return null;
    default:
      return Buffer.from(JSON.stringify(v));
  }
}

/** Decode output bytes into the JSON shape vectors use. */
export function decode(engine: Engine, b: Buffer | null, source: DataSource | undefined, isKey: boolean): unknown {
  if (b === null) return null;
  const sr = sourceSchemaFormat(source, isKey);
  if (sr) return decodeWithSchema(engine, sr, b, source!, isKey);
  const format = source ? (isKey ? source.keyFormat : source.valueFormat) : 'JSON';
  switch (format) {
    case 'DELIMITED':
      return b.toString('utf8');
    case 'KAFKA': {
      const cols = source ? (isKey ? source.schema.key : source.schema.value) : [];
      if (cols.length !== 1) return b.toString('utf8');
      const v = createSerde('KAFKA', cols, {}, isKey).deserialize(b)?.[0];
      return Buffer.isBuffer(v) ? v.toString('base64') : v instanceof Decimal ? v.toNumber() : v;
    }
    case 'NONE':
      return null;
    default:
      try {
        // Numbers keep their text, so a DECIMAL's scale can be compared (3.40 is not 3.4).
        return parseExact(b.toString('utf8'));
      } catch {
        return b.toString('utf8');
      }
  }
}

/** Split a windowed key into its key bytes and window, per the sink's window type. */
export function unwindow(r: LogRecord, source: DataSource | undefined): { key: Buffer | null; window?: { start: number; end: number; type: string } } {
  if (!source?.window || r.key === null) return { key: r.key };
  const { key, window } = splitWindowedKey(r.key, source.window.type, source.window.sizeMs);
  return { key: key.length === 0 ? null : key, window: { ...window, type: source.window.type === 'SESSION' ? 'session' : 'time' } };
}
