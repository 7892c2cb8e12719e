/**
 * Serialization formats for keys and values. A serde converts between the bytes of a record's key
 * or value and an array of column values (in the order of the columns it was built for), using the
 * value representation of src/types/sql-type.ts.
 */
import type { Column } from '../types/schema.js';

export type FormatName = 'JSON' | 'DELIMITED' | 'KAFKA' | 'NONE' | 'AVRO' | 'PROTOBUF' | 'PROTOBUF_NOSR' | 'JSON_SR';

export interface FormatOptions {
  /** VALUE_DELIMITER / KEY_DELIMITER for DELIMITED: a single character, or 'TAB' / 'SPACE'. */
  readonly delimiter?: string;
  /**
   * WRAP_SINGLE_VALUE: for a single column, whether the serialized form is an object/record holding
   * the field (true, the default for values) or the bare value (false). Keys are unwrapped by default.
   */
  readonly wrapSingleValue?: boolean;
  /**
   * The engine's default for WRAP_SINGLE_VALUE (ksql.persistence.wrap.single.values). Unlike an
   * explicit wrapSingleValue it applies silently: only to values, only when there is one column.
   */
  readonly defaultWrapSingleValue?: boolean;
  /** The topic, named in deserialization error messages as ksqlDB does. */
  readonly topic?: string;
  /**
   * KEY_SCHEMA_ID / VALUE_SCHEMA_ID (schema-registry formats): the registered schema the columns
   * were inferred from, which records are also written with.
   */
  readonly schemaId?: number;
  /**
   * KEY_SCHEMA_FULL_NAME / VALUE_SCHEMA_FULL_NAME (AVRO, PROTOBUF): the name of the generated
   * record (Avro; keys default to `io.confluent.ksql.avro_schemas.<Name>Key`), or the message of a
   * .proto file to use (Protobuf).
   */
  readonly fullSchemaName?: string;
  /** KEY/VALUE_PROTOBUF_NULLABLE_REPRESENTATION (PROTOBUF, PROTOBUF_NOSR): how nullable fields are written. */
  readonly nullableRepresentation?: 'optional' | 'wrapper';
  /** PROTOBUF: single values are unwrapped from google.protobuf wrapper messages (ksqlDB sets it on every new source). */
  readonly unwrapPrimitives?: boolean;
}

export interface Serde {
  /** Column values → bytes. `null` values (the whole row absent) → null bytes (a tombstone). */
  serialize(values: readonly unknown[] | null): Buffer | null;
  /**
   * Bytes → column values, coerced to the column types. null bytes → null.
   * Throws a SerdeError (with a ksqlDB-like message) on malformed input.
   */
  deserialize(bytes: Buffer | null): unknown[] | null;
  /**
   * As deserialize, writing the values into out[at...] instead of a new array (the hot path of
   * source decoding); false when the row is null, leaving out alone. Optional: formats without it
   * are read through deserialize.
   */
  deserializeInto?(bytes: Buffer | null, out: unknown[], at: number): boolean;
}

export class SerdeError extends Error {
  override readonly name = 'SerdeError';
}

export type SerdeFactory = (columns: readonly Column[], options: FormatOptions, isKey: boolean) => Serde;
