/**
 * Fix PRs against a local fake of GitHub's REST API (real response shapes) and a real database: the draft PR
 * (branch, one commit, labels, body), idempotency and a concurrent double click, 403 / 422 / secondary rate
 * limit, GitHub Enterprise's base URL, the diff without a token (anonymous read, local checkout), bad input
 * (unmapped service, missing file, file that does not parse), and the PR's fate through the webhook and the poll.
 */
import { createHmac, createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { analyzeIncident } from '../../src/analysis/analyze.ts';
import { createGitHubClient, type GitHubClient, gitHubAppFromEnv } from '../../src/clients/github.ts';
import { ManualClock } from '../../src/clock.ts';
import { type Config, configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { parseQuantity } from '../../src/fixes/quantity.ts';
import {
  type FixDeps,
  fixPrPollJob,
  openFixPr,
  planFix,
  pollFixPrs,
  recordPrEvent,
} from '../../src/incidents/fixes.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { startTestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { fixesYaml, MANIFEST, oomBody } from '../support/fix-fixtures.ts';
import { forbidden, type GitHubFake, secondaryRateLimit, startGitHubFake } from '../support/github-fake.ts';
import { post } from '../support/payloads.ts';
import {
  buttonClickBody,
  type SlackFake,
  slackSignature,
  slashCommandBody,
  startSlackFake,
} from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const REPO_FILES = {
  'deploy/checkout.yaml': MANIFEST,
  'deploy/README.md': 'not a manifest',
  'src/main.go': 'package main',
};

function containerLimit(yamlText: string, container: string): string | undefined {
  const doc = parseYaml(yamlText.split('\n---\n')[0] as string) as {
    spec: {
      template: { spec: { containers: { name: string; resources: { limits: { memory: string } } }[] } };
    };
  };
  return doc.spec.template.spec.containers.find((c) => c.name === container)?.resources.limits.memory;
}

describe.each(testDatabases())('fix PRs on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let github: GitHubFake;
  let ghes: GitHubFake;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  let counter = 0;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    github = await startGitHubFake();
    ghes = await startGitHubFake({ prefix: '/api/v3' });
  });
  afterAll(async () => {
    await github?.close();
    await ghes?.close();
    await dispose?.();
  });

  const client = (fake: GitHubFake, token = 'ghs_testtoken'): GitHubClient =>
    createGitHubClient({ token, baseUrl: fake.apiUrl, paceWrites: false, retries: 0 });

  /** A repository of its own, a config mapping checkout to it, an OOMKilled incident with its analysis. */
  async function setup(
    options: {
      fake?: GitHubFake;
      files?: Record<string, string>;
      yaml?: string;
      yamlFor?: (repo: string) => string;
      token?: boolean;
    } = {},
  ) {
    counter += 1;
    const fake = options.fake ?? github;
    const repo = `acme/checkout-${counter}`;
    fake.addRepo(repo, options.files ?? REPO_FILES);
    const config: Config = configFrom(
      { GITHUB_API_URL: fake.apiUrl, ...(options.token === false ? {} : { GITHUB_TOKEN: 'ghs_testtoken' }) },
      options.yaml ?? (options.yamlFor ?? fixesYaml)(repo),
    );
    const deps: FixDeps = {
      db,
      clock,
      config,
      github: options.token === false ? null : client(fake),
      paceGitHubWrites: false,
    };
    const result = await ingestDelivery(deps, {
      source: 'alertmanager',
      rawBody: JSON.stringify(oomBody(`{}:{flow="${counter}"}`)),
    });
    const incidentId = result.incidentIds[0] as number;
    await analyzeIncident(deps, incidentId);
    return { deps, repo, incidentId, fake };
  }

  const request = (incidentId: number, actor = '<@U0ALICE>') => ({
    incidentId,
    actor,
    requestId: `req-${incidentId}`,
  });

  async function fixError(work: Promise<unknown>): Promise<AiopsError> {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AiopsError);
    expect((error as AiopsError).code).toBe(ErrorCode.FixUnavailable);
    return error as AiopsError;
  }

  it('opens one draft PR: a branch, one commit raising exactly that container’s limit, labels, a reviewable body', async () => {
    const { deps, repo, incidentId } = await setup();
    const outcome = await openFixPr(deps, request(incidentId));
    expect(outcome).toMatchObject({ kind: 'opened', number: 1, repo, reused: false, draft: true });

    const [pull] = github.pulls(repo);
    const branch = `aiops/incident-${incidentId}-k8s-memory-limit`;
    expect(pull).toMatchObject({
      head: branch,
      base: 'main',
      draft: true,
      labels: ['aiops', 'aiops:kubernetes'],
    });
    expect(github.changedFiles(repo, branch)).toEqual(['deploy/checkout.yaml']);
    const after = github.fileAt(repo, branch, 'deploy/checkout.yaml') as string;
    expect(containerLimit(after, 'log-shipper')).toBe('128Mi');
    const raised = containerLimit(after, 'checkout') as string;
    expect(parseQuantity(raised)).toBeGreaterThan(parseQuantity('512Mi') as number);
    // Exactly one line differs: comments, order and the other documents are kept.
    const changed = after.split('\n').filter((line, i) => line !== MANIFEST.split('\n')[i]);
    expect(changed).toEqual([`              memory: ${raised}`]);
    expect(github.fileAt(repo, 'main', 'deploy/checkout.yaml')).toBe(MANIFEST);

    // One commit on top of main, through the Git Data API.
    expect(github.callsOf('POST', /\/git\/commits$/)).toHaveLength(1);
    const commit = github.callsOf('POST', /\/git\/commits$/)[0];
    expect(commit?.authorization).toBe('token ghs_testtoken');

    const body = pull?.body ?? '';
    for (const heading of ['### Cause', '### What changed and why', '### Validation', '### How to roll back'])
      expect(body).toContain(heading);
    expect(body).toContain(`incident **#${incidentId}**`);
    expect(body).toContain('`deploy/checkout.yaml`');
    expect(body).toMatch(/✅ kubernetes schema/);
    expect(body).toContain('Slack user `U0ALICE`');
    expect(pull?.title).toContain(`(incident #${incidentId})`);

    // The thread is told: a fix_pr event and a Slack sync job.
    const events = await db.query<{ actor: string; detail: { status: string; number: number } }>(
      "SELECT actor, detail FROM incident_events WHERE incident_id = $1 AND kind = 'fix_pr'",
      [incidentId],
    );
    expect(events.rows).toEqual([
      { actor: '<@U0ALICE>', detail: expect.objectContaining({ status: 'opened', number: 1 }) },
    ]);
  });

  it('is idempotent: a second click links the PR, a lost row finds the open PR of the branch', async () => {
    const { deps, repo, incidentId } = await setup();
    const first = await openFixPr(deps, request(incidentId));
    const creates = () => github.callsOf('POST', new RegExp(`/repos/${repo}/pulls$`)).length;
    expect(creates()).toBe(1);
    const second = await openFixPr(deps, request(incidentId, '<@U0BOB>'));
    expect(second).toMatchObject({ kind: 'existing', number: 1, status: 'open' });
    expect(creates()).toBe(1);

    // A crash after GitHub opened the PR but before the row was updated: the next click reuses the PR.
    await db.query(
      `UPDATE fix_prs SET status = 'failed', pr_number = NULL, pr_url = NULL WHERE incident_id = $1`,
      [incidentId],
    );
    const third = await openFixPr(deps, request(incidentId));
    expect(third).toMatchObject({ kind: 'opened', number: 1, reused: true });
    expect(first).toMatchObject({ kind: 'opened', number: 1 });
    expect(creates()).toBe(1);
    expect(github.pulls(repo)).toHaveLength(1);
  });

  it('a concurrent double click opens one PR', async () => {
    const { deps, repo, incidentId } = await setup();
    const outcomes = await Promise.all([
      openFixPr(deps, request(incidentId, '<@U0ALICE>')),
      openFixPr(deps, request(incidentId, '<@U0BOB>')),
    ]);
    expect(github.pulls(repo)).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'opened')).toHaveLength(1);
    const other = outcomes.find((o) => o.kind !== 'opened');
    expect(['in-progress', 'existing']).toContain(other?.kind);
  });

  it('403: a clear message, nothing opened, and the next click retries', async () => {
    const { deps, repo, incidentId } = await setup();
    github.failNext('POST', new RegExp(`/repos/${repo}/git/trees$`), forbidden());
    const error = await fixError(openFixPr(deps, request(incidentId)));
    expect(error.message).toMatch(
      /refused access to acme\/checkout-\d+ \(403\).*Resource not accessible by integration/,
    );
    expect(error.message).not.toContain('ghs_testtoken');
    expect(github.pulls(repo)).toHaveLength(0);
    const row = await db.query<{ status: string }>('SELECT status FROM fix_prs WHERE incident_id = $1', [
      incidentId,
    ]);
    expect(row.rows).toEqual([{ status: 'failed' }]);
    expect(await openFixPr(deps, request(incidentId))).toMatchObject({ kind: 'opened', number: 1 });
  });

  it('422 on the pull request: GitHub’s words in the message, and the branch is moved on retry', async () => {
    const { deps, repo, incidentId } = await setup();
    github.failNext('POST', new RegExp(`/repos/${repo}/pulls$`), {
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid', message: 'base is protected' }],
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        status: '422',
      },
    });
    const error = await fixError(openFixPr(deps, request(incidentId)));
    expect(error.message).toContain('(422): Validation Failed; base is protected');
    expect(github.pulls(repo)).toHaveLength(0);
    // The branch exists from the failed attempt: the retry moves it (422 Reference already exists → update).
    expect(await openFixPr(deps, request(incidentId))).toMatchObject({ kind: 'opened', number: 1 });
    expect(github.callsOf('PATCH', new RegExp(`/repos/${repo}/git/refs/heads/aiops/`))).toHaveLength(1);
  });

  it('waits out a secondary rate limit and retries once', async () => {
    const { deps, repo, incidentId } = await setup();
    github.failNext('POST', new RegExp(`/repos/${repo}/pulls$`), secondaryRateLimit(1));
    expect(await openFixPr(deps, request(incidentId))).toMatchObject({ kind: 'opened', number: 1 });
    expect(github.callsOf('POST', new RegExp(`/repos/${repo}/pulls$`))).toHaveLength(2);
    expect(github.pulls(repo)).toHaveLength(1);
  });

  it('authenticates as a GitHub App installation (GITHUB_APP_*)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const { deps, repo, incidentId } = await setup();
    const app = gitHubAppFromEnv({
      GITHUB_APP_ID: '12345',
      GITHUB_APP_PRIVATE_KEY: pem.replaceAll('\n', '\\n'), // as pasted into one env line
      GITHUB_APP_INSTALLATION_ID: '777',
    });
    const appClient = createGitHubClient({ app, baseUrl: github.apiUrl, paceWrites: false, retries: 0 });
    expect(await openFixPr({ ...deps, github: appClient }, request(incidentId))).toMatchObject({
      kind: 'opened',
    });
    const [mint] = github.callsOf('POST', /^\/app\/installations\/777\/access_tokens$/);
    const jwt = (mint?.authorization ?? '').replace(/^bearer /i, '');
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString()).iss).toBe('12345');
    expect(
      createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, signature, 'base64url'),
    ).toBe(true);
    const writes = github.calls.filter((c) => c.path.startsWith(`/repos/${repo}/`) && c.method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((c) => c.authorization === 'token ghs_installation777')).toBe(true);
  });

  it('works against GitHub Enterprise Server’s base URL (/api/v3)', async () => {
    const { deps, repo, incidentId } = await setup({ fake: ghes });
    expect(await openFixPr(deps, request(incidentId))).toMatchObject({ kind: 'opened', number: 1 });
    expect(ghes.pulls(repo)).toHaveLength(1);
    expect(ghes.calls.every((call) => call.path.startsWith('/repos/'))).toBe(true);
  });

  it('without a token: the files come from an anonymous read and the fix is a diff, nothing opened', async () => {
    const { deps, repo, incidentId } = await setup({ token: false });
    const outcome = await openFixPr(deps, request(incidentId));
    expect(outcome.kind).toBe('diff');
    if (outcome.kind !== 'diff') return;
    expect(outcome.reason).toMatch(/no GITHUB_TOKEN/);
    expect(outcome.plan.diff).toContain('--- a/deploy/checkout.yaml');
    expect(outcome.plan.diff).toMatch(/^-\s+memory: 512Mi$/m);
    expect(github.pulls(repo)).toHaveLength(0);
    const reads = github.calls.filter((c) => c.path.startsWith(`/repos/${repo}/`));
    expect(reads.every((c) => c.method === 'GET' && c.authorization === null)).toBe(true);
  });

  it('without a token: a local checkout named by fixes.localPath is read instead', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aiops-checkout-'));
    mkdirSync(path.join(dir, 'deploy'));
    writeFileSync(path.join(dir, 'deploy', 'checkout.yaml'), MANIFEST);
    writeFileSync(path.join(dir, 'outside.yaml'), MANIFEST);
    const { deps, incidentId } = await setup({
      token: false,
      yaml: `services:\n  - name: checkout\n    fixes:\n      paths: { kubernetes: ["deploy/*.yaml"] }\n      localPath: ${JSON.stringify(dir)}\n`,
    });
    const outcome = await openFixPr(deps, request(incidentId));
    expect(outcome.kind).toBe('diff');
    if (outcome.kind !== 'diff') return;
    expect(outcome.plan.read.source).toBe(`local checkout ${dir}`);
    expect(outcome.plan.fix.edits.map((e) => e.path)).toEqual(['deploy/checkout.yaml']);
  });

  describe('bad input: a clear message, nothing opened', () => {
    it('an unmapped service', async () => {
      const { deps, repo, incidentId } = await setup({
        yaml: 'services:\n  - name: payments\n    repo: acme/payments\n',
      });
      const before = github.calls.length;
      const error = await fixError(openFixPr(deps, request(incidentId)));
      expect(error.message).toMatch(/service `checkout` has no `fixes` mapping in aiops\.yml/);
      expect(github.calls.length).toBe(before);
      expect(github.pulls(repo)).toHaveLength(0);
      const rows = await db.query('SELECT 1 FROM fix_prs WHERE incident_id = $1', [incidentId]);
      expect(rows.rows).toHaveLength(0);
    });

    it('no file under the mapped globs', async () => {
      const { deps, repo, incidentId } = await setup({ files: { 'k8s/checkout.yaml': MANIFEST } });
      const error = await fixError(openFixPr(deps, request(incidentId)));
      expect(error.message).toMatch(
        /no file under the mapped paths of `checkout` in acme\/checkout-\d+@main/,
      );
      expect(github.pulls(repo)).toHaveLength(0);
    });

    it('a missing base branch', async () => {
      const { deps, repo, incidentId } = await setup({
        yamlFor: (name) => fixesYaml(name).replace('base: main', 'base: release'),
      });
      const error = await fixError(openFixPr(deps, request(incidentId)));
      expect(error.message).toMatch(/could not read the files of acme\/checkout-\d+: .*404/);
      expect(github.pulls(repo)).toHaveLength(0);
    });

    it('a manifest that does not parse', async () => {
      const { deps, repo, incidentId } = await setup({
        files: {
          'deploy/checkout.yaml':
            'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: checkout\n  spec: [',
        },
      });
      const error = await fixError(openFixPr(deps, request(incidentId)));
      expect(error.message).toMatch(/no fix for incident #\d+: .*deploy\/checkout\.yaml/);
      expect(github.pulls(repo)).toHaveLength(0);
      expect(github.callsOf('POST', new RegExp(`/repos/${repo}/`))).toHaveLength(0);
    });
  });

  it('the PR’s fate: merged is recorded once (a replay tells nothing), the poll sees what the webhook missed', async () => {
    const { deps, repo, incidentId } = await setup();
    await openFixPr(deps, request(incidentId));
    github.setPull(repo, 1, { requested_reviewers: ['carol'] });
    expect(await pollFixPrs(deps)).toBe(1);
    expect(await pollFixPrs(deps)).toBe(0);
    github.setPull(repo, 1, { state: 'closed', merged: true, merged_by: 'dave' });
    expect(await pollFixPrs(deps)).toBe(1);
    expect(await recordPrEvent(deps, { repo, number: 1, status: 'merged', by: 'dave' })).toBe(false);
    const events = await db.query<{ actor: string | null; detail: { status: string } }>(
      "SELECT actor, detail FROM incident_events WHERE incident_id = $1 AND kind = 'fix_pr' ORDER BY id",
      [incidentId],
    );
    expect(events.rows.map((e) => [e.detail.status, e.actor])).toEqual([
      ['opened', '<@U0ALICE>'],
      ['review_requested', 'carol (GitHub)'],
      ['merged', 'dave (GitHub)'],
    ]);
    const row = await db.query<{ status: string; state_actor: string }>(
      'SELECT status, state_actor FROM fix_prs WHERE incident_id = $1',
      [incidentId],
    );
    expect(row.rows).toEqual([{ status: 'merged', state_actor: 'dave' }]);
  });

  it('the poll runs as a scheduled job only without a webhook secret', async () => {
    const { deps, repo, incidentId } = await setup();
    await openFixPr(deps, request(incidentId));
    github.setPull(repo, 1, { state: 'closed', merged: false });
    const job = fixPrPollJob(deps);
    expect(job).toMatchObject({ name: 'fix-pr-poll', schedule: '*/5 * * * *' });
    expect(await job?.run(clock.now())).toEqual({ changed: 1 });
    const withSecret = { ...deps, config: configFrom({ GITHUB_WEBHOOK_SECRET: 's' }) };
    expect(fixPrPollJob(withSecret)).toBeNull();
    expect(fixPrPollJob({ ...deps, github: null })).toBeNull();
  });

  it('plans the same fix for `aiops fix` (diff) as the PR holds', async () => {
    const { deps, repo, incidentId } = await setup();
    const plan = await planFix(deps, { incidentId });
    await openFixPr(deps, request(incidentId));
    const branch = `aiops/incident-${incidentId}-k8s-memory-limit`;
    expect(github.fileAt(repo, branch, 'deploy/checkout.yaml')).toBe(plan.fix.edits[0]?.after);
  });

  describe('POST /webhooks/github', () => {
    const SECRET = 'gh-webhook-secret';
    const sign = (body: string, secret = SECRET) =>
      `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

    it('401 unsigned or forged, 400 bad JSON, 202 for a PR we did not open', async () => {
      const app = await startTestApp(db, { env: { GITHUB_WEBHOOK_SECRET: SECRET } });
      try {
        const send = (body: string, headers: Record<string, string>) =>
          fetch(`${app.url}/webhooks/github`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', ...headers },
            body,
          });
        const payload = JSON.stringify({
          action: 'closed',
          pull_request: { number: 999, merged: true, merged_by: { login: 'mallory' } },
          repository: { full_name: 'acme/checkout' },
          sender: { login: 'mallory' },
        });
        expect((await send(payload, {})).status).toBe(401);
        expect((await send(payload, { 'x-hub-signature-256': sign(payload, 'wrong') })).status).toBe(401);
        expect((await send(payload, { 'x-hub-signature-256': 'sha256=zz' })).status).toBe(401);
        expect((await send('{nope', { 'x-hub-signature-256': sign('{nope') })).status).toBe(400);
        const ok = await send(payload, { 'x-hub-signature-256': sign(payload) });
        expect(ok.status).toBe(202);
        expect(await ok.json()).toEqual({ recorded: false });
      } finally {
        await app.close();
      }
    });

    it('401 when no secret is configured (state is polled instead)', async () => {
      const app = await startTestApp(db, {});
      try {
        const response = await fetch(`${app.url}/webhooks/github`, {
          method: 'POST',
          headers: { 'x-github-event': 'ping', 'x-hub-signature-256': sign('{}') },
          body: '{}',
        });
        expect(response.status).toBe(401);
      } finally {
        await app.close();
      }
    });
  });

  describe('end to end: OOMKilled → thread → Open fix PR → draft PR → merged webhook → thread', () => {
    const SIGNING_SECRET = 'test-signing-secret';
    const WEBHOOK_SECRET = 'gh-webhook-secret';
    let slack: SlackFake;
    // A database of its own: the incidents above are open with the same labels, and would absorb this alert.
    let e2eDb: Db;
    let e2eDispose: () => Promise<void>;

    beforeAll(async () => {
      slack = await startSlackFake();
      ({ db: e2eDb, dispose: e2eDispose } = await database.create());
    });
    afterAll(async () => {
      await slack?.close();
      await e2eDispose?.();
    });

    it('opens the draft PR from a signed click and tells the merge in the thread', async () => {
      counter += 1;
      const repo = `acme/checkout-${counter}`;
      github.addRepo(repo, REPO_FILES);
      const app = await startTestApp(e2eDb, {
        env: {
          SLACK_BOT_TOKEN: 'xoxb-test-token',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          GITHUB_TOKEN: 'ghs_testtoken',
          GITHUB_API_URL: github.apiUrl,
          GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
        yaml: fixesYaml(repo),
        github: client(github),
      });
      const settle = async () => {
        for (let round = 0; round < 50; round += 1) {
          const jobs = await app.app.jobs.runOnce({ aheadMs: 10 * 60_000 });
          const sent = await app.app.poster.drain({ ignorePacing: true });
          if (jobs + sent === 0) return;
        }
      };
      try {
        const response = await post(
          `${app.url}/webhooks/alertmanager`,
          oomBody(`{}:{flow="e2e-${counter}"}`),
        );
        expect(response.status).toBe(202);
        const incidentId = (response.json.incidentIds as number[])[0] as number;
        await settle();

        // The analysis reply carries the Open fix PR button for the proposed memory-limit fix.
        const button = slack
          .callsOf('chat.postMessage')
          .flatMap(
            (call) => (call.body.blocks ?? []) as { accessory?: { action_id?: string; value?: string } }[],
          )
          .map((block) => block.accessory)
          .find((accessory) => accessory?.action_id?.startsWith('fix_open_pr:'));
        expect(button).toBeDefined();

        const click = buttonClickBody({
          actionId: button?.action_id as string,
          value: button?.value as string,
          userId: 'U0ALICE',
          responseUrl: slack.responseUrl('fix'),
        });
        const clicked = await fetch(`${app.url}/slack/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...slackSignature(SIGNING_SECRET, click, Math.floor(app.clock.now().getTime() / 1000)),
          },
          body: click,
        });
        expect(clicked.status).toBe(200);
        const answer = await waitFor(() => slack.responses.find((r) => r.id === 'fix'));
        expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#1/);

        const [pull] = github.pulls(repo);
        expect(pull).toMatchObject({ draft: true, head: `aiops/incident-${incidentId}-k8s-memory-limit` });
        const after = github.fileAt(repo, pull?.head as string, 'deploy/checkout.yaml') as string;
        expect(containerLimit(after, 'log-shipper')).toBe('128Mi');
        expect(parseQuantity(containerLimit(after, 'checkout') as string)).toBeGreaterThan(
          parseQuantity('512Mi') as number,
        );
        await settle();
        const opened = slack.callsOf('chat.postMessage').at(-1);
        expect(JSON.stringify(opened?.body)).toMatch(
          /Draft fix PR .*#1.* opened at the request of <@U0ALICE>/,
        );

        // GitHub tells the merge, signed.
        const merged = JSON.stringify({
          action: 'closed',
          number: 1,
          pull_request: {
            number: 1,
            state: 'closed',
            merged: true,
            merged_by: { login: 'dave' },
            draft: false,
          },
          repository: { full_name: repo },
          sender: { login: 'dave' },
        });
        const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(merged).digest('hex')}`;
        const delivered = await fetch(`${app.url}/webhooks/github`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'pull_request',
            'x-github-delivery': 'd-1',
            'x-hub-signature-256': signature,
          },
          body: merged,
        });
        expect(delivered.status).toBe(202);
        expect(await delivered.json()).toEqual({ recorded: true });
        await settle();
        const told = slack.callsOf('chat.postMessage').at(-1);
        expect(JSON.stringify(told?.body)).toMatch(/Fix PR .*#1.* merged by \*dave \(GitHub\)\*/);
        expect(told?.body.thread_ts).toBeDefined();

        const api = await fetch(`${app.url}/api/incidents/${incidentId}`);
        const detail = (await api.json()) as {
          fixPrs: { status: string; number: number; stateActor: string }[];
        };
        expect(detail.fixPrs).toEqual([
          expect.objectContaining({
            status: 'merged',
            number: 1,
            stateActor: 'dave',
            requestedBy: '<@U0ALICE>',
          }),
        ]);

        // A replayed delivery changes nothing.
        const before = slack.calls.length;
        const again = await fetch(`${app.url}/webhooks/github`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'pull_request',
            'x-hub-signature-256': signature,
          },
          body: merged,
        });
        expect(await again.json()).toEqual({ recorded: false });
        await settle();
        expect(slack.calls.length).toBe(before);

        // `/aiops fix` names the incident's PR instead of opening another.
        const command = slashCommandBody({
          text: `fix ${incidentId}`,
          responseUrl: slack.responseUrl('slash-fix'),
        });
        await fetch(`${app.url}/slack/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...slackSignature(SIGNING_SECRET, command, Math.floor(app.clock.now().getTime() / 1000)),
          },
          body: command,
        });
        const slashAnswer = await waitFor(() => slack.responses.find((r) => r.id === 'slash-fix'));
        expect(JSON.stringify(slashAnswer.body)).toMatch(/This fix already has a PR: .*#1.* \(merged\)/);
        expect(github.pulls(repo)).toHaveLength(1);
      } finally {
        await app.close();
      }
    });
  });
});
