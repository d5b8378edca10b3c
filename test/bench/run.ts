/**
 * `npm run bench`: the ingest benchmark. Starts the real app in this process (createApp, the system clock,
 * a fresh database on the local PostgreSQL server or, when none answers, embedded PGlite), drives it over
 * HTTP from a load generator in a child process, and prints:
 *   1. sustained durable ingest (closed loop, N clients) → alerts/s, requests/s
 *   2. webhook latency at a fixed 200 requests/s (open loop) → p50 / p99 / max
 *   3. an alert storm (10,000 alerts, 20 services, paced) → everything stored? incidents ≤ 20?
 *   4. the server's peak RSS
 *   5. Alertmanager's own rate: Debian's prometheus-alertmanager (null receiver, private port and storage)
 *      driven on POST /api/v2/alerts by the same load generator with the same alerts as phase 1's first
 *      concurrency, right after it → our durable rate / Alertmanager's in-memory rate
 *   6. growth: 10-alert deliveries of new alerts into the same 100 incidents, the rate measured over a
 *      window once they hold ~100k alerts and again once they hold ~500k (each incident's ingest cost must
 *      not grow with its size)
 * then a PASS/FAIL line per target and one JSON line for machines.
 *
 * Environment: BENCH_DATABASE_URL / TEST_DATABASE_URL (server to create the bench database on),
 * BENCH_QUICK=1 (short phases), BENCH_CONCURRENCY=16,32, BENCH_DURATION_S, BENCH_RATE,
 * BENCH_STORM_S, BENCH_STRICT=1 (exit 1 when a target fails), BENCH_KEEP_DB=1 (keep the database to
 * inspect it), BENCH_ALERTMANAGER=0 (skip phase 5), BENCH_GROWTH=0 (skip phase 6),
 * BENCH_GROWTH_FROM / BENCH_GROWTH_TO (alerts in the growth incidents at the two measurements; default
 * 100000 / 500000), BENCH_GROWTH_WINDOW (alerts per measurement, default 20000), BENCH_GROWTH_INCIDENTS
 * (default 100), BENCH_ONLY_GROWTH=1 (phase 6 alone, after the warm-up), LOG_LEVEL (default warn).
 */
