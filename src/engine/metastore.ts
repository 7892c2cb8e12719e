/**
 * The metastore: streams, tables and custom types known to the engine, in memory. It is rebuilt on
 * start-up by replaying the command log (src/engine/command-log.ts), as ksqlDB rebuilds its
 * metastore from the command topic.
 */
import type { FormatName, FormatOptions } from '../serde/serde.js';
import type { LogicalSchema } from '../types/schema.js';
import type { SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';

export interface WindowInfo {
  readonly type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  /** Window size in ms (absent for SESSION). */
  readonly sizeMs?: number;
}

export interface DataSource {
  readonly name: string;
  readonly type: 'STREAM' | 'TABLE';
  readonly schema: LogicalSchema;
  readonly topic: string;
  readonly keyFormat: FormatName;
  readonly valueFormat: FormatName;
  readonly keyOptions: FormatOptions;
  readonly valueOptions: FormatOptions;
  /** Column whose value is the record timestamp (TIMESTAMP property), and its TIMESTAMP_FORMAT. */
  readonly timestampColumn?: string;
  readonly timestampFormat?: string;
  readonly window?: WindowInfo;
  /** CREATE SOURCE STREAM/TABLE: read-only. */
  readonly isSource: boolean;
  /** The statement that created it. */
  readonly statement: string;
  /** Id of the persistent query writing into it (CSAS/CTAS), if any. */
  readonly createdBy?: string;
}

export class MetaStore {
  private readonly sources = new Map<string, DataSource>();
  private readonly types = new Map<string, SqlType>();

  getSource(name: string): DataSource | undefined {
    return this.sources.get(name);
  }

  requireSource(name: string): DataSource {
    const s = this.sources.get(name);
    if (!s) throw new AnalysisError(`${name} does not exist.`);
    return s;
  }

  putSource(source: DataSource): void {
    this.sources.set(source.name, source);
  }

  deleteSource(name: string): void {
    this.sources.delete(name);
  }

  listSources(): DataSource[] {
    return [...this.sources.values()];
  }

  sourcesForTopic(topic: string): DataSource[] {
    return this.listSources().filter((s) => s.topic === topic);
  }

  getType(name: string): SqlType | undefined {
    return this.types.get(name.toUpperCase());
  }

  putType(name: string, type: SqlType): void {
    this.types.set(name.toUpperCase(), type);
  }

  deleteType(name: string): boolean {
    return this.types.delete(name.toUpperCase());
  }

  listTypes(): [string, SqlType][] {
    return [...this.types.entries()];
  }
}
