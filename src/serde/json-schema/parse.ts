/**
 * A registered JSON Schema → its Connect schema, as Confluent's JsonSchemaData.toConnectSchema
 * (with ksqlDB's settings: no generalized sum types, non-required properties stay required) reads
 * the schema that the everit library loaded:
 *
 * - integer → int64 and number → float64 unless "connect.type" says int8..float64 or bytes;
 *   string → string, or bytes with "connect.type": "bytes"; boolean; enum/const → string;
 * - "title" is the schema name, so Decimal/Date/Time/Timestamp titles make logical types;
 *   "connect.parameters" carries the decimal's scale and precision;
 * - object → struct of its properties, or a map of its additionalProperties with "connect.type":
 *   "map"; array → array, or a map of {key, value} entries with "connect.type": "map";
 * - oneOf/anyOf of null and one schema → that schema, optional; of more → a union struct;
 *   allOf → a struct of all the properties;
 * - $ref → the schema it points to, in the document or in a referenced subject.
 *
 * Property order: by "connect.index"; properties without one in the order a Java HashMap iterates
 * them (everit keeps properties in one), so schemas written by other tools give ksqlDB's column order.
 */
import type { SchemaCatalog, SchemaText } from '../../registry/schema.js';
import { UNION_NAME, type ConnectField, type ConnectPrimitive, type ConnectSchema } from './connect.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const OBJECT_KEYWORDS = ['properties', 'additionalProperties', 'required', 'patternProperties', 'minProperties', 'maxProperties', 'dependencies', 'propertyNames'];
const ARRAY_KEYWORDS = ['items', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'];
const INTEGER_TYPES: Readonly<Record<string, ConnectPrimitive>> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float32',
  float64: 'float64',
  bytes: 'bytes',
};

/** A schema document and the references its $refs may name. */
interface Doc {
  readonly root: Json;
  readonly text: SchemaText;
}

/** Parses a schema's text; throws an Error naming the problem. */
export function parseJsonText(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new Error(`Invalid JSON schema: ${(e as Error).message}`);
  }
}

/** The Connect schema of a registered JSON Schema. Throws an Error for schemas Connect cannot express. */
export function connectSchemaOf(schema: SchemaText, catalog: SchemaCatalog): ConnectSchema {
  const root = parseJsonText(schema.schema);
  return new Loader(catalog).load({ root, text: schema }, root, false);
}

class Loader {
  /** Schemas being loaded, to refuse recursion (a recursive Connect schema has no ksqlDB type). */
  private readonly active = new Set<unknown>();
  constructor(private readonly catalog: SchemaCatalog) {}

  load(doc: Doc, node: Json, forceOptional: boolean): ConnectSchema {
    if (this.active.has(node)) throw new Error('Recursive JSON schemas are not supported');
    if (isObj(node)) this.active.add(node);
    try {
      return this.build(doc, node, forceOptional);
    } finally {
      this.active.delete(node);
    }
  }

  private build(doc: Doc, node: Json, forceOptional: boolean): ConnectSchema {
    if (node === true || (isObj(node) && Object.keys(node).length === 0)) throw new Error('Unsupported schema type org.everit.json.schema.EmptySchema');
    if (!isObj(node)) throw new Error('Unsupported schema type org.everit.json.schema.FalseSchema');
    if (typeof node['$ref'] === 'string') {
      const [target, targetDoc] = this.resolve(doc, node['$ref']);
      return this.load(targetDoc, target, forceOptional);
    }
    const groups = keywordGroups(node);
    if (groups.length > 1) return this.allOf(doc, node, groups.map((g) => g.view), forceOptional);
    const group = groups[0];
    if (group === undefined) throw new Error('Unsupported schema type org.everit.json.schema.EmptySchema');
    switch (group.kind) {
      case 'not':
        throw new Error('Unsupported schema type org.everit.json.schema.NotSchema');
      case 'allOf':
        return this.allOf(doc, node, asArray(node['allOf']), forceOptional);
      case 'oneOf':
      case 'anyOf':
        return this.union(doc, node, asArray(node[group.kind]), forceOptional);
      case 'enum':
      case 'const':
        return finish(node, { type: 'string', optional: false }, forceOptional);
      case 'type':
        return this.typed(doc, node, forceOptional);
    }
  }

