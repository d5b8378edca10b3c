/**
 * The incident's counts (alerts, firing, per severity) and its alert names are kept by deltas in each
 * delivery's transaction (migrations/030, src/ingest/correlate.ts), never by recounting its alerts: after
 * every kind of delivery they must equal a recount.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post, type TestAlert } from '../support/payloads.ts';

const MINUTE = 60_000;

interface Kept {
  severity: string;
  status: string;
  alert_count: number;
  firing_count: number;
  critical_alert_count: number;
  high_alert_count: number;
  warning_alert_count: number;
  info_alert_count: number;
}

const RANK: Record<string, number> = { critical: 4, high: 3, warning: 2, info: 1 };

/** What the incident's row must say, counted from its alerts. */
async function recount(db: Db, id: number) {
  const alerts = await db.query<{ status: string; severity: string; alertname: string }>(
    'SELECT status, severity, alertname FROM alerts WHERE incident_id = $1',
    [id],
  );
  const bySeverity = (severity: string) => alerts.rows.filter((row) => row.severity === severity).length;
  const highest = alerts.rows.reduce(
    (best, row) => ((RANK[row.severity] ?? 0) > (RANK[best] ?? 0) ? row.severity : best),
    'info',
  );
  return {
    counts: {
      severity: highest,
      alert_count: alerts.rows.length,
      firing_count: alerts.rows.filter((row) => row.status === 'firing').length,
      critical_alert_count: bySeverity('critical'),
      high_alert_count: bySeverity('high'),
      warning_alert_count: bySeverity('warning'),
      info_alert_count: bySeverity('info'),
    },
    alertnames: [...new Set(alerts.rows.map((row) => row.alertname))].sort(),
  };
}

async function kept(db: Db, id: number) {
  const row = (
    await db.query<Kept>(
      `SELECT severity, status, alert_count, firing_count, critical_alert_count, high_alert_count,
         warning_alert_count, info_alert_count FROM incidents WHERE id = $1`,
      [id],
    )
  ).rows[0] as Kept;
  const names = await db.query<{ alertname: string }>(
    'SELECT alertname FROM incident_alertnames WHERE incident_id = $1 ORDER BY alertname',
    [id],
  );
  const { status, ...counts } = row;
  return { status, counts, alertnames: names.rows.map((name) => name.alertname) };
}

async function expectCountsRight(db: Db, id: number) {
  const { counts, alertnames } = await kept(db, id);
  expect({ counts, alertnames }).toEqual(await recount(db, id));
}

