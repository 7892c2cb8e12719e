/**
 * The reader of record bodies written with one writer schema (compiled once per schema id).
 *
 * Where the writer's types are the columns' (or ones the JSON format's coercions read the same way
 * — the usual case, and always for topics ksqlDB wrote without maps), the body is read by the JSON
 * format's own reader: its compiled field lookups on JSON.parse output. For data that conforms to
 * the writer schema both give ksqlDB's values; they differ only on data the schema does not allow.
 * Otherwise (entry-array maps, float32 or float-to-string reads, unions, columns the writer lacks,
 * writer types that cannot be read into the columns) the converters of convert.ts do the reading.
 */
import { T, type SqlType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import { parseExact } from '../json-exact.js';
import { NEED_EXACT } from '../json-read.js';
import type { Serde } from '../serde.js';
import { LOGICAL, isDecimal, isObjectMap, type ConnectSchema, type ConnectStruct } from './connect.js';
import { accepts, compile, compileStruct } from './convert.js';

export type BodyReader = (body: Buffer, out: unknown[], at: number) => boolean;

/** Whether the JSON format's reader gives what ksqlDB's converter gives, for data of the writer schema. */
export function readsAsJson(w: ConnectSchema, c: SqlType): boolean {
  if (!accepts(w, c)) return false;
  if (w.name === LOGICAL.DECIMAL) return c.kind === 'DECIMAL';
  switch (c.kind) {
    case 'BOOLEAN':
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
    case 'BIGINT':
    case 'TIMESTAMP':
      return true;
    case 'DOUBLE':
      // A float32 writer gives float precision.
      return w.type === 'float64';
    case 'STRING':
      // Connect prints floats as Java does; the JSON format keeps the number's text.
      return w.type !== 'float32' && w.type !== 'float64';
    case 'BYTES':
      return !isDecimal(w);
    case 'DECIMAL':
      return false;
    case 'ARRAY':
      return w.type === 'array' && readsAsJson(w.items, c.element);
    case 'MAP':
      return w.type === 'map' && isObjectMap(w) && readsAsJson(w.value, c.value);
    case 'STRUCT':
      return w.type === 'struct' && structReadsAsJson(w, c.fields);
    default:
      return false;
  }
}

/** Every column field fed by exactly one writer field, of a type read the same way. */
function structReadsAsJson(w: ConnectStruct, fields: readonly { name: string; type: SqlType }[]): boolean {
  if (w.union) return false;
  const byName = new Map(fields.map((f, i) => [f.name, i]));
  const fed = new Array<number>(fields.length).fill(0);
  for (const f of w.fields) {
    const i = byName.get(f.name) ?? byName.get(f.name.toUpperCase());
    if (i === undefined) continue;
    fed[i]!++;
    if (!readsAsJson(f.schema, fields[i]!.type)) return false;
  }
  return fed.every((n) => n === 1);
}

/**
 * The reader of bodies written with `writer` into the columns. `json` is the JSON format's serde
 * for the same columns (used where it reads the same).
 */
export function bodyReader(writer: ConnectSchema, columns: readonly Column[], unwrapped: boolean, json: Serde): BodyReader {
  const fields = columns.map((c) => ({ name: c.name, type: c.type }));
  const target: SqlType = unwrapped ? columns[0]!.type : T.struct(fields);
  if (readsAsJson(writer, target)) {
    const into = json.deserializeInto!.bind(json);
    return (body, out, at) => into(body, out, at);
  }
  let read: (tree: unknown, out: unknown[], at: number) => boolean;
  if (unwrapped) {
    const conv = compile(writer, target, '');
    read = (tree, out, at) => {
      out[at] = conv(tree);
      return true;
    };
  } else if (writer.type === 'struct') {
    const into = compileStruct(writer, T.struct(fields), '');
    const n = columns.length;
    read = (tree, out, at) => {
      if (tree === null) return false;
      for (let i = 0; i < n; i++) out[at + i] = null;
      into(tree, out, at);
      return true;
    };
  } else {
    // Not a record: every non-null record fails (ksqlDB: "Cannot deserialize type ... as type struct").
    const conv = compile(writer, target, '');
    read = (tree) => {
      if (tree === null) return false;
      conv(tree);
      return false;
    };
  }
  // JSON.parse first; a converter that needs a number's text (a long decimal, a big integer read
  // as text) asks for the record to be parsed again with the texts kept.
  return (body, out, at) => {
    const text = body.toString();
    try {
      return read(JSON.parse(text), out, at);
    } catch (e) {
      if (e !== NEED_EXACT) throw e;
    }
    return read(parseExact(text), out, at);
  };
}
