/**
 * Query results as Protobuf (`Accept: application/vnd.ksql.v1+protobuf`), as ksqlDB serves them:
 * the header carries `protoSchema`, the .proto of one message with a field per result column
 * (PROTOBUF_NOSR's schema for the columns), and each row is `{"row": {"protobufBytes": base64}}`.
 */
import { EMPTY_CATALOG } from '../registry/schema.js';
import { createSerde, schemaFormat } from '../serde/index.js';
import { jsonReader, type Reader } from '../serde/json-read.js';
import type { Column } from '../types/schema.js';
import type { HttpRequest } from './http-types.js';

export const KSQL_V1_PROTOBUF = 'application/vnd.ksql.v1+protobuf';

export function wantsProtobuf(req: HttpRequest): boolean {
  return String(req.headers['accept'] ?? '').includes(KSQL_V1_PROTOBUF);
}

export interface ProtoRows {
  readonly protoSchema: string;
  /** A row in wire (JSON) form → its message, base64. */
  encode(row: readonly unknown[]): string;
}

export function protoRows(columns: readonly Column[]): ProtoRows {
  const format = schemaFormat('PROTOBUF_NOSR')!;
  // Every result column is a field of the one message, key columns included.
  const fields = columns.map((c): Column => ({ name: c.name, type: c.type, namespace: 'VALUE' }));
  const options = { defaultWrapSingleValue: true };
  const protoSchema = format.schemaFor(fields, options, false).schema;
  const serde = createSerde('PROTOBUF_NOSR', fields, options, false, { topic: '', catalog: EMPTY_CATALOG });
  // Rows reach the server in wire form; read back into values as the JSON format would.
  const readers: Reader[] = fields.map((c) => jsonReader(c.type, false));
  return {
    protoSchema,
    encode: (row) => serde.serialize(readers.map((r, i) => r(row[i] ?? null)))!.toString('base64'),
  };
}
