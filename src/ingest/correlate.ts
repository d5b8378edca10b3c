/**
 * Correlation and the incident lifecycle: puts a group of alerts into its incident (an open one with the
 * same key, a recently resolved one that reopens, or a new one), keeps alert rows idempotent under
 * redelivery, derives the incident's status and severity from its alerts, writes the timeline, and
 * enqueues the analysis job when something changed that an engineer would want re-explained.
 */

import { refreshIncidentSearch } from '../db/incident-search.ts';
import type { Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { incidentJobKey, JOB_KINDS } from '../jobs/kinds.ts';
import { enqueueJob } from '../jobs/queue.ts';
import type { AlertGroup, IncidentStatus, NormalizedAlert, Severity, TimelineNote } from './alert.ts';
import { highestSeverity } from './alert.ts';

/** How long a change to an open incident waits before its Slack thread is brought up to date. */
export const SYNC_DEBOUNCE_MS = 2_000;
/**
 * How long a new incident's analysis waits for the rest of its alert storm (on top of Alertmanager's own
 * group_wait): the first deliveries of a storm usually carry every kind of alert it will have, so one
 * analysis — one LLM call — covers them.
 */
export const ANALYZE_SETTLE_MS = 10_000;
/** How long a new kind of alert in an open incident waits before the incident is analyzed again. */
export const REANALYZE_DEBOUNCE_MS = 60_000;

export interface CorrelationContext {
  now: Date;
  windowMs: number;
  channelFor(subject: { service: string; severity: Severity; labels: Record<string, string> }): string;
}

export interface GroupOutcome {
  incidentId: number | null;
  opened: boolean;
  changed: boolean;
  status: IncidentStatus | null;
}

interface IncidentRow {
  id: number;
  status: IncidentStatus;
  acknowledged_at: Date | null;
}

interface UpsertRow {
  fingerprint: string;
  status: 'firing' | 'resolved';
  alertname: string;
  previous_status: 'firing' | 'resolved' | null;
  known_alertname: boolean;
}

/** Postgres advisory-lock keys are 64-bit; hashtext gives a stable 32-bit key per correlation key. */
const LOCK_SQL = 'SELECT pg_advisory_xact_lock(hashtext($1))';

async function findIncident(
  tx: Queryable,
  group: AlertGroup,
  ctx: CorrelationContext,
): Promise<IncidentRow | null> {
  const resolvedSince = new Date(ctx.now.getTime() - ctx.windowMs);
  // The group's own key first; then the keys its alerts had before the service was derived, so an incident
  // opened under one of them (before an upgrade) keeps its storm instead of a second incident opening.
  for (const key of [group.correlationKey, ...(group.legacyCorrelationKeys ?? [])]) {
    const result = await tx.query<IncidentRow>(
      `SELECT id, status, acknowledged_at FROM incidents
       WHERE correlation_key = $1 AND (status <> 'resolved' OR $3 OR resolved_at >= $2)
       ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [key, resolvedSince, group.keyIsIdentity],
    );
    if (result.rows[0]) return result.rows[0];
  }
  return null;
}

async function openIncident(tx: Queryable, group: AlertGroup, ctx: CorrelationContext): Promise<IncidentRow> {
  const severity = highestSeverity(group.alerts.map((alert) => alert.severity));
  const channel = ctx.channelFor({ service: group.service, severity, labels: group.labels });
  const result = await tx.query<IncidentRow>(
    `INSERT INTO incidents (source, correlation_key, external_id, external_url, title, service, severity, status,
       channel, labels, opened_at, last_event_at, service_source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'triggered', $8, $9::jsonb, $10, $10, $11::jsonb)
     RETURNING id, status, acknowledged_at`,
    [
      group.source,
      group.correlationKey,
      group.externalId,
      group.externalUrl,
      group.title,
      group.service,
      severity,
      channel,
      jsonParam(group.labels),
      ctx.now,
      jsonParam(group.serviceSource),
    ],
  );
  return result.rows[0] as IncidentRow;
}

function dedupeByFingerprint(alerts: NormalizedAlert[]): NormalizedAlert[] {
  const byFingerprint = new Map<string, NormalizedAlert>();
  for (const alert of alerts) byFingerprint.set(alert.fingerprint, alert);
  return [...byFingerprint.values()];
}

async function upsertAlerts(
  tx: Queryable,
  incidentId: number,
  group: AlertGroup,
  now: Date,
): Promise<UpsertRow[]> {
  if (group.alerts.length === 0) return [];
  const rows = dedupeByFingerprint(group.alerts).map((alert) => ({
    fingerprint: alert.fingerprint,
    status: alert.status,
    alertname: alert.alertname,
    service: alert.service,
    service_source: alert.serviceSource,
    severity: alert.severity,
    summary: alert.summary,
    labels: alert.labels,
    annotations: alert.annotations,
    starts_at: alert.startsAt.toISOString(),
    ends_at: alert.endsAt?.toISOString() ?? null,
    generator_url: alert.generatorUrl,
  }));
  const result = await tx.query<UpsertRow>(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(
         fingerprint text, status text, alertname text, service text, service_source jsonb, severity text, summary text,
         labels jsonb, annotations jsonb, starts_at timestamptz, ends_at timestamptz, generator_url text)
     ),
     previous AS (
       SELECT a.fingerprint, a.status FROM alerts a JOIN input i USING (fingerprint) WHERE a.incident_id = $1
     ),
     known AS (SELECT DISTINCT alertname FROM alerts WHERE incident_id = $1),
     upserted AS (
       INSERT INTO alerts (incident_id, fingerprint, source, status, alertname, service, service_source, severity,
         summary, labels, annotations, starts_at, ends_at, generator_url, first_seen, last_seen)
       SELECT $1, fingerprint, $3, status, alertname, service, service_source, severity, summary, labels, annotations,
         starts_at, ends_at, generator_url, $4, $4
       FROM input
       ON CONFLICT (incident_id, fingerprint) DO UPDATE SET
         status = EXCLUDED.status, severity = EXCLUDED.severity, summary = EXCLUDED.summary,
         labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, starts_at = EXCLUDED.starts_at,
         ends_at = EXCLUDED.ends_at, generator_url = EXCLUDED.generator_url, last_seen = EXCLUDED.last_seen,
         delivery_count = alerts.delivery_count + 1
       RETURNING fingerprint, status, alertname
     )
     SELECT u.fingerprint, u.status, u.alertname, p.status AS previous_status,
       EXISTS (SELECT 1 FROM known k WHERE k.alertname = u.alertname) AS known_alertname
     FROM upserted u LEFT JOIN previous p USING (fingerprint)`,
    [incidentId, jsonParam(rows), group.source, now],
  );
  return result.rows;
}

interface IncidentStats {
  total: number;
  firing: number;
  severities: Severity[];
}

async function incidentStats(tx: Queryable, incidentId: number): Promise<IncidentStats> {
  const result = await tx.query<{ total: number; firing: number; severities: Severity[] }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'firing') AS firing,
       coalesce(jsonb_agg(DISTINCT severity), '[]'::jsonb) AS severities
     FROM alerts WHERE incident_id = $1`,
    [incidentId],
  );
  const row = result.rows[0];
  return {
    total: Number(row?.total ?? 0),
    firing: Number(row?.firing ?? 0),
    severities: row?.severities ?? [],
  };
}

/**
 * The status the incident moves to, given what it was, its alerts, and what the source said. A resolved
 * incident reopens only when an alert newly fires: a redelivery of alerts that were still firing when an
 * engineer resolved it by hand does not undo that decision.
 */
export function nextStatus(
  current: IncidentStatus,
  stats: { total: number; firing: number; newlyFiring: number },
  setStatus: AlertGroup['setStatus'],
): IncidentStatus {
  if (stats.total > 0 && stats.firing === 0) return 'resolved';
  if (current === 'resolved' && stats.newlyFiring === 0) return 'resolved';
  if (setStatus) return setStatus;
  if (current === 'resolved') return 'triggered';
  return current;
}

export async function applyGroup(
  tx: Queryable,
  group: AlertGroup,
  ctx: CorrelationContext,
): Promise<GroupOutcome> {
  // Every key the group may land under is locked (in one order), so two replicas handling the same alerts —
  // one under the old key, one under the new — cannot open two incidents.
  for (const key of [group.correlationKey, ...(group.legacyCorrelationKeys ?? [])].sort())
    await tx.query(LOCK_SQL, [key]);
  let incident = await findIncident(tx, group, ctx);
  if (!incident && group.attachOnly) return { incidentId: null, opened: false, changed: false, status: null };

  const timeline: TimelineNote[] = [];
  const opened = !incident;
  if (!incident) {
    incident = await openIncident(tx, group, ctx);
    timeline.push({
      kind: 'opened',
      actor: group.actor,
      detail: { title: group.title, source: group.source },
    });
  }

  const upserted = await upsertAlerts(tx, incident.id, group, ctx.now);
  const newlyFiring = upserted.filter((row) => row.status === 'firing' && row.previous_status !== 'firing');
  const newlyResolved = upserted.filter(
    (row) => row.status === 'resolved' && row.previous_status !== 'resolved',
  );
  const newAlertnames = [
    ...new Set(upserted.filter((row) => !row.known_alertname).map((row) => row.alertname)),
  ];
  if (newlyFiring.length > 0) {
    timeline.push({
      kind: 'alerts_firing',
      actor: group.actor,
      detail: {
        count: newlyFiring.length,
        alertnames: [...new Set(newlyFiring.map((row) => row.alertname))],
      },
    });
  }
  if (newlyResolved.length > 0) {
    timeline.push({ kind: 'alerts_resolved', actor: group.actor, detail: { count: newlyResolved.length } });
  }
  timeline.push(...group.notes);

  const stats = await incidentStats(tx, incident.id);
  const status = nextStatus(incident.status, { ...stats, newlyFiring: newlyFiring.length }, group.setStatus);
  const reopened = incident.status === 'resolved' && status !== 'resolved';
  if (status !== incident.status) {
    const kind = reopened ? 'reopened' : status;
    timeline.push({ kind, actor: group.actor, detail: { from: incident.status, to: status } });
  }

  await tx.query(
    `UPDATE incidents SET
       status = $2,
       severity = $3,
       alert_count = $4,
       firing_count = $5,
       last_event_at = $6,
       acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN coalesce(acknowledged_at, $6)
                              WHEN $2 = 'triggered' THEN NULL ELSE acknowledged_at END,
       resolved_at = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_at, $6) ELSE NULL END,
       reopen_count = reopen_count + $7
     WHERE id = $1`,
    [
      incident.id,
      status,
      highestSeverity(stats.severities),
      stats.total,
      stats.firing,
      ctx.now,
      reopened ? 1 : 0,
    ],
  );

  if (timeline.length > 0) {
    await tx.query(
      `INSERT INTO incident_events (incident_id, at, kind, actor, detail)
       SELECT $1, $2, kind, actor, detail FROM jsonb_to_recordset($3::jsonb) AS x(kind text, actor text, detail jsonb)`,
      [incident.id, ctx.now, jsonParam(timeline)],
    );
  }

  // Re-explain only when the picture changed: a new incident, a new kind of alert, or a reopening.
  // A new incident is told at once and explained once its storm has settled; later changes wait a little,
  // so the many deliveries of an alert storm fold into a few thread updates and re-analyses (one pending
  // job per incident and kind).
  // New words to find this incident by (it opened, or a new kind of alert joined): rewrite its document.
  if (newAlertnames.length > 0) await refreshIncidentSearch(tx, incident.id);
  if (opened || newAlertnames.length > 0 || reopened) {
    const delayMs = opened || reopened ? ANALYZE_SETTLE_MS : REANALYZE_DEBOUNCE_MS;
    await enqueueIncidentJob(tx, ctx.now, JOB_KINDS.analyzeIncident, incident.id, delayMs);
  }
  if (timeline.length > 0) {
    const urgent = opened || status !== incident.status;
    await enqueueIncidentJob(tx, ctx.now, JOB_KINDS.syncIncident, incident.id, urgent ? 0 : SYNC_DEBOUNCE_MS);
  }
  // A new incident's first answer does not wait for the settle: the offline analyzer runs at once (queued
  // after the root message's sync, which goes out first), and the settled analysis replaces it in place.
  if (opened) await enqueueIncidentJob(tx, ctx.now, JOB_KINDS.firstAnalysis, incident.id);

  return { incidentId: incident.id, opened, changed: timeline.length > 0, status };
}

/** Runs `kind` for the incident after `delayMs`, or sooner when a pending one is due earlier. */
export function enqueueIncidentJob(tx: Queryable, now: Date, kind: string, incidentId: number, delayMs = 0) {
  return enqueueJob(
    tx,
    now,
    kind,
    { incidentId },
    { dedupeKey: incidentJobKey(kind, incidentId), runAt: new Date(now.getTime() + delayMs) },
  );
}
