/** Result rows: the JSON shape printed with --json, and the text table. */
import type { ChildResult } from './child.js';

export interface BenchRow {
  readonly name: string;
  readonly records: number | null;
  readonly recordsPerSec: number | null;
  readonly baselineRatio: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly peakRssMb: number | null;
  /** Why the case was skipped or failed, or what looked off; null when it ran cleanly. */
  readonly note: string | null;
}

/** Extra figures for the text table only. */
export interface RowDetail {
  readonly baselinePerSec: number | null;
  readonly outputs: number | null;
  readonly seconds: number | null;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function rowFromChild(r: ChildResult): { row: BenchRow; detail: RowDetail } {
  const ok = r.status === 'ok' && r.records !== null && r.seconds !== null;
  const rps = ok && r.seconds! > 0 ? r.records! / r.seconds! : null;
  const baseRps = ok && r.baselineSeconds !== null && r.baselineSeconds > 0 ? r.records! / r.baselineSeconds : null;
  const prefix = r.status === 'skipped' ? 'skipped: ' : r.status === 'error' ? 'error: ' : '';
  return {
    row: {
      name: r.name,
      records: ok ? r.records : null,
      recordsPerSec: rps === null ? null : Math.round(rps),
      baselineRatio: rps !== null && baseRps !== null ? round(rps / baseRps, 3) : null,
      p50Ms: r.p50Ms ?? null,
      p99Ms: r.p99Ms ?? null,
      peakRssMb: r.peakRssMb === null ? null : round(r.peakRssMb, 1),
      note: r.note === null ? null : prefix + r.note,
    },
    detail: { baselinePerSec: baseRps === null ? null : Math.round(baseRps), outputs: r.outputs, seconds: r.seconds },
  };
}

export function skippedRow(name: string, reason: string): { row: BenchRow; detail: RowDetail } {
  return {
    row: { name, records: null, recordsPerSec: null, baselineRatio: null, p50Ms: null, p99Ms: null, peakRssMb: null, note: 'skipped: ' + reason },
    detail: { baselinePerSec: null, outputs: null, seconds: null },
  };
}

const fmt = (x: number | null): string => (x === null ? '-' : x >= 1000 ? Math.round(x).toLocaleString('en-US') : String(x));

export function formatTable(rows: readonly { row: BenchRow; detail: RowDetail }[]): string {
  const header = ['case', 'records', 'outputs', 'seconds', 'records/s', 'baseline/s', 'ratio', 'p50 ms', 'p99 ms', 'peak RSS MB'];
  const lines = rows.map(({ row, detail }) => [
    row.name,
    fmt(row.records),
    fmt(detail.outputs),
    detail.seconds === null ? '-' : detail.seconds.toFixed(2),
    fmt(row.recordsPerSec),
    fmt(detail.baselinePerSec),
    row.baselineRatio === null ? '-' : row.baselineRatio.toFixed(2),
    fmt(row.p50Ms),
    fmt(row.p99Ms),
    fmt(row.peakRssMb),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(line)];
  const notes = rows.filter((r) => r.row.note !== null).map((r) => `  ${r.row.name}: ${r.row.note}`);
  if (notes.length > 0) out.push('', 'Notes:', ...notes);
  return out.join('\n');
}
