/**
 * Incident memory: causes engineers confirmed, and the past incidents that resemble a new one, so an
 * analysis can say "in N of M similar past incidents the cause was X".
 */

import type { IncidentDetail } from '../db/incidents.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import { enqueueIncidentJob } from '../ingest/correlate.ts';
import { JOB_KINDS } from '../jobs/kinds.ts';
import type { SimilarIncident } from './input.ts';

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

/** Past incidents of the same service or sharing an alert name, newest first, with confirmed causes. */
export async function findSimilarIncidents(
  db: Queryable,
  incident: IncidentDetail,
  limit = 20,
): Promise<SimilarIncident[]> {
  const alertnames = [...new Set(incident.alerts.map((alert) => alert.alertname))];
  const result = await db.query<{
    id: number;
    title: string;
    service: string;
    opened_at: Date;
    causes: { title: string; category: string }[];
  }>(
    `SELECT i.id, i.title, i.service, i.opened_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('title', c.title, 'category', c.category) ORDER BY c.id)
                 FROM confirmed_causes c WHERE c.incident_id = i.id), '[]'::jsonb) AS causes
     FROM incidents i
     WHERE i.id <> $1 AND i.opened_at <= $4
       AND (i.service = $2 OR EXISTS (
         SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.alertname IN (SELECT jsonb_array_elements_text($3::jsonb))
       ))
     ORDER BY i.id DESC LIMIT $5`,
    [incident.id, incident.service, jsonParam(alertnames), incident.openedAt, limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    title: row.title,
    service: row.service,
    openedAt: new Date(row.opened_at).toISOString(),
    confirmedCauses: row.causes,
  }));
}

export async function serviceHistory(
  db: Queryable,
  service: string,
  limit = 10,
): Promise<{ id: number; title: string; status: string; openedAt: string; causes: string[] }[]> {
  const result = await db.query<{
    id: number;
    title: string;
    status: string;
    opened_at: Date;
    causes: string[];
  }>(
    `SELECT i.id, i.title, i.status, i.opened_at,
       coalesce((SELECT jsonb_agg(c.title ORDER BY c.id) FROM confirmed_causes c WHERE c.incident_id = i.id), '[]'::jsonb) AS causes
     FROM incidents i WHERE i.service = $1 ORDER BY i.id DESC LIMIT $2`,
    [service, limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    title: row.title,
    status: row.status,
    openedAt: new Date(row.opened_at).toISOString(),
    causes: row.causes,
  }));
}
