/**
 * The Slack outbox: every message to Slack is a row in `slack_outbox` first, written in the caller's
 * transaction, and posted later by the poster (poster.ts). Rows with the same `thread_key` are posted one
 * at a time in id order (an incident's root message, then its replies and edits), so a reply never
 * arrives before its root. Root edits coalesce: while one is pending, a newer one replaces its content.
 *
 * The poster's side (claim with a lease, finish fenced by that lease) lives here too, beside the SQL it
 * shares with the enqueue side; times always come from the caller's clock.
 */

import { redactAndCut } from '../analysis/redact.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { redactForSlack, type SlackMessage } from './message.ts';

export type OutboxKind = 'root' | 'update_root' | 'reply' | 'update_reply';

export const incidentThreadKey = (incidentId: number): string => `incident:${incidentId}`;
export const channelThreadKey = (channel: string): string => `channel:${channel}`;

export interface SlackThread {
  /** The channel as routed (`#incidents` or an id): where the root message is posted. */
  channel: string;
  /** Slack's channel id, known once the root message was posted. */
  channelId: string | null;
  /** The root message's ts (the thread's `thread_ts`), known once it was posted. */
  rootTs: string | null;
}

// ─── enqueue (any transaction) ────────────────────────────────────────────────────────────────────────

async function insertRow(
  tx: Queryable,
  now: Date,
  row: {
    threadKey: string;
    incidentId: number | null;
    channel: string;
    kind: OutboxKind;
    message: SlackMessage;
  },
): Promise<number> {
  const result = await tx.query<{ id: number }>(
    `INSERT INTO slack_outbox (thread_key, incident_id, channel, kind, message, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6)
     RETURNING id`,
    [row.threadKey, row.incidentId, row.channel, row.kind, jsonParam(redactForSlack(row.message)), now],
  );
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error('slack_outbox insert returned no row');
  return id;
}

async function threadChannel(tx: Queryable, incidentId: number): Promise<string | null> {
  const result = await tx.query<{ channel: string }>(
    'SELECT channel FROM slack_threads WHERE incident_id = $1',
    [incidentId],
  );
  return result.rows[0]?.channel ?? null;
}

/**
 * The incident's root message in `channel`: creates its thread and queues the post. An incident has one
 * root message; when its thread exists already, this edits the root to `message` instead (so a retried
 * caller never posts a second root). Returns the outbox row id.
 */
export async function enqueueRootMessage(
  tx: Queryable,
  now: Date,
  input: { incidentId: number; channel: string; message: SlackMessage },
): Promise<number> {
  const created = await tx.query<{ incident_id: number }>(
    `INSERT INTO slack_threads (incident_id, channel, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (incident_id) DO NOTHING
     RETURNING incident_id`,
    [input.incidentId, input.channel, now],
  );
  if (created.rows.length === 0) {
    const id = await enqueueRootUpdate(tx, now, { incidentId: input.incidentId, message: input.message });
    if (id === null) throw new Error(`slack thread of incident ${input.incidentId} vanished`);
    return id;
  }
  return insertRow(tx, now, {
    threadKey: incidentThreadKey(input.incidentId),
    incidentId: input.incidentId,
    channel: input.channel,
    kind: 'root',
    message: input.message,
  });
}

/**
 * Edits the incident's root message to `message` (chat.update). Coalesces, so an alert storm makes few
 * edits: a root not yet claimed by a poster just gets the new content; otherwise the one pending edit
 * of the incident is replaced (its `version` bumped, so a poster sending the older content right now
 * leaves the row pending and sends the newer one next). Returns the outbox row id, or null when the
 * incident has no Slack thread (no root message was ever enqueued).
 */
