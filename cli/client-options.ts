/**
 * The CLI's connection options (ksqlDB CLI: -u/--user, -p/--password; Sluice: --ca, --cert,
 * --key for https:// servers): read the files, ask for the password when only the user is given
 * (without echo on a terminal, else the first line of stdin), and check the credentials once
 * before an interactive session, so a refusal is reported as such.
 */
import { readFileSync } from 'node:fs';
import { RestClientError, type RestClient, type RestClientOptions } from './rest-client.js';
import { readPassword } from './password-prompt.js';

export interface ConnectionFlags {
  readonly user?: string;
  readonly password?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export async function clientOptions(flags: ConnectionFlags): Promise<RestClientOptions> {
  if (flags.password !== undefined && flags.user === undefined) throw new Error('--password needs --user');
  const file = (flag: string, path: string | undefined) => {
    if (path === undefined) return {};
    try {
      return { [flag]: readFileSync(path) };
    } catch (e) {
      throw new Error(`--${flag}: cannot read '${path}': ${(e as Error).message}`);
    }
  };
  const password = flags.user !== undefined ? (flags.password ?? (await readPassword('Password: '))) : undefined;
  return { ...(flags.user !== undefined ? { user: flags.user, password: password! } : {}), ...file('ca', flags.ca), ...file('cert', flags.cert), ...file('key', flags.key) };
}

/** Before an interactive session: the message of a 401/403 from /info, or undefined. */
export async function accessProblem(client: RestClient): Promise<string | undefined> {
  try {
    await client.get('/info');
    return undefined;
  } catch (e) {
    if (!(e instanceof RestClientError) || (e.status !== 401 && e.status !== 403)) return undefined; // unreachable: the REPL says so
    const hint = e.status === 401 ? (client.options.user === undefined ? ' (the server requires authentication: use --user)' : ' (wrong user or password)') : ' (the user has none of the roles the server admits)';
    return `${e.body.message}${hint}`;
  }
}
