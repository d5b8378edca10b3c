import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { signPagerDutyBody } from '../../src/ingest/pagerduty-signature.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, fixturePath, post, readFixture } from '../support/payloads.ts';

const AM_TOKEN = 'am-secret-token';
const PD_SECRET_OLD = 'old-secret';
const PD_SECRET_NEW = 'new-secret';

describe.each(testDatabases())('webhooks on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, {
      env: { ALERTMANAGER_TOKEN: AM_TOKEN, PAGERDUTY_WEBHOOK_SECRETS: `${PD_SECRET_OLD}, ${PD_SECRET_NEW}` },
      yaml: 'ingest:\n  maxBodyBytes: 65536\n',
    });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const amUrl = () => `${app.url}/webhooks/alertmanager`;
  const pdUrl = () => `${app.url}/webhooks/pagerduty`;
  const bearer = { authorization: `Bearer ${AM_TOKEN}` };
  const deliveryCount = async () =>
    (await db.query<{ n: number }>('SELECT count(*) AS n FROM webhook_deliveries')).rows[0]?.n ?? 0;

  describe('POST /webhooks/alertmanager', () => {
    it('answers 202 with the incident ids once the raw body is stored byte for byte', async () => {
      const raw = readFixture('am-firing-3alerts-msteams-grafana-inspired.json');
      const response = await post(amUrl(), raw, bearer);
      expect(response.status).toBe(202);
      const ids = response.json.incidentIds as number[];
      expect(ids).toHaveLength(1);
      const stored = await db.query<{ raw_body: string; outcome: string; incident_ids: number[] }>(
        'SELECT raw_body, outcome, incident_ids FROM webhook_deliveries WHERE id = $1',
        [response.json.deliveryId],
      );
      expect(stored.rows[0]).toEqual({ raw_body: raw, outcome: 'processed', incident_ids: ids });
      const alerts = await db.query<{ fingerprint: string }>(
        'SELECT fingerprint FROM alerts WHERE incident_id = $1 ORDER BY fingerprint',
        [ids[0]],
      );
      const sent = (JSON.parse(raw).alerts as { fingerprint: string }[])
        .map((alert) => alert.fingerprint)
        .sort();
      expect(alerts.rows.map((row) => row.fingerprint)).toEqual(sent);
    });

    it('refuses a missing or wrong bearer token with 401 and stores nothing', async () => {
      const before = await deliveryCount();
      const body = readFixture('am-firing-2alerts-zulip.json');
      const missing = await post(amUrl(), body);
      expect(missing.status).toBe(401);
      expect(missing.json.message).toMatch(/missing Authorization header/);
      const wrong = await post(amUrl(), body, { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      expect(wrong.json.message).toMatch(/wrong bearer token/);
      const basic = await post(amUrl(), body, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(basic.status).toBe(401);
      expect(await deliveryCount()).toBe(before);
    });

    it('answers 400 naming the problem for invalid JSON, a schema violation and an old version', async () => {
      const before = await deliveryCount();
      const invalid = await post(amUrl(), '{"alerts": [', bearer);
      expect(invalid.status).toBe(400);
      expect(invalid.json.error).toBe('aiops_invalid_json');

      const empty = await post(amUrl(), '', bearer);
      expect(empty.status).toBe(400);
      expect(empty.json.message).toMatch(/empty/);

      const body = JSON.parse(readFixture('am-firing-2alerts-zulip.json'));
      body.alerts[1].labels = 'not-a-map';
      const schema = await post(amUrl(), body, bearer);
      expect(schema.status).toBe(400);
      expect(schema.json).toMatchObject({ error: 'aiops_schema_violation', field: 'alerts.1.labels' });
      expect(schema.json.message).toMatch(/alerts\.1\.labels/);

      const noStatus = JSON.parse(readFixture('am-firing-2alerts-zulip.json'));
      delete noStatus.status;
      expect((await post(amUrl(), noStatus, bearer)).json.field).toBe('status');

      const v3 = { ...JSON.parse(readFixture('am-firing-2alerts-zulip.json')), version: '3' };
      const old = await post(amUrl(), v3, bearer);
      expect(old.status).toBe(400);
      expect(old.json).toMatchObject({ error: 'aiops_unsupported_payload', field: 'version' });
      expect(await deliveryCount()).toBe(before);
    });

    it('answers 413 for a body over the configured limit', async () => {
      const huge = JSON.stringify(
        alertmanagerBody({
          groupKey: 'big',
          alerts: [{ labels: { alertname: 'Big', filler: 'x'.repeat(70_000) } }],
        }),
      );
      const response = await post(amUrl(), huge, bearer);
      expect(response.status).toBe(413);
      expect(response.json.message).toMatch(/larger than the limit of 65536 bytes/);
    });

    it('stores a group without alerts and answers 202 with a note', async () => {
      const response = await post(amUrl(), alertmanagerBody({ groupKey: 'empty', alerts: [] }), bearer);
      expect(response.status).toBe(202);
      expect(response.json).toMatchObject({ incidentIds: [], note: 'the group holds no alerts' });
      const stored = await db.query<{ outcome: string }>(
        'SELECT outcome FROM webhook_deliveries WHERE id = $1',
        [response.json.deliveryId],
      );
      expect(stored.rows[0]?.outcome).toBe('ignored');
    });

    it('accepts null common maps and old alerts without status, fingerprint or generatorURL', async () => {
      const body = JSON.parse(readFixture('am-firing-1alert-msteams-prom_post_request.json'));
      body.commonAnnotations = null;
      const response = await post(amUrl(), body, bearer);
      expect(response.status).toBe(202);
      const alert = await db.query<{ status: string; generator_url: string | null }>(
        'SELECT status, generator_url FROM alerts WHERE incident_id = $1',
        [(response.json.incidentIds as number[])[0]],
      );
      expect(alert.rows).toEqual([{ status: 'firing', generator_url: null }]);
    });
  });

  describe('POST /webhooks/pagerduty', () => {
    const signedBody = readFileSync(fixturePath('pd-v3-incident.priority_updated-signed-go-pagerduty.json'));

    it('accepts a body signed with any configured secret, among several v1 entries', async () => {
      const header = `v1=${'0'.repeat(64)}, ${signPagerDutyBody(signedBody, PD_SECRET_NEW)}`;
      const response = await post(pdUrl(), signedBody, {
        'x-pagerduty-signature': header,
        'x-webhook-id': 'wh-sig-1',
      });
      expect(response.status).toBe(202);
      expect(response.json.incidentIds).toHaveLength(1);
      const old = await post(pdUrl(), signedBody, {
        'x-pagerduty-signature': signPagerDutyBody(signedBody, PD_SECRET_OLD),
        'x-webhook-id': 'wh-sig-2',
      });
      expect(old.status).toBe(202);
    });

    it('refuses a missing, forged or tampered signature with 401', async () => {
      const before = await deliveryCount();
      expect((await post(pdUrl(), signedBody)).json.message).toMatch(/missing X-PagerDuty-Signature/);
      const forged = await post(pdUrl(), signedBody, {
        'x-pagerduty-signature': 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5',
      });
      expect(forged.status).toBe(401);
      const tampered = Buffer.from(signedBody.toString('utf8').replace('"P1"', '"P5"'));
      const header = signPagerDutyBody(signedBody, PD_SECRET_NEW);
      expect((await post(pdUrl(), tampered, { 'x-pagerduty-signature': header })).status).toBe(401);
      expect(await deliveryCount()).toBe(before);
    });

    const signed = (raw: string, webhookId: string) => ({
      'x-pagerduty-signature': signPagerDutyBody(raw, PD_SECRET_OLD),
      'x-webhook-id': webhookId,
    });

    it('dedupes a retried delivery on X-Webhook-Id', async () => {
      const raw = readFixture('pd-v3-incident.triggered-zulip.json');
      const first = await post(pdUrl(), raw, signed(raw, 'wh-retry'));
      const second = await post(pdUrl(), raw, signed(raw, 'wh-retry'));
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.json).toMatchObject({ duplicate: true, incidentIds: first.json.incidentIds });
      const rows = await db.query<{ n: number }>(
        "SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_key = 'wh-retry'",
      );
      expect(rows.rows[0]?.n).toBe(1);
    });

    it('follows an incident through acknowledge, resolve, reopen and a note', async () => {
      const event = (type: string, status: string) =>
        JSON.stringify({
          event: {
            id: `evt-${type}`,
            event_type: type,
            resource_type: 'incident',
            occurred_at: '2026-03-01T10:00:00Z',
            agent: { id: 'PUSER', summary: 'Ada Lovelace', type: 'user_reference' },
            data: {
              id: 'PLIFE01',
              type: 'incident',
              html_url: 'https://acme.pagerduty.com/incidents/PLIFE01',
              status,
              title: 'Checkout API error rate',
              service: { id: 'PSVC', summary: 'checkout' },
              priority: null,
              urgency: 'high',
              created_at: '2026-03-01T09:59:00Z',
            },
          },
        });
      const send = async (type: string, status: string) => {
        const raw = event(type, status);
        const response = await post(pdUrl(), raw, signed(raw, `wh-${type}`));
        expect(response.status).toBe(202);
        return (response.json.incidentIds as number[])[0];
      };
      const statusOf = async (id: number | undefined) =>
        (await db.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id])).rows[0]
          ?.status;

      const id = await send('incident.triggered', 'triggered');
      expect(await statusOf(id)).toBe('triggered');
      expect(await send('incident.acknowledged', 'acknowledged')).toBe(id);
      expect(await statusOf(id)).toBe('acknowledged');
      expect(await send('incident.unacknowledged', 'triggered')).toBe(id);
      expect(await statusOf(id)).toBe('triggered');
      expect(await send('incident.resolved', 'resolved')).toBe(id);
      expect(await statusOf(id)).toBe('resolved');
      app.clock.advance(6 * 60 * 60_000); // far outside the correlation window: a PagerDuty id still reopens
      expect(await send('incident.reopened', 'triggered')).toBe(id);
      expect(await statusOf(id)).toBe('triggered');

      const note = JSON.stringify({
        event: {
          id: 'evt-note',
          event_type: 'incident.annotated',
          resource_type: 'incident',
          occurred_at: '2026-03-01T10:05:00Z',
          agent: { id: 'PUSER', summary: 'Ada Lovelace' },
          data: {
            type: 'incident_note',
            id: 'PNOTE',
            content: 'Rolled back checkout to v41',
            incident: { id: 'PLIFE01', type: 'incident_reference', summary: 'Checkout API error rate' },
          },
        },
      });
      const annotated = await post(pdUrl(), note, signed(note, 'wh-note'));
      expect(annotated.json.incidentIds).toEqual([id]);

      const timeline = await db.query<{ kind: string; actor: string }>(
        'SELECT kind, actor FROM incident_events WHERE incident_id = $1 ORDER BY id',
        [id],
      );
      expect(timeline.rows.map((row) => row.kind)).toEqual([
        'opened',
        'alerts_firing',
        'acknowledged',
        'triggered',
        'alerts_resolved',
        'resolved',
        'alerts_firing',
        'reopened',
        'note',
      ]);
      expect(timeline.rows.every((row) => row.actor === 'Ada Lovelace')).toBe(true);
    });

    it('stores unknown event types and answers 202 with a note', async () => {
      const raw = JSON.stringify({
        event: {
          id: 'evt-ping',
          event_type: 'pagey.ping',
          resource_type: 'pagey',
          occurred_at: '2026-03-01T10:00:00Z',
          agent: null,
          data: { message: 'Hello from your friend Pagey!', type: 'ping' },
        },
      });
      const response = await post(pdUrl(), raw, signed(raw, 'wh-ping'));
      expect(response.status).toBe(202);
      expect(response.json).toMatchObject({
        incidentIds: [],
        note: 'event type pagey.ping is stored but not acted on',
      });
      const stored = await db.query<{ raw_body: string; outcome: string }>(
        "SELECT raw_body, outcome FROM webhook_deliveries WHERE delivery_key = 'wh-ping'",
      );
      expect(stored.rows[0]).toEqual({ raw_body: raw, outcome: 'ignored' });
    });

    it('refuses retired V2 webhooks with 400 saying so', async () => {
      const raw = readFixture('pd-v2-incident.trigger-pd-docs.json');
      const response = await post(pdUrl(), raw, signed(raw, 'wh-v2'));
      expect(response.status).toBe(400);
      expect(response.json.message).toMatch(/V2 webhooks .* not supported/);
    });
  });

  describe('routing and operations endpoints', () => {
    it('answers 404 and 405 as JSON', async () => {
      const missing = await fetch(`${app.url}/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: 'not_found' });
      const wrongMethod = await fetch(amUrl());
      expect(wrongMethod.status).toBe(405);
    });

    it('reports liveness, readiness and metrics', async () => {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: db.kind });
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/aiops_alerts_received_total\{source="alertmanager",status="firing"\} [1-9]/);
      expect(metrics).toMatch(
        /aiops_webhook_rejects_total\{source="alertmanager",reason="aiops_unauthorized"\} 3/,
      );
      expect(metrics).toMatch(
        /aiops_webhook_rejects_total\{source="pagerduty",reason="aiops_unauthorized"\} 3/,
      );
      expect(metrics).toMatch(/aiops_incidents_opened_total\{source="pagerduty"\} [1-9]/);
      expect(metrics).toMatch(
        /aiops_webhook_duration_seconds_bucket\{le="0.05",source="alertmanager",code="202"\}/,
      );
      // The backlog, read from the database at scrape time (no worker runs in this test).
      const pending = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM jobs WHERE kind = 'analyze-incident' AND status = 'pending'",
      );
      expect(metrics).toContain(`aiops_jobs{kind="analyze-incident",status="pending"} ${pending.rows[0]?.n}`);
    });
  });
});
