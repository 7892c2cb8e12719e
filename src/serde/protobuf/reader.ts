/**
 * Compiled decoders: Protobuf bytes written with a writer message → column values of the target
 * columns, in one pass, converting as ksqlDB's ConnectDataTranslator does. Writer fields match
 * target fields by name, exactly or upper-cased; unmatched target fields read as null. A writer
 * type a target type cannot take (e.g. int64 into INTEGER) fails every record, as in ksqlDB:
 * "Cannot deserialize type int64 as type int32 for path: ->C".
 */
import type { SqlType } from '../../types/sql-type.js';
import { decimalFromParts, daysFromYmd, javaFloatString, scalarReader, scalarWireType, timeOfDayMillis } from './convert.js';
import { javaDoubleString } from '../../types/java-text.js';
import { Decimal } from '../../types/decimal.js';
import type { ProtoEnum, ProtoField, ProtoMessage, ScalarType } from './model.js';
import { connectType, explicitDefault, messageView, structFields, unionFields, type View, type ViewField, type ViewOptions } from './view.js';
import { WireError, WireReader, WireType } from './wire.js';

export interface Target {
  readonly name: string;
  readonly type: SqlType;
}

type Handler = (r: WireReader, wt: number, out: unknown[], base: number) => void;

interface StructPlan {
  readonly n: number;
  readonly handlers: (Handler | undefined)[];
  readonly init: (out: unknown[], base: number) => void;
  readonly mismatch: string | undefined;
}

/** Reads one value of a field's type from the wire; `wt` is the wire type it needs. */
interface ValuePlan {
  readonly wt: number;
  readonly packable: boolean;
  readonly read: (r: WireReader) => unknown;
  /** The value an absent field of this type holds when it has no presence. */
  readonly absent: () => unknown;
}

export class TypeMismatch extends Error {}

export type RowDecoder = (buf: Buffer, start: number, end: number, out: unknown[], at: number) => void;

/** A decoder of a writer message into the target columns (out[at], out[at + 1], ...). */
export function compileRowDecoder(msg: ProtoMessage, targets: readonly Target[], opts: ViewOptions): RowDecoder {
  const plan = new Compiler(opts).struct(structFields(msg, opts), targets, '');
  return (buf, start, end, out, at) => {
    if (plan.mismatch !== undefined) throw new TypeMismatch(plan.mismatch);
    plan.init(out, at);
    readFields(new WireReader(buf, start, end), end, plan.handlers, out, at);
  };
}

/** A decoder of a writer message holding a single bare value of the target type. */
export function compileValueDecoder(msg: ProtoMessage, target: SqlType, opts: ViewOptions): RowDecoder {
  const body = new Compiler(opts).messageBody(messageView(msg, { unwrapWrappers: true }), target, '');
  return (buf, start, end, out, at) => {
    const r = new WireReader(buf, start, end);
    out[at] = body(r, end);
  };
}

function readFields(r: WireReader, end: number, handlers: readonly (Handler | undefined)[], out: unknown[], base: number): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    if (num === 0) throw new WireError('Invalid tag (zero)');
    if (wt === WireType.EGROUP) throw new WireError('Unexpected end-group tag');
    const h = handlers[num];
    if (h !== undefined) h(r, wt, out, base);
    else r.skip(wt, num);
  }
  if (r.pos !== end) throw new WireError('Truncated message');
}

const SQL_CONNECT: Readonly<Record<string, string>> = {
  BOOLEAN: 'boolean', INTEGER: 'int32', BIGINT: 'int64', DOUBLE: 'float64', STRING: 'string', BYTES: 'bytes', DECIMAL: 'bytes',
  DATE: 'int32', TIME: 'int32', TIMESTAMP: 'int64', ARRAY: 'array', MAP: 'map', STRUCT: 'struct',
};

const ACCEPTS: Readonly<Record<string, readonly string[]>> = {
  BOOLEAN: ['boolean'], INTEGER: ['int32'], DATE: ['int32'], TIME: ['int32'], BIGINT: ['int64', 'int32'], TIMESTAMP: ['int64', 'int32'],
  DOUBLE: ['float32', 'float64'], STRING: ['int32', 'int64', 'float32', 'float64', 'boolean', 'string'], BYTES: ['bytes'], DECIMAL: ['bytes'],
  ARRAY: ['array'], MAP: ['map'], STRUCT: ['struct'],
};