export async function enqueueRootUpdate(
  tx: Queryable,
  now: Date,
  input: { incidentId: number; message: SlackMessage },
): Promise<number | null> {
  const channel = await threadChannel(tx, input.incidentId);
  if (channel === null) return null;
  const threadKey = incidentThreadKey(input.incidentId);
  const message = jsonParam(redactForSlack(input.message));
  // A root no poster holds yet is posted with the newest content: no edit at all.
  const folded = await tx.query<{ id: number }>(
    `UPDATE slack_outbox SET message = $2::jsonb, version = version + 1
     WHERE thread_key = $1 AND kind = 'root' AND status = 'pending'
       AND (locked_until IS NULL OR locked_until <= $3)
     RETURNING id`,
    [threadKey, message, now],
  );
  if (folded.rows[0]) return folded.rows[0].id;
  const upserted = await tx.query<{ id: number }>(
    `INSERT INTO slack_outbox (thread_key, incident_id, channel, kind, message, next_attempt_at, created_at)
     VALUES ($1, $2, $3, 'update_root', $4::jsonb, $5, $5)
     ON CONFLICT (incident_id) WHERE kind = 'update_root' AND status = 'pending'
     DO UPDATE SET message = EXCLUDED.message, version = slack_outbox.version + 1
     RETURNING id`,
    [threadKey, input.incidentId, channel, message, now],
  );
  const id = upserted.rows[0]?.id;
  if (id === undefined) throw new Error('slack_outbox upsert returned no row');
  return id;
}

/** A reply in the incident's thread. Returns the outbox row id, or null when the incident has no thread. */
export async function enqueueReply(
  tx: Queryable,
  now: Date,
  input: { incidentId: number; message: SlackMessage },
): Promise<number | null> {
  const channel = await threadChannel(tx, input.incidentId);
  if (channel === null) return null;
  return insertRow(tx, now, {
    threadKey: incidentThreadKey(input.incidentId),
    incidentId: input.incidentId,
    channel,
    kind: 'reply',
    message: input.message,
  });
}

/**
 * Edits a reply this outbox posted (outbox row `replyId`, e.g. a remediation action's message) to
 * `message` (chat.update). Coalesces like root edits: a reply no poster has claimed yet (or that was
 * released after a failure) just gets the new content — never one a poster may be sending, which would
 * be posted twice; otherwise the one pending edit of that reply is replaced. Returns the outbox row id, or null
 * when `replyId` is not a reply of an incident thread.
 */
export async function enqueueReplyUpdate(
  tx: Queryable,
  now: Date,
  input: { replyId: number; message: SlackMessage },
): Promise<number | null> {
  const reply = await tx.query<{ thread_key: string; incident_id: number | null; channel: string }>(
    `SELECT thread_key, incident_id, channel FROM slack_outbox WHERE id = $1 AND kind = 'reply'`,
    [input.replyId],
  );
  const row = reply.rows[0];
  if (!row) return null;
  const message = jsonParam(redactForSlack(input.message));
  const folded = await tx.query<{ id: number }>(
    `UPDATE slack_outbox SET message = $2::jsonb, version = version + 1
     WHERE id = $1 AND status = 'pending' AND locked_by IS NULL
     RETURNING id`,
    [input.replyId, message],
  );
  if (folded.rows[0]) return folded.rows[0].id;
  const upserted = await tx.query<{ id: number }>(
    `INSERT INTO slack_outbox (thread_key, incident_id, channel, kind, message, reply_to, next_attempt_at, created_at)
     VALUES ($1, $2, $3, 'update_reply', $4::jsonb, $5, $6, $6)
     ON CONFLICT (reply_to) WHERE kind = 'update_reply' AND status = 'pending'
     DO UPDATE SET message = EXCLUDED.message, version = slack_outbox.version + 1
     RETURNING id`,
    [row.thread_key, row.incident_id, row.channel, message, input.replyId, now],
  );
  const id = upserted.rows[0]?.id;
  if (id === undefined) throw new Error('slack_outbox upsert returned no row');
  return id;
}

/** Where an outbox reply went once sent (the edit's target), or null while unsent or when it died. */
export async function sentReplyTs(db: Queryable, replyId: number): Promise<string | null> {
  const result = await db.query<{ slack_ts: string | null }>(
    `SELECT slack_ts FROM slack_outbox WHERE id = $1 AND status = 'sent'`,
    [replyId],
  );
  return result.rows[0]?.slack_ts ?? null;
}

/** The status of the reply an `update_reply` edits ('sent', 'dead', 'pending'), or null when it is gone. */
export async function replyStatus(db: Queryable, replyId: number): Promise<string | null> {
  const result = await db.query<{ status: string }>('SELECT status FROM slack_outbox WHERE id = $1', [
    replyId,
  ]);
  return result.rows[0]?.status ?? null;
}

/**
 * An edit whose reply Slack refused for good was posted as the reply itself (the newest content is what
 * the thread should show, and it was never shown): the edit is sent, and the reply counts as sent where
 * the edit went, so later edits of it edit that message (never a second one).
 */
