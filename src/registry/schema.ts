/**
 * Schemas as a Confluent-compatible schema registry holds them, and the synchronous catalog the
 * serdes read them from. The serdes never wait on a registry: the engine registers and fetches
 * schemas when a statement runs or a query starts (async), and the hot path only looks them up.
 */

/** The registry's `schemaType`: AVRO (the default when absent), PROTOBUF or JSON (JSON Schema). */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** A named dependency of a schema: a Protobuf import, a JSON Schema $ref, an Avro named type. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** A schema's text as registered: Avro JSON, a .proto file, or a JSON Schema document. */
export interface SchemaText {
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references?: readonly SchemaReference[];
}

export interface RegisteredSchema extends SchemaText {
  readonly id: number;
}

/** Synchronous view of the schemas known to this process (a registry, or a cache in front of one). */
export interface SchemaCatalog {
  /** A registered schema by its global id; undefined when it is not (yet) known here. */
  byId(id: number): RegisteredSchema | undefined;
  /**
   * The id of a schema registered under `subject` that is the same as `schema` (compared in
   * canonical form, as the registry does); undefined when there is none known here.
   */
  idOf(subject: string, schema: SchemaText): number | undefined;
  /** The schema a reference names (a subject's version). */
  reference(ref: SchemaReference): RegisteredSchema | undefined;
  /**
   * Only on a catalog in front of a remote registry: fetch the schemas that framed keys (`keys`)
   * and values (`values`) name and that it does not know yet, before they are decoded — a producer
   * may have registered a new version since the query started.
   */
  prefetch?(keys: Iterable<Buffer | null>, values: Iterable<Buffer | null>): Promise<void>;
}

/** Where a serde's schemas come from: its topic's subjects, in a catalog. */
export interface SchemaBinding {
  readonly topic: string;
  readonly catalog: SchemaCatalog;
}

/** ksqlDB's subject names (TopicNameStrategy): `<topic>-key`, `<topic>-value`. */
export function subjectName(topic: string, isKey: boolean): string {
  return `${topic}-${isKey ? 'key' : 'value'}`;
}

/** A catalog that knows nothing: for serdes of formats that need no registry, and for tests. */
export const EMPTY_CATALOG: SchemaCatalog = {
  byId: () => undefined,
  idOf: () => undefined,
  reference: () => undefined,
};
