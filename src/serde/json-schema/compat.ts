/**
 * The registry's knowledge of JSON Schemas: validity, a canonical form (keys sorted, so equal
 * schemas compare equal however their keys were ordered) and BACKWARD compatibility — a subset of
 * Confluent's JSON Schema diff under its default (STRICT) policy:
 *
 * - a type change is incompatible, except integer → number and between two "connect.type": "bytes"
 *   schemas; number → integer narrows (incompatible);
 * - a property added to an open content model (no "additionalProperties": false) is incompatible
 *   (older data may hold it with any value) unless its schema is empty; to a closed model it is
 *   compatible unless required without a default; a property removed from a closed model is
 *   incompatible; an existing property becoming required (without a default) is incompatible;
 * - closing an open content model, or narrowing additionalProperties to a schema, is incompatible;
 * - unions: each alternative of the older schema must be readable by one of the newer's;
 * - enums may only grow; string/number limits may only loosen.
 */
import type { SchemaCatalog, SchemaText } from '../../registry/schema.js';
import { parseJsonText } from './parse.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

/** Sorted-key compact JSON. */
function sortedJson(v: Json): string {
  if (Array.isArray(v)) return '[' + v.map(sortedJson).join(',') + ']';
  if (isObj(v)) {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + sortedJson(v[k]!)).join(',') + '}';
  }
  return JSON.stringify(v);
}

function check(v: Json, path: string): void {
  if (typeof v === 'boolean') return;
  if (!isObj(v)) throw new Error(`Invalid JSON schema: ${path} is not a schema (an object or a boolean)`);
  const t = v['type'];
  const types = Array.isArray(t) ? t : t === undefined ? [] : [t];
  for (const x of types) if (typeof x !== 'string' || !TYPES.has(x)) throw new Error(`Invalid JSON schema: unknown type ${JSON.stringify(x)} at ${path}`);
  if (v['properties'] !== undefined) {
    if (!isObj(v['properties'])) throw new Error(`Invalid JSON schema: properties at ${path} is not an object`);
    for (const [k, p] of Object.entries(v['properties'])) check(p, `${path}/properties/${k}`);
  }
  if (v['required'] !== undefined && !(Array.isArray(v['required']) && v['required'].every((x) => typeof x === 'string'))) {
    throw new Error(`Invalid JSON schema: required at ${path} is not an array of strings`);
  }
  const items = v['items'];
  if (Array.isArray(items)) items.forEach((x, i) => check(x, `${path}/items/${i}`));
  else if (items !== undefined) check(items, `${path}/items`);
  if (isObj(v['additionalProperties'])) check(v['additionalProperties'], `${path}/additionalProperties`);
  for (const k of ['oneOf', 'anyOf', 'allOf']) {
    const subs = v[k];
    if (subs === undefined) continue;
    if (!Array.isArray(subs) || subs.length === 0) throw new Error(`Invalid JSON schema: ${k} at ${path} must be a non-empty array`);
    subs.forEach((x, i) => check(x, `${path}/${k}/${i}`));
  }
}

/** SchemaTypeSupport.canonical for JSON: throws an Error naming the problem when invalid. */
export function canonical(schema: SchemaText): string {
  const doc = parseJsonText(schema.schema);
  check(doc, '#');
  checkLocalRefs(doc, doc);
  return sortedJson(doc);
}

/** Every "$ref": "#/..." must point into the document. */
function checkLocalRefs(root: Json, v: Json): void {
  if (Array.isArray(v)) return v.forEach((x) => checkLocalRefs(root, x));
  if (!isObj(v)) return;
  const ref = v['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#')) {
    let node: Json | undefined = root;
    for (const part of ref.slice(1).split('/').slice(1)) {
      const k = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObj(node) ? node[k] : Array.isArray(node) ? node[Number(k)] : undefined;
    }
    if (node === undefined) throw new Error(`Invalid JSON schema: $ref ${ref} does not resolve`);
  }
  for (const x of Object.values(v)) checkLocalRefs(root, x);
}

