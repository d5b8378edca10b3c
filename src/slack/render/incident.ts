/**
 * Incident messages: the root message (one per incident, edited as it changes), the thread reply that
 * sums up new timeline events, and the `/aiops status` answer.
 */
import type { KnownBlock } from '@slack/types';
import type { IncidentAlert, IncidentDetail, IncidentSummary, TimelineEvent } from '../../db/incidents.ts';
import type { SlackMessage } from '../message.ts';
import {
  actorText,
  capitalize,
  code,
  context,
  durationBetween,
  esc,
  field,
  fields,
  header,
  link,
  listSome,
  oneLine,
  plural,
  safeUrl,
  severityEmoji,
  slackDate,
  sourceName,
  statusEmoji,
  truncate,
} from './format.ts';
import {
  fallback,
  incidentName,
  incidentSummaryText,
  lastEvent,
  lifecycleActions,
  linesWithin,
  sections,
  statusLabel,
} from './parts.ts';

/** Links shown per kind (alert sources, runbooks). */
const MAX_LINKS = 3;
/** Alerts listed on the root message; `/aiops status` lists more. */
const ROOT_ALERTS = 5;
const STATUS_ALERTS = 15;
/**
 * How many of an incident's alerts its messages read (firing first): the lists show 15 at most, the links
 * line up to MAX_LINKS distinct sources and runbooks; counts come from the incident row.
 */
export const MESSAGE_ALERTS = 200;
/** Timeline lines in one update reply, and in `/aiops status`; characters a list may take. */
const UPDATE_LINES = 20;
const STATUS_EVENTS = 10;
const LIST_BUDGET = 2800;
/** Longest link target we show; longer ones (query-heavy dashboards) are left out. */
const URL_MAX = 600;
/** Free text (notes) quoted from a source. */
const NOTE_MAX = 600;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

// ---------------------------------------------------------------------------------------------------
// Status and links

/** `👀 Acknowledged by <@U1>`, `✅ Resolved by *alertmanager*`, `🚨 Triggered · reopened 2×`. */
function statusWithActor(incident: IncidentDetail): string {
  let label = statusLabel(incident.status);
  if (incident.status === 'acknowledged' || incident.status === 'resolved') {
    const event = lastEvent(incident.timeline, incident.status);
    if (event?.actor) label += ` by ${actorText(event.actor)}`;
  }
  if (incident.reopenCount > 0) label += ` · reopened ${incident.reopenCount}×`;
  return label;
}

function sourceLabel(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname.toLowerCase();
    if (host.includes('grafana')) return 'Grafana';
    if (
      host.includes('prometheus') ||
      parsed.pathname.endsWith('/graph') ||
      parsed.searchParams.has('g0.expr')
    ) {
      return 'Prometheus';
    }
  } catch {
    // safeUrl already rejected anything unparsable
  }
  return 'Source';
}

interface NamedLink {
  url: string;
  label: string;
  alertname: string;
}

/** Distinct links, at most `MAX_LINKS`; when several share a label, the alert name tells them apart. */
function distinctLinks(items: NamedLink[], skip: Set<string>): string[] {
  const seen = new Set(skip);
  const picked: NamedLink[] = [];
  for (const item of items) {
    const url = safeUrl(item.url, URL_MAX);
    if (!url || seen.has(url)) continue;
    seen.add(url);
    picked.push({ ...item, url });
    if (picked.length === MAX_LINKS) break;
  }
  return picked.map((item) => {
    const shared = picked.filter((other) => other.label === item.label).length > 1;
    const label =
      shared && item.alertname ? `${item.label}: ${truncate(oneLine(item.alertname), 60)}` : item.label;
    return link(item.url, label);
  });
}

/** Alert sources (Prometheus/Grafana/…), runbooks and the PagerDuty incident, as one line of links. */
function incidentLinks(incident: IncidentDetail): string[] {
  const external = safeUrl(incident.externalUrl, URL_MAX);
  const skip = new Set(external ? [external] : []);
  const sources = distinctLinks(
    incident.alerts
      .filter((alert) => alert.generatorUrl)
      .map((alert) => ({
        url: alert.generatorUrl as string,
        label: sourceLabel(alert.generatorUrl as string),
        alertname: alert.alertname,
      })),
    skip,
  );
  const runbooks = distinctLinks(
    incident.alerts
      .filter((alert) => alert.annotations.runbook_url)
      .map((alert) => ({
        url: alert.annotations.runbook_url as string,
        label: 'Runbook',
        alertname: alert.alertname,
      })),
    skip,
  );
  const pagerduty = external
    ? [link(external, incident.source === 'pagerduty' ? 'PagerDuty incident' : 'External incident')]
    : [];
  const all = [...sources, ...runbooks, ...pagerduty];
  return all.map((item, index) => (index === 0 ? `🔗 ${item}` : item));
}

