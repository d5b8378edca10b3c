/**
 * `npm run bench` (second part): the Slack side. Starts the real app with the system clock, its job worker
 * and poster running, against a local fake of Slack's Web API, and measures:
 *   1. ack latency of signed `/aiops` requests and button clicks, 100 concurrent (p50/p99)
 *   2. an alert storm: 1,000 alerts into one incident in 10 s → root messages and chat.update calls
 *   3. alert → root message in Slack: a new incident's webhook sent → its root `chat.postMessage` received
 *      by the fake (wall clock of both processes), and → its first analysis reply, one incident at a time
 * then PASS/FAIL per target and one JSON line. Environment as in run.ts (BENCH_DATABASE_URL /
 * TEST_DATABASE_URL, BENCH_QUICK=1, BENCH_STRICT=1).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.ts';
import { configFrom } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { buttonClickBody, type SlackCall, slashCommandBody } from '../support/slack-fake.ts';
import { log, openBenchDatabase, report, runBench } from './common.ts';
import { machineInfo } from './machine.ts';
import type { SlackClientRequest, SlackClientResponse } from './slack-client.ts';
import type { FakeHostMessage } from './slack-fake-child.ts';
import { fmt, summarize } from './stats.ts';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const SECRET = 'bench-signing-secret';
const CONCURRENCY = 100;
const ROUNDS = QUICK ? 3 : 10;
const STORM = { alerts: 1_000, seconds: 10, alertsPerRequest: 10 };
const TARGETS = { ackP99Ms: 100, rootMessages: 1, maxUpdates: 10, rootP50Ms: 300 };
/**
 * New incidents sent one at a time, spaced so that the channel's 1-post-per-second pace leaves room for
 * each root. A new incident brings two posts to the channel — its root and its first answer — and an edit
 * of that answer once the analysis settled (~10 s later), which no longer takes the channel's posting
 * pace (edits share the workspace's chat.update budget). Phase 3 reports the roots that found the channel
 * free apart from those another post held, and how many of the free ones had an edit go out beside them
 * (which held them for the channel's second before edits were paced on their own).
 */
const FIRST = { incidents: QUICK ? 10 : 30, spacingMs: 3_500 };
const wallNow = () => Date.now();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FakeSlack {
  apiUrl: string;
  responseUrl(id: string): string;
  calls(): Promise<SlackCall[]>;
  close(): void;
}

/** The Slack fake in a child process (./slack-fake-child.ts). */
async function startFakeSlack(): Promise<FakeSlack> {
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
    responseUrl: (id) => `${url}/respond/${id}`,
    calls: () =>
      new Promise((resolve) => {
        child.once('message', (message: FakeHostMessage) => {
          if (message.type === 'calls') resolve(message.calls);
        });
        child.send({ type: 'calls' });
      }),
    close: () => child.kill(),
  };
}

/** Runs the requests from a child process (./slack-client.ts) and returns its latency samples. */
function runClient(request: SlackClientRequest): Promise<number[]> {
  // fork() reuses this process's execArgv, so the child runs TypeScript through tsx just like we do.
  const child = fork(fileURLToPath(new URL('./slack-client.ts', import.meta.url)), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`slack client exited (code ${code})`)));
    child.on('message', (message: SlackClientResponse) => {
      if (message.type === 'ready') child.send(request);
      else if (message.type === 'done') resolve(message.samples);
      else reject(new Error(`slack client failed: ${message.message}`));
    });
  });
}

