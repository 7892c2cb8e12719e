/**
 * Conversions between the Log's records and kafkajs messages.
 *
 * Header limits (kafkajs 2.2.4 models headers as an object, not a list):
 * - Written: headers with the same key are sent in list order as repeated headers, but they are
 *   grouped at the position of the key's first occurrence (a,b,a is written a,a,b). A null value is
 *   written as an empty value: kafkajs' encoder cannot write a null header value.
 * - Read: repeated keys come back grouped per key; object key order puts integer-like keys ("1")
 *   first. Null header values written by other clients are read back as null.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { Header, LogRecord, ProduceRecord } from '../log.js';

const EMPTY = Buffer.alloc(0);
const NO_HEADERS: readonly Header[] = [];

export function toKafkaHeaders(headers: readonly Header[] | undefined): IHeaders | undefined {
  if (headers === undefined || headers.length === 0) return undefined;
  const out: { [key: string]: Buffer | Buffer[] } = Object.create(null) as { [key: string]: Buffer | Buffer[] };
  for (const h of headers) {
    const v = h.value ?? EMPTY;
    const prev = out[h.key];
    if (prev === undefined) out[h.key] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[h.key] = [prev, v];
  }
  return out;
}

export function toKafkaMessage(r: ProduceRecord, partition: number): Message {
  const m: Message = { key: r.key, value: r.value, partition };
  if (r.timestamp !== undefined) m.timestamp = String(Math.trunc(r.timestamp));
  const headers = toKafkaHeaders(r.headers);
  if (headers !== undefined) m.headers = headers;
  return m;
}

function headerValue(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

export function fromKafkaHeaders(headers: IHeaders | undefined): readonly Header[] {
  if (headers === undefined) return NO_HEADERS;
  let out: Header[] | undefined;
  for (const key in headers) {
    out ??= [];
    // kafkajs' decoder yields null for a null header value, which its type does not admit.
    const v = headers[key] as Buffer | string | null | (Buffer | string | null)[] | undefined;
    if (Array.isArray(v)) for (const x of v) out.push({ key, value: headerValue(x) });
    else out.push({ key, value: headerValue(v) });
  }
  return out ?? NO_HEADERS;
}

export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): LogRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key,
    value: m.value,
    timestamp: Number(m.timestamp),
    headers: fromKafkaHeaders(m.headers),
  };
}
