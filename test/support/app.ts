/** Starts the real app on a random port over a test database, with a controllable clock. */
import { Writable } from 'node:stream';
import { type App, createApp } from '../../src/app.ts';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import type { JobHandler } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';

export interface TestApp {
  app: App;
  url: string;
  clock: ManualClock;
  logs: string[];
  close(): Promise<void>;
}

export async function startTestApp(
  db: Db,
  options: {
    env?: Record<string, string>;
    yaml?: string;
    clock?: ManualClock;
    jobHandlers?: Record<string, JobHandler>;
    host?: string;
  } = {},
): Promise<TestApp> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const clock = options.clock ?? new ManualClock('2026-03-01T10:00:00Z');
  const app = await createApp({
    config: configFrom({ LOG_LEVEL: 'info', ...options.env }, options.yaml ?? ''),
    db,
    clock,
    logger: createLogger('info', sink),
    metrics: createMetrics(),
    ...(options.jobHandlers ? { jobHandlers: options.jobHandlers } : {}),
  });
  const { port } = await app.listen(0, options.host ?? '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, clock, logs, close: () => app.close() };
}
