/**
 * Key/value formats from a statement's WITH properties (FORMAT, KEY_FORMAT, VALUE_FORMAT,
 * KEY_DELIMITER, VALUE_DELIMITER, WRAP_SINGLE_VALUE), with ksqlDB's defaults and errors.
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

  const keyOptions: FormatOptions = keyDelimiter === undefined ? {} : { delimiter: keyDelimiter };
  const valueOptions: FormatOptions = {
    ...(valueDelimiter === undefined ? {} : { delimiter: valueDelimiter }),
    ...(wrap === undefined ? {} : { wrapSingleValue: wrap }),
    ...(defaults.wrapSingleValues === undefined ? {} : { defaultWrapSingleValue: defaults.wrapSingleValues }),
  };
  return { keyFormat, valueFormat, keyOptions, valueOptions };
}
