/**
 * Receipts of Slack requests: every request that can change state is recorded once, keyed by Slack's own
 * ids, so the same request seen again — a captured signed request replayed within Slack's 5 minutes, a
 * Slack retry of an event, a Socket Mode envelope delivered twice, the same click reaching two replicas —
 * is acknowledged and changes nothing (issue 10; DESIGN: "a state-changing click is idempotent on
 * Slack's action_ts/trigger_id").
 *
 * `slackReplayGuard` is a global Bolt middleware, so every listener (the incident buttons, `/aiops`,
 * mentions, and the remediation buttons to come) is covered without doing anything. It claims the receipt
 * (INSERT … ON CONFLICT DO NOTHING on the key — atomic across replicas) before the listener runs, and
 * keeps it whatever the listener does: a listener that fails half-way (approved, then could not answer)
 * must not become replayable. Nothing legitimate is lost by that: Slack never resends a click or a
 * command (the user's next click has new ids), and Bolt acknowledges an event before any listener runs,
 * so Slack does not retry it either.
 *
 * Keys (a SHA-256 digest of the parts, so no NUL byte or megabyte id reaches the database):
 * - events: `team_id` + `event_id` (Slack retries an event with the same event_id);
 * - block_actions: team, user, `trigger_id` and each action's `action_id@action_ts`;
 * - slash commands: team, user, `trigger_id`;
 * - view submissions, shortcuts, message actions: team, user, `trigger_id`.
 * Options requests (`block_suggestion`) and `view_closed` change nothing and carry no trigger: not keyed.
 * A keyed kind that arrives without its ids is refused (acknowledged, not processed).
 */
import { createHash } from 'node:crypto';
import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Queryable } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import type { PendingAcks } from './pending-acks.ts';

/** How long a receipt is kept: far beyond Slack's 5-minute window and its retries. */
export const RECEIPT_RETENTION_MS = 24 * 60 * 60 * 1000;

export type ReceiptKind =
  | 'event'
  | 'block_actions'
  | 'command'
  | 'view_submission'
  | 'shortcut'
  | 'message_action';

export interface SlackReceipt {
  kind: ReceiptKind;
  /** Hex SHA-256 of Slack's ids for the request. */
  key: string;
}

const id = z.string().min(1).max(1000);
const bodySchema = z
  .object({
    type: z.string().max(100).optional(),
    command: z.string().max(1000).optional(),
    event_id: id.optional(),
    trigger_id: id.optional(),
    team_id: id.optional(),
    user_id: id.optional(),
    team: z.object({ id: id.optional() }).nullish(),
    user: z.object({ id: id.optional() }).nullish(),
    actions: z
      .array(z.object({ action_id: id.optional(), action_ts: id.optional() }))
      .max(100)
      .optional(),
  })
  .passthrough();

const digest = (kind: ReceiptKind, parts: readonly (string | undefined)[]): SlackReceipt => ({
  kind,
  key: createHash('sha256')
    .update(JSON.stringify([kind, ...parts.map((part) => part ?? null)]))
    .digest('hex'),
});

/**
 * The receipt of a Slack request body (as Bolt hands it to middleware): a receipt, `null` when the body is
 * of a kind that must have one but lacks Slack's ids, or `'none'` for requests that change nothing.
 */
export function slackReceiptOf(body: unknown): SlackReceipt | null | 'none' {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) return null;
  const b = parsed.data;
  const team = b.team?.id ?? b.team_id;
  const user = b.user?.id ?? b.user_id;
  if (b.type === 'event_callback') return b.event_id ? digest('event', [team, b.event_id]) : null;
  if (b.command !== undefined) return b.trigger_id ? digest('command', [team, user, b.trigger_id]) : null;
  if (b.type === 'block_actions') {
    const actions = (b.actions ?? []).map((a) => `${a.action_id ?? ''}@${a.action_ts ?? ''}`);
    const hasActionTs = (b.actions ?? []).some((a) => a.action_ts);
    if (!b.trigger_id && !hasActionTs) return null;
    return digest('block_actions', [team, user, b.trigger_id, ...actions]);
  }
  if (b.type === 'view_submission' || b.type === 'shortcut' || b.type === 'message_action') {
    return b.trigger_id ? digest(b.type, [team, user, b.trigger_id]) : null;
  }
  return 'none';
}

