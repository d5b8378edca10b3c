/**
 * Group correlation (src/ingest/batch.ts): deliveries that arrive while others are being written share one
 * transaction. What they leave behind must be what they would have left one at a time, a bad delivery must
 * fail alone, and two batchers (two replicas) racing over the same keys must neither deadlock nor split an
 * incident.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { DatabaseUnavailableError, ValidationError } from '../../src/errors.ts';
import { createIngestBatcher } from '../../src/ingest/batch.ts';
import { type IngestRequest, ingestDelivery } from '../../src/ingest/ingest.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, readFixture } from '../support/payloads.ts';

const NOW = new Date('2026-03-01T10:00:00Z');

const am = (groupKey: string, alerts: [string, string, string?][]): IngestRequest => ({
  source: 'alertmanager',
  rawBody: JSON.stringify(
    alertmanagerBody({
      groupKey,
      alerts: alerts.map(([alertname, fingerprint, status]) => ({
        labels: { alertname, service: 'ledger', fingerprint_hint: fingerprint },
        fingerprint,
        status: (status ?? 'firing') as 'firing' | 'resolved',
      })),
    }),
  ),
});

const pd = (fixture: string, webhookId?: string): IngestRequest => ({
  source: 'pagerduty',
  rawBody: readFixture(fixture),
  ...(webhookId ? { webhookId } : {}),
});

/** A mixed stream: new groups, the same group again (resolving some), PagerDuty and its retry, an empty group. */
function stream(): IngestRequest[] {
  return [
    am('g1', [
      ['Down', 'a1'],
      ['Down', 'a2'],
    ]),
    am('g2', [['Latency', 'b1']]),
    pd('pd-v3-incident.triggered-zulip.json', 'wh-1'),
    am('g1', [
      ['Down', 'a1', 'resolved'],
      ['Errors', 'a3'],
    ]),
    pd('pd-v3-incident.triggered-zulip.json', 'wh-1'),
    pd('pd-v3-incident.acknowledged-zulip.json', 'wh-2'),
    am('g3', []),
    { source: 'alertmanager', rawBody: readFixture('am-firing-3alerts-alertmonitor.json') },
    am('g2', [['Latency', 'b1']]),
    { source: 'alertmanager', rawBody: readFixture('am-resolved-3alerts-alertmonitor.json') },
    am('g1', [
      ['Down', 'a2', 'resolved'],
      ['Errors', 'a3', 'resolved'],
    ]),
    pd('pd-v3-incident.resolved-zulip.json', 'wh-3'),
  ];
}

/** Rows grouped by incident, each incident's in their own order (across incidents, id order may differ). */
const byIncident = <T extends { incident_id: string }>(rows: T[]) =>
  [...rows].sort((a, b) => a.incident_id.localeCompare(b.incident_id));

/** What the database holds, with ids replaced by what they name (ids differ between two runs). */
async function snapshot(db: Db) {
  const keyOf = new Map<number, string>();
  const incidents = await db.query<Record<string, unknown> & { id: number; correlation_key: string }>(
    `SELECT id, correlation_key, status, severity, alert_count, firing_count, critical_alert_count, high_alert_count,
       warning_alert_count, info_alert_count, reopen_count, acknowledged_at, resolved_at FROM incidents ORDER BY id`,
  );
  for (const row of incidents.rows) keyOf.set(row.id, row.correlation_key);
  const named = (id: number) => keyOf.get(id) ?? `?${id}`;
  const alerts = await db.query<{
    incident_id: number;
    fingerprint: string;
    status: string;
    delivery_count: number;
  }>('SELECT incident_id, fingerprint, status, delivery_count FROM alerts ORDER BY id');
  const events = await db.query<{ incident_id: number; kind: string; actor: string; detail: unknown }>(
    'SELECT incident_id, kind, actor, detail FROM incident_events ORDER BY id',
  );
  const jobs = await db.query<{ kind: string; payload: { incidentId: number }; run_at: Date }>(
    'SELECT kind, payload, run_at FROM jobs ORDER BY id',
  );
  const deliveries = await db.query<{
    source: string;
    outcome: string;
    note: string | null;
    incident_ids: number[];
  }>('SELECT source, outcome, note, incident_ids FROM webhook_deliveries ORDER BY id');
  const names = await db.query<{ incident_id: number; alertname: string }>(
    'SELECT incident_id, alertname FROM incident_alertnames ORDER BY incident_id, alertname',
  );
  const search = await db.query<{ incident_id: number; document: string }>(
    'SELECT incident_id, document::text AS document FROM incident_search ORDER BY incident_id',
  );
  return {
    incidents: incidents.rows.map(({ id: _id, ...row }) => row),
    alerts: byIncident(alerts.rows.map((row) => ({ ...row, incident_id: named(row.incident_id) }))),
    events: byIncident(events.rows.map((row) => ({ ...row, incident_id: named(row.incident_id) }))),
    jobs: byIncident(
      jobs.rows.map((row) => ({
        kind: row.kind,
        incident_id: named(row.payload.incidentId),
        runAt: row.run_at,
      })),
    ),
    deliveries: deliveries.rows.map((row) => ({ ...row, incident_ids: row.incident_ids.map(named) })),
    alertnames: names.rows.map((row) => ({ ...row, incident_id: named(row.incident_id) })),
    search: search.rows.map((row) => ({ ...row, incident_id: named(row.incident_id) })),
  };
}