export async function markEditPostedAsReply(
  db: Db,
  row: OutboxRow,
  workerId: string,
  now: Date,
  slackTs: string,
): Promise<FinishOutcome> {
  return db.transaction(async (tx) => {
    const held = await tx.query(`SELECT 1 FROM slack_outbox WHERE ${LEASE} FOR UPDATE`, [row.id, workerId]);
    if (held.rowCount === 0) return 'lost';
    await tx.query(
      `UPDATE slack_outbox SET status = 'sent', sent_at = $2, slack_ts = $3
       WHERE id = $1 AND status = 'dead'`,
      [row.replyTo, now, slackTs],
    );
    return markOutboxSent(tx, row, workerId, now, slackTs);
  });
}

/** A top-level message not tied to an incident (digests, notices); in order with others to `channel`. */
export async function enqueueChannelMessage(
  tx: Queryable,
  now: Date,
  input: { channel: string; message: SlackMessage },
): Promise<number> {
  return insertRow(tx, now, {
    threadKey: channelThreadKey(input.channel),
    incidentId: null,
    channel: input.channel,
    kind: 'root',
    message: input.message,
  });
}

// ─── read helpers ─────────────────────────────────────────────────────────────────────────────────────

export async function getThread(db: Queryable, incidentId: number): Promise<SlackThread | null> {
  const result = await db.query<{ channel: string; channel_id: string | null; root_ts: string | null }>(
    'SELECT channel, channel_id, root_ts FROM slack_threads WHERE incident_id = $1',
    [incidentId],
  );
  const row = result.rows[0];
  return row ? { channel: row.channel, channelId: row.channel_id, rootTs: row.root_ts } : null;
}

/** The incident whose root message is `threadTs` in channel `channelId` (a Slack event's thread_ts). */
export async function findIncidentByThread(
  db: Queryable,
  channelId: string,
  threadTs: string,
): Promise<number | null> {
  const result = await db.query<{ incident_id: number }>(
    'SELECT incident_id FROM slack_threads WHERE channel_id = $1 AND root_ts = $2 ORDER BY incident_id LIMIT 1',
    [channelId, threadTs],
  );
  return result.rows[0]?.incident_id ?? null;
}

/** Where the incident's thread is and how its messages fared (the API shows it). */
export async function threadDelivery(
  db: Queryable,
  incidentId: number,
): Promise<
  (SlackThread & { messages: Record<'pending' | 'sent' | 'dead', number>; lastError: string | null }) | null
> {
  const thread = await getThread(db, incidentId);
  if (!thread) return null;
  const counts = await db.query<{
    status: 'pending' | 'sent' | 'dead';
    n: number;
    last_error: string | null;
  }>(
    `SELECT status, count(*)::int AS n, max(last_error) AS last_error FROM slack_outbox WHERE incident_id = $1
     GROUP BY status`,
    [incidentId],
  );
  const messages = { pending: 0, sent: 0, dead: 0 };
  let lastError: string | null = null;
  for (const row of counts.rows) {
    messages[row.status] = Number(row.n);
    if (row.status !== 'sent' && row.last_error) lastError = row.last_error;
  }
  return { ...thread, messages, lastError };
}

// ─── the poster's side ────────────────────────────────────────────────────────────────────────────────

export interface OutboxRow {
  id: number;
  threadKey: string;
  incidentId: number | null;
  channel: string;
  kind: OutboxKind;
  message: SlackMessage;
  /** update_reply: the outbox row of the reply being edited. */
  replyTo: number | null;
  /** The content version claimed; finishing checks it is still current. */
  version: number;
  /** Tries so far, this one included. */
  attempts: number;
}

interface RawRow {
  id: number;
  thread_key: string;
  incident_id: number | null;
  channel: string;
  kind: OutboxKind;
  message: SlackMessage;
  reply_to: number | null;
  version: number;
  attempts: number;
}

const fromRaw = (row: RawRow): OutboxRow => ({
  id: row.id,
  threadKey: row.thread_key,
  incidentId: row.incident_id,
  channel: row.channel,
  kind: row.kind,
  message: row.message,
  replyTo: row.reply_to,
  version: row.version,
  attempts: row.attempts,
});

