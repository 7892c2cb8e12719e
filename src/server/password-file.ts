/**
 * The password file of HTTP Basic authentication, in the format of Jetty's PropertyFileLoginModule
 * that ksqlDB documents, one user a line:
 *
 *   <user>: <credential>[,<role>...]        # and `#` / `!` comment lines
 *
 * Sluice accepts only salted scrypt hashes as the credential:
 *
 *   SCRYPT:<N>:<r>:<p>:<salt, base64url>:<derived key, base64url>
 *
 * (`sluice user add` writes them). Jetty's other forms — a plain password, `OBF:`, `MD5:` (unsalted)
 * and `CRYPT:` (DES crypt) — are refused with the line number when the file is loaded, so a weak
 * or clear-text password is never silently accepted.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordEntry {
  readonly user: string;
  readonly hash: ScryptHash;
  readonly roles: readonly string[];
}

export interface ScryptHash {
  readonly kind: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Parameters of new hashes: N=2^14, r=8, p=1 (16 MiB, a few tens of ms); stored in each hash. */
export const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

export class PasswordFileError extends Error {}

const WEAK_PREFIXES = ['OBF:', 'MD5:', 'CRYPT:'] as const;

/** Parses the file's text; throws PasswordFileError naming the line of any entry it cannot accept. */
export function parsePasswordFile(text: string, source = 'password file'): Map<string, PasswordEntry> {
  const users = new Map<string, PasswordEntry>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const entry = parseLine(lines[i]!, `${source}, line ${i + 1}`);
    if (entry) users.set(entry.user, entry);
  }
  return users;
}

function parseLine(raw: string, where: string): PasswordEntry | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('#') || line.startsWith('!')) return undefined;
  // Java properties: the key ends at the first '=' or ':' (user names cannot hold ':' in Basic auth).
  const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
  if (!m) throw new PasswordFileError(`${where}: expected '<user>: <password hash>[,<role>...]'`);
  const user = m[1]!;
  const [credential = '', ...roles] = m[2]!.split(',').map((s) => s.trim());
  const hash = parseHash(credential);
  if (!hash) {
    const prefix = WEAK_PREFIXES.find((p) => credential.toUpperCase().startsWith(p));
    const what = prefix ? `a ${prefix.slice(0, -1)} password` : 'a plain-text password';
    throw new PasswordFileError(`${where}: user '${user}' has ${what}; only SCRYPT hashes are accepted. Set it again with: sluice user add --file <file> ${user}`);
  }
  return { user, hash, roles: roles.filter((r) => r !== '') };
}

export function parseHash(credential: string): ScryptHash | undefined {
  const parts = credential.split(':');
  if (parts.length !== 6 || parts[0]!.toUpperCase() !== 'SCRYPT') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || (N & (N - 1)) !== 0) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { kind: 'scrypt', N, r, p, salt, key };
}

export function formatHash(h: ScryptHash): string {
  return `SCRYPT:${h.N}:${h.r}:${h.p}:${h.salt.toString('base64url')}:${h.key.toString('base64url')}`;
}

export function formatEntry(e: PasswordEntry): string {
  return `${e.user}: ${[formatHash(e.hash), ...e.roles].join(',')}`;
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyBytes: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; allow that (plus slack) whatever the stored parameters are.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<ScryptHash> {
  const { N, r, p, saltBytes, keyBytes } = SCRYPT_DEFAULTS;
  const salt = randomBytes(saltBytes);
  return { kind: 'scrypt', N, r, p, salt, key: await derive(password, salt, N, r, p, keyBytes) };
}

/** Whether the password matches the hash (constant-time comparison of the derived keys). */
export async function verifyPassword(password: string, h: ScryptHash): Promise<boolean> {
  const key = await derive(password, h.salt, h.N, h.r, h.p, h.key.length);
  return timingSafeEqual(key, h.key);
}

/** A hash no password matches, verified for unknown users so their answer takes as long. */
export const DUMMY_HASH: ScryptHash = {
  kind: 'scrypt',
  N: SCRYPT_DEFAULTS.N,
  r: SCRYPT_DEFAULTS.r,
  p: SCRYPT_DEFAULTS.p,
  salt: Buffer.alloc(SCRYPT_DEFAULTS.saltBytes),
  key: Buffer.alloc(SCRYPT_DEFAULTS.keyBytes),
};
