/**
 * The remediation use-cases every adapter (Slack buttons, the CLI, cron jobs) calls: dry run, approve,
 * reject, roll back, expire — and the job that runs an approved action once.
 *
 * Safety rests on PostgreSQL, not on process memory, so it holds across replicas:
 * - every click carries a request id (Slack's action_ts/trigger_id, a CLI id) recorded once in
 *   `remediation_requests`: a replay changes nothing;
 * - each click locks its row (SELECT … FOR UPDATE) and every transition is a conditional UPDATE
 *   (`WHERE status = 'proposed'`): of a thousand concurrent Approve clicks exactly one moves the row to
 *   `approved` and enqueues the run;
 * - the run job moves `approved → running` conditionally with a fresh run token; a job that finds the row
 *   already `running` without a recent heartbeat (its worker died) marks it `interrupted` — never re-runs;
 * - every state change enqueues `sync-remediation` and writes the append-only audit log in the same
 *   transaction.
 */
import { randomUUID } from 'node:crypto';
import { redact, redactDeep } from '../analysis/redact.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { isConnectionError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { enqueueJob } from '../queue/jobs.ts';
import { JOB_KINDS, remediationJobKey } from '../queue/kinds.ts';
import type { Actor, AuditEntry, RemediationOutcome, RemediationView } from '../remediation/model.ts';
import {
  approversOf,
  groupHandles,
  refuseApprover,
  refuseDisabled,
  refuseExpired,
  refuseFreeze,
  refuseRate,
  refuseSameApprover,
} from '../remediation/policy.ts';
import {
  approverIds,
  audit,
  loadRow,
  type RemediationRow,
  readAudit,
  viewOf,
  viewsOf,
} from '../remediation/store.ts';
import { describeTarget, refuseTarget } from '../remediation/targets.ts';
import type { DryRunResult, Executor, Json, RemediationAction, RunResult } from '../remediation/types.ts';

export interface RemediationDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Config;
  executors: Executor[];
  /** User ids of a Slack user group (usergroups.users.list); absent in local mode. */
  slackGroups?: (groupHandle: string) => Promise<string[]>;
}

export interface RemediationRequest {
  remediationId: number;
  actor: Actor;
  /** Slack's action_ts / trigger_id, or a CLI-generated id: applied once, a replay changes nothing. */
  requestId: string;
}

/** How long a running action may go without a heartbeat before a retried job calls it interrupted. */
export const HEARTBEAT_MS = 10_000;
export const STALE_AFTER_MS = 60_000;
/** Output stored and shown: a bounded, redacted excerpt. */
const OUTPUT_LIMIT = 4_000;

/** Thrown by the run job while another worker's run is still alive: the job is retried later. */
export class RemediationStillRunning extends Error {}

const SYSTEM_ACTOR = 'aiops';

/**
 * Clicks on one remediation are handled one at a time per process (per Db): a burst of a thousand waits
 * here, holding no pool connection, instead of filling the pool with transactions queued on one row lock
 * (which timed out connecting on real PostgreSQL). Across replicas the row lock still decides.
 */
const lanes = new WeakMap<object, Map<number, Promise<unknown>>>();