  private typed(doc: Doc, node: Obj, forceOptional: boolean): ConnectSchema {
    const t = node['type'];
    if (Array.isArray(t)) {
      const types = t.filter((x): x is string => typeof x === 'string');
      if (types.length === 1) return this.typed(doc, { ...node, type: types[0]! }, forceOptional);
      // everit: anyOf the same keywords under each type.
      return this.union(doc, node, types.map((x) => ({ ...node, type: x })), forceOptional);
    }
    const type = typeof t === 'string' ? t : impliedType(node);
    const connectType = node['connect.type'];
    switch (type) {
      case 'boolean':
        return finish(node, { type: 'boolean', optional: false }, forceOptional);
      case 'integer':
      case 'number': {
        if (connectType === undefined) return finish(node, { type: type === 'integer' ? 'int64' : 'float64', optional: false }, forceOptional);
        const ct = typeof connectType === 'string' ? INTEGER_TYPES[connectType] : undefined;
        if (ct === undefined) throw new Error(`Unsupported type ${String(connectType)}`);
        return finish(node, { type: ct, optional: false }, forceOptional);
      }
      case 'string':
        return finish(node, { type: connectType === 'bytes' ? 'bytes' : 'string', optional: false }, forceOptional);
      case 'array':
        return this.array(doc, node, forceOptional);
      case 'object':
        return this.object(doc, node, forceOptional);
      case 'null':
        throw new Error('Unsupported schema type org.everit.json.schema.NullSchema');
      default:
        throw new Error(`Unsupported schema type: ${String(type)}`);
    }
  }

  private array(doc: Doc, node: Obj, forceOptional: boolean): ConnectSchema {
    const items = node['items'];
    if (!isObj(items) && items !== true) throw new Error('Array schema did not specify the items type');
    if (node['connect.type'] === 'map' && isObj(items) && isObjectSchema(items)) {
      const props = isObj(items['properties']) ? items['properties'] : {};
      if (props['key'] === undefined || props['value'] === undefined) throw new Error('Map entries must have key and value properties');
      const key = this.load(doc, props['key'], false);
      const value = this.load(doc, props['value'], false);
      return finish(node, { type: 'map', optional: false, key, value }, forceOptional);
    }
    return finish(node, { type: 'array', optional: false, items: this.load(doc, items, false) }, forceOptional);
  }

  private object(doc: Doc, node: Obj, forceOptional: boolean): ConnectSchema {
    if (node['connect.type'] === 'map') {
      const additional = node['additionalProperties'];
      if (additional === undefined || additional === false) throw new Error('Map schema did not specify the values type');
      return finish(node, { type: 'map', optional: false, key: { type: 'string', optional: false }, value: this.load(doc, additional, false) }, forceOptional);
    }
    const props = isObj(node['properties']) ? node['properties'] : {};
    // JsonSchemaData sorts by connect.index; a property without one takes the count so far (and
    // replaces any property already at that index, as its TreeMap does).
    const byIndex = new Map<number, string>();
    for (const name of javaHashMapOrder(Object.keys(props))) {
      const p = props[name];
      const index = isObj(p) && Number.isInteger(p['connect.index']) ? (p['connect.index'] as number) : byIndex.size;
      byIndex.set(index, name);
    }
    const fields: ConnectField[] = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => ({ name, schema: this.load(doc, props[name]!, false) }));
    return finish(node, { type: 'struct', optional: false, union: false, fields }, forceOptional);
  }

  private union(doc: Doc, node: Obj, subs: readonly Json[], forceOptional: boolean): ConnectSchema {
    if (subs.length === 2) {
      const nonNull = subs.filter((s) => !isNullSchema(s));
      if (nonNull.length === 1) return this.load(doc, nonNull[0]!, true);
    }
    const fields: ConnectField[] = [];
    let optional = false;
    for (const s of subs) {
      if (isNullSchema(s)) optional = true;
      else fields.push({ name: `${UNION_NAME}.field.${fields.length}`, schema: this.load(doc, s, true) });
    }
    const u: ConnectSchema = { type: 'struct', optional, union: true, name: UNION_NAME, fields };
    return finish(node, u, forceOptional, true);
  }

  /** allOf: a struct of every property the parts declare, else the one part that has a type. */
  private allOf(doc: Doc, node: Obj, subs: readonly Json[], forceOptional: boolean): ConnectSchema {
    const props = new Map<string, Json>();
    const collect = (d: Doc, s: Json, seen: Set<unknown>): void => {
      if (!isObj(s) || seen.has(s)) return;
      seen.add(s);
      if (typeof s['$ref'] === 'string') {
        const [t, td] = this.resolve(d, s['$ref']);
        return collect(td, t, seen);
      }
      if (Array.isArray(s['allOf'])) s['allOf'].forEach((x) => collect(d, x, seen));
      if (isObj(s['properties'])) for (const k of javaHashMapOrder(Object.keys(s['properties']))) if (!props.has(k)) props.set(k, s['properties'][k]!);
    };
    const seen = new Set<unknown>();
    subs.forEach((s) => collect(doc, s, seen));
    if (props.size > 0) {
      const fields = [...props].map(([name, s]) => ({ name, schema: this.load(doc, s, false) }));
      return { type: 'struct', optional: forceOptional, union: false, fields };
    }
    const typed = subs.filter((s) => isObj(s) && (s['oneOf'] !== undefined || s['anyOf'] !== undefined || s['allOf'] !== undefined || s['$ref'] !== undefined));
    if (typed.length > 0) return this.load(doc, typed[0]!, forceOptional);
    const number = subs.find((s) => isObj(s) && (s['type'] === 'number' || s['type'] === 'integer'));
    if (number !== undefined) return this.load(doc, number, forceOptional);
    const string = subs.find((s) => isObj(s) && (s['type'] === 'string' || s['enum'] !== undefined || s['const'] !== undefined));
    if (string !== undefined) return this.load(doc, string, forceOptional);
    throw new Error(`Unsupported criterion allOf for ${JSON.stringify(node)}`);
  }

  /** A $ref's target: a JSON pointer into this document, or into a referenced subject's schema. */
  private resolve(doc: Doc, ref: string): [Json, Doc] {
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    let target = doc;
    if (base !== '') {
      const r = doc.text.references?.find((x) => x.name === base || x.name === ref);
      const registered = r === undefined ? undefined : this.catalog.reference(r);
      if (registered === undefined) throw new Error(`Cannot resolve the reference ${ref}`);
      target = { root: parseJsonText(registered.schema), text: registered };
    }
    let node: Json = target.root;
    for (const part of pointer.split('/').slice(1)) {
      const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
      const next: Json | undefined = isObj(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
      if (next === undefined) throw new Error(`Cannot resolve the reference ${ref}`);
      node = next;
    }
    return [node, target];
  }
}

