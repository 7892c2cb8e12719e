/**
 * The partition assignor of Sluice's consumer groups: partition p of every subscribed topic goes to
 * the same member (the (p mod n)-th by member id), as Kafka Streams groups partitions into tasks. A
 * query's task p — source partition p, its repartition topics' partition p, and the state keyed to
 * them — then lives on one server, so co-partitioned inputs (a join's sides, a repartition topic and
 * the source it re-keys) meet there. kafkajs' round-robin assignor deals topic-partitions out in one
 * sequence, which splits partition p of two topics between servers whenever a topic's partition
 * count is not a multiple of the number of servers.
 *
 * `info` (optional) is published as the member's user data (each server's URL, read back by
 * describeGroup), as Kafka Streams publishes each instance's host:port.
 */
import type { PartitionAssigner } from 'kafkajs';
// The one kafkajs instance, loaded (and patched) by kafkajs-patches.ts.
import { kafkajs } from './kafkajs-patches.js';

const { AssignerProtocol, PartitionAssigners } = kafkajs;

/**
 * The assignors a Sluice consumer offers, preferred first. Kafka picks the first one every member
 * supports: round-robin (what earlier versions offered) only while such a server is still in the
 * group, during a rolling upgrade.
 */
export function sluiceAssigners(info?: string): PartitionAssigner[] {
  return [coPartitionedAssigner(info), roundRobinAssigner(info)];
}

/** kafkajs' round-robin assignor, publishing `info` as the member's user data. */
function roundRobinAssigner(info?: string): PartitionAssigner {
  return (config) => {
    const base = PartitionAssigners.roundRobin(config);
    return {
      ...base,
      assign: base.assign.bind(base),
      protocol: ({ topics }) => ({
        name: base.name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: base.version, topics, userData: Buffer.from(info ?? '', 'utf8') }),
      }),
    };
  };
}

export function coPartitionedAssigner(info?: string): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'SluiceCoPartitionedAssigner',
    version: 0,
    async assign({ members, topics }) {
      const sorted = members.map((m) => m.memberId).sort();
      const assignment = new Map<string, Record<string, number[]>>(sorted.map((id) => [id, {}]));
      for (const topic of topics) {
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const byTopic = assignment.get(sorted[partitionId % sorted.length]!)!;
          (byTopic[topic] ??= []).push(partitionId);
        }
      }
      return [...assignment].map(([memberId, a]) => ({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }) }));
    },
    protocol: ({ topics }) => ({
      name: 'SluiceCoPartitionedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.from(info ?? '', 'utf8') }),
    }),
  });
}
