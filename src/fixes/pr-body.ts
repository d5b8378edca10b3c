/**
 * The body of a fix PR, written for the reviewer: the incident and its Slack thread, the cause and its evidence,
 * what changed and why, the validation output, how to roll back. Alert text and analyzer output are untrusted:
 * secrets are redacted, `@mentions` cannot ping anyone, HTML cannot render, code spans cannot be broken out of.
 */
import { redact } from '../analysis/redact.ts';
import type { RootCause } from '../analysis/schema.ts';
import type { GeneratedFix, ValidationResult } from './types.ts';

export interface PrBodyInput {
  incident: { id: number; title: string; service: string; severity: string; openedAt: string };
  /** The Slack permalink of the incident thread, when it was posted to Slack. */
  threadUrl?: string | null | undefined;
  cause?: RootCause | undefined;
  fix: GeneratedFix;
  validation: ValidationResult;
  /** Who asked (a Slack user id `<@U…>` or a CLI user). */
  requestedBy: string;
  requestId: string;
  draft?: boolean;
}

const MAX_BODY = 60_000; // GitHub refuses bodies over 65,536 characters

/** Untrusted text for GitHub Markdown: redacted, no mentions, no HTML, one line unless told. */
export function mdText(text: string, max = 500, multiline = false): string {
  let out = redact(text).text;
  if (!multiline) out = out.replace(/\s+/g, ' ').trim();
  out = out
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // `@alice`, `@org/team`: a zero-width joiner keeps GitHub from notifying anyone.
    .replace(/@(?=[\w-])/g, '@\u200d');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** A code span that holds any text (the fence is longer than any backtick run inside). */
export function mdCode(text: string): string {
  const clean = redact(text).text.replace(/\s+/g, ' ').slice(0, 300);
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${clean.startsWith('`') || clean.endsWith('`') ? ` ${clean} ` : clean}${fence}`;
}

function requester(actor: string): string {
  const slack = /^<@([UW][A-Z0-9]+)>$/.exec(actor);
  return slack ? `Slack user \`${slack[1]}\`` : mdText(actor, 100);
}

export function prTitle(fix: GeneratedFix, incidentId: number): string {
  return `${redact(fix.title).text.replace(/\s+/g, ' ').slice(0, 200)} (incident #${incidentId})`;
}

export function prBody(input: PrBodyInput): string {
  const { incident, fix, validation, cause } = input;
  const lines: string[] = [];
  const thread = input.threadUrl ? ` · [Slack thread](${input.threadUrl})` : '';
  lines.push(
    `Proposed by **aiops-bot** for incident **#${incident.id}** ${mdText(incident.title, 200)}${thread}`,
    '',
    `Service ${mdCode(incident.service)} · severity ${mdCode(incident.severity)} · opened ${incident.openedAt}`,
    '',
  );
  if (fix.model) {
    lines.push(
      `> [!WARNING]\n> **Written by a language model** (${mdCode(fix.model)}), not by a deterministic generator: its output is untrusted. Review every changed line; the rationale below is the model's own.`,
      '',
    );
  }
  lines.push('### Cause');
  if (cause) {
    lines.push(
      `**${mdText(cause.title, 200)}** — ${Math.round(cause.likelihood * 100)}% likely (${cause.category})`,
    );
    if (cause.evidence.length > 0) {
      lines.push('', 'Evidence:');
      for (const item of cause.evidence.slice(0, 6)) lines.push(`- ${mdText(item, 400)}`);
    }
  } else {
    lines.push('_No ranked cause was stored for this incident; the fix follows its alerts._');
  }
  lines.push('', '### What changed and why', mdText(fix.rationale, 1500), '');
  for (const edit of fix.edits)
    lines.push(
      `- ${mdCode(edit.path)}${edit.created ? ' (new file)' : ''}${edit.rationale ? `: ${mdText(edit.rationale, 600)}` : ''}`,
    );
  lines.push('', '### Validation', '');
  for (const check of validation.checks) {
    lines.push(`- ${check.ok ? '✅' : '❌'} ${mdText(check.name, 200)}: ${mdText(check.output, 400)}`);
  }
  lines.push('', '### How to roll back', mdText(fix.rollback, 1000), '', '---');
  lines.push(
    `Opened ${input.draft === false ? '' : 'as a **draft** '}by aiops-bot (generator \`${fix.generator}\`${fix.model ? `, model \`${mdText(fix.model, 100)}\`` : ''}) at the request of ${requester(input.requestedBy)}, request \`${input.requestId}\`. ` +
      'Anyone in the incident channel can open a fix PR; a human reviews and merges it.',
  );
  const body = lines.join('\n');
  return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}\n\n_…cut to fit GitHub's limit._` : body;
}
