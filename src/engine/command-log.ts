/**
 * The command log: every statement that changed the engine's metadata (CREATE, DROP, INSERT INTO
 * ... SELECT, TERMINATE, CREATE TYPE...) in execution order, in SQLite. On start-up the engine
 * replays it to rebuild the metastore and restart persistent queries, which then resume from their
 * committed positions — the role ksqlDB's command topic plays.
 */
import Database from 'better-sqlite3';

export interface Command {
  readonly seq: number;
  readonly statement: string;
  /** Properties in force when it ran (e.g. auto.offset.reset), replayed with it. */
  readonly properties: Readonly<Record<string, string>>;
}

export class CommandLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string]>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY AUTOINCREMENT, statement TEXT NOT NULL, properties TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO commands (statement, properties) VALUES (?, ?)');
  }

  append(statement: string, properties: Readonly<Record<string, string>>): number {
    return Number(this.insert.run(statement, JSON.stringify(properties)).lastInsertRowid);
  }

  all(): Command[] {
    const rows = this.db.prepare('SELECT seq, statement, properties FROM commands ORDER BY seq').all() as { seq: number; statement: string; properties: string }[];
    return rows.map((r) => ({ seq: r.seq, statement: r.statement, properties: JSON.parse(r.properties) as Record<string, string> }));
  }

  close(): void {
    this.db.close();
  }
}
