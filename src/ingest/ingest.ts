/**
 * The ingest use-case: one webhook delivery in, incidents out. The raw body is stored in the same
 * transaction as its effects, so a 2xx always means "stored"; a delivery that fails to process is still
 * stored (outcome `failed`) for replay, and the sender is told to retry.
 */
import { redactAndCut } from '../analysis/redact.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/index.ts';
import { isConnectionError } from '../errors.ts';
import type { AlertSource, NormalizedDelivery } from './alert.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from './alertmanager.ts';
import {
  correlateWave,
  correlationLockKeys,
  correlationWaves,
  type DeliveryUpdate,
  decideGroup,
  finishWave,
  lockKeysSql,
  updateDeliveries,
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

/** A delivery on its way into a batch: its request and what it says (parsed and validated). */
export interface PendingDelivery {
  request: IngestRequest;
  normalized: NormalizedDelivery;
}

/**
 * Stores the raw bodies and, in the same statement, takes the advisory locks of every correlation key the
 * deliveries' groups may land under (one round trip instead of one per key). Answers each delivery's id in
 * the order given, and whether it was stored: a retried delivery (same sender key) inserts nothing.
 */
async function insertDeliveriesAndLock(
  tx: Queryable,
  deliveries: readonly PendingDelivery[],
  receivedAt: Date,
  lockKeys: string[],
): Promise<{ id: number; inserted: boolean }[]> {
  const column = <T>(pick: (delivery: PendingDelivery) => T) => deliveries.map(pick);
  // The ids are drawn first (one per delivery, in order), so each row of the answer is known to be whose.
  // Every later statement of the batch reaches incidents, alerts and jobs by key: with statistics that lag
  // (a young table, autovacuum off) the planner would scan whole tables to join a batch's few rows to them,
  // so this transaction plans without sequential scans of tables (set_config … true: this transaction only).
  const result = await tx.query<{ id: number; inserted: boolean }>(
    `WITH input AS MATERIALIZED (
       SELECT nextval('webhook_deliveries_id_seq'::regclass) AS id, x.*
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
         AS x(source, delivery_key, content_type, raw_body, ord)
     ),
     delivery AS (
       INSERT INTO webhook_deliveries (id, source, delivery_key, received_at, content_type, raw_body, outcome)
       OVERRIDING SYSTEM VALUE
       SELECT id, source, delivery_key, $5, content_type, raw_body, 'received' FROM input ORDER BY ord
       ON CONFLICT (source, delivery_key) WHERE delivery_key IS NOT NULL DO NOTHING
       RETURNING id
     )
     SELECT i.id, EXISTS (SELECT 1 FROM delivery d WHERE d.id = i.id) AS inserted, ${lockKeysSql('$6')} AS locks,
       set_config('enable_seqscan', 'off', true) AS by_key,
       set_config('plan_cache_mode', 'force_generic_plan', true) AS generic
     FROM input i ORDER BY i.ord`,
    [
      column((delivery) => delivery.request.source),
      column((delivery) => delivery.normalized.deliveryKey),
      column((delivery) => storableContentType(delivery.request)),
      column((delivery) => storableText(delivery.request.rawBody)),
      receivedAt,
      lockKeys,
    ],
  );
  return result.rows;
}

/** The alerts a delivery carries, by status (for metrics and the answer). */
function alertCounts(normalized: NormalizedDelivery): IngestResult['alerts'] {
  const alerts = { firing: 0, resolved: 0 };
  for (const group of normalized.groups) for (const alert of group.alerts) alerts[alert.status] += 1;
  return alerts;
}

/** Ingests one delivery (its own transaction); a failure that is not an outage leaves a `failed` copy. */
export async function ingestDelivery(deps: IngestDeps, request: IngestRequest): Promise<IngestResult> {
  const pending = { request, normalized: normalizeDelivery(deps, request) };
  return ingestAlone(deps, pending);
}

/** One delivery in its own transaction; stores a `failed` copy when processing fails (not an outage). */
export async function ingestAlone(deps: IngestDeps, pending: PendingDelivery): Promise<IngestResult> {
  const now = deps.clock.now();
  try {
    const [result] = await ingestBatch(deps, [pending], now);
    return result as IngestResult;
  } catch (error) {
    if (!isConnectionError(error)) await storeFailedDelivery(deps, pending.request, now, error);
    throw error;
  }
}

/**
 * Ingests deliveries that arrived together in ONE transaction whose statements each cover all of them:
 * the raw bodies and every key's lock in one, then per wave of groups (correlationWaves) one statement
 * that finds, opens and upserts and one that writes the incidents, timelines, search documents and jobs
 * (the last also the deliveries' outcomes). Commits all or nothing; the caller retries a failed batch one
 * delivery at a time, so one bad delivery cannot fail the others. Answers in the order given.
 */
export async function ingestBatch(
  deps: IngestDeps,
  deliveries: readonly PendingDelivery[],
  now: Date = deps.clock.now(),
): Promise<IngestResult[]> {
  return deps.db.transaction(async (tx) => {
    // Each delivery's groups in key order, as they came; all keys' locks at once, in one order.
    const sortedGroups = deliveries.map(({ normalized }) =>
      [...normalized.groups].sort((a, b) => a.correlationKey.localeCompare(b.correlationKey)),
    );
    const stored = await insertDeliveriesAndLock(
      tx,
      deliveries,
      now,
      correlationLockKeys(sortedGroups.flat()),
    );

    const results: (IngestResult | undefined)[] = deliveries.map(() => undefined);
    const states = deliveries.map(({ normalized }, index) => ({
      index,
      normalized,
      id: stored[index]?.id ?? 0,
      incidentIds: [] as number[],
      openedIncidentIds: [] as number[],
      notes: [...normalized.notes],
    }));
    const live = states.filter((state) => stored[state.index]?.inserted === true);
    const duplicates = await answerDuplicates(
      tx,
      deliveries,
      states.filter((state) => stored[state.index]?.inserted !== true),
      results,
    );

    const ctx = {
      now,
      windowMs: deps.config.correlationWindowMs,
      channelFor: (subject: Parameters<typeof routeChannel>[1]) => routeChannel(deps.config, subject),
    };
    const tagged = live.flatMap((state) =>
      (sortedGroups[state.index] ?? []).map((group) => ({ group, state })),
    );
    const waves = correlationWaves(tagged, (item) => item.group);
    const deliveryUpdates = (): DeliveryUpdate[] =>
      live.map((state) => {
        const ignoredReason = ignoredReasonOf(state);
        return {
          id: state.id,
          outcome: state.incidentIds.length > 0 ? 'processed' : 'ignored',
          note: [ignoredReason, ...state.notes].filter(Boolean).join('; ') || null,
          incidentIds: state.incidentIds,
        };
      });
    for (const [waveIndex, wave] of waves.entries()) {
      const correlated = await correlateWave(
        tx,
        wave.map((item) => item.group),
        ctx,
      );
      const prepared = wave.map(({ group, state }, gi) => {
        const decided = decideGroup(group, correlated.get(gi));
        const incidentId = decided.outcome.incidentId;
        if (incidentId === null) {
          state.notes.push(`no incident known for ${group.correlationKey}; stored only`);
        } else {
          if (!state.incidentIds.includes(incidentId)) state.incidentIds.push(incidentId);
          if (decided.outcome.opened) state.openedIncidentIds.push(incidentId);
        }
        return decided;
      });
      // The last wave's statement also writes the deliveries' outcomes (one round trip fewer).
      const last = waveIndex === waves.length - 1;
      await finishWave(tx, prepared, now, last ? deliveryUpdates() : []);
    }
    if (waves.length === 0) await updateDeliveries(tx, deliveryUpdates());

    for (const state of live) {
      const ignoredReason = ignoredReasonOf(state);
      results[state.index] = {
        deliveryId: state.id,
        incidentIds: state.incidentIds,
        openedIncidentIds: state.openedIncidentIds,
        duplicate: false,
        ...(ignoredReason ? { ignoredReason } : {}),
        notes: state.notes,
        alerts: alertCounts(state.normalized),
      };
    }
    // A retry of a delivery earlier in this batch answers with that delivery's incidents, now known.
    for (const { index, originalId } of duplicates) {
      const original = live.find((state) => state.id === originalId);
      const result = results[index];
      if (original && result) result.incidentIds = original.incidentIds;
    }
    return results as IngestResult[];
  });
}

function ignoredReasonOf(state: {
  normalized: NormalizedDelivery;
  incidentIds: number[];
  notes: string[];
}): string | undefined {
  return state.normalized.ignoredReason ?? (state.incidentIds.length === 0 ? state.notes.at(-1) : undefined);
}

/**
 * Answers the deliveries a sender retried (their key was stored before) with the original's id and
 * incidents; a retry of a delivery earlier in the same batch gets that delivery's answer once known.
 */
async function answerDuplicates(
  tx: Queryable,
  deliveries: readonly PendingDelivery[],
  duplicates: readonly { index: number }[],
  results: (IngestResult | undefined)[],
): Promise<{ index: number; originalId: number }[]> {
  if (duplicates.length === 0) return [];
  const original = await tx.query<{
    source: AlertSource;
    delivery_key: string;
    id: number;
    incident_ids: number[];
  }>(
    `SELECT d.source, d.delivery_key, d.id, d.incident_ids FROM webhook_deliveries d
     JOIN unnest($1::text[], $2::text[]) AS x(source, delivery_key)
       ON d.source = x.source AND d.delivery_key = x.delivery_key`,
    [
      duplicates.map(({ index }) => deliveries[index]?.request.source),
      duplicates.map(({ index }) => deliveries[index]?.normalized.deliveryKey),
    ],
  );
  const byKey = new Map(original.rows.map((row) => [`${row.source}\n${row.delivery_key}`, row]));
  for (const { index } of duplicates) {
    const delivery = deliveries[index] as PendingDelivery;
    const row = byKey.get(`${delivery.request.source}\n${delivery.normalized.deliveryKey}`);
    results[index] = {
      deliveryId: row?.id ?? 0,
      incidentIds: row?.incident_ids ?? [],
      openedIncidentIds: [],
      duplicate: true,
      ignoredReason: `duplicate delivery ${delivery.normalized.deliveryKey}; already processed`,
      notes: [],
      alerts: alertCounts(delivery.normalized),
    };
  }
  return duplicates.map(({ index }) => ({ index, originalId: results[index]?.deliveryId ?? 0 }));
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
