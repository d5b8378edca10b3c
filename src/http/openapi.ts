/**
 * The OpenAPI 3.1 description served at GET /openapi.json, generated from the zod schemas the handlers
 * parse with (webhook bodies, API queries) and the schemas of the API's answers below. The integration
 * test checks that every route the router serves has an entry in OPERATIONS (and no entry is stale) and
 * that the running app's answers parse with these response schemas, so the document cannot drift.
 */
import { z } from 'zod';
import { auditQuerySchema, incidentQuerySchema, listQuerySchema } from '../../handlers/api/incidents.ts';
import { pullRequestPayload } from '../../handlers/webhooks/github.ts';
import { analysisSchema } from '../analysis/schema.ts';
import { alertmanagerPayloadSchema } from '../ingest/alertmanager.ts';
import { pagerDutyEventSchema } from '../ingest/pagerduty.ts';
import { REMEDIATION_STATUSES } from '../remediation/model.ts';

// ─── the answers ──────────────────────────────────────────────────────────────────────────────────────

export const errorAnswerSchema = z.strictObject({
  error: z.string().meta({ description: 'an aiops error code, e.g. aiops_schema_violation' }),
  message: z.string(),
  field: z.string().optional().meta({ description: 'the offending field of a 400' }),
});

export const webhookAnswerSchema = z.strictObject({
  incidentIds: z.array(z.number().int()),
  deliveryId: z.number().int(),
  duplicate: z.literal(true).optional().meta({ description: 'a retry of a delivery already processed' }),
  note: z.string().optional(),
  notes: z.array(z.string()).optional(),
});

const serviceSourceSchema = z.strictObject({
  rule: z.string(),
  labels: z.record(z.string(), z.string()),
  entry: z.string().optional(),
});

const isoTime = z.iso.datetime();

export const incidentSummarySchema = z.strictObject({
  id: z.number().int(),
  title: z.string(),
  service: z.string(),
  severity: z.string(),
  status: z.enum(['triggered', 'acknowledged', 'resolved']),
  source: z.string(),
  channel: z.string(),
  alertCount: z.number().int(),
  firingCount: z.number().int(),
  openedAt: isoTime,
  acknowledgedAt: isoTime.nullable(),
  resolvedAt: isoTime.nullable(),
  lastEventAt: isoTime,
  externalId: z.string().nullable(),
  externalUrl: z.string().nullable(),
  reopenCount: z.number().int(),
  labels: z.record(z.string(), z.string()),
  serviceSource: serviceSourceSchema.nullable().optional(),
});

export const incidentPageSchema = z.strictObject({
  incidents: z.array(incidentSummarySchema),
  nextBefore: z.number().int().nullable().meta({ description: 'pass as ?before= for the next page' }),
});

const incidentAlertSchema = z.strictObject({
  fingerprint: z.string(),
  status: z.string(),
  alertname: z.string(),
  service: z.string(),
  serviceSource: serviceSourceSchema.nullable().optional(),
  severity: z.string(),
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: isoTime,
  endsAt: isoTime.nullable(),
  generatorUrl: z.string().nullable(),
  firstSeen: isoTime,
  lastSeen: isoTime,
  deliveryCount: z.number().int(),
});

const jsonValue = z.unknown().meta({ description: 'JSON, as the executor captured it (redacted)' });
const actionSchema = z.record(z.string(), z.unknown()).meta({
  description: 'the typed action: kind (restart, scale, rollback-deployment, …) and its parameters',
});

export const remediationViewSchema = z.strictObject({
  id: z.number().int(),
  incidentId: z.number().int(),
  service: z.string(),
  action: actionSchema,
  risk: z.enum(['low', 'medium', 'high']),
  status: z.enum(REMEDIATION_STATUSES),
  approvals: z.array(z.strictObject({ actor: z.string(), at: z.string() })),
  approvalsNeeded: z.number().int(),
  proposedAt: z.string(),
  expiresAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  before: jsonValue.nullable(),
  after: jsonValue.nullable(),
  summary: z.string().nullable(),
  output: z.string().nullable(),
  autoRunRule: z.string().nullable(),
  canRollback: z.boolean(),
});

