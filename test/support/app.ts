/** Starts the real app on a random port over a test database, with a controllable clock. */
import { Writable } from 'node:stream';
import { type App, createApp } from '../../src/app.ts';
import type { GitHubClient } from '../../src/clients/github.ts';
import { type Clock, ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import type { JobHandler } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import type { Executor } from '../../src/remediation/types.ts';

export interface TestApp<C extends Clock = ManualClock> {
  app: App;
  url: string;
  /** The clock passed in, or a ManualClock at 2026-03-01T10:00:00Z (pass `systemClock` for real time). */
  clock: C;
  logs: string[];
  /** What local mode printed as Slack messages. */
  printed: string[];
  close(): Promise<void>;
}

export async function startTestApp<C extends Clock = ManualClock>(
  db: Db,
  options: {
    env?: Record<string, string>;
    yaml?: string;
    clock?: C;
    jobHandlers?: Record<string, JobHandler>;
    /** Run the job worker and Slack poster in the background (default: only with jobHandlers). */
    startWorkers?: boolean;
    /** Remediation executors (none by default: nothing can run). */
    executors?: Executor[];
    /** Run the node-cron schedules (default false: tests call the jobs themselves). */
    startCron?: boolean;
    /** Local-mode Slack output (default: collected in `printed`). */
    print?: (text: string) => void;
    host?: string;
    /** Replaces the GitHub client the app would build from GITHUB_TOKEN (a fake's, without write pacing). */
    github?: GitHubClient | null;
  } = {},
): Promise<TestApp<C>> {
  const logs: string[] = [];
  const printed: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  // Without a clock C is ManualClock (its default), so the fallback has the promised type.
  const clock = options.clock ?? (new ManualClock('2026-03-01T10:00:00Z') as unknown as C);
  const app = await createApp({
    config: configFrom({ LOG_LEVEL: 'info', ...options.env }, options.yaml ?? ''),
    db,
    clock,
    logger: createLogger('info', sink),
    metrics: createMetrics(),
    ...(options.jobHandlers ? { jobHandlers: options.jobHandlers } : {}),
    startWorkers: options.startWorkers ?? Boolean(options.jobHandlers),
    startCron: options.startCron ?? false,
    ...(options.executors ? { executors: options.executors } : {}),
    print: options.print ?? ((text) => printed.push(text)),
    ...(options.github !== undefined ? { github: options.github } : {}),
  });
  const { port } = await app.listen(0, options.host ?? '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, clock, logs, printed, close: () => app.close() };
}
