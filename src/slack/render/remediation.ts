/**
 * Remediation in Slack: the message of one proposed action in the incident thread (kept current as it
 * moves from proposed to running to succeeded, then edited in place), the private answers to its buttons,
 * the approval reminder, and `/aiops audit`. Pure: the view, the service's approvers and the time in.
 *
 * Everything in an action's target (namespace, name, playbook, host) came from alert labels and is
 * untrusted: `code()` in mrkdwn, `inert()` in plain text (confirm dialogs, which Slack shows literally).
 */
import type { KnownBlock } from '@slack/types';
import type { AuditEntry, RemediationOutcome, RemediationView, Risk } from '../../remediation/model.ts';
import type { DryRunResult, Json, RemediationAction } from '../../remediation/types.ts';
import { ACTION_IDS, type RemediationButtonValue, type SlackMessage } from '../message.ts';
import {
  actions,
  actorText,
  button,
  code,
  confirmDialog,
  context,
  durationBetween,
  esc,
  fenced,
  inert,
  oneLine,
  plural,
  section,
  slackDate,
  truncate,
} from './format.ts';
import { fallback, linesWithin } from './parts.ts';

/** Characters of executor output shown in the thread (already redacted and bounded by the core). */
const OUTPUT_EXCERPT = 1200;
/** Before → after lines shown. */
const CHANGE_LINES = 8;

export interface RemediationRenderContext {
  /** Who may approve, as configured for the service (`U0…` ids, `@group` handles); empty: nobody. */
  approvers: readonly string[];
  /** The Kubernetes context the executor uses, named in confirm dialogs when known. */
  cluster?: string | null | undefined;
}

// ---------------------------------------------------------------------------------------------------
// The action in words

const RISK_LABEL: Record<Risk, string> = { low: '🟢 low', medium: '🟠 medium', high: '🔴 high' };

function target(namespace: string, name: string): string {
  return `${oneLine(namespace)}/${oneLine(name)}`;
}

/**
 * The action and its exact target as plain words (untrusted parts not yet escaped): "restart deployment
 * shop/checkout", "scale shop/checkout to 4 replicas". The mrkdwn and plain-text forms are built from it.
 */
function describe(action: RemediationAction): { verb: string; target: string; rest: string } {
  switch (action.kind) {
    case 'restart':
      return { verb: `restart ${action.workload}`, target: target(action.namespace, action.name), rest: '' };
    case 'scale':
      return {
        verb: 'scale deployment',
        target: target(action.namespace, action.name),
        rest: ` to ${plural(action.replicas, 'replica')}`,
      };
    case 'rollback-deployment':
      return {
        verb: 'roll back deployment',
        target: target(action.namespace, action.name),
        rest: ` to ${action.toRevision !== undefined ? `revision ${action.toRevision}` : 'the previous revision'}`,
      };
    case 'raise-limits': {
      const limits = [
        action.memory ? `memory ${action.memory}` : '',
        action.cpu ? `cpu ${action.cpu}` : '',
      ].filter(Boolean);
      return {
        verb: `raise limits of container ${oneLine(action.container)} in`,
        target: target(action.namespace, action.name),
        rest: limits.length > 0 ? ` to ${limits.join(', ')}` : '',
      };
    }
    case 'run-playbook':
      return {
        verb: 'run playbook',
        target: oneLine(action.playbook),
        rest: action.limit ? ` limited to hosts ${oneLine(action.limit)}` : '',
      };
    case 'http-job':
      return { verb: 'run automation job', target: oneLine(action.job), rest: '' };
    default:
      return { verb: String((action as { kind?: unknown }).kind ?? 'unknown action'), target: '', rest: '' };
  }
}

/** mrkdwn: "restart deployment `shop/checkout`". */
export function remediationText(action: RemediationAction): string {
  const { verb, target: what, rest } = describe(action);
  const container =
    action.kind === 'raise-limits'
      ? `raise limits of container ${code(truncate(oneLine(action.container), 100))} in`
      : esc(verb);
  const exact = what ? ` ${code(truncate(what, 200))}` : '';
  return `${container}${exact}${esc(truncate(rest, 200))}`;
}