import pg from 'pg';
import { type App, createApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { alertmanagerBinary, type RunningAlertmanager, startAlertmanager } from '../support/alertmanager.ts';
import { pgliteDatabase, postgresDatabase } from '../support/databases.ts';
import { cleanUpOnInterrupt, log } from './common.ts';
import type { BodySource, PhaseResult, PhaseSpec } from './load.ts';
import { type Loadgen, startLoadgen } from './loadgen-process.ts';
import { backgroundLoadPct, CpuWindow, machineInfo, RssSampler } from './machine.ts';
import { fmt, round, table } from './stats.ts';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const numberEnv = (name: string, fallback: number) => {
  const value = Number(env[name]);
  return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
};

const ALERTS_PER_GROUP = 10;
const settings = {
  warmupMs: QUICK ? 1_000 : 3_000,
  closedMs: numberEnv('BENCH_DURATION_S', QUICK ? 5 : 15) * 1000,
  concurrencies: (env.BENCH_CONCURRENCY ?? '16,32')
    .split(',')
    .map(Number)
    .filter((value) => Number.isInteger(value) && value > 0),
  rate: numberEnv('BENCH_RATE', 200),
  latencyMs: numberEnv('BENCH_DURATION_S', QUICK ? 5 : 15) * 1000,
  stormAlerts: 10_000,
  stormServices: 20,
  stormMs: numberEnv('BENCH_STORM_S', QUICK ? 15 : 60) * 1000,
  alertmanager: env.BENCH_ALERTMANAGER !== '0',
  growth: env.BENCH_GROWTH !== '0',
  onlyGrowth: env.BENCH_ONLY_GROWTH === '1',
  growthFrom: numberEnv('BENCH_GROWTH_FROM', QUICK ? 20_000 : 100_000),
  growthTo: numberEnv('BENCH_GROWTH_TO', QUICK ? 60_000 : 500_000),
  growthWindow: numberEnv('BENCH_GROWTH_WINDOW', QUICK ? 10_000 : 20_000),
  growthIncidents: numberEnv('BENCH_GROWTH_INCIDENTS', 100),
  growthConcurrency: 16,
};

const TARGETS = {
  alertsPerSecond: 2_000,
  p99Ms: 50,
  maxIncidents: 20,
  rssMb: 250,
  alertmanagerRatio: 0.5,
  growthRatio: 0.9,
};

const mb = (bytes: number) => bytes / 1024 ** 2;

// ---------------------------------------------------------------------------------------------------------
// The database: a fresh, uniquely named database on the server, dropped afterwards; PGlite when none answers.

interface BenchDatabase {
  kind: 'postgres' | 'pglite';
  /** For the app (its own pool, as in production); absent for PGlite, whose Db is shared. */
  url?: string;
  /** For the benchmark's own checks. */
  db: Db;
  /** The database's name on the server (to tell its backends from other clients'). */
  name?: string;
  version: string;
  settings: Record<string, string>;
  dispose(): Promise<void>;
}

async function serverReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function openBenchDatabase(): Promise<BenchDatabase> {
  const baseUrl =
    env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (await serverReachable(baseUrl)) {
    const created = await postgresDatabase(baseUrl).create({ migrate: false });
    const info = await created.db.query<{
      version: string;
      sync: string;
      fsync: string;
      buffers: string;
      autovacuum: string;
    }>(
      `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync,
         current_setting('fsync') AS fsync, current_setting('shared_buffers') AS buffers,
         current_setting('autovacuum') AS autovacuum`,
    );
    const row = info.rows[0];
    return {
      kind: 'postgres',
      url: created.url as string,
      name: new URL(created.url as string).pathname.slice(1),
      db: created.db,
      version: `PostgreSQL ${row?.version ?? '?'} at ${new URL(baseUrl).host}`,
      settings: {
        synchronous_commit: row?.sync ?? '?',
        fsync: row?.fsync ?? '?',
        shared_buffers: row?.buffers ?? '?',
        autovacuum: row?.autovacuum ?? '?',
      },
      dispose: created.dispose,
    };
  }
  log(
    `!! No PostgreSQL server answers at ${new URL(baseUrl).host}: falling back to embedded PGlite (in memory).`,
  );
  log(
    '!! PGlite runs inside the server process, single-connection: figures are NOT comparable with a server.',
  );
  const created = await pgliteDatabase.create({ migrate: false });
  const version = await created.db.query<{ version: string }>(
    "SELECT current_setting('server_version') AS version",
  );
  return {
    kind: 'pglite',
    db: created.db,
    version: `PGlite (embedded PostgreSQL ${version.rows[0]?.version ?? '?'}, in memory)`,
    settings: {},
    dispose: created.dispose,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Phases.

interface PhaseReport {
  name: string;
  result: PhaseResult;
  requestsPerSecond: number;
  alertsPerSecond: number;
  serverCpuPct: number;
  postgresCpuPct: number | null;
  generatorCpuPct: number;
  machineBusyPct: number | null;
  peakRssMb: number;
}

interface Harness {
  loadgen: Loadgen;
  rss: RssSampler;
  databaseName: string | undefined;
}

async function runMeasured(name: string, harness: Harness, spec: PhaseSpec): Promise<PhaseReport> {
  const { loadgen, rss } = harness;
  rss.mark();
  const cpu = new CpuWindow(harness.databaseName);
  const result = await loadgen.run(spec);
  const used = cpu.end();
  const seconds = result.elapsedMs / 1000;
  return {
    name,
    result,
    requestsPerSecond: result.accepted / seconds,
    alertsPerSecond: result.alertsAccepted / seconds,
    serverCpuPct: (100 * used.serverMs) / used.wallMs,
    postgresCpuPct: used.postgresMs === null ? null : (100 * used.postgresMs) / used.wallMs,
    generatorCpuPct: (100 * result.generatorCpuMs) / used.wallMs,
    machineBusyPct: used.machineBusyPct,
    peakRssMb: mb(rss.mark()),
  };
}

const traffic = (tag: string, seed: number): BodySource => ({
  kind: 'traffic',
  options: { seed, alertsPerGroup: ALERTS_PER_GROUP, redeliveryShare: 0.5, resolveShare: 0.2, tag },
});

function phaseRow(report: PhaseReport): string[] {
  const { result } = report;
  const pct = (value: number | null) => (value === null ? '–' : `${fmt(value, 0)}%`);
  return [
    report.name,
    String(result.accepted),
    String(result.failed),
    fmt(report.requestsPerSecond, 0),
    fmt(report.alertsPerSecond, 0),
    fmt(result.latency.p50),
    fmt(result.latency.p99),
    fmt(result.latency.max),
    pct(report.serverCpuPct),
    pct(report.postgresCpuPct),
    pct(report.generatorCpuPct),
    pct(report.machineBusyPct),
    fmt(report.peakRssMb, 0),
  ];
}

const PHASE_HEADER = [
  'phase',
  '202s',
  'errors',
  'req/s',
  'alerts/s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'server CPU',
  'postgres CPU',
  'loadgen CPU',
  'machine busy',
  'peak RSS MB',
];

interface StormCheck {
  alertsStored: number;
  distinctFingerprints: number;
  deliveriesStored: number;
  deliveriesProcessed: number;
  incidentsTouched: number;
  incidentsOpened: number;
}

async function maxIds(db: Db): Promise<{ alerts: number; incidents: number; deliveries: number }> {
  const result = await db.query<{ alerts: number; incidents: number; deliveries: number }>(
    `SELECT (SELECT coalesce(max(id), 0) FROM alerts) AS alerts,
       (SELECT coalesce(max(id), 0) FROM incidents) AS incidents,
       (SELECT coalesce(max(id), 0) FROM webhook_deliveries) AS deliveries`,
  );
  const row = result.rows[0];
  return {
    alerts: Number(row?.alerts ?? 0),
    incidents: Number(row?.incidents ?? 0),
    deliveries: Number(row?.deliveries ?? 0),
  };
}

async function checkStorm(db: Db, before: Awaited<ReturnType<typeof maxIds>>): Promise<StormCheck> {
  const result = await db.query<Record<keyof StormCheck, number>>(
    `SELECT
       (SELECT count(*) FROM alerts WHERE id > $1) AS "alertsStored",
       (SELECT count(DISTINCT fingerprint) FROM alerts WHERE id > $1) AS "distinctFingerprints",
       (SELECT count(DISTINCT incident_id) FROM alerts WHERE id > $1) AS "incidentsTouched",
       (SELECT count(*) FROM incidents WHERE id > $2) AS "incidentsOpened",
       (SELECT count(*) FROM webhook_deliveries WHERE id > $3) AS "deliveriesStored",
       (SELECT count(*) FROM webhook_deliveries WHERE id > $3 AND outcome = 'processed') AS "deliveriesProcessed"`,
    [before.alerts, before.incidents, before.deliveries],
  );
  const row = result.rows[0] as Record<keyof StormCheck, number>;
  return {
    alertsStored: Number(row.alertsStored),
    distinctFingerprints: Number(row.distinctFingerprints),
    deliveriesStored: Number(row.deliveriesStored),
    deliveriesProcessed: Number(row.deliveriesProcessed),
    incidentsTouched: Number(row.incidentsTouched),
    incidentsOpened: Number(row.incidentsOpened),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 5. Alertmanager's own rate, and 6. growth.

interface AlertmanagerReport {
  ours: PhaseReport;
  theirs: PhaseReport;
  version: string;
  ratio: number;
}

/** Our phase `ours` against Alertmanager's /api/v2/alerts with the same spec and the same alerts. */
async function runAlertmanager(
  harness: Harness,
  ours: PhaseReport,
  spec: Extract<PhaseSpec, { mode: 'closed' }>,
): Promise<AlertmanagerReport | string> {
  const binary = alertmanagerBinary();
  if (!binary) return 'prometheus-alertmanager is not installed';
  let alertmanager: RunningAlertmanager | null = null;
  try {
    alertmanager = await startAlertmanager({ logLevel: 'warn' });
    const status = (await (await fetch(`${alertmanager.url}/api/v2/status`)).json()) as {
      versionInfo?: { version?: string };
    };
    const url = `${alertmanager.url}/api/v2/alerts`;
    const api = { format: 'alertmanager-api', okStatus: 200 } as const;
    await runMeasured('   Alertmanager warm-up', harness, {
      ...spec,
      ...api,
      url,
      durationMs: settings.warmupMs,
      bodies: traffic('amwarmup', 1),
    });
    const theirs = await runMeasured(
      `5. Alertmanager /api/v2/alerts, closed, ${spec.concurrency} clients`,
      harness,
      { ...spec, ...api, url },
    );
    return {
      ours,
      theirs,
      version: status.versionInfo?.version ?? '?',
      ratio: ours.alertsPerSecond / theirs.alertsPerSecond,
    };
  } catch (error) {
    return `Alertmanager phase failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await alertmanager?.stop();
  }
}

interface GrowthReport {
  early: PhaseReport;
  late: PhaseReport;
  earlyAt: number;
  lateAt: number;
  ratio: number;
}

/**
 * New alerts into the same incidents (one Alertmanager group per incident, round robin), in closed loop:
 * filled to `from - window`, measured over `window`, filled to `to - window`, measured over `window`.
 */
async function runGrowth(
  harness: Harness,
  url: string,
  show: (report: PhaseReport) => void,
): Promise<GrowthReport> {
  const { growthFrom, growthTo, growthWindow, growthIncidents, growthConcurrency } = settings;
  let seed = 400;
  let stored = 0;
  const phase = async (name: string, alerts: number) => {
    const report = await runMeasured(name, harness, {
      mode: 'closed',
      url,
      concurrency: growthConcurrency,
      durationMs: 3_600_000,
      maxRequests: Math.ceil(alerts / ALERTS_PER_GROUP),
      // A new seed per phase: new pod names, so every alert is new (a fresh generator restarts its sequence).
      bodies: {
        kind: 'storm',
        options: { seed: seed++, services: growthIncidents, alertsPerGroup: ALERTS_PER_GROUP, tag: 'growth' },
      },
    });
    stored += report.result.alertsAccepted;
    show(report);
    return report;
  };
  const fill = async (until: number) => {
    // In slices, so a long fill shows progress.
    const slice = Math.max(growthWindow, 100_000);
    while (stored < until)
      await phase(
        `   growth fill → ${fmt(Math.min(until, stored + slice), 0)} alerts`,
        Math.min(slice, until - stored),
      );
  };
  await fill(Math.max(0, growthFrom - growthWindow));
  const early = await phase(
    `6. growth, ${growthIncidents} incidents, at ${fmt(growthFrom, 0)} alerts`,
    growthWindow,
  );
  const earlyAt = stored;
  await fill(Math.max(stored, growthTo - growthWindow));
  const late = await phase(
    `6. growth, ${growthIncidents} incidents, at ${fmt(growthTo, 0)} alerts`,
    growthWindow,
  );
  return { early, late, earlyAt, lateAt: stored, ratio: late.alertsPerSecond / early.alertsPerSecond };
}

// ---------------------------------------------------------------------------------------------------------

/**
 * CPU (ms) the server and PostgreSQL spent per accepted delivery: steadier than the rate on a shared
 * machine, and what "cost independent of incident size" is about.
 */
const cpuPerDelivery = (report: PhaseReport) => {
  const ms = (pct: number | null) =>
    pct === null ? null : (pct / 100) * (report.result.elapsedMs / Math.max(1, report.result.accepted));
  return { server: ms(report.serverCpuPct), postgres: ms(report.postgresCpuPct) };
};
const cpuText = (report: PhaseReport) => {
  const cpu = cpuPerDelivery(report);
  return `${fmt(cpu.server ?? 0, 1)} + ${cpu.postgres === null ? '?' : fmt(cpu.postgres, 1)} ms`;
};

function growthSummary(growth: GrowthReport) {
  const side = (report: PhaseReport, at: number) => ({
    alerts: at,
    serverCpuMsPerDelivery: round(cpuPerDelivery(report).server ?? 0, 2),
    postgresCpuMsPerDelivery:
      cpuPerDelivery(report).postgres === null ? null : round(cpuPerDelivery(report).postgres ?? 0, 2),
    alertsPerSecond: round(report.alertsPerSecond, 0),
    p50Ms: round(report.result.latency.p50, 2),
    p99Ms: round(report.result.latency.p99, 2),
    errors: report.result.failed,
  });
  return {
    incidents: settings.growthIncidents,
    window: settings.growthWindow,
    early: side(growth.early, growth.earlyAt),
    late: side(growth.late, growth.lateAt),
    ratio: round(growth.ratio, 3),
  };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const database = await openBenchDatabase();
  const rss = new RssSampler();
  let app: App | null = null;
  let loadgen: Loadgen | null = null;
  const cleanup = async () => {
    await loadgen?.close().catch(() => {});
    await app?.close().catch(() => {});
    if (env.BENCH_KEEP_DB === '1' && database.url) {
      await database.db.close().catch(() => {});
      log(`BENCH_KEEP_DB=1: kept ${database.url}`);
      return;
    }
    await database
      .dispose()
      .catch((error: unknown) => log(`could not drop the bench database: ${String(error)}`));
  };
  cleanUpOnInterrupt(cleanup);

  try {
    const config = configFrom({
      LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    app = await createApp({
      config,
      clock: systemClock,
      ...(database.kind === 'pglite' ? { db: database.db } : {}),
      // Durable ingest alone: analysis and Slack have their own benchmarks (analysis.ts, slack.ts).
      startWorkers: false,
      print: () => {},
    });
    const { port } = await app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;
    const ready = await fetch(`${baseUrl}/readyz`);
    if (ready.status !== 200) throw new Error(`app not ready: /readyz answered ${ready.status}`);
    const url = `${baseUrl}/webhooks/alertmanager`;
    loadgen = await startLoadgen();
    const harness: Harness = { loadgen, rss, databaseName: database.name };
    const idlePct = await backgroundLoadPct();
    rss.start(50);

    log('aiops-bot ingest benchmark');
    log(`machine   ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, ${machine.os}`);
    log(`runtime   Node ${machine.node}; server in-process (pg pool 10), load generator in a child process`);
    log(
      `database  ${database.version}${
        Object.keys(database.settings).length > 0
          ? ` (${Object.entries(database.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      }`,
    );
    log(
      `payloads  Alertmanager v4, ${ALERTS_PER_GROUP} alerts per group${QUICK ? '; BENCH_QUICK=1 (short phases)' : ''}`,
    );
    log(
      `idle      machine ${idlePct === null ? '?' : `${fmt(idlePct, 0)}%`} busy before the run${
        idlePct !== null && idlePct > 15 ? ' -- something else is running: figures will be low and noisy' : ''
      }`,
    );
    log('');

    const reports: PhaseReport[] = [];
    let acceptedTotal = 0;
    const show = (report: PhaseReport) => {
      acceptedTotal += report.result.accepted;
      const { result } = report;
      log(
        `${report.name}: ${result.accepted} accepted, ${result.failed} failed, ${fmt(report.requestsPerSecond, 0)} req/s, p99 ${fmt(result.latency.p99)} ms`,
      );
      if (result.firstFailure) log(`   first failure: ${result.firstFailure}`);
    };

    // Warm-up: JIT, the pool's connections, Postgres's caches. Not reported as a target.
    const warmup = await runMeasured('warm-up (closed, 8 clients)', harness, {
      mode: 'closed',
      url,
      concurrency: 8,
      durationMs: settings.warmupMs,
      bodies: traffic('warmup', 1),
    });
    show(warmup);

    if (settings.onlyGrowth) {
      const growth = await runGrowth(harness, url, show);
      rss.stop();
      log('');
      log(table(PHASE_HEADER, [growth.early, growth.late].map(phaseRow)));
      log(
        `growth: ${fmt(growth.early.alertsPerSecond, 0)} alerts/s at ${fmt(growth.earlyAt, 0)} alerts → ${fmt(growth.late.alertsPerSecond, 0)} alerts/s at ${fmt(growth.lateAt, 0)} (× ${fmt(growth.ratio, 2)}); CPU per delivery (server + postgres) ${cpuText(growth.early)} → ${cpuText(growth.late)}`,
      );
      log(JSON.stringify({ bench: 'aiops-bot-ingest-growth', quick: QUICK, growth: growthSummary(growth) }));
      return;
    }

    // 1. Sustained durable ingest, closed loop.
    const closed: PhaseReport[] = [];
    for (const [index, concurrency] of settings.concurrencies.entries()) {
      const report = await runMeasured(`1. sustained, closed, ${concurrency} clients`, harness, {
        mode: 'closed',
        url,
        concurrency,
        durationMs: settings.closedMs,
        bodies: traffic(`closed${concurrency}`, 100 + index),
      });
      closed.push(report);
      reports.push(report);
      show(report);
    }

    // 5. Alertmanager's own rate, right after ours, with the same load and the same alerts.
    const firstClosed = closed[0];
    let alertmanager: AlertmanagerReport | string = 'skipped (BENCH_ALERTMANAGER=0)';
    if (settings.alertmanager && firstClosed) {
      alertmanager = await runAlertmanager(harness, firstClosed, {
        mode: 'closed',
        url,
        concurrency: settings.concurrencies[0] as number,
        durationMs: settings.closedMs,
        bodies: traffic(`closed${settings.concurrencies[0]}`, 100),
      });
      if (typeof alertmanager === 'string') log(alertmanager);
      else {
        log(
          `${alertmanager.theirs.name}: ${alertmanager.theirs.result.accepted} accepted, ${fmt(alertmanager.theirs.alertsPerSecond, 0)} alerts/s`,
        );
        reports.push(alertmanager.theirs);
      }
    }

    // 2. Latency at a fixed rate, open loop.
    const latency = await runMeasured(`2. latency, open, ${settings.rate} req/s`, harness, {
      mode: 'open',
      url,
      rate: settings.rate,
      count: Math.round((settings.rate * settings.latencyMs) / 1000),
      bodies: traffic('open', 200),
    });
    reports.push(latency);
    show(latency);

    // 3. The storm: 10,000 alerts from 20 services, in groups of 10, evenly paced.
    const before = await maxIds(database.db);
    const stormRequests = Math.ceil(settings.stormAlerts / ALERTS_PER_GROUP);
    const storm = await runMeasured(
      `3. storm, ${settings.stormAlerts} alerts / ${settings.stormMs / 1000} s`,
      harness,
      {
        mode: 'open',
        url,
        rate: stormRequests / (settings.stormMs / 1000),
        count: stormRequests,
        bodies: {
          kind: 'storm',
          options: {
            seed: 300,
            services: settings.stormServices,
            alertsPerGroup: ALERTS_PER_GROUP,
            tag: 'storm',
          },
        },
      },
    );
    reports.push(storm);
    show(storm);
    const stormCheck = await checkStorm(database.db, before);

    // 6. Growth: the same incidents ever larger.
    const growth = settings.growth ? await runGrowth(harness, url, show) : null;
    if (growth) reports.push(growth.early, growth.late);

    // Every 202 of the whole run must have its delivery row (the "2xx means stored" promise).
    const stored = await database.db.query<{ count: number }>(
      'SELECT count(*) AS count FROM webhook_deliveries',
    );
    const deliveriesStored = Number(stored.rows[0]?.count ?? 0);
    const jobs = await database.db.query<{ count: number }>(
      "SELECT count(*) AS count FROM jobs WHERE status = 'pending'",
    );
    rss.stop();
    const peakRssMb = mb(rss.peak);

    // ------------------------------------------------------------------------------------- verdicts
    const best = closed.reduce<PhaseReport | null>(
      (top, report) => (top === null || report.alertsPerSecond > top.alertsPerSecond ? report : top),
      null,
    );
    const stormOk =
      storm.result.failed === 0 &&
      stormCheck.alertsStored === settings.stormAlerts &&
      stormCheck.distinctFingerprints === settings.stormAlerts &&
      stormCheck.deliveriesStored === stormRequests &&
      stormCheck.deliveriesProcessed === stormRequests;
    const verdicts = [
      {
        target: `sustained ingest ≥ ${fmt(TARGETS.alertsPerSecond, 0)} alerts/s`,
        measured: best
          ? `${fmt(best.alertsPerSecond, 0)} alerts/s (${best.name.replace(/^1\. sustained, /, '')})`
          : '–',
        pass: best !== null && best.alertsPerSecond >= TARGETS.alertsPerSecond && best.result.failed === 0,
      },
      {
        target: `p99 webhook latency < ${TARGETS.p99Ms} ms at ${settings.rate} req/s`,
        measured: `p50 ${fmt(latency.result.latency.p50)} / p99 ${fmt(latency.result.latency.p99)} / max ${fmt(latency.result.latency.max)} ms`,
        pass: latency.result.latency.p99 < TARGETS.p99Ms && latency.result.failed === 0,
      },
      {
        target: `storm: all ${settings.stormAlerts} alerts and ${stormRequests} deliveries stored`,
        measured: `${stormCheck.alertsStored} alerts (${stormCheck.distinctFingerprints} fingerprints), ${stormCheck.deliveriesStored} deliveries (${stormCheck.deliveriesProcessed} processed), ${storm.result.failed} refused`,
        pass: stormOk,
      },
      {
        target: `storm: ≤ ${TARGETS.maxIncidents} incidents`,
        measured: `${stormCheck.incidentsTouched} incidents (${stormCheck.incidentsOpened} opened)`,
        pass:
          stormCheck.incidentsTouched <= TARGETS.maxIncidents &&
          stormCheck.incidentsOpened <= TARGETS.maxIncidents,
      },
      {
        target: `every 202 of the run has its delivery row`,
        measured: `${deliveriesStored} rows for ${acceptedTotal} accepted requests`,
        pass: deliveriesStored === acceptedTotal,
      },
      typeof alertmanager === 'string'
        ? {
            target: `≥ ${TARGETS.alertmanagerRatio}× Alertmanager's /api/v2/alerts rate`,
            measured: alertmanager,
            pass: false,
          }
        : {
            target: `≥ ${TARGETS.alertmanagerRatio}× Alertmanager's /api/v2/alerts rate (same load, same alerts)`,
            measured: `${fmt(alertmanager.ours.alertsPerSecond, 0)} / ${fmt(alertmanager.theirs.alertsPerSecond, 0)} alerts/s = ${fmt(alertmanager.ratio, 2)}× (Alertmanager ${alertmanager.version})`,
            pass: alertmanager.ratio >= TARGETS.alertmanagerRatio && alertmanager.ours.result.failed === 0,
          },
      ...(growth
        ? [
            {
              target: `growth: rate at ${fmt(growth.lateAt, 0)} alerts within ${fmt(100 - 100 * TARGETS.growthRatio, 0)} % of the rate at ${fmt(growth.earlyAt, 0)}`,
              measured: `${fmt(growth.early.alertsPerSecond, 0)} → ${fmt(growth.late.alertsPerSecond, 0)} alerts/s (× ${fmt(growth.ratio, 2)}), p99 ${fmt(growth.early.result.latency.p99)} → ${fmt(growth.late.result.latency.p99)} ms, CPU/delivery ${cpuText(growth.early)} → ${cpuText(growth.late)}`,
              pass: growth.ratio >= TARGETS.growthRatio && growth.late.result.failed === 0,
            },
          ]
        : []),
      {
        target: `server peak RSS < ${TARGETS.rssMb} MB`,
        measured: `${fmt(peakRssMb, 0)} MB${database.kind === 'pglite' ? ' (includes PGlite)' : ''}`,
        pass: peakRssMb < TARGETS.rssMb,
      },
    ];

    log('');
    log(table(PHASE_HEADER, [warmup, ...reports].map(phaseRow)));
    log('');
    log(
      `latency is send → 202 at the client; in open-loop phases it is measured from when the request was due (max send lag ${fmt(Math.max(latency.result.maxSendLagMs, storm.result.maxSendLagMs))} ms).`,
    );
    log(
      `CPU columns: % of one core over the phase (${machine.cores} cores = ${machine.cores * 100}%); postgres = all local 'postgres' processes.`,
    );
    log(
      `sustained mix: ${best ? `${best.result.newGroups} new groups (each a new incident) / ${best.result.redeliveries} redeliveries` : '–'}; ${jobs.rows[0]?.count ?? 0} analysis jobs left pending (no worker in the bench).`,
    );
    log('');
    log(
      table(
        ['target', 'measured', 'result'],
        verdicts.map((v) => [v.target, v.measured, v.pass ? 'PASS' : 'FAIL']),
      ),
    );
    log('');

    const summary = {
      bench: 'aiops-bot-ingest',
      quick: QUICK,
      machine,
      idleBusyPct: idlePct === null ? null : round(idlePct, 0),
      database: { kind: database.kind, version: database.version, ...database.settings },
      sustained: closed.map((report) => ({
        concurrency: Number(/(\d+) clients/.exec(report.name)?.[1]),
        seconds: round(report.result.elapsedMs / 1000, 2),
        requests: report.result.accepted,
        errors: report.result.failed,
        requestsPerSecond: round(report.requestsPerSecond, 0),
        alertsPerSecond: round(report.alertsPerSecond, 0),
        p50Ms: round(report.result.latency.p50, 2),
        p99Ms: round(report.result.latency.p99, 2),
        serverCpuPct: round(report.serverCpuPct, 0),
        postgresCpuPct: report.postgresCpuPct === null ? null : round(report.postgresCpuPct, 0),
        loadgenCpuPct: round(report.generatorCpuPct, 0),
      })),
      latency: {
        rate: settings.rate,
        seconds: round(latency.result.elapsedMs / 1000, 2),
        requests: latency.result.accepted,
        errors: latency.result.failed,
        p50Ms: round(latency.result.latency.p50, 2),
        p90Ms: round(latency.result.latency.p90, 2),
        p99Ms: round(latency.result.latency.p99, 2),
        maxMs: round(latency.result.latency.max, 2),
      },
      storm: {
        alerts: settings.stormAlerts,
        services: settings.stormServices,
        seconds: round(storm.result.elapsedMs / 1000, 2),
        errors: storm.result.failed,
        p50Ms: round(storm.result.latency.p50, 2),
        p99Ms: round(storm.result.latency.p99, 2),
        maxMs: round(storm.result.latency.max, 2),
        ...stormCheck,
      },
      alertmanager:
        typeof alertmanager === 'string'
          ? { skipped: alertmanager }
          : {
              version: alertmanager.version,
              concurrency: settings.concurrencies[0],
              oursAlertsPerSecond: round(alertmanager.ours.alertsPerSecond, 0),
              alertmanagerAlertsPerSecond: round(alertmanager.theirs.alertsPerSecond, 0),
              ratio: round(alertmanager.ratio, 3),
            },
      growth: growth ? growthSummary(growth) : null,
      peakRssMb: round(peakRssMb, 0),
      targets: verdicts.map((v) => ({ target: v.target, pass: v.pass })),
      pass: verdicts.every((v) => v.pass),
    };
    log(JSON.stringify(summary));
    if (env.BENCH_STRICT === '1' && !summary.pass) process.exitCode = 1;
  } finally {
    rss.stop();
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
