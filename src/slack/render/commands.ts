/** Answers to `/aiops` sub-commands and button clicks: list, help, errors, lifecycle, history. */
import type { KnownBlock } from '@slack/types';
import type { IncidentSummary } from '../../db/incidents.ts';
import type { LifecycleChange } from '../../incidents/lifecycle.ts';
import type { SlackMessage } from '../message.ts';
import {
  actorText,
  code,
  context,
  esc,
  oneLine,
  plural,
  section,
  severityEmoji,
  slackDate,
  statusEmoji,
  truncate,
} from './format.ts';
import { fallback, incidentName, linesWithin, sections } from './parts.ts';

/** Incidents listed by `/aiops list`; the rest are counted. */
const LIST_MAX = 25;
const HISTORY_MAX = 20;
/** Characters a list may take (one section, well inside the message budget). */
const LIST_BUDGET = 2800;

/** `🔴 *#42* HighErrorRate — `checkout` · 🚨 triggered · 2/3 firing · since …` */
function incidentListLine(incident: IncidentSummary): string {
  return (
    `${severityEmoji(incident.severity)} *#${incident.id}* ${truncate(esc(oneLine(incident.title)), 150)}` +
    ` — ${code(truncate(oneLine(incident.service), 80))} · ${statusEmoji(incident.status)} ${esc(incident.status)}` +
    ` · ${incident.firingCount}/${incident.alertCount} firing · since ${slackDate(incident.openedAt)}`
  );
}

/** `/aiops list`: the open incidents, newest first, or "No open incidents 🎉". */
export function renderIncidentList(incidents: IncidentSummary[]): SlackMessage {
  if (incidents.length === 0) {
    return { text: 'No open incidents 🎉', blocks: [section('No open incidents 🎉')] };
  }
  const shown = incidents.slice(0, LIST_MAX);
  const more = (left: number) => `_…and ${plural(left + incidents.length - shown.length, 'more')}_`;
  const lines = linesWithin(shown.map(incidentListLine), LIST_BUDGET, more);
  if (lines.length === shown.length && incidents.length > shown.length) lines.push(more(0));
  const title = `*Open incidents (${incidents.length})*`;
  return {
    text: fallback(
      `${plural(incidents.length, 'open incident')}: ${shown.map((i) => `#${i.id}`).join(', ')}`,
    ),
    blocks: [
      ...sections(`${title}\n${lines.join('\n')}`),
      context('`/aiops status 42` for one incident · `/aiops why 42` for its likely causes'),
    ],
  };
}

const HELP: [string, string][] = [
  ['why [INCIDENT]', 'the likely causes, ranked, with evidence and what happened in similar incidents'],
  ['status [INCIDENT]', 'status, alerts and latest updates of an incident'],
  ['list', 'open incidents'],
  ['ack [INCIDENT]', 'acknowledge an incident'],
  ['resolve [INCIDENT]', 'resolve an incident'],
  ['explain TEXT', 'explain a pasted log line or error message'],
  ['history SERVICE', "a service's past incidents and their confirmed causes"],
  ['audit [INCIDENT]', 'the remediation audit log (approvals, runs, rollbacks, refusals), newest first'],
  ['logs [INCIDENT]', 'the pod status, events and log tails (redacted) the analysis read from Kubernetes'],
  ['fix [INCIDENT]', 'open a draft PR with the fix (or show it as a diff when GitHub is not configured)'],
  ['help', 'this help'],
];

/** `/aiops help`, optionally after a line such as "Unknown sub-command `foo`." */
export function renderHelp(prefix?: string): SlackMessage {
  const blocks: KnownBlock[] = [];
  const intro = prefix?.trim() ? truncate(esc(prefix.trim()), 500) : '';
  if (intro) blocks.push(section(`⚠️ ${intro}`));
  blocks.push(
    section(
      `*\`/aiops\` commands*\n${HELP.map(([usage, what]) => `\`/aiops ${usage}\` — ${what}`).join('\n')}`,
    ),
    context(
      'INCIDENT is a number such as `42` or `#42`. Without it: the incident of this thread, else the latest open one in this channel. You can also mention `@aiops` with the same commands.',
    ),
  );
  return { text: fallback(intro ? `${intro} Try /aiops help.` : 'aiops commands: /aiops help'), blocks };
}

/** A short error answer, e.g. "no open incident in this channel". */
export function renderError(message: string): SlackMessage {
  const text = `⚠️ ${truncate(esc(message.trim() || 'Something went wrong.'), 2900)}`;
  return { text: fallback(text), blocks: [section(text)] };
}

/** "Incident #4 acknowledged by <@U1>" or "Incident #4 was already acknowledged by <@U2>". */
export function renderLifecycleAnswer(change: LifecycleChange): SlackMessage {
  const who = change.by ? ` by ${actorText(change.by)}` : '';
  const text = change.changed
    ? `${statusEmoji(change.status)} Incident #${change.incidentId} ${esc(change.status)}${who}`
    : `${statusEmoji(change.status)} Incident #${change.incidentId} was already ${esc(change.status)}${who}`;
  return { text: fallback(text), blocks: [section(text)] };
}

export interface HistoryRow {
  id: number;
  title: string;
  status: string;
  openedAt: string;
  causes: string[];
}

/** `/aiops history SERVICE`: past incidents of a service with the causes engineers confirmed. */
export function renderHistory(service: string, rows: HistoryRow[]): SlackMessage {
  const name = code(truncate(oneLine(service), 100));
  if (rows.length === 0) {
    const text = `No past incidents recorded for ${name}.`;
    return { text: fallback(text), blocks: [section(text)] };
  }
  const shown = rows.slice(0, HISTORY_MAX);
  const all = shown.map((row) => {
    const causes =
      row.causes.length > 0
        ? `cause: ${row.causes
            .slice(0, 3)
            .map((cause) => `*${truncate(esc(oneLine(cause)), 150)}*`)
            .join(', ')}${row.causes.length > 3 ? ` and ${row.causes.length - 3} more` : ''}`
        : '_no confirmed cause_';
    return `${statusEmoji(row.status)} ${incidentName(row, 150)} · ${slackDate(row.openedAt, '{date_short_pretty}')} · ${causes}`;
  });
  const older = (left: number) => `_…and ${plural(left + rows.length - shown.length, 'older incident')}_`;
  const lines = linesWithin(all, LIST_BUDGET, older);
  if (lines.length === all.length && rows.length > shown.length) lines.push(older(0));
  const confirmed = rows.filter((row) => row.causes.length > 0).length;
  return {
    text: fallback(`History of ${esc(oneLine(service))}: ${plural(rows.length, 'past incident')}`),
    blocks: [
      ...sections(
        `📚 *History of ${name}* (${plural(rows.length, 'incident')}, ${confirmed} with a confirmed cause)\n${lines.join('\n')}`,
      ),
      context('Confirm causes with *This was the cause* under an analysis; later analyses learn from them.'),
    ],
  };
}
