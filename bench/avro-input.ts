/**
 * The Avro benchmark input: the generated bids re-encoded as a producer using Confluent's Avro
 * serializer writes them (a `Bid` record registered under `bids_avro-value`, framed with its id),
 * so the Avro cases read the same events as the JSON ones. The engine infers the stream's
 * columns from the registered schema.
 */
import avro from 'avsc';
import { EmbeddedRegistry } from '../src/registry/embedded-registry.js';
import { frame } from '../src/serde/confluent-wire.js';
import type { Log } from '../src/storage/log/log.js';

export const BID_AVRO_SCHEMA = {
  type: 'record',
  name: 'Bid',
  namespace: 'nexmark',
  fields: [
    { name: 'auction', type: 'long' },
    { name: 'bidder', type: 'long' },
    { name: 'price', type: 'long' },
    { name: 'channel', type: 'string' },
    { name: 'url', type: 'string' },
    { name: 'dateTime', type: 'long' },
    { name: 'extra', type: 'string' },
  ],
} as const;

/** Copy every record of `from` (JSON bids) into `to` as framed Avro; returns the records copied. */
export async function writeAvroBids(log: Log, from: string, to: string, partitions: number): Promise<number> {
  const registry = await EmbeddedRegistry.open(log);
  const id = await registry.register(`${to}-value`, { schemaType: 'AVRO', schema: JSON.stringify(BID_AVRO_SCHEMA) });
  await registry.close();
  const type = avro.Type.forSchema(BID_AVRO_SCHEMA as unknown as avro.Schema);
  await log.createTopic(to, { partitions });
  const ends = await log.endOffsets(from);
  let copied = 0;
  for (let p = 0; p < ends.length; p++) {
    for (let off = 0; off < ends[p]!; ) {
      const rs = await log.read(from, p, off, 5000);
      if (rs.length === 0) break;
      await log.append(
        to,
        rs.map((r) => ({ key: r.key, value: r.value === null ? null : frame(id, type.toBuffer(JSON.parse(r.value.toString()))), timestamp: r.timestamp, partition: p })),
      );
      off = rs[rs.length - 1]!.offset + 1;
      copied += rs.length;
    }
  }
  return copied;
}