function inLane<T>(db: object, remediationId: number, work: () => Promise<T>): Promise<T> {
  let lane = lanes.get(db);
  if (!lane) {
    lane = new Map();
    lanes.set(db, lane);
  }
  const run = (lane.get(remediationId) ?? Promise.resolve()).then(work, work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  lane.set(remediationId, tail);
  void tail.then(() => {
    if (lane.get(remediationId) === tail) lane.delete(remediationId);
  });
  return run;
}

function executorFor(executors: readonly Executor[], action: RemediationAction): Executor | null {
  return executors.find((executor) => executor.handles(action)) ?? null;
}

function refuseExecutor(executors: readonly Executor[], action: RemediationAction): string | null {
  const executor = executorFor(executors, action);
  if (!executor) return `no executor is configured for ${action.kind} (remediation.* in aiops.yml)`;
  return executor.refuse(action);
}

async function alertLabels(db: Queryable, incidentId: number): Promise<{ labels: Record<string, string> }[]> {
  const result = await db.query<{ labels: Record<string, string> }>(
    'SELECT labels FROM alerts WHERE incident_id = $1 ORDER BY id',
    [incidentId],
  );
  return result.rows;
}

async function enqueueSync(tx: Queryable, now: Date, remediationId: number): Promise<void> {
  await enqueueJob(
    tx,
    now,
    JOB_KINDS.syncRemediation,
    { remediationId },
    { dedupeKey: remediationJobKey(JOB_KINDS.syncRemediation, remediationId) },
  );
}

async function enqueueRun(tx: Queryable, now: Date, remediationId: number, op: 'run' | 'rollback') {
  // Many attempts: a retry while the first run is alive waits (RemediationStillRunning) and never re-runs.
  await enqueueJob(
    tx,
    now,
    JOB_KINDS.runRemediation,
    { remediationId, op },
    { dedupeKey: remediationJobKey(JOB_KINDS.runRemediation, remediationId, op), maxAttempts: 25 },
  );
}

/**
 * Request ids and actor ids come from outside (Slack payloads, the command line): one with a NUL byte or
 * an absurd length is refused up front — PostgreSQL text cannot hold NUL. A display name is only shown:
 * its NULs become U+FFFD.
 */
function invalidRequest(req: RemediationRequest): string | null {
  const bad = (value: string) => value.length === 0 || value.length > 255 || value.includes('\u0000');
  if (!Number.isSafeInteger(req.remediationId) || req.remediationId <= 0)
    return 'invalid request: remediation id';
  if (bad(req.requestId)) return 'invalid request: request id';
  if (bad(req.actor.id)) return 'invalid request: actor id';
  return null;
}

function cleanRequest(req: RemediationRequest): RemediationRequest {
  const display = req.actor.display.replaceAll('\u0000', '\ufffd').slice(0, 255) || req.actor.id;
  return { ...req, actor: { ...req.actor, display } };
}

function guarded<R>(
  req: RemediationRequest,
  work: (req: RemediationRequest) => Promise<R>,
): Promise<R | { kind: 'refused'; reason: string; view: null }> {
  const reason = invalidRequest(req);
  if (reason) return Promise.resolve({ kind: 'refused', reason, view: null });
  return work(cleanRequest(req));
}

/** Records the request id; false when it was seen before (a replayed click). */
async function claimRequest(
  tx: Queryable,
  req: RemediationRequest,
  verb: string,
  now: Date,
): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO remediation_requests (request_id, remediation_id, verb, actor, at, outcome)
     VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT (request_id) DO NOTHING`,
    [req.requestId, req.remediationId, verb, req.actor.id, now],
  );
  return result.rowCount > 0;
}

async function settleRequest(tx: Queryable, requestId: string, outcome: string): Promise<void> {
  await tx.query('UPDATE remediation_requests SET outcome = $2 WHERE request_id = $1', [requestId, outcome]);
}

/** Slack group membership for the service's `@group` approvers, looked up before the transaction. */
async function groupMembers(
  deps: RemediationDeps,
  actor: Actor,
  approvers: readonly string[],
): Promise<Map<string, string[]>> {
  const members = new Map<string, string[]>();
  if (!deps.slackGroups || actor.id.startsWith('cli:')) return members;
  if (approvers.includes(actor.id)) return members;
  for (const handle of groupHandles(approvers)) {
    if ((actor.groups ?? []).some((group) => group.replace(/^@/, '').toLowerCase() === handle)) continue;
    try {
      members.set(handle, await deps.slackGroups(handle));
    } catch (error) {
      deps.logger.warn({ err: error, group: handle }, 'could not read Slack user group members');
    }
  }
  return members;
}

async function refuse(
  tx: Queryable,
  now: Date,
  req: RemediationRequest,
  row: RemediationRow | null,
  verb: string,
  reason: string,
): Promise<RemediationOutcome> {
  await audit(tx, {
    at: now,
    incidentId: row?.incident_id ?? null,
    remediationId: req.remediationId,
    actor: req.actor.id,
    event: 'refuse',
    action: row?.action ?? null,
    detail: { verb, reason, actorDisplay: req.actor.display, requestId: req.requestId },
  });
  await settleRequest(tx, req.requestId, 'refused');
  return { kind: 'refused', reason, view: row ? await viewOf(tx, row.id) : null };
}

async function replayed(tx: Queryable, req: RemediationRequest): Promise<RemediationOutcome> {
  const view = await viewOf(tx, req.remediationId);
  if (!view) return { kind: 'refused', reason: `remediation ${req.remediationId} not found`, view: null };
  return { kind: 'unchanged', reason: 'this request was already handled', view };
}

/**
 * Read before the transaction: the row as it is now, and the members of the service's approver groups (a
 * Slack API call that must not hold a database connection or a row lock).
 */
async function preflight(
  deps: RemediationDeps,
  req: RemediationRequest,
): Promise<{ pre: RemediationRow | null; members: Map<string, string[]> }> {
  const pre = await loadRow(deps.db, req.remediationId);
  const members = pre
    ? await groupMembers(deps, req.actor, approversOf(deps.config, pre.service))
    : new Map<string, string[]>();
  return { pre, members };
}

/** A request that changes nothing (the action moved on): recorded as such, answered with the current view. */
async function unchanged(
  tx: Queryable,
  req: RemediationRequest,
  row: RemediationRow,
  reason: string,
): Promise<RemediationOutcome> {
  await settleRequest(tx, req.requestId, 'unchanged');
  return { kind: 'unchanged', reason, view: (await viewOf(tx, row.id)) as RemediationView };
}

async function executionsLastHour(tx: Queryable, service: string, now: Date): Promise<number> {
  const result = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM remediation_actions WHERE service = $1 AND approved_at > $2`,
    [service, new Date(now.getTime() - 3_600_000)],
  );
  return result.rows[0]?.n ?? 0;
}

/** Serialises rate-limit decisions for one service across replicas (held to the end of the transaction). */
async function lockService(tx: Queryable, service: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`remediation-service:${service}`]);
}

/** Expires a proposed row whose approval window closed; true when it did (or was already expired). */
async function expireIfDue(tx: Queryable, row: RemediationRow, now: Date): Promise<string | null> {
  const reason = refuseExpired(row.expires_at ? new Date(row.expires_at) : null, now);
  if (!reason) return null;
  const moved = await tx.query(
    `UPDATE remediation_actions SET status = 'expired', finished_at = $2, version = version + 1, updated_at = $2
     WHERE id = $1 AND status = 'proposed'`,
    [row.id, now],
  );
  if (moved.rowCount > 0) {
    await audit(tx, {
      at: now,
      incidentId: row.incident_id,
      remediationId: row.id,
      actor: SYSTEM_ACTOR,
      event: 'expire',
      action: row.action,
      detail: { reason },
    });
    await enqueueSync(tx, now, row.id);
  }
  return reason;
}

