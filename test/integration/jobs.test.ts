import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/index.ts';
import { JobWorker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { claimJobs, completeJob, enqueueJob, failJob, type Job } from '../../src/queue/jobs.ts';
import { testDatabases } from '../support/databases.ts';

const silent = createLogger('silent');

describe.each(testDatabases())('durable job queue on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  const clock = new ManualClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
  });
  afterAll(async () => dispose?.());
  beforeEach(async () => {
    await db.query('DELETE FROM jobs');
  });

  const claim = (workerId: string, limit = 10, kinds = ['analyze-incident']) =>
    claimJobs(db, { now: clock.now(), workerId, kinds, leaseMs: 30_000, limit });
  const statusOf = async (id: number) =>
    (
      await db.query<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM jobs WHERE id = $1',
        [id],
      )
    ).rows[0];

  it('keeps at most one pending job per dedupe key', async () => {
    const first = await enqueueJob(
      db,
      clock.now(),
      'analyze-incident',
      { incidentId: 1 },
      { dedupeKey: 'a:1' },
    );
    const second = await enqueueJob(
      db,
      clock.now(),
      'analyze-incident',
      { incidentId: 1 },
      { dedupeKey: 'a:1' },
    );
    expect(first).toBeTypeOf('number');
    expect(second).toBeNull();
    // Once the pending job is claimed, a new change may enqueue again.
    await claim('w1');
    expect(
      await enqueueJob(db, clock.now(), 'analyze-incident', { incidentId: 1 }, { dedupeKey: 'a:1' }),
    ).toBeTypeOf('number');
  });

  it('never gives one job to two workers claiming at the same time', async () => {
    for (let i = 0; i < 40; i += 1) await enqueueJob(db, clock.now(), 'analyze-incident', { incidentId: i });
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(`w${i}`, 10)));
    const ids = claims.flat().map((job) => job.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });

  it('only claims due jobs of the kinds the worker handles', async () => {
    await enqueueJob(db, clock.now(), 'other-kind', {});
    await enqueueJob(
      db,
      clock.now(),
      'analyze-incident',
      {},
      { runAt: new Date(clock.now().getTime() + 60_000) },
    );
    expect(await claim('w1')).toEqual([]);
    clock.advance(60_000);
    expect(await claim('w1')).toHaveLength(1);
  });

  it('gives a job whose worker died to another worker after the lease, and refuses the late finish', async () => {
    const id = (await enqueueJob(db, clock.now(), 'analyze-incident', {})) as number;
    const [taken] = await claim('dying');
    expect(await claim('healthy')).toEqual([]);
    clock.advance(30_001);
    const [retaken] = await claim('healthy');
    expect(retaken?.id).toBe(id);
    expect(retaken?.attempts).toBe(2);
    expect(await completeJob(db, taken as Job, 'dying', clock.now())).toBe(false);
    expect(await completeJob(db, retaken as Job, 'healthy', clock.now())).toBe(true);
    expect(await statusOf(id)).toMatchObject({ status: 'done' });
  });

  it('retries a failed job with backoff and dead-letters it after max attempts', async () => {
    const id = (await enqueueJob(db, clock.now(), 'analyze-incident', {}, { maxAttempts: 2 })) as number;
    const [first] = await claim('w');
    expect(await failJob(db, first as Job, 'w', clock.now(), new Error('LLM timeout'))).toBe('retry');
    expect(await claim('w')).toEqual([]); // backing off
    clock.advance(5_000);
    const [second] = await claim('w');
    expect(second?.attempts).toBe(2);
    expect(await failJob(db, second as Job, 'w', clock.now(), new Error('LLM timeout again'))).toBe('dead');
    const row = await db.query<{ status: string; last_error: string }>(
      'SELECT status, last_error FROM jobs WHERE id = $1',
      [id],
    );
    expect(row.rows[0]).toEqual({ status: 'dead', last_error: 'LLM timeout again' });
  });

  it('runs handlers through JobWorker, retrying failures until they succeed', async () => {
    const seen: number[] = [];
    let failuresLeft = 1;
    const worker = new JobWorker({
      db,
      clock,
      logger: silent,
      handlers: {
        'analyze-incident': async (job) => {
          if (failuresLeft-- > 0) throw new Error('transient');
          seen.push(job.payload.incidentId as number);
        },
      },
    });
    const id = (await enqueueJob(db, clock.now(), 'analyze-incident', { incidentId: 7 })) as number;
    expect(await worker.runOnce()).toBe(1);
    expect(await statusOf(id)).toMatchObject({ status: 'pending', attempts: 1 });
    clock.advance(5_000);
    expect(await worker.runOnce()).toBe(1);
    expect(seen).toEqual([7]);
    expect(await statusOf(id)).toMatchObject({ status: 'done', attempts: 2 });
  });
});
