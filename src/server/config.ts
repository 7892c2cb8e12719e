/**
 * Server configuration file: JSON (`{"listeners": "...", "ksql.service.id": "..."}`) or Java
 * properties (`key=value` lines, `#`/`!` comments), as ksqlDB's ksql-server.properties.
 * Recognised keys: `listeners` (http:// and https:// URLs, listeners.ts; the first gives host and
 * port), `sluice.data.dir` (or `data.dir`), `sluice.ws.max.buffered.bytes`; every other key is an
 * engine property (`ksql.streams.auto.offset.reset` is read as `auto.offset.reset`), and the
 * security keys (`authentication.*`, `ssl.*`, `access.control.*`) are read from them by
 * security-config.ts.
 */
import { readFileSync } from 'node:fs';
import { parseListeners, type Listener } from './listeners.js';

export interface ServerConfig {
  host?: string;
  port?: number;
  listeners?: Listener[];
  dataDir?: string;
  maxBufferedBytes?: number;
  properties: Record<string, string>;
}

export function parseConfigText(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const o = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
  }
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function configFromEntries(entries: Record<string, string>): ServerConfig {
  const config: ServerConfig = { properties: {} };
  for (const [key, value] of Object.entries(entries)) {
    switch (key) {
      case 'listeners': {
        config.listeners = parseListeners(value);
        config.host = config.listeners[0]!.host;
        config.port = config.listeners[0]!.port;
        break;
      }
      case 'sluice.data.dir':
      case 'data.dir':
        config.dataDir = value;
        break;
      case 'sluice.ws.max.buffered.bytes':
        config.maxBufferedBytes = Number(value);
        break;
      case 'ksql.streams.auto.offset.reset':
        config.properties['auto.offset.reset'] = value;
        break;
      default:
        config.properties[key] = value;
    }
  }
  return config;
}

export function loadConfigFile(path: string): ServerConfig {
  return configFromEntries(parseConfigText(readFileSync(path, 'utf8')));
}
