import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { listAnalyses } from '../../src/analysis/analyze.ts';
import { confirmedCausesOf } from '../../src/analysis/memory.ts';
import { getIncident, listIncidents } from '../../src/db/incidents.ts';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { sendJson } from '../../src/http/io.ts';
import type { RouteContext } from '../../src/http/router.ts';
import { listFixPrs } from '../../src/incidents/fixes.ts';
import { parseWithSchema } from '../../src/ingest/parse.ts';
import { threadDelivery } from '../../src/slack/outbox.ts';

const listQuerySchema = z.object({
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

/**
 * GET /api/incidents/:id — the incident with its alerts and timeline, every analysis (newest first, with
 * the analyzer, model, tokens and latency), the confirmed causes, and its Slack thread's delivery state.
 */
export function getIncidentHandler(deps: AppDeps) {
  return async (_req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const id = parseWithSchema(z.coerce.number().int().positive(), ctx.params.id, 'incident id');
    const incident = await getIncident(deps.db, id);
    if (!incident) throw new AiopsError(ErrorCode.NotFound, `incident ${id} not found`);
    const [analyses, confirmedCauses, slack] = await Promise.all([
      listAnalyses(deps.db, id),
      confirmedCausesOf(deps.db, id),
      threadDelivery(deps.db, id),
    ]);
    const fixPrs = await listFixPrs(deps.db, id);
    sendJson(res, 200, { ...incident, analyses, confirmedCauses, slack, fixPrs });
  };
}
