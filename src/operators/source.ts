/**
 * Source operator: turns a log record into a source row
 *   [key columns..., value columns..., header columns..., ROWTIME, ROWPARTITION, ROWOFFSET]
 * deserializing key and value with the source's formats and extracting the event timestamp.
 * Failures are reported to the processing log and the record is skipped.
 */
import type { DataSource } from '../engine/metastore.js';
import type { LogRecord } from '../storage/log/log.js';
import type { Serde } from '../serde/serde.js';
import { createSerde } from '../serde/index.js';
import type { SchemaCatalog } from '../registry/schema.js';
import type { ProcessingLogEntry } from '../runtime/processing-log.js';
import { compileTimestampExtractor } from './timestamp.js';
import { splitWindowedKey, type WindowBounds } from '../serde/windowed.js';

export type RecordErrorSink = (type: ProcessingLogEntry['type'], message: string, record?: LogRecord) => void;

export interface SourceDecoder {
  /**
   * The row, or null when the record must be skipped (error reported). A record without a value
   * gives a row whose value columns are null, with `valueIsNull` set until the next decode.
   */
  decode(record: LogRecord): unknown[] | null;
  valueIsNull: boolean;
}

export function createSourceDecoder(source: DataSource, onError: RecordErrorSink, schemas: SchemaCatalog): SourceDecoder {
  const binding = { topic: source.topic, catalog: schemas };
  const keySerde: Serde = createSerde(source.keyFormat, source.schema.key, source.keyOptions, true, binding);
  const valueSerde: Serde = createSerde(source.valueFormat, source.schema.value, source.valueOptions, false, binding);
  const nKey = source.schema.key.length;
  const nValue = source.schema.value.length;
  const headerCols = source.schema.headers;
  const nHeaders = headerCols.length;
  const window = source.window;
  const width = nKey + nValue + nHeaders + 3 + (window ? 2 : 0);
  const rowColumns = [...source.schema.key, ...source.schema.value];
  const tsIndex = source.timestampColumn === undefined ? -1 : rowColumns.findIndex((c) => c.name === source.timestampColumn);
  // Values decoded straight into the row (no array per record) when the format can.
  const intoRow = valueSerde.deserializeInto !== undefined;
  const extractTs = tsIndex >= 0 ? compileTimestampExtractor(rowColumns[tsIndex]!.type, source.timestampFormat) : undefined;

  return {
    valueIsNull: false,
    decode(record: LogRecord): unknown[] | null {
      // A record without a value (a tombstone) still flows: streams forward it as a null value
      // unless filtered, tables treat it as a delete.
      this.valueIsNull = record.value === null;
      let key: unknown[] | null;
      let value: unknown[] | null;
      let bounds: WindowBounds | undefined;
      try {
        let keyBytes = record.key;
        if (window && keyBytes !== null) {
          const split = splitWindowedKey(keyBytes, window.type, window.sizeMs);
          keyBytes = split.key;
          bounds = split.window;
        }
        key = nKey === 0 ? null : keySerde.deserialize(keyBytes);
      } catch (e) {
        onError('DESERIALIZATION_ERROR', `Error deserializing key from topic ${record.topic}: ${(e as Error).message}`, record);
        return null;
      }
      const row = new Array<unknown>(width);
      try {
        if (intoRow) {
          if (!valueSerde.deserializeInto!(record.value, row, nKey)) {
            // No value, or one that deserializes to null (JSON `null`): a tombstone either way, as in ksqlDB.
            for (let v = 0; v < nValue; v++) row[nKey + v] = null;
            this.valueIsNull = true;
          }
        } else {
          value = valueSerde.deserialize(record.value);
          if (value === null) this.valueIsNull = true;
          for (let v = 0; v < nValue; v++) row[nKey + v] = value === null ? null : (value[v] ?? null);
        }
      } catch (e) {
        onError('DESERIALIZATION_ERROR', `Error deserializing value from topic ${record.topic}: ${(e as Error).message}`, record);
        return null;
      }
      let i = 0;
      for (let k = 0; k < nKey; k++) row[i++] = key === null ? null : (key[k] ?? null);
      i += nValue;
      for (let h = 0; h < nHeaders; h++) row[i++] = headerValue(headerCols[h]!.headerKey, record);
      let ts = record.timestamp;
      if (extractTs) {
        try {
          const t = extractTs(row[tsIndex]);
          if (t === null || t < 0) {
            onError('RECORD_PROCESSING_ERROR', `Invalid timestamp ${String(t)} extracted from column ${source.timestampColumn}`, record);
            return null;
          }
          ts = t;
        } catch (e) {
          onError('RECORD_PROCESSING_ERROR', `Failed to extract timestamp from column ${source.timestampColumn}: ${(e as Error).message}`, record);
          return null;
        }
      }
      row[i++] = ts;
      row[i++] = record.partition;
      row[i++] = record.offset;
      if (window) {
        row[i++] = bounds?.start ?? null;
        row[i] = bounds?.end ?? null;
      }
      return row;
    },
  };
}

function headerValue(headerKey: string | undefined, record: LogRecord): unknown {
  if (headerKey === undefined) {
    return record.headers.map((h) => ({ KEY: h.key, VALUE: h.value }));
  }
  // HEADER('k'): the last header with that key, as ksqlDB does.
  for (let i = record.headers.length - 1; i >= 0; i--) {
    const h = record.headers[i]!;
    if (h.key === headerKey) return h.value;
  }
  return null;
}
