/**
 * The embedded registry's state, rebuilt from its log topic (`_schemas`): records in the layout of
 * Confluent Schema Registry's own store, so either can read the other's topic. Keys are JSON
 * `{"keytype":"SCHEMA","subject":s,"version":v,"magic":1}` (also CONFIG, DELETE_SUBJECT,
 * CLEAR_SUBJECT, NOOP); SCHEMA values `{"subject","version","id","schemaType"?,"schema",
 * "references"?,"deleted"}`; a null value deletes the key.
 *
 * Several servers may write the same topic. Every reader applies the records in log order and the
 * first record to claim an id or a subject's version wins; a later conflicting one is ignored, so
 * all servers agree, and a writer that lost re-reads and tries again (EmbeddedRegistry.register).
 */
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText, SchemaType } from './schema.js';
import type { CompatibilityLevel } from './registry.js';
import { COMPATIBILITY_LEVELS } from './registry.js';
import { parseSchemaType, schemaTypeSupport } from './schema-types.js';

export interface StoredSchema extends RegisteredSchema {
  readonly canonical: string;
}

export interface VersionEntry {
  readonly version: number;
  readonly id: number;
  deleted: boolean;
}

export type RegistryRecordKey =
  | { readonly keytype: 'SCHEMA'; readonly subject: string; readonly version: number; readonly magic: 1 }
  | { readonly keytype: 'CONFIG'; readonly subject: string | null; readonly magic: 0 }
  | { readonly keytype: 'DELETE_SUBJECT' | 'CLEAR_SUBJECT'; readonly subject: string; readonly magic: 0 }
  | { readonly keytype: 'NOOP'; readonly magic: 0 };

export interface SchemaRecordValue {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType?: SchemaType;
  readonly schema: string;
  readonly references?: readonly SchemaReference[];
  readonly deleted: boolean;
}

export class RegistryState implements SchemaCatalog {
  readonly schemas = new Map<number, StoredSchema>();
  /** Subject → its versions, in version order (soft-deleted ones kept, marked). */
  readonly subjects = new Map<string, VersionEntry[]>();
  globalLevel: CompatibilityLevel = 'BACKWARD';
  readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private readonly idsByCanonical = new Map<string, number>();
  /** Canonical forms of texts already seen (canonicalizing parses the schema). */
  private readonly canonicalCache = new Map<string, string>();
  maxId = 0;

  /** The canonical identity of a schema (type, canonical text, references); throws if invalid. */
  identity(schema: SchemaText): string {
    const raw = `${schema.schemaType}\u0000${schema.schema}\u0000${JSON.stringify(schema.references ?? [])}`;
    let c = this.canonicalCache.get(raw);
    if (c === undefined) {
      c = `${schema.schemaType}\u0000${schemaTypeSupport(schema.schemaType).canonical(schema, this)}\u0000${JSON.stringify(schema.references ?? [])}`;
      this.canonicalCache.set(raw, c);
    }
    return c;
  }

  /** The id any subject already uses for this schema (ids are global, shared by equal schemas). */
  idForIdentity(identity: string): number | undefined {
    return this.idsByCanonical.get(identity);
  }

  byId(id: number): RegisteredSchema | undefined {
    return this.schemas.get(id);
  }

