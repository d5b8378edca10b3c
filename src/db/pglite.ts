import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db.ts';
import { INT8_OID, parseInt8 } from './db.ts';

/** Embedded Postgres: in memory when `dataDir` is omitted, otherwise persistent in that folder. */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { parsers: { [INT8_OID]: parseInt8 } });

  type Runner = Pick<PGlite, 'query' | 'exec'>;
  const run = async <T>(runner: Runner, sql: string, params?: readonly unknown[]) => {
    const result = await runner.query<T>(sql, params as unknown[] | undefined);
    // PGlite reports affectedRows 0 for a SELECT; pg counts the rows returned.
    const rowCount = result.rows.length > 0 ? result.rows.length : (result.affectedRows ?? 0);
    return { rows: result.rows, rowCount } satisfies QueryResult<T>;
  };

  return {
    kind: 'pglite',
    query: (sql, params) => run(pglite, sql, params),
    exec: async (sql) => void (await pglite.exec(sql)),
    transaction: (work) =>
      pglite.transaction((tx) =>
        work({
          query: (sql, params) => run(tx, sql, params),
          exec: async (sql) => void (await tx.exec(sql)),
        }),
      ),
    close: () => pglite.close(),
  };
}
