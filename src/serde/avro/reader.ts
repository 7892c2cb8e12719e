/**
 * Decoding: a reader compiled once per (writer schema, columns) that reads Avro binary straight
 * into column values, with ksqlDB's rules (ConnectDataTranslator over AvroData's Connect data):
 * record fields matched to columns / struct fields by name, exactly or upper-cased, unmatched ones
 * skipped and missing ones null; INTEGER/BIGINT read any narrower int, DOUBLE reads float, STRING
 * reads numbers and booleans as Java prints them; decimals fitted to the column's scale without
 * rounding; a type that cannot be read fails as "Cannot deserialize type int32 as type boolean for
 * path: ->FOO".
 */
import { javaDoubleString } from '../../types/java-text.js';
import type { SqlType, StructType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import { connectOf, mapEntryParts, unionShape, type ConnectType } from './connect.js';
import { decimalOf, type AvroNode, type FieldNode, type RecordNode } from './model.js';
import { AvroDataError, type ReadTap } from './tap.js';
import { fitDecimal, javaFloatString, structMaker, unscaledOf } from './values.js';
import { genRowReader, genStructReader, markUnion, primitiveRead } from './codegen.js';

export type Read = (t: ReadTap) => unknown;
type Skip = (t: ReadTap) => void;
/** Reads a row into out[at...]; false when the row is null. */
export type RowRead = (t: ReadTap, out: unknown[], at: number) => boolean;

const ACCEPTS: Readonly<Record<string, readonly ConnectType[]>> = {
  BOOLEAN: ['boolean'],
  INTEGER: ['int32', 'int16', 'int8'],
  DATE: ['int32', 'int16', 'int8'],
  TIME: ['int32', 'int16', 'int8'],
  BIGINT: ['int64', 'int32', 'int16', 'int8'],
  TIMESTAMP: ['int64', 'int32', 'int16', 'int8'],
  DOUBLE: ['float32', 'float64'],
  STRING: ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string'],
  BYTES: ['bytes'],
  DECIMAL: ['bytes'],
  ARRAY: ['array'],
  MAP: ['map'],
  STRUCT: ['struct'],
};

/** The Connect type name of a column type, as ksqlDB's messages give it. */
export function connectName(t: SqlType): string {
  switch (t.kind) {
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return 'int32';
    case 'BIGINT':
    case 'TIMESTAMP':
      return 'int64';
    case 'DOUBLE':
      return 'float64';
    case 'DECIMAL':
      return 'bytes';
    default:
      return t.kind.toLowerCase();
  }
}

/** Readers that always fail: a type ksqlDB cannot read fails even when the value is null. */
const THROWERS = new WeakSet<Read>();
const thrower = (message: string): Read => {
  const r: Read = () => {
    throw new AvroDataError(message);
  };
  THROWERS.add(r);
  return r;
};

export class ReaderCompiler {
  private readonly skips = new Map<AvroNode, Skip>();

  skip(n: AvroNode): Skip {
    const known = this.skips.get(n);
    if (known) return known;
    let impl: Skip | undefined;
    // Records may refer to themselves: the entry forwards to the skipper once it is built.
    const lazy: Skip = (t) => impl!(t);
    this.skips.set(n, lazy);
    impl = this.buildSkip(n);
    this.skips.set(n, impl);
    return impl;
  }

  private buildSkip(n: AvroNode): Skip {
    switch (n.kind) {
      case 'null':
        return () => {};
      case 'boolean':
        return (t) => t.skip(1);
      case 'int':
      case 'long':
      case 'enum':
        return (t) => t.skipLong();
      case 'float':
        return (t) => t.skip(4);
      case 'double':
        return (t) => t.skip(8);
      case 'bytes':
      case 'string':
        return (t) => t.skipBytes();
      case 'fixed': {
        const size = n.size;
        return (t) => t.skip(size);
      }
      case 'array':
      case 'map': {
        const item = this.skip(n.kind === 'array' ? n.items : n.values);
        const isMap = n.kind === 'map';
        return (t) => {
          for (;;) {
            let count = t.readLong();
            if (count === 0) return;
            if (count < 0) {
              t.skip(t.readLong());
              continue;
            }
            for (; count > 0; count--) {
              if (isMap) t.skipBytes();
              item(t);
              if (t.pos > t.end) t.check();
            }
          }
        };
      }
      case 'union': {
        const branches = n.branches.map((b) => this.skip(b));
        return (t) => {
          const b = branches[t.readLong()];
          if (!b) throw new AvroDataError('Malformed data: invalid union index');
          b(t);
        };
      }
      case 'record': {
        const fields = n.fields.map((f) => this.skip(f.type));
        return (t) => {
          for (let i = 0; i < fields.length; i++) fields[i]!(t);
        };
      }
    }
  }

  /** A reader of `n` as a value of `type` (ksqlDB's coercions), `path` naming it in errors. */
  read(n: AvroNode, type: SqlType, path: string): Read {
    if (n.kind === 'union') return this.union(n, type, path);
    let c: ConnectType;
    try {
      c = connectOf(n).type;
    } catch (e) {
      return thrower((e as Error).message);
    }
    if (!ACCEPTS[type.kind]?.includes(c)) return thrower(`Cannot deserialize type ${c} as type ${connectName(type)} for path: ${path}`);
    switch (type.kind) {
      case 'BOOLEAN':
        return primitiveRead('readBoolean');
      case 'INTEGER':
      case 'DATE':
      case 'TIME':
      case 'BIGINT':
      case 'TIMESTAMP':
        return primitiveRead('readLong');
      case 'DOUBLE':
        return primitiveRead(n.kind === 'float' ? 'readFloat' : 'readDouble');
      case 'STRING':
        return stringReader(n);
      case 'BYTES':
        if (n.kind === 'fixed') {
          const size = n.size;
          return (t) => t.readFixed(size);
        }
        return primitiveRead('readBytes');
      case 'DECIMAL':
        return decimalReader(n, type.precision, type.scale, path);
      case 'ARRAY': {
        if (n.kind !== 'array') return thrower(`Cannot deserialize type ${c} as type array for path: ${path}`);
        const item = this.read(n.items, type.element, `${path}->ARRAY`);
        return (t) => {
          const out: unknown[] = [];
          for (let count = t.readBlockCount(); count > 0; count = t.readBlockCount()) {
            for (; count > 0; count--) {
              out.push(item(t));
              if (t.pos > t.end) t.check();
            }
          }
          return out;
        };
      }
      case 'MAP':
        return this.map(n, type.key, type.value, path);
      case 'STRUCT':
        if (n.kind !== 'record') return thrower(`Cannot deserialize type ${c} as type struct for path: ${path}`);
        return this.record(n, type, path);
      default:
        return thrower(`Cannot deserialize type ${c} as type ${connectName(type)} for path: ${path}`);
    }
  }

  private union(n: AvroNode & { kind: 'union' }, type: SqlType, path: string): Read {
    let shape;
    try {
      shape = unionShape(n);
    } catch (e) {
      return thrower((e as Error).message);
    }
    if (shape.kind === 'simple') {
      const inner = this.read(shape.node, type, path);
      if (THROWERS.has(inner)) return inner;
      const { index, nullIndex } = shape;
      const r: Read = (t) => {
        const i = t.readLong();
        if (i === index) return inner(t);
        if (i === nullIndex) return null;
        throw new AvroDataError(`Malformed data: invalid union index ${i}`);
      };
      return markUnion(r, index, nullIndex, inner);
    }
    if (type.kind !== 'STRUCT') return thrower(`Cannot deserialize type struct as type ${connectName(type)} for path: ${path}`);
    const names = type.fields.map((f) => f.name);
    const make = structMaker(names);
    const byIndex: ({ field: string; read: Read } | { field: undefined; skip: Skip })[] = [];
    for (const m of shape.members) {
      const i = matchField(names, m.name);
      byIndex[m.index] = i < 0 ? { field: undefined, skip: this.skip(m.node) } : { field: names[i]!, read: this.read(m.node, type.fields[i]!.type, `${path}->${names[i]}`) };
    }
    const nullIndex = shape.nullIndex;
    return (t) => {
      const i = t.readLong();
      if (i === nullIndex) return null;
      const m = byIndex[i];
      if (!m) throw new AvroDataError(`Malformed data: invalid union index ${i}`);
      const o = make();
      if (m.field === undefined) m.skip(t);
      else o[m.field] = m.read(t);
      return o;
    };
  }

  private map(n: AvroNode, keyType: SqlType, valueType: SqlType, path: string): Read {
    if (n.kind === 'map') {
      const key = this.read({ kind: 'string', props: {} }, keyType, `${path}->MAP_KEY`);
      const value = this.read(n.values, valueType, `${path}->MAP_VAL`);
      return (t) => {
        const out = new Map<unknown, unknown>();
        for (let count = t.readBlockCount(); count > 0; count = t.readBlockCount()) {
          for (; count > 0; count--) {
            const k = key(t);
            out.set(k, value(t));
            if (t.pos > t.end) t.check();
          }
        }
        return out;
      };
    }
    const parts = mapEntryParts(n);
    if (!parts) return thrower(`Cannot deserialize type array as type map for path: ${path}`);
    const key = this.read(parts.key, keyType, `${path}->MAP_KEY`);
    const value = this.read(parts.value, valueType, `${path}->MAP_VAL`);
    const keyFirst = parts.keyFirst;
    return (t) => {
      const out = new Map<unknown, unknown>();
      for (let count = t.readBlockCount(); count > 0; count = t.readBlockCount()) {
        for (; count > 0; count--) {
          if (keyFirst) {
            const k = key(t);
            out.set(k, value(t));
          } else {
            const v = value(t);
            out.set(key(t), v);
          }
          if (t.pos > t.end) t.check();
        }
      }
      return out;
    };
  }

  /** A record read into a struct: fields in the struct's order, unmatched ones null. */
  private record(n: RecordNode, type: StructType, path: string): Read {
    return genStructReader(this.fieldSteps(n.fields, type, path), type.fields.map((f) => f.name));
  }

  /** For each writer field: the target field it fills (exact name, else upper-cased) and its reader. */
  fieldSteps(fields: readonly FieldNode[], type: StructType, path: string): Step[] {
    const names = type.fields.map((f) => f.name);
    return fields.map((f) => {
      const i = matchField(names, f.name);
      return i < 0 ? { index: -1, skip: this.skip(f.type) } : { index: i, read: this.read(f.type, type.fields[i]!.type, `${path}->${names[i]}`) };
    });
  }
}

export interface Step {
  readonly index: number;
  readonly read?: Read;
  readonly skip?: Skip;
}

/** ksqlDB's struct field lookup: the name as written, then upper-cased. */
export function matchField(names: readonly string[], name: string): number {
  const i = names.indexOf(name);
  return i >= 0 ? i : names.indexOf(name.toUpperCase());
}

function stringReader(n: AvroNode): Read {
  switch (n.kind) {
    case 'string':
      return primitiveRead('readString');
    case 'enum': {
      const symbols = n.symbols;
      return (t) => {
        const s = symbols[t.readLong()];
        if (s === undefined) throw new AvroDataError('Malformed data: invalid enum index');
        return s;
      };
    }
    case 'int':
    case 'long':
      return (t) => String(t.readLong());
    case 'float':
      return (t) => javaFloatString(t.readFloat());
    case 'double':
      return (t) => javaDoubleString(t.readDouble());
    case 'boolean':
      return (t) => (t.readBoolean() ? 'true' : 'false');
    default:
      return thrower(`Cannot read ${n.kind} as a string`);
  }
}

function decimalReader(n: AvroNode, precision: number, targetScale: number, path: string): Read {
  const d = decimalOf(n);
  if (!d) return thrower(`Cannot deserialize type bytes as type DECIMAL(${precision}, ${targetScale}) for path: ${path}: not a decimal`);
  const scale = d.scale;
  const size = n.kind === 'fixed' ? n.size : -1;
  return (t) => {
    const len = size >= 0 ? size : t.readLong();
    const p = t.pos;
    t.pos += len;
    if (len < 0 || t.pos > t.end) throw new AvroDataError('Malformed data: invalid decimal');
    return fitDecimal(unscaledOf(t.buf, p, len), scale, precision, targetScale);
  };
}

/**
 * The row reader for columns. Unwrapped: the schema is the single column's type. Wrapped: the
 * schema must be a record (or null/record union), whose fields fill the columns they match.
 */
export function compileRowReader(root: AvroNode, columns: readonly Column[], unwrapped: boolean): RowRead {
  const c = new ReaderCompiler();
  if (unwrapped) {
    const read = c.read(root, columns[0]!.type, '');
    return (t, out, at) => {
      out[at] = read(t);
      return true;
    };
  }
  const rowType: StructType = { kind: 'STRUCT', fields: columns.map((col) => ({ name: col.name, type: col.type })) };
  let record: RecordNode | undefined;
  let index = -1;
  let nullIndex = -1;
  if (root.kind === 'record') record = root;
  else if (root.kind === 'union') {
    try {
      const u = unionShape(root);
      if (u.kind === 'simple' && u.node.kind === 'record') [record, index, nullIndex] = [u.node, u.index, u.nullIndex];
    } catch {
      // the generic path reports it
    }
  }
  if (!record) {
    // Anything else goes through the generic struct reader (a general union) or fails as ksqlDB does.
    const read = c.read(root, rowType, '');
    const n = columns.length;
    return (t, out, at) => {
      const o = read(t) as Record<string, unknown> | null;
      if (o === null) return false;
      for (let i = 0; i < n; i++) out[at + i] = o[columns[i]!.name];
      return true;
    };
  }
  const steps = c.fieldSteps(record.fields, rowType, '');
  const filled = new Set(steps.map((s) => s.index));
  const unfilled = columns.map((_, i) => i).filter((i) => !filled.has(i));
  const readRecord: RowRead = genRowReader(steps, unfilled);
  if (index < 0) return readRecord;
  return (t, out, at) => {
    const i = t.readLong();
    if (i === nullIndex) return false;
    if (i !== index) throw new AvroDataError(`Malformed data: invalid union index ${i}`);
    return readRecord(t, out, at);
  };
}
