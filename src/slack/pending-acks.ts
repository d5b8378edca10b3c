/**
 * Slack requests received and not answered yet. Slack wants every request acknowledged within 3 s, and a
 * click's ack is what the clicker waits on; the work behind a click (its receipt, the use-case, the
 * database) is not. So after acknowledging a click, its work first lets the requests already received be
 * acknowledged: a burst of 100 Approve clicks is answered before any of them runs (issue 8: click → ack
 * p99 < 100 ms). The wait is bounded, so a steady stream of requests never starves the work.
 */
import type { ServerResponse } from 'node:http';

export class PendingAcks {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  /** Counts `res` as waiting until it is answered (or its connection closes). */
  track(res: ServerResponse): void {
    this.count += 1;
    let done = false;
    const leave = () => {
      if (done) return;
      done = true;
      this.count -= 1;
      if (this.count === 0) this.release();
    };
    res.once('finish', leave);
    res.once('close', leave);
  }

  /** How many requests wait for their answer now. */
  get waiting(): number {
    return this.count;
  }

  /** Resolves when no request waits for its answer, or after `maxWaitMs`. */
  settled(maxWaitMs = 250): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.waiters.add(done);
    });
  }

  private release(): void {
    for (const done of [...this.waiters]) done();
  }
}
