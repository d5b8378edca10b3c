/**
 * Retention of raw webhook deliveries with a manual clock: what is deleted and what is kept (deliveries of
 * open incidents; failed ones for longer), in batches that never rescan what they keep, run once per
 * tick by the node-cron scheduler with a log line of counts; and the database size in /metrics.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { resolveIncident } from '../../src/incidents/lifecycle.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { CronScheduler } from '../../src/jobs/cron.ts';
import { pruneRetention, scheduledJobs } from '../../src/jobs/scheduled.ts';
import { createLogger } from '../../src/logger.ts';
import { startTestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';

const DAY = 24 * 60 * 60_000;

describe.each(testDatabases())('raw-delivery retention on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let clock: ManualClock;
  const config = configFrom({});

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
  }, 180_000); // PGlite's start and migrations take over a minute on the shared VM under load
  afterAll(async () => dispose?.());
  beforeEach(async () => {
    // One database for the file (creating one is slow on a loaded machine); each test starts empty.
    await db.exec('TRUNCATE webhook_deliveries, incidents, cron_runs, jobs RESTART IDENTITY CASCADE');
    clock = new ManualClock('2026-01-01T00:00:00Z');
  });

  const ingest = async (groupKey: string, status: 'firing' | 'resolved' = 'firing') => {
    const body = alertmanagerBody({
      groupKey,
      alerts: [{ status, labels: { alertname: 'HighErrorRate', service: groupKey, severity: 'critical' } }],
    });
    const result = await ingestDelivery(
      { db, config, clock },
      { source: 'alertmanager', rawBody: JSON.stringify(body) },
    );
    clock.advance(60_000);
    return result;
  };
  /** A delivery whose processing failed, stored for replay (as ingest's storeFailedDelivery does). */
  const failedDelivery = async () => {
    const row = await db.query<{ id: number }>(
      `INSERT INTO webhook_deliveries (source, received_at, raw_body, outcome, note)
       VALUES ('alertmanager', $1, '{"version":"4"}', 'failed', 'boom') RETURNING id`,
      [clock.now()],
    );
    clock.advance(60_000);
    return Number(row.rows[0]?.id);
  };
  const remainingIds = async () =>
    (await db.query<{ id: number }>('SELECT id FROM webhook_deliveries ORDER BY id')).rows.map((row) =>
      Number(row.id),
    );

  it('deletes old deliveries in batches, keeping open incidents’ and recent failed ones', async () => {
    const veryOldFailed = await failedDelivery(); // 100 days old at the run: past failedDays
    clock.advance(60 * DAY);
    const resolvedIds: number[] = [];
    const openIds: number[] = [];
    // Interleaved: deliveries of an incident that gets resolved and of one that stays open.
    for (let i = 0; i < 5; i += 1) {
      resolvedIds.push((await ingest('closed')).deliveryId);
      openIds.push((await ingest('open')).deliveryId);
    }
    const ignored = (await ingest('never-opened', 'resolved')).deliveryId; // no incident: ignored
    const recentFailed = await failedDelivery(); // 40 days old at the run: kept
    const closed = (await db.query<{ id: number }>("SELECT id FROM incidents WHERE service = 'closed'"))
      .rows[0]?.id as number;
    await resolveIncident(db, { incidentId: Number(closed), actor: 'test', now: clock.now() });
    clock.advance(40 * DAY);
    const fresh = (await ingest('later')).deliveryId; // a new incident, today: kept

    const result = await pruneRetention(db, clock.now(), {
      deliveriesDays: 30,
      failedDeliveriesDays: 90,
      batch: 3,
    });
    expect(result).toMatchObject({
      deliveries: 6, // 5 of the resolved incident, 1 ignored
      failedDeliveries: 1,
      keptForOpenIncidents: 5,
      batches: 5, // 13 old rows up to the newest old one, 3 at a time
    });
    expect(result.databaseBytes.before).toBeGreaterThan(0);
    expect(result.databaseBytes.after).toBeGreaterThan(0);
    expect(await remainingIds()).toEqual([...openIds, recentFailed, fresh]);
    expect(await remainingIds()).not.toContain(ignored);
    expect(await remainingIds()).not.toContain(veryOldFailed);
    expect(resolvedIds.length).toBe(5);

    // Nothing more to delete: the next run only walks the rows it keeps.
    const again = await pruneRetention(db, clock.now(), {
      deliveriesDays: 30,
      failedDeliveriesDays: 90,
      batch: 3,
    });
    expect(again).toMatchObject({ deliveries: 0, failedDeliveries: 0, keptForOpenIncidents: 5, batches: 2 });
    expect(again.databaseBytes.after).toBe(again.databaseBytes.before);

    // Once the incident is resolved its deliveries go too; the failed one once past 90 days.
    const open = (await db.query<{ id: number }>("SELECT id FROM incidents WHERE service = 'open'")).rows[0]
      ?.id as number;
    await resolveIncident(db, { incidentId: Number(open), actor: 'test', now: clock.now() });
    clock.advance(60 * DAY);
    const last = await pruneRetention(db, clock.now(), { deliveriesDays: 30, failedDeliveriesDays: 90 });
    expect(last).toMatchObject({ deliveries: 5, failedDeliveries: 1, keptForOpenIncidents: 1 });
    expect(await remainingIds()).toEqual([fresh]);
  });

  it('runs from aiops.yml once per tick through the scheduler and logs its counts', async () => {
    for (let i = 0; i < 4; i += 1) await ingest('closed');
    const closed = (await db.query<{ id: number }>("SELECT id FROM incidents WHERE service = 'closed'"))
      .rows[0]?.id as number;
    await resolveIncident(db, { incidentId: Number(closed), actor: 'test', now: clock.now() });
    clock.advance(8 * DAY);
    await ingest('fresh');

    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const yamlConfig = configFrom({}, 'retention:\n  rawDeliveries: { days: 7 }\n');
    const jobs = scheduledJobs({ db, config: yamlConfig, clock });
    const retention = jobs.find((job) => job.name === 'retention');
    expect(retention?.schedule).toBe('17 3 * * *');
    const replicas = ['a', 'b'].map(
      (instanceId) => new CronScheduler({ db, clock, logger, jobs, instanceId }),
    );
    const tick = new Date('2026-01-10T03:17:00Z');
    const outcomes = await Promise.all(
      replicas.map((replica) => replica.runTick(retention as (typeof jobs)[number], tick)),
    );
    expect(outcomes.filter((outcome) => outcome.ran)).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.ran)).toMatchObject({
      result: { deliveries: 4, failedDeliveries: 0, keptForOpenIncidents: 0 },
    });
    const logged = lines.map((line) => JSON.parse(line)).find((line) => line.cron === 'retention');
    expect(logged).toMatchObject({
      msg: 'cron job ran',
      result: { deliveries: 4, failedDeliveries: 0, databaseBytes: { before: expect.any(Number) } },
    });
    expect((await remainingIds()).length).toBe(1);
  });

  it('reports the database size and the big tables in /metrics', async () => {
    await ingest('metrics');
    await db.exec('ANALYZE'); // the row estimates exist once a table was analysed (or vacuumed)
    const app = await startTestApp(db);
    try {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const size = Number(/^aiops_database_size_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text)?.[1]);
      expect(size).toBeGreaterThan(1_000_000);
      expect(text).toMatch(/^aiops_table_size_bytes\{table="webhook_deliveries"\} \d+/m);
      expect(text).toMatch(/^aiops_table_size_bytes\{table="alerts"\} \d+/m);
      expect(text).toMatch(/^aiops_table_rows_estimate\{table="webhook_deliveries"\} \d+/m);
    } finally {
      await app.close();
    }
  });
});
