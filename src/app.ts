/** The composition root: builds every dependency once, wires the HTTP routes, and starts the workers. */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { register as registerActions } from '../handlers/actions/index.ts';
import { register as registerApi } from '../handlers/api/index.ts';
import { register as registerCommands } from '../handlers/commands/index.ts';
import { register as registerEvents } from '../handlers/events/index.ts';
import { register as registerHealth } from '../handlers/health.ts';
import { register as registerOpenApi } from '../handlers/openapi.ts';
import { register as registerWebhooks } from '../handlers/webhooks/index.ts';
import { gatherContext } from './analysis/context/index.ts';
import type { LlmDeps } from './analysis/llm.ts';
import { catalogueBaseDir, installTeamCatalogue, loadTeamPaths } from './analysis/offline/catalogue/team.ts';
import type { GitHubClient } from './clients/github.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { warnAboutServerSettings } from './db/server-settings.ts';
import { type AppDeps, remediationDeps } from './deps.ts';
import { sendJson } from './http/io.ts';
import { Router } from './http/router.ts';
import { fixPrPollJob } from './incidents/fixes.ts';
import { remediationSyncHandlers } from './incidents/remediation-thread.ts';
import { type BatchOptions, createIngestBatcher, DEFAULT_BATCH } from './ingest/batch.ts';
import { CronScheduler } from './jobs/cron.ts';
import { incidentJobHandlers, remediationJobHandlers } from './jobs/handlers.ts';
import { scheduledJobs } from './jobs/scheduled.ts';
import { type JobHandler, JobWorker } from './jobs/worker.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics, registerBacklogGauges } from './metrics.ts';
import { JOB_KINDS } from './queue/kinds.ts';
import type { Executor } from './remediation/types.ts';
import { createSlackApp, type SlackApp } from './slack/bolt.ts';
import { SlackPoster } from './slack/poster.ts';
import { slackReplayGuard } from './slack/receipts.ts';
import { renderAsText } from './slack/render/index.ts';
import { ConsoleTransport, type SlackTransport, WebApiTransport } from './slack/transport.ts';

export interface AppOptions {
  config: Config;
  db?: Db;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** Extra job consumers by kind, beside the built-in incident jobs (analysis, Slack sync). */
  jobHandlers?: Record<string, JobHandler>;
  /** Start the job worker and the Slack poster with `listen()` (default true; tests drive them by hand). */
  startWorkers?: boolean;
  /** Start the node-cron schedules with `listen()` (default: with the workers). */
  startCron?: boolean;
  /** Where local mode (no SLACK_BOT_TOKEN) prints the Slack messages; stdout by default. */
  print?: (text: string) => void;
  /** Remediation executors; built from the config when absent. */
  executors?: Executor[];
  /** Replaces the Slack transport (tests). */
  slackTransport?: SlackTransport;
  /** Replaces the GitHub client built from GITHUB_TOKEN / the GitHub App (tests, the benchmark). */
  github?: GitHubClient | null;
  /** How concurrent webhook deliveries share transactions (the benchmark tunes it). */
  ingestBatch?: BatchOptions;
}

