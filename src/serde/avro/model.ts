/**
 * Avro schemas parsed into a graph of nodes with every named type resolved (including named types
 * from the schema's references), which the generator, inference, codecs and compatibility checks
 * work on. Parsing follows the Avro specification and Java Avro's name rules (their messages too:
 * "Illegal initial character: 1abc"); problems are plain Errors, which callers wrap.
 */
import type { RegisteredSchema, SchemaCatalog, SchemaReference, SchemaText } from '../../registry/schema.js';

export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** Attributes other than the ones the node's kind defines (logicalType, precision, connect.name...). */
export type Props = Readonly<Record<string, unknown>>;

export interface PrimitiveNode {
  readonly kind: PrimitiveName;
  readonly props: Props;
}
export interface FixedNode {
  readonly kind: 'fixed';
  readonly name: string;
  readonly size: number;
  readonly props: Props;
}
export interface EnumNode {
  readonly kind: 'enum';
  readonly name: string;
  readonly symbols: readonly string[];
  readonly enumDefault?: string;
  readonly props: Props;
}
export interface ArrayNode {
  readonly kind: 'array';
  readonly items: AvroNode;
  readonly props: Props;
}
export interface MapNode {
  readonly kind: 'map';
  readonly values: AvroNode;
  readonly props: Props;
}
export interface UnionNode {
  readonly kind: 'union';
  readonly branches: readonly AvroNode[];
  readonly props: Props;
}
export interface FieldNode {
  readonly name: string;
  readonly type: AvroNode;
  /** Whether the field declares a default (which may be null). */
  readonly hasDefault: boolean;
  readonly default: unknown;
  readonly aliases: readonly string[];
  /** The field's other attributes (doc, order, custom properties). */
  readonly props: Props;
}
export interface RecordNode {
  readonly kind: 'record';
  /** Full name (namespace.name). */
  readonly name: string;
  readonly aliases: readonly string[];
  /** Set once the fields are parsed (records may refer to themselves). */
  fields: readonly FieldNode[];
  readonly props: Props;
}

export type NamedNode = FixedNode | EnumNode | RecordNode;
export type AvroNode = PrimitiveNode | FixedNode | EnumNode | ArrayNode | MapNode | UnionNode | RecordNode;

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const RESERVED = new Set(['type', 'name', 'namespace', 'fields', 'items', 'values', 'symbols', 'size', 'aliases', 'default']);

/** Java Avro's Schema.validateName. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new Error('Null name');
  if (name.length === 0) throw new Error('Empty name');
  if (!/^[\p{L}_]/u.test(name)) throw new Error(`Illegal initial character: ${name}`);
  if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) throw new Error(`Illegal character in: ${name}`);
  return name;
}

/** Splits a full name at its last dot: [namespace (or undefined), name]. */
export function splitName(full: string): [string | undefined, string] {
  const i = full.lastIndexOf('.');
  return i < 0 ? [undefined, full] : [full.slice(0, i), full.slice(i + 1)];
}

export function shortName(full: string): string {
  return splitName(full)[1];
}

export function namespaceOf(full: string): string | undefined {
  return splitName(full)[0];
}

function propsOf(o: Record<string, unknown>): Props {
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (!RESERVED.has(k)) props[k] = o[k];
  return props;
}

class Parser {
  constructor(readonly named: Map<string, NamedNode>) {}

  fullName(name: unknown, namespace: unknown, enclosing: string | undefined): string {
    if (typeof name !== 'string') throw new Error(`No name in schema: ${JSON.stringify(name)}`);
    let full: string;
    if (name.includes('.')) full = name;
    else {
      const ns = typeof namespace === 'string' ? namespace : enclosing;
      full = ns ? `${ns}.${name}` : name;
    }
    const [ns, short] = splitName(full);
    checkName(short);
    if (ns !== undefined) for (const part of ns.split('.')) checkName(part);
    return full;
  }

  define(node: NamedNode): void {
    if (PRIMITIVES.has(node.name)) throw new Error(`Schemas may not be named after primitives: ${node.name}`);
    if (this.named.has(node.name)) throw new Error(`Can't redefine: ${node.name}`);
    this.named.set(node.name, node);
  }

