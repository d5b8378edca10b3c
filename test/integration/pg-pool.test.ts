import { describe, expect, it } from 'vitest';
import { preparedNames } from '../../src/db/pg.ts';
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

  it('prepares a statement with parameters from its second use, on the connection that runs it', async () => {
    const { db, dispose } = await postgresDatabase(serverUrl as string).create({ migrate: false });
    try {
      const sql = 'SELECT $1::int + 1 AS n';
      const prepared = await db.transaction(async (tx) => {
        const answers = [];
        for (let i = 0; i < 3; i += 1) answers.push((await tx.query<{ n: number }>(sql, [i])).rows[0]?.n);
        const listed = await tx.query<{ statement: string }>(
          'SELECT statement FROM pg_prepared_statements WHERE statement = $1',
          [sql],
        );
        return { answers, listed: listed.rows.map((row) => row.statement) };
      });
      expect(prepared).toEqual({ answers: [1, 2, 3], listed: [sql] });
    } finally {
      await dispose();
    }
  });
});

describe('preparedNames', () => {
  it('names a text from its second use, the same name every time, and at most `limit` texts', () => {
    const nameOf = preparedNames(2);
    expect(nameOf('a')).toBeUndefined();
    const a = nameOf('a');
    expect(a).toMatch(/^aiops_[0-9a-f]{20}$/);
    expect(nameOf('a')).toBe(a);
    nameOf('b');
    expect(nameOf('b')).toMatch(/^aiops_/);
    expect(nameOf('b')).not.toBe(a);
    nameOf('c');
    expect(nameOf('c')).toBeUndefined();
    expect(nameOf('a')).toBe(a);
  });
});
