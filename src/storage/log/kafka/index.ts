/** The Log on Apache Kafka (kafkajs). See kafka-log.ts for the mapping and its limits. */
import { KafkaLog, type KafkaLogOptions } from './kafka-log.js';

export { KafkaLog, type KafkaLogOptions } from './kafka-log.js';
export type { KafkaConsumerTuning } from './kafka-consumer.js';

/** Connects an admin client and an idempotent producer to the cluster at `options.brokers`. */
export async function openKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  return KafkaLog.open(options);
}
export { kafkaSecurity, type KafkaSecurity } from './security.js';
export { kafkajsPatches, type KafkajsPatchState } from './kafkajs-patches.js';
