/**
 * The poster: drains the Slack outbox (outbox.ts) into a transport (the Web API, or the console in local
 * mode). Per channel it posts at most one message per `channelIntervalMs` (Slack allows about one per
 * second per channel), and it edits (`chat.update`, a Tier 3 method: 50+ a minute per workspace, not per
 * channel) at most once per `updateIntervalMs` across all channels, never waiting for a channel's posting
 * pace; in order per thread. It waits out `429 Retry-After` on what it paces (the channel for a post, the
 * edit budget for an edit), backs off on
 * 5xx and network errors without ever giving up on them, and drops a message only when Slack refuses it
 * for good (e.g. `channel_not_found`), recording why. All state is in the outbox, so a restarted poster
 * (or another replica) resumes where this one stopped. The paces are shared by every replica through
 * `slack_channel_pace` (claimOutbox holds a channel, or the edit budget's key UPDATE_PACE_KEY, with its
 * row while the message is in flight; Slack's answer opens it again an interval later, a 429 after
 * Retry-After), so two replicas still make one post per interval per channel and one edit per interval in
 * all, counted where Slack sees them. The in-process map only spares the database a claim for keys this
 * poster knows are paced. If the database is unreachable right after a send, the key stays held until the
 * row's lease ends (slower, never faster).
 *
 * The database going away is not a Slack failure: a message Slack took while the database was down is
 * recorded as sent once it is back (not sent twice), a row it interrupted is given back, and polling backs
 * off meanwhile (OutageBackoff). A poster that dies instead leaves its claims to expire with their lease.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import { OutageBackoff } from '../db/outage.ts';
import { isDatabaseUnavailable } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  claimOutbox,
  getThread,
  markEditPostedAsReply,
  markOutboxDead,
  markOutboxSent,
  markRootSent,
  type OutboxRow,
  paceChannel,
  paceKeyOf,
  releaseOrphanedOutbox,
  releaseOutbox,
  replyStatus,
  rerouteThread,
  rootStatus,
  sentReplyTs,
} from './outbox.ts';
import { classifySlackError, type SlackFailure, type SlackTransport } from './transport.ts';

export interface SlackPosterOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  transport: SlackTransport;
  workerId?: string;
  /** Minimum time between two posts to one channel. */
  channelIntervalMs?: number;
  /**
   * Minimum time between two edits (`chat.update`), whatever their channel: Slack's Tier 3 allows 50+ a
   * minute per workspace, so 1.2 s by default. Paced only when channels are (`channelIntervalMs` > 0).
   */
  updateIntervalMs?: number;
  /** How long a claimed row is ours; a poster that died mid-send loses it after this. */
  leaseMs?: number;
  /** Idle poll interval. */
  pollMs?: number;
  /** Rows claimed per round (one per channel). */
  batchSize?: number;
  /** Cap of the exponential backoff after 5xx / network errors. */
  maxBackoffMs?: number;
  /**
   * Where a root message goes when Slack refuses its routed channel (not found, archived, bot not in it):
   * AIOPS_DEFAULT_CHANNEL. An incident must reach people even when a route is wrong.
   */
  fallbackChannel?: string;
  /** Called with what happened to each row (metrics, tests). */
  onOutcome?: (outcome: PostOutcome) => void;
}

export type PostOutcome =
  | { rowId: number; kind: OutboxRow['kind']; result: 'sent' | 'changed' | 'lost' }
  | { rowId: number; kind: OutboxRow['kind']; result: 'retry'; failure: SlackFailure; retryAt: Date }
  | { rowId: number; kind: OutboxRow['kind']; result: 'dead'; failure: SlackFailure }
  | { rowId: number; kind: OutboxRow['kind']; result: 'rerouted'; failure: SlackFailure; channel: string };

/** Slack errors that mean "this channel cannot take the message", as opposed to "this message is bad". */
const UNREACHABLE_CHANNEL_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
]);

