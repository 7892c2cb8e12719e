/**
 * The interactive CLI (ksql-CLI style), over a server's REST API or on the embedded engine (see
 * backend.ts): statements accumulate until `;` outside quotes and comments; SET/UNSET/DEFINE/
 * UNDEFINE are kept in the session and sent with every request; SELECT and PRINT stream until
 * their LIMIT or Ctrl-C ("Query terminated", "Topic printing ceased"); Tab completes keywords and
 * the names of streams, tables, columns and functions; local commands: help, exit, history,
 * output JSON|TABULAR, server <url>, spool <file>|OFF, RUN SCRIPT '<file>';.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { parseStatements } from '../src/parser/parse.js';
import { substituteVariables } from '../src/parser/variables.js';
import type { Statement } from '../src/parser/ast.js';
import { RestClientError, type RunningQuery } from './rest-client.js';
import { renderEntity } from './format-entity.js';
import { QueryPrinter, type OutputFormat } from './format-query.js';
import { splitStatements } from '../src/parser/statement-splitter.js';
import { RestBackend, type Backend } from './backend.js';
import { Completer, changesNames } from './completion.js';

export type { OutputFormat } from './format-query.js';

export interface ReplOptions {
  /** The server's URL (a RestBackend), unless `backend` is given. */
  readonly server?: string;
  readonly backend?: Backend;
  readonly output?: OutputFormat;
  /** File of past statements (default ~/.sluice_history); '' disables history. */
  readonly historyFile?: string;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  /** Terminal width for query tables (default: stdout's, when it is a terminal). */
  readonly columns?: number;
}

const HELP = `
Statements end with ';' and may span lines. SELECT ... EMIT CHANGES runs until its LIMIT or Ctrl-C.
Local commands:
  help                      this text
  exit | quit               leave the CLI (or Ctrl-D)
  history                   statements entered so far
  output [JSON|TABULAR]     show or change the output format
  server [<url>]            show or change the server
  spool <file> | spool OFF  copy output to a file
  RUN SCRIPT '<file>';      run the statements of a file
  SET 'p'='v'; UNSET 'p';   session properties, sent with each request
  DEFINE v='x'; UNDEFINE v; session variables for \${v}
`;

export class Repl {
  readonly backend: Backend;
  readonly completer: Completer;
  output: OutputFormat;
  readonly properties: Record<string, string> = {};
  readonly variables: Record<string, string> = {};
  private running?: RunningQuery;
  private interrupted = false;
  private spool?: string;
  private readonly historyFile: string;
  private readonly history: string[] = [];
  private readonly outFn: (text: string) => void;
  private readonly errFn: (text: string) => void;
  private readonly columns: number | undefined;

  constructor(options: ReplOptions) {
    this.backend = options.backend ?? new RestBackend(options.server ?? 'http://localhost:8088');
    this.completer = new Completer(() => this.backend.names());
    this.columns = options.columns ?? (process.stdout.isTTY ? process.stdout.columns : undefined);
    this.output = options.output ?? 'TABULAR';
    this.historyFile = options.historyFile ?? `${process.env['HOME'] ?? '.'}/.sluice_history`;
    this.outFn = options.out ?? ((t) => process.stdout.write(t + '\n'));
    this.errFn = options.err ?? ((t) => process.stderr.write(t + '\n'));
    if (this.historyFile && existsSync(this.historyFile)) {
      this.history.push(...readFileSync(this.historyFile, 'utf8').split('\n').filter((l) => l.trim() !== ''));
    }
  }

  private print(text: string): void {
    this.outFn(text);
    if (this.spool) appendFileSync(this.spool, text + '\n');
  }

  private printError(text: string): void {
    this.errFn(text);
    if (this.spool) appendFileSync(this.spool, text + '\n');
  }

  /** Ctrl-C: stops the running query. Returns whether there was one. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.interrupted = true;
    this.running.cancel();
    return true;
  }

  /** Runs every statement of a text (a script, `-e`); stops at the first error. Returns success. */
  async executeText(text: string): Promise<boolean> {
    for (const statement of splitStatements(text)) {
      if (!(await this.executeStatement(statement))) return false;
    }
    return true;
  }

