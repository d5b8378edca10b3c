/**
 * The pg pool on a real server: JIT off, prepared statements, and (issue 8's 100 concurrent Approve clicks on a
 * loaded machine) waiting for a free connection is not an outage. pg-pool counts the wait for a busy pool
 * against connectionTimeoutMillis, which turned a burst into DatabaseUnavailableError ("timeout exceeded when
 * trying to connect") and failed clicks that only had to queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, preparedNames } from '../../src/db/pg.ts';
import { DatabaseUnavailableError } from '../../src/errors.ts';
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

describe.skipIf(!serverUrl)('the PostgreSQL pool under a burst', () => {
  let url: string;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const created = await postgresDatabase(serverUrl as string).create();
    url = created.url as string;
    dispose = created.dispose;
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('a query waiting for a busy pool runs when a connection frees up, past the connect timeout', async () => {
    const db = createPgDb({ connectionString: url, max: 2, connectionTimeoutMillis: 300 });
    try {
      const busy = [0, 1].map(() =>
        db.transaction(async (tx) => {
          await tx.query('SELECT pg_sleep(0.8)');
        }),
      );
      const waitingOne = db.query<{ one: number }>('SELECT 1 AS one');
      const waitingTwo = db.transaction((tx) => tx.query<{ two: number }>('SELECT 2 AS two'));
      await Promise.all(busy);
      const [one, two] = await Promise.all([waitingOne, waitingTwo]);
      expect(one.rows).toEqual([{ one: 1 }]);
      expect(two.rows).toEqual([{ two: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('a server that does not answer is still an outage, after the connect timeout', async () => {
    // 10.255.255.1 is not routed here: the connect attempt hangs until the timeout.
    const db = createPgDb({
      connectionString: 'postgres://postgres@10.255.255.1:5432/test',
      max: 2,
      connectionTimeoutMillis: 300,
    });
    try {
      const attempts = await Promise.allSettled([1, 2, 3].map(() => db.query('SELECT 1')));
      for (const attempt of attempts) {
        expect(attempt.status).toBe('rejected');
        expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailableError);
      }
    } finally {
      await db.close();
    }
  });
});
