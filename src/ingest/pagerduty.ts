/** PagerDuty Webhooks V3: schema and normalization of incident events. Unknown fields are ignored. */
import { z } from 'zod';
import { ErrorCode, ValidationError } from '../errors.ts';
import type { AlertGroup, NormalizedAlert, NormalizedDelivery, Severity, TimelineNote } from './alert.ts';
import { normalizeSeverity } from './alert.ts';
import { truncate } from './alertmanager.ts';
import { parseWithSchema, timestampSchema } from './parse.ts';
import type { ServiceRules, ServiceSource } from './service.ts';
import { resolveService, storableService, UNKNOWN_SERVICE } from './service.ts';

const reference = z.object({
  id: z.string(),
  summary: z.string().nullish(),
  html_url: z.string().nullish(),
});

const incidentSchema = z.object({
  id: z.string(),
  type: z.literal('incident'),
  html_url: z.string().nullish(),
  number: z.number().nullish(),
  status: z.enum(['triggered', 'acknowledged', 'resolved']),
  incident_key: z.string().nullish(),
  created_at: timestampSchema.nullish(),
  title: z.string(),
  service: reference.nullish(),
  priority: z.object({ summary: z.string().nullish() }).nullish(),
  urgency: z.string().nullish(),
  resolve_reason: z.unknown().optional(),
});

export const pagerDutyEventSchema = z.object({
  event: z.object({
    id: z.string(),
    event_type: z.string(),
    resource_type: z.string(),
    occurred_at: timestampSchema,
    agent: reference.nullish(),
    data: z.record(z.string(), z.unknown()),
  }),
});

const noteSchema = z.object({
  type: z.literal('incident_note'),
  incident: reference,
  content: z.string(),
});

const HANDLED_EVENTS = new Set([
  'incident.triggered',
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.resolved',
  'incident.reopened',
  'incident.annotated',
  'incident.priority_updated',
]);

/** Priority (P1…P5) when the account uses priorities, otherwise urgency. */
function severityOf(incident: z.output<typeof incidentSchema>): Severity {
  const priority = incident.priority?.summary;
  if (priority) return normalizeSeverity(priority);
  return incident.urgency === 'high' ? 'critical' : 'warning';
}

export function parsePagerDutyPayload(body: unknown): z.output<typeof pagerDutyEventSchema> {
  if (body && typeof body === 'object' && 'messages' in body) {
    throw new ValidationError(
      ErrorCode.UnsupportedPayload,
      'PagerDuty V2 webhooks ({"messages": …}) are not supported (PagerDuty retired them on 2022-10-31); add a V3 webhook subscription',
      'messages',
    );
  }
  return parseWithSchema(pagerDutyEventSchema, body, 'PagerDuty V3 webhook');
}

export function normalizePagerDuty(
  payload: z.output<typeof pagerDutyEventSchema>,
  webhookId: string | undefined,
  rules: ServiceRules = {},
): NormalizedDelivery {
  const { event } = payload;
  const deliveryKey = webhookId ?? `event:${event.id}`;
  const actor = event.agent?.summary ?? event.agent?.id ?? null;
  const at = new Date(event.occurred_at);

  if (!HANDLED_EVENTS.has(event.event_type)) {
    return {
      groups: [],
      deliveryKey,
      notes: [],
      ignoredReason: `event type ${event.event_type} is stored but not acted on`,
    };
  }

  if (event.event_type === 'incident.annotated') {
    const note = parseWithSchema(noteSchema, event.data, 'PagerDuty incident.annotated data', [
      'event',
      'data',
    ]);
    const group: AlertGroup = {
      source: 'pagerduty',
      correlationKey: `pd:${note.incident.id}`,
      keyIsIdentity: true,
      title: note.incident.summary ?? note.incident.id,
      service: UNKNOWN_SERVICE,
      serviceSource: { rule: 'none', labels: {} },
      labels: {},
      externalId: note.incident.id,
      externalUrl: note.incident.html_url ?? null,
      alerts: [],
      attachOnly: true,
      notes: [{ kind: 'note', actor, detail: { text: note.content, at: at.toISOString() } }],
      actor,
    };
    return { groups: [group], deliveryKey, notes: [] };
  }

  const incident = parseWithSchema(incidentSchema, event.data, `PagerDuty ${event.event_type} data`, [
    'event',
    'data',
  ]);
  const pdService = storableService(incident.service?.summary ?? incident.service?.id ?? UNKNOWN_SERVICE);
  const severity = severityOf(incident);
  const labels: Record<string, string> = {
    alertname: incident.title,
    service: pdService,
    severity,
    pagerduty_incident: incident.id,
  };
  if (incident.incident_key) labels.incident_key = incident.incident_key;
  if (incident.priority?.summary) labels.priority = incident.priority.summary;
  if (incident.urgency) labels.urgency = incident.urgency;
  // The PagerDuty service is the team's own choice; only `services[].match` of aiops.yml renames it.
  const matched = resolveService(labels, { services: rules.services ?? [] });
  const { service, serviceSource }: { service: string; serviceSource: ServiceSource } =
    matched.source.rule === 'match'
      ? { service: matched.service, serviceSource: matched.source }
      : {
          service: pdService,
          serviceSource:
            pdService === UNKNOWN_SERVICE
              ? { rule: 'none', labels: {} }
              : { rule: 'pagerduty', labels: { service: pdService } },
        };

  const alert: NormalizedAlert = {
    fingerprint: `pd:${incident.id}`,
    status: incident.status === 'resolved' ? 'resolved' : 'firing',
    alertname: incident.title,
    service,
    serviceSource,
    severity,
    summary: incident.title,
    labels,
    annotations: incident.html_url ? { pagerduty_url: incident.html_url } : {},
    startsAt: incident.created_at ? new Date(incident.created_at) : at,
    endsAt: incident.status === 'resolved' ? at : null,
    generatorUrl: incident.html_url ?? null,
  };

  const notes: TimelineNote[] = [];
  if (event.event_type === 'incident.priority_updated') {
    notes.push({
      kind: 'priority_updated',
      actor,
      detail: { priority: incident.priority?.summary ?? null, severity },
    });
  }

  return {
    deliveryKey,
    notes: [],
    groups: [
      {
        source: 'pagerduty',
        correlationKey: `pd:${incident.id}`,
        keyIsIdentity: true,
        title: truncate(incident.title, 200),
        service,
        serviceSource,
        labels,
        externalId: incident.id,
        externalUrl: incident.html_url ?? null,
        alerts: [alert],
        setStatus:
          incident.status === 'acknowledged'
            ? 'acknowledged'
            : event.event_type === 'incident.unacknowledged'
              ? 'triggered'
              : undefined,
        notes,
        actor,
      },
    ],
  };
}
