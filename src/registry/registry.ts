/**
 * The schema registry as the engine uses it: asynchronous operations at statement time (register
 * a generated schema, read the latest one of a subject, fetch an id) that fill the synchronous
 * catalog the serdes read. Two implementations: EmbeddedRegistry (the default; it also serves the
 * Confluent REST API) and RemoteRegistry (a client of an external registry).
 */
import type { RegisteredSchema, SchemaCatalog, SchemaText } from './schema.js';

/** A schema as one version of a subject. */
export interface SubjectVersion extends RegisteredSchema {
  readonly subject: string;
  readonly version: number;
}

export type CompatibilityLevel = 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

/**
 * A registry error with Confluent's error code (40401 subject not found, 40402 version not found,
 * 40403 schema not found, 409 incompatible, 42201 invalid schema, 42202 invalid version, 42203
 * invalid compatibility level, 50001 store error) and the HTTP status it is served with.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return this.errorCode >= 1000 ? Math.floor(this.errorCode / 100) : this.errorCode;
  }
}

export interface SchemaRegistry {
  /** What this process knows, synchronously (the embedded registry: everything). */
  readonly catalog: SchemaCatalog;
  /** The latest version of a subject; undefined when the subject has none. */
  latest(subject: string): Promise<SubjectVersion | undefined>;
  /** A schema by id (fetched into the catalog); undefined when the registry has none. */
  byId(id: number): Promise<RegisteredSchema | undefined>;
  /**
   * Register a schema under a subject, or find it there already: its id. Throws a RegistryError
   * (409) when the subject's compatibility level refuses it, or (42201) when it is invalid.
   */
  register(subject: string, schema: SchemaText): Promise<number>;
  /** The id of `schema` if it is registered under subject (into the catalog), else undefined. */
  lookup(subject: string, schema: SchemaText): Promise<number | undefined>;
  close(): Promise<void>;
}
