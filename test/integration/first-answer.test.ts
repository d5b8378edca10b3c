/**
 * The first answer within a second (issue 13): a new incident's offline analysis is in its Slack thread
 * before the storm settles, and the LLM's analysis — one call per settled storm — replaces that message in
 * place (chat.update, "updated by <model>"); the API shows both. Through the real app, Slack and the
 * Anthropic Messages API faked by local servers, the clock driven by the test. (Not nock: once it
 * intercepts fetch in this process, the Slack client's request bodies no longer reach the Slack fake.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeAnalysis, computeFirstAnalysis } from '../../src/analysis/analyze.ts';
import type { Db } from '../../src/db/index.ts';
import { storeAndPostAnalysis } from '../../src/incidents/analyse.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { buttonClickBody, type SlackFake, slackSignature, startSlackFake } from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const MODEL = 'claude-sonnet-5-5';
const SIGNING_SECRET = 'test-signing-secret';
const SECOND = 1000;

const llmAnalysis = {
  summary: 'checkout pods crash-loop right after deploy v2.14.0; the new image exits at start-up.',
  rootCauses: [
    {
      title: 'Bad deploy of checkout v2.14.0',
      likelihood: 0.7,
      evidence: ['KubePodCrashLooping started 3 minutes after the rollout'],
      category: 'deployment',
    },
  ],
  nextSteps: ['kubectl -n shop rollout undo deployment/checkout'],
  proposedActions: [],
  proposedFixes: [],
};

function toolUseMessage(input: unknown) {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'report_analysis', input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: 2100,
      output_tokens: 410,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

const crashLoop = (groupKey: string, pods: string[]) =>
  alertmanagerBody({
    groupKey,
    alerts: pods.map((pod) => ({
      fingerprint: `fp-${groupKey}-${pod}`,
      labels: {
        alertname: 'KubePodCrashLooping',
        severity: 'critical',
        namespace: 'shop',
        pod,
        container: 'checkout',
        service: `checkout-${groupKey}`,
        team: groupKey,
      },
      annotations: { summary: `Pod shop/${pod} is crash looping.` },
    })),
  });

/** The Messages API: answers each call with the next queued reply (the last one repeats), counting calls. */
async function startFakeAnthropic() {
  const state = {
    calls: 0,
    replies: [] as [number, unknown][],
    /** While set, answers wait for it (an LLM call that takes its time). */
    hold: null as Promise<void> | null,
  };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      state.calls += 1;
      await state.hold;
      const [status, body] = (state.replies.length > 1 ? state.replies.shift() : state.replies[0]) ?? [
        500,
        { type: 'error', error: { type: 'api_error', message: 'no reply queued' } },
      ];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: () => unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
const post = async (url: string, body: unknown) => {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: response.json() as Record<string, unknown> };
};

const textOf = (body: Record<string, unknown>) => `${body.text} ${JSON.stringify(body.blocks ?? [])}`;

interface AnalysisRecord {
  id: number;
  stage: string;
  analyzer: string;
  analysis: { analyzer: string; model?: string; fallbackReason?: string; rootCauses: { title: string }[] };
}