/** The checks every approval (and dry run) passes, in the order a clicker would want to hear them. */
async function policyRefusal(
  deps: RemediationDeps,
  tx: Queryable,
  row: RemediationRow,
  actor: Actor,
  members: ReadonlyMap<string, readonly string[]>,
  now: Date,
): Promise<string | null> {
  return (
    refuseDisabled(deps.config) ??
    refuseApprover(actor, row.service, approversOf(deps.config, row.service), members) ??
    refuseTarget(row.action, await alertLabels(tx, row.incident_id), deps.config.file.remediation) ??
    refuseExecutor(deps.executors, row.action) ??
    refuseFreeze(deps.config, now)
  );
}

/**
 * The transaction every state-changing click runs in: the click's request id is claimed first (a replayed
 * click answers what it got the first time), then the action's row is loaded and locked — an unknown id is
 * refused and audited — and `decide` does the rest with both.
 */
function clickTransaction(
  deps: RemediationDeps,
  req: RemediationRequest,
  verb: 'approve' | 'reject' | 'rollback',
  decide: (tx: Queryable, now: Date, row: RemediationRow) => Promise<RemediationOutcome>,
): Promise<RemediationOutcome> {
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    if (!(await claimRequest(tx, req, verb, now))) return replayed(tx, req);
    const row = await loadRow(tx, req.remediationId, true);
    if (!row) return refuse(tx, now, req, null, verb, `remediation ${req.remediationId} not found`);
    return decide(tx, now, row);
  });
}

/**
 * The end of a click that changed the action: audited (who, the request id, `detail`), the action's message
 * queued for a refresh, the request settled with `settled` (what a replay of it answers); the action as it
 * is now.
 */
async function recordClick(
  tx: Queryable,
  now: Date,
  req: RemediationRequest,
  row: RemediationRow,
  event: 'approve' | 'reject' | 'rollback',
  settled: string,
  detail: Record<string, unknown>,
): Promise<RemediationView> {
  await audit(tx, {
    at: now,
    incidentId: row.incident_id,
    remediationId: row.id,
    actor: req.actor.id,
    event,
    action: row.action,
    detail: { actorDisplay: req.actor.display, requestId: req.requestId, ...detail },
  });
  await enqueueSync(tx, now, row.id);
  await settleRequest(tx, req.requestId, settled);
  return (await viewOf(tx, row.id)) as RemediationView;
}

export function approveRemediation(
  deps: RemediationDeps,
  req: RemediationRequest,
): Promise<RemediationOutcome> {
  return guarded(req, (clean) => inLane(deps.db, clean.remediationId, () => approveLocked(deps, clean)));
}

async function approveLocked(deps: RemediationDeps, req: RemediationRequest): Promise<RemediationOutcome> {
  const { pre, members } = await preflight(deps, req);
  // A click on an action that is past approval changes nothing: answered without a transaction, so a
  // burst of clicks (a thousand, from two replicas) costs one read each once the first one got through.
  // Someone not allowed is still refused and audited.
  if (pre && pre.status !== 'proposed') {
    const refusal = refuseApprover(req.actor, pre.service, approversOf(deps.config, pre.service), members);
    if (refusal) {
      return deps.db.transaction(async (tx) => {
        const now = deps.clock.now();
        if (!(await claimRequest(tx, req, 'approve', now))) return replayed(tx, req);
        return refuse(tx, now, req, pre, 'approve', refusal);
      });
    }
    const [view] = await viewsOf(deps.db, [pre]);
    return {
      kind: 'unchanged',
      reason: `already ${pre.status.replace('_', ' ')}`,
      view: view as RemediationView,
    };
  }
  return clickTransaction(deps, req, 'approve', async (tx, now, row) => {
    if (row.status !== 'proposed') {
      return unchanged(tx, req, row, `already ${row.status.replace('_', ' ')}`);
    }
    const expired = await expireIfDue(tx, row, now);
    if (expired) return refuse(tx, now, req, row, 'approve', expired);
    const approvedBy = await approverIds(tx, row.id);
    const refusal =
      (await policyRefusal(deps, tx, row, req.actor, members, now)) ??
      refuseSameApprover(req.actor, approvedBy, row.approvals_needed);
    if (refusal) return refuse(tx, now, req, row, 'approve', refusal);
    const complete = approvedBy.length + 1 >= row.approvals_needed;
    if (complete) {
      await lockService(tx, row.service);
      const rate = refuseRate(
        row.service,
        await executionsLastHour(tx, row.service, now),
        deps.config.file.remediation.maxPerServicePerHour,
      );
      if (rate) return refuse(tx, now, req, row, 'approve', rate);
    }
    await tx.query(
      `INSERT INTO remediation_approvals (remediation_id, actor, actor_display, request_id, at)
       VALUES ($1, $2, $3, $4, $5)`,
      [row.id, req.actor.id, req.actor.display, req.requestId, now],
    );
    if (complete) {
      const moved = await tx.query(
        `UPDATE remediation_actions SET status = 'approved', approved_at = $2, version = version + 1, updated_at = $2
         WHERE id = $1 AND status = 'proposed'`,
        [row.id, now],
      );
      if (moved.rowCount > 0) await enqueueRun(tx, now, row.id, 'run');
    } else {
      await tx.query('UPDATE remediation_actions SET version = version + 1, updated_at = $2 WHERE id = $1', [
        row.id,
        now,
      ]);
    }
    const view = await recordClick(tx, now, req, row, 'approve', complete ? 'approved' : 'waiting', {
      approvals: approvedBy.length + 1,
      approvalsNeeded: row.approvals_needed,
    });
    return complete ? { kind: 'started', view } : { kind: 'waiting', view };
  });
}

