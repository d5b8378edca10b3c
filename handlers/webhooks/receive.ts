/**
 * The shared shape of a webhook entry point: authorize → read (size-limited) → verify → ingest → answer,
 * with every refusal counted by reason and every answer timed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../../src/deps.ts';
import { readBody, sendError, sendJson } from '../../src/http/io.ts';
import type { AlertSource } from '../../src/ingest/alert.ts';
import { type IngestRequest, ingestDelivery } from '../../src/ingest/ingest.ts';

export interface WebhookAuth {
  /** Checks headers before the body is read (bearer tokens). Throws on refusal. */
  beforeBody?(req: IncomingMessage): void;
  /** Checks the raw body (HMAC signatures). Throws on refusal. */
  afterBody?(req: IncomingMessage, rawBody: Buffer): void;
}

export async function receiveWebhook(
  deps: AppDeps,
  source: AlertSource,
  auth: WebhookAuth,
  req: IncomingMessage,
  res: ServerResponse,
  extra: (req: IncomingMessage) => Partial<IngestRequest> = () => ({}),
): Promise<void> {
  const stopTimer = deps.metrics.webhookDuration.startTimer({ source });
  let status = 500;
  try {
    auth.beforeBody?.(req);
    const rawBody = await readBody(req, deps.config.file.ingest.maxBodyBytes);
    auth.afterBody?.(req, rawBody);
    const ingest = deps.ingest ?? ((request: IngestRequest) => ingestDelivery(deps, request));
    const result = await ingest({
      source,
      rawBody: rawBody.toString('utf8'),
      contentType: req.headers['content-type'],
      ...extra(req),
    });
    deps.metrics.alertsReceived.inc({ source, status: 'firing' }, result.alerts.firing);
    deps.metrics.alertsReceived.inc({ source, status: 'resolved' }, result.alerts.resolved);
    deps.metrics.incidentsOpened.inc({ source }, result.openedIncidentIds.length);
    deps.metrics.deliveries.inc({
      source,
      outcome: result.duplicate ? 'duplicate' : result.incidentIds.length > 0 ? 'processed' : 'ignored',
    });
    status = 202;
    sendJson(res, 202, {
      incidentIds: result.incidentIds,
      deliveryId: result.deliveryId,
      ...(result.duplicate ? { duplicate: true } : {}),
      ...(result.ignoredReason ? { note: result.ignoredReason } : {}),
      ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    });
    if (result.openedIncidentIds.length > 0) {
      // A new incident's root message and first answer are due now: run them without waiting for the poll.
      deps.wakeJobs?.();
      deps.logger.info({ source, incidentIds: result.openedIncidentIds }, 'incident opened');
    }
  } catch (error) {
    const answer = sendError(res, error);
    status = answer.status;
    deps.metrics.webhookRejects.inc({ source, reason: answer.body.error });
    const log =
      answer.status >= 500 ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
    log(
      {
        source,
        status: answer.status,
        err: answer.status >= 500 ? error : undefined,
        reason: answer.body.message,
      },
      'webhook refused',
    );
  } finally {
    stopTimer({ code: String(status) });
  }
}