/**
 * The pace key of every edit (`chat.update`): Slack limits edits per workspace (Tier 3, 50+ a minute),
 * not per channel, so edits share one budget in `slack_channel_pace` under a key no channel can have, and
 * never wait for (or hold) a channel's 1-message-a-second posting pace.
 */
export const UPDATE_PACE_KEY = 'method:chat.update';

/** The pace a row of `kind` takes: its channel's for a post, the workspace's edit budget for an edit. */
export const paceKeyOf = (row: { kind: OutboxKind; channel: string }): string =>
  row.kind === 'update_root' || row.kind === 'update_reply' ? UPDATE_PACE_KEY : row.channel;

/**
 * Claims due rows, each the head (lowest pending id) of its thread, with a lease until `now + leaseMs`:
 * at most one per pace key — per channel for posts (`root`, `reply`), and with `pace` one edit
 * (`update_root`, `update_reply`) for the whole workspace (UPDATE_PACE_KEY); without `pace`, one row per
 * channel whatever its kind. Of a channel's due heads a root message goes first (a new incident is told
 * before another thread's reply: the channel's pace would otherwise keep it waiting behind them). `heads`
 * picks the first pending row of every thread — locked or not, so a row behind an in-flight one is never
 * a candidate (an edit never overtakes the post it edits, whichever pace each takes); `picks` keeps the
 * due, unleased heads of pace keys the caller is not pacing, one per key. The outer SELECT locks them FOR
 * UPDATE SKIP LOCKED: a row another poster is claiming right now is skipped, and a row whose claim (or
 * send) committed after this statement's snapshot is re-read and re-checked against the repeated
 * conditions under READ COMMITTED, so it drops out. A row becomes a head only once the row before it is
 * sent or dead, which is final, so a stale snapshot can never make a later row of a thread claimable early.
 *
 * With `pace`, each key's pace is shared by every poster through `slack_channel_pace`: a row is claimed
 * only together with its key, taken by the upsert in `paced` (next_at <= now) and held for the lease,
 * i.e. while the message is in flight; once Slack answered, the poster sets next_at to the answer's time
 * + the interval (paceChannel). So the interval counts from Slack's side: a claim that sat in a queue, or
 * a slow request, cannot bring two messages closer than the interval. ON CONFLICT DO UPDATE re-checks its
 * WHERE against the latest committed row after waiting for a concurrent claimer, so of two replicas
 * claiming one key at once only one gets it (keys are upserted in order: two claimers cannot deadlock).
 * A key taken whose row is then skipped after all (a claim racing this one for the same row, which the
 * pace itself makes all but impossible) stays quiet until the lease ends: slower, never faster. A poster
 * that dies mid-send holds its key as long as its row: one lease.
 */
export async function claimOutbox(
  db: Queryable,
  options: {
    now: Date;
    workerId: string;
    leaseMs: number;
    limit: number;
    /** Pace keys (channels, UPDATE_PACE_KEY) to leave alone this round. */
    skipChannels?: readonly string[];
    /** Pace channels and edits across every poster (see above); none when absent. */
    pace?: boolean;
  },
): Promise<OutboxRow[]> {
  const paced = options.pace === true;
  const paceKey = paced
    ? `CASE WHEN kind IN ('update_root', 'update_reply') THEN $7::text ELSE channel END`
    : 'channel';
  const result = await db.query<RawRow>(
    `WITH heads AS (
       SELECT DISTINCT ON (thread_key) id, channel, kind, next_attempt_at, locked_until
       FROM slack_outbox
       WHERE status = 'pending'
       ORDER BY thread_key, id
     ), keyed AS (
       SELECT id, kind, next_attempt_at, locked_until, ${paceKey} AS pace_key FROM heads
     ), picks AS (
       SELECT DISTINCT ON (pace_key) id, pace_key, next_attempt_at
       FROM keyed
       WHERE next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
         AND pace_key NOT IN (SELECT jsonb_array_elements_text($4::jsonb))
         ${paced ? 'AND NOT EXISTS (SELECT 1 FROM slack_channel_pace p WHERE p.channel = keyed.pace_key AND p.next_at > $1)' : ''}
       ORDER BY pace_key, kind <> 'root', next_attempt_at, id
     ), chosen AS (
       SELECT id, pace_key FROM picks ORDER BY next_attempt_at, id LIMIT $5
     )${
       paced
         ? `, paced AS (
       INSERT INTO slack_channel_pace (channel, next_at)
       SELECT pace_key, $6::timestamptz FROM chosen ORDER BY pace_key
       ON CONFLICT (channel) DO UPDATE SET next_at = EXCLUDED.next_at
         WHERE slack_channel_pace.next_at <= $1
       RETURNING channel
     )`
         : ''
     }
     UPDATE slack_outbox SET attempts = attempts + 1, locked_by = $2, locked_until = $3
     WHERE id IN (
       SELECT id FROM slack_outbox
       WHERE id IN (SELECT id FROM chosen${paced ? ' WHERE pace_key IN (SELECT channel FROM paced)' : ''})
         AND status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
       FOR UPDATE SKIP LOCKED
     )
     RETURNING id, thread_key, incident_id, channel, kind, message, reply_to, version, attempts`,
    [
      options.now,
      options.workerId,
      new Date(options.now.getTime() + options.leaseMs),
      jsonParam(options.skipChannels ?? []),
      options.limit,
      ...(paced ? [new Date(options.now.getTime() + options.leaseMs), UPDATE_PACE_KEY] : []),
    ],
  );
  return result.rows.map(fromRaw).sort((a, b) => a.id - b.id);
}

