/**
 * Schema inference: the columns a registered Avro schema gives, as ksqlDB's ConnectFormat and
 * ConnectKsqlSchemaTranslator derive them from AvroData's Connect schema. A record's fields become
 * columns with upper-cased names (names as written when the schema was named by KEY/VALUE_SCHEMA_ID);
 * a key, or a value with WRAP_SINGLE_VALUE=false, is a single ROWKEY / ROWVAL column of the schema's
 * type; fields of types ksqlDB cannot use (maps with unsupported key types) are left out.
 */
import { AnalysisError } from '../../errors.js';
import { T, type SqlType, type StructField } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import { connectOf, mapEntryParts, unionShape } from './connect.js';
import { decimalOf, type AvroNode } from './model.js';

/** A type ksqlDB cannot use: the struct field holding it is skipped. */
class UnsupportedType extends Error {}

interface Field {
  readonly name: string;
  readonly node: AvroNode;
}

/** The fields of a node that Connect sees as a struct (a record, or a union of several types). */
function structFields(n: AvroNode): Field[] {
  if (n.kind === 'record') return n.fields.map((f) => ({ name: f.name, node: f.type }));
  if (n.kind === 'union') {
    const u = unionShape(n);
    if (u.kind === 'simple') return structFields(u.node);
    return u.members.map((m) => ({ name: m.name, node: m.node }));
  }
  throw new Error(`Not a struct: ${n.kind}`);
}

class Inference {
  private readonly stack = new Set<AvroNode>();
  constructor(private readonly upper: boolean) {}

  type(n: AvroNode): SqlType {
    const c = connectOf(n);
    switch (c.type) {
      case 'int8':
      case 'int16':
      case 'int32':
        return c.logical === 'Date' ? T.DATE : c.logical === 'Time' ? T.TIME : T.INTEGER;
      case 'int64':
        return c.logical === 'Timestamp' ? T.TIMESTAMP : T.BIGINT;
      case 'float32':
      case 'float64':
        return T.DOUBLE;
      case 'boolean':
        return T.BOOLEAN;
      case 'string':
        return T.STRING;
      case 'bytes': {
        const d = decimalOf(unwrapSimple(n));
        if (!d) return T.BYTES;
        if (d.precision < 1) throw new Error(`DECIMAL precision must be >= 1: DECIMAL(${d.precision},${d.scale})`);
        if (d.scale < 0 || d.scale > d.precision) {
          throw new Error(`DECIMAL scale must be between 0 and precision: DECIMAL(${d.precision},${d.scale})`);
        }
        return T.decimal(d.precision, d.scale);
      }
      case 'array': {
        const a = unwrapSimple(n);
        if (a.kind !== 'array') throw new Error('Not an array');
        return T.array(this.type(a.items));
      }
      case 'map': {
        const m = unwrapSimple(n);
        if (m.kind === 'map') return T.map(T.STRING, this.type(m.values));
        const parts = mapEntryParts(m);
        if (!parts) throw new Error('Not a map');
        const keyType = connectOf(parts.key).type;
        if (!['int8', 'int16', 'int32', 'int64', 'boolean', 'string'].includes(keyType)) {
          throw new UnsupportedType(`Unsupported type for map key: ${keyType.toUpperCase()}`);
        }
        this.type(parts.key);
        return T.map(T.STRING, this.type(parts.value));
      }
      case 'struct':
        return this.struct(unwrapSimple(n));
    }
  }

  struct(n: AvroNode): SqlType {
    if (this.stack.has(n)) throw new Error(`Recursive schemas are not supported: ${n.kind === 'record' ? n.name : n.kind}`);
    this.stack.add(n);
    try {
      return T.struct(this.fields(structFields(n)));
    } finally {
      this.stack.delete(n);
    }
  }

  fields(fields: readonly Field[]): StructField[] {
    const out: StructField[] = [];
    const names = new Set<string>();
    for (const f of fields) {
      let type: SqlType;
      try {
        type = this.type(f.node);
      } catch (e) {
        if (e instanceof UnsupportedType) continue;
        throw e;
      }
      const name = this.upper ? f.name.toUpperCase() : f.name;
      if (names.has(name)) throw new Error(`Cannot create field because of field name duplication ${name}`);
      names.add(name);
      out.push({ name, type });
    }
    return out;
  }
}

/** A union of one type (and null) is that type. */
function unwrapSimple(n: AvroNode): AvroNode {
  if (n.kind !== 'union') return n;
  const u = unionShape(n);
  return u.kind === 'simple' ? unwrapSimple(u.node) : n;
}

/** A short text of a schema's fields for the "no columns" error. */
function fieldsText(n: AvroNode): string {
  try {
    return structFields(n)
      .map((f) => '`' + f.name + '` ' + connectOf(f.node).type.toUpperCase())
      .join(', ');
  } catch {
    return n.kind;
  }
}

/**
 * The columns of a schema. `unwrapped`: a key, or a value with WRAP_SINGLE_VALUE=false, whose schema
 * is the single column's type. `originalNames`: field names as written (KEY/VALUE_SCHEMA_ID).
 */
export function inferColumns(root: AvroNode, isKey: boolean, unwrapped: boolean, originalNames: boolean): Column[] {
  const namespace = isKey ? 'KEY' : 'VALUE';
  const inference = new Inference(!originalNames);
  try {
    let fields: StructField[];
    if (unwrapped) {
      fields = inference.fields([{ name: isKey ? 'ROWKEY' : 'ROWVAL', node: root }]);
    } else {
      if (connectOf(root).type !== 'struct') {
        throw new AnalysisError(
          'Schema returned from schema registry is anonymous type. ' +
            "To use this schema with ksqlDB, set 'WRAP_SINGLE_VALUE=false' in the WITH clause properties.",
        );
      }
      fields = inference.fields(structFields(unwrapSimple(root)));
    }
    if (fields.length === 0) {
      throw new AnalysisError(`Schema does not include any columns with types that ksqlDB supports.\nschema: ${fieldsText(unwrapSimple(root))}`);
    }
    return fields.map((f) => ({ name: f.name, type: f.type, namespace }));
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError((e as Error).message);
  }
}
