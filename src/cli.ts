/**
 * The `aiops` command. `run()` is a pure-ish function of argv and an io object so tests drive it
 * in-process. Exit codes: 0 success, 1 failure (one line on stderr), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { latestAnalysis } from './analysis/analyze.ts';
import { confirmCause } from './analysis/memory.ts';
import { redact } from './analysis/redact.ts';
import { type App, createApp } from './app.ts';
import { systemClock } from './clock.ts';
import { type Config, loadConfig } from './config.ts';
import { getIncident, listIncidents } from './db/incidents.ts';
import { openDatabase } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { AiopsError, asCodedError, ErrorCode } from './errors.ts';
import { incidentLine, incidentText } from './incident-text.ts';
import { type FixPlan, fixDiff, openFixPr } from './incidents/fixes.ts';
import type { AlertSource } from './ingest/alert.ts';
import { ingestDelivery } from './ingest/ingest.ts';
import { acknowledgeIncident, resolveIncident } from './ingest/lifecycle.ts';
import { createLogger } from './logger.ts';
import { parseIncidentRef, runCommand } from './slack/commands.ts';
import { renderAsText, renderFixOutcome, renderLifecycleAnswer } from './slack/render/index.ts';

export const USAGE = `usage: aiops <command> [options]

commands:
  start                                   run the bot (webhooks, API, workers) on PORT
  migrate                                 apply database migrations and exit
  replay FILE [--source alertmanager|pagerduty]
                                          feed one payload through ingest and print the incident
  incidents [--status open|triggered|acknowledged|resolved] [--service S] [--limit N]
                                          list incidents, newest first
  why INCIDENT                            the incident's summary and ranked root causes
  ack INCIDENT --as USER                  acknowledge (the Slack button, from the terminal)
  resolve INCIDENT --as USER              resolve by hand
  confirm INCIDENT CAUSE --as USER        record the confirmed cause (the "This was the cause" button)
  fix INCIDENT [--as USER] [--diff]       open the draft fix PR (the "Open fix PR" button); without
                                          GitHub credentials, or with --diff, print the fix as a diff
  help                                    this text

Without SLACK_BOT_TOKEN (local mode) replay, ack, resolve and confirm also run the pipeline and print
the Slack thread they produce.`;

const COMMANDS = ['start', 'migrate', 'replay', 'incidents', 'why', 'ack', 'resolve', 'confirm', 'fix'];

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
};

function usageError(message: string): AiopsError {
  return new AiopsError(ErrorCode.BadUsage, message);
}

/** Alertmanager bodies carry `alerts`; PagerDuty V3 bodies carry `event`. */
export function detectSource(body: unknown): AlertSource | null {
  if (body && typeof body === 'object') {
    if ('alerts' in body) return 'alertmanager';
    if ('event' in body || 'messages' in body) return 'pagerduty';
  }
  return null;
}

