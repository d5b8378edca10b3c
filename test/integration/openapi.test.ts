/**
 * GET /openapi.json: an OpenAPI 3.1 description generated from the zod schemas. It cannot drift: every
 * route the router serves must be described (and nothing else), and the real answers of the running app
 * must match the response schemas the document is built from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../src/analysis/analyze.ts';
import { buildRouter } from '../../src/app.ts';
import type { Db } from '../../src/db/index.ts';
import {
  incidentDetailSchema,
  incidentPageSchema,
  OPERATIONS,
  openApiPath,
  webhookAnswerSchema,
} from '../../src/http/openapi.ts';
import { confirmCause } from '../../src/incidents/confirm-cause.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { pgliteDatabase } from '../support/databases.ts';
import { alertmanagerBody, post, readFixture } from '../support/payloads.ts';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('GET /openapi.json', () => {
  let db: Db;
  let dispose: () => Promise<void>;
  let app: TestApp;
  let doc: Json;

  beforeAll(async () => {
    ({ db, dispose } = await pgliteDatabase.create());
    app = await startTestApp(db, { env: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' } });
    const response = await fetch(`${app.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await response.json()) as Json;
  });

  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  it('is an OpenAPI 3.1 document: info, paths, operations with unique ids and responses', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'aiops-bot', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const paths = doc.paths as Record<string, Record<string, Json>>;
    expect(Object.keys(paths).length).toBeGreaterThan(5);
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(paths)) {
      expect(path).toMatch(/^\//);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(typeof operation.operationId).toBe('string');
        expect(ids.has(operation.operationId as string)).toBe(false);
        ids.add(operation.operationId as string);
        expect(typeof operation.summary).toBe('string');
        const responses = operation.responses as Record<string, Json>;
        expect(Object.keys(responses).length).toBeGreaterThan(0);
        for (const [status, answer] of Object.entries(responses)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof answer.description).toBe('string');
          for (const media of Object.values((answer.content ?? {}) as Record<string, Json>)) {
            expect(media.schema).toBeTypeOf('object');
            expect(media.schema).not.toHaveProperty('$schema');
          }
        }
        // Every {param} of the path is declared, as a required path parameter with a schema.
        const parameters = (operation.parameters ?? []) as Json[];
        for (const name of templated) {
          expect(parameters).toContainEqual(
            expect.objectContaining({ name, in: 'path', required: true, schema: expect.any(Object) }),
          );
        }
        for (const parameter of parameters) expect(['path', 'query', 'header']).toContain(parameter.in);
        for (const requirement of (operation.security ?? []) as Json[]) {
          for (const scheme of Object.keys(requirement)) {
            expect((doc.components as Json).securitySchemes).toHaveProperty(scheme);
          }
        }
      }
    }
  });

  it('describes every route the app serves, and nothing it does not', () => {
    const router = buildRouter(app.app.deps, app.app.slack);
    const served = router.list().map((route) => `${route.method} ${openApiPath(route.pattern)}`);
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const described = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served).toContain('POST /slack/events');
    expect(served).toContain('GET /openapi.json');
    expect(described.sort()).toEqual([...new Set(served)].sort());
    expect(Object.keys(OPERATIONS).sort()).toEqual([...new Set(served)].sort());
  });

  it('webhook request bodies come from the ingest schemas', () => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const requestBody = paths['/webhooks/alertmanager']?.post?.requestBody as Json;
    const body = requestBody.content as Record<string, Json>;
    const schema = body['application/json']?.schema as Json;
    expect(schema.required).toEqual(expect.arrayContaining(['alerts']));
    expect((schema.properties as Json).alerts).toMatchObject({ type: 'array' });
  });

  it("the running app's answers match the response schemas", async () => {
    const delivered = await post(
      `${app.url}/webhooks/alertmanager`,
      alertmanagerBody({
        groupKey: 'cart/CrashLoop',
        alerts: [{ labels: { alertname: 'CrashLoop', service: 'cart' } }],
      }),
    );
    expect(delivered.status).toBe(202);
    webhookAnswerSchema.parse(delivered.json);
    const again = await post(
      `${app.url}/webhooks/pagerduty`,
      readFixture('pd-v3-incident.triggered-zulip.json'),
    );
    webhookAnswerSchema.parse(again.json);
    const id = (delivered.json.incidentIds as number[])[0] as number;
    await analyzeIncident(
      { db, clock: app.clock, logger: app.app.deps.logger, llm: null, gather: app.app.deps.gather },
      id,
    );
    await confirmCause(db, {
      incidentId: id,
      title: 'bad deploy',
      category: 'deploy',
      actor: 'alice',
      now: app.clock.now(),
    });

    const page = await (await fetch(`${app.url}/api/incidents`)).json();
    incidentPageSchema.parse(page);
    const detail = await (await fetch(`${app.url}/api/incidents/${id}`)).json();
    const parsed = incidentDetailSchema.parse(detail);
    expect(parsed.analyses.length).toBeGreaterThan(0);
    expect(parsed.confirmedCauses).toHaveLength(1);
  });
});
