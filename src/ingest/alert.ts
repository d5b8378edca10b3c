/** The one alert shape both sources normalize to, and the groups that correlation works on. */
import type { ServiceSource } from './service.ts';

export type AlertSource = 'alertmanager' | 'pagerduty';
export type Severity = 'critical' | 'high' | 'warning' | 'info';
export type AlertStatus = 'firing' | 'resolved';
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, warning: 2, info: 1 };

export function highestSeverity(severities: Iterable<Severity>): Severity {
  let best: Severity = 'info';
  for (const severity of severities) if (SEVERITY_RANK[severity] > SEVERITY_RANK[best]) best = severity;
  return best;
}

const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  alert: 'critical',
  disaster: 'critical',
  p1: 'critical',
  sev1: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  p2: 'high',
  sev2: 'high',
  warning: 'warning',
  warn: 'warning',
  minor: 'warning',
  average: 'warning',
  p3: 'warning',
  sev3: 'warning',
  info: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
  p4: 'info',
  p5: 'info',
};

/** Maps the many severity vocabularies in the wild to four levels; an unknown word counts as a warning. */
export function normalizeSeverity(value: string | undefined | null): Severity {
  if (!value) return 'warning';
  const word = value.trim().toLowerCase();
  // Own keys only: a label value such as `constructor` must not resolve to an Object.prototype member.
  return Object.hasOwn(SEVERITY_WORDS, word) ? (SEVERITY_WORDS[word] as Severity) : 'warning';
}

export interface NormalizedAlert {
  fingerprint: string;
  status: AlertStatus;
  alertname: string;
  service: string;
  /** Which labels decided `service` (src/ingest/service.ts). */
  serviceSource: ServiceSource;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  generatorUrl: string | null;
}

export interface TimelineNote {
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

/** Alerts that belong together, and what the source says about the incident they form. */
export interface AlertGroup {
  source: AlertSource;
  correlationKey: string;
  /** The key names one incident for ever (a PagerDuty incident id): it reopens whatever its age. */
  keyIsIdentity: boolean;
  title: string;
  service: string;
  serviceSource: ServiceSource;
  /**
   * Keys the same alerts had before (service + alertname under the old service labels): an open incident
   * found under one of them absorbs the group instead of a new incident opening mid-storm.
   */
  legacyCorrelationKeys?: string[];
  labels: Record<string, string>;
  externalId: string | null;
  externalUrl: string | null;
  alerts: NormalizedAlert[];
  /** A status the source sets directly (PagerDuty acknowledge / unacknowledge). */
  setStatus?: 'acknowledged' | 'triggered';
  /** Only attach to an existing incident; never open one (a note on an incident we never saw). */
  attachOnly?: boolean;
  notes: TimelineNote[];
  actor: string | null;
}

/** What a normalizer makes of one delivery. */
export interface NormalizedDelivery {
  groups: AlertGroup[];
  /** Set when the delivery is stored but not acted on (unknown event type, …). */
  ignoredReason?: string;
  /** A sender's id for this delivery (retries reuse it). */
  deliveryKey: string | null;
  notes: string[];
}
