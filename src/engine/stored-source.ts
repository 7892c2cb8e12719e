/** Metastore entries to and from their stored form (a stored plan carries the source it created). */
import type { DataSource } from './metastore.js';
import type { StoredSource } from './command-log.js';
import { schemaOf, toStepColumns } from '../plan/step-codec.js';
import { allColumns } from '../types/schema.js';

export function storeSource(s: DataSource): StoredSource {
  return {
    name: s.name,
    type: s.type,
    columns: toStepColumns(allColumns(s.schema).map((c) => ({ name: c.name, type: c.type, role: c.namespace, column: c }))),
    topic: s.topic,
    formats: { keyFormat: s.keyFormat, valueFormat: s.valueFormat, keyOptions: s.keyOptions, valueOptions: s.valueOptions },
    ...(s.timestampColumn !== undefined ? { timestampColumn: s.timestampColumn } : {}),
    ...(s.timestampFormat !== undefined ? { timestampFormat: s.timestampFormat } : {}),
    ...(s.window ? { window: s.window } : {}),
    statement: s.statement,
    ...(s.createdBy !== undefined ? { createdBy: s.createdBy } : {}),
  };
}

export function loadSource(s: StoredSource): DataSource {
  return {
    name: s.name,
    type: s.type,
    schema: schemaOf(s.columns),
    topic: s.topic,
    ...s.formats,
    ...(s.timestampColumn !== undefined ? { timestampColumn: s.timestampColumn } : {}),
    ...(s.timestampFormat !== undefined ? { timestampFormat: s.timestampFormat } : {}),
    ...(s.window ? { window: s.window } : {}),
    isSource: false,
    statement: s.statement,
    ...(s.createdBy !== undefined ? { createdBy: s.createdBy } : {}),
  };
}
