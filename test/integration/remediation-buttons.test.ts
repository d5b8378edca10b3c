/**
 * The remediation buttons through POST /slack/events (signed as Slack signs), on one app instance: the
 * private answers (dry run, refusal with its reason, a replayed click), Reject editing the action's message,
 * approvers named as a Slack user group, and `/aiops audit`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { getRemediation, proposeRemediations } from '../../src/incidents/remediation.ts';
import { createExecutors } from '../../src/remediation/executors/index.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { syncIncidentThread } from '../../src/slack/thread.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';
import {
  buttonClickBody,
  type SlackFake,
  slackSignature,
  slashCommandBody,
  startSlackFake,
} from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const SECRET = 'test-signing-secret';

describe.each(testDatabases())('remediation buttons on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let app: TestApp;
  let incidentId: number;
  let analysisId: number;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    slack = await startSlackFake();
    slack.userGroups.set('sre', ['U0CAROL']);
    app = await startTestApp(db, {
      env: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl },
      yaml: `
services:
  - name: checkout
    approvers: [U0ALICE, "@sre"]
remediation:
  enabled: true
  risk: { http-job: medium }
  http: { jobs: { restart-web: { url: "http://127.0.0.1:9/launch" } } }
`,
      executors: [
        ...createExecutors(
          { http: { jobs: { 'restart-web': { url: 'http://127.0.0.1:9/launch', auth: 'none' } } } },
          { clock: { now: () => new Date() }, env: {} },
        ).all,
      ],
    });
    const opened = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({
        groupKey: '{}:{alertname="HighErrorRate"}',
        alerts: [{ labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' } }],
      }),
    );
    incidentId = (opened.json.incidentIds as number[])[0] as number;
    await syncIncidentThread({ db, clock: app.clock }, incidentId);
    const analysis = await db.query<{ id: number }>(
      `INSERT INTO incident_analyses (incident_id, created_at, analyzer, analysis) VALUES ($1, $2, 'offline', '{}')
       RETURNING id`,
      [incidentId, app.clock.now()],
    );
    analysisId = Number(analysis.rows[0]?.id);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await dispose?.();
  });

  async function propose(): Promise<number> {
    await db.query(`UPDATE remediation_actions SET status = 'rejected' WHERE status = 'proposed'`);
    const [view] = await db.transaction((tx) =>
      proposeRemediations(tx, app.app.deps.config, app.clock.now(), {
        incidentId,
        analysisId,
        service: 'checkout',
        actions: [{ kind: 'http-job', job: 'restart-web' }],
      }),
    );
    return view?.id as number;
  }

  let clickNo = 0;
  async function click(actionId: string, remediationId: number, userId: string, actionTs?: string) {
    clickNo += 1;
    const id = `r${clickNo}`;
    const body = buttonClickBody({
      actionId,
      value: JSON.stringify({ remediationId }),
      userId,
      actionTs: actionTs ?? `1700000000.${String(clickNo).padStart(6, '0')}`,
      responseUrl: slack.responseUrl(id),
    });
    const response = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SECRET, body, Math.floor(app.clock.now().getTime() / 1000)),
      },
      body,
    });
    expect(response.status).toBe(200);
    return id;
  }
  const answer = (id: string) => waitFor(() => slack.responses.find((r) => r.id === id), 10_000);
  const statusBecomes = (remediationId: number, status: string) =>
    waitFor(async () => (await getRemediation(db, remediationId))?.status === status, 10_000);

  it('Dry run answers privately with what would be sent; nothing runs', async () => {
    const id = await propose();
    const reply = await answer(await click(ACTION_IDS.remediationDryRun, id, 'U0ALICE'));
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(reply.body)).toContain('Dry run of action');
    expect(JSON.stringify(reply.body)).toContain('nothing was sent');
    expect((await getRemediation(db, id))?.status).toBe('proposed');
  });

  it('refuses someone not allowed with the reason; an approver named as a user group may reject', async () => {
    const id = await propose();
    const refused = await answer(await click(ACTION_IDS.remediationReject, id, 'U0MALLORY'));
    expect(JSON.stringify(refused.body)).toContain('Not allowed');
    expect((await getRemediation(db, id))?.status).toBe('proposed');
    await click(ACTION_IDS.remediationReject, id, 'U0CAROL');
    await statusBecomes(id, 'rejected');
    expect(slack.callsOf('usergroups.users.list').length).toBeGreaterThanOrEqual(1);
  });

  it('a replayed click (same action_ts) changes nothing', async () => {
    const id = await propose();
    await click(ACTION_IDS.remediationReject, id, 'U0ALICE', '1700000001.000001');
    await statusBecomes(id, 'rejected');
    const replay = await answer(
      await click(ACTION_IDS.remediationReject, id, 'U0ALICE', '1700000001.000001'),
    );
    expect(JSON.stringify(replay.body)).toMatch(/already handled/);
    const rejects = await db.query(`SELECT 1 FROM audit_log WHERE remediation_id = $1 AND event = 'reject'`, [
      id,
    ]);
    expect(rejects.rowCount).toBe(1);
  });

  it('answers a forged button value without touching anything', async () => {
    const body = buttonClickBody({
      actionId: ACTION_IDS.remediationApprove,
      value: '{"remediationId":"1 OR 1=1"}',
      userId: 'U0ALICE',
      responseUrl: slack.responseUrl('forged'),
    });
    await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SECRET, body, Math.floor(app.clock.now().getTime() / 1000)),
      },
      body,
    });
    expect(JSON.stringify((await answer('forged')).body)).toContain('not valid any more');
  });

  it('/aiops audit lists the newest entries of an incident privately', async () => {
    const body = slashCommandBody({ text: `audit ${incidentId}`, responseUrl: slack.responseUrl('audit') });
    const response = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SECRET, body, Math.floor(app.clock.now().getTime() / 1000)),
      },
      body,
    });
    expect(response.status).toBe(200);
    const reply = await answer('audit');
    const text = JSON.stringify(reply.body);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral' });
    expect(text).toContain(`incident #${incidentId}`);
    expect(text).toContain('rejected');
    expect(text).toContain('refused');
  });
});
