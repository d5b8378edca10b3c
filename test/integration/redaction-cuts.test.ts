/**
 * Secrets at cut points, end to end (issue 10, item 3): an alert whose summary carries a secret where the
 * 200-character title cut falls, and whose description carries it where the prompt's 1,000-character
 * annotation cut falls, goes through the real pipeline — ingest, the root message, the analysis job
 * calling the LLM (the Anthropic API faked with nock, answering with evidence that quotes the text as a
 * careless model might) and the thread reply. No fragment of 8 or more of the secret's characters may be
 * in the stored title, in any Slack message in the outbox (blocks and `text` fallback) or in what was
 * sent to the API. PagerDuty incident titles likewise, through ingest and the root message.
 */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, readFixture } from '../support/payloads.ts';
import { leakedFragments, padding, SECRET_CORPUS, type SecretSample } from '../support/secrets.ts';

const API = 'http://anthropic.test';
const MINUTE = 60_000;
const ALERTNAME = 'KubeSecretLeak';
const pagerDuty = JSON.parse(readFixture('pd-v3-incident.triggered-zulip.json')) as {
  event: { id: string; data: { id: string; title: string } };
};

/** `text` (of `sample`) after padding, so a cut at `limit` after `head` falls `offset` into the secret. */
function placed(sample: SecretSample, limit: number, head: number, offset: number): string {
  const at = sample.text.indexOf(sample.secret);
  return `${padding(Math.max(0, limit - head - at - offset))}${sample.text} and the pod keeps restarting`;
}

/** Cuts near the start, in the middle and near the end of the secret (30 of a token's 40 characters…). */
const offsets = (sample: SecretSample) => [
  4,
  Math.floor(sample.secret.length / 2),
  Math.max(4, sample.secret.length - 10),
  sample.secret.length - 1,
];

function toolUse(input: unknown) {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'report_analysis', input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: 900,
      output_tokens: 200,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

describe.each(testDatabases())('secrets at cut points, end to end on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;
  let group = 0;

  beforeAll(async () => {
    nock.disableNetConnect();
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, { env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: API } });
  });
  afterAll(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await app?.close();
    await dispose?.();
  });

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('%s', async (_name, sample) => {
    for (const offset of offsets(sample)) {
      group += 1;
      const summary = placed(sample, 199, `${ALERTNAME}: `.length, offset);
      const description = placed(sample, 1000, 0, offset);
      const sent: string[] = [];
      // A careless model quoting the alert text back: as the summary (the text fallback's headline) and
      // as evidence (cut to 300 characters in the thread).
      nock(API)
        .post('/v1/messages', (body) => {
          sent.push(JSON.stringify(body));
          return true;
        })
        .reply(
          200,
          toolUse({
            summary: placed(sample, 199, 0, offset),
            rootCauses: [
              {
                title: 'Leaked credentials in the pod spec',
                likelihood: 0.6,
                evidence: [placed(sample, 299, 0, offset)],
                category: 'configuration',
              },
            ],
            nextSteps: [],
            proposedActions: [],
            proposedFixes: [],
          }),
        );

      const body = alertmanagerBody({
        groupKey: `cuts-${group}`,
        alerts: [
          {
            fingerprint: `fp-cuts-${group}`,
            labels: { alertname: ALERTNAME, namespace: 'shop', service: 'checkout', severity: 'critical' },
            annotations: { summary, description },
          },
        ],
      });
      (body.commonAnnotations as Record<string, string>).summary = summary;
      const result = await ingestDelivery(app.app.deps, {
        source: 'alertmanager',
        rawBody: JSON.stringify(body),
      });
      const incidentId = result.incidentIds[0] as number;
      await app.app.jobs.runOnce(); // the root message
      app.clock.advance(MINUTE); // the analysis waits for the storm to settle
      await app.app.jobs.runOnce();
      expect(sent).toHaveLength(1);

      const title = await db.query<{ title: string }>('SELECT title FROM incidents WHERE id = $1', [
        incidentId,
      ]);
      const outbox = await db.query<{ kind: string; message: unknown }>(
        'SELECT kind, message FROM slack_outbox WHERE incident_id = $1 ORDER BY id',
        [incidentId],
      );
      expect(outbox.rows.map((row) => row.kind)).toContain('reply');
      const where = {
        'stored title': title.rows[0]?.title ?? '',
        'Slack messages': JSON.stringify(outbox.rows.map((row) => row.message)),
        'LLM request': sent.join('\n'),
      };
      for (const [place, text] of Object.entries(where)) {
        expect(text.length, place).toBeGreaterThan(0);
        expect(leakedFragments(text, sample.secret), `${place}, cut ${offset} into the secret`).toEqual([]);
      }
    }
  });

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))(
    'PagerDuty incident titles: %s',
    async (_name, sample) => {
      for (const offset of offsets(sample)) {
        group += 1;
        const body = structuredClone(pagerDuty);
        body.event.id = `01CUTS${group}`;
        body.event.data.id = `PCUTS${group}`;
        body.event.data.title = placed(sample, 199, 0, offset);
        const result = await ingestDelivery(app.app.deps, {
          source: 'pagerduty',
          rawBody: JSON.stringify(body),
        });
        const incidentId = result.incidentIds[0] as number;
        await app.app.jobs.runOnce(); // the root message
        const title = await db.query<{ title: string }>('SELECT title FROM incidents WHERE id = $1', [
          incidentId,
        ]);
        const outbox = await db.query<{ message: unknown }>(
          'SELECT message FROM slack_outbox WHERE incident_id = $1 ORDER BY id',
          [incidentId],
        );
        expect(outbox.rows.length).toBeGreaterThan(0);
        for (const text of [
          title.rows[0]?.title ?? '',
          JSON.stringify(outbox.rows.map((row) => row.message)),
        ]) {
          expect(leakedFragments(text, sample.secret), `cut ${offset} into the secret`).toEqual([]);
        }
      }
    },
  );
});