// ---------------------------------------------------------------------------------------------------
// Alerts

function alertLine(alert: IncidentAlert, withTime: boolean): string {
  const mark = alert.status === 'firing' ? '🔥' : '✅';
  const summary =
    alert.summary && alert.summary !== alert.alertname
      ? ` — ${truncate(esc(oneLine(alert.summary)), 200)}`
      : '';
  const since = withTime ? ` · since ${slackDate(alert.startsAt)}` : '';
  return `${mark} ${code(truncate(oneLine(alert.alertname), 100))}${summary}${since}`;
}

/** Firing alerts first; the first `max`, then "…and N more". */
function alertList(incident: IncidentDetail, max: number, withTime: boolean): string {
  const ordered = [
    ...incident.alerts.filter((alert) => alert.status === 'firing'),
    ...incident.alerts.filter((alert) => alert.status !== 'firing'),
  ];
  const lines = ordered.slice(0, max).map((alert) => alertLine(alert, withTime));
  const total = alertTotal(incident);
  const more = (left: number) => `_…and ${plural(left + total - lines.length, 'more alert')}_`;
  const kept = linesWithin(lines, LIST_BUDGET, more);
  if (kept.length === lines.length && total > lines.length) kept.push(more(0));
  return kept.join('\n');
}

/** How many alerts the incident has: its count, when only the first ones were read (`getIncident`'s alertLimit). */
const alertTotal = (incident: IncidentDetail): number =>
  Math.max(incident.alertCount, incident.alerts.length);

/** A single alert that only repeats the incident title (PagerDuty) is not worth listing. */
function alertsWorthListing(incident: IncidentDetail): boolean {
  if (incident.alerts.length === 0) return false;
  if (alertTotal(incident) > 1) return true;
  const only = incident.alerts[0] as IncidentAlert;
  return only.alertname !== incident.title || (only.summary !== '' && only.summary !== incident.title);
}

// ---------------------------------------------------------------------------------------------------
// Root message

/** What each derivation rule says about the service, before the labels it read. */
const SERVICE_RULE_WORDS: Record<string, string> = {
  host: 'the host, from',
  exporter: 'behind the exporter, from',
  probe: 'the probed target, from',
  'scrape-target': 'the scrape target itself, from',
  match: 'aiops.yml services match:',
  labels: 'ingest.serviceLabels:',
  pagerduty: 'the PagerDuty service',
};

/** `\`api\` (from pod \`api-7d9f…\`, container \`api\`)`: the service and the labels that decided it. */
function serviceText(incident: IncidentSummary): string {
  const service = code(truncate(oneLine(incident.service), 150));
  const source = incident.serviceSource;
  if (!source) return service;
  if (source.rule === 'none') return `${service} (no label names it)`;
  if (source.rule === 'pagerduty') return `${service} (the PagerDuty service)`;
  const labels = Object.entries(source.labels ?? {})
    .filter(([key]) => key !== 'alertname')
    .slice(0, 4)
    .map(
      ([key, value]) => `${esc(truncate(oneLine(key), 40))} ${code(truncate(oneLine(String(value)), 80))}`,
    );
  if (labels.length === 0) return service;
  return `${service} (${SERVICE_RULE_WORDS[source.rule] ?? 'from'} ${labels.join(', ')})`;
}

