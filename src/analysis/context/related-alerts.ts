/**
 * Related alerts: what else fired on the same service or in the same Kubernetes namespace around an
 * incident, from other incidents. A database error 500 next to a pod crash loop is half the story.
 */
import type { IncidentDetail } from '../../db/incidents.ts';
import type { Queryable } from '../../db/index.ts';
import { jsonParam } from '../../db/json.ts';
import type { RelatedAlert } from '../input.ts';

export const RELATED_WINDOW_MS = 3 * 60 * 60_000;
export const MAX_RELATED_ALERTS = 20;

export interface RelatedAlertsOptions {
  /** The end of the window: now for an open incident. */
  until: Date;
  /** The window starts this long before the incident started (default 3 h). */
  windowMs?: number;
  limit?: number;
}

/** The earliest of the incident's opening and its alerts' starts. */
export function incidentStart(incident: Pick<IncidentDetail, 'openedAt' | 'alerts'>): Date {
  let start = Date.parse(incident.openedAt);
  for (const alert of incident.alerts) {
    const at = Date.parse(alert.startsAt);
    if (!Number.isNaN(at) && at < start) start = at;
  }
  return new Date(start);
}

/** The services and namespaces an incident touches ('unknown' is no service: it would match every stray). */
export function relatedKeys(incident: IncidentDetail): { services: string[]; namespaces: string[] } {
  const services = new Set<string>([incident.service]);
  const namespaces = new Set<string>();
  if (incident.labels.namespace) namespaces.add(incident.labels.namespace);
  for (const alert of incident.alerts) {
    services.add(alert.service);
    if (alert.labels.namespace) namespaces.add(alert.labels.namespace);
  }
  services.delete('unknown');
  services.delete('');
  return { services: [...services], namespaces: [...namespaces] };
}

/**
 * Alerts of other incidents on the same service or namespace, seen between `windowMs` before the incident
 * started and `until` (or the incident's resolution), newest first; one row per fingerprint (its latest).
 */
export async function findRelatedAlerts(
  db: Queryable,
  incident: IncidentDetail,
  options: RelatedAlertsOptions,
): Promise<RelatedAlert[]> {
  const { services, namespaces } = relatedKeys(incident);
  if (services.length === 0 && namespaces.length === 0) return [];
  const since = new Date(incidentStart(incident).getTime() - (options.windowMs ?? RELATED_WINDOW_MS));
  const until = incident.resolvedAt ? new Date(incident.resolvedAt) : options.until;
  const result = await db.query<{
    incident_id: number;
    alertname: string;
    service: string;
    status: string;
    summary: string;
    last_seen: Date;
  }>(
    `SELECT * FROM (
       SELECT DISTINCT ON (a.fingerprint) a.incident_id, a.alertname, a.service, a.status, a.summary, a.last_seen
       FROM alerts a
       WHERE a.incident_id <> $1 AND a.last_seen >= $2 AND a.first_seen <= $3
         AND (a.service IN (SELECT jsonb_array_elements_text($4::jsonb))
              OR (a.labels ->> 'namespace') IN (SELECT jsonb_array_elements_text($5::jsonb)))
       ORDER BY a.fingerprint, a.last_seen DESC, a.id DESC
     ) latest
     ORDER BY last_seen DESC, incident_id DESC LIMIT $6`,
    [
      incident.id,
      since,
      until,
      jsonParam(services),
      jsonParam(namespaces),
      options.limit ?? MAX_RELATED_ALERTS,
    ],
  );
  return result.rows.map((row) => ({
    alertname: row.alertname,
    service: row.service,
    status: row.status,
    summary: row.summary,
    lastSeen: new Date(row.last_seen).toISOString(),
    incidentId: row.incident_id,
  }));
}
