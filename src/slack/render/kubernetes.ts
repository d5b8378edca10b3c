/**
 * The Kubernetes context an analysis used, for Slack: `/aiops logs [INCIDENT]` shows the redacted pod status,
 * events and log tails, and the analysis reply says what was read. Everything here is untrusted cluster text
 * (already redacted when it was read): escaped, and log lines shown only inside code blocks.
 */
import type { KnownBlock } from '@slack/types';
import { redactAndCut } from '../../analysis/redact.ts';
import type { Analysis, KubeContext, KubeObjectContext } from '../../analysis/schema.ts';
import type { IncidentSummary } from '../../db/incidents.ts';
import type { SlackMessage } from '../message.ts';
import { bullets, code, context, esc, fenced, oneLine, plural, section, truncate } from './format.ts';
import { SLACK_LIMITS } from './limits.ts';
import { blockTextLength, fallback, incidentName, MESSAGE_TEXT_BUDGET } from './parts.ts';

const MAX_OBJECTS = 8;
const MAX_EVENTS = 5;
/** One event's message at most: head and tail, as the source keeps them (the reason is often at the end). */
const EVENT_TEXT = 300;
/** Blocks per message at most (Slack allows 50): the header, the footer and a few per object. */
const MAX_BLOCKS = 45;
/** One log tail's code block at most: a few tails fit the message's text budget. */
const TAIL_TEXT = 1_800;

const at = (iso: string | null): string => (iso ? `${iso.replace(/\.\d+Z$/, 'Z')} ` : '');

function objectName(object: KubeObjectContext): string {
  return `${object.kind.toLowerCase()} ${code(`${object.namespace ? `${object.namespace}/` : ''}${object.name}`)}`;
}

/** One line on what the analysis read from the cluster, or null when it read nothing. */
export function kubeContextLine(incident: Pick<IncidentSummary, 'id'>, analysis: Analysis): string | null {
  const kube = analysis.kubernetes;
  if (!kube || (kube.objects.length === 0 && kube.notes.length === 0)) return null;
  const pods = kube.objects.filter((object) => object.kind === 'Pod').length;
  const others = kube.objects.length - pods;
  const tails = kube.objects.reduce((sum, object) => sum + object.logs.length, 0);
  const events = kube.objects.reduce((sum, object) => sum + object.events.length, 0);
  const notes = kube.objects.reduce((sum, object) => sum + object.notes.length, 0) + kube.notes.length;
  const read = [
    pods > 0 ? plural(pods, 'pod') : '',
    others > 0 ? plural(others, 'other object') : '',
    plural(events, 'event'),
    plural(tails, 'log tail'),
  ].filter(Boolean);
  return `☸️ Kubernetes: read ${read.join(', ')}${notes > 0 ? ` (${plural(notes, 'note')})` : ''} · \`/aiops logs ${incident.id}\` shows them`;
}

function objectBlocks(object: KubeObjectContext): KnownBlock[] {
  const lines: string[] = [`*${objectName(object)}* — ${truncate(esc(oneLine(object.status)), 300)}`];
  for (const container of object.containers.slice(0, 4)) {
    const last = container.lastTermination;
    const limits = Object.entries(container.limits)
      .map(([resource, quantity]) => `${resource} ${quantity}`)
      .join(', ');
    lines.push(
      `• ${code(container.name)}: ${container.state}${container.reason ? ` (${esc(container.reason)})` : ''}, ${plural(container.restarts, 'restart')}${
        last
          ? `; last terminated ${esc(last.reason)} (exit code ${last.exitCode}) ${at(last.at)}`.trimEnd()
          : ''
      }${limits ? `; limits ${esc(limits)}` : ''}`,
    );
  }
  const events = object.events
    .slice(0, MAX_EVENTS)
    .map(
      (event) =>
        `${at(event.at)}${esc(event.type)} ${esc(event.reason)}${event.count > 1 ? ` ×${event.count}` : ''}: ${esc(redactAndCut(oneLine(event.message), EVENT_TEXT, { keep: 'ends' }))}`,
    );
  if (events.length > 0) lines.push(`*Events*\n${bullets(events)}`);
  const blocks: KnownBlock[] = [section(truncate(lines.join('\n'), SLACK_LIMITS.sectionText))];
  for (const tail of object.logs) {
    const title = `Log of ${code(tail.container)}${tail.previous ? ' (previous instance, before the restart)' : ''}${tail.truncated ? ' — errors and warnings first, then the latest lines' : ''}`;
    const body = tail.lines.length > 0 ? tail.lines.join('\n') : '(empty)';
    blocks.push(section(`${title}\n${fenced(body, TAIL_TEXT)}`));
  }
  if (object.notes.length > 0) {
    blocks.push(context(truncate(esc(object.notes.slice(0, 3).join(' · ')), 1500)));
  }
  return blocks;
}

/** `/aiops logs [INCIDENT]`: the redacted pod status, events and log tails the latest analysis used. */
export function renderKubeLogs(
  incident: Pick<IncidentSummary, 'id' | 'title'>,
  kube: KubeContext | undefined,
): SlackMessage {
  const head = section(`📜 *What the cluster said about ${incidentName(incident)}*`);
  if (!kube || kube.objects.length === 0) {
    const why =
      kube && kube.notes.length > 0
        ? truncate(esc(kube.notes.slice(0, 3).join(' · ')), 1500)
        : 'The latest analysis read no Kubernetes context: set `context.kubernetes` in aiops.yml (or KUBECONFIG), and the alerts must name a pod, workload or node.';
    return {
      text: fallback(`No Kubernetes context for ${incidentName(incident, 100)}`),
      blocks: [head, section(why)],
    };
  }
  const blocks: KnownBlock[] = [head];
  // Within Slack's block count and the message text budget: whole objects, the troubled (first-read) first.
  let used = blockTextLength(head) + 600;
  let shown = 0;
  for (const object of kube.objects.slice(0, MAX_OBJECTS)) {
    const more = objectBlocks(object);
    const size = more.reduce((sum, block) => sum + blockTextLength(block), 0);
    if (blocks.length + more.length > MAX_BLOCKS - 1 || (shown > 0 && used + size > MESSAGE_TEXT_BUDGET))
      break;
    if (shown === 0 && used + size > MESSAGE_TEXT_BUDGET) {
      // The first object alone is too big: its status and events, and its first log tail.
      blocks.push(...more.slice(0, 2));
    } else blocks.push(...more);
    used += size;
    shown += 1;
  }
  const footer = [
    'Redacted when read; the lines the analysis used',
    kube.objects.length > shown ? `${kube.objects.length - shown} more objects not shown` : '',
    ...kube.notes.slice(0, 2).map((note) => esc(note)),
  ].filter(Boolean);
  blocks.push(context(truncate(footer.join(' · '), 2000)));
  return {
    text: fallback(`📜 Logs and events for ${incidentName(incident, 100)}`),
    blocks,
  };
}
