import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { createPgDb } from '../../src/db/pg.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { postgresDatabase } from '../support/databases.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const serverUrl = process.env.TEST_DATABASE_URL;

// A real server is needed to lose: the embedded database cannot go down under the app.
describe.skipIf(!serverUrl)('when PostgreSQL goes down', () => {
  let direct: Db;
  let dispose: () => Promise<void>;
  let proxy: TcpProxy;
  let proxied: Db;
  let app: TestApp;

  beforeAll(async () => {
    const created = await postgresDatabase(serverUrl as string).create();
    direct = created.db;
    dispose = created.dispose;
    const url = new URL(created.url as string);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    proxied = createPgDb({ connectionString: url.toString(), connectionTimeoutMillis: 1_000 });
    app = await startTestApp(proxied);
  });
  afterAll(async () => {
    await app?.close();
    await proxied?.close().catch(() => {});
    await proxy?.close();
    await dispose?.();
  });

  it('answers 503 (so Alertmanager retries) and never 2xx for what was not stored', async () => {
    const body = alertmanagerBody({
      groupKey: 'outage',
      alerts: [{ labels: { alertname: 'Down', service: 'x' } }],
    });
    expect((await post(`${app.url}/webhooks/alertmanager`, body)).status).toBe(202);

    await proxy.cut();
    const during = await post(`${app.url}/webhooks/alertmanager`, {
      ...body,
      alerts: [
        { ...(body.alerts as object[])[0], labels: { alertname: 'Down', service: 'x', pod: 'during' } },
      ],
    });
    expect(during.status).toBe(503);
    expect(during.json).toMatchObject({ error: 'aiops_database_unavailable' });
    expect(during.json.message).toMatch(/nothing was stored, retry later/);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);

    const stored = await direct.query<{ n: number }>('SELECT count(*) AS n FROM webhook_deliveries');
    expect(stored.rows[0]?.n).toBe(1);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(
      /aiops_webhook_rejects_total\{source="alertmanager",reason="aiops_database_unavailable"\} 1/,
    );
  });
});
