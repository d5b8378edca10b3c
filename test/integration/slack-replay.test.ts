/**
 * Replays against POST /slack/events (issue 10, item 4): a signed request is good for 5 minutes either
 * way of the app's clock, and a captured request sent again — to the same replica or another one — is
 * acknowledged but changes nothing. Slack's own retries of an event (same event_id) are handled once.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
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
const MINUTE = 60_000;
const form = 'application/x-www-form-urlencoded';

const crashLoop = (groupKey: string, pods: string[]) =>
  alertmanagerBody({
    groupKey,
    alerts: pods.map((pod) => ({
      status: 'firing' as const,
      fingerprint: `fp-${groupKey}-${pod}`,
      labels: {
        alertname: 'KubePodCrashLooping',
        severity: 'critical',
        namespace: 'shop',
        pod,
        service: 'checkout',
      },
      annotations: { summary: `Pod shop/${pod} is crash looping.` },
    })),
  });

describe.each(testDatabases())('Slack replays on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let app: TestApp;
  let second: TestApp | null = null;

  const start = (clock: ManualClock) =>
    startTestApp(db, {
      clock,
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
      },
    });

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
    // The wall clock's time, held still: the app's clock decides what is stale or early.
    app = await start(new ManualClock(new Date()));
  });
  afterEach(async () => {
    await app?.close();
    await second?.close();
    second = null;
  });

  /** Headers as Slack signs them at `atMs` (the app's clock by default). */
  const signed = (body: string, atMs = app.clock.now().getTime()) =>
    slackSignature(SIGNING_SECRET, body, Math.floor(atMs / 1000));
  const send = (url: string, body: string, headers: Record<string, string>, contentType = form) =>
    fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body,
    });

  async function openIncident(groupKey: string, pods: string[]): Promise<number> {
    const response = await post(`${app.url}/webhooks/alertmanager`, crashLoop(groupKey, pods));
    expect(response.status).toBe(202);
    return (response.json.incidentIds as number[])[0] as number;
  }
  const statusOf = async (id: number) =>
    (await db.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id])).rows[0]?.status;
  const eventsOf = async (id: number, kind: string) =>
    (
      await db.query<{ actor: string }>(
        'SELECT actor FROM incident_events WHERE incident_id = $1 AND kind = $2 ORDER BY id',
        [id, kind],
      )
    ).rows.map((row) => row.actor);

  it('refuses a signed request more than 5 minutes off the clock either way, before any work', async () => {
    const now = app.clock.now().getTime();
    for (const [name, offset, status] of [
      ['future-6m', 6 * MINUTE, 401],
      ['past-6m', -6 * MINUTE, 401],
      ['future-4m', 4 * MINUTE, 200],
      ['past-4m', -4 * MINUTE, 200],
    ] as const) {
      const body = slashCommandBody({ text: 'help', responseUrl: slack.responseUrl(name) });
      const response = await send(app.url, body, signed(body, now + offset));
      expect({ name, status: response.status }).toEqual({ name, status });
    }
    // A timestamp that is not a number of seconds is no timestamp.
    const body = slashCommandBody({ text: 'help', responseUrl: slack.responseUrl('junk') });
    const junk = { ...signed(body), 'x-slack-request-timestamp': `${Math.floor(now / 1000)}.5` };
    expect((await send(app.url, body, junk)).status).toBe(401);
    await waitFor(() => slack.responses.length >= 2 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slack.responses.map((r) => r.id).sort()).toEqual(['future-4m', 'past-4m']);
  });

  it("answers Slack's unsigned ssl_check without dispatching it, and refuses an oversized body with 413", async () => {
    const smuggled = new URLSearchParams({
      ssl_check: '1',
      payload: buttonClickBody({
        actionId: ACTION_IDS.resolve,
        value: '{"incidentId":1}',
        responseUrl: slack.responseUrl('x'),
      }),
    }).toString();
    expect((await send(app.url, smuggled, {})).status).toBe(200);
    const big = `text=${'a'.repeat(5 * 1024 * 1024)}`;
    expect((await send(app.url, big, signed(big))).status).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slack.responses).toEqual([]);
  });

  it('a captured Resolve click replayed after the incident reopened changes nothing', async () => {
    const groupKey = '{}:{alertname="KubePodCrashLooping", flow="replay-resolve"}';
    const id = await openIncident(groupKey, ['pod-1']);
    const click = buttonClickBody({
      actionId: ACTION_IDS.resolve,
      value: JSON.stringify({ incidentId: id }),
      userId: 'U0BOB',
      responseUrl: slack.responseUrl('resolve'),
    });
    const headers = signed(click);
    expect((await send(app.url, click, headers)).status).toBe(200);
    await waitFor(async () => (await statusOf(id)) === 'resolved' || undefined);

    // A new pod fires: the incident reopens.
    app.clock.advance(MINUTE);
    await openIncident(groupKey, ['pod-1', 'pod-2']);
    expect(await statusOf(id)).toBe('triggered');

    // The attacker sends the captured bytes again, still within Slack's 5 minutes.
    expect((await send(app.url, click, headers)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(id)).toBe('triggered');
    expect(await eventsOf(id, 'resolved')).toEqual(['<@U0BOB>']);
  });

  it('the same click delivered to two replicas at once is handled by one of them only', async () => {
    second = await start(app.clock);
    const id = await openIncident('{}:{alertname="KubePodCrashLooping", flow="two-replicas"}', ['pod-1']);
    const click = buttonClickBody({
      actionId: ACTION_IDS.acknowledge,
      value: JSON.stringify({ incidentId: id }),
      userId: 'U0BOB',
      responseUrl: slack.responseUrl('ack'),
    });
    const headers = signed(click);
    const answers = await Promise.all([send(app.url, click, headers), send(second.url, click, headers)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await waitFor(async () => (await statusOf(id)) === 'acknowledged' || undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(id, 'acknowledged')).toEqual(['<@U0BOB>']);
    // The loser did not answer "already acknowledged by <@U0BOB>" to Bob: it did nothing at all.
    expect(slack.responses).toEqual([]);
    const receipts = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM slack_receipts');
    expect(Number(receipts.rows[0]?.n)).toBeGreaterThanOrEqual(1);
  });

  it("Slack's retry of an event (same event_id, signed anew) is answered once", async () => {
    const nowSec = Math.floor(app.clock.now().getTime() / 1000);
    const mention = appMentionBody({ text: '<@UBOT> help', nowSec });
    expect((await send(app.url, mention, signed(mention), 'application/json')).status).toBe(200);
    await waitFor(() => slack.callsOf('chat.postMessage').length > 0 || undefined);
    app.clock.advance(3_000);
    const retry = { ...signed(mention), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' };
    expect((await send(app.url, mention, retry, 'application/json')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('a listener that fails half-way keeps its receipt: the captured request cannot run it again', async () => {
    // A listener of the kind the remediation buttons will add (it acts, then fails to answer), on the
    // real Bolt app.
    let runs = 0;
    app.app.slack?.app.action('test_half_way', async ({ ack }) => {
      await ack();
      runs += 1;
      throw new Error('approved, then the database restarted before the answer');
    });
    const click = buttonClickBody({
      actionId: 'test_half_way',
      value: '{}',
      responseUrl: slack.responseUrl('x'),
    });
    const headers = signed(click);
    expect((await send(app.url, click, headers)).status).toBe(200);
    await waitFor(() => runs === 1 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await send(app.url, click, headers)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toBe(1);
  });

  it('a click is acknowledged before its receipt is claimed: the answer does not wait for the database', async () => {
    // Issue 8: 100 concurrent Approve clicks queued their receipt INSERTs on the shared pool before the
    // ack, which put click → ack p99 over 100 ms. The ack of a button click carries nothing, so it goes
    // first; the claim still decides, before any listener runs, whether the click does anything.
    let runs = 0;
    app.app.slack?.app.action('test_ack_first', async ({ ack }) => {
      await ack(); // a second ack, after the guard's: must be harmless
      runs += 1;
    });
    const click = buttonClickBody({
      actionId: 'test_ack_first',
      value: '{}',
      responseUrl: slack.responseUrl('af'),
    });
    const headers = signed(click);
    const order: string[] = [];
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Hold the receipts table (on PGlite: its one connection) until the click is answered, or 10 s.
    const holding = db.transaction(async (tx) => {
      await tx.query('LOCK TABLE slack_receipts IN EXCLUSIVE MODE');
      await Promise.race([released, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      order.push('database released');
    });
    const answer = await send(app.url, click, headers);
    order.push(`answered ${answer.status}`);
    release();
    await holding;
    expect(order).toEqual(['answered 200', 'database released']);
    await waitFor(() => runs === 1 || undefined);
    // The claim still stops a replay.
    expect((await send(app.url, click, headers)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toBe(1);
  });

  it('a click whose receipt cannot be recorded runs nothing and tells the clicker', async () => {
    let runs = 0;
    app.app.slack?.app.action('test_no_receipt', async ({ ack }) => {
      await ack();
      runs += 1;
    });
    const click = buttonClickBody({
      actionId: 'test_no_receipt',
      value: '{}',
      responseUrl: slack.responseUrl('nr'),
    });
    await db.query('ALTER TABLE slack_receipts RENAME TO slack_receipts_away');
    try {
      expect((await send(app.url, click, signed(click))).status).toBe(200);
      const told = await waitFor(() => slack.responses.find((response) => response.id === 'nr'));
      expect(JSON.stringify(told.body)).toMatch(/could not be recorded.*nothing was done/i);
      expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    } finally {
      await db.query('ALTER TABLE slack_receipts_away RENAME TO slack_receipts');
    }
    expect(runs).toBe(0);
  });

  it('receipts older than a day are deleted as new ones arrive', async () => {
    const first = slashCommandBody({ text: 'help', responseUrl: slack.responseUrl('old') });
    expect((await send(app.url, first, signed(first))).status).toBe(200);
    await waitFor(() => slack.responses.find((r) => r.id === 'old'));
    const count = async () =>
      Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM slack_receipts')).rows[0]?.n);
    const before = await count();
    expect(before).toBeGreaterThanOrEqual(1);
    app.clock.advance(25 * 60 * MINUTE);
    const later = slashCommandBody({ text: 'help', responseUrl: slack.responseUrl('new') });
    expect((await send(app.url, later, signed(later))).status).toBe(200);
    await waitFor(() => slack.responses.find((r) => r.id === 'new'));
    expect(await count()).toBe(1);
  });
});
