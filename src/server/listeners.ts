/**
 * ksqlDB's `listeners`: a comma-separated list of `http://host:port` and `https://host:port`
 * URLs. Each is one listening socket; all serve the same API (HTTP/1.1, h2c or h2 over TLS,
 * WebSocket). Port 0 picks a free port.
 */
export interface Listener {
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

export function parseListeners(value: string): Listener[] {
  const out: Listener[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    let u: URL;
    try {
      u = new URL(part);
    } catch {
      throw new Error(`listeners: '${part}' is not a URL (expected http://host:port or https://host:port)`);
    }
    const scheme = u.protocol.slice(0, -1).toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') throw new Error(`listeners: '${part}' must start with http:// or https://`);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    out.push({ scheme, host, port: u.port === '' ? 8088 : Number(u.port) });
  }
  if (out.length === 0) throw new Error('listeners: no listener URL given');
  return out;
}

/** `scheme://host:port`, with a wildcard bind address replaced by the loopback address. */
export function listenerUrl(scheme: 'http' | 'https', address: string, port: number, family?: string): string {
  const host = family === 'IPv6' || address.includes(':') ? (address === '::' ? '[::1]' : `[${address}]`) : address === '0.0.0.0' ? '127.0.0.1' : address;
  return `${scheme}://${host}:${port}`;
}
