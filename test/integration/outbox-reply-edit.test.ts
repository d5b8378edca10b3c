/**
 * Edits of a thread reply through the outbox (the remediation action message kept current): the reply is
 * posted first, edits go to its ts with chat.update, pending edits coalesce, and an edit of a reply Slack
 * refused for good is posted as the reply itself (never lost, never a second message), later edits going
 * to it.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackWebClient } from '../../src/clients/slack.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/index.ts';
import type { SlackMessage } from '../../src/slack/message.ts';
import { claimOutbox, enqueueReply, enqueueReplyUpdate, enqueueRootMessage } from '../../src/slack/outbox.ts';
import { SlackPoster } from '../../src/slack/poster.ts';
import { WebApiTransport } from '../../src/slack/transport.ts';
import { testDatabases } from '../support/databases.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';

const message = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});
const silent = pino({ level: 'silent' });

describe.each(testDatabases())('outbox reply edits on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let clock: ManualClock;

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
    clock = new ManualClock('2026-03-01T10:00:00Z');
    await db.query("UPDATE slack_outbox SET status = 'sent' WHERE status = 'pending'");
  });

  const poster = () =>
    new SlackPoster({
      db,
      clock,
      logger: silent,
      transport: new WebApiTransport(createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl })),
      channelIntervalMs: 0,
    });

  async function thread(): Promise<{ incidentId: number; replyId: number }> {
    const result = await db.query<{ id: number }>(
      `INSERT INTO incidents (source, correlation_key, title, service, severity, status, channel, opened_at, last_event_at)
       VALUES ('alertmanager', $1, 'Test', 'svc', 'warning', 'triggered', '#ops', $2, $2) RETURNING id`,
      [`key-${Math.random()}`, clock.now()],
    );
    const incidentId = result.rows[0]?.id as number;
    const replyId = await db.transaction(async (tx) => {
      await enqueueRootMessage(tx, clock.now(), { incidentId, channel: '#ops', message: message('root') });
      return (await enqueueReply(tx, clock.now(), { incidentId, message: message('proposed') })) as number;
    });
    return { incidentId, replyId };
  }

  it('folds an edit into a reply not yet claimed: one post with the newest content, no update', async () => {
    const { replyId } = await thread();
    expect(
      await db.transaction((tx) =>
        enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('running') }),
      ),
    ).toBe(replyId);
    await poster().drain();
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['root', 'running']);
    expect(slack.callsOf('chat.update')).toEqual([]);
  });

  it('edits a posted reply in place, coalescing edits made before the poster runs', async () => {
    const { replyId } = await thread();
    const p = poster();
    await p.drain();
    const replyTs =
      slack.callsOf('chat.postMessage')[1] &&
      (await db.query<{ slack_ts: string }>('SELECT slack_ts FROM slack_outbox WHERE id = $1', [replyId]))
        .rows[0]?.slack_ts;
    expect(replyTs).toMatch(/^\d+\.\d+$/);
    const first = await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('running') }),
    );
    const second = await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('succeeded in 14 s') }),
    );
    expect(second).toBe(first);
    await p.drain();
    const updates = slack.callsOf('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.body).toMatchObject({
      channel: 'C0INCIDENTS',
      ts: replyTs,
      text: 'succeeded in 14 s',
    });
    // Later edits still go to the same message.
    await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('rolled back') }),
    );
    await p.drain();
    expect(slack.callsOf('chat.update').map((call) => [call.body.ts, call.body.text])).toEqual([
      [replyTs, 'succeeded in 14 s'],
      [replyTs, 'rolled back'],
    ]);
  });

  it('does not fold into a reply a poster holds: the edit follows it instead of posting twice', async () => {
    const { replyId } = await thread();
    const p = poster();
    await p.runOnce(); // the root
    const [claimed] = await claimOutbox(db, { now: clock.now(), workerId: 'slow', leaseMs: 1, limit: 1 });
    expect(claimed?.id).toBe(replyId);
    clock.advance(10); // its lease ran out, but the slow poster may still be sending it
    const edit = await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('running') }),
    );
    expect(edit).not.toBe(replyId);
    await p.drain();
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['root', 'proposed']);
    expect(slack.callsOf('chat.update').map((call) => call.body.text)).toEqual(['running']);
  });

  it('posts the edit of a reply Slack refused as the reply, and later edits edit it', async () => {
    const { incidentId, replyId } = await thread();
    const p = poster();
    await p.runOnce();
    // The edit is queued while a poster holds the reply (so not folded into it); that post then fails.
    await claimOutbox(db, { now: clock.now(), workerId: 'other', leaseMs: 1, limit: 1 });
    await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('running') }),
    );
    await db.query('UPDATE slack_outbox SET locked_by = NULL, locked_until = NULL WHERE id = $1', [replyId]);
    slack.failNext('chat.postMessage', { error: 'msg_too_long' });
    await p.drain();
    const rows = await db.query<{ kind: string; status: string; last_error: string | null }>(
      'SELECT kind, status, last_error FROM slack_outbox WHERE incident_id = $1 ORDER BY id',
      [incidentId],
    );
    // The reply counts as sent where its newest content went; its refusal stays on record.
    expect(rows.rows.map((row) => [row.kind, row.status])).toEqual([
      ['root', 'sent'],
      ['reply', 'sent'],
      ['update_reply', 'sent'],
    ]);
    expect(rows.rows[1]?.last_error).toContain('msg_too_long');
    expect(slack.callsOf('chat.update')).toEqual([]);
    const posts = slack.callsOf('chat.postMessage').filter((call) => call.body.thread_ts);
    expect(posts.map((call) => call.body.text)).toEqual(['proposed', 'running']);

    // A later edit edits that message.
    await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('succeeded') }),
    );
    await p.drain();
    const sentTs = await db.query<{ slack_ts: string }>('SELECT slack_ts FROM slack_outbox WHERE id = $1', [
      replyId,
    ]);
    expect(slack.callsOf('chat.update').map((call) => [call.body.text, call.body.ts])).toEqual([
      ['succeeded', sentTs.rows[0]?.slack_ts],
    ]);
    expect(slack.callsOf('chat.postMessage').filter((call) => call.body.thread_ts)).toHaveLength(2);
    const root = await db.query<{ id: number }>(
      "SELECT id FROM slack_outbox WHERE incident_id = $1 AND kind = 'root'",
      [incidentId],
    );
    expect(
      await db.transaction((tx) =>
        enqueueReplyUpdate(tx, clock.now(), { replyId: root.rows[0]?.id as number, message: message('x') }),
      ),
    ).toBeNull();
  });

  it("claims a new incident's root before another thread's reply in the same channel", async () => {
    const first = await thread();
    await poster().runOnce(); // the first root goes out; its reply is now due in #ops
    const second = await db.query<{ id: number }>(
      `INSERT INTO incidents (source, correlation_key, title, service, severity, status, channel, opened_at, last_event_at)
       VALUES ('alertmanager', $1, 'Second', 'svc', 'warning', 'triggered', '#ops', $2, $2) RETURNING id`,
      [`key-${Math.random()}`, clock.now()],
    );
    const secondId = second.rows[0]?.id as number;
    clock.advance(1_000);
    const rootId = await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), {
        incidentId: secondId,
        channel: '#ops',
        message: message('root 2'),
      }),
    );
    const [claimed, ...more] = await claimOutbox(db, {
      now: clock.now(),
      workerId: 'w',
      leaseMs: 1_000,
      limit: 5,
    });
    expect(more).toEqual([]);
    expect(claimed?.id).toBe(rootId);
    expect(claimed?.id).not.toBe(first.replyId);
  });
});
