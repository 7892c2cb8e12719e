/**
 * The words the CLI completes as keywords: every keyword token of the grammar (grammar/ksql.peggy,
 * its `NAME = "NAME"i` rules; test/unit/cli-completion.test.ts checks the two agree), plus the
 * type names and time units the grammar reads as words.
 */
export const GRAMMAR_KEYWORDS: readonly string[] = [
  'ADD', 'ADVANCE', 'ALL', 'ALTER', 'AND', 'ARRAY', 'AS', 'ASSERT', 'BEGINNING', 'BETWEEN', 'BY',
  'CASE', 'CAST', 'CHANGES', 'COLUMN', 'CONNECTOR', 'CONNECTORS', 'CREATE', 'DECIMAL', 'DEFINE',
  'DELETE', 'DESCRIBE', 'DISTINCT', 'DROP', 'ELSE', 'EMIT', 'END', 'ESCAPE', 'EXISTS', 'EXPLAIN',
  'EXTENDED', 'FALSE', 'FINAL', 'FROM', 'FULL', 'FUNCTION', 'FUNCTIONS', 'GRACE', 'GROUP',
  'HAVING', 'HEADER', 'HEADERS', 'HOPPING', 'ID', 'IF', 'IN', 'INNER', 'INSERT', 'INTERVAL',
  'INTO', 'IS', 'JOIN', 'KEY', 'LEFT', 'LIKE', 'LIMIT', 'LIST', 'MAP', 'NOT', 'NULL', 'ON', 'OR',
  'OUTER', 'PARTITION', 'PAUSE', 'PERIOD', 'PRIMARY', 'PRINT', 'PROPERTIES', 'QUERIES',
  'REPLACE', 'RESUME', 'RETENTION', 'RIGHT', 'RUN', 'SAMPLE', 'SCHEMA', 'SCRIPT', 'SELECT',
  'SESSION', 'SET', 'SHOW', 'SINK', 'SIZE', 'SOURCE', 'STREAM', 'STREAMS', 'STRING', 'STRUCT',
  'SUBJECT', 'TABLE', 'TABLES', 'TERMINATE', 'THEN', 'TIMEOUT', 'TOPIC', 'TOPICS', 'TRUE',
  'TUMBLING', 'TYPE', 'TYPES', 'UNDEFINE', 'UNSET', 'VALUES', 'VARIABLES', 'WHEN', 'WHERE',
  'WINDOW', 'WITH', 'WITHIN',
];

const TYPE_NAMES = ['BOOLEAN', 'INT', 'INTEGER', 'BIGINT', 'DOUBLE', 'VARCHAR', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP'];
const TIME_UNITS = ['MILLISECOND', 'MILLISECONDS', 'SECOND', 'SECONDS', 'MINUTE', 'MINUTES', 'HOUR', 'HOURS', 'DAY', 'DAYS'];

export const KEYWORDS: readonly string[] = [...new Set([...GRAMMAR_KEYWORDS, ...TYPE_NAMES, ...TIME_UNITS])].sort();