function incidentBlocks(
  incident: IncidentDetail,
  options: { maxAlerts: number; alertTimes: boolean },
): KnownBlock[] {
  const scope = ['cluster', 'namespace']
    .filter((key) => incident.labels[key])
    .map((key) => `${key} ${code(truncate(oneLine(incident.labels[key] as string), 80))}`);
  const facts = [
    field('Service', serviceText(incident)),
    field('Status', statusWithActor(incident)),
    field('Severity', `${severityEmoji(incident.severity)} ${capitalize(esc(incident.severity))}`),
    field('Alerts', `${incident.firingCount} firing / ${incident.alertCount} total`),
    field('Started', slackDate(incident.openedAt)),
  ];
  if (incident.status === 'resolved' && incident.resolvedAt) {
    facts.push(
      field('Duration', `Resolved after ${durationBetween(incident.openedAt, incident.resolvedAt)}`),
    );
  }
  if (scope.length > 0) facts.push(field('Scope', scope.join(', ')));

  const blocks: KnownBlock[] = [
    header(`${severityEmoji(incident.severity)} #${incident.id} ${oneLine(incident.title)}`),
    fields(facts),
  ];
  if (alertsWorthListing(incident))
    blocks.push(...sections(alertList(incident, options.maxAlerts, options.alertTimes)));
  const links = incidentLinks(incident);
  if (links.length > 0) blocks.push(context(...links));
  return blocks;
}

/**
 * The root message of an incident: severity and title, service, status (and who acknowledged or
 * resolved it), alert counts, start, duration once resolved, links to the alert sources, runbooks and
 * PagerDuty, and the Acknowledge / Resolve buttons while they apply.
 */
export function renderIncidentRoot(incident: IncidentDetail): SlackMessage {
  // No "updated at" stamp: the content must depend on the incident only, so a sync that changes nothing
  // edits nothing (src/slack/thread.ts compares digests); Slack marks edited messages itself.
  return {
    text: incidentSummaryText(incident),
    blocks: [
      ...incidentBlocks(incident, { maxAlerts: ROOT_ALERTS, alertTimes: false }),
      ...lifecycleActions(incident),
      context(`Incident #${incident.id} · from ${esc(sourceName(incident.source))}`),
    ],
  };
}

/** `/aiops status`: the root message's facts, the alerts with their start, and the latest timeline events. */
export function renderIncidentStatus(incident: IncidentDetail, now: Date): SlackMessage {
  const recent = incident.timeline
    .map((event) => timelineLine(incident, event))
    .filter((line): line is string => line !== null)
    .slice(-STATUS_EVENTS);
  const blocks: KnownBlock[] = [...incidentBlocks(incident, { maxAlerts: STATUS_ALERTS, alertTimes: true })];
  if (recent.length > 0) {
    const shown = linesWithin(recent, LIST_BUDGET, (left) => `_…${plural(left, 'earlier update')}_`, true);
    blocks.push(...sections(`*Latest updates*\n${shown.join('\n')}`));
  }
  blocks.push(
    ...lifecycleActions(incident),
    context(
      `Incident #${incident.id} · from ${esc(sourceName(incident.source))} · as of ${slackDate(now, '{date_short_pretty} {time}')}`,
    ),
  );
  return { text: incidentSummaryText(incident), blocks };
}

// ---------------------------------------------------------------------------------------------------
// Timeline

/** `by <@U1>` / `by *alertmanager*`, or nothing when the actor is unknown. */
function by(actor: string | null): string {
  return actor ? ` by ${actorText(actor)}` : '';
}

/** One line per event worth telling; null for `opened` (the root message shows it) and unknown kinds. */
function timelineText(incident: IncidentSummary, event: TimelineEvent): string | null {
  const detail = event.detail ?? {};
  switch (event.kind) {
    case 'alerts_firing': {
      const names = strings(detail.alertnames).map((name) => code(truncate(oneLine(name), 100)));
      const n = count(detail.count);
      return `🔥 ${plural(n, 'alert')} started firing${names.length > 0 ? `: ${listSome(names, 5)}` : ''}`;
    }
    case 'alerts_resolved':
      return `🟢 ${plural(count(detail.count), 'alert')} resolved`;
    case 'acknowledged':
      return `${statusEmoji('acknowledged')} Acknowledged${by(event.actor)}`;
    case 'resolved':
      return `${statusEmoji('resolved')} Resolved${by(event.actor)} after ${durationBetween(incident.openedAt, event.at)}`;
    case 'triggered':
      return `${statusEmoji('triggered')} Back to triggered${by(event.actor)}`;
    case 'reopened':
      return `🔁 Reopened${by(event.actor)}`;
    case 'note': {
      const note = truncate(esc(text(detail.text).trim()), NOTE_MAX);
      if (!note) return null;
      const where =
        incident.source === 'pagerduty' && !event.actor?.startsWith('<@')
          ? ` in ${sourceName(incident.source)}`
          : '';
      const from = event.actor ? ` from ${actorText(event.actor)}${where}` : where;
      return `📝 Note${from}:\n>${note.replace(/\n/g, '\n>')}`;
    }
    case 'priority_updated': {
      const priority = text(detail.priority);
      return `🏷️ Priority ${priority ? `set to *${truncate(esc(oneLine(priority)), 50)}*` : 'cleared'}${by(event.actor)}`;
    }
    case 'cause_confirmed': {
      const category = text(detail.category);
      const title = truncate(esc(oneLine(text(detail.title))), 200);
      return `🎯 Cause confirmed${by(event.actor)}: *${title}*${category ? ` (_${esc(category)}_)` : ''}`;
    }
    case 'fix_pr':
      return fixPrLine(event);
    default:
      return null;
  }
}

