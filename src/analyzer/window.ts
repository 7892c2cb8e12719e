/** WINDOW clauses and durations: sizes, advance, grace (24 hours by default) and retention. */
import type { Duration, WindowSpec } from '../parser/ast.js';
import type { WindowPlan } from './analysis.js';
import { AnalysisError } from '../errors.js';

const DEFAULT_GRACE_MS = 24 * 3600 * 1000;

export function durationMs(d: Duration): number {
  const f = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 }[d.unit];
  return d.value * f;
}

export function windowPlan(w: WindowSpec): WindowPlan {
  const graceMs = w.grace ? durationMs(w.grace) : DEFAULT_GRACE_MS;
  if (w.kind === 'SESSION') {
    const gap = durationMs(w.gap);
    return { kind: 'SESSION', sizeMs: gap, advanceMs: gap, graceMs, retentionMs: w.retention ? durationMs(w.retention) : Math.max(gap + graceMs, 86_400_000) };
  }
  const sizeMs = durationMs(w.size);
  const advanceMs = w.kind === 'HOPPING' ? durationMs(w.advance) : sizeMs;
  if (w.kind === 'HOPPING' && (advanceMs <= 0 || advanceMs > sizeMs)) {
    throw new AnalysisError(`Window advance must be greater than zero and not larger than the window size.`);
  }
  return { kind: w.kind, sizeMs, advanceMs, graceMs, retentionMs: w.retention ? durationMs(w.retention) : Math.max(sizeMs + graceMs, 86_400_000) };
}
