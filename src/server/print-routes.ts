/**
 * PRINT over the HTTP endpoints, in ksqlDB's shapes:
 *   - /query: plain text lines, the `Key format:` / `Value format:` lines before the records they
 *     describe, an empty line when a second passes without records; the response ends at LIMIT.
 *     An unknown topic is a 400 (40000) naming topics that differ only in case.
 *   - /query-stream: one record per line, nothing else (only the delimited media type: 406 when
 *     JSON is asked for); an unknown topic is a 400 (40001) "Topic does not exist: <topic>".
 * (WebSocket: ws-print.ts.)
 */
import type { Engine } from '../engine/engine.js';
import { TopicNotFoundError, type PrintHandle } from '../engine/print.js';
import type { HttpResponse } from './http-types.js';
import { ERROR_CODES, RestError, toRestError } from './rest-errors.js';

export interface PrintRequest {
  readonly sql: string;
  readonly properties: Record<string, string>;
  readonly variables: Map<string, string>;
}

/** Lets the server end a running PRINT on shutdown. */
export type TrackPrint = (entry: { shutdown(): void }) => () => void;

const PRINT_START = /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*print\b/i;

/** Whether a query request is a PRINT statement (a cheap look before parsing). */
export function isPrintRequest(sql: string): boolean {
  return PRINT_START.test(sql);
}

const TEXT = 'text/plain; charset=utf-8';

export async function printOverQuery(engine: Engine, req: PrintRequest, res: HttpResponse, track: TrackPrint): Promise<void> {
  await serve(engine, req, res, track, 'query');
}

export async function printOverQueryStream(engine: Engine, req: PrintRequest, res: HttpResponse, track: TrackPrint, acceptsJsonOnly: boolean): Promise<void> {
  if (acceptsJsonOnly) {
    throw RestError.generic(406, 40600, 'PRINT is only served over /query-stream as application/vnd.ksqlapi.delimited.v1.');
  }
  await serve(engine, req, res, track, 'query-stream');
}

async function serve(engine: Engine, req: PrintRequest, res: HttpResponse, track: TrackPrint, endpoint: 'query' | 'query-stream'): Promise<void> {
  // Records may arrive before printTopic's promise settles here: the head goes with the first write.
  let head = false;
  const writeHead = () => {
    if (head) return;
    head = true;
    res.writeHead(200, { 'content-type': endpoint === 'query' ? TEXT : 'application/vnd.ksqlapi.delimited.v1' });
  };
  const write = (text: string) => {
    writeHead();
    if (!res.writableEnded) res.write(text);
  };
  const finish = (text?: string) => {
    writeHead();
    if (!res.writableEnded) res.end(text);
  };
  let handle: PrintHandle;
  try {
    handle = await engine.printTopic(
      req.sql,
      {
        onFormat: (line) => {
          if (endpoint === 'query') write(line + '\n');
        },
        onRecord: (line) => write(line + '\n'),
        onIdle: () => {
          if (endpoint === 'query') write('\n');
        },
        onEnd: () => finish(),
        onError: (e) => finish(e.message + '\n'),
      },
      { properties: req.properties, variables: req.variables },
    );
  } catch (e) {
    if (e instanceof TopicNotFoundError) {
      throw endpoint === 'query'
        ? RestError.generic(400, ERROR_CODES.BAD_REQUEST, e.message)
        : RestError.generic(400, ERROR_CODES.BAD_STATEMENT, `Topic does not exist: ${e.topic}`);
    }
    throw toRestError(e, req.sql);
  }
  if (!head) {
    writeHead();
    res.flushHeaders?.();
  }
  const untrack = track({ shutdown: () => void handle.close() });
  res.on('close', () => void handle.close());
  await handle.done;
  untrack();
  finish();
}
