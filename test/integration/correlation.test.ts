import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post, type TestAlert } from '../support/payloads.ts';

const MINUTE = 60_000;

describe.each(testDatabases())('correlation and incident lifecycle on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, {
      yaml: [
        'correlation:',
        '  windowMinutes: 30',
        'routes:',
        '  - match: { service: payments, severity: critical }',
        '    channel: "#payments-sev1"',
        'services:',
        '  - name: payments',
        '    channel: "#payments"',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const send = async (body: Record<string, unknown>) => {
    const response = await post(`${app.url}/webhooks/alertmanager`, body);
    expect(response.status).toBe(202);
    return response.json.incidentIds as number[];
  };
  const incident = async (id: number | undefined) =>
    (
      await db.query<{
        status: string;
        severity: string;
        alert_count: number;
        firing_count: number;
        reopen_count: number;
        channel: string;
        resolved_at: Date | null;
      }>(
        'SELECT status, severity, alert_count, firing_count, reopen_count, channel, resolved_at FROM incidents WHERE id = $1',
        [id],
      )
    ).rows[0];
  const pods = (
    n: number,
    extra: Partial<TestAlert> = {},
    labels: Record<string, string> = {},
  ): TestAlert[] =>
    Array.from({ length: n }, (_, i) => ({
      labels: {
        alertname: 'KubePodCrashLooping',
        service: 'cart',
        severity: 'warning',
        pod: `cart-${i}`,
        ...labels,
      },
      fingerprint: `cart-pod-${labels.alertname ?? 'crash'}-${i}`,
      ...extra,
    }));

  it('turns the same group delivered 5 times into the same rows: one incident, one job, delivery_count 5', async () => {
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="KubePodCrashLooping",service="cart"}',
      alerts: pods(4),
    });
    const answers = [];
    for (let i = 0; i < 5; i += 1) {
      answers.push(await send(body));
      app.clock.advance(MINUTE);
    }
    const id = answers[0]?.[0];
    expect(new Set(answers.map((ids) => ids.join()))).toEqual(new Set([String(id)]));
    const alerts = await db.query<{ delivery_count: number; first_seen: Date; last_seen: Date }>(
      'SELECT delivery_count, first_seen, last_seen FROM alerts WHERE incident_id = $1',
      [id],
    );
    expect(alerts.rows).toHaveLength(4);
    for (const alert of alerts.rows) {
      expect(alert.delivery_count).toBe(5);
      expect(new Date(alert.last_seen).getTime() - new Date(alert.first_seen).getTime()).toBe(4 * MINUTE);
    }
    const jobs = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM jobs WHERE kind = 'analyze-incident' AND payload->>'incidentId' = $1",
      [String(id)],
    );
    expect(jobs.rows[0]?.n).toBe(1);
    const events = await db.query<{ kind: string }>(
      'SELECT kind FROM incident_events WHERE incident_id = $1',
      [id],
    );
    expect(events.rows.map((row) => row.kind)).toEqual(['opened', 'alerts_firing']);
    expect((await db.query('SELECT id FROM webhook_deliveries')).rowCount).toBeGreaterThanOrEqual(5);
  });

  it('resolves when every alert has resolved, deciding from status and not endsAt', async () => {
    const groupKey = '{}:{alertname="DiskFull"}';
    const alerts: TestAlert[] = [
      { labels: { alertname: 'DiskFull', service: 'db', instance: 'a' }, fingerprint: 'disk-a' },
      { labels: { alertname: 'DiskFull', service: 'db', instance: 'b' }, fingerprint: 'disk-b' },
    ];
    const [id] = await send(alertmanagerBody({ groupKey, alerts }));
    // One resolved, one still firing (its endsAt set in the past, as Alertmanager does for firing alerts too).
    await send(
      alertmanagerBody({
        groupKey,
        alerts: [
          { ...alerts[0], status: 'resolved', endsAt: '2026-03-01T10:01:00Z' } as TestAlert,
          { ...alerts[1], endsAt: '2026-03-01T09:00:00Z' } as TestAlert,
        ],
      }),
    );
    expect(await incident(id)).toMatchObject({ status: 'triggered', firing_count: 1, alert_count: 2 });
    // Status "resolved" with Go's zero-time endsAt (seen in real captures) still resolves.
    await send(alertmanagerBody({ groupKey, alerts: [{ ...alerts[1], status: 'resolved' } as TestAlert] }));
    expect(await incident(id)).toMatchObject({ status: 'resolved', firing_count: 0 });
  });

  it('reopens a resolved incident that fires again within the window, and opens a new one after it', async () => {
    const groupKey = '{}:{alertname="HighLatency",service="search"}';
    const alert: TestAlert = {
      labels: { alertname: 'HighLatency', service: 'search' },
      fingerprint: 'lat-1',
    };
    const [first] = await send(alertmanagerBody({ groupKey, alerts: [alert] }));
    await send(alertmanagerBody({ groupKey, alerts: [{ ...alert, status: 'resolved' }] }));
    expect(await incident(first)).toMatchObject({ status: 'resolved' });

    app.clock.advance(10 * MINUTE);
    const [again] = await send(alertmanagerBody({ groupKey, alerts: [alert] }));
    expect(again).toBe(first);
    expect(await incident(first)).toMatchObject({ status: 'triggered', reopen_count: 1, resolved_at: null });
    const reopened = await db.query<{ kind: string }>(
      "SELECT kind FROM incident_events WHERE incident_id = $1 AND kind = 'reopened'",
      [first],
    );
    expect(reopened.rowCount).toBe(1);

    await send(alertmanagerBody({ groupKey, alerts: [{ ...alert, status: 'resolved' }] }));
    app.clock.advance(31 * MINUTE);
    const [later] = await send(alertmanagerBody({ groupKey, alerts: [alert] }));
    expect(later).not.toBe(first);
    expect(await incident(first)).toMatchObject({ status: 'resolved' });
    expect(await incident(later)).toMatchObject({ status: 'triggered', reopen_count: 0 });
  });

  it('without a groupKey, correlates by service + alertname', async () => {
    const ids = await send(
      alertmanagerBody({
        alerts: [
          { labels: { alertname: 'TargetDown', service: 'api', instance: '1' } },
          { labels: { alertname: 'TargetDown', service: 'api', instance: '2' } },
          { labels: { alertname: 'TargetDown', service: 'web', instance: '1' } },
        ],
      }),
    );
    expect(ids).toHaveLength(2);
    const more = await send(
      alertmanagerBody({ alerts: [{ labels: { alertname: 'TargetDown', service: 'api', instance: '3' } }] }),
    );
    expect(more).toEqual([ids[0]]);
    expect(await incident(ids[0])).toMatchObject({ alert_count: 3 });
  });

  it('takes the highest severity of its alerts and routes by the configured rules', async () => {
    const groupKey = '{}:{service="payments"}';
    const [id] = await send(
      alertmanagerBody({
        groupKey,
        commonLabels: { service: 'payments' },
        alerts: [{ labels: { alertname: 'SlowQueries', service: 'payments', severity: 'warning' } }],
      }),
    );
    expect(await incident(id)).toMatchObject({ severity: 'warning', channel: '#payments' });
    await send(
      alertmanagerBody({
        groupKey,
        alerts: [{ labels: { alertname: 'PaymentsDown', service: 'payments', severity: 'critical' } }],
      }),
    );
    expect(await incident(id)).toMatchObject({ severity: 'critical', alert_count: 2 });
    const [other] = await send(
      alertmanagerBody({
        groupKey: '{}:{service="payments",alertname="Down"}',
        commonLabels: { service: 'payments', severity: 'critical' },
        alerts: [{ labels: { alertname: 'Down', service: 'payments', severity: 'critical' } }],
      }),
    );
    expect(await incident(other)).toMatchObject({ channel: '#payments-sev1' });
  });

  it('enqueues a new analysis for a new kind of alert, not for more of the same kind', async () => {
    const groupKey = '{}:{service="orders"}';
    const label = (alertname: string, i: number): TestAlert => ({
      labels: { alertname, service: 'orders', pod: `orders-${i}` },
    });
    const [id] = await send(alertmanagerBody({ groupKey, alerts: [label('OOMKilled', 1)] }));
    const pending = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*) AS n FROM jobs WHERE kind = 'analyze-incident' AND payload->>'incidentId' = $1 AND status = 'pending'",
          [String(id)],
        )
      ).rows[0]?.n;
    expect(await pending()).toBe(1);
    // The job is taken by a worker; more OOMKilled pods do not ask for a new analysis…
    await db.query("UPDATE jobs SET status = 'done' WHERE payload->>'incidentId' = $1", [String(id)]);
    await send(alertmanagerBody({ groupKey, alerts: [label('OOMKilled', 2), label('OOMKilled', 3)] }));
    expect(await pending()).toBe(0);
    // …a new kind of alert does.
    await send(alertmanagerBody({ groupKey, alerts: [label('HighErrorRate', 1)] }));
    expect(await pending()).toBe(1);
  });

  it('serializes concurrent deliveries for one new group into one incident', async () => {
    const groupKey = '{}:{alertname="Storm"}';
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        send(
          alertmanagerBody({
            groupKey,
            alerts: [{ labels: { alertname: 'Storm', service: 'edge', pod: `p${i}` } }],
          }),
        ),
      ),
    );
    expect(new Set(answers.flat()).size).toBe(1);
    expect(await incident(answers[0]?.[0])).toMatchObject({ alert_count: 12, firing_count: 12 });
  });
});
