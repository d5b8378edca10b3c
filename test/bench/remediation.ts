/**
 * `npm run bench:remediation` (also the last part of `npm run bench`): remediation through Slack on the
 * real app (system clock, job worker and poster running) with the HTTP-job executor against a local
 * automation endpoint, and Slack's side (the Web API fake, the clicking client) in child processes:
 *   1. click → ack: signed Approve clicks, 100 concurrent × 10 rounds, on 100 proposed actions (the first
 *      click of each starts a run; the others are answered "already running"/refused) — p50/p99
 *   2. approve → executor start: one Approve click at a time on a freshly proposed action, time until the
 *      automation endpoint receives the launch — p50/p99
 * then PASS/FAIL per target and one JSON line. Environment as in run.ts (BENCH_DATABASE_URL /
 * TEST_DATABASE_URL, BENCH_QUICK=1, BENCH_STRICT=1).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import { proposeRemediations } from '../../src/incidents/remediation.ts';
import { createLogger } from '../../src/logger.ts';
import { createExecutors } from '../../src/remediation/executors/index.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { buttonClickBody, slackSignature } from '../support/slack-fake.ts';
import { log, openBenchDatabase, report, runBench } from './common.ts';
import { machineInfo } from './machine.ts';
import type { SlackClientRequest, SlackClientResponse } from './slack-client.ts';
import type { FakeHostMessage } from './slack-fake-child.ts';
import { fmt, summarize } from './stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SECRET = 'bench-signing-secret';
const CONCURRENCY = 100;
const ROUNDS = QUICK ? 3 : 10;
const STARTS = QUICK ? 8 : 30;
const TARGETS = { ackP99Ms: 100, startP50Ms: 1_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Slack fake in a child process (./slack-fake-child.ts): Slack is another machine. */
async function startFakeSlack() {
  const child = fork(fileURLToPath(new URL('./slack-fake-child.ts', import.meta.url)), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message: FakeHostMessage) => {
      if (message.type === 'ready') resolve(message.url);
    });
  });
  return {
    apiUrl: `${url}/api/`,
    responseUrl: (id: string) => `${url}/respond/${id}`,
    close: () => child.kill(),
  };
}

/** Sends rounds of signed requests from a child process (./slack-client.ts); returns ack latencies. */
function runClient(request: SlackClientRequest): Promise<number[]> {
  const child = fork(fileURLToPath(new URL('./slack-client.ts', import.meta.url)), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`slack client exited (code ${code})`)));
    child.on('message', (message: SlackClientResponse) => {
      if (message.type === 'ready') child.send(request);
      else if (message.type === 'done') {
        resolve(message.samples);
        child.kill();
      } else reject(new Error(`slack client failed: ${message.message}`));
    });
  });
}

