/**
 * `npm run bench:floor`: the floor of durable ingest on this machine (issue 13, item 3). What is the most
 * any server that durably stores each delivery could take here, next to Alertmanager's in-memory
 * `POST /api/v2/alerts` and the bot itself? One process, one run, the same load generator (a child
 * process), the same 10-alert bodies and the same closed loop as phases 1 and 5 of `bench:ingest`:
 *   A. Alertmanager `/api/v2/alerts`, null receiver (as run.ts's phase 5)
 *   B. floor, one statement: a bare node:http server that reads the body, JSON.parses it and runs one
 *      `INSERT INTO floor_raw(body) VALUES ($1)` (jsonb, named prepared statement, autocommit) on a pg
 *      Pool (10 connections, as the bot's), then answers 202
 *   C. floor, group commit: bodies that arrive while a write is in flight wait and go together in the
 *      next one (`INSERT … SELECT * FROM unnest($1::jsonb[])`, one commit); each is answered 202 after
 *      the commit that holds it
 *   D. C with synchronous_commit=off (NOT durable: a crash loses the last commits; for contrast)
 *   E. the bot (createApp, workers off, as run.ts's phase 1)
 *   A'. Alertmanager again, last: how much the machine drifted during the run
 * in the order A, E, B, C, D, A' (the bot right after Alertmanager, as in bench:ingest), each just after a
 * CHECKPOINT (so none falls inside a phase).
 * Printed as a table: alerts/s, p50/p99, CPU per delivery (server: this process, or Alertmanager's
 * process in A; PostgreSQL: the server's processes and this database's backends, as run.ts counts them),
 * the load generator's CPU, the load average, and the rate over A's.
 *
 * Environment: BENCH_DATABASE_URL / TEST_DATABASE_URL (the PostgreSQL server, as run.ts; no PGlite
 * fallback: the floor of an in-process database says nothing about a server), BENCH_QUICK=1,
 * BENCH_DURATION_S (default 15), BENCH_CONCURRENCY (the first value; default 16), BENCH_PHASES (the
 * phases to run, in that order; default AEBCDA), LOG_LEVEL (default warn).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { type App, createApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import { alertmanagerBinary, type RunningAlertmanager, startAlertmanager } from '../support/alertmanager.ts';
import { postgresDatabase } from '../support/databases.ts';
import { cleanUpOnInterrupt, log } from './common.ts';
import type { BodySource, PhaseResult, PhaseSpec } from './load.ts';
import { type Loadgen, startLoadgen } from './loadgen-process.ts';
import { backgroundLoadPct, CpuWindow, machineInfo } from './machine.ts';
import { fmt, round, table } from './stats.ts';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const duration = Number(env.BENCH_DURATION_S);
const settings = {
  warmupMs: QUICK ? 1_000 : 3_000,
  closedMs: (Number.isFinite(duration) && duration > 0 ? duration : QUICK ? 5 : 15) * 1000,
  concurrency: Number((env.BENCH_CONCURRENCY ?? '16').split(',')[0]) || 16,
  phases: (env.BENCH_PHASES ?? 'AEBCDA').toUpperCase(),
};
const ALERTS_PER_GROUP = 10;
const POOL_SIZE = 10;

const loadavg = () => os.loadavg().map((value) => fmt(value, 2));

const traffic = (tag: string, seed: number): BodySource => ({
  kind: 'traffic',
  options: { seed, alertsPerGroup: ALERTS_PER_GROUP, redeliveryShare: 0.5, resolveShare: 0.2, tag },
});

/** CPU time (ms) a process has used so far, all its threads (Linux: /proc/PID/stat utime + stime). */
function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The floor servers.

interface FloorServer {
  url: string;
  /** What the pool's connections run with (SHOW synchronous_commit), to be sure of what was measured. */
  synchronousCommit: string;
  /** Commits and rows since the last call (group commit: mean batch = rows / commits). */
  takeCounts(): { commits: number; rows: number };
  close(): Promise<void>;
}

type Mode = 'one-statement' | 'group-commit';