/** 1 s, 2 s, 4 s … up to `cap`, with ±20% jitter so replicas do not retry in lockstep. */
export function retryDelayMs(attempts: number, cap: number, random = Math.random): number {
  const base = Math.min(cap, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class SlackPoster {
  readonly workerId: string;
  /** Pace key (channel, or UPDATE_PACE_KEY) → the earliest time (ms, poster clock) it may send again. */
  private readonly nextSendAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;
  /** Claimed rows whose outcome waits for the database (sent, or to give back), by row id. */
  private readonly unsettled = new Map<number, () => Promise<unknown>>();
  /** Claimed rows being delivered now. */
  private readonly inFlight = new Set<number>();
  /** The database failed under us since we last looked for claims we do not know we hold. */
  private orphansPossible = false;
  /** Rounds under way (runOnce may be called concurrently). */
  private active = 0;
  private readonly outage: OutageBackoff;

  constructor(private readonly options: SlackPosterOptions) {
    this.workerId = options.workerId ?? `poster-${randomUUID().slice(0, 8)}`;
    this.outage = new OutageBackoff({
      logger: options.logger,
      what: 'slack poster',
      maxMs: options.maxBackoffMs === undefined ? 10_000 : Math.min(options.maxBackoffMs, 10_000),
    });
  }

  private get channelIntervalMs() {
    return this.options.channelIntervalMs ?? 1_000;
  }

  /** The interval of the pace `row` takes (paceKeyOf): its channel's posting pace or the edit budget. */
  private intervalOf(row: OutboxRow): number {
    return paceKeyOf(row) === row.channel ? this.channelIntervalMs : (this.options.updateIntervalMs ?? 1_200);
  }

  /** Sends what is due now, one row per channel not being paced; returns how many rows it handled. */
  async runOnce(options: { ignorePacing?: boolean } = {}): Promise<number> {
    this.active += 1;
    try {
      return await this.round(options);
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.orphansPossible = true;
      throw error;
    } finally {
      this.active -= 1;
    }
  }

  private async round(options: { ignorePacing?: boolean }): Promise<number> {
    await this.settle();
    // Only with no other round under way, whose fresh claim could look like an orphan.
    if (this.orphansPossible && this.active === 1) {
      const known = [...this.inFlight, ...this.unsettled.keys()];
      const released = await releaseOrphanedOutbox(this.options.db, this.workerId, known);
      this.orphansPossible = false;
      if (released > 0) {
        this.options.logger.info({ released }, 'gave back slack messages claimed as the database went away');
      }
    }
    const now = this.options.clock.now();
    const pacing = !options.ignorePacing && this.channelIntervalMs > 0;
    const paced = pacing
      ? [...this.nextSendAt].filter(([, at]) => at > now.getTime()).map(([channel]) => channel)
      : [];
    const rows = await claimOutbox(this.options.db, {
      now,
      workerId: this.workerId,
      leaseMs: this.options.leaseMs ?? 30_000,
      limit: this.options.batchSize ?? 20,
      skipChannels: paced,
      pace: pacing,
    });
    for (const row of rows) this.inFlight.add(row.id);
    // Different channels are independent: send to them concurrently.
    const results = await Promise.allSettled(rows.map((row) => this.deliver(row, pacing)));
    for (const row of rows) this.inFlight.delete(row.id);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return rows.length;
  }

  /** Records what the database missed while it was down; throws while it still is. */
  private async settle(): Promise<void> {
    for (const [id, record] of this.unsettled) {
      try {
        await record();
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        this.options.logger.error(
          { err: error, outboxId: id },
          'could not record a slack outcome after an outage',
        );
      }
      this.unsettled.delete(id);
    }
  }

  /**
   * Runs a database write about a claimed row. When the database is down the write is kept and retried
   * first thing once it is back (see settle), and the outage is thrown on.
   */
  private async record<T>(row: OutboxRow, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isDatabaseUnavailable(error) && !this.unsettled.has(row.id)) this.unsettled.set(row.id, write);
      throw error;
    }
  }

  /** Runs until nothing is due (tests, `aiops replay`); pacing waits are skipped only when `ignorePacing`. */
  async drain(options: { ignorePacing?: boolean; maxRounds?: number } = {}): Promise<number> {
    let total = 0;
    for (let round = 0; round < (options.maxRounds ?? 10_000); round += 1) {
      if (options.ignorePacing) this.nextSendAt.clear();
      const handled = await this.runOnce({ ignorePacing: options.ignorePacing ?? false });
      total += handled;
      if (handled === 0) break;
    }
    return total;
  }

  private async deliver(row: OutboxRow, pacing: boolean): Promise<void> {
    try {
      await this.deliverRow(row, pacing);
    } catch (error) {
      // Interrupted by the database going away before anything was decided: the row is given back.
      if (isDatabaseUnavailable(error) && !this.unsettled.has(row.id)) {
        const { db, clock } = this.options;
        this.unsettled.set(row.id, () => releaseOutbox(db, row, this.workerId, clock.now(), null));
      }
      throw error;
    }
  }

  private async deliverRow(row: OutboxRow, pacing: boolean): Promise<void> {
    const { db, clock, logger } = this.options;
    let outcome: PostOutcome;
    try {
      outcome = await this.send(row, pacing);
      if (pacing) await this.paceShared(paceKeyOf(row), clock.now().getTime() + this.intervalOf(row));
    } catch (error) {
      // Not Slack's doing: the database went away (before the send, or while recording it).
      if (isDatabaseUnavailable(error)) throw error;
      const failure = classifySlackError(error);
      const now = clock.now();
      // The request reached Slack (or may have): the interval counts for every replica; a 429's
      // Retry-After holds them all off what it limits (the channel for a post, every edit for an edit).
      if (pacing) {
        const waitMs = failure.kind === 'rate_limited' ? failure.retryAfterSec * 1000 : 0;
        await this.paceShared(paceKeyOf(row), now.getTime() + Math.max(waitMs, this.intervalOf(row)));
      }
      const fallback = this.options.fallbackChannel;
      if (
        failure.kind === 'permanent' &&
        row.kind === 'root' &&
        fallback &&
        row.channel !== fallback &&
        UNREACHABLE_CHANNEL_ERRORS.has(failure.error)
      ) {
        await rerouteThread(db, row, this.workerId, now, fallback, failure.error);
        outcome = { rowId: row.id, kind: row.kind, result: 'rerouted', failure, channel: fallback };
      } else if (failure.kind === 'permanent') {
        // Nothing can be threaded under a root that never posted: its replies and edits go with it.
        await markOutboxDead(db, row, this.workerId, now, failure.error, {
          wholeThread: row.kind === 'root',
        });
        outcome = { rowId: row.id, kind: row.kind, result: 'dead', failure };
      } else {
        const delayMs =
          failure.kind === 'rate_limited'
            ? failure.retryAfterSec * 1000
            : retryDelayMs(row.attempts, this.options.maxBackoffMs ?? 5 * 60_000);
        const retryAt = new Date(now.getTime() + delayMs);
        if (failure.kind === 'rate_limited') this.pace(paceKeyOf(row), retryAt.getTime());
        await releaseOutbox(db, row, this.workerId, retryAt, failure.error);
        outcome = { rowId: row.id, kind: row.kind, result: 'retry', failure, retryAt };
      }
      const level = outcome.result === 'dead' ? 'error' : 'warn';
      const what = {
        dead: 'slack message refused; dropped',
        rerouted: `slack channel unusable; thread moved to ${fallback}`,
        retry: 'slack message failed; will retry',
      } as const;
      logger[level](
        {
          outboxId: row.id,
          kind: row.kind,
          channel: row.channel,
          attempts: row.attempts,
          error: failure.error,
        },
        what[outcome.result as keyof typeof what],
      );
    }
    this.options.onOutcome?.(outcome);
  }

  private async send(row: OutboxRow, pacing: boolean): Promise<PostOutcome> {
    const { db, clock, transport } = this.options;
    const { text, blocks } = row.message;
    this.pace(paceKeyOf(row), clock.now().getTime() + this.intervalOf(row));

    if (row.kind === 'root') {
      const posted = await transport.postMessage({ channel: row.channel, text, blocks });
      const result = await this.record(row, () => markRootSent(db, row, this.workerId, clock.now(), posted));
      return { rowId: row.id, kind: row.kind, result: result === 'done' ? 'sent' : result };
    }

    const thread = row.incidentId === null ? null : await getThread(db, row.incidentId);
    if (!thread?.channelId || !thread.rootTs) {
      // A head row of a thread whose root is not sent: only possible when the root died.
      const root = await rootStatus(db, row.threadKey);
      const failure: SlackFailure = {
        kind: 'permanent',
        error: `no root message (root ${root ?? 'missing'})`,
      };
      await markOutboxDead(db, row, this.workerId, clock.now(), failure.error);
      return { rowId: row.id, kind: row.kind, result: 'dead', failure };
    }

    let ts: string;
    if (row.kind === 'update_reply') {
      // The reply went first (same thread, lower id); one that died leaves nothing to edit.
      const replyTs = row.replyTo === null ? null : await sentReplyTs(db, row.replyTo);
      if (!replyTs && row.replyTo !== null && (await replyStatus(db, row.replyTo)) === 'dead') {
        // Slack refused the reply for good (its root is sent: checked above). Its newest content is
        // posted as the reply instead, so an update is never lost and the thread still gets one message.
        const posted = await transport.postMessage({
          channel: thread.channelId,
          text,
          blocks,
          thread_ts: thread.rootTs,
        });
        // A post after all, claimed with the edit budget: it counts against the channel's posting pace
        // too (pushed later only: another poster may hold the channel right now).
        if (pacing) {
          await this.paceShared(row.channel, clock.now().getTime() + this.channelIntervalMs, {
            atLeast: true,
          });
        }
        const result = await this.record(row, () =>
          markEditPostedAsReply(db, row, this.workerId, clock.now(), posted.ts),
        );
        return { rowId: row.id, kind: row.kind, result: result === 'done' ? 'sent' : result };
      }
      if (!replyTs) {
        const failure: SlackFailure = { kind: 'permanent', error: 'the reply to edit was never posted' };
        await markOutboxDead(db, row, this.workerId, clock.now(), failure.error);
        return { rowId: row.id, kind: row.kind, result: 'dead', failure };
      }
      await transport.update({ channel: thread.channelId, ts: replyTs, text, blocks });
      ts = replyTs;
    } else if (row.kind === 'update_root') {
      await transport.update({ channel: thread.channelId, ts: thread.rootTs, text, blocks });
      ts = thread.rootTs;
    } else {
      ts = (
        await transport.postMessage({ channel: thread.channelId, text, blocks, thread_ts: thread.rootTs })
      ).ts;
    }
    const result = await this.record(row, () => markOutboxSent(db, row, this.workerId, clock.now(), ts));
    return { rowId: row.id, kind: row.kind, result: result === 'done' ? 'sent' : result };
  }

  /** A pace key's shared pace (every replica); the local hint too. A failure is logged, not fatal. */
  private async paceShared(
    channel: string,
    untilMs: number,
    options: { atLeast?: boolean } = {},
  ): Promise<void> {
    this.pace(channel, untilMs);
    try {
      await paceChannel(this.options.db, channel, new Date(untilMs), options);
    } catch (error) {
      this.options.logger.warn({ err: error, channel }, 'slack channel pace not recorded');
    }
  }
  private pace(channel: string, untilMs: number): void {
    this.nextSendAt.set(channel, Math.max(this.nextSendAt.get(channel) ?? 0, untilMs));
  }

  private tick: (() => Promise<void>) | null = null;
  private woken = false;

  /**
   * Messages were just queued in this process (a job finished): poll now instead of at the end of the idle
   * wait. Other replicas' messages are still found by the poll.
   */
  wake(): void {
    if (this.stopped || !this.tick) return;
    if (this.running) {
      this.woken = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.tick, 0);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      this.woken = false;
      let wait: number | null = null;
      this.running = this.runOnce().then(
        (handled) => {
          this.outage.succeeded();
          return handled;
        },
        (error: unknown) => {
          wait = this.outage.failed(error);
          if (wait === null) this.options.logger.warn({ err: error }, 'slack outbox poll failed');
          return 0;
        },
      );
      const handled = await this.running;
      this.running = null;
      if (this.stopped) return;
      // Database down: back off; woken meanwhile: poll again at once; busy: until a paced channel opens.
      const next = this.woken ? 0 : handled > 0 ? this.nextWakeMs() : (this.options.pollMs ?? 250);
      this.timer = setTimeout(tick, wait ?? next);
    };
    this.tick = tick;
    this.timer = setTimeout(tick, 0);
  }

  /** After a busy round: wake when the soonest paced channel opens again (rows may be waiting on it). */
  private nextWakeMs(): number {
    const now = this.options.clock.now().getTime();
    let soonest = Number.POSITIVE_INFINITY;
    for (const at of this.nextSendAt.values()) if (at > now) soonest = Math.min(soonest, at);
    const poll = this.options.pollMs ?? 250;
    return Number.isFinite(soonest) ? Math.min(poll, soonest - now) : 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
