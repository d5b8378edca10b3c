/**
 * The remediation action's message in the incident thread: posted once, edited in place as the action
 * changes (and not when nothing changed), a reminder for an approval pending > 10 min once per action, and
 * the expiry sweep ending in an edited "Expired" message. Real outbox and poster against the Slack fake.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackWebClient } from '../../src/clients/slack.ts';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import {
  approveRemediation,
  expireApprovals,
  proposeRemediations,
  type RemediationDeps,
} from '../../src/incidents/remediation.ts';
import {
  remindPendingApprovals,
  renderContext,
  syncRemediationMessage,
} from '../../src/incidents/remediation-thread.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { createExecutors } from '../../src/remediation/executors/index.ts';
import { SlackPoster } from '../../src/slack/poster.ts';
import { syncIncidentThread } from '../../src/slack/thread.ts';
import { WebApiTransport } from '../../src/slack/transport.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';

const silent = pino({ level: 'silent' });
const YAML = `
services:
  - name: checkout
    approvers: [U0ALICE, U0BOB]
remediation:
  enabled: true
  http: { jobs: { restart-web: { url: "http://127.0.0.1:9/launch" } } }
`;

describe.each(testDatabases())('remediation thread messages on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const config = configFrom({}, YAML);
  let deps: RemediationDeps;
  let poster: SlackPoster;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    slack = await startSlackFake();
    deps = {
      db,
      clock,
      logger: silent,
      config,
      executors: [
        ...createExecutors(
          { http: { jobs: { 'restart-web': { url: 'http://127.0.0.1:9/launch', auth: 'none' } } } },
          { clock, env: {} },
        ).all,
      ],
    };
    poster = new SlackPoster({
      db,
      clock,
      logger: silent,
      transport: new WebApiTransport(createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl })),
      channelIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await slack?.close();
    await dispose?.();
  });

  async function proposed(): Promise<number> {
    const body = alertmanagerBody({
      groupKey: `{}:{flow="${Math.random()}"}`,
      alerts: [{ labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' } }],
    });
    const result = await ingestDelivery(
      { db, config, clock },
      { source: 'alertmanager', rawBody: JSON.stringify(body) },
    );
    const incidentId = result.incidentIds[0] as number;
    await syncIncidentThread({ db, clock }, incidentId);
    const analysis = await db.query<{ id: number }>(
      `INSERT INTO incident_analyses (incident_id, created_at, analyzer, analysis) VALUES ($1, $2, 'offline', '{}')
       RETURNING id`,
      [incidentId, clock.now()],
    );
    const [view] = await db.transaction((tx) =>
      proposeRemediations(tx, config, clock.now(), {
        incidentId,
        analysisId: Number(analysis.rows[0]?.id),
        service: 'checkout',
        actions: [{ kind: 'http-job', job: 'restart-web' }],
      }),
    );
    if (!view) throw new Error('not proposed');
    return view.id;
  }

  const updatesOf = (ts: string) => slack.callsOf('chat.update').filter((call) => call.body.ts === ts);

  it('posts the action once, edits it in place as approvals come, and not when nothing changed', async () => {
    const id = await proposed();
    expect(await syncRemediationMessage({ db, clock, config }, id)).toBe('posted');
    expect(await syncRemediationMessage({ db, clock, config }, id)).toBe('unchanged');
    await poster.drain();
    const reply = slack
      .callsOf('chat.postMessage')
      .find((call) => String(call.body.text).startsWith(`Action ${id}:`));
    expect(reply?.body.thread_ts).toBeTypeOf('string');
    expect(JSON.stringify(reply?.body.blocks)).toContain('remediation_approve');
    const ts = (
      await db.query<{ slack_ts: string }>(
        'SELECT o.slack_ts FROM remediation_messages m JOIN slack_outbox o ON o.id = m.outbox_id WHERE m.remediation_id = $1',
        [id],
      )
    ).rows[0]?.slack_ts as string;

    const outcome = await approveRemediation(deps, {
      remediationId: id,
      actor: { id: 'U0ALICE', display: '<@U0ALICE>' },
      requestId: 'click-1',
    });
    expect(outcome.kind).toBe('waiting');
    expect(await syncRemediationMessage({ db, clock, config }, id)).toBe('edited');
    await poster.drain();
    const edits = updatesOf(ts);
    expect(edits).toHaveLength(1);
    expect(JSON.stringify(edits[0]?.body.blocks)).toContain(
      'Waiting for a 2nd approver: <@U0ALICE> approved',
    );
    // One message per action: no second reply for it.
    expect(
      slack.callsOf('chat.postMessage').filter((call) => String(call.body.text).startsWith(`Action ${id}:`)),
    ).toHaveLength(1);
  });

  it('reminds the thread once of an approval pending for more than 10 minutes, then expiry edits it', async () => {
    const id = await proposed();
    await syncRemediationMessage({ db, clock, config }, id);
    await poster.drain();
    clock.advance(5 * 60_000);
    expect((await remindPendingApprovals({ db, clock, config }, clock.now())).reminded).not.toContain(id);
    clock.advance(6 * 60_000);
    expect((await remindPendingApprovals({ db, clock, config }, clock.now())).reminded).toContain(id);
    expect((await remindPendingApprovals({ db, clock, config }, clock.now())).reminded).not.toContain(id);
    await poster.drain();
    const reminders = slack
      .callsOf('chat.postMessage')
      .filter((call) => String(call.body.text).startsWith(`Action ${id} has waited`));
    expect(reminders).toHaveLength(1);
    expect(JSON.stringify(reminders[0]?.body.blocks)).toContain('<@U0ALICE>');

    clock.advance(20 * 60_000);
    expect(await expireApprovals(deps, clock.now())).toBeGreaterThanOrEqual(1);
    expect(await syncRemediationMessage({ db, clock, config }, id)).toBe('edited');
    await poster.drain();
    const last = slack.callsOf('chat.update').at(-1);
    expect(String(last?.body.text)).toContain('Expired');
    expect(JSON.stringify(last?.body.blocks)).not.toContain('remediation_approve');
  });

  it('names the configured cluster context and the service approvers for the confirm dialogs', () => {
    expect(renderContext(config, 'checkout')).toEqual({ approvers: ['U0ALICE', 'U0BOB'], cluster: null });
    const withContext = configFrom({}, `${YAML}  kubernetes: { context: prod-eu-1, namespaces: [shop] }\n`);
    expect(renderContext(withContext, 'checkout').cluster).toBe('prod-eu-1');
    expect(renderContext(withContext, 'search').approvers).toEqual([]);
  });
});