/** Which of everit's schema kinds a node's keywords make; several → an allOf of them. */
function keywordGroups(node: Obj): { kind: 'type' | 'enum' | 'const' | 'allOf' | 'anyOf' | 'oneOf' | 'not'; view: Obj }[] {
  const groups: { kind: 'type' | 'enum' | 'const' | 'allOf' | 'anyOf' | 'oneOf' | 'not'; view: Obj }[] = [];
  const typed = node['type'] !== undefined || impliedType(node) !== undefined;
  if (typed) {
    const view: Obj = { ...node };
    for (const k of ['enum', 'const', 'allOf', 'anyOf', 'oneOf', 'not']) delete view[k];
    groups.push({ kind: 'type', view });
  }
  for (const k of ['enum', 'const', 'allOf', 'anyOf', 'oneOf', 'not'] as const) {
    if (node[k] !== undefined) groups.push({ kind: k, view: { [k]: node[k]! } });
  }
  return groups;
}

function impliedType(node: Obj): string | undefined {
  if (OBJECT_KEYWORDS.some((k) => node[k] !== undefined) || node['connect.type'] === 'map') return 'object';
  if (ARRAY_KEYWORDS.some((k) => node[k] !== undefined)) return 'array';
  if (NUMBER_KEYWORDS.some((k) => node[k] !== undefined)) return 'number';
  if (STRING_KEYWORDS.some((k) => node[k] !== undefined)) return 'string';
  return undefined;
}

const isObjectSchema = (s: Obj): boolean => s['type'] === 'object' || (s['type'] === undefined && OBJECT_KEYWORDS.some((k) => s[k] !== undefined));
const isNullSchema = (s: Json): boolean => isObj(s) && s['type'] === 'null';
const asArray = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** The title, connect.version and connect.parameters of a node, and optionality. */
function finish(node: Obj, s: ConnectSchema, forceOptional: boolean, keepName = false): ConnectSchema {
  const title = node['title'];
  const version = node['connect.version'];
  const params = node['connect.parameters'];
  const out: { -readonly [K in keyof ConnectSchema]?: unknown } = { ...s };
  if (typeof title === 'string' && !(keepName && s.name !== undefined)) out.name = title;
  if (typeof version === 'number') out.version = version;
  if (isObj(params)) out.params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  if (forceOptional) out.optional = true;
  return out as ConnectSchema;
}

/** Java's String.hashCode. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The order a java.util.HashMap holding these keys (inserted in this order) iterates them: by
 * bucket of the spread hash in a table of the size the map grows to, then by insertion.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string): number => {
    const h = javaHash(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys
    .map((k, i) => ({ k, i, b: bucket(k) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.k);
}
