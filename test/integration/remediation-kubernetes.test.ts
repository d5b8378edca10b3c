/**
 * A Kubernetes restart end to end: proposed from the alert's labels, approved, run once by the real
 * Kubernetes executor (@kubernetes/client-node through a real kubeconfig) against the fake API server,
 * then rolled back to the captured before-state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import {
  approveRemediation,
  getRemediation,
  listAudit,
  listRemediations,
  rollbackRemediation,
} from '../../src/incidents/remediation.ts';
import { testDatabases } from '../support/databases.ts';
import { type KubeFake, startKubeFake } from '../support/kube-fake.ts';
import { incidentWithProposals, remediationDepsFor, remediationWorker } from '../support/remediation.ts';

for (const database of testDatabases()) {
  describe(`remediation on Kubernetes (${database.name})`, () => {
    let fake: KubeFake;
    let dir: string;
    let kubeconfig: string;

    beforeAll(async () => {
      fake = await startKubeFake();
      dir = mkdtempSync(path.join(tmpdir(), 'aiops-rem-kube-'));
      kubeconfig = await fake.writeKubeconfig(dir);
    });
    afterAll(async () => {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('restarts the labelled deployment once and rolls it back', async () => {
      const { db, dispose } = await database.create();
      try {
        fake.reset();
        fake.addDeployment({ namespace: 'shop', name: 'checkout', replicas: 2 });
        const clock = new ManualClock('2026-03-04T10:00:00Z');
        const config = configFrom(
          {},
          `
services:
  - name: checkout
    approvers: [U0ALICE]
remediation:
  enabled: true
  kubernetes: { kubeconfig: ${JSON.stringify(kubeconfig)}, namespaces: ["sh*"], rolloutPollSeconds: 0.01 }
`,
        );
        const deps = await remediationDepsFor(db, config, clock);
        const { incidentId } = await incidentWithProposals(
          { db, config, clock },
          {
            alerts: [
              {
                labels: {
                  alertname: 'KubePodCrashLooping',
                  service: 'checkout',
                  namespace: 'shop',
                  pod: 'checkout-7d9f8b6c5-x2x9z',
                },
              },
            ],
            actions: [{ kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' }],
          },
        );
        const [proposed] = await listRemediations(db, incidentId);
        const id = proposed?.id as number;
        const alice = { id: 'U0ALICE', display: '<@U0ALICE>' };
        expect(
          (await approveRemediation(deps, { remediationId: id, actor: alice, requestId: 'k1' })).kind,
        ).toBe('started');
        const worker = remediationWorker(deps);
        await worker.runOnce();
        await worker.runOnce();
        const ran = await getRemediation(db, id);
        expect(ran?.status).toBe('succeeded');
        expect(ran?.before).not.toBeNull();
        expect(ran?.canRollback).toBe(true);
        const changes = fake.patches().filter((request) => request.query.dryRun === undefined);
        expect(changes).toHaveLength(1);
        expect(changes[0]?.path).toBe('/apis/apps/v1/namespaces/shop/deployments/checkout');

        expect(
          (await rollbackRemediation(deps, { remediationId: id, actor: alice, requestId: 'k2' })).kind,
        ).toBe('started');
        await worker.runOnce();
        await worker.runOnce();
        expect((await getRemediation(db, id))?.status).toBe('rolled_back');
        expect(fake.patches().filter((request) => request.query.dryRun === undefined)).toHaveLength(2);
        const trail = (await listAudit(db, { incidentId })).map((entry) => entry.event).reverse();
        expect(trail).toEqual(['propose', 'approve', 'run', 'succeed', 'rollback', 'rolled_back']);
      } finally {
        await dispose();
      }
    }, 120_000);
  });
}
