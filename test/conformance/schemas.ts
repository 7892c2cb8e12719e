/**
 * The conformance runner's schema-registry part, as ksqlDB's harness does it: the schemas a case's
 * `topics` declare are registered before its statements run (with the ids they give, and their
 * references under their own names); inputs in schema-registry formats are encoded with the
 * latest schema of their subject; outputs are decoded with the schema their id names; and
 * `post.topics.topics` compares the schemas registered for a topic.
 */
import type { Engine } from '../../src/engine/engine.js';
import type { DataSource } from '../../src/engine/metastore.js';
import { EmbeddedRegistry } from '../../src/registry/embedded-registry.js';
import { subjectName, type SchemaReference, type SchemaText, type SchemaType } from '../../src/registry/schema.js';
import { schemaFormat, type SchemaFormat } from '../../src/serde/index.js';
import type { VectorTest } from './vectors.js';

export interface VectorTopic {
  readonly name: string;
  readonly keyFormat?: string;
  readonly valueFormat?: string;
  readonly keySchema?: unknown;
  readonly valueSchema?: unknown;
  readonly keySchemaId?: number;
  readonly valueSchemaId?: number;
  readonly keySchemaReferences?: readonly VectorReference[];
  readonly valueSchemaReferences?: readonly VectorReference[];
  readonly partitions?: number;
}

interface VectorReference {
  readonly name: string;
  readonly format?: string;
  readonly schema: unknown;
}

interface PostTopic {
  readonly name: string;
  readonly keyFormat?: { readonly format?: string };
  readonly valueFormat?: { readonly format?: string };
  readonly keySchema?: unknown;
  readonly valueSchema?: unknown;
  readonly partitions?: number;
}

/** The registry of a case's engine: the embedded one (the runner never configures another). */
export function caseRegistry(engine: Engine): EmbeddedRegistry {
  if (!(engine.registry instanceof EmbeddedRegistry)) throw new Error('the conformance runner needs the embedded schema registry');
  return engine.registry;
}

/** A vector's format name → registry schemaType (no format: Avro, the harness' legacy default). */
function schemaTypeOf(format: string | undefined): SchemaType {
  const f = (format ?? 'AVRO').toUpperCase();
  if (f === 'PROTOBUF' || f === 'PROTOBUF_NOSR') return 'PROTOBUF';
  if (f === 'JSON' || f === 'JSON_SR') return 'JSON';
  return 'AVRO';
}

function schemaText(schema: unknown, type: SchemaType): string {
  return type === 'PROTOBUF' && typeof schema === 'string' ? schema : JSON.stringify(schema);
}

/** Register the schemas of the case's declared topics (before its statements run). */
export async function registerTopicSchemas(engine: Engine, test: VectorTest): Promise<void> {
  const registry = caseRegistry(engine);
  for (const t of (test.topics ?? []) as readonly VectorTopic[]) {
    for (const isKey of [true, false]) {
      const schema = isKey ? t.keySchema : t.valueSchema;
      if (schema === undefined || schema === null) continue;
      const type = schemaTypeOf(isKey ? t.keyFormat : t.valueFormat);
      const references: SchemaReference[] = [];
      for (const ref of (isKey ? t.keySchemaReferences : t.valueSchemaReferences) ?? []) {
        const refType = schemaTypeOf(ref.format);
        await registry.register(ref.name, { schemaType: refType, schema: schemaText(ref.schema, refType) });
        references.push({ name: ref.name, subject: ref.name, version: 1 });
      }
      const text: SchemaText = { schemaType: type, schema: schemaText(schema, type), ...(references.length > 0 ? { references } : {}) };
      const id = isKey ? t.keySchemaId : t.valueSchemaId;
      const subject = subjectName(t.name, isKey);
      if (id !== undefined) await registry.registerWithId(subject, text, id);
      else await registry.register(subject, text);
    }
  }
}

/** The schema format of a source's key or value, if it is one. */
export function sourceSchemaFormat(source: DataSource | undefined, isKey: boolean): SchemaFormat | undefined {
  return source ? schemaFormat(isKey ? source.keyFormat : source.valueFormat) : undefined;
}

/** A vector value encoded for a schema-registry format: with the latest schema of its subject. */
export function encodeWithSchema(engine: Engine, sr: SchemaFormat, v: unknown, source: DataSource, isKey: boolean): Buffer {
  const registry = caseRegistry(engine);
  const columns = isKey ? source.schema.key : source.schema.value;
  const options = isKey ? source.keyOptions : source.valueOptions;
  if (sr.schemaType === undefined) return sr.encodeSpec(v, sr.schemaFor(columns, options, isKey), undefined, registry.catalog);
  const subject = subjectName(source.topic, isKey);
  const latest = registry.state.version(subject, -1);
  if (!latest) throw new Error(`no schema registered under ${subject} to encode a ${isKey ? 'key' : 'value'} with`);
  return sr.encodeSpec(v, registry.state.byId(latest.id)!, latest.id, registry.catalog);
}

/** Output bytes of a schema-registry format decoded into the vectors' JSON shape. */
export function decodeWithSchema(engine: Engine, sr: SchemaFormat, b: Buffer, source: DataSource, isKey: boolean): unknown {
  const columns = isKey ? source.schema.key : source.schema.value;
  const options = isKey ? source.keyOptions : source.valueOptions;
  return sr.decodeSpec(b, caseRegistry(engine).catalog, sr.schemaType === undefined ? sr.schemaFor(columns, options, isKey) : undefined);
}

/** `post.topics.topics`: the registered schemas (and formats) of the topics it lists. */
export function checkPostTopics(engine: Engine, test: VectorTest): string | undefined {
  const expected = ((test.post as { topics?: { topics?: readonly PostTopic[] } } | undefined)?.topics?.topics ?? []) as readonly PostTopic[];
  const registry = caseRegistry(engine);
  for (const t of expected) {
    const source = engine.metastore.sourcesForTopic(t.name)[0];
    for (const isKey of [true, false]) {
      const format = (isKey ? t.keyFormat : t.valueFormat)?.format;
      const actualFormat = source ? (isKey ? source.keyFormat : source.valueFormat) : undefined;
      if (format !== undefined && actualFormat !== undefined && format.toUpperCase() !== actualFormat) {
        return `post: topic ${t.name} ${isKey ? 'key' : 'value'} format ${actualFormat}, expected ${format}`;
      }
      const schema = isKey ? t.keySchema : t.valueSchema;
      if (schema === undefined || schema === null) continue;
      const latest = registry.state.version(subjectName(t.name, isKey), -1);
      if (!latest) return `post: topic ${t.name} has no ${isKey ? 'key' : 'value'} schema registered, expected ${JSON.stringify(schema)}`;
      const got = registry.state.byId(latest.id)!;
      const same = got.schemaType === 'PROTOBUF' ? got.schema === schema : jsonDeepEqual(safeParse(got.schema), schema);
      if (!same) return `post: topic ${t.name} ${isKey ? 'key' : 'value'} schema\n  expected ${typeof schema === 'string' ? schema : JSON.stringify(schema)}\n  got      ${got.schema}`;
    }
  }
  return undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON equality with object keys in any order (Jackson's JsonNode.equals). */
function jsonDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonDeepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && jsonDeepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
