/**
 * `sluice user add --file F NAME [--role R]...` and `sluice user remove --file F NAME`: the
 * password file of `authentication.method=BASIC` (src/server/password-file.ts). The password is
 * read without echo from the terminal (asked twice), or as the first line of stdin; it is stored
 * as a salted scrypt hash. Adding an existing user replaces its password, and its roles when
 * --role is given. The file is rewritten atomically and created readable by its owner only.
 */
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { formatEntry, hashPassword } from '../src/server/password-file.js';
import { readPassword } from './password-prompt.js';

const NAME = /^[^\s:=,#!][^\s:=,]*$/;
const ROLE = /^[^\s,]+$/;

export function userCommand(): Command {
  const user = new Command('user').description('manage the password file of HTTP Basic authentication (authentication.method=BASIC)');
  user
    .command('add')
    .description('add a user, or set its password (read from the terminal without echo, or the first line of stdin)')
    .requiredOption('--file <file>', 'password file (sluice.authentication.password.file); created if missing')
    .option('--role <role>', 'a role of the user (repeatable, or comma-separated); see authentication.roles', collect, [])
    .argument('<name>', 'user name')
    .action(async (name: string, opts: { file: string; role: string[] }) => {
      const roles = opts.role.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
      check(NAME.test(name), `Invalid user name '${name}': no spaces, ':', '=' or ','`);
      for (const r of roles) check(ROLE.test(r), `Invalid role '${r}'`);
      const password = await readPassword(`Password for ${name}: `);
      if (process.stdin.isTTY) check((await readPassword('Retype the password: ')) === password, 'The passwords do not match');
      check(password !== '', 'The password is empty');
      const lines = readLines(opts.file);
      const i = lines.findIndex((l) => userOf(l) === name);
      const kept = i >= 0 && roles.length === 0 ? rolesOf(lines[i]!) : roles;
      const line = formatEntry({ user: name, hash: await hashPassword(password), roles: kept });
      if (i >= 0) lines[i] = line;
      else lines.push(line);
      writeLines(opts.file, lines);
      process.stdout.write(`${i >= 0 ? 'Updated' : 'Added'} user '${name}'${kept.length > 0 ? ` with roles ${kept.join(', ')}` : ' (no roles)'} in ${opts.file}\n`);
    });
  user
    .command('remove')
    .description('remove a user')
    .requiredOption('--file <file>', 'password file')
    .argument('<name>', 'user name')
    .action((name: string, opts: { file: string }) => {
      const lines = readLines(opts.file);
      const kept = lines.filter((l) => userOf(l) !== name);
      check(kept.length < lines.length, `No user '${name}' in ${opts.file}`);
      writeLines(opts.file, kept);
      process.stdout.write(`Removed user '${name}' from ${opts.file}\n`);
    });
  return user;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) {
    process.stderr.write(message + '\n');
    process.exit(1);
  }
}

function readLines(file: string): string[] {
  if (!existsSync(file)) return ['# Sluice password file: <user>: SCRYPT:<N>:<r>:<p>:<salt>:<key>[,<role>...]  (sluice user add)'];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function userOf(line: string): string | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith('!')) return undefined;
  return /^([^=:\s]+)/.exec(t)?.[1];
}

function rolesOf(line: string): string[] {
  const value = line.slice(line.search(/[=:]/) + 1);
  return value.split(',').slice(1).map((r) => r.trim()).filter((r) => r !== '');
}

function writeLines(file: string, lines: string[]): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, lines.join('\n') + '\n', { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}
