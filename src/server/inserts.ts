/**
 * Rows sent to /inserts-stream → records on the target's topic. Each row is a JSON object whose
 * fields name columns case-insensitively (ROWTIME sets the record timestamp); values are read
 * with the JSON format's coercions for the column type, then written with the target's serdes.
 */
import type { Engine } from '../engine/engine.js';
import type { DataSource } from '../engine/metastore.js';
import { createSerde } from '../serde/index.js';
import { ensureWriterSchemas } from '../engine/source-schemas.js';
import { schemaBinding } from '../engine/context.js';
import { apiValueReader as jsonReader } from '../serde/json-api.js';
import type { Reader } from '../serde/json-read.js';
import { AnalysisError, ExecutionError } from '../errors.js';

export type Inserter = (row: unknown) => Promise<void>;

export function findSource(engine: Engine, name: string): DataSource | undefined {
  return engine.metastore.getSource(name) ?? engine.metastore.getSource(name.toUpperCase());
}

export async function createInserter(engine: Engine, target: string): Promise<Inserter> {
  const source = findSource(engine, target);
  if (!source) throw new AnalysisError(`Cannot insert values into an unknown stream/table: \`${target}\``);
  if (source.isSource) throw new AnalysisError(`Cannot insert values into read-only ${source.type.toLowerCase()}: ${source.name}`);
  const { key, value } = source.schema;
  await ensureWriterSchemas(engine, source.topic, source, source.schema);
  const keySerde = createSerde(source.keyFormat, key, source.keyOptions, true, schemaBinding(engine, source.topic));
  const valueSerde = createSerde(source.valueFormat, value, source.valueOptions, false, schemaBinding(engine, source.topic));
  const keyReaders: Reader[] = key.map((c) => jsonReader(c.type));
  const valueReaders: Reader[] = value.map((c) => jsonReader(c.type));
  const byUpper = new Map<string, { isKey: boolean; index: number }>();
  key.forEach((c, index) => byUpper.set(c.name.toUpperCase(), { isKey: true, index }));
  value.forEach((c, index) => byUpper.set(c.name.toUpperCase(), { isKey: false, index }));
  return async (row) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new ExecutionError('Each inserted row must be a JSON object');
    const k = new Array<unknown>(key.length).fill(null);
    const v = new Array<unknown>(value.length).fill(null);
    let timestamp = Date.now();
    for (const [field, raw] of Object.entries(row as Record<string, unknown>)) {
      const upper = field.toUpperCase();
      if (upper === 'ROWTIME') {
        if (typeof raw === 'number') timestamp = raw;
        continue;
      }
      // An exact (quoted, mixed-case) column name wins over the upper-cased match.
      const exactKey = key.findIndex((c) => c.name === field);
      const exactValue = value.findIndex((c) => c.name === field);
      const slot = exactKey >= 0 ? { isKey: true, index: exactKey } : exactValue >= 0 ? { isKey: false, index: exactValue } : byUpper.get(upper);
      if (!slot) throw new AnalysisError(`Column name ${field} does not exist.`);
      try {
        if (slot.isKey) k[slot.index] = keyReaders[slot.index]!(raw);
        else v[slot.index] = valueReaders[slot.index]!(raw);
      } catch (e) {
        throw new ExecutionError(`Failed to insert values into '${source.name}'. Invalid value for column ${field}: ${(e as Error).message}`);
      }
    }
    await engine.log.append(source.topic, [
      { key: key.length > 0 ? keySerde.serialize(k) : null, value: valueSerde.serialize(v), timestamp },
    ]);
  };
}
