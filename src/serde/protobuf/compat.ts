/**
 * The registry's side of Protobuf schemas: the canonical text (parse, then print in the
 * registry's layout, so the same schema written twice compares equal) and BACKWARD
 * compatibility after Confluent's SchemaDiff: removing a message, changing a field's kind
 * (scalar / message / map), its scalar group (varint numbers, zig-zag, fixed32, fixed64, float,
 * double, string-or-bytes), the message it names or a numeric field's label, adding or removing
 * a required field, removing a oneof member, or moving fields into a oneof are incompatible;
 * adding or removing optional fields, messages and enums, and renaming fields are not.
 */
import type { SchemaCatalog, SchemaText } from '../../registry/schema.js';
import type { SchemaTypeSupport } from '../schema-format.js';
import { loadSchema } from './load.js';
import type { ProtoField, ProtoFile, ProtoMessage, ProtoType } from './model.js';
import { printProto } from './print.js';

export const protobufSchemaSupport: SchemaTypeSupport = {
  schemaType: 'PROTOBUF',
  canonical(schema: SchemaText, catalog: SchemaCatalog): string {
    return printProto(loadSchema(schema, catalog).root);
  },
  backwardProblems(newer: SchemaText, older: SchemaText, catalog: SchemaCatalog): string[] {
    const original = loadSchema(older, catalog).root;
    const update = loadSchema(newer, catalog).root;
    const diff = new Diff();
    diff.files(original, update);
    return diff.problems;
  },
};

type Kind = 'SCALAR' | 'MAP' | 'MESSAGE';

const DESCRIPTIONS: Readonly<Record<string, (path: string) => string>> = {
  PACKAGE_CHANGED: (p) => `The package at '${p}' in the new schema does not match the package in the old schema`,
  MESSAGE_REMOVED: (p) => `The new schema is missing a MESSAGE type at path '${p}' in the old schema`,
  FIELD_KIND_CHANGED: (p) => `The type of a field at path '${p}' in the new schema does not match the old schema`,
  FIELD_SCALAR_KIND_CHANGED: (p) => `The kind of a SCALAR field at path '${p}' in the new schema does not match its kind in the old schema`,
  FIELD_NAMED_TYPE_CHANGED: (p) => `The type of a MESSAGE field at path '${p}' in the new schema does not match its type in the old schema`,
  FIELD_NUMERIC_LABEL_CHANGED: (p) => `The label for a NUMERIC field at path '${p}' in the new schema does not match its label in the old schema`,
  REQUIRED_FIELD_ADDED: (p) => `A required field at path '${p}' in the new schema is missing in the old schema`,
  REQUIRED_FIELD_REMOVED: (p) => `The new schema is missing a required field at path: '${p}' in the old schema`,
  ONEOF_FIELD_REMOVED: (p) => `The new schema is missing a oneof field at path '${p}' in the old schema`,
  MULTIPLE_FIELDS_MOVED_TO_ONEOF: (p) => `Multiple fields in the oneof at path '${p}' in the new schema are outside a oneof in the old schema`,
  FIELD_MOVED_TO_EXISTING_ONEOF: (p) => `A field in the oneof at path '${p}' in the new schema is outside an existing oneof in the old schema`,
};

const SCALAR_GROUP: Readonly<Record<string, string>> = {
  int32: 'GENERAL_NUMBER', int64: 'GENERAL_NUMBER', uint32: 'GENERAL_NUMBER', uint64: 'GENERAL_NUMBER', bool: 'GENERAL_NUMBER',
  sint32: 'SIGNED_NUMBER', sint64: 'SIGNED_NUMBER', string: 'STRING_OR_BYTES', bytes: 'STRING_OR_BYTES',
  fixed32: 'FIXED32', sfixed32: 'FIXED32', fixed64: 'FIXED64', sfixed64: 'FIXED64', float: 'FLOAT', double: 'DOUBLE',
};

class Diff {
  readonly problems: string[] = [];
  private readonly compared = new Set<string>();

  private add(type: string, path: string): void {
    this.problems.push(`{errorType:"${type}", description:"${DESCRIPTIONS[type]!(path)}"}`);
  }

  files(o: ProtoFile, u: ProtoFile): void {
    if ((o.pkg ?? '') !== (u.pkg ?? '')) this.add('PACKAGE_CHANGED', '#/');
    this.types(o.types, u.types, '#');
  }

