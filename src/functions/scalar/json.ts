/**
 * JSON functions: EXTRACTJSONFIELD, IS_JSON_STRING, JSON_ARRAY_CONTAINS, JSON_ARRAY_LENGTH,
 * JSON_CONCAT, JSON_KEYS, JSON_RECORDS, JSON_ITEMS, TO_JSON_STRING.
 */
import { Decimal } from '../../types/decimal.js';
import { T, type SqlType } from '../../types/sql-type.js';
import type { ResolvedArgs, ScalarFunction } from '../types.js';
import { isoDate, isoTime, isoTimestamp, javaDoubleToString } from './java-format.js';
import { MISSING, JsonNumber, isJsonObject, jsonAt, jsonPathTokens, jsonText, parseJson, type JsonNode, type JsonObject } from './json-text.js';
import { GENERIC_T, p, type SpecializableOverload } from './support.js';

// ---------------------------------------------------------------------------------------------
// EXTRACTJSONFIELD

const pathCache = new Map<string, string[]>();
function pathTokens(path: string): string[] {
  let tokens = pathCache.get(path);
  if (tokens === undefined) {
    tokens = jsonPathTokens(path);
    if (pathCache.size >= 256) pathCache.clear();
    pathCache.set(path, tokens);
  }
  return tokens;
}

function extractJsonField(input: string, path: string): string | null {
  const tokens = pathTokens(path);
  const root = parseJson(input);
  if (root === MISSING) return tokens.length === 0 ? '' : null;
  const node = jsonAt(root, tokens);
  if (node === undefined) return null;
  return typeof node === 'string' ? node : jsonText(node);
}

// ---------------------------------------------------------------------------------------------
// Parsed-document helpers

function parseArray(input: string): JsonNode[] | null {
  const n = parseJson(input);
  return Array.isArray(n) ? n : null;
}
function parseObject(input: string): JsonObject | null {
  const n = parseJson(input);
  return n !== MISSING && isJsonObject(n) ? n : null;
}

function isJsonString(input: string | null): boolean {
  if (input === null) return false;
  try {
    return parseJson(input) !== MISSING;
  } catch {
    return false;
  }
}

/** PostgreSQL-style ||: all objects -> key union (last wins); otherwise array concatenation. */
function jsonConcat(inputs: readonly (string | null)[]): string | null {
  if (inputs.length === 0) throw new Error('JSON_CONCAT requires at least one argument');
  const nodes: JsonNode[] = [];
  let allObjects = true;
  for (const s of inputs) {
    if (s === null) return null;
    const n = parseJson(s);
    if (n === MISSING) return null;
    if (!isJsonObject(n)) allObjects = false;
    nodes.push(n);
  }
  if (allObjects) {
    const out: JsonObject = new Map();
    for (const n of nodes) for (const [k, v] of n as JsonObject) out.set(k, v);
    return jsonText(out);
  }
  const out: JsonNode[] = [];
  for (const n of nodes) {
    if (Array.isArray(n)) for (const e of n) out.push(e);
    else out.push(n);
  }
  return jsonText(out);
}

// ---------------------------------------------------------------------------------------------
// JSON_ARRAY_CONTAINS: a scalar element of the array must have the value's JSON token kind.

type ValueKind = 'int' | 'float' | 'string' | 'boolean' | 'other';

function kindOfType(t: SqlType | undefined): ValueKind {
  switch (t?.kind) {
    case 'INTEGER':
    case 'BIGINT':
      return 'int';
    case 'DOUBLE':
      return 'float';
    case 'STRING':
      return 'string';
    case 'BOOLEAN':
      return 'boolean';
    default:
      return 'other';
  }
}

function kindOfValue(v: unknown): ValueKind {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return 'other';
  }
}

function jsonArrayContains(json: string | null, val: unknown, kind: ValueKind): boolean {
  if (json === null) return false;
  let arr: JsonNode[] | null;
  try {
    arr = parseArray(json);
  } catch {
    return false;
  }
  if (arr === null) return false;
  for (const e of arr) {
    if (e === null) {
      if (val === null) return true;
    } else if (val === null) {
      continue;
    } else if (e instanceof JsonNumber) {
      const isFloat = /[.eE]/.test(e.text);
      if (kind === (isFloat ? 'float' : 'int') && Number(e.text) === val) return true;
    } else if (typeof e === 'string') {
      if (kind === 'string' && e === val) return true;
    } else if (typeof e === 'boolean') {
      if (kind === 'boolean' && e === val) return true;
    }
  }
  return false;
}

const jsonArrayContainsOverload: SpecializableOverload = {
  params: [p('jsonArray', T.STRING), p('val', GENERIC_T)],
  returns: T.BOOLEAN,
  impl: (json: string | null, val: unknown) => jsonArrayContains(json, val, kindOfValue(val)),
  specialize: (args: ResolvedArgs) => {
    const kind = kindOfType(args.types[1]);
    return (json: string | null, val: unknown) => jsonArrayContains(json, val, kind);
  },
};

// ---------------------------------------------------------------------------------------------
// TO_JSON_STRING: Jackson output of ksqlDB values (struct fields and map keys sorted by name).

function quoteJson(s: string): string {
  return JSON.stringify(s);
}