/**
 * Opens pace key `channel` (a channel, or UPDATE_PACE_KEY) again at `until`, for every poster: the
 * claimer calls it once Slack answered (answer time + the interval, or a 429's Retry-After). Only the
 * poster holding the key sends on it, so it replaces the hold.
 */
export async function paceChannel(
  db: Queryable,
  channel: string,
  until: Date,
  options: { atLeast?: boolean } = {},
): Promise<void> {
  // atLeast: a poster not holding the key (an edit posted as a reply) only pushes it later, never earlier.
  await db.query(
    `INSERT INTO slack_channel_pace (channel, next_at) VALUES ($1, $2)
     ON CONFLICT (channel) DO UPDATE SET next_at = ${
       options.atLeast ? 'GREATEST(slack_channel_pace.next_at, EXCLUDED.next_at)' : 'EXCLUDED.next_at'
     }`,
    [channel, until],
  );
}

/** What finishing a claimed row did: done, left pending for newer content, or the lease was lost. */
export type FinishOutcome = 'done' | 'changed' | 'lost';

const LEASE = `id = $1 AND locked_by = $2 AND status = 'pending'`;
const errorText = (error: string) => redactAndCut(error, 2000);

/** Returns the row to the queue at `at`, keeping its content. */
export async function releaseOutbox(
  db: Queryable,
  row: OutboxRow,
  workerId: string,
  at: Date,
  error: string | null,
): Promise<'done' | 'lost'> {
  const result = await db.query(
    `UPDATE slack_outbox SET locked_by = NULL, locked_until = NULL, next_attempt_at = $3, last_error = $4
     WHERE ${LEASE}`,
    [row.id, workerId, at, error === null ? null : errorText(error)],
  );
  return result.rowCount > 0 ? 'done' : 'lost';
}

/**
 * A reply or an edit went out. When the content changed while it was in flight (a newer root edit was
 * coalesced into this row) the row stays pending, due now, so the newer content follows.
 */
export async function markOutboxSent(
  db: Queryable,
  row: OutboxRow,
  workerId: string,
  now: Date,
  slackTs: string,
): Promise<FinishOutcome> {
  const sent = await db.query(
    `UPDATE slack_outbox SET status = 'sent', sent_at = $3, slack_ts = $4, last_error = NULL,
       locked_by = NULL, locked_until = NULL
     WHERE ${LEASE} AND version = $5`,
    [row.id, workerId, now, slackTs, row.version],
  );
  if (sent.rowCount > 0) return 'done';
  return (await releaseOutbox(db, row, workerId, now, null)) === 'done' ? 'changed' : 'lost';
}

/**
 * A root message went out: records where (the thread's channel id and root ts) and marks the row sent in
 * one transaction. A root whose content changed in flight is sent all the same (it is in the channel
 * now); the newer content is queued as an edit.
 */
