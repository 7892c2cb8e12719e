/**
 * Tab completion for the CLI and the embedded shell: the word under the cursor completes to
 * keywords (KEYWORDS) and to the names of streams, tables, their columns and functions, which a
 * NameSource provides (the server's metastore over REST, or the embedded engine's). Names are
 * fetched again after a statement that may have changed them (invalidate()).
 */
import type { CompleterResult } from 'node:readline';
import { KEYWORDS } from './keywords.js';

export interface Names {
  readonly sources: readonly string[];
  readonly columns: readonly string[];
  readonly functions: readonly string[];
}

export type NameSource = () => Promise<Names>;

const EMPTY: Names = { sources: [], columns: [], functions: [] };

/** The word being typed at the end of `line` (after spaces, commas, brackets, operators, dots). */
export function currentWord(line: string): string {
  return /[A-Za-z0-9_@`]*$/.exec(line)?.[0] ?? '';
}

export class Completer {
  private names: Names = EMPTY;
  private stale = true;
  private loading?: Promise<void>;

  constructor(private readonly source: NameSource) {}

  /** Names may have changed (DDL ran): fetch them before the next completion. */
  invalidate(): void {
    this.stale = true;
  }

  private async refresh(): Promise<void> {
    if (!this.stale) return;
    this.loading ??= this.source().then(
      (n) => {
        this.names = n;
        this.stale = false;
        this.loading = undefined;
      },
      () => {
        this.loading = undefined; // server unreachable: complete keywords only
      },
    );
    await this.loading;
  }

  /** Candidates for the word at the end of `line`, with that word (readline's completer result). */
  async complete(line: string): Promise<CompleterResult> {
    await this.refresh();
    const word = currentWord(line);
    if (word === '') return [[], word];
    const upper = word.toUpperCase();
    const lower = word === word.toLowerCase() && word !== upper;
    const hits = new Set<string>();
    for (const k of KEYWORDS) if (k.startsWith(upper)) hits.add(lower ? k.toLowerCase() : k);
    for (const n of [...this.names.sources, ...this.names.columns, ...this.names.functions]) {
      if (n.toUpperCase().startsWith(upper)) hits.add(lower && n === n.toUpperCase() ? n.toLowerCase() : n);
    }
    return [[...hits].sort(), word];
  }

  /** readline's callback form. */
  readonly readline = (line: string, cb: (err: Error | null, result: CompleterResult) => void): void => {
    this.complete(line).then(
      (r) => cb(null, r),
      () => cb(null, [[], currentWord(line)]),
    );
  };
}

/** Statements after which the names are fetched again. */
export function changesNames(statement: string): boolean {
  return /^\s*(create|drop|alter|terminate|run\s+script)\b/i.test(statement);
}
