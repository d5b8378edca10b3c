/** What an analyzer is given about an incident. Every part beyond the incident itself is optional context. */
import type { IncidentDetail } from '../db/incidents.ts';
import type { KubeContext } from './schema.ts';

export interface SimilarIncident {
  id: number;
  title: string;
  service: string;
  openedAt: string;
  /** Causes engineers confirmed for that incident ("This was the cause"). */
  confirmedCauses: { title: string; category: string }[];
  /** How alike it is (full-text rank plus same alert name and service); higher is closer. */
  score?: number;
}

export interface RecentChange {
  kind: 'pull_request' | 'commit' | 'deployment';
  title: string;
  url: string;
  at: string;
  author?: string;
}

export interface MetricSummary {
  /** The alert's expression, as its generatorURL gives it. */
  expr: string;
  /** Median over the hour before the alert started. */
  baseline: number | null;
  /** The value after the start furthest from the baseline (the max for a rise, the min for a drop). */
  peak: number | null;
  /** When the value left the baseline (> 3 × MAD or > 50 %) on the way to the peak. */
  changedAt: string | null;
  peakAt?: string | null;
  /** What was queried when it differs from `expr`: the alert's threshold comparison taken off. */
  query?: string;
  /** The alert's threshold (`expr` is `query > threshold`, or another comparison). */
  threshold?: number;
  /** How many series the query returned; the summary is of the one that moved most. */
  series?: number;
  /** Labels of the summarised series. */
  labels?: Record<string, string>;
}

export interface RelatedAlert {
  alertname: string;
  service: string;
  status: string;
  summary: string;
  lastSeen: string;
  /** The incident it belongs to. */
  incidentId?: number;
}

export interface AnalysisInput {
  incident: IncidentDetail;
  /** Other alerts on the same service or namespace in the last hours (not part of this incident). */
  relatedAlerts: RelatedAlert[];
  recentChanges: RecentChange[];
  metrics: MetricSummary[];
  similarIncidents: SimilarIncident[];
  /** Pod status, events and logs of the Kubernetes objects the alerts name (redacted); absent when not read. */
  kubernetes?: KubeContext;
}

export function minimalInput(incident: IncidentDetail): AnalysisInput {
  return { incident, relatedAlerts: [], recentChanges: [], metrics: [], similarIncidents: [] };
}
