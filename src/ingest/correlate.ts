/**
 * Correlation and the incident lifecycle: puts a group of alerts into its incident (an open one with the
 * same key, a recently resolved one that reopens, or a new one), keeps alert rows idempotent under
 * redelivery, derives the incident's status and severity from its alerts, writes the timeline, and
 * enqueues the analysis job when something changed that an engineer would want re-explained.
 */

import { refreshIncidentSearch } from '../db/incident-search.ts';
import type { Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { enqueueIncidentJob } from '../queue/jobs.ts';
import { JOB_KINDS } from '../queue/kinds.ts';
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

/** The incident as a delivery finds it (locked), with the counts its alerts add to by deltas. */
interface IncidentRow {
  id: number;
  status: IncidentStatus;
  acknowledged_at: Date | null;
  alert_count: number;
  firing_count: number;
  critical_alert_count: number;
  high_alert_count: number;
  warning_alert_count: number;
  info_alert_count: number;
}

const INCIDENT_ROW = `id, status, acknowledged_at, alert_count, firing_count, critical_alert_count, high_alert_count,
  warning_alert_count, info_alert_count`;

interface UpsertRow {
  fingerprint: string;
  status: 'firing' | 'resolved';
  alertname: string;
  severity: Severity;
  previous_status: 'firing' | 'resolved' | null;
  previous_severity: Severity | null;
  known_alertname: boolean;
}

/**
 * Every correlation key `groups` may land under (their own and their legacy keys), sorted: a delivery takes
 * all of them at once, in this one order, so two deliveries that share keys cannot deadlock, and two
 * replicas handling the same alerts — one under the old key, one under the new — cannot open two incidents.
 */
export function correlationLockKeys(groups: readonly AlertGroup[]): string[] {
  const keys = new Set<string>();
  for (const group of groups) {
    keys.add(group.correlationKey);
    for (const key of group.legacyCorrelationKeys ?? []) keys.add(key);
  }
  return [...keys].sort();
}

/**
 * Takes the advisory locks of `keys` (hashtext: a stable 32-bit key per correlation key), in array order,
 * as a fragment of a larger statement: `(SELECT count(*) FROM …)`. The caller's NEXT statement sees every
 * incident a concurrent delivery under the same keys committed (read committed takes a new snapshot per
 * statement), so finding the incident must not share the statement that takes the lock.
 */
export const lockKeysSql = (param: string) =>
  `(SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM unnest(${param}::text[]) AS k)`;

function dedupeByFingerprint(alerts: NormalizedAlert[]): NormalizedAlert[] {
  const byFingerprint = new Map<string, NormalizedAlert>();
  for (const alert of alerts) byFingerprint.set(alert.fingerprint, alert);
  return [...byFingerprint.values()];
}

type CorrelatedRow = IncidentRow & {
  opened: boolean;
  fingerprint: string | null;
  alert_status: 'firing' | 'resolved' | null;
  alertname: string | null;
  alert_severity: Severity | null;
  previous_status: 'firing' | 'resolved' | null;
  previous_severity: Severity | null;
  known_alertname: boolean | null;
};

/**
 * One statement (the group's keys are already locked): finds the incident — the group's own key first,
 * then the keys its alerts had before the service was derived, so an incident opened under one of them
 * keeps its storm — and locks its row; opens one when there is none (unless the group only attaches);
 * upserts the alerts (idempotent under redelivery) and the incident's alert names. Answers the incident
 * row as found (counts before this delivery) and, per alert, its status and severity before and after.
 */
async function correlate(
  tx: Queryable,
  group: AlertGroup,
  ctx: CorrelationContext,
): Promise<{ incident: IncidentRow; opened: boolean; upserted: UpsertRow[] } | null> {
  const severity = highestSeverity(group.alerts.map((alert) => alert.severity));
  const channel = ctx.channelFor({ service: group.service, severity, labels: group.labels });
  const alerts = dedupeByFingerprint(group.alerts).map((alert) => ({
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
  const result = await tx.query<CorrelatedRow>(
    `WITH found AS (
       SELECT ${INCIDENT_ROW} FROM incidents
       WHERE correlation_key = ANY($1::text[]) AND (status <> 'resolved' OR $3 OR resolved_at >= $2)
       ORDER BY array_position($1::text[], correlation_key), id DESC LIMIT 1 FOR UPDATE
     ),
     opened AS (
       INSERT INTO incidents (source, correlation_key, external_id, external_url, title, service, severity, status,
         channel, labels, opened_at, last_event_at, service_source)
       SELECT $5, $6, $7, $8, $9, $10, $11, 'triggered', $12, $13::jsonb, $14, $14, $15::jsonb
       WHERE NOT $4 AND NOT EXISTS (SELECT 1 FROM found)
       RETURNING ${INCIDENT_ROW}
     ),
     incident AS (SELECT *, false AS opened FROM found UNION ALL SELECT *, true AS opened FROM opened),
     input AS (
       SELECT * FROM jsonb_to_recordset($16::jsonb) AS x(
         fingerprint text, status text, alertname text, service text, service_source jsonb, severity text, summary text,
         labels jsonb, annotations jsonb, starts_at timestamptz, ends_at timestamptz, generator_url text)
     ),
     previous AS (
       SELECT a.fingerprint, a.status, a.severity FROM alerts a JOIN input i USING (fingerprint)
       WHERE a.incident_id = (SELECT id FROM found)
     ),
     upserted AS (
       INSERT INTO alerts (incident_id, fingerprint, source, status, alertname, service, service_source, severity,
         summary, labels, annotations, starts_at, ends_at, generator_url, first_seen, last_seen)
       SELECT inc.id, i.fingerprint, $5, i.status, i.alertname, i.service, i.service_source, i.severity, i.summary,
         i.labels, i.annotations, i.starts_at, i.ends_at, i.generator_url, $14, $14
       FROM input i CROSS JOIN incident inc
       ON CONFLICT (incident_id, fingerprint) DO UPDATE SET
         status = EXCLUDED.status, severity = EXCLUDED.severity, summary = EXCLUDED.summary,
         labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, starts_at = EXCLUDED.starts_at,
         ends_at = EXCLUDED.ends_at, generator_url = EXCLUDED.generator_url, last_seen = EXCLUDED.last_seen,
         delivery_count = alerts.delivery_count + 1
       RETURNING fingerprint, status, alertname, severity
     ),
     -- The incident's alert names are kept beside it: a name is new when this insert adds it.
     added AS (
       INSERT INTO incident_alertnames (incident_id, alertname)
       SELECT DISTINCT inc.id, u.alertname FROM upserted u CROSS JOIN incident inc
       ON CONFLICT DO NOTHING RETURNING alertname
     )
     SELECT inc.*, u.fingerprint, u.status AS alert_status, u.alertname, u.severity AS alert_severity,
       p.status AS previous_status, p.severity AS previous_severity,
       NOT EXISTS (SELECT 1 FROM added n WHERE n.alertname = u.alertname) AS known_alertname
     FROM incident inc LEFT JOIN (upserted u LEFT JOIN previous p USING (fingerprint)) ON true`,
    [
      [group.correlationKey, ...(group.legacyCorrelationKeys ?? [])],
      new Date(ctx.now.getTime() - ctx.windowMs),
      group.keyIsIdentity,
      group.attachOnly === true,
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
      jsonParam(alerts),
    ],
  );
  const first = result.rows[0];
  if (!first) return null;
  const incident: IncidentRow = {
    id: first.id,
    status: first.status,
    acknowledged_at: first.acknowledged_at,
    alert_count: first.alert_count,
    firing_count: first.firing_count,
    critical_alert_count: first.critical_alert_count,
    high_alert_count: first.high_alert_count,
    warning_alert_count: first.warning_alert_count,
    info_alert_count: first.info_alert_count,
  };
  const upserted: UpsertRow[] = [];
  for (const row of result.rows) {
    if (row.fingerprint === null) continue;
    upserted.push({
      fingerprint: row.fingerprint,
      status: row.alert_status as UpsertRow['status'],
      alertname: row.alertname as string,
      severity: row.alert_severity as Severity,
      previous_status: row.previous_status,
      previous_severity: row.previous_severity,
      known_alertname: row.known_alertname === true,
    });
  }
  return { incident, opened: first.opened, upserted };
}

/** The incident's counts once `upserted` is applied: deltas on the locked row, never a recount. */
function countsAfter(incident: IncidentRow, upserted: readonly UpsertRow[]) {
  const counts = {
    total: incident.alert_count,
    firing: incident.firing_count,
    bySeverity: {
      critical: incident.critical_alert_count,
      high: incident.high_alert_count,
      warning: incident.warning_alert_count,
      info: incident.info_alert_count,
    } as Record<Severity, number>,
  };
  for (const row of upserted) {
    if (row.previous_status === null) counts.total += 1;
    if (row.previous_status === 'firing') counts.firing -= 1;
    if (row.status === 'firing') counts.firing += 1;
    if (row.previous_severity !== null && row.previous_severity in counts.bySeverity)
      counts.bySeverity[row.previous_severity] -= 1;
    if (row.severity in counts.bySeverity) counts.bySeverity[row.severity] += 1;
  }
  return counts;
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

/** What one group did to its incident, and the statement that writes it (see finishGroup). */
export interface PreparedGroup {
  outcome: GroupOutcome;
  /** Absent when the group found no incident and only attaches. */
  write?: {
    incidentId: number;
    status: IncidentStatus;
    severity: Severity;
    counts: ReturnType<typeof countsAfter>;
    reopened: boolean;
    timeline: TimelineNote[];
    refreshSearch: boolean;
    analyzeDelayMs: number | null;
    syncDelayMs: number | null;
    firstAnalysis: boolean;
  };
}

/**
 * Correlates one group whose keys the transaction holds (correlationLockKeys): one statement finds or opens
 * its incident and upserts its alerts; the incident's status, severity, counts and timeline follow from the
 * answer in memory, by deltas on the locked row. Nothing is written about the incident yet: finishGroup
 * does that, in one statement that may also carry the delivery's own row.
 */
export async function prepareGroup(
  tx: Queryable,
  group: AlertGroup,
  ctx: CorrelationContext,
): Promise<PreparedGroup> {
  const correlated = await correlate(tx, group, ctx);
  if (!correlated) return { outcome: { incidentId: null, opened: false, changed: false, status: null } };
  const { incident, opened, upserted } = correlated;

  const timeline: TimelineNote[] = [];
  if (opened) {
    timeline.push({
      kind: 'opened',
      actor: group.actor,
      detail: { title: group.title, source: group.source },
    });
  }
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

  const counts = countsAfter(incident, upserted);
  const status = nextStatus(incident.status, { ...counts, newlyFiring: newlyFiring.length }, group.setStatus);
  const reopened = incident.status === 'resolved' && status !== 'resolved';
  if (status !== incident.status) {
    const kind = reopened ? 'reopened' : status;
    timeline.push({ kind, actor: group.actor, detail: { from: incident.status, to: status } });
  }

  // Re-explain only when the picture changed: a new incident, a new kind of alert, or a reopening.
  // A new incident is told at once and explained once its storm has settled; later changes wait a little,
  // so the many deliveries of an alert storm fold into a few thread updates and re-analyses (one pending
  // job per incident and kind).
  const analyzeDelayMs =
    opened || reopened ? ANALYZE_SETTLE_MS : newAlertnames.length > 0 ? REANALYZE_DEBOUNCE_MS : null;
  const syncDelayMs =
    timeline.length === 0 ? null : opened || status !== incident.status ? 0 : SYNC_DEBOUNCE_MS;
  return {
    outcome: { incidentId: incident.id, opened, changed: timeline.length > 0, status },
    write: {
      incidentId: incident.id,
      status,
      severity: highestSeverity(
        (Object.keys(counts.bySeverity) as Severity[]).filter((severity) => counts.bySeverity[severity] > 0),
      ),
      counts,
      reopened,
      timeline,
      // New words to find this incident by (a new kind of alert joined): rewrite its document.
      refreshSearch: newAlertnames.length > 0,
      analyzeDelayMs,
      syncDelayMs,
      // A new incident's first answer does not wait for the settle: the offline analyzer runs at once
      // (queued after the root message's sync, which goes out first); the settled analysis replaces it.
      firstAnalysis: opened,
    },
  };
}

/** The delivery's own row, written by the same statement as its last group's incident. */
export interface DeliveryUpdate {
  id: number;
  outcome: 'processed' | 'ignored';
  note: string | null;
  incidentIds: number[];
}

export const DELIVERY_UPDATE_SQL = (first: number) =>
  `UPDATE webhook_deliveries SET outcome = $${first + 1}, note = $${first + 2}, incident_ids = $${first + 3}::jsonb
   WHERE id = $${first}`;
export const deliveryUpdateParams = (update: DeliveryUpdate) => [
  update.id,
  update.outcome,
  update.note,
  jsonParam(update.incidentIds),
];

/**
 * Writes what prepareGroup decided: the incident row (status, severity, counts), its timeline and — when
 * given — the delivery's outcome, in one statement; then, only when something changed, the search document
 * and the analysis and sync jobs.
 */
export async function finishGroup(
  tx: Queryable,
  prepared: PreparedGroup,
  now: Date,
  delivery?: DeliveryUpdate,
): Promise<void> {
  const write = prepared.write;
  if (!write) {
    if (delivery) await tx.query(DELIVERY_UPDATE_SQL(1), deliveryUpdateParams(delivery));
    return;
  }
  const { counts } = write;
  await tx.query(
    `WITH incident AS (
       UPDATE incidents SET
         status = $2,
         severity = $3,
         alert_count = $4,
         firing_count = $5,
         critical_alert_count = $8,
         high_alert_count = $9,
         warning_alert_count = $10,
         info_alert_count = $11,
         last_event_at = $6,
         acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN coalesce(acknowledged_at, $6)
                                WHEN $2 = 'triggered' THEN NULL ELSE acknowledged_at END,
         resolved_at = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_at, $6) ELSE NULL END,
         reopen_count = reopen_count + $7
       WHERE id = $1
     ),
     timeline AS (
       INSERT INTO incident_events (incident_id, at, kind, actor, detail)
       SELECT $1, $6, kind, actor, detail FROM jsonb_to_recordset($12::jsonb) AS x(kind text, actor text, detail jsonb)
     )${delivery ? `,\n     delivery AS (${DELIVERY_UPDATE_SQL(13)})` : ''}
     SELECT 1`,
    [
      write.incidentId,
      write.status,
      write.severity,
      counts.total,
      counts.firing,
      now,
      write.reopened ? 1 : 0,
      counts.bySeverity.critical,
      counts.bySeverity.high,
      counts.bySeverity.warning,
      counts.bySeverity.info,
      jsonParam(write.timeline),
      ...(delivery ? deliveryUpdateParams(delivery) : []),
    ],
  );
  if (write.refreshSearch) await refreshIncidentSearch(tx, write.incidentId);
  if (write.analyzeDelayMs !== null)
    await enqueueIncidentJob(tx, now, JOB_KINDS.analyzeIncident, write.incidentId, write.analyzeDelayMs);
  if (write.syncDelayMs !== null)
    await enqueueIncidentJob(tx, now, JOB_KINDS.syncIncident, write.incidentId, write.syncDelayMs);
  if (write.firstAnalysis) await enqueueIncidentJob(tx, now, JOB_KINDS.firstAnalysis, write.incidentId);
}
