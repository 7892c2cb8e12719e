/**
 * Schema inference: the columns ksqlDB gives a registered Protobuf schema (its Connect view
 * translated by ConnectKsqlSchemaTranslator): INT32 → INTEGER, INT64 → BIGINT, FLOAT32/FLOAT64 →
 * DOUBLE, enums → STRING, maps → MAP<STRING, V>, decimals with their precision (64 when none is
 * declared) and scale. Names are upper-cased unless the schema was named by id; fields of types
 * ksqlDB cannot hold (maps with message keys) are left out.
 */
import { AnalysisError } from '../../errors.js';
import { T, type SqlType, type StructField } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import type { RegisteredSchema, SchemaCatalog } from '../../registry/schema.js';
import type { FormatOptions } from '../serde.js';
import type { ProtoMessage } from './model.js';
import { loadSchema, type LoadedSchema } from './load.js';
import { connectType, messageView, structFields, unionFields, type View, type ViewField, type ViewOptions } from './view.js';

class Unsupported extends Error {}

/** The message a schema's records use: the one options.fullSchemaName names, else the first. */
export function chooseMessage(loaded: LoadedSchema, fullSchemaName: string | undefined): ProtoMessage {
  const name = fullSchemaName?.trim();
  if (name) {
    const m = loaded.byName(name);
    if (!m) throw new AnalysisError(`Schema full name '${name}' does not name a message of the Protobuf schema.`);
    return m;
  }
  return loaded.first();
}

export function viewOptions(options: FormatOptions): ViewOptions {
  return { unwrapWrappers: options.unwrapPrimitives !== false || options.nullableRepresentation === 'wrapper' };
}

export function inferColumns(schema: RegisteredSchema, options: FormatOptions, isKey: boolean, catalog: SchemaCatalog): Column[] {
  let loaded: LoadedSchema;
  try {
    loaded = loadSchema(schema, catalog);
  } catch (e) {
    throw new AnalysisError((e as Error).message);
  }
  if (options.fullSchemaName === undefined || options.fullSchemaName.trim() === '') {
    const names = loaded.root.types.map((t) => t.fullName);
    if (names.length > 1) {
      const prop = isKey ? 'KEY_SCHEMA_FULL_NAME' : 'VALUE_SCHEMA_FULL_NAME';
      throw new AnalysisError(
        `${isKey ? 'Key' : 'Value'} schema has multiple schema definitions. \n\n${names.map((n) => '- ' + n).join('\n')}\n\n` +
          `Please specify a schema full name in the WITH clause using ${prop}`,
      );
    }
  }
  const message = chooseMessage(loaded, options.fullSchemaName);
  const opts = viewOptions(options);
  const root = messageView(message, opts);
  if (root.k !== 'struct') {
    throw new AnalysisError(
      "Schema returned from schema registry is anonymous type. To use this schema with ksqlDB, set 'WRAP_SINGLE_VALUE=false' in the WITH clause properties.",
    );
  }
  const upper = options.schemaId === undefined;
  const fields = structTargets(root.msg, opts, upper);
  if (fields.length === 0) {
    throw new AnalysisError(`Schema does not include any columns with types that ksqlDB supports.\nschema: ${message.fullName}`);
  }
  const namespace = isKey ? 'KEY' : 'VALUE';
  return fields.map((f) => ({ name: f.name, type: f.type, namespace }));
}

/** A message's fields as SQL-typed targets (names upper-cased when `upper`). */
export function structTargets(m: ProtoMessage, opts: ViewOptions, upper: boolean): StructField[] {
  return new Inference(opts, upper).struct(m);
}

/** The SQL type of a view (e.g. a bare wrapper message's scalar). */
export function viewSqlType(v: View, opts: ViewOptions): SqlType {
  return new Inference(opts, false).type(v);
}

class Inference {
  private readonly stack: ProtoMessage[] = [];

  constructor(
    private readonly opts: ViewOptions,
    private readonly upper: boolean,
  ) {}

  struct(m: ProtoMessage): StructField[] {
    if (this.stack.includes(m)) throw new AnalysisError(`Recursive Protobuf message '${m.fullName}' is not supported.`);
    this.stack.push(m);
    try {
      return this.fields(structFields(m, this.opts));
    } finally {
      this.stack.pop();
    }
  }

  private fields(list: readonly ViewField[]): StructField[] {
    const out: StructField[] = [];
    const seen = new Set<string>();
    for (const f of list) {
      let type: SqlType;
      try {
        type = this.type(f.view);
      } catch (e) {
        if (e instanceof Unsupported) continue; // ksqlDB logs and drops the field
        throw e;
      }
      const name = this.upper ? f.name.toUpperCase() : f.name;
      if (seen.has(name)) throw new AnalysisError(`Cannot create field because of field name duplication ${name}`);
      seen.add(name);
      out.push({ name, type });
    }
    return out;
  }

  type(v: View): SqlType {
    switch (v.k) {
      case 'scalar':
      case 'enum':
        switch (connectType(v)) {
          case 'int32':
            return T.INTEGER;
          case 'int64':
            return T.BIGINT;
          case 'float32':
          case 'float64':
            return T.DOUBLE;
          case 'boolean':
            return T.BOOLEAN;
          case 'string':
            return T.STRING;
          default:
            return T.BYTES;
        }
      case 'decimal':
        return T.decimal(v.precision ?? 64, v.scale);
      case 'date':
        return T.DATE;
      case 'time':
        return T.TIME;
      case 'timestamp':
        return T.TIMESTAMP;
      case 'array':
        return T.array(this.type(v.elem));
      case 'map': {
        const key = connectType(v.key);
        if (key !== 'int32' && key !== 'int64' && key !== 'boolean' && key !== 'string') throw new Unsupported();
        return T.map(T.STRING, this.type(v.value));
      }
      case 'struct':
        return T.struct(this.struct(v.msg));
      case 'union':
        return T.struct(this.fields(unionFields(v.oneof, this.opts)));
    }
  }
}
