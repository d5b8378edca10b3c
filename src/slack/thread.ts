/**
 * Keeps an incident's Slack thread in step with the database: the root message is posted once and then
 * edited (status, counts), and timeline events the thread has not told yet become one reply. Everything
 * goes through the outbox in the same transaction as the bookkeeping, so a crash never loses or repeats
 * a message. A per-incident advisory lock serialises syncs of one incident across workers and replicas.
 */
import { createHash } from 'node:crypto';
import { type ComputedAnalysis, type StoredAnalysis, storeAnalysis } from '../analysis/analyze.ts';
import type { Config } from '../config.ts';
import { getIncident, type IncidentDetail, type TimelineEvent } from '../db/incidents.ts';
import type { Db, Queryable } from '../db/index.ts';
import { proposeRemediations } from '../incidents/remediation.ts';
import type { SlackMessage } from './message.ts';
import { enqueueReply, enqueueRootMessage, enqueueRootUpdate } from './outbox.ts';
import { renderAnalysis, renderIncidentRoot, renderTimelineUpdate } from './render/index.ts';

const digest = (message: SlackMessage) => createHash('sha256').update(JSON.stringify(message)).digest('hex');

async function lockThread(tx: Queryable, incidentId: number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`slack-thread:${incidentId}`]);
}

/** Events after `afterId`, oldest first, with their ids. */
async function eventsAfter(
  tx: Queryable,
  incidentId: number,
  afterId: number,
): Promise<{ lastId: number; events: TimelineEvent[] }> {
  const result = await tx.query<{
    id: number;
    at: Date;
    kind: string;
    actor: string | null;
    detail: Record<string, unknown>;
  }>(
    'SELECT id, at, kind, actor, detail FROM incident_events WHERE incident_id = $1 AND id > $2 ORDER BY id',
    [incidentId, afterId],
  );
  return {
    lastId: result.rows.at(-1)?.id ?? afterId,
    events: result.rows.map((row) => ({
      at: new Date(row.at).toISOString(),
      kind: row.kind,
      actor: row.actor,
      detail: row.detail,
    })),
  };
}

/** Brings the thread up to date inside `tx` (which must hold the thread lock). */
async function syncLocked(tx: Queryable, now: Date, incident: IncidentDetail): Promise<void> {
  const root = renderIncidentRoot(incident);
  const rootDigest = digest(root);
  const existing = await tx.query<{ synced_event_id: number; root_digest: string | null }>(
    'SELECT synced_event_id, root_digest FROM slack_threads WHERE incident_id = $1',
    [incident.id],
  );
  const thread = existing.rows[0];
  if (!thread) {
    // The root message shows the incident as it is now, so the events so far need no replies.
    await enqueueRootMessage(tx, now, { incidentId: incident.id, channel: incident.channel, message: root });
    const { lastId } = await eventsAfter(tx, incident.id, 0);
    await tx.query('UPDATE slack_threads SET synced_event_id = $2, root_digest = $3 WHERE incident_id = $1', [
      incident.id,
      lastId,
      rootDigest,
    ]);
    return;
  }
  if (thread.root_digest !== rootDigest) {
    await enqueueRootUpdate(tx, now, { incidentId: incident.id, message: root });
  }
  const { lastId, events } = await eventsAfter(tx, incident.id, thread.synced_event_id);
  const reply = events.length > 0 ? renderTimelineUpdate(incident, events, now) : null;
  if (reply) await enqueueReply(tx, now, { incidentId: incident.id, message: reply });
  await tx.query('UPDATE slack_threads SET synced_event_id = $2, root_digest = $3 WHERE incident_id = $1', [
    incident.id,
    lastId,
    rootDigest,
  ]);
}

export interface ThreadDeps {
  db: Db;
  clock: { now(): Date };
  /** With remediation enabled, the analysis' proposed actions become `proposed` remediation rows. */
  config?: Config;
}

/** Posts or edits the root message and replies with what happened since the last sync. */
export async function syncIncidentThread(deps: ThreadDeps, incidentId: number): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await lockThread(tx, incidentId);
    const incident = await getIncident(tx, incidentId);
    if (!incident) return; // deleted (retention) since the job was queued
    await syncLocked(tx, deps.clock.now(), incident);
  });
}

/**
 * Stores an analysis and replies with it in one transaction, first bringing the thread up to date (so the
 * root message exists): a failure leaves neither, so a retried job never posts an analysis twice or stores
 * one nobody saw. Returns null when the incident no longer exists (deleted since the job was queued).
 */
export async function storeAndPostAnalysis(
  deps: ThreadDeps,
  computed: ComputedAnalysis,
): Promise<StoredAnalysis | null> {
  return deps.db.transaction(async (tx) => {
    await lockThread(tx, computed.incidentId);
    const incident = await getIncident(tx, computed.incidentId);
    if (!incident) return null;
    const now = deps.clock.now();
    const stored = await storeAnalysis(tx, now, computed);
    if (deps.config) {
      await proposeRemediations(tx, deps.config, now, {
        incidentId: incident.id,
        analysisId: stored.id,
        service: incident.service,
        actions: stored.analysis.proposedActions,
      });
    }
    await syncLocked(tx, now, incident);
    for (const message of renderAnalysis(incident, stored.analysis)) {
      await enqueueReply(tx, now, { incidentId: incident.id, message });
    }
    return stored;
  });
}
