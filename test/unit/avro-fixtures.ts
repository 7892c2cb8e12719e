/** Helpers shared by the AVRO unit tests. */
import avro from 'avsc';
import { avroFormat, avroSchemaSupport } from '../../src/serde/avro/index.js';
import { SerdeError, type FormatOptions } from '../../src/serde/serde.js';
import { Decimal } from '../../src/types/decimal.js';
import { T, type SqlType } from '../../src/types/sql-type.js';
import type { Column } from '../../src/types/schema.js';
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText } from '../../src/registry/schema.js';
export const col = (name: string, type: SqlType, namespace: 'KEY' | 'VALUE' = 'VALUE'): Column => ({ name, type, namespace });

/** A catalog: schemas registered under subjects, compared in canonical form. */
export class TestCatalog implements SchemaCatalog {
  readonly schemas = new Map<number, RegisteredSchema>();
  readonly subjects = new Map<string, number[]>();
  readonly refs = new Map<string, RegisteredSchema>();
  lookups = 0;
  private next = 1;

  register(subject: string, schema: SchemaText | object | string, id = this.next++): number {
    const text: SchemaText =
      typeof schema === 'string' ? { schemaType: 'AVRO', schema: JSON.stringify(schema) } : 'schemaType' in schema ? (schema as SchemaText) : { schemaType: 'AVRO', schema: JSON.stringify(schema) };
    this.schemas.set(id, { ...text, id });
    this.subjects.set(subject, [...(this.subjects.get(subject) ?? []), id]);
    this.next = Math.max(this.next, id + 1);
    return id;
  }
  byId(id: number): RegisteredSchema | undefined {
    this.lookups++;
    return this.schemas.get(id);
  }
  idOf(subject: string, schema: SchemaText): number | undefined {
    const c = avroSchemaSupport.canonical(schema, this);
    return (this.subjects.get(subject) ?? []).find((id) => avroSchemaSupport.canonical(this.schemas.get(id)!, this) === c);
  }
  reference(ref: SchemaReference): RegisteredSchema | undefined {
    return this.refs.get(`${ref.subject}/${ref.version}`);
  }
}

export const schemaOf = (columns: Column[], options: FormatOptions = {}, isKey = false) => JSON.parse(avroFormat.schemaFor(columns, options, isKey).schema);

/** A serde over its generated schema, registered under topic t. */
export function generatedSerde(columns: Column[], options: FormatOptions = {}, isKey = false) {
  const catalog = new TestCatalog();
  const schema = avroFormat.schemaFor(columns, options, isKey);
  const id = catalog.register(`t-${isKey ? 'key' : 'value'}`, schema);
  const serde = avroFormat.createSerde(columns, options, isKey, { topic: 't', catalog });
  return { serde, catalog, schema, id };
}

/** Bytes of `value` written by avsc with `schema` and framed with `id`. */
export function avscBytes(schema: unknown, value: unknown, id: number): Buffer {
  const body = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: true }).toBuffer(value);
  const out = Buffer.alloc(5 + body.length);
  out.writeInt32BE(id, 1);
  body.copy(out, 5);
  return out;
}

export const CONNECT_DATE = { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date', logicalType: 'date' };
export const decimal = (p: number, s: number) => ({
  type: 'bytes',
  scale: s,
  precision: p,
  'connect.version': 1,
  'connect.parameters': { scale: String(s), 'connect.decimal.precision': String(p) },
  'connect.name': 'org.apache.kafka.connect.data.Decimal',
  logicalType: 'decimal',
});

