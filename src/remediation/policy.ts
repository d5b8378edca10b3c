/**
 * Remediation policy as pure functions of the configuration and the facts the use-case reads from the
 * database (counts, approvals, group membership). Each check answers null (allowed) or the reason shown to
 * the clicker and written to the audit log.
 */
import type { Config } from '../config.ts';
import { activeFreeze } from './freeze.ts';
import type { Actor, Risk } from './model.ts';
import type { ActionKind } from './types.ts';

export function riskOf(config: Config, kind: ActionKind): Risk {
  return config.file.remediation.risk[kind];
}

/** High risk needs two different approvers; low and medium one. */
export function approvalsNeededFor(risk: Risk): number {
  return risk === 'high' ? 2 : 1;
}

export function approversOf(config: Config, service: string): string[] {
  return config.file.services.find((entry) => entry.name === service)?.approvers ?? [];
}

export function refuseDisabled(config: Config): string | null {
  return config.file.remediation.enabled
    ? null
    : 'remediation is not enabled (remediation.enabled in aiops.yml)';
}

const normalizeHandle = (handle: string) => handle.replace(/^@/, '').toLowerCase();

/**
 * Whether `actor` is one of the service's approvers. Entries are Slack user ids (`U0ONCALL`), user-group
 * handles (`@sre`: membership from the actor's groups or `groupMembers`, looked up through Slack) or, for
 * the CLI (`cli:NAME`), a plain entry equal to NAME.
 */
export function refuseApprover(
  actor: Actor,
  service: string,
  approvers: readonly string[],
  groupMembers: ReadonlyMap<string, readonly string[]>,
): string | null {
  if (approvers.length === 0) {
    return `service ${service} has no approvers in aiops.yml: it can be analysed but not fixed`;
  }
  const cliName = actor.id.startsWith('cli:') ? actor.id.slice(4) : null;
  const actorGroups = new Set((actor.groups ?? []).map(normalizeHandle));
  for (const entry of approvers) {
    if (entry.startsWith('@')) {
      if (cliName !== null) continue;
      const handle = normalizeHandle(entry);
      if (actorGroups.has(handle)) return null;
      if (groupMembers.get(handle)?.includes(actor.id)) return null;
    } else if (cliName !== null ? entry === cliName : entry === actor.id) {
      return null;
    }
  }
  return `${actor.display} is not an approver for ${service} (allowed: ${approvers.join(', ')})`;
}

/** The group handles among the approvers (to look up through Slack), without `@`, lower case. */
export function groupHandles(approvers: readonly string[]): string[] {
  return approvers.filter((entry) => entry.startsWith('@')).map(normalizeHandle);
}

export function refuseFreeze(config: Config, now: Date): string | null {
  const freeze = activeFreeze(config.file.remediation.freeze, now);
  if (!freeze) return null;
  return `change freeze (${freeze.window.cron}, ${freeze.window.durationMinutes} min) until ${freeze.endsAt.toISOString()}`;
}

export function refuseRate(service: string, executedLastHour: number, max: number): string | null {
  if (executedLastHour < max) return null;
  return `rate limit: ${executedLastHour} remediation(s) of ${service} in the last hour (max ${max} per hour)`;
}

export function refuseExpired(expiresAt: Date | null, now: Date): string | null {
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    return `the approval window closed at ${expiresAt.toISOString()} (remediation.approvalTtlMinutes)`;
  }
  return null;
}

/** The same person cannot give both approvals of a high-risk action. */
export function refuseSameApprover(
  actor: Actor,
  approvedBy: readonly string[],
  needed: number,
): string | null {
  if (!approvedBy.includes(actor.id)) return null;
  return needed > 1
    ? `${actor.display} already approved: high risk needs a second, different approver`
    : `${actor.display} already approved`;
}
