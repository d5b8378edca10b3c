import path from 'node:path';
import type { Db } from './db.ts';
import { createPgDb } from './pg.ts';
import { createPgliteDb } from './pglite.ts';

export type { Db, Queryable, QueryResult } from './db.ts';

/** The server at `databaseUrl`, or the embedded Postgres persisted under `dataDir/pgdata`. */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  if (options.databaseUrl) return createPgDb({ connectionString: options.databaseUrl });
  return createPgliteDb(path.join(options.dataDir, 'pgdata'));
}
