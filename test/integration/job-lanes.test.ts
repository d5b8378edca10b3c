/**
 * The job worker runs jobs in lanes (issue 13): a new incident's root message and first answer are not
 * queued behind a job that takes its time — another incident's, a remediation run. One lane at a time, the
 * jobs of a webhook storm's new incidents waited for each other, ~20 statements each, and on a loaded
 * machine the last incidents' first answers came seconds after their alerts (`npm run bench:analysis`).
 * Through the real app (its worker started as `npm start` starts it) and a worker driven directly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/index.ts';
import { JobWorker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { enqueueJob } from '../../src/queue/jobs.ts';
import { startTestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { waitFor } from '../support/wait.ts';

/** A job handler that starts, then waits until released. */
function heldHandler() {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started: number[] = [];
  return {
    started,
    release: () => release(),
    handler: async (job: { id: number }) => {
      started.push(job.id);
      await released;
    },
  };
}

describe.each(testDatabases())('job worker lanes on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
  });
  afterAll(async () => dispose?.());
  beforeEach(async () => {
    await db.query('DELETE FROM jobs');
  });

  it("does not hold a new incident's root message and first answer behind a slow job", async () => {
    const held = heldHandler();
    const app = await startTestApp(db, { jobHandlers: { 'test-held': held.handler } });
    try {
      await enqueueJob(db, app.clock.now(), 'test-held', {});
      app.app.jobs.wake();
      await waitFor(() => held.started.length === 1);

      const response = await fetch(`${app.url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          alertmanagerBody({
            groupKey: 'lanes',
            alerts: [{ labels: { alertname: 'HighErrorRate', service: 'lanes', severity: 'critical' } }],
          }),
        ),
      });
      expect(response.status).toBe(202);
      const { incidentId } = await waitFor(async () => {
        const row = await db.query<{ incident_id: number; stage: string }>(
          `SELECT a.incident_id, a.stage FROM incident_analyses a JOIN incidents i ON i.id = a.incident_id
           WHERE i.service = 'lanes'`,
        );
        return row.rows[0] ? { incidentId: row.rows[0].incident_id, stage: row.rows[0].stage } : false;
      });
      // The slow job still runs; the root message and the first answer went out meanwhile.
      expect(held.started).toHaveLength(1);
      const status = await db.query<{ status: string }>("SELECT status FROM jobs WHERE kind = 'test-held'");
      expect(status.rows[0]?.status).toBe('running');
      await waitFor(() => app.printed.length >= 2);
      expect(app.printed.join('\n')).toContain('HighErrorRate');
      const stages = await db.query<{ stage: string }>(
        'SELECT stage FROM incident_analyses WHERE incident_id = $1',
        [incidentId],
      );
      expect(stages.rows.map((row) => row.stage)).toEqual(['first']);
    } finally {
      held.release();
      await app.close();
    }
  });

  it('spreads a burst over its lanes, one job each, and runs on once a lane is free', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const held = heldHandler();
    const worker = new JobWorker({
      db,
      clock,
      logger: createLogger('silent'),
      handlers: { 'test-held': held.handler },
    });
    const ids: number[] = [];
    for (let i = 0; i < 3; i += 1)
      ids.push((await enqueueJob(db, clock.now(), 'test-held', { i })) as number);
    worker.start({ concurrency: 2 });
    try {
      // Two lanes: two jobs run at once; the third waits for a free lane.
      await waitFor(() => held.started.length === 2);
      const running = await db.query<{ id: number }>(
        "SELECT id FROM jobs WHERE status = 'running' ORDER BY id",
      );
      expect(running.rows.map((row) => row.id)).toEqual(ids.slice(0, 2));
      held.release();
      await waitFor(async () => {
        const done = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM jobs WHERE status = 'done'",
        );
        return done.rows[0]?.n === 3;
      });
      expect(held.started.sort((a, b) => a - b)).toEqual(ids);
    } finally {
      held.release();
      await worker.stop();
    }
  });
});
