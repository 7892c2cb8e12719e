/**
 * Values in REST request bodies (rows of /inserts-stream, already JSON.parse'd) → column values,
 * with the JSON format's coercions. A value that does not fit its column fails with ksqlDB's
 * KeyValueExtractor message, "Can't coerce a field of type class java.lang.Integer (1) into type
 * STRING" (the Java class vert.x's JSON decoding gives the value), never with an internal marker.
 */
import { formatType, type SqlType } from '../types/sql-type.js';
import { CoercionError, NEED_EXACT, jsonReader, type Reader } from './json-read.js';
import { javaDouble } from './text.js';

export function apiValueReader(t: SqlType): Reader {
  const read = jsonReader(t, false);
  const typeText = formatType(t);
  return (v) => {
    try {
      return read(v);
    } catch (e) {
      // NEED_EXACT: a number where the source text matters (a STRING column, an integer past
      // 2^53) — JSON.parse has already lost it, and ksqlDB's strict API coercion refuses these.
      if (e === NEED_EXACT || e instanceof CoercionError) {
        throw new CoercionError(`Can't coerce a field of type class ${javaClass(v)} (${javaText(v)}) into type ${typeText}`);
      }
      throw e;
    }
  };
}

function javaClass(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'number':
      if (!Number.isInteger(v)) return 'java.lang.Double';
      return v >= -2147483648 && v <= 2147483647 ? 'java.lang.Integer' : Math.abs(v) < 2 ** 63 ? 'java.lang.Long' : 'java.math.BigInteger';
  }
  return Array.isArray(v) ? 'io.vertx.core.json.JsonArray' : 'io.vertx.core.json.JsonObject';
}

/** The value's Java toString, shortened: a message must not echo a megabyte back. */
function javaText(v: unknown): string {
  const text = typeof v === 'string' ? v : typeof v === 'number' ? (Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? String(v) : javaDouble(v)) : JSON.stringify(v);
  return text.length > 200 ? text.slice(0, 200) + '...' : text;
}
