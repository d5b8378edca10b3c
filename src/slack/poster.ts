/**
 * The poster: drains the Slack outbox (outbox.ts) into a transport (the Web API, or the console in local
 * mode). Per channel it sends at most one message per `channelIntervalMs` (Slack allows about one per
 * second per channel), in order per thread; it waits out `429 Retry-After` on that channel, backs off on
 * 5xx and network errors without ever giving up on them, and drops a message only when Slack refuses it
 * for good (e.g. `channel_not_found`), recording why. All state is in the outbox, so a restarted poster
 * (or another replica) resumes where this one stopped; pacing is per process.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import {
  claimOutbox,
  getThread,
  markOutboxDead,
  markOutboxSent,
  markRootSent,
  type OutboxRow,
  releaseOutbox,
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
  /** Minimum time between two messages to one channel. */
  channelIntervalMs?: number;
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
  /** Channel → the earliest time (ms, poster clock) another message may go to it. */
  private readonly nextSendAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;

  constructor(private readonly options: SlackPosterOptions) {
    this.workerId = options.workerId ?? `poster-${randomUUID().slice(0, 8)}`;
  }

  private get channelIntervalMs() {
    return this.options.channelIntervalMs ?? 1_000;
  }

  /** Sends what is due now, one row per channel not being paced; returns how many rows it handled. */
  async runOnce(): Promise<number> {
    const now = this.options.clock.now();
    const paced = [...this.nextSendAt].filter(([, at]) => at > now.getTime()).map(([channel]) => channel);
    const rows = await claimOutbox(this.options.db, {
      now,
      workerId: this.workerId,
      leaseMs: this.options.leaseMs ?? 30_000,
      limit: this.options.batchSize ?? 20,
      skipChannels: paced,
    });
    // Different channels are independent: send to them concurrently.
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  /** Runs until nothing is due (tests, `aiops replay`); pacing waits are skipped only when `ignorePacing`. */
  async drain(options: { ignorePacing?: boolean; maxRounds?: number } = {}): Promise<number> {
    let total = 0;
    for (let round = 0; round < (options.maxRounds ?? 10_000); round += 1) {
      if (options.ignorePacing) this.nextSendAt.clear();
      const handled = await this.runOnce();
      total += handled;
      if (handled === 0) break;
    }
    return total;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const { db, clock, logger } = this.options;
    let outcome: PostOutcome;
    try {
      outcome = await this.send(row);
    } catch (error) {
      const failure = classifySlackError(error);
      const now = clock.now();
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
        if (failure.kind === 'rate_limited') this.pace(row.channel, retryAt.getTime());
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

  private async send(row: OutboxRow): Promise<PostOutcome> {
    const { db, clock, transport } = this.options;
    const { text, blocks } = row.message;
    this.pace(row.channel, clock.now().getTime() + this.channelIntervalMs);

    if (row.kind === 'root') {
      const posted = await transport.postMessage({ channel: row.channel, text, blocks });
      const result = await markRootSent(db, row, this.workerId, clock.now(), posted);
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
    const result = await markOutboxSent(db, row, this.workerId, clock.now(), ts);
    return { rowId: row.id, kind: row.kind, result: result === 'done' ? 'sent' : result };
  }

  private pace(channel: string, untilMs: number): void {
    this.nextSendAt.set(channel, Math.max(this.nextSendAt.get(channel) ?? 0, untilMs));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      this.running = this.runOnce().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'slack outbox poll failed');
        return 0;
      });
      const handled = await this.running;
      this.running = null;
      if (this.stopped) return;
      this.timer = setTimeout(tick, handled > 0 ? this.nextWakeMs() : (this.options.pollMs ?? 250));
    };
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
