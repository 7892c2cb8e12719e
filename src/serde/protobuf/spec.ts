/**
 * Test vectors and PRINT: JSON values ("specs") ↔ Protobuf records, as ksqlDB's test harness
 * converts them (SpecToConnectConverter through Connect's ProtobufData): spec fields match schema
 * fields case-insensitively (unknown ones ignored), numbers and strings are read with Java's
 * valueOf, BYTES from base64, DECIMAL from numbers or strings set to the field's scale; decoded
 * records are objects keyed by the schema's field names, decimals numbers, BYTES base64 (no
 * bytes as null), maps objects. Wrapper fields are their bare values both ways.
 */
import type { SchemaCatalog, SchemaText } from '../../registry/schema.js';
import { Decimal } from '../../types/decimal.js';
import type { SqlType, StructField } from '../../types/sql-type.js';
import { UnknownSchemaError, frame, schemaIdOf, writeMessageIndexes } from '../confluent-wire.js';
import { SerdeError, type FormatOptions } from '../serde.js';
import { chooseMessage, structTargets, viewSqlType } from './infer.js';
import { framedMessage, loadSchema, type LoadedSchema } from './load.js';
import type { ProtoMessage } from './model.js';
import { compileRowDecoder, compileValueDecoder } from './reader.js';
import { messageView, type ViewOptions } from './view.js';
import { WireWriter } from './wire.js';
import { compileRowEncoder, compileValueEncoder } from './writer.js';

const SPEC_VIEW: ViewOptions = { unwrapWrappers: true };

export function encodeSpec(spec: unknown, schema: SchemaText, id: number | undefined, catalog: SchemaCatalog, options?: FormatOptions): Buffer {
  if (spec === null || spec === undefined) throw new SerdeError('A null record is a tombstone: it has no Protobuf encoding');
  const loaded = loadSchema(schema, catalog);
  const msg = options?.fullSchemaName ? chooseMessage(loaded, options.fullSchemaName) : bestFit(loaded, spec);
  const w = new WireWriter();
  const root = messageView(msg, SPEC_VIEW);
  if (root.k === 'struct') {
    const fields = structTargets(msg, SPEC_VIEW, false);
    const values = structFromSpec(spec, fields);
    compileRowEncoder(msg, fields, SPEC_VIEW, 'name')(fields.map((f) => values[f.name]), w);
  } else {
    const type = viewSqlType(root, SPEC_VIEW);
    compileValueEncoder(msg, type, SPEC_VIEW)(fromSpec(spec, type), w);
  }
  const body = w.finish();
  if (id === undefined) return body;
  return frame(id, Buffer.concat([writeMessageIndexes(loaded.indexesOf(msg)), body]));
}

export function decodeSpec(bytes: Buffer, catalog: SchemaCatalog, unframed?: SchemaText, options?: FormatOptions): unknown {
  let loaded: LoadedSchema;
  let msg: ProtoMessage;
  let start = 0;
  if (unframed) {
    loaded = loadSchema(unframed, catalog);
    msg = chooseMessage(loaded, options?.fullSchemaName);
  } else {
    const id = schemaIdOf(bytes);
    const schema = catalog.byId(id);
    if (!schema) throw new UnknownSchemaError(id);
    loaded = loadSchema(schema, catalog);
    ({ msg, offset: start } = framedMessage(loaded, bytes));
  }
  const root = messageView(msg, SPEC_VIEW);
  if (root.k !== 'struct') {
    const type = viewSqlType(root, SPEC_VIEW);
    const out: unknown[] = [null];
    compileValueDecoder(msg, type, SPEC_VIEW)(bytes, start, bytes.length, out, 0);
    return toSpec(out[0], type);
  }
  const fields = structTargets(msg, SPEC_VIEW, false);
  const out = new Array<unknown>(fields.length);
  compileRowDecoder(msg, fields, SPEC_VIEW)(bytes, start, bytes.length, out, 0);
  const record: Record<string, unknown> = {};
  fields.forEach((f, i) => (record[f.name] = toSpec(out[i], f.type)));
  return record;
}

/**
 * Without a full schema name: the top-level message whose fields (case-insensitively, with
 * values of their types) the spec's keys match best, then the one it leaves fewest fields of
 * unset, then the first. A caller knowing the topic's full schema name should pass it.
 */
