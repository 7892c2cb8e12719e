#!/usr/bin/env node
// Does a Kafka broker answer a Metadata request at HOST:PORT? Exit 0 when it does and lists at least one
// broker, 1 otherwise. Speaks the wire protocol directly (Metadata v1) so it needs no npm package and
// works before `npm ci`. Usage: node scripts/kafka/probe.mjs [host] [port] [timeoutMs]
import net from 'node:net';

const host = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 9092);
const timeoutMs = Number(process.argv[4] ?? 2000);

function metadataRequest(correlationId) {
  const clientId = Buffer.from('sluice-probe');
  // header: api_key=3 (Metadata), api_version=1, correlation_id, client_id; body: topics = null (-1) = all.
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let o = 0;
  o = body.writeInt16BE(3, o);
  o = body.writeInt16BE(1, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  body.writeInt32BE(-1, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Number of brokers in a Metadata v1 response body (after the size prefix), or -1 if malformed. */
function brokerCount(buf, correlationId) {
  if (buf.length < 8 || buf.readInt32BE(0) !== correlationId) return -1;
  return buf.readInt32BE(4);
}

const socket = net.connect({ host, port });
let received = Buffer.alloc(0);
const done = (ok, why) => {
  socket.destroy();
  if (!ok && process.env.PROBE_VERBOSE) console.error(`probe ${host}:${port}: ${why}`);
  process.exit(ok ? 0 : 1);
};
socket.setTimeout(timeoutMs, () => done(false, 'timeout'));
socket.on('error', (e) => done(false, e.message));
socket.on('connect', () => socket.write(metadataRequest(42)));
socket.on('data', (chunk) => {
  received = Buffer.concat([received, chunk]);
  if (received.length < 4) return;
  const size = received.readInt32BE(0);
  if (received.length < 4 + size) return;
  const n = brokerCount(received.subarray(4, 4 + size), 42);
  done(n > 0, `brokers=${n}`);
});
socket.on('end', () => done(false, 'connection closed'));