export function rejectRemediation(
  deps: RemediationDeps,
  req: RemediationRequest,
): Promise<RemediationOutcome> {
  return guarded(req, (clean) => inLane(deps.db, clean.remediationId, () => rejectLocked(deps, clean)));
}

async function rejectLocked(deps: RemediationDeps, req: RemediationRequest): Promise<RemediationOutcome> {
  const { members } = await preflight(deps, req);
  return clickTransaction(deps, req, 'reject', async (tx, now, row) => {
    const refusal = refuseApprover(req.actor, row.service, approversOf(deps.config, row.service), members);
    if (refusal) return refuse(tx, now, req, row, 'reject', refusal);
    // Rejecting an approved action that has not started yet stops it: the run job's conditional claim fails.
    const moved = await tx.query(
      `UPDATE remediation_actions SET status = 'rejected', finished_at = $2, version = version + 1, updated_at = $2
       WHERE id = $1 AND status IN ('proposed', 'approved')`,
      [row.id, now],
    );
    if (moved.rowCount === 0) {
      return unchanged(tx, req, row, `already ${row.status.replace('_', ' ')}`);
    }
    return {
      kind: 'done',
      view: await recordClick(tx, now, req, row, 'reject', 'rejected', { from: row.status }),
    };
  });
}

/**
 * Rollback restores the captured before-state. It needs one approver of the service (speed matters and it
 * only puts back what was there), is allowed during a change freeze and is not rate limited — it undoes a
 * change rather than making a new one. It still needs remediation enabled and an executor that can.
 */
export function rollbackRemediation(
  deps: RemediationDeps,
  req: RemediationRequest,
): Promise<RemediationOutcome> {
  return guarded(req, (clean) => inLane(deps.db, clean.remediationId, () => rollbackLocked(deps, clean)));
}

async function rollbackLocked(deps: RemediationDeps, req: RemediationRequest): Promise<RemediationOutcome> {
  const { members } = await preflight(deps, req);
  return clickTransaction(deps, req, 'rollback', async (tx, now, row) => {
    if (row.status === 'rolled_back' || row.rollback_token !== null) {
      return unchanged(tx, req, row, 'a rollback was already requested');
    }
    const executor = executorFor(deps.executors, row.action);
    const refusal =
      refuseDisabled(deps.config) ??
      refuseApprover(req.actor, row.service, approversOf(deps.config, row.service), members) ??
      (row.status === 'succeeded' || row.status === 'failed'
        ? null
        : `only a finished action can be rolled back (this one is ${row.status.replace('_', ' ')})`) ??
      (row.before === null ? 'nothing to roll back to: the before-state was not captured' : null) ??
      (!executor?.canRollback(row.action) || !row.can_rollback
        ? `${describeTarget(row.action)} has no rollback`
        : null);
    if (refusal) return refuse(tx, now, req, row, 'rollback', refusal);
    const moved = await tx.query(
      `UPDATE remediation_actions SET rollback_token = $3, version = version + 1, updated_at = $2
       WHERE id = $1 AND status IN ('succeeded', 'failed') AND rollback_token IS NULL`,
      [row.id, now, req.requestId],
    );
    if (moved.rowCount === 0) return replayed(tx, req);
    await enqueueRun(tx, now, row.id, 'rollback');
    const view = await recordClick(tx, now, req, row, 'rollback', 'rollback', { phase: 'requested' });
    return { kind: 'started', view };
  });
}

/** What would change, from the executor (server-side dry run, ansible --check); changes nothing. */
export function dryRunRemediation(
  deps: RemediationDeps,
  req: RemediationRequest,
): Promise<RemediationOutcome & { dryRun?: DryRunResult }> {
  return guarded(req, (clean) => dryRunChecked(deps, clean));
}

