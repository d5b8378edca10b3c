import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../src/analysis/analyze.ts';
import type { Db } from '../../src/db/index.ts';
import { confirmCause } from '../../src/incidents/confirm-cause.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { pgliteDatabase, testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';

const API_TOKEN = 'api-token-123';

describe.each(testDatabases())('incident API on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;
  const ids: number[] = [];

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, { env: { AIOPS_API_TOKEN: API_TOKEN } });
    for (const [service, alertname] of [
      ['cart', 'CrashLoop'],
      ['search', 'HighLatency'],
      ['cart', 'OOMKilled'],
      ['billing', 'CertExpiry'],
    ] as const) {
      const response = await post(
        `${app.url}/webhooks/alertmanager`,
        alertmanagerBody({
          groupKey: `${service}/${alertname}`,
          alerts: [{ labels: { alertname, service } }],
        }),
      );
      ids.push(...(response.json.incidentIds as number[]));
      app.clock.advance(60_000);
    }
    await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({
        groupKey: 'search/HighLatency',
        alerts: [{ status: 'resolved', labels: { alertname: 'HighLatency', service: 'search' } }],
      }),
    );
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const get = async (path: string, token: string | null = API_TOKEN) => {
    const response = await fetch(
      `${app.url}${path}`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const listedIds = (json: Record<string, unknown>) =>
    (json.incidents as { id: number }[]).map((incident) => incident.id);

  it('lists incidents newest first, filtered by status and service', async () => {
    expect(listedIds((await get('/api/incidents')).json)).toEqual([...ids].reverse());
    expect(listedIds((await get('/api/incidents?service=cart')).json)).toEqual([ids[2], ids[0]]);
    expect(listedIds((await get('/api/incidents?status=resolved')).json)).toEqual([ids[1]]);
    expect(listedIds((await get('/api/incidents?status=open')).json)).toEqual([ids[3], ids[2], ids[0]]);
  });

  it('pages with limit and before', async () => {
    const first = await get('/api/incidents?limit=3');
    expect(listedIds(first.json)).toEqual([ids[3], ids[2], ids[1]]);
    expect(first.json.nextBefore).toBe(ids[1]);
    const second = await get(`/api/incidents?limit=3&before=${first.json.nextBefore}`);
    expect(listedIds(second.json)).toEqual([ids[0]]);
    expect(second.json.nextBefore).toBeNull();
  });

  it('answers 400 naming a bad query parameter', async () => {
    const bad = await get('/api/incidents?status=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('status');
    expect((await get('/api/incidents?limit=0')).json.field).toBe('limit');
  });

  it('returns one incident with its alerts and timeline, 404 for an unknown one', async () => {
    const detail = await get(`/api/incidents/${ids[1]}`);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({
      id: ids[1],
      service: 'search',
      status: 'resolved',
      alerts: [{ alertname: 'HighLatency', status: 'resolved', deliveryCount: 2 }],
    });
    expect((detail.json.timeline as { kind: string }[]).map((event) => event.kind)).toEqual([
      'opened',
      'alerts_firing',
      'alerts_resolved',
      'resolved',
    ]);
    expect(detail.json).toMatchObject({ analyses: [], confirmedCauses: [], slack: null });

    // Once analysed, confirmed and told in Slack (local mode), the detail carries all of it.
    const stored = await analyzeIncident(app.app.deps, ids[1] as number);
    await confirmCause(app.app.deps.db, {
      incidentId: ids[1] as number,
      title: 'Slow disk',
      category: 'infrastructure',
      actor: '<@U1>',
      now: app.clock.now(),
    });
    await app.app.jobs.runOnce({ aheadMs: 60_000 });
    await app.app.poster.drain({ ignorePacing: true });
    const full = await get(`/api/incidents/${ids[1]}`);
    expect(full.json).toMatchObject({
      // Newest first: the ones the queued jobs just made, then the one made here.
      analyses: expect.arrayContaining([
        expect.objectContaining({ id: stored.id, analyzer: 'offline', analysis: stored.analysis }),
      ]),
      confirmedCauses: [{ title: 'Slow disk', confirmedBy: '<@U1>' }],
      slack: { channel: '#incidents', messages: { pending: 0, dead: 0 } },
    });
    expect((full.json.slack as { messages: { sent: number } }).messages.sent).toBeGreaterThanOrEqual(1);

    const missing = await get('/api/incidents/999999');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('incident 999999 not found');
    expect((await get('/api/incidents/abc')).status).toBe(400);
  });

  it("pages an incident's alerts with limit and cursor, counting all of them", async () => {
    const severities = ['critical', 'warning', 'info'];
    const alert = (n: number, status: 'firing' | 'resolved' = 'firing') => ({
      status,
      labels: {
        alertname: 'PodDown',
        service: 'big',
        pod: `big-${n}`,
        severity: severities[n % 3] as string,
      },
    });
    const deliver = async (alerts: ReturnType<typeof alert>[]) =>
      (await post(`${app.url}/webhooks/alertmanager`, alertmanagerBody({ groupKey: 'big/PodDown', alerts })))
        .json.incidentIds as number[];
    let id = 0;
    for (let start = 0; start < 250; start += 50) {
      [id] = (await deliver(Array.from({ length: 50 }, (_, i) => alert(start + i)))) as [number];
    }
    await deliver(Array.from({ length: 10 }, (_, i) => alert(i, 'resolved')));
    const counts = {
      total: 250,
      firing: 240,
      resolved: 10,
      bySeverity: { critical: 84, warning: 83, info: 83 },
    };

    const first = await get(`/api/incidents/${id}`);
    expect(first.status).toBe(200);
    expect(first.json.alertCounts).toEqual(counts);
    expect(first.json).toMatchObject({ alertCount: 250, firingCount: 240 });
    const pods = (json: Record<string, unknown>) =>
      (json.alerts as { labels: { pod: string } }[]).map((entry) => entry.labels.pod);
    expect(pods(first.json)).toEqual(Array.from({ length: 100 }, (_, i) => `big-${i}`));
    const firstPage = first.json.alertPage as { limit: number; nextCursor: string };
    expect(firstPage.limit).toBe(100);

    // An alert joining between two pages comes last: the pages already read do not shift.
    await deliver([alert(250)]);
    const seen = [...pods(first.json)];
    let cursor: string | null = firstPage.nextCursor;
    let pages = 1;
    while (cursor) {
      const page = await get(`/api/incidents/${id}?limit=70&cursor=${encodeURIComponent(cursor)}`);
      expect(page.status).toBe(200);
      seen.push(...pods(page.json));
      cursor = (page.json.alertPage as { nextCursor: string | null }).nextCursor;
      pages += 1;
    }
    expect(pages).toBe(4); // 100 + 70 + 70 + 11
    expect(seen).toEqual(Array.from({ length: 251 }, (_, i) => `big-${i}`));

    const all = await get(`/api/incidents/${id}?limit=1000`);
    expect((all.json.alerts as unknown[]).length).toBe(251);
    expect(all.json.alertPage).toEqual({ limit: 1000, nextCursor: null });
    expect((all.json.alertCounts as { total: number }).total).toBe(251);
  });

  it('answers 400 naming a bad limit or cursor of the incident detail', async () => {
    const id = ids[0] as number;
    for (const limit of ['0', '1001', 'ten', '2.5']) {
      const bad = await get(`/api/incidents/${id}?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect(bad.json.field).toBe('limit');
    }
    const otherIncidents = Buffer.from(JSON.stringify({ i: ids[1], a: 1 })).toString('base64url');
    for (const cursor of ['nonsense', '', otherIncidents, Buffer.from('{"i":1}').toString('base64url')]) {
      const bad = await get(`/api/incidents/${id}?cursor=${encodeURIComponent(cursor)}`);
      expect(bad.status).toBe(400);
      expect(bad.json.field).toBe('cursor');
    }
  });

  it('requires the bearer token when AIOPS_API_TOKEN is set', async () => {
    expect((await get('/api/incidents', null)).status).toBe(401);
    expect((await get('/api/incidents', 'wrong')).status).toBe(401);
  });
});

const externalAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

describe.skipIf(!externalAddress)('incident API without a token', () => {
  it('answers loopback clients and refuses others with 403', async () => {
    const { db, dispose } = await pgliteDatabase.create();
    const app = await startTestApp(db, { host: '0.0.0.0' });
    try {
      const port = new URL(app.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/api/incidents`)).status).toBe(200);
      const remote = await fetch(`http://${externalAddress}:${port}/api/incidents`);
      expect(remote.status).toBe(403);
      expect(((await remote.json()) as { message: string }).message).toMatch(/loopback clients only/);
    } finally {
      await app.close();
      await dispose();
    }
  });
});
