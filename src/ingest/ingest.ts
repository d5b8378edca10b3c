/**
 * The ingest use-case: one webhook delivery in, incidents out. The raw body is stored in the same
 * transaction as its effects, so a 2xx always means "stored"; a delivery that fails to process is still
 * stored (outcome `failed`) for replay, and the sender is told to retry.
 */
import { redactAndCut } from '../analysis/redact.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { isConnectionError } from '../errors.ts';
import type { AlertSource, NormalizedDelivery } from './alert.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from './alertmanager.ts';
import {
  correlationLockKeys,
  type DeliveryUpdate,
  finishGroup,
  lockKeysSql,
  prepareGroup,
} from './correlate.ts';
import { normalizePagerDuty, parsePagerDutyPayload } from './pagerduty.ts';
import { parseJsonBody } from './parse.ts';
import { routeChannel } from './routing.ts';
import type { ServiceRules } from './service.ts';

/** The service-naming rules of aiops.yml: `services[].match`, then `ingest.serviceLabels` when set. */
export function serviceRulesOf(config: Config): ServiceRules {
  return { services: config.file.services, serviceLabels: config.file.ingest.serviceLabels };
}

import type { Logger } from '../logger.ts';
import { boundedDelivery, storableJson, storableText } from './sanitize.ts';

export interface IngestDeps {
  db: Db;
  config: Config;
  clock: Clock;
  /** Where a lost failed copy is reported (the only error ingest itself handles). */
  logger?: Logger;
}

export interface IngestRequest {
  source: AlertSource;
  rawBody: string;
  contentType?: string | undefined;
  /** PagerDuty's `X-Webhook-Id`: the same on every retry of one delivery. */
  webhookId?: string | undefined;
}

export interface IngestResult {
  deliveryId: number;
  incidentIds: number[];
  openedIncidentIds: number[];
  duplicate: boolean;
  ignoredReason?: string;
  notes: string[];
  alerts: { firing: number; resolved: number };
}

/** Parses and validates a body for its source; throws ValidationError (→ 400) before anything is stored. */
export function normalizeDelivery(
  deps: Pick<IngestDeps, 'config'>,
  request: IngestRequest,
): NormalizedDelivery {
  // NUL and lone surrogates become U+FFFD and over-long identifiers are cut with a hash, so text PostgreSQL
  // would refuse never fails a delivery (the decisions: sanitize.ts).
  const body = storableJson(parseJsonBody(request.rawBody));
  if (request.source === 'alertmanager') {
    return boundedDelivery(
      normalizeAlertmanager(parseAlertmanagerPayload(body), serviceRulesOf(deps.config)),
    );
  }
  const webhookId = request.webhookId === undefined ? undefined : storableText(request.webhookId);
  return boundedDelivery(
    normalizePagerDuty(parsePagerDutyPayload(body), webhookId, serviceRulesOf(deps.config)),
  );
}

/**
 * Stores the raw body and, in the same statement, takes the advisory locks of every correlation key the
 * delivery's groups may land under (one round trip instead of one per key). A retried delivery (same
 * sender key) inserts nothing and answers null.
 */
async function insertDeliveryAndLock(
  tx: Queryable,
  request: IngestRequest,
  deliveryKey: string | null,
  receivedAt: Date,
  lockKeys: string[],
): Promise<number | null> {
  const result = await tx.query<{ id: number | null }>(
    `WITH delivery AS (
       INSERT INTO webhook_deliveries (source, delivery_key, received_at, content_type, raw_body, outcome)
       VALUES ($1, $2, $3, $4, $5, 'received')
       ON CONFLICT (source, delivery_key) WHERE delivery_key IS NOT NULL DO NOTHING
       RETURNING id
     )
     SELECT (SELECT id FROM delivery) AS id, ${lockKeysSql('$6')} AS locks`,
    [
      request.source,
      deliveryKey,
      receivedAt,
      storableContentType(request),
      storableText(request.rawBody),
      lockKeys,
    ],
  );
  return result.rows[0]?.id ?? null;
}

