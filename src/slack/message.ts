import type { KnownBlock } from '@slack/types';

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
} as const;

/** The value carried by every incident button (Slack limits a button value to 2,000 characters). */
export interface IncidentButtonValue {
  incidentId: number;
  /** For confirmCause: the root cause's title as shown. */
  cause?: string;
  category?: string;
}
