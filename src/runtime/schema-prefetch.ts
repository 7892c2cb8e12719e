/**
 * Decoding is synchronous, so the schemas records name must be known before a batch runs. With
 * the embedded registry they always are; in front of an external one, the ids of a batch's framed
 * keys and values (of sources in schema-registry formats) are fetched first.
 */
import type { SchemaCatalog } from '../registry/schema.js';
import { schemaFormat } from '../serde/index.js';
import type { LogRecord } from '../storage/log/log.js';
import { sourceSteps, type ExecutionStep } from '../plan/steps.js';

export type SchemaPrefetch = (records: readonly LogRecord[]) => Promise<void>;

/** The prefetch a plan's batches need, or undefined when none does (the common case). */
export function schemaPrefetch(root: ExecutionStep, catalog: SchemaCatalog): SchemaPrefetch | undefined {
  const prefetch = catalog.prefetch?.bind(catalog);
  if (!prefetch) return undefined;
  const keys = new Set<string>();
  const values = new Set<string>();
  for (const s of sourceSteps(root)) {
    if (s.kind === 'pullSourceV1') continue;
    if (schemaFormat(s.formats.keyFormat)?.schemaType !== undefined) keys.add(s.topic);
    if (schemaFormat(s.formats.valueFormat)?.schemaType !== undefined) values.add(s.topic);
  }
  if (keys.size === 0 && values.size === 0) return undefined;
  return (records) =>
    prefetch(
      records.filter((r) => keys.has(r.topic)).map((r) => r.key),
      records.filter((r) => values.has(r.topic)).map((r) => r.value),
    );
}
