import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { lockDataDir } from './data-dir-lock.ts';
import type { Db } from './db.ts';
import { createPgDb } from './pg.ts';
import { createPgliteDb } from './pglite.ts';

export type { Db, Queryable, QueryResult } from './db.ts';

/** The server at `databaseUrl`, or the embedded Postgres persisted under `dataDir/pgdata`. */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  if (options.databaseUrl) return createPgDb({ connectionString: options.databaseUrl });
  mkdirSync(options.dataDir, { recursive: true });
  const release = lockDataDir(path.join(options.dataDir, 'pgdata.lock'), options.dataDir);
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
