/**
 * The JSON format. A row is a JSON object whose field names are the column names; a single column
 * may instead be the bare JSON value (WRAP_SINGLE_VALUE=false; the default for a single key
 * column). See json-read.ts / json-write.ts for the per-type rules.
 */
import { isUtf8 } from 'node:buffer';
import { AnalysisError } from '../errors.js';
import type { SqlType } from '../types/sql-type.js';
import type { Column } from '../types/schema.js';
import { parseExact } from './json-exact.js';
import { CoercionError, FieldMatcher, NEED_EXACT, isObject, jsonReader, nodeName, type Reader } from './json-read.js';
import { jsonRowBytes } from './json-bytes.js';
import { connectTypeText } from './text.js';
import { SerdeError, type FormatOptions, type Serde } from './serde.js';

function checkMapKeys(t: SqlType): void {
  switch (t.kind) {
    case 'MAP':
      if (t.key.kind !== 'STRING') throw new AnalysisError('JSON only supports MAP types with STRING keys');
      checkMapKeys(t.value);
      return;
    case 'ARRAY':
      return checkMapKeys(t.element);
    case 'STRUCT':
      return t.fields.forEach((f) => checkMapKeys(f.type));
  }
}

/** Whether a single column is written bare: keys unwrapped by default, values wrapped. */
export function isUnwrapped(columns: readonly Column[], options: FormatOptions, isKey: boolean): boolean {
  if (columns.length !== 1) return false;
  if (options.wrapSingleValue !== undefined) return !options.wrapSingleValue;
  if (!isKey && options.defaultWrapSingleValue !== undefined) return !options.defaultWrapSingleValue;
  return isKey;
}

/** Reads a parsed row into out[at...]; false when the row is null (out is left alone). */
type RowReader = (tree: unknown, out: unknown[], at: number) => boolean;

function rowReader(columns: readonly Column[], unwrapped: boolean, exact: boolean): RowReader {
  if (unwrapped) {
    const r: Reader = jsonReader(columns[0]!.type, exact);
    return (tree, out, at) => {
      try {
        out[at] = r(tree);
        return true;
      } catch (e) {
        if (e instanceof CoercionError) e.path = '$' + e.path;
        throw e;
      }
    };
  }
  const fields = new FieldMatcher(
    columns.map((c) => ({ name: c.name, type: c.type })),
    exact,
  );
  const required = connectTypeText({ kind: 'STRUCT', fields: columns.map((c) => ({ name: c.name, type: c.type })) });
  return (tree, out, at) => {
    if (tree === null) return false;
    if (!isObject(tree)) throw new CoercionError(`Can't convert type. sourceType: ${nodeName(tree)}, requiredType: ${required}`, '$');
    try {
      fields.read(tree, out, at);
      return true;
    } catch (e) {
      if (e instanceof CoercionError) e.path = '$' + e.path;
      throw e;
    }
  };
}

export function createJsonSerde(columns: readonly Column[], options: FormatOptions, isKey: boolean): Serde {
  for (const c of columns) checkMapKeys(c.type);
  const unwrapped = isUnwrapped(columns, options, isKey);
  const target = isKey ? 'key' : 'value';
  const where = options.topic === undefined ? '' : ' from topic: ' + options.topic;
  const failure = (msg: string) => new SerdeError(`Failed to deserialize ${target}${where}. ${msg}`);

  const n = columns.length;
  const fast = rowReader(columns, unwrapped, false);
  let exact: RowReader | undefined;

  const write = jsonRowBytes(
    unwrapped ? null : columns.map((c) => c.name),
    columns.map((c) => c.type),
  );

  return {
    serialize(values) {
      if (values === null) return null;
      // A bare null is written as no value at all (a tombstone), as ksqlDB's serializer does.
      if (unwrapped && values[0] == null) return null;
      return write(values);
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      const out = new Array<unknown>(n);
      return read(bytes, out, 0) ? out : null;
    },
    deserializeInto(bytes, out, at) {
      return bytes !== null && read(bytes, out, at);
    },
  };

  function read(bytes: Buffer, out: unknown[], at: number): boolean {
    const text = bytes.toString();
    // toString() substitutes U+FFFD for malformed UTF-8, where Jackson fails the record. Only a
    // text holding U+FFFD can come from malformed bytes, so the check is skipped for the rest.
    if (text.includes('\uFFFD') && !isUtf8(bytes)) throw failure(invalidUtf8(bytes));
    let tree: unknown;
    try {
      tree = JSON.parse(text);
    } catch (e) {
      throw failure((e as Error).message);
    }
    try {
      return fast(tree, out, at);
    } catch (e) {
      if (e !== NEED_EXACT) throw toSerdeError(e, failure);
    }
    exact ??= rowReader(columns, unwrapped, true);
    try {
      return exact(parseExact(text), out, at);
    } catch (e) {
      throw toSerdeError(e, failure);
    }
  }
}

/** Jackson's message for the first malformed byte. */
function invalidUtf8(bytes: Buffer): string {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return `Invalid UTF-8 start byte 0x${b.toString(16).padStart(2, '0')}`;
    for (let j = 1; j < len; j++) {
      const c = bytes[i + j];
      if (c === undefined || (c & 0xc0) !== 0x80) return `Invalid UTF-8 middle byte 0x${(c ?? 0).toString(16).padStart(2, '0')}`;
    }
    if (!isUtf8(bytes.subarray(i, i + len))) return `Invalid UTF-8 middle byte 0x${bytes[i + 1]!.toString(16).padStart(2, '0')}`;
    i += len;
  }
  return 'Invalid UTF-8';
}

function toSerdeError(e: unknown, failure: (msg: string) => SerdeError): unknown {
  if (e instanceof CoercionError) return failure(`${e.raw}, path: ${e.path}`);
  if (e instanceof Error) return failure(e.message);
  return e;
}
