/** Read side of incidents: the list and the detail the API, the CLI and (later) Slack show. */
import { SEVERITY_RANK, type Severity } from '../ingest/alert.ts';
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

/** One page of an incident's alerts (keyset on the alert id: the order they joined the incident). */
export interface AlertPage {
  alerts: IncidentAlert[];
  /** The last alert id of this page when there are more, else null. */
  nextAfterId: number | null;
}

/** How many alerts an incident has: in all, firing/resolved, and by severity. */
export interface AlertCounts {
  total: number;
  firing: number;
  resolved: number;
  bySeverity: Record<string, number>;
}

interface AlertRow {
  id: number;
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
}

function toAlert(alert: AlertRow): IncidentAlert {
  return {
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
  };
}

const ALERT_COLUMNS = `id, fingerprint, status, alertname, service, service_source, severity, summary, labels,
  annotations, starts_at, ends_at, generator_url, first_seen, last_seen, delivery_count`;

async function incidentRow(db: Queryable, id: number): Promise<IncidentRow | undefined> {
  const incident = await db.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1`, [
    id,
  ]);
  return incident.rows[0];
}

async function timelineOf(db: Queryable, id: number): Promise<TimelineEvent[]> {
  const events = await db.query<{
    at: Date;
    kind: string;
    actor: string | null;
    detail: Record<string, unknown>;
  }>('SELECT at, kind, actor, detail FROM incident_events WHERE incident_id = $1 ORDER BY id', [id]);
  return events.rows.map((event) => ({
    at: iso(event.at) as string,
    kind: event.kind,
    actor: event.actor,
    detail: event.detail,
  }));
}

/** The incident with every alert (the analysis, Slack and the CLI read it whole) and its timeline. */
export async function getIncident(
  db: Queryable,
  id: number,
  options: { alertLimit?: number } = {},
): Promise<IncidentDetail | null> {
  const row = await incidentRow(db, id);
  if (!row) return null;
  // Bounded (Slack messages, commands): the firing alerts first, then in the order they joined; the counts
  // stay on the incident row (alertCount, firingCount), so a 10,000-alert incident reads `alertLimit` rows.
  const alerts =
    options.alertLimit === undefined
      ? await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE incident_id = $1 ORDER BY id`, [
          id,
        ])
      : await db.query<AlertRow>(
          `SELECT ${ALERT_COLUMNS} FROM alerts WHERE incident_id = $1
            ORDER BY (status = 'firing') DESC, id LIMIT $2`,
          [id, options.alertLimit],
        );
  return { ...toSummary(row), alerts: alerts.rows.map(toAlert), timeline: await timelineOf(db, id) };
}

/**
 * `limit` alerts of an incident after alert id `afterId` (from the start when null), in the order they
 * joined it. Keyset, not OFFSET: page N costs what page 1 does, and alerts joining meanwhile do not shift
 * the pages already read (they come last).
 */
export async function getIncidentAlertPage(
  db: Queryable,
  incidentId: number,
  page: { limit: number; afterId: number | null },
): Promise<AlertPage> {
  const result = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE incident_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [incidentId, page.afterId ?? 0, page.limit + 1],
  );
  const rows = result.rows.slice(0, page.limit);
  const more = result.rows.length > page.limit;
  return { alerts: rows.map(toAlert), nextAfterId: more ? Number(rows.at(-1)?.id) : null };
}

/**
 * The incident's alert counts, as ingest keeps them on its row (migration 030: maintained by deltas in each
 * delivery's transaction): one indexed row read, whatever the incident's size — no scan of its alerts.
 */
export async function incidentAlertCounts(db: Queryable, incidentId: number): Promise<AlertCounts> {
  const result = await db.query<Record<string, number>>(
    `SELECT alert_count, firing_count, critical_alert_count, high_alert_count, warning_alert_count,
            info_alert_count
       FROM incidents WHERE id = $1`,
    [incidentId],
  );
  const row = result.rows[0];
  const counts: AlertCounts = { total: 0, firing: 0, resolved: 0, bySeverity: {} };
  if (!row) return counts;
  counts.total = Number(row.alert_count);
  counts.firing = Number(row.firing_count);
  counts.resolved = counts.total - counts.firing;
  for (const severity of Object.keys(SEVERITY_RANK) as Severity[]) {
    const n = Number(row[`${severity}_alert_count`] ?? 0);
    if (n > 0) counts.bySeverity[severity] = n;
  }
  return counts;
}

/** The incident and its timeline with one page of its alerts and the counts of all of them (the API). */
export async function getIncidentPaged(
  db: Queryable,
  id: number,
  page: { limit: number; afterId: number | null },
): Promise<(IncidentSummary & AlertPage & { alertCounts: AlertCounts; timeline: TimelineEvent[] }) | null> {
  const row = await incidentRow(db, id);
  if (!row) return null;
  const [alertPage, alertCounts, timeline] = await Promise.all([
    getIncidentAlertPage(db, id, page),
    incidentAlertCounts(db, id),
    timelineOf(db, id),
  ]);
  return { ...toSummary(row), ...alertPage, alertCounts, timeline };
}