  private types(o: readonly ProtoType[], u: readonly ProtoType[], path: string): void {
    const updated = new Map(u.filter((t): t is ProtoMessage => t.kind === 'message' && !t.synthetic).map((m) => [m.name, m]));
    for (const m of o) {
      if (m.kind !== 'message' || m.synthetic) continue;
      const um = updated.get(m.name);
      if (!um) this.add('MESSAGE_REMOVED', `${path}/${m.name}`);
      else this.message(m, um, `${path}/${m.name}`);
    }
  }

  private message(o: ProtoMessage, u: ProtoMessage, path: string): void {
    const key = `${o.fullName}|${u.fullName}`;
    if (this.compared.has(key)) return;
    this.compared.add(key);
    const oBy = new Map(o.allFields.map((f) => [f.number, f]));
    const uBy = new Map(u.allFields.map((f) => [f.number, f]));
    const uOneofs = new Set(u.oneofs.map((x) => x.name));
    const deleted = new Set(o.oneofs.filter((x) => !uOneofs.has(x.name) && !x.fields.some((f) => uBy.has(f.number))).map((x) => x.name));
    for (const oneof of u.oneofs) {
      const origins = new Set<string>();
      let movedIn = 0;
      for (const f of oneof.fields) {
        const of = oBy.get(f.number);
        if (!of) continue;
        if (of.oneof) origins.add('oneof:' + of.oneof.name);
        else {
          origins.add('field:' + f.number);
          movedIn++;
        }
      }
      if (origins.size > 1) this.add(movedIn > 1 ? 'MULTIPLE_FIELDS_MOVED_TO_ONEOF' : 'FIELD_MOVED_TO_EXISTING_ONEOF', `${path}/${oneof.name}`);
    }
    const tags = [...new Set([...oBy.keys(), ...uBy.keys()])].sort((a, b) => a - b);
    for (const tag of tags) {
      const of = oBy.get(tag);
      const uf = uBy.get(tag);
      if (!uf) {
        if (of!.oneof) {
          if (!deleted.has(of!.oneof.name)) this.add('ONEOF_FIELD_REMOVED', `${path}/${of!.oneof.name}/${tag}`);
        } else if (of!.label === 'required') this.add('REQUIRED_FIELD_REMOVED', `${path}/${tag}`);
      } else if (!of) {
        if (!uf.oneof && uf.label === 'required') this.add('REQUIRED_FIELD_ADDED', `${path}/${tag}`);
      } else {
        this.field(of, uf, uf.oneof ? `${path}/${uf.oneof.name}/${tag}` : `${path}/${tag}`);
      }
    }
    this.types(o.nested, u.nested, path);
  }

  private field(o: ProtoField, u: ProtoField, path: string): void {
    const ok = kindOf(o);
    if (ok !== kindOf(u)) return this.add('FIELD_KIND_CHANGED', path);
    if (ok === 'SCALAR') {
      if (scalarGroup(o) !== scalarGroup(u)) return this.add('FIELD_SCALAR_KIND_CHANGED', path);
      if (o.label !== undefined && u.label !== undefined && o.label !== u.label && scalarGroup(o) !== 'STRING_OR_BYTES') {
        this.add('FIELD_NUMERIC_LABEL_CHANGED', path);
      }
      return;
    }
    if (ok === 'MAP') {
      const [ok0, ov] = o.message!.fields as [ProtoField, ProtoField];
      const [uk, uv] = u.message!.fields as [ProtoField, ProtoField];
      this.field(ok0, uk, path);
      this.field(ov, uv, path);
      return;
    }
    const om = o.message!;
    const um = u.message!;
    if (localName(om) !== localName(um)) return this.add('FIELD_NAMED_TYPE_CHANGED', path);
    if (om.file.name !== '' || um.file.name !== '') {
      // types of other files (references) are compared here; the root file's types are compared in place
      const before = this.problems.length;
      this.message(om, um, path);
      if (this.problems.length > before) this.add('FIELD_NAMED_TYPE_CHANGED', path);
    }
  }
}

function kindOf(f: ProtoField): Kind {
  if (f.mapKey !== undefined) return 'MAP';
  return f.message ? 'MESSAGE' : 'SCALAR';
}

function scalarGroup(f: ProtoField): string {
  return f.enumType ? 'GENERAL_NUMBER' : (SCALAR_GROUP[f.scalar ?? ''] ?? 'ANY');
}

function localName(m: ProtoMessage): string {
  const pkg = m.file.pkg;
  return pkg && m.fullName.startsWith(pkg + '.') ? m.fullName.slice(pkg.length + 1) : m.fullName;
}
