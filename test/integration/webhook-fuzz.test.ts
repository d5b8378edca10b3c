/**
 * Property-based fuzzing of both webhook bodies (issue 10 item 2), over real HTTP on every test database:
 * arbitrary JSON, near-valid payloads with hostile strings (NUL, lone surrogates, controls, huge values),
 * odd timestamps, sizes around the body limit, raw garbage, and for PagerDuty signed bodies with hostile
 * `X-Webhook-Id`s. With the database up, no answer is a 5xx; every 202 names a stored delivery row; every
 * refusal stores nothing; and the app still answers afterwards. Fixed seeds and bounded runs keep it
 * deterministic and a few seconds per source and database. `FUZZ_RUNS=1000` runs longer;
 * `FUZZ_DEBUG=1` prints every 400's field and message (to see what the generators reach).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { signPagerDutyBody } from '../../src/ingest/pagerduty-signature.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { hostileString, hostileTimestamp, hostileUnit } from '../support/hostile.ts';
import { alertmanagerBody, post, readFixture } from '../support/payloads.ts';

const AM_TOKEN = 'fuzz-token';
const PD_SECRET = 'fuzz-secret';
const LIMIT = 65_536;
const RUNS = Number(process.env.FUZZ_RUNS ?? 80);

/** Sometimes absent, sometimes null (Go's nil map), sometimes something else entirely. */
const optional = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 40, arbitrary: arb },
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: hostileUnit }) },
  );

/** Sometimes absent, rarely something else entirely (for fields that may not be null). */
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 40, arbitrary: arb },
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: hostileUnit }) },
  );

/** Text of any length: mostly short and hostile, sometimes longer than an index row (~2.7 kB). */
const text = fc.oneof(
  { weight: 16, arbitrary: hostileString(40) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'constructor', '__proto__', 'toString') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hostileString(5), fc.integer({ min: 1_000, max: 9_000 }))
      .map(([s, n]) => s.repeat(Math.ceil(n / Math.max(1, s.length)))),
  },
);

const labels = fc.dictionary(
  fc.oneof(fc.constantFrom('alertname', 'service', 'namespace', 'severity', 'pod'), text),
  text,
  {
    maxKeys: 6,
  },
);

const alertmanagerAlert = fc.record(
  {
    status: maybe(fc.constantFrom('firing', 'resolved')),
    labels: fc.oneof(
      { weight: 9, arbitrary: labels },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    ),
    annotations: optional(labels),
    startsAt: hostileTimestamp,
    endsAt: optional(hostileTimestamp),
    generatorURL: maybe(text),
    fingerprint: maybe(text),
  },
  { requiredKeys: ['labels', 'startsAt'] },
);

const alertmanagerPayload = fc.record(
  {
    version: fc.oneof(
      { weight: 9, arbitrary: fc.constant('4') },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 0 }) },
    ),
    groupKey: maybe(text),
    truncatedAlerts: maybe(
      fc.oneof({ weight: 8, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.double() }),
    ),
    status: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom('firing', 'resolved') },
      { weight: 1, arbitrary: text },
    ),
    receiver: text,
    groupLabels: optional(labels),
    commonLabels: optional(labels),
    commonAnnotations: optional(labels),
    externalURL: maybe(text),
    alerts: fc.array(alertmanagerAlert, { maxLength: 5 }),
  },
  { requiredKeys: ['status', 'receiver', 'alerts'] },
);

/** A body as bytes: near-valid JSON mostly, also arbitrary JSON, cut JSON, raw garbage and near-limit sizes. */
function bodies(payload: fc.Arbitrary<unknown>): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 12, arbitrary: payload.map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: fc.jsonValue({ stringUnit: hostileUnit }).map((value) => JSON.stringify(value) ?? ''),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(payload, fc.double({ min: 0, max: 1, noNaN: true })).map(([value, cut]) => {
        const json = JSON.stringify(value);
        return json.slice(0, Math.floor(json.length * cut));
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      // An extra key nesting arrays: ignored by the schemas, refused (400) past 64 levels.
      arbitrary: fc.tuple(payload, fc.integer({ min: 1, max: 20_000 })).map(([value, depth]) => {
        const object = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
        const json = JSON.stringify({ ...object, deep: 0 });
        return json.replace('"deep":0', `"deep":${'['.repeat(depth)}${']'.repeat(depth)}`);
      }),
    },
    {
      weight: 1,
      // Around the limit: a filler label so the body lands just under or just over it.
      arbitrary: fc
        .tuple(payload, fc.integer({ min: LIMIT - 3_000, max: LIMIT + 3_000 }))
        .map(([value, size]) => {
          const json = JSON.stringify(value);
          const object = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
          const filler = 'f'.repeat(Math.max(0, size - json.length - 20));
          return JSON.stringify({ ...object, filler });
        }),
    },
  );
}

const reference = fc.record(
  { id: text, summary: optional(text), html_url: optional(text) },
  { requiredKeys: ['id'] },
);

const incidentData = fc.record(
  {
    id: text,
    type: fc.oneof({ weight: 9, arbitrary: fc.constant('incident') }, { weight: 1, arbitrary: text }),
    html_url: optional(text),
    number: optional(fc.oneof(fc.integer(), fc.double())),
    status: fc.constantFrom('triggered', 'acknowledged', 'resolved', 'bogus'),
    incident_key: optional(text),
    created_at: optional(hostileTimestamp),
    title: text,
    service: optional(reference),
    priority: optional(fc.record({ summary: optional(text) })),
    urgency: optional(fc.constantFrom('high', 'low')),
    resolve_reason: optional(fc.jsonValue({ maxDepth: 2, stringUnit: hostileUnit })),
  },
  { requiredKeys: ['id', 'type', 'status', 'title'] },
);

