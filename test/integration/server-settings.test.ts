/**
 * The start-up check of the database server's settings: autovacuum off is said (PostgreSQL only), in the log,
 * and a server that cannot be asked is logged, never fatal.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { serverSettingWarnings, warnAboutServerSettings } from '../../src/db/server-settings.ts';
import { createLogger } from '../../src/logger.ts';
import { testDatabases } from '../support/databases.ts';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe.each(testDatabases())('server settings on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await database.create({ migrate: false }));
  });
  afterAll(() => dispose());

  it('warns about autovacuum off on PostgreSQL, and only then', async () => {
    const warnings = await serverSettingWarnings(db);
    if (db.kind === 'pglite') {
      expect(warnings).toEqual([]);
      return;
    }
    const setting = (await db.query<{ v: string }>("SELECT current_setting('autovacuum') AS v")).rows[0]?.v;
    expect(warnings).toHaveLength(setting === 'off' ? 1 : 0);
    if (setting === 'off') expect(warnings[0]).toMatch(/autovacuum off.*incidents/);
  });

  it('logs each warning, and a failed check is a warning, not a crash', async () => {
    const { logger, lines } = capturingLogger();
    await warnAboutServerSettings(db, logger);
    const expected = await serverSettingWarnings(db);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.msg)).toEqual(expected);

    const broken: Db = {
      ...db,
      kind: 'pg',
      query: async () => {
        throw new Error('connection refused');
      },
    };
    const failed = capturingLogger();
    await expect(warnAboutServerSettings(broken, failed.logger)).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(failed.lines.map((line) => line.msg)).toEqual(['could not read the database server settings']);
  });
});
