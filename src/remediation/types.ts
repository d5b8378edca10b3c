/**
 * The seam between the remediation use-cases (policy, approval state machine, audit) and the executors
 * that change real systems (the Kubernetes API, ansible-playbook, automation webhooks).
 *
 * An executor never decides *whether* to act — policy did that before it is called. It validates the typed
 * action against its own configuration (allowlists, playbook directory), captures the before-state, runs,
 * and rolls back to a captured before-state. Every result is plain JSON so it can be stored and audited.
 */
import type { z } from 'zod';
import type { proposedActionSchema } from '../analysis/schema.ts';

/** A typed, validated action (the analysis' vocabulary plus `http-job`). */
export type RemediationAction =
  | z.output<typeof proposedActionSchema>
  | { kind: 'http-job'; job: string; params?: Record<string, string> };

export type ActionKind = RemediationAction['kind'];

/** JSON that can be stored in a jsonb column as is. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ExecutionContext {
  /** Stable id of the remediation action row; executors use it for idempotency keys and logs. */
  actionId: number;
  /** The incident the action belongs to, when there is one (sent to HTTP jobs, written in annotations). */
  incidentId?: number;
  /** Who approved (Slack user ids or `cli:NAME`), for annotations and HMAC bodies. */
  approvedBy: string[];
  /** Aborted when the run must stop (timeout, shutdown). */
  signal: AbortSignal;
}

export interface DryRunResult {
  ok: boolean;
  /** One-paragraph plain-text description of what would change (shown in Slack). */
  summary: string;
  /** Details (the server's dry-run object, ansible's --check --diff output), redacted, bounded. */
  detail?: string;
}

export interface RunResult {
  ok: boolean;
  summary: string;
  /** Redacted, bounded output (playbook log, HTTP response body, rollout status). */
  output?: string;
  /** The after-state, in the same shape as the before-state, when the executor can read it. */
  after?: Json;
}

export interface Executor {
  readonly name: 'kubernetes' | 'ansible' | 'http';
  /** Which action kinds this executor runs. */
  handles(action: RemediationAction): boolean;
  /**
   * Refuses an action its configuration does not allow (namespace/host outside the allowlist, a playbook
   * outside playbookDir, an unknown job) with a reason; null when allowed.
   */
  refuse(action: RemediationAction): string | null;
  dryRun(action: RemediationAction, context: ExecutionContext): Promise<DryRunResult>;
  /** The before-state needed to roll back; stored before `run` is called. */
  capture(action: RemediationAction, context: ExecutionContext): Promise<Json>;
  run(action: RemediationAction, before: Json, context: ExecutionContext): Promise<RunResult>;
  /** Whether `rollback` exists for this action (Ansible: only with a declared rollback playbook). */
  canRollback(action: RemediationAction): boolean;
  rollback(action: RemediationAction, before: Json, context: ExecutionContext): Promise<RunResult>;
}
