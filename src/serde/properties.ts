/**
 * Key/value formats from a statement's WITH properties (FORMAT, KEY_FORMAT, VALUE_FORMAT,
 * KEY_DELIMITER, VALUE_DELIMITER, WRAP_SINGLE_VALUE, and the schema-registry formats' KEY/VALUE_
 * SCHEMA_ID, KEY/VALUE_SCHEMA_FULL_NAME, KEY/VALUE_PROTOBUF_NULLABLE_REPRESENTATION), with ksqlDB's
 * defaults and errors.
 */
import { AnalysisError } from '../errors.js';
import type { Properties } from '../parser/ast.js';
import type { FormatName, FormatOptions } from './serde.js';

export interface FormatSpec {
  readonly keyFormat: FormatName;
  readonly valueFormat: FormatName;
  readonly keyOptions: FormatOptions;
  readonly valueOptions: FormatOptions;
}

export interface FormatDefaults {
  /** ksql.persistence.default.format.key; KAFKA when absent. */
  readonly keyFormat?: string;
  /** ksql.persistence.default.format.value; no default (VALUE_FORMAT is then required). */
  readonly valueFormat?: string;
  /** ksql.persistence.wrap.single.values. */
  readonly wrapSingleValues?: boolean;
  /**
   * For CREATE ... AS SELECT: the source's formats, inherited when not overridden (and with them
   * the source's delimiters). They take precedence over keyFormat/valueFormat above.
   */
  readonly inherit?: FormatSpec;
  /** The stream or table being created: AVRO keys' records are named after it (`<Name>Key`). */
  readonly sourceName?: string;
}