const FIX_PR_WORDS: Record<string, string> = {
  opened: '🔧 Draft fix PR {pr} opened',
  open: '🔁 Fix PR {pr} reopened',
  review_requested: '👀 Review requested on fix PR {pr}',
  ready_for_review: '📬 Fix PR {pr} marked ready for review',
  approved: '✅ Fix PR {pr} approved',
  changes_requested: '✏️ Changes requested on fix PR {pr}',
  merged: '🎉 Fix PR {pr} merged',
  closed: '🚫 Fix PR {pr} closed without merging',
};

/** `🎉 Fix PR <url|acme/checkout#12> merged by *alice (GitHub)*: Raise memory limit…` */
function fixPrLine(event: TimelineEvent): string | null {
  const detail = event.detail ?? {};
  const words = FIX_PR_WORDS[text(detail.status)];
  const number = typeof detail.number === 'number' ? detail.number : null;
  if (!words || number === null) return null;
  const pr = link(text(detail.url), `${oneLine(text(detail.repo))}#${number}`);
  const who =
    text(detail.status) === 'opened' ? ` at the request of ${actorText(event.actor)}` : by(event.actor);
  const title = text(detail.title) ? `: ${truncate(esc(oneLine(text(detail.title))), 200)}` : '';
  return `${words.replace('{pr}', pr)}${who}${title}`;
}

/** A timeline line with the event's time (each reader's time zone). */
function timelineLine(incident: IncidentSummary, event: TimelineEvent): string | null {
  const line = timelineText(incident, event);
  return line === null ? null : `${slackDate(event.at, '{time}')}  ${line}`;
}

/**
 * One thread reply summing up new timeline events, or null when there is nothing worth saying (only
 * `opened`, which the root message already shows, or kinds we do not describe).
 */
export function renderTimelineUpdate(
  incident: IncidentSummary,
  events: TimelineEvent[],
  now: Date,
): SlackMessage | null {
  const lines = events
    .map((event) => ({ event, line: timelineText(incident, event) }))
    .filter((entry): entry is { event: TimelineEvent; line: string } => entry.line !== null);
  if (lines.length === 0) return null;
  const recent = lines
    .slice(-UPDATE_LINES)
    .map(({ event, line }) => `${slackDate(event.at, '{time}')}  ${line}`);
  const earlier = (left: number) =>
    `_…${plural(left + lines.length - recent.length, 'earlier update')} not shown_`;
  const body = linesWithin(recent, LIST_BUDGET, earlier, true);
  if (body.length === recent.length && lines.length > recent.length) body.unshift(earlier(0));
  const first = truncate((lines[0] as { line: string }).line.replace(/\n>/g, ' '), 300);
  const more = lines.length > 1 ? ` (+${lines.length - 1} more)` : '';
  const stateNow =
    incident.status === 'resolved'
      ? statusLabel('resolved')
      : `${statusLabel(incident.status)} · ${incident.firingCount} of ${plural(incident.alertCount, 'alert')} firing`;
  return {
    text: fallback(`${incidentName(incident, 100)}: ${first}${more}`),
    blocks: [
      ...sections(body.join('\n')),
      context(`${incidentName(incident, 100)} · now ${stateNow} · ${slackDate(now, '{time}')}`),
    ],
  };
}
