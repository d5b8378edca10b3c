/**
 * The `aiops` command. `run()` is a pure-ish function of argv and an io object so tests drive it
 * in-process. Exit codes: 0 success, 1 failure (one line on stderr), 2 bad usage.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseIncidentRef, runCommand } from '../handlers/commands/run.ts';
import { latestAnalysis } from './analysis/analyze.ts';
import { redact } from './analysis/redact.ts';
import { type App, createApp } from './app.ts';
import { catalogueCommand } from './catalogue-commands.ts';
import { systemClock } from './clock.ts';
import { type Config, loadConfig } from './config.ts';
import { getIncident, listIncidents } from './db/incidents.ts';
import { type Db, openDatabase } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { remediationDeps } from './deps.ts';
import { AiopsError, asCodedError, ErrorCode } from './errors.ts';
import { incidentLine, incidentText } from './incident-text.ts';
import { confirmCause } from './incidents/confirm-cause.ts';
import { type FixPlan, fixDiff, openFixPr } from './incidents/fixes.ts';
import { acknowledgeIncident, resolveIncident } from './incidents/lifecycle.ts';
import {
  approveRemediation,
  getRemediation,
  listAudit,
  rejectRemediation,
  rollbackRemediation,
} from './incidents/remediation.ts';
import type { AlertSource } from './ingest/alert.ts';
import { ingestDelivery } from './ingest/ingest.ts';
import { readPayloadFile } from './ingest/payload-file.ts';
import { createLogger, resolveLogFormat } from './logger.ts';
import { packageVersion } from './package.ts';
import type { AuditEntry, RemediationView } from './remediation/model.ts';
import { describeTarget } from './remediation/targets.ts';
import { renderAsText, renderFixOutcome, renderLifecycleAnswer } from './slack/render/index.ts';
import { describeDatabaseFailure, describeListenFailure } from './startup-errors.ts';

export interface CommandHelp {
  /** The command and its arguments, as typed after `aiops `. */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** More, for `aiops COMMAND --help` only. */
  details?: string;
}

/**
 * Every command, in the order `aiops --help` lists them. A new command is one entry here (its help and
 * `aiops COMMAND --help` come from it) plus its case in `run()`.
 */
export const COMMAND_HELP: Record<string, CommandHelp> = {
  start: {
    usage: 'start',
    summary: 'run the bot (webhooks, API, workers) on PORT',
    details: `Listens on PORT (3000), applies pending migrations first, and stops cleanly on SIGTERM or SIGINT
(in-flight requests and jobs finish; a second signal exits at once). Logs are JSON, or readable lines on a
terminal (LOG_FORMAT=json|pretty, LOG_LEVEL). Without DATABASE_URL the database is embedded, under
AIOPS_DATA_DIR (./.aiops), and only one process may use it.`,
  },
  migrate: { usage: 'migrate', summary: 'apply database migrations and exit' },
  replay: {
    usage: 'replay FILE [--source alertmanager|pagerduty]',
    summary: 'feed one payload through ingest and print the incident',
    details: `The source is guessed from the body (Alertmanager bodies carry "alerts", PagerDuty V3 ones "event").
In local mode (no SLACK_BOT_TOKEN) the analysis runs and the Slack thread is printed. A payload stored
before is reported as a duplicate and changes nothing.`,
  },
  incidents: {
    usage: 'incidents [--status open|triggered|acknowledged|resolved] [--service S] [--limit N]',
    summary: 'list incidents, newest first',
  },
  why: { usage: 'why INCIDENT', summary: "the incident's summary and ranked root causes" },
  ack: { usage: 'ack INCIDENT --as USER', summary: 'acknowledge (the Slack button, from the terminal)' },
  resolve: { usage: 'resolve INCIDENT --as USER', summary: 'resolve by hand' },
  confirm: {
    usage: 'confirm INCIDENT CAUSE --as USER',
    summary: 'record the confirmed cause (the "This was the cause" button)',
  },
  approve: {
    usage: 'approve ACTION --as USER',
    summary: 'approve a proposed remediation (same policy as the Slack button)',
  },
  reject: { usage: 'reject ACTION --as USER', summary: 'reject a proposed remediation' },
  rollback: { usage: 'rollback ACTION --as USER', summary: 'roll back a remediation that ran' },
  audit: { usage: 'audit [INCIDENT] [--limit N]', summary: 'the remediation audit log, newest first' },
  fix: {
    usage: 'fix INCIDENT [--as USER] [--diff]',
    summary:
      'open the draft fix PR (the "Open fix PR" button); without GitHub credentials, or with --diff, print the fix as a diff',
  },
  catalogue: {
    usage: 'catalogue check PATH | test FILE | suggest SERVICE',
    summary: "check a team's signature files, run a payload through the catalogue, draft a signature file",
    details: `check PATH   validate a signature file or a folder of them (docs/catalogue.md), print the alert names and
             patterns each claims, overrides of built-in signatures and conflicts, and run their examples;
             exit 1 on a broken file, a conflict start-up would refuse, or a failing example.
test FILE    run an Alertmanager or PagerDuty payload through the catalogue (built-in + aiops.yml
             catalogue.paths) and print the offline analysis: signature matched, causes, next steps. No database.
suggest SERVICE  print a DRAFT signature file from the causes confirmed ("This was the cause") on the
             service's incidents: the alert names seen, the causes with likelihoods from their counts, a
             runbook placeholder. Review it, then check it and add its folder to catalogue.paths.`,
  },
  help: { usage: 'help [COMMAND]', summary: "this text, or one command's" },
};

