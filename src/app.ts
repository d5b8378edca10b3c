/** The composition root: builds every dependency once, wires the HTTP routes, and starts the workers. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { register as registerApi } from '../handlers/api/index.ts';
import { register as registerHealth } from '../handlers/health.ts';
import { register as registerWebhooks } from '../handlers/webhooks/index.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import type { AppDeps } from './deps.ts';
import { sendJson } from './http/io.ts';
import { Router } from './http/router.ts';
import { type JobHandler, JobWorker } from './jobs/worker.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';

export interface AppOptions {
  config: Config;
  db?: Db;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** Job consumers by kind; later features (analysis, Slack) add theirs here. */
  jobHandlers?: Record<string, JobHandler>;
}

export interface App {
  deps: AppDeps;
  server: http.Server;
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export function createRequestListener(deps: AppDeps, router: Router): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === null)
      return sendJson(res, 404, { error: 'not_found', message: `no route for ${url.pathname}` });
    if (match === 'method-not-allowed') {
      return sendJson(res, 405, {
        error: 'method_not_allowed',
        message: `${req.method} not allowed on ${url.pathname}`,
      });
    }
    Promise.resolve(match.handler(req, res, { params: match.params, url })).catch((error: unknown) => {
      deps.logger.error({ err: error, path: url.pathname }, 'unhandled request error');
      if (!res.headersSent) sendJson(res, 500, { error: 'aiops_unknown_error', message: 'internal error' });
      else res.end();
    });
  };
}

export function buildRouter(deps: AppDeps): Router {
  const router = new Router();
  registerHealth(router, deps);
  registerWebhooks(router, deps);
  registerApi(router, deps);
  return router;
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.env.LOG_LEVEL);
  const db =
    options.db ??
    (await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.env.AIOPS_DATA_DIR }));
  const ownsDb = !options.db;
  const deps: AppDeps = {
    config,
    db,
    clock: options.clock ?? systemClock,
    logger,
    metrics: options.metrics ?? createMetrics({ collectProcessMetrics: true }),
  };
  await migrate(db);

  const server = http.createServer(createRequestListener(deps, buildRouter(deps)));
  server.keepAliveTimeout = 65_000;
  const handlers = options.jobHandlers ?? {};
  const worker =
    Object.keys(handlers).length > 0 ? new JobWorker({ db, clock: deps.clock, logger, handlers }) : null;

  return {
    deps,
    server,
    async listen(port = config.env.PORT, host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      worker?.start();
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `http://${shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`,
        port: address.port,
      };
    },
    async close() {
      await worker?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsDb) await db.close();
    },
  };
}
