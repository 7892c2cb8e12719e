/**
 * The REPL's backend on the embedded engine (`sluice shell`, `sluice run`): statements run as
 * POST /ksql would run them (src/server/ksql-request.ts), queries and PRINT straight on the
 * engine, answered in the REST API's shapes. With `untilCaughtUp` (`sluice run` without
 * --follow), push queries and PRINT stop once they have shown what the topics hold now: persistent
 * queries are drained first, so derived streams and tables are complete.
 */
import type { Engine } from '../src/engine/engine.js';
import { runKsqlRequest } from '../src/server/ksql-request.js';
import { toRestError } from '../src/server/rest-errors.js';
import { schemaText, startTransient } from '../src/server/transient.js';
import type { TransientQueryHandle } from '../src/runtime/transient-query.js';
import type { PrintHandle } from '../src/engine/print.js';
import type { Backend } from './backend.js';
import type { Names } from './completion.js';
import { RestClientError, type QueryCallbacks, type RestErrorBody, type RunningQuery, type SessionState } from './rest-client.js';

export interface EmbeddedBackendOptions {
  /** Stop push queries and PRINT once caught up with the topics (and drain persistent queries first). */
  readonly untilCaughtUp?: boolean;
}

const asClientError = (e: unknown, sql: string): RestClientError => {
  const r = toRestError(e, sql);
  return new RestClientError(r.status, r.body as RestErrorBody);
};

const options = (session: SessionState) => ({ properties: { ...session.properties }, variables: new Map(Object.entries(session.variables)) });

export class EmbeddedBackend implements Backend {
  private sequence = 0;

  constructor(
    readonly engine: Engine,
    private readonly opts: EmbeddedBackendOptions = {},
  ) {}

  get target(): string {
    return `the embedded engine in '${this.engine.dataDir}'`;
  }

  banner(): Promise<string> {
    return Promise.resolve(`Sluice on the embedded log in '${this.engine.dataDir}'. Statements end with ';'. Type 'help' for help, Ctrl-D to exit.`);
  }

  async ksql(statements: string, session: SessionState): Promise<Record<string, unknown>[]> {
    try {
      return await runKsqlRequest(this.engine, { ksql: statements, streamsProperties: session.properties, sessionVariables: session.variables }, { engine: this.engine, nextSequence: () => this.sequence++ });
    } catch (e) {
      throw asClientError(e, statements);
    }
  }

  query(sql: string, session: SessionState, cb: QueryCallbacks): RunningQuery {
    let handle: TransientQueryHandle | undefined;
    let cancelled = false;
    let caughtUp = false;
    const done = (async () => {
      if (this.opts.untilCaughtUp) await this.engine.drain();
      let finished!: () => void;
      let failed!: (e: Error) => void;
      const ended = new Promise<void>((resolve, reject) => {
        finished = resolve;
        failed = reject;
      });
      try {
        // As the server runs it: rows in wire form, held until the header is out.
        handle = await startTransient(this.engine, { sql, ...options(session) }, {
          onStart: (h) => {
            handle = h; // before the held rows and end are delivered
            cb.onHeader({ queryId: h.id, schema: schemaText(h.columns) });
          },
          onRow: (columns) => cb.onRow({ columns }),
          onEnd: (reason) => {
            // Pull queries on tables end without a final message, as over REST.
            if (!(handle?.kind === 'pull' && handle.sourceType === 'TABLE')) cb.onFinal(reason);
            finished();
          },
          onError: (e) => failed(asClientError(e, sql)),
          onCaughtUp: () => {
            if (!this.opts.untilCaughtUp) return;
            caughtUp = true;
            void handle?.close();
          },
        });
      } catch (e) {
        throw asClientError(e, sql);
      }
      if (cancelled || caughtUp) void handle.close();
      await ended;
    })();
    return {
      done,
      cancel: () => {
        cancelled = true;
        void handle?.close();
      },
    };
  }

  print(sql: string, session: SessionState, onLine: (line: string) => void): RunningQuery {
    let handle: PrintHandle | undefined;
    let cancelled = false;
    let caughtUp = false;
    const done = (async () => {
      if (this.opts.untilCaughtUp) await this.engine.drain();
      let failure: Error | undefined;
      try {
        handle = await this.engine.printTopic(
          sql,
          {
            onFormat: onLine,
            onRecord: onLine,
            onEnd: () => undefined,
            onError: (e) => {
              failure = e;
            },
            onCaughtUp: () => {
              if (!this.opts.untilCaughtUp) return;
              caughtUp = true;
              void handle?.close();
            },
          },
          options(session),
        );
      } catch (e) {
        throw asClientError(e, sql);
      }
      if (cancelled || caughtUp) void handle.close();
      await handle.done;
      if (failure) throw asClientError(failure, sql);
    })();
    return {
      done,
      cancel: () => {
        cancelled = true;
        void handle?.close();
      },
    };
  }

  names(): Promise<Names> {
    const sources = this.engine.metastore.listSources();
    const columns = new Set<string>();
    for (const s of sources) for (const c of [...s.schema.key, ...s.schema.value]) columns.add(c.name);
    const f = this.engine.functions;
    const functions = [...f.listScalars(), ...f.listTables(), ...f.listAggregates()].map((x) => x.name);
    return Promise.resolve({ sources: sources.map((s) => s.name), columns: [...columns], functions });
  }
}
