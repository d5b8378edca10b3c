/**
 * `/aiops` sub-commands (and `@aiops` mentions), independent of Bolt: a request in, a SlackMessage out.
 * Handlers call this after ack(); the CLI reuses the incident lookups.
 */
import {
  type AnalyzeDeps,
  analyzeIncident,
  answerQuestion,
  explainText,
  latestAnalysis,
} from '../../src/analysis/analyze.ts';
import { serviceHistory } from '../../src/analysis/memory.ts';
import { getIncident, listIncidents } from '../../src/db/incidents.ts';
import type { Queryable } from '../../src/db/index.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { type FixDeps, openFixPr, postFixDiff } from '../../src/incidents/fixes.ts';
import { acknowledgeIncident, resolveIncident } from '../../src/incidents/lifecycle.ts';
import { listAudit } from '../../src/incidents/remediation.ts';
import { redactForSlack, type SlackMessage } from '../../src/slack/message.ts';
import {
  MESSAGE_ALERTS,
  renderAnswer,
  renderError,
  renderExplain,
  renderFixOutcome,
  renderFixPosted,
  renderHelp,
  renderHistory,
  renderIncidentList,
  renderIncidentStatus,
  renderKubeLogs,
  renderLifecycleAnswer,
  renderWhy,
} from '../../src/slack/render/index.ts';
import { renderAudit } from '../../src/slack/render/remediation.ts';

export type CommandDeps = AnalyzeDeps & Partial<Pick<FixDeps, 'config' | 'github' | 'logger'>>;

export interface CommandContext {
  channelId: string;
  channelName?: string | undefined;
  /** Set for @mentions inside a thread. */
  threadTs?: string | undefined;
  userId: string;
}

export const SUBCOMMANDS = [
  'why',
  'status',
  'list',
  'ack',
  'resolve',
  'explain',
  'history',
  'audit',
  'logs',
  'fix',
  'help',
] as const;

/** A `/aiops why` question about what the cluster said: answered with the logs and events themselves. */
const ABOUT_LOGS = /\b(?:logs?|events?|terminat\w*|exit code|oomkill\w*|crash(?:ed)? with)\b/i;

export interface ParsedCommand {
  name: (typeof SUBCOMMANDS)[number] | 'unknown';
  raw: string;
  args: string;
}

export function parseCommand(text: string): ParsedCommand {
  const trimmed = text.trim();
  const [first = '', ...rest] = trimmed.split(/\s+/);
  const name = first.toLowerCase();
  const args = trimmed.slice(first.length).trim();
  if (name === '') return { name: 'help', raw: trimmed, args: '' };
  if ((SUBCOMMANDS as readonly string[]).includes(name)) {
    return { name: name as ParsedCommand['name'], raw: trimmed, args: rest.length > 0 ? args : '' };
  }
  return { name: 'unknown', raw: trimmed, args };
}

/** The words after a leading incident reference, or all of them: `#42 is it the deploy?` → the question. */
export function questionOf(args: string): string {
  const [first = '', ...rest] = args.trim().split(/\s+/);
  const words = parseIncidentRef(first) === null ? [first, ...rest] : rest;
  return words.join(' ').trim();
}

