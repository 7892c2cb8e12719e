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
import { parseStatements } from '../../src/parser/parse.js';
import { formatFromProperties } from '../../src/serde/index.js';
import { schemaFromColumns } from '../../src/analyzer/source-schema.js';
import { formatDefaults } from '../../src/engine/statement-support.js';

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

/**
 * Register schemas as ksqlDB's harness does before the statements run, on a registry that checks
 * no compatibility (its MockSchemaRegistryClient): first the declared topics that give schema ids
 * (with those ids, their references under their own names); then every topic it knows — declared
 * ones, those of CREATE statements with columns (their generated schemas), inputs and outputs — in
 * the iteration order of its java.util.HashMap of topic names, so schema ids come out the same.
 */
export async function registerTopicSchemas(engine: Engine, test: VectorTest, statements: readonly string[], properties: Readonly<Record<string, string>>): Promise<void> {
  const registry = caseRegistry(engine);
  await registry.setConfig(undefined, 'NONE');
  const declared = (test.topics ?? []) as readonly VectorTopic[];
  for (const t of declared) {
    for (const isKey of [true, false]) {
      const id = isKey ? t.keySchemaId : t.valueSchemaId;
      const text = declaredSchema(t, isKey);
      if (id !== undefined && text) await registry.registerWithId(subjectName(t.name, isKey), await withReferences(registry, t, isKey, text), id);
    }
  }
  const topics = new Map<string, { key?: SchemaText; value?: SchemaText; from?: VectorTopic }>();
  for (const t of declared) topics.set(t.name, { ...orNothing('key', declaredSchema(t, true)), ...orNothing('value', declaredSchema(t, false)), from: t });
  for (const sql of statements) {
    const generated = statementSchemas(sql, properties);
    if (!generated) continue;
    const known = topics.get(generated.topic);
    topics.set(generated.topic, { ...orNothing('key', known?.key ?? generated.key), ...orNothing('value', known?.value ?? generated.value), ...(known?.from ? { from: known.from } : {}) });
  }
  for (const r of [...(test.inputs ?? []), ...(test.outputs ?? [])]) if (!topics.has(r.topic)) topics.set(r.topic, {});
  for (const name of javaHashMapOrder([...topics.keys()])) {
    const t = topics.get(name)!;
    for (const isKey of [true, false]) {
      const text = isKey ? t.key : t.value;
      if (!text) continue;
      await registry.register(subjectName(name, isKey), t.from ? await withReferences(registry, t.from, isKey, text) : text);
    }
  }
}

function orNothing<K extends 'key' | 'value'>(k: K, v: SchemaText | undefined): { [P in K]?: SchemaText } {
  return (v ? { [k]: v } : {}) as { [P in K]?: SchemaText };
}

function declaredSchema(t: VectorTopic, isKey: boolean): SchemaText | undefined {
  const schema = isKey ? t.keySchema : t.valueSchema;
  if (schema === undefined || schema === null) return undefined;
  const type = schemaTypeOf(isKey ? t.keyFormat : t.valueFormat);
  return { schemaType: type, schema: schemaText(schema, type) };
}

/** The schema with its references, which are registered first under their names. */
async function withReferences(registry: EmbeddedRegistry, t: VectorTopic, isKey: boolean, text: SchemaText): Promise<SchemaText> {
  const references: SchemaReference[] = [];
  for (const ref of (isKey ? t.keySchemaReferences : t.valueSchemaReferences) ?? []) {
    const refType = schemaTypeOf(ref.format);
    await registry.register(ref.name, { schemaType: refType, schema: schemaText(ref.schema, refType) });
    references.push({ name: ref.name, subject: ref.name, version: registry.state.liveVersions(ref.name).at(-1)!.version });
  }
  return references.length > 0 ? { ...text, references } : text;
}

/** A CREATE STREAM/TABLE with columns: its topic and the schemas generated for its columns. */
function statementSchemas(sql: string, properties: Readonly<Record<string, string>>): { topic: string; key?: SchemaText; value?: SchemaText } | undefined {
  try {
    const st = parseStatements(sql)[0];
    if (!st || st.kind !== 'CreateSource' || st.columns.length === 0) return undefined;
    const topic = st.properties['KAFKA_TOPIC'];
    if (topic === undefined) return undefined;
    const formats = formatFromProperties(st.properties, { ...formatDefaults(properties), sourceName: st.name });
    const schema = schemaFromColumns(st.sourceType, st.name, st.columns, () => undefined);
    const part = (isKey: boolean): SchemaText | undefined => {
      const sr = schemaFormat(isKey ? formats.keyFormat : formats.valueFormat);
      const columns = isKey ? schema.key : schema.value;
      if (sr?.schemaType === undefined || columns.length === 0) return undefined;
      return sr.schemaFor(columns, isKey ? formats.keyOptions : formats.valueOptions, isKey);
    };
    return { topic: String(topic), ...orNothing('key', part(true)), ...orNothing('value', part(false)) };
  } catch {
    return undefined; // the statement fails later, in the engine
  }
}

/**
 * The iteration order of a java.util.HashMap<String, ?> holding `keys` inserted in this order:
 * by bucket (String.hashCode spread as HashMap.hash does, masked by the table size, which doubles
 * past 3/4 load from 16), then by insertion within a bucket.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string) => {
    let h = 0;
    for (let i = 0; i < k.length; i++) h = (Math.imul(h, 31) + k.charCodeAt(i)) | 0;
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys.map((k, i) => ({ k, i, b: bucket(k) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.k);
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
  if (sr.schemaType === undefined) return sr.encodeSpec(v, sr.schemaFor(columns, options, isKey), undefined, registry.catalog, options);
  const subject = subjectName(source.topic, isKey);
  const latest = registry.state.version(subject, -1);
  if (!latest) throw new Error(`no schema registered under ${subject} to encode a ${isKey ? 'key' : 'value'} with`);
  return sr.encodeSpec(v, registry.state.byId(latest.id)!, latest.id, registry.catalog, options);
}

/** Output bytes of a schema-registry format decoded into the vectors' JSON shape. */
export function decodeWithSchema(engine: Engine, sr: SchemaFormat, b: Buffer, source: DataSource, isKey: boolean): unknown {
  const columns = isKey ? source.schema.key : source.schema.value;
  const options = isKey ? source.keyOptions : source.valueOptions;
  return sr.decodeSpec(b, caseRegistry(engine).catalog, sr.schemaType === undefined ? sr.schemaFor(columns, options, isKey) : undefined, options);
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
