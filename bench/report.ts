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
  /** Kafka cases: seconds from the query's start to its first output. */
  readonly firstOutputSeconds?: number | null;
  /** Kafka cases: the same-run Kafka Streams figures (medians over --repeat runs) and Sluice/Kafka Streams. */
  readonly kstreamsPerSec?: number | null;
  readonly kstreamsFirstOutputSeconds?: number | null;
  readonly kstreamsRatio?: number | null;
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
      ...(r.firstOutputSeconds !== undefined ? { firstOutputSeconds: r.firstOutputSeconds === null ? null : round(r.firstOutputSeconds, 2) } : {}),
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

/** One Kafka case beside Kafka Streams: medians of the alternating runs. */
export interface KafkaComparison {
  readonly name: string;
  readonly runs: number;
  readonly sluicePerSec: readonly number[];
  readonly sluiceFirstOutput: readonly (number | null)[];
  readonly kstreamsPerSec: readonly number[];
  readonly kstreamsFirstOutput: readonly (number | null)[];
  readonly note: string | null;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const present = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null);

/** The medians as a row's Kafka Streams fields. */
export function comparisonFields(c: KafkaComparison): Pick<BenchRow, 'recordsPerSec' | 'firstOutputSeconds' | 'kstreamsPerSec' | 'kstreamsFirstOutputSeconds' | 'kstreamsRatio'> {
  const s = median(c.sluicePerSec);
  const k = median(c.kstreamsPerSec);
  const sf = median(present(c.sluiceFirstOutput));
  const kf = median(present(c.kstreamsFirstOutput));
  return {
    recordsPerSec: s === null ? null : Math.round(s),
    firstOutputSeconds: sf === null ? null : round(sf, 2),
    kstreamsPerSec: k === null ? null : Math.round(k),
    kstreamsFirstOutputSeconds: kf === null ? null : round(kf, 2),
    kstreamsRatio: s !== null && k !== null && k > 0 ? round(s / k, 2) : null,
  };
}

export function formatComparisons(cs: readonly KafkaComparison[]): string {
  if (cs.length === 0) return '';
  const header = ['Kafka case', 'runs', 'Sluice rec/s', 'first out s', 'Kafka Streams rec/s', 'first out s', 'ratio'];
  const sec = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(2));
  const lines = cs.map((c) => {
    const f = comparisonFields(c);
    return [c.name, String(c.runs), fmt(f.recordsPerSec), sec(f.firstOutputSeconds), fmt(f.kstreamsPerSec ?? null), sec(f.kstreamsFirstOutputSeconds), f.kstreamsRatio == null ? '-' : f.kstreamsRatio.toFixed(2)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = ['', 'Sluice on Kafka beside Kafka Streams 3.9 (1 stream thread), same broker and topic, runs alternating, medians:', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(line)];
  const notes = cs.filter((c) => c.note !== null).map((c) => `  ${c.name}: ${c.note}`);
  if (notes.length > 0) out.push(...notes);
  return out.join('\n');
}