  idOf(subject: string, schema: SchemaText): number | undefined {
    const versions = this.subjects.get(subject);
    if (!versions) return undefined;
    let identity: string;
    try {
      identity = this.identity(schema);
    } catch {
      return undefined;
    }
    // The same schema may have several ids (registered with given ids, as an import does).
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (!v.deleted && this.schemas.get(v.id)?.canonical === identity) return v.id;
    }
    return undefined;
  }

  reference(ref: SchemaReference): RegisteredSchema | undefined {
    const v = this.version(ref.subject, ref.version);
    return v === undefined ? undefined : this.schemas.get(v.id);
  }

  /** A live version (version -1: the latest). */
  version(subject: string, version: number, includeDeleted = false): VersionEntry | undefined {
    const live = (this.subjects.get(subject) ?? []).filter((v) => includeDeleted || !v.deleted);
    return version === -1 ? live[live.length - 1] : live.find((v) => v.version === version);
  }

  liveVersions(subject: string): VersionEntry[] {
    return (this.subjects.get(subject) ?? []).filter((v) => !v.deleted);
  }

  level(subject: string | undefined): CompatibilityLevel {
    return (subject !== undefined ? this.subjectLevels.get(subject) : undefined) ?? this.globalLevel;
  }

  /** Apply one record of the topic. Malformed or conflicting records are ignored. */
  apply(keyBytes: Buffer | null, valueBytes: Buffer | null): void {
    if (keyBytes === null) return;
    let key: RegistryRecordKey;
    let value: unknown;
    try {
      key = JSON.parse(keyBytes.toString('utf8')) as RegistryRecordKey;
      value = valueBytes === null ? null : JSON.parse(valueBytes.toString('utf8'));
    } catch {
      return;
    }
    switch (key.keytype) {
      case 'SCHEMA':
        if (value === null) this.removeVersion(key.subject, key.version);
        else this.applySchema(value as SchemaRecordValue);
        return;
      case 'CONFIG': {
        const level = (value as { compatibilityLevel?: string } | null)?.compatibilityLevel as CompatibilityLevel | undefined;
        const valid = level !== undefined && COMPATIBILITY_LEVELS.includes(level);
        if (key.subject === null) this.globalLevel = valid ? level : 'BACKWARD';
        else if (valid) this.subjectLevels.set(key.subject, level);
        else this.subjectLevels.delete(key.subject);
        return;
      }
      case 'DELETE_SUBJECT': {
        const upTo = (value as { version?: number } | null)?.version ?? Number.MAX_SAFE_INTEGER;
        for (const v of this.subjects.get(key.subject) ?? []) if (v.version <= upTo) v.deleted = true;
        return;
      }
      case 'CLEAR_SUBJECT': {
        const versions = this.subjects.get(key.subject);
        if (versions) this.subjects.set(key.subject, versions.filter((v) => !v.deleted));
        return;
      }
      case 'NOOP':
        return;
    }
  }

  private applySchema(v: SchemaRecordValue): void {
    const type = parseSchemaType(v.schemaType);
    if (type === undefined || typeof v.id !== 'number' || typeof v.version !== 'number' || typeof v.schema !== 'string') return;
    const text: SchemaText = { schemaType: type, schema: v.schema, ...(v.references && v.references.length > 0 ? { references: v.references } : {}) };
    let identity: string;
    try {
      identity = this.identity(text);
    } catch {
      return; // not a valid schema: a registry never stores one
    }
    const known = this.schemas.get(v.id);
    if (known && known.canonical !== identity) return; // the id belongs to another schema
    const versions = this.subjects.get(v.subject) ?? [];
    const existing = versions.find((e) => e.version === v.version);
    if (existing && existing.id !== v.id) return; // the version belongs to another schema
    if (!known) {
      this.schemas.set(v.id, { id: v.id, ...text, canonical: identity });
      if (!this.idsByCanonical.has(identity)) this.idsByCanonical.set(identity, v.id);
      if (v.id > this.maxId) this.maxId = v.id;
    }
    if (existing) existing.deleted = v.deleted === true;
    else {
      versions.push({ version: v.version, id: v.id, deleted: v.deleted === true });
      versions.sort((a, b) => a.version - b.version);
      this.subjects.set(v.subject, versions);
    }
  }

  private removeVersion(subject: string, version: number): void {
    const versions = this.subjects.get(subject);
    if (!versions) return;
    const rest = versions.filter((v) => v.version !== version);
    if (rest.length === 0) this.subjects.delete(subject);
    else this.subjects.set(subject, rest);
  }
}
