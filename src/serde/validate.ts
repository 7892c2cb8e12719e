/**
 * Schema checks made when a serde is created, with ksqlDB's error texts. They surface as statement
 * errors (AnalysisError), never per record.
 */
import { AnalysisError } from '../errors.js';
import { formatType, type SqlType } from '../types/sql-type.js';
import type { Column } from '../types/schema.js';
import { columnsText } from './text.js';
import type { FormatName, FormatOptions } from './serde.js';

/** ksqlDB wraps a format's refusal in "Key/Value format does not support schema ...". */
export function unsupportedSchema(
  format: FormatName,
  columns: readonly Column[],
  options: FormatOptions,
  isKey: boolean,
  reason: string,
): AnalysisError {
  const features = isKey || options.wrapSingleValue === undefined ? '' : options.wrapSingleValue ? 'WRAP_SINGLES' : 'UNWRAP_SINGLES';
  return new AnalysisError(
    `${isKey ? 'Key' : 'Value'} format does not support schema.\nformat: ${format}\n` +
      `schema: Persistence{columns=${columnsText(columns, isKey)}, features=[${features}]}\nreason: ${reason}`,
  );
}

function containsMap(t: SqlType): boolean {
  switch (t.kind) {
    case 'MAP':
      return true;
    case 'ARRAY':
      return containsMap(t.element);
    case 'STRUCT':
      return t.fields.some((f) => containsMap(f.type));
    default:
      return false;
  }
}

/** Key columns may not contain maps, whatever the format (ksqlDB issue 6621). */
export function checkKeyColumns(columns: readonly Column[]): void {
  for (const c of columns) {
    if (containsMap(c.type)) {
      throw new AnalysisError(
        'Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to ' +
          `inconsistent serialization. Key column name: \`${c.name}\`. Column type: ${formatType(c.type)}. ` +
          'See https://github.com/confluentinc/ksql/issues/6621 for more.',
      );
    }
  }
}

/** WRAP_SINGLE_VALUE rules common to the value formats. */
export function checkWrapping(format: FormatName, columns: readonly Column[], options: FormatOptions, isKey: boolean): void {
  if (isKey || options.wrapSingleValue === undefined) return;
  if ((format === 'DELIMITED' || format === 'KAFKA') && options.wrapSingleValue) {
    throw new AnalysisError(`Format '${format}' does not support 'WRAP_SINGLE_VALUE' set to 'true'.`);
  }
  if (columns.length !== 1) throw new AnalysisError("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
}

/** The base type name ksqlDB prints in "format does not support type 'X'". */
export function baseTypeName(t: SqlType): string {
  return t.kind;
}
