/**
 * Pull queries on a table whose partitions are split between servers (Kafka, several servers with
 * one service id): rows another server owns are fetched from it, as ksqlDB forwards a pull query
 * to the host that owns the key. The peer is asked over its own REST API (/query-stream,
 * delimited) with `x-sluice-pull-local`, so it answers from its local state and does not forward
 * again; rows come back already in wire form.
 *
 * Security, as ksqlDB's inter-node client: the caller's `Authorization` header goes along (the
 * peer authenticates the same user), and an https:// peer is reached with this server's TLS
 * settings (its trust store to verify the peer, its key store as client certificate).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { ExecutionError } from '../errors.js';

export const LOCAL_ONLY_HEADER = 'x-sluice-pull-local';
const FORWARD_TIMEOUT_MS = 10_000;

export interface ForwardRequest {
  readonly sql: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly variables: ReadonlyMap<string, string>;
  /** The caller's credentials and this server's TLS client settings. */
  readonly forward?: ForwardContext;
}

export interface ForwardContext {
  readonly authorization?: string | undefined;
  readonly tls?: ConnectionOptions | undefined;
}

// Keep-alive connections to peers, one pool per TLS configuration (a server has one).
const httpAgent = new HttpAgent({ keepAlive: true });
const defaultHttpsAgent = new HttpsAgent({ keepAlive: true });
const httpsAgents = new WeakMap<ConnectionOptions, HttpsAgent>();

function httpsAgent(tls: ConnectionOptions | undefined): HttpsAgent {
  if (!tls) return defaultHttpsAgent;
  let a = httpsAgents.get(tls);
  if (!a) httpsAgents.set(tls, (a = new HttpsAgent({ ...tls, keepAlive: true })));
  return a;
}

/** Rows of the pull query as answered by the server at `url` from its own partitions. */
export async function fetchRemoteRows(url: string, req: ForwardRequest): Promise<unknown[][]> {
  let text: string;
  try {
    const res = await post(new URL('/query-stream', url), JSON.stringify({ sql: req.sql, properties: req.properties, sessionVariables: Object.fromEntries(req.variables) }), req.forward);
    text = res.text;
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}: ${text.trim()}`);
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

function post(url: URL, body: string, ctx: ForwardContext | undefined): Promise<{ status: number; text: string }> {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    accept: 'application/vnd.ksqlapi.delimited.v1',
    'content-length': Buffer.byteLength(body),
    [LOCAL_ONLY_HEADER]: 'true',
  };
  if (ctx?.authorization !== undefined) headers['authorization'] = ctx.authorization;
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const options = { method: 'POST', headers, agent: https ? httpsAgent(ctx?.tls) : httpAgent, signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) };
    const r = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    r.on('error', reject);
    r.end(body);
  });
}
