/**
 * Issue 10, item 1: PostgreSQL stopping (`pg_ctl stop -m fast`, as an operator or a failover does) while
 * the bot is busy must not end the process. Webhooks get 503 + Retry-After while it is down, the job
 * worker and the Slack poster back off and resume, and once the server is back everything that was
 * answered 202 is processed. This runs its own throwaway server (never the shared one on 5432).
 */
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { createPgDb } from '../../src/db/pg.ts';
import { startAnswerLosingProxy } from '../support/answer-losing-proxy.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { postgresDatabase } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { freePort, type PgCluster, postgresBinDir, startPgCluster } from '../support/pg-cluster.ts';
import { waitFor } from '../support/wait.ts';

const binDir = postgresBinDir();
if (!binDir)
  console.warn('database-restart.test.ts skipped: no PostgreSQL binaries (initdb, pg_ctl, postgres)');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  deliveryId?: number;
  retryAfter?: string | null;
  error?: string;
}

/** `clients` concurrent senders, each posting new alerts to a few incidents of its own until stopped. */
function sendContinuously(url: string, clients: number) {
  const answers: Answer[] = [];
  let stopped = false;
  const senders = Array.from({ length: clients }, async (_, client) => {
    for (let i = 0; !stopped; i += 1) {
      const body = alertmanagerBody({
        groupKey: `restart-${client}-${i % 4}`,
        alerts: [{ labels: { alertname: 'Down', service: `svc-${client}`, pod: `pod-${i}` } }],
      });
      try {
        const response = await fetch(`${url}/webhooks/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json = (await response.json().catch(() => ({}))) as { deliveryId?: number };
        answers.push({
          status: response.status,
          deliveryId: json.deliveryId,
          retryAfter: response.headers.get('retry-after'),
        });
        // An outage answer says to retry later; do not spin on it.
        if (response.status === 503) await sleep(50);
      } catch (error) {
        // The bot closing the connection without an answer (or not listening any more) is a failure too.
        answers.push({ status: 0, error: String((error as Error).cause ?? error) });
        await sleep(50);
      }
    }
  });
  return {
    answers,
    count: (status: number) => answers.filter((a) => a.status === status).length,
    async stop() {
      stopped = true;
      await Promise.all(senders);
    },
  };
}

describe.skipIf(!binDir)('when the PostgreSQL server stops and starts again while the bot is busy', () => {
  let cluster: PgCluster;
  const problems: unknown[] = [];
  const onProblem = (error: unknown) => problems.push(error);

  beforeAll(async () => {
    cluster = await startPgCluster(binDir as string);
    process.on('uncaughtException', onProblem);
    process.on('unhandledRejection', onProblem);
  });
  afterAll(() => {
    process.off('uncaughtException', onProblem);
    process.off('unhandledRejection', onProblem);
    cluster?.destroy();
  });

  let app: TestApp;
  let direct: Db;
  let appDb: Db;
  let dispose: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  beforeEach(async () => {
    problems.length = 0;
    const created = await postgresDatabase(cluster.url).create();
    databaseUrl = created.url as string;
    dispose = created.dispose;
    // A separate pool for the test's own reads, so they never share a client with the app.
    direct = createPgDb({ connectionString: created.url as string, max: 2 });
    appDb = createPgDb({ connectionString: created.url as string, connectionTimeoutMillis: 1_000 });
    await direct.query('SELECT 1');
  });
  afterEach(async () => {
    // A test that failed mid-outage must not leave the next one without a server.
    if (!cluster.running) await cluster.start();
    await app?.close();
    await appDb?.close().catch(() => {});
    await direct?.close().catch(() => {});
    await dispose?.();
    dispose = undefined;
  });

  /** Every job done (none pending, running or dead) and every Slack message sent. */
  async function everythingProcessed() {
    let advanced = 0;
    let last: unknown;
    return waitFor(async () => {
      // Jobs come due on the test's clock (the analysis settle delay is 10 s), which stops short of the
      // leases (jobs 60 s, Slack messages 30 s): what the outage left claimed must be given back, not wait
      // for its lease to run out.
      if (advanced < 25_000) {
        app.clock.advance(1_000);
        advanced += 1_000;
      }
      const jobs = await direct.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM jobs GROUP BY status',
      );
      const outbox = await direct.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM slack_outbox GROUP BY status',
      );
      const open = [...jobs.rows, ...outbox.rows].filter(
        (row) => row.status !== 'done' && row.status !== 'sent',
      );
      last = { jobs: jobs.rows, outbox: outbox.rows };
      return open.length === 0 && jobs.rows.length > 0 ? { jobs: jobs.rows, outbox: outbox.rows } : false;
    }, 30_000).catch(async (error: Error) => {
      const stuck = await direct.query(
        `SELECT 'job' AS what, id, kind, status, attempts, locked_by, locked_until, last_error FROM jobs WHERE status <> 'done'
         UNION ALL SELECT 'slack', id, kind, status, attempts, locked_by, locked_until, last_error FROM slack_outbox WHERE status <> 'sent'`,
      );
      throw new Error(
        `${error.message} for every job and Slack message to be done: ${JSON.stringify(last)}; not done: ${JSON.stringify(stuck.rows)}`,
      );
    });
  }

  /**
   * A job the outage interrupted was given back without counting the attempt: none ran twice for good (0 is
   * a job given back while a newer one with its key was pending, which covered it).
   */
  async function expectNoAttemptBurnt() {
    const attempts = await direct.query<{ id: number; attempts: number; last_error: string | null }>(
      'SELECT id, attempts, last_error FROM jobs WHERE attempts > 1',
    );
    expect(attempts.rows).toEqual([]);
  }

  /** One root message per incident: a message Slack took while the database was down is not sent again. */
  function expectOneRootPerIncident(incidents: number) {
    const roots = app.printed.filter((text) => /^── \S+ · message \S+ ──\n/.test(text));
    expect(roots).toHaveLength(incidents);
  }

  /** Waits until the worker and the poster have both noticed the outage (and backed off). */
  async function backingOff() {
    await waitFor(() => {
      const lines = app.logs.join('');
      return ['job worker', 'slack poster'].every((what) =>
        lines.includes(`${what}: database unavailable; backing off`),
      );
    }, 20_000);
  }

  /** The worker and the poster each said once that the database went away, and once that it came back. */
  function expectBackoffLogged() {
    const lines = app.logs.join('');
    for (const what of ['job worker', 'slack poster']) {
      expect(lines.split(`${what}: database unavailable; backing off`).length - 1).toBe(1);
      expect(lines.split(`${what}: database reachable again; resumed`).length - 1).toBe(1);
    }
  }

  it('answers 202 or 503 under load from 6 clients, never exits, and processes every 202 once it is back', async () => {
    app = await startTestApp(appDb, { startWorkers: true });
    const load = sendContinuously(app.url, 6);
    try {
      await waitFor(() => load.count(202) >= 60, 20_000);
      await cluster.stop();
      const stoppedAt = load.answers.length;
      await waitFor(() => load.answers.slice(stoppedAt).filter((a) => a.status === 503).length >= 12, 20_000);
      expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
      await backingOff();
      await cluster.start();
      const restartedAt = load.answers.length;
      await waitFor(
        () => load.answers.slice(restartedAt).filter((a) => a.status === 202).length >= 30,
        20_000,
      );
    } finally {
      await load.stop();
    }

    expect(problems).toEqual([]);
    const unexpected = load.answers.filter((a) => a.status !== 202 && a.status !== 503);
    expect(unexpected).toEqual([]);
    expect(load.answers.filter((a) => a.status === 503).every((a) => a.retryAfter === '5')).toBe(true);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);

    // Every 202 is a stored, processed delivery.
    const accepted = load.answers.filter((a) => a.status === 202).map((a) => a.deliveryId as number);
    const stored = await direct.query<{ id: number }>(
      `SELECT id FROM webhook_deliveries WHERE outcome = 'processed' AND id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)`,
      [JSON.stringify(accepted)],
    );
    expect(stored.rowCount).toBe(new Set(accepted).size);

    // The worker and the poster resumed and finished everything, with no job burnt to dead by the outage.
    const done = await everythingProcessed();
    expect(done.jobs.every((row) => row.status === 'done')).toBe(true);
    await expectNoAttemptBurnt();
    const incidents = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    expect(incidents.rows[0]?.n).toBe(24);
    const analysed = await direct.query<{ n: number }>(
      'SELECT count(DISTINCT incident_id)::int AS n FROM incident_analyses',
    );
    expect(analysed.rows[0]?.n).toBe(24);
    expectOneRootPerIncident(24);
    expectBackoffLogged();
    expect(problems).toEqual([]);
  }, 120_000);

  it('keeps the job worker and the poster alive through a restart when only a backlog is running', async () => {
    app = await startTestApp(appDb, { startWorkers: false });
    // A backlog: 40 incidents, each with a thread to post and an analysis to run, and no webhooks after.
    for (let i = 0; i < 40; i += 1) {
      const body = alertmanagerBody({
        groupKey: `backlog-${i}`,
        alerts: [{ labels: { alertname: 'Down', service: `svc-${i}` } }],
      });
      const response = await fetch(`${app.url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(202);
    }
    app.clock.advance(15_000);
    app.app.jobs.start();
    app.app.poster.start();
    await waitFor(async () => {
      const done = await direct.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM jobs WHERE status = 'done'",
      );
      return (done.rows[0]?.n ?? 0) >= 5;
    }, 20_000);
    await cluster.stop();
    await backingOff();
    await cluster.start();

    await everythingProcessed();
    const analysed = await direct.query<{ n: number }>(
      'SELECT count(DISTINCT incident_id)::int AS n FROM incident_analyses',
    );
    expect(analysed.rows[0]?.n).toBe(40);
    await expectNoAttemptBurnt();
    expectOneRootPerIncident(40);
    expectBackoffLogged();
    expect(problems).toEqual([]);
  }, 120_000);

  // The report's own setup: `aiops start` as its own process on DATABASE_URL, the server stopped under it.
  it('`aiops start` on DATABASE_URL keeps running through the restart and shuts down cleanly after', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    /** `answered` counted after `from`, failing at once (with its last words) if the process ended. */
    const answered = (load: ReturnType<typeof sendContinuously>, from: number, status: number) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `aiops start exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-3000)}`,
        );
      }
      return load.answers.slice(from).filter((a) => a.status === status).length;
    };
    try {
      await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, 30_000);
      const load = sendContinuously(url, 6);
      try {
        await waitFor(() => answered(load, 0, 202) >= 30, 20_000);
        await cluster.stop();
        const stoppedAt = load.answers.length;
        await waitFor(() => answered(load, stoppedAt, 503) >= 6, 20_000);
        await waitFor(() => output.includes('database unavailable; backing off'), 20_000);
        await cluster.start();
        const restartedAt = load.answers.length;
        await waitFor(() => answered(load, restartedAt, 202) >= 30, 20_000);
      } finally {
        await load.stop();
      }
      expect(child.exitCode).toBeNull();
      expect(load.answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
      expect(output).not.toMatch(/Unhandled|uncaught/i);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);

  // A claim committed while its answer was lost (the connection dropped right after): the worker and the
  // poster do not know they hold it, so nobody ran it until its lease ran out (60 s for jobs).
  it('gives back a claim whose answer was lost with the connection, without waiting for its lease', async () => {
    const proxy = await startAnswerLosingProxy('127.0.0.1', cluster.port);
    const viaProxy = new URL(databaseUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const proxied = createPgDb({ connectionString: viaProxy.toString(), connectionTimeoutMillis: 1_000 });
    try {
      app = await startTestApp(proxied, { startWorkers: false });
      for (let i = 0; i < 3; i += 1) {
        const body = alertmanagerBody({
          groupKey: `lost-${i}`,
          alerts: [{ labels: { alertname: 'Down', service: `svc-${i}` } }],
        });
        const response = await fetch(`${app.url}/webhooks/alertmanager`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(response.status).toBe(202);
      }
      proxy.loseAnswerTo("UPDATE jobs SET status = 'running'");
      app.app.jobs.start();
      // Root messages to post (from the incidents' first sync), then the poster's claim of them is lost.
      await waitFor(async () => {
        const pending = await direct.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM slack_outbox WHERE status = 'pending'",
        );
        return (pending.rows[0]?.n ?? 0) >= 3;
      }, 20_000);
      proxy.loseAnswerTo('UPDATE slack_outbox SET attempts = attempts + 1');
      app.app.poster.start();

      await everythingProcessed();
      expect(proxy.lost).toBe(2);
      const lines = app.logs.join('');
      expect(lines).toContain('gave back jobs claimed as the database went away');
      expect(lines).toContain('gave back slack messages claimed as the database went away');
      await expectNoAttemptBurnt();
      expectOneRootPerIncident(3);
      expect(problems).toEqual([]);
    } finally {
      await app.close();
      await proxied.close().catch(() => {});
      await proxy.close();
    }
  }, 120_000);
});
