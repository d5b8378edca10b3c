import { describe, expect, it } from 'vitest';
import { postgresDatabase } from '../support/databases.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)('pg pool on a PostgreSQL server', () => {
  // Regression (npm run bench): with JIT on, the alert upsert's estimate passed jit_above_cost once the
  // alerts table grew, and every webhook paid ~8 ms of LLVM compile time for ~0.3 ms of work.
  it('turns JIT off on every connection, in and out of transactions', async () => {
    const { db, dispose } = await postgresDatabase(serverUrl as string).create({ migrate: false });
    try {
      // Concurrent queries, so the pool opens several connections.
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          db.query<{ jit: string }>("SELECT current_setting('jit') AS jit, pg_sleep(0.05)::text AS slept"),
        ),
      );
      expect(results.map((result) => result.rows[0]?.jit)).toEqual(['off', 'off', 'off', 'off']);
      const inTransaction = await db.transaction((tx) =>
        tx.query<{ jit: string }>("SELECT current_setting('jit') AS jit"),
      );
      expect(inTransaction.rows[0]?.jit).toBe('off');
    } finally {
      await dispose();
    }
  });
});
