/**
 * The embedded schema registry (the default): its state lives in a topic of the engine's log
 * (`_schemas`: in the data directory on the embedded log, a compacted topic on Kafka), in
 * Confluent's record layout (registry-state.ts). It serves the engine and, through
 * src/server/registry-routes.ts, Confluent's REST API.
 */
import type { Log } from '../storage/log/log.js';
import type { RegisteredSchema, SchemaText } from './schema.js';
import { RegistryError, type CompatibilityLevel, type SchemaRegistry, type SubjectVersion } from './registry.js';
import { RegistryState, type RegistryRecordKey, type SchemaRecordValue } from './registry-state.js';
import { compatibilityProblems } from './compatibility.js';

export const DEFAULT_SCHEMAS_TOPIC = '_schemas';

const READ_CHUNK = 1000;
const MAX_ATTEMPTS = 10;

export class EmbeddedRegistry implements SchemaRegistry {
  readonly state = new RegistryState();
  private position = 0;
  /** Writes (and the reads they depend on) one at a time. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly log: Log,
    readonly topic: string,
  ) {}

  static async open(log: Log, topic = DEFAULT_SCHEMAS_TOPIC): Promise<EmbeddedRegistry> {
    if (!(await log.describeTopic(topic))) await log.createTopic(topic, { partitions: 1, cleanupPolicy: 'compact' });
    const r = new EmbeddedRegistry(log, topic);
    await r.catchUp();
    return r;
  }

  get catalog(): RegistryState {
    return this.state;
  }

  /** Apply what other writers (servers sharing the topic) appended since the last read. */
  async catchUp(): Promise<void> {
    const end = (await this.log.endOffsets(this.topic))[0] ?? 0;
    while (this.position < end) {
      const records = await this.log.read(this.topic, 0, this.position, READ_CHUNK);
      if (records.length === 0) break; // compaction left a gap at the end
      for (const r of records) this.state.apply(r.key, r.value);
      this.position = records[records.length - 1]!.offset + 1;
    }
  }

  async latest(subject: string): Promise<SubjectVersion | undefined> {
    await this.catchUp();
    return this.subjectVersion(subject, -1);
  }

  async byId(id: number): Promise<RegisteredSchema | undefined> {
    if (!this.state.schemas.has(id)) await this.catchUp();
    return this.state.byId(id);
  }

  async lookup(subject: string, schema: SchemaText): Promise<number | undefined> {
    await this.catchUp();
    return this.state.idOf(subject, schema);
  }

  register(subject: string, schema: SchemaText): Promise<number> {
    return this.registerAs(subject, schema, undefined);
  }

  /**
   * Register with a given id, as Confluent's IMPORT mode (and ksqlDB's test harness) does; refused
   * when the id already names another schema.
   */
  registerWithId(subject: string, schema: SchemaText, id: number): Promise<number> {
    return this.registerAs(subject, schema, id);
  }