/** Records the receipt; true when this call recorded it, false when it was there already (a replay). */
export async function claimReceipt(db: Queryable, receipt: SlackReceipt, now: Date): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO slack_receipts (key, kind, received_at) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO NOTHING RETURNING key`,
    [receipt.key, receipt.kind, now],
  );
  return result.rows.length > 0;
}

/** Deletes receipts received before `before`, at most `limit` of them; returns how many. */
export async function pruneReceipts(db: Queryable, before: Date, limit = 10_000): Promise<number> {
  const result = await db.query(
    `DELETE FROM slack_receipts WHERE key IN (
       SELECT key FROM slack_receipts WHERE received_at < $1 ORDER BY received_at LIMIT $2)`,
    [before, limit],
  );
  return result.rowCount;
}

type GuardArgs = AnyMiddlewareArgs & AllMiddlewareArgs;

/**
 * The global Bolt middleware: claims the request's receipt, then runs the listeners; a request already
 * received is acknowledged (when Bolt has not done so already, as it does for events) and stops here.
 * Old receipts are pruned on the way, at most once per `pruneEveryMs` per process.
 */
export function slackReplayGuard(
  deps: { db: Queryable; clock: Clock; logger: Logger },
  options: { retentionMs?: number; pruneEveryMs?: number; pendingAcks?: PendingAcks } = {},
) {
  const retentionMs = options.retentionMs ?? RECEIPT_RETENTION_MS;
  const pruneEveryMs = options.pruneEveryMs ?? 10 * 60_000;
  let lastPruneMs = Number.NEGATIVE_INFINITY;

  const ack = async (args: GuardArgs) => {
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };

  return async (args: GuardArgs): Promise<void> => {
    const receipt = slackReceiptOf(args.body);
    if (receipt === 'none') return args.next();
    if (receipt === null) {
      deps.logger.warn(
        { type: (args.body as { type?: unknown }).type },
        'slack request without its ids refused',
      );
      return ack(args);
    }
    // A button click's ack carries nothing, so it is sent first: the answer to Slack never waits on the
    // database (issue 8: 100 concurrent Approve clicks queued their claims on the pool before the ack).
    // Acks are idempotent (acknowledgeOnce in bolt.ts): the listener's own ack() is then a no-op. Slash
    // commands and view submissions answer through their ack, so their listeners still ack themselves.
    const ackedFirst = receipt.kind === 'block_actions';
    if (ackedFirst) {
      await ack(args);
      // The clicks received with this one are acknowledged before this one's work takes the event loop.
      await options.pendingAcks?.settled();
    }
    const now = deps.clock.now();
    if (now.getTime() - lastPruneMs >= pruneEveryMs) {
      lastPruneMs = now.getTime();
      try {
        await pruneReceipts(deps.db, new Date(now.getTime() - retentionMs));
      } catch (error) {
        deps.logger.warn({ err: error }, 'pruning slack receipts failed');
      }
    }
    let claimed: boolean;
    try {
      claimed = await claimReceipt(deps.db, receipt, now);
    } catch (error) {
      // Unrecorded, the click could be replayed: it does nothing. Slack has its ack already, so the
      // clicker hears why here (a command or a view gets Bolt's error answer instead).
      if (ackedFirst) await tellUnrecorded(args, deps.logger);
      throw error;
    }
    if (!claimed) {
      deps.logger.info(
        { kind: receipt.kind, receipt: receipt.key.slice(0, 12) },
        'slack request seen before; ignored',
      );
      return ack(args);
    }
    args.context.slackReceipt = receipt.key;
    await args.next();
  };
}

/** Tells the clicker, privately, that the click did nothing; a failure to tell is logged, not thrown. */
async function tellUnrecorded(args: GuardArgs, logger: Logger): Promise<void> {
  if (!('respond' in args) || typeof args.respond !== 'function') return;
  try {
    await args.respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: ':warning: Your click could not be recorded (the database did not answer), so nothing was done. Please try again in a moment.',
    });
  } catch (error) {
    logger.warn({ err: error }, 'telling the clicker that the click was not recorded failed');
  }
}
