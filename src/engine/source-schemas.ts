/**
 * The schema registry's part in DDL, as ksqlDB's DefaultSchemaInjector and SchemaRegisterInjector:
 * CREATE STREAM/TABLE without value (or key) columns takes them from the topic's latest schema or
 * KEY/VALUE_SCHEMA_ID's; CREATE with columns registers its generated schema if the subject has
 * none; CSAS / CTAS / INSERT register theirs, compatibility-checked.
 */
import { AnalysisError, ExecutionError } from '../errors.js';
import { RegistryError } from '../registry/registry.js';
import { subjectName, type RegisteredSchema } from '../registry/schema.js';
import { schemaFormat, type FormatSpec } from '../serde/index.js';
import type { FormatName, FormatOptions } from '../serde/serde.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import type { Column, LogicalSchema } from '../types/schema.js';
import type { EngineContext } from './context.js';

/** The format of a part that supports schema inference (a registry schemaType); undefined otherwise. */
function inferable(format: FormatName) {
  const f = schemaFormat(format);
  return f?.schemaType !== undefined ? f : undefined;
}

/**
 * The source's schema with the columns its statement leaves to the registry: the key when it
 * declares no key column and the key format infers, the value likewise (or whenever a schema id is
 * given). `declared` is what the statement declares.
 */
export async function inferSourceSchema(engine: EngineContext, topic: string, formats: FormatSpec, declared: LogicalSchema): Promise<LogicalSchema> {
  const key = await inferPart(engine, topic, formats.keyFormat, formats.keyOptions, declared.key, true);
  const value = await inferPart(engine, topic, formats.valueFormat, formats.valueOptions, declared.value, false);
  if (key === declared.key && value === declared.value) return declared;
  return { ...declared, key, value };
}

async function inferPart(engine: EngineContext, topic: string, format: FormatName, options: FormatOptions, declared: readonly Column[], isKey: boolean): Promise<readonly Column[]> {
  const part = isKey ? 'KEY' : 'VALUE';
  const sr = inferable(format);
  if (options.schemaId !== undefined) {
    if (!sr) throw new AnalysisError(`${part}_FORMAT should support schema inference when ${part}_SCHEMA_ID is provided. Current format is ${format}.`);
    if (declared.length > 0) throw new AnalysisError(`Table elements and ${part}_SCHEMA_ID cannot both exist for create statement.`);
  } else if (!sr || declared.length > 0) {
    return declared;
  }
  const schema = await fetchSchema(engine, topic, options.schemaId, isKey);
  return columnsFromSchema(engine, topic, format, options, schema, isKey);
}

/** The latest schema of the topic's subject, or the schema with the given id. */
async function fetchSchema(engine: EngineContext, topic: string, schemaId: number | undefined, isKey: boolean): Promise<RegisteredSchema> {
  const subject = subjectName(topic, isKey);
  let found: RegisteredSchema | undefined;
  try {
    found = schemaId !== undefined ? await engine.registry.byId(schemaId) : await engine.registry.latest(subject);
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    throw new ExecutionError(`Schema registry fetch for topic ${isKey ? 'key' : 'value'} request failed for topic: ${topic}${schemaId !== undefined ? `, schema id: ${schemaId}` : ''}: ${e.message}`);
  }
  if (found) return found;
  throw new AnalysisError(
    `Schema for message ${isKey ? 'keys' : 'values'} on topic '${topic}' does not exist in the Schema Registry.\n` +
      `Subject: ${subject}\n` +
      (schemaId !== undefined ? `Schema Id: ${schemaId}\n` : '') +
      'Possible causes include:\n' +
      '- The topic itself does not exist\n\t-> Use SHOW TOPICS; to check\n' +
      `- Messages on the topic are not serialized using a format Schema Registry supports\n\t-> Use PRINT '${topic}' FROM BEGINNING; to verify\n` +
      '- Messages on the topic have not been serialized using a Confluent Schema Registry supported serializer\n' +
      '- The schema is registered on a different instance of the Schema Registry\n\t-> Use the REST API to list available subjects',
  );
}

function columnsFromSchema(engine: EngineContext, topic: string, format: FormatName, options: FormatOptions, schema: RegisteredSchema, isKey: boolean): Column[] {
  const sr = inferable(format)!;
  const where = `topic: ${topic}${options.schemaId !== undefined ? `, schema id: ${options.schemaId}` : ''}`;
  if (schema.schemaType !== sr.schemaType) {
    const prop = isKey ? 'KEY_FORMAT' : 'VALUE_FORMAT';
    throw new AnalysisError(
      `${isKey ? 'Key' : 'Value'} schema is not in the expected format. You may want to set ${prop} to '${schema.schemaType === 'JSON' ? 'JSON_SR' : schema.schemaType}'.\n` +
        `${where}\nexpected format: ${sr.schemaType}\nactual format from Schema Registry: ${schema.schemaType}`,
    );
  }
  let columns: Column[];
  try {
    columns = sr.columnsOf(schema, options, isKey, engine.registry.catalog);
  } catch (e) {
    throw new AnalysisError(
      `Unable to verify if the ${isKey ? 'key' : 'value'} schema for ${where} is compatible with ksqlDB.\nReason: ${(e as Error).message}\n\nSchema:${schema.schema}`,
    );
  }
  // ksqlDB upper-cases inferred field names, unless the schema was named by id (then kept as written).
  if (options.schemaId === undefined) columns = columns.map((c) => ({ ...c, name: c.name.toUpperCase(), type: upperFields(c.type) }));
  if (isKey && columns.length > 1) {
    throw new AnalysisError(`The key schema for ${where} contains multiple columns, which is not supported by ksqlDB at this time.\nSchema:${schema.schema}`);
  }
  return columns;
}

