/**
 * A registered Protobuf schema made usable: the .proto text parsed with its imports (schema
 * references fetched from the catalog, or the built-in well-known files), every field's type
 * resolved, and the messages addressable by name or by Confluent's message indexes.
 */
import type { SchemaCatalog, SchemaReference, SchemaText } from '../../registry/schema.js';
import { HEADER_SIZE, readMessageIndexes } from '../confluent-wire.js';
import { BUILTIN_FILES } from './builtins.js';
import { SCALAR_TYPES, type ProtoFile, type ProtoMessage, type ProtoType, type ScalarType } from './model.js';
import { parseProto } from './parse.js';

/** A schema that cannot be used: bad syntax, unknown types, missing references. */
export class ProtoSchemaError extends Error {
  override readonly name = 'ProtoSchemaError';
}

export interface LoadedSchema {
  readonly root: ProtoFile;
  /** The root file's messages (nested ones included) by full name. */
  readonly types: ReadonlyMap<string, ProtoType>;
  /** The message at Confluent message indexes ([0] = the first top-level message), if there is one. */
  byIndexes(indexes: readonly number[]): ProtoMessage | undefined;
  indexesOf(m: ProtoMessage): number[];
  /** A message of the root file by full name (package-qualified) or by its name alone. */
  byName(name: string): ProtoMessage | undefined;
  /** The first message of the root file. */
  first(): ProtoMessage;
}

export function loadSchema(schema: SchemaText, catalog: SchemaCatalog): LoadedSchema {
  const files = new Map<string, ProtoFile>();
  const root = parseOrThrow(schema.schema, '');
  const pending: { file: ProtoFile; refs: readonly SchemaReference[] }[] = [{ file: root, refs: schema.references ?? [] }];
  const all: ProtoFile[] = [root];
  while (pending.length > 0) {
    const { file, refs } = pending.pop()!;
    for (const imp of file.imports) {
      if (files.has(imp.path)) continue;
      const ref = refs.find((r) => r.name === imp.path);
      let dep: ProtoFile;
      let depRefs: readonly SchemaReference[] = [];
      if (ref) {
        const registered = catalog.reference(ref);
        if (!registered) throw new ProtoSchemaError(`Schema reference not found: ${ref.name} (subject ${ref.subject}, version ${ref.version})`);
        dep = parseOrThrow(registered.schema, imp.path);
        depRefs = registered.references ?? [];
      } else {
        const text = BUILTIN_FILES[imp.path];
        if (text === undefined) continue; // reported if one of its types is used
        dep = parseOrThrow(text, imp.path);
      }
      files.set(imp.path, dep);
      all.push(dep);
      pending.push({ file: dep, refs: depRefs });
    }
  }
  const symbols = new Map<string, ProtoType>();
  for (const f of all) for (const t of f.types) collect(t, symbols);
  for (const f of all) for (const t of f.types) resolveType(t, symbols, f);

  const rootTypes = new Map<string, ProtoType>();
  for (const t of root.types) collect(t, rootTypes);
  return {
    root,
    types: rootTypes,
    byIndexes(indexes) {
      let list = messagesOf(root.types);
      let m: ProtoMessage | undefined;
      for (const i of indexes) {
        m = list[i];
        if (!m) return undefined;
        list = messagesOf(m.nested);
      }
      return m;
    },
    indexesOf(m) {
      const path: number[] = [];
      const find = (list: readonly ProtoType[]): boolean => {
        const msgs = messagesOf(list);
        for (let i = 0; i < msgs.length; i++) {
          path.push(i);
          if (msgs[i] === m || find(msgs[i]!.nested)) return true;
          path.pop();
        }
        return false;
      };
      if (!find(root.types)) throw new ProtoSchemaError(`Message ${m.fullName} is not in the schema`);
      return path;
    },
    byName(name) {
      const exact = rootTypes.get(name);
      if (exact?.kind === 'message') return exact;
      for (const t of rootTypes.values()) if (t.kind === 'message' && t.name === name && !t.synthetic) return t;
      return undefined;
    },
    first() {
      const m = messagesOf(root.types)[0];
      if (!m) throw new ProtoSchemaError('The schema defines no message');
      return m;
    },
  };
}

