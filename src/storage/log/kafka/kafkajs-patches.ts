/**
 * Replacements for three kafkajs 2.2.4 internals that dominate a CPU profile of Sluice on Kafka.
 * kafkajs is unmaintained, so they are applied here at load time instead of waiting for a release:
 *
 * 1. producer/groupMessagesPerPartition: kafkajs copies the partition's whole array for every message
 *    it groups (quadratic in the messages per partition of one send; a quarter of q0's CPU). Ours
 *    appends in place. Same result: per partition, the messages in send order.
 * 2. protocol/requests/produce/v3/request (used by Produce v3..v7): kafkajs sorts every partition's
 *    timestamps with the default (string) comparator only to find the smallest and largest, then
 *    builds an encoder and a buffer copy per record. Ours finds them in one pass and writes the
 *    same uncompressed record batch straight into one buffer (compressed ones go through kafkajs'
 *    writers).
 * 3. consumer/consumerGroup: every fetch asks for maxBytes at once, and kafkajs decodes the whole
 *    response before handing over its first batch, so the first records of a large backlog arrive
 *    only after ~32 MiB are decoded. Ours starts small (FIRST_FETCH_BYTES per partition) and
 *    quadruples each fetch up to the configured sizes, so the first output comes quickly and the
 *    steady rate keeps the large fetches.
 * 4. protocol/recordBatch/record/v0/decoder: per record, kafkajs parses the batch's first offset and
 *    timestamp from strings into 64-bit Longs and reads the timestamp delta as a Long (about a tenth
 *    of a consumer's CPU). Ours parses them once per batch and does the arithmetic on numbers while
 *    the values stay below 2^53 (always, for offsets and epoch-millisecond timestamps), falling back
 *    to kafkajs' Long arithmetic otherwise. Same record objects (offset and timestamp as strings).
 *
 * How: the modules are CommonJS, each captured by its requirer at load time. This module loads
 * each one into require's cache and swaps the cached exports, then loads kafkajs itself and exports
 * it as `kafkajs`: Sluice takes kafkajs' runtime values from here (elsewhere only `import type`), so
 * the swap always precedes kafkajs' own load in Sluice. It applies only to kafkajs 2.2.4, whose
 * internals it was written against; with any other version, or if kafkajs was loaded earlier by
 * someone else, kafkajs runs unpatched (correct, just slower) and `kafkajsPatches()` says so.
 * SLUICE_KAFKAJS_PATCHES=off in the environment leaves kafkajs unpatched (to compare, or to rule
 * the patches out when troubleshooting).
 */
import { createRequire } from 'node:module';
import type * as KafkaJS from 'kafkajs';

const require = createRequire(import.meta.url);

/** Per-partition bytes of a consumer's first fetch; later fetches grow ×4 up to the configured size. */
export const FIRST_FETCH_BYTES = 64 * 1024;

export interface KafkajsPatchState {
  readonly version: string;
  readonly groupMessages: boolean;
  readonly produceRequest: boolean;
  readonly fetchRampUp: boolean;
  readonly recordDecoder: boolean;
  /** Why a patch was not applied, if one was not. */
  readonly reason: string | null;
}

let state: KafkajsPatchState;

interface PartitionerArgs {
  readonly topic: string;
  readonly partitionMetadata: readonly unknown[];
  readonly message: unknown;
}

function groupMessagesPerPartition(args: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly unknown[];
  partitioner: (a: PartitionerArgs) => number;
}): Record<number, unknown[]> {
  const { topic, partitionMetadata, messages, partitioner } = args;
  const out: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return out;
  for (const message of messages) {
    const p = partitioner({ topic, partitionMetadata, message });
    const list = out[p];
    if (list === undefined) out[p] = [message];
    else list.push(message);
  }
  return out;
}

