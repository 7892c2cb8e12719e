/**
 * Log.read() on Kafka: kafkajs has no assign()/standalone fetch, only group consumers. A read
 * therefore runs a short-lived consumer in a throw-away group (unique id, never commits), pauses
 * every partition but the one asked for, seeks it to `offset` and collects batches until it has
 * `maxRecords` records or has reached the high watermark seen when the read began (so it never
 * waits for new appends). The group is deleted afterwards. A read costs one group join: fine for
 * tests, the CLI and occasional reads, not for hot paths (those use createConsumer).
 */
import { randomUUID } from 'node:crypto';
import type { Admin, ConsumerConfig, Kafka } from 'kafkajs';
import { ExecutionError } from '../../../errors.js';
import type { LogRecord } from '../log.js';
import { fromKafkaMessage } from './convert.js';

export interface ReadRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly maxRecords: number;
  /** Partition count of the topic (to pause the others). */
  readonly partitions: number;
  /** Next offset to be written when the read began: stop there. */
  readonly highWatermark: number;
}

export async function readPartition(
  kafka: Kafka,
  admin: Admin,
  consumerConfig: Omit<ConsumerConfig, 'groupId'>,
  req: ReadRequest,
  timeoutMs: number,
): Promise<LogRecord[]> {
  const { topic, partition, highWatermark } = req;
  const groupId = `sluice-read-${randomUUID()}`;
  const consumer = kafka.consumer({ ...consumerConfig, groupId });
  const out: LogRecord[] = [];
  let finish!: (e?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = (e) => (e === undefined ? resolve() : reject(e));
  });
  const timer = setTimeout(
    () => finish(new ExecutionError(`reading ${topic}-${partition} from offset ${req.offset} timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  consumer.on(consumer.events.CRASH, (e) => finish(e.payload.error));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, isStale }) => {
        if (batch.partition !== partition || isStale() || out.length >= req.maxRecords) return;
        for (const m of batch.messages) {
          if (out.length >= req.maxRecords) break;
          if (Number(m.offset) < req.offset) continue;
          out.push(fromKafkaMessage(topic, partition, m));
        }
        const msgs = batch.messages;
        if (msgs.length > 0) resolveOffset(msgs[msgs.length - 1]!.offset);
        if (out.length >= req.maxRecords || Number(batch.lastOffset()) + 1 >= highWatermark) finish();
      },
    });
    const others: number[] = [];
    for (let p = 0; p < req.partitions; p++) if (p !== partition) others.push(p);
    if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
    // Applied by kafkajs once the partition is assigned, before its first fetch.
    consumer.seek({ topic, partition, offset: String(req.offset) });
    await done;
    return out;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