export interface App {
  deps: AppDeps;
  server: http.Server;
  /** The job worker and the Slack poster; running after `listen()` unless `startWorkers: false`. */
  jobs: JobWorker;
  poster: SlackPoster;
  /** The node-cron schedules (replica-safe); running after `listen()` with the workers. */
  cron: CronScheduler;
  /** The Bolt app when Slack is configured; null in local mode. */
  slack: SlackApp | null;
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

export function buildRouter(deps: AppDeps, slack: SlackApp | null = null): Router {
  const router = new Router();
  registerHealth(router, deps);
  registerWebhooks(router, deps);
  registerApi(router, deps);
  const slackListener = slack?.requestListener;
  // Bolt's HTTP receiver verifies the Slack signature and timestamp, then dispatches to handlers/.
  if (slackListener) router.post('/slack/events', (req, res) => slackListener(req, res));
  registerOpenApi(router, deps);
  return router;
}

async function slackTransport(options: AppOptions, db: Db, logger: Logger): Promise<SlackTransport> {
  if (options.slackTransport) return options.slackTransport;
  const { SLACK_BOT_TOKEN: token, SLACK_API_URL: apiUrl } = options.config.env;
  if (token) {
    const { createSlackWebClient } = await import('./clients/slack.ts');
    return new WebApiTransport(createSlackWebClient({ token, apiUrl, logger }));
  }
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
  // Local timestamps continue from earlier runs on this database, so every thread keeps a unique root ts.
  const last = await db.query<{ n: number }>(
    `SELECT coalesce(max(substring(slack_ts from 7)::bigint), 0) AS n FROM slack_outbox WHERE slack_ts ~ '^local\\.[0-9]{1,15}$'`,
  );
  return new ConsoleTransport({ print, render: renderAsText, firstTs: Number(last.rows[0]?.n ?? 0) + 1 });
}

/** Approvers named as `@group`: members from Slack's usergroups API, when Slack is configured. */
async function slackGroupsFromConfig(
  config: Config,
  clock: Clock,
  logger: Logger,
): Promise<Pick<AppDeps, 'slackGroups'>> {
  const { SLACK_BOT_TOKEN: token, SLACK_API_URL: apiUrl } = config.env;
  if (!token) return {};
  const { createSlackWebClient } = await import('./clients/slack.ts');
  const { createSlackGroups } = await import('./slack/usergroups.ts');
  return {
    slackGroups: createSlackGroups({
      client: createSlackWebClient({ token, apiUrl, logger, timeoutMs: 2_000 }),
      clock,
    }),
  };
}

/** GitHub with GITHUB_TOKEN, else the GitHub App (GITHUB_APP_*), else null. */
async function gitHubFromConfig(config: Config, logger: Logger): Promise<GitHubClient | null> {
  const env = config.env;
  if (
    !env.GITHUB_TOKEN &&
    !(env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_INSTALLATION_ID)
  )
    return null;
  const { createGitHubClient, gitHubAppFromEnv } = await import('./clients/github.ts');
  const app = env.GITHUB_TOKEN ? undefined : gitHubAppFromEnv(env);
  return createGitHubClient({ token: env.GITHUB_TOKEN, app, baseUrl: env.GITHUB_API_URL, logger });
}

async function llmFromConfig(config: Config): Promise<LlmDeps | null> {
  const apiKey = config.env.ANTHROPIC_API_KEY;
  if (!apiKey) return null;
  const { createAnthropicClient } = await import('./clients/anthropic.ts');
  return {
    client: createAnthropicClient({ apiKey, baseURL: config.env.ANTHROPIC_BASE_URL }),
    model: config.env.AIOPS_MODEL,
  };
}

/**
 * The executors the `remediation:` section configures (none while remediation is off). Loaded only then:
 * the Kubernetes client costs memory a default install does not need.
 */
export async function executorsFromConfig(config: Config, clock: Clock): Promise<Executor[]> {
  const remediation = config.file.remediation;
  if (!remediation.enabled) return [];
  const { createExecutors } = await import('./remediation/executors/index.ts');
  const { kubernetes, ansible, http } = remediation;
  return [
    ...createExecutors(
      {
        ...(kubernetes ? { kubernetes } : {}),
        ...(ansible ? { ansible } : {}),
        ...(http ? { http: { jobs: http.jobs } } : {}),
      },
      { clock, env: config.executorEnv, baseDir: path.dirname(path.resolve(config.configSource)) },
    ).all,
  ];
}

/**
 * Jobs the job worker runs at once. With one, a job that takes its time (a remediation run, a job waiting
 * on a lock) held up every new incident's root message and first answer behind it. More lanes are not
 * faster when the CPU is the limit: in `bench:analysis` on the loaded VM two lanes measured like one
 * (first answer p50 0.9-1.2 s vs 0.9-2.0 s) and four worse (1.4-4.9 s) — docs/performance.md.
 */
const JOB_LANES = 2;

export async function createApp(options: AppOptions): Promise<App> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.env.LOG_LEVEL);
  // Before anything opens: a broken team catalogue file stops start-up (file:line: field).
  const catalogue = installTeamCatalogue(
    loadTeamPaths(config.file.catalogue?.paths ?? [], catalogueBaseDir(config.configSource, process.cwd())),
  );
  if (catalogue.overridden.length + catalogue.added.length > 0)
    logger.info(
      catalogue,
      `catalogue: ${catalogue.signatures} signatures (team files override ${catalogue.overridden.length}, add ${catalogue.added.length})`,
    );
  const db =
    options.db ??
    (await openDatabase({
      databaseUrl: config.env.DATABASE_URL,
      dataDir: config.env.AIOPS_DATA_DIR,
      logger,
    }));
  const ownsDb = !options.db;
  const clock = options.clock ?? systemClock;
  // Loaded only when configured: each SDK costs memory a default install does not need.
  const github = options.github !== undefined ? options.github : await gitHubFromConfig(config, logger);
  // Kubernetes context (read-only): only when credentials could exist; the client library is big.
  const kubernetes =
    config.file.context?.kubernetes || config.env.KUBECONFIG || config.env.KUBERNETES_SERVICE_HOST
      ? (await import('./clients/kubernetes.ts')).kubeReadClients(config)
      : undefined;
  const deps: AppDeps = {
    config,
    db,
    clock,
    logger,
    metrics: options.metrics ?? createMetrics({ collectProcessMetrics: true }),
    llm: await llmFromConfig(config),
    executors: options.executors ?? (await executorsFromConfig(config, clock)),
    ...(await slackGroupsFromConfig(config, clock, logger)),
    github,
    gather: async (incidentId) => {
      const { input, sources } = await gatherContext(
        { db, config, clock, github, logger, ...(kubernetes ? { kubernetes } : {}) },
        incidentId,
      );
      return { input, sources: sources.filter((s) => s.status === 'ok').map((s) => s.name) };
    },
  };
  // One embedded connection runs one transaction at a time: there, every waiting delivery joins the next.
  const batching =
    options.ingestBatch ?? (db.kind === 'pglite' ? { ...DEFAULT_BATCH, slots: 1 } : DEFAULT_BATCH);
  deps.ingest = createIngestBatcher({ db, config, clock, logger }, batching).ingest;
  await migrate(db);
  await warnAboutServerSettings(db, logger);
  registerBacklogGauges(deps.metrics, db);

  const slack = await createSlackApp(config, logger, clock);
  if (slack) {
    // First: a request seen before (a replay, a Slack retry, a duplicated envelope) goes no further.
    slack.app.use(slackReplayGuard(deps, { pendingAcks: slack.pendingAcks }));
    registerCommands(slack.app, deps);
    registerActions(slack.app, deps);
    registerEvents(slack.app, deps);
  }
  const server = http.createServer(createRequestListener(deps, buildRouter(deps, slack)));
  server.keepAliveTimeout = 65_000;
  const handlers = {
    ...incidentJobHandlers(deps),
    ...remediationJobHandlers(remediationDeps(deps)),
    ...remediationSyncHandlers(deps),
    ...options.jobHandlers,
  };
  // A job that queued Slack messages wakes the poster: they go out now, not at its next poll.
  const afterJob = () => poster.wake();
  // The settled analysis (the LLM's call: seconds, tens of seconds) runs on a worker of its own, so a
  // storm's LLM calls never hold up a new incident's root message and first answer behind them.
  // `worker` still runs every kind when driven or started by hand (tests, the CLI).
  const slowKinds: string[] = [JOB_KINDS.analyzeIncident];
  const worker = new JobWorker({ db, clock: deps.clock, logger, handlers, afterJob });
  const analysisWorker = new JobWorker({
    db,
    clock: deps.clock,
    logger,
    handlers: Object.fromEntries(Object.entries(handlers).filter(([kind]) => slowKinds.includes(kind))),
    afterJob,
    name: 'analysis worker',
  });
  deps.wakeJobs = () => worker.wake();
  const poster: SlackPoster = new SlackPoster({
    db,
    clock: deps.clock,
    logger,
    transport: await slackTransport(options, db, logger),
    fallbackChannel: config.defaultChannel,
    onOutcome: (outcome) => deps.metrics.slackMessages.inc({ kind: outcome.kind, result: outcome.result }),
    // The console has no rate limit.
    ...(config.env.SLACK_BOT_TOKEN || options.slackTransport ? {} : { channelIntervalMs: 0 }),
  });
  const startWorkers = options.startWorkers ?? true;
  const cron = new CronScheduler({
    db,
    clock: deps.clock,
    logger,
    jobs: [
      ...scheduledJobs(deps),
      // Fix-PR state from GitHub when no webhook tells it (null with GITHUB_WEBHOOK_SECRET or no GitHub).
      ...[fixPrPollJob({ ...deps, logger })].filter((job) => job !== null),
    ],
  });
  const startCron = options.startCron ?? startWorkers;

  return {
    deps,
    server,
    jobs: worker,
    poster,
    cron,
    slack,
    async listen(port = config.env.PORT, host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      if (slack?.socketMode) await slack.app.start();
      if (startWorkers) {
        worker.start({
          kinds: Object.keys(handlers).filter((kind) => !slowKinds.includes(kind)),
          concurrency: JOB_LANES,
        });
        analysisWorker.start();
        poster.start();
      }
      if (startCron) cron.start();
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `http://${shownHost === '[::]' ? 'localhost' : shownHost}:${address.port}`,
        port: address.port,
      };
    },
    async close() {
      await cron.stop();
      await worker.stop();
      await analysisWorker.stop();
      await poster.stop();
      if (slack?.socketMode) await slack.app.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsDb) await db.close();
      // The next app in this process starts from the built-in catalogue again.
      if (catalogue.overridden.length + catalogue.added.length > 0) installTeamCatalogue([]);
    },
  };
}
