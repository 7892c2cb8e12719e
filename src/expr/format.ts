/**
 * Expression text for messages: the parser's ksqlDB-style formatter (src/parser/format.ts), plus
 * Java's Double.toString, which CAST(x AS STRING) needs.
 */
export { formatExpression } from '../parser/format.js';
export { javaDoubleString } from '../types/java-text.js';
