/** In-memory incidents for analyzer tests: alerts shaped as `getIncident` returns them, no database. */
import type { AnalysisInput } from '../../src/analysis/input.ts';
import type { IncidentAlert, IncidentDetail } from '../../src/db/incidents.ts';

export interface AlertSpec {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** The alert's PromQL, carried in its generatorURL. */
  expr?: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
}

export interface AlertDefaults {
  /** When the alert started (unless the spec says). */
  at: string;
  /** The Prometheus of the generatorURL. */
  prometheus?: string;
}

/** An alert as `getIncident` returns it; labels include `alertname` like Alertmanager's. */
export function testAlert(spec: AlertSpec, defaults: AlertDefaults): IncidentAlert {
  const annotations = spec.annotations ?? {};
  const alertname = spec.labels.alertname ?? 'unnamed alert';
  const startsAt = spec.startsAt ?? defaults.at;
  const prometheus = defaults.prometheus ?? 'http://prometheus-k8s-0:9090';
  return {
    fingerprint: `${alertname}-${JSON.stringify(spec.labels).length}`,
    status: spec.status ?? 'firing',
    alertname,
    service: spec.labels.service ?? spec.labels.namespace ?? 'unknown',
    severity: spec.labels.severity ?? 'warning',
    summary: annotations.summary ?? annotations.description ?? alertname,
    labels: spec.labels,
    annotations,
    startsAt,
    endsAt: null,
    generatorUrl: spec.expr ? `${prometheus}/graph?g0.expr=${encodeURIComponent(spec.expr)}&g0.tab=1` : null,
    firstSeen: startsAt,
    lastSeen: startsAt,
    deliveryCount: 1,
  };
}

/** A triggered Alertmanager incident made of `alerts`, opened at `at`. */
export function testIncident(alerts: IncidentAlert[], at: string, id = 99): IncidentDetail {
  return {
    id,
    title: alerts[0]?.alertname ?? 'incident',
    service: alerts[0]?.service ?? 'unknown',
    severity: 'warning',
    status: 'triggered',
    source: 'alertmanager',
    channel: '#incidents',
    alertCount: alerts.length,
    firingCount: alerts.filter((alert) => alert.status === 'firing').length,
    openedAt: at,
    acknowledgedAt: null,
    resolvedAt: null,
    lastEventAt: at,
    externalId: null,
    externalUrl: null,
    reopenCount: 0,
    labels: {},
    alerts,
    timeline: [],
  };
}

/** The analyzer's input for an incident of `alerts`, with optional context. */
export function testInput(
  alerts: IncidentAlert[],
  at: string,
  extra: Partial<Omit<AnalysisInput, 'incident'>> = {},
): AnalysisInput {
  return {
    incident: testIncident(alerts, at),
    relatedAlerts: [],
    recentChanges: [],
    metrics: [],
    similarIncidents: [],
    ...extra,
  };
}
