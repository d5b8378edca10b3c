/**
 * Lifecycle changes made by people (Slack buttons, `/aiops ack|resolve`, the CLI), as opposed to those
 * the alert sources make (correlate.ts). Each takes the same per-key lock as ingest, so a click and a
 * webhook for one incident never interleave, records who did it in the timeline, and asks for a Slack sync.
 */
import type { Db } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import type { IncidentStatus } from '../ingest/alert.ts';
import { enqueueIncidentJob } from '../queue/jobs.ts';
import { JOB_KINDS } from '../queue/kinds.ts';

export interface LifecycleChange {
  incidentId: number;
  /** The status before the request; equal to `status` when nothing changed. */
  previous: IncidentStatus;
  status: IncidentStatus;
  changed: boolean;
  /** Who moved it to its current status, when known (for "already acknowledged by …"). */
  by: string | null;
}

type Target = 'acknowledged' | 'resolved';

async function moveIncident(
  db: Db,
  request: { incidentId: number; actor: string; now: Date; detail?: Record<string, unknown> },
  target: Target,
): Promise<LifecycleChange> {
  return db.transaction(async (tx) => {
    const key = await tx.query<{ correlation_key: string }>(
      'SELECT correlation_key FROM incidents WHERE id = $1',
      [request.incidentId],
    );
    const correlationKey = key.rows[0]?.correlation_key;
    if (correlationKey === undefined)
      throw new AiopsError(ErrorCode.NotFound, `incident ${request.incidentId} not found`);
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [correlationKey]);
    const current = await tx.query<{ status: IncidentStatus }>(
      'SELECT status FROM incidents WHERE id = $1 FOR UPDATE',
      [request.incidentId],
    );
    const previous = current.rows[0]?.status as IncidentStatus;

    const allowed = target === 'acknowledged' ? previous === 'triggered' : previous !== 'resolved';
    if (!allowed) {
      const last = await tx.query<{ actor: string | null }>(
        'SELECT actor FROM incident_events WHERE incident_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1',
        [request.incidentId, previous],
      );
      return {
        incidentId: request.incidentId,
        previous,
        status: previous,
        changed: false,
        by: last.rows[0]?.actor ?? null,
      };
    }

    await tx.query(
      `UPDATE incidents SET status = $2, last_event_at = $3,
         acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN $3 ELSE acknowledged_at END,
         resolved_at = CASE WHEN $2 = 'resolved' THEN $3 ELSE resolved_at END
       WHERE id = $1`,
      [request.incidentId, target, request.now],
    );
    await tx.query(
      'INSERT INTO incident_events (incident_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5::jsonb)',
      [
        request.incidentId,
        request.now,
        target,
        request.actor,
        jsonParam({ from: previous, to: target, manual: true, ...request.detail }),
      ],
    );
    await enqueueIncidentJob(tx, request.now, JOB_KINDS.syncIncident, request.incidentId);
    return { incidentId: request.incidentId, previous, status: target, changed: true, by: request.actor };
  });
}

export function acknowledgeIncident(db: Db, request: { incidentId: number; actor: string; now: Date }) {
  return moveIncident(db, request, 'acknowledged');
}

/** Resolves by hand; alerts still firing stay firing, but only a newly firing alert reopens the incident. */
export function resolveIncident(db: Db, request: { incidentId: number; actor: string; now: Date }) {
  return moveIncident(db, request, 'resolved');
}
