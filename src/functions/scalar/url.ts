/**
 * URL functions. Parsing follows java.net.URI (RFC 2396/3986 syntax, as ksqlDB uses it): an
 * invalid URI is a per-record error; a missing component is NULL. Path, query and fragment are
 * percent-decoded; the host and port are not.
 */
import { T } from '../../types/sql-type.js';
import type { ScalarFunction } from '../types.js';
import { p } from './support.js';

interface ParsedUri {
  readonly scheme: string | null;
  readonly host: string | null;
  readonly port: number | null;
  /** null for opaque URIs such as mailto:x@y. */
  readonly rawPath: string | null;
  readonly rawQuery: string | null;
  readonly rawFragment: string | null;
}

const URI_RE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;
// Characters java.net.URI refuses anywhere (ASCII controls, space and the "unwise" set).
const ILLEGAL_RE = /[\u0000-\u0020"<>\\^`{|}\u007f]/;
const BAD_ESCAPE_RE = /%(?![0-9a-fA-F]{2})/;
const HOST_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*\.?$|^\[[0-9a-fA-F:.]+\]$/;

function invalid(url: string): Error {
  return new Error(`URL input has invalid syntax: ${url}`);
}

function parseUri(url: string): ParsedUri {
  if (url.length === 0 || ILLEGAL_RE.test(url) || BAD_ESCAPE_RE.test(url)) throw invalid(url);
  const colon = url.search(/[:/?#]/);
  if (colon === 0 && url[0] === ':') throw invalid(url);
  const m = URI_RE.exec(url);
  if (!m || (colon >= 0 && url[colon] === ':' && m[1] === undefined)) throw invalid(url);
  if (m[5] !== undefined && m[5].includes('#')) throw invalid(url);
  const scheme = m[1] ?? null;
  const authority = m[2];
  // Opaque: a scheme whose scheme-specific part does not start with '/'.
  if (scheme !== null && authority === undefined && !m[3]!.startsWith('/')) {
    return { scheme, host: null, port: null, rawPath: null, rawQuery: null, rawFragment: m[5] ?? null };
  }
  let host: string | null = null;
  let port: number | null = null;
  if (authority !== undefined && authority.length > 0) {
    const hostPort = authority.substring(authority.lastIndexOf('@') + 1);
    const pm = /^(.*?)(?::(\d*))?$/.exec(hostPort)!;
    // A host that is not a valid server name makes the authority registry-based: no host, no port.
    if (HOST_RE.test(pm[1]!)) {
      host = pm[1]!;
      port = pm[2] ? parseInt(pm[2], 10) : null;
    }
  }
  return { scheme, host, port, rawPath: m[3]!, rawQuery: m[4] ?? null, rawFragment: m[5] ?? null };
}

/** Percent-decoding as java.net.URI does it ('+' stays '+'; escapes are UTF-8). */
function uriDecode(s: string | null): string | null {
  if (s === null || !s.includes('%')) return s;
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** URLEncoder.encode(s, UTF-8): keeps [a-zA-Z0-9.*_-], space -> '+', the rest %XX. */
function urlEncodeParam(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** URLDecoder.decode(s, UTF-8). */
function urlDecodeParam(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  if (BAD_ESCAPE_RE.test(plus)) throw new Error(`URLDecoder: Illegal hex characters in escape (%) pattern: ${s}`);
  return plus.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** The decoded value of a query parameter: "" when present without '=', NULL when absent. */
function extractParameter(url: string, name: string): string | null {
  const query = uriDecode(parseUri(url).rawQuery);
  if (query === null) return null;
  for (const param of query.split('&')) {
    const eq = param.indexOf('=');
    if (eq < 0) {
      if (param === name) return '';
    } else if (param.substring(0, eq) === name) {
      return param.substring(eq + 1);
    }
  }
  return null;
}

const urlFn = (name: string, description: string, returns: typeof T.STRING | typeof T.INTEGER, get: (u: ParsedUri) => unknown): ScalarFunction => ({
  kind: 'scalar',
  name,
  category: 'URL',
  description,
  overloads: [{ params: [p('url', T.STRING)], returns, nullOnNullInput: true, impl: (url: string) => get(parseUri(url)) }],
});

export const urlFunctions: ScalarFunction[] = [
  {
    kind: 'scalar',
    name: 'URL_ENCODE_PARAM',
    category: 'URL',
    description: 'Escapes a value so that it can safely be used in URL query parameters (application/x-www-form-urlencoded).',
    overloads: [{ params: [p('input', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: urlEncodeParam }],
  },
  {
    kind: 'scalar',
    name: 'URL_DECODE_PARAM',
    category: 'URL',
    description: 'Unescapes a URL-parameter-encoded (application/x-www-form-urlencoded) value.',
    overloads: [{ params: [p('input', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: urlDecodeParam }],
  },
  urlFn('URL_EXTRACT_FRAGMENT', 'Extracts the decoded fragment of a URL, or NULL if there is none.', T.STRING, (u) => uriDecode(u.rawFragment)),
  urlFn('URL_EXTRACT_HOST', 'Extracts the host name of a URL, or NULL if there is none.', T.STRING, (u) => u.host),
  urlFn('URL_EXTRACT_PATH', 'Extracts the decoded path of a URL ("" when empty).', T.STRING, (u) => uriDecode(u.rawPath)),
  urlFn('URL_EXTRACT_PORT', 'Extracts the explicit port of a URL, or NULL if there is none.', T.INTEGER, (u) => u.port),
  urlFn('URL_EXTRACT_PROTOCOL', 'Extracts the protocol (scheme) of a URL, or NULL if there is none.', T.STRING, (u) => u.scheme),
  urlFn('URL_EXTRACT_QUERY', 'Extracts the decoded query string of a URL, or NULL if there is none.', T.STRING, (u) => uriDecode(u.rawQuery)),
  {
    kind: 'scalar',
    name: 'URL_EXTRACT_PARAMETER',
    category: 'URL',
    description: 'Extracts the decoded value of a query parameter of a URL, or NULL if absent.',
    overloads: [{ params: [p('url', T.STRING), p('parameterName', T.STRING)], returns: T.STRING, nullOnNullInput: true, impl: extractParameter }],
  },
];
