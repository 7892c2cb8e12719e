/** Text rendering of the embedded engine's statement results: as the REST entities they become, rendered as the CLI renders those. */
import type { Engine, StatementResult } from '../src/engine/engine.js';
import { toEntity } from '../src/server/entities.js';
import { renderEntity } from './format-entity.js';

export function renderResult(r: StatementResult, engine: Engine): string {
  const entity = toEntity(r, { engine, nextSequence: () => 0 });
  return entity ? renderEntity(entity) : '';
}
