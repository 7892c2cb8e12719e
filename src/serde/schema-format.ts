/**
 * The formats whose records are described by a schema: AVRO, PROTOBUF, PROTOBUF_NOSR and JSON_SR.
 * Each is one module (src/serde/avro, src/serde/protobuf, src/serde/json-schema) implementing
 * SchemaFormat; src/serde/index.ts dispatches to them. Schema problems are AnalysisErrors with
 * ksqlDB's messages, raised when the serde or schema is made; per-record problems are SerdeErrors.
 */
import type { Column } from '../types/schema.js';
import type { RegisteredSchema, SchemaBinding, SchemaCatalog, SchemaText, SchemaType } from '../registry/schema.js';
import type { FormatOptions, Serde } from './serde.js';

export type SchemaFormatName = 'AVRO' | 'PROTOBUF' | 'PROTOBUF_NOSR' | 'JSON_SR';

export interface SchemaFormat {
  readonly name: SchemaFormatName;
  /** The registry's schemaType of its schemas; undefined for PROTOBUF_NOSR, which has no registry. */
  readonly schemaType: SchemaType | undefined;

  /**
   * The schema ksqlDB generates for columns (what CREATE with columns, CSAS and CTAS register, and
   * what records are written with when no schemaId is given): e.g. an Avro record
   * `io.confluent.ksql.avro_schemas.KsqlDataSourceSchema` with nullable fields. Throws an
   * AnalysisError when the columns cannot be represented (called at CREATE time).
   */
  schemaFor(columns: readonly Column[], options: FormatOptions, isKey: boolean): SchemaText;

  /**
   * Schema inference: the columns a registered schema gives (value columns, or key columns when
   * isKey), with ksqlDB's type mapping and unwrapping of a single non-record key/value. Throws an
   * AnalysisError with ksqlDB's message for schemas it cannot use.
   */
  columnsOf(schema: RegisteredSchema, options: FormatOptions, isKey: boolean, catalog: SchemaCatalog): Column[];

  /**
   * Serde for the columns. Reading: the writer schema is the one whose id the record carries (found
   * in binding.catalog; unknown → UnknownSchemaError), and a reader is compiled once per (writer
   * id, columns). Writing: with options.schemaId's schema when set, otherwise with schemaFor's
   * schema, whose id is binding.catalog.idOf(subject, schema) — the engine registers it first.
   * PROTOBUF_NOSR uses schemaFor's schema for both, without framing.
   */
  createSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean, binding: SchemaBinding): Serde;

  /**
   * Test vectors and PRINT: a JSON value as ksqlDB's test harness gives it (its "spec": field names
   * matched case-insensitively, decimals as numbers or strings, BYTES as base64, DATE as days, ...)
   * encoded with a schema, framed with `id` (none when undefined, for PROTOBUF_NOSR). `options`
   * are the topic's format options: Protobuf encodes with the message options.fullSchemaName
   * names (the harness does), not always the first.
   */
  encodeSpec(spec: unknown, schema: SchemaText, id: number | undefined, catalog: SchemaCatalog, options?: FormatOptions): Buffer;

  /**
   * The reverse: bytes decoded with the schema their id names (or `unframed`'s, for
   * PROTOBUF_NOSR) into the JSON shape ksqlDB's harness compares: records as objects keyed by the
   * schema's field names, decimals as numbers, BYTES as base64, logical dates/times as numbers.
   */
  decodeSpec(bytes: Buffer, catalog: SchemaCatalog, unframed?: SchemaText, options?: FormatOptions): unknown;
}

/**
 * What the registry needs to know about one schemaType: how to check a schema, compare two, and
 * judge evolution. Each schema format module exports one for its type.
 */
export interface SchemaTypeSupport {
  readonly schemaType: SchemaType;
  /**
   * The schema in canonical form, for equality (registering the same schema twice gives the same
   * id). Throws an Error naming the problem when the text is not a valid schema of this type.
   */
  canonical(schema: SchemaText, catalog: SchemaCatalog): string;
  /**
   * BACKWARD compatibility: the reasons data written with `older` cannot be read with `newer`
   * (empty when it can). FORWARD checks call it with the arguments swapped.
   */
  backwardProblems(newer: SchemaText, older: SchemaText, catalog: SchemaCatalog): string[];
}