  lookup(name: string, ns: string | undefined): AvroNode {
    if (PRIMITIVES.has(name)) return { kind: name as PrimitiveName, props: {} };
    const node = (!name.includes('.') && ns ? this.named.get(`${ns}.${name}`) : undefined) ?? this.named.get(name);
    if (!node) throw new Error(`Undefined name: ${JSON.stringify(name)}`);
    return node;
  }

  parse(s: unknown, ns: string | undefined): AvroNode {
    if (typeof s === 'string') return this.lookup(s, ns);
    if (Array.isArray(s)) return this.union(s, ns, {});
    if (s === null || typeof s !== 'object') throw new Error(`Not a schema: ${JSON.stringify(s)}`);
    const o = s as Record<string, unknown>;
    const t = o['type'];
    if (Array.isArray(t)) return this.union(t, ns, propsOf(o));
    if (typeof t !== 'string') {
      if (t !== null && typeof t === 'object') return this.parse(t, ns);
      throw new Error(`No type: ${JSON.stringify(s)}`);
    }
    const props = propsOf(o);
    switch (t) {
      case 'record':
      case 'error':
        return this.record(o, ns, props);
      case 'enum': {
        const name = this.fullName(o['name'], o['namespace'], ns);
        const symbols = o['symbols'];
        if (!Array.isArray(symbols) || symbols.some((x) => typeof x !== 'string')) throw new Error(`Enum symbols must be strings: ${JSON.stringify(symbols)}`);
        const seen = new Set<string>();
        for (const sym of symbols as string[]) {
          checkName(sym);
          if (seen.has(sym)) throw new Error(`Duplicate enum symbol: ${sym}`);
          seen.add(sym);
        }
        const def = o['default'];
        if (def !== undefined && (typeof def !== 'string' || !seen.has(def))) throw new Error(`The Enum Default: ${String(def)} is not in the enum symbol set: ${JSON.stringify(symbols)}`);
        const node: EnumNode = { kind: 'enum', name, symbols: symbols as string[], ...(def === undefined ? {} : { enumDefault: def as string }), props };
        this.define(node);
        return node;
      }
      case 'fixed': {
        const name = this.fullName(o['name'], o['namespace'], ns);
        const size = o['size'];
        if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new Error(`Invalid fixed size: ${JSON.stringify(size)}`);
        const node: FixedNode = { kind: 'fixed', name, size, props };
        this.define(node);
        return node;
      }
      case 'array':
        if (o['items'] === undefined) throw new Error(`Array has no items type: ${JSON.stringify(s)}`);
        return { kind: 'array', items: this.parse(o['items'], ns), props };
      case 'map':
        if (o['values'] === undefined) throw new Error(`Map has no values type: ${JSON.stringify(s)}`);
        return { kind: 'map', values: this.parse(o['values'], ns), props };
      default:
        if (PRIMITIVES.has(t)) return { kind: t as PrimitiveName, props };
        return this.lookup(t, ns);
    }
  }

  union(branches: unknown[], ns: string | undefined, props: Props): UnionNode {
    const nodes = branches.map((b) => this.parse(b, ns));
    const seen = new Set<string>();
    for (const n of nodes) {
      if (n.kind === 'union') throw new Error(`Nested union: ${JSON.stringify(branches)}`);
      const key = n.kind === 'record' || n.kind === 'enum' || n.kind === 'fixed' ? n.name : n.kind;
      if (seen.has(key)) throw new Error(`Duplicate in union:${key}`);
      seen.add(key);
    }
    return { kind: 'union', branches: nodes, props };
  }

