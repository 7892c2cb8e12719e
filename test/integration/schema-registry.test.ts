/**
 * The embedded schema registry: Confluent's REST API on the server's port under /schema-registry,
 * compatibility checks, durability across restarts (the `_schemas` topic of the embedded log), and
 * two registries sharing one topic agreeing on ids.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { SluiceServer } from '../../src/server/server.js';
import { EmbeddedRegistry } from '../../src/registry/embedded-registry.js';
import { openEmbeddedLog } from '../../src/storage/log/embedded/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-registry-'));
  dirs.push(d);
  return d;
}

const V1 = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }] });
// Adds a field with a default: readable with old data (BACKWARD compatible).
const V2 = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string', default: '' }] });
// Adds a field without a default: old data lacks it (not BACKWARD compatible).
const BAD = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }, { name: 'age', type: 'int' }] });

interface Reply {
  status: number;
  body: unknown;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${base}/schema-registry${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function withServer<T>(dataDir: string, f: (base: string, engine: Engine) => Promise<T>): Promise<T> {
  const engine = await Engine.open({ dataDir });
  const server = new SluiceServer(engine, { port: 0 });
  await server.listen();
  try {
    return await f(server.url.replace(/\/$/, ''), engine);
  } finally {
    await server.close();
    await engine.close();
  }
}

describe('the embedded schema registry over REST', () => {
  it('registers, versions, looks up, checks compatibility and deletes as Confluent does', async () => {
    await withServer(newDir(), async (base) => {
      expect(await call(base, 'GET', '/subjects')).toEqual({ status: 200, body: [] });
      const r1 = await call(base, 'POST', '/subjects/users-value/versions', { schema: V1 });
      expect(r1.status).toBe(200);
      const id1 = (r1.body as { id: number }).id;
      // The same schema again: the same id, no new version.
      expect((await call(base, 'POST', '/subjects/users-value/versions', { schema: V1 })).body).toEqual({ id: id1 });
      expect((await call(base, 'GET', '/subjects/users-value/versions')).body).toEqual([1]);
      expect((await call(base, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });

      const bad = await call(base, 'POST', '/subjects/users-value/versions', { schema: BAD });
      expect(bad.status).toBe(409);
      expect((bad.body as { error_code: number }).error_code).toBe(409);
      expect((await call(base, 'POST', '/compatibility/subjects/users-value/versions/latest', { schema: BAD })).body).toEqual({ is_compatible: false });
      expect((await call(base, 'POST', '/compatibility/subjects/users-value/versions/latest', { schema: V2 })).body).toEqual({ is_compatible: true });

      const id2 = ((await call(base, 'POST', '/subjects/users-value/versions', { schema: V2 })).body as { id: number }).id;
      expect(id2).not.toBe(id1);
      const latest = (await call(base, 'GET', '/subjects/users-value/versions/latest')).body as Record<string, unknown>;
      expect(latest).toMatchObject({ subject: 'users-value', version: 2, id: id2 });
      expect(JSON.parse(latest['schema'] as string)).toEqual(JSON.parse(V2));
      expect(((await call(base, 'GET', `/schemas/ids/${id1}`)).body as { schema: string }).schema).toBeDefined();
      expect((await call(base, 'POST', '/subjects/users-value', { schema: V1 })).body).toMatchObject({ subject: 'users-value', version: 1, id: id1 });
      expect((await call(base, 'GET', '/schemas/ids/999')).status).toBe(404);
      expect((await call(base, 'GET', '/subjects/nope/versions')).body).toEqual({ error_code: 40401, message: "Subject 'nope' not found." });

      // With NONE, anything goes.
      expect((await call(base, 'PUT', '/config/users-value', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
      expect((await call(base, 'POST', '/subjects/users-value/versions', { schema: BAD })).status).toBe(200);
      expect((await call(base, 'GET', '/subjects/users-value/versions')).body).toEqual([1, 2, 3]);

      // Soft delete keeps ids readable; a permanent delete then removes the versions.
      expect((await call(base, 'DELETE', '/subjects/users-value')).body).toEqual([1, 2, 3]);
      expect((await call(base, 'GET', '/subjects')).body).toEqual([]);
      expect((await call(base, 'GET', '/subjects?deleted=true')).body).toEqual(['users-value']);
      expect((await call(base, 'GET', `/schemas/ids/${id1}`)).status).toBe(200);
      expect((await call(base, 'DELETE', '/subjects/users-value?permanent=true')).body).toEqual([1, 2, 3]);
      expect((await call(base, 'GET', '/subjects?deleted=true')).body).toEqual([]);
    });
  });

  it('refuses invalid schemas with 422', async () => {
    await withServer(newDir(), async (base) => {
      const r = await call(base, 'POST', '/subjects/x-value/versions', { schema: '{"type": "recordd"}' });
      expect(r.status).toBe(422);
      expect((r.body as { error_code: number }).error_code).toBe(42201);
    });
  });

  it('keeps its schemas across a restart (the _schemas topic in the data directory)', async () => {
    const dir = newDir();
    const id = await withServer(dir, async (base) => ((await call(base, 'POST', '/subjects/users-value/versions', { schema: V1 })).body as { id: number }).id);
    await withServer(dir, async (base, engine) => {
      expect((await call(base, 'GET', '/subjects')).body).toEqual(['users-value']);
      expect((await call(base, 'GET', `/schemas/ids/${id}`)).status).toBe(200);
      expect(await engine.registry.latest('users-value')).toMatchObject({ id, version: 1 });
    });
  });
});

describe('two registries writing one topic', () => {
  it('agree on ids and versions when they register concurrently', async () => {
    const log = await openEmbeddedLog(newDir());
    try {
      const a = await EmbeddedRegistry.open(log);
      const b = await EmbeddedRegistry.open(log);
      await b.setConfig(undefined, 'NONE');
      const schemas = Array.from({ length: 6 }, (_, i) => JSON.stringify({ type: 'record', name: `R${i}`, fields: [{ name: 'f', type: 'long' }] }));
      const ids = await Promise.all(schemas.map((s, i) => (i % 2 === 0 ? a : b).register('shared-value', { schemaType: 'AVRO', schema: s })));
      expect(new Set(ids).size).toBe(6);
      await a.catchUp();
      await b.catchUp();
      for (const r of [a, b]) {
        expect(r.state.liveVersions('shared-value').map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
        for (let i = 0; i < 6; i++) expect(JSON.parse(r.state.byId(ids[i]!)!.schema)).toEqual(JSON.parse(schemas[i]!));
      }
      expect(a.state.liveVersions('shared-value')).toEqual(b.state.liveVersions('shared-value'));
    } finally {
      await log.close();
    }
  });
});
