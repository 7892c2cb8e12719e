/**
 * PRINT over WebSocket (/ws/query), as ksqlDB serves it: one text frame per record, the record's
 * line as a JSON string (`"rowtime: ..., key: ..., value: ..., partition: 0"`), no format lines;
 * the socket is closed with 1000 "done" at LIMIT. An unknown topic fails the request with ksqlDB's
 * message ("Topic does not exist, or KSQL does not have permission to list the topic: t").
 */
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/engine.js';
import { TopicNotFoundError, type PrintHandle } from '../engine/print.js';
import { ERROR_CODES, RestError } from './rest-errors.js';
import type { PrintRequest } from './print-routes.js';

export interface WsPrint {
  /** The client cancelled (`{"cancel": true}`) or went away. */
  cancel(): void;
}

/**
 * Starts printing to `ws`; rejects before any frame when the statement or topic is wrong.
 * `close` closes the socket (with a grace period for the handshake).
 */
export async function printOverWebSocket(
  engine: Engine,
  ws: WebSocket,
  req: PrintRequest,
  options: { readonly maxBufferedBytes: number; close(code: number, reason: string): void },
): Promise<WsPrint> {
  let handle: PrintHandle | undefined;
  try {
    handle = await engine.printTopic(
      req.sql,
      {
        onFormat: () => undefined,
        onRecord: (line) => {
          if (ws.readyState !== ws.OPEN) return;
          if (ws.bufferedAmount > options.maxBufferedBytes) {
            options.close(1008, `Slow consumer: more than ${options.maxBufferedBytes} bytes waiting to be sent; subscription dropped`);
            void handle?.close();
            return;
          }
          ws.send(JSON.stringify(line));
        },
        onEnd: (reason) => options.close(1000, reason === 'Limit Reached' ? 'done' : reason),
        onError: (e) => options.close(1011, e.message),
      },
      { properties: req.properties, variables: req.variables },
    );
  } catch (e) {
    if (e instanceof TopicNotFoundError) {
      throw RestError.generic(400, ERROR_CODES.BAD_REQUEST, `Topic does not exist, or KSQL does not have permission to list the topic: ${e.topic}`);
    }
    throw e;
  }
  const h = handle;
  ws.on('close', () => void h.close());
  return { cancel: () => void h.close() };
}
