/** Alertmanager webhook (version 4): schema and normalization. Unknown fields are ignored. */
import { z } from 'zod';
import { redactAndCut } from '../analysis/redact.ts';
import { ErrorCode, ValidationError } from '../errors.ts';
import type { AlertGroup, NormalizedAlert, NormalizedDelivery } from './alert.ts';
import { normalizeSeverity } from './alert.ts';
import { labelsFingerprint } from './fingerprint.ts';
import { parseWithSchema, timestampSchema } from './parse.ts';
import type { ServiceRules } from './service.ts';
import { groupService, LEGACY_SERVICE_LABELS, resolveService, serviceOf } from './service.ts';

export { serviceOf } from './service.ts';

// Go marshals a nil map as `null`, so every map may arrive as null.
const stringMap = z
  .record(z.string(), z.string())
  .nullish()
  .transform((value) => value ?? {});

const timestamp = timestampSchema;

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  labels: z.record(z.string(), z.string()),
  annotations: stringMap,
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

/** Go's zero time (`0001-01-01T00:00:00Z`) means "not set". */
function optionalTime(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return date.getUTCFullYear() <= 1 ? null : date;
}

/** How to name the service of an alert: `services[].match` and `ingest.serviceLabels` from aiops.yml. */
export type NormalizeOptions = ServiceRules;

export function parseAlertmanagerPayload(body: unknown): AlertmanagerPayload {
  // Checked before the schema: version 3 bodies differ in shape (a numeric `groupKey`), and the answer
  // must be "unsupported version", not a schema error about some other field.
  const version = body && typeof body === 'object' ? (body as { version?: unknown }).version : undefined;
  if (version !== undefined && version !== '4') {
    throw new ValidationError(
      ErrorCode.UnsupportedPayload,
      `unsupported Alertmanager webhook version "${String(version)}": expected "4" (Alertmanager ≥ 0.16)`,
      'version',
    );
  }
  return parseWithSchema(alertmanagerPayloadSchema, body, 'Alertmanager webhook');
}

export function normalizeAlertmanager(
  payload: AlertmanagerPayload,
  options: NormalizeOptions,
): NormalizedDelivery {
  const alerts: NormalizedAlert[] = payload.alerts.map((alert) => {
    const labels = alert.labels;
    const annotations = alert.annotations;
    const alertname = labels.alertname ?? payload.groupLabels.alertname ?? 'unnamed alert';
    const decision = resolveService(labels, options);
    return {
      fingerprint: alert.fingerprint ?? labelsFingerprint(labels),
      // Old payloads carry no per-alert status; the group's then applies. `endsAt` is not trusted.
      status: alert.status ?? payload.status,
      alertname,
      service: decision.service,
      serviceSource: decision.source,
      severity: normalizeSeverity(labels.severity),
      summary:
        annotations.summary ??
        annotations.title ??
        annotations.description ??
        annotations.message ??
        alertname,
      labels,
      annotations,
      startsAt: new Date(alert.startsAt),
      endsAt: optionalTime(alert.endsAt),
      generatorUrl: alert.generatorURL ? alert.generatorURL : null,
    };
  });

  const notes: string[] = [];
  if (payload.truncatedAlerts) {
    notes.push(`Alertmanager truncated ${payload.truncatedAlerts} alert(s) from this group (max_alerts)`);
  }
  if (alerts.length === 0) {
    return { groups: [], deliveryKey: null, notes, ignoredReason: 'the group holds no alerts' };
  }

  const groups = new Map<string, NormalizedAlert[]>();
  const legacyKeys = new Map<string, Set<string>>();
  for (const alert of alerts) {
    // The routing group is the incident; without a groupKey fall back to service + alertname.
    const key = payload.groupKey ? `am:${payload.groupKey}` : `svc:${alert.service}:${alert.alertname}`;
    const members = groups.get(key);
    if (members) members.push(alert);
    else groups.set(key, [alert]);
    if (!payload.groupKey) {
      // The key this alert had before the service was derived (label order of the old default): an incident
      // opened under it before an upgrade keeps absorbing its alerts instead of splitting mid-storm.
      const legacy = `svc:${serviceOf(alert.labels, options.serviceLabels ?? LEGACY_SERVICE_LABELS)}:${alert.alertname}`;
      if (legacy !== key) {
        const set = legacyKeys.get(key) ?? new Set<string>();
        set.add(legacy);
        legacyKeys.set(key, set);
      }
    }
  }

  return {
    deliveryKey: null,
    notes,
    groups: [...groups.entries()].map(([correlationKey, members]): AlertGroup => {
      const first = members[0] as NormalizedAlert;
      const common = payload.commonLabels;
      const alertname = payload.groupLabels.alertname ?? common.alertname ?? first.alertname;
      const summary = payload.commonAnnotations.summary ?? payload.commonAnnotations.title;
      const service = groupService(
        members.map((alert) => ({ service: alert.service, source: alert.serviceSource })),
        { ...sharedLabels(members), ...common },
        options,
      );
      const legacy = legacyKeys.get(correlationKey);
      return {
        source: 'alertmanager',
        correlationKey,
        keyIsIdentity: false,
        title: truncate(summary && summary !== alertname ? `${alertname}: ${summary}` : alertname, 200),
        ...(legacy ? { legacyCorrelationKeys: [...legacy].sort() } : {}),
        service: service.service,
        serviceSource: service.source,
        labels: Object.keys(common).length > 0 ? common : first.labels,
        externalId: null,
        externalUrl: payload.externalURL ? payload.externalURL : null,
        alerts: members,
        notes: notes.map((text) => ({ kind: 'note', actor: 'alertmanager', detail: { text } })),
        actor: 'alertmanager',
      };
    }),
  };
}

/** The labels every alert of a group carries with the same value (what Alertmanager's commonLabels should be). */
function sharedLabels(alerts: readonly NormalizedAlert[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first.labels).filter(([key, value]) =>
      rest.every((alert) => Object.hasOwn(alert.labels, key) && alert.labels[key] === value),
    ),
  );
}

/**
 * A title cut to `max` characters, secrets redacted first: a token cut at the limit would keep most of its
 * characters and match no redaction rule any more, in the database, in Slack and in the LLM prompt.
 */
export function truncate(text: string, max: number): string {
  return redactAndCut(text, max);
}
