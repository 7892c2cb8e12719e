/**
 * A small client of the ksqlDB REST API (HTTP/1.1) for the CLI: /ksql for statements and a
 * streaming /query for SELECT. Works against Sluice and ksqlDB alike.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface SessionState {
  readonly properties: Readonly<Record<string, string>>;
  readonly variables: Readonly<Record<string, string>>;
}

export interface RestErrorBody {
  readonly '@type'?: string;
  readonly error_code?: number;
  readonly message: string;
  readonly statementText?: string;
  readonly entities?: readonly Record<string, unknown>[];
}

export class RestClientError extends Error {
  constructor(
    readonly status: number,
    readonly body: RestErrorBody,
  ) {
    super(body.message);
  }
}

export interface QueryCallbacks {
  onHeader(header: { queryId?: string; schema: string }): void;
  onRow(row: { columns?: unknown[]; tombstone?: boolean }): void;
  onFinal(message: string): void;
}

/** A running /query request: `done` resolves when the response ends; `cancel()` aborts it. */
export interface RunningQuery {
  readonly done: Promise<void>;
  cancel(): void;
}

export class RestClient {
  constructor(public server: string) {}

  private send(path: string, body: unknown, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void): ClientRequest {
    const url = new URL(path, this.server);
    const text = JSON.stringify(body);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json', 'content-length': Buffer.byteLength(text) } },
      onResponse,
    );
    req.on('error', onError);
    req.end(text);
    return req;
  }

  async get(path: string): Promise<unknown> {
    const url = new URL(path, this.server);
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET' }, (res) => {
        readAll(res).then((t) => {
          try {
            resolve(JSON.parse(t));
          } catch (e) {
            reject(e);
          }
        }, reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** POST /ksql: the entities, or a RestClientError carrying the server's error body. */
  ksql(statements: string, session: SessionState): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      this.send(
        '/ksql',
        { ksql: statements, streamsProperties: session.properties, sessionVariables: session.variables },
        (res) => {
          readAll(res).then((text) => {
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              return reject(new RestClientError(res.statusCode ?? 500, { message: text || `HTTP ${res.statusCode}` }));
            }
            if ((res.statusCode ?? 500) >= 400) reject(new RestClientError(res.statusCode ?? 500, body as RestErrorBody));
            else resolve(body as Record<string, unknown>[]);
          }, reject);
        },
        reject,
      );
    });
  }

  /** POST /query answered with lines of text (PRINT): each non-empty line as it arrives. */
  stream(sql: string, session: SessionState, onLine: (line: string) => void): RunningQuery {
    let req: ClientRequest | undefined;
    let cancelled = false;
    const done = new Promise<void>((resolve, reject) => {
      req = this.send(
        '/query',
        { ksql: sql, streamsProperties: session.properties, sessionVariables: session.variables },
        (res) => {
          if ((res.statusCode ?? 500) >= 400) {
            readAll(res).then((text) => {
              try {
                reject(new RestClientError(res.statusCode ?? 500, JSON.parse(text) as RestErrorBody));
              } catch {
                reject(new RestClientError(res.statusCode ?? 500, { message: text }));
              }
            }, reject);
            return;
          }
          res.setEncoding('utf8');
          let buffered = '';
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              if (line.trim() !== '') onLine(line);
            }
          });
          res.on('end', () => {
            if (buffered.trim() !== '') onLine(buffered);
            resolve();
          });
          res.on('error', (e) => (cancelled ? resolve() : reject(e)));
          res.on('close', () => {
            if (cancelled) resolve();
          });
          res.on('aborted', () => (cancelled ? resolve() : reject(new Error('The server closed the query'))));
        },
        (e) => (cancelled ? resolve() : reject(e)),
      );
    });
    return {
      done,
      cancel() {
        cancelled = true;
        req?.destroy();
      },
    };
  }

  /** POST /query, streamed: callbacks per element of the response array. */
  query(sql: string, session: SessionState, cb: QueryCallbacks): RunningQuery {
    let req: ClientRequest | undefined;
    let cancelled = false;
    const done = new Promise<void>((resolve, reject) => {
      req = this.send(
        '/query',
        { ksql: sql, streamsProperties: session.properties, sessionVariables: session.variables },
        (res) => {
          if ((res.statusCode ?? 500) >= 400) {
            readAll(res).then((text) => {
              try {
                reject(new RestClientError(res.statusCode ?? 500, JSON.parse(text) as RestErrorBody));
              } catch {
                reject(new RestClientError(res.statusCode ?? 500, { message: text }));
              }
            }, reject);
            return;
          }
          res.setEncoding('utf8');
          let buffered = '';
          const onLine = (line: string) => {
            const item = line.trim().replace(/^\[/, '').replace(/[,\]]$/, '').trim();
            if (item === '' || item === ']') return;
            const o = JSON.parse(item) as Record<string, unknown>;
            if (o['header']) cb.onHeader(o['header'] as { schema: string });
            else if (o['row']) cb.onRow(o['row'] as { columns?: unknown[] });
            else if (typeof o['finalMessage'] === 'string') cb.onFinal(o['finalMessage']);
            else if (o['errorMessage']) {
              const em = o['errorMessage'] as RestErrorBody | string;
              throw new RestClientError(400, typeof em === 'string' ? { message: em } : em);
            } else if (typeof o['message'] === 'string') throw new RestClientError(400, o as unknown as RestErrorBody);
          };
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            try {
              while ((nl = buffered.indexOf('\n')) >= 0) {
                const line = buffered.slice(0, nl);
                buffered = buffered.slice(nl + 1);
                onLine(line);
              }
            } catch (e) {
              req?.destroy();
              reject(e);
            }
          });
          res.on('end', () => {
            try {
              onLine(buffered);
              resolve();
            } catch (e) {
              reject(e);
            }
          });
          res.on('error', (e) => (cancelled ? resolve() : reject(e)));
          res.on('close', () => {
            if (cancelled) resolve();
          });
          res.on('aborted', () => (cancelled ? resolve() : reject(new Error('The server closed the query'))));
        },
        (e) => (cancelled ? resolve() : reject(e)),
      );
    });
    return {
      done,
      cancel() {
        cancelled = true;
        req?.destroy();
      },
    };
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