async function main(): Promise<number> {
  const database = await openBenchDatabase();
  const slack = await startFakeSlack();
  const app = await createApp({
    config: configFrom({
      LOG_LEVEL: 'warn',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      AIOPS_DEFAULT_CHANNEL: '#incidents',
    }),
    db: database.db,
    logger: createLogger('warn'),
  });
  const { url } = await app.listen(0, '127.0.0.1');
  const machine = machineInfo();
  log('aiops-bot Slack benchmark');
  log(
    `machine   ${machine.cpuModel}, ${machine.cores} cores, Node ${process.version}; database ${database.label}`,
  );

  try {
    // An incident to ask about.
    const seed = await fetch(`${url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        alertmanagerBody({
          groupKey: 'bench-seed',
          alerts: [
            { labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'web-1', service: 'web' } },
          ],
        }),
      ),
    });
    const incidentId = ((await seed.json()) as { incidentIds: number[] }).incidentIds[0] as number;

    // 3. Alert → root message (and → first analysis reply), one new incident at a time; first, on a quiet
    // app (the ack bursts below leave work behind).
    const sentAt = new Map<string, number>();
    for (let i = 0; i < FIRST.incidents; i += 1) {
      const alertname = `BenchFirstAnswer${i}`;
      sentAt.set(alertname, wallNow());
      await fetch(`${url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          alertmanagerBody({
            groupKey: `bench-first-${i}`,
            alerts: [{ labels: { alertname, namespace: 'shop', pod: `first-${i}`, service: `first-${i}` } }],
          }),
        ),
      }).then((response) => response.arrayBuffer());
      await sleep(FIRST.spacingMs);
    }
    await sleep(5_000); // the last root (and its first answer, a paced second later) under load
    const firstCalls = await slack.calls();
    const rootLatency: number[] = [];
    const analysisLatency: number[] = [];
    const rootFree: number[] = [];
    const rootPaced: number[] = [];
    let rootBesideEdit = 0;
    for (const [alertname, sent] of sentAt) {
      const root = firstCalls.find(
        (call) =>
          call.method === 'chat.postMessage' &&
          !call.body.thread_ts &&
          String(call.body.text).includes(alertname),
      );
      if (root) {
        rootLatency.push(root.at - sent);
        // Did the channel's pace hold this root? Another post went to the channel less than its interval
        // (1 s) before the alert, or between the alert and the root. Edits (chat.update) do not take it.
        const near = (call: SlackCall) => call !== root && call.at > sent - 1_000 && call.at < root.at;
        const paced = firstCalls.some((call) => call.method === 'chat.postMessage' && near(call));
        (paced ? rootPaced : rootFree).push(root.at - sent);
        if (!paced && firstCalls.some((call) => call.method === 'chat.update' && near(call)))
          rootBesideEdit += 1;
      }
      const analysis = firstCalls.find(
        (call) =>
          call.method === 'chat.postMessage' &&
          call.body.thread_ts &&
          String(call.body.text).startsWith('🔎') &&
          String(call.body.text).includes(alertname),
      );
      if (analysis) analysisLatency.push(analysis.at - sent);
    }
    if (env.BENCH_TRACE === '1') {
      // What the channel carried meanwhile, ms after the first alert: the pace explains a late root.
      const t0 = Math.min(...sentAt.values());
      for (const call of firstCalls) {
        const text = String(call.body.text ?? '').slice(0, 60);
        log(
          `   ${fmt(call.at - t0, 0).padStart(7)} ${call.method}${call.body.thread_ts ? ' (reply)' : ''} ${text}`,
        );
      }
    }
    const rootFirst = summarize(rootLatency);
    const analysisFirst = summarize(analysisLatency);
    log(
      `3. alert → root message, ${rootFirst.count} of ${FIRST.incidents} new incidents: p50 ${fmt(rootFirst.p50)} ms, p99 ${fmt(rootFirst.p99)} ms; ` +
        `→ first analysis reply (${analysisFirst.count} seen): p50 ${fmt(analysisFirst.p50)} ms, p99 ${fmt(analysisFirst.p99)} ms`,
    );
    const free = summarize(rootFree);
    const held = summarize(rootPaced);
    log(
      `   roots on a free channel: ${free.count} (${rootBesideEdit} with an edit < 1 s before), p50 ${fmt(free.p50)} ms, ` +
        `max ${fmt(free.max)} ms; held by the channel's pace (another post < 1 s before): ${held.count}, p50 ${fmt(held.p50)} ms`,
    );

    const burst = async (make: (i: number) => string) => {
      // One extra first round opens the client's 100 keep-alive connections; its samples are dropped.
      const rounds = Array.from({ length: ROUNDS + 1 }, () =>
        Array.from({ length: CONCURRENCY }, (_, i) => make(i)),
      );
      const samples = await runClient({ url: `${url}/slack/events`, secret: SECRET, rounds, pauseMs: 200 });
      return summarize(samples.slice(CONCURRENCY));
    };

    await burst((i) => slashCommandBody({ text: 'help', responseUrl: slack.responseUrl(`warm-${i}`) }));
    const commands = await burst((i) =>
      slashCommandBody({ text: `why ${incidentId}`, responseUrl: slack.responseUrl(`why-${i}`) }),
    );
    const buttons = await burst((i) =>
      buttonClickBody({
        actionId: i % 2 === 0 ? ACTION_IDS.acknowledge : ACTION_IDS.resolve,
        value: JSON.stringify({ incidentId }),
        userId: `U${i}`,
        responseUrl: slack.responseUrl(`button-${i}`),
      }),
    );
    log(
      `1. /aiops why, ${CONCURRENCY} concurrent × ${ROUNDS}: p50 ${fmt(commands.p50)} ms, p99 ${fmt(commands.p99)} ms`,
    );
    log(
      `1. button clicks, ${CONCURRENCY} concurrent × ${ROUNDS}: p50 ${fmt(buttons.p50)} ms, p99 ${fmt(buttons.p99)} ms`,
    );

    // The storm: 100 deliveries of 10 new alerts each into one Alertmanager group, paced over 10 s.
    const before = (await slack.calls()).length;
    const requests = STORM.alerts / STORM.alertsPerRequest;
    const started = performance.now();
    let stormIncident = 0;
    for (let r = 0; r < requests; r += 1) {
      const due = started + (r * STORM.seconds * 1000) / requests;
      await sleep(Math.max(0, due - performance.now()));
      const alerts = Array.from({ length: STORM.alertsPerRequest }, (_, i) => ({
        fingerprint: `storm-${r}-${i}`,
        labels: {
          alertname: 'KubePodNotReady',
          namespace: 'shop',
          pod: `web-${r}-${i}`,
          service: 'web-storm',
          severity: 'warning',
        },
      }));
      const response = await fetch(`${url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alertmanagerBody({ groupKey: 'bench-storm', alerts })),
      });
      stormIncident = ((await response.json()) as { incidentIds: number[] }).incidentIds[0] as number;
    }
    // Let the debounced sync and the paced poster finish.
    const thread = async () =>
      (
        await database.db.query<{ pending: number; root_ts: string | null }>(
          `SELECT (SELECT count(*) FROM slack_outbox WHERE status = 'pending') AS pending,
             (SELECT root_ts FROM slack_threads WHERE incident_id = $1) AS root_ts`,
          [stormIncident],
        )
      ).rows[0];
    const settleDeadline = performance.now() + 30_000;
    await sleep(3_000);
    while (performance.now() < settleDeadline && Number((await thread())?.pending ?? 0) > 0) await sleep(250);
    const rootTs = (await thread())?.root_ts;
    const stormCalls = (await slack.calls()).slice(before);
    const roots = stormCalls.filter(
      (call) =>
        call.method === 'chat.postMessage' &&
        !call.body.thread_ts &&
        String(call.body.text).includes('KubePodNotReady'),
    ).length;
    const updates = stormCalls.filter(
      (call) => call.method === 'chat.update' && call.body.ts === rootTs,
    ).length;
    const replies = stormCalls.filter(
      (call) => call.method === 'chat.postMessage' && call.body.thread_ts === rootTs,
    ).length;
    const stored = await database.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM alerts WHERE incident_id = $1',
      [stormIncident],
    );
    log(
      `2. storm, ${STORM.alerts} alerts in ${STORM.seconds} s: ${stored.rows[0]?.n} alerts stored in incident #${stormIncident}; ` +
        `${roots} root message, ${updates} updates, ${replies} thread replies`,
    );

    const results = [
      {
        target: `alert → root message p50 < ${TARGETS.rootP50Ms} ms`,
        measured: `p50 ${fmt(rootFirst.p50)} / p99 ${fmt(rootFirst.p99)} ms`,
        pass: rootFirst.count === FIRST.incidents && rootFirst.p50 < TARGETS.rootP50Ms,
      },
      {
        target: `/aiops ack p99 < ${TARGETS.ackP99Ms} ms (100 concurrent)`,
        measured: `p50 ${fmt(commands.p50)} / p99 ${fmt(commands.p99)} ms`,
        pass: commands.p99 < TARGETS.ackP99Ms,
      },
      {
        target: `button ack p99 < ${TARGETS.ackP99Ms} ms (100 concurrent)`,
        measured: `p50 ${fmt(buttons.p50)} / p99 ${fmt(buttons.p99)} ms`,
        pass: buttons.p99 < TARGETS.ackP99Ms,
      },
      { target: 'storm: one root message', measured: `${roots}`, pass: roots === TARGETS.rootMessages },
      {
        target: `storm: ≤ ${TARGETS.maxUpdates} root updates`,
        measured: `${updates}`,
        pass: updates <= TARGETS.maxUpdates,
      },
      {
        target: 'storm: every alert stored',
        measured: `${stored.rows[0]?.n}`,
        pass: Number(stored.rows[0]?.n) === STORM.alerts,
      },
    ];
    return report('aiops-bot-slack', results, {
      ack: { commands, buttons },
      storm: { alerts: Number(stored.rows[0]?.n), roots, updates, replies },
      firstAnswer: {
        rootMs: rootFirst,
        rootFreeMs: free,
        rootPacedMs: held,
        rootBesideEdit,
        analysisReplyMs: analysisFirst,
      },
    });
  } finally {
    await app.close();
    slack.close();
    await database.dispose();
  }
}

runBench(main);
