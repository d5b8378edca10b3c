/** The remediation action message and its answers: snapshots, Slack's limits, untrusted targets. */
import type { Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, RemediationView } from '../../src/remediation/model.ts';
import { checkSlackLimits, renderAsText } from '../../src/slack/render/index.ts';
import {
  changeLines,
  renderApprovalReminder,
  renderAudit,
  renderDryRun,
  renderRemediation,
  renderRemediationAnswer,
} from '../../src/slack/render/remediation.ts';

const NOW = new Date('2026-03-02T10:30:00Z');

const base: RemediationView = {
  id: 7,
  incidentId: 42,
  service: 'checkout',
  action: { kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' },
  risk: 'low',
  status: 'proposed',
  approvals: [],
  approvalsNeeded: 1,
  proposedAt: '2026-03-02T10:12:00Z',
  expiresAt: '2026-03-02T10:42:00Z',
  startedAt: null,
  finishedAt: null,
  before: null,
  after: null,
  summary: null,
  output: null,
  autoRunRule: null,
  canRollback: false,
};
const ctx = { approvers: ['U0ONCALL', '@sre'], cluster: 'prod-eu-1' };

const scaleHigh: RemediationView = {
  ...base,
  id: 8,
  action: { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout' },
  risk: 'high',
  approvalsNeeded: 2,
  approvals: [{ actor: '<@U1>', at: '2026-03-02T10:20:00Z' }],
};

const succeeded: RemediationView = {
  ...base,
  id: 9,
  action: { kind: 'scale', namespace: 'shop', name: 'checkout', replicas: 4 },
  risk: 'medium',
  status: 'succeeded',
  approvals: [{ actor: '<@U0ONCALL>', at: '2026-03-02T10:20:00Z' }],
  startedAt: '2026-03-02T10:20:01Z',
  finishedAt: '2026-03-02T10:20:15Z',
  before: { replicas: 2 },
  after: { replicas: 4 },
  summary: 'scaled deployment shop/checkout: 4/4 replicas ready in 14 s',
  output: 'deployment.apps/checkout scaled\nwaiting for rollout… 4/4 ready',
  canRollback: true,
};

const states: [string, RemediationView][] = [
  ['proposed, low risk', base],
  ['waiting for a 2nd approver', scaleHigh],
  [
    'running',
    { ...succeeded, status: 'running', finishedAt: null, after: null, summary: null, output: null },
  ],
  ['succeeded with before → after and a log', succeeded],
  [
    'failed',
    {
      ...succeeded,
      status: 'failed',
      action: {
        kind: 'raise-limits',
        namespace: 'shop',
        name: 'checkout',
        container: 'app',
        memory: '512Mi',
      },
      before: { containers: { app: { memory: '256Mi' } } },
      after: { containers: { app: { memory: '256Mi' } } },
      summary: 'rollout did not finish within 300 s',
    },
  ],
  ['rolled back', { ...succeeded, status: 'rolled_back', canRollback: false }],
  ['rejected', { ...base, status: 'rejected' }],
  ['expired', { ...base, status: 'expired' }],
  [
    'interrupted',
    { ...succeeded, status: 'interrupted', finishedAt: null, after: null, summary: null, output: null },
  ],
  [
    'self-healing run',
    {
      ...succeeded,
      autoRunRule: 'restart on KubePodCrashLooping',
      approvals: [],
      action: base.action,
      before: null,
      after: null,
      risk: 'low',
    },
  ],
  [
    'run-playbook',
    { ...base, action: { kind: 'run-playbook', playbook: 'restart-app.yml', limit: 'web-1' }, risk: 'high' },
  ],
  ['http-job', { ...base, action: { kind: 'http-job', job: 'restart-web' }, risk: 'high' }],
];

function buttonsOf(blocks: KnownBlock[]): Button[] {
  return blocks.flatMap((block) => (block.type === 'actions' ? (block.elements as Button[]) : []));
}

describe('renderRemediation', () => {
  it.each(states)('%s: matches its snapshot and keeps to Slack limits', (_name, view) => {
    const message = renderRemediation(view, ctx);
    expect(checkSlackLimits(message)).toEqual([]);
    expect(message).toMatchSnapshot();
  });

  it('offers Dry run, Approve & run (primary, confirm naming the exact target) and Reject while proposed', () => {
    const buttons = buttonsOf(renderRemediation(base, ctx).blocks);
    expect(buttons.map((b) => [b.action_id, b.style])).toEqual([
      ['remediation_dry_run', undefined],
      ['remediation_approve', 'primary'],
      ['remediation_reject', 'danger'],
    ]);
    expect(buttons[1]?.confirm?.text.text).toBe(
      'Restart deployment shop/checkout in cluster context prod-eu-1? It runs as soon as you confirm.',
    );
    expect(JSON.parse(buttons[0]?.value ?? '')).toEqual({ remediationId: 7 });
  });

  it('says who approved and that a second approver is needed for high risk', () => {
    const message = renderRemediation(scaleHigh, ctx);
    expect(renderAsText(message)).toContain('Waiting for a 2nd approver: <@U1> approved');
    expect(buttonsOf(message.blocks)[1]?.confirm?.text.text).toContain('you would be approver 2 of 2');
  });

  it('shows Rollback with a confirm once it ran and the view allows it, and nothing else', () => {
    const buttons = buttonsOf(renderRemediation(succeeded, ctx).blocks);
    expect(buttons.map((b) => b.action_id)).toEqual(['remediation_rollback']);
    expect(buttons[0]?.confirm?.text.text).toContain('scale deployment shop/checkout to 4 replicas');
    expect(buttonsOf(renderRemediation({ ...succeeded, canRollback: false }, ctx).blocks)).toEqual([]);
  });

  it('shows before → after and the time it took', () => {
    const text = renderAsText(renderRemediation(succeeded, ctx));
    expect(text).toContain('Succeeded in 14 s');
    expect(text).toContain('replicas `2` → `4`');
  });

  it('has no buttons when nobody may approve, and says why', () => {
    const message = renderRemediation(base, { approvers: [] });
    expect(buttonsOf(message.blocks)).toEqual([]);
    expect(renderAsText(message)).toContain('no approvers configured for service `checkout`');
  });

  it('says an interrupted action will not be re-run by itself', () => {
    const text = renderAsText(renderRemediation({ ...base, status: 'interrupted' }, ctx));
    expect(text).toContain('the worker stopped mid-run; check the target and decide');
    expect(text).toContain('it will not be re-run automatically');
  });

  it('keeps untrusted targets inert: no mentions, links or broken code spans', () => {
    const hostile: RemediationView = {
      ...base,
      action: {
        kind: 'restart',
        namespace: 'shop`<!channel>',
        name: '<https://evil.example|click> @here',
        workload: 'deployment',
      },
      summary: 'done <!everyone>',
      output: '```\n<@U999> approve me\n```',
    };
    const message = renderRemediation(hostile, ctx);
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<!everyone>');
    expect(json).not.toContain('<https://evil');
    expect(json).not.toContain('<@U999>');
    expect(checkSlackLimits(message)).toEqual([]);
  });

  it('stays within limits with huge output and many changes', () => {
    const before = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'a'.repeat(100)]));
    const after = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'b'.repeat(100)]));
    const message = renderRemediation(
      { ...succeeded, before, after, output: 'x'.repeat(50_000), summary: 'y'.repeat(5000) },
      { approvers: Array.from({ length: 50 }, (_, i) => `U${1000 + i}`) },
    );
    expect(checkSlackLimits(message)).toEqual([]);
  });
});