const USAGE_COLUMN = 40;

function usageLine(help: CommandHelp): string {
  const usage = `  ${help.usage}`;
  return usage.length < USAGE_COLUMN
    ? `${usage.padEnd(USAGE_COLUMN)}${help.summary}`
    : `${usage}\n${' '.repeat(USAGE_COLUMN)}${help.summary}`;
}

export const USAGE = `usage: aiops <command> [options]

commands:
${Object.values(COMMAND_HELP).map(usageLine).join('\n')}

options: aiops COMMAND --help (that command's help), aiops --version

Without SLACK_BOT_TOKEN (local mode) replay, ack, resolve, confirm, approve and rollback also run the
pipeline (and the approved action) and print the Slack thread they produce. ACTION is the remediation's
number (as in \`aiops audit\`); USER must be listed by name in the service's approvers in aiops.yml.`;

/** `aiops COMMAND --help`: the command's usage, summary and details. */
export function commandUsage(command: string): string {
  const help = COMMAND_HELP[command];
  if (!help) return USAGE;
  return [`usage: aiops ${help.usage}`, '', help.summary, ...(help.details ? ['', help.details] : [])].join(
    '\n',
  );
}

const COMMANDS = Object.keys(COMMAND_HELP).filter((command) => command !== 'help');

/** `--help`/`-h` among a command's arguments (before a `--`, after which everything is an argument). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

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

export { detectSource } from './ingest/payload-file.ts';

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
  const { rawBody, source: chosenSource } = readPayloadFile(file, values.source as AlertSource | undefined);
  await withPipeline(config, io, async (app) => {
    const { db } = app.deps;
    // Alertmanager bodies have no delivery id, so ingest would take the same bytes again as a re-send
    // (counters move, nothing new is posted): say so instead of printing an empty thread.
    const stored = await storedDelivery(db, chosenSource, rawBody);
    const result = stored
      ? null
      : await ingestDelivery({ db, config, clock: systemClock }, { source: chosenSource, rawBody });
    const original = stored ?? (result?.duplicate ? await deliveryById(db, result.deliveryId) : null);
    if (original) {
      const ids = original.incidentIds;
      const incidents =
        ids.length === 0
          ? 'no incident came of it'
          : ids.length === 1
            ? `incident #${ids[0]} is unchanged`
            : `incidents ${ids.map((id) => `#${id}`).join(', ')} are unchanged`;
      io.stdout(
        `duplicate: this payload is already stored (delivery #${original.id}, received ${original.receivedAt.toISOString()}); ${incidents}`,
      );
      for (const id of ids) {
        const incident = await getIncident(db, id);
        if (incident) io.stdout(incidentText(incident));
      }
      return NOTHING_NEW;
    }
    if (result?.ignoredReason) io.stdout(`note: ${result.ignoredReason}`);
    for (const id of result?.incidentIds ?? []) {
      const incident = await getIncident(db, id);
      if (incident) io.stdout(incidentText(incident));
    }
  });
}

interface StoredDelivery {
  id: number;
  receivedAt: Date;
  incidentIds: number[];
}

type DeliveryRow = { id: number; received_at: Date | string; incident_ids: number[] };

function storedDeliveryOf(row: DeliveryRow | undefined): StoredDelivery | null {
  return row
    ? { id: Number(row.id), receivedAt: new Date(row.received_at), incidentIds: row.incident_ids ?? [] }
    : null;
}

/** The first delivery of `source` stored with exactly these bytes (processed, not failed), if any. */
async function storedDelivery(db: Db, source: AlertSource, rawBody: string): Promise<StoredDelivery | null> {
  // PostgreSQL text cannot hold NUL; such a body was never stored (ingest refuses it with its reason).
  if (rawBody.includes('\u0000')) return null;
  const found = await db.query<DeliveryRow>(
    `SELECT id, received_at, incident_ids FROM webhook_deliveries
      WHERE source = $1 AND raw_body = $2 AND outcome IN ('processed', 'ignored') ORDER BY id LIMIT 1`,
    [source, rawBody],
  );
  return storedDeliveryOf(found.rows[0]);
}

