/**
 * A response held in memory and sent in one write with a Content-Length when it ends. Pull queries
 * answer with a few small pieces (header, rows, end): written one by one they cost a chunked-encoding
 * frame and a socket write each, the largest share of a key lookup's server time (profiled at 2,000
 * requests/s).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { HttpResponse } from './http-types.js';

export class BufferedResponse implements HttpResponse {
  private status = 200;
  private headers: OutgoingHttpHeaders = {};
  private readonly parts: string[] = [];
  private ended = false;

  constructor(private readonly res: HttpResponse) {}

  get writableEnded(): boolean {
    return this.ended || this.res.writableEnded;
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    this.status = status;
    this.headers = headers ?? {};
    return this;
  }

  write(chunk: string | Buffer): boolean {
    this.parts.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    return true;
  }

  end(chunk?: string): this {
    if (this.ended) return this;
    this.ended = true;
    if (chunk !== undefined) this.parts.push(chunk);
    const body = this.parts.join('');
    if (!this.res.writableEnded) {
      this.res.writeHead(this.status, { ...this.headers, 'content-length': Buffer.byteLength(body) });
      this.res.end(body);
    }
    return this;
  }

  on(event: 'close' | 'drain', listener: () => void): this {
    this.res.on(event, listener);
    return this;
  }
}
