/**
 * The analysis jobs store their analysis and enqueue the thread reply in one transaction: when the reply
 * cannot be written, no analysis is stored either, and the retried jobs (the first answer, then the settled
 * analysis) leave exactly one analysis message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';

const MINUTE = 60_000;

// A real failure inside the transaction: the database refuses thread replies while the trigger exists.
const REFUSE_REPLIES = [
  `CREATE OR REPLACE FUNCTION refuse_replies() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.kind = 'reply' THEN RAISE EXCEPTION 'outbox refuses replies (test)'; END IF;
    RETURN NEW;
  END $$`,
  'CREATE TRIGGER refuse_replies BEFORE INSERT ON slack_outbox FOR EACH ROW EXECUTE FUNCTION refuse_replies()',
];

describe.each(testDatabases())('analyze-incident job on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    app = await startTestApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.query('DROP TRIGGER IF EXISTS refuse_replies ON slack_outbox');
    await dispose?.();
  });

  const count = async (sql: string, id: number) =>
    Number((await db.query<{ n: string }>(sql, [id])).rows[0]?.n);
  const analyses = (id: number) =>
    count('SELECT count(*) AS n FROM incident_analyses WHERE incident_id = $1', id);
  const replies = (id: number) =>
    count("SELECT count(*) AS n FROM slack_outbox WHERE incident_id = $1 AND kind = 'reply'", id);

  it('stores no analysis when its reply cannot be enqueued, and exactly one after the retry', async () => {
    const response = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({
        groupKey: '{}:{alertname="KubePodOOMKilled"}',
        alerts: [
          {
            fingerprint: 'fp-oom',
            labels: {
              alertname: 'KubePodOOMKilled',
              namespace: 'shop',
              pod: 'cart-5f7c-x',
              severity: 'warning',
            },
            annotations: { summary: 'Container cart in pod shop/cart-5f7c-x was OOM killed.' },
          },
        ],
      }),
    );
    expect(response.status).toBe(202);
    const id = (response.json.incidentIds as number[])[0] as number;
    for (const statement of REFUSE_REPLIES) await db.query(statement);
    expect(await app.app.jobs.runOnce()).toBeGreaterThan(0); // the root message; the first answer fails
    const failed = await db.query<{ status: string; attempts: number; last_error: string }>(
      "SELECT status, attempts, last_error FROM jobs WHERE kind = 'first-analysis' AND payload->>'incidentId' = $1",
      [String(id)],
    );
    expect(failed.rows[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed.rows[0]?.last_error).toContain('outbox refuses replies');
    expect(await analyses(id)).toBe(0);
    expect(await replies(id)).toBe(0);

    await db.query('DROP TRIGGER refuse_replies ON slack_outbox');
    app.clock.advance(10 * MINUTE); // past the retry backoff and the storm settle
    await app.app.jobs.runOnce();
    // The first answer, then the settled analysis: without a key it says the same, so nothing changes.
    expect(await analyses(id)).toBe(1);
    expect(await replies(id)).toBe(1);
    expect(
      await count(
        "SELECT count(*) AS n FROM slack_outbox WHERE incident_id = $1 AND kind = 'update_reply'",
        id,
      ),
    ).toBe(0);
  });
});