const FORMATS: readonly FormatName[] = ['JSON', 'DELIMITED', 'KAFKA', 'NONE', 'AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'JSON_SR'];

/** Upper-cases and checks a format name: "Unknown format: FOO". */
export function parseFormatName(name: string): FormatName {
  const u = name.toUpperCase() as FormatName;
  if (!FORMATS.includes(u)) throw new AnalysisError(`Unknown format: ${u}`);
  return u;
}

function both(other: string): AnalysisError {
  return new AnalysisError(
    `Cannot supply both '${other}' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. ` +
      "Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.",
  );
}

function delimiter(prop: string, v: string | number | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  const u = s.toUpperCase();
  if (u === 'TAB' || u === 'SPACE') return u;
  let reason: string | undefined;
  if (s.trim() === '') {
    reason = "Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'";
  } else if (s.length !== 1) {
    reason = `Invalid delimiter value: '${s}'. Delimiter must be a single character or TAB,SPACE`;
  }
  if (reason !== undefined) throw new AnalysisError(`Configuration ${prop} is invalid: ${reason}\nExample valid value: ';'`);
  return s;
}

function bool(v: string | number | boolean | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  return String(v).toLowerCase() === 'true';
}

export function formatFromProperties(props: Properties, defaults: FormatDefaults = {}): FormatSpec {
  const format = props['FORMAT'];
  const keyProp = props['KEY_FORMAT'];
  const valueProp = props['VALUE_FORMAT'];
  if (format !== undefined && keyProp !== undefined) throw both('KEY_FORMAT');
  if (format !== undefined && valueProp !== undefined) throw both('VALUE_FORMAT');
  const inherit = defaults.inherit;

  const keyText = keyProp ?? format;
  const valueText = valueProp ?? format;
  const keyFormat = keyText !== undefined ? parseFormatName(String(keyText)) : (inherit?.keyFormat ?? parseFormatName(defaults.keyFormat ?? 'KAFKA'));
  let valueFormat: FormatName;
  if (valueText !== undefined) valueFormat = parseFormatName(String(valueText));
  else if (inherit !== undefined) valueFormat = inherit.valueFormat;
  else if (defaults.valueFormat !== undefined) valueFormat = parseFormatName(defaults.valueFormat);
  else {
    throw new AnalysisError(
      "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. " +
        "Either provide one or set a default via the 'ksql.persistence.default.format.value' config.",
    );
  }

  const keyDelimiter =
    delimiter('KEY_DELIMITER', props['KEY_DELIMITER']) ??
    (inherit !== undefined && inherit.keyFormat === keyFormat ? inherit.keyOptions.delimiter : undefined);
  const valueDelimiter =
    delimiter('VALUE_DELIMITER', props['VALUE_DELIMITER']) ??
    (inherit !== undefined && inherit.valueFormat === valueFormat ? inherit.valueOptions.delimiter : undefined);
  const wrap = bool(props['WRAP_SINGLE_VALUE']);

  const keyOptions: FormatOptions = {
    ...(keyDelimiter === undefined ? {} : { delimiter: keyDelimiter }),
    ...schemaOptions(props, 'KEY', keyFormat, inherit?.keyFormat === keyFormat ? inherit.keyOptions : undefined, defaults.sourceName),
  };
  const valueOptions: FormatOptions = {
    ...(valueDelimiter === undefined ? {} : { delimiter: valueDelimiter }),
    ...(wrap === undefined ? {} : { wrapSingleValue: wrap }),
    ...(defaults.wrapSingleValues === undefined ? {} : { defaultWrapSingleValue: defaults.wrapSingleValues }),
    ...schemaOptions(props, 'VALUE', valueFormat, inherit?.valueFormat === valueFormat ? inherit.valueOptions : undefined, undefined),
  };
  return { keyFormat, valueFormat, keyOptions, valueOptions };
}

const REGISTRY_FORMATS: readonly FormatName[] = ['AVRO', 'PROTOBUF', 'JSON_SR'];

/**
 * The schema-registry options of the key or the value. Of a source's options only a Protobuf
 * message name is inherited, as in ksqlDB; ids and names given in WITH apply to this source only.
 */
function schemaOptions(props: Properties, part: 'KEY' | 'VALUE', format: FormatName, inherited: FormatOptions | undefined, sourceName: string | undefined): FormatOptions {
  const out: { -readonly [K in keyof FormatOptions]: FormatOptions[K] } = {};
  const id = props[`${part}_SCHEMA_ID`];
  if (id !== undefined) {
    if (!REGISTRY_FORMATS.includes(format)) {
      throw new AnalysisError(`${part}_FORMAT should support schema inference when ${part}_SCHEMA_ID is provided. Current format is ${format}.`);
    }
    const n = Number(id);
    if (!Number.isInteger(n) || n < 0) throw new AnalysisError(`Invalid ${part}_SCHEMA_ID: ${String(id)}`);
    out.schemaId = n;
  }
  const name = part === 'VALUE' ? (props['VALUE_AVRO_SCHEMA_FULL_NAME'] ?? props['VALUE_SCHEMA_FULL_NAME']) : props['KEY_SCHEMA_FULL_NAME'];
  if (name !== undefined) {
    if (String(name).trim() === '') throw new AnalysisError(`fullSchemaName cannot be empty. Format configuration: {fullSchemaName=${String(name).trim()}}`);
    out.fullSchemaName = String(name);
  } else if (format === 'PROTOBUF' && inherited?.fullSchemaName !== undefined) {
    out.fullSchemaName = inherited.fullSchemaName;
  } else if (format === 'AVRO' && part === 'KEY' && sourceName !== undefined) {
    // Each sink's key record gets its own name, so generated classes do not clash (ksqlDB #6465).
    out.fullSchemaName = `io.confluent.ksql.avro_schemas.${upperCamel(sourceName)}Key`;
  }
  const nullable = props[`${part}_PROTOBUF_NULLABLE_REPRESENTATION`];
  if (nullable !== undefined) {
    if (format !== 'PROTOBUF' && format !== 'PROTOBUF_NOSR') {
      throw new AnalysisError(`Property ${part}_PROTOBUF_NULLABLE_REPRESENTATION can only be enabled with protobuf format`);
    }
    const u = String(nullable).toUpperCase();
    if (u !== 'OPTIONAL' && u !== 'WRAPPER') {
      throw new AnalysisError(`Invalid value ${String(nullable)} for property ${part}_PROTOBUF_NULLABLE_REPRESENTATION: String must be one of: OPTIONAL, WRAPPER`);
    }
    out.nullableRepresentation = u === 'OPTIONAL' ? 'optional' : 'wrapper';
  }
  // ksqlDB unwraps single Protobuf values from wrapper messages for every source it creates now.
  if (format === 'PROTOBUF') out.unwrapPrimitives = true;
  return out;
}

/** ksqlDB's UPPER_UNDERSCORE → UpperCamel (Guava CaseFormat): `MY_SOURCE` → `MySource`. */
function upperCamel(name: string): string {
  return name
    .split('_')
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}
