/**
 * Incident memory end to end on real databases: causes engineers confirmed on past incidents make a new
 * incident of the same kind say "in N of M similar past incidents the cause was X" and rank X first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../src/analysis/analyze.ts';
import { getIncident } from '../../src/db/incidents.ts';
import type { Db } from '../../src/db/index.ts';
import { confirmCause } from '../../src/incidents/confirm-cause.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { renderAnalysis } from '../../src/slack/render/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';

const HOUR = 3_600_000;
const CONFIRMED = 'Connection pool of orders-api exhausted by a slow query';

describe.each(testDatabases())('incident memory on $name', (database) => {
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

  async function incident(flow: string, status: 'firing' | 'resolved' = 'firing'): Promise<number> {
    const body = alertmanagerBody({
      groupKey: `{}:{alertname="PostgresqlTooManyConnections", flow="${flow}"}`,
      alerts: [
        {
          status,
          fingerprint: `fp-${flow}`,
          labels: {
            alertname: 'PostgresqlTooManyConnections',
            service: 'orders-db',
            instance: 'orders-db-0:9187',
            severity: 'warning',
          },
          annotations: {
            summary: 'Postgresql too many connections (instance orders-db-0:9187)',
            description: 'PostgreSQL instance has too many connections (> 80%).',
          },
        },
      ],
    });
    const result = await ingestDelivery(app.app.deps, {
      source: 'alertmanager',
      rawBody: JSON.stringify(body),
    });
    return result.incidentIds[0] as number;
  }

  it('ranks a cause confirmed on two similar incidents first and says so', async () => {
    const first = await incident('past-1');
    const before = await analyzeIncident(app.app.deps, first);
    expect(before.analysis.history).toBeNull();
    expect(before.analysis.rootCauses[0]?.title).not.toBe(CONFIRMED);

    await confirmCause(db, {
      incidentId: first,
      title: CONFIRMED,
      category: 'resource-exhaustion',
      actor: '<@U1>',
      now: app.clock.now(),
    });
    await incident('past-1', 'resolved');
    app.clock.advance(5 * HOUR);
    const second = await incident('past-2');
    await confirmCause(db, {
      incidentId: second,
      title: CONFIRMED,
      category: 'resource-exhaustion',
      actor: '<@U2>',
      now: app.clock.now(),
    });
    await incident('past-2', 'resolved');
    app.clock.advance(5 * HOUR);
    // An unrelated incident in between must not count as similar.
    const unrelated = await ingestDelivery(app.app.deps, {
      source: 'alertmanager',
      rawBody: JSON.stringify(
        alertmanagerBody({
          groupKey: '{}:{alertname="KubeJobFailed"}',
          alerts: [{ labels: { alertname: 'KubeJobFailed', service: 'billing', namespace: 'batch' } }],
        }),
      ),
    });
    await confirmCause(db, {
      incidentId: unrelated.incidentIds[0] as number,
      title: 'Expired credentials',
      category: 'configuration',
      actor: '<@U3>',
      now: app.clock.now(),
    });

    app.clock.advance(5 * HOUR);
    const now = await incident('now');
    const stored = await analyzeIncident(app.app.deps, now);
    expect(stored.analysis.rootCauses[0]?.title).toBe(CONFIRMED);
    expect(stored.analysis.rootCauses[0]?.evidence.join(' ')).toMatch(
      /confirmed in 2 of \d+ similar incidents/,
    );
    expect(stored.analysis.history).toMatchObject({ confirmed: 2, cause: CONFIRMED });
    expect(stored.analysis.rootCauses.map((cause) => cause.title)).not.toContain('Expired credentials');

    const detail = await getIncident(db, now);
    if (!detail) throw new Error('incident vanished');
    const thread = JSON.stringify(renderAnalysis(detail, stored.analysis));
    expect(thread).toMatch(/In 2 of \d+ similar past incidents the cause was/);
  });

  it('writes an incident search document when it opens or a new kind of alert joins, never on a redelivery', async () => {
    const id = await incident('search-doc');
    const documentOf = async () =>
      (
        await db.query<{ document: string; version: string }>(
          'SELECT document::text AS document, xmin::text AS version FROM incident_search WHERE incident_id = $1',
          [id],
        )
      ).rows[0];
    const first = await documentOf();
    expect(first?.document).toContain("'postgresql'");
    expect(first?.document).toContain("'connect'");

    await incident('search-doc'); // Alertmanager re-sends the group: same alerts
    expect(await documentOf()).toEqual(first);

    const body = alertmanagerBody({
      groupKey: '{}:{alertname="PostgresqlTooManyConnections", flow="search-doc"}',
      alerts: [
        { labels: { alertname: 'PgBouncerPoolSaturated', service: 'orders-db', severity: 'warning' } },
      ],
    });
    await ingestDelivery(app.app.deps, { source: 'alertmanager', rawBody: JSON.stringify(body) });
    const after = await documentOf();
    expect(after?.version).not.toBe(first?.version);
    expect(after?.document).toContain("'bouncer'");
  });
});
