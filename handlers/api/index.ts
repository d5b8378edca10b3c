import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { isLoopback, sendError } from '../../src/http/io.ts';
import type { RouteContext, RouteHandler, Router } from '../../src/http/router.ts';
import { requireBearer } from '../webhooks/auth.ts';
import { getIncidentHandler, listAuditHandler, listIncidentsHandler } from './incidents.ts';

/** Bearer AIOPS_API_TOKEN when set; without one the API answers loopback clients only. */
function guarded(deps: AppDeps, handler: RouteHandler): RouteHandler {
  const token = deps.config.env.AIOPS_API_TOKEN;
  return async (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    try {
      if (token) requireBearer(req, token, 'the API');
      else if (!isLoopback(req.socket.remoteAddress)) {
        throw new AiopsError(
          ErrorCode.Forbidden,
          'the API is open to loopback clients only; set AIOPS_API_TOKEN',
        );
      }
      await handler(req, res, ctx);
    } catch (error) {
      const answer = sendError(res, error);
      if (answer.status >= 500)
        deps.logger.error({ err: error, path: ctx.url.pathname }, 'api request failed');
    }
  };
}

export function register(router: Router, deps: AppDeps): void {
  router.get('/api/incidents', guarded(deps, listIncidentsHandler(deps)));
  router.get('/api/incidents/:id', guarded(deps, getIncidentHandler(deps)));
  router.get('/api/audit', guarded(deps, listAuditHandler(deps)));
}
