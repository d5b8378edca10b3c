/**
 * Correlation and the incident lifecycle: puts a group of alerts into its incident (an open one with the
 * same key, a recently resolved one that reopens, or a new one), keeps alert rows idempotent under
 * redelivery, derives the incident's status and severity from its alerts, writes the timeline, and
 * enqueues the analysis job when something changed that an engineer would want re-explained.
 */

import { searchDocumentSql } from '../db/incident-search.ts';
import type { Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { incidentJobsSql } from '../queue/jobs.ts';
import { incidentJobKey, JOB_KINDS } from '../queue/kinds.ts';
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

const INCIDENT_COLUMNS = [
  'id',
  'status',
  'acknowledged_at',
  'alert_count',
  'firing_count',
  'critical_alert_count',
  'high_alert_count',
  'warning_alert_count',
  'info_alert_count',
];
const INCIDENT_ROW = INCIDENT_COLUMNS.join(', ');
const INCIDENT_ROW_OF = (alias: string) => INCIDENT_COLUMNS.map((column) => `${alias}.${column}`).join(', ');

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
 * Every correlation key `groups` may land under (their own and their legacy keys): a transaction takes all
 * of them at once, in one order (lockKeysSql), so two that share keys cannot deadlock, and two
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
 * Takes the advisory locks of `keys` (hashtext: a stable 32-bit key per correlation key) in the order of
 * the locks themselves, so two transactions whose keys' hashes collide still take them in one order, as a
 * fragment of a larger statement: `(SELECT count(*) FROM …)`. The caller's NEXT statement sees every
 * incident a concurrent delivery under the same keys committed (read committed takes a new snapshot per
 * statement), so finding the incident must not share the statement that takes the lock.
 */
export const lockKeysSql = (param: string) =>
  `(SELECT count(pg_advisory_xact_lock(h))
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(${param}::text[]) AS k ORDER BY h) AS locks)`;

function dedupeByFingerprint(alerts: NormalizedAlert[]): NormalizedAlert[] {
  const byFingerprint = new Map<string, NormalizedAlert>();
  for (const alert of alerts) byFingerprint.set(alert.fingerprint, alert);
  return [...byFingerprint.values()];
}

type CorrelatedRow = IncidentRow & {
  gi: number;
  opened: boolean;
  fingerprint: string | null;
  alert_status: 'firing' | 'resolved' | null;
  alertname: string | null;
  alert_severity: Severity | null;
  previous_status: 'firing' | 'resolved' | null;
  previous_severity: Severity | null;
  known_alertname: boolean | null;
};

/** What one group found in its incident: the row as locked (counts before it) and its alerts' before/after. */
export interface Correlated {
  incident: IncidentRow;
  opened: boolean;
  upserted: UpsertRow[];
}

/**
 * Groups that can go through one correlation statement together: no two share a correlation key (theirs or
 * a legacy one), so no two can find, open or upsert into the same incident. A group sharing a key with an
 * earlier one goes to a later wave, which sees the earlier wave's writes (a new statement, a new snapshot),
 * in the order the groups came.
 */
export function correlationWaves<T>(items: readonly T[], groupOf: (item: T) => AlertGroup): T[][] {
  const waves: T[][] = [];
  const waveOfKey = new Map<string, number>();
  for (const item of items) {
    const group = groupOf(item);
    const keys = [group.correlationKey, ...(group.legacyCorrelationKeys ?? [])];
    const wave = Math.max(-1, ...keys.map((key) => waveOfKey.get(key) ?? -1)) + 1;
    for (const key of keys) waveOfKey.set(key, wave);
    const members = waves[wave] ?? [];
    members.push(item);
    waves[wave] = members;
  }
  return waves;
}

/**
 * One statement for a wave of groups whose keys the transaction holds (correlationLockKeys) and which share
 * none (correlationWaves): finds each group's incident — its own key first, then the keys its alerts had
 * before the service was derived, so an incident opened under one of them keeps its storm — and locks its
 * row; opens one for each group that has none (unless the group only attaches); upserts all alerts
 * (idempotent under redelivery) and the incidents' alert names. Answers, per group (by index), the incident
 * row as found (counts before this delivery) and, per alert, its status and severity before and after; a
 * group that found nothing and only attaches is absent.
 */
export async function correlateWave(
  tx: Queryable,
  groups: readonly AlertGroup[],
  ctx: CorrelationContext,
): Promise<Map<number, Correlated>> {
  const groupRows = groups.map((group, gi) => {
    const severity = highestSeverity(group.alerts.map((alert) => alert.severity));
    return {
      gi,
      keys: [group.correlationKey, ...(group.legacyCorrelationKeys ?? [])],
      key_is_identity: group.keyIsIdentity,
      attach_only: group.attachOnly === true,
      source: group.source,
      correlation_key: group.correlationKey,
      external_id: group.externalId,
      external_url: group.externalUrl,
      title: group.title,
      service: group.service,
      severity,
      channel: ctx.channelFor({ service: group.service, severity, labels: group.labels }),
      labels: group.labels,
      service_source: group.serviceSource,
    };
  });
  const alertRows = groups
    .flatMap((group, gi) =>
      dedupeByFingerprint(group.alerts).map((alert) => ({
        gi,
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
      })),
    )
    .map((row, ord) => ({ ...row, ord })); // the order alerts join in
  const result = await tx.query<CorrelatedRow>(
    `WITH g AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(gi int, keys text[], key_is_identity boolean,
         attach_only boolean, source text, correlation_key text, external_id text, external_url text, title text,
         service text, severity text, channel text, labels jsonb, service_source jsonb)
     ),
     candidate AS MATERIALIZED (
       SELECT DISTINCT ON (g.gi) g.gi, i.id FROM g JOIN incidents i
         ON i.correlation_key = ANY(g.keys) AND (i.status <> 'resolved' OR g.key_is_identity OR i.resolved_at >= $2)
       ORDER BY g.gi, array_position(g.keys, i.correlation_key), i.id DESC
     ),
     found AS MATERIALIZED (
       SELECT c.gi, ${INCIDENT_ROW_OF('i')} FROM incidents i JOIN candidate c ON c.id = i.id
       WHERE i.id = ANY(ARRAY(SELECT id FROM candidate))
       FOR UPDATE OF i
     ),
     opened AS (
       INSERT INTO incidents (source, correlation_key, external_id, external_url, title, service, severity, status,
         channel, labels, opened_at, last_event_at, service_source)
       SELECT g.source, g.correlation_key, g.external_id, g.external_url, g.title, g.service, g.severity, 'triggered',
         g.channel, g.labels, $3, $3, g.service_source
       FROM g WHERE NOT g.attach_only AND NOT EXISTS (SELECT 1 FROM found f WHERE f.gi = g.gi)
       ORDER BY g.gi
       RETURNING correlation_key, ${INCIDENT_ROW}
     ),
     incident AS (
       SELECT f.*, false AS opened FROM found f
       UNION ALL
       SELECT g.gi, ${INCIDENT_ROW_OF('o')}, true AS opened FROM opened o JOIN g USING (correlation_key)
     ),
     input AS (
       SELECT * FROM jsonb_to_recordset($4::jsonb) AS x(gi int, ord int,
         fingerprint text, status text, alertname text, service text, service_source jsonb, severity text, summary text,
         labels jsonb, annotations jsonb, starts_at timestamptz, ends_at timestamptz, generator_url text)
     ),
     -- Each alert's row before this statement, looked up by key (LIMIT keeps the lookup per alert).
     previous AS (
       SELECT f.id AS incident_id, i.fingerprint, a.status, a.severity
       FROM input i JOIN found f ON f.gi = i.gi
       CROSS JOIN LATERAL (
         SELECT a.status, a.severity FROM alerts a WHERE a.incident_id = f.id AND a.fingerprint = i.fingerprint LIMIT 1
       ) a
     ),
     upserted AS (
       INSERT INTO alerts (incident_id, fingerprint, source, status, alertname, service, service_source, severity,
         summary, labels, annotations, starts_at, ends_at, generator_url, first_seen, last_seen)
       SELECT inc.id, i.fingerprint, g.source, i.status, i.alertname, i.service, i.service_source, i.severity,
         i.summary, i.labels, i.annotations, i.starts_at, i.ends_at, i.generator_url, $3, $3
       FROM input i JOIN incident inc ON inc.gi = i.gi JOIN g ON g.gi = i.gi
       ORDER BY i.ord -- alerts join in the order they came
       ON CONFLICT (incident_id, fingerprint) DO UPDATE SET
         status = EXCLUDED.status, severity = EXCLUDED.severity, summary = EXCLUDED.summary,
         labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, starts_at = EXCLUDED.starts_at,
         ends_at = EXCLUDED.ends_at, generator_url = EXCLUDED.generator_url, last_seen = EXCLUDED.last_seen,
         delivery_count = alerts.delivery_count + 1
       RETURNING incident_id, fingerprint, status, alertname, severity
     ),
     -- The incident's alert names are kept beside it: a name is new when this insert adds it.
     added AS (
       INSERT INTO incident_alertnames (incident_id, alertname)
       SELECT DISTINCT u.incident_id, u.alertname FROM upserted u
       ON CONFLICT DO NOTHING RETURNING incident_id, alertname
     )
     SELECT inc.*, u.fingerprint, u.status AS alert_status, u.alertname, u.severity AS alert_severity,
       p.status AS previous_status, p.severity AS previous_severity,
       NOT EXISTS (SELECT 1 FROM added n WHERE n.incident_id = u.incident_id AND n.alertname = u.alertname)
         AS known_alertname
     FROM incident inc
     LEFT JOIN (upserted u LEFT JOIN previous p USING (incident_id, fingerprint)) ON u.incident_id = inc.id`,
    [jsonParam(groupRows), new Date(ctx.now.getTime() - ctx.windowMs), ctx.now, jsonParam(alertRows)],
  );
  const correlated = new Map<number, Correlated>();
  for (const row of result.rows) {
    let entry = correlated.get(row.gi);
    if (!entry) {
      entry = {
        incident: {
          id: row.id,
          status: row.status,
          acknowledged_at: row.acknowledged_at,
          alert_count: row.alert_count,
          firing_count: row.firing_count,
          critical_alert_count: row.critical_alert_count,
          high_alert_count: row.high_alert_count,
          warning_alert_count: row.warning_alert_count,
          info_alert_count: row.info_alert_count,
        },
        opened: row.opened,
        upserted: [],
      };
      correlated.set(row.gi, entry);
    }
    if (row.fingerprint === null) continue;
    entry.upserted.push({
      fingerprint: row.fingerprint,
      status: row.alert_status as UpsertRow['status'],
      alertname: row.alertname as string,
      severity: row.alert_severity as Severity,
      previous_status: row.previous_status,
      previous_severity: row.previous_severity,
      known_alertname: row.known_alertname === true,
    });
  }
  return correlated;
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
 * What a group does to the incident correlateWave found or opened for it: status, severity, counts and
 * timeline follow in memory, by deltas on the locked row. Nothing is written yet: finishWave writes the
 * whole wave in one statement, which may also carry the deliveries' own rows.
 */
export function decideGroup(group: AlertGroup, correlated: Correlated | undefined): PreparedGroup {
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

/** A delivery's own row, written by the same statement as the last wave's incidents. */
export interface DeliveryUpdate {
  id: number;
  outcome: 'processed' | 'ignored';
  note: string | null;
  incidentIds: number[];
}

const DELIVERY_UPDATE_SQL = (param: string) =>
  `UPDATE webhook_deliveries d SET outcome = x.outcome, note = x.note, incident_ids = x.incident_ids
   FROM jsonb_to_recordset(${param}::jsonb) AS x(id bigint, outcome text, note text, incident_ids jsonb)
   WHERE d.id = x.id AND d.id = ANY(ARRAY(SELECT (e ->> 'id')::bigint FROM jsonb_array_elements(${param}::jsonb) AS e))`;

const deliveryRows = (deliveries: readonly DeliveryUpdate[]) =>
  jsonParam(
    deliveries.map((delivery) => ({
      id: delivery.id,
      outcome: delivery.outcome,
      note: delivery.note,
      incident_ids: delivery.incidentIds,
    })),
  );

/** Writes the deliveries' outcomes alone (a batch whose deliveries opened no wave). */
export async function updateDeliveries(tx: Queryable, deliveries: readonly DeliveryUpdate[]): Promise<void> {
  if (deliveries.length > 0) await tx.query(DELIVERY_UPDATE_SQL('$1'), [deliveryRows(deliveries)]);
}

/**
 * Writes what decideGroup decided for a wave, in one statement: the incident rows (status, severity,
 * counts), their timelines, the search documents of incidents a new kind of alert joined, the analysis and
 * sync jobs, and — when given — the deliveries' outcomes.
 */
export async function finishWave(
  tx: Queryable,
  prepared: readonly PreparedGroup[],
  now: Date,
  deliveries: readonly DeliveryUpdate[] = [],
): Promise<void> {
  const writes = prepared.flatMap((group) => (group.write ? [group.write] : []));
  if (writes.length === 0) return updateDeliveries(tx, deliveries);
  const jobs = writes.flatMap((write) => {
    const job = (kind: string, delayMs: number) => ({
      kind,
      incident_id: write.incidentId,
      dedupe_key: incidentJobKey(kind, write.incidentId),
      run_at: new Date(now.getTime() + delayMs).toISOString(),
    });
    // In this order, as ids: a new incident's root message (sync) goes out before its first answer.
    return [
      ...(write.analyzeDelayMs !== null ? [job(JOB_KINDS.analyzeIncident, write.analyzeDelayMs)] : []),
      ...(write.syncDelayMs !== null ? [job(JOB_KINDS.syncIncident, write.syncDelayMs)] : []),
      ...(write.firstAnalysis ? [job(JOB_KINDS.firstAnalysis, 0)] : []),
    ];
  });
  const searchIds = writes.filter((write) => write.refreshSearch).map((write) => write.incidentId);
  await tx.query(
    `WITH w AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, status text, severity text, total int, firing int,
         critical int, high int, warning int, info int, reopened int)
     ),
     incident AS (
       UPDATE incidents i SET
         status = w.status,
         severity = w.severity,
         alert_count = w.total,
         firing_count = w.firing,
         critical_alert_count = w.critical,
         high_alert_count = w.high,
         warning_alert_count = w.warning,
         info_alert_count = w.info,
         last_event_at = $2,
         acknowledged_at = CASE WHEN w.status = 'acknowledged' THEN coalesce(i.acknowledged_at, $2)
                                WHEN w.status = 'triggered' THEN NULL ELSE i.acknowledged_at END,
         resolved_at = CASE WHEN w.status = 'resolved' THEN coalesce(i.resolved_at, $2) ELSE NULL END,
         reopen_count = i.reopen_count + w.reopened
       FROM w WHERE i.id = w.id AND i.id = ANY(ARRAY(SELECT id FROM w))
     ),
     timeline AS (
       INSERT INTO incident_events (incident_id, at, kind, actor, detail)
       SELECT incident_id, $2, kind, actor, detail
       FROM jsonb_to_recordset($3::jsonb) AS x(incident_id bigint, kind text, actor text, detail jsonb)
     ),
     search AS (${searchDocumentSql('$4')}),
     jobs AS (${incidentJobsSql('$5', '$2')}),
     delivery AS (${DELIVERY_UPDATE_SQL('$6')})
     SELECT 1`,
    [
      jsonParam(
        writes.map((write) => ({
          id: write.incidentId,
          status: write.status,
          severity: write.severity,
          total: write.counts.total,
          firing: write.counts.firing,
          critical: write.counts.bySeverity.critical,
          high: write.counts.bySeverity.high,
          warning: write.counts.bySeverity.warning,
          info: write.counts.bySeverity.info,
          reopened: write.reopened ? 1 : 0,
        })),
      ),
      now,
      jsonParam(
        writes.flatMap((write) => write.timeline.map((note) => ({ incident_id: write.incidentId, ...note }))),
      ),
      searchIds,
      jsonParam(jobs),
      deliveryRows(deliveries),
    ],
  );
}
