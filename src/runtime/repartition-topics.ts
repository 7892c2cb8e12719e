/**
 * On Kafka: creates the repartition topics a query's plan needs (repartition-plan.ts), under
 * ksqlDB's names, and says which topics' partitions are the tasks of its state.
 */
import type { Log } from '../storage/log/log.js';
import type { ExecutionStep, Formats, StepColumn } from '../plan/steps.js';
import { sourceSteps } from '../plan/steps.js';
import { repartitionTopicName } from './repartition.js';
import { internalRepartitionTopicName, repartitionPlan, stageOneOnlyTopics, type AggregateRepartition } from './repartition-plan.js';

/** A re-keyed join side's repartition topic and how its keys are written (JoinSideRepartition). */
export interface JoinThrough {
  readonly topic: string;
  readonly keyFormats: Formats;
  readonly keyBinding?: { readonly topic: string; readonly columns: readonly StepColumn[] };
}

export interface RepartitionTopics {
  readonly aggregate?: AggregateRepartition;
  readonly aggregateTopic?: string;
  /** Join side name (`Join-left`) → its topic and key format. */
  readonly joins: ReadonlyMap<string, JoinThrough>;
  /** Every repartition topic. */
  readonly topics: readonly string[];
  /** Topics whose partitions are tasks of the query's state (the sources not only re-keyed, and the repartition topics). */
  readonly stateTopics: readonly string[];
}

export async function createRepartitionTopics(log: Log, root: ExecutionStep, serviceId: string, queryId: string, sourcePartitions: number, joinsOn: boolean): Promise<RepartitionTopics> {
  const full = repartitionPlan(root);
  const plan = joinsOn ? full : { ...full, joins: [] };
  // Kept forever, as Kafka Streams does: records carry their event time, and time retention
  // would delete old (replayed, historical) records before the second stage reads them.
  const create = async (topic: string, partitions: number) => {
    if (!(await log.describeTopic(topic))) await log.createTopic(topic, { partitions, retentionMs: -1 });
  };
  const joins = new Map<string, JoinThrough>();
  // Re-keyed joins can be switched off (sluice.kafka.join.repartition=false): they then run in
  // process, correct on one server only.
  for (const j of plan.joins) {
    const topic = internalRepartitionTopicName(serviceId, queryId, j.name);
    await create(topic, (await log.describeTopic(j.partitionsOf))?.partitions ?? sourcePartitions);
    joins.set(j.name, { topic, keyFormats: j.keyFormats, ...(j.keyBinding ? { keyBinding: j.keyBinding } : {}) });
  }
  const aggregateTopic = plan.aggregate !== undefined ? repartitionTopicName(serviceId, queryId) : undefined;
  if (aggregateTopic !== undefined) await create(aggregateTopic, sourcePartitions);
  const topics = [...[...joins.values()].map((j) => j.topic), ...(aggregateTopic !== undefined ? [aggregateTopic] : [])];
  const stageOne = new Set(stageOneOnlyTopics(plan, root));
  const sources = [...new Set(sourceSteps(root).flatMap((s) => (s.kind === 'pullSourceV1' ? [] : [s.topic])))];
  return {
    ...(plan.aggregate !== undefined ? { aggregate: plan.aggregate } : {}),
    ...(aggregateTopic !== undefined ? { aggregateTopic } : {}),
    joins,
    topics,
    stateTopics: [...sources.filter((t) => !stageOne.has(t)), ...topics],
  };
}

/**
 * `true`: re-keying joins go through repartition topics (they then scale out). Off by default for
 * now: the re-keyed side reaches the join a fetch later than the other side, so joins whose result
 * depends on the order of the two sides' records (outer joins, stream-table lookups of rows written
 * at about the same time) see them in another order than ksqlDB's test driver.
 */
export const JOIN_REPARTITION = 'sluice.kafka.join.repartition';
