/** Block Kit renderers: snapshots, Slack's limits, untrusted text, and the terminal rendering. */
import type { Button, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { type Analysis, analysisSchema, type Explanation } from '../../src/analysis/schema.ts';
import type { IncidentAlert, IncidentDetail, TimelineEvent } from '../../src/db/incidents.ts';
import type { SlackMessage } from '../../src/slack/message.ts';
import {
  checkSlackLimits,
  renderAnalysis,
  renderAsText,
  renderError,
  renderExplain,
  renderHelp,
  renderHistory,
  renderIncidentList,
  renderIncidentRoot,
  renderIncidentStatus,
  renderLifecycleAnswer,
  renderReplacedAnalysisPart,
  renderTimelineUpdate,
  renderWhy,
} from '../../src/slack/render/index.ts';

// ---------------------------------------------------------------------------------------------------
// Fixtures

const NOW = new Date('2026-03-02T10:30:00Z');
const OPENED = '2026-03-02T09:12:00Z';
const PROM =
  'https://prometheus.prod.example.com/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29&g0.tab=1';

function alert(overrides: Partial<IncidentAlert>): IncidentAlert {
  return {
    fingerprint: 'f0',
    status: 'firing',
    alertname: 'HighErrorRate',
    service: 'checkout',
    severity: 'critical',
    summary: '',
    labels: {},
    annotations: {},
    startsAt: OPENED,
    endsAt: null,
    generatorUrl: null,
    firstSeen: OPENED,
    lastSeen: '2026-03-02T10:20:00Z',
    deliveryCount: 3,
    ...overrides,
  };
}

const event = (
  at: string,
  kind: string,
  actor: string | null,
  detail: Record<string, unknown> = {},
): TimelineEvent => ({
  at,
  kind,
  actor,
  detail,
});

const triggered: IncidentDetail = {
  id: 42,
  title: 'HighErrorRate',
  service: 'checkout',
  severity: 'critical',
  status: 'triggered',
  source: 'alertmanager',
  channel: '#alerts-checkout',
  alertCount: 3,
  firingCount: 2,
  openedAt: OPENED,
  acknowledgedAt: null,
  resolvedAt: null,
  lastEventAt: '2026-03-02T10:20:00Z',
  externalId: null,
  externalUrl: null,
  reopenCount: 0,
  labels: { service: 'checkout', namespace: 'shop', cluster: 'prod-eu-1' },
  serviceSource: { rule: 'label', labels: { service: 'checkout' } },
  alerts: [
    alert({
      fingerprint: 'a1',
      summary: 'checkout returns 12% HTTP 5xx (threshold 5%)',
      labels: { alertname: 'HighErrorRate', namespace: 'shop', pod: 'checkout-7d9f-abc' },
      annotations: { runbook_url: 'https://runbooks.example.com/checkout/high-error-rate' },
      generatorUrl: PROM,
    }),
    alert({
      fingerprint: 'a2',
      alertname: 'HighLatency',
      severity: 'warning',
      summary: 'p99 latency 2.4s on /api/cart',
      annotations: { runbook_url: 'https://runbooks.example.com/checkout/high-latency' },
      generatorUrl: 'https://prometheus.prod.example.com/graph?g0.expr=histogram_quantile%280.99%29',
    }),
    alert({
      fingerprint: 'a3',
      alertname: 'PodCrashLooping',
      status: 'resolved',
      severity: 'warning',
      summary: 'checkout-7d9f-abc restarted 5 times',
      endsAt: '2026-03-02T09:40:00Z',
      generatorUrl: PROM,
    }),
  ],
  timeline: [
    event(OPENED, 'opened', 'alertmanager', { title: 'HighErrorRate', source: 'alertmanager' }),
    event(OPENED, 'alerts_firing', 'alertmanager', {
      count: 3,
      alertnames: ['HighErrorRate', 'HighLatency'],
    }),
  ],
};

const acknowledged: IncidentDetail = {
  ...triggered,
  status: 'acknowledged',
  acknowledgedAt: '2026-03-02T09:17:00Z',
  timeline: [
    ...triggered.timeline,
    event('2026-03-02T09:17:00Z', 'acknowledged', '<@U024BE7LH>', {
      from: 'triggered',
      to: 'acknowledged',
      manual: true,
    }),
  ],
};

const resolved: IncidentDetail = {
  ...acknowledged,
  status: 'resolved',
  firingCount: 0,
  resolvedAt: '2026-03-02T10:24:00Z',
  alerts: acknowledged.alerts.map((item) => ({
    ...item,
    status: 'resolved',
    endsAt: '2026-03-02T10:24:00Z',
  })),
  timeline: [
    ...acknowledged.timeline,
    event('2026-03-02T10:24:00Z', 'alerts_resolved', 'alertmanager', { count: 2 }),
    event('2026-03-02T10:24:00Z', 'resolved', 'alertmanager', { from: 'acknowledged', to: 'resolved' }),
  ],
};

const PD_URL = 'https://acme.pagerduty.com/incidents/Q1ABCDEF';
const pagerduty: IncidentDetail = {
  id: 43,
  title: 'Payment provider timeouts',
  service: 'payments',
  severity: 'high',
  status: 'acknowledged',
  source: 'pagerduty',
  channel: '#alerts-payments',
  alertCount: 1,
  firingCount: 1,
  openedAt: '2026-03-02T08:00:00Z',
  acknowledgedAt: '2026-03-02T08:03:00Z',
  resolvedAt: null,
  lastEventAt: '2026-03-02T08:03:00Z',
  externalId: 'Q1ABCDEF',
  externalUrl: PD_URL,
  reopenCount: 1,
  labels: { service: 'payments', priority: 'P1' },
  alerts: [
    alert({
      fingerprint: 'pd:Q1ABCDEF',
      alertname: 'Payment provider timeouts',
      service: 'payments',
      severity: 'high',
      summary: 'Payment provider timeouts',
      annotations: { pagerduty_url: PD_URL },
      generatorUrl: PD_URL,
      startsAt: '2026-03-02T08:00:00Z',
    }),
  ],
  timeline: [
    event('2026-03-02T08:00:00Z', 'opened', 'PagerDuty', {
      title: 'Payment provider timeouts',
      source: 'pagerduty',
    }),
    event('2026-03-02T08:03:00Z', 'acknowledged', 'Jane Doe', { from: 'triggered', to: 'acknowledged' }),
  ],
};

const offline: Analysis = analysisSchema.parse({
  summary:
    'checkout started returning HTTP 5xx at 09:12, three minutes after deployment checkout-v2.14.0; latency rose at the same time and one pod crash-looped.',
  rootCauses: [
    {
      title: 'Faulty deploy of checkout v2.14.0',
      likelihood: 0.62,
      category: 'deployment',
      evidence: [
        'Deployment shop/checkout rolled out v2.14.0 at 09:09, 3 minutes before the first alert',
        'Error rate rose from 0.3% to 12% within 2 minutes of the rollout',
      ],
    },
    {
      title: 'Payment provider degraded',
      likelihood: 0.15,
      category: 'dependency',
      evidence: ['Upstream calls to payments time out in 4% of requests'],
    },
    {
      title: 'Memory limit too low after traffic growth',
      likelihood: 0.23,
      category: 'resource-exhaustion',
      evidence: ['checkout-7d9f-abc was OOMKilled twice', 'Memory usage at 97% of the 512Mi limit'],
    },
  ],
  nextSteps: [
    'Compare error logs before and after the v2.14.0 rollout',
    'Check the payments status page',
    'Roll back if the errors started with the deploy',
  ],
  proposedActions: [
    { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout' },
    { kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' },
    { kind: 'raise-limits', namespace: 'shop', name: 'checkout', container: 'app', memory: '1Gi' },
  ],
  proposedFixes: [
    {
      kind: 'kubernetes',
      title: 'Raise checkout memory limit to 1Gi',
      description: 'Patch the Deployment resources so the app container gets 1Gi of memory.',
    },
  ],
  history: { similar: 5, confirmed: 3, cause: 'Faulty deploy of checkout' },
  analyzer: 'offline',
  fallbackReason: 'ANTHROPIC_API_KEY is not set',
});

const llm: Analysis = {
  ...offline,
  analyzer: 'llm',
  model: 'claude-sonnet-5-5',
  tokens: { input: 5234, output: 812 },
  fallbackReason: undefined,
  proposedActions: [
    { kind: 'scale', namespace: 'shop', name: 'checkout', replicas: 6 },
    { kind: 'run-playbook', playbook: 'flush-payment-queue', limit: 'payments-eu' },
  ],
};

const explanation: Explanation = {
  summary: 'The process ran out of memory and the kernel killed it (OOMKilled).',
  likelyCauses: ['The container memory limit is lower than the working set', 'A memory leak'],
  nextSteps: ['Check `kubectl describe pod` for the last termination reason', 'Compare usage with the limit'],
  signature: 'oom-killed',
  analyzer: 'offline',
};

const historyRows = [
  {
    id: 40,
    title: 'HighErrorRate',
    status: 'resolved',
    openedAt: '2026-02-20T14:00:00Z',
    causes: ['Faulty deploy of checkout'],
  },
  { id: 31, title: 'HighLatency', status: 'resolved', openedAt: '2026-02-02T03:00:00Z', causes: [] },
];

const updateEvents: TimelineEvent[] = [
  event('2026-03-02T09:15:00Z', 'alerts_firing', 'alertmanager', {
    count: 2,
    alertnames: ['HighLatency', 'PodCrashLooping'],
  }),
  event('2026-03-02T09:17:00Z', 'acknowledged', '<@U024BE7LH>', {
    from: 'triggered',
    to: 'acknowledged',
    manual: true,
  }),
  event('2026-03-02T09:20:00Z', 'note', 'Jane Doe', {
    text: 'Looking at the payments dashboard\nrollback prepared',
  }),
  event('2026-03-02T09:25:00Z', 'cause_confirmed', '<@U024BE7LH>', {
    title: 'Faulty deploy of checkout v2.14.0',
    category: 'deployment',
  }),
  event('2026-03-02T09:40:00Z', 'alerts_resolved', 'alertmanager', { count: 1 }),
  event('2026-03-02T10:24:00Z', 'resolved', '<@U024BE7LH>', {
    from: 'acknowledged',
    to: 'resolved',
    manual: true,
  }),
  event('2026-03-02T10:28:00Z', 'reopened', 'alertmanager', { from: 'resolved', to: 'triggered' }),
];

// ---------------------------------------------------------------------------------------------------
// Helpers

function allButtons(message: SlackMessage): Button[] {
  const buttons: Button[] = [];
  for (const block of message.blocks) {
    if (block.type === 'actions')
      buttons.push(...(block.elements.filter((e) => e.type === 'button') as Button[]));
    if (block.type === 'section' && block.accessory?.type === 'button') buttons.push(block.accessory);
  }
  return buttons;
}

const labels = (message: SlackMessage) => allButtons(message).map((b) => b.text.text);
const json = (message: SlackMessage | SlackMessage[] | null | undefined) => JSON.stringify(message);

const giant: Analysis = analysisSchema.parse({
  summary: `${'The checkout service is failing & degrading. '.repeat(66)}`.slice(0, 3000),
  rootCauses: Array.from({ length: 5 }, (_, c) => ({
    title: `Cause number ${c + 1}: ${'x'.repeat(150)}`,
    likelihood: 0.5 - c * 0.1,
    category: 'application',
    evidence: Array.from({ length: 10 }, (_, e) =>
      `Evidence ${c + 1}.${e + 1} <${'e'.repeat(480)}>`.slice(0, 500),
    ),
  })),
  nextSteps: Array.from({ length: 10 }, (_, s) =>
    `Step ${s + 1}: ${'check things '.repeat(38)}`.slice(0, 500),
  ),
  proposedActions: Array.from({ length: 5 }, (_, a) => ({
    kind: 'restart',
    namespace: 'n'.repeat(253),
    name: `checkout-${a}${'m'.repeat(240)}`,
    workload: 'deployment',
  })),
  proposedFixes: Array.from({ length: 3 }, (_, f) => ({
    kind: 'terraform',
    title: `Fix ${f + 1} ${'t'.repeat(190)}`,
    description: 'd'.repeat(2000),
  })),
  history: { similar: 12, confirmed: 7, cause: 'c'.repeat(400) },
  analyzer: 'offline',
  fallbackReason: 'LLM request failed: 529 overloaded',
});

// ---------------------------------------------------------------------------------------------------
// Tests

describe('renderIncidentRoot', () => {
  it('renders a triggered incident (snapshot)', () => {
    const message = renderIncidentRoot(triggered);
    expect(message).toMatchSnapshot();
    expect(message.text).toBe('🔴 [CRITICAL] #42 HighErrorRate — checkout (triggered, 3 alerts)');
  });

  it('shows which labels decided the service, and nothing for incidents stored before', () => {
    const serviceField = (incident: IncidentDetail) =>
      json(renderIncidentRoot(incident)).match(/\*Service\*\\n([^"]*)"/)?.[1];
    const withSource = (serviceSource: IncidentDetail['serviceSource'], service = 'api') =>
      serviceField({ ...triggered, service, serviceSource });
    expect(withSource({ rule: 'pod', labels: { pod: 'api-7d9f8b6c5d-x2k4q', container: 'api' } })).toBe(
      '`api` (from pod `api-7d9f8b6c5d-x2k4q`, container `api`)',
    );
    expect(withSource({ rule: 'workload', labels: { deployment: 'api' } })).toBe(
      '`api` (from deployment `api`)',
    );
    expect(withSource({ rule: 'host', labels: { instance: 'db-1:9100' } }, 'db-1')).toBe(
      '`db-1` (the host, from instance `db-1:9100`)',
    );
    expect(withSource({ rule: 'exporter', labels: { job: 'orders-db-metrics' } }, 'orders-db')).toBe(
      '`orders-db` (behind the exporter, from job `orders-db-metrics`)',
    );
    expect(
      withSource({ rule: 'match', labels: { namespace: 'shop', container: 'checkout' }, entry: 'checkout' }),
    ).toBe('`api` (aiops.yml services match: namespace `shop`, container `checkout`)');
    expect(withSource({ rule: 'none', labels: {} }, 'unknown')).toBe('`unknown` (no label names it)');
    expect(withSource(null)).toBe('`api`');
    expect(withSource(undefined)).toBe('`api`');
  });

  it('shows Acknowledge only while triggered and Resolve until resolved, with a confirm dialog', () => {
    expect(labels(renderIncidentRoot(triggered))).toEqual(['Acknowledge', 'Resolve']);
    expect(labels(renderIncidentRoot(acknowledged))).toEqual(['Resolve']);
    expect(labels(renderIncidentRoot(resolved))).toEqual([]);
    const resolve = allButtons(renderIncidentRoot(triggered)).find((b) => b.text.text === 'Resolve');
    expect(resolve?.action_id).toBe('incident_resolve');
    expect(JSON.parse(resolve?.value as string)).toEqual({ incidentId: 42 });
    expect(resolve?.confirm?.title?.text).toBe('Resolve incident #42?');
    expect(resolve?.confirm?.text.text).toContain('2 alerts are still firing');
    const ack = allButtons(renderIncidentRoot(triggered)).find((b) => b.text.text === 'Acknowledge');
    expect(ack?.action_id).toBe('incident_acknowledge');
    expect(ack?.confirm).toBeUndefined();
  });

  it('names who acknowledged, and the duration once resolved (snapshots)', () => {
    const ack = renderIncidentRoot(acknowledged);
    expect(json(ack)).toContain('Acknowledged by <@U024BE7LH>');
    expect(ack).toMatchSnapshot();
    const done = renderIncidentRoot(resolved);
    expect(json(done)).toContain('Resolved after 1h 12m');
    expect(json(done)).toContain('Resolved by *alertmanager*');
    expect(done).toMatchSnapshot();
  });

  it('links distinct alert sources, runbooks and the PagerDuty incident', () => {
    const links = json(renderIncidentRoot(triggered));
    expect(links).toContain('|Prometheus: HighErrorRate>');
    expect(links).toContain('|Prometheus: HighLatency>');
    expect(links.match(/\|Prometheus/g)).toHaveLength(2); // PodCrashLooping shares the first URL
    expect(links).toContain('<https://runbooks.example.com/checkout/high-error-rate|Runbook: HighErrorRate>');
    expect(links).toContain('g0.expr=rate%28http_requests_total%5B5m%5D%29&amp;g0.tab=1');
    const pd = renderIncidentRoot(pagerduty);
    expect(json(pd)).toContain(`<${PD_URL}|PagerDuty incident>`);
    expect(json(pd).split(PD_URL)).toHaveLength(2); // the generator URL is the same page: linked once
    expect(json(pd)).toContain('Acknowledged by *Jane Doe* · reopened 1×');
    expect(pd).toMatchSnapshot();
  });

  it('keeps at most three source links', () => {
    const many: IncidentDetail = {
      ...triggered,
      alerts: Array.from({ length: 6 }, (_, i) =>
        alert({
          fingerprint: `m${i}`,
          alertname: `A${i}`,
          generatorUrl: `https://prometheus.example.com/graph?i=${i}`,
        }),
      ),
    };
    expect(json(renderIncidentRoot(many)).match(/\|Prometheus: A\d>/g)).toHaveLength(3);
  });
});

describe('renderAnalysis', () => {
  it('renders an offline analysis in one message (snapshot)', () => {
    const messages = renderAnalysis(triggered, offline);
    expect(messages).toHaveLength(1);
    expect(messages).toMatchSnapshot();
    const text = json(messages);
    expect(text).toContain('Offline analyzer (no LLM) — ANTHROPIC_API_KEY is not set');
    expect(text).toContain('In 3 of 5 similar past incidents the cause was *Faulty deploy of checkout*');
    expect(text).toContain('roll back deployment `shop/checkout` to the previous revision');
    expect(text).toContain('restart deployment `shop/checkout`');
    expect(text).toContain('*Raise checkout memory limit to 1Gi* (Kubernetes)');
  });

  it('ranks causes and gives each a *This was the cause* button with its title and category', () => {
    const [message] = renderAnalysis(triggered, offline) as [SlackMessage];
    const causeButtons = allButtons(message).filter((b) => b.text.text === 'This was the cause');
    expect(causeButtons.map((b) => b.action_id)).toEqual([
      'incident_confirm_cause:0',
      'incident_confirm_cause:1',
      'incident_confirm_cause:2',
    ]);
    expect(causeButtons.map((b) => JSON.parse(b.value as string))).toEqual([
      { incidentId: 42, cause: 'Faulty deploy of checkout v2.14.0', category: 'deployment' },
      { incidentId: 42, cause: 'Memory limit too low after traffic growth', category: 'resource-exhaustion' },
      { incidentId: 42, cause: 'Payment provider degraded', category: 'dependency' },
    ]);
    expect(json(message)).toContain('*1. Faulty deploy of checkout v2.14.0* — 62%');
    expect(labels(message).slice(-2)).toEqual(['Acknowledge', 'Resolve']);
    const [afterResolve] = renderAnalysis(resolved, offline) as [SlackMessage];
    expect(labels(afterResolve)).not.toContain('Resolve');
  });

  it('names the model for an LLM analysis (snapshot)', () => {
    const messages = renderAnalysis(acknowledged, llm);
    expect(messages).toMatchSnapshot();
    expect(json(messages)).toContain('Analyzed by `claude-sonnet-5-5`');
    expect(json(messages)).not.toContain('Offline analyzer');
    expect(json(messages)).toContain('scale `shop/checkout` to 6 replicas');
    expect(json(messages)).toContain('run playbook `flush-payment-queue` limited to `payments-eu`');
  });

  it('says who updated an analysis that replaced the first answer in place (snapshot)', () => {
    const messages = renderAnalysis(acknowledged, llm, { updated: true });
    expect(messages.at(-1)).toMatchSnapshot();
    expect(json(messages)).toContain('✏️ Updated by `claude-sonnet-5-5` after the alert storm settled');
    expect(json(renderAnalysis(acknowledged, llm))).not.toContain('Updated');
    const part = renderReplacedAnalysisPart(acknowledged);
    expect(checkSlackLimits(part)).toEqual([]);
    expect(part).toMatchSnapshot();
  });

  it('splits a giant analysis over several messages within the limits, losing no cause', () => {
    const messages = renderAnalysis(triggered, giant);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(checkSlackLimits(message)).toEqual([]);
    const all = json(messages);
    for (const cause of giant.rootCauses) expect(all).toContain(cause.title);
    for (let step = 1; step <= 10; step += 1) expect(all).toContain(`${step}. Step ${step}:`);
    const last = messages.at(-1) as SlackMessage;
    expect(labels(last).slice(-2)).toEqual(['Acknowledge', 'Resolve']);
    expect(json(last)).toContain('Offline analyzer (no LLM) — LLM request failed: 529 overloaded');
    expect(json(messages[1])).toContain('continued (2/');
    const ids = messages.flatMap((m) => allButtons(m).map((b) => b.action_id));
    expect(ids.filter((id) => id?.startsWith('incident_confirm_cause:'))).toHaveLength(5);
    // Each proposed fix has its own *Open fix PR* button, numbered as in the analysis.
    expect(ids.filter((id) => id?.startsWith('fix_open_pr:'))).toEqual(
      giant.proposedFixes.map((_, index) => `fix_open_pr:${index}`),
    );
  });

  it('puts an Open fix PR button on each proposed fix, carrying the incident and the fix index', () => {
    const [message] = renderAnalysis(triggered, offline) as [SlackMessage];
    const fixButtons = allButtons(message).filter((b) => b.action_id?.startsWith('fix_open_pr:'));
    expect(fixButtons.map((b) => [b.action_id, b.text.text, JSON.parse(b.value ?? '{}')])).toEqual(
      offline.proposedFixes.map((_, index) => [
        `fix_open_pr:${index}`,
        'Open fix PR',
        { incidentId: triggered.id, fixIndex: index },
      ]),
    );
  });
});

describe('renderTimelineUpdate', () => {
  it('sums up new events in one reply (snapshot)', () => {
    const message = renderTimelineUpdate(acknowledged, updateEvents, NOW);
    expect(message).toMatchSnapshot();
    const text = json(message);
    expect(text).toContain('2 alerts started firing: `HighLatency` and `PodCrashLooping`');
    expect(text).toContain('Acknowledged by <@U024BE7LH>');
    expect(text).toContain('Note from *Jane Doe*');
    expect(text).toContain('Cause confirmed by <@U024BE7LH>: *Faulty deploy of checkout v2.14.0*');
    expect(text).toContain('1 alert resolved');
    expect(text).toContain('Resolved by <@U024BE7LH> after 1h 12m');
    expect(text).toContain('Reopened by *alertmanager*');
    expect(message?.text).toBe(
      '#42 HighErrorRate: 🔥 2 alerts started firing: `HighLatency` and `PodCrashLooping` (+6 more)',
    );
  });

  it('is null when nothing is worth saying', () => {
    expect(renderTimelineUpdate(triggered, [], NOW)).toBeNull();
    expect(renderTimelineUpdate(triggered, [triggered.timeline[0] as TimelineEvent], NOW)).toBeNull();
    expect(renderTimelineUpdate(triggered, [event(OPENED, 'something_new', null)], NOW)).toBeNull();
  });

  it('keeps a flood of notes within the limits', () => {
    const notes = Array.from({ length: 300 }, (_, i) =>
      event(OPENED, 'note', 'PagerDuty', { text: `${i} ${'n'.repeat(2000)}` }),
    );
    const message = renderTimelineUpdate(triggered, notes, NOW) as SlackMessage;
    expect(checkSlackLimits(message)).toEqual([]);
    expect(json(message)).toMatch(/_…\d+ earlier updates not shown_/);
    expect(json(message)).toContain('299 n');
  });
});

describe('command answers', () => {
  it('renders /aiops why compactly (snapshot)', () => {
    const message = renderWhy(triggered, offline);
    expect(message).toMatchSnapshot();
    expect(json(message)).toContain('In 3 of 5 similar past incidents the cause was');
    expect(allButtons(message)).toEqual([]);
    expect(checkSlackLimits(renderWhy(triggered, giant))).toEqual([]);
    expect(json(renderWhy(triggered, giant))).toContain(giant.rootCauses[4]?.title.slice(0, 100));
  });

  it('renders /aiops status (snapshot)', () => {
    const message = renderIncidentStatus(resolved, NOW);
    expect(message).toMatchSnapshot();
    expect(json(message)).toContain('Latest updates');
  });

  it('renders the incident list, and the empty list', () => {
    expect(renderIncidentList([triggered, pagerduty])).toMatchSnapshot();
    const empty = renderIncidentList([]);
    expect(empty.text).toBe('No open incidents 🎉');
    expect(empty).toMatchSnapshot();
    const many = Array.from({ length: 60 }, (_, i) => ({ ...triggered, id: i + 1 }));
    expect(checkSlackLimits(renderIncidentList(many))).toEqual([]);
    const listed = renderIncidentList(many);
    const shown = json(listed).match(/🔴 \*#\d+\*/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(5);
    expect(json(listed)).toContain(`…and ${60 - shown} more`);
  });

  it('renders help, with an unknown sub-command first', () => {
    const help = renderHelp();
    for (const usage of [
      'why [INCIDENT]',
      'status [INCIDENT]',
      'list',
      'ack [INCIDENT]',
      'resolve [INCIDENT]',
    ]) {
      expect(json(help)).toContain(`/aiops ${usage}`);
    }
    for (const usage of ['explain TEXT', 'history SERVICE', 'help'])
      expect(json(help)).toContain(`/aiops ${usage}`);
    expect(help).toMatchSnapshot();
    const unknown = renderHelp('Unknown sub-command `foo`.');
    expect((unknown.blocks[0] as { text: { text: string } }).text.text).toBe('⚠️ Unknown sub-command `foo`.');
    expect(unknown).toMatchSnapshot();
  });

  it('renders errors and lifecycle answers', () => {
    expect(renderError('no open incident in this channel; see `/aiops list`')).toMatchSnapshot();
    const done = renderLifecycleAnswer({
      incidentId: 4,
      previous: 'triggered',
      status: 'acknowledged',
      changed: true,
      by: '<@U1>',
    });
    expect(done.text).toContain('Incident #4 acknowledged by <@U1>');
    const already = renderLifecycleAnswer({
      incidentId: 4,
      previous: 'acknowledged',
      status: 'acknowledged',
      changed: false,
      by: '<@U2>',
    });
    expect(already.text).toContain('Incident #4 was already acknowledged by <@U2>');
    expect([done, already]).toMatchSnapshot();
    expect(
      renderLifecycleAnswer({
        incidentId: 5,
        previous: 'resolved',
        status: 'resolved',
        changed: false,
        by: null,
      }).text,
    ).toBe('✅ Incident #5 was already resolved');
  });

  it('renders explain with the pasted text quoted safely', () => {
    const message = renderExplain(
      'java.lang.OutOfMemoryError: Java heap space\n  at Foo.bar(Foo.java:42)',
      explanation,
    );
    expect(message).toMatchSnapshot();
    expect(json(message)).toContain('Offline analyzer (no LLM)');
    const hostile = renderExplain(`\`\`\`</code> <!channel> ${'&'.repeat(5000)}`, explanation);
    expect(checkSlackLimits(hostile)).toEqual([]);
    const quoted = (hostile.blocks[0] as { text: { text: string } }).text.text;
    expect(quoted.match(/```/g)).toHaveLength(2);
    expect(quoted).toContain('&lt;!channel&gt;');
    expect(quoted).toContain('…');
  });

  it('renders a service history, and none', () => {
    const message = renderHistory('checkout', historyRows);
    expect(message).toMatchSnapshot();
    expect(json(message)).toContain('cause: *Faulty deploy of checkout*');
    expect(json(message)).toContain('_no confirmed cause_');
    expect(renderHistory('checkout', []).text).toBe('No past incidents recorded for `checkout`.');
  });
});

describe('checkSlackLimits', () => {
  const all = (): SlackMessage[] => [
    renderIncidentRoot(triggered),
    renderIncidentRoot(acknowledged),
    renderIncidentRoot(resolved),
    renderIncidentRoot(pagerduty),
    ...renderAnalysis(triggered, offline),
    ...renderAnalysis(pagerduty, llm),
    renderTimelineUpdate(acknowledged, updateEvents, NOW) as SlackMessage,
    renderWhy(triggered, offline),
    renderIncidentStatus(triggered, NOW),
    renderIncidentStatus(pagerduty, NOW),
    renderIncidentList([triggered, pagerduty]),
    renderIncidentList([]),
    renderHelp(),
    renderHelp('Unknown sub-command `foo`.'),
    renderError('boom'),
    renderLifecycleAnswer({
      incidentId: 4,
      previous: 'triggered',
      status: 'resolved',
      changed: true,
      by: 'cli',
    }),
    renderExplain('OOMKilled', explanation),
    renderHistory('checkout', historyRows),
    renderHistory('checkout', []),
  ];

  it('passes every rendered message', () => {
    for (const message of all()) expect(checkSlackLimits(message)).toEqual([]);
  });

  const text = (length: number) => 'x'.repeat(length);
  const sectionOf = (length: number): KnownBlock => ({
    type: 'section',
    text: { type: 'mrkdwn', text: text(length) },
  });
  const buttonOf = (overrides: Partial<Button>): Button => ({
    type: 'button',
    text: { type: 'plain_text', text: 'Go' },
    action_id: 'go',
    ...overrides,
  });
  const bad: [string, SlackMessage, RegExp][] = [
    [
      'too many blocks',
      { text: 't', blocks: Array.from({ length: 51 }, () => sectionOf(1)) },
      /51 blocks \(max 50\)/,
    ],
    [
      'long section text',
      { text: 't', blocks: [sectionOf(3001)] },
      /section text is 3001 chars \(max 3000\)/,
    ],
    [
      'too much text in all',
      { text: 't', blocks: Array.from({ length: 5 }, () => sectionOf(2500)) },
      /blocks carry 12500 chars of text \(keep under 10000/,
    ],
    ['empty section', { text: 't', blocks: [sectionOf(0)] }, /section text is empty/],
    [
      'section without text',
      { text: 't', blocks: [{ type: 'section' } as KnownBlock] },
      /neither text nor fields/,
    ],
    [
      'long header',
      { text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: text(151) } }] },
      /header text is 151/,
    ],
    [
      'mrkdwn header',
      {
        text: 't',
        blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } } as unknown as KnownBlock],
      },
      /must be plain_text/,
    ],
    [
      'too many context elements',
      {
        text: 't',
        blocks: [
          { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
        ],
      },
      /11 elements \(max 10\)/,
    ],
    ['empty context', { text: 't', blocks: [{ type: 'context', elements: [] }] }, /context has no elements/],
    [
      'too many actions',
      {
        text: 't',
        blocks: [
          {
            type: 'actions',
            elements: Array.from({ length: 26 }, (_, i) => buttonOf({ action_id: `a${i}` })),
          },
        ],
      },
      /26 elements \(max 25\)/,
    ],
    [
      'long button text',
      {
        text: 't',
        blocks: [{ type: 'actions', elements: [buttonOf({ text: { type: 'plain_text', text: text(76) } })] }],
      },
      /button text is 76 chars \(max 75\)/,
    ],
    [
      'long button value',
      { text: 't', blocks: [{ type: 'actions', elements: [buttonOf({ value: text(2001) })] }] },
      /button value is 2001 chars \(max 2000\)/,
    ],
    [
      'long action_id',
      { text: 't', blocks: [{ type: 'actions', elements: [buttonOf({ action_id: text(256) })] }] },
      /action_id is 256 chars \(max 255\)/,
    ],
    [
      'duplicate action_id',
      {
        text: 't',
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: 's' },
            accessory: buttonOf({ action_id: 'same' }),
          },
          { type: 'actions', elements: [buttonOf({ action_id: 'same' })] },
        ],
      },
      /action_id "same" is already used by blocks\[0\] section accessory/,
    ],
    [
      'long block_id',
      { text: 't', blocks: [{ type: 'divider', block_id: text(256) }] },
      /block_id is 256 chars/,
    ],
    [
      'duplicate block_id',
      {
        text: 't',
        blocks: [
          { type: 'divider', block_id: 'b' },
          { type: 'divider', block_id: 'b' },
        ],
      },
      /block_id "b" is already used/,
    ],
    [
      'too many fields',
      {
        text: 't',
        blocks: [
          { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        ],
      },
      /11 fields \(max 10\)/,
    ],
    [
      'long field',
      { text: 't', blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: text(2001) }] }] },
      /field 0 is 2001 chars \(max 2000\)/,
    ],
    ['long message text', { text: text(40_001), blocks: [] }, /text is 40001 chars \(max 40000\)/],
    [
      'long confirm title',
      {
        text: 't',
        blocks: [
          {
            type: 'actions',
            elements: [
              buttonOf({
                confirm: {
                  title: { type: 'plain_text', text: text(101) },
                  text: { type: 'plain_text', text: 'ok' },
                },
              }),
            ],
          },
        ],
      },
      /confirm title is 101 chars \(max 100\)/,
    ],
  ];

  it.each(bad)('detects %s', (_name, message, problem) => {
    const problems = checkSlackLimits(message);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});

describe('untrusted text', () => {
  const EVIL = '<!channel> @here see <http://evil.example|click> & <@U0BOSS>';
  const hostile: IncidentDetail = {
    ...triggered,
    title: `HighErrorRate ${EVIL}`,
    service: 'checkout <!here>',
    labels: { namespace: '<!everyone>' },
    alerts: [
      alert({
        alertname: 'HighErrorRate<!channel>',
        summary: EVIL,
        annotations: { runbook_url: 'javascript:alert(1)' },
        generatorUrl: 'https://prometheus.example.com/graph?x=<http://evil.example|click>',
      }),
    ],
    timeline: [event(OPENED, 'note', '@here <!channel>', { text: EVIL })],
  };
  const hostileAnalysis: Analysis = {
    ...offline,
    summary: EVIL,
    rootCauses: [{ title: `Bad ${EVIL}`, likelihood: 0.5, category: 'deployment', evidence: [EVIL] }],
    nextSteps: [EVIL],
    history: { similar: 2, confirmed: 1, cause: EVIL },
    fallbackReason: EVIL,
  };

  const rendered = (): SlackMessage[] => [
    renderIncidentRoot(hostile),
    renderIncidentStatus(hostile, NOW),
    ...renderAnalysis(hostile, hostileAnalysis),
    renderWhy(hostile, hostileAnalysis),
    renderTimelineUpdate(hostile, hostile.timeline, NOW) as SlackMessage,
    renderIncidentList([hostile]),
    renderExplain(EVIL, { ...explanation, summary: EVIL, likelyCauses: [EVIL] }),
    renderHistory(EVIL, [{ id: 1, title: EVIL, status: 'resolved', openedAt: OPENED, causes: [EVIL] }]),
    renderError(EVIL),
    renderHelp(`Unknown sub-command \`${EVIL}\`.`),
  ];

  it('renders mentions, broadcasts and fake links inert', () => {
    for (const message of rendered()) {
      // Button values are data handed back to us, never shown: only what Slack displays counts here.
      const out = JSON.stringify(message, (key, value) => (key === 'value' ? undefined : value));
      expect(out).not.toContain('<!channel>');
      expect(out).not.toContain('<!here>');
      expect(out).not.toContain('<!everyone>');
      expect(out).not.toMatch(/@(here|channel|everyone)/);
      expect(out).not.toContain('<http://evil.example');
      expect(out).not.toContain('<@U0BOSS>');
      expect(out).not.toContain('javascript:');
      expect(checkSlackLimits(message)).toEqual([]);
    }
    expect(json(renderIncidentRoot(hostile))).toContain('&lt;http://evil.example|click&gt;');
  });

  it('keeps the incident button value raw (it is data, not mrkdwn)', () => {
    const [message] = renderAnalysis(hostile, hostileAnalysis) as [SlackMessage];
    const cause = allButtons(message).find((b) => b.action_id === 'incident_confirm_cause:0');
    expect(JSON.parse(cause?.value as string).cause).toBe(`Bad ${EVIL}`);
  });
});

describe('renderAsText', () => {
  it('reads well for a root message', () => {
    const text = renderAsText(renderIncidentRoot(triggered));
    expect(text).toMatchSnapshot();
    expect(text).not.toContain('<!date^');
    expect(text).toContain('[Acknowledge] [Resolve]');
    expect(text).toContain(`Prometheus: HighErrorRate (${PROM})`);
    expect(text).toContain('Started: 2026-03-02T09:12:00Z');
    expect(text.endsWith('\n')).toBe(false);
  });

  it('reads well for an analysis, mentions kept and entities unescaped', () => {
    const text = renderAnalysis(triggered, offline).map(renderAsText).join('\n\n');
    expect(text).toMatchSnapshot();
    expect(text).not.toContain('<!date^');
    expect(text).toContain('[This was the cause]');
    const update = renderAsText(renderTimelineUpdate(acknowledged, updateEvents, NOW) as SlackMessage);
    expect(update).toContain('Acknowledged by <@U024BE7LH>');
    expect(renderAsText(renderError('a < b && c > d'))).toBe('⚠️ a < b && c > d');
  });
});
