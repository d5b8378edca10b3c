/**
 * From the cluster to Slack and the database: an incident ingested through the real path, analysed with the
 * Kubernetes context read by the real client from the fake API server, then `/aiops logs` and `/aiops why
 * what do the logs say` answered. Secrets planted in the pod's logs and events reach neither the Slack
 * message nor the stored analysis.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../handlers/commands/run.ts';
import type { GatherContext } from '../../src/analysis/analyze.ts';
import { gatherContext } from '../../src/analysis/context/index.ts';
import { kubeReadClients } from '../../src/clients/kubernetes.ts';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { checkSlackLimits, renderAnalysis } from '../../src/slack/render/index.ts';
import { testDatabases } from '../support/databases.ts';
import { type KubeFake, startKubeFake } from '../support/kube-fake.ts';
import { addEvent, addPod } from '../support/kube-scenarios.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { leakedFragments, SECRET_CORPUS } from '../support/secrets.ts';

const AT = '2026-03-01T10:00:00Z';
const POD = 'checkout-7d9f8-abcde';

describe.each(testDatabases())('/aiops logs on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let fake: KubeFake;
  let dir: string;
  let incidentId: number;
  let gather: GatherContext;
  const clock = new ManualClock(AT);
  const ctx = { channelId: 'C1', userId: 'U1' };

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    fake = await startKubeFake();
    dir = await mkdtemp(join(tmpdir(), 'aiops-kubelogs-'));
    const kubeconfig = await fake.writeKubeconfig(dir);
    const config = configFrom(
      {},
      `context:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n    namespaces: [shop]\n`,
    );
    const kubernetes = kubeReadClients(config);
    gather = async (id) => {
      const { input, sources } = await gatherContext(
        { db, config, clock, logger: createLogger('silent'), kubernetes },
        id,
      );
      return { input, sources: sources.filter((s) => s.status === 'ok').map((s) => s.name) };
    };

    addPod(fake, {
      namespace: 'shop',
      name: POD,
      containers: [
        {
          name: 'checkout',
          ready: false,
          restarts: 4,
          state: { waiting: 'CrashLoopBackOff' },
          last: { reason: 'Error', exitCode: 1, finishedAt: '2026-03-01T09:59:10Z' },
        },
      ],
    });
    const secrets = SECRET_CORPUS.map((sample) => sample.text);
    addEvent(fake, {
      namespace: 'shop',
      object: { kind: 'Pod', name: POD },
      reason: 'Failed',
      message: `Error: ${secrets.slice(0, 5).join(' ')}`,
      at: '2026-03-01T09:59:20Z',
    });
    fake.setLog(
      'shop',
      POD,
      [
        ...secrets.map((text) => `DEBUG config ${text}`),
        '2026-03-01T09:59:10Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused',
        '',
      ].join('\n'),
      { container: 'checkout', previous: true },
    );
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="KubePodCrashLooping"}',
      alerts: [
        {
          labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: POD, container: 'checkout' },
          annotations: { summary: 'Pod is crash looping.' },
        },
      ],
    });
    const result = await ingestDelivery(
      { db, config, clock },
      { source: 'alertmanager', rawBody: JSON.stringify(body) },
    );
    incidentId = result.incidentIds[0] as number;
  });
  afterAll(async () => {
    await dispose?.();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('analyses with the pod evidence, shows the redacted tail it used, and stores no secret', async () => {
    const why = await runCommand({ db, clock, gather }, ctx, `why ${incidentId}`);
    const whyText = JSON.stringify(why);
    expect(whyText).toContain('A dependency it needs is down or unreachable');
    expect(whyText).toContain('connection refused');

    const logs = await runCommand({ db, clock, gather }, ctx, `logs ${incidentId}`);
    expect(checkSlackLimits(logs)).toEqual([]);
    const logsText = JSON.stringify(logs);
    expect(logsText).toContain('Log of `checkout` (previous instance, before the restart)');
    expect(logsText).toContain('ERROR dial tcp 10.0.3.7:5432: connect: connection refused');
    expect(logsText).toContain('Failed');

    // No LLM: a question about the logs is answered with them.
    const asked = await runCommand({ db, clock, gather }, ctx, `why ${incidentId} what do the logs say?`);
    expect(JSON.stringify(asked)).toContain('ERROR dial tcp 10.0.3.7:5432');

    const stored = await db.query<{ analysis: unknown }>(
      'SELECT analysis FROM incident_analyses WHERE incident_id = $1',
      [incidentId],
    );
    const storedText = JSON.stringify(stored.rows);
    expect(storedText).toContain('connection refused');
    const row = stored.rows[0]?.analysis as Parameters<typeof renderAnalysis>[1];
    const thread = JSON.stringify(
      renderAnalysis(
        { id: incidentId, title: 'KubePodCrashLooping' } as Parameters<typeof renderAnalysis>[0],
        row,
      ),
    );
    expect(thread).toContain(`/aiops logs ${incidentId}`);
    for (const sample of SECRET_CORPUS) {
      for (const [where, text] of [
        ['why', whyText],
        ['logs', logsText],
        ['database', storedText],
        ['thread', thread],
      ] as const) {
        expect(leakedFragments(text, sample.secret), `${sample.name} in ${where}`).toEqual([]);
      }
    }
  });

  it('says so when no Kubernetes context was read', async () => {
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="HostHighCpuLoad"}',
      alerts: [{ labels: { alertname: 'HostHighCpuLoad', instance: 'db-1:9100' } }],
    });
    const { incidentIds } = await ingestDelivery(
      { db, config: configFrom(), clock },
      { source: 'alertmanager', rawBody: JSON.stringify(body) },
    );
    const logs = await runCommand({ db, clock, gather }, ctx, `logs ${incidentIds[0]}`);
    expect(JSON.stringify(logs)).toContain('read no Kubernetes context');
  });
});