function parseOrThrow(text: string, name: string): ProtoFile {
  try {
    return parseProto(text, name);
  } catch (e) {
    throw new ProtoSchemaError(`Invalid Protobuf schema${name ? ' ' + name : ''}: ${(e as Error).message}`);
  }
}

function messagesOf(list: readonly ProtoType[]): ProtoMessage[] {
  return list.filter((t): t is ProtoMessage => t.kind === 'message');
}

function collect(t: ProtoType, into: Map<string, ProtoType>): void {
  if (into.has(t.fullName)) throw new ProtoSchemaError(`"${t.fullName}" is already defined`);
  into.set(t.fullName, t);
  if (t.kind === 'message') for (const n of t.nested) collect(n, into);
}

function resolveType(t: ProtoType, symbols: ReadonlyMap<string, ProtoType>, file: ProtoFile): void {
  if (t.kind === 'enum') {
    if (t.values.length === 0) throw new ProtoSchemaError(`Enum ${t.fullName} must contain at least one value`);
    if (file.syntax === 'proto3' && t.values[0]!.number !== 0) {
      throw new ProtoSchemaError(`The first enum value of ${t.fullName} must be zero in proto3`);
    }
    return;
  }
  const fields = [...t.fields, ...t.oneofs.flatMap((o) => o.fields)];
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const f of fields) {
    if (numbers.has(f.number)) throw new ProtoSchemaError(`Field number ${f.number} has already been used in "${t.fullName}"`);
    if (names.has(f.name)) throw new ProtoSchemaError(`"${f.name}" is already defined in "${t.fullName}"`);
    numbers.add(f.number);
    names.add(f.name);
    if (f.mapKey !== undefined) continue; // its entry message, made by the parser
    if (SCALAR_TYPES.has(f.typeName)) {
      f.scalar = f.typeName as ScalarType;
      continue;
    }
    const target = lookup(f.typeName, t.fullName, symbols);
    if (!target) throw new ProtoSchemaError(`${f.typeName} is not defined (field ${t.fullName}.${f.name})`);
    if (target.kind === 'message') f.message = target;
    else f.enumType = target;
  }
  t.allFields = fields.sort((a, b) => a.number - b.number);
  for (const n of t.nested) resolveType(n, symbols, file);
}

function lookup(name: string, scope: string, symbols: ReadonlyMap<string, ProtoType>): ProtoType | undefined {
  if (name.startsWith('.')) return symbols.get(name.slice(1));
  let s = scope;
  for (;;) {
    const hit = symbols.get(s ? `${s}.${name}` : name);
    if (hit) return hit;
    if (!s) return undefined;
    const dot = s.lastIndexOf('.');
    s = dot < 0 ? '' : s.slice(0, dot);
  }
}

/**
 * The message a Confluent-framed record holds, and where its body starts. Message indexes that
 * are malformed or name no message of the schema are taken as absent (the first message, body
 * right after the header): @kafkajs/confluent-schema-registry writes `0 | id | body` without them,
 * and Confluent's own deserializer would fail those records. A body that is not that message still
 * fails to decode and goes to the processing log.
 */
export function framedMessage(loaded: LoadedSchema, bytes: Buffer): { msg: ProtoMessage; offset: number } {
  let read: { indexes: number[]; offset: number } | undefined;
  try {
    read = readMessageIndexes(bytes);
  } catch {
    read = undefined;
  }
  const msg = read && loaded.byIndexes(read.indexes);
  return msg && read ? { msg, offset: read.offset } : { msg: loaded.first(), offset: HEADER_SIZE };
}
