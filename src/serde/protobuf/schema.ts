/**
 * The .proto file ksqlDB generates for columns (Connect's ProtobufData.fromConnectSchema over
 * ksqlDB's all-optional Connect schema): `syntax = "proto3"`, one message `ConnectDefault1` (or
 * the full schema name given) with the columns as fields numbered in order, nested messages
 * `ConnectDefault2`, ... for structs and `ConnectDefaultNEntry` for maps (numbered depth-first),
 * repeated fields for arrays, imports for the decimal/date/time/timestamp types, and nullable
 * fields as proto3 `optional` or google.protobuf wrappers per the nullable representation.
 */
import { AnalysisError } from '../../errors.js';
import type { SqlType } from '../../types/sql-type.js';
import type { Column } from '../../types/schema.js';
import type { SchemaText } from '../../registry/schema.js';
import type { FormatOptions } from '../serde.js';
import { DATE_TYPE, DECIMAL_TYPE, TIME_TYPE, TIMESTAMP_TYPE, type Label, type ProtoField, type ProtoFile, type ProtoMessage, type ProtoOption } from './model.js';
import { printProto } from './print.js';

const DEFAULT_NAME = 'ConnectDefault';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

const LOCATION: Readonly<Record<string, string>> = {
  [DECIMAL_TYPE]: 'confluent/type/decimal.proto',
  [DATE_TYPE]: 'google/type/date.proto',
  [TIME_TYPE]: 'google/type/timeofday.proto',
  [TIMESTAMP_TYPE]: 'google/protobuf/timestamp.proto',
};

const WRAPPER_OF: Readonly<Record<string, string>> = {
  INTEGER: 'google.protobuf.Int32Value',
  BIGINT: 'google.protobuf.Int64Value',
  DOUBLE: 'google.protobuf.DoubleValue',
  BOOLEAN: 'google.protobuf.BoolValue',
  STRING: 'google.protobuf.StringValue',
  BYTES: 'google.protobuf.BytesValue',
};
const SCALAR_OF: Readonly<Record<string, string>> = {
  INTEGER: 'int32', BIGINT: 'int64', DOUBLE: 'double', BOOLEAN: 'bool', STRING: 'string', BYTES: 'bytes',
  DATE: DATE_TYPE, TIME: TIME_TYPE, TIMESTAMP: TIMESTAMP_TYPE,
};

/** Whether a single column is written bare (PROTOBUF_NOSR only; PROTOBUF always wraps). */
export function isUnwrappedNoSr(columns: readonly Column[], options: FormatOptions, isKey: boolean): boolean {
  if (columns.length !== 1) return false;
  if (options.wrapSingleValue !== undefined) return !options.wrapSingleValue;
  if (!isKey && options.defaultWrapSingleValue !== undefined) return !options.defaultWrapSingleValue;
  return isKey;
}

/** Map keys other than STRING are refused by both Protobuf formats (ksqlDB issue 6177). */
export function checkMapKeys(t: SqlType): void {
  switch (t.kind) {
    case 'MAP':
      if (t.key.kind !== 'STRING') {
        throw new AnalysisError('PROTOBUF format only supports MAP types with STRING keys. See https://github.com/confluentinc/ksql/issues/6177.');
      }
      checkMapKeys(t.value);
      return;
    case 'ARRAY':
      return checkMapKeys(t.element);
    case 'STRUCT':
      for (const f of t.fields) checkMapKeys(f.type);
      return;
  }
}

/** The message name a full schema name gives, or undefined for the default naming. */
function explicitName(fullSchemaName: string | undefined): string | undefined {
  const name = fullSchemaName?.trim();
  // ksqlDB ignores names starting with the default prefix (they would shift the numbering).
  return name === undefined || name === '' || name.startsWith(DEFAULT_NAME) ? undefined : name;
}

export function generateSchema(columns: readonly Column[], options: FormatOptions, unwrapped: boolean): SchemaText {
  for (const c of columns) checkMapKeys(c.type);
  if (unwrapped) {
    const t = columns[0]!.type;
    if (t.kind !== 'STRUCT') return { schemaType: 'PROTOBUF', schema: wrapperFile(t) };
    return { schemaType: 'PROTOBUF', schema: printProto(new Generator(options).file(t.fields.map((f) => ({ name: f.name, type: f.type })))) };
  }
  return { schemaType: 'PROTOBUF', schema: printProto(new Generator(options).file(columns)) };
}

function wrapperFile(t: SqlType): string {
  const scalar = t.kind === 'DATE' || t.kind === 'TIME' ? 'int32' : t.kind === 'TIMESTAMP' ? 'int64' : SCALAR_OF[t.kind];
  const wrapper = t.kind === 'DATE' || t.kind === 'TIME' ? WRAPPER_OF.INTEGER : t.kind === 'TIMESTAMP' ? WRAPPER_OF.BIGINT : WRAPPER_OF[t.kind];
  if (scalar === undefined || wrapper === undefined) throw new AnalysisError(`Unsupported root schema of type ${connectTypeName(t)}`);
  const name = wrapper.slice('google.protobuf.'.length);
  return `syntax = "proto3";\npackage google.protobuf;\n\nmessage ${name} {\n  ${scalar} value = 1;\n}\n`;
}

