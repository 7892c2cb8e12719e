/**
 * Committed consumer-group positions: one small JSON file per group, replaced atomically
 * (write a temp file, rename) so a crash leaves the previous commit or the new one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { safeFileName, writeFileAtomic } from './fs-util.js';

interface GroupFile {
  readonly groupId: string;
  /** topic -> next offset to read, per partition (null: never committed). */
  readonly offsets: Record<string, (number | null)[]>;
}

export class GroupStore {
  private readonly groups = new Map<string, Map<string, (number | null)[]>>();

  constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const g = JSON.parse(fs.readFileSync(file, 'utf8')) as GroupFile;
      this.groups.set(g.groupId, new Map(Object.entries(g.offsets)));
    }
  }

  /** Committed position of one partition, if any. */
  committed(groupId: string, topic: string, partition: number): number | undefined {
    const v = this.groups.get(groupId)?.get(topic)?.[partition];
    return v === null || v === undefined ? undefined : v;
  }

  commit(groupId: string, positions: ReadonlyMap<string, readonly number[]>): void {
    let g = this.groups.get(groupId);
    if (g === undefined) {
      g = new Map();
      this.groups.set(groupId, g);
    }
    for (const [topic, offs] of positions) {
      const cur = g.get(topic) ?? [];
      for (let p = 0; p < offs.length; p++) cur[p] = offs[p]!;
      for (let p = 0; p < cur.length; p++) if (cur[p] === undefined) cur[p] = null;
      g.set(topic, cur);
    }
    this.write(groupId, g);
  }

  /** Forgets the committed positions of a deleted topic in every group. */
  dropTopic(topic: string): void {
    for (const [groupId, g] of this.groups) {
      if (g.delete(topic)) this.write(groupId, g);
    }
  }

  private write(groupId: string, g: Map<string, (number | null)[]>): void {
    const file: GroupFile = { groupId, offsets: Object.fromEntries(g) };
    writeFileAtomic(path.join(this.dir, `${safeFileName(groupId)}.json`), JSON.stringify(file), this.fsync);
  }
}
