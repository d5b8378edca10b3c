import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.ts';
import { INT8_OID, parseInt8 } from './db.ts';

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PgDbOptions {
  connectionString: string;
  max?: number;
  connectionTimeoutMillis?: number;
}

export function createPgDb(options: PgDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    types,
    // Every statement here is short OLTP work, which JIT compilation only slows down: once the alerts table
    // grows, the planner's estimate for the alert upsert (correlate.ts) passes jit_above_cost and each
    // webhook paid ~8 ms of LLVM compile time for ~0.3 ms of work. Sent in the startup packet, so it holds
    // on every connection before its first query (needs PostgreSQL >= 11, which has the setting).
    options: '-c jit=off',
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const run = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const result = await client.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 } satisfies QueryResult<T>;
  };

  return {
    kind: 'pg',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => void (await pool.query(sql)),
    async transaction(work) {
      const client = await pool.connect();
      const tx: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: async (sql) => void (await client.query(sql)),
      };
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
