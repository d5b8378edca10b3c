/**
 * Polls the job queue and runs handlers by kind. Several workers (in one process or many) share the
 * table safely; see queue.ts. A handler that throws is retried with backoff until its attempts run out.
 *
 * The database going away is not a job failure: a job it interrupts is given back without counting the
 * attempt (so an outage never burns jobs to `dead`), what could not be recorded while it was down (a job
 * finished, failed or interrupted) is recorded first thing when it is back, and polling backs off
 * meanwhile (OutageBackoff). A worker that dies instead leaves its claims to expire with their lease.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import { OutageBackoff } from '../db/outage.ts';
import { isDatabaseUnavailable } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { claimJobs, completeJob, failJob, heldJobs, type Job, releaseJob } from '../queue/jobs.ts';

export type JobHandler = (job: Job) => Promise<void>;

export interface JobWorkerOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  handlers: Record<string, JobHandler>;
  workerId?: string;
  leaseMs?: number;
  pollMs?: number;
  batchSize?: number;
  /** Cap of the backoff while the database is unreachable. */
  maxOutageBackoffMs?: number;
  /**
   * Called after a job ran and its outcome was recorded (the app wakes the Slack poster: a job that queued a
   * message has it sent at once instead of at the poster's next poll).
   */
  afterJob?: (job: Job) => void;
  /** How its logs name it ('job worker' by default). */
  name?: string;
}

export interface RoundOptions {
  /** Also take jobs due within this time (debounced work the CLI wants done now). */
  aheadMs?: number;
  kinds?: readonly string[];
  /** At most this many jobs (the worker's batchSize by default). */
  limit?: number;
  /** Called once jobs were claimed, before they run. */
  onClaimed?: () => void;
}

/** What happened to a claimed job that the database was not there to record. */
type Unsettled =
  | { job: Job; outcome: 'done' }
  | { job: Job; outcome: 'failed'; error: unknown }
  | { job: Job; outcome: 'interrupted' };

export class JobWorker {
  readonly workerId: string;
  private stopped = true;
  /** Claimed jobs whose outcome waits for the database, by id. */
  private readonly unsettled = new Map<number, Unsettled>();
  /** Claimed jobs being run now. */
  private readonly inFlight = new Set<number>();
  /** The database failed under us since we last looked for claims we do not know we hold. */
  private orphansPossible = false;
  /** Rounds of this worker under way (runOnce may be called concurrently). */
  private active = 0;
  private readonly outage: OutageBackoff;

  constructor(private readonly options: JobWorkerOptions) {
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.outage = new OutageBackoff({
      logger: options.logger,
      what: options.name ?? 'job worker',
      initialMs: Math.min(options.pollMs ?? 1_000, 250),
      maxMs: options.maxOutageBackoffMs ?? 10_000,
    });
  }

  /**
   * Claims what is due and runs it; returns how many jobs it ran. Safe to call concurrently with others.
   * `aheadMs` also takes jobs due within that time (debounced work the CLI wants done now).
   */
  async runOnce(options: RoundOptions = {}): Promise<number> {
    try {
      return await this.claimAndRun(options);
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.orphansPossible = true;
      throw error;
    }
  }

  private async claimAndRun(options: RoundOptions): Promise<number> {
    this.active += 1;
    try {
      return await this.round(options);
    } finally {
      this.active -= 1;
    }
  }

  private async round(options: RoundOptions): Promise<number> {
    const { db, clock, handlers } = this.options;
    await this.settle();
    // Only with no other round of this worker under way, whose fresh claim could look like an orphan.
    if (this.orphansPossible && this.active === 1) await this.releaseOrphans();
    const now = clock.now();
    const jobs = await claimJobs(db, {
      now,
      dueBy: new Date(now.getTime() + (options.aheadMs ?? 0)),
      workerId: this.workerId,
      kinds: options.kinds ?? Object.keys(handlers),
      leaseMs: this.options.leaseMs ?? 60_000,
      limit: options.limit ?? this.options.batchSize ?? 10,
    });
    if (jobs.length > 0) options.onClaimed?.();
    for (const job of jobs) this.inFlight.add(job.id);
    try {
      for (const [index, job] of jobs.entries()) {
        try {
          await this.runJob(job);
        } catch (error) {
          // The database is gone: the rest of the batch is given back untouched once it returns.
          for (const rest of jobs.slice(index + 1))
            this.unsettled.set(rest.id, { job: rest, outcome: 'interrupted' });
          throw error;
        }
      }
    } finally {
      for (const job of jobs) this.inFlight.delete(job.id);
    }
    return jobs.length;
  }

  /**
   * After an outage: a claim the database committed while its answer was lost with the connection is held
   * under this worker's name with nobody running it. Given back now rather than after its lease.
   */
  private async releaseOrphans(): Promise<void> {
    const { db, clock, logger } = this.options;
    let released = 0;
    for (const job of await heldJobs(db, this.workerId)) {
      if (this.inFlight.has(job.id) || this.unsettled.has(job.id)) continue;
      const now = clock.now();
      if (
        (await releaseJob(db, job, this.workerId, now, now, 'interrupted: database unavailable')) ===
        'released'
      )
        released += 1;
    }
    this.orphansPossible = false;
    if (released > 0) logger.info({ released }, 'gave back jobs claimed as the database went away');
  }