export const auditEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  incidentId: z.number().int().nullable(),
  remediationId: z.number().int().nullable(),
  actor: z.string(),
  event: z
    .string()
    .meta({ description: 'propose, dry_run, approve, refuse, reject, run, succeed, fail, rollback, …' }),
  action: actionSchema.nullable(),
  detail: jsonValue,
});

export const auditPageSchema = z.strictObject({
  entries: z.array(auditEntrySchema),
  nextBefore: z.number().int().nullable().meta({ description: 'pass as ?before= for the next page' }),
});

const analysisRecord = z.strictObject({
  id: z.number().int(),
  incidentId: z.number().int(),
  createdAt: isoTime,
  stage: z
    .enum(['first', 'settled'])
    .describe(
      "`first`: a new incident's offline answer, posted at once; `settled`: once its alert storm settled",
    ),
  analysis: analysisSchema,
  analyzer: z.enum(['llm', 'offline']),
  latencyMs: z.number(),
});

export const incidentDetailSchema = incidentSummarySchema.extend({
  alerts: z.array(incidentAlertSchema).meta({
    description:
      'one page of the alerts, in the order they joined the incident (?limit=, default 100); alertPage.nextCursor fetches the next',
  }),
  alertCounts: z
    .strictObject({
      total: z.number().int(),
      firing: z.number().int(),
      resolved: z.number().int(),
      bySeverity: z
        .record(z.string(), z.number().int())
        .meta({ description: 'e.g. {"critical": 3, "warning": 12}' }),
    })
    .meta({ description: 'all the alerts of the incident, whatever the page' }),
  alertPage: z.strictObject({
    limit: z.number().int(),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'pass as ?cursor= for the next page of alerts; null on the last page' }),
  }),
  timeline: z.array(
    z.strictObject({
      at: isoTime,
      kind: z.string(),
      actor: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
  analysis: analysisRecord
    .nullable()
    .describe("The current analysis: the one the Slack thread's analysis message shows now"),
  analyses: z
    .array(analysisRecord)
    .describe(
      "Every analysis, newest first: the current one, then the ones it replaced (a new incident's `first` offline answer, replaced in place by the `settled` one)",
    ),
  confirmedCauses: z.array(
    z.strictObject({
      title: z.string(),
      category: z.string(),
      confirmedBy: z.string(),
      confirmedAt: isoTime,
    }),
  ),
  slack: z
    .strictObject({
      channel: z.string(),
      channelId: z.string().nullable(),
      rootTs: z.string().nullable(),
      messages: z.strictObject({ pending: z.number().int(), sent: z.number().int(), dead: z.number().int() }),
      lastError: z.string().nullable(),
    })
    .nullable(),
  remediations: z.array(remediationViewSchema),
  audit: z.array(auditEntrySchema),
  fixPrs: z.array(
    z.strictObject({
      fixKey: z.string(),
      repo: z.string(),
      base: z.string(),
      branch: z.string(),
      title: z.string(),
      status: z
        .string()
        .meta({ description: 'opening, open, review_requested, approved, merged, closed, failed …' }),
      number: z.number().int().nullable(),
      url: z.string().nullable(),
      requestedBy: z.string(),
      stateActor: z.string().nullable(),
      error: z.string().nullable(),
      createdAt: isoTime,
      updatedAt: isoTime,
    }),
  ),
});

const healthSchema = z.strictObject({ status: z.literal('ok') });
const readySchema = z.strictObject({ status: z.string(), database: z.string() });

// ─── the operations ───────────────────────────────────────────────────────────────────────────────────

interface Answer {
  description: string;
  schema?: z.ZodType;
  /** application/json unless said. */
  contentType?: string;
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: 'apiToken' | 'alertmanagerToken' | 'pagerdutySignature' | 'slackSignature' | 'githubSignature';
  query?: z.ZodObject;
  pathParams?: Record<string, z.ZodType>;
  body?: { schema: z.ZodType; contentType?: string; description?: string };
  responses: Record<number, Answer>;
}

const error = (description: string): Answer => ({ description, schema: errorAnswerSchema });

/** Every route the app serves, keyed `METHOD /openapi/{path}`. A new route needs its entry here. */
export const OPERATIONS: Record<string, Operation> = {
  'POST /webhooks/alertmanager': {
    operationId: 'receiveAlertmanagerWebhook',
    summary: 'Alertmanager webhook (version 4)',
    description:
      'Stores the delivery, dedupes re-sends of the same alerts and correlates the group into an incident.',
    tags: ['webhooks'],
    security: 'alertmanagerToken',
    body: { schema: alertmanagerPayloadSchema },
    responses: {
      202: { description: 'stored and processed (or a duplicate)', schema: webhookAnswerSchema },
      400: error('invalid JSON or a field the schema refuses (`field` names it)'),
      401: error('missing or wrong bearer token (ALERTMANAGER_TOKEN set)'),
      413: error('body over ingest.maxBodyBytes'),
      503: error('database unavailable: nothing stored, retry'),
    },
  },
  'POST /webhooks/pagerduty': {
    operationId: 'receivePagerDutyWebhook',
    summary: 'PagerDuty Webhooks V3',
    description: 'Retries are deduped on X-Webhook-Id. V2 webhooks are refused with a 400 saying so.',
    tags: ['webhooks'],
    security: 'pagerdutySignature',
    body: { schema: pagerDutyEventSchema },
    responses: {
      202: { description: 'stored (unhandled event types with a note)', schema: webhookAnswerSchema },
      400: error('invalid JSON, schema violation, or a V2 webhook'),
      401: error('no X-PagerDuty-Signature entry matches (PAGERDUTY_WEBHOOK_SECRETS set)'),
      413: error('body over ingest.maxBodyBytes'),
      503: error('database unavailable: nothing stored, retry'),
    },
  },
  'POST /webhooks/github': {
    operationId: 'receiveGitHubWebhook',
    summary: 'GitHub pull_request / pull_request_review events for fix PRs',
    description:
      'Verified with X-Hub-Signature-256 against GITHUB_WEBHOOK_SECRET (without one, PR state is polled and this route refuses). Events about other PRs are answered 202 and ignored; a replay tells the thread nothing twice.',
    tags: ['webhooks'],
    security: 'githubSignature',
    body: { schema: pullRequestPayload },
    responses: {
      202: {
        description: 'recorded (or not used)',
        schema: z.strictObject({
          ok: z.boolean().optional(),
          recorded: z.boolean().optional(),
          note: z.string().optional(),
        }),
      },
      400: error('invalid JSON or a payload the schema refuses'),
      401: error('unsigned, forged, or no GITHUB_WEBHOOK_SECRET configured'),
      413: error('body over the size limit'),
    },
  },
  'POST /slack/events': {
    operationId: 'receiveSlackRequest',
    summary: 'Slack slash commands, interactivity and events (Bolt)',
    description:
      'Served when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set (HTTP mode). Signature and timestamp are verified; a request seen before changes nothing.',
    tags: ['slack'],
    security: 'slackSignature',
    body: { schema: z.string(), contentType: 'application/x-www-form-urlencoded' },
    responses: {
      200: { description: 'acknowledged', schema: z.unknown() },
      401: { description: 'unsigned, forged, or signed more than 5 minutes away', schema: z.unknown() },
      413: { description: 'body over 4 MiB', schema: z.unknown() },
    },
  },
  'GET /api/incidents': {
    operationId: 'listIncidents',
    summary: 'Incidents, newest first',
    tags: ['api'],
    security: 'apiToken',
    query: listQuerySchema,
    responses: {
      200: { description: 'a page of incidents', schema: incidentPageSchema },
      400: error('a query parameter the schema refuses'),
      401: error('missing or wrong bearer token (AIOPS_API_TOKEN set)'),
      403: error('no AIOPS_API_TOKEN and the client is not on loopback'),
    },
  },
  'GET /api/incidents/{id}': {
    operationId: 'getIncident',
    summary:
      'One incident: alerts, timeline, analyses, confirmed causes, Slack delivery, remediations, audit',
    tags: ['api'],
    security: 'apiToken',
    description:
      'Alerts are paged: `alerts` holds at most `limit` of them (default 100, at most 1000) in the order they joined the incident, `alertCounts` counts all of them, and `alertPage.nextCursor` (opaque) passed as `?cursor=` gives the next page. Until 2026-12 `alerts` held every alert: clients that need them all follow the cursor.',
    pathParams: { id: z.coerce.number().int().positive() },
    query: incidentQuerySchema,
    responses: {
      200: { description: 'the incident', schema: incidentDetailSchema },
      400: error('the id is not a positive integer, or a bad limit or cursor (`field` names it)'),
      401: error('missing or wrong bearer token (AIOPS_API_TOKEN set)'),
      403: error('no AIOPS_API_TOKEN and the client is not on loopback'),
      404: error('no such incident'),
    },
  },
  'GET /api/audit': {
    operationId: 'listAudit',
    summary: 'The append-only remediation audit log, newest first',
    tags: ['api'],
    security: 'apiToken',
    query: auditQuerySchema,
    responses: {
      200: { description: 'a page of audit entries', schema: auditPageSchema },
      400: error('a query parameter the schema refuses'),
      401: error('missing or wrong bearer token (AIOPS_API_TOKEN set)'),
      403: error('no AIOPS_API_TOKEN and the client is not on loopback'),
    },
  },
  'GET /healthz': {
    operationId: 'liveness',
    summary: 'Liveness: the process answers',
    tags: ['operations'],
    responses: { 200: { description: 'alive', schema: healthSchema } },
  },
  'GET /readyz': {
    operationId: 'readiness',
    summary: 'Readiness: the database is reachable',
    tags: ['operations'],
    responses: {
      200: { description: 'ready', schema: readySchema },
      503: { description: 'database unreachable', schema: readySchema },
    },
  },
  'GET /metrics': {
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    tags: ['operations'],
    responses: { 200: { description: 'metrics', schema: z.string(), contentType: 'text/plain' } },
  },
  'GET /openapi.json': {
    operationId: 'openApi',
    summary: 'This document',
    tags: ['operations'],
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
  },
};

const SECURITY_SCHEMES = {
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'AIOPS_API_TOKEN; without it, loopback clients only',
  },
  alertmanagerToken: { type: 'http', scheme: 'bearer', description: 'ALERTMANAGER_TOKEN, when set' },
  pagerdutySignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-PagerDuty-Signature',
    description: 'v1=HMAC-SHA256 of the body with a secret of PAGERDUTY_WEBHOOK_SECRETS, when set',
  },
  slackSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Slack-Signature',
    description: "Slack's v0 signature with SLACK_SIGNING_SECRET (and X-Slack-Request-Timestamp)",
  },
  githubSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature-256',
    description: 'HMAC-SHA256 with GITHUB_WEBHOOK_SECRET',
  },
};

