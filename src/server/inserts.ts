/**
 * POST /inserts-stream, and the rows sent to it → records on the target's topic. Each row is a JSON object whose
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
import type { HttpRequest, HttpResponse } from './http-types.js';
import { ERROR_CODES, RestError, toRestError } from './rest-errors.js';
import { lineTooLongError } from './limits.js';

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

export interface InsertsStreamOptions {
  /** Bytes one line (one row, or the target line) may have; a longer one ends the stream. */
  readonly maxLineBytes: number;
  /** Acks as one JSON array (Accept: application/json) instead of delimited lines. */
  readonly asJson: boolean;
  readonly delimitedType: string;
  /** How long a client that keeps sending after the stream was refused is given before its connection is closed. */
  readonly graceMs: number;
}

/**
 * POST /inserts-stream: first line {"target"}, then one JSON object per line; an ack per row
 * (ksqlDB's `{"status":"ok","seq":n}`, or `{"status":"error","seq":n,"error_code":..,"message":..}`
 * and the end of the stream). Lines are split on the raw bytes and at most `maxLineBytes` of one
 * line is held: a longer target line is refused with 413 before the response starts, a longer
 * row with an error ack, as soon as the limit is passed (not when the line ends). The rest of the
 * body is then discarded unread, and the connection closed if the client keeps sending.
 */
export async function serveInsertsStream(engine: Engine, req: HttpRequest, res: HttpResponse, options: InsertsStreamOptions): Promise<void> {
  const { asJson, maxLineBytes } = options;
  let insert: Inserter | undefined;
  let seq = 0;
  let first = true;
  let failed = false;
  const ack = (o: unknown) => {
    if (asJson) {
      res.write((first ? '[' : ',') + JSON.stringify(o));
      first = false;
    } else res.write(JSON.stringify(o) + '\n');
  };
  const endStream = () => {
    if (!res.writableEnded) res.end(asJson ? (first ? '[]' : ']') : undefined);
  };
  const onLine = async (line: string) => {
    if (failed || line.trim() === '') return;
    if (!insert) {
      let target: unknown;
      try {
        target = (JSON.parse(line) as { target?: unknown }).target;
      } catch (e) {
        throw toRestError(e);
      }
      if (typeof target !== 'string') throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, 'Invalid JSON in inserts stream: the first line must be {"target": "<stream>"}');
      try {
        insert = await createInserter(engine, target);
      } catch (e) {
        throw toRestError(e);
      }
      res.writeHead(200, { 'content-type': asJson ? 'application/json' : options.delimitedType });
      return;
    }
    const n = seq++;
    try {
      await insert(JSON.parse(line));
      ack({ status: 'ok', seq: n });
    } catch (e) {
      const err = toRestError(e).body;
      ack({ status: 'error', seq: n, error_code: err.error_code, message: err.message });
      failed = true;
    }
  };
  // The bytes of the current line so far.
  let parts: Buffer[] = [];
  let size = 0;
  const take = (tail: Buffer): string => {
    parts.push(tail);
    const line = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8');
    parts = [];
    size = 0;
    return line;
  };
  let refused = false;
  let cutOff: NodeJS.Timeout | undefined;
  try {
    for await (const c of req) {
      if (refused) continue; // the rest of a refused body is read and dropped
      let chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      let nl: number;
      while (!refused && (nl = chunk.indexOf(0x0a)) >= 0) {
        if (size + nl > maxLineBytes) refuse();
        else {
          await onLine(take(chunk.subarray(0, nl)));
          chunk = chunk.subarray(nl + 1);
        }
      }
      if (refused) continue;
      if (size + chunk.length > maxLineBytes) refuse();
      else if (chunk.length > 0) {
        parts.push(chunk);
        size += chunk.length;
      }
    }
  } catch (e) {
    if (!refused) throw e;
    return; // cut off after the refusal
  } finally {
    clearTimeout(cutOff);
  }
  if (refused) return;
  await onLine(take(Buffer.alloc(0)));
  if (!insert) throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, 'Invalid inserts stream: missing the {"target": "<stream>"} line');
  endStream();

  function refuse(): void {
    refused = true;
    parts = [];
    const e = lineTooLongError(maxLineBytes);
    if (!insert) {
      const body = JSON.stringify(e.body);
      res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } else {
      if (!failed) ack({ status: 'error', seq: seq++, error_code: e.body.error_code, message: e.message });
      endStream();
    }
    // A client still sending after the grace period is cut off.
    cutOff = setTimeout(() => req.destroy(), options.graceMs);
    cutOff.unref();
  }
}