/** The automation endpoint: records when each launch arrived (performance.now of this process). */
async function startAutomation() {
  const arrivals: number[] = [];
  let waiter: ((at: number) => void) | null = null;
  const server = http.createServer((req, res) => {
    const at = performance.now();
    req.resume();
    req.on('end', () => {
      if (req.url === '/launch-timed') {
        arrivals.push(at);
        waiter?.(at);
        waiter = null;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"successful"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    nextLaunch: () => new Promise<number>((resolve) => (waiter = resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...slackSignature(SECRET, body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function main(): Promise<number> {
  const database = await openBenchDatabase();
  const slack = await startFakeSlack();
  const automation = await startAutomation();
  const jobs = Object.fromEntries(
    Array.from({ length: CONCURRENCY }, (_, i) => [`job-${i}`, { url: `${automation.url}/launch` }]),
  );
  jobs.timed = { url: `${automation.url}/launch-timed` };
  const yaml = JSON.stringify({
    services: [{ name: 'checkout', approvers: ['U0ALICE', 'U0BOB'] }],
    remediation: {
      enabled: true,
      maxPerServicePerHour: 1000,
      risk: { 'http-job': 'medium' },
      http: { jobs },
    },
  });
  const config = configFrom(
    {
      LOG_LEVEL: 'warn',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
    },
    yaml,
  );
  const executors = createExecutors(
    {
      http: {
        jobs: Object.fromEntries(
          Object.entries(jobs).map(([name, job]) => [name, { url: job.url, auth: 'none' as const }]),
        ),
      },
    },
    { clock: systemClock, env: {} },
  ).all;
  const app = await createApp({
    config,
    db: database.db,
    logger: createLogger('warn'),
    executors: [...executors],
    startCron: false,
  });
  const { url } = await app.listen(0, '127.0.0.1');
  const machine = machineInfo();
  log('aiops-bot remediation benchmark');
  log(
    `machine   ${machine.cpuModel}, ${machine.cores} cores, Node ${process.version}; database ${database.label}`,
  );
  const db = database.db;

  try {
    const seed = await fetch(`${url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        alertmanagerBody({
          groupKey: 'bench-remediation',
          alerts: [{ labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' } }],
        }),
      ),
    });
    const incidentId = ((await seed.json()) as { incidentIds: number[] }).incidentIds[0] as number;
    // The thread must exist before the action messages go into it.
    await db.query(`UPDATE jobs SET run_at = now() WHERE status = 'pending'`);
    for (let i = 0; i < 200; i += 1) {
      const thread = await db.query('SELECT 1 FROM slack_threads WHERE incident_id = $1', [incidentId]);
      if (thread.rowCount > 0) break;
      await sleep(50);
    }
    const analysis = await db.query<{ id: number }>(
      `INSERT INTO incident_analyses (incident_id, created_at, analyzer, analysis) VALUES ($1, now(), 'offline', '{}')
       RETURNING id`,
      [incidentId],
    );
    const analysisId = Number(analysis.rows[0]?.id);
    const propose = (job: string) =>
      db.transaction((tx) =>
        proposeRemediations(tx, config, new Date(), {
          incidentId,
          analysisId,
          service: 'checkout',
          actions: [{ kind: 'http-job', job }],
        }),
      );

    // 1. click → ack
    const ids: number[] = [];
    for (let i = 0; i < CONCURRENCY; i += 1) ids.push((await propose(`job-${i}`))[0]?.id as number);
    let n = 0;
    const rounds = Array.from({ length: ROUNDS + 1 }, () =>
      ids.map((id, i) => {
        n += 1;
        return buttonClickBody({
          actionId: ACTION_IDS.remediationApprove,
          value: JSON.stringify({ remediationId: id }),
          userId: i % 2 ? 'U0ALICE' : 'U0BOB',
          actionTs: `1700000000.${String(n).padStart(6, '0')}`,
          responseUrl: slack.responseUrl(`ack-${n}`),
        });
      }),
    );
    // The first round opens the client's keep-alive connections; its samples are dropped.
    const samples = await runClient({ url: `${url}/slack/events`, secret: SECRET, rounds, pauseMs: 200 });
    const acks = summarize(samples.slice(CONCURRENCY));
    log(
      `1. Approve clicks, ${CONCURRENCY} concurrent × ${ROUNDS}: p50 ${fmt(acks.p50)} ms, p99 ${fmt(acks.p99)} ms`,
    );
    // Let the runs the clicks started finish before timing starts.
    for (let i = 0; i < 600; i += 1) {
      const busy = await db.query(
        `SELECT 1 FROM jobs WHERE kind = 'run-remediation' AND status IN ('pending', 'running') LIMIT 1`,
      );
      if (busy.rowCount === 0) break;
      await sleep(100);
    }

    // 2. approve → executor start, one at a time, the worker idle in between (its normal state).
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i += 1) {
      const [view] = await propose('timed');
      if (!view) throw new Error('the timed action was not proposed');
      await sleep(300 + Math.random() * 700);
      const launched = automation.nextLaunch();
      const t0 = performance.now();
      const status = await post(
        `${url}/slack/events`,
        buttonClickBody({
          actionId: ACTION_IDS.remediationApprove,
          value: JSON.stringify({ remediationId: view.id }),
          userId: 'U0ALICE',
          actionTs: `1700000001.${String(i).padStart(6, '0')}`,
          responseUrl: slack.responseUrl(`start-${i}`),
        }),
      );
      if (status !== 200) throw new Error(`click answered ${status}`);
      const at = await Promise.race([launched, sleep(15_000).then(() => Number.NaN)]);
      if (Number.isNaN(at)) throw new Error(`action ${view.id} did not start within 15 s`);
      starts.push(at - t0);
      for (let w = 0; w < 100; w += 1) {
        const done = await db.query(
          `SELECT 1 FROM remediation_actions WHERE id = $1 AND status IN ('succeeded', 'failed')`,
          [view.id],
        );
        if (done.rowCount > 0) break;
        await sleep(50);
      }
    }
    const start = summarize(starts);
    log(
      `2. approve → executor start, ${STARTS} one at a time: p50 ${fmt(start.p50)} ms, p99 ${fmt(start.p99)} ms`,
    );

    return report(
      'remediation',
      [
        {
          target: `click → ack p99 < ${TARGETS.ackP99Ms} ms`,
          measured: `${fmt(acks.p99)} ms`,
          pass: acks.p99 < TARGETS.ackP99Ms,
        },
        {
          target: `approve → executor start p50 < ${TARGETS.startP50Ms} ms`,
          measured: `${fmt(start.p50)} ms`,
          pass: start.p50 < TARGETS.startP50Ms,
        },
      ],
      {
        database: database.label,
        ackP50Ms: acks.p50,
        ackP99Ms: acks.p99,
        startP50Ms: start.p50,
        startP99Ms: start.p99,
      },
    );
  } finally {
    await app.close();
    slack.close();
    await automation.close();
    await database.dispose();
  }
}

runBench(main);
