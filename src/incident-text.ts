/** Plain-text rendering of an incident for the terminal (`aiops replay`, `aiops incidents`). */
import type { IncidentDetail, IncidentSummary } from './db/incidents.ts';

const SEVERITY_MARK: Record<string, string> = { critical: '🔴', high: '🟠', warning: '🟡', info: '🔵' };

export function incidentLine(incident: IncidentSummary): string {
  const mark = SEVERITY_MARK[incident.severity] ?? '⚪';
  return `${mark} #${incident.id} [${incident.status}] ${incident.severity} · ${incident.service} · ${incident.title} (${incident.firingCount}/${incident.alertCount} firing, opened ${incident.openedAt})`;
}

export function incidentText(incident: IncidentDetail): string {
  const lines = [
    incidentLine(incident),
    `   channel ${incident.channel} · source ${incident.source}${incident.externalUrl ? ` · ${incident.externalUrl}` : ''}`,
    '   alerts:',
    ...incident.alerts.map(
      (alert) =>
        `     - [${alert.status}] ${alert.alertname} (${alert.severity}) ${alert.summary}${alert.generatorUrl ? ` <${alert.generatorUrl}>` : ''}`,
    ),
    '   timeline:',
    ...incident.timeline.map(
      (event) =>
        `     ${event.at} ${event.kind}${event.actor ? ` by ${event.actor}` : ''}${Object.keys(event.detail).length > 0 ? ` ${JSON.stringify(event.detail)}` : ''}`,
    ),
  ];
  return lines.join('\n');
}
