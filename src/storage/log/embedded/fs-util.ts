import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** Replaces `file` with `data` so that a crash leaves either the old or the new content. */
export function writeFileAtomic(file: string, data: string | Buffer, fsync: boolean): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    if (fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * A file-name-safe, reversible-looking name for a topic or group: percent-encoded, with long names
 * shortened by a hash (the real name is kept inside the metadata file).
 */
export function safeFileName(name: string): string {
  const enc = encodeURIComponent(name).replace(/\*/g, '%2A');
  if (enc.length <= 180 && enc !== '.' && enc !== '..') return enc;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `${enc.slice(0, 120)}~${hash}`;
}
