/** Job kinds on the durable queue, and their dedupe keys (one pending job per incident and kind). */
export const JOB_KINDS = {
  /**
   * Explain the incident (analyzer → stored analysis → the thread's analysis message, posted or edited in
   * place). Once a new incident's storm settled, a new kind of alert, a reopening. The LLM's one call.
   */
  analyzeIncident: 'analyze-incident',
  /** A new incident's first answer: the offline analyzer at once, replaced by analyze-incident later. */
  firstAnalysis: 'first-analysis',
  /** Bring the incident's Slack thread up to date (root message, timeline replies). On every change. */
  syncIncident: 'sync-incident',
  /** Render a remediation's Slack message as it is now (`{ remediationId }`). On every state change. */
  syncRemediation: 'sync-remediation',
  /** Run (or roll back) an approved remediation once (`{ remediationId, op: 'run' | 'rollback' }`). */
  runRemediation: 'run-remediation',
} as const;

export const incidentJobKey = (kind: string, incidentId: number) => `${kind}:${incidentId}`;
export const remediationJobKey = (kind: string, remediationId: number, op = '') =>
  `${kind}:${remediationId}${op ? `:${op}` : ''}`;