function connectTypeName(t: SqlType): string {
  return t.kind === 'DECIMAL' ? 'BYTES' : t.kind;
}

interface NamedType {
  readonly name: string;
  readonly type: SqlType;
}

class Generator {
  private index = 0;
  private readonly imports: string[] = [];
  private readonly optional: boolean;
  private readonly wrapper: boolean;
  private readonly file0: ProtoFile;

  constructor(private readonly options: FormatOptions) {
    this.optional = options.nullableRepresentation === 'optional';
    this.wrapper = options.nullableRepresentation === 'wrapper';
    this.file0 = { name: '', syntax: 'proto3', syntaxDeclared: true, pkg: undefined, imports: [], options: [], types: [] };
  }

  file(fields: readonly NamedType[]): ProtoFile {
    const explicit = explicitName(this.options.fullSchemaName);
    const full = explicit ?? this.nextName();
    const dot = full.lastIndexOf('.');
    const pkg = dot < 0 ? undefined : full.slice(0, dot);
    const name = dot < 0 ? full : full.slice(dot + 1);
    this.file0.pkg = pkg;
    this.file0.types.push(this.message(name, pkg ? `${pkg}.${name}` : name, fields));
    for (const path of this.imports) this.file0.imports.push({ path, modifier: undefined });
    return this.file0;
  }

  private nextName(): string {
    return DEFAULT_NAME + ++this.index;
  }

  private message(name: string, fullName: string, fields: readonly NamedType[]): ProtoMessage {
    const m: ProtoMessage = {
      kind: 'message', name, fullName, fields: [], oneofs: [], nested: [], options: [], reserved: [], synthetic: false, file: this.file0, allFields: [],
    };
    let tag = 1;
    for (const f of fields) m.fields.push(this.field(m, f.type, f.name, tag++));
    m.allFields = m.fields;
    return m;
  }

  private field(parent: ProtoMessage, sqlType: SqlType, name: string, tag: number): ProtoField {
    if (!IDENT.test(name)) {
      throw new AnalysisError(`Invalid protobuf schema definition: "${name}" is not a valid identifier.`);
    }
    let label: Label | undefined;
    let t = sqlType;
    if (t.kind === 'ARRAY' || t.kind === 'MAP') label = 'repeated';
    else if (this.optional) label = 'optional';
    if (t.kind === 'ARRAY') {
      t = t.element;
      if (t.kind === 'ARRAY') throw new AnalysisError('Array cannot be nested');
    }
    const options: ProtoOption[] = [];
    let typeName: string;
    switch (t.kind) {
      case 'STRUCT': {
        typeName = this.nextName();
        if (typeName === name) typeName += 'Message';
        parent.nested.push(this.message(typeName, `${parent.fullName}.${typeName}`, t.fields));
        break;
      }
      case 'MAP': {
        typeName = this.nextName() + 'Entry';
        const entry = this.message(typeName, `${parent.fullName}.${typeName}`, []);
        entry.fields.push(this.field(entry, t.key, 'key', 1), this.field(entry, t.value, 'value', 2));
        parent.nested.push(entry);
        break;
      }
      case 'DECIMAL':
        typeName = DECIMAL_TYPE;
        options.push(decimalMeta(t.precision, t.scale));
        this.addImport(LOCATION[DECIMAL_TYPE]!);
        break;
      default: {
        const wrapped = this.wrapper ? WRAPPER_OF[t.kind] : undefined;
        const scalar = wrapped ?? SCALAR_OF[t.kind];
        if (scalar === undefined) throw new AnalysisError(`Unsupported type ${t.kind} in a Protobuf schema`);
        typeName = scalar;
        if (wrapped) this.addImport('google/protobuf/wrappers.proto');
        else if (LOCATION[scalar]) this.addImport(LOCATION[scalar]!);
      }
    }
    return { name, number: tag, label, typeName, options, proto3Optional: label === 'optional' };
  }

  private addImport(path: string): void {
    if (!this.imports.includes(path)) this.imports.push(path);
  }
}

function decimalMeta(precision: number, scale: number): ProtoOption {
  const param = (key: string, value: number) => ({ kind: 'map' as const, entries: [['value', { kind: 'string' as const, value: String(value) }], ['key', { kind: 'string' as const, value: key }]] as const });
  return {
    name: '(confluent.field_meta)',
    value: { kind: 'map', entries: [['params', { kind: 'list', items: [param('precision', precision), param('scale', scale)] }]] },
  };
}
