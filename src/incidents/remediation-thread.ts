/**
 * The remediation action's message in the incident thread, kept current: the `sync-remediation` job (queued
 * by every state change) renders the action as it is now; the first time that is a thread reply, later it
 * is an edit of that same reply (outbox `update_reply`, coalesced). A digest of the content last queued
 * makes a sync that changes nothing edit nothing. Also the cron sweep that reminds the thread of approvals
 * pending for more than ten minutes, once per action.
 *
 * Everything runs in one transaction under the incident's thread lock (the one src/slack/thread.ts takes),
 * so replies of one incident are queued in a consistent order and two workers never both post an action's
 * first message.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { JobHandler } from '../jobs/worker.ts';
import type { Logger } from '../logger.ts';
import { JOB_KINDS } from '../queue/kinds.ts';
import { approversOf } from '../remediation/policy.ts';
import type { SlackMessage } from '../slack/message.ts';
import { enqueueReply, enqueueReplyUpdate } from '../slack/outbox.ts';
import {
  type RemediationRenderContext,
  renderApprovalReminder,
  renderRemediation,
} from '../slack/render/remediation.ts';
import { getRemediation, pendingApprovals } from './remediation.ts';

export interface RemediationThreadDeps {
  db: Db;
  clock: { now(): Date };
  config: Config;
  logger?: Logger;
}

const digest = (message: SlackMessage) => createHash('sha256').update(JSON.stringify(message)).digest('hex');

async function lockThread(tx: Queryable, incidentId: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`slack-thread:${incidentId}`]);
}

/** What the renderer needs from the configuration about the action's service. */
export function renderContext(config: Config, service: string): RemediationRenderContext {
  // Confirm dialogs name the cluster context when aiops.yml names it (else the kubeconfig's current one).
  return {
    approvers: approversOf(config, service),
    cluster: config.file.remediation.kubernetes?.context ?? null,
  };
}

export type SyncResult = 'posted' | 'edited' | 'unchanged' | 'no-thread' | 'gone';

/** Queues the action's message as it is now: the first reply, or an edit of it. */
export async function syncRemediationMessage(
  deps: RemediationThreadDeps,
  remediationId: number,
): Promise<SyncResult> {
  const first = await getRemediation(deps.db, remediationId);
  if (!first) return 'gone';
  return deps.db.transaction(async (tx) => {
    await lockThread(tx, first.incidentId);
    // Read again under the lock: the newest state is what goes out.
    const view = await getRemediation(tx, remediationId);
    if (!view) return 'gone';
    const now = deps.clock.now();
    const message = renderRemediation(view, renderContext(deps.config, view.service));
    const hash = digest(message);
    const existing = await tx.query<{ outbox_id: number; digest: string }>(
      'SELECT outbox_id, digest FROM remediation_messages WHERE remediation_id = $1',
      [remediationId],
    );
    const row = existing.rows[0];
    if (!row) {
      const outboxId = await enqueueReply(tx, now, { incidentId: view.incidentId, message });
      if (outboxId === null) return 'no-thread';
      await tx.query(
        `INSERT INTO remediation_messages (remediation_id, incident_id, outbox_id, digest, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)`,
        [remediationId, view.incidentId, outboxId, hash, now],
      );
      return 'posted';
    }
    if (row.digest === hash) return 'unchanged';
    await enqueueReplyUpdate(tx, now, { replyId: Number(row.outbox_id), message });
    await tx.query('UPDATE remediation_messages SET digest = $2, updated_at = $3 WHERE remediation_id = $1', [
      remediationId,
      hash,
      now,
    ]);
    return 'edited';
  });
}

const syncPayload = z.object({ remediationId: z.number().int().positive() });

/** The consumer of `sync-remediation`. A thread that does not exist yet is retried (the root may be queued). */
export function remediationSyncHandlers(deps: RemediationThreadDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.syncRemediation]: async (job) => {
      const parsed = syncPayload.safeParse(job.payload);
      if (!parsed.success) throw new Error(`job ${job.id} (${job.kind}) has no valid remediationId`);
      const result = await syncRemediationMessage(deps, parsed.data.remediationId);
      if (result === 'no-thread') {
        throw new Error(`remediation ${parsed.data.remediationId}: the incident has no Slack thread yet`);
      }
    },
  };
}

/** How long an approval may wait before the thread is reminded. */
export const REMINDER_AFTER_MS = 10 * 60_000;

/**
 * Reminds the thread of each action waiting for approval for more than ten minutes, once per action: the
 * `reminded_at` mark is set in the same transaction as the reply is queued, so two replicas (or a retried
 * tick) never remind twice. Actions whose message is not in the thread yet are left for the next sweep.
 */
export async function remindPendingApprovals(
  deps: RemediationThreadDeps,
  now: Date,
): Promise<{ reminded: number[] }> {
  const pending = await pendingApprovals(deps.db, new Date(now.getTime() - REMINDER_AFTER_MS));
  const reminded: number[] = [];
  for (const view of pending) {
    const done = await deps.db.transaction(async (tx) => {
      await lockThread(tx, view.incidentId);
      const marked = await tx.query(
        `UPDATE remediation_messages SET reminded_at = $2 WHERE remediation_id = $1 AND reminded_at IS NULL`,
        [view.id, now],
      );
      if (marked.rowCount === 0) return false;
      const message = renderApprovalReminder(view, renderContext(deps.config, view.service), now);
      return (await enqueueReply(tx, now, { incidentId: view.incidentId, message })) !== null;
    });
    if (done) reminded.push(view.id);
  }
  return { reminded };
}
