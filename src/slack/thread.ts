/**
 * Keeps an incident's Slack thread in step with the database: the root message is posted once and then
 * edited (status, counts), and timeline events the thread has not told yet become one reply. Everything
 * goes through the outbox in the same transaction as the bookkeeping, so a crash never loses or repeats
 * a message. A per-incident advisory lock serialises syncs of one incident across workers and replicas.
 */
import { createHash } from 'node:crypto';
import type { StoredAnalysis } from '../analysis/analyze.ts';
import type { Config } from '../config.ts';
import { getIncident, type IncidentDetail, type TimelineEvent } from '../db/incidents.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { SlackMessage } from './message.ts';
import { enqueueReply, enqueueReplyUpdate, enqueueRootMessage, enqueueRootUpdate } from './outbox.ts';
import {
  MESSAGE_ALERTS,
  renderAnalysis,
  renderIncidentRoot,
  renderReplacedAnalysisPart,
  renderTimelineUpdate,
} from './render/index.ts';

const digest = (message: SlackMessage) => createHash('sha256').update(JSON.stringify(message)).digest('hex');

/** Serialises the work on one incident's thread across workers and replicas (transaction-scoped). */
export async function lockThread(tx: Queryable, incidentId: number): Promise<void> {
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
    const incident = await getIncident(tx, incidentId, { alertLimit: MESSAGE_ALERTS });
    if (!incident) return; // deleted (retention) since the job was queued
    await syncLocked(tx, deps.clock.now(), incident);
  });
}

export interface AnalysisPart {
  part: number;
  outboxId: number;
  digest: string;
}

/** The parts of the incident's analysis message (outbox rows of its replies), in order; none before one is shown. */
export async function analysisParts(tx: Queryable, incidentId: number): Promise<AnalysisPart[]> {
  const result = await tx.query<{ part: number; outbox_id: number; digest: string }>(
    'SELECT part, outbox_id, digest FROM analysis_messages WHERE incident_id = $1 ORDER BY part',
    [incidentId],
  );
  return result.rows.map((row) => ({ part: row.part, outboxId: Number(row.outbox_id), digest: row.digest }));
}

/**
 * Shows a just-stored analysis in the thread, inside the caller's transaction under the thread lock
 * (incidents/analyse.ts): the thread is first brought up to date (so the root message exists). An incident
 * has one analysis message: the first analysis posts it (one reply per part, `shown` empty), every later
 * one edits those parts in place (outbox `update_reply`; extra parts are new replies, parts no longer needed
 * say they were replaced), with an "updated by" line.
 */
export async function showAnalysisLocked(
  tx: Queryable,
  now: Date,
  incident: IncidentDetail,
  stored: StoredAnalysis,
  shown: readonly AnalysisPart[],
): Promise<void> {
  await syncLocked(tx, now, incident);
  const messages = renderAnalysis(incident, stored.analysis, { updated: shown.length > 0 });
  const count = Math.max(messages.length, shown.length);
  for (let part = 0; part < count; part += 1) {
    const message = messages[part] ?? renderReplacedAnalysisPart(incident);
    const hash = digest(message);
    const existing = shown[part];
    if (existing) {
      if (existing.digest !== hash) {
        await enqueueReplyUpdate(tx, now, { replyId: existing.outboxId, message });
      }
      await tx.query(
        `UPDATE analysis_messages SET analysis_id = $3, digest = $4, updated_at = $5
         WHERE incident_id = $1 AND part = $2`,
        [incident.id, part, stored.id, hash, now],
      );
      continue;
    }
    const outboxId = await enqueueReply(tx, now, { incidentId: incident.id, message });
    if (outboxId === null) throw new Error(`incident ${incident.id} has no Slack thread`);
    await tx.query(
      `INSERT INTO analysis_messages (incident_id, part, outbox_id, analysis_id, digest, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [incident.id, part, outboxId, stored.id, hash, now],
    );
  }
}