function upperFields(t: SqlType): SqlType {
  switch (t.kind) {
    case 'STRUCT':
      return { kind: 'STRUCT', fields: t.fields.map((f) => ({ ...f, name: f.name.toUpperCase(), type: upperFields(f.type) })) };
    case 'ARRAY':
      return { kind: 'ARRAY', element: upperFields(t.element) };
    case 'MAP':
      return { kind: 'MAP', key: t.key, value: upperFields(t.value) };
    default:
      return t;
  }
}

/**
 * CSAS / CTAS with KEY/VALUE_SCHEMA_ID: the result's columns must be those of the schema, in order
 * (a subset of them, as ksqlDB checks it).
 */
export async function checkSinkSchemaIds(engine: EngineContext, topic: string, formats: FormatSpec, schema: LogicalSchema): Promise<void> {
  for (const isKey of [true, false]) {
    const options = isKey ? formats.keyOptions : formats.valueOptions;
    if (options.schemaId === undefined) continue;
    const format = isKey ? formats.keyFormat : formats.valueFormat;
    const part = isKey ? 'KEY' : 'VALUE';
    if (!inferable(format)) throw new AnalysisError(`${part}_FORMAT should support schema inference when ${part}_SCHEMA_ID is provided. Current format is ${format}.`);
    const registered = columnsFromSchema(engine, topic, format, options, await fetchSchema(engine, topic, options.schemaId, isKey), isKey);
    const result = isKey ? schema.key : schema.value;
    const show = (c: Column) => `\`${c.name}\` ${formatType(c.type)}`;
    const missing = result.filter((c, i) => {
      const r = registered[i];
      return !r || r.name !== c.name || formatType(r.type) !== formatType(c.type);
    });
    if (missing.length > 0) {
      throw new AnalysisError(
        `The following ${isKey ? 'key' : 'value'} columns are changed, missing or reordered: [${missing.map(show).join(', ')}]. Schema from schema registry is [${registered.map(show).join(', ')}]`,
      );
    }
  }
}

/**
 * Register the schemas a source's records are written with: the generated schema of its columns,
 * or the schema its KEY/VALUE_SCHEMA_ID names (which must then keep its id under the subject).
 * `ifAbsent`: only when the subject has no schema yet (CREATE with columns); otherwise always
 * (CSAS, CTAS, INSERT), refused by the registry when incompatible.
 */
export async function registerSchemas(engine: EngineContext, topic: string, formats: FormatSpec, schema: LogicalSchema, ifAbsent: boolean): Promise<void> {
  for (const isKey of [true, false]) {
    const format = isKey ? formats.keyFormat : formats.valueFormat;
    const sr = inferable(format);
    const columns = isKey ? schema.key : schema.value;
    if (!sr || (isKey && columns.length === 0)) continue;
    const options = isKey ? formats.keyOptions : formats.valueOptions;
    const subject = subjectName(topic, isKey);
    try {
      if (options.schemaId !== undefined) {
        const raw = await engine.registry.byId(options.schemaId);
        if (!raw) throw new RegistryError(40403, `Schema ${options.schemaId} not found`);
        const id = await engine.registry.register(subject, raw);
        if (id !== options.schemaId) {
          throw new AnalysisError(`Schema id registered is ${id} which is different from provided ${isKey ? 'KEY' : 'VALUE'}_SCHEMA_ID ${options.schemaId}.\nTopic: ${topic}\nSubject: ${subject}\nSchema: ${raw.schema}`);
        }
        continue;
      }
      if (ifAbsent && (await engine.registry.latest(subject)) !== undefined) continue;
      await engine.registry.register(subject, sr.schemaFor(columns, options, isKey));
    } catch (e) {
      if (e instanceof RegistryError) throw new ExecutionError(`Could not register schema for topic: ${e.message}`);
      throw e;
    }
  }
}

/**
 * Before records are written to a source (INSERT VALUES, /inserts-stream, INSERT INTO): the
 * schemas they are written with are registered, as ksqlDB's serializers auto-register them.
 */
export async function ensureWriterSchemas(engine: EngineContext, topic: string, formats: FormatSpec, schema: LogicalSchema): Promise<void> {
  await registerSchemas(engine, topic, formats, schema, false);
}
