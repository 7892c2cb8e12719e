#!/usr/bin/env node
/**
 * The `sluice` command. Today: `sluice run script.sql` executes a script against the embedded engine,
 * and `sluice shell` (the default) reads statements from the terminal. (`sluice server` arrives with
 * the REST API.)
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { Engine } from '../src/engine/engine.js';
import { SluiceError, ParseError } from '../src/errors.js';
import { renderResult } from './format-result.js';
import { splitStatements } from './statement-splitter.js';

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
            const text = renderResult(r);
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
  .command('shell', { isDefault: true })
  .description('interactive shell on the embedded engine (statements end with ;)')
  .option('-d, --data-dir <dir>', 'data directory', 'data')
  .action(async (opts: { dataDir: string }) => {
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
            const text = renderResult(r);
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
