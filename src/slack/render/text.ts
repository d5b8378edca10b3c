/**
 * A readable terminal rendering of a Block Kit message, for local mode (no Slack token): the same
 * renderers produce the message, this shows what a Slack user would read.
 */
import type { SlackMessage } from '../message.ts';

interface TextLike {
  text?: unknown;
}

interface LooseBlock {
  type?: unknown;
  text?: TextLike;
  fields?: TextLike[];
  accessory?: { type?: unknown; text?: TextLike };
  elements?: { type?: unknown; text?: unknown; alt_text?: unknown }[];
}

/**
 * mrkdwn → terminal text: date tokens become their fallback, links `label (url)`, user mentions stay
 * `<@U1>`, channel links `#name`, special mentions `@here`; then entities are unescaped and the
 * invisible word joiners dropped.
 */
export function mrkdwnToText(text: string): string {
  return text
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!date\^[^>]*>/g, '')
    .replace(/<!subteam\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]*)>/g, (_match, url: string, label: string) =>
      label === url ? url : `${label} (${url})`,
    )
    .replace(/<((?:https?|mailto):[^|>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u2060/g, '');
}

const stringOf = (object: TextLike | undefined): string =>
  typeof object?.text === 'string' ? object.text : '';

/** `*Service*\n`checkout`` → `Service: checkout`. */
function fieldText(text: string): string {
  const match = /^\*([^*\n]+)\*\n([\s\S]*)$/.exec(text);
  const line = match ? `${match[1]}: ${match[2]}` : text;
  return mrkdwnToText(line.replace(/\n/g, ' '));
}

/**
 * Header as a line, sections and their fields, context lines (elements joined by ` · `), buttons as
 * `[Acknowledge] [Resolve]`, dividers as a rule. Multi-line, without a trailing newline.
 */
export function renderAsText(message: SlackMessage): string {
  const lines: string[] = [];
  const blocks = message.blocks as unknown as LooseBlock[];
  if (blocks.length === 0) return mrkdwnToText(message.text).trimEnd();
  for (const block of blocks) {
    switch (block.type) {
      case 'header': {
        const text = mrkdwnToText(stringOf(block.text));
        lines.push(text, '═'.repeat(Math.min(60, Math.max(3, [...text].length))));
        break;
      }
      case 'section': {
        const text = stringOf(block.text);
        const body = text ? mrkdwnToText(text).split('\n') : [];
        // A headed section (`*Next steps*`, `*1. Cause*`) gets air above it.
        if (text.startsWith('*') && lines.length > 0 && lines.at(-1) !== '') lines.push('');
        const accessory = block.accessory;
        if (accessory?.type === 'button') body.push(`[${stringOf(accessory.text)}]`);
        lines.push(...body);
        for (const item of block.fields ?? []) lines.push(fieldText(stringOf(item)));
        break;
      }
      case 'context': {
        const parts = (block.elements ?? []).map((element) =>
          typeof element.text === 'string' ? mrkdwnToText(element.text) : String(element.alt_text ?? ''),
        );
        lines.push(...parts.filter(Boolean).join(' · ').split('\n'));
        break;
      }
      case 'actions': {
        const labels = (block.elements ?? []).map((element) => `[${stringOf(element.text as TextLike)}]`);
        lines.push(labels.join(' '));
        break;
      }
      case 'divider':
        lines.push('─'.repeat(40));
        break;
      default:
        break;
    }
  }
  return lines.join('\n').replace(/\s+$/, '');
}