  private registerAs(subject: string, schema: SchemaText, forcedId: number | undefined): Promise<number> {
    return this.serialized(async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        await this.catchUp();
        const existing = this.state.idOf(subject, schema);
        if (existing !== undefined) return existing;
        let identity: string;
        try {
          identity = this.state.identity(schema);
        } catch (e) {
          throw new RegistryError(42201, `Invalid schema ${schema.schema} with refs ${JSON.stringify(schema.references ?? [])} of type ${schema.schemaType}, details: ${(e as Error).message}`);
        }
        const previous = this.state.liveVersions(subject).map((v) => this.state.byId(v.id)!);
        const problems = compatibilityProblems(this.state.level(subject), schema, previous, this.state);
        if (problems.length > 0) {
          throw new RegistryError(409, `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${problems.join(', ')}]`);
        }
        const taken = forcedId !== undefined ? this.state.schemas.get(forcedId) : undefined;
        if (taken && taken.canonical !== identity) throw new RegistryError(42205, `Overwrite new schema with id ${forcedId} is not permitted.`);
        const id = forcedId ?? this.state.idForIdentity(identity) ?? this.state.maxId + 1;
        const all = this.state.subjects.get(subject) ?? [];
        const version = (all[all.length - 1]?.version ?? 0) + 1;
        const value: SchemaRecordValue = {
          subject,
          version,
          id,
          ...(schema.schemaType === 'AVRO' ? {} : { schemaType: schema.schemaType }),
          schema: schema.schema,
          ...(schema.references && schema.references.length > 0 ? { references: schema.references } : {}),
          deleted: false,
        };
        await this.append({ keytype: 'SCHEMA', subject, version, magic: 1 }, value);
        await this.catchUp();
        // Another server may have claimed the id or version first: then try again.
        if (this.state.version(subject, version)?.id === id && this.state.schemas.get(id)?.canonical === identity) return id;
      }
      throw new RegistryError(50001, `Could not register a schema under subject "${subject}": the registry topic kept changing`);
    });
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
  }

  // ---- the REST API's operations (src/server/registry-routes.ts) ----

  async subjects(includeDeleted = false): Promise<string[]> {
    await this.catchUp();
    return [...this.state.subjects].filter(([, vs]) => includeDeleted || vs.some((v) => !v.deleted)).map(([s]) => s).sort();
  }

  async versions(subject: string, includeDeleted = false): Promise<number[]> {
    await this.catchUp();
    const vs = (this.state.subjects.get(subject) ?? []).filter((v) => includeDeleted || !v.deleted);
    if (vs.length === 0) throw subjectNotFound(subject);
    return vs.map((v) => v.version);
  }

  /** Version -1 is `latest`. */
  async version(subject: string, version: number, includeDeleted = false): Promise<SubjectVersion> {
    await this.catchUp();
    if (!this.state.subjects.has(subject)) throw subjectNotFound(subject);
    const v = this.subjectVersion(subject, version, includeDeleted);
    if (!v) throw new RegistryError(40402, `Version ${version === -1 ? 'latest' : version} not found.`);
    return v;
  }

  /** Soft delete (the versions stay readable by id) or, permanent, a hard delete of soft-deleted versions. */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.serialized(async () => {
      await this.catchUp();
      const all = this.state.subjects.get(subject) ?? [];
      if (all.length === 0) throw subjectNotFound(subject);
      if (permanent) {
        const live = all.filter((v) => !v.deleted);
        if (live.length > 0) throw new RegistryError(40405, `Subject '${subject}' was not deleted first before being permanently deleted`);
        for (const v of all) await this.append({ keytype: 'SCHEMA', subject, version: v.version, magic: 1 }, null);
        await this.catchUp();
        return all.map((v) => v.version);
      }
      const live = all.filter((v) => !v.deleted);
      if (live.length === 0) throw new RegistryError(40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`);
      await this.append({ keytype: 'DELETE_SUBJECT', subject, magic: 0 }, { subject, version: live[live.length - 1]!.version });
      await this.catchUp();
      return live.map((v) => v.version);
    });
  }

  deleteVersion(subject: string, version: number, permanent: boolean): Promise<number> {
    return this.serialized(async () => {
      await this.catchUp();
      if (!this.state.subjects.has(subject)) throw subjectNotFound(subject);
      const entry = this.state.version(subject, version, true);
      if (!entry) throw new RegistryError(40402, `Version ${version === -1 ? 'latest' : version} not found.`);
      const schema = this.state.byId(entry.id)!;
      if (permanent) {
        if (!entry.deleted) throw new RegistryError(40407, `Subject '${subject}' Version ${entry.version} was not deleted first before being permanently deleted`);
        await this.append({ keytype: 'SCHEMA', subject, version: entry.version, magic: 1 }, null);
      } else {
        if (entry.deleted) throw new RegistryError(40406, `Subject '${subject}' Version ${entry.version} was soft deleted.Set permanent=true to delete permanently`);
        const value: SchemaRecordValue = {
          subject,
          version: entry.version,
          id: entry.id,
          ...(schema.schemaType === 'AVRO' ? {} : { schemaType: schema.schemaType }),
          schema: schema.schema,
          ...(schema.references ? { references: schema.references } : {}),
          deleted: true,
        };
        await this.append({ keytype: 'SCHEMA', subject, version: entry.version, magic: 1 }, value);
      }
      await this.catchUp();
      return entry.version;
    });
  }

  async config(subject?: string): Promise<CompatibilityLevel> {
    await this.catchUp();
    if (subject !== undefined && !this.state.subjectLevels.has(subject)) throw new RegistryError(40408, `Subject '${subject}' does not have subject-level compatibility configured`);
    return this.state.level(subject);
  }

  setConfig(subject: string | undefined, level: CompatibilityLevel | undefined): Promise<void> {
    return this.serialized(async () => {
      await this.append({ keytype: 'CONFIG', subject: subject ?? null, magic: 0 }, level === undefined ? null : { compatibilityLevel: level });
      await this.catchUp();
    });
  }

  /** Whether `schema` could be registered as the next version after `version` (-1: latest) of the subject. */
  async compatibility(subject: string, version: number, schema: SchemaText): Promise<string[]> {
    const against = await this.version(subject, version);
    try {
      this.state.identity(schema);
    } catch (e) {
      throw new RegistryError(42201, `Invalid schema: ${(e as Error).message}`);
    }
    const level = this.state.level(subject);
    const previous = level.endsWith('_TRANSITIVE') ? this.state.liveVersions(subject).map((v) => this.state.byId(v.id)!) : [against];
    return compatibilityProblems(level, schema, previous, this.state);
  }

  /** The subject-versions that use a schema id. */
  async usesOf(id: number): Promise<{ subject: string; version: number }[]> {
    await this.catchUp();
    if (!this.state.schemas.has(id)) throw new RegistryError(40403, `Schema ${id} not found`);
    const out: { subject: string; version: number }[] = [];
    for (const [subject, vs] of this.state.subjects) for (const v of vs) if (v.id === id && !v.deleted) out.push({ subject, version: v.version });
    return out;
  }

  private subjectVersion(subject: string, version: number, includeDeleted = false): SubjectVersion | undefined {
    const v = this.state.version(subject, version, includeDeleted);
    if (!v) return undefined;
    const s = this.state.byId(v.id)!;
    return { subject, version: v.version, id: s.id, schemaType: s.schemaType, schema: s.schema, ...(s.references ? { references: s.references } : {}) };
  }

  private async append(key: RegistryRecordKey, value: unknown): Promise<void> {
    await this.log.append(this.topic, [{ key: Buffer.from(JSON.stringify(key)), value: value === null ? null : Buffer.from(JSON.stringify(value)), partition: 0 }]);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function subjectNotFound(subject: string): RegistryError {
  return new RegistryError(40401, `Subject '${subject}' not found.`);
}
