/**
 * Every fix generator is reachable from Slack: an alert comes in, the thread's analysis shows the generator's
 * proposal with its *Open fix PR* button, and the click (or `/aiops fix`, or `aiops fix`'s plan) opens the
 * right generator's change on the team's real files. CPU throttling, HPA maxed out, a conntrack host playbook
 * (sized from a Prometheus fake) and database max_connections, against the GitHub and Slack fakes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { latestAnalysis } from '../../src/analysis/analyze.ts';
import { createGitHubClient } from '../../src/clients/github.ts';
import type { Db } from '../../src/db/index.ts';
import { fixDiff } from '../../src/incidents/fixes.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';
import {
  buttonClickBody,
  type SlackFake,
  slackSignature,
  slashCommandBody,
  startSlackFake,
} from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'fixes');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const PHP = fixture('kubernetes/php-apache.yaml');
const PHP_HPA = fixture('kubernetes/php-apache-hpa.yaml');
const TF = fixture('terraform/aurora-mysql/main.tf');
const PLAYBOOK = fixture('ansible/playbook.yml');
/** The fixture's max_connections, wherever the parameter group sets it. */
const TF_MAX = Number(/"max_connections"[\s\S]*?value\s*=\s*"?(\d+)/.exec(TF)?.[1]);

const SIGNING_SECRET = 'test-signing-secret';
/** Validation runs ansible-playbook and ansible-lint: a test may take long on a loaded 2-core machine. */
const SLOW = 180_000;
const CONNTRACK_LIMIT = 262_144;
/** The OOMKilled container's working-set peak over the window: 1.9 GiB. */
const MEMORY_PEAK = Math.round(1.9 * 2 ** 30);
const PODINFO = fixture('helm/podinfo/values.yaml');

/**
 * Prometheus's query_range API for the host's conntrack limit and use and a container's memory working set; every
 * other query is empty.
 */
async function startPrometheusFake(): Promise<{ url: string; queries: string[]; close(): Promise<void> }> {
  const queries: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = url.searchParams.get('query') ?? '';
    queries.push(query);
    const value = query.includes('node_nf_conntrack_entries_limit{')
      ? CONNTRACK_LIMIT
      : query.includes('node_nf_conntrack_entries{')
        ? 250_000
        : query.includes('container_memory_working_set_bytes{')
          ? MEMORY_PEAK
          : null;
    const start = Number(url.searchParams.get('start'));
    const result =
      url.pathname === '/api/v1/query_range' && value !== null
        ? [{ metric: {}, values: [[start, String(value)]] }]
        : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SERVICES = {
  'php-apache': { kubernetes: { 'deploy/php-apache.yaml': PHP, 'deploy/php-apache-hpa.yaml': PHP_HPA } },
  edge: { ansible: { 'ansible/playbook.yml': PLAYBOOK } },
  orders: { terraform: { 'infra/main.tf': TF } },
  podinfo: { helm: { 'charts/podinfo/values.yaml': PODINFO } },
} as const;

const PATHS = {
  kubernetes: 'kubernetes: ["deploy/**/*.yaml"]',
  ansible: 'ansible: ["ansible/**/*.yml"]',
  terraform: 'terraform: ["infra/**/*.tf"]',
  helm: 'helm: ["charts/**/values.yaml"]',
};

interface Button {
  action_id: string;
  value: string;
}

describe.each(testDatabases())('every generator reachable from Slack on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let github: GitHubFake;
  let slack: SlackFake;
  let prometheus: Awaited<ReturnType<typeof startPrometheusFake>>;
  let app: TestApp;
  const repoOf = (service: string) => `acme/${service}-${database.name}`;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    github = await startGitHubFake();
    slack = await startSlackFake();
    prometheus = await startPrometheusFake();
    const services = Object.entries(SERVICES).map(([name, kinds]) => {
      const files = Object.assign({}, ...Object.values(kinds)) as Record<string, string>;
      github.addRepo(repoOf(name), files);
      const paths = Object.keys(kinds)
        .map((kind) => PATHS[kind as keyof typeof PATHS])
        .join(', ');
      return `  - name: ${name}\n    repo: ${repoOf(name)}\n    fixes: { base: main, paths: { ${paths} } }\n`;
    });
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        GITHUB_TOKEN: 'ghs_testtoken',
        GITHUB_API_URL: github.apiUrl,
      },
      yaml: `services:\n${services.join('')}prometheus:\n  url: ${prometheus.url}\n`,
      github: createGitHubClient({
        token: 'ghs_testtoken',
        baseUrl: github.apiUrl,
        paceWrites: false,
        retries: 0,
      }),
    });
  });
  afterAll(async () => {
    await app?.close();
    await github?.close();
    await slack?.close();
    await prometheus?.close();
    await dispose?.();
  });

  const settle = async () => {
    for (let round = 0; round < 50; round += 1) {
      const jobs = await app.app.jobs.runOnce({ aheadMs: 10 * 60_000 });
      const sent = await app.app.poster.drain({ ignorePacing: true });
      if (jobs + sent === 0) return;
    }
  };

  /** Posts one alert, lets the analysis reach the thread, returns the incident and its Open fix PR buttons. */
  async function alertIn(labels: Record<string, string>) {
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({ groupKey: `{}:{alertname="${labels.alertname}"}`, alerts: [{ labels }] }),
    );
    expect(response.status).toBe(202);
    const incidentId = (response.json.incidentIds as number[])[0] as number;
    await settle();
    const sections = slack
      .callsOf('chat.postMessage')
      .flatMap(
        (call) => (call.body.blocks ?? []) as { text?: { text?: string }; accessory?: Partial<Button> }[],
      )
      .filter(
        (block) =>
          block.accessory?.action_id?.startsWith('fix_open_pr:') &&
          (JSON.parse(block.accessory.value ?? '{}') as { incidentId?: number }).incidentId === incidentId,
      );
    return {
      incidentId,
      buttons: sections.map((s) => ({ text: s.text?.text ?? '', button: s.accessory as Button })),
    };
  }

  async function click(button: Button, id: string) {
    const body = buttonClickBody({
      actionId: button.action_id,
      value: button.value,
      userId: 'U0ALICE',
      responseUrl: slack.responseUrl(id),
    });
    const clicked = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SIGNING_SECRET, body, Math.floor(app.clock.now().getTime() / 1000)),
      },
      body,
    });
    expect(clicked.status).toBe(200);
    // Validation runs ansible-playbook and ansible-lint: a generous deadline on a loaded machine.
    return waitFor(() => slack.responses.find((r) => r.id === id), 120_000);
  }

  /** The lines the PR changed in a file (before → after), by position. */
  const changedLines = (before: string, after: string) => {
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    return b.flatMap((line, i) => (line !== a[i] ? [[a[i], line]] : []));
  };

  it(
    'CPU throttling → thread shows Raise the CPU limit → click → the container’s CPU limit, only that line',
    async () => {
      const { incidentId, buttons } = await alertIn({
        alertname: 'CPUThrottlingHigh',
        namespace: 'default',
        pod: 'php-apache-5d54745f55-x2k4q',
        container: 'php-apache',
        service: 'php-apache',
      });
      expect(buttons.map((b) => b.text)).toEqual([
        expect.stringContaining('Raise the CPU limit of `php-apache` in its manifest'),
      ]);
      const answer = await click(buttons[0]?.button as Button, `cpu-${database.name}`);
      expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#1/);
      const repo = repoOf('php-apache');
      const [pull] = github.pulls(repo);
      expect(pull).toMatchObject({
        head: `aiops/incident-${incidentId}-k8s-cpu-limit`,
        draft: true,
        labels: ['aiops', 'aiops:kubernetes'],
      });
      expect(github.changedFiles(repo, pull?.head as string)).toEqual(['deploy/php-apache.yaml']);
      const after = github.fileAt(repo, pull?.head as string, 'deploy/php-apache.yaml') as string;
      expect(changedLines(PHP, after)).toEqual([['            cpu: 500m', '            cpu: 800m']]);
      // The sizing query was asked (no peak measured: the limit × 1.5, rounded up to 100m).
      expect(prometheus.queries).toContain(
        'max(rate(container_cpu_usage_seconds_total{namespace="default",pod="php-apache-5d54745f55-x2k4q",container="php-apache"}[5m]))',
      );
      expect(pull?.body).toContain('no measured peak: the 500m limit × 1.5');
    },
    SLOW,
  );

  it(
    'HPA maxed out → Raise maxReplicas → click → the HPA’s maxReplicas in the flow-style manifest',
    async () => {
      const { incidentId, buttons } = await alertIn({
        alertname: 'KubeHpaMaxedOut',
        namespace: 'default',
        horizontalpodautoscaler: 'php-apache',
        service: 'php-apache',
      });
      expect(buttons.map((b) => b.text)).toEqual([
        expect.stringContaining('Raise maxReplicas of HPA `php-apache`'),
      ]);
      const answer = await click(buttons[0]?.button as Button, `hpa-${database.name}`);
      expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#2/);
      const repo = repoOf('php-apache');
      const pull = github
        .pulls(repo)
        .find((p) => p.head === `aiops/incident-${incidentId}-k8s-hpa-max-replicas`);
      expect(pull).toBeDefined();
      expect(github.changedFiles(repo, pull?.head as string)).toEqual(['deploy/php-apache-hpa.yaml']);
      const after = github.fileAt(repo, pull?.head as string, 'deploy/php-apache-hpa.yaml') as string;
      expect(changedLines(PHP_HPA, after)).toEqual([['    maxReplicas: 10,', '    maxReplicas: 15,']]);
    },
    SLOW,
  );

  it(
    'OOMKilled → Raise the memory limit → click → the chart’s limit sized from the measured peak (1.9 GiB → 2.5Gi)',
    async () => {
      const { incidentId, buttons } = await alertIn({
        alertname: 'KubePodOOMKilled',
        namespace: 'default',
        pod: 'podinfo-7d9f8b6c5d-x2k4q',
        container: 'podinfo',
        reason: 'OOMKilled',
        service: 'podinfo',
      });
      expect(buttons.map((b) => b.text)).toEqual([
        expect.stringContaining('Raise the memory limit of `podinfo` in its manifest'),
      ]);
      const answer = await click(buttons[0]?.button as Button, `memory-${database.name}`);
      expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#1/);
      const repo = repoOf('podinfo');
      const [pull] = github.pulls(repo);
      expect(pull).toMatchObject({
        head: `aiops/incident-${incidentId}-k8s-memory-limit`,
        labels: ['aiops', 'aiops:helm'],
      });
      // The chart sets no memory limit (`limits:` is empty): the peak the container reached sizes it.
      expect(prometheus.queries).toContain(
        'max(container_memory_working_set_bytes{namespace="default",pod="podinfo-7d9f8b6c5d-x2k4q",container="podinfo"})',
      );
      const after = github.fileAt(repo, pull?.head as string, 'charts/podinfo/values.yaml') as string;
      expect(after.replace('  limits:\n    memory: 2.5Gi\n', '  limits:\n')).toBe(PODINFO);
      expect(pull?.body).toContain('peak 1.9 GiB over 6h + 30 % headroom → 2.5Gi');
    },
    SLOW,
  );

  it(
    'conntrack full → Raise nf_conntrack_max → click → a playbook for that host, sized from Prometheus',
    async () => {
      const { incidentId, buttons } = await alertIn({
        alertname: 'NodeHighNumberConntrackEntriesUsed',
        instance: 'web-1.example.com:9100',
        job: 'node',
        severity: 'warning',
        service: 'edge',
      });
      expect(buttons.map((b) => b.text)).toEqual([
        expect.stringContaining('Raise nf_conntrack_max on web-1.example.com'),
      ]);
      const answer = await click(buttons[0]?.button as Button, `conntrack-${database.name}`);
      expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#1/);
      const repo = repoOf('edge');
      const [pull] = github.pulls(repo);
      expect(pull).toMatchObject({
        head: `aiops/incident-${incidentId}-ansible-host-playbook`,
        labels: ['aiops', 'aiops:ansible'],
      });
      const file = `ansible/aiops-conntrack-incident-${incidentId}.yml`;
      expect(github.changedFiles(repo, pull?.head as string)).toEqual([file]);
      const [play] = parseYaml(github.fileAt(repo, pull?.head as string, file) as string) as {
        hosts: string;
        tasks: { 'ansible.builtin.copy': { content: string } }[];
      }[];
      expect(play?.hosts).toBe('web-1.example.com');
      // 262144 +50 % → 393216, rounded up to a power of two.
      expect(play?.tasks[0]?.['ansible.builtin.copy'].content).toContain(
        'net.netfilter.nf_conntrack_max = 524288',
      );
      expect(prometheus.queries).toContain(
        'max(node_nf_conntrack_entries_limit{instance="web-1.example.com:9100"})',
      );
      expect(pull?.body).toContain('nf_conntrack_max 262144 (250000 entries in use)');
      // The mapped folder's own playbook is not touched.
      expect(github.fileAt(repo, pull?.head as string, 'ansible/playbook.yml')).toBe(PLAYBOOK);
    },
    SLOW,
  );

  it(
    'too many DB connections → Raise max_connections → /aiops fix → the Terraform parameter, and aiops fix plans the same',
    async () => {
      const { incidentId, buttons } = await alertIn({
        alertname: 'PostgresqlTooManyConnections',
        instance: 'orders-db:9187',
        job: 'postgres',
        severity: 'warning',
        service: 'orders',
      });
      expect(buttons.map((b) => b.text)).toEqual([
        expect.stringContaining('Raise max_connections of `orders-db:9187` in its parameter group'),
      ]);
      // `aiops fix INCIDENT` (no fix index: the analysis's first proposal) plans the Terraform change.
      const plan = await fixDiff(app.app.deps, { incidentId });
      expect(plan.fix.generator).toBe('terraform-max-connections');
      const next = Math.ceil(TF_MAX * 1.5);
      expect(plan.diff).toMatch(new RegExp(`\\+.*value\\s*=\\s*"?${next}`));

      const command = slashCommandBody({
        text: `fix ${incidentId}`,
        responseUrl: slack.responseUrl(`db-${database.name}`),
      });
      await fetch(`${app.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...slackSignature(SIGNING_SECRET, command, Math.floor(app.clock.now().getTime() / 1000)),
        },
        body: command,
      });
      const answer = await waitFor(
        () => slack.responses.find((r) => r.id === `db-${database.name}`),
        120_000,
      );
      expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#1/);
      const repo = repoOf('orders');
      const [pull] = github.pulls(repo);
      expect(pull).toMatchObject({
        head: `aiops/incident-${incidentId}-terraform-max-connections`,
        labels: ['aiops', 'aiops:terraform'],
      });
      const after = github.fileAt(repo, pull?.head as string, 'infra/main.tf') as string;
      const changed = changedLines(TF, after);
      expect(changed).toHaveLength(1);
      expect(changed[0]?.[1]).toBe(changed[0]?.[0]?.replace(String(TF_MAX), String(next)));
      expect(changed[0]?.[0]).toMatch(/value/);
    },
    SLOW,
  );

  it(
    'two served signatures in one incident: each button plans its own generator; no index plans the first',
    async () => {
      const response = await post(
        `${app.url}/webhooks/alertmanager`,
        alertmanagerBody({
          groupKey: '{}:{service="php-apache",flow="two"}',
          alerts: [
            {
              labels: {
                alertname: 'KubeHpaMaxedOut',
                namespace: 'default',
                horizontalpodautoscaler: 'php-apache',
                service: 'php-apache',
                flow: 'two',
              },
            },
            {
              labels: {
                alertname: 'CPUThrottlingHigh',
                namespace: 'default',
                pod: 'php-apache-5d54745f55-x2k4q',
                container: 'php-apache',
                service: 'php-apache',
                flow: 'two',
              },
            },
          ],
        }),
      );
      const incidentId = (response.json.incidentIds as number[])[0] as number;
      await settle();
      const { analysis } = (await latestAnalysis(db, incidentId)) as NonNullable<
        Awaited<ReturnType<typeof latestAnalysis>>
      >;
      const titles = analysis.proposedFixes.map((f) => f.title);
      expect(titles).toHaveLength(2);
      const plans = await Promise.all(
        [0, 1].map((fixIndex) => fixDiff(app.app.deps, { incidentId, fixIndex })),
      );
      const byTitle = Object.fromEntries(plans.map((plan, i) => [titles[i], plan.fix.generator]));
      expect(byTitle).toEqual({
        'Raise maxReplicas of HPA `php-apache`': 'k8s-hpa-max-replicas',
        'Raise the CPU limit of `php-apache` in its manifest': 'k8s-cpu-limit',
      });
      const first = await fixDiff(app.app.deps, { incidentId });
      expect(first.fix.generator).toBe(byTitle[titles[0] as string]);
    },
    SLOW,
  );
});