describe.each(testDatabases())('deliveries batched into one transaction on $name', (database) => {
  let dbs: { db: Db; dispose(): Promise<void> }[] = [];
  const fresh = async () => {
    const created = await database.create();
    dbs.push(created);
    return created.db;
  };
  const depsOf = (db: Db) => ({ db, config: configFrom({}), clock: new ManualClock(NOW) });
  beforeEach(() => {
    dbs = [];
  });
  afterEach(async () => {
    for (const { dispose } of dbs) await dispose();
  });

  it('leave what the same deliveries leave one at a time, and answer the same', async () => {
    const alone = await fresh();
    const expected = [];
    for (const request of stream()) expected.push(await ingestDelivery(depsOf(alone), request));

    const batched = await fresh();
    // One slot: the first delivery starts alone, the other eleven wait and go together.
    const batcher = createIngestBatcher(depsOf(batched), { slots: 1, maxBatch: 32 });
    const answers = await Promise.all(stream().map((request) => batcher.ingest(request)));
    expect(batcher.stats).toEqual({ batches: 2, deliveries: 12 });

    expect(await snapshot(batched)).toEqual(await snapshot(alone));
    const keysOf = async (db: Db, ids: number[]) =>
      (
        await db.query<{ id: number; correlation_key: string }>('SELECT id, correlation_key FROM incidents')
      ).rows
        .filter((row) => ids.includes(row.id))
        .map((row) => row.correlation_key);
    for (const [index, answer] of answers.entries()) {
      const want = expected[index] as (typeof expected)[number];
      expect({ ...answer, deliveryId: 0, incidentIds: [], openedIncidentIds: [] }).toEqual({
        ...want,
        deliveryId: 0,
        incidentIds: [],
        openedIncidentIds: [],
      });
      expect(await keysOf(batched, answer.incidentIds)).toEqual(await keysOf(alone, want.incidentIds));
      expect(answer.openedIncidentIds.length).toBe(want.openedIncidentIds.length);
    }
    // The retry of a delivery in the same batch is a duplicate carrying its original's incident.
    expect(answers[4]).toMatchObject({ duplicate: true, incidentIds: answers[2]?.incidentIds });
    expect(answers[4]?.incidentIds).toHaveLength(1);
  });

  it('fail only the delivery that fails, and keep it as failed', async () => {
    const db = await fresh();
    // A fault in the database for one alert name: its delivery cannot be processed, whatever batch it is in.
    await db.exec(`
      CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.alertname = 'Poison' THEN RAISE EXCEPTION 'poisoned alert %', NEW.fingerprint; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER poison BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION poison();`);
    const batcher = createIngestBatcher(depsOf(db), { slots: 1, maxBatch: 32 });
    const requests = [
      am('first', [['Down', 'f1']]),
      am('good-1', [['Down', 'x1']]),
      am('bad', [['Poison', 'p1']]),
      am('good-2', [['Down', 'y1']]),
    ];
    const settled = await Promise.allSettled(requests.map((request) => batcher.ingest(request)));
    expect(settled.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/poisoned alert p1/);
    const rows = await db.query<{ outcome: string; note: string | null; raw_body: string }>(
      'SELECT outcome, note, raw_body FROM webhook_deliveries ORDER BY id',
    );
    // The batch that failed left nothing: one row per delivery, the bad one kept with its body for replay.
    expect(rows.rows.map((row) => row.outcome).sort()).toEqual([
      'failed',
      'processed',
      'processed',
      'processed',
    ]);
    const failed = rows.rows.find((row) => row.outcome === 'failed');
    expect(failed?.raw_body).toBe(requests[2]?.rawBody);
    expect(failed?.note).toMatch(/poisoned alert p1/);
    const incidents = await db.query<{ correlation_key: string }>('SELECT correlation_key FROM incidents');
    expect(incidents.rows).toHaveLength(3);
  });

  it('refuse a bad body at once, before it waits for anything', async () => {
    const db = await fresh();
    const batcher = createIngestBatcher(depsOf(db), { slots: 1, maxBatch: 32 });
    await expect(batcher.ingest({ source: 'alertmanager', rawBody: '{"alerts": 3}' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(batcher.stats.deliveries).toBe(0);
    expect((await db.query('SELECT 1 FROM webhook_deliveries')).rows).toHaveLength(0);
  });

  // Another connection must hold a lock: PGlite has one connection.
  it.skipIf(database.name !== 'postgres')(
    'refuse deliveries that wait for a slot longer than the bound, as the database being unavailable',
    async () => {
      const db = await fresh();
      // Another session holds the lock of one key: the batch on that key hangs until it lets go.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['am:stuck']);
        locked();
        await held;
      });
      await isLocked;
      const batcher = createIngestBatcher(depsOf(db), { slots: 1, maxBatch: 32, maxWaitMs: 300 });
      const stuck = batcher.ingest(am('stuck', [['Down', 's1']]));
      const waiting = batcher.ingest(am('other', [['Down', 'o1']]));
      await expect(waiting).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(waiting).rejects.toThrow(/no ingest slot free within 300 ms/);
      release();
      await holder;
      await expect(stuck).resolves.toMatchObject({ duplicate: false });
      expect(batcher.stats).toEqual({ batches: 1, deliveries: 1 });
      // The refused delivery left nothing (the sender retries it); the one that waited out the lock is stored.
      const stored = await db.query<{ raw_body: string }>('SELECT raw_body FROM webhook_deliveries');
      expect(stored.rows.map((row) => row.raw_body.includes('"s1"'))).toEqual([true]);
    },
  );

  it('from two replicas racing over the same keys: no deadlock, one incident per key', async () => {
    const db = await fresh();
    const replicas = [0, 1].map(() => createIngestBatcher(depsOf(db), { slots: 3, maxBatch: 8 }));
    const keys = Array.from({ length: 6 }, (_, i) => `race-${i}`);
    const deliveries = replicas.flatMap((replica, r) =>
      Array.from({ length: 30 }, (_, i) => {
        // The two replicas walk the keys in opposite orders, each delivery touching one key.
        const key = keys[r === 0 ? i % keys.length : keys.length - 1 - (i % keys.length)] as string;
        return replica.ingest(am(key, [['Down', `${key}-${i % 4}`]]));
      }),
    );
    const answers = await Promise.all(deliveries);
    expect(answers.every((answer) => answer.incidentIds.length === 1)).toBe(true);
    const incidents = await db.query<{ correlation_key: string; alert_count: number }>(
      'SELECT correlation_key, alert_count FROM incidents ORDER BY correlation_key',
    );
    expect(incidents.rows.map((row) => row.correlation_key)).toEqual(keys.map((key) => `am:${key}`));
    expect(incidents.rows.every((row) => row.alert_count === 4)).toBe(true);
    expect(replicas.some((replica) => replica.stats.batches < replica.stats.deliveries)).toBe(true);
  });
});
