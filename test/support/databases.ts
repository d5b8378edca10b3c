/**
 * The databases every integration test runs against: embedded PGlite always, and a real PostgreSQL
 * server when TEST_DATABASE_URL is set (each call gets a fresh, uniquely named database).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/db/index.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg.ts';
import { createPgliteDb } from '../../src/db/pglite.ts';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** A new empty database with the schema applied; `dispose` drops it. */
  create(options?: { migrate?: boolean }): Promise<{ db: Db; url?: string; dispose(): Promise<void> }>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function postgresDatabase(baseUrl: string): TestDatabase {
  return {
    name: 'postgres',
    async create(options = {}) {
      const name = `aiops_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      const db = createPgDb({ connectionString: url.toString(), max: 10 });
      if (options.migrate !== false) await migrate(db);
      return {
        db,
        url: url.toString(),
        async dispose() {
          await db.close();
          await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
  };
}

export const pgliteDatabase: TestDatabase = {
  name: 'pglite',
  async create(options = {}) {
    const db = await createPgliteDb();
    if (options.migrate !== false) await migrate(db);
    return { db, dispose: () => db.close() };
  },
};

export function testDatabases(): TestDatabase[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pgliteDatabase, postgresDatabase(url)] : [pgliteDatabase];
}