describe.each(testDatabases())('incident counts kept by deltas on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, { yaml: 'correlation:\n  windowMinutes: 30\n' });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const send = async (body: Record<string, unknown>) => {
    const response = await post(`${app.url}/webhooks/alertmanager`, body);
    expect(response.status).toBe(202);
    return (response.json.incidentIds as number[])[0] as number;
  };
  const alert = (
    alertname: string,
    pod: string,
    severity: string,
    status: 'firing' | 'resolved' = 'firing',
  ): TestAlert => ({
    labels: { alertname, service: 'ledger', severity, pod },
    fingerprint: `${alertname}-${pod}`,
    status,
  });

  it('after inserts, redeliveries, resolves, re-fires and a severity change', async () => {
    const groupKey = '{}:{service="ledger",case="sequence"}';
    const body = (alerts: TestAlert[]) => alertmanagerBody({ groupKey, alerts });
    const id = await send(body([alert('DiskFull', 'a', 'warning'), alert('DiskFull', 'b', 'warning')]));
    await expectCountsRight(db, id);
    expect((await kept(db, id)).counts).toMatchObject({
      alert_count: 2,
      firing_count: 2,
      severity: 'warning',
    });

    // The same delivery again (Alertmanager's retry): nothing counted twice.
    await send(body([alert('DiskFull', 'a', 'warning'), alert('DiskFull', 'b', 'warning')]));
    await expectCountsRight(db, id);
    expect((await kept(db, id)).counts).toMatchObject({ alert_count: 2, warning_alert_count: 2 });

    // A critical alert of a new kind joins; one delivery carries the same fingerprint twice.
    await send(body([alert('LedgerDown', 'c', 'critical'), alert('LedgerDown', 'c', 'critical')]));
    await expectCountsRight(db, id);
    expect((await kept(db, id)).counts).toMatchObject({ alert_count: 3, severity: 'critical' });

    // The critical alert is redelivered as a warning: the incident is no longer critical.
    await send(body([alert('LedgerDown', 'c', 'warning')]));
    await expectCountsRight(db, id);
    expect((await kept(db, id)).counts).toMatchObject({ severity: 'warning', critical_alert_count: 0 });

    // Resolves, a resolve redelivered, a re-fire.
    await send(body([alert('DiskFull', 'a', 'warning', 'resolved')]));
    await send(body([alert('DiskFull', 'a', 'warning', 'resolved')]));
    await expectCountsRight(db, id);
    expect((await kept(db, id)).counts).toMatchObject({ firing_count: 2 });
    await send(
      body([alert('DiskFull', 'b', 'warning', 'resolved'), alert('LedgerDown', 'c', 'info', 'resolved')]),
    );
    await expectCountsRight(db, id);
    expect(await kept(db, id)).toMatchObject({ status: 'resolved', counts: { firing_count: 0 } });
    app.clock.advance(5 * MINUTE);
    expect(await send(body([alert('DiskFull', 'a', 'high')]))).toBe(id);
    await expectCountsRight(db, id);
    expect(await kept(db, id)).toMatchObject({
      status: 'triggered',
      counts: { firing_count: 1, alert_count: 3, severity: 'high' },
    });
  });

  it('under concurrent deliveries into one incident, with overlapping alerts', async () => {
    const groupKey = '{}:{service="ledger",case="concurrent"}';
    const id = await send(alertmanagerBody({ groupKey, alerts: [alert('Seed', 'seed', 'info')] }));
    const severities = ['critical', 'high', 'warning', 'info'];
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        send(
          alertmanagerBody({
            groupKey,
            // Each delivery: two alerts of its own and one shared with its neighbours, firing or resolved.
            alerts: [
              alert(`Kind${i % 3}`, `own-${i}-1`, severities[i % 4] as string),
              alert(`Kind${i % 3}`, `own-${i}-2`, 'warning', i % 2 === 0 ? 'resolved' : 'firing'),
              alert(
                'Shared',
                `shared-${i % 5}`,
                severities[(i + 1) % 4] as string,
                i % 3 === 0 ? 'resolved' : 'firing',
              ),
            ],
          }),
        ),
      ),
    );
    await expectCountsRight(db, id);
    expect((await kept(db, id)).counts.alert_count).toBe(1 + 24 * 2 + 5);
    expect((await kept(db, id)).alertnames).toEqual(['Kind0', 'Kind1', 'Kind2', 'Seed', 'Shared']);
  });
});

describe.each(testDatabases())('migration 030 on $name', (database) => {
  it('backfills the counts and alert names of existing incidents', async () => {
    const { db, dispose } = await database.create({ migrate: false });
    try {
      await migrate(
        db,
        readMigrations().filter((migration) => migration.version < 30),
      );
      const incident = await db.query<{ id: number }>(
        `INSERT INTO incidents (source, correlation_key, title, service, severity, status, channel, opened_at, last_event_at,
           alert_count, firing_count)
         VALUES ('alertmanager', 'k', 't', 'svc', 'info', 'triggered', '#c', now(), now(), 0, 0) RETURNING id`,
      );
      const id = incident.rows[0]?.id as number;
      const rows: [string, string, string][] = [
        ['a', 'firing', 'critical'],
        ['b', 'resolved', 'warning'],
        ['c', 'firing', 'warning'],
        ['d', 'firing', 'info'],
      ];
      for (const [fingerprint, status, severity] of rows) {
        await db.query(
          `INSERT INTO alerts (incident_id, fingerprint, source, status, alertname, service, severity, summary, labels,
             annotations, starts_at, first_seen, last_seen)
           VALUES ($1, $2, 'alertmanager', $3, $4, 'svc', $5, 's', '{}', '{}', now(), now(), now())`,
          [id, fingerprint, status, fingerprint === 'a' ? 'Down' : 'Slow', severity],
        );
      }
      expect(await migrate(db)).toContain('030_incident_alert_counts');
      expect(await kept(db, id)).toMatchObject({
        counts: {
          alert_count: 4,
          firing_count: 3,
          critical_alert_count: 1,
          high_alert_count: 0,
          warning_alert_count: 2,
          info_alert_count: 1,
        },
        alertnames: ['Down', 'Slow'],
      });
    } finally {
      await dispose();
    }
  });
});
