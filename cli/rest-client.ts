/**
 * A small client of the ksqlDB REST API (HTTP/1.1) for the CLI: /ksql for statements and a
 * streaming /query for SELECT. Works against Sluice and ksqlDB alike. With credentials it sends
 * HTTP Basic authentication; an https:// server is verified against the system CAs,
 * NODE_EXTRA_CA_CERTS and the `ca` option.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface RestClientOptions {
  /** HTTP Basic credentials (ksqlDB CLI's --user / --password). */
  readonly user?: string;
  readonly password?: string;
  /** PEM CA certificate(s) to trust besides the system's (--ca). */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key, for servers with ssl.client.authentication (--cert / --key). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

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
  constructor(
    public server: string,
    public options: RestClientOptions = {},
  ) {}

  /** Request options: method, headers with the credentials, TLS settings for https. */
  private requestOptions(url: URL, method: string, headers: OutgoingHttpHeaders): RequestOptions & { ca?: (string | Buffer)[]; cert?: string | Buffer; key?: string | Buffer } {
    const o = this.options;
    const auth = o.user !== undefined ? { authorization: `Basic ${Buffer.from(`${o.user}:${o.password ?? ''}`).toString('base64')}` } : {};
    const tls = url.protocol === 'https:' ? { ...(o.ca !== undefined ? { ca: [...rootCertificates, o.ca] } : {}), ...(o.cert !== undefined ? { cert: o.cert } : {}), ...(o.key !== undefined ? { key: o.key } : {}) } : {};
    return { method, headers: { ...headers, ...auth }, ...tls };
  }

  private request(url: URL, method: string, headers: OutgoingHttpHeaders, onResponse: (res: IncomingMessage) => void): ClientRequest {
    return (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, this.requestOptions(url, method, headers), onResponse);
  }

  private send(path: string, body: unknown, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void): ClientRequest {
    const url = new URL(path, this.server);
    const text = JSON.stringify(body);
    const req = this.request(url, 'POST', { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json', 'content-length': Buffer.byteLength(text) }, onResponse);
    req.on('error', onError);
    req.end(text);
    return req;
  }

  async get(path: string): Promise<unknown> {
    const url = new URL(path, this.server);
    return new Promise((resolve, reject) => {
      const req = this.request(url, 'GET', {}, (res) => {
        readAll(res).then((t) => {
          let body: unknown;
          try {
            body = JSON.parse(t);
          } catch (e) {
            return reject(e);
          }
          // A refusal (401 without or with wrong credentials, 403) is an error, not a body.
          if ((res.statusCode ?? 500) >= 400) reject(new RestClientError(res.statusCode ?? 500, body as RestErrorBody));
          else resolve(body);
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
    return this.queryLines(sql, session, (line) => {
      if (line.trim() !== '') onLine(line);
    });
  }

  /** POST /query, streamed: callbacks per element of the response array. */
  query(sql: string, session: SessionState, cb: QueryCallbacks): RunningQuery {
    return this.queryLines(sql, session, (line) => {
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
    });
  }

  /** POST /query, its response read line by line as it arrives; `onLine` throwing ends the query with that error. */
  private queryLines(sql: string, session: SessionState, onLine: (line: string) => void): RunningQuery {
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
