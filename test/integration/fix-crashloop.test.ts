/**
 * A crash loop after a deploy gets two fixes, end to end: the team's repository has a commit that moved the
 * checkout Deployment to a new image 18 minutes before the pod started crash looping, and the pod's events say its
 * liveness probe failed. The thread shows *Roll back* first (the loop started within the change window) and *Relax
 * the liveness probe* second, each with its own *Open fix PR* button naming its generator; each click opens the
 * draft PR of exactly that fix. A button posted before the buttons named their generator (`{incidentId, fixIndex}`)
 * still opens the fix at its index. GitHub, Slack and the Kubernetes API are fakes speaking their real shapes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { latestAnalysis } from '../../src/analysis/analyze.ts';
import { createGitHubClient } from '../../src/clients/github.ts';
import type { Db } from '../../src/db/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.ts';
import { type KubeFake, startKubeFake } from '../support/kube-fake.ts';
import { addEvent, addPod } from '../support/kube-scenarios.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';
import {
  buttonClickBody,
  lastFixButtons,
  type SlackFake,
  slackSignature,
  startSlackFake,
} from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const SIGNING_SECRET = 'test-signing-secret';
const SLOW = 120_000;
const IMAGE = 'us-central1-docker.pkg.dev/google-samples/microservices-demo/checkoutservice';

interface Probe {
  grpc?: { port: number };
  timeoutSeconds?: number;
  failureThreshold?: number;
}

interface Container {
  image: string;
  livenessProbe: Probe;
  readinessProbe: Probe;
}

/** The Deployment's (first document's) only container. */
function container(manifest: string | undefined): Container {
  const [deployment] = parseAllDocuments(manifest ?? '');
  if (!deployment || !('toJS' in deployment)) throw new Error('no Deployment document');
  const object = deployment.toJS() as { spec: { template: { spec: { containers: Container[] } } } };
  return object.spec.template.spec.containers[0] as Container;
}

