/**
 * The parsed form of .proto files: what parse.ts builds and every other file of the module reads.
 * Declarations keep their source form (for printing the canonical text) and, after resolution,
 * point at the types they name (for inference, reading and writing).
 */

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'sint32'
  | 'sint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed32'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export const SCALAR_TYPES: ReadonlySet<string> = new Set<ScalarType>([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

/** An option's value as written: text-format scalars, `{ ... }` aggregates and `[ ... ]` lists. */
export type OptValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [string, OptValue])[] }
  | { readonly kind: 'list'; readonly items: readonly OptValue[] };

export interface ProtoOption {
  /** As written: `deprecated`, `(confluent.field_meta)`, `(my.opt).sub`. */
  readonly name: string;
  readonly value: OptValue;
}

export type Label = 'optional' | 'required' | 'repeated';

export interface ProtoField {
  readonly name: string;
  readonly number: number;
  /** The label as written (none for proto3 singular fields and map fields). */
  readonly label: Label | undefined;
  /** The type as written: `int32`, `Foo.Bar`, `.pkg.Foo`, or `map<string, int32>`. */
  readonly typeName: string;
  readonly options: readonly ProtoOption[];
  /** For `map<K, V>` fields: the key and value types as written. */
  readonly mapKey?: string;
  readonly mapValue?: string;
  /** The real oneof holding the field (not the synthetic one of proto3 `optional`). */
  oneof?: ProtoOneof;
  /** proto3 `optional`: explicit presence (absent reads as null, not as the default). */
  readonly proto3Optional: boolean;
  /** Resolved: a scalar type, or the message / enum named. */
  scalar?: ScalarType;
  message?: ProtoMessage;
  enumType?: ProtoEnum;
}

export interface ProtoOneof {
  readonly name: string;
  readonly fields: ProtoField[];
  readonly options: ProtoOption[];
}

export interface EnumValue {
  readonly name: string;
  readonly number: number;
  readonly options: readonly ProtoOption[];
}

export interface ProtoEnum {
  readonly kind: 'enum';
  readonly name: string;
  readonly fullName: string;
  readonly values: EnumValue[];
  readonly options: ProtoOption[];
  /** Reserved declarations as printed (`1, 2 to 5`, `"foo"`). */
  readonly reserved: string[];
}

export interface ProtoMessage {
  readonly kind: 'message';
  readonly name: string;
  readonly fullName: string;
  /** Fields outside real oneofs, in declaration order. */
  readonly fields: ProtoField[];
  readonly oneofs: ProtoOneof[];
  /** Nested messages and enums in declaration order (map entries of `map<>` fields included). */
  readonly nested: (ProtoMessage | ProtoEnum)[];
  readonly options: ProtoOption[];
  readonly reserved: string[];
  /** An entry message protoc makes for a `map<K, V>` field (never printed). */
  readonly synthetic: boolean;
  readonly file: ProtoFile;
  /** All fields, oneof members included, in field-number order (filled at resolution). */
  allFields: ProtoField[];
}

export type ProtoType = ProtoMessage | ProtoEnum;

export interface ProtoImport {
  readonly path: string;
  readonly modifier: 'public' | 'weak' | undefined;
}

export interface ProtoFile {
  /** Its import path (the reference name, or a built-in path); '' for the root schema. */
  readonly name: string;
  syntax: 'proto2' | 'proto3' | 'editions';
  /** Whether a syntax statement was written (printed back only then). */
  syntaxDeclared: boolean;
  pkg: string | undefined;
  readonly imports: ProtoImport[];
  readonly options: ProtoOption[];
  readonly types: ProtoType[];
}

export function isRepeated(f: ProtoField): boolean {
  return f.label === 'repeated' || f.mapKey !== undefined;
}

/**
 * Whether a message is a map entry as Connect recognizes one: a repeated field's message named
 * `...Entry` with exactly the non-repeated fields `key` and `value` (protoc's entries and the
 * ones ksqlDB generates alike).
 */
export function isMapEntry(m: ProtoMessage): boolean {
  const f = m.allFields;
  return (
    m.name.endsWith('Entry') &&
    f.length === 2 &&
    m.fields.length === 2 &&
    m.fields[0]!.name === 'key' &&
    m.fields[1]!.name === 'value' &&
    !isRepeated(m.fields[0]!) &&
    !isRepeated(m.fields[1]!)
  );
}

/** The google.protobuf wrapper messages and the scalar each holds. */
export const WRAPPERS: Readonly<Record<string, ScalarType>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

export const DECIMAL_TYPE = 'confluent.type.Decimal';
export const DATE_TYPE = 'google.type.Date';
export const TIME_TYPE = 'google.type.TimeOfDay';
export const TIMESTAMP_TYPE = 'google.protobuf.Timestamp';

/** The Confluent `(confluent.field_meta)` params of a field (decimal precision and scale). */
export function fieldMetaParams(f: ProtoField): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of f.options) {
    if (o.name !== '(confluent.field_meta)' || o.value.kind !== 'map') continue;
    for (const [k, v] of o.value.entries) {
      if (k !== 'params') continue;
      const items = v.kind === 'list' ? v.items : [v];
      for (const item of items) {
        if (item.kind !== 'map') continue;
        let key: string | undefined;
        let value: string | undefined;
        for (const [ik, iv] of item.entries) {
          const text = iv.kind === 'string' ? iv.value : iv.kind === 'number' || iv.kind === 'ident' ? iv.text : undefined;
          if (ik === 'key') key = text;
          else if (ik === 'value') value = text;
        }
        if (key !== undefined && value !== undefined) out.set(key, value);
      }
    }
  }
  return out;
}
