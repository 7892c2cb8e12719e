/** The embedded, durable log (default topic store). See embedded-log.ts for the on-disk layout and guarantees. */
import { EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.js';

export { EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.js';
export { DataDirLockedError } from './lock.js';

/** Opens (creating if needed) the log in `dataDir`, taking its lock and recovering after a crash. */
export async function openEmbeddedLog(dataDir: string, options?: EmbeddedLogOptions): Promise<EmbeddedLog> {
  return EmbeddedLog.open(dataDir, options);
}
