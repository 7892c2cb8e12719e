#!/usr/bin/env node
/**
 * The `sluice` command:
 *   sluice server [--port 8088] [--host 127.0.0.1] [--data-dir data] [--config file]   the REST server
 *   sluice cli [--server http://localhost:8088] [-e stmt | -f file] [--output JSON]     CLI over REST
 *              [-u user [-p password]] [--ca file] [--cert file --key file]
 *   sluice user add --file F NAME [--role R]   the password file of authentication.method=BASIC
 *   sluice --server <url> ...                                                          same as `cli`
 *   sluice run script.sql                    a script against the embedded engine (no server)
 *   sluice shell                             interactive, on the embedded engine (the default)
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Engine } from '../src/engine/engine.js';
import { SluiceError } from '../src/errors.js';
import { DataDirLockedError } from '../src/storage/log/embedded/index.js';
import { Repl, type OutputFormat } from './repl.js';
import { EmbeddedBackend } from './embedded-backend.js';
import { RestBackend } from './backend.js';
import { runServer } from './server-command.js';
import { userCommand } from './user-command.js';
import { accessProblem, clientOptions, type ConnectionFlags } from './client-options.js';

const program = new Command();
program.name('sluice').description('Streaming SQL for Node.js, in the ksqlDB dialect').version('0.1.0');

program
  .command('run')
  .description('execute a SQL script against the embedded engine, process the data already in its topics, print the results (queries included) and exit')
  .argument('<script>', 'file of statements separated by ;')
  .option('-d, --data-dir <dir>', 'data directory', 'data')
  .option('--earliest', "start new queries from the beginning of their topics (auto.offset.reset='earliest')")
  .option('--follow', 'keep queries running: push queries and PRINT until their LIMIT or Ctrl-C, persistent queries until interrupted')
  .option('-o, --output <format>', 'JSON or TABULAR', 'TABULAR')
  .action(async (script: string, opts: { dataDir: string; earliest?: boolean; follow?: boolean; output?: string }) => {
    const text = readFileSync(script, 'utf8');
    const output = outputFormat(opts.output);
    const engine = await Engine.open({ dataDir: opts.dataDir, runQueries: Boolean(opts.follow), properties: opts.earliest ? { 'auto.offset.reset': 'earliest' } : {} });
    // Without --follow, push queries and PRINT show what the topics hold (after the persistent queries caught up) and stop.
    const repl = new Repl({ backend: new EmbeddedBackend(engine, { untilCaughtUp: !opts.follow }), output, historyFile: '' });
    let stop: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const onInterrupt = () => {
      if (!repl.interrupt()) stop?.();
    };
    process.on('SIGINT', onInterrupt);
    process.once('SIGTERM', () => stop?.());
    let ok = false;
    try {
      ok = await repl.executeText(text);
      if (!opts.follow) await engine.drain();
      else if (ok) await stopped;
    } finally {
      process.off('SIGINT', onInterrupt);
      await engine.close();
    }
    process.exitCode = ok ? 0 : 1;
  });

program
  .command('server')
  .description('run the ksqlDB-compatible REST server (HTTP/1.1 and h2c on one port, WebSocket push queries)')
  .option('--port <port>', 'port to listen on (default 8088)')
  .option('--host <host>', "interface to bind (default 127.0.0.1; '0.0.0.0' for all, as ksqlDB)")
  .option('-d, --data-dir <dir>', "data directory (default 'data')")
  .option('--config <file>', 'configuration file: JSON or key=value lines (listeners, ksql.* properties, sluice.data.dir, bootstrap.servers)')
  .option('--kafka-brokers <list>', 'run on Apache Kafka (host:port,...) instead of the embedded log')
  .option('--kafka-security-protocol <protocol>', 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (config key security.protocol)')
  .option('--kafka-sasl-mechanism <mechanism>', 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (sasl.mechanism)')
  .option('--kafka-sasl-username <user>', 'SASL user name (sasl.username); the password comes from SLUICE_KAFKA_SASL_PASSWORD or sasl.password in --config')
  .option('--kafka-ssl-ca <file>', 'PEM file of the CA to trust for TLS (ssl.ca.location)')
  .option('--advertised-url <url>', 'URL other servers use to reach this one, for pull-query forwarding (ksql.advertised.listener; default <scheme>://<host>:<port> of the first listener)')
  .action(runServer);

interface CliOptions extends ConnectionFlags {
  server?: string;
  execute?: string;
  file?: string;
  output?: string;
  history?: string;
}

function addCliOptions(c: Command): Command {
  return c
    .option('-s, --server <url>', 'server address', 'http://localhost:8088')
    .option('-e, --execute <statements>', 'run the statements and exit')
    .option('-f, --file <script>', 'run the statements of a file and exit')
    .option('-o, --output <format>', 'JSON or TABULAR', 'TABULAR')
    .option('--history <file>', 'history file (default ~/.sluice_history)')
    .option('-u, --user <name>', 'user name for HTTP Basic authentication')
    .option('-p, --password <password>', 'password (asked for, without echo, when --user is given without it)')
    .option('--ca <file>', 'PEM CA certificate to trust for an https:// server (besides the system CAs and NODE_EXTRA_CA_CERTS)')
    .option('--cert <file>', 'PEM client certificate, for a server with ssl.client.authentication')
    .option('--key <file>', 'PEM private key of --cert');
}

function outputFormat(value: string | undefined): OutputFormat {
  const output = (value ?? 'TABULAR').toUpperCase();
  if (output !== 'JSON' && output !== 'TABULAR') throw new SluiceError(`--output must be JSON or TABULAR, not ${value}`);
  return output;
}

async function runCli(opts: CliOptions): Promise<void> {
  const backend = new RestBackend(opts.server ?? 'http://localhost:8088');
  backend.client.options = await clientOptions(opts);
  const repl = new Repl({ backend, output: outputFormat(opts.output), ...(opts.history !== undefined ? { historyFile: opts.history } : {}) });
  await runRepl(repl, opts);
}

/** -e / -f run and exit (status 1 on error); otherwise the interactive loop. */
async function runRepl(repl: Repl, opts: CliOptions): Promise<void> {
  if (opts.execute !== undefined || opts.file !== undefined) {
    const onInterrupt = () => {
      if (!repl.interrupt()) process.exit(130);
    };
    process.on('SIGINT', onInterrupt);
    let ok = true;
    if (opts.file !== undefined) ok = await repl.executeText(readFileSync(opts.file, 'utf8'));
    if (ok && opts.execute !== undefined) ok = await repl.executeText(opts.execute);
    process.off('SIGINT', onInterrupt);
    process.exitCode = ok ? 0 : 1;
    return;
  }
  const refused = repl.backend instanceof RestBackend ? await accessProblem(repl.backend.client) : undefined;
  if (refused !== undefined) {
    console.error(refused);
    process.exitCode = 1;
    return;
  }
  await repl.interactive();
}

