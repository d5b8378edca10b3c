/**
 * A bad rollout → the image before the change, end to end: the team's repository has a commit that moved the
 * Deployment's image to a tag that cannot be pulled; an ImagePullBackOff alert comes in; the analysis (its GitHub
 * change context saw the commit) proposes the rollback; the click reads the manifest's history through the GitHub
 * API (commits list for the path, contents at the parent) and opens a draft PR that puts the previous tag back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  lastFixButtons,
  type SlackFake,
  slackSignature,
  startSlackFake,
} from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const MYSQL = readFileSync(
  path.join(import.meta.dirname, '..', 'fixtures', 'fixes', 'kubernetes', 'mysql-deployment.yaml'),
  'utf8',
);
const BROKEN = MYSQL.replace('image: mysql:8.0', 'image: mysql:8.4.99-typo');
const SIGNING_SECRET = 'test-signing-secret';
const SLOW = 120_000;

const PULL_BACKOFF = {
  alertname: 'KubePodImagePullBackOff',
  namespace: 'default',
  pod: 'wordpress-mysql-6c9f8d7b5c-x2k4q',
  container: 'mysql',
  deployment: 'wordpress-mysql',
  reason: 'ImagePullBackOff',
  service: 'wordpress',
};

describe.each(testDatabases())('bad rollout → previous image tag on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let github: GitHubFake;
  let slack: SlackFake;
  let app: TestApp;
  const repo = `acme/wordpress-${database.name}`;
  const quiet = `acme/quiet-${database.name}`;
  let changeSha = '';

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    github = await startGitHubFake();
    slack = await startSlackFake();
    github.addRepo(repo, { 'deploy/mysql.yaml': MYSQL, 'README.md': '# wordpress\n' });
    // The change: 18 minutes before the alert (2026-03-01T09:58Z), the image moved to a tag that does not exist.
    changeSha = github.commitFiles(
      repo,
      { 'deploy/mysql.yaml': BROKEN },
      { message: 'Bump mysql to 8.4.99-typo', date: '2026-03-01T09:40:00Z' },
    );
    // A later commit that does not touch the manifest: the history is read per file, not per branch.
    github.commitFiles(
      repo,
      { 'README.md': '# wordpress\n\nDocs.\n' },
      {
        message: 'Docs',
        date: '2026-03-01T09:45:00Z',
      },
    );
    // A repository where nothing changed lately: no rollback is proposed.
    github.addRepo(quiet, { 'deploy/mysql.yaml': BROKEN });
    const fixes = '{ base: main, paths: { kubernetes: ["deploy/**/*.yaml"] } }';
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        GITHUB_TOKEN: 'ghs_testtoken',
        GITHUB_API_URL: github.apiUrl,
      },
      yaml: `services:\n  - name: wordpress\n    match: { service: wordpress }\n    repo: ${repo}\n    fixes: ${fixes}\n  - name: quiet\n    match: { service: quiet }\n    repo: ${quiet}\n    fixes: ${fixes}\n`,
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
    await dispose?.();
  });

  const settle = async () => {
    for (let round = 0; round < 50; round += 1) {
      const jobs = await app.app.jobs.runOnce({ aheadMs: 10 * 60_000 });
      const sent = await app.app.poster.drain({ ignorePacing: true });
      if (jobs + sent === 0) return;
    }
  };

  /** Posts the alert, settles, returns the incident and the Open fix PR buttons the thread last showed for it. */
  async function alertIn(labels: Record<string, string>) {
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({ groupKey: `{}:{service="${labels.service}"}`, alerts: [{ labels }] }),
    );
    expect(response.status).toBe(202);
    const incidentId = (response.json.incidentIds as number[])[0] as number;
    await settle();
    return { incidentId, buttons: lastFixButtons(slack, incidentId) };
  }

  it(
    'a deploy change + ImagePullBackOff → Roll back → click → draft PR with the tag before the change',
    async () => {
      const { incidentId, buttons } = await alertIn(PULL_BACKOFF);
      const stored = await latestAnalysis(db, incidentId);
      expect(stored?.analysis.proposedFixes.map((f) => f.title)).toContain(
        'Roll `wordpress-mysql` back to the image before the recent change',
      );
      const rollback = buttons.find((b) => b.text.includes('back to the image before the recent change'));
      expect(rollback).toBeDefined();

      const body = buttonClickBody({
        actionId: rollback?.button.action_id as string,
        value: rollback?.button.value as string,
        userId: 'U0ALICE',
        responseUrl: slack.responseUrl(`rollback-${database.name}`),
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
      const answer = await waitFor(
        () => slack.responses.find((r) => r.id === `rollback-${database.name}`),
        SLOW,
      );
      expect(JSON.stringify(answer.body)).toMatch(/Draft fix PR .*#1/);

      const [pull] = github.pulls(repo);
      expect(pull).toMatchObject({
        head: `aiops/incident-${incidentId}-k8s-image-rollback`,
        draft: true,
        title: expect.stringContaining('8.0'),
      });
      expect(github.changedFiles(repo, pull?.head as string)).toEqual(['deploy/mysql.yaml']);
      // Exactly the image line goes back to what it was before the change; the rest of the file is untouched.
      expect(github.fileAt(repo, pull?.head as string, 'deploy/mysql.yaml')).toBe(MYSQL);
      expect(pull?.body).toContain('mysql:8.4.99-typo');
      expect(pull?.body).toContain(changeSha.slice(0, 7));
      // The history came from the GitHub API: the commits that touched the manifest, then its content at the parent.
      const listed = github.callsOf('GET', /\/repos\/acme\/wordpress-[^/]+\/commits$/);
      expect(listed.some((c) => c.query.get('path') === 'deploy/mysql.yaml')).toBe(true);
      expect(github.callsOf('GET', /\/contents\/deploy\/mysql\.yaml$/)).toHaveLength(1);
    },
    SLOW,
  );

  it('no recent change in the context → no rollback proposed; a forced click says there is no previous image', async () => {
    const { incidentId } = await alertIn({
      ...PULL_BACKOFF,
      service: 'quiet',
      pod: 'wordpress-mysql-6c9f8d7b5c-zzzzz',
    });
    const stored = await latestAnalysis(db, incidentId);
    expect(stored?.analysis.proposedFixes.map((f) => f.title).join('\n')).not.toMatch(
      /before the recent change/,
    );
    // `aiops fix` takes the incident's first generator-served signature: one commit only, so no "before".
    await expect(fixDiff(app.app.deps, { incidentId })).rejects.toThrow(/no previous image/);
  });
});