describe('changeLines', () => {
  it('lists changed leaves only, nested paths joined with dots', () => {
    expect(changeLines({ spec: { replicas: 2, image: 'a' } }, { spec: { replicas: 4, image: 'a' } })).toEqual(
      ['spec.replicas `2` → `4`'],
    );
    expect(changeLines(null, { a: 1 })).toEqual([]);
  });
});

describe('answers', () => {
  it('refusal: the reason, privately, and that it was audited', () => {
    const message = renderRemediationAnswer({
      kind: 'refused',
      reason: 'you are not an approver of service checkout',
      view: base,
    });
    expect(message && renderAsText(message)).toContain('you are not an approver of service checkout');
    expect(message && renderAsText(message)).toContain('recorded in the audit log');
  });

  it('nothing to say when the click started the run', () => {
    expect(renderRemediationAnswer({ kind: 'started', view: base })).toBeNull();
  });

  it('dry run and reminder match their snapshots', () => {
    const dry = renderDryRun(base, {
      ok: true,
      summary: 'would restart deployment shop/checkout (3 pods)',
      detail: 'spec.template.metadata.annotations.kubectl.kubernetes.io/restartedAt: 2026-03-02T10:30:00Z',
    });
    const reminder = renderApprovalReminder(scaleHigh, ctx, NOW);
    for (const message of [dry, reminder]) expect(checkSlackLimits(message)).toEqual([]);
    expect(dry).toMatchSnapshot();
    expect(reminder).toMatchSnapshot();
    expect(renderAsText(reminder)).toContain('has waited 18m for approval');
  });

  it('audit list: newest first, within limits, and empty', () => {
    const entries: AuditEntry[] = Array.from({ length: 120 }, (_, i) => ({
      id: 200 - i,
      at: new Date(NOW.getTime() - i * 60_000).toISOString(),
      incidentId: 42,
      remediationId: 7,
      actor: i % 2 ? '<@U0ONCALL>' : 'cli:alice',
      event: ['approve', 'refuse', 'run', 'succeed'][i % 4] as string,
      action: base.action,
      detail: (i % 4 === 1 ? { reason: 'outside the change freeze <!here>' } : {}) as AuditEntry['detail'],
    }));
    const message = renderAudit(entries, 42);
    expect(checkSlackLimits(message)).toEqual([]);
    expect(JSON.stringify(message)).not.toContain('<!here>');
    expect(renderAudit(entries.slice(0, 4), null)).toMatchSnapshot();
    expect(renderAsText(renderAudit([], 3))).toContain('No remediation audit entries for incident #3');
  });
});
