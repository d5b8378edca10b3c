/**
 * Kubernetes context through the real @kubernetes/client-node, a real kubeconfig file and the fake API server
 * (test/support/kube-fake.ts) speaking core/v1: Pod, pod log with `previous=true` (and its 400 when there is
 * no previous container), EventList with field selectors, 403s, vanished pods. Nothing of ours is stubbed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatherContext } from '../../src/analysis/context/index.ts';
import { gatherKubernetes, selectLogLines, targetsOf } from '../../src/analysis/context/kubernetes.ts';
import { type KubeReadClients, kubeconfigPath, kubeReadClients } from '../../src/clients/kubernetes.ts';
import { ManualClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { testDatabases } from '../support/databases.ts';
import { testAlert } from '../support/incidents.ts';
import { type KubeFake, startKubeFake } from '../support/kube-fake.ts';
import { addEvent, addPod } from '../support/kube-scenarios.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { leakedFragments, SECRET_CORPUS } from '../support/secrets.ts';
import { waitFor } from '../support/wait.ts';

const AT = '2026-03-01T10:00:00Z';
const crashAlert = (labels: Record<string, string> = {}) =>
  testAlert(
    {
      labels: {
        alertname: 'KubePodCrashLooping',
        namespace: 'shop',
        pod: 'checkout-7d9f8-abcde',
        container: 'checkout',
        ...labels,
      },
    },
    { at: AT },
  );

function crashLoopingPod(fake: KubeFake) {
  addPod(fake, {
    namespace: 'shop',
    name: 'checkout-7d9f8-abcde',
    labels: { app: 'checkout' },
    node: 'node-a',
    containers: [
      {
        name: 'checkout',
        ready: false,
        restarts: 7,
        state: { waiting: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
        last: { reason: 'Error', exitCode: 1, finishedAt: '2026-03-01T09:59:10Z' },
        requests: { memory: '128Mi', cpu: '100m' },
        limits: { memory: '256Mi' },
      },
      { name: 'istio-proxy', ready: true },
    ],
  });
  addEvent(fake, {
    namespace: 'shop',
    object: { kind: 'Pod', name: 'checkout-7d9f8-abcde' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container checkout in pod checkout-7d9f8-abcde_shop',
    count: 31,
    at: '2026-03-01T09:59:30Z',
  });
  // Another pod's event in the namespace: the field selector must leave it out.
  addEvent(fake, {
    namespace: 'shop',
    object: { kind: 'Pod', name: 'cart-1' },
    reason: 'Unhealthy',
    message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
    at: '2026-03-01T09:59:00Z',
  });
  fake.setLog(
    'shop',
    'checkout-7d9f8-abcde',
    [
      '2026-03-01T09:59:08Z INFO starting checkout v1.42',
      '2026-03-01T09:59:09Z INFO connecting to orders-db.shop.svc:5432',
      '2026-03-01T09:59:10Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused',
      '2026-03-01T09:59:10Z FATAL cannot start without the database',
      '',
    ].join('\n'),
    { container: 'checkout', previous: true },
  );
  fake.setLog('shop', 'checkout-7d9f8-abcde', '2026-03-01T09:59:40Z INFO starting checkout v1.42\n', {
    container: 'checkout',
  });
  fake.setLog('shop', 'checkout-7d9f8-abcde', 'envoy ready\n', { container: 'istio-proxy' });
}

describe('Kubernetes context source', () => {
  let fake: KubeFake;
  let dir: string;
  let kubeconfig: string;
  let clients: KubeReadClients;

  beforeAll(async () => {
    fake = await startKubeFake();
    dir = await mkdtemp(join(tmpdir(), 'aiops-kubectx-'));
    kubeconfig = await fake.writeKubeconfig(dir);
    const built = kubeReadClients(configFrom({}, `context:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n`));
    if (!('clients' in built)) throw new Error(built.unavailable);
    clients = built.clients;
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  it('reads pod status, its own events and the previous and current logs, with GET requests only', async () => {
    crashLoopingPod(fake);
    const context = await gatherKubernetes({ clients }, [crashAlert()]);
    expect(context.notes).toEqual([]);
    const [pod] = context.objects;
    expect(pod).toMatchObject({
      kind: 'Pod',
      namespace: 'shop',
      name: 'checkout-7d9f8-abcde',
      status: 'Running, 1/2 ready, 7 restarts, on node node-a',
    });
    expect(pod?.containers[0]).toEqual({
      name: 'checkout',
      ready: false,
      restarts: 7,
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: 'back-off 5m0s restarting failed container',
      lastTermination: { reason: 'Error', exitCode: 1, at: '2026-03-01T09:59:10.000Z' },
      requests: { memory: '128Mi', cpu: '100m' },
      limits: { memory: '256Mi' },
    });
    expect(pod?.events).toEqual([
      {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container checkout in pod checkout-7d9f8-abcde_shop',
        count: 31,
        at: '2026-03-01T09:59:30.000Z',
      },
    ]);
    expect(pod?.logs).toEqual([
      {
        container: 'checkout',
        previous: true,
        truncated: false,
        lines: [
          '2026-03-01T09:59:08Z INFO starting checkout v1.42',
          '2026-03-01T09:59:09Z INFO connecting to orders-db.shop.svc:5432',
          '2026-03-01T09:59:10Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused',
          '2026-03-01T09:59:10Z FATAL cannot start without the database',
        ],
      },
      {
        container: 'checkout',
        previous: false,
        truncated: false,
        lines: ['2026-03-01T09:59:40Z INFO starting checkout v1.42'],
      },
      // The sidecar never restarted: only its current log, no `previous` request.
      { container: 'istio-proxy', previous: false, truncated: false, lines: ['envoy ready'] },
    ]);

    expect(fake.requests.every((request) => request.method === 'GET')).toBe(true);
    const events = fake.requests.find((request) => request.path === '/api/v1/namespaces/shop/events');
    expect(events?.query.fieldSelector).toBe(
      'involvedObject.name=checkout-7d9f8-abcde,involvedObject.kind=Pod',
    );
    const logs = fake.requests.filter((request) => request.path.endsWith('/log'));
    expect(logs.map((request) => request.query)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          container: 'checkout',
          previous: 'true',
          tailLines: '200',
          limitBytes: '65536',
        }),
        expect.objectContaining({ container: 'checkout', previous: 'false' }),
        expect.objectContaining({ container: 'istio-proxy', previous: 'false' }),
      ]),
    );
    expect(logs).toHaveLength(3);
  });

  it("notes the API server's 400 for a previous log that does not exist, and keeps the rest", async () => {
    addPod(fake, {
      namespace: 'shop',
      name: 'checkout-7d9f8-abcde',
      containers: [{ name: 'checkout', restarts: 1, last: { reason: 'Error', exitCode: 2, finishedAt: AT } }],
    });
    fake.setLog('shop', 'checkout-7d9f8-abcde', 'ok\n', { container: 'checkout' });
    const context = await gatherKubernetes({ clients }, [crashAlert()]);
    const [pod] = context.objects;
    expect(pod?.notes).toEqual([
      'no previous instance of container checkout: previous terminated container "checkout" in pod "checkout-7d9f8-abcde" not found',
    ]);
    expect(pod?.logs).toEqual([{ container: 'checkout', previous: false, truncated: false, lines: ['ok'] }]);
  });

  it('notes a 403 on logs and a vanished pod, and never fails for them', async () => {
    crashLoopingPod(fake);
    fake.onRequest = (request) =>
      request.path.endsWith('/log')
        ? [
            403,
            {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              reason: 'Forbidden',
              code: 403,
              message:
                'pods "checkout-7d9f8-abcde" is forbidden: User "system:serviceaccount:aiops:aiops-bot" cannot get resource "pods/log" in API group "" in the namespace "shop"',
            },
          ]
        : undefined;
    const context = await gatherKubernetes({ clients }, [
      crashAlert(),
      crashAlert({ pod: 'checkout-7d9f8-gone1' }),
    ]);
    const [present, gone] = context.objects;
    expect(present?.status).toContain('7 restarts');
    expect(present?.logs).toEqual([]);
    expect(present?.notes[0]).toMatch(
      /^previous log of checkout: forbidden \(HTTP 403\).*cannot get resource "pods\/log"/,
    );
    expect(gone).toMatchObject({ name: 'checkout-7d9f8-gone1', status: 'not read', events: [], logs: [] });
    expect(gone?.notes).toEqual(['pod shop/checkout-7d9f8-gone1: not found (deleted or replaced?)']);
  });

  it('fails (for the time box to report) only when nothing at all could be read', async () => {
    fake.onRequest = () => [500, { kind: 'Status', code: 500, message: 'etcdserver: request timed out' }];
    await expect(gatherKubernetes({ clients }, [crashAlert()])).rejects.toThrow(/HTTP 500.*etcdserver/);
  });

  it('reads a deployment, its events and its unhealthiest pods through its selector', async () => {
    fake.addDeployment({ namespace: 'shop', name: 'checkout', replicas: 3, labels: { app: 'checkout' } });
    for (const [name, restarts] of [
      ['checkout-7d9f8-aaaaa', 0],
      ['checkout-7d9f8-bbbbb', 9],
      ['checkout-7d9f8-ccccc', 2],
      ['checkout-7d9f8-ddddd', 0],
    ] as const) {
      addPod(fake, {
        namespace: 'shop',
        name,
        labels: { app: 'checkout' },
        containers: [{ name: 'checkout', restarts, ready: restarts === 0 }],
      });
    }
    addPod(fake, {
      namespace: 'shop',
      name: 'cart-1',
      labels: { app: 'cart' },
      containers: [{ name: 'cart' }],
    });
    const alert = testAlert(
      { labels: { alertname: 'KubeDeploymentReplicasMismatch', namespace: 'shop', deployment: 'checkout' } },
      { at: AT },
    );
    const context = await gatherKubernetes({ clients }, [alert]);
    expect(context.objects.map((object) => `${object.kind}/${object.name}`)).toEqual([
      'Pod/checkout-7d9f8-bbbbb',
      'Pod/checkout-7d9f8-ccccc',
      'Pod/checkout-7d9f8-aaaaa',
      'Deployment/checkout',
    ]);
    expect(context.objects.at(-1)?.status).toMatch(/^3\/3 ready/);
  });

  it('reads nodes (cluster-scoped) and their events in the default namespace', async () => {
    fake.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a' },
      spec: {},
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
          { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory' },
        ],
      },
    });
    addEvent(fake, {
      namespace: 'default',
      object: { kind: 'Node', name: 'node-a' },
      reason: 'NodeNotReady',
      message: 'Node node-a status is now: NodeNotReady',
      at: '2026-03-01T09:58:00Z',
    });
    const alert = testAlert({ labels: { alertname: 'KubeNodeNotReady', node: 'node-a' } }, { at: AT });
    const context = await gatherKubernetes({ clients }, [alert]);
    expect(context.objects).toMatchObject([
      {
        kind: 'Node',
        name: 'node-a',
        status: 'Ready=False, MemoryPressure=True (KubeletHasInsufficientMemory)',
        events: [{ reason: 'NodeNotReady' }],
      },
    ]);
  });

  it('reads only the namespaces aiops.yml allows', async () => {
    crashLoopingPod(fake);
    const context = await gatherKubernetes({ clients, namespaces: ['payments'] }, [crashAlert()]);
    expect(context.objects).toEqual([]);
    expect(context.notes).toEqual([
      'namespace shop is not in context.kubernetes.namespaces: pod checkout-7d9f8-abcde not read',
    ]);
    expect(fake.requests).toEqual([]);
  });

  it('redacts secrets planted in logs, events and termination messages before anything is kept', async () => {
    const planted = SECRET_CORPUS.map((sample) => sample.text);
    addPod(fake, {
      namespace: 'shop',
      name: 'checkout-7d9f8-abcde',
      containers: [
        {
          name: 'checkout',
          restarts: 1,
          last: { reason: 'Error', exitCode: 1, finishedAt: AT, message: planted.join(' ') },
        },
      ],
    });
    addEvent(fake, {
      namespace: 'shop',
      object: { kind: 'Pod', name: 'checkout-7d9f8-abcde' },
      reason: 'Failed',
      message: `Error: ${planted.slice(0, 6).join('; ')}`,
      at: AT,
    });
    // NUL bytes inside a secret must not split it past the redactor.
    const withNul = planted.map((line, index) => (index % 2 ? line.replace(/(.{12})/, '$1\u0000') : line));
    fake.setLog('shop', 'checkout-7d9f8-abcde', `${withNul.join('\n')}\n`, {
      container: 'checkout',
      previous: true,
    });
    fake.setLog('shop', 'checkout-7d9f8-abcde', `ERROR ${planted.join(' ERROR ')}\n`, {
      container: 'checkout',
    });
    const context = await gatherKubernetes({ clients }, [crashAlert()]);
    const kept = JSON.stringify(context);
    expect(kept).toContain('[REDACTED');
    for (const sample of SECRET_CORPUS) {
      expect(leakedFragments(kept, sample.secret), sample.name).toEqual([]);
    }
  });

  it('keeps errors and warnings first when a log has more lines than kept', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} INFO request served`);
    lines[3] = 'line 3 ERROR connection refused to redis:6379';
    lines[50] = 'line 50 WARN slow query';
    const { lines: kept, truncated } = selectLogLines(lines.join('\n'), 5);
    expect(truncated).toBe(true);
    expect(kept).toEqual([
      'line 3 ERROR connection refused to redis:6379',
      'line 50 WARN slow query',
      'line 97 INFO request served',
      'line 98 INFO request served',
      'line 99 INFO request served',
    ]);
  });

  it('keeps more of an error line than of other lines: its cause is often at its end', () => {
    const error = `{"log.level":"ERROR","message":"node validation exception\\n${'x'.repeat(330)}\\nbootstrap check failure: the kernel setting is too low"}`;
    const info = `INFO ${'y'.repeat(400)}`;
    const { lines } = selectLogLines([info, error].join('\n'));
    expect(lines[0]?.length).toBeLessThanOrEqual(300);
    expect(lines[1]).toBe(error);
    // Never beyond the schema's 500 characters a line.
    const { lines: long } = selectLogLines(`ERROR ${'z'.repeat(900)}`);
    expect(long[0]?.length).toBe(500);
    // A line that names an exception type is an error line, whatever its other words (Ruby's `(…NameError)`).
    const ruby = `/app/lib/loader.rb:33:in 'load': expected ${'/gems/'.repeat(60)} to define X (Zeitwerk::NameError)`;
    expect(selectLogLines(ruby).lines[0]?.length).toBeGreaterThan(300);
  });

  it('finds pods, workloads and nodes in alert labels', () => {
    const alerts = [
      crashAlert(),
      crashAlert(),
      testAlert(
        { labels: { alertname: 'KubeStatefulSetReplicasMismatch', namespace: 'db', statefulset: 'pg' } },
        { at: AT },
      ),
      testAlert(
        { labels: { alertname: 'KubeJobFailed', namespace: 'batch', job_name: 'nightly' } },
        { at: AT },
      ),
      testAlert({ labels: { alertname: 'KubeNodeNotReady', node: 'node-b' } }, { at: AT }),
    ];
    expect(targetsOf(alerts)).toEqual([
      { kind: 'Pod', namespace: 'shop', name: 'checkout-7d9f8-abcde', container: 'checkout' },
      { kind: 'StatefulSet', namespace: 'db', name: 'pg' },
      { kind: 'Job', namespace: 'batch', name: 'nightly' },
      { kind: 'Node', name: 'node-b' },
    ]);
  });

  it('never puts an alert label that is not a valid object name into a path or a field selector', async () => {
    crashLoopingPod(fake);
    const hostile = [
      crashAlert({ pod: 'x,involvedObject.kind=Node' }),
      crashAlert({ pod: '../../../api/v1/secrets' }),
      crashAlert({ pod: 'checkout-7d9f8-abcde', container: 'checkout&previous=true' }),
      testAlert({ labels: { alertname: 'KubeNodeNotReady', node: 'node-a?watch=true' } }, { at: AT }),
    ];
    const context = await gatherKubernetes({ clients }, hostile);
    expect(context.objects.map((object) => object.name)).toEqual(['checkout-7d9f8-abcde']);
    for (const request of fake.requests) {
      expect(request.path).toMatch(
        /^\/api\/v1\/namespaces\/shop\/(pods\/checkout-7d9f8-abcde(\/log)?|events)$/,
      );
      expect(request.query.fieldSelector ?? '').not.toContain('involvedObject.kind=Node,');
    }
  });

  it('picks the kubeconfig from aiops.yml, else KUBECONFIG, and says when there are no credentials', () => {
    expect(
      kubeconfigPath(
        configFrom({ KUBECONFIG: '/a:/b' }, 'context:\n  kubernetes:\n    kubeconfig: ./k\n'),
        '/srv',
      ),
    ).toBe('/srv/k');
    expect(kubeconfigPath(configFrom({ KUBECONFIG: '/a:/b' }), '/srv')).toBe('/a');
    expect(kubeReadClients(configFrom({}))).toEqual({
      unavailable:
        'no Kubernetes credentials: set context.kubernetes.kubeconfig in aiops.yml or KUBECONFIG, or run in the cluster',
    });
  });
});

describe.each(testDatabases())('Kubernetes context in gatherContext on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let fake: KubeFake;
  let dir: string;
  let kubeconfig: string;
  const clock = new ManualClock(AT);

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    fake = await startKubeFake();
    dir = await mkdtemp(join(tmpdir(), 'aiops-kubectx-'));
    kubeconfig = await fake.writeKubeconfig(dir);
  });
  afterAll(async () => {
    await dispose?.();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds the pod evidence to the analysis input and reports the source', async () => {
    crashLoopingPod(fake);
    const config = configFrom({}, `context:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n`);
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="KubePodCrashLooping"}',
      alerts: [
        {
          labels: {
            alertname: 'KubePodCrashLooping',
            namespace: 'shop',
            pod: 'checkout-7d9f8-abcde',
            container: 'checkout',
          },
        },
      ],
    });
    const { incidentIds } = await ingestDelivery(
      { db, config, clock },
      { source: 'alertmanager', rawBody: JSON.stringify(body) },
    );
    const result = await gatherContext(
      { db, config, clock, logger: createLogger('silent'), kubernetes: kubeReadClients(config) },
      incidentIds[0] as number,
    );
    expect(result.sources.find((source) => source.name === 'kubernetes')).toMatchObject({
      status: 'ok',
      detail: '1 pod; 1 events, 3 log tails',
    });
    expect(result.input.kubernetes?.objects[0]?.logs[0]?.lines).toContain(
      '2026-03-01T09:59:10Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused',
    );

    // An API server that accepts and never answers: the time box reports a timeout, and its abort signal
    // reaches the client's requests (the sockets close) instead of leaving them hanging.
    const open = new Set<import('node:net').Socket>();
    let seen = 0;
    const hanging = createServer((req) => {
      seen += 1;
      open.add(req.socket);
      req.socket.on('close', () => open.delete(req.socket));
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const hangingConfig = join(dir, 'hanging-kubeconfig');
    await writeFile(
      hangingConfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: h, cluster: {insecure-skip-tls-verify: true, server: "http://127.0.0.1:' +
          (hanging.address() as AddressInfo).port +
          '"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: h, context: {cluster: h, user: u}}]',
        'current-context: h',
        '',
      ].join('\n'),
    );
    // The time box from aiops.yml `context.kubernetes.timeoutMs`.
    const hangingCfg = configFrom(
      {},
      `context:\n  kubernetes:\n    kubeconfig: ${hangingConfig}\n    timeoutMs: 300\n`,
    );
    const timedOut = await gatherContext(
      {
        db,
        config: hangingCfg,
        clock,
        logger: createLogger('silent'),
        kubernetes: kubeReadClients(hangingCfg),
      },
      incidentIds[0] as number,
    );
    expect(timedOut.sources.find((source) => source.name === 'kubernetes')).toMatchObject({
      status: 'timeout',
    });
    expect(timedOut.input.kubernetes).toBeUndefined();
    expect(seen).toBeGreaterThan(0);
    await waitFor(() => open.size === 0 || undefined);
    hanging.close();

    const skipped = await gatherContext(
      { db, config, clock, logger: createLogger('silent') },
      incidentIds[0] as number,
    );
    expect(skipped.sources.find((source) => source.name === 'kubernetes')).toMatchObject({
      status: 'skipped',
    });
    expect(skipped.input.kubernetes).toBeUndefined();
  });
});
