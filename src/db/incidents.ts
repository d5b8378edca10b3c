/** Read side of incidents: the list and the detail the API, the CLI and (later) Slack show. */
import type { ServiceSource } from '../ingest/service.ts';
import type { Queryable } from './db.ts';

export interface IncidentSummary {
  id: number;
  title: string;
  service: string;
  severity: string;
  status: string;
  source: string;
  channel: string;
  alertCount: number;
  firingCount: number;
  openedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  lastEventAt: string;
  externalId: string | null;
  externalUrl: string | null;
  reopenCount: number;
  labels: Record<string, string>;
  /** Which labels decided `service` (null for incidents stored before it was recorded). */
  serviceSource?: ServiceSource | null;
}

interface IncidentRow {
  id: number;
  title: string;
  service: string;
  severity: string;
  status: string;
  source: string;
  channel: string;
  alert_count: number;
  firing_count: number;
  opened_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  last_event_at: Date;
  external_id: string | null;
  external_url: string | null;
  reopen_count: number;
  labels: Record<string, string>;
  service_source: ServiceSource | null;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function toSummary(row: IncidentRow): IncidentSummary {
  return {
    id: row.id,
    title: row.title,
    service: row.service,
    severity: row.severity,
    status: row.status,
    source: row.source,
    channel: row.channel,
    alertCount: row.alert_count,
    firingCount: row.firing_count,
    openedAt: iso(row.opened_at) as string,
    acknowledgedAt: iso(row.acknowledged_at),
    resolvedAt: iso(row.resolved_at),
    lastEventAt: iso(row.last_event_at) as string,
    externalId: row.external_id,
    externalUrl: row.external_url,
    reopenCount: row.reopen_count,
    labels: row.labels,
    serviceSource: row.service_source ?? null,
  };
}

const INCIDENT_COLUMNS = `id, title, service, severity, status, source, channel, alert_count, firing_count, opened_at,
  acknowledged_at, resolved_at, last_event_at, external_id, external_url, reopen_count, labels, service_source`;

export interface ListIncidentsFilter {
  status?: 'open' | 'triggered' | 'acknowledged' | 'resolved';
  service?: string;
  /** Keyset paging: only incidents with an id below this one. */
  before?: number;
  limit: number;
}

/** Newest first. `status: 'open'` means triggered or acknowledged. */
export async function listIncidents(
  db: Queryable,
  filter: ListIncidentsFilter,
): Promise<{ incidents: IncidentSummary[]; nextBefore: number | null }> {
  const statuses =
    filter.status === undefined
      ? null
      : filter.status === 'open'
        ? ['triggered', 'acknowledged']
        : [filter.status];
  const result = await db.query<IncidentRow>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents
     WHERE ($1::jsonb IS NULL OR status IN (SELECT jsonb_array_elements_text($1::jsonb)))
       AND ($2::text IS NULL OR service = $2)
       AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [
      statuses ? JSON.stringify(statuses) : null,
      filter.service ?? null,
      filter.before ?? null,
      filter.limit + 1,
    ],
  );
  const rows = result.rows.slice(0, filter.limit);
  const more = result.rows.length > filter.limit;
  return { incidents: rows.map(toSummary), nextBefore: more ? (rows.at(-1)?.id ?? null) : null };
}

export interface IncidentAlert {
  fingerprint: string;
  status: string;
  alertname: string;
  service: string;
  serviceSource?: ServiceSource | null;
  severity: string;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  generatorUrl: string | null;
  firstSeen: string;
  lastSeen: string;
  deliveryCount: number;
}

export interface TimelineEvent {
  at: string;
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

export interface IncidentDetail extends IncidentSummary {
  alerts: IncidentAlert[];
  timeline: TimelineEvent[];
}

export async function getIncident(db: Queryable, id: number): Promise<IncidentDetail | null> {
  const incident = await db.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1`, [
    id,
  ]);
  const row = incident.rows[0];
  if (!row) return null;
  const alerts = await db.query<{
    fingerprint: string;
    status: string;
    alertname: string;
    service: string;
    service_source: ServiceSource | null;
    severity: string;
    summary: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    starts_at: Date;
    ends_at: Date | null;
    generator_url: string | null;
    first_seen: Date;
    last_seen: Date;
    delivery_count: number;
  }>(
    `SELECT fingerprint, status, alertname, service, service_source, severity, summary, labels, annotations,
       starts_at, ends_at, generator_url, first_seen, last_seen, delivery_count
     FROM alerts WHERE incident_id = $1 ORDER BY id`,
    [id],
  );
  const events = await db.query<{
    at: Date;
    kind: string;
    actor: string | null;
    detail: Record<string, unknown>;
  }>('SELECT at, kind, actor, detail FROM incident_events WHERE incident_id = $1 ORDER BY id', [id]);
  return {
    ...toSummary(row),
    alerts: alerts.rows.map((alert) => ({
      fingerprint: alert.fingerprint,
      status: alert.status,
      alertname: alert.alertname,
      service: alert.service,
      serviceSource: alert.service_source ?? null,
      severity: alert.severity,
      summary: alert.summary,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: iso(alert.starts_at) as string,
      endsAt: iso(alert.ends_at),
      generatorUrl: alert.generator_url,
      firstSeen: iso(alert.first_seen) as string,
      lastSeen: iso(alert.last_seen) as string,
      deliveryCount: alert.delivery_count,
    })),
    timeline: events.rows.map((event) => ({
      at: iso(event.at) as string,
      kind: event.kind,
      actor: event.actor,
      detail: event.detail,
    })),
  };
}
