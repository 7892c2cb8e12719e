/** What a statement returns, shaped after ksqlDB's REST entities (src/server/entities.ts writes them). */
import type { QueryStatsSnapshot } from '../runtime/query-stats.js';

export type StatementResult =
  | { readonly type: 'currentStatus'; readonly statementText: string; readonly commandId: string; readonly message: string; readonly queryId?: string }
  | { readonly type: 'streams' | 'tables'; readonly statementText: string; readonly sources: readonly SourceSummary[] }
  | { readonly type: 'queries'; readonly statementText: string; readonly queries: readonly QuerySummary[] }
  | { readonly type: 'queryDescriptionList'; readonly statementText: string; readonly queries: readonly QueryDescription[] }
  | { readonly type: 'queryDescription'; readonly statementText: string; readonly query: QueryDescription }
  | { readonly type: 'kafka_topics'; readonly statementText: string; readonly topics: readonly { name: string; partitions: number; replicas: number }[] }
  | { readonly type: 'sourceDescription'; readonly statementText: string; readonly source: SourceDescription }
  | { readonly type: 'sourceDescriptionList'; readonly statementText: string; readonly sources: readonly SourceDescription[] }
  | { readonly type: 'properties'; readonly statementText: string; readonly properties: Readonly<Record<string, string>> }
  | { readonly type: 'type_list'; readonly statementText: string; readonly types: Readonly<Record<string, string>> }
  | { readonly type: 'function_names'; readonly statementText: string; readonly functions: readonly { name: string; category: string }[] }
  | { readonly type: 'ok'; readonly statementText: string };

export interface SourceSummary {
  readonly name: string;
  readonly type: 'STREAM' | 'TABLE';
  readonly topic: string;
  readonly keyFormat: string;
  readonly valueFormat: string;
  readonly isWindowed: boolean;
}

export interface QuerySummary {
  readonly id: string;
  readonly queryString: string;
  readonly sinks: readonly string[];
  readonly sinkKafkaTopics: readonly string[];
  readonly state: string;
}

export interface FieldDescription {
  readonly name: string;
  readonly type: string;
  readonly key: boolean;
}

/** DESCRIBE [EXTENDED]: a source, the queries linked to it, and (EXTENDED) its topic and runtime statistics. */
export interface SourceDescription extends SourceSummary {
  readonly schema: string;
  readonly fields: readonly FieldDescription[];
  readonly statement: string;
  readonly windowType?: string;
  readonly timestampColumn?: string;
  readonly readQueries: readonly QuerySummary[];
  readonly writeQueries: readonly QuerySummary[];
  readonly extended: boolean;
  readonly partitions: number;
  readonly replication: number;
  /** ksqlDB's statistics text for the source's topic: messages in and out, per second and in total. */
  readonly statistics: string;
  /** ksqlDB's error statistics text: records of the topic that failed. */
  readonly errorStats: string;
}

/** EXPLAIN, SHOW QUERIES EXTENDED: a query, its plan as ksqlDB prints it, and its runtime state. */
export interface QueryDescription {
  readonly id: string;
  readonly statementText: string;
  readonly windowType?: string;
  readonly fields: readonly FieldDescription[];
  readonly sources: readonly string[];
  readonly sinks: readonly string[];
  readonly topology: string;
  readonly executionPlan: string;
  readonly overriddenProperties: Readonly<Record<string, string>>;
  readonly queryType: 'PERSISTENT' | 'PUSH' | 'PULL';
  /** RUNNING, ERROR...; absent for a statement that was only explained. */
  readonly state?: string;
  readonly queryErrors: readonly { readonly timestamp: number; readonly message: string; readonly type: string }[];
  /** Runtime counters of a running query. */
  readonly stats?: QueryStatsSnapshot & { readonly consumerLag: number };
}
