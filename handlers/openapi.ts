import type { AppDeps } from '../src/deps.ts';
import { sendJson } from '../src/http/io.ts';
import { buildOpenApiDocument } from '../src/http/openapi.ts';
import type { Router } from '../src/http/router.ts';
import { packageVersion } from '../src/package.ts';

/** GET /openapi.json — register last: the document describes the routes registered before it. */
export function register(router: Router, _deps: AppDeps): void {
  let document: Record<string, unknown> | null = null;
  router.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApiDocument(router.list(), packageVersion());
    sendJson(res, 200, document);
  });
}
