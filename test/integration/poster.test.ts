/**
 * The outbox and its poster against a local fake of Slack's Web API: order per thread, pacing per channel,
 * coalesced root edits, leases of a poster that died.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackWebClient } from '../../src/clients/slack.ts';
import { ManualClock, systemClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/index.ts';
import type { SlackMessage } from '../../src/slack/message.ts';
import {
  claimOutbox,
  enqueueReply,
  enqueueReplyUpdate,
  enqueueRootMessage,
  enqueueRootUpdate,
} from '../../src/slack/outbox.ts';
import { retryDelayMs, SlackPoster } from '../../src/slack/poster.ts';
import { WebApiTransport } from '../../src/slack/transport.ts';
import { testDatabases } from '../support/databases.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const message = (text: string): SlackMessage => ({
  text,
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
});
const silent = pino({ level: 'silent' });

describe.each(testDatabases())('slack outbox poster on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let clock: ManualClock;
  let nextIncident = 1;

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
    // Earlier tests' rows must not be claimed by this test's posters, nor their paces hold them up (the
    // edit budget is one key for every channel).
    await db.query("UPDATE slack_outbox SET status = 'sent' WHERE status = 'pending'");
    await db.query('DELETE FROM slack_channel_pace');
  });

  const poster = (options: { workerId?: string; leaseMs?: number } = {}) =>
    new SlackPoster({
      db,
      clock,
      logger: silent,
      transport: new WebApiTransport(createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl })),
      channelIntervalMs: 1_000,
      ...options,
    });

  async function incident(channel = '#ops'): Promise<number> {
    const id = nextIncident;
    nextIncident += 1;
    const result = await db.query<{ id: number }>(
      `INSERT INTO incidents (source, correlation_key, title, service, severity, status, channel, opened_at, last_event_at)
       VALUES ('alertmanager', $1, 'Test', 'svc', 'warning', 'triggered', $2, $3, $3) RETURNING id`,
      [`key-${id}-${Math.random()}`, channel, clock.now()],
    );
    return result.rows[0]?.id as number;
  }

  it('posts a thread in order: the root first, replies under its ts', async () => {
    const id = await incident();
    await db.transaction(async (tx) => {
      await enqueueRootMessage(tx, clock.now(), {
        incidentId: id,
        channel: '#ops',
        message: message('root'),
      });
      await enqueueReply(tx, clock.now(), { incidentId: id, message: message('reply 1') });
      await enqueueReply(tx, clock.now(), { incidentId: id, message: message('reply 2') });
    });
    const p = poster();
    // One message per channel per round: the reply waits for the root.
    expect(await p.runOnce()).toBe(1);
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['root']);
    // Paced: within the second nothing more goes to #ops.
    expect(await p.runOnce()).toBe(0);
    clock.advance(1_000);
    expect(await p.runOnce()).toBe(1);
    clock.advance(1_000);
    expect(await p.runOnce()).toBe(1);
    const posts = slack.callsOf('chat.postMessage');
    expect(posts.map((call) => call.body.text)).toEqual(['root', 'reply 1', 'reply 2']);
    const rootTs = (
      await db.query<{ root_ts: string }>('SELECT root_ts FROM slack_threads WHERE incident_id = $1', [id])
    ).rows[0]?.root_ts;
    expect(posts[1]?.body).toMatchObject({ channel: 'C0INCIDENTS', thread_ts: rootTs });
    expect(posts[2]?.body).toMatchObject({ channel: 'C0INCIDENTS', thread_ts: rootTs });
  });

  it('paces per channel, not globally: two channels are served in the same round', async () => {
    const a = await incident('#team-a');
    const b = await incident('#team-b');
    await db.transaction(async (tx) => {
      await enqueueRootMessage(tx, clock.now(), { incidentId: a, channel: '#team-a', message: message('a') });
      await enqueueRootMessage(tx, clock.now(), { incidentId: b, channel: '#team-b', message: message('b') });
    });
    expect(await poster().runOnce()).toBe(2);
    expect(
      slack
        .callsOf('chat.postMessage')
        .map((call) => call.body.channel)
        .sort(),
    ).toEqual(['#team-a', '#team-b']);
  });

  it('two posters (two replicas) keep a channel to one message per interval between them', async () => {
    // Real time here: the spacing is measured where Slack would see it, at the fake's receive times. A
    // channel of its own, so its pace row (wall-clock times) does not hold up other tests' manual clocks.
    const channel = '#pace-two-replicas';
    const intervalMs = 200;
    for (let i = 0; i < 6; i += 1) {
      const id = await incident(channel);
      await db.transaction((tx) =>
        enqueueRootMessage(tx, systemClock.now(), { incidentId: id, channel, message: message(`m${i}`) }),
      );
    }
    const replicas = ['replica-a', 'replica-b'].map(
      (workerId) =>
        new SlackPoster({
          db,
          clock: systemClock,
          logger: silent,
          transport: new WebApiTransport(createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl })),
          channelIntervalMs: intervalMs,
          pollMs: 10,
          workerId,
        }),
    );
    const sent = () => slack.callsOf('chat.postMessage').filter((call) => call.body.channel === channel);
    for (const replica of replicas) replica.start();
    try {
      await waitFor(() => sent().length >= 6 || undefined, 20_000);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
    const times = sent()
      .map((call) => call.at)
      .sort((a, b) => a - b);
    const gaps = times.slice(1).map((at, i) => Math.round(at - (times[i] as number)));
    expect(sent()).toHaveLength(6);
    expect(gaps.filter((gap) => gap < intervalMs)).toEqual([]);
  });

  it("a 429's Retry-After holds every replica off the channel, not only the poster that got it", async () => {
    const channel = '#retry-after-shared';
    for (const text of ['first', 'second']) {
      const id = await incident(channel);
      await db.transaction((tx) =>
        enqueueRootMessage(tx, clock.now(), { incidentId: id, channel, message: message(text) }),
      );
    }
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 30 });
    expect(await poster({ workerId: 'replica-a' }).runOnce()).toBe(1);
    const other = poster({ workerId: 'replica-b' });
    clock.advance(5_000);
    expect(await other.runOnce()).toBe(0);
    clock.advance(26_000);
    expect(await other.runOnce()).toBe(1);
    // The retried message is due later than the other thread's: that one goes first.
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['first', 'second']);
  });

  /** An incident in `channel` whose root message is posted (by a poster of its own, leaving no pace). */
  async function posted(channel: string, text = 'root'): Promise<number> {
    const id = await incident(channel);
    await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), { incidentId: id, channel, message: message(text) }),
    );
    await poster({ workerId: 'setup' }).drain({ ignorePacing: true });
    return id;
  }
  const edit = (incidentId: number, text: string) =>
    db.transaction((tx) => enqueueRootUpdate(tx, clock.now(), { incidentId, message: message(text) }));

  it("an edit does not take the channel's posting slot: a new incident's root goes out beside it", async () => {
    const a = await posted('#edits-vs-roots', 'a');
    await edit(a, 'a edited');
    const p = poster();
    // The edit goes at once: edits are not paced per channel (Slack's Tier 3: per workspace).
    expect(await p.runOnce()).toBe(1);
    expect(slack.callsOf('chat.update').map((call) => call.body.text)).toEqual(['a edited']);
    // A new incident in the same channel, the same instant: its root is not held by the edit's pace.
    const b = await incident('#edits-vs-roots');
    await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), {
        incidentId: b,
        channel: '#edits-vs-roots',
        message: message('b'),
      }),
    );
    expect(await p.runOnce()).toBe(1);
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['a', 'b']);
    // Posts keep their pace: a reply of b waits the channel's second, not the edit.
    await db.transaction((tx) =>
      enqueueReply(tx, clock.now(), { incidentId: b, message: message('b reply') }),
    );
    expect(await p.runOnce()).toBe(0);
    clock.advance(1_000);
    expect(await p.runOnce()).toBe(1);
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['a', 'b', 'b reply']);
  });

  it("an edit waits for its thread's earlier post, then not for the channel's pace", async () => {
    const id = await incident('#edit-after-post');
    await db.transaction(async (tx) => {
      await enqueueRootMessage(tx, clock.now(), {
        incidentId: id,
        channel: '#edit-after-post',
        message: message('root'),
      });
      await enqueueReply(tx, clock.now(), { incidentId: id, message: message('reply') });
    });
    const p = poster();
    expect(await p.runOnce()).toBe(1); // the root
    // The thread's next row is the reply (a post): the edit queued now stays behind it.
    await edit(id, 'root edited');
    expect(await p.runOnce()).toBe(0);
    expect(slack.callsOf('chat.update')).toEqual([]);
    clock.advance(1_000);
    expect(await p.runOnce()).toBe(1);
    expect(await p.runOnce()).toBe(1);
    expect(slack.calls.map((call) => `${call.method} ${call.body.text}`)).toEqual([
      'chat.postMessage root',
      'chat.postMessage reply',
      'chat.update root edited',
    ]);
  });

  it("a 429 on an edit holds every edit (any channel, any replica), not the channel's posts", async () => {
    const a = await posted('#edit-429-a', 'a');
    const c = await posted('#edit-429-c', 'c');
    await edit(a, 'a edited');
    slack.failNext('chat.update', { status: 429, retryAfterSec: 30 });
    expect(await poster({ workerId: 'replica-a' }).runOnce()).toBe(1);
    const other = poster({ workerId: 'replica-b' });
    // Posts to that channel are not held: a new incident's root goes out now.
    const b = await incident('#edit-429-a');
    await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), { incidentId: b, channel: '#edit-429-a', message: message('b') }),
    );
    expect(await other.runOnce()).toBe(1);
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['a', 'c', 'b']);
    // Edits are, in every channel: Slack's limit on chat.update is the workspace's.
    await edit(c, 'c edited');
    clock.advance(29_000);
    expect(await other.runOnce()).toBe(0);
    clock.advance(1_000);
    expect(await other.runOnce()).toBe(1);
    clock.advance(1_200);
    expect(await other.runOnce()).toBe(1);
    expect(slack.callsOf('chat.update').map((call) => call.body.text)).toEqual([
      'a edited', // the 429
      'c edited', // due before the retried one
      'a edited',
    ]);
  });

  it("an edit posted as its refused reply counts against the channel's posting pace", async () => {
    const id = await posted('#edit-as-reply');
    const replyId = (await db.transaction((tx) =>
      enqueueReply(tx, clock.now(), { incidentId: id, message: message('proposed') }),
    )) as number;
    const p = poster();
    slack.failNext('chat.postMessage', { error: 'msg_too_long' });
    expect(await p.runOnce()).toBe(1); // the reply, refused for good
    clock.advance(1_500);
    await db.transaction((tx) =>
      enqueueReplyUpdate(tx, clock.now(), { replyId, message: message('running') }),
    );
    expect(await p.runOnce()).toBe(1); // the edit, posted as the reply (chat.postMessage)
    const b = await incident('#edit-as-reply');
    await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), {
        incidentId: b,
        channel: '#edit-as-reply',
        message: message('b'),
      }),
    );
    // Another poster (no local hint): the channel's shared pace holds the new root for a second.
    const other = poster({ workerId: 'replica-b' });
    expect(await other.runOnce()).toBe(0);
    clock.advance(1_000);
    expect(await other.runOnce()).toBe(1);
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual([
      'root',
      'proposed',
      'running',
      'b',
    ]);
  });

  it('edits share one interval across channels and replicas', async () => {
    const ids = [await posted('#edit-x'), await posted('#edit-y'), await posted('#edit-z')];
    for (const [i, id] of ids.entries()) await edit(id, `edit ${i}`);
    const replicas = [poster({ workerId: 'replica-a' }), poster({ workerId: 'replica-b' })];
    const sentAt: number[] = [];
    const start = clock.now().getTime();
    for (let step = 0; step < 40 && sentAt.length < 3; step += 1) {
      for (const replica of replicas) {
        const handled = await replica.runOnce();
        for (let n = 0; n < handled; n += 1) sentAt.push(clock.now().getTime() - start);
      }
      clock.advance(100);
    }
    // One edit per 1.2 s in all, though each is to a channel of its own and two posters take turns.
    expect(sentAt).toEqual([0, 1_200, 2_400]);
    expect(slack.callsOf('chat.update')).toHaveLength(3);
  });

  it('two posters (two replicas) keep edits in all channels to one per update interval between them', async () => {
    // Real time, as for the channel pace above: the gaps are measured at the fake's receive times.
    const intervalMs = 200;
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await posted(`#edit-replicas-${i}`));
    for (const [i, id] of ids.entries()) await edit(id, `edit ${i}`);
    const replicas = ['replica-a', 'replica-b'].map(
      (workerId) =>
        new SlackPoster({
          db,
          clock: systemClock,
          logger: silent,
          transport: new WebApiTransport(createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl })),
          channelIntervalMs: 1_000,
          updateIntervalMs: intervalMs,
          pollMs: 10,
          workerId,
        }),
    );
    for (const replica of replicas) replica.start();
    try {
      await waitFor(() => slack.callsOf('chat.update').length >= 5 || undefined, 20_000);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
    const times = slack
      .callsOf('chat.update')
      .map((call) => call.at)
      .sort((a, b) => a - b);
    const gaps = times.slice(1).map((at, i) => Math.round(at - (times[i] as number)));
    expect(times).toHaveLength(5);
    expect(gaps.filter((gap) => gap < intervalMs)).toEqual([]);
  });

  it('folds a storm of root edits: the newest content only, one chat.update', async () => {
    const id = await incident();
    await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), { incidentId: id, channel: '#ops', message: message('v0') }),
    );
    // Edits before the root is posted fold into the root itself.
    for (let v = 1; v <= 50; v += 1) {
      await db.transaction((tx) =>
        enqueueRootUpdate(tx, clock.now(), { incidentId: id, message: message(`v${v}`) }),
      );
    }
    const p = poster();
    await p.drain({ ignorePacing: true });
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['v50']);
    expect(slack.callsOf('chat.update')).toEqual([]);
    // Edits after it was posted fold into one pending update.
    for (let v = 51; v <= 100; v += 1) {
      await db.transaction((tx) =>
        enqueueRootUpdate(tx, clock.now(), { incidentId: id, message: message(`v${v}`) }),
      );
    }
    await p.drain({ ignorePacing: true });
    expect(slack.callsOf('chat.update').map((call) => call.body.text)).toEqual(['v100']);
  });

  it('a poster that died mid-send loses its lease; another one sends the message once', async () => {
    const id = await incident();
    await db.transaction((tx) =>
      enqueueRootMessage(tx, clock.now(), { incidentId: id, channel: '#ops', message: message('orphan') }),
    );
    // The dead poster: it claimed the row (30 s lease) and never finished.
    const claimed = await claimOutbox(db, {
      now: clock.now(),
      workerId: 'dead-poster',
      leaseMs: 30_000,
      limit: 10,
    });
    expect(claimed.map((row) => row.message.text)).toEqual(['orphan']);
    const survivor = poster({ workerId: 'survivor' });
    expect(await survivor.runOnce()).toBe(0);
    clock.advance(31_000);
    expect(await survivor.runOnce()).toBe(1);
    expect(slack.callsOf('chat.postMessage').map((call) => call.body.text)).toEqual(['orphan']);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(1, 300_000, () => 0.5)).toBe(1_000);
    expect(retryDelayMs(4, 300_000, () => 0.5)).toBe(8_000);
    expect(retryDelayMs(30, 300_000, () => 0.5)).toBe(300_000);
    expect(retryDelayMs(1, 300_000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 300_000, () => 1)).toBe(1_200);
  });
});
