/**
 * What the database and the API hold as incidents grow (`npm run bench:storage`):
 * 1. the size of `GET /api/incidents/:id` for an incident of 3,400 alerts — the first page as served now,
 *    and the same answer with every alert in it, as it was before the alerts were paged;
 * 2. the database size before and after a retention run, and after as much traffic again: on the local
 *    PostgreSQL server and on the embedded PGlite (persisted in a temporary folder, as `npm start` runs it).
 * Ingest runs in-process with a manual clock (deliveries spread over 60 days), so only storage is measured.
 * BENCH_QUICK=1 runs a tenth of the traffic (2,000 deliveries instead of 20,000; BENCH_DELIVERIES=N sets it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { databaseSizeBytes, pruneRetention } from '../../src/jobs/scheduled.ts';
import { startTestApp } from '../support/app.ts';
import { log, openBenchDatabase, report, runBench, type TargetResult } from './common.ts';
import { StormGenerator, TrafficGenerator } from './payloads.ts';
import { summarize } from './stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const DAY = 24 * 60 * 60_000;
const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const KB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function ingestAll(db: Db, clock: ManualClock, bodies: () => string, count: number, stepMs: number) {
  const config = configFrom({});
  for (let index = 0; index < count; index += 1) {
    await ingestDelivery({ db, config, clock }, { source: 'alertmanager', rawBody: bodies() });
    clock.advance(stepMs);
  }
}

/** 1. The detail of a 3,400-alert incident, paged and whole. */
async function detailSizes(db: Db) {
  const clock = new ManualClock('2026-11-01T00:00:00Z');
  const storm = new StormGenerator({ seed: 13, services: 1, alertsPerGroup: 10, tag: 'detail' });
  await ingestAll(db, clock, () => storm.next(), 340, 1000);
  const app = await startTestApp(db, { clock });
  try {
    const id = Number((await db.query<{ id: number }>('SELECT max(id) AS id FROM incidents')).rows[0]?.id);
    const fetchText = async (query: string) => {
      const started = performance.now();
      const text = await (await fetch(`${app.url}/api/incidents/${id}${query}`)).text();
      return { text, ms: performance.now() - started };
    };
    const first = await fetchText('');
    const paged = JSON.parse(first.text) as Record<string, unknown> & { alertCounts: { total: number } };
    // Every alert, through the cursor, as a client that needs them all reads them now.
    const alerts: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = JSON.parse((await fetchText(`?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).text);
      alerts.push(...page.alerts);
      cursor = page.alertPage.nextCursor;
      pages += 1;
    } while (cursor);
    // The answer before paging: the same fields, with every alert and without the page fields.
    const { alertCounts: _counts, alertPage: _page, ...rest } = paged;
    const whole = Buffer.byteLength(JSON.stringify({ ...rest, alerts }));
    const firstTimes: number[] = [];
    for (let round = 0; round < 20; round += 1) firstTimes.push((await fetchText('')).ms);
    const part = (key: string) => Buffer.byteLength(JSON.stringify(paged[key] ?? null));
    return {
      alerts: paged.alertCounts.total,
      beforeBytes: whole,
      afterBytes: Buffer.byteLength(first.text),
      afterParts: { alerts: part('alerts'), timeline: part('timeline'), analyses: part('analyses') },
      pagesOf1000: pages,
      firstPageMs: summarize(firstTimes),
    };
  } finally {
    await app.close();
  }
}

/** 2. Size before and after retention, then after as much traffic again. */
async function retentionSizes(db: Db, deliveries: number) {
  const clock = new ManualClock('2026-09-01T00:00:00Z');
  const traffic = new TrafficGenerator({
    seed: 5,
    alertsPerGroup: 10,
    redeliveryShare: 0.6,
    resolveShare: 0.2,
    tag: 'retention',
  });
  const step = (60 * DAY) / deliveries;
  const deliveriesBytes = async () =>
    Number(
      (await db.query<{ size: number }>("SELECT pg_total_relation_size('webhook_deliveries') AS size"))
        .rows[0]?.size,
    );
  const start = await databaseSizeBytes(db);
  await ingestAll(db, clock, () => traffic.next(), deliveries, step);
  // Incidents older than a week are resolved by now; the rest stay open.
  await db.query(`UPDATE incidents SET status = 'resolved', resolved_at = $1 WHERE last_event_at < $1`, [
    new Date(clock.now().getTime() - 7 * DAY),
  ]);
  const rows = async () =>
    Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM webhook_deliveries')).rows[0]?.n);
  const beforeRows = await rows();
  const tables = (
    await db.query<{ name: string; size: number }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS size FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC LIMIT 6`,
    )
  ).rows.map((row) => ({ name: row.name, bytes: Number(row.size) }));
  const tableBefore = await deliveriesBytes();
  const started = performance.now();
  const run = await pruneRetention(db, clock.now(), { deliveriesDays: 30, failedDeliveriesDays: 90 });
  const runMs = performance.now() - started;
  const afterRows = await rows();
  const tableAfter = await deliveriesBytes();
  // Another 30 days of the same traffic: with the space reused, the file grows little.
  await ingestAll(db, clock, () => traffic.next(), Math.floor(deliveries / 2), step);
  const again = await databaseSizeBytes(db);
  const tableAgain = await deliveriesBytes();
  return {
    deliveries,
    emptyBytes: start,
    beforeBytes: run.databaseBytes.before,
    afterBytes: run.databaseBytes.after,
    afterMoreTrafficBytes: again,
    rows: { before: beforeRows, after: afterRows },
    largestTablesBefore: tables,
    deliveriesTableBytes: { before: tableBefore, after: tableAfter, afterMoreTraffic: tableAgain },
    run: { ...run, ms: Math.round(runMs) },
  };
}

async function main(): Promise<number> {
  log(
    `load: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')} (1, 5, 15 min), ${os.cpus().length} cores`,
  );
  const deliveries = Number(process.env.BENCH_DELIVERIES ?? (QUICK ? 2_000 : 20_000));
  const server = await openBenchDatabase();
  const results: TargetResult[] = [];
  const figures: Record<string, unknown> = {};
  try {
    log(`\n== incident detail on ${server.label}`);
    const detail = await detailSizes(server.db);
    log(
      `first page: alerts ${KB(detail.afterParts.alerts)}, timeline ${KB(detail.afterParts.timeline)}, analyses ${KB(detail.afterParts.analyses)}`,
    );
    log(
      `${detail.alerts} alerts: before ${MB(detail.beforeBytes)} (every alert), after ${KB(detail.afterBytes)} (first page of 100); every alert takes ${detail.pagesOf1000} pages of 1,000; first page p50 ${detail.firstPageMs.p50.toFixed(1)} ms`,
    );
    figures.detail = detail;
    results.push({
      target: 'GET /api/incidents/:id of 3,400 alerts: < 10 % of the unpaged answer',
      measured: `${KB(detail.afterBytes)} (was ${MB(detail.beforeBytes)})`,
      pass: detail.afterBytes < detail.beforeBytes / 10,
    });
  } finally {
    await server.dispose();
  }
  const second = await openBenchDatabase();
  try {
    log(`\n== retention on ${second.label}, ${deliveries} deliveries of 10 alerts over 60 days`);
    const pgSizes = await retentionSizes(second.db, deliveries);
    logSizes(pgSizes);
    figures.postgres = pgSizes;
    results.push(sizeTarget('PostgreSQL', pgSizes));
  } finally {
    await second.dispose();
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiops-bench-storage-'));
  try {
    const pglite = await createPgliteDb(path.join(dir, 'pgdata'));
    try {
      await migrate(pglite);
      log(`\n== retention on PGlite (persisted), ${deliveries} deliveries of 10 alerts over 60 days`);
      const sizes = await retentionSizes(pglite, deliveries);
      logSizes(sizes);
      figures.pglite = sizes;
      results.push(sizeTarget('PGlite', sizes));
    } finally {
      await pglite.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return report('storage', results, figures);
}

type Sizes = Awaited<ReturnType<typeof retentionSizes>>;

function logSizes(sizes: Sizes) {
  log(
    `database: empty ${MB(sizes.emptyBytes)}, after 60 days ${MB(sizes.beforeBytes)}, after retention ${MB(sizes.afterBytes)}, after 30 more days ${MB(sizes.afterMoreTrafficBytes)}`,
  );
  const table = sizes.deliveriesTableBytes;
  log(
    `largest tables after 60 days: ${sizes.largestTablesBefore.map((t) => `${t.name} ${MB(t.bytes)}`).join(', ')}`,
  );
  log(
    `webhook_deliveries: after 60 days ${MB(table.before)}, after retention ${MB(table.after)}, after 30 more days ${MB(table.afterMoreTraffic)}`,
  );
  log(
    `raw deliveries: ${sizes.rows.before} → ${sizes.rows.after} rows; run: ${sizes.run.deliveries} deleted, ${sizes.run.keptForOpenIncidents} kept for open incidents, ${sizes.run.batches} batches, ${sizes.run.ms} ms`,
  );
}

/**
 * With retention the raw deliveries reach a steady state: after 30 more days the table holds 60 days' worth
 * again and, its freed space reused, is no larger than before the run (10 % slack).
 */
function sizeTarget(backend: string, sizes: Sizes): TargetResult {
  const table = sizes.deliveriesTableBytes;
  return {
    target: `${backend}: webhook_deliveries 30 days after retention ≤ 1.1 × its size before`,
    measured: `${MB(table.afterMoreTraffic)} vs ${MB(table.before)}`,
    pass: table.afterMoreTraffic <= table.before * 1.1,
  };
}

runBench(main);
