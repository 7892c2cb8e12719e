/**
 * Event-time extraction from a column (the TIMESTAMP / TIMESTAMP_FORMAT source properties):
 * BIGINT and TIMESTAMP columns hold epoch milliseconds; STRING columns are parsed with the format.
 */
import type { SqlType } from '../types/sql-type.js';
import { AnalysisError } from '../errors.js';
import { parseTimestampWithPattern } from '../functions/scalar/datetime.js';

export type TimestampExtractor = (value: unknown) => number | null;

export function compileTimestampExtractor(type: SqlType, format: string | undefined): TimestampExtractor {
  switch (type.kind) {
    case 'BIGINT':
    case 'TIMESTAMP':
      return (v) => (v === null || v === undefined ? null : (v as number));
    case 'STRING': {
      if (format === undefined) {
        return (v) => (v === null || v === undefined ? null : Date.parse(v as string));
      }
      return (v) => (v === null || v === undefined ? null : parseTimestampWithPattern(v as string, format, 'UTC'));
    }
    default:
      throw new AnalysisError(`Timestamp column must be of type BIGINT, TIMESTAMP or STRING (with TIMESTAMP_FORMAT), not ${type.kind}.`);
  }
}
