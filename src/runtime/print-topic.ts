/**
 * PRINT at run time: follow a topic's partitions from a chosen position, format each polled batch
 * as ksqlDB does (`rowtime: ..., key: ..., value: ..., partition: N`, key and value formats
 * guessed from the bytes, src/serde/format-detection.ts), keep every INTERVAL-th record and stop
 * after LIMIT of them. The sink hears about format changes ("Key format: ...") before the records
 * they describe, and about polls that found nothing (ksqlDB's /query writes an empty line then).
 */
import type { LogConsumer, LogRecord } from '../storage/log/log.js';
import type { SchemaRegistry } from '../registry/registry.js';
import { FormatDetector, SchemaCache, framedSchemaId } from '../serde/format-detection.js';

export type PrintEndReason = 'Limit Reached' | 'Query Terminated';

export interface PrintSink {
  /** A `Key format: ...` / `Value format: ...` line: the guess changed (always before the first records). */
  onFormat(line: string): void;
  /** One record, formatted. */
  onRecord(line: string): void;
  /** A poll of about a second found nothing. */
  onIdle?(): void;
  /** A poll found nothing new: every record present so far has been printed. */
  onCaughtUp?(): void;
  onEnd(reason: PrintEndReason): void;
  onError(error: Error): void;
}

export interface PrintHandle {
  readonly id: string;
  readonly topic: string;
  /** Resolves when printing has stopped (limit, close or error). */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export interface PrintSpec {
  readonly id: string;
  readonly topic: string;
  /** Every interval-th record is printed (1: all). */
  readonly interval: number;
  readonly limit?: number;
  /** Positioned where printing starts. */
  readonly consumer: LogConsumer;
  readonly registry: SchemaRegistry;
}

/** Kafka consumers' default max.poll.records: what one formatted batch holds. */
const MAX_POLL_RECORDS = 500;
const POLL_MS = 200;
const IDLE_MS = 1000;

const NO_MATCH = ' does not match any supported format. It may be a STRING with encoding other than UTF8, or some other format.';

/** `yyyy/MM/dd HH:mm:ss.SSS z` in UTC, or N/A for Kafka's "no timestamp". */
export function formatRowTime(ts: number): string {
  if (ts === -1) return 'N/A';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return 'N/A';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} Z`;
}

/** Formats batches of a topic's records, narrowing its key and value format guesses as it goes. */
export class RecordFormatter {
  private readonly keys: FormatDetector;
  private readonly values: FormatDetector;
  private lastKeyFormats: string | undefined;
  private lastValueFormats: string | undefined;

  constructor(schemas: SchemaCache) {
    this.keys = new FormatDetector(schemas, true);
    this.values = new FormatDetector(schemas, false);
  }

  /**
   * The batch's lines. When a batch rules out the format its first records were shown in, the
   * whole batch is formatted again in the format now in front, so one batch reads one way.
   */
  format(records: readonly LogRecord[]): string[] {
    const keyBefore = this.keys.possibleFormats()[0];
    const valueBefore = this.values.possibleFormats()[0];
    const lines = records.map((r) => this.line(r));
    if (this.keys.possibleFormats()[0] === keyBefore && this.values.possibleFormats()[0] === valueBefore) return lines;
    return records.map((r) => this.line(r));
  }

  /** Header lines for guesses that changed since the last call (both, the first time). */
  formatChanges(): string[] {
    const out: string[] = [];
    const key = this.keys.possibleFormats();
    const value = this.values.possibleFormats();
    const keyText = key.join(' or ');
    const valueText = value.join(' or ');
    if (keyText !== this.lastKeyFormats) out.push('Key format: ' + (key.length === 0 ? NO_MATCH : keyText));
    if (valueText !== this.lastValueFormats) out.push('Value format: ' + (value.length === 0 ? NO_MATCH : valueText));
    this.lastKeyFormats = keyText;
    this.lastValueFormats = valueText;
    return out;
  }

  private line(r: LogRecord): string {
    return `rowtime: ${formatRowTime(r.timestamp)}, key: ${this.keys.format(r.key)}, value: ${this.values.format(r.value)}, partition: ${r.partition}`;
  }
}

/** Runs a PRINT until its limit, close() or an error. */
export function runPrint(spec: PrintSpec, sink: PrintSink): PrintHandle {
  const { consumer, registry, interval, limit } = spec;
  const schemas = new SchemaCache(registry.catalog);
  const formatter = new RecordFormatter(schemas);
  const missing = new Set<number>();
  let stopped = false;
  let ended = false;
  let polled = 0;
  let written = 0;
  const end = (reason: PrintEndReason) => {
    if (ended) return;
    ended = stopped = true;
    sink.onEnd(reason);
  };
  /** Schemas the batch's framed records name, fetched into the catalog the detectors read. */
  const fetchSchemas = async (records: readonly LogRecord[]) => {
    const ids = new Set<number>();
    for (const r of records) {
      for (const b of [r.key, r.value]) {
        const id = framedSchemaId(b);
        if (id !== undefined && !missing.has(id) && !registry.catalog.byId(id)) ids.add(id);
      }
    }
    for (const id of ids) {
      const found = await registry.byId(id).catch(() => undefined);
      if (!found) missing.add(id);
    }
  };
  const done = (async () => {
    let idleSince = Date.now();
    try {
      if (limit !== undefined && limit <= 0) return end('Limit Reached');
      while (!stopped) {
        const batch = (await consumer.poll(MAX_POLL_RECORDS, POLL_MS)).filter((r) => r.topic === spec.topic);
        if (stopped) break;
        if (batch.length === 0) {
          sink.onCaughtUp?.();
          if (Date.now() - idleSince >= IDLE_MS) {
            idleSince = Date.now();
            sink.onIdle?.();
          }
          continue;
        }
        idleSince = Date.now();
        await fetchSchemas(batch);
        const lines = formatter.format(batch);
        const out: string[] = [];
        for (const line of lines) {
          if (polled++ % interval === 0) {
            written++;
            out.push(line);
          }
          if (limit !== undefined && written >= limit) break;
        }
        for (const f of formatter.formatChanges()) sink.onFormat(f);
        for (const line of out) {
          if (stopped) break;
          sink.onRecord(line);
        }
        if (limit !== undefined && written >= limit) end('Limit Reached');
      }
    } catch (e) {
      if (!ended) {
        ended = stopped = true;
        sink.onError(e as Error);
      }
    } finally {
      await consumer.close().catch(() => undefined);
    }
  })();
  return {
    id: spec.id,
    topic: spec.topic,
    done,
    async close() {
      if (!ended) end('Query Terminated');
      await done;
    },
  };
}