async function dryRunChecked(
  deps: RemediationDeps,
  req: RemediationRequest,
): Promise<RemediationOutcome & { dryRun?: DryRunResult }> {
  const { members } = await preflight(deps, req);
  type Gate = { outcome: RemediationOutcome } | { row: RemediationRow };
  const gate = await deps.db.transaction(async (tx): Promise<Gate> => {
    const now = deps.clock.now();
    if (!(await claimRequest(tx, req, 'dry_run', now))) return { outcome: await replayed(tx, req) };
    const row = await loadRow(tx, req.remediationId);
    if (!row)
      return {
        outcome: await refuse(tx, now, req, null, 'dry_run', `remediation ${req.remediationId} not found`),
      };
    const refusal =
      refuseDisabled(deps.config) ??
      refuseApprover(req.actor, row.service, approversOf(deps.config, row.service), members) ??
      refuseTarget(row.action, await alertLabels(tx, row.incident_id), deps.config.file.remediation) ??
      refuseExecutor(deps.executors, row.action);
    if (refusal) return { outcome: await refuse(tx, now, req, row, 'dry_run', refusal) };
    await settleRequest(tx, req.requestId, 'dry_run');
    return { row };
  });
  if ('outcome' in gate) return gate.outcome;
  const { row } = gate;
  const executor = executorFor(deps.executors, row.action) as Executor;
  let dryRun: DryRunResult;
  try {
    dryRun = await executor.dryRun(row.action, {
      actionId: row.id,
      incidentId: row.incident_id,
      approvedBy: [],
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    dryRun = { ok: false, summary: `dry run failed: ${redact(errorText(error)).text}` };
  }
  dryRun = {
    ok: dryRun.ok,
    summary: bound(redact(dryRun.summary).text, 1000),
    ...(dryRun.detail ? { detail: bound(redact(dryRun.detail).text, OUTPUT_LIMIT) } : {}),
  };
  await audit(deps.db, {
    at: deps.clock.now(),
    incidentId: row.incident_id,
    remediationId: row.id,
    actor: req.actor.id,
    event: 'dry_run',
    action: row.action,
    detail: {
      actorDisplay: req.actor.display,
      requestId: req.requestId,
      ok: dryRun.ok,
      summary: dryRun.summary,
    },
  });
  return { kind: 'done', view: (await viewOf(deps.db, row.id)) as RemediationView, dryRun };
}

export async function getRemediation(db: Queryable, id: number): Promise<RemediationView | null> {
  return viewOf(db, id);
}

export async function listRemediations(db: Queryable, incidentId: number): Promise<RemediationView[]> {
  const result = await db.query<RemediationRow>(
    'SELECT * FROM remediation_actions WHERE incident_id = $1 ORDER BY id',
    [incidentId],
  );
  return viewsOf(db, result.rows);
}

/**
 * The remediations an analysis proposed, by the action's index in `analysis.proposedActions` (what the
 * Slack renderer needs for `remediation_*:N` buttons). Refused proposals have no entry.
 */
export async function remediationsOfAnalysis(
  db: Queryable,
  analysisId: number,
): Promise<Map<number, RemediationView>> {
  const result = await db.query<RemediationRow>(
    'SELECT * FROM remediation_actions WHERE analysis_id = $1 ORDER BY position, id',
    [analysisId],
  );
  const views = await viewsOf(db, result.rows);
  return new Map(result.rows.map((row, index) => [row.position, views[index] as RemediationView]));
}

export async function listAudit(
  db: Queryable,
  q: { incidentId?: number; limit?: number; beforeId?: number },
): Promise<AuditEntry[]> {
  return readAudit(db, q);
}

/** Proposals whose approval window closed → `expired` (audited, thread updated). Returns how many. */
export async function expireApprovals(deps: Pick<RemediationDeps, 'db'>, now: Date): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const moved = await tx.query<{
      id: number;
      incident_id: number;
      action: RemediationAction;
      expires_at: Date;
    }>(
      `UPDATE remediation_actions SET status = 'expired', finished_at = $1, version = version + 1, updated_at = $1
       WHERE status = 'proposed' AND expires_at <= $1
       RETURNING id, incident_id, action, expires_at`,
      [now],
    );
    for (const row of moved.rows) {
      await audit(tx, {
        at: now,
        incidentId: row.incident_id,
        remediationId: row.id,
        actor: SYSTEM_ACTOR,
        event: 'expire',
        action: row.action,
        detail: { reason: `not approved by ${new Date(row.expires_at).toISOString()}` },
      });
      await enqueueSync(tx, now, row.id);
    }
    return moved.rowCount;
  });
}

/** Proposals still waiting for approval that were proposed at or before `olderThan` (reminders). */
export async function pendingApprovals(db: Queryable, olderThan: Date): Promise<RemediationView[]> {
  const result = await db.query<RemediationRow>(
    `SELECT * FROM remediation_actions WHERE status = 'proposed' AND proposed_at <= $1
       AND (expires_at IS NULL OR expires_at > $1) ORDER BY id`,
    [olderThan],
  );
  return viewsOf(db, result.rows);
}

// ————————————————————————————————————————— running —————————————————————————————————————————

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

