/** The remediation tables: rows → views, the append-only audit log. */
import { redactDeep } from '../analysis/redact.ts';
import type { Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import type { AuditEntry, RemediationStatus, RemediationView, Risk } from './model.ts';
import type { Json, RemediationAction } from './types.ts';

export interface RemediationRow {
  id: number;
  incident_id: number;
  analysis_id: number | null;
  position: number;
  service: string;
  action: RemediationAction;
  kind: string;
  risk: Risk;
  approvals_needed: number;
  status: RemediationStatus;
  proposed_at: Date;
  expires_at: Date | null;
  approved_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  run_token: string | null;
  heartbeat_at: Date | null;
  before: Json | null;
  after: Json | null;
  summary: string | null;
  output: string | null;
  can_rollback: boolean;
  rollback_token: string | null;
  rollback_started_at: Date | null;
  rolled_back_at: Date | null;
  auto_run_rule: string | null;
  version: number;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

export async function loadRow(db: Queryable, id: number, lock = false): Promise<RemediationRow | null> {
  const result = await db.query<RemediationRow>(
    `SELECT * FROM remediation_actions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return result.rows[0] ?? null;
}

async function approvalsOf(
  db: Queryable,
  ids: number[],
): Promise<Map<number, { actor: string; at: string }[]>> {
  const map = new Map<number, { actor: string; at: string }[]>();
  if (ids.length === 0) return map;
  const result = await db.query<{ remediation_id: number; actor_display: string; at: Date }>(
    `SELECT remediation_id, actor_display, at FROM remediation_approvals
     WHERE remediation_id IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint) ORDER BY id`,
    [JSON.stringify(ids)],
  );
  for (const row of result.rows) {
    const list = map.get(row.remediation_id) ?? [];
    list.push({ actor: row.actor_display, at: new Date(row.at).toISOString() });
    map.set(row.remediation_id, list);
  }
  return map;
}

export async function approverIds(db: Queryable, remediationId: number): Promise<string[]> {
  const result = await db.query<{ actor: string }>(
    'SELECT actor FROM remediation_approvals WHERE remediation_id = $1 ORDER BY id',
    [remediationId],
  );
  return result.rows.map((row) => row.actor);
}

export function toView(row: RemediationRow, approvals: { actor: string; at: string }[]): RemediationView {
  return {
    id: row.id,
    incidentId: row.incident_id,
    service: row.service,
    action: row.action,
    risk: row.risk,
    status: row.status,
    approvals,
    approvalsNeeded: row.approvals_needed,
    proposedAt: iso(row.proposed_at) as string,
    expiresAt: iso(row.expires_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    // Stored whole (rollback needs it); shown redacted.
    before: row.before === null ? null : redactDeep(row.before).value,
    after: row.after === null ? null : redactDeep(row.after).value,
    summary: row.summary,
    output: row.output,
    autoRunRule: row.auto_run_rule,
    canRollback:
      (row.status === 'succeeded' || row.status === 'failed') &&
      row.can_rollback &&
      row.before !== null &&
      row.rollback_token === null,
  };
}

export async function viewsOf(db: Queryable, rows: RemediationRow[]): Promise<RemediationView[]> {
  const approvals = await approvalsOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toView(row, approvals.get(row.id) ?? []));
}

export async function viewOf(db: Queryable, id: number): Promise<RemediationView | null> {
  const row = await loadRow(db, id);
  if (!row) return null;
  const [view] = await viewsOf(db, [row]);
  return view ?? null;
}

export interface AuditInput {
  at: Date;
  incidentId: number | null;
  remediationId: number | null;
  actor: string;
  event: string;
  action: RemediationAction | null;
  detail?: Record<string, Json | undefined>;
}

export async function audit(db: Queryable, entry: AuditInput): Promise<void> {
  const detail = Object.fromEntries(
    Object.entries(entry.detail ?? {}).filter(([, value]) => value !== undefined),
  );
  await db.query(
    `INSERT INTO audit_log (at, incident_id, remediation_id, actor, event, action, detail)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`,
    [
      entry.at,
      entry.incidentId,
      entry.remediationId,
      entry.actor,
      entry.event,
      entry.action === null ? null : jsonParam(entry.action),
      jsonParam(detail),
    ],
  );
}

export async function readAudit(
  db: Queryable,
  q: { incidentId?: number; remediationId?: number; limit?: number; beforeId?: number },
): Promise<AuditEntry[]> {
  const result = await db.query<{
    id: number;
    at: Date;
    incident_id: number | null;
    remediation_id: number | null;
    actor: string;
    event: string;
    action: RemediationAction | null;
    detail: Json;
  }>(
    `SELECT id, at, incident_id, remediation_id, actor, event, action, detail FROM audit_log
     WHERE ($1::bigint IS NULL OR incident_id = $1)
       AND ($2::bigint IS NULL OR remediation_id = $2)
       AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [
      q.incidentId ?? null,
      q.remediationId ?? null,
      q.beforeId ?? null,
      Math.min(Math.max(q.limit ?? 50, 1), 500),
    ],
  );
  return result.rows.map((row) => ({
    id: row.id,
    at: new Date(row.at).toISOString(),
    incidentId: row.incident_id,
    remediationId: row.remediation_id,
    actor: row.actor,
    event: row.event,
    action: row.action,
    detail: row.detail,
  }));
}
