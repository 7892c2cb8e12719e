/**
 * Query results in the terminal: a pull query's rows are collected and drawn as one grid sized to
 * them; a push query's rows are drawn as they come, in columns sized from the header (name, type,
 * terminal width), long values wrapped inside their cell. Values are rendered by column type
 * (format-value.ts). JSON output prints each header and row object on its own line.
 */
import { parseSchemaColumns, renderValue, type SchemaColumn, type ValueType } from './format-value.js';
import { Grid, fitWidths, renderGrid } from './table.js';

export type OutputFormat = 'TABULAR' | 'JSON';

export interface QueryHeader {
  readonly queryId?: string;
  readonly schema: string;
}

export interface QueryRow {
  readonly columns?: readonly unknown[];
  readonly tombstone?: boolean;
}

/** Column width a push query starts with, by type: room for typical values of it. */
function initialWidth(c: SchemaColumn): number {
  const base = c.type.kind === 'OTHER' ? (c.type.name === 'STRING' || c.type.name === 'VARCHAR' ? 20 : c.type.name === 'BIGINT' || c.type.name === 'TIMESTAMP' || c.type.name.startsWith('DECIMAL') ? 16 : 12) : c.type.kind === 'DOUBLE' ? 14 : 30;
  return Math.max(c.name.length, base);
}

export class QueryPrinter {
  private columns: SchemaColumn[] = [];
  private grid?: Grid;
  private readonly rows: string[][] = [];

  constructor(
    private readonly out: (text: string) => void,
    private readonly format: OutputFormat,
    private readonly kind: 'push' | 'pull',
    /** Terminal width, when output goes to a terminal. */
    private readonly terminalColumns?: number,
  ) {}

  header(h: QueryHeader): void {
    this.columns = parseSchemaColumns(h.schema);
    if (this.format === 'JSON') return this.out(JSON.stringify({ header: h }));
    if (this.kind === 'pull') return;
    const names = this.columns.map((c) => c.name);
    this.grid = new Grid(fitWidths(this.columns.map(initialWidth), names, this.terminalColumns));
    this.out(this.grid.header(names));
  }

  row(r: QueryRow): void {
    if (this.format === 'JSON') return this.out(JSON.stringify({ row: r }));
    const cells = r.tombstone ? this.columns.map((_, i) => (i === 0 ? '<TOMBSTONE>' : '')) : this.cells(r.columns ?? []);
    if (this.kind === 'pull') this.rows.push(cells);
    else this.out(this.grid!.row(cells));
  }

  /** The end of the rows: the pull query's grid, or the push query's closing border. */
  finish(): void {
    if (this.format === 'JSON') return;
    if (this.kind === 'pull') {
      if (this.columns.length > 0) this.out(renderGrid(this.columns.map((c) => c.name), this.rows, this.terminalColumns));
    } else if (this.grid) this.out(this.grid.border());
  }

  private cells(values: readonly unknown[]): string[] {
    return values.map((v, i) => renderValue(v, (this.columns[i]?.type ?? { kind: 'OTHER', name: '' }) as ValueType));
  }
}
