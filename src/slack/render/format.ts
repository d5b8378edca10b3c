/**
 * Small pure helpers the renderers share: mrkdwn escaping of untrusted text, links, Slack date tokens,
 * durations, severity and status labels, and length-safe truncation.
 *
 * Everything an alert source, an analyzer or a user typed is untrusted: it goes through `esc()` before
 * it lands in a mrkdwn string, so it can neither mention (`<!channel>`), nor fake a link, nor break out
 * of our own formatting. Plain-text objects (headers, button labels) are shown literally by Slack and
 * need no escaping.
 *
 * Secrets are redacted on the way in, before any cut: `esc`, `oneLine` (and so `code`, `inert`),
 * `truncate` and `splitText` redact the text they are given. A cut made first would leave a fragment no
 * redaction rule recognises any more (30 of a token's 40 characters) for `redactForSlack` to miss; a
 * split would leave the two halves of a secret in two sections. Redaction is idempotent, so text that
 * passes through several of these is unchanged by the second pass.
 */
import type { Button, ConfirmationDialog, KnownBlock, MrkdwnElement, PlainTextElement } from '@slack/types';
import { redactText, safeCutIndex } from '../../analysis/redact.ts';

/** Word joiner: invisible, but stops `@here` in alert text from being read as a broadcast. */
const WORD_JOINER = '\u2060';

/** Escapes `&`, `<`, `>` (Slack's control characters) and defuses bare `@channel`/`@here`/`@everyone`. */
export function esc(text: string): string {
  return redactText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, `@${WORD_JOINER}$1`);
}

/** Inline code that cannot be broken out of: backticks in the value become a look-alike. */
export function code(text: string): string {
  return `\`${esc(text.replace(/`/g, 'ˋ'))}\``;
}

/** An actor as recorded in the timeline: a Slack user mention stays a mention, anything else is text. */
export function actorText(actor: string | null | undefined): string {
  if (!actor) return 'someone';
  if (/^<@[UW][A-Z0-9]+>$/.test(actor)) return actor;
  return `*${esc(actor)}*`;
}

/** Only absolute http(s) URLs, written so that they cannot end a `<url|label>` link early. */
export function safeUrl(url: string | null | undefined, maxLength = 1500): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const href = parsed.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  return href.length > maxLength ? null : href;
}

/** A mrkdwn link `<url|label>`; the label is escaped, the URL sanitized (plain escaped label when unsafe). */
export function link(url: string | null | undefined, label: string): string {
  const safe = safeUrl(url);
  const text = esc(label);
  return safe ? `<${safe.replace(/&/g, '&amp;')}|${text}>` : text;
}

/** `2026-01-01T03:12:00Z` (no milliseconds): the fallback text of a date token. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A Slack date token: each reader sees the time in their own time zone, with the ISO time as the
 * fallback (notifications, old clients, the terminal).
 */
export function slackDate(iso: string | Date, format = '{date_short_pretty} {time}'): string {
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return esc(String(iso));
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${isoSeconds(date)}>`;
}

/** `45s`, `12m`, `1h 12m`, `3h`, `2d 4h`. Negative spans count as zero. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** Time from `from` to `to` (ISO strings or dates), formatted. */
export function durationBetween(from: string | Date, to: string | Date): string {
  return formatDuration(new Date(to).getTime() - new Date(from).getTime());
}

const SEVERITY_EMOJI: Record<string, string> = { critical: '🔴', high: '🟠', warning: '🟡', info: '🔵' };
const SEVERITY_RANK: Record<string, number> = { critical: 4, high: 3, warning: 2, info: 1 };

export function severityEmoji(severity: string): string {
  return SEVERITY_EMOJI[severity] ?? '⚪';
}

export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? 0;
}

const STATUS_EMOJI: Record<string, string> = { triggered: '🚨', acknowledged: '👀', resolved: '✅' };

export function statusEmoji(status: string): string {
  return STATUS_EMOJI[status] ?? '❔';
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const SOURCE_NAMES: Record<string, string> = { alertmanager: 'Alertmanager', pagerduty: 'PagerDuty' };

export function sourceName(source: string): string {
  return SOURCE_NAMES[source] ?? source;
}

/** `1 alert`, `3 alerts`. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : pluralNoun}`;
}

export function percent(likelihood: number): string {
  return `${Math.round(Math.min(1, Math.max(0, likelihood)) * 100)}%`;
}

/** `a`, `a and b`, `a, b and 3 more` — at most `max` items named. */
export function listSome(items: string[], max = 3): string {
  if (items.length <= max) {
    return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
  }
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

// ---------------------------------------------------------------------------------------------------
// Truncation at a safe boundary

const ELLIPSIS = '…';

/**
 * The longest prefix of `text` no longer than `max` that does not cut a surrogate pair, a `<…>` token
 * (mention, link, date), an `&amp;` entity or, when one is close, a word.
 */
function safeCut(text: string, max: number, preferBreak: boolean): number {
  if (max >= text.length) return text.length;
  let cut = safeCutIndex(text, max);
  const open = text.lastIndexOf('<', cut - 1);
  if (open !== -1 && text.lastIndexOf('>', cut - 1) < open) cut = open;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp !== -1 && cut - amp < 8 && !text.slice(amp, cut).includes(';')) cut = amp;
  if (preferBreak) {
    const floor = Math.floor(cut * 0.8);
    const window = text.slice(floor, cut);
    const newline = window.lastIndexOf('\n');
    if (newline !== -1) return floor + newline;
    const space = window.search(/\s\S*$/);
    if (space !== -1) return floor + space;
  }
  return cut;
}