function bound(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function redactJson(value: Json | undefined): Json | undefined {
  return value === undefined ? undefined : redactDeep(value).value;
}

async function actorsOf(tx: Queryable, row: RemediationRow): Promise<string[]> {
  return row.auto_run_rule ? [row.auto_run_rule] : approverIds(tx, row.id);
}

/** Marks a run or rollback whose worker went silent as interrupted: a human decides what next. */
async function interruptStale(deps: RemediationDeps, row: RemediationRow, what: 'run' | 'rollback') {
  const now = deps.clock.now();
  const lastSign = row.heartbeat_at ? new Date(row.heartbeat_at) : null;
  if (lastSign && now.getTime() - lastSign.getTime() < STALE_AFTER_MS) {
    throw new RemediationStillRunning(
      `remediation ${row.id} is still running (heartbeat ${lastSign.toISOString()})`,
    );
  }
  await deps.db.transaction(async (tx) => {
    const condition =
      what === 'run'
        ? `status = 'running' AND run_token IS NOT DISTINCT FROM $3`
        : `status IN ('succeeded', 'failed') AND rollback_started_at IS NOT NULL`;
    const moved = await tx.query(
      `UPDATE remediation_actions SET status = 'interrupted', finished_at = $2, version = version + 1, updated_at = $2
       WHERE id = $1 AND ${condition}`,
      what === 'run' ? [row.id, now, row.run_token] : [row.id, now],
    );
    if (moved.rowCount === 0) return;
    await audit(tx, {
      at: now,
      incidentId: row.incident_id,
      remediationId: row.id,
      actor: SYSTEM_ACTOR,
      event: 'interrupt',
      action: row.action,
      detail: {
        phase: what,
        reason: `the worker ${what === 'run' ? 'running' : 'rolling back'} this action stopped (last heartbeat ${lastSign?.toISOString() ?? 'never'}); it is not re-run by itself — check the target and decide`,
      },
    });
    await enqueueSync(tx, now, row.id);
  });
  deps.logger.warn({ remediationId: row.id, phase: what }, 'remediation interrupted: its worker stopped');
}

function startHeartbeat(
  deps: RemediationDeps,
  id: number,
  token: string,
  column: 'run_token' | 'rollback_token',
) {
  const timer = setInterval(() => {
    deps.db
      .query(`UPDATE remediation_actions SET heartbeat_at = $3 WHERE id = $1 AND ${column} = $2`, [
        id,
        token,
        deps.clock.now(),
      ])
      .catch((error: unknown) => deps.logger.warn({ err: error, remediationId: id }, 'heartbeat failed'));
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Bounds a run: the executor's own timeouts come first; this is the backstop. */
function runSignal(deps: RemediationDeps): AbortSignal {
  const ansible = deps.config.file.remediation.ansible?.timeoutSeconds ?? 300;
  return AbortSignal.timeout((ansible + 120) * 1000);
}

/** The `run-remediation` job: runs an approved action (or its rollback) at most once. */
export async function runRemediationJob(
  deps: RemediationDeps,
  remediationId: number,
  op: 'run' | 'rollback',
): Promise<void> {
  if (op === 'rollback') return runRollback(deps, remediationId);
  const token = randomUUID();
  const claimed = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const result = await tx.query<RemediationRow>(
      `UPDATE remediation_actions SET status = 'running', started_at = $2, heartbeat_at = $2, run_token = $3,
         version = version + 1, updated_at = $2
       WHERE id = $1 AND status = 'approved' RETURNING *`,
      [remediationId, now, token],
    );
    const row = result.rows[0];
    if (!row) return null;
    await audit(tx, {
      at: now,
      incidentId: row.incident_id,
      remediationId: row.id,
      actor: row.auto_run_rule ?? SYSTEM_ACTOR,
      event: 'run',
      action: row.action,
      detail: { approvedBy: await actorsOf(tx, row), target: describeTarget(row.action) },
    });
    await enqueueSync(tx, now, row.id);
    return { row, approvedBy: await actorsOf(tx, row) };
  });
  if (!claimed) {
    const row = await loadRow(deps.db, remediationId);
    // A retried job (its worker died, the lease expired) finds the row running: never run it again.
    if (row?.status === 'running') await interruptStale(deps, row, 'run');
    return;
  }
  const { row, approvedBy } = claimed;
  const stopHeartbeat = startHeartbeat(deps, row.id, token, 'run_token');
  const started = deps.clock.now();
  let result: RunResult;
  let before: Json | null = null;
  let canRollback = false;
  try {
    const executor = executorFor(deps.executors, row.action);
    const refusal = refuseExecutor(deps.executors, row.action);
    if (!executor || refusal) {
      result = { ok: false, summary: `not run: ${refusal ?? 'no executor'}` };
    } else {
      const context = { actionId: row.id, incidentId: row.incident_id, approvedBy, signal: runSignal(deps) };
      let captureError: string | null = null;
      try {
        before = await executor.capture(row.action, context);
        await deps.db.query(
          'UPDATE remediation_actions SET before = $3::jsonb WHERE id = $1 AND run_token = $2',
          [row.id, token, jsonParam(before)],
        );
      } catch (error) {
        captureError = errorText(error);
      }
      if (captureError !== null) {
        // Without the before-state there is no way back: do not change anything.
        result = { ok: false, summary: `not run: could not read the before-state (${captureError})` };
      } else {
        try {
          result = await executor.run(row.action, before, context);
        } catch (error) {
          result = { ok: false, summary: `the executor failed: ${errorText(error)}` };
        }
        canRollback = executor.canRollback(row.action);
      }
    }
  } finally {
    stopHeartbeat();
  }
  await finishRun(deps, row, token, result, canRollback, started);
}

/**
 * Storing an outcome must survive a database restart: the action already ran, and losing its result
 * would leave it `running` until a retried job calls it interrupted. Connection failures are retried
 * (about 30 s in all); anything else is thrown.
 */
async function storeOutcome(deps: RemediationDeps, remediationId: number, work: () => Promise<void>) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await work();
      return;
    } catch (error) {
      if (!isConnectionError(error) || attempt >= 8) throw error;
      deps.logger.warn(
        { err: error, remediationId, attempt },
        'database unavailable: retrying to store the outcome',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 8_000)));
    }
  }
}

async function finishRun(
  deps: RemediationDeps,
  row: RemediationRow,
  token: string,
  result: RunResult,
  canRollback: boolean,
  started: Date,
): Promise<void> {
  const summary = bound(redact(result.summary).text, 500);
  const output = result.output ? bound(redact(result.output).text, OUTPUT_LIMIT) : null;
  await storeOutcome(deps, row.id, () =>
    finishRunTx(deps, row, token, result, canRollback, started, summary, output),
  );
}

