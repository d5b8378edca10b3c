/**
 * The Slack side end to end: webhooks in, the real app's jobs and poster out to a local fake of Slack's
 * Web API; slash commands, button clicks and mentions in through POST /slack/events, signed as Slack signs.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';
import {
  appMentionBody,
  buttonClickBody,
  type SlackFake,
  slackSignature,
  slashCommandBody,
  startSlackFake,
} from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const SIGNING_SECRET = 'test-signing-secret';
const SECOND = 1000;

const crashLoop = (groupKey: string, pods: string[], status: 'firing' | 'resolved' = 'firing') =>
  alertmanagerBody({
    groupKey,
    alerts: pods.map((pod) => ({
      status,
      fingerprint: `fp-${pod}`,
      labels: {
        alertname: 'KubePodCrashLooping',
        severity: 'critical',
        namespace: 'shop',
        pod,
        container: 'checkout',
        service: 'checkout',
      },
      annotations: {
        summary: `Pod shop/${pod} is crash looping.`,
        runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
      },
    })),
  });

const textOf = (body: Record<string, unknown>) => `${body.text} ${JSON.stringify(body.blocks ?? [])}`;

describe.each(testDatabases())('Slack on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    slack = await startSlackFake();
  });
  afterAll(async () => {
    await slack?.close();
    await dispose?.();
  });
  beforeEach(async () => {
    slack.calls.length = 0;
    slack.responses.length = 0;
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AIOPS_DEFAULT_CHANNEL: '#incidents',
      },
      yaml: 'routes:\n  - match: { service: payments }\n    channel: "#payments-oncall"\n',
    });
  });
  afterEach(async () => {
    await app?.close();
  });

  /**
   * Runs due jobs and drains the outbox (pacing skipped: the fake has no rate limit); when nothing is due,
   * moves the clock to the next debounced job (the analysis waits for the rest of a storm) within 2 min.
   */
  const settle = async () => {
    for (let round = 0; round < 50; round += 1) {
      const jobs = await app.app.jobs.runOnce();
      const sent = await app.app.poster.drain({ ignorePacing: true });
      if (jobs + sent > 0) continue;
      const next = await db.query<{ at: Date | null }>(
        "SELECT min(run_at) AS at FROM jobs WHERE status = 'pending'",
      );
      const wait = next.rows[0]?.at
        ? new Date(next.rows[0].at).getTime() - app.clock.now().getTime()
        : Infinity;
      if (wait > 2 * 60_000) return;
      app.clock.advance(Math.max(0, wait));
    }
  };

  /** Signed as Slack signs, at the app's clock (a request more than 5 minutes off it is refused). */
  const signedNow = (body: string, secret = SIGNING_SECRET) =>
    slackSignature(secret, body, Math.floor(app.clock.now().getTime() / 1000));
  const slackPost = (body: string, contentType: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...signedNow(body), ...headers },
      body,
    });
  const form = 'application/x-www-form-urlencoded';

  async function openIncident(groupKey: string, pods = ['checkout-7d9f-1', 'checkout-7d9f-2']) {
    const response = await post(`${app.url}/webhooks/alertmanager`, crashLoop(groupKey, pods));
    expect(response.status).toBe(202);
    const id = (response.json.incidentIds as number[])[0] as number;
    await settle();
    return id;
  }

  it('posts one root message, then the analysis in its thread; resolution edits the root', async () => {
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="a"}');
    const posts = slack.callsOf('chat.postMessage');
    const root = posts[0];
    expect(root?.token).toBe('xoxb-test-token');
    expect(root?.body).toMatchObject({ channel: '#incidents' });
    expect(root?.body.thread_ts).toBeUndefined();
    expect(textOf(root?.body ?? {})).toContain('KubePodCrashLooping');
    expect(Array.isArray(root?.body.blocks)).toBe(true);

    const thread = await db.query<{ channel_id: string; root_ts: string }>(
      'SELECT channel_id, root_ts FROM slack_threads WHERE incident_id = $1',
      [id],
    );
    const { channel_id: channelId, root_ts: rootTs } = thread.rows[0] ?? { channel_id: '', root_ts: '' };
    expect(channelId).toBe('C0INCIDENTS');
    const replies = posts.slice(1);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    for (const reply of replies)
      expect(reply.body).toMatchObject({ channel: 'C0INCIDENTS', thread_ts: rootTs });
    expect(textOf(replies[0]?.body ?? {})).toMatch(/crash/i);
    expect(textOf(replies[0]?.body ?? {})).toMatch(/offline/i);

    // Resolution: the same root message is edited, and the thread says so.
    app.clock.advance(12 * 60 * SECOND);
    const before = slack.calls.length;
    const resolved = await post(
      `${app.url}/webhooks/alertmanager`,
      crashLoop(
        '{}:{alertname="KubePodCrashLooping", flow="a"}',
        ['checkout-7d9f-1', 'checkout-7d9f-2'],
        'resolved',
      ),
    );
    expect(resolved.status).toBe(202);
    await settle();
    const after = slack.calls.slice(before);
    const update = after.find((call) => call.method === 'chat.update');
    expect(update?.body).toMatchObject({ channel: 'C0INCIDENTS', ts: rootTs });
    expect(textOf(update?.body ?? {})).toMatch(/resolved/i);
    expect(textOf(update?.body ?? {})).toContain('12m');
    const note = after.find((call) => call.method === 'chat.postMessage');
    expect(note?.body).toMatchObject({ thread_ts: rootTs });
    // One root message for the incident, ever.
    expect(
      slack.callsOf('chat.postMessage').filter((call) => call.body.thread_ts === undefined),
    ).toHaveLength(1);
  });

  it('redeliveries of the same group post nothing new', async () => {
    const groupKey = '{}:{alertname="KubePodCrashLooping", flow="redelivery"}';
    await openIncident(groupKey);
    const before = slack.calls.length;
    for (let i = 0; i < 5; i += 1) {
      app.clock.advance(60 * SECOND);
      await post(
        `${app.url}/webhooks/alertmanager`,
        crashLoop(groupKey, ['checkout-7d9f-1', 'checkout-7d9f-2']),
      );
    }
    app.clock.advance(10 * SECOND);
    await settle();
    expect(slack.calls.slice(before)).toEqual([]);
  });

  it('refuses forged, unsigned and stale Slack requests with 401', async () => {
    const body = slashCommandBody({ text: 'list', responseUrl: slack.responseUrl('forged') });
    const forged = await slackPost(body, form, signedNow(body, 'not-the-secret'));
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': form },
      body,
    });
    expect(unsigned.status).toBe(401);
    const stale = await slackPost(
      body,
      form,
      slackSignature(SIGNING_SECRET, body, Math.floor(app.clock.now().getTime() / 1000) - 6 * 60),
    );
    expect(stale.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slack.responses).toEqual([]);
  });

  it('/aiops why answers through response_url with the ranked root causes', async () => {
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="why"}');
    const body = slashCommandBody({ text: `why ${id}`, responseUrl: slack.responseUrl('why') });
    const response = await slackPost(body, form);
    expect(response.status).toBe(200);
    const answer = await waitFor(() => slack.responses.find((r) => r.id === 'why'));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(textOf(answer.body)).toContain(`#${id}`);
    expect(textOf(answer.body)).toMatch(/crash/i);
  });

  it('/aiops with an unknown sub-command answers with help, not an error', async () => {
    const body = slashCommandBody({ text: 'frobnicate now', responseUrl: slack.responseUrl('unknown') });
    expect((await slackPost(body, form)).status).toBe(200);
    const answer = await waitFor(() => slack.responses.find((r) => r.id === 'unknown'));
    expect(textOf(answer.body)).toContain('frobnicate');
    expect(textOf(answer.body)).toContain('history');
  });

  it('/aiops list and status answer from the database', async () => {
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="list"}');
    expect(
      (await slackPost(slashCommandBody({ text: 'list', responseUrl: slack.responseUrl('list') }), form))
        .status,
    ).toBe(200);
    const list = await waitFor(() => slack.responses.find((r) => r.id === 'list'));
    expect(textOf(list.body)).toContain(`#${id}`);
    await slackPost(
      slashCommandBody({ text: `status #${id}`, responseUrl: slack.responseUrl('status') }),
      form,
    );
    const status = await waitFor(() => slack.responses.find((r) => r.id === 'status'));
    expect(textOf(status.body)).toMatch(/triggered/i);
  });

  it('the Acknowledge button records who clicked and edits the root message', async () => {
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="ack"}');
    const before = slack.calls.length;
    const click = buttonClickBody({
      actionId: ACTION_IDS.acknowledge,
      value: JSON.stringify({ incidentId: id }),
      userId: 'U0BOB',
      responseUrl: slack.responseUrl('ack'),
    });
    expect((await slackPost(click, form)).status).toBe(200);
    await waitFor(async () => {
      const row = await db.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id]);
      return row.rows[0]?.status === 'acknowledged' || undefined;
    });
    const event = await db.query<{ actor: string; kind: string }>(
      "SELECT actor, kind FROM incident_events WHERE incident_id = $1 AND kind = 'acknowledged'",
      [id],
    );
    expect(event.rows).toEqual([{ actor: '<@U0BOB>', kind: 'acknowledged' }]);
    await settle();
    const after = slack.calls.slice(before);
    const update = after.find((call) => call.method === 'chat.update');
    expect(textOf(update?.body ?? {})).toMatch(/acknowledged/i);
    expect(textOf(update?.body ?? {})).toContain('U0BOB');

    // A second click is answered privately, and changes nothing.
    await slackPost(
      buttonClickBody({
        actionId: ACTION_IDS.acknowledge,
        value: JSON.stringify({ incidentId: id }),
        userId: 'U0CAROL',
        responseUrl: slack.responseUrl('ack-again'),
      }),
      form,
    );
    const again = await waitFor(() => slack.responses.find((r) => r.id === 'ack-again'));
    expect(textOf(again.body)).toMatch(/already acknowledged/i);
    expect(textOf(again.body)).toContain('U0BOB');
  });

  it('This was the cause records a confirmed cause for the incident memory', async () => {
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="confirm"}');
    const click = buttonClickBody({
      actionId: `${ACTION_IDS.confirmCause}:0`,
      value: JSON.stringify({ incidentId: id, cause: 'Bad deploy', category: 'deployment' }),
      responseUrl: slack.responseUrl('confirm'),
    });
    expect((await slackPost(click, form)).status).toBe(200);
    const stored = await waitFor(async () => {
      const rows = await db.query<{ title: string; confirmed_by: string }>(
        'SELECT title, confirmed_by FROM confirmed_causes WHERE incident_id = $1',
        [id],
      );
      return rows.rows[0];
    });
    expect(stored).toEqual({ title: 'Bad deploy', confirmed_by: '<@U0BOB>' });
  });

  it('a tampered button value is refused privately and changes nothing', async () => {
    const click = buttonClickBody({
      actionId: ACTION_IDS.resolve,
      value: '{"incidentId":"1; DROP TABLE incidents"}',
      responseUrl: slack.responseUrl('tampered'),
    });
    expect((await slackPost(click, form)).status).toBe(200);
    const answer = await waitFor(() => slack.responses.find((r) => r.id === 'tampered'));
    expect(textOf(answer.body)).toMatch(/not valid/i);
  });

  it('@aiops in an incident thread answers in that thread', async () => {
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="mention"}');
    const thread = await db.query<{ root_ts: string }>(
      'SELECT root_ts FROM slack_threads WHERE incident_id = $1',
      [id],
    );
    const rootTs = thread.rows[0]?.root_ts as string;
    const before = slack.calls.length;
    const body = appMentionBody({
      text: '<@UBOT> why is this happening?',
      threadTs: rootTs,
      nowSec: Math.floor(app.clock.now().getTime() / 1000),
    });
    expect((await slackPost(body, 'application/json')).status).toBe(200);
    const answer = await waitFor(() =>
      slack.calls.slice(before).find((call) => call.method === 'chat.postMessage'),
    );
    expect(answer.body).toMatchObject({ channel: 'C0INCIDENTS', thread_ts: rootTs });
    expect(textOf(answer.body)).toContain(`#${id}`);
  });

  it('waits out 429 Retry-After and retries 5xx and dropped connections; nothing is lost', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 30 }, { status: 503 }, { drop: true });
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      crashLoop('{}:{alertname="KubePodCrashLooping", flow="retry"}', ['checkout-1']),
    );
    const id = (response.json.incidentIds as number[])[0] as number;
    await app.app.jobs.runOnce();
    await app.app.jobs.runOnce();
    expect(await app.app.poster.runOnce()).toBe(1); // 429
    const waiting = await db.query<{ status: string; next_attempt_at: Date; last_error: string }>(
      "SELECT status, next_attempt_at, last_error FROM slack_outbox WHERE incident_id = $1 AND kind = 'root'",
      [id],
    );
    expect(waiting.rows[0]?.status).toBe('pending');
    expect(new Date(waiting.rows[0]?.next_attempt_at as Date).getTime() - app.clock.now().getTime()).toBe(
      30 * SECOND,
    );
    // Not due yet: nothing is sent before Retry-After has passed.
    expect(await app.app.poster.drain({ ignorePacing: true })).toBe(0);

    // A restart: a new app (new poster) over the same database picks up where the old one stopped.
    const clockAt = app.clock.now();
    await app.close();
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
      },
    });
    app.clock.set(new Date(clockAt.getTime() + 31 * SECOND));
    expect(await app.app.poster.runOnce()).toBe(1); // 503
    app.clock.advance(5 * 60 * SECOND);
    expect(await app.app.poster.runOnce()).toBe(1); // dropped connection
    app.clock.advance(5 * 60 * SECOND);
    await settle();
    const rows = await db.query<{ kind: string; status: string }>(
      'SELECT kind, status FROM slack_outbox WHERE incident_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.rows.every((row) => row.status === 'sent')).toBe(true);
    const roots = slack
      .callsOf('chat.postMessage')
      .filter((call) => textOf(call.body).includes('checkout-1'));
    expect(roots.length).toBeGreaterThanOrEqual(1);
  });

  it('a message Slack refuses for good is recorded dead with the reason, and its thread with it', async () => {
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      crashLoop('{}:{alertname="KubePodCrashLooping", flow="dead"}', ['checkout-9']),
    );
    const id = (response.json.incidentIds as number[])[0] as number;
    await settle();
    const rows = await db.query<{ kind: string; status: string; last_error: string }>(
      'SELECT kind, status, last_error FROM slack_outbox WHERE incident_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.rows[0]).toMatchObject({ kind: 'root', status: 'dead', last_error: 'channel_not_found' });
    expect(rows.rows.every((row) => row.status === 'dead')).toBe(true);
  });

  it('a routed channel Slack cannot post to moves the thread to the default channel', async () => {
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="PaymentsDown"}',
      alerts: [{ labels: { alertname: 'PaymentsDown', service: 'payments', severity: 'critical' } }],
    });
    const response = await post(`${app.url}/webhooks/alertmanager`, body);
    const id = (response.json.incidentIds as number[])[0] as number;
    await settle();
    const roots = slack.callsOf('chat.postMessage').filter((call) => call.body.thread_ts === undefined);
    expect(roots.map((call) => call.body.channel)).toEqual(['#payments-oncall', '#incidents']);
    const rows = await db.query<{ status: string; channel: string }>(
      'SELECT status, channel FROM slack_outbox WHERE incident_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.rows.every((row) => row.status === 'sent' && row.channel === '#incidents')).toBe(true);
  });

  it('redacts secrets in alert text before anything reaches Slack: thread, outbox and command answers', async () => {
    // Built from pieces so the file holds no secret-shaped string.
    const password = ['pa', 'ss', 'W0rd', '-', 'leak'].join('');
    const token = ['xo', 'xb-', '1234567890-', 'abcdefghijklmnop'].join('');
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="DbDown", flow="secrets"}',
      alerts: [
        {
          labels: { alertname: 'PostgresqlDown', service: 'orders', severity: 'critical' },
          annotations: {
            summary: `orders-db unreachable: postgres://app:${password}@orders-db:5432/orders`,
            description: `worker logged SLACK_TOKEN=${token} before dying`,
          },
        },
      ],
    });
    const response = await post(`${app.url}/webhooks/alertmanager`, body);
    const id = (response.json.incidentIds as number[])[0] as number;
    await settle();
    await slackPost(
      slashCommandBody({ text: `status ${id}`, responseUrl: slack.responseUrl('secret-status') }),
      form,
    );
    const status = await waitFor(() => slack.responses.find((r) => r.id === 'secret-status'));

    const sent = JSON.stringify([slack.calls.map((call) => call.body), status.body]);
    expect(sent).toContain('orders-db');
    expect(sent).toContain('REDACTED');
    expect(sent).not.toContain(password);
    expect(sent).not.toContain(token);
    const stored = await db.query<{ message: unknown }>(
      'SELECT message FROM slack_outbox WHERE incident_id = $1',
      [id],
    );
    expect(JSON.stringify(stored.rows)).not.toContain(password);
  });

  it('a click on an incident that no longer exists is answered privately with the reason', async () => {
    for (const [actionId, value] of [
      [ACTION_IDS.acknowledge, { incidentId: 987654 }],
      [`${ACTION_IDS.confirmCause}:0`, { incidentId: 987654, cause: 'Bad deploy', category: 'deployment' }],
    ] as const) {
      const id = `gone-${actionId}`;
      const click = buttonClickBody({
        actionId,
        value: JSON.stringify(value),
        responseUrl: slack.responseUrl(id),
      });
      expect((await slackPost(click, form)).status).toBe(200);
      const answer = await waitFor(() => slack.responses.find((r) => r.id === id));
      expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
      expect(textOf(answer.body)).toContain('incident 987654 not found');
    }
  });
});
