/**
 * Text tables for the terminal, ksql-CLI style. renderTable sizes its columns to the data
 * (entities, pull query results); Grid draws rows one at a time with widths chosen up front
 * (push queries), wrapping a value longer than its column onto more lines of the same cell so the
 * grid stays aligned. Both narrow their widest columns to fit the terminal when they know its width.
 */

/** Entity tables: ` a | b ` rows between dashed lines, each column as wide as its widest cell. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => ' ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' ';
  const sep = '-'.repeat(widths.reduce((a, w) => a + w + 3, -1) + 2);
  return [sep, line(headers), sep, ...rows.map(line), sep].join('\n');
}

/** Width of a line of `widths` columns: `| a | b |`. */
const gridWidth = (widths: readonly number[]) => widths.reduce((a, w) => a + w + 3, 1);

/**
 * Narrows the widest columns (never below `floor`, nor a header's length when it fits) until the
 * grid fits `columns` characters; unchanged when `columns` is unknown.
 */
export function fitWidths(widths: readonly number[], headers: readonly string[], columns: number | undefined, floor = 8): number[] {
  const out = [...widths];
  if (columns === undefined || columns <= 0) return out;
  const min = headers.map((h, i) => Math.min(out[i]!, Math.max(floor, Math.min(h.length, floor * 2))));
  while (gridWidth(out) > columns) {
    let widest = -1;
    for (let i = 0; i < out.length; i++) if (out[i]! > min[i]! && (widest < 0 || out[i]! > out[widest]!)) widest = i;
    if (widest < 0) break;
    out[widest]!--;
  }
  return out;
}

/** A cell's text cut into lines of at most `width` characters (its own line breaks kept). */
export function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const part of text.split(/\r?\n/)) {
    let rest = part;
    while (rest.length > width) {
      // Break after the last space that fits, else mid-word.
      const space = rest.lastIndexOf(' ', width);
      const cut = space > 0 ? space + 1 : width;
      lines.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut);
    }
    lines.push(rest);
  }
  return lines;
}

/** A `+---+` bordered grid drawn one row at a time. */
export class Grid {
  constructor(readonly widths: readonly number[]) {}

  border(): string {
    return '+' + this.widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  }

  /** A row: one or more lines, cells wrapped to their column. */
  row(cells: readonly string[]): string {
    const wrapped = this.widths.map((w, i) => wrapCell(cells[i] ?? '', w));
    const height = Math.max(1, ...wrapped.map((l) => l.length));
    const lines: string[] = [];
    for (let l = 0; l < height; l++) lines.push('|' + this.widths.map((w, i) => ` ${(wrapped[i]![l] ?? '').padEnd(w)} `).join('|') + '|');
    return lines.join('\n');
  }

  /** Header lines between borders. */
  header(names: readonly string[]): string {
    return [this.border(), this.row(names), this.border()].join('\n');
  }
}

/** A whole result as a grid sized to its data (then fitted to the terminal). */
export function renderGrid(headers: readonly string[], rows: readonly (readonly string[])[], columns?: number): string {
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.max(0, ...(r[i] ?? '').split(/\r?\n/).map((l) => l.length)))));
  const grid = new Grid(fitWidths(natural, headers, columns));
  return [grid.header(headers), ...rows.map((r) => grid.row(r)), grid.border()].join('\n');
}
