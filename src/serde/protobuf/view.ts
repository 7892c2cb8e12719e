/**
 * How Connect's ProtobufData sees a Protobuf message (toConnectSchema / toConnectData), which is
 * what ksqlDB infers columns from and reads records through:
 * - int32/sint32/sfixed32 are INT32; uint32/fixed32 and every 64-bit integer are INT64; float is
 *   FLOAT32; enums are STRING (the constant's name);
 * - confluent.type.Decimal, google.type.Date, google.type.TimeOfDay and google.protobuf.Timestamp
 *   are DECIMAL, DATE, TIME and TIMESTAMP;
 * - google.protobuf wrappers are their scalar when primitives are unwrapped (unwrapPrimitives) or
 *   nullables are wrappers, otherwise a struct with a `value` field;
 * - repeated fields are arrays, repeated `...Entry {key, value}` messages maps, other messages
 *   structs, and a oneof is one struct field named after it with a field per member;
 * - an absent field reads as null when it has presence (a message, a proto3 `optional` field, a
 *   oneof member), otherwise as its default (0, "", false, empty bytes, the first enum constant,
 *   empty array / map).
 */
import {
  DATE_TYPE, DECIMAL_TYPE, TIME_TYPE, TIMESTAMP_TYPE, WRAPPERS, fieldMetaParams, isMapEntry, isRepeated,
  type ProtoEnum, type ProtoField, type ProtoMessage, type ProtoOneof, type ScalarType,
} from './model.js';

export interface ViewOptions {
  /** Wrapper messages read as their scalar (ksqlDB's unwrapPrimitives or the wrapper representation). */
  readonly unwrapWrappers: boolean;
}

/** Connect's type names, as ksqlDB's type-mismatch errors print them. */
export type ConnectType = 'int32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'string' | 'bytes' | 'array' | 'map' | 'struct';

export type View =
  /** `wrapper`: on the wire a google.protobuf wrapper message holding the scalar in field 1. */
  | { readonly k: 'scalar'; readonly scalar: ScalarType; readonly wrapper: boolean }
  | { readonly k: 'enum'; readonly e: ProtoEnum }
  | { readonly k: 'decimal'; readonly precision: number | undefined; readonly scale: number }
  | { readonly k: 'date' }
  | { readonly k: 'time' }
  | { readonly k: 'timestamp' }
  | { readonly k: 'array'; readonly elem: View }
  | { readonly k: 'map'; readonly entry: ProtoMessage; readonly key: View; readonly value: View }
  | { readonly k: 'struct'; readonly msg: ProtoMessage }
  | { readonly k: 'union'; readonly oneof: ProtoOneof };

export interface ViewField {
  readonly name: string;
  readonly view: View;
  /** The field (undefined for a oneof's struct). */
  readonly field: ProtoField | undefined;
  /** Absent reads as null (true) or as the type's default (false). */
  readonly nullWhenAbsent: boolean;
}

export function connectType(v: View): ConnectType {
  switch (v.k) {
    case 'scalar':
      return scalarConnectType(v.scalar);
    case 'enum':
      return 'string';
    case 'decimal':
      return 'bytes';
    case 'date':
    case 'time':
      return 'int32';
    case 'timestamp':
      return 'int64';
    case 'array':
      return 'array';
    case 'map':
      return 'map';
    case 'struct':
    case 'union':
      return 'struct';
  }
}

export function scalarConnectType(s: ScalarType): ConnectType {
  switch (s) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return 'int32';
    case 'float':
      return 'float32';
    case 'double':
      return 'float64';
    case 'bool':
      return 'boolean';
    case 'string':
      return 'string';
    case 'bytes':
      return 'bytes';
    default:
      return 'int64';
  }
}

/** The view of a message used as a record: a struct, or a scalar for a wrapper when unwrapping. */
export function messageView(m: ProtoMessage, opts: ViewOptions): View {
  const scalar = WRAPPERS[m.fullName];
  if (scalar !== undefined && opts.unwrapWrappers) return { k: 'scalar', scalar, wrapper: true };
  return { k: 'struct', msg: m };
}

/** The view of a field's type (repeated fields as arrays, maps as maps). */
export function fieldView(f: ProtoField, opts: ViewOptions): View {
  const single = singleView(f, opts);
  if (isRepeated(f) && single.k !== 'map') return { k: 'array', elem: single };
  return single;
}

function singleView(f: ProtoField, opts: ViewOptions): View {
  if (f.scalar !== undefined) return { k: 'scalar', scalar: f.scalar, wrapper: false };
  if (f.enumType !== undefined) return { k: 'enum', e: f.enumType };
  const m = f.message!;
  switch (m.fullName) {
    case DECIMAL_TYPE: {
      const params = fieldMetaParams(f);
      const precision = parseIntOr(params.get('precision'));
      return { k: 'decimal', precision, scale: parseIntOr(params.get('scale')) ?? 0 };
    }
    case DATE_TYPE:
      return { k: 'date' };
    case TIME_TYPE:
      return { k: 'time' };
    case TIMESTAMP_TYPE:
      return { k: 'timestamp' };
  }
  if (isRepeated(f) && isMapEntry(m)) {
    const [key, value] = m.fields as [ProtoField, ProtoField];
    return { k: 'map', entry: m, key: fieldView(key, opts), value: fieldView(value, opts) };
  }
  return messageView(m, opts);
}

function parseIntOr(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s.trim())) return undefined;
  return parseInt(s, 10);
}

const FIELDS_CACHE = new WeakMap<ProtoMessage, Map<boolean, ViewField[]>>();

/** A message's fields as Connect orders them: its oneofs first, then the other fields. */
export function structFields(m: ProtoMessage, opts: ViewOptions): ViewField[] {
  let byOpts = FIELDS_CACHE.get(m);
  if (!byOpts) FIELDS_CACHE.set(m, (byOpts = new Map()));
  const cached = byOpts.get(opts.unwrapWrappers);
  if (cached) return cached;
  const out: ViewField[] = [];
  for (const o of m.oneofs) {
    if (o.fields.length > 0) out.push({ name: o.name, view: { k: 'union', oneof: o }, field: undefined, nullWhenAbsent: true });
  }
  for (const f of m.fields) {
    const view = fieldView(f, opts);
    const hasPresence = !isRepeated(f) && (f.message !== undefined || f.proto3Optional);
    out.push({ name: f.name, view, field: f, nullWhenAbsent: hasPresence });
  }
  byOpts.set(opts.unwrapWrappers, out);
  return out;
}

/** A oneof's members, each null unless it is the one set. */
export function unionFields(o: ProtoOneof, opts: ViewOptions): ViewField[] {
  return o.fields.map((f) => ({ name: f.name, view: fieldView(f, opts), field: f, nullWhenAbsent: true }));
}

/** The proto2 `[default = ...]` of a field, if any. */
export function explicitDefault(f: ProtoField): string | undefined {
  const o = f.options.find((x) => x.name === 'default');
  if (!o) return undefined;
  return o.value.kind === 'string' ? o.value.value : o.value.kind === 'number' || o.value.kind === 'ident' ? o.value.text : undefined;
}
