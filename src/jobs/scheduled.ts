/**
 * The work node-cron schedules (src/jobs/cron.ts): each a catch-up sweep of the database as of `now`, so a
 * missed or repeated tick does no harm. Tests call these directly with a manual clock.
 */
import type { Db, Queryable } from '../db/index.ts';
import type { AppDeps } from '../deps.ts';
import { expireApprovals } from '../incidents/remediation.ts';
import { remindPendingApprovals } from '../incidents/remediation-thread.ts';
import { enqueueJob } from '../queue/jobs.ts';
import { incidentJobKey, JOB_KINDS, remediationJobKey } from '../queue/kinds.ts';
import type { CronJob } from './cron.ts';

const DAY_MS = 24 * 60 * 60_000;

/**
 * Re-sync of Slack threads whose `sync-incident` job died (Slack or the database was down through all its
 * attempts): when the incident's thread is behind — no thread yet, or timeline events it has not told —
 * and no sync is pending or running, a fresh sync is queued. At most three dead syncs per incident a day
 * are retried this way, so an incident Slack refuses for good is not retried for ever. Dead syncs of
 * remediation action messages are retried the same way (`remediations`).
 */
export async function resyncDeadThreads(
  db: Db,
  now: Date,
): Promise<{ queued: number[]; remediations: number[] }> {
  const stale = await db.query<{ incident_id: number }>(
    `WITH dead AS (
       SELECT (payload->>'incidentId')::bigint AS incident_id, max(updated_at) AS died_at, count(*) AS n
       FROM jobs
       WHERE kind = $1 AND status = 'dead' AND updated_at > $2 AND payload ? 'incidentId'
       GROUP BY 1
     )
     SELECT d.incident_id FROM dead d
     JOIN incidents i ON i.id = d.incident_id
     LEFT JOIN slack_threads t ON t.incident_id = d.incident_id
     WHERE d.n <= 3
       AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.kind = $1 AND j.status IN ('pending', 'running')
           AND j.payload->>'incidentId' = d.incident_id::text)
       AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.kind = $1 AND j.status = 'done' AND j.updated_at > d.died_at
           AND j.payload->>'incidentId' = d.incident_id::text)
       AND (t.incident_id IS NULL
         OR t.synced_event_id < (SELECT coalesce(max(e.id), 0) FROM incident_events e WHERE e.incident_id = d.incident_id))
     ORDER BY d.incident_id
     LIMIT 500`,
    [JOB_KINDS.syncIncident, new Date(now.getTime() - DAY_MS)],
  );
  const queued: number[] = [];
  const remediations = await resyncDeadRemediationMessages(db, now);
  for (const { incident_id: incidentId } of stale.rows) {
    const id = await enqueueJob(
      db,
      now,
      JOB_KINDS.syncIncident,
      { incidentId: Number(incidentId) },
      { dedupeKey: incidentJobKey(JOB_KINDS.syncIncident, Number(incidentId)) },
    );
    if (id !== null) queued.push(Number(incidentId));
  }
  return { queued, remediations };
}

/**
 * The same for remediation action messages: a `sync-remediation` job that died (the message may show a
 * state the action left long ago) is queued again when no later sync of that action ran or is waiting; at
 * most three dead ones per action a day. Returns the remediation ids queued.
 */
async function resyncDeadRemediationMessages(db: Db, now: Date): Promise<number[]> {
  const stale = await db.query<{ remediation_id: number }>(
    `WITH dead AS (
       SELECT (payload->>'remediationId')::bigint AS remediation_id, max(updated_at) AS died_at, count(*) AS n
       FROM jobs
       WHERE kind = $1 AND status = 'dead' AND updated_at > $2 AND payload ? 'remediationId'
       GROUP BY 1
     )
     SELECT d.remediation_id FROM dead d
     WHERE d.n <= 3
       AND NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.kind = $1 AND j.payload->>'remediationId' = d.remediation_id::text
           AND (j.status IN ('pending', 'running') OR (j.status = 'done' AND j.updated_at > d.died_at)))
     ORDER BY d.remediation_id
     LIMIT 500`,
    [JOB_KINDS.syncRemediation, new Date(now.getTime() - DAY_MS)],
  );
  const queued: number[] = [];
  for (const { remediation_id: id } of stale.rows) {
    const remediationId = Number(id);
    const job = await enqueueJob(
      db,
      now,
      JOB_KINDS.syncRemediation,
      { remediationId },
      { dedupeKey: remediationJobKey(JOB_KINDS.syncRemediation, remediationId) },
    );
    if (job !== null) queued.push(remediationId);
  }
  return queued;
}

export interface RetentionOptions {
  /** Raw deliveries older than this many days are deleted… */
  deliveriesDays: number;
  /** …failed ones (kept for replay) older than this many days. */
  failedDeliveriesDays: number;
  /** Rows per DELETE statement (each its own short transaction). */
  batch?: number;
  /** Between two batches, so waiting requests get the connection (PGlite has one). */
  pause?: () => Promise<void>;
}

export interface RetentionResult {
  /** Raw deliveries deleted: processed or ignored ones, and failed ones. */
  deliveries: number;
  failedDeliveries: number;
  /** Old enough, but kept: they touched an incident still open. */
  keptForOpenIncidents: number;
  batches: number;
  cronRuns: number;
  /** Database size before and after (after the VACUUM that makes the space reusable). */
  databaseBytes: { before: number; after: number };
}