/** The kafkajs encoder surface used below (src/protocol/encoder.js). */
interface Encoder {
  writeString(s: string | null): Encoder;
  writeInt16(n: number): Encoder;
  writeInt32(n: number): Encoder;
  writeArray(a: readonly unknown[]): Encoder;
  writeEncoder(e: Encoder): Encoder;
  writeBuffer(b: Buffer): Encoder;
  size(): number;
}
type EncoderCtor = new (initialSize?: number) => Encoder;
type RecordFn = (r: Record<string, unknown>) => unknown;
type RecordBatchFn = (b: Record<string, unknown>) => Promise<Encoder>;

interface ProduceMessage {
  readonly timestamp?: string | number | null;
  readonly [k: string]: unknown;
}

interface PartitionData {
  readonly partition: number;
  readonly messages: readonly ProduceMessage[];
  readonly firstSequence?: number;
}

/** kafkajs' record header values, as a message may carry them. */
type HeaderValue = Buffer | string | null | undefined;

const asBytes = (v: Buffer | string | null | undefined): Buffer | null => (v == null ? null : typeof v === 'string' ? Buffer.from(v) : v);

/** Bytes of an unsigned varint. */
function uvarintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Zig-zag of a safe integer (as a non-negative number). */
const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function writeUVarint(buf: Buffer, off: number, n: number): number {
  while (n >= 128) {
    buf[off++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[off++] = n;
  return off;
}

/**
 * One uncompressed record batch (magic 2), written straight into one buffer: the same bytes as
 * kafkajs' Record + RecordBatch, without an encoder and a buffer copy per record.
 */
function writeRecordBatch(
  crc32C: (b: Buffer) => number,
  messages: readonly ProduceMessage[],
  deltas: Float64Array,
  first: number,
  max: number,
  producerId: bigint,
  producerEpoch: number,
  firstSequence: number,
  transactional: boolean,
): Buffer {
  const n = messages.length;
  const keys = new Array<Buffer | null>(n);
  const values = new Array<Buffer | null>(n);
  const headers = new Array<[Buffer, Buffer | null][] | null>(n);
  const bodySizes = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const k = asBytes(m['key'] as Buffer | string | null | undefined);
    const v = asBytes(m['value'] as Buffer | string | null | undefined);
    keys[i] = k;
    values[i] = v;
    let hs: [Buffer, Buffer | null][] | null = null;
    let hSize = 1;
    const h = m['headers'] as Record<string, HeaderValue | HeaderValue[]> | undefined;
    if (h != null) {
      for (const hk of Object.keys(h)) {
        const raw = h[hk];
        for (const hv of Array.isArray(raw) ? raw : [raw]) {
          hs ??= [];
          const kb = Buffer.from(hk);
          const vb = asBytes(hv);
          hs.push([kb, vb]);
          hSize += uvarintSize(zigzag(kb.length)) + kb.length + (vb === null ? 1 : uvarintSize(zigzag(vb.length)) + vb.length);
        }
      }
      if (hs !== null) hSize = uvarintSize(zigzag(hs.length)) + hSize - 1;
    }
    headers[i] = hs;
    const body =
      1 +
      uvarintSize(zigzag(deltas[i]!)) +
      uvarintSize(zigzag(i)) +
      (k === null ? 1 : uvarintSize(zigzag(k.length)) + k.length) +
      (v === null ? 1 : uvarintSize(zigzag(v.length)) + v.length) +
      hSize;
    bodySizes[i] = body;
    total += uvarintSize(zigzag(body)) + body;
  }
  // firstOffset(8) length(4) leaderEpoch(4) magic(1) crc(4) | attributes(2) lastOffsetDelta(4)
  // firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2) firstSequence(4) count(4)
  const HEAD = 8 + 4 + 4 + 1 + 4;
  const BODY_HEAD = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
  const buf = Buffer.allocUnsafe(HEAD + BODY_HEAD + total);
  buf.writeBigInt64BE(0n, 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(0, 12);
  buf.writeInt8(2, 16);
  let off = HEAD;
  buf.writeInt16BE(transactional ? 16 : 0, off);
  buf.writeInt32BE(n - 1, off + 2);
  buf.writeBigInt64BE(BigInt(first), off + 6);
  buf.writeBigInt64BE(BigInt(max), off + 14);
  buf.writeBigInt64BE(producerId, off + 22);
  buf.writeInt16BE(producerEpoch, off + 30);
  buf.writeInt32BE(firstSequence, off + 32);
  buf.writeInt32BE(n, off + 36);
  off += BODY_HEAD;
  for (let i = 0; i < n; i++) {
    off = writeUVarint(buf, off, zigzag(bodySizes[i]!));
    buf[off++] = 0; // record attributes
    off = writeUVarint(buf, off, zigzag(deltas[i]!));
    off = writeUVarint(buf, off, zigzag(i));
    for (const b of [keys[i]!, values[i]!]) {
      if (b === null) buf[off++] = 1; // zig-zag -1
      else {
        off = writeUVarint(buf, off, zigzag(b.length));
        off += b.copy(buf, off);
      }
    }
    const hs = headers[i];
    if (hs === null || hs === undefined) buf[off++] = 0;
    else {
      off = writeUVarint(buf, off, zigzag(hs.length));
      for (const [kb, vb] of hs) {
        off = writeUVarint(buf, off, zigzag(kb.length));
        off += kb.copy(buf, off);
        if (vb === null) buf[off++] = 1;
        else {
          off = writeUVarint(buf, off, zigzag(vb.length));
          off += vb.copy(buf, off);
        }
      }
    }
  }
  buf.writeUInt32BE(crc32C(buf.subarray(HEAD)), 17);
  return buf;
}

/** Produce request v3 (Kafka protocol): our encoder; kafkajs' record and batch writers only for compressed batches. */
function makeProduceV3(
  Encoder: EncoderCtor,
  Record: RecordFn,
  RecordBatch: RecordBatchFn,
  crc32C: (b: Buffer) => number,
  apiKey: number,
  noCompression: number,
) {
  const encodePartition = async (compression: number, d: PartitionData, transactionalId: string | null, producerId: unknown, producerEpoch: number) => {
    const now = Date.now();
    let min = Infinity;
    let max = -Infinity;
    const n = d.messages.length;
    const ts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = d.messages[i]!.timestamp;
      // As kafkajs: a falsy timestamp stamps the record "now"; only non-null ones count for the
      // batch's first and max timestamps.
      const v = Number(t);
      ts[i] = t ? v : NaN;
      if (t != null) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (min === Infinity) min = max = now;
    for (let i = 0; i < n; i++) {
      const v = ts[i]!;
      ts[i] = (Number.isNaN(v) ? now : v) - min;
    }
    const pid = producerId ?? -1;
    if (compression === noCompression && Number.isSafeInteger(min) && Number.isSafeInteger(max)) {
      const batch = writeRecordBatch(crc32C, d.messages, ts, min, max, BigInt(String(pid)), producerEpoch, d.firstSequence ?? 0, !!transactionalId);
      return new Encoder(batch.length + 8).writeInt32(d.partition).writeInt32(batch.length).writeBuffer(batch);
    }
    const records = new Array<unknown>(n);
    for (let i = 0; i < n; i++) records[i] = Record({ ...d.messages[i]!, offsetDelta: i, timestampDelta: ts[i]! });
    const batch = await RecordBatch({
      compression,
      records,
      firstTimestamp: min,
      maxTimestamp: max,
      producerId,
      producerEpoch,
      firstSequence: d.firstSequence,
      transactional: !!transactionalId,
      lastOffsetDelta: n - 1,
    });
    return new Encoder().writeInt32(d.partition).writeInt32(batch.size()).writeEncoder(batch);
  };

  return (req: {
    acks: number;
    timeout: number;
    transactionalId?: string | null;
    producerId?: unknown;
    producerEpoch?: number;
    compression?: number;
    topicData: readonly { topic: string; partitions: readonly PartitionData[] }[];
  }) => {
    const transactionalId = req.transactionalId ?? null;
    const compression = req.compression ?? noCompression;
    const producerEpoch = req.producerEpoch ?? 0;
    return {
      apiKey,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => req.acks !== 0,
      encode: async () => {
        const topics: Encoder[] = [];
        for (const t of req.topicData) {
          const parts: Encoder[] = [];
          for (const d of t.partitions) parts.push(await encodePartition(compression, d, transactionalId, req.producerId, producerEpoch));
          topics.push(new Encoder().writeString(t.topic).writeArray(parts));
        }
        return new Encoder().writeString(transactionalId).writeInt16(req.acks).writeInt32(req.timeout).writeArray(topics);
      },
    };
  };
}

/** kafkajs' ConsumerGroup with fetch sizes ramping up from FIRST_FETCH_BYTES. */
function rampingConsumerGroup(Base: new (...a: never[]) => object): unknown {
  interface Sizes {
    maxBytes: number;
    maxBytesPerPartition: number;
    fetch(nodeId: number): Promise<unknown>;
  }
  const baseFetch = (Base.prototype as Sizes).fetch;
  class Ramping extends (Base as new (...a: unknown[]) => Sizes) {
    private rampPerPartition = 0;
    private targetPerPartition = 0;
    private targetTotal = 0;
    constructor(...a: unknown[]) {
      super(...a);
      this.targetPerPartition = this.maxBytesPerPartition;
      this.targetTotal = this.maxBytes;
      this.rampPerPartition = Math.min(FIRST_FETCH_BYTES, this.targetPerPartition);
    }
    override async fetch(nodeId: number): Promise<unknown> {
      const per = this.rampPerPartition;
      this.maxBytesPerPartition = per;
      this.maxBytes = Math.min(this.targetTotal, Math.max(per * 4, per));
      const res = await baseFetch.call(this, nodeId);
      if (per < this.targetPerPartition) this.rampPerPartition = Math.min(this.targetPerPartition, per * 4);
      return res;
    }
  }
  return Ramping;
}

/** kafkajs' Decoder surface used by the record decoder. */
interface Decoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): LongValue;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (d: Decoder) => T): T[];
}
interface LongValue {
  add(x: LongValue | number): LongValue;
  toString(): string;
}
interface LongStatic {
  fromValue(v: string | number | LongValue): LongValue;
}
interface RecordContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
  readonly maxTimestamp?: string;
}