// Difference types that are incompatible under Confluent's STRICT policy, with their descriptions.
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  TYPE_CHANGED: "A type at path '%p' is different between the new schema and the old schema",
  TYPE_NARROWED: "A type at path '%p' is narrower in the new schema than in the old schema",
  REQUIRED_ATTRIBUTE_ADDED: "The keyword at path '%p' in the new schema is not present in the old schema",
  OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: "The new schema has an open content model and has a property or item at path '%p' which is missing in the old schema",
  REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: "The new schema has an open content model and has a property or item at path '%p' which is missing in the old schema",
  REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL: "The new schema has an open content model and has a property or item at path '%p' which is missing in the old schema",
  REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: "The new schema has an unopen content model and has a required property at path '%p' which is missing in the old schema",
  PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: "The new has a closed content model and is missing a property or item present at path '%p' in the old schema",
  PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: "The new schema has a property or item at path '%p' which is missing in the old schema and is not covered by its partially open content model",
  PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: "A property or item is missing in the new schema but present at path '%p' in the old schema and is not covered by its partially open content model",
  ADDITIONAL_PROPERTIES_REMOVED: "The keyword at path '%p' in the old schema is not present in the new schema",
  ADDITIONAL_PROPERTIES_NARROWED: "The keyword at path '%p' in the new schema is not present in the old schema",
  ENUM_ARRAY_NARROWED: "An array or combined type at path '%p' has fewer elements in the new schema than the old schema",
  ENUM_ARRAY_CHANGED: "The value at path '%p' is different between the old and new schema",
  SUM_TYPE_NARROWED: "An array or combined type at path '%p' has fewer elements in the new schema than the old schema",
  COMBINED_TYPE_CHANGED: "The value at path '%p' is different between the old and new schema",
  COMBINED_TYPE_SUBSCHEMAS_CHANGED: "The value at path '%p' is different between the old and new schema",
  ITEMS_CHANGED: "A type at path '%p' is different between the new schema and the old schema",
  LIMIT_NARROWED: "The value at path '%p' in the new schema is more restrictive than in the old schema",
};

class Diff {
  readonly problems: string[] = [];
  constructor(
    private readonly resolveNew: (ref: string) => Json,
    private readonly resolveOld: (ref: string) => Json,
  ) {}

  add(type: string, path: string): void {
    const text = (DESCRIPTIONS[type] ?? "The schemas differ at path '%p'").replace('%p', path);
    this.problems.push(`{errorType:"${type}", description:"${text}"}`);
  }

  /** Whether `u` (newer) reads data of `o` (older), without recording anything. */
  fits(o: Json, u: Json, path: string): boolean {
    const sub = new Diff(this.resolveNew, this.resolveOld);
    sub.compare(o, u, path, new Set());
    return sub.problems.length === 0;
  }

  compare(o0: Json, u0: Json, path: string, seen: Set<string>): void {
    const o = normalize(deref(o0, this.resolveOld));
    const u = normalize(deref(u0, this.resolveNew));
    const key = sortedJson(o) + '|' + sortedJson(u);
    if (seen.has(key)) return;
    seen.add(key);
    if (o === false || isEmpty(u)) return;
    if (o === true || isEmpty(o)) {
      if (!isEmpty(u)) this.add('TYPE_CHANGED', path);
      return;
    }
    if (!isObj(o) || !isObj(u)) return this.add('TYPE_CHANGED', path);
    const oc = combinator(o);
    const uc = combinator(u);
    if (oc === undefined && uc !== undefined) {
      const subs = u[uc] as Json[];
      if (subs.length === 1 || uc !== 'allOf') {
        if (subs.some((s) => this.fits(o, s, path))) return;
      }
      return this.add('TYPE_CHANGED', path);
    }
    if (oc !== undefined && uc === undefined) {
      const subs = o[oc] as Json[];
      if ((subs.length === 1 || oc === 'allOf') && subs.some((s) => this.fits(s, u, path))) return;
      return this.add('TYPE_CHANGED', path);
    }
    if (oc !== undefined && uc !== undefined) return this.combined(o, oc, u, uc, path);
    const ot = kindOf(o);
    const ut = kindOf(u);
    if (ot !== ut) {
      if (o['connect.type'] === 'bytes' && u['connect.type'] === 'bytes') return;
      if (ot === 'integer' && ut === 'number') return;
      return this.add(ot === 'number' && ut === 'integer' ? 'TYPE_NARROWED' : 'TYPE_CHANGED', path);
    }
    switch (ot) {
      case 'object':
        return this.object(o, u, path, seen);
      case 'array':
        if (isObj(o['items']) || typeof o['items'] === 'boolean') {
          if (isObj(u['items']) || typeof u['items'] === 'boolean') this.compare(o['items'], u['items'], path + '/items', seen);
        }
        return this.limits(o, u, path, ['maxItems'], ['minItems']);
      case 'enum': {
        const ov = (o['enum'] as Json[]).map(sortedJson);
        const uv = new Set((u['enum'] as Json[]).map(sortedJson));
        if (!ov.every((x) => uv.has(x))) this.add(ov.length > uv.size ? 'ENUM_ARRAY_NARROWED' : 'ENUM_ARRAY_CHANGED', path + '/enum');
        return;
      }
      case 'string':
        if (u['pattern'] !== undefined && u['pattern'] !== o['pattern']) this.add('LIMIT_NARROWED', path + '/pattern');
        return this.limits(o, u, path, ['maxLength'], ['minLength']);
      case 'number':
      case 'integer':
        return this.limits(o, u, path, ['maximum', 'exclusiveMaximum'], ['minimum', 'exclusiveMinimum']);
    }
  }

