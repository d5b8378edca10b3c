/**
 * The remediation core end to end on a real database: proposed rows from an analysis, the policy's
 * refusals (each audited, nothing executed — counted at the automation endpoint), the state machine,
 * exactly-once runs, interrupted runs, rollback and the append-only audit log.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { createPgDb } from '../../src/db/pg.ts';
import {
  approveRemediation,
  dryRunRemediation,
  expireApprovals,
  getRemediation,
  listAudit,
  listRemediations,
  pendingApprovals,
  type RemediationDeps,
  rejectRemediation,
  rollbackRemediation,
} from '../../src/incidents/remediation.ts';
import type { Actor } from '../../src/remediation/model.ts';
import { testDatabases } from '../support/databases.ts';
import {
  configWith,
  incidentWithProposals,
  type JobServer,
  remediationDepsFor,
  remediationWorker,
  remediationYaml,
  startJobServer,
  TOKEN_ENV,
} from '../support/remediation.ts';
import { waitFor } from '../support/wait.ts';

const alice: Actor = { id: 'U0ALICE', display: '<@U0ALICE>' };
const bob: Actor = { id: 'U0BOB', display: '<@U0BOB>' };
const mallory: Actor = { id: 'U0MALLORY', display: '<@U0MALLORY>' };

let requestSeq = 0;
const rid = () => `req-${++requestSeq}`;

for (const database of testDatabases()) {
  describe(`remediation core (${database.name})`, () => {
    let db: Db;
    let dispose: () => Promise<void>;
    let url: string | undefined;
    let server: JobServer;
    let clock: ManualClock;

    beforeAll(async () => {
      server = await startJobServer();
    });
    afterAll(async () => {
      await server.close();
    });
    beforeEach(async () => {
      ({ db, dispose, url } = await database.create());
      clock = new ManualClock('2026-03-04T10:00:00Z'); // a Wednesday
      server.requests.length = 0;
    });
    afterEach(async () => {
      server.release();
      await dispose();
    });

    async function setup(extraYaml = '', riskYaml = '') {
      const config = configWith(server, `${riskYaml}\n${extraYaml}`);
      const deps = await remediationDepsFor(db, config, clock);
      const { incidentId } = await incidentWithProposals({ db, config, clock });
      const [view] = await listRemediations(db, incidentId);
      if (!view) throw new Error('no remediation proposed');
      return { deps, config, incidentId, id: view.id };
    }

    const lowRisk = '  risk: { http-job: low }';

    async function runJobs(deps: RemediationDeps) {
      const worker = remediationWorker(deps);
      while ((await worker.runOnce()) > 0) {
        /* drain */
      }
    }

    async function events(incidentId: number) {
      return (await listAudit(db, { incidentId })).map((entry) => entry.event).reverse();
    }

    it('proposes nothing while remediation is off', async () => {
      const config = configFrom(
        TOKEN_ENV,
        remediationYaml(server).replace('enabled: true', 'enabled: false'),
      );
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        { actions: [{ kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' }] },
      );
      expect(await listRemediations(db, incidentId)).toEqual([]);
      expect(await listAudit(db, { incidentId })).toEqual([]);
    });

    it('proposes only targets named by alert labels and allowlists; refusals are audited', async () => {
      const config = configWith(server);
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        {
          actions: [
            { kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' },
            { kind: 'restart', namespace: 'kube-system', name: 'coredns', workload: 'deployment' },
            { kind: 'scale', namespace: 'shop', name: 'payments', replicas: 10 },
            { kind: 'run-playbook', playbook: 'restart-app.yml', limit: 'web-1' },
            { kind: 'run-playbook', playbook: '../../etc/passwd.yml', limit: 'web-1' },
          ],
        },
      );
      const views = await listRemediations(db, incidentId);
      expect(views.map((view) => view.action)).toEqual([
        { kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' },
        { kind: 'run-playbook', playbook: 'restart-app.yml', limit: 'web-1' },
        { kind: 'http-job', job: 'restart-web' },
      ]);
      expect(views.map((view) => [view.status, view.risk, view.approvalsNeeded])).toEqual([
        ['proposed', 'low', 1],
        ['proposed', 'high', 2],
        ['proposed', 'high', 2],
      ]);
      expect(views[0]?.expiresAt).toBe('2026-03-04T10:30:00.000Z');
      const refusals = (await listAudit(db, { incidentId }))
        .filter((entry) => entry.event === 'refuse')
        .map((entry) => (entry.detail as { reason: string }).reason)
        .sort();
      expect(refusals).toEqual([
        'namespace kube-system is not in remediation.kubernetes.namespaces',
        'playbook ../../etc/passwd.yml must be a file name in remediation.ansible.playbookDir',
        "shop/payments is not a workload named by this incident's alert labels",
      ]);
      // Every new row asks for its Slack message.
      const sync = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM jobs WHERE kind = 'sync-remediation'",
      );
      expect(sync.rows[0]?.n).toBe(3);
    });

    it('approve → run once → succeeded, with before/after and a full audit trail', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      const outcome = await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(outcome.kind).toBe('started');
      expect(outcome.view?.status).toBe('approved');
      await runJobs(deps);
      const view = await getRemediation(db, id);
      expect(view?.status).toBe('succeeded');
      expect(view?.approvals.map((a) => a.actor)).toEqual(['<@U0ALICE>']);
      expect(view?.canRollback).toBe(true);
      expect(view?.summary).toBeTruthy();
      expect(server.count('/restart')).toBe(1);
      expect(server.requests[0]?.authorization).toBe('Bearer awx-test-token');
      expect(await events(incidentId)).toEqual(['propose', 'approve', 'run', 'succeed']);
      // Running the queue again (a retried job) never runs it again.
      await runJobs(deps);
      expect(server.count()).toBe(1);
    });

    it('a replayed request id changes nothing', async () => {
      const { deps, incidentId, id } = await setup();
      const requestId = rid();
      expect((await approveRemediation(deps, { remediationId: id, actor: alice, requestId })).kind).toBe(
        'waiting',
      );
      // The same request again — even claiming another clicker — and reused for another verb.
      for (const actor of [alice, bob]) {
        const again = await approveRemediation(deps, { remediationId: id, actor, requestId });
        expect(again).toMatchObject({ kind: 'unchanged', reason: 'this request was already handled' });
      }
      const reused = await rejectRemediation(deps, { remediationId: id, actor: bob, requestId });
      expect(reused).toMatchObject({ kind: 'unchanged', reason: 'this request was already handled' });
      const view = await getRemediation(db, id);
      expect(view?.status).toBe('proposed');
      expect(view?.approvals).toHaveLength(1);
      expect(await events(incidentId)).toEqual(['propose', 'approve']);
    });

    it('high risk needs two different approvers; the same person twice is refused', async () => {
      const { deps, incidentId, id } = await setup();
      const first = await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(first.kind).toBe('waiting');
      expect(first.view?.approvals).toHaveLength(1);
      const twice = await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(twice).toMatchObject({
        kind: 'refused',
        reason: '<@U0ALICE> already approved: high risk needs a second, different approver',
      });
      await runJobs(deps);
      expect(server.count()).toBe(0);
      const second = await approveRemediation(deps, { remediationId: id, actor: bob, requestId: rid() });
      expect(second.kind).toBe('started');
      await runJobs(deps);
      expect(server.count('/restart')).toBe(1);
      expect(await events(incidentId)).toEqual(['propose', 'approve', 'refuse', 'approve', 'run', 'succeed']);
    });

    it('refuses an unauthorised clicker, a service without approvers, and keeps CLI names apart', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      const refused = await approveRemediation(deps, { remediationId: id, actor: mallory, requestId: rid() });
      expect(refused.kind).toBe('refused');
      expect(refused.kind === 'refused' && refused.reason).toMatch(
        /^<@U0MALLORY> is not an approver for checkout/,
      );
      // A CLI user must be listed by name.
      const cli = await approveRemediation(deps, {
        remediationId: id,
        actor: { id: 'cli:mallory', display: 'mallory' },
        requestId: rid(),
      });
      expect(cli.kind).toBe('refused');
      const audit = await listAudit(db, { incidentId });
      expect(audit.filter((entry) => entry.event === 'refuse')).toHaveLength(2);
      expect(audit[0]?.actor).toBe('cli:mallory');
      await runJobs(deps);
      expect(server.count()).toBe(0);
      expect((await getRemediation(db, id))?.status).toBe('proposed');
      // A named CLI approver may approve.
      const ok = await approveRemediation(deps, {
        remediationId: id,
        actor: { id: 'cli:alice', display: 'alice' },
        requestId: rid(),
      });
      expect(ok.kind).toBe('started');
    });

    it('resolves @group approvers through Slack user groups', async () => {
      const { deps, id } = await setup('', lowRisk);
      const looked: string[] = [];
      const withGroups = {
        ...deps,
        slackGroups: async (handle: string) => {
          looked.push(handle);
          return handle === 'sre' ? ['U0CAROL'] : [];
        },
      };
      const carol = { id: 'U0CAROL', display: '<@U0CAROL>' };
      expect(
        (await approveRemediation(withGroups, { remediationId: id, actor: carol, requestId: rid() })).kind,
      ).toBe('started');
      expect(looked).toEqual(['sre']);
    });

    it('a service with no approvers can be analysed but not fixed', async () => {
      const config = configWith(server, lowRisk);
      const deps = await remediationDepsFor(db, config, clock);
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        {
          alerts: [
            {
              labels: { alertname: 'BillingDown', service: 'billing', namespace: 'shop' },
              annotations: { remediation_job: 'restart-web' },
            },
          ],
        },
      );
      const [view] = await listRemediations(db, incidentId);
      const outcome = await approveRemediation(deps, {
        remediationId: view?.id as number,
        actor: alice,
        requestId: rid(),
      });
      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: 'service billing has no approvers in aiops.yml: it can be analysed but not fixed',
      });
    });

    it('refuses during a change freeze, and audits it', async () => {
      // Wednesday 10:00 UTC; the freeze starts Wednesdays 08:00 for 2 h 5 min.
      const { deps, incidentId, id } = await setup(
        '  freeze: [{ cron: "0 8 * * 3", durationMinutes: 125 }]',
        lowRisk,
      );
      const outcome = await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: 'change freeze (0 8 * * 3, 125 min) until 2026-03-04T10:05:00.000Z',
      });
      expect(await events(incidentId)).toEqual(['propose', 'refuse']);
      clock.set('2026-03-04T10:05:00Z');
      expect(
        (await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() })).kind,
      ).toBe('started');
    });

    it('refuses beyond maxPerServicePerHour, counted in the database', async () => {
      const { deps, id } = await setup('  maxPerServicePerHour: 1', lowRisk);
      expect(
        (await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() })).kind,
      ).toBe('started');
      await runJobs(deps);
      const other = await incidentWithProposals({ db, config: deps.config, clock });
      const [second] = await listRemediations(db, other.incidentId);
      const refused = await approveRemediation(deps, {
        remediationId: second?.id as number,
        actor: alice,
        requestId: rid(),
      });
      expect(refused).toMatchObject({
        kind: 'refused',
        reason: 'rate limit: 1 remediation(s) of checkout in the last hour (max 1 per hour)',
      });
      await runJobs(deps);
      expect(server.count()).toBe(1);
      clock.advance(61 * 60_000);
      // Still proposed? It expired after 30 minutes: refused for that reason now.
      const late = await approveRemediation(deps, {
        remediationId: second?.id as number,
        actor: alice,
        requestId: rid(),
      });
      expect(late.kind).toBe('refused');
      expect(late.kind === 'refused' && late.reason).toMatch(/approval window closed/);
    });

    it('expires proposals after approvalTtlMinutes (by click and by the cron use-case)', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      const other = await incidentWithProposals({ db, config: deps.config, clock });
      clock.advance(10 * 60_000 + 1);
      expect(
        (await pendingApprovals(db, new Date(clock.now().getTime() - 10 * 60_000))).map((v) => v.id),
      ).toEqual([id, (await listRemediations(db, other.incidentId))[0]?.id]);
      clock.advance(20 * 60_000);
      const outcome = await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(outcome.kind).toBe('refused');
      expect(outcome.view?.status).toBe('expired');
      expect(await events(incidentId)).toEqual(['propose', 'expire', 'refuse']);
      expect(await expireApprovals(deps, clock.now())).toBe(1);
      expect(await expireApprovals(deps, clock.now())).toBe(0);
      await runJobs(deps);
      expect(server.count()).toBe(0);
    });

    it('re-checks the allowlist at approval: a target removed from the config is refused', async () => {
      const config = configWith(server);
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        { actions: [{ kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' }] },
      );
      const [view] = await listRemediations(db, incidentId);
      const narrowed = configFrom(
        TOKEN_ENV,
        remediationYaml(server).replace('namespaces: [shop]', 'namespaces: [web]'),
      );
      const outcome = await approveRemediation(await remediationDepsFor(db, narrowed, clock), {
        remediationId: view?.id as number,
        actor: alice,
        requestId: rid(),
      });
      expect(outcome).toMatchObject({
        kind: 'refused',
        reason: 'namespace shop is not in remediation.kubernetes.namespaces',
      });
      // Allowed by the config but no executor for it here: refused with what to configure.
      const noExecutor = await approveRemediation(await remediationDepsFor(db, config, clock), {
        remediationId: view?.id as number,
        actor: alice,
        requestId: rid(),
      });
      expect(noExecutor.kind).toBe('refused');
      expect(noExecutor.kind === 'refused' && noExecutor.reason).toMatch(/no executor/);
    });

    it('reject stops a proposed or approved-not-started action', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      const rejected = await rejectRemediation(deps, { remediationId: id, actor: bob, requestId: rid() });
      expect(rejected).toMatchObject({ kind: 'done', view: { status: 'rejected' } });
      await runJobs(deps);
      expect(server.count()).toBe(0);
      const late = await approveRemediation(deps, { remediationId: id, actor: bob, requestId: rid() });
      expect(late).toMatchObject({ kind: 'unchanged', reason: 'already rejected' });
      expect(await events(incidentId)).toEqual(['propose', 'approve', 'reject']);
    });

    it('a failed run is stored as failed with its redacted output', async () => {
      const config = configWith(server, lowRisk);
      const deps = await remediationDepsFor(db, config, clock);
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        {
          alerts: [
            {
              labels: { alertname: 'X', service: 'checkout', namespace: 'shop' },
              annotations: { remediation_job: 'broken' },
            },
          ],
        },
      );
      const [view] = await listRemediations(db, incidentId);
      await approveRemediation(deps, { remediationId: view?.id as number, actor: alice, requestId: rid() });
      await runJobs(deps);
      const after = await getRemediation(db, view?.id as number);
      expect(after?.status).toBe('failed');
      expect(await events(incidentId)).toEqual(['propose', 'approve', 'run', 'fail']);
    });

    it('rollback runs the undo once and ends rolled_back', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      const early = await rollbackRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(early.kind).toBe('refused');
      await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      await runJobs(deps);
      const outsider = await rollbackRemediation(deps, {
        remediationId: id,
        actor: mallory,
        requestId: rid(),
      });
      expect(outsider.kind).toBe('refused');
      const requestId = rid();
      const started = await rollbackRemediation(deps, { remediationId: id, actor: bob, requestId });
      expect(started.kind).toBe('started');
      const twice = await rollbackRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(twice.kind).toBe('unchanged');
      await runJobs(deps);
      await runJobs(deps);
      expect(server.count('/undo')).toBe(1);
      const view = await getRemediation(db, id);
      expect(view?.status).toBe('rolled_back');
      expect(view?.canRollback).toBe(false);
      expect(await events(incidentId)).toEqual([
        'propose',
        'refuse',
        'approve',
        'run',
        'succeed',
        'refuse',
        'rollback',
        'rolled_back',
      ]);
    });

    it('dry run changes nothing and is audited', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      const result = await dryRunRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      expect(result.kind).toBe('done');
      expect(result.dryRun?.ok).toBe(true);
      expect(server.count()).toBe(0);
      expect((await getRemediation(db, id))?.status).toBe('proposed');
      expect(await events(incidentId)).toEqual(['propose', 'dry_run']);
      const refused = await dryRunRemediation(deps, { remediationId: id, actor: mallory, requestId: rid() });
      expect(refused.kind).toBe('refused');
    });

    it('a worker that dies mid-run leaves the action interrupted; it is never re-run', async () => {
      const config = configWith(server, lowRisk);
      const deps = await remediationDepsFor(db, config, clock);
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        {
          alerts: [
            {
              labels: { alertname: 'X', service: 'checkout', namespace: 'shop' },
              annotations: { remediation_job: 'slow' },
            },
          ],
        },
      );
      const [view] = await listRemediations(db, incidentId);
      const id = view?.id as number;
      await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      // Worker A claims the job and starts the run; its request hangs (the worker is as good as dead).
      const dying = remediationWorker(deps, 'worker-a').runOnce();
      await waitFor(() => server.count('/hang') === 1);
      expect((await getRemediation(db, id))?.status).toBe('running');
      // Its lease and heartbeat run out; worker B takes the job over.
      clock.advance(5 * 60_000);
      await remediationWorker(deps, 'worker-b').runOnce();
      expect((await getRemediation(db, id))?.status).toBe('interrupted');
      expect(server.count()).toBe(1);
      // The first run's late end does not overwrite the decision; nothing runs again.
      server.release();
      await dying;
      await runJobs(deps);
      clock.advance(60 * 60_000);
      await runJobs(deps);
      expect(server.count()).toBe(1);
      expect((await getRemediation(db, id))?.status).toBe('interrupted');
      const trail = await events(incidentId);
      expect(trail.slice(0, 4)).toEqual(['propose', 'approve', 'run', 'interrupt']);
      expect(trail).toContain('late_result');
    });

    it('a retried job while the run is alive waits and never runs twice', async () => {
      const config = configWith(server, lowRisk);
      const deps = await remediationDepsFor(db, config, clock);
      const { incidentId } = await incidentWithProposals(
        { db, config, clock },
        {
          alerts: [
            {
              labels: { alertname: 'X', service: 'checkout', namespace: 'shop' },
              annotations: { remediation_job: 'slow' },
            },
          ],
        },
      );
      const [view] = await listRemediations(db, incidentId);
      const id = view?.id as number;
      await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      // A short lease: the job is claimable again while the run (with a fresh heartbeat) goes on.
      const first = remediationWorker(deps, 'worker-a', 1_000).runOnce();
      await waitFor(() => server.count('/hang') === 1);
      clock.advance(2_000);
      await remediationWorker(deps, 'worker-b', 1_000).runOnce();
      expect((await getRemediation(db, id))?.status).toBe('running');
      server.release();
      await first;
      expect((await getRemediation(db, id))?.status).toBe('failed');
      expect(server.count()).toBe(1);
    });

    it('self-healing runs a matching low-risk action without a click, within maxPerHour', async () => {
      const config = configWith(
        server,
        `${lowRisk}\n  autoRun: [{ action: http-job, match: { alertname: CheckoutErrors }, maxPerHour: 1 }]`,
      );
      const deps = await remediationDepsFor(db, config, clock);
      const first = await incidentWithProposals({ db, config, clock });
      const [auto] = await listRemediations(db, first.incidentId);
      expect(auto?.status).toBe('approved');
      expect(auto?.autoRunRule).toBe('aiops (self-healing rule 1: http-job when alertname=CheckoutErrors)');
      await runJobs(deps);
      expect(server.count('/restart')).toBe(1);
      expect((await getRemediation(db, auto?.id as number))?.status).toBe('succeeded');
      const audit = await listAudit(db, { incidentId: first.incidentId });
      expect(audit.find((entry) => entry.event === 'auto_run')?.actor).toMatch(/self-healing rule 1/);
      // Within the hour the rule does not fire again: the second stays for a human.
      const second = await incidentWithProposals({ db, config, clock });
      const [waiting] = await listRemediations(db, second.incidentId);
      expect(waiting?.status).toBe('proposed');
      await runJobs(deps);
      expect(server.count()).toBe(1);
    });

    it('the audit log refuses UPDATE, DELETE and TRUNCATE', async () => {
      const { deps, id } = await setup('', lowRisk);
      await approveRemediation(deps, { remediationId: id, actor: alice, requestId: rid() });
      await expect(db.query("UPDATE audit_log SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
      expect(count.rows[0]?.n).toBe(2);
      // Paged, newest first.
      const page = await listAudit(db, { limit: 1 });
      const next = await listAudit(db, { limit: 1, beforeId: page[0]?.id as number });
      expect(page[0]?.event).toBe('approve');
      expect(next[0]?.event).toBe('propose');
    });

    it('a thousand concurrent approvals from two replicas start exactly one execution', async () => {
      const { deps, incidentId, id } = await setup('', lowRisk);
      // Two replicas: two connection pools on the same PostgreSQL (PGlite has one connection: one "replica").
      const second = url ? createPgDb({ connectionString: url, max: 10 }) : null;
      const replicas = [deps, second ? { ...deps, db: second } : deps];
      try {
        const actors = [alice, bob, { id: 'cli:alice', display: 'alice' }, mallory];
        const outcomes = await Promise.all(
          Array.from({ length: 1000 }, (_, index) =>
            approveRemediation(replicas[index % 2] as RemediationDeps, {
              remediationId: id,
              actor: actors[index % actors.length] as Actor,
              requestId: `burst-${index}`,
            }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome.kind === 'started')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome.kind === 'waiting')).toHaveLength(0);
        // Both replicas' workers race for the run job, twice over.
        await Promise.all(replicas.flatMap((replica) => [runJobs(replica), runJobs(replica)]));
        expect(server.count()).toBe(1);
        const trail = await listAudit(db, { incidentId, limit: 500 });
        expect(trail.filter((entry) => entry.event === 'run')).toHaveLength(1);
        expect(trail.filter((entry) => entry.event === 'approve')).toHaveLength(1);
      } finally {
        await second?.close();
      }
    });
  });
}
