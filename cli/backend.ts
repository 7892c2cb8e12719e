/**
 * What the REPL runs statements against: a server over its REST API (RestBackend), or the
 * embedded engine in this process (embedded-backend.ts). Both answer in the REST API's shapes
 * (entities, query header and rows, PRINT lines), so the REPL renders them one way.
 */
import type { Names } from './completion.js';
import { RestClient, type QueryCallbacks, type RunningQuery, type SessionState } from './rest-client.js';

export interface Backend {
  /** The first line of an interactive session. */
  banner(): Promise<string>;
  /** Statements other than queries, as /ksql answers them (entities; errors as RestClientError). */
  ksql(statements: string, session: SessionState): Promise<Record<string, unknown>[]>;
  /** A SELECT, streamed. */
  query(sql: string, session: SessionState, cb: QueryCallbacks): RunningQuery;
  /** A PRINT: its lines (format lines and records). */
  print(sql: string, session: SessionState, onLine: (line: string) => void): RunningQuery;
  /** Names to complete: sources, columns, functions. */
  names(): Promise<Names>;
  /** Where statements go, for messages ("Could not connect to ..."). */
  readonly target: string;
}

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export class RestBackend implements Backend {
  readonly client: RestClient;

  constructor(server: string) {
    this.client = new RestClient(server);
  }

  get target(): string {
    return this.client.server;
  }

  async banner(): Promise<string> {
    const info = await this.client.get('/info').catch(() => undefined);
    const version = (info as { KsqlServerInfo?: { version?: string } } | undefined)?.KsqlServerInfo?.version;
    return version ? `Connected to ${this.client.server} (server version ${version}). Type 'help' for help, Ctrl-D to exit.` : `Could not reach ${this.client.server}; statements will fail until it is up.`;
  }

  ksql(statements: string, session: SessionState): Promise<Obj[]> {
    return this.client.ksql(statements, session);
  }

  query(sql: string, session: SessionState, cb: QueryCallbacks): RunningQuery {
    return this.client.query(sql, session, cb);
  }

  print(sql: string, session: SessionState, onLine: (line: string) => void): RunningQuery {
    return this.client.stream(sql, session, onLine);
  }

  /** One request: SHOW FUNCTIONS and the descriptions (with columns) of every stream and table. */
  async names(): Promise<Names> {
    const entities = await this.client.ksql('SHOW FUNCTIONS; DESCRIBE STREAMS; DESCRIBE TABLES;', { properties: {}, variables: {} });
    const sources: string[] = [];
    const columns = new Set<string>();
    const functions: string[] = [];
    for (const e of entities) {
      if (e['@type'] === 'function_names') for (const f of list(e['functions'])) functions.push(String(f['name']));
      if (e['@type'] === 'source_descriptions') {
        for (const d of list(e['sourceDescriptions'])) {
          sources.push(String(d['name']));
          for (const f of list(d['fields'])) columns.add(String(f['name']));
        }
      }
    }
    return { sources, columns: [...columns], functions };
  }
}
