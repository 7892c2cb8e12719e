/**
 * Pull queries on a table whose partitions are split between servers (Kafka, several servers with
 * one service id): rows another server owns are fetched from it, as ksqlDB forwards a pull query
 * to the host that owns the key. The peer is asked over its own REST API (/query-stream,
 * delimited) with `x-sluice-pull-local`, so it answers from its local state and does not forward
 * again; rows come back already in wire form.
 */
import { ExecutionError } from '../errors.js';

export const LOCAL_ONLY_HEADER = 'x-sluice-pull-local';
const FORWARD_TIMEOUT_MS = 10_000;

export interface ForwardRequest {
  readonly sql: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly variables: ReadonlyMap<string, string>;
}

/** Rows of the pull query as answered by the server at `url` from its own partitions. */
export async function fetchRemoteRows(url: string, req: ForwardRequest): Promise<unknown[][]> {
  let text: string;
  try {
    const res = await fetch(new URL('/query-stream', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/vnd.ksqlapi.delimited.v1', [LOCAL_ONLY_HEADER]: 'true' },
      body: JSON.stringify({ sql: req.sql, properties: req.properties, sessionVariables: Object.fromEntries(req.variables) }),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.trim()}`);
  } catch (e) {
    throw new ExecutionError(`Pull query could not reach the server owning part of the table (${url}): ${(e as Error).message}`);
  }
  const rows: unknown[][] = [];
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines.slice(1)) {
    const v = JSON.parse(line) as unknown;
    if (Array.isArray(v)) rows.push(v);
    else if (v !== null && typeof v === 'object' && 'message' in v) throw new ExecutionError(`Pull query failed on ${url}: ${String((v as { message: unknown }).message)}`);
  }
  return rows;
}
