/** What an analyzer is given about an incident. Every part beyond the incident itself is optional context. */
import type { IncidentDetail } from '../db/incidents.ts';

export interface SimilarIncident {
  id: number;
  title: string;
  service: string;
  openedAt: string;
  /** Causes engineers confirmed for that incident ("This was the cause"). */
  confirmedCauses: { title: string; category: string }[];
}

export interface RecentChange {
  kind: 'pull_request' | 'commit' | 'deployment';
  title: string;
  url: string;
  at: string;
  author?: string;
}

export interface MetricSummary {
  expr: string;
  baseline: number | null;
  peak: number | null;
  changedAt: string | null;
}

export interface AnalysisInput {
  incident: IncidentDetail;
  /** Other alerts on the same service or namespace in the last hours (not part of this incident). */
  relatedAlerts: { alertname: string; service: string; status: string; summary: string; lastSeen: string }[];
  recentChanges: RecentChange[];
  metrics: MetricSummary[];
  similarIncidents: SimilarIncident[];
}

export function minimalInput(incident: IncidentDetail): AnalysisInput {
  return { incident, relatedAlerts: [], recentChanges: [], metrics: [], similarIncidents: [] };
}
