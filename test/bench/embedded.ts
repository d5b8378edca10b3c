/**
 * `npm run bench:embedded` (also the last step of `npm run bench`): the embedded default under load. Starts
 * the real app in this process exactly as `npm start` does without DATABASE_URL — PGlite persisted in a
 * data folder (a fresh temporary one), the system clock — and drives it over HTTP from the load generator
 * child process: 16 closed-loop senders of 10-alert Alertmanager bodies until 200,000 alerts are accepted.
 * Prints, per slice of the run, alerts/s, p50/p99 and the server's RSS and what it is made of; then
 * alerts/s, p50/p99 and peak RSS over the whole run, and PASS/FAIL against the targets.
 *
 * Environment: BENCH_EMBEDDED_ALERTS (default 200000), BENCH_CONCURRENCY (first value; default 16),
 * BENCH_QUICK=1 (20,000 alerts), BENCH_STRICT=1 (exit 1 when a target fails), BENCH_KEEP_DB=1 (keep the
 * data folder), LOG_LEVEL (default warn).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type App, createApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import { report, runBench } from './common.ts';
import type { PhaseResult } from './load.ts';
import { startLoadgen } from './loadgen-process.ts';
import { backgroundLoadPct, CpuWindow, machineInfo, RssSampler } from './machine.ts';
import { fmt, round, summarize, table } from './stats.ts';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const ALERTS_PER_GROUP = 10;
const TOTAL_ALERTS =
  Number(env.BENCH_EMBEDDED_ALERTS) > 0 ? Number(env.BENCH_EMBEDDED_ALERTS) : QUICK ? 20_000 : 200_000;
const CONCURRENCY = Number((env.BENCH_CONCURRENCY ?? '16').split(',')[0]) || 16;
const SLICES = 10;
const TARGETS = { p99Ms: 250, rssMb: 300 };

const log = (text = '') => process.stdout.write(`${text}\n`);
const mb = (bytes: number) => bytes / 1024 ** 2;

function folderMb(folder: string): number | null {
  try {
    return Number(execFileSync('du', ['-sk', folder], { encoding: 'utf8' }).split(/\s/)[0]) / 1024;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const machine = machineInfo();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aiops-bench-embedded-'));
  const rss = new RssSampler();
  let app: App | null = null;
  let loadgen: Awaited<ReturnType<typeof startLoadgen>> | null = null;
  try {
    // What `npm start` runs with no DATABASE_URL: openDatabase → PGlite in AIOPS_DATA_DIR/pgdata.
    const config = configFrom({ LOG_LEVEL: env.LOG_LEVEL ?? 'warn', AIOPS_DATA_DIR: dataDir });
    app = await createApp({ config, clock: systemClock, startWorkers: false, print: () => {} });
    const { port } = await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}/webhooks/alertmanager`;
    const settings = await app.deps.db.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem',
         'wal_buffers', 'maintenance_work_mem', 'temp_buffers', 'max_wal_size', 'fsync', 'synchronous_commit',
         'full_page_writes', 'autovacuum') ORDER BY name`,
    );
    loadgen = await startLoadgen();
    const idlePct = await backgroundLoadPct();
    rss.start(50);

    log('aiops-bot embedded-default benchmark');
    log(`machine   ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, ${machine.os}`);
    log(`runtime   Node ${machine.node}; app in-process on PGlite in ${dataDir}/pgdata (as \`npm start\`)`);
    log(
      `pglite    ${settings.rows.map((row) => `${row.name}=${row.setting}${row.unit ? ` ${row.unit}` : ''}`).join(', ')}`,
    );
    log(
      `load      ${CONCURRENCY} closed-loop senders, ${ALERTS_PER_GROUP} alerts per body, until ${fmt(TOTAL_ALERTS, 0)} alerts`,
    );
    log(
      `idle      machine ${idlePct === null ? '?' : `${fmt(idlePct, 0)}%`} busy before the run${
        idlePct !== null && idlePct > 15 ? ' -- something else is running: figures will be low and noisy' : ''
      }`,
    );
    log('');

    const traffic = (tag: string, seed: number) => ({
      kind: 'traffic' as const,
      options: { seed, alertsPerGroup: ALERTS_PER_GROUP, redeliveryShare: 0.5, resolveShare: 0.2, tag },
    });
    // Warm-up (JIT, PGlite's caches): not counted.
    await loadgen.run({
      mode: 'closed',
      url,
      concurrency: 8,
      durationMs: QUICK ? 1_000 : 3_000,
      bodies: traffic('warmup', 1),
    });
    rss.mark();

    const totalRequests = Math.ceil(TOTAL_ALERTS / ALERTS_PER_GROUP);
    const perSlice = Math.ceil(totalRequests / SLICES);
    const latencies: number[] = [];
    const rows: string[][] = [];
    let accepted = 0;
    let failed = 0;
    let firstFailure: string | null = null;
    let elapsedMs = 0;
    const cpu = new CpuWindow();
    for (let slice = 0; slice < SLICES && accepted + failed < totalRequests; slice += 1) {
      const result: PhaseResult = await loadgen.run({
        mode: 'closed',
        url,
        concurrency: CONCURRENCY,
        durationMs: 3_600_000,
        maxRequests: Math.min(perSlice, totalRequests - accepted - failed),
        // One traffic stream across slices would be better; distinct seeds and tags keep groups distinct.
        bodies: traffic(`embedded${slice}`, 500 + slice),
        keepLatencies: true,
      });
      const usage = process.memoryUsage();
      const peak = rss.mark();
      accepted += result.accepted;
      failed += result.failed;
      firstFailure ??= result.firstFailure;
      elapsedMs += result.elapsedMs;
      latencies.push(...(result.latencies ?? []));
      rows.push([
        fmt(accepted * ALERTS_PER_GROUP, 0),
        fmt(result.alertsAccepted / (result.elapsedMs / 1000), 0),
        fmt(result.latency.p50),
        fmt(result.latency.p99),
        fmt(result.latency.max),
        fmt(mb(peak), 0),
        fmt(mb(usage.rss), 0),
        fmt(mb(usage.heapUsed), 0),
        fmt(mb(usage.external), 0),
        fmt(mb(usage.arrayBuffers), 0),
      ]);
      log(
        `${fmt(accepted * ALERTS_PER_GROUP, 0)} alerts: ${fmt(result.alertsAccepted / (result.elapsedMs / 1000), 0)} alerts/s, p99 ${fmt(result.latency.p99)} ms, RSS ${fmt(mb(usage.rss), 0)} MB`,
      );
    }
    const used = cpu.end();
    rss.stop();
    const overall = summarize(latencies);
    const alertsPerSecond = (accepted * ALERTS_PER_GROUP) / (elapsedMs / 1000);
    const peakRssMb = mb(rss.peak);
    const atPeak = rss.atPeak;
    const stored = await app.deps.db.query<{ count: number }>(
      'SELECT count(*) AS count FROM webhook_deliveries',
    );
    const deliveries = Number(stored.rows[0]?.count ?? 0);
    const diskMb = folderMb(path.join(dataDir, 'pgdata'));

    log('');
    log(
      table(
        [
          'alerts so far',
          'alerts/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'peak RSS MB',
          'RSS MB',
          'JS heap MB',
          'external MB',
          'arrayBuffers MB',
        ],
        rows,
      ),
    );
    log('');
    log(
      `whole run: ${fmt(accepted, 0)} requests accepted, ${failed} failed, ${fmt(alertsPerSecond, 0)} alerts/s, p50 ${fmt(overall.p50)} / p99 ${fmt(overall.p99)} / max ${fmt(overall.max)} ms; server CPU ${fmt((100 * used.serverMs) / used.wallMs, 0)}% of a core, machine ${used.machineBusyPct === null ? '?' : `${fmt(used.machineBusyPct, 0)}%`} busy`,
    );
    log(
      `at peak RSS: JS heap ${fmt(mb(atPeak.heapUsed), 0)} MB used of ${fmt(mb(atPeak.heapTotal), 0)}, external ${fmt(mb(atPeak.external), 0)} MB (WASM memory and buffers), arrayBuffers ${fmt(mb(atPeak.arrayBuffers), 0)} MB; data folder ${diskMb === null ? '?' : fmt(diskMb, 0)} MB on disk`,
    );
    if (firstFailure) log(`first failure: ${firstFailure}`);

    return report(
      'aiops-bot-embedded',
      [
        {
          target: `p99 webhook latency < ${TARGETS.p99Ms} ms (${CONCURRENCY} senders)`,
          measured: `p50 ${fmt(overall.p50)} / p99 ${fmt(overall.p99)} ms at ${fmt(alertsPerSecond, 0)} alerts/s`,
          pass: overall.p99 < TARGETS.p99Ms && failed === 0,
        },
        {
          target: `peak RSS < ${TARGETS.rssMb} MB after ${fmt(TOTAL_ALERTS, 0)} alerts`,
          measured: `${fmt(peakRssMb, 0)} MB (includes PGlite)`,
          pass: peakRssMb < TARGETS.rssMb,
        },
        {
          target: 'every 202 has its delivery row',
          measured: `${fmt(deliveries, 0)} rows for ${fmt(accepted, 0)} measured 202s (+ warm-up)`,
          pass: deliveries >= accepted,
        },
      ],
      {
        machine,
        idleBusyPct: idlePct === null ? null : round(idlePct, 0),
        concurrency: CONCURRENCY,
        alerts: accepted * ALERTS_PER_GROUP,
        errors: failed,
        seconds: round(elapsedMs / 1000, 1),
        alertsPerSecond: round(alertsPerSecond, 0),
        p50Ms: round(overall.p50, 2),
        p99Ms: round(overall.p99, 2),
        maxMs: round(overall.max, 2),
        peakRssMb: round(peakRssMb, 0),
        atPeakMb: {
          heapUsed: round(mb(atPeak.heapUsed), 0),
          external: round(mb(atPeak.external), 0),
          arrayBuffers: round(mb(atPeak.arrayBuffers), 0),
        },
        diskMb: diskMb === null ? null : round(diskMb, 0),
      },
    );
  } finally {
    rss.stop();
    await loadgen?.close().catch(() => {});
    await app?.close().catch(() => {});
    if (env.BENCH_KEEP_DB === '1') log(`BENCH_KEEP_DB=1: kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(main);
