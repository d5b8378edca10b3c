/**
 * "This was the cause": an engineer confirms one of an analysis's causes (Slack button, `aiops confirm`).
 * Recorded once per incident and title, in the timeline, and the thread is synced; confirmed causes feed the
 * incident memory (analysis/memory.ts: "in N of M similar past incidents the cause was X").
 */
import type { Db } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import { enqueueIncidentJob } from '../queue/jobs.ts';
import { JOB_KINDS } from '../queue/kinds.ts';

export async function confirmCause(
  db: Db,
  request: { incidentId: number; title: string; category: string; actor: string; now: Date },
): Promise<{ recorded: boolean }> {
  return db.transaction(async (tx) => {
    const exists = await tx.query('SELECT 1 FROM incidents WHERE id = $1', [request.incidentId]);
    if (exists.rowCount === 0)
      throw new AiopsError(ErrorCode.NotFound, `incident ${request.incidentId} not found`);
    const inserted = await tx.query(
      `INSERT INTO confirmed_causes (incident_id, title, category, confirmed_by, confirmed_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (incident_id, title) DO NOTHING RETURNING id`,
      [request.incidentId, request.title, request.category, request.actor, request.now],
    );
    if (inserted.rowCount === 0) return { recorded: false };
    await tx.query(
      `INSERT INTO incident_events (incident_id, at, kind, actor, detail) VALUES ($1, $2, 'cause_confirmed', $3, $4::jsonb)`,
      [
        request.incidentId,
        request.now,
        request.actor,
        jsonParam({ title: request.title, category: request.category }),
      ],
    );
    await enqueueIncidentJob(tx, request.now, JOB_KINDS.syncIncident, request.incidentId);
    return { recorded: true };
  });
}
