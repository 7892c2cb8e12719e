/**
 * The part of a request/response the handlers use, common to node:http (HTTP/1.1) and the
 * node:http2 compatibility API, so one set of handlers serves both protocols.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export type HttpRequest = Readable & {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion: string;
};

export interface HttpResponse {
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  write(chunk: string | Buffer): boolean;
  end(chunk?: string): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  readonly writableEnded: boolean;
  readonly headersSent: boolean;
  /** Present on both; flushes headers without a body yet. */
  flushHeaders?(): void;
}
