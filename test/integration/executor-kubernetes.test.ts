/**
 * The Kubernetes executor through the real @kubernetes/client-node, a real kubeconfig file (http server,
 * `insecure-skip-tls-verify: true`, a bearer token) and the fake API server in test/support/kube-fake.ts.
 * Every change is asserted as the exact request kubectl would send (path, content type, body), and the
 * rollout is followed on a manual clock: the fake advances one replica per status read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createExecutors } from '../../src/remediation/executors/index.ts';
import {
  type KubernetesBefore,
  KubernetesExecutor,
  type KubernetesExecutorOptions,
  parseQuantity,
} from '../../src/remediation/executors/kubernetes.ts';
import type { ExecutionContext, Json, RemediationAction } from '../../src/remediation/types.ts';
import { type KubeFake, type KubeRequest, startKubeFake } from '../support/kube-fake.ts';

const NOW = '2026-03-01T10:00:00Z';

describe('Kubernetes executor', () => {
  let fake: KubeFake;
  let dir: string;
  let kubeconfig: string;
  let clock: ManualClock;

  beforeAll(async () => {
    fake = await startKubeFake();
    dir = await mkdtemp(join(tmpdir(), 'aiops-kube-'));
    kubeconfig = await fake.writeKubeconfig(dir);
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.reset();
    clock = new ManualClock(NOW);
    fake.addDeployment({ namespace: 'shop', name: 'checkout', replicas: 3 });
  });

  const executor = (options: Partial<KubernetesExecutorOptions> = {}) =>
    new KubernetesExecutor(
      {
        kubeconfig,
        namespaces: ['shop', 'team-*'],
        rolloutTimeoutSeconds: 120,
        rolloutPollSeconds: 2,
        ...options,
      },
      {
        clock,
        env: {},
        // The rollout wait sleeps on the manual clock: nothing in this test waits on a timer.
        sleep: async (ms) => clock.advance(ms),
      },
    );
  const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
    actionId: 11,
    incidentId: 4,
    approvedBy: ['U0ALICE'],
    signal: new AbortController().signal,
    ...over,
  });
  const changes = (): KubeRequest[] => fake.patches();
  const restart: RemediationAction = {
    kind: 'restart',
    namespace: 'shop',
    name: 'checkout',
    workload: 'deployment',
  };

  /** capture → run, as the core does. */
  const runAction = async (ex: KubernetesExecutor, action: RemediationAction) => {
    const before = await ex.capture(action, context());
    const result = await ex.run(action, before, context());
    return { before, result };
  };

  it('restart sends exactly kubectl rollout restart’s strategic-merge patch and reports the finished rollout', async () => {
    const ex = executor();
    expect(ex.refuse(restart)).toBeNull();
    const { before, result } = await runAction(ex, restart);
    expect(changes()).toEqual([
      {
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/checkout',
        query: { fieldManager: 'aiops-bot' },
        contentType: 'application/strategic-merge-patch+json',
        authorization: `Bearer ${fake.token}`,
        body: {
          spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': NOW } } } },
        },
      },
    ]);
    expect(result.ok).toBe(true);
    // Three status reads, one replica more at each, 2 s apart on the manual clock.
    expect(result.summary).toBe(
      'restarted deployment shop/checkout: 3/3 replicas updated and available in 4.0 s',
    );
    expect(result.output).toContain(
      'Waiting for deployment "checkout" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(result.output).toContain('deployment "checkout" successfully rolled out');
    expect((before as unknown as KubernetesBefore).revision).toBe('1');
    expect((result.after as unknown as KubernetesBefore).revision).toBe('2');
    const stored = fake.get('deployments', 'shop', 'checkout');
    expect(stored?.spec.template.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': NOW });
  });

  it('restart dry run is the same patch with dryRun=All and changes nothing', async () => {
    const ex = executor();
    const stored = fake.get('deployments', 'shop', 'checkout');
    const result = await ex.dryRun(restart, context());
    expect(result.ok).toBe(true);
    expect(result.summary).toContain(
      'Server dry run accepted (nothing changed): would restart deployment shop/checkout',
    );
    expect(changes()).toHaveLength(1);
    expect(changes()[0]?.query).toEqual({ fieldManager: 'aiops-bot', dryRun: 'All' });
    expect(changes()[0]?.body).toEqual({
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': NOW } } } },
    });
    expect(fake.get('deployments', 'shop', 'checkout')).toEqual(stored);
    expect(fake.list('replicasets', 'shop')).toHaveLength(1);
  });

  it('rollback of a restart restores the pod template it had (the restartedAt annotation removed or put back)', async () => {
    const ex = executor();
    const original = fake.get('deployments', 'shop', 'checkout')?.spec.template;
    const { before } = await runAction(ex, restart);
    fake.requests.length = 0;
    clock.advance(60_000);
    const result = await ex.rollback(restart, before, context());
    expect(changes().map((r) => [r.contentType, r.body])).toEqual([
      [
        'application/json-patch+json',
        // the template had no annotations: the map goes, as it was
        [{ op: 'remove', path: '/spec/template/metadata/annotations' }],
      ],
    ]);
    expect(result.ok).toBe(true);
    expect(result.summary).toContain(
      'restored the pod template of deployment shop/checkout as before the restart',
    );
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.template).toEqual(original);

    // Restarted twice: rolling back the second restart puts the first one's timestamp back.
    await runAction(ex, restart);
    const first = fake.get('deployments', 'shop', 'checkout')?.spec.template.metadata.annotations;
    clock.advance(60_000);
    const second = await runAction(ex, restart);
    fake.requests.length = 0;
    expect((await ex.rollback(restart, second.before, context())).ok).toBe(true);
    expect(changes()[0]?.body).toEqual([
      {
        op: 'replace',
        path: '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt',
        value: first['kubectl.kubernetes.io/restartedAt'],
      },
    ]);
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.template.metadata.annotations).toEqual(first);
  });

  it('restart applies to statefulsets and daemon sets, each followed to completion', async () => {
    fake.addStatefulSet({ namespace: 'shop', name: 'db', replicas: 2 });
    fake.addDaemonSet({ namespace: 'shop', name: 'agent', replicas: 4 });
    const ex = executor();
    const sts = await runAction(ex, {
      kind: 'restart',
      namespace: 'shop',
      name: 'db',
      workload: 'statefulset',
    });
    const ds = await runAction(ex, {
      kind: 'restart',
      namespace: 'shop',
      name: 'agent',
      workload: 'daemonset',
    });
    expect(changes().map((r) => `${r.method} ${r.path} ${r.contentType}`)).toEqual([
      'PATCH /apis/apps/v1/namespaces/shop/statefulsets/db application/strategic-merge-patch+json',
      'PATCH /apis/apps/v1/namespaces/shop/daemonsets/agent application/strategic-merge-patch+json',
    ]);
    expect(sts.result.summary).toBe('restarted statefulset shop/db: 2/2 replicas ready in 0.0 s');
    expect(ds.result.summary).toBe(
      'restarted daemon set shop/agent: 4/4 pods updated and available in 0.0 s',
    );
  });

  it('a rollout that does not finish in time is reported as failed with its progress, not as "patch accepted"', async () => {
    fake.rollout = 'stuck';
    const result = (await runAction(executor(), restart)).result;
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      'restarted deployment shop/checkout, but the rollout did not finish in 120 s (2/3 replicas updated and available)',
    );
    expect(result.output).toContain('2 out of 3 new replicas have been updated');
  });

  it('a rollout past its progress deadline fails at once', async () => {
    fake.rollout = 'deadline-exceeded';
    const result = (await runAction(executor(), restart)).result;
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      'restarted deployment shop/checkout, but deployment "checkout" exceeded its progress deadline (0/3 replicas updated and available)',
    );
  });

  it('keeps following through a transient API error (API server restarting), and stops at once on a deleted object', async () => {
    const unavailable = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'ServiceUnavailable',
      code: 503,
      message: 'the server is currently unable to handle the request',
    };
    let failures = 0;
    fake.onRequest = (request) => {
      const afterPatch = fake.requests.some((r) => r.method === 'PATCH');
      if (afterPatch && request.method === 'GET' && failures < 2) {
        failures++;
        return [503, unavailable];
      }
      return undefined;
    };
    const result = (await runAction(executor(), restart)).result;
    expect(result.ok).toBe(true);
    expect(result.output).toContain(
      'could not read the rollout status: the server is currently unable to handle the request',
    );
    expect(result.summary).toMatch(
      /^restarted deployment shop\/checkout: 3\/3 replicas updated and available in /,
    );

    const notFound = {
      ...unavailable,
      reason: 'NotFound',
      code: 404,
      message: 'deployments.apps "checkout" not found',
    };
    fake.onRequest = (request) =>
      request.method === 'GET' && fake.requests.filter((r) => r.method === 'PATCH').length === 2
        ? [404, notFound]
        : undefined;
    const gone = (await runAction(executor(), restart)).result;
    expect(gone.ok).toBe(false);
    expect(gone.summary).toBe(
      'restarted deployment shop/checkout, but its rollout status could not be read: deployments.apps "checkout" not found',
    );
  });

  it('stops following the rollout when the execution is aborted, and says the change was made', async () => {
    const controller = new AbortController();
    const ex = new KubernetesExecutor(
      { kubeconfig, namespaces: ['shop'] },
      {
        clock,
        env: {},
        sleep: async () => {
          controller.abort(new Error('shutting down'));
          throw new Error('aborted');
        },
      },
    );
    const before = await ex.capture(restart, context());
    const result = await ex.run(restart, before, context({ signal: controller.signal }));
    expect(result.ok).toBe(false);
    expect(result.summary).toContain(
      'restarted deployment shop/checkout; stopped following the rollout after 0.0 s (shutting down;',
    );
  });

  it('scale patches the scale subresource as kubectl scale does; rollback scales back', async () => {
    const ex = executor();
    const action: RemediationAction = { kind: 'scale', namespace: 'shop', name: 'checkout', replicas: 5 };
    const { before, result } = await runAction(ex, action);
    expect(changes()).toEqual([
      {
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/checkout/scale',
        query: { fieldManager: 'aiops-bot' },
        contentType: 'application/merge-patch+json',
        authorization: `Bearer ${fake.token}`,
        body: { spec: { replicas: 5 } },
      },
    ]);
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(
      /^scaled deployment shop\/checkout from 3 to 5 replicas: 5\/5 replicas updated and available in /,
    );
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.replicas).toBe(5);
    fake.requests.length = 0;
    const back = await ex.rollback(action, before, context());
    expect(changes().map((r) => r.body)).toEqual([{ spec: { replicas: 3 } }]);
    expect(back.ok).toBe(true);
    expect(back.summary).toMatch(/^scaled deployment shop\/checkout back to 3 replicas: 3\/3/);
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.replicas).toBe(3);

    const dry = await ex.dryRun({ ...action, replicas: 7 }, context());
    expect(dry.summary).toBe(
      'Server dry run accepted (nothing changed): would scale deployment shop/checkout from 3 to 7 replicas.',
    );
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.replicas).toBe(3);
  });

  it('rollback-deployment sends kubectl rollout undo’s JSON patch: the previous ReplicaSet’s template without its hash', async () => {
    fake.setImage('shop', 'checkout', 'checkout', 'registry.example.com/checkout:1.1.0');
    // A ReplicaSet that matches the selector but another owner controls, with a higher revision: ignored.
    fake.put({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'checkout-impostor',
        namespace: 'shop',
        labels: { app: 'checkout' },
        annotations: { 'deployment.kubernetes.io/revision': '9' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'other', uid: 'not-ours', controller: true },
        ],
      },
      spec: {
        template: {
          metadata: { labels: { app: 'checkout' } },
          spec: { containers: [{ name: 'checkout', image: 'evil:1' }] },
        },
      },
    });
    const deployment = fake.get('deployments', 'shop', 'checkout');
    expect(deployment?.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    const revisionOne = fake
      .list('replicasets', 'shop')
      .find((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '1');
    const ex = executor();
    const action: RemediationAction = { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout' };
    const dry = await ex.dryRun(action, context());
    expect(dry.summary).toBe(
      'Server dry run accepted (nothing changed): would roll back deployment shop/checkout from revision 2 to revision 1 (images registry.example.com/checkout:1.1.0 → registry.example.com/checkout:1.0.0).',
    );
    expect(changes().map((r) => r.query.dryRun)).toEqual(['All']);
    expect(fake.get('deployments', 'shop', 'checkout')).toEqual(deployment);
    fake.requests.length = 0;
    const { before, result } = await runAction(ex, action);

    const list = fake.requests.find(
      (r) => r.method === 'GET' && r.path === '/apis/apps/v1/namespaces/shop/replicasets',
    );
    expect(list?.query).toEqual({ labelSelector: 'app=checkout' });
    const expectedTemplate = structuredClone(revisionOne?.spec.template);
    delete expectedTemplate.metadata.labels['pod-template-hash'];
    expect(changes()).toEqual([
      {
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/checkout',
        query: { fieldManager: 'aiops-bot' },
        contentType: 'application/json-patch+json',
        authorization: `Bearer ${fake.token}`,
        body: [
          { op: 'replace', path: '/spec/template', value: expectedTemplate },
          // revision kept from the deployment; the ReplicaSet's own bookkeeping annotations skipped
          {
            op: 'replace',
            path: '/metadata/annotations',
            value: { 'deployment.kubernetes.io/revision': '2' },
          },
        ],
      },
    ]);
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(
      /^rolled back deployment shop\/checkout from revision 2 to revision 1 \(images registry.example.com\/checkout:1.1.0 → registry.example.com\/checkout:1.0.0\): 3\/3 replicas updated and available in /,
    );
    const after = fake.get('deployments', 'shop', 'checkout');
    expect(after?.spec.template.spec.containers[0].image).toBe('registry.example.com/checkout:1.0.0');
    expect(after?.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');

    // Its rollback restores the captured template (image 1.1.0) the same way.
    fake.requests.length = 0;
    const back = await ex.rollback(action, before, context());
    expect(back.ok).toBe(true);
    expect(changes()[0]?.contentType).toBe('application/json-patch+json');
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.template.spec.containers[0].image).toBe(
      'registry.example.com/checkout:1.1.0',
    );
  });

  it('rollback-deployment: toRevision, a missing revision, no history, and a template already at the target', async () => {
    const ex = executor();
    const noHistory = await ex.run(
      { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout' },
      null,
      context(),
    );
    expect(noHistory.ok).toBe(false);
    expect(noHistory.summary).toContain('no rollout history found for deployment "checkout"');
    fake.setImage('shop', 'checkout', 'checkout', 'registry.example.com/checkout:1.1.0');
    fake.setImage('shop', 'checkout', 'checkout', 'registry.example.com/checkout:1.2.0');
    const missing = await ex.run(
      { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout', toRevision: 7 },
      null,
      context(),
    );
    expect(missing.summary).toContain('unable to find specified revision 7 in history');
    const same = await ex.run(
      { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout', toRevision: 3 },
      null,
      context(),
    );
    expect(same.ok).toBe(true);
    expect(same.summary).toContain('current template already matches revision 3');
    expect(changes()).toHaveLength(0);
    const one = await ex.run(
      { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout', toRevision: 1 },
      null,
      context(),
    );
    expect(one.ok).toBe(true);
    expect(fake.get('deployments', 'shop', 'checkout')?.spec.template.spec.containers[0].image).toBe(
      'registry.example.com/checkout:1.0.0',
    );
  });

  it('raise-limits patches one container’s limits as kubectl set resources does; lowering is refused; rollback restores', async () => {
    const ex = executor();
    const action: RemediationAction = {
      kind: 'raise-limits',
      namespace: 'shop',
      name: 'checkout',
      container: 'checkout',
      memory: '1Gi',
    };
    const dry = await ex.dryRun(action, context());
    expect(dry.summary).toBe(
      'Server dry run accepted (nothing changed): would raise the limits of container checkout in deployment shop/checkout (memory 256Mi → 1Gi).',
    );
    fake.requests.length = 0;
    const { before, result } = await runAction(ex, action);
    expect(changes()).toEqual([
      {
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/checkout',
        query: { fieldManager: 'aiops-bot' },
        contentType: 'application/strategic-merge-patch+json',
        authorization: `Bearer ${fake.token}`,
        body: {
          spec: {
            template: {
              spec: { containers: [{ name: 'checkout', resources: { limits: { memory: '1Gi' } } }] },
            },
          },
        },
      },
    ]);
    expect(result.ok).toBe(true);
    const resources = fake.get('deployments', 'shop', 'checkout')?.spec.template.spec.containers[0].resources;
    expect(resources).toEqual({
      limits: { memory: '1Gi', cpu: '500m' },
      requests: { memory: '128Mi', cpu: '100m' },
    });

    fake.requests.length = 0;
    const lower = await ex.run({ ...action, memory: '512Mi' }, null, context());
    expect(lower.ok).toBe(false);
    expect(lower.summary).toBe(
      'would lower the memory limit of container checkout from 1Gi to 512Mi; raise-limits only raises',
    );
    const unknown = await ex.run({ ...action, container: 'sidecar' }, null, context());
    expect(unknown.summary).toBe('deployment shop/checkout has no container "sidecar" (it has: checkout)');
    expect(changes()).toHaveLength(0);

    const back = await ex.rollback(action, before, context());
    expect(back.ok).toBe(true);
    expect(changes().map((r) => [r.contentType, r.body])).toEqual([
      [
        'application/json-patch+json',
        [
          { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'checkout' },
          {
            op: 'add',
            path: '/spec/template/spec/containers/0/resources',
            value: { limits: { memory: '256Mi', cpu: '500m' }, requests: { memory: '128Mi', cpu: '100m' } },
          },
        ],
      ],
    ]);
    expect(
      fake.get('deployments', 'shop', 'checkout')?.spec.template.spec.containers[0].resources.limits,
    ).toEqual({
      memory: '256Mi',
      cpu: '500m',
    });
  });

  it('refuses a namespace outside the allowlist and invalid names before any request', () => {
    const ex = executor();
    expect(ex.refuse({ ...restart, namespace: 'kube-system' })).toBe(
      'namespace "kube-system" is not in remediation.kubernetes.namespaces (shop, team-*)',
    );
    expect(ex.refuse({ ...restart, namespace: 'team-payments' })).toBeNull();
    expect(ex.refuse({ ...restart, name: '../secrets' })).toBe(
      'invalid deployment name "../secrets" (RFC 1123 subdomain)',
    );
    expect(ex.refuse({ ...restart, name: 'Checkout' })).toContain('invalid deployment name');
    expect(ex.refuse({ ...restart, name: 'checkout\u0000' })).toContain('invalid deployment name');
    expect(ex.refuse({ ...restart, namespace: 'shop/../kube-system' })).toContain('invalid namespace');
    expect(
      ex.refuse({ kind: 'raise-limits', namespace: 'shop', name: 'checkout', container: 'checkout' }),
    ).toBe('raise-limits needs a memory or cpu limit');
    expect(ex.refuse({ kind: 'run-playbook', playbook: 'x.yml' })).toContain('does not run run-playbook');
    expect(fake.requests).toHaveLength(0);
  });

  it('run and dry run of a refused action send nothing and return the reason', async () => {
    const ex = executor();
    const outside: RemediationAction = { ...restart, namespace: 'payments' };
    expect((await ex.run(outside, null, context())).summary).toContain(
      'is not in remediation.kubernetes.namespaces',
    );
    expect((await ex.dryRun(outside, context())).ok).toBe(false);
    await expect(ex.capture(outside, context())).rejects.toThrow(
      'is not in remediation.kubernetes.namespaces',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('a paused deployment is not restarted or rolled back (as kubectl refuses)', async () => {
    fake.addDeployment({ namespace: 'shop', name: 'paused', paused: true });
    const ex = executor();
    const result = await ex.run({ ...restart, name: 'paused' }, null, context());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe("can't restart paused deployment shop/paused (run rollout resume first)");
    const undo = await ex.run(
      { kind: 'rollback-deployment', namespace: 'shop', name: 'paused' },
      null,
      context(),
    );
    expect(undo.summary).toContain('you cannot rollback a paused deployment');
    expect(changes()).toHaveLength(0);
    // Paused after the action ran: its rollback would never roll out either.
    const before = await ex.capture(restart, context());
    await ex.run(restart, before, context());
    fake.requests.length = 0;
    const stored = fake.get('deployments', 'shop', 'checkout');
    fake.put({ ...stored, spec: { ...stored?.spec, paused: true } });
    const back = await ex.rollback(restart, before, context());
    expect(back.summary).toBe(
      'rollback of restart on deployment shop/checkout failed: deployment shop/checkout is paused: a restored template would not roll out (run rollout resume first)',
    );
    expect(changes()).toHaveLength(0);
  });

  it('reports RBAC refusals and missing objects with the API server’s reason', async () => {
    fake.onRequest = (request) =>
      request.method === 'PATCH'
        ? [
            403,
            {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              reason: 'Forbidden',
              code: 403,
              message:
                'deployments.apps "checkout" is forbidden: User "system:serviceaccount:aiops:aiops-bot" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
            },
          ]
        : undefined;
    const ex = executor();
    const result = await ex.run(restart, null, context());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      'restart of deployment shop/checkout failed: forbidden by RBAC: deployments.apps "checkout" is forbidden: User "system:serviceaccount:aiops:aiops-bot" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
    );
    fake.onRequest = null;
    const missing = await ex.run({ ...restart, name: 'gone' }, null, context());
    expect(missing.summary).toBe('restart of deployment shop/gone failed: deployments.apps "gone" not found');
    await expect(ex.capture({ ...restart, name: 'gone' }, context())).rejects.toThrow('not found');
  });

  it('rollback refuses a before-state of another object, or of an object deleted and re-created since', async () => {
    const ex = executor();
    const { before } = await runAction(ex, restart);
    fake.requests.length = 0;
    const other = await ex.rollback({ ...restart, name: 'cart' }, before, context());
    expect(other.summary).toBe('no before-state of deployment shop/cart was captured; nothing to restore');
    fake.remove('deployments', 'shop', 'checkout');
    fake.addDeployment({ namespace: 'shop', name: 'checkout' });
    const recreated = await ex.rollback(restart, before, context());
    expect(recreated.summary).toBe(
      'deployment shop/checkout was deleted and re-created since the action ran; the captured state is not restored',
    );
    expect(changes()).toHaveLength(0);
  });

  it('kubeconfig: KUBECONFIG when the option is absent; a clear refusal without any credentials', () => {
    const fromEnv = new KubernetesExecutor(
      { namespaces: ['shop'] },
      { clock, env: { KUBECONFIG: kubeconfig } },
    );
    expect(fromEnv.refuse(restart)).toBeNull();
    const none = new KubernetesExecutor({ namespaces: ['shop'] }, { clock, env: {} });
    expect(none.refuse(restart)).toBe(
      'no Kubernetes credentials: set remediation.kubernetes.kubeconfig or KUBECONFIG, or run the bot in the cluster',
    );
    const broken = new KubernetesExecutor(
      { namespaces: ['shop'], kubeconfig: join(dir, 'missing') },
      { clock, env: {} },
    );
    expect(broken.refuse(restart)).toMatch(/^cannot load the kubeconfig: /);
  });

  it('createExecutors builds it from the kubernetes section, resolving the kubeconfig against baseDir', async () => {
    const executors = createExecutors(
      { kubernetes: { kubeconfig: 'kubeconfig', namespaces: ['shop'] } },
      { clock, env: {}, baseDir: dir, sleep: async (ms) => clock.advance(ms) },
    );
    expect(executors.refuse(restart)).toBeNull();
    const ex = executors.forAction(restart);
    expect(ex?.name).toBe('kubernetes');
    const before = (await ex?.capture(restart, context())) as Json;
    expect((await ex?.run(restart, before, context()))?.ok).toBe(true);
  });

  it('the fake serves core/v1 reads too (pods by label, events by field, logs) to the real client', async () => {
    const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
    fake.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'checkout-abc', namespace: 'shop', labels: { app: 'checkout' } },
      status: { phase: 'Running' },
    });
    fake.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cart-xyz', namespace: 'shop', labels: { app: 'cart' } },
      status: { phase: 'Pending' },
    });
    fake.put({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'checkout-abc.1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'checkout-abc' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
    });
    fake.setLog('shop', 'checkout-abc', 'panic: out of memory\n');
    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    const core = config.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=checkout' });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['checkout-abc']);
    const events = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: 'involvedObject.name=checkout-abc',
    });
    expect(events.items.map((e) => e.reason)).toEqual(['BackOff']);
    expect(await core.readNamespacedPodLog({ name: 'checkout-abc', namespace: 'shop' })).toBe(
      'panic: out of memory\n',
    );
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('512Mi')).toBe(512 * 2 ** 20);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('lots')).toBeNull();
  });
});
