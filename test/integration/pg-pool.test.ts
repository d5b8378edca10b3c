/**
 * The PostgreSQL pool under a burst (issue 8's 100 concurrent Approve clicks on a loaded machine): waiting
 * for a free connection is not an outage. pg-pool counts the wait for a busy pool against
 * connectionTimeoutMillis, which turned a burst into DatabaseUnavailableError ("timeout exceeded when
 * trying to connect") and failed clicks that only had to queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb } from '../../src/db/pg.ts';
import { DatabaseUnavailableError } from '../../src/errors.ts';
import { postgresDatabase } from '../support/databases.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

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
