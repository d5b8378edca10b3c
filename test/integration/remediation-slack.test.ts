/**
 * Remediation through Slack, end to end on a real PostgreSQL: two app instances (two replicas, each with
 * its own pool, job worker and poster) share one database; a local automation server stands in for the
 * automation endpoint the HTTP-job executor calls, and counts executions at its side.
 *
 * The proof: 1,000 concurrent Approve clicks, signed as Slack signs them and spread over both instances,
 * cause exactly one execution, and every click is answered within Slack's 3 s (an upper bound, not a speed
 * test: the bench measures speed). Also: an unauthorised click is answered privately with the reason and
 * audited, and the action's message in the thread ends up edited to its final state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/index.ts';
import { createPgDb } from '../../src/db/pg.ts';
import { getRemediation, listAudit, proposeRemediations } from '../../src/incidents/remediation.ts';
import { createExecutors } from '../../src/remediation/executors/index.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startClickClient } from '../support/click-client.ts';
import { postgresDatabase } from '../support/databases.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';
import { buttonClickBody, type SlackFake, slackSignature, startSlackFake } from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const SIGNING_SECRET = 'test-signing-secret';
const CLICKS = 1000;
const databaseUrl = process.env.TEST_DATABASE_URL;

interface Automation {
  url: string;
  launches: number;
  close(): Promise<void>;
}

/** The automation endpoint (an AWX-like job launcher): counts launches, answers after 50 ms. */
async function startAutomation(): Promise<Automation> {
  const state = { launches: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/launch') state.launches += 1;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ job: state.launches, status: 'successful' }));
      }, 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get launches() {
      return state.launches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe.skipIf(!databaseUrl)('remediation in Slack on two instances and one real PostgreSQL', () => {
  let dispose: () => Promise<void>;
  let dbA: Db;
  let dbB: Db;
  let slack: SlackFake;
  let automation: Automation;
  let apps: TestApp<typeof systemClock>[] = [];
  let clicker: ReturnType<typeof startClickClient>;

  beforeAll(async () => {
    const created = await postgresDatabase(databaseUrl as string).create();
    dispose = created.dispose;
    dbA = created.db;
    dbB = createPgDb({ connectionString: created.url as string, max: 10 });
    slack = await startSlackFake();
    clicker = startClickClient();
    automation = await startAutomation();
    const yaml = `
services:
  - name: checkout
    approvers: [U0ALICE, U0BOB]
remediation:
  enabled: true
  http:
    jobs:
      restart-web: { url: "${automation.url}/launch" }
`;
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      LOG_LEVEL: 'warn',
    };
    for (const db of [dbA, dbB]) {
      const executors = createExecutors(
        { http: { jobs: { 'restart-web': { url: `${automation.url}/launch`, auth: 'none' } } } },
        { clock: systemClock, env: {} },
      ).all;
      apps.push(
        await startTestApp(db, {
          env,
          yaml,
          clock: systemClock,
          startWorkers: true,
          executors: [...executors],
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    apps = [];
    await dbB?.close();
    clicker?.close();
    await automation?.close();
    await slack?.close();
    await dispose?.();
  });

  const click = (app: TestApp<typeof systemClock>, fields: Parameters<typeof buttonClickBody>[0]) => {
    const body = buttonClickBody(fields);
    return fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SIGNING_SECRET, body),
      },
      body,
    });
  };

  it('1,000 concurrent Approve clicks over two instances run the action exactly once', async () => {
    const [a, b] = apps as [TestApp<typeof systemClock>, TestApp<typeof systemClock>];
    const opened = await post(
      `${a.url}/webhooks/alertmanager`,
      alertmanagerBody({
        groupKey: '{}:{alertname="HighErrorRate"}',
        alerts: [
          {
            labels: {
              alertname: 'HighErrorRate',
              service: 'checkout',
              severity: 'critical',
              instance: 'web-1',
            },
            annotations: { summary: 'checkout returns 12% HTTP 5xx' },
          },
        ],
      }),
    );
    expect(opened.status).toBe(202);
    const incidentId = (opened.json.incidentIds as number[])[0] as number;
    // The analysis waits for the rest of an alert storm; nothing else comes here, so it may run now.
    await dbA.query(`UPDATE jobs SET run_at = now() WHERE status = 'pending'`);
    const analysisId = await waitFor(async () => {
      const row = await dbA.query<{ id: number }>(
        'SELECT id FROM incident_analyses WHERE incident_id = $1 ORDER BY id DESC LIMIT 1',
        [incidentId],
      );
      return row.rows[0]?.id;
    }, 30_000);
    // The action the team's automation offers for this service (the analysis proposed none that runs here).
    const [view] = await dbA.transaction((tx) =>
      proposeRemediations(tx, a.app.deps.config, new Date(), {
        incidentId,
        analysisId: Number(analysisId),
        service: 'checkout',
        actions: [{ kind: 'http-job', job: 'restart-web' }],
      }),
    );
    expect(view?.status).toBe('proposed');
    expect(view?.approvalsNeeded).toBe(2); // http-job is high risk: two different approvers
    const remediationId = view?.id as number;

    // The action's message reaches the thread with its buttons.
    const replyTs = await waitFor(async () => {
      const row = await dbA.query<{ slack_ts: string | null }>(
        `SELECT o.slack_ts FROM remediation_messages m JOIN slack_outbox o ON o.id = m.outbox_id
         WHERE m.remediation_id = $1 AND o.status = 'sent'`,
        [remediationId],
      );
      return row.rows[0]?.slack_ts ?? undefined;
    }, 30_000);
    const posted = slack
      .callsOf('chat.postMessage')
      .find((call) => JSON.stringify(call.body).includes('restart-web'));
    expect(JSON.stringify(posted?.body.blocks)).toContain(ACTION_IDS.remediationApprove);

    // The storm of clicks: both approvers clicking over and over, spread over both instances.
    const value = JSON.stringify({ remediationId });
    const started = Date.now();
    const results = await clicker.send({
      secret: SIGNING_SECRET,
      requests: Array.from({ length: CLICKS }, (_, i) => ({
        url: `${(i % 2 ? a : b).url}/slack/events`,
        body: buttonClickBody({
          actionId: ACTION_IDS.remediationApprove,
          value,
          userId: i % 4 < 2 ? 'U0ALICE' : 'U0BOB',
          messageTs: replyTs,
          actionTs: `${Math.floor(started / 1000)}.${String(i).padStart(6, '0')}`,
          responseUrl: slack.responseUrl(`click-${i}`),
        }),
      })),
    });
    const sorted = results.map((result) => result.ms).sort((x, y) => x - y);
    const slowest = sorted.at(-1) as number;
    const figures = `p50 ${Math.round(sorted[499] as number)} ms, p99 ${Math.round(sorted[989] as number)} ms, slowest ${Math.round(slowest)} ms`;
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    // Slack's 3 s is an upper bound for a machine of our own. On one shared with other jobs (load above its
    // cores) the figure says more about the neighbours than about the app: it is reported, not asserted.
    const load = os.loadavg()[0] as number;
    if (load <= os.availableParallelism()) expect(slowest).toBeLessThan(3_000);
    else console.warn(`machine overloaded (load ${load.toFixed(1)}): answers ${figures}, not asserted`);

    const final = await waitFor(async () => {
      const current = await getRemediation(dbA, remediationId);
      return current && ['succeeded', 'failed'].includes(current.status) ? current : undefined;
    }, 30_000);
    expect(final.status).toBe('succeeded');
    expect(final.approvals.map((approval) => approval.actor).sort()).toHaveLength(2);
    // Let both instances' workers go idle: nothing may launch again.
    await waitFor(async () => {
      const busy = await dbA.query(
        `SELECT 1 FROM jobs WHERE kind = 'run-remediation' AND status IN ('pending', 'running')`,
      );
      return busy.rowCount === 0;
    }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(automation.launches).toBe(1);
    const runs = (await listAudit(dbA, { incidentId, limit: 500 })).filter((entry) => entry.event === 'run');
    expect(runs).toHaveLength(1);

    // The action's message was edited in place to its final state.
    const edited = await waitFor(
      () =>
        slack
          .callsOf('chat.update')
          .filter((call) => call.body.ts === replyTs)
          .find((call) => /Succeeded/.test(String(call.body.text))),
      30_000,
    );
    expect(JSON.stringify(edited.body.blocks)).not.toContain(ACTION_IDS.remediationApprove);
    console.info(`${CLICKS} clicks over 2 instances: answers ${figures}; ${automation.launches} execution`);
  }, 120_000);

  it('answers a click by someone not allowed privately, with the reason, and audits it', async () => {
    const [a] = apps as [TestApp<typeof systemClock>];
    const proposed = await dbA.query<{ id: number; incident_id: number; analysis_id: number }>(
      'SELECT id, incident_id, analysis_id FROM remediation_actions ORDER BY id LIMIT 1',
    );
    const base = proposed.rows[0];
    if (!base) throw new Error('the first test proposes an action');
    const [view] = await dbA.transaction((tx) =>
      proposeRemediations(tx, a.app.deps.config, new Date(), {
        incidentId: Number(base.incident_id),
        analysisId: Number(base.analysis_id),
        service: 'checkout',
        actions: [{ kind: 'http-job', job: 'restart-web', params: {} }],
      }),
    );
    const remediationId = (view?.id ?? Number(base.id)) as number;
    const response = await click(a, {
      actionId: ACTION_IDS.remediationApprove,
      value: JSON.stringify({ remediationId }),
      userId: 'U0MALLORY',
      actionTs: `${Math.floor(Date.now() / 1000)}.999999`,
      responseUrl: slack.responseUrl('mallory'),
    });
    expect(response.status).toBe(200);
    const answer = await waitFor(() => slack.responses.find((r) => r.id === 'mallory'), 10_000);
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(answer.body)).toMatch(/Not allowed/);
    expect(JSON.stringify(answer.body)).toMatch(/approver/i);
    const refusals = (await listAudit(dbA, { limit: 500 })).filter(
      (entry) => entry.event === 'refuse' && entry.actor === 'U0MALLORY',
    );
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(automation.launches).toBe(1);
  }, 60_000);
});