export async function ingestDelivery(deps: IngestDeps, request: IngestRequest): Promise<IngestResult> {
  const normalized = normalizeDelivery(deps, request);
  const now = deps.clock.now();
  const alerts = { firing: 0, resolved: 0 };
  for (const group of normalized.groups) for (const alert of group.alerts) alerts[alert.status] += 1;

  try {
    return await deps.db.transaction(async (tx) => {
      // A fixed lock order (by key) keeps two deliveries that share groups from deadlocking.
      const groups = [...normalized.groups].sort((a, b) => a.correlationKey.localeCompare(b.correlationKey));
      const deliveryId = await insertDeliveryAndLock(
        tx,
        request,
        normalized.deliveryKey,
        now,
        correlationLockKeys(groups),
      );
      if (deliveryId === null) return duplicateResult(tx, request.source, normalized, alerts);

      const incidentIds: number[] = [];
      const openedIncidentIds: number[] = [];
      const notes = [...normalized.notes];
      const ctx = {
        now,
        windowMs: deps.config.correlationWindowMs,
        channelFor: (subject: Parameters<typeof routeChannel>[1]) => routeChannel(deps.config, subject),
      };
      const deliveryUpdate = (): DeliveryUpdate => {
        const ignoredReason =
          normalized.ignoredReason ?? (incidentIds.length === 0 ? notes.at(-1) : undefined);
        return {
          id: deliveryId,
          outcome: incidentIds.length > 0 ? 'processed' : 'ignored',
          note: [ignoredReason, ...notes].filter(Boolean).join('; ') || null,
          incidentIds,
        };
      };
      let pendingDelivery = true;
      for (const [index, group] of groups.entries()) {
        const prepared = await prepareGroup(tx, group, ctx);
        const outcome = prepared.outcome;
        if (outcome.incidentId === null) {
          notes.push(`no incident known for ${group.correlationKey}; stored only`);
        } else {
          if (!incidentIds.includes(outcome.incidentId)) incidentIds.push(outcome.incidentId);
          if (outcome.opened) openedIncidentIds.push(outcome.incidentId);
        }
        // The last group's statement also writes the delivery's outcome (one round trip fewer).
        const last = index === groups.length - 1;
        await finishGroup(tx, prepared, now, last ? deliveryUpdate() : undefined);
        if (last) pendingDelivery = false;
      }
      const update = deliveryUpdate();
      if (pendingDelivery) {
        await tx.query(
          'UPDATE webhook_deliveries SET outcome = $2, note = $3, incident_ids = $4::jsonb WHERE id = $1',
          [update.id, update.outcome, update.note, jsonParam(update.incidentIds)],
        );
      }
      const ignoredReason = normalized.ignoredReason ?? (incidentIds.length === 0 ? notes.at(-1) : undefined);
      return {
        deliveryId,
        incidentIds,
        openedIncidentIds,
        duplicate: false,
        ...(ignoredReason ? { ignoredReason } : {}),
        notes,
        alerts,
      };
    });
  } catch (error) {
    if (!isConnectionError(error)) await storeFailedDelivery(deps, request, now, error);
    throw error;
  }
}

async function duplicateResult(
  tx: Queryable,
  source: AlertSource,
  normalized: NormalizedDelivery,
  alerts: IngestResult['alerts'],
): Promise<IngestResult> {
  const original = await tx.query<{ id: number; incident_ids: number[] }>(
    'SELECT id, incident_ids FROM webhook_deliveries WHERE source = $1 AND delivery_key = $2',
    [source, normalized.deliveryKey],
  );
  const row = original.rows[0];
  return {
    deliveryId: row?.id ?? 0,
    incidentIds: row?.incident_ids ?? [],
    openedIncidentIds: [],
    duplicate: true,
    ignoredReason: `duplicate delivery ${normalized.deliveryKey}; already processed`,
    notes: [],
    alerts,
  };
}

function storableContentType(request: IngestRequest): string | null {
  return request.contentType === undefined ? null : storableText(request.contentType);
}

/** Keeps the body of a delivery whose processing failed, so nothing is lost even on a bug. */
async function storeFailedDelivery(deps: IngestDeps, request: IngestRequest, now: Date, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  await deps.db
    .query(
      `INSERT INTO webhook_deliveries (source, delivery_key, received_at, content_type, raw_body, outcome, note)
       VALUES ($1, NULL, $2, $3, $4, 'failed', $5)`,
      [
        request.source,
        now,
        storableContentType(request),
        storableText(request.rawBody),
        storableText(redactAndCut(message, 2000)),
      ],
    )
    .catch((storeError: unknown) => {
      // The caller reports `error`; that its body is now lost too is said here, once.
      deps.logger?.error(
        {
          err: storeError,
          source: request.source,
          bytes: request.rawBody.length,
          cause: message.slice(0, 300),
        },
        'failed delivery could not be stored: its body is lost',
      );
    });
}
