/**
 * Polls the job queue and runs handlers by kind. Several workers (in one process or many) share the
 * table safely; see queue.ts. A handler that throws is retried with backoff until its attempts run out.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { claimJobs, completeJob, failJob, type Job } from './queue.ts';

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
}

export class JobWorker {
  readonly workerId: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;

  constructor(private readonly options: JobWorkerOptions) {
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
  }

  /**
   * Claims what is due and runs it; returns how many jobs it ran. Safe to call concurrently with others.
   * `aheadMs` also takes jobs due within that time (debounced work the CLI wants done now).
   */
  async runOnce(options: { aheadMs?: number } = {}): Promise<number> {
    const { db, clock, handlers } = this.options;
    const now = clock.now();
    const jobs = await claimJobs(db, {
      now,
      dueBy: new Date(now.getTime() + (options.aheadMs ?? 0)),
      workerId: this.workerId,
      kinds: Object.keys(handlers),
      leaseMs: this.options.leaseMs ?? 60_000,
      limit: this.options.batchSize ?? 10,
    });
    for (const job of jobs) await this.runJob(job);
    return jobs.length;
  }

  private async runJob(job: Job): Promise<void> {
    const { db, clock, logger, handlers } = this.options;
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job);
      await completeJob(db, job, this.workerId, clock.now());
    } catch (error) {
      const outcome = await failJob(db, job, this.workerId, clock.now(), error);
      const log = outcome === 'dead' ? logger.error.bind(logger) : logger.warn.bind(logger);
      log({ err: error, jobId: job.id, kind: job.kind, attempts: job.attempts, outcome }, 'job failed');
    }
  }

  private tick: (() => Promise<void>) | null = null;
  private woken = false;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      this.woken = false;
      this.running = this.runOnce().catch((error) => {
        this.options.logger.warn({ err: error }, 'job poll failed');
        return 0;
      });
      const ran = await this.running;
      this.running = null;
      // Busy queue (or woken meanwhile): poll again at once; idle: wait.
      if (!this.stopped)
        this.timer = setTimeout(tick, ran > 0 || this.woken ? 0 : (this.options.pollMs ?? 1_000));
    };
    this.tick = tick;
    this.timer = setTimeout(tick, 0);
  }

  /**
   * Work was just queued in this process (an approved remediation): poll now instead of at the end of the
   * idle wait. Other replicas still find the job on their next poll.
   */
  wake(): void {
    if (this.stopped || !this.tick) return;
    if (this.running) {
      this.woken = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
