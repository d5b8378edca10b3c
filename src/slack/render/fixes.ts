/** Answers about fix PRs: the clicker's private answer, and the diff posted when no PR can be opened. */
import type { KnownBlock } from '@slack/types';
import type { FixOutcome, FixPlan } from '../../incidents/fixes.ts';
import type { SlackMessage } from '../message.ts';
import { bullets, code, context, esc, fenced, link, oneLine, section, truncate } from './format.ts';
import { fallback } from './parts.ts';

/** Characters of diff shown in Slack (the whole diff is printed by `aiops fix`). */
const DIFF_MAX = 2800;

const prLink = (url: string, repo: string, number: number) => link(url, `${repo}#${number}`);

/** The private answer to *Open fix PR* / `/aiops fix`. */
export function renderFixOutcome(outcome: FixOutcome): SlackMessage {
  switch (outcome.kind) {
    case 'opened': {
      const pr = prLink(outcome.url, outcome.repo, outcome.number);
      const line = outcome.reused
        ? `🔧 The fix PR ${pr} was already open: ${esc(oneLine(outcome.title))}`
        : `🔧 ${outcome.draft ? 'Draft fix PR' : 'Fix PR'} ${pr} opened: ${esc(oneLine(outcome.title))}`;
      return {
        text: fallback(line),
        blocks: [section(line), context('A human reviews and merges it; its fate is told in the thread.')],
      };
    }
    case 'existing': {
      const line = `🔧 This fix already has a PR: ${link(outcome.url, `#${outcome.number}`)} (${esc(outcome.status.replace('_', ' '))}) — ${esc(oneLine(outcome.title))}`;
      return { text: fallback(line), blocks: [section(line)] };
    }
    case 'in-progress': {
      const line = `⏳ This fix PR is being opened right now (another click was first); it will appear in the thread.`;
      return { text: line, blocks: [section(line)] };
    }
    case 'diff':
      return renderFixDiff(outcome.plan, outcome.reason);
  }
}

/** The clicker's answer when the diff went to the thread. */
export function renderFixPosted(reason: string): SlackMessage {
  const line = `🔧 No PR opened (${esc(oneLine(reason))}): the fix is posted in the thread as a diff.`;
  return { text: fallback(line), blocks: [section(line)] };
}

/** The fix as a diff, when no PR can be opened (no token): what, why, validation, and the change itself. */
export function renderFixDiff(plan: FixPlan, reason: string): SlackMessage {
  const checks = plan.validation.checks.map(
    (c) =>
      `${c.ok ? '✅' : '❌'} ${truncate(esc(oneLine(c.name)), 150)}: ${truncate(esc(oneLine(c.output)), 200)}`,
  );
  const blocks: KnownBlock[] = [
    section(
      truncate(
        `🔧 *Fix for incident #${plan.incident.id}: ${esc(oneLine(plan.fix.title))}*\n${esc(oneLine(plan.fix.rationale))}${plan.fix.model ? `\n⚠️ Written by the language model ${code(plan.fix.model)}: untrusted, review every line.` : ''}`,
        2900,
      ),
    ),
    section(fenced(plan.diff, DIFF_MAX)),
    section(truncate(`*Validation*\n${bullets(checks.slice(0, 12))}`, 2900)),
    context(
      truncate(
        `No PR opened: ${esc(oneLine(reason))}. Read from ${esc(oneLine(plan.read.source))} · rollback: ${esc(oneLine(plan.fix.rollback))} · the whole diff: ${code(`aiops fix ${plan.incident.id}`)}`,
        2900,
      ),
    ),
  ];
  return { text: fallback(`🔧 Fix for incident #${plan.incident.id}: ${oneLine(plan.fix.title)}`), blocks };
}