/** Plain text for confirm dialogs and notifications: "restart deployment shop/checkout". */
export function remediationPlain(action: RemediationAction): string {
  const { verb, target: what, rest } = describe(action);
  return inert(`${verb}${what ? ` ${truncate(what, 120)}` : ''}${truncate(rest, 80)}`);
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "in cluster context prod-eu-1" for Kubernetes actions when the context is known. */
function where(action: RemediationAction, cluster: string | null | undefined): string {
  const kube = ['restart', 'scale', 'rollback-deployment', 'raise-limits'].includes(action.kind);
  return kube && cluster ? ` in cluster context ${inert(truncate(cluster, 60))}` : '';
}

/** `<@U0ONCALL>`, `@sre` (a user-group handle), shown as configured. */
export function approverText(approver: string): string {
  if (/^[UW][A-Z0-9]{2,}$/.test(approver)) return `<@${approver}>`;
  if (/^<@[UW][A-Z0-9]+>$/.test(approver)) return approver;
  return code(truncate(oneLine(approver), 80));
}

// ---------------------------------------------------------------------------------------------------
// Before → after

/** Flattens JSON to `path: value` leaves (`spec.replicas: 2`), at most a few levels deep. */
function leaves(value: Json, prefix = '', depth = 0, out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
    for (const [key, item] of Object.entries(value)) {
      leaves(item, prefix ? `${prefix}.${key}` : key, depth + 1, out);
    }
    return out;
  }
  out.set(prefix || 'value', typeof value === 'string' ? value : JSON.stringify(value));
  return out;
}

