/**
 * The function registry: every built-in scalar and table function by upper-case name.
 * Function modules export arrays of descriptors; `src/functions/scalar/index.ts` gathers them.
 */
import type { ScalarFunction, TableFunction } from './types.js';
import { allScalarFunctions } from './scalar/index.js';
import { allTableFunctions } from './table/index.js';
import type { AggregateFunction } from './aggregate/types.js';
import { allAggregateFunctions } from './aggregate/index.js';

export class FunctionRegistry {
  private readonly scalars = new Map<string, ScalarFunction>();
  private readonly tables = new Map<string, TableFunction>();
  private readonly aggregates = new Map<string, AggregateFunction>();

  constructor(scalars: readonly ScalarFunction[] = [], tables: readonly TableFunction[] = [], aggregates: readonly AggregateFunction[] = []) {
    for (const f of scalars) this.addScalar(f);
    for (const f of tables) this.addTable(f);
    for (const f of aggregates) this.addAggregate(f);
  }

  addAggregate(f: AggregateFunction): void {
    const existing = this.aggregates.get(f.name);
    this.aggregates.set(f.name, existing ? { ...existing, overloads: [...existing.overloads, ...f.overloads] } : f);
  }

  aggregate(name: string): AggregateFunction | undefined {
    return this.aggregates.get(name.toUpperCase());
  }

  listAggregates(): AggregateFunction[] {
    return [...this.aggregates.values()];
  }

  addScalar(f: ScalarFunction): void {
    const existing = this.scalars.get(f.name);
    // Several modules may contribute overloads of one name: merge them.
    this.scalars.set(f.name, existing ? { ...existing, overloads: [...existing.overloads, ...f.overloads] } : f);
  }

  addTable(f: TableFunction): void {
    this.tables.set(f.name, f);
  }

  scalar(name: string): ScalarFunction | undefined {
    return this.scalars.get(name.toUpperCase());
  }

  table(name: string): TableFunction | undefined {
    return this.tables.get(name.toUpperCase());
  }

  listScalars(): ScalarFunction[] {
    return [...this.scalars.values()];
  }

  listTables(): TableFunction[] {
    return [...this.tables.values()];
  }
}

let builtins: FunctionRegistry | undefined;
/** The registry of all built-in functions (created once). */
export function builtinFunctions(): FunctionRegistry {
  return (builtins ??= new FunctionRegistry(allScalarFunctions, allTableFunctions, allAggregateFunctions));
}