function bestFit(loaded: LoadedSchema, spec: unknown): ProtoMessage {
  const first = loaded.first();
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return first;
  const keys = Object.keys(spec).map((k) => k.toUpperCase());
  let best = first;
  let bestScore = -Infinity;
  for (const t of loaded.root.types) {
    if (t.kind !== 'message' || messageView(t, SPEC_VIEW).k !== 'struct') continue;
    let score: number;
    try {
      const fields = structTargets(t, SPEC_VIEW, false);
      structFromSpec(spec, fields);
      const names = new Set(fields.map((f) => f.name.toUpperCase()));
      const specKeys = new Set(keys);
      // ties go to the message with fewer fields the spec leaves out
      score = keys.reduce((n, k) => n + (names.has(k) ? 1 : -1), 0) - 0.001 * [...names].filter((n) => !specKeys.has(n)).length;
    } catch {
      score = -keys.length - 1;
    }
    if (score > bestScore) {
      best = t;
      bestScore = score;
    }
  }
  return best;
}

function structFromSpec(spec: unknown, fields: readonly StructField[]): Record<string, unknown> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new SerdeError(`Expected an object for a Protobuf message, got ${JSON.stringify(spec)}`);
  const byUpper = new Map(fields.map((f) => [f.name.toUpperCase(), f]));
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = null;
  for (const [k, v] of Object.entries(spec)) {
    const f = byUpper.get(k.toUpperCase());
    if (f) out[f.name] = fromSpec(v, f.type);
  }
  return out;
}

function fromSpec(spec: unknown, t: SqlType): unknown {
  if (spec === null || spec === undefined) return null;
  const text = typeof spec === 'string' ? spec : typeof spec === 'object' ? JSON.stringify(spec) : String(spec);
  switch (t.kind) {
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return javaInt(text, 32);
    case 'BIGINT':
    case 'TIMESTAMP':
      return javaInt(text, 64);
    case 'DOUBLE': {
      const n = Number(text.trim());
      if (Number.isNaN(n) && text.trim() !== 'NaN') throw new SerdeError(`For input string: "${text}"`);
      return n;
    }
    case 'BOOLEAN':
      return text.toLowerCase() === 'true';
    case 'STRING':
      return text;
    case 'BYTES':
      return typeof spec === 'string' ? Buffer.from(spec, 'base64') : Buffer.from(text);
    case 'DECIMAL': {
      const d = typeof spec === 'number' ? Decimal.fromNumber(spec) : Decimal.parse(text);
      const r = d.setScale(t.scale);
      if (typeof spec === 'number' && r.compareTo(d) !== 0) throw new SerdeError(`Cannot fit decimal '${d.toString()}' into DECIMAL(${t.precision}, ${t.scale}) without rounding.`);
      return r;
    }
    case 'ARRAY':
      if (!Array.isArray(spec)) throw new SerdeError(`Expected an array, got ${text}`);
      return spec.map((e) => fromSpec(e, t.element));
    case 'MAP': {
      if (typeof spec !== 'object' || Array.isArray(spec)) throw new SerdeError(`Expected an object for a map, got ${text}`);
      const m = new Map<unknown, unknown>();
      for (const [k, v] of Object.entries(spec as Record<string, unknown>)) m.set(fromSpec(k, t.key), fromSpec(v, t.value));
      return m;
    }
    case 'STRUCT':
      return structFromSpec(spec, t.fields);
    default:
      return spec;
  }
}

function javaInt(text: string, bits: 32 | 64): number {
  if (!/^[+-]?\d+$/.test(text)) throw new SerdeError(`For input string: "${text}"`);
  const n = Number(text);
  const limit = bits === 32 ? 2 ** 31 : 2 ** 63;
  if (n >= limit || n < -limit) throw new SerdeError(`For input string: "${text}"`);
  return n;
}

function toSpec(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'DECIMAL':
      return (v as Decimal).toNumber();
    case 'BYTES': {
      const b = v as Buffer;
      return b.length === 0 ? null : b.toString('base64');
    }
    case 'ARRAY':
      return (v as unknown[]).map((e) => toSpec(e, t.element));
    case 'MAP': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v as Map<unknown, unknown>) o[String(k)] = toSpec(x, t.value);
      return o;
    }
    case 'STRUCT': {
      const o: Record<string, unknown> = {};
      const src = v as Record<string, unknown>;
      for (const f of t.fields) o[f.name] = toSpec(src[f.name], f.type);
      return o;
    }
    default:
      return v;
  }
}
