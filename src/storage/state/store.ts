/**
 * What StateDb asks of each of its stores (flush, drop a task, restore, forget the cache), and the
 * slot — cache entry and write buffer in one — that the key-value and window stores keep per key.
 */

export interface Store {
  readonly name: string;
  flush(): void;
  dropTask(task: number): void;
  restore(key: string, value: string | null, task: number): void;
  clearCache(): void;
  /** Drop uncommitted writes and the cache. */
  discard(): void;
}

/**
 * A key's decoded value as the store knows it: loaded from SQLite (value undefined: no row) or
 * written in this batch (`dirty`, flushed at commit). One map of slots is both the cache and the
 * write buffer, so a read-modify-write of a key costs one map lookup and no allocation once its
 * slot exists. Past its capacity the map is trimmed, oldest first, of clean slots (dirty ones wait
 * for the flush): after each flush, with just-written slots moved to the young end, and when reads
 * (pull queries of an idle table, say) fill it.
 */
export interface Slot<V> {
  value: V | undefined;
  task: number;
  dirty: boolean;
}

/** A written slot: stamped with the writing task, listed once for the next flush. */
export function markDirty<S extends Slot<unknown>>(s: S, task: number, dirty: S[]): void {
  s.task = task;
  if (!s.dirty) {
    s.dirty = true;
    dirty.push(s);
  }
}