export async function markRootSent(
  db: Db,
  row: OutboxRow,
  workerId: string,
  now: Date,
  posted: { channel: string; ts: string },
): Promise<FinishOutcome> {
  return db.transaction(async (tx) => {
    const sent = await tx.query<{ version: number; message: SlackMessage }>(
      `UPDATE slack_outbox SET status = 'sent', sent_at = $3, slack_ts = $4, last_error = NULL,
         locked_by = NULL, locked_until = NULL
       WHERE ${LEASE}
       RETURNING version, message`,
      [row.id, workerId, now, posted.ts],
    );
    const current = sent.rows[0];
    if (!current) return 'lost';
    if (row.incidentId === null) return 'done';
    await tx.query('UPDATE slack_threads SET channel_id = $2, root_ts = $3 WHERE incident_id = $1', [
      row.incidentId,
      posted.channel,
      posted.ts,
    ]);
    if (current.version === row.version) return 'done';
    await enqueueRootUpdate(tx, now, { incidentId: row.incidentId, message: current.message });
    return 'changed';
  });
}

/**
 * Slack refused the row for good. With `wholeThread` (the root is dead, so nothing can be threaded under
 * it) every other pending row of the thread dies with it. A row whose content changed in flight is not
 * dead — the newer content may be fine — and is released instead ('changed').
 */
export async function markOutboxDead(
  db: Db,
  row: OutboxRow,
  workerId: string,
  now: Date,
  error: string,
  options: { wholeThread?: boolean } = {},
): Promise<FinishOutcome> {
  return db.transaction(async (tx) => {
    const dead = await tx.query(
      `UPDATE slack_outbox SET status = 'dead', last_error = $3, locked_by = NULL, locked_until = NULL
       WHERE ${LEASE} AND version = $4`,
      [row.id, workerId, errorText(error), row.version],
    );
    if (dead.rowCount === 0) {
      return (await releaseOutbox(tx, row, workerId, now, error)) === 'done' ? 'changed' : 'lost';
    }
    if (options.wholeThread) {
      await tx.query(
        `UPDATE slack_outbox SET status = 'dead', last_error = $2, locked_by = NULL, locked_until = NULL
         WHERE thread_key = $1 AND status = 'pending'`,
        [row.threadKey, errorText(`root message not posted: ${error}`)],
      );
    }
    return 'done';
  });
}

/** The status of the thread's root row: 'sent', 'dead', 'pending', or null when there is none. */
export async function rootStatus(db: Queryable, threadKey: string): Promise<string | null> {
  const result = await db.query<{ status: string }>(
    `SELECT status FROM slack_outbox WHERE thread_key = $1 AND kind = 'root' ORDER BY id LIMIT 1`,
    [threadKey],
  );
  return result.rows[0]?.status ?? null;
}

/**
 * Moves a thread whose root could not be posted where it was routed (deleted or archived channel, bot not
 * invited) to `channel`: the root and every pending row of the thread go there instead, due now. The
 * incident keeps its routed channel; only its Slack thread moves.
 */
export async function rerouteThread(
  db: Db,
  row: OutboxRow,
  workerId: string,
  now: Date,
  channel: string,
  error: string,
): Promise<'done' | 'lost'> {
  return db.transaction(async (tx) => {
    const moved = await tx.query(
      `UPDATE slack_outbox SET channel = $3, next_attempt_at = $4, last_error = $5, locked_by = NULL,
         locked_until = NULL
       WHERE ${LEASE}`,
      [row.id, workerId, channel, now, errorText(`rerouted from ${row.channel}: ${error}`)],
    );
    if (moved.rowCount === 0) return 'lost';
    await tx.query(
      `UPDATE slack_outbox SET channel = $2 WHERE thread_key = $1 AND status = 'pending' AND id <> $3`,
      [row.threadKey, channel, row.id],
    );
    if (row.incidentId !== null) {
      await tx.query('UPDATE slack_threads SET channel = $2 WHERE incident_id = $1', [
        row.incidentId,
        channel,
      ]);
    }
    return 'done';
  });
}

/**
 * After an outage: rows the database has claimed for `workerId` but the poster does not know it holds (the
 * claim committed while its answer was lost with the connection) are given back now, not after their lease.
 * They were never sent: a poster knows every row it is sending. `known` are the rows it does hold.
 */
export async function releaseOrphanedOutbox(
  db: Queryable,
  workerId: string,
  known: readonly number[],
): Promise<number> {
  const result = await db.query(
    `UPDATE slack_outbox SET locked_by = NULL, locked_until = NULL
     WHERE locked_by = $1 AND status = 'pending' AND id NOT IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint)`,
    [workerId, jsonParam(known)],
  );
  return result.rowCount;
}
