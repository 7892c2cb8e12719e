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
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { Engine } from '../src/engine/engine.js';
import { SluiceError, ParseError } from '../src/errors.js';
import { renderResult } from './format-result.js';
import { splitStatements } from '../src/parser/statement-splitter.js';
import { Repl, type OutputFormat } from './repl.js';
import { runServer } from './server-command.js';
import { userCommand } from './user-command.js';
import { accessProblem, clientOptions, type ConnectionFlags } from './client-options.js';

const program = new Command();
program.name('sluice').description('Streaming SQL for Node.js, in the ksqlDB dialect').version('0.1.0');

program
  .command('run')
  .description('execute a SQL script against the embedded engine, process the data already in its topics, and print results')
  .argument('<script>', 'file of statements separated by ;')
  .option('-d, --data-dir <dir>', 'data directory', 'data')
  .option('--earliest', "start new queries from the beginning of their topics (auto.offset.reset='earliest')")
  .option('--follow', 'keep persistent queries running until interrupted')
  .action(async (script: string, opts: { dataDir: string; earliest?: boolean; follow?: boolean }) => {
    const engine = await Engine.open({ dataDir: opts.dataDir, runQueries: Boolean(opts.follow), properties: opts.earliest ? { 'auto.offset.reset': 'earliest' } : {} });
    let code = 0;
    try {
      for (const stmt of splitStatements(readFileSync(script, 'utf8'))) {
        try {
          for (const r of await engine.execute(stmt)) {
            const text = renderResult(r, engine);
            if (text) console.log(text);
          }
        } catch (e) {
          console.error(describeError(e, stmt));
          code = 1;
          break;
        }
      }
      if (!opts.follow) await engine.drain();
      else await waitForSignal();
    } finally {
      await engine.close();
    }
    process.exitCode = code;
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

async function runCli(opts: CliOptions): Promise<void> {
  const output = (opts.output ?? 'TABULAR').toUpperCase();
  if (output !== 'JSON' && output !== 'TABULAR') throw new Error(`--output must be JSON or TABULAR, not ${opts.output}`);
  const repl = new Repl({ server: opts.server ?? 'http://localhost:8088', output: output as OutputFormat, ...(opts.history !== undefined ? { historyFile: opts.history } : {}) });
  repl.client.options = await clientOptions(opts);
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
  const refused = await accessProblem(repl.client);
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
    if (cmd.getOptionValueSource('server') === 'cli' || opts.execute !== undefined || opts.file !== undefined) return runCli(opts);
    const engine = await Engine.open({ dataDir: opts.dataDir });
    console.log(`Sluice on the embedded log in '${opts.dataDir}'. Statements end with ';'. Ctrl-D to exit.`);
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'sluice> ' });
    let buffer = '';
    rl.prompt();
    for await (const line of rl) {
      buffer += line + '\n';
      const parts = splitStatements(buffer, true);
      buffer = parts.rest;
      for (const stmt of parts.complete) {
        try {
          for (const r of await engine.execute(stmt)) {
            const text = renderResult(r, engine);
            if (text) console.log(text);
          }
        } catch (e) {
          console.error(describeError(e, stmt));
        }
      }
      rl.setPrompt(buffer.trim() ? '      > ' : 'sluice> ');
      rl.prompt();
    }
    await engine.close();
  });

function describeError(e: unknown, stmt: string): string {
  if (e instanceof ParseError) return `${e.message}\nStatement: ${stmt.trim()}`;
  if (e instanceof SluiceError) return `${e.message}`;
  return `Error: ${(e as Error).stack ?? String(e)}`;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

await program.parseAsync(process.argv);
