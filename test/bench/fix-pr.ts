/**
 * `npm run bench:fix-pr`: click → draft PR. The real app (createApp) on a fresh database, Slack and GitHub faked
 * by local HTTP servers with their real API shapes. Each round opens an OOMKilled incident, lets the analysis
 * post, then sends a signed *Open fix PR* click and times it until the fake GitHub holds the draft PR (read the
 * files, generate, validate, blobs/tree/commit/ref, PR, labels).
 *
 * Two figures: with GitHub's write pacing (what users see: ≥ 1 s between writes, 3 s between those that notify,
 * as GitHub asks of integrations) and without it (the bot's own cost).
 *
 * Environment: BENCH_DATABASE_URL / TEST_DATABASE_URL (a server; else embedded PGlite), BENCH_ROUNDS (default 8
 * unpaced, 2 paced), LOG_LEVEL (default warn).
 */
import { createApp } from '../../src/app.ts';
import { createGitHubClient } from '../../src/clients/github.ts';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { pgliteDatabase, postgresDatabase } from '../support/databases.ts';
import { fixesYaml, MANIFEST, oomBody } from '../support/fix-fixtures.ts';
import { startGitHubFake } from '../support/github-fake.ts';
import { buttonClickBody, slackSignature, startSlackFake } from '../support/slack-fake.ts';

const log = (text = '') => process.stdout.write(`${text}\n`);
const SIGNING_SECRET = 'bench-signing-secret';
const rounds = Number(process.env.BENCH_ROUNDS) || 8;

async function main(): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const database = serverUrl ? postgresDatabase(serverUrl) : pgliteDatabase;
  const github = await startGitHubFake();
  const slack = await startSlackFake();
  const results: Record<string, number[]> = {};
  for (const paced of [false, true]) {
    const { db, dispose } = await database.create();
    const repo = `acme/checkout-${paced ? 'paced' : 'unpaced'}`;
    github.addRepo(repo, { 'deploy/checkout.yaml': MANIFEST });
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const app = await createApp({
      config: configFrom(
        {
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          SLACK_BOT_TOKEN: 'xoxb-bench',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          GITHUB_TOKEN: 'ghs_bench',
          GITHUB_API_URL: github.apiUrl,
        },
        fixesYaml(repo),
      ),
      db,
      clock,
      logger: createLogger((process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn'),
      metrics: createMetrics(),
      startWorkers: false,
      github: createGitHubClient({ token: 'ghs_bench', baseUrl: github.apiUrl, paceWrites: paced }),
    });
    const { url } = await app.listen(0, '127.0.0.1');
    const settle = async () => {
      for (let i = 0; i < 50; i += 1) {
        const n =
          (await app.jobs.runOnce({ aheadMs: 10 * 60_000 })) +
          (await app.poster.drain({ ignorePacing: true }));
        if (n === 0) return;
      }
    };
    const times: number[] = [];
    const n = paced ? Math.max(1, Math.ceil(rounds / 4)) : rounds;
    for (let round = 0; round < n; round += 1) {
      // A new service label per round: each alert opens its own incident (all map to the same repository).
      const labels = {
        alertname: 'KubePodOOMKilled',
        namespace: 'shop',
        pod: `checkout-7d9f8b6c5d-${'bcdfghjklmnpqrstvwxz'[round % 20]}${round}x2k`,
        container: 'checkout',
        service: 'checkout',
        reason: 'OOMKilled',
      };
      const response = await fetch(`${url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(oomBody(`{}:{bench="${round}"}`, labels)),
      });
      const incidentId = ((await response.json()) as { incidentIds: number[] }).incidentIds[0] as number;
      await settle();
      const before = github.pulls(repo).length;
      const click = buttonClickBody({
        actionId: 'fix_open_pr:0',
        value: JSON.stringify({ incidentId, fixIndex: 0 }),
        userId: 'U0BENCH',
        responseUrl: slack.responseUrl(`bench-${paced}-${round}`),
      });
      const started = performance.now();
      await fetch(`${url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          // Signed at the app's clock (a ManualClock): Slack requests more than 5 min off it are refused.
          ...slackSignature(SIGNING_SECRET, click, Math.floor(clock.now().getTime() / 1000)),
        },
        body: click,
      });
      const deadline = Date.now() + 60_000;
      while (github.pulls(repo).length === before) {
        if (Date.now() > deadline) {
          const answer = slack.responses.find((r) => r.id === `bench-${paced}-${round}`);
          throw new Error(`no PR after 60 s; the click was answered ${JSON.stringify(answer?.body ?? null)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      times.push(performance.now() - started);
      // Let the click finish (labels, the fix_prs row, the answer) before the next round or shutdown.
      while (!slack.responses.some((r) => r.id === `bench-${paced}-${round}`))
        await new Promise((resolve) => setTimeout(resolve, 2));
      // Resolve it, so the next round's alert opens a new incident.
      await db.query(`UPDATE incidents SET status = 'resolved', resolved_at = now() WHERE id = $1`, [
        incidentId,
      ]);
      clock.advance(60 * 60_000);
    }
    results[paced ? 'paced (GitHub spacing)' : 'unpaced (bot cost)'] = times;
    await app.close();
    await dispose();
  }
  await github.close();
  await slack.close();
  log(`click → draft PR on the fake GitHub (${serverUrl ? 'PostgreSQL' : 'PGlite'})`);
  const summary: Record<string, { n: number; p50: number; max: number }> = {};
  for (const [name, times] of Object.entries(results)) {
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = sorted[Math.floor((sorted.length - 1) / 2)] as number;
    const max = sorted.at(-1) as number;
    summary[name] = { n: times.length, p50: Math.round(p50), max: Math.round(max) };
    log(`  ${name.padEnd(24)} n=${times.length}  p50 ${Math.round(p50)} ms  max ${Math.round(max)} ms`);
  }
  log(JSON.stringify({ bench: 'fix-pr', ...summary }));
  process.exit(0); // keep-alive sockets of the fakes would hold the loop open a few seconds more
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1); // the servers still listen: do not wait for them
});
