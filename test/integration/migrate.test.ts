import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg.ts';
import { testDatabases } from '../support/databases.ts';

describe.each(testDatabases())('migration runner on $name', (database) => {
  it('applies each migration once, in order, even when replicas race', async () => {
    const { db, url, dispose } = await database.create({ migrate: false });
    // Two replicas starting together: separate pools on a server, concurrent calls on the embedded database.
    const replicas = url
      ? [createPgDb({ connectionString: url }), createPgDb({ connectionString: url })]
      : [db, db];
    try {
      const results = await Promise.all([...replicas, ...replicas].map((replica) => migrate(replica)));
      const all = readMigrations().map((migration) => migration.name);
      expect(results.flat().sort()).toEqual([...all].sort());
      const rows = await db.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.rows.map((row) => row.version)).toEqual(
        readMigrations().map((migration) => migration.version),
      );
      expect(await migrate(db)).toEqual([]);
    } finally {
      if (url) await Promise.all(replicas.map((replica) => replica.close()));
      await dispose();
    }
  });

  it('rolls back a failing migration entirely and applies nothing after it', async () => {
    const { db, dispose } = await database.create({ migrate: false });
    const dir = mkdtempSync(path.join(tmpdir(), 'aiops-migrations-'));
    writeFileSync(path.join(dir, '001_first.sql'), 'CREATE TABLE first_table (id int);');
    writeFileSync(
      path.join(dir, '002_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;',
    );
    writeFileSync(path.join(dir, '003_after.sql'), 'CREATE TABLE after_table (id int);');
    try {
      await expect(migrate(db, readMigrations(dir))).rejects.toThrow(/no_such_table/);
      const tables = await db.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(['first_table', 'schema_migrations']);
    } finally {
      await dispose();
    }
  });
});
