/**
 * The WITH (...) clause of CREATE statements: formats, topic, partitions, timestamps — with
 * ksqlDB's defaults and validation messages.
 */
import type { Properties } from '../parser/ast.js';
import type { FormatName, FormatOptions } from '../serde/serde.js';
import { AnalysisError } from '../errors.js';

const KNOWN_FORMATS: readonly FormatName[] = ['JSON', 'DELIMITED', 'KAFKA', 'NONE', 'AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'JSON_SR'];

const VALID_PROPERTIES = new Set([
  'KAFKA_TOPIC', 'VALUE_FORMAT', 'KEY_FORMAT', 'FORMAT', 'PARTITIONS', 'REPLICAS', 'TIMESTAMP', 'TIMESTAMP_FORMAT',
  'WRAP_SINGLE_VALUE', 'VALUE_DELIMITER', 'KEY_DELIMITER', 'WINDOW_TYPE', 'WINDOW_SIZE', 'RETENTION_MS',
  'KEY_SCHEMA_ID', 'VALUE_SCHEMA_ID', 'KEY_SCHEMA_FULL_NAME', 'VALUE_SCHEMA_FULL_NAME', 'VALUE_AVRO_SCHEMA_FULL_NAME',
  'KEY_PROTOBUF_NULLABLE_REPRESENTATION', 'VALUE_PROTOBUF_NULLABLE_REPRESENTATION', 'SOURCE_CONNECTOR', 'CLEANUP_POLICY',
]);

export interface FormatSpec {
  readonly keyFormat: FormatName;
  readonly valueFormat: FormatName;
  readonly keyOptions: FormatOptions;
  readonly valueOptions: FormatOptions;
}

export function str(props: Properties, name: string): string | undefined {
  const v = props[name];
  return v === undefined ? undefined : String(v);
}

export function validateProperties(props: Properties): void {
  for (const k of Object.keys(props)) {
    if (!VALID_PROPERTIES.has(k)) throw new AnalysisError(`Invalid config variable(s) in the WITH clause: ${k}`);
  }
}

export function parseFormat(name: string): FormatName {
  const f = name.toUpperCase();
  if (!(KNOWN_FORMATS as readonly string[]).includes(f)) throw new AnalysisError(`Unknown format: ${f}`);
  return f as FormatName;
}

/**
 * Resolve key and value formats. `inherit` gives the formats of the upstream source for CREATE ... AS
 * SELECT; `defaults` the engine properties ksql.persistence.default.format.key/value.
 */
export function resolveFormats(
  props: Properties,
  inherit: FormatSpec | undefined,
  defaults: { key?: string; value?: string; wrapSingleValues?: boolean },
): FormatSpec {
  const format = str(props, 'FORMAT');
  const keyFormatProp = str(props, 'KEY_FORMAT');
  const valueFormatProp = str(props, 'VALUE_FORMAT');
  if (format !== undefined && valueFormatProp !== undefined) {
    throw new AnalysisError(`Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.`);
  }
  if (format !== undefined && keyFormatProp !== undefined) {
    throw new AnalysisError(`Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.`);
  }
  const keyName = keyFormatProp ?? format ?? inherit?.keyFormat ?? defaults.key ?? 'KAFKA';
  const valueName = valueFormatProp ?? format ?? inherit?.valueFormat ?? defaults.value;
  if (valueName === undefined) {
    throw new AnalysisError(
      `Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.`,
    );
  }
  const keyFormat = parseFormat(keyName);
  const valueFormat = parseFormat(valueName);
  const keyOptions: { delimiter?: string; wrapSingleValue?: boolean } = {};
  const valueOptions: { delimiter?: string; wrapSingleValue?: boolean } = {};
  const kd = str(props, 'KEY_DELIMITER') ?? (keyFormatProp === undefined && format === undefined ? inherit?.keyOptions.delimiter : undefined);
  const vd = str(props, 'VALUE_DELIMITER') ?? (valueFormatProp === undefined && format === undefined ? inherit?.valueOptions.delimiter : undefined);
  if (kd !== undefined) keyOptions.delimiter = kd;
  if (vd !== undefined) valueOptions.delimiter = vd;
  if (str(props, 'VALUE_DELIMITER') !== undefined && valueFormat !== 'DELIMITED') {
    throw new AnalysisError(`Delimiter only supported with DELIMITED format`);
  }
  const wrap = props['WRAP_SINGLE_VALUE'];
  if (wrap !== undefined) valueOptions.wrapSingleValue = wrap === true || String(wrap).toLowerCase() === 'true';
  else if (defaults.wrapSingleValues !== undefined) valueOptions.wrapSingleValue = defaults.wrapSingleValues;
  return { keyFormat, valueFormat, keyOptions, valueOptions };
}

export function intProperty(props: Properties, name: string): number | undefined {
  const v = props[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw new AnalysisError(`Invalid value for ${name}: ${String(v)}`);
  return n;
}
