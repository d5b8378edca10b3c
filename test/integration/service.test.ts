/**
 * The derived service end to end: stored with the labels that decided it on the alert and the incident,
 * routed by it, returned by GET /api/incidents/:id — and an incident opened under the old service key
 * keeps absorbing its storm after the upgrade (issue 10, item 8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post, type TestAlert } from '../support/payloads.ts';

const crashLooping = (pod: string, container = 'api'): TestAlert => ({
  labels: {
    alertname: 'KubePodCrashLooping',
    severity: 'warning',
    namespace: 'shop',
    pod,
    container,
    reason: 'CrashLoopBackOff',
    job: 'kube-state-metrics',
    service: 'kube-state-metrics',
    endpoint: 'http',
    instance: '10.2.0.14:8080',
  },
});

describe.each(testDatabases())('the affected service on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, {
      yaml: [
        'services:',
        '  - name: api',
        '    channel: "#api-oncall"',
        '  - name: checkout',
        '    channel: "#checkout"',
        '    match: { namespace: shop, container: checkout }',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const send = async (target: TestApp, body: Record<string, unknown>) => {
    const response = await post(`${target.url}/webhooks/alertmanager`, body);
    expect(response.status).toBe(202);
    return response.json.incidentIds as number[];
  };

  it('files KubePodCrashLooping under the Deployment, routes it there and shows why', async () => {
    const [id] = await send(
      app,
      alertmanagerBody({
        groupKey: '{}:{alertname="KubePodCrashLooping",namespace="shop"}',
        alerts: [crashLooping('api-7d9f8b6c5d-x2k4q'), crashLooping('api-7d9f8b6c5d-m5n6p')],
      }),
    );
    const response = await fetch(`${app.url}/api/incidents/${id}`);
    expect(response.status).toBe(200);
    const incident = (await response.json()) as {
      service: string;
      channel: string;
      serviceSource: unknown;
      alerts: { service: string; serviceSource: unknown }[];
    };
    expect(incident.service).toBe('api');
    expect(incident.channel).toBe('#api-oncall');
    expect(incident.serviceSource).toEqual({
      rule: 'pod',
      labels: { pod: 'api-7d9f8b6c5d-x2k4q', container: 'api' },
    });
    expect(incident.alerts.map((alert) => [alert.service, alert.serviceSource])).toEqual([
      ['api', { rule: 'pod', labels: { pod: 'api-7d9f8b6c5d-x2k4q', container: 'api' } }],
      ['api', { rule: 'pod', labels: { pod: 'api-7d9f8b6c5d-m5n6p', container: 'api' } }],
    ]);
  });

  it('lets services[].match name the service first', async () => {
    const [id] = await send(
      app,
      alertmanagerBody({ groupKey: 'checkout-group', alerts: [crashLooping('web-0', 'checkout')] }),
    );
    const row = (
      await db.query<{ service: string; channel: string; service_source: unknown }>(
        'SELECT service, channel, service_source FROM incidents WHERE id = $1',
        [id],
      )
    ).rows[0];
    expect(row).toEqual({
      service: 'checkout',
      channel: '#checkout',
      service_source: {
        rule: 'match',
        labels: { namespace: 'shop', container: 'checkout' },
        entry: 'checkout',
      },
    });
  });

  it('stores a service derived from a label with a NUL byte (jsonb and text refuse U+0000)', async () => {
    const [id] = await send(
      app,
      alertmanagerBody({
        groupKey: 'nul-group',
        alerts: [crashLooping('evil\u0000pod-7d9f8b6c5d-x2k4q', 'x')],
      }),
    );
    const row = (
      await db.query<{ service: string; service_source: { labels: Record<string, string> } }>(
        'SELECT service, service_source FROM incidents WHERE id = $1',
        [id],
      )
    ).rows[0];
    expect(row?.service).toBe('evil\ufffdpod');
    expect(row?.service_source.labels.pod).toBe('evil\ufffdpod-7d9f8b6c5d-x2k4q');
  });

  it('does not split an incident opened under the old service key (no groupKey) mid-storm', async () => {
    // A replica still naming the service by the `service` label (what the old default did) opens the incident…
    const before = await startTestApp(db, {
      yaml: 'ingest:\n  serviceLabels: [service]\n',
      clock: app.clock,
    });
    try {
      const [opened] = await send(
        before,
        alertmanagerBody({ alerts: [crashLooping('orders-5f6d7c8b9-qwxzt')] }),
      );
      const key = await db.query<{ correlation_key: string; service: string }>(
        'SELECT correlation_key, service FROM incidents WHERE id = $1',
        [opened],
      );
      expect(key.rows[0]).toEqual({
        correlation_key: 'svc:kube-state-metrics:KubePodCrashLooping',
        service: 'kube-state-metrics',
      });
      // …and after the upgrade the rest of the storm, now derived as `orders`, joins it.
      const [joined] = await send(
        app,
        alertmanagerBody({ alerts: [crashLooping('orders-5f6d7c8b9-zzxv2')] }),
      );
      expect(joined).toBe(opened);
      const alerts = await db.query<{ service: string }>(
        'SELECT service FROM alerts WHERE incident_id = $1 ORDER BY id',
        [opened],
      );
      // The incident keeps the service it opened with; each alert has its own.
      expect(alerts.rows.map((row) => row.service)).toEqual(['kube-state-metrics', 'orders']);
    } finally {
      await before.close();
    }
  });
});