/**
 * A zig-zag varlong as a number, or undefined (decoder untouched) when it needs more than 7 bytes
 * (|value| ≥ 2^48): the caller then reads it as a Long.
 */
function readSmallVarLong(d: Decoder): number | undefined {
  const buf = d.buffer;
  let off = d.offset;
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const b = buf[off++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      d.offset = off;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 128;
  }
  return undefined;
}

function makeRecordDecoder(Long: LongStatic, HeaderDecoder: (d: Decoder) => { key: string; value: Buffer | null }, logAppendTime: number) {
  // One context object per record batch: its first offset and timestamp as numbers, or null if unsafe.
  const bases = new WeakMap<RecordContext, { offset: number; timestamp: number } | null>();
  return (decoder: Decoder, ctx: RecordContext = { firstOffset: '0', firstTimestamp: '0' }) => {
    let base = bases.get(ctx);
    if (base === undefined) {
      const o = Number(ctx.firstOffset);
      const t = Number(ctx.firstTimestamp);
      base = Number.isSafeInteger(o) && Number.isSafeInteger(t) ? { offset: o, timestamp: t } : null;
      bases.set(ctx, base);
    }
    const attributes = decoder.readInt8();
    const small = base !== null ? readSmallVarLong(decoder) : undefined;
    const bigDelta = small === undefined ? decoder.readVarLong() : undefined;
    let timestamp: string;
    if (ctx.timestampType === logAppendTime && ctx.maxTimestamp) timestamp = ctx.maxTimestamp;
    else if (small !== undefined && Number.isSafeInteger(base!.timestamp + small)) timestamp = String(base!.timestamp + small);
    else timestamp = Long.fromValue(ctx.firstTimestamp).add(bigDelta ?? small!).toString();
    const offsetDelta = decoder.readVarInt();
    const offset = base !== null ? String(base.offset + offsetDelta) : Long.fromValue(ctx.firstOffset).add(offsetDelta).toString();
    const key = decoder.readVarIntBytes();
    const value = decoder.readVarIntBytes();
    const list = decoder.readVarIntArray(HeaderDecoder);
    const headers: Record<string, Buffer | null | (Buffer | null)[]> = {};
    for (const h of list) {
      const prev = Object.prototype.hasOwnProperty.call(headers, h.key) ? headers[h.key] : undefined;
      headers[h.key] = prev === undefined ? h.value : Array.isArray(prev) ? [...prev, h.value] : [prev, h.value];
    }
    return {
      magicByte: ctx.magicByte,
      attributes,
      timestamp,
      offset,
      key,
      value,
      headers,
      isControlRecord: ctx.isControlBatch ?? false,
      batchContext: ctx,
    };
  };
}