export async function databaseSizeBytes(db: Queryable): Promise<number> {
  const result = await db.query<{ size: number }>('SELECT pg_database_size(current_database()) AS size');
  return Number(result.rows[0]?.size ?? 0);
}

/**
 * Retention of raw webhook deliveries: bodies older than `deliveriesDays` are deleted — failed ones
 * (nothing else holds what they carried; kept for replay) only after `failedDeliveriesDays` — except
 * those that touched an incident still open (its payloads may be needed to replay or debug it). Old
 * `cron_runs` rows go too.
 *
 * Batched by keyset on the id, so a first run on a large table neither holds locks for long nor rescans
 * the rows it keeps: each batch is one short DELETE of at most `batch` rows in id order, up to the newest
 * delivery old enough (ids follow `received_at`; a row a little out of order is left for the next run).
 * Then a plain VACUUM (no exclusive lock) makes the space reusable: the embedded PGlite runs no
 * autovacuum, so without it the file would keep growing however much is deleted.
 */
export async function pruneRetention(db: Db, now: Date, options: RetentionOptions): Promise<RetentionResult> {
  const batch = options.batch ?? 2000;
  const cutoff = new Date(now.getTime() - options.deliveriesDays * DAY_MS);
  const failedCutoff = new Date(now.getTime() - options.failedDeliveriesDays * DAY_MS);
  const newestCutoff = cutoff > failedCutoff ? cutoff : failedCutoff;
  const before = await databaseSizeBytes(db);
  const bound = await db.query<{ id: number }>(
    'SELECT id FROM webhook_deliveries WHERE received_at < $1 ORDER BY received_at DESC LIMIT 1',
    [newestCutoff],
  );
  const lastId = Number(bound.rows[0]?.id ?? 0);
  const result: RetentionResult = {
    deliveries: 0,
    failedDeliveries: 0,
    keptForOpenIncidents: 0,
    batches: 0,
    cronRuns: 0,
    databaseBytes: { before, after: before },
  };
  let afterId = 0;
  while (afterId < lastId) {
    const step = await db.query<{ last_id: number | null; deleted: number; failed: number; kept: number }>(
      `WITH batch AS (
         SELECT d.id, d.outcome,
           CASE WHEN d.outcome = 'failed' THEN d.received_at < $4 ELSE d.received_at < $3 END AS old,
           EXISTS (
             SELECT 1 FROM jsonb_array_elements_text(d.incident_ids) AS ref(incident_id)
             JOIN incidents i ON i.id = ref.incident_id::bigint
             WHERE i.status <> 'resolved') AS open
         FROM webhook_deliveries d
         WHERE d.id > $1 AND d.id <= $2
         ORDER BY d.id LIMIT $5
       ), gone AS (
         DELETE FROM webhook_deliveries d USING batch b
         WHERE d.id = b.id AND b.old AND NOT b.open
         RETURNING b.outcome
       )
       SELECT (SELECT max(id) FROM batch) AS last_id,
         (SELECT count(*) FROM gone) AS deleted,
         (SELECT count(*) FROM gone WHERE outcome = 'failed') AS failed,
         (SELECT count(*) FROM batch WHERE old AND open) AS kept`,
      [afterId, lastId, cutoff, failedCutoff, batch],
    );
    const row = step.rows[0];
    if (!row || row.last_id === null) break;
    afterId = Number(row.last_id);
    result.batches += 1;
    result.deliveries += Number(row.deleted) - Number(row.failed);
    result.failedDeliveries += Number(row.failed);
    result.keptForOpenIncidents += Number(row.kept);
    await (options.pause ?? yieldToOthers)();
  }
  const cronRuns = await db.query('DELETE FROM cron_runs WHERE tick < $1', [
    new Date(now.getTime() - 7 * DAY_MS),
  ]);
  result.cronRuns = cronRuns.rowCount;
  if (result.deliveries + result.failedDeliveries > 0) {
    await db.exec('VACUUM (ANALYZE) webhook_deliveries');
    result.databaseBytes.after = await databaseSizeBytes(db);
  }
  return result;
}

const yieldToOthers = () => new Promise<void>((resolve) => setTimeout(resolve, 10));

/** The schedules `app.listen()` starts (UTC). */
export function scheduledJobs(deps: Pick<AppDeps, 'db' | 'config' | 'clock'>): CronJob[] {
  return [
    {
      // Expiry is also checked at each click; this sweep updates the thread and the audit log on time.
      name: 'expire-approvals',
      schedule: '* * * * *',
      run: async (now) => ({ expired: await expireApprovals(deps, now) }),
    },
    {
      name: 'remind-approvals',
      schedule: '* * * * *',
      run: (now) => remindPendingApprovals(deps, now),
    },
    {
      name: 'resync-dead-threads',
      schedule: '*/5 * * * *',
      run: (now) => resyncDeadThreads(deps.db, now),
    },
    {
      name: 'retention',
      schedule: '17 3 * * *',
      run: (now) =>
        pruneRetention(deps.db, now, {
          deliveriesDays: deps.config.file.retention.rawDeliveries.days,
          failedDeliveriesDays: deps.config.file.retention.rawDeliveries.failedDays,
        }),
    },
  ];
}