program.addCommand(userCommand());

addCliOptions(program.command('cli').description('interactive CLI against a Sluice (or ksqlDB) server, over its REST API')).action(runCli);

addCliOptions(
  program
    .command('shell', { isDefault: true })
    .description('interactive shell on the embedded engine (statements end with ;); with --server, the CLI against that server')
    .option('-d, --data-dir <dir>', 'data directory', 'data'),
).action(async (opts: { dataDir: string } & CliOptions, cmd: Command) => {
  if (cmd.getOptionValueSource('server') === 'cli') return runCli(opts);
  const output = outputFormat(opts.output);
  const engine = await Engine.open({ dataDir: opts.dataDir });
  try {
    const repl = new Repl({ backend: new EmbeddedBackend(engine), output, ...(opts.history !== undefined ? { historyFile: opts.history } : {}) });
    await runRepl(repl, opts);
  } finally {
    await engine.close();
  }
});

/** Errors a user can act on: one line, no stack trace. */
function userError(e: unknown): string | undefined {
  if (e instanceof DataDirLockedError) return `Error: ${e.message}. Stop the other process, or use another --data-dir.`;
  if (e instanceof SluiceError) return `Error: ${e.message}`;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EADDRINUSE') return `Error: ${(e as Error).message}`;
  return undefined;
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const line = userError(e);
  process.stderr.write((line ?? `Error: ${(e as Error).stack ?? String(e)}`) + '\n');
  process.exitCode = 1;
}
