/**
 * The Avro schema ksqlDB generates for columns: its AvroSchemas names every nested struct and map
 * after the path to it (`KsqlDataSourceSchema_ADDRESS`, `..._M_MapValue`), and Confluent's AvroData
 * (with connect meta data, as ksqlDB configures it) turns the Connect schema into Avro: optional
 * fields as ["null", T] with a null default, maps as arrays of MapEntry records (ksqlDB's map keys
 * are optional strings, which Avro maps cannot hold), DECIMAL/DATE/TIME/TIMESTAMP with Connect's
 * names and Avro logical types, and "connect.name" on named Connect types. The text is written as
 * Java Avro prints it, so it equals the schemas ksqlDB registers.
 */
import { AnalysisError } from '../../errors.js';
import type { SqlType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import type { FormatOptions } from '../serde.js';
import { checkName, splitName } from './model.js';

export const AVRO_NAMESPACE = 'io.confluent.ksql.avro_schemas';
export const DEFAULT_SCHEMA_NAME = `${AVRO_NAMESPACE}.KsqlDataSourceSchema`;

const CONNECT = 'org.apache.kafka.connect.data.';

/** Whether a single column is written bare: keys unwrapped by default, values wrapped. */
export function isUnwrapped(columns: readonly Column[], options: FormatOptions, isKey: boolean): boolean {
  if (columns.length !== 1) return false;
  if (options.wrapSingleValue !== undefined) return !options.wrapSingleValue;
  if (!isKey && options.defaultWrapSingleValue !== undefined) return !options.defaultWrapSingleValue;
  return isKey;
}

/** The record's full name: KEY/VALUE_SCHEMA_FULL_NAME, or ksqlDB's default. */
export function fullSchemaName(options: FormatOptions): string {
  const name = options.fullSchemaName;
  if (name === undefined) return DEFAULT_SCHEMA_NAME;
  const trimmed = name.trim();
  if (trimmed === '') throw new AnalysisError(`fullSchemaName cannot be empty. Format configuration: {fullSchemaName=${trimmed}}`);
  return trimmed;
}

function checkMapKeys(t: SqlType): void {
  switch (t.kind) {
    case 'MAP':
      if (t.key.kind !== 'STRING') throw new AnalysisError('Avro only supports MAPs with STRING keys');
      checkMapKeys(t.key);
      return checkMapKeys(t.value);
    case 'ARRAY':
      return checkMapKeys(t.element);
    case 'STRUCT':
      return t.fields.forEach((f) => checkMapKeys(f.type));
  }
}

type Json = string | number | null | Json[] | { [k: string]: Json };

class Generator {
  private readonly defined = new Set<string>();

  /** The Avro form of a type; `root` for an unwrapped single column, which is not optional. */
  type(t: SqlType, context: string, root: boolean, enclosingNs: string | undefined): Json {
    switch (t.kind) {
      case 'BOOLEAN':
        return 'boolean';
      case 'INTEGER':
        return 'int';
      case 'BIGINT':
        return 'long';
      case 'DOUBLE':
        return 'double';
      case 'STRING':
        return 'string';
      case 'BYTES':
        return 'bytes';
      case 'DATE':
        return logical('int', 'Date', 'date', root);
      case 'TIME':
        return logical('int', 'Time', 'time-millis', root);
      case 'TIMESTAMP':
        return logical('long', 'Timestamp', 'timestamp-millis', root);
      case 'DECIMAL': {
        const d: { [k: string]: Json } = { type: 'bytes', scale: t.scale, precision: t.precision };
        if (!root) d['connect.version'] = 1;
        d['connect.parameters'] = { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) };
        d['connect.name'] = CONNECT + 'Decimal';
        d['logicalType'] = 'decimal';
        return d;
      }
      case 'ARRAY':
        return { type: 'array', items: this.optional(t.element, context, enclosingNs) };
      case 'MAP': {
        const entry = this.record(
          context,
          [
            ['key', this.optional(t.key, `${context}_MapKey`, namespaceOf(context))],
            ['value', this.optional(t.value, `${context}_MapValue`, namespaceOf(context))],
          ],
          enclosingNs,
          { 'connect.internal.type': 'MapEntry' },
        );
        return { type: 'array', items: entry, 'connect.name': context };
      }
      case 'STRUCT': {
        const ns = namespaceOf(context);
        const fields: [string, Json][] = [];
        this.checkRecordName(context);
        for (const f of t.fields) {
          const type = this.optional(f.type, `${context}_${f.name}`, ns);
          fields.push([checkName(avroFieldName(f.name)), type]);
        }
        return this.record(context, fields, enclosingNs, { 'connect.name': context }, false);
      }
      default:
        throw new AnalysisError(`Type ${t.kind} cannot be written as Avro`);
    }
  }

  optional(t: SqlType, context: string, enclosingNs: string | undefined): Json {
    return ['null', this.type(t, context, false, enclosingNs)];
  }

  checkRecordName(full: string): void {
    const [ns, name] = splitName(full);
    checkName(name);
    if (ns !== undefined) for (const part of ns.split('.')) checkName(part);
    if (this.defined.has(full)) throw new Error(`Can't redefine: ${full}`);
    this.defined.add(full);
  }

  /** A record in Java Avro's layout; its fields nullable with a null default. */
  record(full: string, fields: readonly [string, Json][], enclosingNs: string | undefined, props: Record<string, Json>, check = true): Json {
    if (check) this.checkRecordName(full);
    const [ns, name] = splitName(full);
    const r: { [k: string]: Json } = { type: 'record', name };
    if (ns !== enclosingNs) r['namespace'] = ns ?? '';
    r['fields'] = fields.map(([n, type]) => ({ name: n, type, default: null }));
    return Object.assign(r, props);
  }
}

function namespaceOf(full: string): string | undefined {
  return splitName(full)[0];
}

/** AvroSchemas: the only characters it expects to replace are the dots of qualified names. */
function avroFieldName(name: string): string {
  return name.replace(/\./g, '_');
}

/** A Connect logical type: at the root ksqlDB's AvroSchemas rebuilds it without its version. */
function logical(base: string, connectName: string, logicalType: string, root: boolean): Json {
  const o: { [k: string]: Json } = { type: base };
  if (!root) o['connect.version'] = 1;
  o['connect.name'] = CONNECT + connectName;
  o['logicalType'] = logicalType;
  return o;
}

/** The generated schema's JSON text for the columns. Throws an AnalysisError when Avro cannot hold them. */
export function generateSchema(columns: readonly Column[], options: FormatOptions, isKey: boolean): string {
  const full = fullSchemaName(options);
  for (const c of columns) checkMapKeys(c.type);
  const g = new Generator();
  try {
    let json: Json;
    if (isUnwrapped(columns, options, isKey)) json = g.type(columns[0]!.type, full, true, undefined);
    else json = g.type({ kind: 'STRUCT', fields: columns.map((c) => ({ name: c.name, type: c.type })) }, full, true, undefined);
    return JSON.stringify(json);
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(`Schema is not compatible with Avro: ${(e as Error).message}`);
  }
}