function doubleJson(n: number): string {
  return Number.isFinite(n) ? javaDoubleToString(n) : quoteJson(javaDoubleToString(n));
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Serialise a value of a known SQL type. */
export function toJsonTyped(v: unknown, t: SqlType): string {
  if (v === null || v === undefined) return 'null';
  switch (t.kind) {
    case 'BOOLEAN':
      return v ? 'true' : 'false';
    case 'INTEGER':
    case 'BIGINT':
      return String(v);
    case 'DOUBLE':
      return doubleJson(v as number);
    case 'DECIMAL':
      return (v as Decimal).toString();
    case 'STRING':
      return quoteJson(v as string);
    case 'BYTES':
      return quoteJson((v as Buffer).toString('base64'));
    case 'DATE':
      return quoteJson(isoDate(v as number));
    case 'TIME':
      return quoteJson(isoTime(v as number));
    case 'TIMESTAMP':
      return quoteJson(isoTimestamp(v as number));
    case 'ARRAY': {
      const arr = v as readonly unknown[];
      let out = '[';
      for (let i = 0; i < arr.length; i++) out += (i ? ',' : '') + toJsonTyped(arr[i], t.element);
      return out + ']';
    }
    case 'MAP': {
      const entries = [...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), x] as const).sort((a, b) => byName(a[0], b[0]));
      return '{' + entries.map(([k, x]) => quoteJson(k) + ':' + toJsonTyped(x, t.value)).join(',') + '}';
    }
    case 'STRUCT': {
      const obj = v as Record<string, unknown>;
      const fields = [...t.fields].sort((a, b) => byName(a.name, b.name));
      return '{' + fields.map((f) => quoteJson(f.name) + ':' + toJsonTyped(obj[f.name] ?? null, f.type)).join(',') + '}';
    }
    default:
      return toJsonInferred(v);
  }
}

/** Serialise from the JS value alone (cannot tell DATE/TIME/TIMESTAMP from numbers). */
export function toJsonInferred(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isInteger(v) ? String(v) : doubleJson(v);
    case 'string':
      return quoteJson(v);
  }
  if (v instanceof Decimal) return v.toString();
  if (Buffer.isBuffer(v)) return quoteJson(v.toString('base64'));
  if (Array.isArray(v)) return '[' + v.map(toJsonInferred).join(',') + ']';
  const entries: [string, unknown][] = v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : Object.entries(v as object);
  entries.sort((a, b) => byName(a[0], b[0]));
  return '{' + entries.map(([k, x]) => quoteJson(k) + ':' + toJsonInferred(x)).join(',') + '}';
}

const toJsonStringOverload: SpecializableOverload = {
  params: [p('input', GENERIC_T)],
  returns: T.STRING,
  impl: toJsonInferred,
  specialize: (args: ResolvedArgs) => {
    const t = args.types[0];
    return t === undefined || t.kind === 'NULL' ? toJsonInferred : (v: unknown) => toJsonTyped(v, t);
  },
};

export const jsonFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'EXTRACTJSONFIELD',
    category: 'JSON',
    description: 'Given a STRING that contains JSON data, extracts the value at the specified JSONPath, or NULL if the path does not exist.',
    overloads: [{ params: [p('input', T.STRING), p('path', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: extractJsonField }],
  },
  {
    kind: 'scalar',
    name: 'IS_JSON_STRING',
    category: 'JSON',
    description: 'Returns true if the string can be parsed as a valid JSON value, false otherwise.',
    overloads: [{ params: [p('input', T.STRING)], returns: T.BOOLEAN, impl: isJsonString }],
  },
  {
    kind: 'scalar',
    name: 'JSON_ARRAY_CONTAINS',
    category: 'JSON',
    description: 'Parses a JSON array and determines whether the supplied value is contained within it.',
    overloads: [jsonArrayContainsOverload],
  },
  {
    kind: 'scalar',
    name: 'JSON_ARRAY_LENGTH',
    category: 'JSON',
    description: 'Returns the number of elements of a top-level JSON array, or NULL if the input is not a JSON array.',
    overloads: [
      { params: [p('input', T.STRING)], returns: T.INTEGER, nullOnNullInput: true, impl: (s: string) => parseArray(s)?.length ?? null },
    ],
  },
  {
    kind: 'scalar',
    name: 'JSON_CONCAT',
    category: 'JSON',
    description: "Concatenates JSON values with PostgreSQL's || rules: objects merge their keys, anything else concatenates as arrays.",
    overloads: [{ params: [p('inputs', T.STRING)], variadic: true, returns: T.STRING, impl: jsonConcat }],
  },
  {
    kind: 'scalar',
    name: 'JSON_KEYS',
    category: 'JSON',
    description: 'Returns the top-level keys of a JSON object, or NULL if the input is not a JSON object.',
    overloads: [
      {
        params: [p('input', T.STRING)],
        returns: T.array(T.STRING),
        nullOnNullInput: true,
        impl: (s: string) => {
          const o = parseObject(s);
          return o === null ? null : [...o.keys()];
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'JSON_RECORDS',
    category: 'JSON',
    description: 'Returns the top-level entries of a JSON object as a map of key to JSON text, or NULL if the input is not a JSON object.',
    overloads: [
      {
        params: [p('input', T.STRING)],
        returns: T.map(T.STRING, T.STRING),
        nullOnNullInput: true,
        impl: (s: string) => {
          const o = parseObject(s);
          if (o === null) return null;
          const out = new Map<string, string>();
          for (const [k, v] of o) out.set(k, jsonText(v));
          return out;
        },
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'JSON_ITEMS',
    category: 'JSON',
    description: 'Returns the elements of a top-level JSON array as an array of JSON texts, or NULL if the input is not a JSON array.',
    overloads: [
      {
        params: [p('input', T.STRING)],
        returns: T.array(T.STRING),
        nullOnNullInput: true,
        impl: (s: string) => parseArray(s)?.map(jsonText) ?? null,
      },
    ],
  },
  {
    kind: 'scalar',
    name: 'TO_JSON_STRING',
    category: 'JSON',
    description: 'Given any ksqlDB value, returns the equivalent JSON string.',
    overloads: [toJsonStringOverload],
  },
];
