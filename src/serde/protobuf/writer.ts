/**
 * Compiled encoders: column values → Protobuf bytes of a writer message, as ksqlDB's Connect
 * path writes them. Nulls are absent fields (a proto3 field without presence reads back as its
 * default); proto3 fields without presence omit default values; arrays are repeated fields
 * (numeric ones packed), maps repeated entries, structs nested messages, and DECIMAL, DATE, TIME
 * and TIMESTAMP Confluent's and Google's messages. Columns meet writer fields by name; with a
 * registered writer schema (schema id) nested struct fields meet positionally, as in ksqlDB.
 */
import { Decimal } from '../../types/decimal.js';
import type { SqlType } from '../../types/sql-type.js';
import { isDefaultScalar, scalarWireType, scalarWriter, typeName, unscaledToBytes, ValueTypeError, ymdFromDays, type ScalarWrite } from './convert.js';
import type { ProtoField, ProtoMessage } from './model.js';
import type { Target } from './reader.js';
import { fieldView, messageView, structFields, unionFields, type View, type ViewField, type ViewOptions } from './view.js';
import { WireType, type WireWriter } from './wire.js';

export type RowEncoder = (values: readonly unknown[], w: WireWriter) => void;
type ValueWrite = (w: WireWriter, v: unknown) => void;

/** How columns meet the writer message's fields: by name, or (registered schema) by name at the top and by position below. */
export type Matching = 'name' | 'registered';

interface FieldWrite {
  readonly source: number;
  readonly write: (w: WireWriter, v: unknown) => void;
}

export function compileRowEncoder(msg: ProtoMessage, sources: readonly Target[], opts: ViewOptions, matching: Matching): RowEncoder {
  const c = new EncoderCompiler(opts, matching);
  const fields = structFields(msg, opts);
  const writes: FieldWrite[] = [];
  let missing: string | undefined;
  sources.forEach((s, i) => {
    const f = fields.find((x) => x.name === s.name) ?? (matching === 'name' ? fields.find((x) => x.name.toUpperCase() === s.name) : undefined);
    if (!f) {
      missing ??= s.name;
      return;
    }
    writes.push({ source: i, write: c.field(f, s.type) });
  });
  return (values, w) => {
    if (missing !== undefined) throw new ValueTypeError(`Schema from Schema Registry misses field with name: ${missing}`);
    for (let i = 0; i < writes.length; i++) {
      const x = writes[i]!;
      const v = values[x.source];
      if (v !== null && v !== undefined) x.write(w, v);
    }
  };
}

/** An encoder of one bare value as the whole message (an unwrapped single column). */
export function compileValueEncoder(msg: ProtoMessage, source: SqlType, opts: ViewOptions): (v: unknown, w: WireWriter) => void {
  const view = messageView(msg, { unwrapWrappers: true });
  const c = new EncoderCompiler(opts, 'name');
  if (view.k === 'scalar') {
    const write = scalarWriter(view.scalar);
    const wt = scalarWireType(view.scalar);
    return (v, w) => {
      if (v === null || v === undefined || isDefaultScalar(v)) return;
      w.tag(1, wt);
      write(w, v);
    };
  }
  const body = c.body(view, source);
  return (v, w) => {
    if (v !== null && v !== undefined) body(w, v);
  };
}

class EncoderCompiler {
  constructor(
    private readonly opts: ViewOptions,
    private readonly matching: Matching,
  ) {}

