/**
 * Pieces several renderers share: the one-line incident summary, the lifecycle buttons and their
 * values, long text as several sections, and packing blocks into as many messages as Slack's limits need.
 */
import type { Button, KnownBlock } from '@slack/types';
import { redactAndCut } from '../../analysis/redact.ts';
import type { IncidentSummary, TimelineEvent } from '../../db/incidents.ts';
import { ACTION_IDS, type IncidentButtonValue, type SlackMessage } from '../message.ts';
import {
  actions,
  button,
  capitalize,
  confirmDialog,
  context,
  esc,
  oneLine,
  plural,
  section,
  severityEmoji,
  splitText,
  statusEmoji,
  truncate,
} from './format.ts';
import { SLACK_LIMITS } from './limits.ts';

/**
 * Text budget per message (sum of all block texts). Slack rejects messages whose blocks carry about
 * 12,000 characters in total (`msg_blocks_too_long`, undocumented; slackapi/bolt-js#2509, #2867), so we
 * stay well below.
 */
export const MESSAGE_TEXT_BUDGET = 7000;

/** Length of the fallback `text` we send (notifications show far less). */
const FALLBACK_MAX = 500;

/** `#42 HighErrorRate`, escaped, one line, cut to `max`. */
export function incidentName(incident: Pick<IncidentSummary, 'id' | 'title'>, max = 150): string {
  return `#${incident.id} ${truncate(esc(oneLine(incident.title)), max)}`;
}

/** `🔴 [CRITICAL] #42 HighErrorRate — checkout (triggered, 3 alerts)`: the notification fallback. */
export function incidentSummaryText(incident: IncidentSummary): string {
  const line =
    `${severityEmoji(incident.severity)} [${esc(incident.severity.toUpperCase())}] ${incidentName(incident, 200)}` +
    ` — ${truncate(esc(oneLine(incident.service)), 100)} (${esc(incident.status)}, ${plural(incident.alertCount, 'alert')})`;
  return fallback(line);
}

/** A notification fallback: one line, at most 500 characters. */
export function fallback(text: string): string {
  return truncate(oneLine(text), FALLBACK_MAX);
}

/** `🚨 Triggered` */
export function statusLabel(status: string): string {
  return `${statusEmoji(status)} ${capitalize(esc(status))}`;
}

/** The latest timeline event of a kind. */
export function lastEvent(timeline: TimelineEvent[], kind: string): TimelineEvent | undefined {
  for (let index = timeline.length - 1; index >= 0; index -= 1) {
    if (timeline[index]?.kind === kind) return timeline[index];
  }
  return undefined;
}

/** A button value: `JSON.stringify(IncidentButtonValue)`, kept under Slack's 2,000 characters. */
export function buttonValue(value: IncidentButtonValue): string {
  const json = JSON.stringify(value);
  if (json.length <= SLACK_LIMITS.buttonValue || value.cause === undefined) return json;
  return JSON.stringify({ ...value, cause: redactAndCut(value.cause, 500, { ellipsis: '' }) });
}

/** *Acknowledge* while triggered, *Resolve* (with a confirm dialog) until resolved. */
export function lifecycleButtons(incident: IncidentSummary): Button[] {
  const value = buttonValue({ incidentId: incident.id });
  const buttons: Button[] = [];
  if (incident.status === 'triggered') {
    buttons.push(button({ text: 'Acknowledge', actionId: ACTION_IDS.acknowledge, value, style: 'primary' }));
  }
  if (incident.status !== 'resolved') {
    const firing =
      incident.firingCount > 0
        ? ` ${plural(incident.firingCount, 'alert is', 'alerts are')} still firing; the incident reopens only if a new alert fires.`
        : '';
    buttons.push(
      button({
        text: 'Resolve',
        actionId: ACTION_IDS.resolve,
        value,
        confirm: confirmDialog(
          `Resolve incident #${incident.id}?`,
          `This marks incident #${incident.id} as resolved for everyone.${firing}`,
          'Resolve',
        ),
      }),
    );
  }
  return buttons;
}

/** The actions block with the lifecycle buttons, or nothing once resolved. */
export function lifecycleActions(incident: IncidentSummary): KnownBlock[] {
  const buttons = lifecycleButtons(incident);
  return buttons.length > 0 ? [actions(buttons)] : [];
}

/** Long mrkdwn as as many sections as needed, never cutting a token. */
export function sections(text: string, max: number = SLACK_LIMITS.sectionText): KnownBlock[] {
  if (text.trim().length === 0) return [];
  return splitText(text, max).map((piece) => section(piece));
}

/**
 * As many of `lines` (in order) as fit in `budget` characters, then `more(n)` for the n left out, so a
 * list stays inside one section and the message's text budget. `fromEnd` keeps the last lines instead.
 */
export function linesWithin(
  lines: string[],
  budget: number,
  more: (left: number) => string,
  fromEnd = false,
): string[] {
  const ordered = fromEnd ? [...lines].reverse() : lines;
  const kept: string[] = [];
  let size = 0;
  for (const line of ordered) {
    if (kept.length > 0 && size + line.length + 1 > budget) break;
    const shownLine = truncate(line, budget);
    kept.push(shownLine);
    size += shownLine.length + 1;
  }
  const left = lines.length - kept.length;
  if (fromEnd) kept.reverse();
  if (left === 0) return kept;
  return fromEnd ? [more(left), ...kept] : [...kept, more(left)];
}

/** A block's size as JSON: an upper bound of the text it carries (what Slack's cumulative limit counts). */
export function blockTextLength(block: KnownBlock): number {
  return JSON.stringify(block).length;
}

/**
 * Packs units of blocks (each kept together) into messages of at most 50 blocks and about
 * `MESSAGE_TEXT_BUDGET` characters. Messages after the first start with `continued(n, total)`; `text(n,
 * total)` is each message's fallback. A unit too big for one message is spread over several.
 */
export function packMessages(
  units: KnownBlock[][],
  options: {
    text: (index: number, total: number) => string;
    continued: (index: number, total: number) => string;
  },
): SlackMessage[] {
  const maxBlocks = SLACK_LIMITS.blocks - 1; // room for the "continued" line
  const groups: KnownBlock[][] = [];
  let current: KnownBlock[] = [];
  let size = 0;
  const flush = () => {
    if (current.length > 0) groups.push(current);
    current = [];
    size = 0;
  };
  for (const unit of units) {
    const unitSize = unit.reduce((sum, block) => sum + blockTextLength(block), 0);
    if (current.length + unit.length > maxBlocks || size + unitSize > MESSAGE_TEXT_BUDGET) flush();
    for (const block of unit) {
      const blockSize = blockTextLength(block);
      if (current.length + 1 > maxBlocks || (current.length > 0 && size + blockSize > MESSAGE_TEXT_BUDGET))
        flush();
      current.push(block);
      size += blockSize;
    }
  }
  flush();
  if (groups.length === 0) groups.push([]);
  return groups.map((blocks, index) => ({
    text: options.text(index, groups.length),
    blocks: index === 0 ? blocks : [context(options.continued(index, groups.length)), ...blocks],
  }));
}