async function finishRunTx(
  deps: RemediationDeps,
  row: RemediationRow,
  token: string,
  result: RunResult,
  canRollback: boolean,
  started: Date,
  summary: string,
  output: string | null,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const moved = await tx.query(
      `UPDATE remediation_actions SET status = $3, after = $4::jsonb, summary = $5, output = $6, can_rollback = $7,
         finished_at = $8, version = version + 1, updated_at = $8
       WHERE id = $1 AND status = 'running' AND run_token = $2`,
      [
        row.id,
        token,
        result.ok ? 'succeeded' : 'failed',
        result.after === undefined ? null : jsonParam(result.after),
        summary,
        output,
        canRollback,
        now,
      ],
    );
    const stored = await loadRow(tx, row.id);
    await audit(tx, {
      at: now,
      incidentId: row.incident_id,
      remediationId: row.id,
      actor: SYSTEM_ACTOR,
      event: moved.rowCount > 0 ? (result.ok ? 'succeed' : 'fail') : 'late_result',
      action: row.action,
      detail: {
        summary,
        ok: result.ok,
        durationMs: now.getTime() - started.getTime(),
        before: redactJson(stored?.before ?? undefined),
        after: redactJson(result.after),
        ...(moved.rowCount > 0
          ? {}
          : { note: `the row was ${stored?.status ?? 'deleted'} when the run ended` }),
      },
    });
    if (moved.rowCount > 0) await enqueueSync(tx, now, row.id);
  });
}

async function runRollback(deps: RemediationDeps, remediationId: number): Promise<void> {
  const claimed = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const result = await tx.query<RemediationRow>(
      `UPDATE remediation_actions SET rollback_started_at = $2, heartbeat_at = $2, version = version + 1, updated_at = $2
       WHERE id = $1 AND status IN ('succeeded', 'failed') AND rollback_token IS NOT NULL
         AND rollback_started_at IS NULL RETURNING *`,
      [remediationId, now],
    );
    return result.rows[0] ?? null;
  });
  if (!claimed) {
    const row = await loadRow(deps.db, remediationId);
    if (row?.rollback_started_at && (row.status === 'succeeded' || row.status === 'failed')) {
      await interruptStale(deps, row, 'rollback');
    }
    return;
  }
  const row = claimed;
  const token = row.rollback_token as string;
  const stopHeartbeat = startHeartbeat(deps, row.id, token, 'rollback_token');
  let result: RunResult;
  try {
    const executor = executorFor(deps.executors, row.action);
    if (!executor?.canRollback(row.action)) result = { ok: false, summary: 'no rollback for this action' };
    else {
      try {
        result = await executor.rollback(row.action, row.before, {
          actionId: row.id,
          incidentId: row.incident_id,
          approvedBy: await actorsOf(deps.db, row),
          signal: runSignal(deps),
        });
      } catch (error) {
        result = { ok: false, summary: `the rollback failed: ${errorText(error)}` };
      }
    }
  } finally {
    stopHeartbeat();
  }
  const summary = bound(redact(result.summary).text, 500);
  const output = result.output ? bound(redact(result.output).text, OUTPUT_LIMIT) : null;
  await storeOutcome(deps, row.id, () => finishRollbackTx(deps, row, token, result, summary, output));
}

async function finishRollbackTx(
  deps: RemediationDeps,
  row: RemediationRow,
  token: string,
  result: RunResult,
  summary: string,
  output: string | null,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    // Success: rolled_back. Failure: the row stays finished and a human may try the rollback again.
    const moved = await tx.query(
      result.ok
        ? `UPDATE remediation_actions SET status = 'rolled_back', rolled_back_at = $3, summary = $4,
             output = coalesce($5, output), version = version + 1, updated_at = $3
           WHERE id = $1 AND rollback_token = $2 AND status IN ('succeeded', 'failed')`
        : `UPDATE remediation_actions SET rollback_token = NULL, rollback_started_at = NULL, summary = $4,
             output = coalesce($5, output), version = version + 1, updated_at = $3
           WHERE id = $1 AND rollback_token = $2 AND status IN ('succeeded', 'failed')`,
      [row.id, token, now, summary, output],
    );
    await audit(tx, {
      at: now,
      incidentId: row.incident_id,
      remediationId: row.id,
      actor: SYSTEM_ACTOR,
      event: moved.rowCount === 0 ? 'late_result' : result.ok ? 'rolled_back' : 'rollback_failed',
      action: row.action,
      detail: {
        summary,
        ok: result.ok,
        restored: redactJson(row.before ?? undefined),
        after: redactJson(result.after),
      },
    });
    if (moved.rowCount > 0) await enqueueSync(tx, now, row.id);
  });
}

// ————————————————————————————————————————— proposing —————————————————————————————————————————

export interface ProposeInput {
  incidentId: number;
  analysisId: number;
  service: string;
  actions: readonly RemediationAction[];
}

/**
 * An alert rule may name the automation job that fixes it (`remediation_job: NAME` annotation), as it may
 * name a playbook: proposed only when NAME is a job under remediation.http.jobs, never with parameters.
 */
async function namedJobs(tx: Queryable, incidentId: number, config: Config): Promise<RemediationAction[]> {
  const jobs = config.file.remediation.http?.jobs ?? {};
  const result = await tx.query<{ job: string }>(
    `SELECT DISTINCT annotations->>'remediation_job' AS job FROM alerts
     WHERE incident_id = $1 AND annotations ? 'remediation_job' ORDER BY 1`,
    [incidentId],
  );
  return result.rows
    .filter((row) => Object.hasOwn(jobs, row.job))
    .map((row) => ({ kind: 'http-job' as const, job: row.job }));
}