function mismatch(view: View, target: SqlType, path: string): TypeMismatch {
  return new TypeMismatch(`Cannot deserialize type ${connectType(view)} as type ${SQL_CONNECT[target.kind] ?? target.kind} for path: ${path}`);
}

class Compiler {
  constructor(private readonly opts: ViewOptions) {}

  struct(fields: readonly ViewField[], targets: readonly Target[], path: string): StructPlan {
    const handlers: (Handler | undefined)[] = [];
    const inits: { i: number; absent: (() => unknown) | undefined }[] = [];
    let problem: string | undefined;
    const index = new Map<string, number>();
    targets.forEach((t, i) => index.set(t.name, i));
    for (const f of fields) {
      const i = index.get(f.name) ?? index.get(f.name.toUpperCase());
      if (i === undefined) continue;
      const target = targets[i]!;
      const fieldPath = `${path}->${target.name}`;
      try {
        this.field(f, target.type, fieldPath, i, handlers, inits);
      } catch (e) {
        if (!(e instanceof TypeMismatch)) throw e;
        problem ??= e.message;
      }
    }
    const n = targets.length;
    const absentOf = new Array<(() => unknown) | undefined>(n);
    for (const x of inits) absentOf[x.i] = x.absent;
    return {
      n,
      handlers,
      mismatch: problem,
      init(out, base) {
        for (let i = 0; i < n; i++) {
          const a = absentOf[i];
          out[base + i] = a === undefined ? null : a();
        }
      },
    };
  }

  private field(f: ViewField, target: SqlType, path: string, i: number, handlers: (Handler | undefined)[], inits: { i: number; absent: (() => unknown) | undefined }[]): void {
    const v = f.view;
    if (v.k === 'union') {
      if (target.kind !== 'STRUCT') throw mismatch(v, target, path);
      const members = unionFields(v.oneof, this.opts);
      const names = target.fields.map((t) => t.name);
      const fresh = (): Record<string, unknown> => {
        const o: Record<string, unknown> = {};
        for (const name of names) o[name] = null;
        return o;
      };
      for (const m of members) {
        const j = names.indexOf(m.name) >= 0 ? names.indexOf(m.name) : names.indexOf(m.name.toUpperCase());
        const plan = j < 0 ? undefined : this.value(m.view, target.fields[j]!.type, `${path}->${names[j]}`);
        const key = j < 0 ? undefined : names[j]!;
        handlers[m.field!.number] = (r, wt, out, base) => {
          const o = fresh();
          if (plan && key !== undefined) {
            if (wt !== plan.wt) return r.skip(wt, m.field!.number);
            o[key] = plan.read(r);
          } else {
            r.skip(wt, m.field!.number);
          }
          out[base + i] = o;
        };
      }
      inits.push({ i, absent: undefined });
      return;
    }
    const num = f.field!.number;
    if (v.k === 'array') {
      if (target.kind !== 'ARRAY') throw mismatch(v, target, path);
      const elem = this.value(v.elem, target.element, `${path}->ARRAY`);
      handlers[num] = (r, wt, out, base) => {
        const arr = out[base + i] as unknown[];
        if (wt === elem.wt) arr.push(elem.read(r));
        else if (wt === WireType.LEN && elem.packable) {
          const end = r.delimited();
          while (r.pos < end) arr.push(elem.read(r));
          if (r.pos !== end) throw new WireError('Truncated packed field');
        } else r.skip(wt, num);
      };
      inits.push({ i, absent: () => [] });
      return;
    }
    if (v.k === 'map') {
      if (target.kind !== 'MAP') throw mismatch(v, target, path);
      const key = this.value(v.key, target.key, `${path}->MAP_KEY`);
      const value = this.value(v.value, target.value, `${path}->MAP_VAL`);
      const entryHandlers: (Handler | undefined)[] = [];
      entryHandlers[1] = (r, wt, out) => (wt === key.wt ? (out[0] = key.read(r)) : r.skip(wt, 1));
      entryHandlers[2] = (r, wt, out) => (wt === value.wt ? (out[1] = value.read(r)) : r.skip(wt, 2));
      handlers[num] = (r, wt, out, base) => {
        if (wt !== WireType.LEN) return r.skip(wt, num);
        const end = r.delimited();
        const pair: unknown[] = [key.absent(), value.absent()];
        readFields(r, end, entryHandlers, pair, 0);
        (out[base + i] as Map<unknown, unknown>).set(pair[0], pair[1]);
      };
      inits.push({ i, absent: () => new Map() });
      return;
    }
    const plan = this.value(v, target, path, f.field);
    handlers[num] = (r, wt, out, base) => {
      if (wt !== plan.wt) return r.skip(wt, num);
      out[base + i] = plan.read(r);
    };
    inits.push({ i, absent: f.nullWhenAbsent ? undefined : plan.absent });
  }