  /** Writes a non-null value of a field (tag included). */
  field(f: ViewField, sql: SqlType): (w: WireWriter, v: unknown) => void {
    const v = f.view;
    if (v.k === 'union') return this.union(f, sql);
    const field = f.field!;
    const num = field.number;
    if (v.k === 'array') {
      const elem = v.elem;
      const elemSql = sql.kind === 'ARRAY' ? sql.element : sql;
      if ((elem.k === 'scalar' && !elem.wrapper) || elem.k === 'enum') {
        const write = elem.k === 'enum' ? this.enumWrite(elem) : scalarWriter(elem.scalar);
        const wt = elem.k === 'enum' ? WireType.VARINT : scalarWireType(elem.scalar);
        if (wt !== WireType.LEN && packed(field)) {
          return (w, x) => {
            const arr = asArray(x);
            if (arr.length === 0) return;
            w.tag(num, WireType.LEN);
            const mark = w.begin();
            for (const e of arr) write(w, notNull(e));
            w.end(mark);
          };
        }
        return (w, x) => {
          for (const e of asArray(x)) {
            w.tag(num, wt);
            write(w, notNull(e));
          }
        };
      }
      const body = this.body(elem, elemSql);
      return (w, x) => {
        for (const e of asArray(x)) {
          w.tag(num, WireType.LEN);
          const mark = w.begin();
          body(w, notNull(e));
          w.end(mark);
        }
      };
    }
    if (v.k === 'map') {
      const entry = v.entry;
      const [kf, vf] = entry.fields as [ProtoField, ProtoField];
      const keyWrite = this.single(kf, fieldView(kf, this.opts), sql.kind === 'MAP' ? sql.key : sql, true);
      const valWrite = this.single(vf, fieldView(vf, this.opts), sql.kind === 'MAP' ? sql.value : sql, false);
      return (w, x) => {
        if (!(x instanceof Map)) throw new ValueTypeError(`Invalid type for MAP: ${typeName(x)}`);
        for (const [k, val] of x) {
          w.tag(num, WireType.LEN);
          const mark = w.begin();
          if (k !== null && k !== undefined) keyWrite(w, k);
          if (val !== null && val !== undefined) valWrite(w, val);
          w.end(mark);
        }
      };
    }
    return this.single(field, v, sql, false);
  }

  private single(field: ProtoField, v: View, sql: SqlType, isMapKey: boolean): (w: WireWriter, x: unknown) => void {
    const num = field.number;
    if ((v.k === 'scalar' && !v.wrapper) || v.k === 'enum') {
      const base = v.k === 'enum' ? this.enumWrite(v) : scalarWriter(v.scalar);
      const write: ScalarWrite = isMapKey && v.k === 'scalar' && v.scalar !== 'string' ? (w, x) => base(w, typeof x === 'string' ? Number(x) : x) : base;
      const wt = v.k === 'enum' ? WireType.VARINT : scalarWireType(v.scalar);
      const presence = field.proto3Optional || field.message !== undefined || field.oneof !== undefined || field.label === 'optional' || field.label === 'required';
      const isDefault = v.k === 'enum' ? (x: unknown) => x === v.e.values.find((e) => e.number === 0)?.name : isDefaultScalar;
      return (w, x) => {
        if (!presence && isDefault(x)) return;
        w.tag(num, wt);
        write(w, x);
      };
    }
    const body = this.body(v, sql);
    return (w, x) => {
      w.tag(num, WireType.LEN);
      const mark = w.begin();
      body(w, x);
      w.end(mark);
    };
  }

  private union(f: ViewField, sql: SqlType): (w: WireWriter, v: unknown) => void {
    if (f.view.k !== 'union') throw new Error('not a union');
    const members = unionFields(f.view.oneof, this.opts);
    const sqlFields = sql.kind === 'STRUCT' ? sql.fields : [];
    const writes = members.map((m) => {
      const s = sqlFields.find((x) => x.name === m.name) ?? sqlFields.find((x) => x.name === m.name.toUpperCase());
      return s ? { key: s.name, write: this.single(m.field!, m.view, s.type, false) } : undefined;
    });
    return (w, x) => {
      const o = x as Record<string, unknown>;
      for (const m of writes) {
        if (!m) continue;
        const val = o[m.key];
        if (val !== null && val !== undefined) return m.write(w, val);
      }
      throw new ValueTypeError('Cannot find non-null field');
    };
  }

  /** Writes the bytes of a message-typed value (no tag, no length). */
  body(v: View, sql: SqlType): ValueWrite {
    switch (v.k) {
      case 'scalar': {
        const write = scalarWriter(v.scalar);
        const wt = scalarWireType(v.scalar);
        return (w, x) => {
          if (isDefaultScalar(x)) return;
          w.tag(1, wt);
          write(w, x);
        };
      }
      case 'decimal':
        return (w, x) => writeDecimal(w, x, v.scale);
      case 'date':
        return (w, x) => {
          const [y, m, d] = ymdFromDays(asNumber(x));
          writeInts(w, [y, m, d]);
        };
      case 'time':
        return (w, x) => {
          const ms = asNumber(x);
          if (ms < 0 || ms > 86_400_000) throw new ValueTypeError('Time values must use number of millis greater than 0 and less than 86400000');
          writeInts(w, [Math.floor(ms / 3_600_000), Math.floor(ms / 60_000) % 60, Math.floor(ms / 1000) % 60, (ms % 1000) * 1_000_000]);
        };
      case 'timestamp':
        return (w, x) => {
          const ms = asNumber(x);
          const seconds = Math.floor(ms / 1000);
          const nanos = (ms - seconds * 1000) * 1_000_000;
          if (seconds !== 0) {
            w.tag(1, WireType.VARINT);
            w.int64(seconds);
          }
          if (nanos !== 0) {
            w.tag(2, WireType.VARINT);
            w.int32(nanos);
          }
        };
      case 'struct':
        return this.struct(v.msg, sql);
      default:
        throw new ValueTypeError(`Cannot write a ${v.k} as a message`);
    }
  }