  /** Upper limits may only grow or go, lower ones only shrink or go. */
  private limits(o: Obj, u: Obj, path: string, upper: string[], lower: string[]): void {
    for (const k of upper) {
      const a = o[k];
      const b = u[k];
      if (typeof b === 'number' && (typeof a !== 'number' || b < a)) this.add('LIMIT_NARROWED', `${path}/${k}`);
    }
    for (const k of lower) {
      const a = o[k];
      const b = u[k];
      if (typeof b === 'number' && (typeof a !== 'number' || b > a)) this.add('LIMIT_NARROWED', `${path}/${k}`);
    }
  }

  private combined(o: Obj, oc: string, u: Obj, uc: string, path: string): void {
    const sum = (c: string) => c === 'oneOf' || c === 'anyOf';
    const allowed = oc === uc || (oc === 'oneOf' && uc === 'anyOf') || (oc === 'allOf' && sum(uc));
    if (!allowed) return this.add('COMBINED_TYPE_CHANGED', path);
    const os = o[oc] as Json[];
    const us = u[uc] as Json[];
    if (sum(oc) && os.length > us.length) this.add('SUM_TYPE_NARROWED', path);
    // A matching of older alternatives to distinct newer ones that read them (greedy, in order).
    const used = new Set<number>();
    let matched = 0;
    os.forEach((s, i) => {
      const j = us.findIndex((x, k) => !used.has(k) && this.fits(s, x, `${path}/${oc}/${i}`));
      if (j >= 0) {
        used.add(j);
        matched++;
      }
    });
    if (matched < Math.min(os.length, us.length)) this.add('COMBINED_TYPE_SUBSCHEMAS_CHANGED', path);
  }