  record(o: Record<string, unknown>, ns: string | undefined, props: Props): RecordNode {
    const name = this.fullName(o['name'], o['namespace'], ns);
    const aliases = Array.isArray(o['aliases']) ? (o['aliases'] as unknown[]).filter((a): a is string => typeof a === 'string') : [];
    const node: RecordNode = { kind: 'record', name, aliases, fields: [], props };
    this.define(node);
    const fields = o['fields'];
    if (!Array.isArray(fields)) throw new Error(`Record has no fields: ${JSON.stringify(o)}`);
    const inner = namespaceOf(name);
    const seen = new Set<string>();
    node.fields = fields.map((f: unknown) => {
      if (f === null || typeof f !== 'object') throw new Error(`Not a field: ${JSON.stringify(f)}`);
      const fo = f as Record<string, unknown>;
      if (fo['type'] === undefined) throw new Error(`No field type: ${JSON.stringify(f)}`);
      const type = this.parse(fo['type'], inner);
      const fname = checkName(fo['name']);
      if (seen.has(fname)) throw new Error(`Duplicate field ${fname} in record ${name}: ${JSON.stringify(f)}.`);
      seen.add(fname);
      const fieldAliases = Array.isArray(fo['aliases']) ? (fo['aliases'] as unknown[]).filter((a): a is string => typeof a === 'string') : [];
      return { name: fname, type, hasDefault: 'default' in fo, default: fo['default'], aliases: fieldAliases, props: propsOf(fo) };
    });
    return node;
  }
}

/** Parses JSON schema text (already JSON.parse'd or not) with the named types already known. */
function parseInto(text: string, named: Map<string, NamedNode>): AvroNode {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A bare primitive name is accepted unquoted, as the registry does.
    if (PRIMITIVES.has(text.trim())) json = text.trim();
    else throw new Error(`Invalid schema: ${text}`);
  }
  return new Parser(named).parse(json, undefined);
}

/** The named types a schema's references define, resolved recursively through the catalog. */
function referencedTypes(refs: readonly SchemaReference[] | undefined, catalog: SchemaCatalog, named: Map<string, NamedNode>, seen: Set<string>): void {
  for (const ref of refs ?? []) {
    const key = `${ref.subject}/${ref.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const r: RegisteredSchema | undefined = catalog.reference(ref);
    if (!r) throw new Error(`Reference not found: ${ref.name} (subject ${ref.subject}, version ${ref.version})`);
    referencedTypes(r.references, catalog, named, seen);
    const scratch = new Map(named);
    parseInto(r.schema, scratch);
    for (const [k, v] of scratch) if (!named.has(k)) named.set(k, v);
  }
}

export interface ParsedSchema {
  readonly root: AvroNode;
  /** Named types defined by the schema's references (not part of its own text). */
  readonly referenced: ReadonlySet<string>;
}

/** Parses a registered schema's text, resolving named types from its references. */
export function parseSchema(schema: SchemaText, catalog: SchemaCatalog): ParsedSchema {
  const named = new Map<string, NamedNode>();
  referencedTypes(schema.references, catalog, named, new Set());
  const referenced = new Set(named.keys());
  return { root: parseInto(schema.schema, named), referenced };
}

/** A union's non-null branches and whether it has a null branch. */
export function unionParts(u: UnionNode): { nullIndex: number; others: AvroNode[] } {
  let nullIndex = -1;
  const others: AvroNode[] = [];
  u.branches.forEach((b, i) => {
    if (b.kind === 'null') nullIndex = i;
    else others.push(b);
  });
  return { nullIndex, others };
}

export function isNamed(n: AvroNode): n is NamedNode {
  return n.kind === 'record' || n.kind === 'enum' || n.kind === 'fixed';
}

/** AvroData's test for a map written as an array of key/value records (Connect maps with non-string keys). */
export function isMapEntry(n: AvroNode): n is RecordNode {
  if (n.kind !== 'record') return false;
  return n.name === 'io.confluent.connect.avro.MapEntry' || n.props['connect.internal.type'] === 'MapEntry';
}

export function logicalType(n: AvroNode): string | undefined {
  const l = n.props['logicalType'];
  return typeof l === 'string' ? l : undefined;
}

/** Decimal precision/scale of a bytes/fixed node with the decimal logical type, else undefined. */
export function decimalOf(n: AvroNode): { precision: number; scale: number } | undefined {
  if ((n.kind !== 'bytes' && n.kind !== 'fixed') || logicalType(n)?.toLowerCase() !== 'decimal') return undefined;
  const s = n.props['scale'];
  const p = n.props['precision'];
  return { scale: typeof s === 'number' ? s : 0, precision: typeof p === 'number' ? p : 64 };
}