  private struct(msg: ProtoMessage, sql: SqlType): ValueWrite {
    let compiled: { key: string; write: (w: WireWriter, v: unknown) => void }[] | undefined;
    const compile = () => {
      const fields = structFields(msg, this.opts);
      const sqlFields = sql.kind === 'STRUCT' ? sql.fields : [];
      const out: { key: string; write: (w: WireWriter, v: unknown) => void }[] = [];
      fields.forEach((f, i) => {
        const s = this.matching === 'registered' ? sqlFields[i] : (sqlFields.find((x) => x.name === f.name) ?? sqlFields.find((x) => x.name === f.name.toUpperCase()));
        if (s) out.push({ key: s.name, write: this.field(f, s.type) });
      });
      return out;
    };
    return (w, x) => {
      if (typeof x !== 'object' || x === null) throw new ValueTypeError(`Invalid type for STRUCT: ${typeName(x)}`);
      compiled ??= compile();
      const o = x as Record<string, unknown>;
      for (const f of compiled) {
        const val = o[f.key];
        if (val !== null && val !== undefined) f.write(w, val);
      }
    };
  }

  private enumWrite(v: Extract<View, { k: 'enum' }>): ScalarWrite {
    const numbers = new Map(v.e.values.map((e) => [e.name, e.number]));
    return (w, x) => {
      const n = typeof x === 'string' ? numbers.get(x) : undefined;
      if (n === undefined) throw new ValueTypeError(`Invalid enum value ${String(x)} for ${v.e.fullName}`);
      w.int32(n);
    };
  }
}

function packed(f: ProtoField): boolean {
  const o = f.options.find((x) => x.name === 'packed');
  if (o && o.value.kind === 'ident') return o.value.text === 'true';
  return f.message === undefined && (f.enumType !== undefined || f.scalar !== undefined) && !proto2(f);
}

function proto2(f: ProtoField): boolean {
  return f.proto3Optional === false && f.label !== undefined && f.label !== 'repeated';
}

function writeInts(w: WireWriter, values: readonly number[]): void {
  values.forEach((v, i) => {
    if (v === 0) return;
    w.tag(i + 1, WireType.VARINT);
    w.int32(v);
  });
}

function writeDecimal(w: WireWriter, x: unknown, scale: number): void {
  let d: Decimal;
  if (x instanceof Decimal) d = x;
  else if (typeof x === 'number') d = Decimal.fromNumber(x);
  else throw new ValueTypeError(`Invalid type for Decimal: ${typeName(x)}`);
  if (d.scale !== scale) {
    const r = d.setScale(scale);
    if (r.compareTo(d) !== 0) throw new ValueTypeError(`Cannot fit decimal '${d.toString()}' without rounding to scale ${scale}`);
    d = r;
  }
  w.tag(1, WireType.LEN);
  w.bytes(unscaledToBytes(d.unscaled));
  w.tag(2, WireType.VARINT);
  w.uvarint(d.precision());
  if (d.scale !== 0) {
    w.tag(3, WireType.VARINT);
    w.int32(d.scale);
  }
}

function asNumber(x: unknown): number {
  if (typeof x !== 'number') throw new ValueTypeError(`Invalid type for a number: ${typeName(x)}`);
  return x;
}

function asArray(x: unknown): readonly unknown[] {
  if (!Array.isArray(x)) throw new ValueTypeError(`Invalid type for ARRAY: ${typeName(x)}`);
  return x;
}

function notNull(e: unknown): unknown {
  if (e === null || e === undefined) throw new ValueTypeError('Protobuf cannot hold a null array element');
  return e;
}