const noteData = fc.record({ type: fc.constant('incident_note'), incident: reference, content: text });

const pagerdutyPayload = fc.record({
  event: fc.record(
    {
      id: text,
      event_type: fc.oneof(
        {
          weight: 9,
          arbitrary: fc.constantFrom(
            'incident.triggered',
            'incident.acknowledged',
            'incident.unacknowledged',
            'incident.resolved',
            'incident.reopened',
            'incident.annotated',
            'incident.priority_updated',
          ),
        },
        { weight: 1, arbitrary: text },
      ),
      resource_type: fc.constantFrom('incident', 'service'),
      occurred_at: hostileTimestamp,
      agent: optional(reference),
      data: fc.oneof(
        { weight: 6, arbitrary: incidentData },
        { weight: 2, arbitrary: noteData },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: hostileUnit }) },
      ),
    },
    { requiredKeys: ['id', 'event_type', 'resource_type', 'occurred_at', 'data'] },
  ),
});

/** What a header can carry (fetch refuses NUL, CR, LF): printable ASCII, sometimes long. */
const webhookId = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    minLength: 1,
    maxLength: 40,
  }),
  fc.integer({ min: 3_000, max: 8_000 }).map((n) => `w${'x'.repeat(n)}`),
  fc.constant(undefined),
);

describe.each(testDatabases())('webhook fuzzing on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db, {
      env: { ALERTMANAGER_TOKEN: AM_TOKEN, PAGERDUTY_WEBHOOK_SECRETS: PD_SECRET },
      yaml: `ingest:\n  maxBodyBytes: ${LIMIT}\n`,
    });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const deliveryCount = async () =>
    Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM webhook_deliveries')).rows[0]?.n ?? 0);

  /** The properties every answer must have; returns the status for the tally. */
  async function check(url: string, body: string | Buffer, headers: Record<string, string>): Promise<number> {
    const before = await deliveryCount();
    const response = await post(url, body, headers);
    const context = `${response.status} ${JSON.stringify(response.json).slice(0, 300)} for ${String(body).slice(0, 300)}`;
    expect(response.status, context).toBeLessThan(500);
    if (response.status === 202) {
      const row = await db.query<{ outcome: string }>(
        'SELECT outcome FROM webhook_deliveries WHERE id = $1',
        [response.json.deliveryId],
      );
      expect(row.rows[0]?.outcome, context).toMatch(/^(processed|ignored)$/);
    } else {
      expect([400, 401, 413], context).toContain(response.status);
      expect(response.json.error, context).toMatch(/^aiops_/);
      expect(await deliveryCount(), context).toBe(before);
    }
    if (process.env.FUZZ_DEBUG && response.status === 400)
      console.log('400', response.json.field, response.json.message);
    return response.status;
  }

  async function stillAnswers() {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    const ok = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({ groupKey: 'after-fuzz', alerts: [{ labels: { alertname: 'AfterFuzz' } }] }),
      { authorization: `Bearer ${AM_TOKEN}` },
    );
    expect(ok.status).toBe(202);
  }

  it('Alertmanager: no 5xx, every 202 stored, every refusal stores nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodies(alertmanagerPayload), async (body) => {
        const status = await check(`${app.url}/webhooks/alertmanager`, body, {
          authorization: `Bearer ${AM_TOKEN}`,
        });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      { seed: 1002, numRuns: RUNS },
    );
    // The generators reach both sides: accepted deliveries and refusals.
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    await stillAnswers();
  }, 180_000);

  it('PagerDuty (signed): no 5xx, every 202 stored, every refusal stores nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodies(pagerdutyPayload), webhookId, fc.nat(9), async (body, id, dice) => {
        const headers: Record<string, string> = {};
        // Signed with the configured secret, one in ten with another (which must be a 401).
        headers['x-pagerduty-signature'] = signPagerDutyBody(body, dice === 0 ? 'wrong' : PD_SECRET);
        if (id !== undefined) headers['x-webhook-id'] = id;
        const status = await check(`${app.url}/webhooks/pagerduty`, body, headers);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      { seed: 1002, numRuns: RUNS },
    );
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    await stillAnswers();
  }, 180_000);

  it('the real PagerDuty fixture with hostile titles, ids and timestamps swapped in', async () => {
    const base = JSON.parse(readFixture('pd-v3-incident.triggered-zulip.json'));
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        hostileTimestamp,
        hostileTimestamp,
        async (title, id, createdAt, occurredAt) => {
          const body = structuredClone(base);
          body.event.id = `fixture-${id}`;
          body.event.data.title = title;
          body.event.data.id = id;
          body.event.data.created_at = createdAt;
          body.event.occurred_at = occurredAt;
          const raw = JSON.stringify(body);
          await check(`${app.url}/webhooks/pagerduty`, raw, {
            'x-pagerduty-signature': signPagerDutyBody(raw, PD_SECRET),
          });
        },
      ),
      { seed: 1002, numRuns: Math.ceil(RUNS / 2) },
    );
    await stillAnswers();
  }, 180_000);
});