/** `replicas 2 → 4`, one line per value that changed; null when nothing comparable changed. */
export function changeLines(before: Json | null, after: Json | null): string[] {
  if (before === null || after === null) return [];
  const a = leaves(before);
  const b = leaves(after);
  const lines: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const from = a.get(key);
    const to = b.get(key);
    if (from === to) continue;
    const shown = (text: string | undefined) =>
      text === undefined ? '—' : code(truncate(oneLine(text), 80));
    lines.push(`${esc(truncate(key, 80))} ${shown(from)} → ${shown(to)}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------------
// Status

const ORDINAL = ['1st', '2nd', '3rd'];

function approvalsLine(view: RemediationView): string | null {
  if (view.approvals.length === 0) return null;
  const who = view.approvals.map((approval) => actorText(approval.actor)).join(', ');
  return `${who} approved`;
}

/** The status line: what the action is doing now, in one or two sentences. */
export function remediationStatusLine(view: RemediationView): string {
  const approved = approvalsLine(view);
  const took =
    view.startedAt && view.finishedAt ? ` in ${durationBetween(view.startedAt, view.finishedAt)}` : '';
  switch (view.status) {
    case 'proposed': {
      if (view.approvals.length > 0 && view.approvals.length < view.approvalsNeeded) {
        const next = ORDINAL[view.approvals.length] ?? `${view.approvals.length + 1}th`;
        return `⏳ Waiting for a ${next} approver: ${approved}`;
      }
      return view.approvalsNeeded > 1
        ? `⏳ Proposed · needs ${view.approvalsNeeded} different approvers`
        : '⏳ Proposed · waiting for approval';
    }
    case 'approved':
      return `👍 Approved (${approved ?? 'approved'}) · starting`;
    case 'running':
      return `⚙️ Running${view.startedAt ? ` since ${slackDate(view.startedAt, '{time_secs}')}` : ''}${approved ? ` · ${approved}` : ''}`;
    case 'succeeded':
      return `✅ Succeeded${took.replace(/(\d+)s$/, '$1 s')}`;
    case 'failed':
      return `❌ Failed${took.replace(/(\d+)s$/, '$1 s')}`;
    case 'rolled_back':
      return '↩️ Rolled back: what was there before is back';
    case 'rejected':
      return '🚫 Rejected: it will not run';
    case 'expired':
      return '⌛ Expired: nobody approved it in time; it will not run';
    case 'interrupted':
      return '⚠️ Interrupted: the worker stopped mid-run; check the target and decide — it will not be re-run automatically';
    default:
      return esc(String(view.status));
  }
}

// ---------------------------------------------------------------------------------------------------
// The action message

export function remediationButtonValue(view: Pick<RemediationView, 'id'>): string {
  const value: RemediationButtonValue = { remediationId: view.id };
  return JSON.stringify(value);
}

/** The buttons the action offers now: Dry run / Approve & run / Reject while proposed, Rollback once it ran. */
function remediationButtons(view: RemediationView, ctx: RemediationRenderContext): KnownBlock[] {
  const value = remediationButtonValue(view);
  const plainAction = remediationPlain(view.action);
  const at = where(view.action, ctx.cluster);
  if (view.status === 'proposed' && ctx.approvers.length > 0) {
    const step =
      view.approvalsNeeded > 1
        ? ` High risk: ${view.approvalsNeeded} different people must approve; you would be approver ${Math.min(view.approvals.length + 1, view.approvalsNeeded)} of ${view.approvalsNeeded}.`
        : ' It runs as soon as you confirm.';
    return [
      actions([
        button({ text: 'Dry run', actionId: ACTION_IDS.remediationDryRun, value }),
        button({
          text: 'Approve & run',
          actionId: ACTION_IDS.remediationApprove,
          value,
          style: 'primary',
          confirm: confirmDialog(
            `Approve action ${view.id}?`,
            `${capital(plainAction)}${at}?${step}`,
            view.approvalsNeeded > 1 && view.approvals.length + 1 < view.approvalsNeeded
              ? 'Approve'
              : 'Approve & run',
          ),
        }),
        button({
          text: 'Reject',
          actionId: ACTION_IDS.remediationReject,
          value,
          style: 'danger',
          confirm: confirmDialog(
            'Reject this action?',
            `Reject: ${plainAction}${at}. Nobody can approve it afterwards.`,
            'Reject',
            'danger',
          ),
        }),
      ]),
    ];
  }
  if (
    view.canRollback &&
    (view.status === 'succeeded' || view.status === 'failed' || view.status === 'interrupted')
  ) {
    return [
      actions([
        button({
          text: 'Rollback',
          actionId: ACTION_IDS.remediationRollback,
          value,
          style: 'danger',
          confirm: confirmDialog(
            'Roll back?',
            `Undo “${plainAction}”${at}: put back what was there before it ran.`,
            'Roll back',
            'danger',
          ),
        }),
      ]),
    ];
  }
  return [];
}

/**
 * The message of one remediation action in the incident thread: what it does (exact target), risk and who
 * may approve, approvals so far, its status, before → after, a log excerpt, and the buttons it offers now.
 */
export function renderRemediation(view: RemediationView, ctx: RemediationRenderContext): SlackMessage {
  const what = remediationText(view.action);
  const blocks: KnownBlock[] = [];
  const auto = view.autoRunRule
    ? ` · 🤖 run automatically by rule ${code(truncate(oneLine(view.autoRunRule), 100))} (self-healing)`
    : '';
  blocks.push(section(`🛠️ *Action ${view.id}:* ${capital(what)}`));
  blocks.push(section(remediationStatusLine(view)));

  const facts = [`Risk ${RISK_LABEL[view.risk] ?? esc(view.risk)}`];
  if (ctx.approvers.length > 0) {
    const who = ctx.approvers.slice(0, 8).map(approverText).join(', ');
    const more = ctx.approvers.length > 8 ? ` and ${ctx.approvers.length - 8} more` : '';
    facts.push(`may approve: ${who}${more}`);
    if (view.approvalsNeeded > 1) facts.push(`needs ${view.approvalsNeeded} different approvers`);
  } else {
    facts.push(
      `no approvers configured for service ${code(truncate(oneLine(view.service), 100))}: nobody can approve it`,
    );
  }
  if (view.status === 'proposed' && view.expiresAt)
    facts.push(`expires ${slackDate(view.expiresAt, '{time}')}`);
  blocks.push(context(`${facts.join(' · ')}${auto}`));

  if (
    view.status !== 'proposed' &&
    view.approvals.length > 0 &&
    view.status !== 'approved' &&
    view.status !== 'running'
  ) {
    blocks.push(
      context(`Approved by ${view.approvals.map((approval) => actorText(approval.actor)).join(', ')}`),
    );
  }
  if (view.summary?.trim()) blocks.push(section(truncate(esc(oneLine(view.summary)), 600)));

  const changes = changeLines(view.before, view.after);
  if (changes.length > 0) {
    const shown = linesWithin(changes, 1500, (left) => `_…and ${plural(left, 'more change')}_`).slice(
      0,
      CHANGE_LINES + 1,
    );
    blocks.push(section(`*Before → after*\n${shown.join('\n')}`));
  }
  if (view.output?.trim()) blocks.push(section(fenced(view.output.trim(), OUTPUT_EXCERPT)));
  blocks.push(...remediationButtons(view, ctx));
  const status = remediationStatusLine(view).replace(/<!date\^[^|]*\|([^>]*)>/g, '$1');
  return {
    text: fallback(`Action ${view.id}: ${remediationPlain(view.action)} — ${status}`),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------------
// Private answers, reminder, audit

/** The private answer to a click (refusals with their reason; nothing to say for a plain success). */
export function renderRemediationAnswer(outcome: RemediationOutcome): SlackMessage | null {
  const name = outcome.view
    ? `action ${outcome.view.id} (${remediationText(outcome.view.action)})`
    : 'this action';
  switch (outcome.kind) {
    case 'refused':
      return {
        text: fallback(`Not allowed: ${outcome.reason}`),
        blocks: [
          section(
            `🚫 *Not allowed* — ${truncate(esc(oneLine(outcome.reason)), 1000)}\n_${capital(name)}; this refusal is recorded in the audit log._`,
          ),
        ],
      };
    case 'unchanged':
      return {
        text: fallback(outcome.reason),
        blocks: [section(`ℹ️ ${truncate(esc(oneLine(outcome.reason)), 1000)} — ${name}`)],
      };
    case 'waiting':
      return {
        text: fallback('Approval recorded; waiting for another approver.'),
        blocks: [
          section(
            `👍 Your approval of ${name} is recorded. It needs ${outcome.view.approvalsNeeded} different approvers; it runs once another one approves.`,
          ),
        ],
      };
    default:
      return null;
  }
}

/** The dry-run result, privately to the clicker. */
export function renderDryRun(view: RemediationView, result: DryRunResult): SlackMessage {
  const head = result.ok
    ? `🧪 *Dry run of action ${view.id}* — ${remediationText(view.action)}: nothing was changed.`
    : `🧪 *Dry run of action ${view.id} failed* — ${remediationText(view.action)}`;
  const blocks: KnownBlock[] = [
    section(head),
    section(truncate(esc(result.summary.trim() || '(no summary)'), 1500)),
  ];
  if (result.detail?.trim()) blocks.push(section(fenced(result.detail.trim(), 2000)));
  return { text: fallback(`Dry run of action ${view.id}: ${result.ok ? 'ok' : 'failed'}`), blocks };
}

/** The reminder in the thread for an approval pending more than 10 minutes (once per action). */
export function renderApprovalReminder(
  view: RemediationView,
  ctx: RemediationRenderContext,
  now: Date,
): SlackMessage {
  const who =
    ctx.approvers.length > 0
      ? ctx.approvers.slice(0, 8).map(approverText).join(', ')
      : 'nobody (no approvers configured)';
  const waiting = durationBetween(view.proposedAt, now);
  const expires = view.expiresAt ? ` It expires ${slackDate(view.expiresAt, '{time}')}.` : '';
  const have =
    view.approvals.length > 0 ? ` ${view.approvals.length} of ${view.approvalsNeeded} approvals so far.` : '';
  return {
    text: fallback(`Action ${view.id} has waited ${waiting} for approval: ${remediationPlain(view.action)}`),
    blocks: [
      section(
        `⏰ Action ${view.id} has waited ${waiting} for approval: ${remediationText(view.action)}.${have}${expires}\nMay approve: ${who}`,
      ),
    ],
  };
}

const EVENT_LABEL: Record<string, string> = {
  propose: '📝 proposed',
  dry_run: '🧪 dry run',
  approve: '👍 approved',
  refuse: '🚫 refused',
  reject: '✋ rejected',
  run: '⚙️ started',
  succeed: '✅ succeeded',
  fail: '❌ failed',
  rollback: '↩️ rolled back',
  expire: '⌛ expired',
  interrupt: '⚠️ interrupted',
  auto_run: '🤖 self-healing run',
};

/** One short reason or result out of an audit entry's detail, when it has one. */
function detailText(detail: Json): string {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return '';
  for (const key of ['reason', 'summary', 'error', 'rule']) {
    const value = detail[key];
    if (typeof value === 'string' && value.trim()) return ` — ${truncate(esc(oneLine(value)), 200)}`;
  }
  return '';
}

/** `/aiops audit [INCIDENT]`: the newest audit entries (who, when, what, outcome). */
export function renderAudit(entries: AuditEntry[], incidentId: number | null): SlackMessage {
  const scope = incidentId === null ? 'all incidents' : `incident #${incidentId}`;
  if (entries.length === 0) {
    return {
      text: fallback(`No remediation audit entries for ${scope}.`),
      blocks: [section(`No remediation audit entries for ${scope}.`)],
    };
  }
  const lines = entries.map((entry) => {
    const label = EVENT_LABEL[entry.event] ?? esc(entry.event);
    const action = entry.action ? ` ${remediationText(entry.action)}` : '';
    const ids = [
      entry.remediationId !== null ? `action ${entry.remediationId}` : '',
      incidentId === null && entry.incidentId !== null ? `#${entry.incidentId}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    return `${slackDate(entry.at, '{date_short} {time}')} ${label} by ${actorText(entry.actor)}${action}${detailText(entry.detail)}${ids ? ` _(${ids})_` : ''}`;
  });
  const shown = linesWithin(lines, 2800, (left) => `_…and ${plural(left, 'older entry', 'older entries')}_`);
  return {
    text: fallback(`Remediation audit log for ${scope}: ${plural(entries.length, 'entry', 'entries')}`),
    blocks: [
      section(`🧾 *Remediation audit log — ${scope}* (newest first)`),
      section(shown.join('\n')),
      context('Append-only: entries cannot be changed or deleted. Full log: `GET /api/audit`.'),
    ],
  };
}
