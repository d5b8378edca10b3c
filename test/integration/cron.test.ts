/** Scheduled jobs: one run per tick across replicas, and each job's sweep with a manual clock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { resolveIncident } from '../../src/incidents/lifecycle.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { type CronJob, CronScheduler } from '../../src/jobs/cron.ts';
import { pruneRetention, resyncDeadThreads } from '../../src/jobs/scheduled.ts';
import { createLogger } from '../../src/logger.ts';
import { JOB_KINDS } from '../../src/queue/kinds.ts';
import { syncIncidentThread } from '../../src/slack/thread.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';

const silent = createLogger('silent');
const DAY = 24 * 60 * 60_000;

describe.each(testDatabases())('cron on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const config = configFrom({});

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
  });
  afterAll(async () => dispose?.());

  const ingest = async (groupKey: string) => {
    const body = alertmanagerBody({
      groupKey,
      alerts: [{ labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' } }],
    });
    return ingestDelivery({ db, config, clock }, { source: 'alertmanager', rawBody: JSON.stringify(body) });
  };

  it('runs a tick once across two schedulers on one database, even when both fire together', async () => {
    let runs = 0;
    const job: CronJob = {
      name: 'count',
      schedule: '* * * * *',
      run: async () => {
        runs += 1;
        return runs;
      },
    };
    const a = new CronScheduler({ db, clock, logger: silent, jobs: [job], instanceId: 'a' });
    const b = new CronScheduler({ db, clock, logger: silent, jobs: [job], instanceId: 'b' });
    // The two replicas' timers fire a few hundred ms apart within the same scheduled minute.
    const tick = new Date('2026-03-01T10:05:00.000Z');
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).runTick(job, new Date(tick.getTime() + i * 100))),
    );
    expect(outcomes.filter((outcome) => outcome.ran)).toHaveLength(1);
    expect(runs).toBe(1);
    // The next minute runs again.
    const next = await b.runTick(job, new Date('2026-03-01T10:06:00.300Z'));
    expect(next.ran).toBe(true);
    expect(runs).toBe(2);
    const rows = await db.query<{ claimed_by: string; finished_at: Date | null }>(
      "SELECT claimed_by, finished_at FROM cron_runs WHERE name = 'count' ORDER BY tick",
    );
    expect(rows.rows).toHaveLength(2);
    expect(rows.rows.every((row) => row.finished_at !== null)).toBe(true);
  });

  it('records a failed run and lets the next tick run', async () => {
    let fail = true;
    const job: CronJob = {
      name: 'flaky',
      schedule: '*/5 * * * *',
      run: async () => {
        if (fail) throw new Error('database restarted');
        return 'ok';
      },
    };
    const scheduler = new CronScheduler({ db, clock, logger: silent, jobs: [job] });
    expect(await scheduler.runTick(job, new Date('2026-03-01T10:05:00Z'))).toEqual({
      ran: false,
      reason: 'failed',
    });
    fail = false;
    expect(await scheduler.runTick(job, new Date('2026-03-01T10:10:00Z'))).toEqual({
      ran: true,
      result: 'ok',
    });
    const failed = await db.query<{ error: string | null }>(
      "SELECT error FROM cron_runs WHERE name = 'flaky' ORDER BY tick",
    );
    expect(failed.rows.map((row) => row.error)).toEqual(['database restarted', null]);
  });

  it('refuses an invalid schedule at construction', () => {
    expect(
      () =>
        new CronScheduler({
          db,
          clock,
          logger: silent,
          jobs: [{ name: 'x', schedule: 'every minute', run: async () => null }],
        }),
    ).toThrow(/invalid schedule/);
  });

  it('re-syncs a thread whose sync job died, once, and leaves synced threads alone', async () => {
    const behind = (await ingest('{}:{flow="resync-behind"}')).incidentIds[0] as number;
    const current = (await ingest('{}:{flow="resync-current"}')).incidentIds[0] as number;
    await syncIncidentThread({ db, clock }, current);
    // Both incidents' sync jobs died (Slack down through every attempt).
    await db.query(`UPDATE jobs SET status = 'dead', updated_at = $1 WHERE kind = $2`, [
      clock.now(),
      JOB_KINDS.syncIncident,
    ]);
    clock.advance(5 * 60_000);
    expect(await resyncDeadThreads(db, clock.now())).toEqual({ queued: [behind], remediations: [] });
    // Pending now: the next sweep adds nothing.
    expect(await resyncDeadThreads(db, clock.now())).toEqual({ queued: [], remediations: [] });
    // Once it ran the thread is current and nothing is queued again.
    await db.query(`UPDATE jobs SET status = 'done', updated_at = $1 WHERE status = 'pending'`, [
      clock.now(),
    ]);
    await syncIncidentThread({ db, clock }, behind);
    clock.advance(5 * 60_000);
    expect(await resyncDeadThreads(db, clock.now())).toEqual({ queued: [], remediations: [] });
  });

  it("re-queues a remediation message's dead sync once, unless a later one ran", async () => {
    await db.query(
      `INSERT INTO jobs (kind, payload, status, run_at, created_at, updated_at)
       VALUES ($1, '{"remediationId": 501}', 'dead', $2, $2, $2),
              ($1, '{"remediationId": 502}', 'dead', $2, $2, $2),
              ($1, '{"remediationId": 502}', 'done', $3, $3, $3)`,
      [JOB_KINDS.syncRemediation, clock.now(), new Date(clock.now().getTime() + 1000)],
    );
    clock.advance(5 * 60_000);
    expect((await resyncDeadThreads(db, clock.now())).remediations).toEqual([501]);
    expect((await resyncDeadThreads(db, clock.now())).remediations).toEqual([]);
  });

  it('deletes old raw deliveries except those of open incidents, and old cron rows', async () => {
    const start = clock.now();
    const open = await ingest('{}:{flow="retention-open"}');
    const closed = await ingest('{}:{flow="retention-closed"}');
    await resolveIncident(db, {
      incidentId: closed.incidentIds[0] as number,
      actor: 'test',
      now: clock.now(),
    });
    clock.advance(31 * DAY);
    const fresh = await ingest('{}:{flow="retention-fresh"}');
    const result = await pruneRetention(db, clock.now(), { deliveriesDays: 30, failedDeliveriesDays: 90 });
    const left = await db.query<{ id: number }>('SELECT id FROM webhook_deliveries WHERE received_at >= $1', [
      start,
    ]);
    const ids = left.rows.map((row) => Number(row.id));
    expect(ids).toContain(open.deliveryId);
    expect(ids).toContain(fresh.deliveryId);
    expect(ids).not.toContain(closed.deliveryId);
    expect(result.deliveries).toBeGreaterThanOrEqual(1);
    expect(result.cronRuns).toBeGreaterThanOrEqual(1);
    expect(Number((await db.query('SELECT 1 FROM cron_runs')).rowCount)).toBe(0);
    // The incidents themselves stay.
    const incident = await db.query('SELECT 1 FROM incidents WHERE id = $1', [closed.incidentIds[0]]);
    expect(incident.rowCount).toBe(1);
  });

  it('reads retention.rawDeliveries from aiops.yml (30 and 90 days by default)', () => {
    expect(configFrom({}).file.retention).toEqual({ rawDeliveries: { days: 30, failedDays: 90 } });
    const yaml = 'retention: { rawDeliveries: { days: 7, failedDays: 60 } }\n';
    expect(configFrom({}, yaml).file.retention.rawDeliveries).toEqual({ days: 7, failedDays: 60 });
    // The first spelling still works.
    expect(configFrom({}, 'retention: { deliveriesDays: 7 }\n').file.retention.rawDeliveries).toEqual({
      days: 7,
      failedDays: 90,
    });
    expect(() => configFrom({}, 'retention: { rawDeliveries: { days: 0 } }\n')).toThrow(
      /retention\.rawDeliveries\.days/,
    );
    expect(() => configFrom({}, 'retention: { deliveriesDays: 0 }\n')).toThrow(/retention\.rawDeliveries/);
    expect(() => configFrom({}, 'retention: { deliveriesDays: 7, rawDeliveries: { days: 7 } }\n')).toThrow(
      /deliveriesDays/,
    );
  });
});