  /** One complete statement or local command. Returns false on error. */
  async executeStatement(text: string): Promise<boolean> {
    const trimmed = text.trim().replace(/;\s*$/, '').trim();
    const local = await this.localCommand(trimmed);
    if (local !== undefined) return local;
    const substituted = Object.keys(this.variables).length > 0 ? substituteVariables(text, new Map(Object.entries(this.variables))) : text;
    let st: Statement | undefined;
    try {
      st = parseStatements(substituted)[0];
    } catch {
      st = undefined; // the server reports the error, with its position
    }
    try {
      switch (st?.kind) {
        case 'SetProperty':
          this.properties[st.name] = st.value;
          this.print(`Successfully changed local property '${st.name}' to '${st.value}'.`);
          return true;
        case 'UnsetProperty':
          delete this.properties[st.name];
          this.print(`Successfully unset local property '${st.name}'.`);
          return true;
        case 'DefineVariable':
          this.variables[st.name] = st.value;
          return true;
        case 'UndefineVariable':
          delete this.variables[st.name];
          return true;
        case 'RunScript':
          return await this.runScript(st.path);
        case 'Select':
          return await this.runQuery(text, st.query.emit === 'CHANGES' ? 'push' : 'pull');
        case 'Print':
          return await this.runPrint(text);
        default: {
          if (changesNames(text)) this.completer.invalidate();
          const entities = await this.backend.ksql(text, this.session());
          for (const e of entities) this.print(this.output === 'JSON' ? JSON.stringify(e, null, 2) : renderEntity(e));
          return true;
        }
      }
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  private session() {
    return { properties: { ...this.properties }, variables: { ...this.variables } };
  }

  private reportError(e: unknown): void {
    if (e instanceof RestClientError) {
      if (this.output === 'JSON') this.printError(JSON.stringify(e.body, null, 2));
      else this.printError(e.body.message);
    } else if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
      this.printError(`Could not connect to the server at ${this.backend.target}: connection refused.`);
    } else this.printError(`Error: ${(e as Error).message}`);
  }

  /** "Press CTRL-C to interrupt", for what runs until interrupted (push queries, PRINT), on a terminal. */
  private interruptHint(): void {
    if (process.stdin.isTTY) this.printError('Press CTRL-C to interrupt');
  }

  private async run(q: RunningQuery): Promise<void> {
    this.running = q;
    try {
      await q.done;
    } finally {
      this.running = undefined;
    }
  }

  private async runQuery(text: string, kind: 'push' | 'pull'): Promise<boolean> {
    const printer = new QueryPrinter((t) => this.print(t), this.output, kind, this.columns);
    let final: string | undefined;
    this.interrupted = false;
    const q = this.backend.query(text, this.session(), {
      onHeader: (h) => printer.header(h),
      onRow: (r) => printer.row(r),
      onFinal: (m) => {
        final = m;
      },
    });
    if (kind === 'push') this.interruptHint();
    await this.run(q);
    printer.finish();
    // ksqlDB's CLI ends every query with "Query terminated", after the final message if any.
    if (final !== undefined && final !== 'Query Terminated' && !this.interrupted) this.print(final);
    this.print('Query terminated');
    return true;
  }

  private async runPrint(text: string): Promise<boolean> {
    this.interrupted = false;
    const q = this.backend.print(text, this.session(), (line) => this.print(line));
    this.interruptHint();
    await this.run(q);
    this.print('Topic printing ceased');
    return true;
  }

  private async runScript(path: string): Promise<boolean> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      this.printError(`Failed to read script '${path}': ${(e as Error).message}`);
      return false;
    }
    return this.executeText(text);
  }

  /** Local commands; undefined when the text is a statement for the server. */
  private async localCommand(cmd: string): Promise<boolean | undefined> {
    const [word, ...rest] = cmd.split(/\s+/);
    const arg = rest.join(' ').trim();
    switch (word?.toLowerCase()) {
      case 'help':
        this.print(HELP);
        return true;
      case 'history':
        this.print(this.history.map((h, i) => `${String(i + 1).padStart(4)}  ${h}`).join('\n'));
        return true;
      case 'output':
        if (arg === '') this.print(`Output format: ${this.output}`);
        else if (/^(json|tabular)$/i.test(arg)) this.output = arg.toUpperCase() as OutputFormat;
        else {
          this.printError(`Unknown output format '${arg}': JSON or TABULAR`);
          return false;
        }
        return true;
      case 'server':
        if (!(this.backend instanceof RestBackend)) {
          this.printError('The embedded shell has no server.');
          return false;
        }
        if (arg !== '') this.backend.client.server = arg;
        this.print(`Server: ${this.backend.client.server}`);
        return true;
      case 'spool':
        if (arg === '' || /^off$/i.test(arg)) this.spool = undefined;
        else {
          this.spool = arg;
          writeFileSync(arg, '', { flag: 'a' });
        }
        return true;
      default:
        return undefined;
    }
  }

  private remember(statement: string): void {
    const line = statement.replace(/\s*\n\s*/g, ' ').trim();
    if (line === '' || this.history[this.history.length - 1] === line) return;
    this.history.push(line);
    if (this.historyFile) {
      try {
        appendFileSync(this.historyFile, line + '\n');
      } catch {
        // History is a convenience; an unwritable file is not an error.
      }
    }
  }

  /** The interactive loop on stdin/stdout. Resolves on exit (Ctrl-D or `exit`). */
  async interactive(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<void> {
    const terminal = Boolean((input as { isTTY?: boolean }).isTTY);
    // Before the readline interface exists: lines read while nothing iterates it would be lost.
    this.print(await this.backend.banner());
    const rl: Interface = createInterface({
      input,
      output,
      terminal,
      prompt: 'sluice> ',
      history: [...this.history].reverse(),
      historySize: 1000,
      ...(terminal ? { completer: this.completer.readline } : {}),
    });
    const onInterrupt = () => {
      if (this.interrupt()) return;
      if (terminal) {
        buffer = '';
        rl.write('\n');
        rl.setPrompt('sluice> ');
        rl.prompt();
      } else rl.close();
    };
    rl.on('SIGINT', onInterrupt);
    process.on('SIGINT', onInterrupt);
    let buffer = '';
    let exited = false;
    rl.prompt();
    try {
      for await (const line of rl) {
        if (buffer.trim() === '' && /^\s*(exit|quit)\s*;?\s*$/i.test(line)) {
          exited = true;
          break;
        }
        if (buffer.trim() === '' && /^\s*(help|history|output|server|spool)\b/i.test(line) && !line.includes(';')) {
          await this.executeStatement(line);
        } else {
          buffer += line + '\n';
          const parts = splitStatements(buffer, true);
          buffer = parts.rest;
          for (const stmt of parts.complete) {
            this.remember(stmt);
            await this.executeStatement(stmt);
          }
        }
        rl.setPrompt(buffer.trim() ? '      > ' : 'sluice> ');
        rl.prompt();
      }
    } finally {
      process.off('SIGINT', onInterrupt);
      rl.close();
    }
    // Ctrl-D (end of input) leaves the prompt line unfinished: end it, so the shell's prompt starts on its own line.
    if (!exited) output.write('\n');
  }
}
