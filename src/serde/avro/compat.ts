/**
 * What the registry needs from Avro: schemas in a canonical form (so that the same schema written
 * differently — spacing, attribute order, "int" vs {"type": "int"}, relative names — compares
 * equal) and BACKWARD compatibility, following Avro's SchemaCompatibility rules with the problem
 * descriptions Confluent's registry reports (TYPE_MISMATCH, READER_FIELD_MISSING_DEFAULT_VALUE, ...).
 */
import avro from 'avsc';
import type { SchemaCatalog, SchemaText } from '../../registry/schema.js';
import type { SchemaTypeSupport } from '../schema-format.js';
import { isNamed, parseSchema, shortName, type AvroNode, type Props } from './model.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function sortedProps(props: Props): [string, Json][] {
  return Object.keys(props)
    .sort()
    .map((k) => [k, props[k] as Json]);
}

/** Java Avro's layout with full names, definitions once, attributes sorted. */
function canonicalJson(n: AvroNode, defined: Set<string>): Json {
  if (isNamed(n)) {
    if (defined.has(n.name)) return n.name;
    defined.add(n.name);
  }
  const withProps = (o: { [k: string]: Json }, props: Props): Json => {
    for (const [k, v] of sortedProps(props)) o[k] = v;
    return o;
  };
  switch (n.kind) {
    case 'record': {
      const o: { [k: string]: Json } = { type: 'record', name: n.name };
      if (n.aliases.length) o['aliases'] = [...n.aliases];
      o['fields'] = n.fields.map((f) => {
        const fo: { [k: string]: Json } = { name: f.name, type: canonicalJson(f.type, defined) };
        if (f.hasDefault) fo['default'] = f.default as Json;
        if (f.aliases.length) fo['aliases'] = [...f.aliases];
        return withProps(fo, f.props);
      });
      return withProps(o, n.props);
    }
    case 'enum': {
      const o: { [k: string]: Json } = { type: 'enum', name: n.name, symbols: [...n.symbols] };
      if (n.enumDefault !== undefined) o['default'] = n.enumDefault;
      return withProps(o, n.props);
    }
    case 'fixed':
      return withProps({ type: 'fixed', name: n.name, size: n.size }, n.props);
    case 'array':
      return withProps({ type: 'array', items: canonicalJson(n.items, defined) }, n.props);
    case 'map':
      return withProps({ type: 'map', values: canonicalJson(n.values, defined) }, n.props);
    case 'union':
      return n.branches.map((b) => canonicalJson(b, defined));
    default:
      return Object.keys(n.props).length ? withProps({ type: n.kind }, n.props) : n.kind;
  }
}

/** Checks the schema with avsc too (defaults, unions), leaving name rules to the Java-like parser. */
function checkWithAvsc(schema: SchemaText, catalog: SchemaCatalog): void {
  const registry: Record<string, unknown> = {};
  const opts = { registry, wrapUnions: true } as unknown as Parameters<typeof avro.Type.forSchema>[1];
  const load = (s: SchemaText, seen: Set<string>) => {
    for (const ref of s.references ?? []) {
      const key = `${ref.subject}/${ref.version}`;
      const r = catalog.reference(ref);
      if (!r || seen.has(key)) continue;
      seen.add(key);
      load(r, seen);
    }
    try {
      avro.Type.forSchema(JSON.parse(s.schema), opts);
    } catch (e) {
      const m = (e as Error).message;
      if (/invalid .*name|duplicate type name/i.test(m)) return;
      throw new Error(`Invalid schema: ${m}`);
    }
  };
  load(schema, new Set());
}

export function canonicalAvro(schema: SchemaText, catalog: SchemaCatalog): string {
  const parsed = parseSchema(schema, catalog);
  checkWithAvsc(schema, catalog);
  return JSON.stringify(canonicalJson(parsed.root, new Set(parsed.referenced)));
}

const problem = (errorType: string, description: string, info: string): string =>
  `{errorType:'${errorType}', description:'${description}', additionalInfo:'${info}'}`;

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

/** Avro's reader/writer compatibility: the problems reading data written with `writer` using `reader`. */
class Checker {
  private readonly seen = new Set<string>();
  private readonly ids = new Map<AvroNode, number>();
  readonly problems: string[] = [];

  private id(n: AvroNode): number {
    let i = this.ids.get(n);
    if (i === undefined) this.ids.set(n, (i = this.ids.size));
    return i;
  }