  private object(o: Obj, u: Obj, path: string, seen: Set<string>): void {
    const op = isObj(o['properties']) ? o['properties'] : {};
    const up = isObj(u['properties']) ? u['properties'] : {};
    const oreq = new Set(Array.isArray(o['required']) ? o['required'] : []);
    const ureq = new Set(Array.isArray(u['required']) ? u['required'] : []);
    const hasDefault = (s: Json | undefined) => isObj(s) && s['default'] !== undefined;
    for (const k of Object.keys(op)) {
      if (up[k] !== undefined && !oreq.has(k) && ureq.has(k) && !hasDefault(up[k])) this.add('REQUIRED_ATTRIBUTE_ADDED', `${path}/required/${k}`);
    }
    for (const k of new Set([...Object.keys(op), ...Object.keys(up)])) {
      const p = `${path}/properties/${k}`;
      const os = op[k];
      const us = up[k];
      if (us === undefined) {
        if (isOpen(u)) continue;
        const partial = partialSchema(u);
        if (partial !== undefined) {
          if (!this.fits(os!, partial, p)) this.add('PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', p);
        } else if (os !== false) this.add('PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', p);
      } else if (os === undefined) {
        if (isOpen(o)) {
          if (isEmpty(us)) continue;
          if (ureq.has(k)) this.add(hasDefault(us) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', p);
          else this.add('OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', p);
        } else {
          const partial = partialSchema(o);
          if (partial !== undefined && !this.fits(partial, us, p)) this.add('PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', p);
          if (ureq.has(k) && !hasDefault(us)) this.add('REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', p);
        }
      } else this.compare(os, us, p, seen);
    }
    const oa = o['additionalProperties'];
    const ua = u['additionalProperties'];
    const ap = `${path}/additionalProperties`;
    if ((oa !== false) !== (ua !== false)) {
      if (ua === false) this.add('ADDITIONAL_PROPERTIES_REMOVED', ap);
    } else if (!isObj(oa) && isObj(ua)) this.add('ADDITIONAL_PROPERTIES_NARROWED', ap);
    else if (isObj(oa) && isObj(ua)) this.compare(oa, ua, ap, seen);
  }
}

const ANNOTATIONS = new Set(['title', 'description', '$id', '$schema', 'connect.index', 'connect.version', 'connect.parameters', 'default', '$comment', 'examples']);

/** A schema that accepts anything: true, {} or only annotations. */
function isEmpty(s: Json): boolean {
  return s === true || (isObj(s) && Object.keys(s).every((k) => ANNOTATIONS.has(k)));
}

/** The combinator when it is all the schema says (besides annotations). */
function combinator(s: Obj): 'oneOf' | 'anyOf' | 'allOf' | undefined {
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) if (Array.isArray(s[k])) return k;
  return undefined;
}

function kindOf(s: Obj): string {
  if (Array.isArray(s['enum'])) return 'enum';
  const t = s['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.map(String).sort().join(',');
  if (s['properties'] !== undefined || s['additionalProperties'] !== undefined) return 'object';
  if (s['items'] !== undefined) return 'array';
  return 'any';
}

const isOpen = (s: Obj): boolean => (s['additionalProperties'] === undefined || s['additionalProperties'] === true) && s['patternProperties'] === undefined;
const partialSchema = (s: Obj): Json | undefined => (isObj(s['additionalProperties']) ? s['additionalProperties'] : undefined);

/** A type list as everit loads it: an anyOf of the schema under each type. */
function normalize(s: Json): Json {
  if (!isObj(s) || !Array.isArray(s['type'])) return s;
  const types = s['type'];
  if (types.length === 1) return { ...s, type: types[0]! };
  return { anyOf: types.map((t) => ({ ...s, type: t })) };
}

function deref(s: Json, resolve: (ref: string) => Json): Json {
  let cur = s;
  for (let i = 0; i < 32 && isObj(cur) && typeof cur['$ref'] === 'string'; i++) cur = resolve(cur['$ref']);
  return cur;
}

function resolver(text: SchemaText, root: Json, catalog: SchemaCatalog): (ref: string) => Json {
  return (ref) => {
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    let node: Json = root;
    if (base !== '') {
      const r = text.references?.find((x) => x.name === base || x.name === ref);
      const registered = r === undefined ? undefined : catalog.reference(r);
      if (registered === undefined) return true;
      node = parseJsonText(registered.schema);
    }
    for (const part of (hash < 0 ? '' : ref.slice(hash + 1)).split('/').slice(1)) {
      const k = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
      const next: Json | undefined = isObj(node) ? node[k] : undefined;
      if (next === undefined) return true;
      node = next;
    }
    return node;
  };
}

/** SchemaTypeSupport.backwardProblems for JSON: why `newer` cannot read data written with `older`. */
export function backwardProblems(newer: SchemaText, older: SchemaText, catalog: SchemaCatalog): string[] {
  const u = parseJsonText(newer.schema);
  const o = parseJsonText(older.schema);
  const diff = new Diff(resolver(newer, u, catalog), resolver(older, o, catalog));
  diff.compare(o, u, '#', new Set());
  return diff.problems;
}
