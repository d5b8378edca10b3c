/**
 * The database seam behaves the same on both backends: parameters of every JS type the app passes, row
 * counts, errors that leave the connection usable, transactions that roll back, and (embedded only) a data
 * folder created on first open and reopened as is.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { createPgliteDb } from '../../src/db/pglite.ts';
import { testDatabases } from '../support/databases.ts';

describe.each(testDatabases())('database seam on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await database.create({ migrate: false }));
    await db.exec(
      'CREATE TABLE seam (id int PRIMARY KEY, note text, at timestamptz, flag boolean, doc jsonb)',
    );
  });
  afterAll(() => dispose());

  it('sends parameters as node-postgres does and parses int8 as a number', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    const result = await db.query<{
      n: number;
      big: number;
      t: string;
      at: Date;
      yes: boolean;
      list: string[];
      doc: unknown;
      nothing: null;
      bytes: string;
    }>(
      `SELECT $1::int AS n, $2::bigint AS big, $3::text AS t, $4::timestamptz AS at, $5::boolean AS yes,
         $6::text[] AS list, $7::jsonb AS doc, $8::text AS nothing, encode($9::bytea, 'hex') AS bytes`,
      [
        42,
        9_007_199_254_740_991,
        'a "quoted", {braced} \\ text',
        at,
        true,
        ['x', 'y,z', null],
        '{"a":[1]}',
        null,
        Buffer.from([0, 255]),
      ],
    );
    expect(result.rows).toEqual([
      {
        n: 42,
        big: 9_007_199_254_740_991,
        t: 'a "quoted", {braced} \\ text',
        at,
        yes: true,
        list: ['x', 'y,z', null],
        doc: { a: [1] },
        nothing: null,
        bytes: '00ff',
      },
    ]);
    expect(result.rowCount).toBe(1);
  });

  it('counts affected rows, and the same statement text runs again with other values', async () => {
    for (const id of [1, 2, 3]) {
      const inserted = await db.query('INSERT INTO seam (id, note) VALUES ($1, $2)', [id, `n${id}`]);
      expect(inserted.rowCount).toBe(1);
    }
    const updated = await db.query('UPDATE seam SET flag = $1 WHERE id >= $2', [false, 2]);
    expect(updated.rowCount).toBe(2);
    const none = await db.query('SELECT id FROM seam WHERE id > $1', [99]);
    expect(none).toEqual({ rows: [], rowCount: 0 });
  });

  it('stays usable after a syntax error, a constraint violation and a rolled-back transaction', async () => {
    await expect(db.query('SELEC id FROM seam WHERE id = $1', [1])).rejects.toMatchObject({ code: '42601' });
    // The text that failed to parse is not remembered as prepared: it fails again the same way.
    await expect(db.query('SELEC id FROM seam WHERE id = $1', [1])).rejects.toMatchObject({ code: '42601' });
    await expect(db.query('INSERT INTO seam (id) VALUES ($1)', [1])).rejects.toMatchObject({ code: '23505' });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO seam (id, note) VALUES ($1, $2)', [10, 'in tx']);
        await tx.query('INSERT INTO seam (id) VALUES ($1)', [1]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO seam (id, note) VALUES ($1, $2)', [11, 'in tx']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const rows = await db.query<{ id: number }>('SELECT id FROM seam WHERE id >= $1 ORDER BY id', [10]);
    expect(rows.rows).toEqual([]);
    const committed = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO seam (id, note) VALUES ($1, $2)', [12, 'kept']);
      return (await tx.query<{ note: string }>('SELECT note FROM seam WHERE id = $1', [12])).rows[0]?.note;
    });
    expect(committed).toBe('kept');
  });

  it('runs concurrent transactions one after another without losing a write', async () => {
    await db.exec('CREATE TABLE counter (n int); INSERT INTO counter VALUES (0);');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const current = await tx.query<{ n: number }>('SELECT n FROM counter FOR UPDATE');
          await tx.query('UPDATE counter SET n = $1', [(current.rows[0]?.n ?? 0) + 1]);
        }),
      ),
    );
    expect((await db.query<{ n: number }>('SELECT n FROM counter')).rows).toEqual([{ n: 20 }]);
  });
});

describe('embedded database folder', () => {
  it('is created on first open, keeps its data and settings, and is reopened as is', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'aiops-pgdata-')), 'pgdata');
    try {
      const first = await createPgliteDb(dir);
      await first.exec("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from the first run');");
      await first.close();
      expect(readFileSync(path.join(dir, 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);

      const second = await createPgliteDb(dir);
      try {
        expect((await second.query('SELECT note FROM kept')).rows).toEqual([{ note: 'from the first run' }]);
        const settings = await second.query<{ buffers: string }>(
          "SELECT current_setting('shared_buffers') AS buffers",
        );
        expect(settings.rows).toEqual([{ buffers: '32MB' }]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
