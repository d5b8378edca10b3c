/** GET /api/audit and the remediations in GET /api/incidents/:id, on the real app. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { pgliteDatabase } from '../support/databases.ts';
import {
  incidentWithProposals,
  type JobServer,
  remediationYaml,
  startJobServer,
  TOKEN_ENV,
} from '../support/remediation.ts';

describe('remediation API', () => {
  let db: Db;
  let dispose: () => Promise<void>;
  let server: JobServer;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await pgliteDatabase.create());
    server = await startJobServer();
    app = await startTestApp(db, { env: TOKEN_ENV, yaml: remediationYaml(server) });
  });
  afterAll(async () => {
    await app.close();
    await server.close();
    await dispose();
  });

  it('lists the audit log newest first, paged, and shows remediations on the incident', async () => {
    const { config } = app.app.deps;
    const { incidentId } = await incidentWithProposals(
      { db, config, clock: app.clock },
      { actions: [{ kind: 'scale', namespace: 'kube-system', name: 'coredns', replicas: 0 }] },
    );
    const detail = (await (await fetch(`${app.url}/api/incidents/${incidentId}`)).json()) as {
      remediations: { id: number; status: string; action: { kind: string } }[];
      audit: { event: string }[];
    };
    expect(detail.remediations.map((r) => [r.action.kind, r.status])).toEqual([['http-job', 'proposed']]);
    expect(detail.audit.map((entry) => entry.event)).toEqual(['propose', 'refuse']);

    const first = (await (await fetch(`${app.url}/api/audit?limit=1`)).json()) as {
      entries: { id: number; event: string }[];
      nextBefore: number | null;
    };
    expect(first.entries.map((entry) => entry.event)).toEqual(['propose']);
    expect(first.nextBefore).toBe(first.entries[0]?.id);
    const next = (await (await fetch(`${app.url}/api/audit?limit=5&before=${first.nextBefore}`)).json()) as {
      entries: { event: string }[];
      nextBefore: number | null;
    };
    expect(next).toMatchObject({ entries: [{ event: 'refuse' }], nextBefore: null });
    const other = (await (await fetch(`${app.url}/api/audit?incident=${incidentId + 1}`)).json()) as {
      entries: unknown[];
    };
    expect(other.entries).toEqual([]);
    expect((await fetch(`${app.url}/api/audit?limit=0`)).status).toBe(400);
  });
});
