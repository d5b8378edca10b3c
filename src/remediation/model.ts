/**
 * The remediation model shared by the use-cases (src/remediation, src/incidents), the Slack renderers and
 * handlers, the CLI and the API. The state lives in PostgreSQL; these are its read shapes.
 *
 *   proposed ─▶ approved ─▶ running ─▶ succeeded ─▶ rolled_back
 *      │  ▲ (waiting for a 2nd approver)  └──▶ failed ─────▶ rolled_back
 *      ├─▶ rejected        running ─▶ interrupted (worker died; a human decides, never re-run by itself)
 *      └─▶ expired (approval TTL)
 */
import type { Json, RemediationAction } from './types.ts';

export const REMEDIATION_STATUSES = [
  'proposed',
  'approved',
  'running',
  'succeeded',
  'failed',
  'rolled_back',
  'rejected',
  'expired',
  'interrupted',
] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

export type Risk = 'low' | 'medium' | 'high';

/** Who clicked: a Slack user (id, and the user groups Slack says they belong to) or a CLI user. */
export interface Actor {
  /** `U0123…` for Slack users, `cli:NAME` for the local CLI. */
  id: string;
  /** Display form used in the thread and the audit log: `<@U0123>` or the CLI name. */
  display: string;
  /** User-group handles (`@sre`) the actor belongs to, when known. */
  groups?: string[];
}

export interface RemediationApproval {
  actor: string;
  at: string;
}

export interface RemediationView {
  id: number;
  incidentId: number;
  service: string;
  action: RemediationAction;
  risk: Risk;
  status: RemediationStatus;
  /** Approvals so far and how many distinct approvers the risk needs (high: 2). */
  approvals: RemediationApproval[];
  approvalsNeeded: number;
  proposedAt: string;
  expiresAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Captured before `run`; what Rollback restores. */
  before: Json | null;
  after: Json | null;
  /** One line: "restarted deployment shop/checkout: 3/3 replicas ready in 14 s". */
  summary: string | null;
  /** Redacted, bounded output excerpt (playbook log, HTTP response). */
  output: string | null;
  /** Self-healing rule that ran it without a click, if any. */
  autoRunRule: string | null;
  canRollback: boolean;
}

/** What a click (or the CLI) got: each refusal carries the reason the clicker is shown, and is audited. */
export type RemediationOutcome =
  | { kind: 'refused'; reason: string; view: RemediationView | null }
  | { kind: 'waiting'; view: RemediationView }
  | { kind: 'started'; view: RemediationView }
  | { kind: 'done'; view: RemediationView }
  | { kind: 'unchanged'; reason: string; view: RemediationView };

export interface AuditEntry {
  id: number;
  at: string;
  incidentId: number | null;
  remediationId: number | null;
  actor: string;
  /** `propose`, `dry_run`, `approve`, `refuse`, `reject`, `run`, `succeed`, `fail`, `rollback`, `expire`, `interrupt`, `auto_run`. */
  event: string;
  action: RemediationAction | null;
  detail: Json;
}