/** `42`, `#42` or `INC-42` → 42. */
export function parseIncidentRef(text: string): number | null {
  const match = /^(?:#|inc-?)?(\d{1,12})$/i.exec(text.trim());
  return match ? Number(match[1]) : null;
}

/**
 * The incident a command means: an explicit number, else the incident whose thread this is, else the
 * latest open incident posted in this channel.
 */
export async function incidentForContext(
  db: Queryable,
  ctx: CommandContext,
  args: string,
): Promise<number | null> {
  // `why 42`, `why #42 is it the deploy?`: a leading reference names the incident; any other text is
  // a question about the incident of this thread or channel (`@aiops why is checkout down?`).
  const ref = parseIncidentRef(args.split(/\s+/)[0] ?? '');
  if (ref !== null) return ref;
  if (ctx.threadTs) {
    const thread = await db.query<{ incident_id: number }>(
      'SELECT incident_id FROM slack_threads WHERE channel_id = $1 AND root_ts = $2',
      [ctx.channelId, ctx.threadTs],
    );
    if (thread.rows[0]) return thread.rows[0].incident_id;
  }
  const names = [ctx.channelId, ctx.channelName, ctx.channelName ? `#${ctx.channelName}` : undefined].filter(
    (name): name is string => Boolean(name),
  );
  const latest = await db.query<{ id: number }>(
    `SELECT i.id FROM incidents i LEFT JOIN slack_threads t ON t.incident_id = i.id
     WHERE i.status <> 'resolved'
       AND (t.channel_id = $1 OR i.channel IN (SELECT jsonb_array_elements_text($2::jsonb)))
     ORDER BY i.id DESC LIMIT 1`,
    [ctx.channelId, JSON.stringify(names)],
  );
  return latest.rows[0]?.id ?? null;
}

async function requireIncident(deps: CommandDeps, ctx: CommandContext, explicit: string): Promise<number> {
  const id = await incidentForContext(deps.db, ctx, explicit);
  if (id === null) {
    throw new AiopsError(
      ErrorCode.NotFound,
      'no open incident in this channel; name one, e.g. `/aiops why 42`, or see `/aiops list`',
    );
  }
  return id;
}

/** Answers a sub-command; the answer is redacted for Slack (it quotes alert text and LLM output). */
export async function runCommand(
  deps: CommandDeps,
  ctx: CommandContext,
  text: string,
): Promise<SlackMessage> {
  return redactForSlack(await answerCommand(deps, ctx, text));
}

async function answerCommand(deps: CommandDeps, ctx: CommandContext, text: string): Promise<SlackMessage> {
  const command = parseCommand(text);
  const actor = `<@${ctx.userId}>`;
  try {
    switch (command.name) {
      case 'help':
        return renderHelp();
      case 'unknown':
        return renderHelp(`Unknown sub-command \`${command.raw.split(/\s+/)[0]}\`.`);
      case 'list': {
        const page = await listIncidents(deps.db, { status: 'open', limit: 20 });
        return renderIncidentList(page.incidents);
      }
      case 'status': {
        const id = await requireIncident(deps, ctx, command.args);
        const detail = await getIncident(deps.db, id, { alertLimit: MESSAGE_ALERTS });
        if (!detail) throw new AiopsError(ErrorCode.NotFound, `incident ${id} not found`);
        return renderIncidentStatus(detail, deps.clock.now());
      }
      case 'why': {
        const id = await requireIncident(deps, ctx, command.args);
        const detail = await getIncident(deps.db, id);
        if (!detail) throw new AiopsError(ErrorCode.NotFound, `incident ${id} not found`);
        const stored = (await latestAnalysis(deps.db, id)) ?? (await analyzeIncident(deps, id));
        // `why 42 is it the deploy?` / `@aiops why is checkout slow?`: a question for the LLM when there is one.
        const question = questionOf(command.args);
        if (question) {
          const answered = await answerQuestion(deps, id, question, stored.analysis);
          if (answered) return renderAnswer(detail, question, answered.answer, answered.model);
          // No LLM: "what do the logs say?" gets the logs and events the analysis read.
          if (ABOUT_LOGS.test(question) && stored.analysis.kubernetes) {
            return renderKubeLogs(detail, stored.analysis.kubernetes);
          }
        }
        return renderWhy(detail, stored.analysis);
      }
      case 'logs': {
        const id = await requireIncident(deps, ctx, command.args);
        const detail = await getIncident(deps.db, id);
        if (!detail) throw new AiopsError(ErrorCode.NotFound, `incident ${id} not found`);
        const stored = (await latestAnalysis(deps.db, id)) ?? (await analyzeIncident(deps, id));
        return renderKubeLogs(detail, stored.analysis.kubernetes);
      }
      case 'ack':
      case 'resolve': {
        const id = await requireIncident(deps, ctx, command.args);
        const request = { incidentId: id, actor, now: deps.clock.now() };
        const change =
          command.name === 'ack'
            ? await acknowledgeIncident(deps.db, request)
            : await resolveIncident(deps.db, request);
        return renderLifecycleAnswer(change);
      }
      case 'explain': {
        if (!command.args)
          throw new AiopsError(ErrorCode.BadUsage, 'paste the log line or error after `/aiops explain`');
        return renderExplain(command.args, await explainText(deps, command.args));
      }
      case 'audit': {
        // `audit 42`: that incident; in an incident's thread: its own; elsewhere: all remediations.
        const ref = parseIncidentRef(command.args.split(/\s+/)[0] ?? '');
        const id = ref ?? (ctx.threadTs ? await incidentForContext(deps.db, ctx, '') : null);
        if (command.args && ref === null) {
          throw new AiopsError(ErrorCode.BadUsage, 'name an incident: `/aiops audit 42`, or nothing for all');
        }
        const entries = await listAudit(deps.db, { ...(id !== null ? { incidentId: id } : {}), limit: 30 });
        return renderAudit(entries, id);
      }
      case 'fix': {
        const id = await requireIncident(deps, ctx, command.args);
        if (!deps.config) throw new AiopsError(ErrorCode.BadUsage, 'fix PRs are not available here');
        const fixDeps = { ...deps, config: deps.config };
        const outcome = await openFixPr(fixDeps, {
          incidentId: id,
          actor,
          requestId: `slash-${deps.clock.now().getTime()}`,
        });
        if (outcome.kind === 'diff' && (await postFixDiff(fixDeps, outcome.plan, outcome.reason)))
          return renderFixPosted(outcome.reason);
        return renderFixOutcome(outcome);
      }
      case 'history': {
        if (!command.args)
          throw new AiopsError(ErrorCode.BadUsage, 'name a service: `/aiops history checkout`');
        const service = command.args.split(/\s+/)[0] as string;
        return renderHistory(service, await serviceHistory(deps.db, service));
      }
    }
  } catch (error) {
    if (
      error instanceof AiopsError &&
      [ErrorCode.NotFound, ErrorCode.BadUsage, ErrorCode.FixUnavailable].includes(error.code)
    ) {
      return renderError(error.message);
    }
    throw error;
  }
}