describe.each(testDatabases())('crash loop after a deploy → rollback and probe fix on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let github: GitHubFake;
  let slack: SlackFake;
  let kube: KubeFake;
  let dir: string;
  let app: TestApp;
  // The team's manifest (GoogleCloudPlatform/microservices-demo, a released image), then the deploy commit.
  let before = '';
  let after = '';
  const repos = { shop: `acme/shop-${database.name}`, legacy: `acme/legacy-${database.name}` };
  const changeShas: Record<string, string> = {};

  beforeAll(async () => {
    const fixture = await readFile(
      path.join(import.meta.dirname, '..', 'fixtures', 'fixes', 'kubernetes', 'checkoutservice.yaml'),
      'utf8',
    );
    before = fixture.replace('image: checkoutservice', `image: ${IMAGE}:v0.10.1`);
    after = before.replace(`${IMAGE}:v0.10.1`, `${IMAGE}:v0.10.2`);
    ({ db, dispose } = await database.create());
    github = await startGitHubFake();
    slack = await startSlackFake();
    kube = await startKubeFake();
    dir = await mkdtemp(path.join(tmpdir(), 'aiops-crashloop-'));
    const kubeconfig = await kube.writeKubeconfig(dir);
    for (const repo of Object.values(repos)) {
      github.addRepo(repo, { 'deploy/checkoutservice.yaml': before, 'README.md': '# shop\n' });
      // The deploy: 18 minutes before the alert (2026-03-01T09:58Z) the image moved to v0.10.2.
      changeShas[repo] = github.commitFiles(
        repo,
        { 'deploy/checkoutservice.yaml': after },
        { message: 'Deploy checkoutservice v0.10.2', date: '2026-03-01T09:40:00Z' },
      );
    }
    const fixes = '{ base: main, paths: { kubernetes: ["deploy/**/*.yaml"] } }';
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        GITHUB_TOKEN: 'ghs_testtoken',
        GITHUB_API_URL: github.apiUrl,
      },
      yaml: [
        'context:',
        '  kubernetes:',
        `    kubeconfig: ${JSON.stringify(kubeconfig)}`,
        'services:',
        ...Object.entries(repos).map(
          ([name, repo]) =>
            `  - name: ${name}\n    match: { service: ${name} }\n    repo: ${repo}\n    fixes: ${fixes}`,
        ),
        '',
      ].join('\n'),
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
    await kube?.close();
    await dispose?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const settle = async () => {
    for (let round = 0; round < 50; round += 1) {
      const jobs = await app.app.jobs.runOnce({ aheadMs: 10 * 60_000 });
      const sent = await app.app.poster.drain({ ignorePacing: true });
      if (jobs + sent === 0) return;
    }
  };

  /** A crash-looping checkout pod whose liveness probe fails, in the fake cluster and as an alert. */
  async function crashLoopIn(service: string, pod: string) {
    addPod(kube, {
      namespace: 'shop',
      name: pod,
      labels: { app: 'checkoutservice' },
      containers: [
        {
          name: 'server',
          image: `${IMAGE}:v0.10.2`,
          ready: false,
          restarts: 9,
          state: { waiting: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
          last: { reason: 'Error', exitCode: 2, finishedAt: '2026-03-01T09:57:40Z' },
        },
      ],
    });
    addEvent(kube, {
      namespace: 'shop',
      object: { kind: 'Pod', name: pod },
      reason: 'Unhealthy',
      message: 'Liveness probe failed: timeout: failed to connect service ":5050" within 1s',
      count: 12,
      at: '2026-03-01T09:57:30Z',
    });
    const labels = {
      alertname: 'KubePodCrashLooping',
      namespace: 'shop',
      pod,
      container: 'server',
      reason: 'CrashLoopBackOff',
      service,
    };
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({ groupKey: `{}:{service="${service}"}`, alerts: [{ labels }] }),
    );
    expect(response.status).toBe(202);
    const incidentId = (response.json.incidentIds as number[])[0] as number;
    await settle();
    return { incidentId, buttons: lastFixButtons(slack, incidentId) };
  }

  /** A signed click of `fix_open_pr:N` with this value; resolves to the private answer's text. */
  async function click(actionId: string, value: string, id: string): Promise<string> {
    const body = buttonClickBody({ actionId, value, userId: 'U0ALICE', responseUrl: slack.responseUrl(id) });
    const clicked = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SIGNING_SECRET, body, Math.floor(app.clock.now().getTime() / 1000)),
      },
      body,
    });
    expect(clicked.status).toBe(200);
    const answer = await waitFor(() => slack.responses.find((r) => r.id === id), SLOW);
    return JSON.stringify(answer.body);
  }

  it(
    'the thread shows the rollback first and the probe fix second; each click opens exactly its own draft PR',
    async () => {
      const repo = repos.shop;
      const { incidentId, buttons } = await crashLoopIn('shop', 'checkoutservice-5d54745f55-x2k4q');
      const stored = await latestAnalysis(db, incidentId);
      expect(stored?.analysis.proposedFixes.map((f) => [f.generator, f.title])).toEqual([
        ['k8s-image-rollback', 'Roll `checkoutservice` back to the image before the recent change'],
        ['k8s-probe-timeouts', 'Relax the liveness probe of `checkoutservice-5d54745f55-x2k4q`'],
      ]);
      expect(buttons.map((b) => b.text)).toEqual([
        expect.stringContaining('back to the image before the recent change'),
        expect.stringContaining('Relax the liveness probe'),
      ]);
      expect(buttons.map((b) => [b.button.action_id, JSON.parse(b.button.value)])).toEqual([
        ['fix_open_pr:0', { incidentId, fixIndex: 0, generator: 'k8s-image-rollback' }],
        ['fix_open_pr:1', { incidentId, fixIndex: 1, generator: 'k8s-probe-timeouts' }],
      ]);

      // Roll back: the draft PR puts back the tag the manifest had before the deploy commit, nothing else.
      const [rollback, probe] = buttons as [(typeof buttons)[0], (typeof buttons)[0]];
      expect(await click(rollback.button.action_id, rollback.button.value, `rb-${database.name}`)).toMatch(
        /Draft fix PR .*#1/,
      );
      const rollbackPr = github.pulls(repo).find((p) => p.number === 1);
      expect(rollbackPr).toMatchObject({
        head: `aiops/incident-${incidentId}-k8s-image-rollback`,
        draft: true,
        title: expect.stringContaining('v0.10.1'),
      });
      expect(github.changedFiles(repo, rollbackPr?.head as string)).toEqual(['deploy/checkoutservice.yaml']);
      expect(github.fileAt(repo, rollbackPr?.head as string, 'deploy/checkoutservice.yaml')).toBe(before);
      expect(rollbackPr?.body).toContain(`${IMAGE}:v0.10.2`);
      expect(rollbackPr?.body).toContain((changeShas[repo] as string).slice(0, 7));

      // The probe fix: its own branch and PR, the liveness probe relaxed on top of the deployed image.
      expect(await click(probe.button.action_id, probe.button.value, `probe-${database.name}`)).toMatch(
        /Draft fix PR .*#2/,
      );
      const probePr = github.pulls(repo).find((p) => p.number === 2);
      expect(probePr).toMatchObject({
        head: `aiops/incident-${incidentId}-k8s-probe-timeouts`,
        draft: true,
      });
      const relaxed = github.fileAt(repo, probePr?.head as string, 'deploy/checkoutservice.yaml');
      expect(container(relaxed)).toEqual({
        ...container(after),
        livenessProbe: { grpc: { port: 5050 }, timeoutSeconds: 2, failureThreshold: 5 },
      });
      // Only lines were added (the probe's two settings); none of the team's lines changed or went away.
      const lines = (relaxed ?? '').split('\n');
      expect(after.split('\n').every((line) => lines.includes(line))).toBe(true);
      expect(lines.length - after.split('\n').length).toBe(2);

      // A second click on either links its PR; still two PRs.
      expect(await click(rollback.button.action_id, rollback.button.value, `rb2-${database.name}`)).toContain(
        '#1',
      );
      expect(github.pulls(repo)).toHaveLength(2);
    },
    SLOW,
  );

  it(
    'buttons posted before they named their generator still open the fix at their index',
    async () => {
      const repo = repos.legacy;
      const { incidentId } = await crashLoopIn('legacy', 'checkoutservice-5d54745f55-lg4cy');
      // The pre-upgrade value: `{incidentId, fixIndex}` only; the stored fixes are found again by title.
      const legacy = (fixIndex: number) => JSON.stringify({ incidentId, fixIndex });
      expect(await click('fix_open_pr:1', legacy(1), `old1-${database.name}`)).toMatch(/Draft fix PR .*#1/);
      expect(github.pulls(repo)[0]?.head).toBe(`aiops/incident-${incidentId}-k8s-probe-timeouts`);
      expect(await click('fix_open_pr:0', legacy(0), `old0-${database.name}`)).toMatch(/Draft fix PR .*#2/);
      expect(github.pulls(repo)[1]?.head).toBe(`aiops/incident-${incidentId}-k8s-image-rollback`);
      expect(github.fileAt(repo, github.pulls(repo)[1]?.head as string, 'deploy/checkoutservice.yaml')).toBe(
        before,
      );
      // A button naming a generator wins over a stale index (the analysis may have been re-run and reordered).
      const named = JSON.stringify({ incidentId, fixIndex: 0, generator: 'k8s-probe-timeouts' });
      expect(await click('fix_open_pr:0', named, `named-${database.name}`)).toContain('#1');
      expect(github.pulls(repo)).toHaveLength(2);
      // A generator that serves none of the incident's signatures is refused with a reason; nothing opened.
      const foreign = JSON.stringify({ incidentId, fixIndex: 0, generator: 'k8s-hpa-max-replicas' });
      expect(await click('fix_open_pr:0', foreign, `foreign-${database.name}`)).toMatch(
        /no longer fits the alerts/,
      );
      expect(github.pulls(repo)).toHaveLength(2);
    },
    SLOW,
  );
});
