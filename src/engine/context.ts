/** What the engine's statement modules share: the metastore, the log, the queries, the command log. */
import type { Statement } from '../parser/ast.js';
import type { Log } from '../storage/log/log.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { CompileContext } from '../expr/compile.js';
import type { ProcessingLog } from '../runtime/processing-log.js';
import type { MetaStore } from './metastore.js';
import type { QueryRegistry } from './query-registry.js';
import type { StoredPlan } from './command-log.js';
import type { SchemaRegistry } from '../registry/registry.js';
import type { SchemaBinding } from '../registry/schema.js';

export type Props = Readonly<Record<string, string>>;

export interface EngineContext {
  readonly metastore: MetaStore;
  readonly log: Log;
  readonly functions: FunctionRegistry;
  readonly processingLog: ProcessingLog;
  /** Engine-wide properties (a statement runs with these overridden by its request's). */
  readonly properties: Props;
  readonly dataDir: string;
  readonly queries: QueryRegistry;
  /** Schemas of the schema-registry formats: the embedded registry, or a client of an external one. */
  readonly registry: SchemaRegistry;
  /** Replaying the command log on start-up: statements are re-applied, not recorded again. */
  readonly replaying: boolean;
  compileContext(): CompileContext;
  /** Record a statement that changed metadata (with the plan of the query it started). */
  record(st: Statement, props: Props, plan?: StoredPlan): Promise<void>;
}

export function serviceId(props: Props): string {
  return props['ksql.service.id'] ?? 'default_';
}

/** The schemas a serde of `topic` reads and writes. */
export function schemaBinding(engine: EngineContext, topic: string): SchemaBinding {
  return { topic, catalog: engine.registry.catalog };
}
