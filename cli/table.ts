/** Aligned text tables for the terminal, ksql-CLI style. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => ' ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' ';
  const sep = '-'.repeat(widths.reduce((a, w) => a + w + 3, -1) + 2);
  return [sep, line(headers), sep, ...rows.map(line), sep].join('\n');
}
