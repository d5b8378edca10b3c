import type { AppDeps } from '../src/deps.ts';
import { sendJson } from '../src/http/io.ts';
import type { Router } from '../src/http/router.ts';

export function register(router: Router, deps: AppDeps): void {
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));

  router.get('/readyz', async (_req, res) => {
    try {
      await deps.db.query('SELECT 1');
      sendJson(res, 200, { status: 'ready', database: deps.db.kind });
    } catch (error) {
      deps.logger.warn({ err: error }, 'readiness check failed: database unreachable');
      sendJson(res, 503, { status: 'not ready', database: 'unreachable' });
    }
  });

  router.get('/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(text);
  });
}