/** Closes a ``` fence the cut left open, so the rest of the thread does not render as code. */
function closeFence(text: string): string {
  const fences = text.match(/```/g)?.length ?? 0;
  return fences % 2 === 1 ? `${text}\n\`\`\`` : text;
}

/**
 * Truncates mrkdwn (or plain) text to at most `max` characters, ending with "…" when it was cut. Secrets
 * are redacted first, so the cut cannot leave a fragment of one.
 */
export function truncate(untrusted: string, max: number): string {
  const text = redactText(untrusted);
  if (text.length <= max) return text;
  let budget = max - ELLIPSIS.length;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const head = text.slice(0, safeCut(text, budget, true)).trimEnd();
    const result = closeFence(`${head}${ELLIPSIS}`);
    if (result.length <= max) return result;
    budget -= result.length - max;
  }
  return text.slice(0, Math.max(0, max - ELLIPSIS.length)).trimEnd() + ELLIPSIS;
}

/**
 * Splits text into pieces of at most `max` characters, preferring paragraph, line and word boundaries
 * and never cutting a `<…>` token or an entity. Nothing is lost.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = redactText(text);
  while (rest.length > max) {
    const paragraph = rest.lastIndexOf('\n\n', max);
    let cut = paragraph > max * 0.5 ? paragraph : -1;
    if (cut === -1) {
      const line = rest.lastIndexOf('\n', max);
      cut = line > max * 0.5 ? line : safeCut(rest, max, true);
    }
    if (cut <= 0) cut = safeCut(rest, max, false) || max;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces.filter((piece, index) => piece.length > 0 || index === 0);
}

// ---------------------------------------------------------------------------------------------------
// Block builders

export function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

/** Verbatim mrkdwn: our explicit `<…>` tokens work, but Slack does not auto-parse names in alert text. */
export function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function section(text: string, extra: { block_id?: string; accessory?: Button } = {}): KnownBlock {
  return { type: 'section', text: mrkdwn(text), ...extra };
}

export function context(...texts: string[]): KnownBlock {
  return { type: 'context', elements: texts.filter((text) => text.length > 0).map(mrkdwn) };
}

/** A header (plain text, one line, at most 150 characters); untrusted parts are made inert. */
export function header(text: string): KnownBlock {
  return { type: 'header', text: plain(truncate(inert(text), 150)) };
}

export const divider: KnownBlock = { type: 'divider' };

export function confirmDialog(
  title: string,
  text: string,
  confirm: string,
  style?: 'danger',
): ConfirmationDialog {
  return {
    title: plain(truncate(title, 100)),
    text: plain(truncate(text, 300)),
    confirm: plain(truncate(confirm, 30)),
    deny: plain('Cancel'),
    ...(style ? { style } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Untrusted text in plain-text objects and one-line places

/**
 * Collapses runs of whitespace (newlines included) to one space: titles and labels stay on one line.
 * Secrets are redacted first, while the lines are still lines (a YAML `password:` value ends at its line).
 */
export function oneLine(text: string): string {
  return redactText(text).replace(/\s+/g, ' ').trim();
}

/**
 * Untrusted text for a plain_text object (header, button label): Slack shows plain text literally, but
 * as defence in depth (and for anything that re-reads it as mrkdwn, such as notifications copied around)
 * every `<` (mentions, `<!channel>`, links) and bare `@here` get an invisible word joiner. One line.
 */
export function inert(text: string): string {
  return oneLine(text)
    .replace(/</g, `<${WORD_JOINER}`)
    .replace(/@(channel|here|everyone)\b/gi, `@${WORD_JOINER}$1`);
}

/** A fenced code block quoting untrusted text: escaped, backticks defused, cut to `max` characters. */
export function fenced(text: string, max: number): string {
  const body = truncate(esc(text.replace(/`/g, 'ˋ')).replace(/\r\n?/g, '\n'), Math.max(1, max - 8));
  return `\`\`\`\n${body}\n\`\`\``;
}

/** `• a\n• b` */
export function bullets(items: string[], mark = '•'): string {
  return items.map((item) => `${mark} ${item}`).join('\n');
}

/** A section field: bold label on the first line, the value below. */
export function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

export function fields(texts: string[]): KnownBlock {
  return { type: 'section', fields: texts.slice(0, 10).map((text) => mrkdwn(truncate(text, 2000))) };
}

export function button(options: {
  text: string;
  actionId: string;
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmationDialog;
  url?: string;
}): Button {
  return {
    type: 'button',
    text: plain(truncate(options.text, 75)),
    action_id: options.actionId,
    ...(options.value !== undefined ? { value: options.value } : {}),
    ...(options.url !== undefined ? { url: options.url } : {}),
    ...(options.style ? { style: options.style } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
  };
}

export function actions(elements: Button[]): KnownBlock {
  return { type: 'actions', elements: elements.slice(0, 25) };
}