function labelsMatch(match: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(match).every(([key, value]) => labels[key] === value);
}

function ruleName(index: number, rule: { action: string; match: Record<string, string> }): string {
  const labels = Object.entries(rule.match)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  return `aiops (self-healing rule ${index + 1}: ${rule.action} when ${labels})`;
}

/**
 * Turns an analysis' proposed actions into `proposed` rows, inside the caller's transaction (the one that
 * stores the analysis). Only when remediation is enabled; only targets the incident's own alert labels
 * and the allowlists allow (others are audited as refused, never stored); no duplicate of an action still
 * pending. A matching self-healing rule approves a low-risk action at once (audited, rate limited).
 */
export async function proposeRemediations(
  tx: Queryable,
  config: Config,
  now: Date,
  input: ProposeInput,
): Promise<RemediationView[]> {
  const policy = config.file.remediation;
  if (!policy.enabled) return [];
  const alerts = await alertLabels(tx, input.incidentId);
  const created: number[] = [];
  const actions = [...input.actions, ...(await namedJobs(tx, input.incidentId, config))];
  for (const [position, action] of actions.entries()) {
    const reason = refuseTarget(action, alerts, policy);
    if (reason) {
      await audit(tx, {
        at: now,
        incidentId: input.incidentId,
        remediationId: null,
        actor: SYSTEM_ACTOR,
        event: 'refuse',
        action,
        detail: { verb: 'propose', reason, analysisId: input.analysisId },
      });
      continue;
    }
    const pending = await tx.query(
      `SELECT 1 FROM remediation_actions WHERE incident_id = $1 AND action = $2::jsonb
         AND status IN ('proposed', 'approved', 'running')`,
      [input.incidentId, jsonParam(action)],
    );
    if (pending.rowCount > 0) continue;
    const risk = policy.risk[action.kind];
    const inserted = await tx.query<RemediationRow>(
      `INSERT INTO remediation_actions (incident_id, analysis_id, position, service, action, kind, risk,
         approvals_needed, status, proposed_at, expires_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, 'proposed', $9, $10, $9) RETURNING *`,
      [
        input.incidentId,
        input.analysisId,
        position,
        input.service,
        jsonParam(action),
        action.kind,
        risk,
        risk === 'high' ? 2 : 1,
        now,
        new Date(now.getTime() + policy.approvalTtlMinutes * 60_000),
      ],
    );
    const row = inserted.rows[0] as RemediationRow;
    await audit(tx, {
      at: now,
      incidentId: input.incidentId,
      remediationId: row.id,
      actor: SYSTEM_ACTOR,
      event: 'propose',
      action,
      detail: { risk, approvalsNeeded: row.approvals_needed, target: describeTarget(action) },
    });
    await autoRun(tx, config, now, row, alerts);
    await enqueueSync(tx, now, row.id);
    created.push(row.id);
  }
  const rows = await tx.query<RemediationRow>(
    'SELECT * FROM remediation_actions WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) ORDER BY id',
    [JSON.stringify(created)],
  );
  return viewsOf(tx, rows.rows);
}

/** Self-healing: the first matching low-risk rule approves the row without a click, within its limits. */
async function autoRun(
  tx: Queryable,
  config: Config,
  now: Date,
  row: RemediationRow,
  alerts: { labels: Record<string, string> }[],
): Promise<void> {
  const policy = config.file.remediation;
  for (const [index, rule] of policy.autoRun.entries()) {
    if (rule.action !== row.kind || row.risk !== 'low') continue;
    if (!alerts.some((alert) => labelsMatch(rule.match, alert.labels))) continue;
    const name = ruleName(index, rule);
    await lockService(tx, row.service);
    const ruleRuns = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM remediation_actions WHERE auto_run_rule = $1 AND approved_at > $2',
      [name, new Date(now.getTime() - 3_600_000)],
    );
    const refusal =
      (approversOf(config, row.service).length === 0
        ? `service ${row.service} has no approvers in aiops.yml: it can be analysed but not fixed`
        : null) ??
      refuseFreeze(config, now) ??
      refuseRate(row.service, await executionsLastHour(tx, row.service, now), policy.maxPerServicePerHour) ??
      ((ruleRuns.rows[0]?.n ?? 0) >= rule.maxPerHour
        ? `self-healing rule ${index + 1} already ran ${rule.maxPerHour} time(s) in the last hour`
        : null);
    if (refusal) {
      await audit(tx, {
        at: now,
        incidentId: row.incident_id,
        remediationId: row.id,
        actor: name,
        event: 'refuse',
        action: row.action,
        detail: { verb: 'auto_run', reason: `${refusal}; waiting for a human` },
      });
      return;
    }
    await tx.query(
      `UPDATE remediation_actions SET status = 'approved', approved_at = $2, auto_run_rule = $3,
         version = version + 1, updated_at = $2 WHERE id = $1 AND status = 'proposed'`,
      [row.id, now, name],
    );
    await audit(tx, {
      at: now,
      incidentId: row.incident_id,
      remediationId: row.id,
      actor: name,
      event: 'auto_run',
      action: row.action,
      detail: { rule: index + 1, match: rule.match, maxPerHour: rule.maxPerHour },
    });
    await enqueueRun(tx, now, row.id, 'run');
    return;
  }
}
