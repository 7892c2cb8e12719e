/**
 * The PRINT statement: `PRINT 'topic'|topic [FROM BEGINNING] [INTERVAL|SAMPLE n] [LIMIT n]` shows a
 * topic's records as they arrive (from its latest offsets, or from the beginning with FROM
 * BEGINNING or `auto.offset.reset=earliest`), whatever their format: see src/runtime/print-topic.ts.
 */
import type { Print, Statement } from '../parser/ast.js';
import { parseStatements } from '../parser/parse.js';
import { substituteVariables } from '../parser/variables.js';
import { AnalysisError, ExecutionError } from '../errors.js';
import { runPrint, type PrintHandle, type PrintSink } from '../runtime/print-topic.js';
import type { EngineContext } from './context.js';
import { serviceId } from './context.js';
import type { ExecuteOptions } from './transient.js';

export type { PrintHandle, PrintSink, PrintEndReason } from '../runtime/print-topic.js';

/** PRINT of a topic the log does not have. The message is ksqlDB's for /query and the CLI. */
export class TopicNotFoundError extends ExecutionError {
  constructor(
    readonly topic: string,
    /** Topics whose names differ only in case. */
    readonly alternatives: readonly string[],
  ) {
    super(
      `Could not find topic '${topic}', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.` +
        (alternatives.length > 0 ? `\nDid you mean:\n${alternatives.map((a) => `\tprint ${a};`).join('\n')}` : ''),
    );
  }
}

/** The PRINT statement of `sql`, or undefined when `sql` is not one PRINT statement. */
export function parsePrint(sql: string, options: ExecuteOptions = {}): Print | undefined {
  let statements: Statement[];
  try {
    statements = parseStatements(options.variables && options.variables.size > 0 ? substituteVariables(sql, options.variables) : sql);
  } catch {
    return undefined;
  }
  const st = statements[0];
  return statements.length === 1 && st?.kind === 'Print' ? st : undefined;
}

/** Starts printing; rejects (before any output) when the topic does not exist. */
export async function printTopic(engine: EngineContext, sql: string, sink: PrintSink, options: ExecuteOptions = {}): Promise<PrintHandle> {
  const st = parsePrint(sql, options);
  if (!st) {
    // Let the parser report a malformed statement with its position.
    parseStatements(sql);
    throw new AnalysisError('Expected exactly one PRINT statement.');
  }
  const interval = st.interval ?? 1;
  if (interval < 1) throw new AnalysisError(`INTERVAL must be greater than one, but was: ${interval}`);
  const { topic } = st;
  const description = await engine.log.describeTopic(topic);
  if (!description) {
    const lower = topic.toLowerCase();
    const alternatives = (await engine.log.listTopics()).map((t) => t.name).filter((n) => n.toLowerCase() === lower);
    throw new TopicNotFoundError(topic, alternatives);
  }
  const props = { ...engine.properties, ...(options.properties ?? {}) };
  const earliest = st.fromBeginning || props['auto.offset.reset'] === 'earliest';
  const id = `PRINT_${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  // Positions are chosen here (not by the group's reset policy) so that "latest" means now.
  const starts = earliest ? await engine.log.startOffsets(topic) : await engine.log.endOffsets(topic);
  const consumer = await engine.log.createConsumer({ groupId: `_confluent-ksql-${serviceId(props)}${id}`, topics: [topic], autoOffsetReset: earliest ? 'earliest' : 'latest' });
  starts.forEach((offset, partition) => consumer.seek(topic, partition, offset));
  return runPrint({ id, topic, interval, ...(st.limit !== undefined ? { limit: st.limit } : {}), consumer, registry: engine.registry }, sink);
}