describe.each(testDatabases())('first answer, then the LLM in place, on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let app: TestApp;
  let llm: Awaited<ReturnType<typeof startFakeAnthropic>>;
  /** Lets held LLM answers go (a test that failed mid-hold must not hang the app's close). */
  let releaseLlm = () => {};

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    slack = await startSlackFake();
    llm = await startFakeAnthropic();
  });
  afterAll(async () => {
    await llm?.close();
    await slack?.close();
    await dispose?.();
  });
  beforeEach(async () => {
    slack.calls.length = 0;
    llm.state.calls = 0;
    llm.state.replies = [];
    llm.state.hold = null;
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AIOPS_DEFAULT_CHANNEL: '#incidents',
        ANTHROPIC_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: llm.url,
        AIOPS_MODEL: MODEL,
      },
    });
  });
  afterEach(async () => {
    releaseLlm();
    await app?.close();
  });

  /** How the Messages API answers from now on. */
  const anthropic = (reply: [number, unknown]) => {
    llm.state.replies = [reply];
  };

  /** Runs what is due now (jobs, then the outbox), without moving the clock. */
  const runDue = async () => {
    for (let round = 0; round < 20; round += 1) {
      const jobs = await app.app.jobs.runOnce();
      const sent = await app.app.poster.drain({ ignorePacing: true });
      if (jobs + sent === 0) return;
    }
  };

  async function open(groupKey: string, pods = ['checkout-7d9f-1', 'checkout-7d9f-2']): Promise<number> {
    const response = await post(`${app.url}/webhooks/alertmanager`, crashLoop(groupKey, pods));
    expect(response.status).toBe(202);
    return (response.json.incidentIds as number[])[0] as number;
  }

  const rootTsOf = async (id: number) =>
    (await db.query<{ root_ts: string }>('SELECT root_ts FROM slack_threads WHERE incident_id = $1', [id]))
      .rows[0]?.root_ts as string;
  /** Analysis replies Slack took (a refused post is recorded by the fake too). */
  const analysisPosts = (rootTs: string) =>
    slack
      .callsOf('chat.postMessage')
      .filter((call) => call.body.thread_ts === rootTs && String(call.body.text).startsWith('🔎'));
  const detail = async (id: number) => {
    const response = await request(`${app.url}/api/incidents/${id}`);
    expect(response.status).toBe(200);
    return response.json() as { analysis: AnalysisRecord | null; analyses: AnalysisRecord[] };
  };

  it('posts the offline analysis before the settle, then the LLM replaces it in place', async () => {
    const id = await open('a');
    await runDue(); // the clock has not moved: no settle has passed
    const rootTs = await rootTsOf(id);
    const [first, ...more] = analysisPosts(rootTs);
    expect(more).toEqual([]);
    expect(textOf(first?.body ?? {})).toContain('Offline analyzer (no LLM)');
    expect(textOf(first?.body ?? {})).toContain('first answer');
    expect(llm.state.calls).toBe(0);
    const before = await detail(id);
    expect(before.analysis).toMatchObject({ stage: 'first', analyzer: 'offline' });
    expect(before.analyses).toHaveLength(1);

    // The rest of the storm: more deliveries inside the settle window ask the LLM nothing yet.
    for (const [index, pods] of [['checkout-7d9f-3'], ['checkout-7d9f-4', 'checkout-7d9f-5']].entries()) {
      app.clock.advance(2 * SECOND);
      await post(`${app.url}/webhooks/alertmanager`, crashLoop('a', pods));
      await runDue();
      expect(llm.state.calls, `after delivery ${index + 2}`).toBe(0);
    }

    anthropic([200, toolUseMessage(llmAnalysis)]);
    app.clock.advance(10 * SECOND);
    await runDue();
    app.clock.advance(2 * 60 * SECOND); // well past any re-analysis debounce: nothing more is asked
    await runDue();
    expect(llm.state.calls).toBe(1);

    // The same message, edited: no second analysis reply.
    expect(analysisPosts(rootTs)).toHaveLength(1);
    const firstTs = (
      await db.query<{ slack_ts: string }>(
        `SELECT o.slack_ts FROM analysis_messages m JOIN slack_outbox o ON o.id = m.outbox_id
         WHERE m.incident_id = $1 AND m.part = 0`,
        [id],
      )
    ).rows[0]?.slack_ts;
    const edits = slack.callsOf('chat.update').filter((call) => call.body.ts === firstTs);
    expect(edits).toHaveLength(1);
    const edited = textOf(edits[0]?.body ?? {});
    expect(edited).toContain('Bad deploy of checkout v2.14.0');
    expect(edited).toContain(`Updated by \`${MODEL}\``);
    expect(edited).not.toContain('first answer');

    // The API: the LLM's is current, the offline first answer is kept as history.
    const after = await detail(id);
    expect(after.analysis).toMatchObject({ stage: 'settled', analyzer: 'llm' });
    expect(after.analysis?.analysis.model).toBe(MODEL);
    expect(after.analyses.map((a) => [a.stage, a.analyzer])).toEqual([
      ['settled', 'llm'],
      ['first', 'offline'],
    ]);

    // The updated message's button works: its value names the LLM's cause.
    const blocks = (edits[0]?.body.blocks ?? []) as { accessory?: { action_id?: string; value?: string } }[];
    const value = blocks.find((block) => block.accessory?.action_id === `${ACTION_IDS.confirmCause}:0`)
      ?.accessory?.value;
    expect(value).toBeDefined();
    const click = buttonClickBody({
      actionId: `${ACTION_IDS.confirmCause}:0`,
      value: value as string,
      messageTs: firstTs ?? '1.0',
      responseUrl: slack.responseUrl('confirm-updated'),
    });
    const clicked = await request(`${app.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...slackSignature(SIGNING_SECRET, click, Math.floor(app.clock.now().getTime() / 1000)),
      },
      body: click,
    });
    expect(clicked.status).toBe(200);
    const confirmed = await waitFor(async () => {
      const rows = await db.query<{ title: string }>(
        'SELECT title FROM confirmed_causes WHERE incident_id = $1',
        [id],
      );
      return rows.rows[0];
    });
    expect(confirmed.title).toBe('Bad deploy of checkout v2.14.0');
  });

  it('keeps the offline answer, with the reason, when the LLM fails', async () => {
    const id = await open('b');
    await runDue();
    anthropic([400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad request' } }]);
    app.clock.advance(10 * SECOND);
    await runDue();
    expect(llm.state.calls).toBe(1);
    const rootTs = await rootTsOf(id);
    expect(analysisPosts(rootTs)).toHaveLength(1);
    const edits = slack.callsOf('chat.update').filter((call) => call.body.ts !== rootTs);
    expect(edits).toHaveLength(1);
    expect(textOf(edits[0]?.body ?? {})).toContain('the LLM could not be reached; offline fallback');
    const after = await detail(id);
    expect(after.analysis).toMatchObject({ stage: 'settled', analyzer: 'offline' });
    expect(after.analysis?.analysis.fallbackReason).toBe('the LLM could not be reached; offline fallback');
    expect(after.analyses.map((a) => a.stage)).toEqual(['settled', 'first']);
  });

  it('never loses the update when Slack refused the first answer: it is posted as the one message', async () => {
    const id = await open('c');
    await app.app.jobs.runOnce(); // the root and the first answer are queued
    await app.app.poster.runOnce({ ignorePacing: true }); // the root goes out
    slack.failNext('chat.postMessage', { error: 'msg_too_long' });
    await runDue(); // the first answer is refused for good
    const rootTs = await rootTsOf(id);
    expect(analysisPosts(rootTs)).toHaveLength(1); // the refused call

    anthropic([200, toolUseMessage(llmAnalysis)]);
    app.clock.advance(10 * SECOND);
    await runDue();
    const posts = analysisPosts(rootTs);
    expect(posts).toHaveLength(2);
    expect(textOf(posts[1]?.body ?? {})).toContain('Bad deploy of checkout v2.14.0');
    expect(slack.callsOf('chat.update').filter((call) => call.body.ts !== rootTs)).toEqual([]);
    const outbox = await db.query<{ kind: string; status: string }>(
      "SELECT kind, status FROM slack_outbox WHERE incident_id = $1 AND kind <> 'root' ORDER BY id",
      [id],
    );
    expect(outbox.rows.every((row) => row.status === 'sent')).toBe(true);
  });

  it('a first answer racing the settled analysis leaves one message showing the settled one', async () => {
    const id = await open('d');
    // Before any job ran: both analyses at once, as two workers would.
    anthropic([200, toolUseMessage(llmAnalysis)]);
    const [first, settled] = await Promise.all([
      computeFirstAnalysis(app.app.deps, id),
      computeAnalysis(app.app.deps, id),
    ]);
    await Promise.all([
      storeAndPostAnalysis(app.app.deps, settled),
      storeAndPostAnalysis(app.app.deps, first),
    ]);
    // Replayed: the first answer again changes nothing.
    expect(await storeAndPostAnalysis(app.app.deps, first)).toBeNull();
    await runDue();
    const rootTs = await rootTsOf(id);
    const posts = analysisPosts(rootTs);
    const edits = slack.callsOf('chat.update').filter((call) => call.body.ts !== rootTs);
    expect(posts).toHaveLength(1);
    const shown = textOf((edits.at(-1) ?? posts[0])?.body ?? {});
    expect(shown).toContain('Bad deploy of checkout v2.14.0');
    expect((await detail(id)).analysis).toMatchObject({ analyzer: 'llm' });
  });

  it("a slow LLM call does not hold up a new incident's root message and first answer", async () => {
    // The running app's own workers and poster (polling on real timers, claiming at the test's clock).
    await app.close();
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AIOPS_DEFAULT_CHANNEL: '#incidents',
        ANTHROPIC_API_KEY: 'test-key',
        ANTHROPIC_BASE_URL: llm.url,
        AIOPS_MODEL: MODEL,
      },
      // Its own channel: the pace of #incidents (at the test's clock) does not delay it.
      yaml: 'routes:\n  - match: { team: f }\n    channel: "#f-oncall"\n',
      startWorkers: true,
    });
    llm.state.hold = new Promise<void>((resolve) => {
      releaseLlm = resolve;
    });
    anthropic([200, toolUseMessage(llmAnalysis)]);
    const slow = await open('e');
    await waitFor(async () => (await rootTsOf(slow)) ?? undefined, 20_000);
    app.clock.advance(10 * SECOND); // the storm settled: its LLM call starts, and hangs
    await waitFor(() => (llm.state.calls > 0 ? true : undefined), 20_000);

    const next = await open('f');
    const rootTs = await waitFor(async () => (await rootTsOf(next)) ?? undefined, 20_000);
    app.clock.advance(1_100); // the channel's pace (one message a second, at the app's clock)
    await waitFor(() => (analysisPosts(rootTs).length > 0 ? true : undefined), 20_000);
    expect(textOf(analysisPosts(rootTs)[0]?.body ?? {})).toContain('first answer');
    expect(llm.state.calls).toBe(1); // still the slow incident's one call, unanswered

    releaseLlm();
    const pending = async (id: number) =>
      Number(
        (
          await db.query<{ n: string }>(
            "SELECT count(*) AS n FROM slack_outbox WHERE incident_id = $1 AND status = 'pending'",
            [id],
          )
        ).rows[0]?.n,
      );
    await waitFor(async () => {
      app.clock.advance(1_100);
      const current = (await detail(slow)).analysis;
      return current?.analyzer === 'llm' && (await pending(slow)) === 0 ? true : undefined;
    }, 20_000);
    const slowTs = await rootTsOf(slow);
    expect(analysisPosts(slowTs)).toHaveLength(1);
    const messageTs = (
      await db.query<{ slack_ts: string }>(
        `SELECT o.slack_ts FROM analysis_messages m JOIN slack_outbox o ON o.id = m.outbox_id
         WHERE m.incident_id = $1 AND m.part = 0`,
        [slow],
      )
    ).rows[0]?.slack_ts;
    const edit = slack.callsOf('chat.update').find((call) => call.body.ts === messageTs);
    expect(textOf(edit?.body ?? {})).toContain('Bad deploy of checkout v2.14.0');
  });
});
