/**
 * An incident of 10,000 alerts over many services, pods, alert names and severities, built through the
 * real ingest path (signed-off Alertmanager webhooks over HTTP) and told in Slack through the real
 * outbox and poster to the local Slack fake: every message the bot sends for it — root message and its
 * edits, timeline replies, analyses, and the `/aiops why`, `status` and `logs` answers — stays within
 * Slack's limits (50 blocks, 3,000 characters per section text, 40,000 per message text, and the rest
 * `checkSlackLimits` knows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIncident } from '../../src/db/incidents.ts';
import type { Db } from '../../src/db/index.ts';
import type { SlackMessage } from '../../src/slack/message.ts';
import { checkSlackLimits, MESSAGE_ALERTS } from '../../src/slack/render/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post, type TestAlert } from '../support/payloads.ts';
import { type SlackFake, slackSignature, slashCommandBody, startSlackFake } from '../support/slack-fake.ts';
import { waitFor } from '../support/wait.ts';

const SIGNING_SECRET = 'storm-signing-secret';
const ALERTS = 10_000;
const PER_DELIVERY = 250;
const SERVICES = Array.from({ length: 40 }, (_, i) => `svc-${String(i).padStart(2, '0')}-${'x'.repeat(20)}`);
const ALERTNAMES = [
  'KubePodCrashLooping',
  'KubePodNotReady',
  'KubeContainerWaiting',
  'KubeDeploymentReplicasMismatch',
  'CPUThrottlingHigh',
  'KubeMemoryOvercommit',
  'HighErrorRate',
  'HighLatency',
  'TargetDown',
  'NodeFilesystemSpaceFillingUp',
  'PostgresConnectionsHigh',
  'RedisDown',
  'KafkaConsumerLag',
  'CertificateExpiringSoon',
  'HTTP5xxBurst',
  ...Array.from({ length: 45 }, (_, i) => `CustomAlert${i}WithAFairlyLongNameForRendering`),
];
const SEVERITIES = ['critical', 'high', 'warning', 'info'];

function stormAlert(n: number, status: 'firing' | 'resolved' = 'firing'): TestAlert {
  const service = SERVICES[n % SERVICES.length] as string;
  const alertname = ALERTNAMES[(n * 7) % ALERTNAMES.length] as string;
  return {
    status,
    fingerprint: `storm-${n}`,
    labels: {
      alertname,
      service,
      namespace: `ns-${n % 13}`,
      pod: `${service}-7d9f8c6b5-${n.toString(36).padStart(5, '0')}`,
      container: service,
      instance: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:8080`,
      severity: SEVERITIES[n % SEVERITIES.length] as string,
    },
    annotations: {
      summary: `${alertname} on ${service} pod ${n}: ${'the pod keeps failing its checks '.repeat(4)}`,
      description: `Alert ${n} of the storm. ${'Long description text with *mrkdwn* and `code` '.repeat(10)}`,
      runbook_url: `https://runbooks.example.com/${alertname}`,
    },
  };
}

describe.each(testDatabases())('Slack limits for a 10,000-alert incident on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SlackFake;
  let app: TestApp;
  let incidentId = 0;

  /** Runs due jobs and drains the outbox; when nothing is due, moves the clock to the next job (≤ 2 min). */
  const settle = async () => {
    for (let round = 0; round < 50; round += 1) {
      const jobs = await app.app.jobs.runOnce();
      const sent = await app.app.poster.drain({ ignorePacing: true });
      if (jobs + sent > 0) continue;
      const next = await db.query<{ at: Date | null }>(
        "SELECT min(run_at) AS at FROM jobs WHERE status = 'pending'",
      );
      const wait = next.rows[0]?.at
        ? new Date(next.rows[0].at).getTime() - app.clock.now().getTime()
        : Number.POSITIVE_INFINITY;
      if (wait > 2 * 60_000) return;
      app.clock.advance(Math.max(0, wait));
    }
  };

  const deliver = async (alerts: TestAlert[]) => {
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({ groupKey: '{}:{alertname=~".+"}/storm', alerts }),
    );
    expect(response.status).toBe(202);
    return (response.json.incidentIds as number[])[0] as number;
  };

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    slack = await startSlackFake();
    app = await startTestApp(db, {
      env: {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AIOPS_DEFAULT_CHANNEL: '#incidents',
      },
    });
    // The storm arrives in deliveries of 250 alerts; the thread is synced (and the incident re-analysed
    // as new kinds of alert join) every 1,000 alerts, as the debounced jobs would in a real storm.
    for (let start = 0; start < ALERTS; start += PER_DELIVERY) {
      incidentId = await deliver(Array.from({ length: PER_DELIVERY }, (_, i) => stormAlert(start + i)));
      app.clock.advance(1000);
      if ((start + PER_DELIVERY) % 1000 === 0) await settle();
    }
    // Then a third of them resolve.
    for (let start = 0; start < ALERTS / 3; start += PER_DELIVERY) {
      const count = Math.min(PER_DELIVERY, Math.floor(ALERTS / 3) - start);
      await deliver(Array.from({ length: count }, (_, i) => stormAlert(start + i, 'resolved')));
      app.clock.advance(1000);
    }
    await settle();
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await dispose?.();
  });

  /** Every limit `checkSlackLimits` knows, and the three the issue names, spelled out. */
  const expectWithinLimits = (where: string, message: SlackMessage) => {
    expect({ where, problems: checkSlackLimits(message) }).toEqual({ where, problems: [] });
    const blocks = (message.blocks ?? []) as { type: string; text?: { text?: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) {
      if (block.type === 'section') expect(block.text?.text?.length ?? 0).toBeLessThanOrEqual(3000);
    }
    expect(message.text.length).toBeLessThanOrEqual(40_000);
  };

  it('holds one incident of 10,000 alerts', async () => {
    const incidents = await db.query<{ id: number; alert_count: number }>(
      'SELECT id, alert_count FROM incidents',
    );
    expect(incidents.rows.map((row) => [Number(row.id), Number(row.alert_count)])).toEqual([
      [incidentId, ALERTS],
    ]);
  });

  it('keeps the root message, its edits, the replies and the analyses within the limits', async () => {
    const posted = slack.calls.filter((call) => ['chat.postMessage', 'chat.update'].includes(call.method));
    const roots = slack.callsOf('chat.postMessage').filter((call) => call.body.thread_ts === undefined);
    expect(roots).toHaveLength(1);
    expect(slack.callsOf('chat.update').length).toBeGreaterThanOrEqual(1);
    const replies = slack.callsOf('chat.postMessage').filter((call) => call.body.thread_ts !== undefined);
    // Timeline updates and at least one analysis.
    expect(replies.length).toBeGreaterThanOrEqual(2);
    expect(replies.some((call) => /cause/i.test(JSON.stringify(call.body)))).toBe(true);
    for (const [index, call] of posted.entries()) {
      expectWithinLimits(`${call.method} #${index}`, call.body as unknown as SlackMessage);
    }
    // Nothing was refused or left behind.
    const outbox = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*) AS n FROM slack_outbox GROUP BY status',
    );
    expect(outbox.rows.map((row) => row.status)).toEqual(['sent']);
    // The root message shows the size of the incident.
    const lastRoot = slack.callsOf('chat.update').at(-1)?.body ?? {};
    expect(JSON.stringify(lastRoot)).toMatch(/10,?000/);
    // It read only the first MESSAGE_ALERTS alerts (firing first); the list's tail counts all the others.
    expect(JSON.stringify(lastRoot)).toMatch(/and 9,?995 more alerts/);
    expect(JSON.stringify(lastRoot)).toContain('🔥');
  });

  it('reads a bounded number of alerts for a message, firing first', async () => {
    const detail = await getIncident(db, incidentId, { alertLimit: MESSAGE_ALERTS });
    expect(detail?.alertCount).toBe(ALERTS);
    expect(detail?.alerts).toHaveLength(MESSAGE_ALERTS);
    expect(detail?.alerts.every((alert) => alert.status === 'firing')).toBe(true);
    // The first firing alerts in the order they joined: the first third resolved.
    expect(detail?.alerts[0]?.fingerprint).toBe(`storm-${Math.floor(ALERTS / 3)}`);
    expect((await getIncident(db, incidentId))?.alerts).toHaveLength(ALERTS);
  });

  it('answers /aiops why, status and logs within the limits', async () => {
    for (const sub of ['why', 'status', 'logs']) {
      const body = slashCommandBody({ text: `${sub} ${incidentId}`, responseUrl: slack.responseUrl(sub) });
      const response = await fetch(`${app.url}/slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...slackSignature(SIGNING_SECRET, body, Math.floor(app.clock.now().getTime() / 1000)),
        },
        body,
      });
      expect(response.status).toBe(200);
      const answer = await waitFor(() => slack.responses.find((entry) => entry.id === sub), 60_000);
      expect(JSON.stringify(answer.body)).toContain(`#${incidentId}`);
      expectWithinLimits(`/aiops ${sub}`, answer.body as unknown as SlackMessage);
    }
  });
});
