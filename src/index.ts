/** The embeddable library API. */
export { Engine, type EngineOptions, type ExecuteOptions, type StatementResult } from './engine/engine.js';
export type { Log, LogRecord, ProduceRecord, LogConsumer, TopicConfig } from './storage/log/log.js';
export { openEmbeddedLog } from './storage/log/embedded/index.js';
export { parseStatements } from './parser/parse.js';
export { ParseError, AnalysisError, ExecutionError, SluiceError } from './errors.js';
export type { RowSink, TransientQueryHandle, EndReason } from './runtime/transient-query.js';
export { openKafkaLog } from './storage/log/kafka/index.js';
