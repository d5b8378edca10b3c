import type { KnownBlock } from '@slack/types';
import { redactDeep } from '../analysis/redact.ts';

/** One Slack message as the renderers produce it: the notification text and the Block Kit blocks. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Action ids of the buttons on incident messages; handlers/actions registers one listener each. */
export const ACTION_IDS = {
  acknowledge: 'incident_acknowledge',
  resolve: 'incident_resolve',
  confirmCause: 'incident_confirm_cause',
  remediationDryRun: 'remediation_dry_run',
  remediationApprove: 'remediation_approve',
  remediationReject: 'remediation_reject',
  remediationRollback: 'remediation_rollback',
  /** *Open fix PR* on a proposed fix (`fix_open_pr:N`, N its index). */
  fixOpenPr: 'fix_open_pr',
} as const;

/** The value carried by every remediation button: the action's id, nothing a clicker could widen. */
export interface RemediationButtonValue {
  remediationId: number;
}

/** The value carried by every incident button (Slack limits a button value to 2,000 characters). */
export interface IncidentButtonValue {
  incidentId: number;
  /** For confirmCause: the root cause's title as shown. */
  cause?: string;
  category?: string;
  /** For fixOpenPr: the proposed fix's index in the analysis. */
  fixIndex?: number;
  /**
   * For fixOpenPr: the generator that proposed the fix (`k8s-image-rollback`), so the click plans exactly that one
   * even if the analysis was re-run since. Buttons posted before it was added carry only `fixIndex`.
   */
  generator?: string;
}

/**
 * The last step before anything goes to Slack: secrets in alert text, labels, links and answers are
 * replaced by `[REDACTED:kind]` wherever they sit in the blocks (the outbox and command answers call this).
 */
export function redactForSlack(message: SlackMessage): SlackMessage {
  return redactDeep(message).value;
}