  /** Runs one claimed job; throws only when the database is unreachable (the job is then unsettled). */
  private async runJob(job: Job): Promise<void> {
    const handler = this.options.handlers[job.kind];
    let outcome: Unsettled;
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job);
      outcome = { job, outcome: 'done' };
    } catch (error) {
      outcome = isDatabaseUnavailable(error)
        ? { job, outcome: 'interrupted' }
        : { job, outcome: 'failed', error };
    }
    try {
      await this.record(outcome);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.unsettled.set(job.id, outcome);
      throw error;
    }
    if (outcome.outcome === 'done') this.options.afterJob?.(job);
    if (outcome.outcome === 'interrupted') {
      // The handler lost the database but recording worked: it came back already. Still an outage signal.
      this.options.logger.warn(
        { jobId: job.id, kind: job.kind },
        'job interrupted by a database outage; given back',
      );
    }
  }

  private async record(entry: Unsettled): Promise<void> {
    const { db, clock, logger } = this.options;
    const { job } = entry;
    const now = clock.now();
    if (entry.outcome === 'done') {
      await completeJob(db, job, this.workerId, now);
    } else if (entry.outcome === 'interrupted') {
      await releaseJob(db, job, this.workerId, now, now, 'interrupted: database unavailable');
    } else {
      const outcome = await failJob(db, job, this.workerId, now, entry.error);
      const log = outcome === 'dead' ? logger.error.bind(logger) : logger.warn.bind(logger);
      log({ err: entry.error, jobId: job.id, kind: job.kind, attempts: job.attempts, outcome }, 'job failed');
    }
  }

  /** Records what the database missed while it was down; throws while it still is. */
  private async settle(): Promise<void> {
    for (const [id, entry] of this.unsettled) {
      try {
        await this.record(entry);
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        // Not recordable for another reason: its lease runs out and the job is claimed again.
        this.options.logger.error(
          { err: error, jobId: id },
          'could not record a job outcome after an outage',
        );
      }
      this.unsettled.delete(id);
    }
  }

  private lanes: Lane[] = [];

  /**
   * Polls until stopped; `kinds` limits what it claims (every kind it has a handler for by default).
   * `concurrency` lanes run jobs at once (1 by default). With more than one, each lane claims one job at a
   * time and wakes an idle lane as soon as it got one, so a burst spreads over the lanes and a slow job
   * (another incident's, a remediation run) holds up only its own lane. The first lane polls when idle; the
   * others wait to be woken.
   */
  start(options: { kinds?: readonly string[]; concurrency?: number } = {}): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { kinds } = options;
    const count = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.lanes = [];
    for (let index = 0; index < count; index += 1) {
      const lane: Lane = { timer: null, running: null, woken: false, tick: async () => {} };
      lane.tick = async () => {
        if (this.stopped) return;
        lane.timer = null;
        lane.woken = false;
        let wait: number | null = null;
        lane.running = this.runOnce({
          ...(kinds ? { kinds } : {}),
          ...(count > 1 ? { limit: 1, onClaimed: () => this.wakeIdle(lane) } : {}),
        }).then(
          (ran) => {
            this.outage.succeeded();
            return ran;
          },
          (error: unknown) => {
            wait = this.outage.failed(error);
            if (wait === null) this.options.logger.warn({ err: error }, 'job poll failed');
            return 0;
          },
        );
        const ran = await lane.running;
        lane.running = null;
        if (this.stopped) return;
        // Database down: back off; busy queue (or woken meanwhile): poll again at once; idle: wait.
        const next: number | null =
          wait ?? (ran > 0 || lane.woken ? 0 : index === 0 ? (this.options.pollMs ?? 1_000) : null);
        if (next !== null) lane.timer = setTimeout(lane.tick, next);
      };
      this.lanes.push(lane);
    }
    const first = this.lanes[0] as Lane;
    first.timer = setTimeout(first.tick, 0);
  }

  /** Has a lane other than `except` that is not running poll now; false when every lane is busy. */
  private wakeIdle(except?: Lane): boolean {
    const idle = this.lanes.find((lane) => lane !== except && !lane.running);
    if (!idle) return false;
    if (idle.timer) clearTimeout(idle.timer);
    idle.timer = setTimeout(idle.tick, 0);
    return true;
  }

  /**
   * Work was just queued in this process (an approved remediation, a new incident): poll now instead of at
   * the end of the idle wait. Other replicas still find the job on their next poll.
   */
  wake(): void {
    if (this.stopped || this.lanes.length === 0) return;
    if (this.wakeIdle()) return;
    for (const lane of this.lanes) lane.woken = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes) if (lane.timer) clearTimeout(lane.timer);
    await Promise.all(this.lanes.map((lane) => lane.running));
  }
}

/** One polling loop of a started worker. */
interface Lane {
  timer: NodeJS.Timeout | null;
  running: Promise<number> | null;
  /** Woken while running: poll again at once when done. */
  woken: boolean;
  tick: () => Promise<void>;
}