  /** A singular value (an array element, a map key or value, a field). */
  value(v: View, target: SqlType, path: string, field?: ProtoField): ValuePlan {
    const accepted = ACCEPTS[target.kind] ?? [];
    const ct = connectType(v);
    if (!accepted.includes(ct) || (target.kind === 'DECIMAL') !== (v.k === 'decimal')) throw mismatch(v, target, path);
    switch (v.k) {
      case 'scalar': {
        const conv = converter(ct, target);
        const read = scalarReader(v.scalar);
        const def = conv(scalarDefault(v.scalar, field));
        if (v.wrapper) {
          const body = wrapperBody(v.scalar, conv);
          const zero = conv(scalarDefault(v.scalar, undefined));
          return { wt: WireType.LEN, packable: false, absent: () => zero, read: (r) => body(r, r.delimited()) };
        }
        const packable = v.scalar !== 'string' && v.scalar !== 'bytes';
        return { wt: scalarWireType(v.scalar), packable, read: (r) => conv(read(r)), absent: () => (v.scalar === 'bytes' && def instanceof Buffer ? Buffer.from(def) : def) };
      }
      case 'enum': {
        const e = v.e;
        const conv = converter('string', target);
        const dflt = field ? explicitDefault(field) : undefined;
        const first = dflt ?? e.values[0]!.name;
        return { wt: WireType.VARINT, packable: true, read: (r) => conv(enumName(e, r.int32())), absent: () => conv(first) };
      }
      case 'decimal':
      case 'date':
      case 'time':
      case 'timestamp':
      case 'struct': {
        const body = this.messageBody(v, target, path);
        return { wt: WireType.LEN, packable: false, read: (r) => body(r, r.delimited()), absent: () => body(new WireReader(EMPTY, 0, 0), 0) };
      }
      default:
        throw mismatch(v, target, path);
    }
  }

  /** Decodes a message's bytes (r.pos .. end) as a value of the target type. */
  messageBody(v: View, target: SqlType, path: string): (r: WireReader, end: number) => unknown {
    switch (v.k) {
      case 'struct': {
        if (target.kind !== 'STRUCT') throw mismatch(v, target, path);
        const plan = this.lazyStruct(v.msg, target.fields, path);
        const names = target.fields.map((f) => f.name);
        return (r, end) => {
          const p = plan();
          if (p.mismatch !== undefined) throw new TypeMismatch(p.mismatch);
          const vals = new Array<unknown>(p.n);
          p.init(vals, 0);
          readFields(r, end, p.handlers, vals, 0);
          const o: Record<string, unknown> = {};
          for (let i = 0; i < names.length; i++) o[names[i]!] = vals[i];
          return o;
        };
      }
      case 'scalar': {
        if (!v.wrapper || !(ACCEPTS[target.kind] ?? []).includes(connectType(v))) throw mismatch(v, target, path);
        return wrapperBody(v.scalar, converter(connectType(v), target));
      }
      default: {
        const logical = logicalReader(v);
        if (!logical) throw mismatch(v, target, path);
        const conv = target.kind === 'DECIMAL' ? (d: unknown) => rescale(d as Decimal, target.scale) : converter(connectType(v), target);
        return (r, end) => {
          const parts: unknown[] = [0, 0, 0, 0];
          readFields(r, end, logical.handlers, parts, 0);
          return conv(logical.make(parts));
        };
      }
    }
  }