async function deliveryById(db: Db, id: number): Promise<StoredDelivery | null> {
  const found = await db.query<DeliveryRow>(
    'SELECT id, received_at, incident_ids FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  return storedDeliveryOf(found.rows[0]);
}

/**
 * Runs `work` on the app's database, then — in local mode — the jobs it queued and the Slack outbox, so
 * the terminal shows the thread a real workspace would get. With a bot token the running bot does that.
 */
const NOTHING_NEW = Symbol('nothing new');

async function withPipeline(
  config: Config,
  io: CliIo,
  /** Returns NOTHING_NEW when it changed nothing: no thread is printed then. */
  work: (app: App) => Promise<unknown>,
): Promise<void> {
  const app = await createApp({
    config,
    logger: cliLogger(config, config.env.LOG_LEVEL === 'info' ? 'warn' : config.env.LOG_LEVEL),
    startWorkers: false,
    print: (text) => io.stdout(text),
  });
  try {
    if ((await work(app)) === NOTHING_NEW) return;
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

function actionArg(value: string | undefined): number {
  const id = value === undefined ? null : parseIncidentRef(value);
  if (id === null)
    throw usageError(`name a remediation by number, e.g. 12 or #12${value ? `, not "${value}"` : ''}`);
  return id;
}

/** One line for a remediation: number, status, target, and what it did. */
export function remediationLine(view: RemediationView): string {
  const approvals =
    view.status === 'proposed' ? ` (${view.approvals.length}/${view.approvalsNeeded} approvals)` : '';
  return `#${view.id} ${view.status.replace('_', ' ')}${approvals}: ${describeTarget(view.action)} [${view.risk} risk, incident #${view.incidentId}]${view.summary ? ` — ${view.summary}` : ''}`;
}

async function remediate(
  config: Config,
  command: 'approve' | 'reject' | 'rollback',
  args: string[],
  io: CliIo,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { as: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw usageError(`${command} takes exactly one ACTION`);
  if (!values.as) throw usageError(`${command} needs --as USER (checked against the approvers, audited)`);
  const remediationId = actionArg(positionals[0]);
  const actor = { id: `cli:${values.as}`, display: values.as };
  let refusal: string | null = null;
  await withPipeline(config, io, async (app) => {
    const deps = remediationDeps(app.deps);
    const request = { remediationId, actor, requestId: `cli-${randomUUID()}` };
    const outcome =
      command === 'approve'
        ? await approveRemediation(deps, request)
        : command === 'reject'
          ? await rejectRemediation(deps, request)
          : await rollbackRemediation(deps, request);
    if (outcome.kind === 'refused') {
      refusal = outcome.reason;
      return;
    }
    if (outcome.kind === 'unchanged') io.stdout(`unchanged: ${outcome.reason}`);
    else if (outcome.kind === 'waiting') {
      io.stdout(
        `approval ${outcome.view.approvals.length} of ${outcome.view.approvalsNeeded} recorded; waiting for another approver`,
      );
    }
    io.stdout(remediationLine(outcome.view));
  });
  if (refusal) throw new AiopsError(ErrorCode.Forbidden, `refused: ${refusal}`);
  if (command !== 'reject' && !config.env.SLACK_BOT_TOKEN) {
    // Local mode ran the job in-process: say how it ended.
    await withDatabase(config, async (db) => {
      const view = await getRemediation(db, remediationId);
      if (view) io.stdout(remediationLine(view));
    });
  }
}

async function auditLog(config: Config, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { limit: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 1) throw usageError('audit takes at most one INCIDENT');
  const incidentId = positionals[0] === undefined ? undefined : incidentArg(positionals[0]);
  const limit = values.limit ? Number.parseInt(values.limit, 10) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw usageError('--limit must be a whole number from 1 to 500');
  await withDatabase(config, async (db) => {
    const entries = await listAudit(db, { limit, ...(incidentId ? { incidentId } : {}) });
    if (entries.length === 0) io.stdout('no audit entries');
    for (const entry of entries) io.stdout(auditLine(entry));
  });
}

export function auditLine(entry: AuditEntry): string {
  const detail = (entry.detail ?? {}) as Record<string, unknown>;
  const note =
    typeof detail.reason === 'string'
      ? detail.reason
      : typeof detail.summary === 'string'
        ? detail.summary
        : '';
  const where = [
    entry.incidentId ? `incident #${entry.incidentId}` : null,
    entry.remediationId ? `action #${entry.remediationId}` : null,
  ]
    .filter(Boolean)
    .join(' ');
  return [entry.at, entry.actor, entry.event, where, entry.action ? describeTarget(entry.action) : '', note]
    .filter(Boolean)
    .join('  ');
}

/** The fix as the terminal shows it: what, why, validation, the diff. */
export function fixPlanText(plan: FixPlan): string {
  const checks = plan.validation.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.output}`);
  return [
    `fix for incident #${plan.incident.id}: ${plan.fix.title}`,
    `why: ${plan.fix.rationale}`,
    ...plan.fix.edits.flatMap((edit) => (edit.rationale ? [`  ${edit.path}: ${edit.rationale}`] : [])),
    ...(plan.fix.model
      ? [`written by the language model ${plan.fix.model}: untrusted, review every line`]
      : []),
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

function cliLogger(config: Config, level: string = config.env.LOG_LEVEL) {
  return createLogger(level, undefined, resolveLogFormat(config.env.LOG_FORMAT, process.stdout.isTTY));
}

async function start(config: Config, logger = cliLogger(config)): Promise<App> {
  if (!config.env.ALERTMANAGER_TOKEN)
    logger.warn('ALERTMANAGER_TOKEN is not set: /webhooks/alertmanager accepts unauthenticated requests');
  if (config.env.PAGERDUTY_WEBHOOK_SECRETS.length === 0) {
    logger.warn('PAGERDUTY_WEBHOOK_SECRETS is not set: /webhooks/pagerduty accepts unsigned requests');
  }
  const app = await createApp({ config, logger });
  let url: string;
  try {
    ({ url } = await app.listen());
  } catch (error) {
    await app.close();
    const reason = describeListenFailure(config.env.PORT, error);
    throw reason ? new AiopsError(ErrorCode.ConfigInvalid, reason, { cause: error }) : error;
  }
  logger.info(
    { url, database: app.deps.db.kind, config: config.configSource },
    `aiops-bot listening on ${url} (database: ${app.deps.db.kind === 'pg' ? 'PostgreSQL' : `embedded, ${config.env.AIOPS_DATA_DIR}`})`,
  );
  logger.info(runMode(config), `running with ${Object.values(runMode(config)).join('; ')}`);
  return app;
}

/**
 * `aiops start`: runs until SIGTERM (Kubernetes, docker stop) or SIGINT (Ctrl-C), then stops taking
 * requests, lets requests and jobs in flight finish, closes the database and returns. A second signal
 * while stopping exits at once.
 */
async function serve(config: Config): Promise<void> {
  const logger = cliLogger(config);
  // Listening for signals before start-up: a SIGTERM while migrations run still stops cleanly.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let app: App;
  try {
    app = await start(config, logger);
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw error;
  }
  const signal = await stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  logger.info({ signal }, `received ${signal}: stopping (finishing requests and jobs in flight)`);
  const force = (again: NodeJS.Signals) => {
    logger.warn({ signal: again }, `received ${again} again: exiting without waiting`);
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  try {
    await app.close();
  } finally {
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
  }
  logger.info('aiops-bot stopped');
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
  let config: Config | undefined;
  try {
    if (command === '--version' || command === '-v' || command === 'version') {
      io.stdout(`aiops-bot ${packageVersion()}`);
      return 0;
    }
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      // `help [COMMAND]` asked for it (stdout, 0); no command at all is bad usage (stderr, 2).
      if (command === 'help' && asksForHelp(args)) {
        io.stdout(commandUsage('help'));
        return 0;
      }
      const topic = command === 'help' ? args[0] : undefined;
      if (topic !== undefined && !Object.hasOwn(COMMAND_HELP, topic))
        throw usageError(`unknown command "${topic}"`);
      if (command) io.stdout(topic ? commandUsage(topic) : USAGE);
      else io.stderr(USAGE);
      return command ? 0 : 2;
    }
    if (!COMMANDS.includes(command)) throw usageError(`unknown command "${command}"`);
    // Before the configuration is read: help never needs a valid environment and never starts anything.
    if (asksForHelp(args)) {
      io.stdout(commandUsage(command));
      return 0;
    }
    config = loadConfig(io.env, io.cwd);
    switch (command) {
      case 'start':
        await serve(config);
        return 0;
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
      case 'approve':
      case 'reject':
      case 'rollback':
        await remediate(config, command, args, io);
        return 0;
      case 'audit':
        await auditLog(config, args, io);
        return 0;
      case 'fix':
        await fix(config, args, io);
        return 0;
      case 'catalogue':
        await catalogueCommand(config, args, io, (work) => withDatabase(config as Config, work));
        return 0;
      default:
        throw usageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const startup = config?.env.DATABASE_URL ? describeDatabaseFailure(config.env.DATABASE_URL, error) : null;
    if (startup) {
      io.stderr(`aiops: ${startup}`);
      return 1;
    }
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

const invokedDirectly = process.argv[1] && /cli\.[jt]s$|aiops(\.js)?$/.test(process.argv[1]);
if (invokedDirectly) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