async function withDatabase<T>(
  config: Config,
  work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
) {
  const db = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.env.AIOPS_DATA_DIR });
  try {
    await migrate(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

async function replay(config: Config, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { source: { type: 'string' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw usageError('replay takes exactly one FILE');
  if (values.source && values.source !== 'alertmanager' && values.source !== 'pagerduty') {
    throw usageError(`--source must be alertmanager or pagerduty, not ${values.source}`);
  }
  let rawBody: string;
  try {
    rawBody = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AiopsError(
      ErrorCode.NotFound,
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let source = values.source as AlertSource | undefined;
  if (!source) {
    try {
      source = detectSource(JSON.parse(rawBody)) ?? undefined;
    } catch {
      // Left to ingest, which names the JSON error precisely.
    }
    source ??= 'alertmanager';
  }
  const chosenSource = source;
  await withPipeline(config, io, async (app) => {
    const { db } = app.deps;
    const result = await ingestDelivery(
      { db, config, clock: systemClock },
      { source: chosenSource, rawBody },
    );
    if (result.ignoredReason) io.stdout(`note: ${result.ignoredReason}`);
    for (const id of result.incidentIds) {
      const incident = await getIncident(db, id);
      if (incident) io.stdout(incidentText(incident));
    }
  });
}

/**
 * Runs `work` on the app's database, then — in local mode — the jobs it queued and the Slack outbox, so
 * the terminal shows the thread a real workspace would get. With a bot token the running bot does that.
 */
async function withPipeline(config: Config, io: CliIo, work: (app: App) => Promise<void>): Promise<void> {
  const app = await createApp({
    config,
    logger: createLogger(config.env.LOG_LEVEL === 'info' ? 'warn' : config.env.LOG_LEVEL),
    startWorkers: false,
    print: (text) => io.stdout(text),
  });
  try {
    await work(app);
    if (config.env.SLACK_BOT_TOKEN) {
      io.stdout('Slack is configured: the running bot posts the thread.');
      return;
    }
    io.stdout('');
    io.stdout('Slack thread (local mode):');
    await settle(app);
  } finally {
    await app.close();
  }
}

/** Runs due jobs and drains the outbox until neither has anything left to do. */
async function settle(app: App): Promise<void> {
  for (let round = 0; round < 100; round += 1) {
    // Debounced jobs (the analysis waits for the rest of an alert storm) are done now: nothing else comes.
    const jobs = await app.jobs.runOnce({ aheadMs: 10 * 60_000 });
    const messages = await app.poster.drain({ ignorePacing: true });
    if (jobs === 0 && messages === 0) return;
  }
}

function incidentArg(value: string | undefined): number {
  const id = value === undefined ? null : parseIncidentRef(value);
  if (id === null)
    throw usageError(`name an incident by number, e.g. 42 or #42${value ? `, not "${value}"` : ''}`);
  return id;
}

async function lifecycle(
  config: Config,
  command: 'ack' | 'resolve',
  args: string[],
  io: CliIo,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { as: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw usageError(`${command} takes exactly one INCIDENT`);
  if (!values.as) throw usageError(`${command} needs --as USER (recorded in the timeline)`);
  const request = { incidentId: incidentArg(positionals[0]), actor: values.as, now: systemClock.now() };
  await withPipeline(config, io, async (app) => {
    const change =
      command === 'ack'
        ? await acknowledgeIncident(app.deps.db, request)
        : await resolveIncident(app.deps.db, request);
    io.stdout(renderAsText(renderLifecycleAnswer(change)));
  });
}

async function confirm(config: Config, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { as: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length < 2)
    throw usageError('confirm takes an INCIDENT and the CAUSE as shown by `aiops why`');
  if (!values.as) throw usageError('confirm needs --as USER (recorded in the timeline)');
  const incidentId = incidentArg(positionals[0]);
  const title = positionals.slice(1).join(' ');
  await withPipeline(config, io, async (app) => {
    const stored = await latestAnalysis(app.deps.db, incidentId);
    const known = stored?.analysis.rootCauses.find(
      (cause) => cause.title.toLowerCase() === title.toLowerCase(),
    );
    const result = await confirmCause(app.deps.db, {
      incidentId,
      title: known?.title ?? title,
      category: known?.category ?? 'unknown',
      actor: values.as as string,
      now: systemClock.now(),
    });
    io.stdout(
      result.recorded
        ? `recorded "${known?.title ?? title}" as the cause of incident #${incidentId}`
        : `"${known?.title ?? title}" was already recorded for incident #${incidentId}`,
    );
  });
}

/** The fix as the terminal shows it: what, why, validation, the diff. */
export function fixPlanText(plan: FixPlan): string {
  const checks = plan.validation.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.output}`);
  return [
    `fix for incident #${plan.incident.id}: ${plan.fix.title}`,
    `why: ${plan.fix.rationale}`,
    `read from: ${plan.read.source}`,
    'validation:',
    ...checks,
    `rollback: ${plan.fix.rollback}`,
    '',
    plan.diff.trimEnd(),
  ].join('\n');
}

async function fix(config: Config, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { as: { type: 'string' }, diff: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw usageError('fix takes exactly one INCIDENT');
  const incidentId = incidentArg(positionals[0]);
  await withPipeline(config, io, async (app) => {
    if (!app.deps.github || values.diff) {
      const plan = await fixDiff(app.deps, { incidentId });
      io.stdout(redact(fixPlanText(plan)).text);
      if (!values.diff) io.stdout('\nno PR opened: no GITHUB_TOKEN or GitHub App is configured');
      return;
    }
    const outcome = await openFixPr(app.deps, {
      incidentId,
      actor: values.as ?? 'cli',
      requestId: `cli-${systemClock.now().getTime()}`,
    });
    if (outcome.kind === 'diff') {
      io.stdout(redact(fixPlanText(outcome.plan)).text);
      io.stdout(`\nno PR opened: ${outcome.reason}`);
    } else io.stdout(renderAsText(renderFixOutcome(outcome)));
  });
}

async function why(config: Config, args: string[], io: CliIo): Promise<void> {
  if (args.length !== 1) throw usageError('why takes exactly one INCIDENT');
  const incidentId = incidentArg(args[0]);
  await withDatabase(config, async (db) => {
    if (!(await getIncident(db, incidentId)))
      throw new AiopsError(ErrorCode.NotFound, `incident ${incidentId} not found`);
    const message = await runCommand(
      { db, clock: systemClock },
      { channelId: '', userId: 'cli' },
      `why ${incidentId}`,
    );
    io.stdout(renderAsText(message));
  });
}

async function incidents(config: Config, args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { status: { type: 'string' }, service: { type: 'string' }, limit: { type: 'string' } },
  });
  const status = values.status;
  if (status && !['open', 'triggered', 'acknowledged', 'resolved'].includes(status)) {
    throw usageError(`--status must be open, triggered, acknowledged or resolved, not ${status}`);
  }
  const limit = values.limit ? Number.parseInt(values.limit, 10) : 20;
  if (!Number.isInteger(limit) || limit < 1) throw usageError('--limit must be a positive whole number');
  await withDatabase(config, async (db) => {
    const page = await listIncidents(db, {
      status: status as 'open' | undefined,
      ...(values.service ? { service: values.service } : {}),
      limit,
    });
    if (page.incidents.length === 0) io.stdout('no incidents');
    for (const incident of page.incidents) io.stdout(incidentLine(incident));
  });
}

async function start(config: Config): Promise<App> {
  const logger = createLogger(config.env.LOG_LEVEL);
  if (!config.env.ALERTMANAGER_TOKEN)
    logger.warn('ALERTMANAGER_TOKEN is not set: /webhooks/alertmanager accepts unauthenticated requests');
  if (config.env.PAGERDUTY_WEBHOOK_SECRETS.length === 0) {
    logger.warn('PAGERDUTY_WEBHOOK_SECRETS is not set: /webhooks/pagerduty accepts unsigned requests');
  }
  const app = await createApp({ config, logger });
  const { url } = await app.listen();
  logger.info(
    { url, database: app.deps.db.kind, config: config.configSource },
    `aiops-bot listening on ${url} (database: ${app.deps.db.kind === 'pg' ? 'PostgreSQL' : `embedded, ${config.env.AIOPS_DATA_DIR}`})`,
  );
  logger.info(runMode(config), `running with ${Object.values(runMode(config)).join('; ')}`);
  return app;
}

/** What this process talks to, in words: the one log line a newcomer reads to know what is configured. */
export function runMode(config: Config): Record<'slack' | 'analysis' | 'changes' | 'metrics', string> {
  const { env, file } = config;
  return {
    slack: !env.SLACK_BOT_TOKEN
      ? 'Slack: local mode (threads printed here; no SLACK_BOT_TOKEN)'
      : env.SLACK_APP_TOKEN
        ? 'Slack: Socket Mode'
        : 'Slack: HTTP on POST /slack/events',
    analysis: env.ANTHROPIC_API_KEY
      ? `analysis: ${env.AIOPS_MODEL} (offline analyzer as fallback)`
      : 'analysis: offline analyzer (no ANTHROPIC_API_KEY)',
    changes: env.GITHUB_TOKEN ? 'recent changes: GitHub' : 'recent changes: off (no GITHUB_TOKEN)',
    metrics: file.prometheus?.url
      ? `metrics: ${file.prometheus.url}`
      : file.prometheus?.allowedHosts?.length
        ? 'metrics: alert generatorURLs on allowed hosts'
        : 'metrics context: off (no prometheus.url in aiops.yml)',
  };
}

export async function run(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      // `help` asked for it (stdout, 0); no command at all is bad usage (stderr, 2).
      if (command) io.stdout(USAGE);
      else io.stderr(USAGE);
      return command ? 0 : 2;
    }
    if (!COMMANDS.includes(command)) throw usageError(`unknown command "${command}"`);
    const config = loadConfig(io.env, io.cwd);
    switch (command) {
      case 'start': {
        const app = await start(config);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
        return 0;
      }
      case 'migrate': {
        const db = await openDatabase({
          databaseUrl: config.env.DATABASE_URL,
          dataDir: config.env.AIOPS_DATA_DIR,
        });
        try {
          const names = await migrate(db);
          io.stdout(names.length > 0 ? `applied ${names.join(', ')}` : 'schema is up to date');
        } finally {
          await db.close();
        }
        return 0;
      }
      case 'replay':
        await replay(config, args, io);
        return 0;
      case 'incidents':
        await incidents(config, args, io);
        return 0;
      case 'why':
        await why(config, args, io);
        return 0;
      case 'ack':
      case 'resolve':
        await lifecycle(config, command, args, io);
        return 0;
      case 'confirm':
        await confirm(config, args, io);
        return 0;
      case 'fix':
        await fix(config, args, io);
        return 0;
      default:
        throw usageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const coded = asCodedError(error);
    if (
      coded.code === ErrorCode.BadUsage ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr(`aiops: ${coded.message}`);
      io.stderr(USAGE);
      return 2;
    }
    io.stderr(`aiops: ${coded.message}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && /cli\.ts$|aiops(\.js)?$/.test(process.argv[1]);
if (invokedDirectly) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
