/**
 * One process owns a data directory: a LOCK file holding the owner's pid. A lock whose pid is no
 * longer alive is stale (the owner crashed) and is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SluiceError } from '../../../errors.js';

/** Directories locked by this process (a second open in the same process must fail too). */
const heldHere = new Set<string>();

export class DataDirLockedError extends SluiceError {
  override readonly name = 'DataDirLockedError';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DirLock {
  private constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {}

  static acquire(dataDir: string): DirLock {
    const dir = fs.realpathSync(dataDir);
    const file = path.join(dir, 'LOCK');
    if (heldHere.has(dir)) throw new DataDirLockedError(`data directory ${dir} is already open in this process`);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        heldHere.add(dir);
        return new DirLock(dir, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner = NaN;
      try {
        owner = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DataDirLockedError(`data directory ${dir} is in use by process ${owner} (lock file ${file})`);
      }
      // Stale (dead owner, garbage, or our own pid left by an earlier crash with pid reuse): take it over.
      fs.rmSync(file, { force: true });
    }
    throw new DataDirLockedError(`could not lock data directory ${dir}`);
  }

  release(): void {
    heldHere.delete(this.dir);
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}