async function startFloor(options: {
  connectionString: string;
  mode: Mode;
  synchronousCommit: 'on' | 'off';
}): Promise<FloorServer> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: POOL_SIZE,
    options: `-c synchronous_commit=${options.synchronousCommit}`,
  });
  const shown = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
  const synchronousCommit = shown.rows[0]?.synchronous_commit ?? '?';
  if (synchronousCommit !== options.synchronousCommit)
    throw new Error(`synchronous_commit is ${synchronousCommit}, not ${options.synchronousCommit}`);
  let commits = 0;
  let rows = 0;

  const insertOne = async (text: string) => {
    await pool.query({ name: 'floor_one', text: 'INSERT INTO floor_raw(body) VALUES ($1)', values: [text] });
    commits += 1;
    rows += 1;
  };

  // Group commit: one write in flight; what arrives meanwhile waits for the next one.
  let queue: { text: string; done: (error?: unknown) => void }[] = [];
  let writing = false;
  const flush = async (): Promise<void> => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await pool.query({
          name: 'floor_batch',
          text: 'INSERT INTO floor_raw(body) SELECT * FROM unnest($1::jsonb[])',
          values: [batch.map((item) => item.text)],
        });
        commits += 1;
        rows += batch.length;
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.done(error);
      }
    }
    writing = false;
  };
  const insertGrouped = (text: string) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ text, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!writing) void flush();
    });
  const store = options.mode === 'one-statement' ? insertOne : insertGrouped;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        JSON.parse(text);
      } catch {
        response.writeHead(400).end();
        return;
      }
      // The body as received goes in as the jsonb parameter (parsed once, to refuse what is not JSON).
      store(text).then(
        () => response.writeHead(202).end(),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    synchronousCommit,
    takeCounts() {
      const counts = { commits, rows };
      commits = 0;
      rows = 0;
      return counts;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Phases.

interface Report {
  key: string;
  name: string;
  result: PhaseResult;
  alertsPerSecond: number;
  /** CPU ms per accepted delivery: the server (this process, or Alertmanager), PostgreSQL, the generator. */
  serverMs: number | null;
  postgresMs: number | null;
  loadgenMs: number;
  machineBusyPct: number | null;
  /** CPU of the machine not counted in the three columns (other processes, the kernel), % of one core. */
  otherPct: number | null;
  /** WAL flushes (pg_stat_wal.wal_sync, the whole server) per second and deliveries per flush. */
  walSyncsPerSecond: number | null;
  deliveriesPerSync: number | null;
  load: string[];
  meanBatch: number | null;
}

interface WalCounters {
  syncs: number;
}

async function walCounters(db: {
  query<T>(text: string): Promise<{ rows: T[] }>;
}): Promise<WalCounters | null> {
  try {
    const result = await db.query<{ wal_sync: string }>('SELECT wal_sync FROM pg_stat_wal');
    return { syncs: Number(result.rows[0]?.wal_sync ?? Number.NaN) };
  } catch {
    return null;
  }
}

async function measure(
  key: string,
  name: string,
  loadgen: Loadgen,
  databaseName: string,
  spec: PhaseSpec,
  db: Parameters<typeof walCounters>[0],
  options: { serverPid?: number; floor?: FloorServer } = {},
): Promise<Report> {
  const serverPid = options.serverPid;
  const walBefore = await walCounters(db);
  const pidBefore = serverPid === undefined ? null : processCpuMs(serverPid);
  options.floor?.takeCounts();
  const cpu = new CpuWindow(databaseName);
  const result = await loadgen.run(spec);
  const used = cpu.end();
  const pidAfter = serverPid === undefined ? null : processCpuMs(serverPid);
  const walAfter = await walCounters(db);
  const syncs = walBefore && walAfter ? walAfter.syncs - walBefore.syncs : null;
  const counts = options.floor?.takeCounts();
  const deliveries = Math.max(1, result.accepted);
  const serverCpu =
    serverPid === undefined
      ? used.serverMs
      : pidBefore === null || pidAfter === null
        ? null
        : pidAfter - pidBefore;
  return {
    key,
    name,
    result,
    alertsPerSecond: result.alertsAccepted / (result.elapsedMs / 1000),
    serverMs: serverCpu === null ? null : serverCpu / deliveries,
    postgresMs: used.postgresMs === null ? null : used.postgresMs / deliveries,
    loadgenMs: result.generatorCpuMs / deliveries,
    machineBusyPct: used.machineBusyPct,
    otherPct:
      used.machineBusyPct === null || serverCpu === null
        ? null
        : used.machineBusyPct * os.availableParallelism() -
          (100 * (serverCpu + (used.postgresMs ?? 0) + result.generatorCpuMs)) / used.wallMs,
    walSyncsPerSecond: syncs === null ? null : syncs / (result.elapsedMs / 1000),
    // Alertmanager's deliveries touch no database: a sync in its phase is someone else's.
    deliveriesPerSync:
      syncs === null || syncs === 0 || serverPid !== undefined ? null : result.accepted / syncs,
    load: loadavg(),
    meanBatch: counts && counts.commits > 0 ? counts.rows / counts.commits : null,
  };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const baseUrl =
    env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const loadAtStart = loadavg();
  const created = await postgresDatabase(baseUrl).create();
  const databaseName = new URL(created.url as string).pathname.slice(1);
  let app: App | null = null;
  let loadgen: Loadgen | null = null;
  let alertmanager: RunningAlertmanager | null = null;
  const floors: FloorServer[] = [];
  const cleanup = async () => {
    await loadgen?.close().catch(() => {});
    await alertmanager?.stop().catch(() => {});
    for (const floor of floors) await floor.close().catch(() => {});
    await app?.close().catch(() => {});
    await created
      .dispose()
      .catch((error: unknown) => log(`could not drop the bench database: ${String(error)}`));
  };
  cleanUpOnInterrupt(cleanup);

  try {
    await created.db.query('CREATE TABLE floor_raw (id bigserial PRIMARY KEY, body jsonb NOT NULL)');
    const info = await created.db.query<Record<string, string>>(
      `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync,
         current_setting('fsync') AS fsync, current_setting('shared_buffers') AS buffers,
         current_setting('autovacuum') AS autovacuum, current_setting('wal_level') AS wal_level`,
    );
    const row = info.rows[0] ?? {};
    loadgen = await startLoadgen();
    const idlePct = await backgroundLoadPct();

    log('aiops-bot durable-ingest floor (issue 13, item 3)');
    log(`machine   ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, ${machine.os}`);
    log(
      `runtime   Node ${machine.node}; servers in-process (pg pool ${POOL_SIZE}), load generator in a child`,
    );
    log(
      `database  PostgreSQL ${row.version} at ${new URL(baseUrl).host} (fsync=${row.fsync}, synchronous_commit=${row.sync}, shared_buffers=${row.buffers}, wal_level=${row.wal_level}, autovacuum=${row.autovacuum})`,
    );
    log(
      `load      ${settings.concurrency} closed-loop senders, ${settings.closedMs / 1000} s per phase after a ${settings.warmupMs / 1000}-s warm-up, ${ALERTS_PER_GROUP}-alert bodies (traffic seed 100, as bench:ingest phases 1 and 5)`,
    );
    log(
      `idle      machine ${idlePct === null ? '?' : `${fmt(idlePct, 0)}%`} busy before the run; load average ${loadAtStart.join(' ')}${
        Number(loadAtStart[0]) >= 1.5 ? ' -- not a quiet machine: figures will be low and noisy' : ''
      }`,
    );
    log('');

    const reports: Report[] = [];
    const closed = (url: string, extra: Partial<Extract<PhaseSpec, { mode: 'closed' }>> = {}) => ({
      warmup: {
        mode: 'closed' as const,
        url,
        concurrency: settings.concurrency,
        durationMs: settings.warmupMs,
        bodies: traffic('warmup', 1),
        ...extra,
      },
      measured: {
        mode: 'closed' as const,
        url,
        concurrency: settings.concurrency,
        durationMs: settings.closedMs,
        bodies: traffic(`closed${settings.concurrency}`, 100),
        ...extra,
      },
    });
    const show = (report: Report) => {
      reports.push(report);
      const { result } = report;
      log(
        `${report.key}. ${report.name}: ${result.accepted} accepted, ${result.failed} failed, ${fmt(report.alertsPerSecond, 0)} alerts/s, p99 ${fmt(result.latency.p99)} ms${report.meanBatch === null ? '' : `, mean batch ${fmt(report.meanBatch, 1)}`}; load ${report.load.join(' ')}`,
      );
      if (result.firstFailure) log(`   first failure: ${result.firstFailure}`);
    };

    // Each phase starts just after a checkpoint: none falls inside a 15-s window (checkpoint_timeout is
    // minutes), and no phase pays for the WAL an earlier one wrote. Skipped when not allowed.
    let canCheckpoint = true;
    const checkpoint = async () => {
      if (!canCheckpoint) return;
      await created.db.query('CHECKPOINT').catch((error: unknown) => {
        canCheckpoint = false;
        log(`(no CHECKPOINT before each phase: ${error instanceof Error ? error.message : String(error)})`);
      });
    };

    let alertmanagerVersion = '?';
    const runAlertmanager = async (key: string) => {
      if (!alertmanagerBinary()) {
        log(`${key}. skipped: prometheus-alertmanager is not installed`);
        return;
      }
      alertmanager = await startAlertmanager({ logLevel: 'warn' });
      const status = (await (await fetch(`${alertmanager.url}/api/v2/status`)).json()) as {
        versionInfo?: { version?: string };
      };
      alertmanagerVersion = status.versionInfo?.version ?? '?';
      const api = { format: 'alertmanager-api', okStatus: 200 } as const;
      const spec = closed(`${alertmanager.url}/api/v2/alerts`, api);
      const pid = alertmanager.process.pid;
      await checkpoint();
      await loadgen?.run({ ...spec.warmup, bodies: traffic('amwarmup', 1) });
      show(
        await measure(
          key,
          `Alertmanager ${alertmanagerVersion} /api/v2/alerts (in memory)`,
          loadgen as Loadgen,
          databaseName,
          spec.measured,
          created.db,
          pid === undefined ? {} : { serverPid: pid },
        ),
      );
      await alertmanager.stop();
      alertmanager = null;
    };

    const runFloor = async (key: string, name: string, mode: Mode, synchronousCommit: 'on' | 'off') => {
      const floor = await startFloor({ connectionString: created.url as string, mode, synchronousCommit });
      floors.push(floor);
      const spec = closed(floor.url);
      await checkpoint();
      await loadgen?.run(spec.warmup);
      show(await measure(key, name, loadgen as Loadgen, databaseName, spec.measured, created.db, { floor }));
      await floor.close();
      floors.splice(floors.indexOf(floor), 1);
    };

    const runBot = async (key: string) => {
      const config = configFrom({ LOG_LEVEL: env.LOG_LEVEL ?? 'warn', DATABASE_URL: created.url as string });
      app = await createApp({
        config,
        clock: systemClock,
        startWorkers: false,
        print: () => {},
        ...(env.BENCH_INGEST_SLOTS
          ? {
              ingestBatch: {
                slots: Number(env.BENCH_INGEST_SLOTS),
                maxBatch: Number(env.BENCH_INGEST_MAX_BATCH ?? 32),
              },
            }
          : {}),
      });
      const { port } = await app.listen(0, '127.0.0.1');
      const spec = closed(`http://127.0.0.1:${port}/webhooks/alertmanager`);
      await checkpoint();
      await loadgen?.run(spec.warmup);
      show(
        await measure(
          key,
          'the bot (createApp, workers off)',
          loadgen as Loadgen,
          databaseName,
          spec.measured,
          created.db,
        ),
      );
      await app.close();
      app = null;
    };

    let alertmanagerRuns = 0;
    for (const phase of settings.phases) {
      if (phase === 'A') await runAlertmanager(alertmanagerRuns++ === 0 ? 'A' : "A'");
      else if (phase === 'B') await runFloor('B', 'floor, one INSERT per delivery', 'one-statement', 'on');
      else if (phase === 'C') await runFloor('C', 'floor, group commit', 'group-commit', 'on');
      else if (phase === 'D')
        await runFloor(
          'D',
          'floor, group commit, synchronous_commit=off (NOT durable)',
          'group-commit',
          'off',
        );
      else if (phase === 'E') await runBot('E');
    }

    const stored = await created.db.query<{ count: string }>('SELECT count(*) AS count FROM floor_raw');
    const floorAccepted = reports
      .filter((report) => ['B', 'C', 'D'].includes(report.key))
      .reduce((sum, report) => sum + report.result.accepted, 0);
    const floorWarmups = Number(stored.rows[0]?.count ?? 0) - floorAccepted;

    const baseline = reports.find((report) => report.key === 'A');
    const ms = (value: number | null) => (value === null ? '–' : fmt(value, 2));
    log('');
    log(
      table(
        [
          'phase',
          '2xx',
          'errors',
          'alerts/s',
          '× A',
          'p50 ms',
          'p99 ms',
          'server ms',
          'postgres ms',
          'loadgen ms',
          'machine busy',
          'other',
          'WAL syncs/s',
          'per sync',
          'batch',
          'load 1/5/15',
        ],
        reports.map((report) => [
          `${report.key}. ${report.name}`,
          String(report.result.accepted),
          String(report.result.failed),
          fmt(report.alertsPerSecond, 0),
          baseline ? fmt(report.alertsPerSecond / baseline.alertsPerSecond, 2) : '–',
          fmt(report.result.latency.p50, 2),
          fmt(report.result.latency.p99, 2),
          ms(report.serverMs),
          ms(report.postgresMs),
          ms(report.loadgenMs),
          report.machineBusyPct === null ? '–' : `${fmt(report.machineBusyPct, 0)}%`,
          report.otherPct === null ? '–' : `${fmt(report.otherPct, 0)}%`,
          report.walSyncsPerSecond === null ? '–' : fmt(report.walSyncsPerSecond, 0),
          report.deliveriesPerSync === null ? '–' : fmt(report.deliveriesPerSync, 1),
          report.meanBatch === null ? '' : fmt(report.meanBatch, 1),
          report.load.join(' '),
        ]),
      ),
    );
    log('');
    log(
      'CPU columns: ms per accepted delivery (10 alerts). server = this process (the floor server or the bot), in A the',
    );
    log(
      "Alertmanager process; postgres = the server's own processes and this database's backends (as bench:ingest).",
    );
    log(
      `machine busy: % of all ${machine.cores} cores; other: machine CPU outside the three columns (other processes, the kernel), % of one core.`,
    );
    log(
      'WAL syncs: pg_stat_wal.wal_sync (the whole server) per second, deliveries per sync. batch: mean deliveries per commit.',
    );
    log('Load average (1/5/15 min) at the end of each phase.');
    log(
      `floor_raw holds ${stored.rows[0]?.count ?? '?'} rows: the ${floorAccepted} accepted in B–D plus ${floorWarmups} from their warm-ups.`,
    );
    log('');
    log(
      JSON.stringify({
        bench: 'aiops-bot-ingest-floor',
        quick: QUICK,
        machine,
        loadAtStart,
        idleBusyPct: idlePct === null ? null : round(idlePct, 0),
        database: row,
        alertmanagerVersion,
        concurrency: settings.concurrency,
        seconds: settings.closedMs / 1000,
        phases: reports.map((report) => ({
          phase: report.key,
          name: report.name,
          accepted: report.result.accepted,
          errors: report.result.failed,
          alertsPerSecond: round(report.alertsPerSecond, 0),
          ratioToAlertmanager: baseline ? round(report.alertsPerSecond / baseline.alertsPerSecond, 3) : null,
          p50Ms: round(report.result.latency.p50, 2),
          p99Ms: round(report.result.latency.p99, 2),
          serverCpuMsPerDelivery: report.serverMs === null ? null : round(report.serverMs, 3),
          postgresCpuMsPerDelivery: report.postgresMs === null ? null : round(report.postgresMs, 3),
          loadgenCpuMsPerDelivery: round(report.loadgenMs, 3),
          machineBusyPct: report.machineBusyPct === null ? null : round(report.machineBusyPct, 0),
          otherCpuPct: report.otherPct === null ? null : round(report.otherPct, 0),
          walSyncsPerSecond: report.walSyncsPerSecond === null ? null : round(report.walSyncsPerSecond, 0),
          deliveriesPerWalSync: report.deliveriesPerSync === null ? null : round(report.deliveriesPerSync, 2),
          meanBatch: report.meanBatch === null ? null : round(report.meanBatch, 2),
          load: report.load,
        })),
      }),
    );
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
