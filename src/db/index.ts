import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger } from '../logger.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { Db } from './db.ts';
import { createPgDb } from './pg.ts';
import { createPgliteDb } from './pglite.ts';

export type { Db, Queryable, QueryResult } from './db.ts';

/**
 * The server at `databaseUrl`, or the embedded Postgres persisted under `dataDir/pgdata`. `logger` hears
 * about a stale lock being taken over (stderr by default, so CLI output stays clean).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  logger?: Logger;
}): Promise<Db> {
  if (options.databaseUrl) return createPgDb({ connectionString: options.databaseUrl });
  mkdirSync(options.dataDir, { recursive: true });
  const logger = options.logger ?? createLogger('warn', process.stderr);
  const release = lockDataDir(path.join(options.dataDir, 'pgdata.lock'), options.dataDir, {
    onTakeover: (message, details) =>
      logger.warn({ lockFile: details.file, owner: details.owner, reason: details.reason }, message),
  });
  try {
    const db = await createPgliteDb(path.join(options.dataDir, 'pgdata'));
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
