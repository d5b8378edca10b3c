/**
 * A delivery whose processing fails is kept as a `failed` row, so nothing is lost even on a bug. When that
 * copy cannot be written either, the loss must be said once, in the log, not swallowed (DESIGN: never
 * swallow an error silently).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';

describe.each(testDatabases())('a failed delivery on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await database.create());
  });
  afterEach(async () => {
    await dispose?.();
  });

  it('logs, with the error, that its failed copy could not be stored either', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const body = JSON.stringify(
      alertmanagerBody({ groupKey: 'g', alerts: [{ labels: { alertname: 'Down', service: 'x' } }] }),
    );
    // Processing fails (no table to store into), and so does storing the failed copy.
    await db.query('ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away');
    try {
      const deps = { db, config: configFrom({}), clock: new ManualClock(new Date()), logger };
      await expect(ingestDelivery(deps, { source: 'alertmanager', rawBody: body })).rejects.toThrow();
    } finally {
      await db.query('ALTER TABLE webhook_deliveries_away RENAME TO webhook_deliveries');
    }
    const said = lines.find((line) => /failed delivery could not be stored/.test(String(line.msg)));
    expect(said).toMatchObject({ level: 50, source: 'alertmanager', bytes: body.length });
    expect(JSON.stringify(said)).toMatch(/webhook_deliveries/);
  });
});
