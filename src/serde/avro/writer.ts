/**
 * Encoding: a writer compiled once per (columns, writer schema) that writes column values as Avro
 * binary. With the generated schema, fields correspond by position (ksqlDB's AvroDataTranslator).
 * With a registered schema (KEY/VALUE_SCHEMA_ID) they are matched by exact name, as ksqlDB's
 * AvroSRSchemaDataTranslator does: fields the columns lack take their default (or null when
 * nullable, else "Missing default value for required Avro field"), null values take the field's
 * default, and numbers are widened or narrowed to the schema's types.
 */
import type { Decimal } from '../../types/decimal.js';
import type { SqlType, StructType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import { connectOf, mapEntryParts, unionShape } from './connect.js';
import { decimalOf, type AvroNode, type FieldNode, type RecordNode } from './model.js';
import { AvroDataError, type WriteTap } from './tap.js';
import { decimalBytes, fitDecimal } from './values.js';
import { genRecordWriter, markBooleanWrite, markUnionWrite, primitiveWrite } from './codegen.js';

export type Write = (w: WriteTap, v: unknown) => void;
export type RowWrite = (w: WriteTap, values: readonly unknown[]) => void;

/** Connect's upper-case type name, for "null used for required field" messages. */
function connectTypeName(n: AvroNode): string {
  try {
    return connectOf(n).type.toUpperCase();
  } catch {
    return n.kind.toUpperCase();
  }
}

function incompatible(n: AvroNode, type: SqlType, path: string): never {
  throw new AvroDataError(`Cannot write ${type.kind} value as Avro ${n.kind} for field: ${path || 'value'}`);
}

/** Writes an Avro JSON default value (the spec's JSON encoding: bytes as code points). */
export function writeDefault(w: WriteTap, n: AvroNode, v: unknown): void {
  switch (n.kind) {
    case 'null':
      return;
    case 'boolean':
      return w.writeBoolean(v === true);
    case 'int':
    case 'long':
      return w.writeLong(Number(v));
    case 'float':
      return w.writeFloat(Number(v));
    case 'double':
      return w.writeDouble(Number(v));
    case 'string':
      return w.writeString(String(v));
    case 'bytes':
      return w.writeBytes(Buffer.from(String(v), 'latin1'));
    case 'fixed':
      return w.writeFixed(Buffer.from(String(v), 'latin1'));
    case 'enum':
      return w.writeLong(Math.max(0, n.symbols.indexOf(String(v))));
    case 'array': {
      const a = Array.isArray(v) ? v : [];
      if (a.length) w.writeLong(a.length);
      for (const x of a) writeDefault(w, n.items, x);
      return w.writeLong(0);
    }
    case 'map': {
      const entries = v !== null && typeof v === 'object' ? Object.entries(v) : [];
      if (entries.length) w.writeLong(entries.length);
      for (const [k, x] of entries) {
        w.writeString(k);
        writeDefault(w, n.values, x);
      }
      return w.writeLong(0);
    }
    case 'union':
      w.writeLong(0);
      return writeDefault(w, n.branches[0]!, v);
    case 'record': {
      const o = (v ?? {}) as Record<string, unknown>;
      for (const f of n.fields) writeDefault(w, f.type, f.name in o ? o[f.name] : f.default);
      return;
    }
  }
}

export class WriterCompiler {
  /** `byName`: struct fields matched to a registered schema's fields by name (else by position). */
  constructor(private readonly byName: boolean) {}

  /** A writer of a value of `type` (null allowed where the schema allows it). */
  write(n: AvroNode, type: SqlType, path: string): Write {
    if (n.kind === 'union') return this.union(n, type, path);
    const inner = this.nonNull(n, type, path);
    const name = path;
    const typeName = connectTypeName(n);
    return (w, v) => {
      if (v == null) throw new AvroDataError(`Invalid value: null used for required field: "${name}", schema type: ${typeName}`);
      inner(w, v);
    };
  }

  private union(n: AvroNode & { kind: 'union' }, type: SqlType, path: string): Write {
    const shape = unionShape(n);
    const nullIndex = shape.nullIndex;
    let index: number;
    let inner: Write;
    if (shape.kind === 'simple') {
      index = shape.index;
      inner = this.nonNull(shape.node, type, path);
    } else if (type.kind === 'STRUCT') {
      return this.unionStruct(shape.members, nullIndex, type, path);
    } else {
      const m = shape.members.find((x) => accepts(x.node, type));
      if (!m) return incompatible(n, type, path);
      index = m.index;
      inner = this.nonNull(m.node, type, path);
    }
    const typeName = connectTypeName(n);
    const error = () => {
      throw new AvroDataError(`Invalid value: null used for required field: "${path}", schema type: ${typeName}`);
    };
    const write: Write = (w, v) => {
      if (v == null) {
        if (nullIndex < 0) error();
        w.writeLong(nullIndex);
        return;
      }
      w.writeLong(index);
      inner(w, v);
    };
    return markUnionWrite(write, index, nullIndex, inner, error);
  }

  /** A struct read from a union (a field per branch) written back: the first non-null field's branch. */
  private unionStruct(members: readonly { name: string; node: AvroNode; index: number }[], nullIndex: number, type: StructType, path: string): Write {
    const branches = type.fields.map((f) => {
      const m = members.find((x) => x.name === f.name) ?? members.find((x) => x.name.toUpperCase() === f.name.toUpperCase());
      return m ? { field: f.name, index: m.index, write: this.nonNull(m.node, f.type, `${path}.${f.name}`) } : undefined;
    });
    return (w, v) => {
      if (v != null) {
        const o = v as Record<string, unknown>;
        for (const b of branches) {
          if (b && o[b.field] != null) {
            w.writeLong(b.index);
            b.write(w, o[b.field]);
            return;
          }
        }
      }
      if (nullIndex < 0) throw new AvroDataError(`Invalid value: null used for required field: "${path}", schema type: STRUCT`);
      w.writeLong(nullIndex);
    };
  }

  /** A writer for non-null values of `type` as `n` (not a union). */
  private nonNull(n: AvroNode, type: SqlType, path: string): Write {
    if (!accepts(n, type)) return incompatible(n, type, path);
    switch (n.kind) {
      case 'boolean':
        return markBooleanWrite((w, v) => w.writeBoolean(v === true));
      case 'int':
        return (w, v) => {
          const x = v as number;
          if (x > 2147483647 || x < -2147483648) throw new AvroDataError(`Value ${x} out of range for Avro int field: ${path}`);
          w.writeLong(x);
        };
      case 'long':
        return primitiveWrite('writeLong');
      case 'float':
        return primitiveWrite('writeFloat');
      case 'double':
        return primitiveWrite('writeDouble');
      case 'string':
        return primitiveWrite('writeString');
      case 'enum': {
        const index = new Map(n.symbols.map((s, i) => [s, i]));
        return (w, v) => {
          const i = index.get(v as string);
          if (i === undefined) throw new AvroDataError(`Invalid enum symbol ${JSON.stringify(v)} for field: ${path}`);
          w.writeLong(i);
        };
      }
      case 'bytes':
      case 'fixed': {
        const size = n.kind === 'fixed' ? n.size : -1;
        const d = decimalOf(n);
        if (d) {
          const scale = d.scale;
          const precision = d.precision;
          return (w, v) => {
            const x = v as Decimal;
            const u = fitDecimal(x.unscaled, x.scale, precision, scale).unscaled;
            if (size < 0) w.writeDecimal(u);
            else w.writeFixed(decimalBytes(u, size));
          };
        }
        if (size < 0) return primitiveWrite('writeBytes');
        return (w, v) => {
          const b = v as Buffer;
          if (b.length !== size) throw new AvroDataError(`Invalid fixed size ${b.length}, expected ${size} for field: ${path}`);
          w.writeFixed(b);
        };
      }
      case 'array': {
        const parts = mapEntryParts(n);
        if (parts) return this.mapEntries(parts, type as SqlType & { kind: 'MAP' }, path);
        const item = this.write(n.items, (type as SqlType & { kind: 'ARRAY' }).element, path);
        return (w, v) => {
          const a = v as unknown[];
          if (a.length > 0) {
            w.writeLong(a.length);
            for (let i = 0; i < a.length; i++) item(w, a[i]);
          }
          w.writeLong(0);
        };
      }
      case 'map': {
        const value = this.write(n.values, (type as SqlType & { kind: 'MAP' }).value, path);
        return (w, v) => {
          const m = v instanceof Map ? v : new Map(Object.entries(v as object));
          if (m.size > 0) {
            w.writeLong(m.size);
            for (const [k, x] of m) {
              if (k == null) throw new AvroDataError(`Avro maps cannot have null keys: ${path}`);
              w.writeString(String(k));
              value(w, x);
            }
          }
          w.writeLong(0);
        };
      }
      case 'record':
        return this.record(n, type as StructType, path);
      default:
        return incompatible(n, type, path);
    }
  }

  private mapEntries(parts: { key: AvroNode; value: AvroNode; keyFirst: boolean }, type: SqlType & { kind: 'MAP' }, path: string): Write {
    const key = this.write(parts.key, type.key, `${path}.key`);
    const value = this.write(parts.value, type.value, `${path}.value`);
    const keyFirst = parts.keyFirst;
    return (w, v) => {
      const m = v instanceof Map ? v : new Map(Object.entries(v as object));
      if (m.size > 0) {
        w.writeLong(m.size);
        for (const [k, x] of m) {
          if (keyFirst) {
            key(w, k);
            value(w, x);
          } else {
            value(w, x);
            key(w, k);
          }
        }
      }
      w.writeLong(0);
    };
  }

  /** Field writers: each takes the value of the struct field it corresponds to (or undefined). */
  fields(fields: readonly FieldNode[], type: StructType, path: string): { source: string | undefined; write: Write }[] {
    return fields.map((f, i) => {
      const target = this.byName ? type.fields.find((x) => x.name === f.name) : type.fields[i];
      const fpath = path ? `${path}.${f.name}` : f.name;
      if (!target) return { source: undefined, write: this.absent(f) };
      const write = this.write(f.type, target.type, fpath);
      if (!this.byName || !f.hasDefault || f.default === null) return { source: target.name, write };
      const node = f.type;
      const def = f.default;
      return { source: target.name, write: (w, v) => (v == null ? writeDefault(w, node, def) : write(w, v)) };
    });
  }

  /** A registered schema's field the columns do not have: its default, or null. */
  private absent(f: FieldNode): Write {
    const n = f.type;
    const def = f.default;
    if (f.hasDefault) return (w) => writeDefault(w, n, def);
    if (n.kind === 'union' && n.branches.some((b) => b.kind === 'null')) {
      const nullIndex = n.branches.findIndex((b) => b.kind === 'null');
      return (w) => w.writeLong(nullIndex);
    }
    return () => {
      throw new AvroDataError(`Missing default value for required Avro field: [${f.name}]. This field appears in Avro schema in Schema Registry`);
    };
  }

  private record(n: RecordNode, type: StructType, path: string): Write {
    return genRecordWriter(this.fields(n.fields, type, path), -1);
  }
}

/** Whether values of `type` can be written as `n` (a non-union node). */
function accepts(n: AvroNode, type: SqlType): boolean {
  switch (n.kind) {
    case 'boolean':
      return type.kind === 'BOOLEAN';
    case 'int':
    case 'long':
      return ['INTEGER', 'BIGINT', 'DATE', 'TIME', 'TIMESTAMP'].includes(type.kind);
    case 'float':
    case 'double':
      return type.kind === 'DOUBLE' || type.kind === 'INTEGER' || type.kind === 'BIGINT';
    case 'string':
    case 'enum':
      return type.kind === 'STRING';
    case 'bytes':
    case 'fixed':
      return decimalOf(n) ? type.kind === 'DECIMAL' : type.kind === 'BYTES';
    case 'array':
      return mapEntryParts(n) ? type.kind === 'MAP' : type.kind === 'ARRAY';
    case 'map':
      return type.kind === 'MAP';
    case 'record':
      return type.kind === 'STRUCT';
    default:
      return false;
  }
}

/**
 * The row writer for columns with writer schema `root`: the bare value when unwrapped (a null value
 * never gets here: it is a tombstone), else a record of the columns.
 */
export function compileRowWriter(root: AvroNode, columns: readonly Column[], unwrapped: boolean, byName: boolean): RowWrite {
  const c = new WriterCompiler(byName);
  if (unwrapped) {
    const write = c.write(root, columns[0]!.type, '');
    return (w, values) => write(w, values[0]);
  }
  let record: RecordNode | undefined;
  let index = -1;
  if (root.kind === 'record') record = root;
  else if (root.kind === 'union') {
    const u = unionShape(root);
    if (u.kind === 'simple' && u.node.kind === 'record') [record, index] = [u.node, u.index];
  }
  if (!record) throw new AvroDataError(`The schema to write with is not a record: ${root.kind}`);
  const rowType: StructType = { kind: 'STRUCT', fields: columns.map((col) => ({ name: col.name, type: col.type })) };
  if (byName) {
    const names = new Set(record.fields.map((f) => f.name));
    const missing = columns.find((col) => !names.has(col.name));
    if (missing) throw new AvroDataError(`Schema from Schema Registry misses field with name: ${missing.name}`);
  }
  const fields = c.fields(record.fields, rowType, '').map((f) => ({
    source: f.source === undefined ? undefined : columns.findIndex((col) => col.name === f.source),
    write: f.write,
  }));
  return genRecordWriter(fields, index);
}
