/**
 * Confluent Schema Registry's REST API over the embedded registry, served by the same listener as
 * the ksqlDB API under the path prefix /schema-registry (so `http://host:8088/schema-registry` is
 * the `schema.registry.url` for Confluent's serializers and clients). Errors have the registry's
 * shape: `{"error_code": 40401, "message": "Subject 'x' not found."}`.
 */
import { COMPATIBILITY_LEVELS, RegistryError, type CompatibilityLevel } from '../registry/registry.js';
import type { EmbeddedRegistry } from '../registry/embedded-registry.js';
import type { SchemaReference, SchemaText } from '../registry/schema.js';
import { parseSchemaType, SCHEMA_TYPES } from '../registry/schema-types.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { readBody } from './rest-api.js';

export const REGISTRY_PREFIX = '/schema-registry';
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

function send(res: HttpResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Serve one request whose path starts with REGISTRY_PREFIX (`path` is the rest). */
export async function serveRegistry(registry: EmbeddedRegistry | undefined, req: HttpRequest, res: HttpResponse, path: string, query: URLSearchParams): Promise<void> {
  try {
    if (!registry) throw new RegistryError(40401, 'This server uses an external schema registry (ksql.schema.registry.url); it serves none itself.');
    const body = await route(registry, (req.method ?? 'GET').toUpperCase(), path.split('/').filter((p) => p !== '').map(decodeURIComponent), query, req);
    send(res, 200, body);
  } catch (e) {
    if (e instanceof RegistryError) send(res, e.status, { error_code: e.errorCode, message: e.message });
    else send(res, 500, { error_code: 50001, message: (e as Error).message });
  }
}

async function route(r: EmbeddedRegistry, method: string, p: readonly string[], q: URLSearchParams, req: HttpRequest): Promise<unknown> {
  const flag = (name: string) => q.get(name) === 'true';
  const [head, a, b, c, d] = p;
  if (p.length === 0) return {};
  if (head === 'subjects') {
    if (a === undefined) {
      if (method === 'GET') return r.subjects(flag('deleted'));
    } else if (b === undefined) {
      if (method === 'POST') {
        const schema = await readSchema(req);
        const id = await r.lookup(a, schema);
        if (id === undefined) {
          if ((await r.subjects(true)).includes(a)) throw new RegistryError(40403, 'Schema not found');
          throw new RegistryError(40401, `Subject '${a}' not found.`);
        }
        const version = r.state.liveVersions(a).find((v) => v.id === id)!.version;
        return versionBody(await r.version(a, version));
      }
      if (method === 'DELETE') return r.deleteSubject(a, flag('permanent'));
    } else if (b === 'versions') {
      if (c === undefined) {
        if (method === 'GET') return r.versions(a, flag('deleted'));
        if (method === 'POST') return { id: await r.register(a, await readSchema(req)) };
      } else {
        const version = parseVersion(c);
        if (d === undefined) {
          if (method === 'GET') return versionBody(await r.version(a, version, flag('deleted')));
          if (method === 'DELETE') return r.deleteVersion(a, version, flag('permanent'));
        } else if (d === 'schema' && method === 'GET') {
          return (await r.version(a, version)).schema;
        } else if (d === 'referencedby' && method === 'GET') {
          return [];
        }
      }
    }
  } else if (head === 'schemas') {
    if (a === 'types' && b === undefined && method === 'GET') return SCHEMA_TYPES;
    if (a === 'ids' && b !== undefined && method === 'GET') {
      const id = Number(b);
      const s = Number.isInteger(id) ? await r.byId(id) : undefined;
      if (!s) throw new RegistryError(40403, `Schema ${b} not found`);
      if (c === undefined) return { ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }), schema: s.schema, ...(s.references ? { references: s.references } : {}) };
      if (c === 'schema') return s.schema;
      if (c === 'subjects') return [...new Set((await r.usesOf(id)).map((u) => u.subject))];
      if (c === 'versions') return r.usesOf(id);
    }
  } else if (head === 'config') {
    if (method === 'GET') {
      if (a !== undefined && flag('defaultToGlobal')) return { compatibilityLevel: r.state.level(a) };
      return { compatibilityLevel: await r.config(a) };
    }
    if (method === 'PUT') {
      const level = parseLevel(await readJsonBody(req));
      await r.setConfig(a, level);
      return { compatibility: level };
    }
    if (method === 'DELETE' && a !== undefined) {
      const previous = await r.config(a);
      await r.setConfig(a, undefined);
      return { compatibilityLevel: previous };
    }
  } else if (head === 'compatibility' && a === 'subjects' && b !== undefined && c === 'versions' && d !== undefined && method === 'POST') {
    const problems = await r.compatibility(b, parseVersion(d), await readSchema(req));
    return { is_compatible: problems.length === 0, ...(flag('verbose') ? { messages: problems } : {}) };
  } else if (head === 'mode' && method === 'GET') {
    return { mode: 'READWRITE' };
  }
  throw new RegistryError(404, `HTTP 404 Not Found: ${method} /${p.join('/')}`);
}

function versionBody(v: { subject: string; version: number; id: number; schemaType: string; schema: string; references?: readonly SchemaReference[] }): unknown {
  return { subject: v.subject, version: v.version, id: v.id, ...(v.schemaType === 'AVRO' ? {} : { schemaType: v.schemaType }), schema: v.schema, ...(v.references ? { references: v.references } : {}) };
}

function parseVersion(text: string): number {
  if (text === 'latest' || text === '-1') return -1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) {
    throw new RegistryError(42202, `The specified version '${text}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
  }
  return n;
}

function parseLevel(body: unknown): CompatibilityLevel {
  const level = String((body as { compatibility?: unknown } | null)?.compatibility ?? '').toUpperCase() as CompatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level)) {
    throw new RegistryError(42203, 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive');
  }
  return level;
}

async function readJsonBody(req: HttpRequest): Promise<unknown> {
  const text = await readBody(req);
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw new RegistryError(400, `Unrecognized JSON: ${(e as Error).message}`);
  }
}

async function readSchema(req: HttpRequest): Promise<SchemaText> {
  const body = (await readJsonBody(req)) as { schema?: unknown; schemaType?: unknown; references?: unknown } | null;
  if (typeof body?.schema !== 'string') throw new RegistryError(42201, 'Either the input schema or one of its references is invalid: the schema is missing');
  const schemaType = parseSchemaType(body.schemaType);
  if (!schemaType) throw new RegistryError(42201, `Invalid schema type ${String(body.schemaType)}`);
  const refs = Array.isArray(body.references) ? (body.references as SchemaReference[]) : [];
  return { schemaType, schema: body.schema, ...(refs.length > 0 ? { references: refs } : {}) };
}