  /** Whether compatible, recording problems when `report`. */
  check(reader: AvroNode, writer: AvroNode, path: string, report: boolean): boolean {
    const key = `${this.id(reader)}/${this.id(writer)}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    try {
      return this.compare(reader, writer, path, report);
    } finally {
      if (!report) this.seen.delete(key);
    }
  }

  private fail(report: boolean, p: string): false {
    if (report) this.problems.push(p);
    return false;
  }

  private mismatch(reader: AvroNode, writer: AvroNode, path: string, report: boolean): false {
    return this.fail(
      report,
      problem('TYPE_MISMATCH', `The type (path '${path}') of a field in the new schema does not match with the old schema`, `reader type: ${reader.kind.toUpperCase()} not compatible with writer type: ${writer.kind.toUpperCase()}`),
    );
  }

  private compare(reader: AvroNode, writer: AvroNode, path: string, report: boolean): boolean {
    if (writer.kind === 'union' && reader.kind !== 'union') {
      let ok = true;
      writer.branches.forEach((b, i) => {
        if (!this.check(reader, b, `${path}/${i}`, report)) ok = false;
      });
      return ok;
    }
    if (reader.kind === 'union') {
      if (writer.kind === 'union') {
        let ok = true;
        writer.branches.forEach((b, i) => {
          if (!reader.branches.some((r) => this.check(r, b, `${path}/${i}`, false))) {
            ok = this.fail(report, problem('MISSING_UNION_BRANCH', `The new schema is missing a type inside a union field at path '${path}/${i}' in the old schema`, `reader union lacking writer type: ${b.kind.toUpperCase()}`));
          }
        });
        return ok;
      }
      if (reader.branches.some((r) => this.check(r, writer, path, false))) return true;
      return this.fail(report, problem('MISSING_UNION_BRANCH', `The new schema is missing a type inside a union field at path '${path}' in the old schema`, `reader union lacking writer type: ${writer.kind.toUpperCase()}`));
    }
    if (reader.kind !== writer.kind) {
      if (PROMOTIONS[reader.kind]?.includes(writer.kind)) return true;
      return this.mismatch(reader, writer, path, report);
    }
    switch (reader.kind) {
      case 'array':
        return this.check(reader.items, (writer as typeof reader).items, `${path}/items`, report);
      case 'map':
        return this.check(reader.values, (writer as typeof reader).values, `${path}/values`, report);
      case 'fixed': {
        const w = writer as typeof reader;
        if (!this.names(reader, w, path, report)) return false;
        if (reader.size === w.size) return true;
        return this.fail(report, problem('FIXED_SIZE_MISMATCH', `The size of FIXED type field at path '${path}/size' in the old schema does not match with the new schema`, `expected: ${w.size}, found: ${reader.size}`));
      }
      case 'enum': {
        const w = writer as typeof reader;
        if (!this.names(reader, w, path, report)) return false;
        const missing = w.symbols.filter((s) => !reader.symbols.includes(s));
        if (missing.length === 0 || reader.enumDefault !== undefined) return true;
        return this.fail(report, problem('MISSING_ENUM_SYMBOLS', `The new schema is missing enum symbols '${missing.join(', ')}' at path '${path}/symbols' in the old schema`, `[${missing.join(', ')}]`));
      }
      case 'record': {
        const w = writer as typeof reader;
        if (!this.names(reader, w, path, report)) return false;
        let ok = true;
        reader.fields.forEach((f, i) => {
          const wf = w.fields.find((x) => x.name === f.name) ?? w.fields.find((x) => f.aliases.includes(x.name));
          if (!wf) {
            if (!f.hasDefault) {
              ok = this.fail(report, problem('READER_FIELD_MISSING_DEFAULT_VALUE', `The field '${f.name}' at path '${path}/fields/${i}' in the new schema has no default value and is missing in the old schema`, f.name));
            }
          } else if (!this.check(f.type, wf.type, `${path}/fields/${i}/type`, report)) ok = false;
        });
        return ok;
      }
      default:
        return true;
    }
  }

  private names(reader: AvroNode & { name: string; aliases?: readonly string[] }, writer: AvroNode & { name: string }, path: string, report: boolean): boolean {
    if (shortName(reader.name) === shortName(writer.name) || reader.aliases?.includes(writer.name)) return true;
    return this.fail(report, problem('NAME_MISMATCH', `The name of the schema has changed (path '${path}/name')`, `expected: ${writer.name}`));
  }
}

export function backwardProblems(newer: SchemaText, older: SchemaText, catalog: SchemaCatalog): string[] {
  const reader = parseSchema(newer, catalog).root;
  const writer = parseSchema(older, catalog).root;
  const c = new Checker();
  c.check(reader, writer, '', true);
  return c.problems;
}

export const avroSchemaSupport: SchemaTypeSupport = {
  schemaType: 'AVRO',
  canonical: canonicalAvro,
  backwardProblems,
};
