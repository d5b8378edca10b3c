/**
 * Issue 10 item 2: hostile bytes in webhook bodies must give a 400 naming the field or be stored in a safe
 * form — never a 500. Text (label values, group keys, titles) keeps the alert: NUL and lone surrogates
 * become U+FFFD, over-long identifiers are cut with a hash. Timestamps PostgreSQL cannot hold (year ≤ 0 or
 * > 9999) or that are no timestamps at all are refused with a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post, readFixture } from '../support/payloads.ts';

const NUL = '\u0000';
const FFFD = '\ufffd';

describe.each(testDatabases())('hostile webhook input on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const amUrl = () => `${app.url}/webhooks/alertmanager`;
  const pdUrl = () => `${app.url}/webhooks/pagerduty`;
  const deliveryCount = async () =>
    Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM webhook_deliveries')).rows[0]?.n ?? 0);

  async function storedDelivery(id: unknown) {
    const rows = await db.query<{ raw_body: string; outcome: string }>(
      'SELECT raw_body, outcome FROM webhook_deliveries WHERE id = $1',
      [id],
    );
    return rows.rows[0];
  }

  async function alertsOf(incidentId: unknown) {
    const rows = await db.query<{
      alertname: string;
      service: string;
      summary: string;
      labels: Record<string, string>;
    }>('SELECT alertname, service, summary, labels FROM alerts WHERE incident_id = $1 ORDER BY id', [
      incidentId,
    ]);
    return rows.rows;
  }

  async function incident(id: unknown) {
    const rows = await db.query<{ title: string; correlation_key: string; service: string }>(
      'SELECT title, correlation_key, service FROM incidents WHERE id = $1',
      [id],
    );
    return rows.rows[0];
  }

  const pdTriggered = () => JSON.parse(readFixture('pd-v3-incident.triggered-zulip.json'));

  describe('NUL characters are stored as U+FFFD', () => {
    it('in label values (alertname, service, any label)', async () => {
      const raw = JSON.stringify(
        alertmanagerBody({
          groupKey: 'nul-labels',
          alerts: [
            {
              labels: { alertname: `Disk${NUL}Full`, service: `web${NUL}`, instance: `a${NUL}b` },
              annotations: { summary: `full${NUL}` },
            },
          ],
        }),
      );
      const response = await post(amUrl(), raw);
      expect(response.status).toBe(202);
      expect(await storedDelivery(response.json.deliveryId)).toEqual({ raw_body: raw, outcome: 'processed' });
      const [alert] = await alertsOf((response.json.incidentIds as number[])[0]);
      expect(alert).toMatchObject({
        alertname: `Disk${FFFD}Full`,
        service: `web${FFFD}`,
        summary: `full${FFFD}`,
        labels: { instance: `a${FFFD}b` },
      });
    });

    it('in groupKey, and the same key correlates again', async () => {
      const body = (instance: string) =>
        alertmanagerBody({
          groupKey: `{}:{alertname="X${NUL}"}`,
          alerts: [{ labels: { alertname: 'X', instance } }],
        });
      const first = await post(amUrl(), body('a'));
      expect(first.status).toBe(202);
      const second = await post(amUrl(), body('b'));
      expect(second.status).toBe(202);
      expect(second.json.incidentIds).toEqual(first.json.incidentIds);
      expect((await incident((first.json.incidentIds as number[])[0]))?.correlation_key).toBe(
        `am:{}:{alertname="X${FFFD}"}`,
      );
    });

    it('in a PagerDuty title', async () => {
      const body = pdTriggered();
      body.event.id = 'nul-title-event';
      body.event.data.id = 'PNULTITLE';
      body.event.data.title = `Checkout${NUL} is down`;
      const response = await post(pdUrl(), body);
      expect(response.status).toBe(202);
      const stored = await incident((response.json.incidentIds as number[])[0]);
      expect(stored?.title).toBe(`Checkout${FFFD} is down`);
      expect((await alertsOf((response.json.incidentIds as number[])[0]))[0]?.alertname).toBe(
        `Checkout${FFFD} is down`,
      );
    });
  });

  describe('lone surrogates are stored as U+FFFD', () => {
    it('escaped in a label value and a label name', async () => {
      const raw = JSON.stringify(
        alertmanagerBody({
          groupKey: 'surrogate-escaped',
          alerts: [{ labels: { alertname: 'Lone', pod: 'x' } }],
        }),
      )
        .replace('"pod":"x"', '"pod":"x\\ud800y","k\\udfff":"v"')
        .replace('"alertname":"Lone"', '"alertname":"Lone\\udc00"');
      expect(raw).toContain('\\ud800');
      const response = await post(amUrl(), raw);
      expect(response.status).toBe(202);
      expect(await storedDelivery(response.json.deliveryId)).toEqual({ raw_body: raw, outcome: 'processed' });
      const [alert] = await alertsOf((response.json.incidentIds as number[])[0]);
      expect(alert?.alertname).toBe(`Lone${FFFD}`);
      expect(alert?.labels).toMatchObject({ pod: `x${FFFD}y`, [`k${FFFD}`]: 'v' });
    });

    it('raw in the body (aiops replay hands ingest a string, not bytes)', async () => {
      const raw = JSON.stringify(
        alertmanagerBody({
          groupKey: 'surrogate-raw',
          alerts: [{ labels: { alertname: 'Raw\ud800', pod: '\udfffp' } }],
        }),
      );
      const result = await ingestDelivery(app.app.deps, { source: 'alertmanager', rawBody: raw });
      expect(result.incidentIds).toHaveLength(1);
      const stored = await storedDelivery(result.deliveryId);
      expect(stored?.outcome).toBe('processed');
      expect(stored?.raw_body).toBe(raw.replace('\ud800', FFFD).replace('\udfff', FFFD));
      const [alert] = await alertsOf(result.incidentIds[0]);
      expect(alert).toMatchObject({ alertname: `Raw${FFFD}`, labels: { pod: `${FFFD}p` } });
    });

    it('as CESU-8 bytes on the wire (decoded as U+FFFD before JSON is read)', async () => {
      const raw = Buffer.concat([
        Buffer.from(
          '{"version":"4","status":"firing","receiver":"r","groupKey":"cesu","alerts":[{"labels":{"alertname":"C',
        ),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"},"startsAt":"2026-03-01T09:58:00Z"}]}'),
      ]);
      const response = await post(amUrl(), raw);
      expect(response.status).toBe(202);
    });
  });

  describe('timestamps PostgreSQL cannot hold are refused with 400 naming the field', () => {
    it('a negative year in startsAt', async () => {
      const before = await deliveryCount();
      const body = alertmanagerBody({
        groupKey: 'bc',
        alerts: [{ labels: { alertname: 'Old' }, startsAt: '-002026-01-01T00:00:00Z' }],
      });
      const response = await post(amUrl(), body);
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ error: 'aiops_schema_violation', field: 'alerts.0.startsAt' });
      expect(await deliveryCount()).toBe(before);
    });

    it('year 10000 in startsAt and endsAt, also when reached through a time-zone offset', async () => {
      for (const [field, value] of [
        ['startsAt', '+010000-01-01T00:00:00Z'],
        ['endsAt', '+010000-01-01T00:00:00Z'],
        ['startsAt', '9999-12-31T23:00:00-05:00'],
      ] as const) {
        const body = alertmanagerBody({
          groupKey: 'far',
          alerts: [{ labels: { alertname: 'Far' }, [field]: value }],
        });
        const response = await post(amUrl(), body);
        expect(response.status, `${field} ${value}`).toBe(400);
        expect(response.json.field).toBe(`alerts.0.${field}`);
      }
    });

    it("Go's zero time in endsAt still means unset", async () => {
      const body = alertmanagerBody({
        groupKey: 'zero-end',
        alerts: [{ labels: { alertname: 'Zero' }, endsAt: '0001-01-01T00:00:00Z' }],
      });
      expect((await post(amUrl(), body)).status).toBe(202);
    });

    it('year 0 in a PagerDuty created_at', async () => {
      const before = await deliveryCount();
      const body = pdTriggered();
      body.event.id = 'year-zero-event';
      body.event.data.created_at = '0000-01-01T00:00:00Z';
      const response = await post(pdUrl(), body);
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({
        error: 'aiops_schema_violation',
        field: 'event.data.created_at',
      });
      expect(await deliveryCount()).toBe(before);
    });

    it('a PagerDuty created_at or occurred_at that is no timestamp at all', async () => {
      const body = pdTriggered();
      body.event.id = 'garbage-created-event';
      body.event.data.created_at = 'yesterday-ish';
      const created = await post(pdUrl(), body);
      expect(created.status).toBe(400);
      expect(created.json.field).toBe('event.data.created_at');
      body.event.data.created_at = '2026-03-01T09:00:00Z';
      body.event.occurred_at = '-000001-06-01T00:00:00Z';
      const occurred = await post(pdUrl(), body);
      expect(occurred.status).toBe(400);
      expect(occurred.json.field).toBe('event.occurred_at');
    });
  });

  describe('over-long identifiers are cut with a hash, not refused by an index', () => {
    // Random text does not compress, so it meets btree's ~2.7 kB limit on an index row.
    const noise = (n: number, seed: number) => {
      let x = seed;
      let out = '';
      while (out.length < n) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        out += x.toString(36);
      }
      return out.slice(0, n);
    };

    it('groupKey, fingerprint, service and namespace of 8 kB each', async () => {
      const groupKey = noise(8000, 1);
      const body = (instance: string) =>
        alertmanagerBody({
          groupKey,
          alerts: [
            {
              labels: {
                alertname: noise(8000, 2),
                service: noise(8000, 3),
                namespace: noise(8000, 4),
                instance,
              },
              fingerprint: noise(8000, 5),
            },
          ],
        });
      const first = await post(amUrl(), body('a'));
      expect(first.status).toBe(202);
      const second = await post(amUrl(), body('b'));
      expect(second.json.incidentIds).toEqual(first.json.incidentIds);
      const stored = await incident((first.json.incidentIds as number[])[0]);
      expect(stored?.correlation_key.length).toBeLessThan(1100);
      expect(stored?.correlation_key.startsWith(`am:${groupKey.slice(0, 100)}`)).toBe(true);
      // A different key sharing the same first kilobyte stays a different incident.
      const other = await post(
        amUrl(),
        alertmanagerBody({ groupKey: `${groupKey}!`, alerts: [{ labels: { alertname: 'Other' } }] }),
      );
      expect(other.json.incidentIds).not.toEqual(first.json.incidentIds);
    });

    it('a PagerDuty incident id and X-Webhook-Id of 8 kB', async () => {
      const body = pdTriggered();
      body.event.data.id = noise(8000, 6);
      const response = await post(pdUrl(), body, { 'x-webhook-id': noise(8000, 7) });
      expect(response.status).toBe(202);
    });

    it('an alert summary of 1.5 MB of distinct words still indexes the incident for search', async () => {
      const words: string[] = [];
      for (let i = 0, length = 0; length < 1_500_000; i++) {
        const word = noise(12, i + 100);
        words.push(word);
        length += word.length + 1;
      }
      const summary = words.join(' ');
      const body = alertmanagerBody({
        groupKey: 'huge-summary',
        alerts: [{ labels: { alertname: 'Huge' }, annotations: { summary } }],
      });
      const response = await post(amUrl(), body);
      expect(response.status).toBe(202);
    });
  });

  it('refuses a body nested deeper than any payload with 400, whatever the field', async () => {
    const before = await deliveryCount();
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const body = pdTriggered();
    body.event.id = 'deep-event';
    const raw = JSON.stringify(body).replace('"resolve_reason":null', `"resolve_reason":${deep}`);
    expect(raw).toContain('[[[[');
    const response = await post(pdUrl(), raw);
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('aiops_invalid_json');
    expect(response.json.message).toMatch(/nested deeper than 64 levels/);
    expect(await deliveryCount()).toBe(before);
  });

  it('still answers afterwards', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
  });
});
