import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../../src/deps.ts';
import { requireBearer } from './auth.ts';
import { receiveWebhook } from './receive.ts';

/** POST /webhooks/alertmanager — Alertmanager webhook v4, bearer token when ALERTMANAGER_TOKEN is set. */
export function alertmanagerWebhook(deps: AppDeps) {
  const token = deps.config.env.ALERTMANAGER_TOKEN;
  return (req: IncomingMessage, res: ServerResponse) =>
    receiveWebhook(
      deps,
      'alertmanager',
      { beforeBody: (request) => requireBearer(request, token, 'the Alertmanager webhook') },
      req,
      res,
    );
}
