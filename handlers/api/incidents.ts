import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { listAnalyses } from '../../src/analysis/analyze.ts';
import { confirmedCausesOf } from '../../src/analysis/memory.ts';
import { getIncidentPaged, listIncidents } from '../../src/db/incidents.ts';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode, ValidationError } from '../../src/errors.ts';
import { sendJson } from '../../src/http/io.ts';
import type { RouteContext } from '../../src/http/router.ts';
import { listFixPrs } from '../../src/incidents/fixes.ts';
import { listAudit, listRemediations } from '../../src/incidents/remediation.ts';
import { parseWithSchema } from '../../src/ingest/parse.ts';
import { threadDelivery } from '../../src/slack/outbox.ts';

export const listQuerySchema = z.object({
  status: z.enum(['open', 'triggered', 'acknowledged', 'resolved']).optional(),
  service: z.string().min(1).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** GET /api/incidents?status=open|triggered|acknowledged|resolved&service=S&limit=N&before=ID */
export function listIncidentsHandler(deps: AppDeps) {
  return async (_req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const query = parseWithSchema(listQuerySchema, Object.fromEntries(ctx.url.searchParams), 'query');
    const page = await listIncidents(deps.db, query);
    sendJson(res, 200, page);
  };
}

export const ALERT_PAGE_DEFAULT = 100;
export const ALERT_PAGE_MAX = 1000;

export const incidentQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(ALERT_PAGE_MAX)
    .default(ALERT_PAGE_DEFAULT)
    .meta({ description: `alerts per page (default ${ALERT_PAGE_DEFAULT}, at most ${ALERT_PAGE_MAX})` }),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: "the previous answer's alertPage.nextCursor: the next page of alerts" }),
});

/** The cursor for the alerts after `afterId` of incident `incidentId`: opaque to clients. */
export function encodeAlertCursor(incidentId: number, afterId: number): string {
  return Buffer.from(JSON.stringify({ i: incidentId, a: afterId })).toString('base64url');
}

/** The alert id a cursor continues after; a 400 naming `cursor` when it is not one this API gave for this incident. */
export function decodeAlertCursor(cursor: string, incidentId: number): number {
  let decoded: unknown = null;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // not base64url JSON: refused below
  }
  const shape = z.strictObject({ i: z.number().int().positive(), a: z.number().int().positive() });
  const parsed = shape.safeParse(decoded);
  if (!parsed.success || parsed.data.i !== incidentId)
    throw new ValidationError(
      ErrorCode.SchemaViolation,
      `invalid query: field cursor: not a cursor of incident ${incidentId}'s alerts (pass alertPage.nextCursor as it came)`,
      'cursor',
    );
  return parsed.data.a;
}

/**
 * GET /api/incidents/:id?limit=N&cursor=C — the incident with one page of its alerts (in the order they
 * joined; `alertCounts` counts all of them, `alertPage.nextCursor` fetches the next page) and its
 * timeline, its current analysis and every analysis (newest first, with the stage, analyzer, model, tokens
 * and latency), the confirmed causes, its Slack thread's delivery state, its remediations (state,
 * approvals, before/after redacted) and their audit trail (newest first).
 */
export function getIncidentHandler(deps: AppDeps) {
  return async (_req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const id = parseWithSchema(z.coerce.number().int().positive(), ctx.params.id, 'incident id');
    const query = parseWithSchema(incidentQuerySchema, Object.fromEntries(ctx.url.searchParams), 'query');
    const afterId = query.cursor === undefined ? null : decodeAlertCursor(query.cursor, id);
    const detail = await getIncidentPaged(deps.db, id, { limit: query.limit, afterId });
    if (!detail) throw new AiopsError(ErrorCode.NotFound, `incident ${id} not found`);
    const [analyses, confirmedCauses, slack, remediations, audit] = await Promise.all([
      listAnalyses(deps.db, id),
      confirmedCausesOf(deps.db, id),
      threadDelivery(deps.db, id),
      listRemediations(deps.db, id),
      listAudit(deps.db, { incidentId: id, limit: 500 }),
    ]);
    const fixPrs = await listFixPrs(deps.db, id);
    const { nextAfterId, ...incident } = detail;
    const alertPage = {
      limit: query.limit,
      nextCursor: nextAfterId === null ? null : encodeAlertCursor(id, nextAfterId),
    };
    // The current analysis (the one the thread shows) and the history it replaced, newest first.
    const analysis = analyses[0] ?? null;
    sendJson(res, 200, {
      ...incident,
      alertPage,
      analysis,
      analyses,
      confirmedCauses,
      slack,
      remediations,
      audit,
      fixPrs,
    });
  };
}

export const auditQuerySchema = z.object({
  incident: z.coerce.number().int().positive().optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** GET /api/audit?incident=ID&limit=N&before=ID — the append-only audit log, newest first, paged by id. */
export function listAuditHandler(deps: AppDeps) {
  return async (_req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const query = parseWithSchema(auditQuerySchema, Object.fromEntries(ctx.url.searchParams), 'query');
    const entries = await listAudit(deps.db, {
      limit: query.limit + 1,
      ...(query.incident ? { incidentId: query.incident } : {}),
      ...(query.before ? { beforeId: query.before } : {}),
    });
    const page = entries.slice(0, query.limit);
    const nextBefore = entries.length > query.limit ? (page.at(-1)?.id ?? null) : null;
    sendJson(res, 200, { entries: page, nextBefore });
  };
}
