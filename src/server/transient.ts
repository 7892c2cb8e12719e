/**
 * Starting a transient query for a client connection. Rows can be produced before
 * Engine.executeQuery has handed back the handle (and with it the column types), so they are held
 * until the handle is known, then converted to wire JSON values and passed on in order.
 */
import type { Engine } from '../engine/engine.js';
import type { EndReason, TransientQueryHandle } from '../runtime/transient-query.js';
import type { Column } from '../types/schema.js';
import { formatType } from '../types/sql-type.js';
import { wireRowConverter } from './wire-values.js';
import { fetchRemoteRows } from './pull-forward.js';

export interface QueryListener {
  /** The query started: columns are known. Called once, before any row. */
  onStart(handle: TransientQueryHandle): void;
  /** One row, already in wire form (JSON values). */
  onRow(row: unknown[]): void;
  onEnd(reason: EndReason): void;
  onError(error: Error): void;
}

export interface QueryRequest {
  readonly sql: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly variables: ReadonlyMap<string, string>;
  /** A peer's forwarded pull query: answer from this server's partitions only. */
  readonly localOnly?: boolean;
}

/**
 * Starts the query; rejects (before onStart) if the statement is invalid. A pull query on a table
 * shared with other servers also gets their rows (fetched first, delivered after the local ones).
 */
export async function startTransient(engine: Engine, req: QueryRequest, listener: QueryListener): Promise<TransientQueryHandle> {
  const route = req.localOnly ? undefined : await engine.pullRoute(req.sql, { properties: req.properties, variables: req.variables });
  const remote = route ? (await Promise.all(route.remote.map((url) => fetchRemoteRows(url, req)))).flat() : [];
  let budget = route?.limit ?? Infinity;
  let convert: ((row: readonly unknown[]) => unknown[]) | undefined;
  let pending: (() => void)[] | undefined = [];
  const deliver = (f: () => void) => (pending ? pending.push(f) : f());
  const handle = await engine.executeQuery(
    req.sql,
    {
      onRow: (values) =>
        deliver(() => {
          budget--;
          listener.onRow(convert!(values));
        }),
      onEnd: (reason) =>
        deliver(() => {
          for (const row of remote) if (budget-- > 0) listener.onRow(row);
          listener.onEnd(reason);
        }),
      onError: (error) => deliver(() => listener.onError(error)),
    },
    { properties: req.properties, variables: req.variables },
  );
  convert = wireRowConverter(handle.columns.map((c) => c.type));
  listener.onStart(handle);
  const queued = pending;
  pending = undefined;
  for (const f of queued) f();
  return handle;
}

/** `/query` header schema text: "`ID` BIGINT KEY, `NAME` STRING" (KEY marks key columns of pull queries on tables). */
export function schemaText(columns: readonly Column[]): string {
  return columns.map((c) => `\`${c.name}\` ${formatType(c.type)}${c.namespace === 'KEY' ? ' KEY' : ''}`).join(', ');
}

/** Column names as /query-stream lists them. */
export function columnNames(columns: readonly Column[]): string[] {
  return columns.map((c) => c.name);
}

export function columnTypes(columns: readonly Column[]): string[] {
  return columns.map((c) => formatType(c.type));
}

