/** Compatibility levels as Confluent Schema Registry applies them when a new version is registered. */
import type { CompatibilityLevel } from './registry.js';
import type { SchemaCatalog, SchemaText } from './schema.js';
import { schemaTypeSupport } from './schema-types.js';

/**
 * Why `candidate` may not follow `previous` (the subject's live versions, oldest first) under
 * `level`; empty when it may. BACKWARD: the new schema reads data of the latest; FORWARD: the
 * latest reads data of the new one; FULL: both; *_TRANSITIVE: against every version, not the latest.
 */
export function compatibilityProblems(level: CompatibilityLevel, candidate: SchemaText, previous: readonly SchemaText[], catalog: SchemaCatalog): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const old of against) {
    if (old.schemaType !== candidate.schemaType) {
      problems.push(`Incompatible schema type: ${candidate.schemaType} after ${old.schemaType}`);
      continue;
    }
    const support = schemaTypeSupport(candidate.schemaType);
    if (backward) problems.push(...support.backwardProblems(candidate, old, catalog));
    if (forward) problems.push(...support.backwardProblems(old, candidate, catalog));
  }
  return problems;
}