/** `/api/incidents/:id` → `/api/incidents/{id}`. */
export function openApiPath(pattern: string): string {
  return pattern.replace(/:(\w+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function operationObject(operation: Operation): Record<string, unknown> {
  const parameters = [
    ...Object.entries(operation.pathParams ?? {}).map(([name, schema]) => ({
      name,
      in: 'path',
      required: true,
      schema: jsonSchema(schema, 'input'),
    })),
    ...Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => {
      const field = schema as z.ZodType;
      return {
        name,
        in: 'query',
        required: !field.safeParse(undefined).success,
        schema: jsonSchema(field, 'input'),
      };
    }),
  ];
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: operation.tags,
    ...(operation.security ? { security: [{ [operation.security]: [] }] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: {
              [operation.body.contentType ?? 'application/json']: {
                schema: jsonSchema(operation.body.schema, 'input'),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(operation.responses).map(([status, answer]) => [
        status,
        {
          description: answer.description,
          ...(answer.schema
            ? {
                content: {
                  [answer.contentType ?? 'application/json']: { schema: jsonSchema(answer.schema, 'output') },
                },
              }
            : {}),
        },
      ]),
    ),
  };
}

/** The document for the routes actually served (the Slack route only when Slack runs over HTTP). */
export function buildOpenApiDocument(
  routes: { method: string; pattern: string }[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.pattern);
    const operation = OPERATIONS[`${route.method} ${path}`];
    if (!operation) continue; // the test fails on any undescribed route
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'aiops-bot',
      version,
      description:
        'Alertmanager and PagerDuty webhooks in, correlated and explained incidents out. Generated from the zod schemas the handlers use.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'webhooks', description: 'alert sources' },
      { name: 'api', description: 'read-only JSON API' },
      { name: 'slack', description: 'Slack requests' },
      { name: 'operations', description: 'probes, metrics, this document' },
    ],
    paths,
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}