  private lazyStruct(msg: ProtoMessage, targets: readonly Target[], path: string): () => StructPlan {
    let plan: StructPlan | undefined;
    return () => (plan ??= this.struct(structFields(msg, this.opts), targets, path));
  }
}

const EMPTY = Buffer.alloc(0);

/** The scalar a google.protobuf wrapper message holds in field 1 (its default when absent). */
function wrapperBody(scalar: ScalarType, conv: (v: unknown) => unknown): (r: WireReader, end: number) => unknown {
  const wt = scalarWireType(scalar);
  const read = scalarReader(scalar);
  const zero = scalarDefault(scalar, undefined);
  const inner: (Handler | undefined)[] = [];
  inner[1] = (r, w, out) => (w === wt ? (out[0] = read(r)) : r.skip(w, 1));
  return (r, end) => {
    const slot: unknown[] = [zero];
    readFields(r, end, inner, slot, 0);
    return conv(slot[0]);
  };
}

function rescale(d: Decimal, scale: number): Decimal {
  return d.scale === scale ? d : d.setScale(scale);
}

interface LogicalReader {
  readonly handlers: (Handler | undefined)[];
  readonly make: (parts: unknown[]) => unknown;
}

const intField = (i: number, read: (r: WireReader) => number): Handler => (r, wt, out) => (wt === WireType.VARINT ? (out[i] = read(r)) : r.skip(wt, i + 1));

const LOGICAL: Readonly<Record<string, LogicalReader>> = {
  decimal: {
    handlers: [
      undefined,
      (r, wt, out) => (wt === WireType.LEN ? (out[0] = r.bytes()) : r.skip(wt, 1)),
      intField(1, (r) => r.uint32()),
      intField(2, (r) => r.int32()),
    ],
    make: (p) => decimalFromParts(p[0] instanceof Buffer ? p[0] : EMPTY, p[1] as number, p[2] as number),
  },
  date: { handlers: [undefined, intField(0, (r) => r.int32()), intField(1, (r) => r.int32()), intField(2, (r) => r.int32())], make: (p) => daysFromYmd(p[0] as number, p[1] as number, p[2] as number) },
  time: {
    handlers: [undefined, intField(0, (r) => r.int32()), intField(1, (r) => r.int32()), intField(2, (r) => r.int32()), intField(3, (r) => r.int32())],
    make: (p) => timeOfDayMillis(p[0] as number, p[1] as number, p[2] as number, p[3] as number),
  },
  timestamp: {
    handlers: [undefined, intField(0, (r) => r.int64()), intField(1, (r) => r.int32())],
    make: (p) => (p[0] as number) * 1000 + Math.trunc((p[1] as number) / 1_000_000),
  },
};

function logicalReader(v: View): LogicalReader | undefined {
  return LOGICAL[v.k];
}

function enumName(e: ProtoEnum, n: number): string {
  for (const v of e.values) if (v.number === n) return v.name;
  return `UNKNOWN_ENUM_VALUE_${e.name}_${n}`;
}

function scalarDefault(s: string, field: ProtoField | undefined): unknown {
  const d = field ? explicitDefault(field) : undefined;
  switch (s) {
    case 'bool':
      return d === 'true';
    case 'string':
      return d ?? '';
    case 'bytes':
      return d === undefined ? EMPTY : Buffer.from(d, 'latin1');
    default:
      return d === undefined ? 0 : Number(d);
  }
}

/** Writer connect type → target SQL value, as ConnectDataTranslator.toKsqlValue converts. */
function converter(ct: string, target: SqlType): (v: unknown) => unknown {
  if (target.kind === 'STRING') {
    switch (ct) {
      case 'float32':
        return (v) => javaFloatString(v as number);
      case 'float64':
        return (v) => javaDoubleString(v as number);
      case 'boolean':
        return (v) => (v ? 'true' : 'false');
      case 'string':
        return (v) => v;
      default:
        return (v) => String(v);
    }
  }
  return (v) => v;
}