function apply(): KafkajsPatchState {
  let version = 'unknown';
  try {
    version = (require('kafkajs/package.json') as { version: string }).version;
  } catch {
    return { version, groupMessages: false, produceRequest: false, fetchRampUp: false, recordDecoder: false, reason: 'kafkajs not found' };
  }
  const none = (reason: string): KafkajsPatchState => ({ version, groupMessages: false, produceRequest: false, fetchRampUp: false, recordDecoder: false, reason });
  if (process.env['SLUICE_KAFKAJS_PATCHES'] === 'off') return none('SLUICE_KAFKAJS_PATCHES=off');
  if (version !== '2.2.4') return none(`kafkajs ${version} is not the version (2.2.4) these patches were written for`);
  const main = require.resolve('kafkajs');
  if (require.cache[main] !== undefined) return none('kafkajs was loaded before the patches');
  const swap = (rel: string, make: (orig: unknown) => unknown): void => {
    const path = require.resolve(`kafkajs/src/${rel}`);
    const orig: unknown = require(path);
    const mod = require.cache[path];
    if (mod === undefined) throw new Error(`kafkajs/src/${rel} is not in the require cache`);
    mod.exports = make(orig);
  };
  // First, before the record batch decoder that captures it is loaded by anything below.
  const Long = require('kafkajs/src/utils/long.js') as LongStatic;
  const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (d: Decoder) => { key: string; value: Buffer | null };
  const { LOG_APPEND_TIME } = require('kafkajs/src/protocol/timestampTypes.js') as { LOG_APPEND_TIME: number };
  swap('protocol/recordBatch/record/v0/decoder.js', () => makeRecordDecoder(Long, HeaderDecoder, LOG_APPEND_TIME));
  swap('producer/groupMessagesPerPartition.js', () => groupMessagesPerPartition);
  const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderCtor;
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as RecordFn;
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: RecordBatchFn };
  const { Produce } = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };
  const { Types } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: { None: number } };
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
  swap('protocol/requests/produce/v3/request.js', () => makeProduceV3(Encoder, Record, RecordBatch, crc32C, Produce, Types.None));
  swap('consumer/consumerGroup.js', (orig) => rampingConsumerGroup(orig as new (...a: never[]) => object));
  return { version, groupMessages: true, produceRequest: true, fetchRampUp: true, recordDecoder: true, reason: null };
}

try {
  state = apply();
} catch (e) {
  state = { version: 'unknown', groupMessages: false, produceRequest: false, fetchRampUp: false, recordDecoder: false, reason: (e as Error).message };
}

/** kafkajs, loaded after the patches. */
export const kafkajs = require('kafkajs') as typeof KafkaJS;

/** Which patches are in force (for tests and `sluice` diagnostics). */
export function kafkajsPatches(): KafkajsPatchState {
  return state;
}
