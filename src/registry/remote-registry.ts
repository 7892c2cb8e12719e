/**
 * A client of an external Confluent-compatible schema registry (`ksql.schema.registry.url`, with
 * basic auth from `ksql.schema.registry.basic.auth.user.info` as ksqlDB takes it). Schemas it has
 * fetched or registered are kept in its catalog; ids are immutable, so the cache never goes stale.
 */
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText } from './schema.js';
import { RegistryError, type SchemaRegistry, type SubjectVersion } from './registry.js';
import { parseSchemaType, schemaTypeSupport } from './schema-types.js';

export interface RemoteRegistryOptions {
  readonly url: string;
  /** `user:password` for HTTP basic auth. */
  readonly userInfo?: string;
  readonly timeoutMs?: number;
}

interface SchemaBody {
  readonly subject?: string;
  readonly version?: number;
  readonly id?: number;
  readonly schemaType?: string;
  readonly schema: string;
  readonly references?: readonly SchemaReference[];
}

class RemoteCatalog implements SchemaCatalog {
  readonly ids = new Map<number, RegisteredSchema>();
  /** Ids the registry answered "not found" for (records naming them go to the processing log). */
  readonly missing = new Set<number>();
  constructor(private readonly fetchId: (id: number) => Promise<RegisteredSchema | undefined>) {}

  async prefetch(keys: Iterable<Buffer | null>, values: Iterable<Buffer | null>): Promise<void> {
    let wanted: Set<number> | undefined;
    for (const list of [keys, values]) {
      for (const b of list) {
        if (b === null || b.length < 5 || b[0] !== 0) continue;
        const id = b.readInt32BE(1);
        if (!this.ids.has(id) && !this.missing.has(id)) (wanted ??= new Set()).add(id);
      }
    }
    if (!wanted) return;
    for (const id of wanted) if ((await this.fetchId(id)) === undefined) this.missing.add(id);
  }

  /** subject → identity → id */
  readonly subjectIds = new Map<string, Map<string, number>>();
  readonly refs = new Map<string, RegisteredSchema>();

  identity(s: SchemaText): string {
    return `${s.schemaType}\u0000${schemaTypeSupport(s.schemaType).canonical(s, this)}\u0000${JSON.stringify(s.references ?? [])}`;
  }
  byId(id: number): RegisteredSchema | undefined {
    return this.ids.get(id);
  }
  idOf(subject: string, schema: SchemaText): number | undefined {
    try {
      return this.subjectIds.get(subject)?.get(this.identity(schema));
    } catch {
      return undefined;
    }
  }
  reference(ref: SchemaReference): RegisteredSchema | undefined {
    return this.refs.get(`${ref.subject}\u0000${ref.version}`);
  }
  remember(subject: string, s: RegisteredSchema): void {
    this.ids.set(s.id, s);
    let m = this.subjectIds.get(subject);
    if (!m) this.subjectIds.set(subject, (m = new Map()));
    try {
      m.set(this.identity(s), s.id);
    } catch {
      // a schema this process cannot parse: it can still be fetched by id
    }
  }
}

export class RemoteRegistry implements SchemaRegistry {
  readonly catalog = new RemoteCatalog((id) => this.byId(id));
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: RemoteRegistryOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.headers = { Accept: 'application/vnd.schemaregistry.v1+json, application/json', 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
    if (options.userInfo) this.headers['Authorization'] = `Basic ${Buffer.from(options.userInfo).toString('base64')}`;
  }

  async latest(subject: string): Promise<SubjectVersion | undefined> {
    const body = await this.request<SchemaBody>('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`, undefined, [40401, 40402]);
    if (!body) return undefined;
    const s = await this.withReferences(body);
    this.catalog.remember(subject, s);
    return { ...s, subject, version: body.version ?? 0 };
  }

  async byId(id: number): Promise<RegisteredSchema | undefined> {
    const known = this.catalog.byId(id);
    if (known) return known;
    const body = await this.request<SchemaBody>('GET', `/schemas/ids/${id}`, undefined, [40403]);
    if (!body) return undefined;
    const s = await this.withReferences({ ...body, id });
    this.catalog.ids.set(id, s);
    return s;
  }

  async register(subject: string, schema: SchemaText): Promise<number> {
    const known = this.catalog.idOf(subject, schema);
    if (known !== undefined) return known;
    const body = await this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, this.bodyOf(schema));
    this.catalog.remember(subject, { ...schema, id: body!.id });
    return body!.id;
  }

  async lookup(subject: string, schema: SchemaText): Promise<number | undefined> {
    const known = this.catalog.idOf(subject, schema);
    if (known !== undefined) return known;
    const body = await this.request<SchemaBody>('POST', `/subjects/${encodeURIComponent(subject)}`, this.bodyOf(schema), [40401, 40403]);
    if (!body?.id) return undefined;
    this.catalog.remember(subject, { ...schema, id: body.id });
    return body.id;
  }

  async close(): Promise<void> {}

  private bodyOf(schema: SchemaText): string {
    return JSON.stringify({
      schema: schema.schema,
      ...(schema.schemaType === 'AVRO' ? {} : { schemaType: schema.schemaType }),
      ...(schema.references && schema.references.length > 0 ? { references: schema.references } : {}),
    });
  }

  /** The schema with the schemas it references fetched into the catalog (for parsing it later). */
  private async withReferences(body: SchemaBody): Promise<RegisteredSchema> {
    const type = parseSchemaType(body.schemaType);
    if (!type) throw new RegistryError(42201, `Unknown schema type ${String(body.schemaType)}`);
    for (const ref of body.references ?? []) {
      const key = `${ref.subject}\u0000${ref.version}`;
      if (this.catalog.refs.has(key)) continue;
      const r = await this.request<SchemaBody>('GET', `/subjects/${encodeURIComponent(ref.subject)}/versions/${ref.version}`);
      this.catalog.refs.set(key, await this.withReferences(r!));
    }
    return { id: body.id ?? 0, schemaType: type, schema: body.schema, ...(body.references && body.references.length > 0 ? { references: body.references } : {}) };
  }

  /** One call; `absent` lists the error codes that mean "not there" (undefined instead of a throw). */
  private async request<T>(method: string, path: string, body?: string, absent: readonly number[] = []): Promise<T | undefined> {
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers: this.headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (e) {
      throw new RegistryError(50001, `Schema registry at ${this.base} is unreachable: ${(e as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const err = json as { error_code?: number; message?: string } | undefined;
    const code = err?.error_code ?? res.status;
    if (absent.includes(code)) return undefined;
    throw new RegistryError(code, err?.message ?? `Schema registry answered ${res.status} ${res.statusText}`);
  }
}
