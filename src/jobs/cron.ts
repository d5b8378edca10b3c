/**
 * Scheduled jobs with node-cron, replica-safe: every replica schedules every job, and each tick runs in
 * exactly one of them — the one whose INSERT of `(name, tick)` into `cron_runs` wins (a primary key, so
 * it works the same on PGlite and on a server, and a late replica finds the row and skips). The tick is
 * the scheduled minute, not the moment the timer fired, so replicas whose timers fire a little apart
 * still agree on it. A replica that dies mid-run leaves the tick claimed: the next tick runs normally
 * (every job here is a catch-up sweep, so a missed tick costs one interval, never work).
 */
import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';

export interface CronJob {
  /** Unique per job: the `cron_runs` key. */
  name: string;
  /** A five-field cron expression (minute granularity). */
  schedule: string;
  /** Does the work as of `now` (the app clock); returns something to log (counts). */
  run(now: Date): Promise<unknown>;
}

export interface CronSchedulerOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  jobs: CronJob[];
  instanceId?: string;
  /** node-cron timezone of the expressions (UTC by default, so every replica agrees). */
  timezone?: string;
}

export type TickOutcome = { ran: true; result: unknown } | { ran: false; reason: 'taken' | 'failed' };

/** The minute a tick belongs to: node-cron fires at the scheduled second, maybe a little late. */
export function tickOf(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000);
}

/** Claims `(name, tick)` for this instance; false when another replica (or an earlier call) has it. */
export async function claimTick(db: Db, name: string, tick: Date, instanceId: string, now: Date) {
  const result = await db.query(
    `INSERT INTO cron_runs (name, tick, claimed_by, claimed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name, tick) DO NOTHING`,
    [name, tickOf(tick), instanceId, now],
  );
  return result.rowCount > 0;
}

export class CronScheduler {
  readonly instanceId: string;
  private tasks: ScheduledTask[] = [];

  constructor(private readonly options: CronSchedulerOptions) {
    this.instanceId = options.instanceId ?? `cron-${randomUUID().slice(0, 8)}`;
    for (const job of options.jobs) {
      if (!cron.validate(job.schedule))
        throw new Error(`cron job ${job.name}: invalid schedule ${job.schedule}`);
    }
  }

  get jobs(): readonly CronJob[] {
    return this.options.jobs;
  }

  /**
   * Runs `job` for `tick` unless another replica already did: what the schedule calls, and what tests call
   * with a manual clock. A failure is logged and recorded on the tick's row; the next tick tries again.
   */
  async runTick(job: CronJob, tick: Date): Promise<TickOutcome> {
    const { db, clock, logger } = this.options;
    if (!(await claimTick(db, job.name, tick, this.instanceId, clock.now()))) {
      return { ran: false, reason: 'taken' };
    }
    try {
      const result = await job.run(clock.now());
      await db.query('UPDATE cron_runs SET finished_at = $3 WHERE name = $1 AND tick = $2', [
        job.name,
        tickOf(tick),
        clock.now(),
      ]);
      logger.info({ cron: job.name, tick: tickOf(tick).toISOString(), result }, 'cron job ran');
      return { ran: true, result };
    } catch (error) {
      logger.error({ err: error, cron: job.name, tick: tickOf(tick).toISOString() }, 'cron job failed');
      await db
        .query('UPDATE cron_runs SET finished_at = $3, error = $4 WHERE name = $1 AND tick = $2', [
          job.name,
          tickOf(tick),
          clock.now(),
          (error instanceof Error ? error.message : String(error)).slice(0, 2000),
        ])
        .catch(() => undefined);
      return { ran: false, reason: 'failed' };
    }
  }

  start(): void {
    if (this.tasks.length > 0) return;
    for (const job of this.options.jobs) {
      const task = cron.schedule(
        job.schedule,
        async (context) => {
          await this.runTick(job, context.date).catch((error: unknown) => {
            this.options.logger.warn({ err: error, cron: job.name }, 'cron tick could not be claimed');
          });
        },
        {
          name: `aiops:${job.name}`,
          timezone: this.options.timezone ?? 'Etc/UTC',
          // A slow run never overlaps itself within a replica; across replicas the claim decides.
          noOverlap: true,
          // The process exits on SIGTERM without waiting for the next tick.
          unref: true,
        },
      );
      this.tasks.push(task);
    }
  }

  async stop(): Promise<void> {
    const tasks = this.tasks;
    this.tasks = [];
    await Promise.all(tasks.map((task) => task.destroy()));
  }
}
