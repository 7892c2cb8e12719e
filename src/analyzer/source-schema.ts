/**
 * Analysis of CREATE STREAM/TABLE column lists: turns column definitions into a LogicalSchema and
 * applies ksqlDB's validation rules for keys and headers.
 */
import type { ColumnDef } from '../parser/ast.js';
import type { Column, LogicalSchema } from '../types/schema.js';
import { PSEUDO_COLUMNS, WINDOW_BOUNDS } from '../types/schema.js';
import { T, formatType, type SqlType } from '../types/sql-type.js';
import { resolveTypeNode } from '../types/type-node.js';
import { AnalysisError } from '../errors.js';
import { checkKeyColumns } from '../serde/validate.js';

const RESERVED_COLUMN_NAMES = new Set<string>([...PSEUDO_COLUMNS, ...WINDOW_BOUNDS]);

export function schemaFromColumns(
  sourceType: 'STREAM' | 'TABLE',
  name: string,
  columns: readonly ColumnDef[],
  customTypes: (name: string) => SqlType | undefined,
): LogicalSchema {
  const key: Column[] = [];
  const value: Column[] = [];
  const headers: Column[] = [];
  const seen = new Set<string>();
  for (const def of columns) {
    if (seen.has(def.name)) throw new AnalysisError(`Duplicate column names:\n\t${def.name}`);
    seen.add(def.name);
    if (RESERVED_COLUMN_NAMES.has(def.name.toUpperCase()) && def.name === def.name.toUpperCase()) {
      throw new AnalysisError(`'${def.name}' is a reserved column name. You cannot use it as a name for a column.`);
    }
    const type = resolveTypeNode(def.type, customTypes);
    const c = def.constraint;
    if (c === 'KEY') {
      if (sourceType === 'TABLE') {
        throw new AnalysisError(`Column ${quote(def.name)} is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.`);
      }
      key.push({ name: def.name, type, namespace: 'KEY' });
    } else if (c === 'PRIMARY_KEY') {
      if (sourceType === 'STREAM') {
        throw new AnalysisError(`Column ${quote(def.name)} is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.`);
      }
      key.push({ name: def.name, type, namespace: 'KEY' });
    } else if (c === 'HEADERS') {
      if (!(type.kind === 'ARRAY' && type.element.kind === 'STRUCT')) {
        throw new AnalysisError(`Invalid type for HEADERS column: expected ARRAY<STRUCT<\`KEY\` STRING, \`VALUE\` BYTES>>, got ${formatType(type)}`);
      }
      headers.push({ name: def.name, type, namespace: 'HEADERS' });
    } else if (c && typeof c === 'object') {
      if (type.kind !== 'BYTES') throw new AnalysisError(`Invalid type for HEADER('${c.header}') column: expected BYTES, got ${type.kind}`);
      headers.push({ name: def.name, type, namespace: 'HEADERS', headerKey: c.header });
    } else {
      value.push({ name: def.name, type, namespace: 'VALUE' });
    }
  }
  if (headers.filter((h) => h.headerKey === undefined).length > 1) {
    throw new AnalysisError(`Schema already contains a HEADERS column.`);
  }
  for (const k of key) validateKeyType(k);
  return { key, value, headers };
}

/** A table needs a key: declared, or inferred from the registry (so checked after inference). */
export function checkTableKey(sourceType: 'STREAM' | 'TABLE', name: string, schema: LogicalSchema): void {
  if (sourceType === 'TABLE' && schema.key.length === 0 && schema.value.length + schema.headers.length > 0) {
    throw new AnalysisError(`Tables require a PRIMARY KEY. Please define the PRIMARY KEY.\nUse a partial schema to define the primary key and still let the value columns be inferred from the schema registry, e.g.\n\tCREATE TABLE ${name} (ID INT PRIMARY KEY) WITH (...);`);
  }
}

/** Map-typed key columns are rejected by ksqlDB: their serialization is not canonical. */
export function validateKeyType(c: Column): void {
  checkKeyColumns([c]);
}

export function quote(name: string): string {
  return '`' + name + '`';
}

/** The type of ROWTIME/ROWPARTITION/ROWOFFSET/WINDOWSTART/WINDOWEND. */
export function pseudoColumnType(name: string): SqlType | undefined {
  switch (name) {
    case 'ROWTIME':
    case 'ROWOFFSET':
    case 'WINDOWSTART':
    case 'WINDOWEND':
      return T.BIGINT;
    case 'ROWPARTITION':
      return T.INTEGER;
    default:
      return undefined;
  }
}
