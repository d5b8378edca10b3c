/**
 * How a background loop (the job worker, the Slack poster) lives through a database outage: it backs off
 * exponentially instead of polling a server that is not there, says so once when the outage starts and
 * once when it ends, and resumes by itself. Wall time here is only for pacing and the log line; the
 * work's own times come from the clock dependency.
 */
import { performance } from 'node:perf_hooks';
import { isDatabaseUnavailable } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface OutageBackoffOptions {
  logger: Logger;
  /** Who is backing off, for the log lines: "job worker", "slack poster". */
  what: string;
  /** First wait after a failed round. */
  initialMs?: number;
  /** Cap of the exponential backoff. */
  maxMs?: number;
  random?: () => number;
}

export class OutageBackoff {
  private since: number | null = null;
  private failures = 0;

  constructor(private readonly options: OutageBackoffOptions) {}

  /** True while the database is known to be unreachable. */
  get down(): boolean {
    return this.since !== null;
  }

  /**
   * A round failed with `error`. Returns the wait before the next round when the database is unreachable
   * (logged once per outage), or null when the error is something else (the caller logs it).
   */
  failed(error: unknown): number | null {
    if (!isDatabaseUnavailable(error)) return null;
    const { logger, what } = this.options;
    if (this.since === null) {
      this.since = performance.now();
      logger.warn({ err: error }, `${what}: database unavailable; backing off until it is back`);
    }
    this.failures += 1;
    const initial = this.options.initialMs ?? 250;
    const base = Math.min(this.options.maxMs ?? 10_000, initial * 2 ** (this.failures - 1));
    return Math.round(base * (0.8 + 0.4 * (this.options.random ?? Math.random)()));
  }

  /** A round reached the database: ends the outage, if there was one. */
  succeeded(): void {
    if (this.since === null) return;
    const downMs = Math.round(performance.now() - this.since);
    this.options.logger.info(
      { downMs, rounds: this.failures },
      `${this.options.what}: database reachable again; resumed`,
    );
    this.since = null;
    this.failures = 0;
  }
}
