/**
 * The durable job queue on the `jobs` table. Claiming uses FOR UPDATE SKIP LOCKED, so any number of
 * workers in any number of replicas never take the same job; a claim is a lease, and a job whose lease
 * ran out (its worker died) is claimable again. Times come from the caller's clock.
 */

import { redactAndCut } from '../analysis/redact.ts';
import type { Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { incidentJobKey } from './kinds.ts';

export interface Job {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  dedupeKey: string | null;
}

export interface EnqueueOptions {
  /**
   * At most one pending job per key: enqueueing again while one is pending adds nothing, but brings the
   * pending job's `run_at` forward when this one asks for sooner (a debounced sync, then a click).
   */
  dedupeKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

export async function enqueueJob(
  db: Queryable,
  now: Date,
  kind: string,
  payload: Record<string, unknown>,
  options: EnqueueOptions = {},
): Promise<number | null> {
  const result = await db.query<{ id: number; inserted: boolean }>(
    `INSERT INTO jobs (kind, payload, dedupe_key, max_attempts, run_at, created_at, updated_at)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6, $6)
     ON CONFLICT (dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL
     DO UPDATE SET run_at = EXCLUDED.run_at WHERE EXCLUDED.run_at < jobs.run_at
     RETURNING id, xmax = '0' AS inserted`,
    [
      kind,
      jsonParam(payload),
      options.dedupeKey ?? null,
      options.maxAttempts ?? 5,
      options.runAt ?? now,
      now,
    ],
  );
  const row = result.rows[0];
  return row?.inserted ? row.id : null;
}

interface JobRow {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  dedupe_key: string | null;
}

export async function claimJobs(
  db: Queryable,
  options: {
    now: Date;
    workerId: string;
    kinds: readonly string[];
    leaseMs: number;
    limit: number;
    /** Also take pending jobs due up to this time (the CLI settles debounced jobs at once); `now` by default. */
    dueBy?: Date;
  },
): Promise<Job[]> {
  if (options.kinds.length === 0) return [];
  const result = await db.query<JobRow>(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $2, locked_until = $3, updated_at = $1
     WHERE id IN (
       SELECT id FROM jobs
       WHERE kind IN (SELECT jsonb_array_elements_text($4::jsonb))
         AND ((status = 'pending' AND run_at <= $6) OR (status = 'running' AND locked_until < $1))
       ORDER BY run_at, id
       LIMIT $5
       FOR UPDATE SKIP LOCKED
     )
     RETURNING id, kind, payload, attempts, max_attempts, dedupe_key`,
    [
      options.now,
      options.workerId,
      new Date(options.now.getTime() + options.leaseMs),
      jsonParam(options.kinds),
      options.limit,
      options.dueBy ?? options.now,
    ],
  );
  return result.rows
    .map((row) => ({
      id: row.id,
      kind: row.kind,
      payload: row.payload,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      dedupeKey: row.dedupe_key,
    }))
    .sort((a, b) => a.id - b.id);
}

/** Only the worker holding the lease may finish a job; a worker whose lease was taken over gets false. */
export async function completeJob(db: Queryable, job: Job, workerId: string, now: Date): Promise<boolean> {
  const result = await db.query(
    `UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = $3
     WHERE id = $1 AND status = 'running' AND locked_by = $2`,
    [job.id, workerId, now],
  );
  return result.rowCount > 0;
}

/** Exponential backoff: 5 s, 10 s, 20 s … capped at 10 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 600_000);
}

export async function failJob(
  db: Queryable,
  job: Job,
  workerId: string,
  now: Date,
  error: unknown,
): Promise<'retry' | 'dead' | 'lost'> {
  const dead = job.attempts >= job.maxAttempts;
  const message = error instanceof Error ? error.message : String(error);
  // A job retried while a newer pending one with the same key exists would violate the dedupe index:
  // the newer one already covers the work, so this one is finished instead.
  const result = await db.query<{ status: string }>(
    `UPDATE jobs SET
       status = CASE
         WHEN $4 THEN 'dead'
         WHEN dedupe_key IS NOT NULL AND EXISTS (
           SELECT 1 FROM jobs other WHERE other.dedupe_key = jobs.dedupe_key AND other.status = 'pending'
         ) THEN 'done'
         ELSE 'pending' END,
       run_at = $5, last_error = $6, locked_by = NULL, locked_until = NULL, updated_at = $3
     WHERE id = $1 AND status = 'running' AND locked_by = $2
     RETURNING status`,
    [
      job.id,
      workerId,
      now,
      dead,
      new Date(now.getTime() + backoffMs(job.attempts)),
      redactAndCut(message, 2000),
    ],
  );
  const status = result.rows[0]?.status;
  if (!status) return 'lost';
  return status === 'dead' ? 'dead' : 'retry';
}

/**
 * Gives a claimed job back without counting the attempt: its run was cut short by the database going away,
 * which says nothing about the job. Due again at `runAt`; finished instead when a newer pending job with
 * the same key already covers the work (as in failJob).
 */
export async function releaseJob(
  db: Queryable,
  job: Job,
  workerId: string,
  now: Date,
  runAt: Date,
  reason: string,
): Promise<'released' | 'lost'> {
  const result = await db.query(
    `UPDATE jobs SET
       status = CASE
         WHEN dedupe_key IS NOT NULL AND EXISTS (
           SELECT 1 FROM jobs other WHERE other.dedupe_key = jobs.dedupe_key AND other.status = 'pending'
         ) THEN 'done'
         ELSE 'pending' END,
       attempts = greatest(attempts - 1, 0), run_at = $4, last_error = $5,
       locked_by = NULL, locked_until = NULL, updated_at = $3
     WHERE id = $1 AND status = 'running' AND locked_by = $2`,
    [job.id, workerId, now, runAt, reason.slice(0, 2000)],
  );
  return result.rowCount > 0 ? 'released' : 'lost';
}

/**
 * The jobs `workerId` holds (running under its lease). After an outage a worker compares them with what it
 * knows it is running: a claim that committed while its answer was lost with the connection is held by
 * nobody who knows it, and is given back (releaseJob) instead of waiting for its lease to run out.
 */
export async function heldJobs(db: Queryable, workerId: string): Promise<Job[]> {
  const result = await db.query<JobRow>(
    `SELECT id, kind, payload, attempts, max_attempts, dedupe_key FROM jobs
     WHERE status = 'running' AND locked_by = $1 ORDER BY id`,
    [workerId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    payload: row.payload,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    dedupeKey: row.dedupe_key,
  }));
}

/** Runs `kind` for the incident after `delayMs`, or sooner when a pending one is due earlier. */
/**
 * Enqueues incident jobs in one statement (or CTE body): `rowsParam` is a jsonb array of
 * `{kind, incident_id, dedupe_key, run_at}`, at most one per dedupe key; `nowParam` the time. A pending job
 * of the same key keeps its place and moves earlier only (as enqueueJob).
 */
export const incidentJobsSql = (rowsParam: string, nowParam: string) =>
  `INSERT INTO jobs (kind, payload, dedupe_key, max_attempts, run_at, created_at, updated_at)
   SELECT x.kind, jsonb_build_object('incidentId', x.incident_id), x.dedupe_key, 5, x.run_at, ${nowParam}, ${nowParam}
   FROM jsonb_to_recordset(${rowsParam}::jsonb) AS x(kind text, incident_id bigint, dedupe_key text, run_at timestamptz)
   ON CONFLICT (dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL
   DO UPDATE SET run_at = EXCLUDED.run_at WHERE EXCLUDED.run_at < jobs.run_at`;

export function enqueueIncidentJob(tx: Queryable, now: Date, kind: string, incidentId: number, delayMs = 0) {
  return enqueueJob(
    tx,
    now,
    kind,
    { incidentId },
    { dedupeKey: incidentJobKey(kind, incidentId), runAt: new Date(now.getTime() + delayMs) },
  );
}
