/**
 * The offline analyzer: signature catalogue, combination, recent changes and what they touch, incident memory,
 * `explain`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnalysisInput, RecentChange, SimilarIncident } from '../../src/analysis/input.ts';
import { classifyChange } from '../../src/analysis/offline/changes.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import {
  analyzeOffline,
  CATALOGUE,
  explainOffline,
  matchSignature,
} from '../../src/analysis/offline/index.ts';
import { type Analysis, analysisSchema, explanationSchema } from '../../src/analysis/schema.ts';
import type { IncidentAlert, IncidentDetail } from '../../src/db/incidents.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from '../../src/ingest/alertmanager.ts';
import { type AlertSpec, testAlert, testIncident, testInput } from '../support/incidents.ts';

const T0 = '2024-05-01T10:15:00.000Z';

const alert = (spec: AlertSpec): IncidentAlert => testAlert(spec, { at: T0 });
const _incidentOf = (alerts: IncidentAlert[]): IncidentDetail => testIncident(alerts, T0);
const inputOf = (
  alerts: IncidentAlert[],
  extra: Partial<Omit<AnalysisInput, 'incident'>> = {},
): AnalysisInput => testInput(alerts, T0, extra);

/** Analyzes and checks the result against the schema every consumer validates with. */
function analyze(alerts: IncidentAlert[], extra: Partial<Omit<AnalysisInput, 'incident'>> = {}): Analysis {
  const analysis = analyzeOffline(inputOf(alerts, extra));
  expect(analysisSchema.parse(analysis)).toEqual(analysis);
  return analysis;
}

const allEvidence = (analysis: Analysis): string => analysis.rootCauses.flatMap((c) => c.evidence).join('\n');

// --- Fixtures shaped like kube-prometheus / kubernetes-mixin / awesome-prometheus-alerts alerts ---------------

const RUNBOOK = 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes';

const crashLooping = alert({
  labels: {
    alertname: 'KubePodCrashLooping',
    container: 'api',
    endpoint: 'http',
    job: 'kube-state-metrics',
    namespace: 'shop',
    pod: 'checkout-api-7d9f8b6c5d-x2kq9',
    reason: 'CrashLoopBackOff',
    severity: 'warning',
    uid: '5f0c1b7e-8a1c-4c39-9a43-2f4e0c6d8e11',
  },
  annotations: {
    description:
      'Pod shop/checkout-api-7d9f8b6c5d-x2kq9 (api) is in waiting state (reason: "CrashLoopBackOff") on cluster .',
    runbook_url: `${RUNBOOK}/kubepodcrashlooping`,
    summary: 'Pod is crash looping.',
  },
  expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics", namespace=~".*"}[5m]) >= 1',
});

const oomKilled = alert({
  labels: {
    alertname: 'KubernetesContainerOomKiller',
    container: 'api',
    namespace: 'shop',
    pod: 'checkout-api-7d9f8b6c5d-x2kq9',
    reason: 'OOMKilled',
    severity: 'warning',
  },
  annotations: {
    description:
      'Container api in pod shop/checkout-api-7d9f8b6c5d-x2kq9 has been OOMKilled 3 times in the last 10 minutes.\n  VALUE = 3',
    summary: 'Kubernetes Container oom killer (instance 10.2.0.14:8080)',
  },
  expr: '(kube_pod_container_status_restarts_total - kube_pod_container_status_restarts_total offset 10m >= 1) and ignoring (reason) min_over_time(kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}[10m]) == 1',
});

const imagePullWaiting = alert({
  labels: {
    alertname: 'KubeContainerWaiting',
    container: 'worker',
    namespace: 'billing',
    pod: 'invoice-worker-5c7b9d8f6b-q7w2z',
    reason: 'ImagePullBackOff',
    severity: 'warning',
  },
  annotations: {
    description:
      'pod/invoice-worker-5c7b9d8f6b-q7w2z in namespace billing on container worker has been in waiting state for longer than 1 hour. (reason: "ImagePullBackOff") on cluster .',
    runbook_url: `${RUNBOOK}/kubecontainerwaiting`,
    summary: 'Pod container waiting longer than 1 hour',
  },
});

const pvcFilling = alert({
  labels: {
    alertname: 'KubePersistentVolumeFillingUp',
    namespace: 'data',
    persistentvolumeclaim: 'data-postgres-0',
    severity: 'critical',
  },
  annotations: {
    description: 'The PersistentVolume claimed by data-postgres-0 in Namespace data is only 2.71% free.',
    runbook_url: `${RUNBOOK}/kubepersistentvolumefillingup`,
    summary: 'PersistentVolume is filling up.',
  },
});

const nodeNotReady = alert({
  labels: {
    alertname: 'KubeNodeNotReady',
    node: 'ip-10-0-3-17.eu-west-1.compute.internal',
    severity: 'warning',
  },
  annotations: {
    description:
      'ip-10-0-3-17.eu-west-1.compute.internal has been unready for more than 15 minutes on cluster .',
    summary: 'Node is not ready.',
  },
});

const filesystemAlmostFull = alert({
  labels: {
    alertname: 'NodeFilesystemAlmostOutOfSpace',
    device: '/dev/nvme0n1p1',
    fstype: 'xfs',
    instance: '10.0.3.17:9100',
    job: 'node-exporter',
    mountpoint: '/var/lib/containerd',
    severity: 'critical',
  },
  annotations: {
    description:
      'Filesystem on /dev/nvme0n1p1, mounted on /var/lib/containerd, at 10.0.3.17:9100 has only 2.93% available space left.',
    summary: 'Filesystem has less than 3% space left.',
  },
});

const targetDown = alert({
  labels: {
    alertname: 'TargetDown',
    job: 'payments-metrics',
    namespace: 'payments',
    service: 'payments-api',
    severity: 'warning',
  },
  annotations: {
    description: '100% of the payments-metrics/payments-api targets in payments namespace are down.',
    summary: 'One or more targets are unreachable.',
  },
});

const watchdog = alert({
  labels: { alertname: 'Watchdog', severity: 'none' },
  annotations: {
    description:
      'This is an alert meant to ensure that the entire alerting pipeline is functional. This alert is always firing, therefore it should always be firing in Alertmanager and always fire against a receiver.',
    summary: 'An alert that should always be firing to certify that Alertmanager is working properly.',
  },
});

const certExpiring = alert({
  labels: {
    alertname: 'BlackboxSslCertificateWillExpireSoon',
    instance: 'https://shop.example.com',
    job: 'blackbox-http',
    severity: 'warning',
  },
  annotations: {
    description:
      'SSL certificate expires in 6 days\n  VALUE = 6.2\n  LABELS = map[instance:https://shop.example.com]',
    summary: 'Blackbox SSL certificate will expire soon (instance https://shop.example.com)',
  },
  expr: '3 <= round((last_over_time(probe_ssl_earliest_cert_expiry[10m]) - time()) / 86400, 0.1) < 20',
});

const pgConnections = alert({
  labels: {
    alertname: 'PostgresqlTooManyConnections',
    instance: 'pg-main.db.internal:9187',
    job: 'postgres',
    severity: 'warning',
  },
  annotations: {
    description: 'PostgreSQL instance has too many connections (> 80%).\n  VALUE = 91.3',
    summary: 'Postgresql too many connections (instance pg-main.db.internal:9187)',
  },
});

const coreDns = alert({
  labels: { alertname: 'CoreDNSErrorsHigh', job: 'kube-dns', namespace: 'kube-system', severity: 'warning' },
  annotations: { message: 'CoreDNS is returning SERVFAIL for 4.2% of requests.' },
});

const kafkaLag = alert({
  labels: {
    alertname: 'KafkaConsumersGroup',
    consumergroup: 'orders-projector',
    topic: 'orders',
    instance: 'kafka-exporter:9308',
    severity: 'critical',
  },
  annotations: {
    description: 'Kafka consumers group\n  VALUE = 182340',
    summary: 'Kafka consumers group (instance kafka-exporter:9308)',
  },
});

const redisMaxmemory = alert({
  labels: {
    alertname: 'RedisOutOfConfiguredMaxmemory',
    instance: 'redis-cache.shop.svc:9121',
    severity: 'warning',
  },
  annotations: {
    description: 'Redis is running out of configured maxmemory (> 90%)\n  VALUE = 96.1',
    summary: 'Redis out of configured maxmemory',
  },
});

const jvmHeap = alert({
  labels: {
    alertname: 'JvmMemoryFillingUp',
    namespace: 'shop',
    pod: 'catalog-6f5d8c7b9d-h4m2p',
    area: 'heap',
    severity: 'warning',
  },
  annotations: {
    description: 'JVM memory is filling up (> 80%)\n  VALUE = 93.4',
    summary: 'JVM memory filling up',
  },
});

const cpuThrottling = alert({
  labels: {
    alertname: 'CPUThrottlingHigh',
    container: 'api',
    namespace: 'shop',
    pod: 'checkout-api-7d9f8b6c5d-x2kq9',
    severity: 'info',
  },
  annotations: {
    description:
      '64.2% throttling of CPU in namespace shop for container api in pod checkout-api-7d9f8b6c5d-x2kq9 on cluster .',
    summary: 'Processes experience elevated CPU throttling.',
  },
});

const etcdNoLeader = alert({
  labels: { alertname: 'etcdNoLeader', instance: '10.0.1.10:2379', job: 'etcd', severity: 'critical' },
  annotations: {
    description: 'etcd cluster "etcd": member 10.0.1.10:2379 has no leader.',
    summary: 'etcd cluster has no leader.',
  },
});

const jobFailed = alert({
  labels: {
    alertname: 'KubeJobFailed',
    job_name: 'nightly-report-28571040',
    namespace: 'reports',
    severity: 'warning',
  },
  annotations: {
    description:
      'Job reports/nightly-report-28571040 failed to complete. Removing failed job after investigation should clear this alert.',
    summary: 'Job failed to complete.',
  },
});

const http5xx = alert({
  labels: {
    alertname: 'NginxHighHttp5xxErrorRate',
    ingress: 'storefront',
    namespace: 'shop',
    severity: 'critical',
  },
  annotations: {
    description: 'Too many HTTP requests with status 5xx (> 5%)\n  VALUE = 12.7',
    summary: 'Nginx high HTTP 5xx error rate',
  },
});

const clockSkew = alert({
  labels: {
    alertname: 'NodeClockSkewDetected',
    instance: '10.0.3.21:9100',
    job: 'node-exporter',
    severity: 'warning',
  },
  annotations: {
    description: 'Clock at 10.0.3.21:9100 is out of sync by more than 0.05s.',
    summary: 'Clock skew detected.',
  },
});

describe('the catalogue', () => {
  it('holds at least 25 signatures with unique ids', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CATALOGUE.map((s) => s.id)).size).toBe(CATALOGUE.length);
  });
});

describe('analyzeOffline: every signature', () => {
  const rich = {
    namespace: 'shop',
    pod: 'checkout-api-7d9f8b6c5d-x2kq9',
    container: 'api',
    node: 'node-1',
    instance: '10.0.0.9:9100',
    job: 'checkout',
    deployment: 'checkout-api',
    statefulset: 'postgres',
    horizontalpodautoscaler: 'checkout-api',
    persistentvolumeclaim: 'data-postgres-0',
    job_name: 'nightly-1',
    mountpoint: '/',
    consumergroup: 'orders',
    queue: 'orders',
  };
  const cases = CATALOGUE.flatMap((signature) => {
    const name = signature.names?.[0];
    if (name) return [{ signature, labels: { alertname: name } }];
    // Signatures matched by the reason label only.
    return [
      { signature, labels: { alertname: 'KubeContainerWaiting', reason: 'CreateContainerConfigError' } },
    ];
  });

  it.each(cases.map((c) => [c.signature.id, c] as const))(
    '%s: matches its own alert and parses',
    (_id, c) => {
      for (const labels of [c.labels, { ...rich, ...c.labels }]) {
        const analysis = analyze([alert({ labels })]);
        expect(analysis.summary).not.toMatch(/No known signature/);
        expect(analysis.rootCauses.length).toBeGreaterThan(0);
        expect(analysis.nextSteps.length).toBeGreaterThan(0);
        expect(analysis.summary.length).toBeGreaterThan(20);
      }
    },
  );
});

describe('a namespace label that is not a Kubernetes namespace', () => {
  it('gives no kubectl step for it (Grafana-style `team/stack` labels)', () => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'JustATestAlert', namespace: 'whatever/promstack', severity: 'info' },
        annotations: { description: 'Ratio below 40 %' },
      }),
    ]);
    expect(analysis.nextSteps.join('\n')).not.toContain('whatever/promstack');
    const kube = analyze([alert({ labels: { alertname: 'JustATestAlert', namespace: 'shop' } })]);
    expect(kube.nextSteps.join('\n')).toContain('kubectl -n shop get events');
  });
});

describe('the catalogue: every alert name it lists', () => {
  const named = CATALOGUE.flatMap((signature) =>
    (signature.names ?? []).map((name) => [name, signature] as const),
  );

  it('lists more than a thousand names, none in two signatures', () => {
    expect(named.length).toBeGreaterThan(1000);
  });

  it.each(named)('%s: goes to its own signature, with specific causes', (name, signature) => {
    expect(matchSignature(viewOf(alert({ labels: { alertname: name } })))?.id).toBe(signature.id);
    const analysis = analyze([
      alert({ labels: { alertname: name, namespace: 'shop', instance: '10.0.0.9:9100' } }),
    ]);
    expect(analysis.rootCauses.length).toBeGreaterThan(0);
    for (const cause of analysis.rootCauses) {
      expect(cause.title.toLowerCase()).not.toBe(name.toLowerCase());
      expect(cause.category).not.toBe('unknown');
    }
  });
});

describe('analyzeOffline: top cause per signature', () => {
  it.each([
    ['KubePodCrashLooping', crashLooping, /application exits at start-up/, 'application'],
    ['OOMKilled (reason label)', oomKilled, /memory limit of `api` is too low/i, 'capacity'],
    [
      'KubeContainerWaiting reason=ImagePullBackOff',
      imagePullWaiting,
      /image name or tag does not exist/i,
      'configuration',
    ],
    ['KubePersistentVolumeFillingUp', pvcFilling, /data grows faster/i, 'capacity'],
    ['KubeNodeNotReady', nodeNotReady, /kubelet or the container runtime/i, 'infrastructure'],
    ['NodeFilesystemAlmostOutOfSpace', filesystemAlmostFull, /fill `\/var\/lib\/containerd`/, 'data'],
    ['TargetDown', targetDown, /target process is down/i, 'application'],
    ['Watchdog', watchdog, /routing sends the always-firing `Watchdog`/i, 'configuration'],
    ['SSL certificate expiry', certExpiring, /certificate not renewed in time/i, 'certificate'],
    [
      'PostgresqlTooManyConnections',
      pgConnections,
      /connection pools add up beyond max_connections/i,
      'capacity',
    ],
    ['CoreDNSErrorsHigh', coreDns, /coredns pods overloaded/i, 'capacity'],
    ['KafkaConsumersGroup', kafkaLag, /consumers are down/i, 'application'],
    ['RedisOutOfConfiguredMaxmemory', redisMaxmemory, /dataset grows without eviction/i, 'data'],
    ['JvmMemoryFillingUp', jvmHeap, /memory leak/i, 'application'],
    ['CPUThrottlingHigh', cpuThrottling, /cpu limit of `api` is too low/i, 'capacity'],
    ['etcdNoLeader', etcdNoLeader, /quorum lost/i, 'infrastructure'],
    ['KubeJobFailed', jobFailed, /exits non-zero/i, 'application'],
    ['NginxHighHttp5xxErrorRate', http5xx, /backend pods failing/i, 'application'],
    ['NodeClockSkewDetected', clockSkew, /ntp\/chrony not syncing/i, 'configuration'],
  ])('%s', (_name, fixture, title, category) => {
    const analysis = analyze([fixture]);
    expect(analysis.analyzer).toBe('offline');
    expect(analysis.rootCauses[0]?.title).toMatch(title);
    expect(analysis.rootCauses[0]?.category).toBe(category);
    expect(analysis.rootCauses.length).toBeLessThanOrEqual(5);
    expect(analysis.summary).not.toMatch(/No known signature/);
    expect(analysis.history).toBeNull();
  });

  it('quotes the real labels and annotations as evidence', () => {
    const analysis = analyze([crashLooping]);
    const evidence = allEvidence(analysis);
    expect(evidence).toContain('`KubePodCrashLooping` firing');
    expect(evidence).toContain('namespace="shop"');
    expect(evidence).toContain('pod="checkout-api-7d9f8b6c5d-x2kq9"');
    expect(evidence).toContain('container="api"');
    expect(evidence).toContain('(reason: "CrashLoopBackOff")');
    expect(analysis.summary).toContain('shop/checkout-api-7d9f8b6c5d-x2kq9');

    const pvc = allEvidence(analyze([pvcFilling]));
    expect(pvc).toContain('persistentvolumeclaim="data-postgres-0"');
    expect(pvc).toContain('only 2.71% free');
  });

  it('fills the real namespace, pod and container into the next steps', () => {
    const steps = analyze([crashLooping]).nextSteps.join('\n');
    expect(steps).toContain('kubectl -n shop logs checkout-api-7d9f8b6c5d-x2kq9 -c api --previous');
    expect(steps).toContain('kubectl -n shop describe pod checkout-api-7d9f8b6c5d-x2kq9');
    expect(steps).toContain('kubectl -n shop rollout history deployment/checkout-api');
    expect(steps).toContain(`${RUNBOOK}/kubepodcrashlooping`);

    const pullSteps = analyze([imagePullWaiting]).nextSteps.join('\n');
    expect(pullSteps).toContain('kubectl -n billing describe pod invoice-worker-5c7b9d8f6b-q7w2z');

    const diskSteps = analyze([filesystemAlmostFull]).nextSteps.join('\n');
    expect(diskSteps).toContain("ssh 10.0.3.17 'df -h /var/lib/containerd'");

    const nodeSteps = analyze([nodeNotReady]).nextSteps.join('\n');
    expect(nodeSteps).toContain('kubectl describe node ip-10-0-3-17.eu-west-1.compute.internal');
  });

  it('matches on alert text when the name is unknown (a real blackbox ICMP payload)', () => {
    const payload = JSON.parse(
      readFileSync(
        new URL('../fixtures/payloads/am-firing-3alerts-alertmonitor.json', import.meta.url),
        'utf8',
      ),
    );
    const delivery = normalizeAlertmanager(parseAlertmanagerPayload(payload), {
      serviceLabels: ['service', 'job'],
    });
    const alerts: IncidentAlert[] = delivery.groups.flatMap((group) =>
      group.alerts.map((a) => ({
        ...a,
        startsAt: a.startsAt.toISOString(),
        endsAt: a.endsAt?.toISOString() ?? null,
        firstSeen: a.startsAt.toISOString(),
        lastSeen: a.startsAt.toISOString(),
        deliveryCount: 1,
      })),
    );
    expect(alerts).toHaveLength(3);
    const analysis = analyze(alerts);
    expect(analysis.summary).toContain('blackbox probe of `172.29.254.30`');
    expect(analysis.summary).toContain('3 alerts in all');
    expect(analysis.nextSteps).toContain('ping -c 3 172.29.254.30');
    expect(allEvidence(analysis)).toContain('172.29.254.30 does not reply to ICMP pings');
  });
});

describe('analyzeOffline: proposed actions', () => {
  it('OOMKilled proposes raise-limits for the deployment derived from the pod name', () => {
    expect(analyze([oomKilled]).proposedActions).toEqual([
      { kind: 'raise-limits', namespace: 'shop', name: 'checkout-api', container: 'api' },
    ]);
  });

  it('proposes nothing when the labels do not give every parameter', () => {
    const statefulPod = alert({
      labels: {
        alertname: 'KubePodOOMKilled',
        namespace: 'data',
        pod: 'postgres-0',
        container: 'postgres',
        reason: 'OOMKilled',
      },
    });
    const noContainer = alert({
      labels: { alertname: 'KubePodOOMKilled', namespace: 'shop', pod: 'checkout-api-7d9f8b6c5d-x2kq9' },
    });
    expect(analyze([statefulPod]).proposedActions).toEqual([]);
    expect(analyze([noContainer]).proposedActions).toEqual([]);
    // A crash loop with no recent change: no rollback, nothing to roll back to.
    expect(analyze([crashLooping]).proposedActions).toEqual([]);
    // An HPA whose max replicas and target are unknown: no scale.
    const hpa = alert({
      labels: { alertname: 'KubeHpaMaxedOut', horizontalpodautoscaler: 'checkout-api', namespace: 'shop' },
      annotations: {
        description:
          'HPA shop/checkout-api has been running at max replicas for longer than 15 minutes on cluster .',
      },
    });
    const analysis = analyze([hpa]);
    expect(analysis.rootCauses[0]?.title).toMatch(/load exceeds what maxReplicas/i);
    expect(analysis.proposedActions).toEqual([]);
  });

  it('HPA maxed out proposes scale when the target and max replicas are in the labels', () => {
    const hpa = alert({
      labels: {
        alertname: 'KubeHpaMaxedOut',
        horizontalpodautoscaler: 'checkout-api',
        namespace: 'shop',
        scaletargetref_kind: 'Deployment',
        scaletargetref_name: 'checkout-api',
        maxreplicas: '10',
      },
    });
    const analysis = analyze([hpa]);
    expect(analysis.proposedActions).toEqual([
      { kind: 'scale', namespace: 'shop', name: 'checkout-api', replicas: 15 },
    ]);
    expect(analysis.nextSteps.join('\n')).toContain(
      `kubectl -n shop patch hpa checkout-api -p '{"spec":{"maxReplicas":15}}'`,
    );
  });
});

describe('analyzeOffline: recent changes', () => {
  const deploy: RecentChange = {
    kind: 'deployment',
    title: 'checkout-api v1.42.0',
    url: 'https://github.com/acme/shop/deployments/481',
    at: '2024-05-01T10:03:00.000Z',
    author: 'alice',
  };

  it('a deployment shortly before the crash loop makes "bad change" the top cause and proposes a rollback', () => {
    const analysis = analyze([crashLooping], { recentChanges: [deploy] });
    const top = analysis.rootCauses[0];
    expect(top?.category).toBe('deployment');
    expect(top?.title).toContain('checkout-api v1.42.0');
    expect(top?.likelihood).toBeGreaterThanOrEqual(0.8);
    expect(top?.evidence[0]).toContain('12 min before the alert started');
    expect(top?.evidence[0]).toContain(deploy.url);
    expect(analysis.summary).toContain('It started 12 min after deployment "checkout-api v1.42.0" by alice');
    expect(analysis.proposedActions).toEqual([
      { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout-api' },
    ]);
  });

  it('ignores changes after the alert started or long before it', () => {
    for (const at of ['2024-05-01T10:20:00.000Z', '2024-05-01T05:00:00.000Z']) {
      const analysis = analyze([crashLooping], { recentChanges: [{ ...deploy, at }] });
      expect(analysis.rootCauses[0]?.category).not.toBe('deployment');
      expect(allEvidence(analysis)).not.toContain(deploy.url);
      expect(analysis.proposedActions).toEqual([]);
    }
  });

  it('a stuck rollout after a deployment proposes rolling back the deployment the labels name', () => {
    const stuck = alert({
      labels: {
        alertname: 'KubeDeploymentRolloutStuck',
        deployment: 'checkout-api',
        namespace: 'shop',
        condition: 'Progressing',
      },
      annotations: {
        description: 'Rollout of deployment shop/checkout-api is not progressing for longer than 15 minutes.',
      },
    });
    const analysis = analyze([stuck], { recentChanges: [deploy] });
    expect(analysis.rootCauses[0]?.category).toBe('deployment');
    expect(analysis.proposedActions).toEqual([
      { kind: 'rollback-deployment', namespace: 'shop', name: 'checkout-api' },
    ]);
    expect(analysis.nextSteps).toContain(
      'kubectl -n shop rollout status deployment/checkout-api --timeout=10s',
    );
  });

  it('raises "bad change" without proposing a rollback where a rollback is not the obvious remedy', () => {
    const notReady = alert({
      labels: { alertname: 'KubePodNotReady', namespace: 'shop', pod: 'checkout-api-7d9f8b6c5d-x2kq9' },
    });
    const analysis = analyze([notReady], { recentChanges: [deploy] });
    expect(analysis.rootCauses[0]?.category).toBe('deployment');
    expect(analysis.proposedActions).toEqual([]);
  });

  it('does not cite a change for signatures a deploy does not cause', () => {
    const analysis = analyze([nodeNotReady], { recentChanges: [deploy] });
    expect(analysis.rootCauses.every((c) => c.category !== 'deployment')).toBe(true);
  });
});

describe('analyzeOffline: several alerts in one incident', () => {
  it('leads with the dominant signature, merges causes (max 5, no duplicates) and keeps the others', () => {
    const unknown = alert({
      labels: { alertname: 'CheckoutQueueStalled', namespace: 'shop' },
      annotations: { summary: 'checkout queue stalled' },
    });
    const analysis = analyze([targetDown, crashLooping, oomKilled, unknown]);
    expect(analysis.summary).toMatch(
      /^Container `api` of pod `shop\/checkout-api-7d9f8b6c5d-x2kq9` was OOMKilled/,
    );
    expect(analysis.summary).toContain(
      'Also in this incident: Pod crash looping (1 alert), Scrape target down (1 alert)',
    );
    expect(analysis.summary).toContain('No known signature for `CheckoutQueueStalled`');
    expect(analysis.rootCauses[0]?.title).toMatch(/memory limit of `api`/i);
    expect(analysis.rootCauses.length).toBeLessThanOrEqual(5);
    const titles = analysis.rootCauses.map((c) => c.title.toLowerCase());
    expect(new Set(titles).size).toBe(titles.length);
    // The crash loop's OOM hypothesis is raised by the OOM alert on the same pod, and cites it.
    const oomCause = analysis.rootCauses.find((c) => c.title === 'Container is OOMKilled and restarted');
    expect(oomCause?.likelihood).toBeGreaterThan(0.5);
    expect(oomCause?.evidence.join('\n')).toContain(
      '`KubernetesContainerOomKiller` in the same incident reports OOMKilled',
    );
    // Steps: the dominant signature's first, then the others'.
    expect(analysis.nextSteps[0]).toContain('kubectl -n shop describe pod checkout-api-7d9f8b6c5d-x2kq9');
    expect(analysis.nextSteps.join('\n')).toContain(
      'kubectl -n shop logs checkout-api-7d9f8b6c5d-x2kq9 -c api --previous',
    );
    expect(analysis.nextSteps.length).toBeLessThanOrEqual(10);
    expect(analysis.proposedActions).toEqual([
      { kind: 'raise-limits', namespace: 'shop', name: 'checkout-api', container: 'api' },
    ]);
  });

  it('groups many alerts of one signature into one finding', () => {
    const pods = ['b2c4d', 'f5g6h', 'j7k8l'].map((suffix) =>
      alert({ labels: { ...crashLooping.labels, pod: `checkout-api-7d9f8b6c5d-${suffix}` } }),
    );
    const analysis = analyze(pods);
    expect(analysis.summary).toContain('3 alerts in all');
    expect(
      analysis.rootCauses[0]?.evidence.filter((e) => e.startsWith('`KubePodCrashLooping`')),
    ).toHaveLength(3);
  });
});

describe('analyzeOffline: unknown alerts', () => {
  const unknown = alert({
    labels: { alertname: 'FooBarRatioOdd', team: 'growth', severity: 'warning' },
    annotations: { summary: 'foo/bar ratio is 0.37 (expected > 0.5)' },
    expr: 'sum(rate(foo_total[5m])) / sum(rate(bar_total[5m])) < 0.5',
  });

  it('says honestly what the alert says and invents no cause', () => {
    const analysis = analyze([unknown], {
      recentChanges: [
        {
          kind: 'pull_request',
          title: 'Tune foo',
          url: 'https://github.com/acme/x/pull/7',
          at: '2024-05-01T10:00:00.000Z',
        },
      ],
    });
    expect(analysis.summary).toBe(
      'No known signature for `FooBarRatioOdd`; the alert says: "foo/bar ratio is 0.37 (expected > 0.5)".',
    );
    // Nothing known: no cause at all (a restated alert would invite "This was the cause" clicks).
    expect(analysis.rootCauses).toEqual([]);
    expect(analysis.proposedActions).toEqual([]);
    // The change is pointed at, not asserted as the cause.
    expect(analysis.nextSteps.join('\n')).toContain(
      'Check whether this change is related: pull request "Tune foo"',
    );
    expect(analysis.nextSteps.join('\n')).toContain(
      'sum(rate(foo_total[5m])) / sum(rate(bar_total[5m])) < 0.5',
    );
  });

  it('a pasted error in an unknown alert still matches by text', () => {
    const custom = alert({
      labels: { alertname: 'OrdersApiDbErrors', namespace: 'orders' },
      annotations: { description: 'pq: sorry, too many clients already' },
    });
    expect(analyze([custom]).rootCauses[0]?.title).toMatch(/connection pools add up/);
  });
});

describe('analyzeOffline: incident memory', () => {
  const similar = (id: number, ...causes: string[]): SimilarIncident => ({
    id,
    title: `incident ${id}`,
    service: 'shop',
    openedAt: '2024-04-01T00:00:00.000Z',
    confirmedCauses: causes.map((title) => ({ title, category: 'configuration' })),
  });

  it('reports "N of M" and ranks a cause confirmed twice first, citing the incidents', () => {
    const analysis = analyze([crashLooping], {
      similarIncidents: [
        similar(15, 'Feature flag misconfigured in checkout'),
        similar(14),
        similar(12, 'Feature flag misconfigured in checkout', 'Redis down'),
        similar(9, 'Redis down'),
        similar(7),
      ],
    });
    // Ties (2 and 2) go to the most recently confirmed cause.
    expect(analysis.history).toEqual({
      similar: 5,
      confirmed: 2,
      cause: 'Feature flag misconfigured in checkout',
    });
    const top = analysis.rootCauses[0];
    expect(top?.title).toBe('Feature flag misconfigured in checkout');
    expect(top?.category).toBe('configuration');
    expect(top?.evidence).toEqual(['confirmed in 2 of 5 similar incidents (#15, #12)']);
    expect(top?.likelihood).toBeGreaterThan(analysis.rootCauses[1]?.likelihood ?? 1);
  });

  it('boosts the matching cause instead of adding a duplicate', () => {
    const title = 'Memory limit of `api` is too low for its workload';
    const analysis = analyze([oomKilled], { similarIncidents: [similar(3, title), similar(2, title)] });
    expect(analysis.rootCauses.filter((c) => c.title === title)).toHaveLength(1);
    expect(analysis.rootCauses[0]?.title).toBe(title);
    expect(analysis.rootCauses[0]?.evidence[0]).toBe('confirmed in 2 of 2 similar incidents (#3, #2)');
    expect(analysis.rootCauses[0]?.evidence.join('\n')).toContain('pod="checkout-api-7d9f8b6c5d-x2kq9"');
  });

  it('a single confirmation among several confirmed incidents is reported but not ranked first', () => {
    const analysis = analyze([crashLooping], {
      similarIncidents: [
        similar(5, 'Disk full'),
        similar(4, 'Bad TLS config'),
        similar(3, 'Noisy neighbour'),
      ],
    });
    expect(analysis.history).toEqual({ similar: 3, confirmed: 1, cause: 'Disk full' });
    expect(analysis.rootCauses.map((c) => c.title)).not.toContain('Disk full');
  });

  it('applies to unknown alerts too: memory is not invention', () => {
    const unknown = alert({
      labels: { alertname: 'LegacyBatchLate' },
      annotations: { summary: 'batch is late' },
    });
    const analysis = analyze([unknown], {
      similarIncidents: [similar(8, 'Upstream SFTP drop missing'), similar(6, 'Upstream SFTP drop missing')],
    });
    expect(analysis.rootCauses.map((rootCause) => rootCause.title)).toEqual(['Upstream SFTP drop missing']);
    expect(analysis.rootCauses[0]?.evidence[0]).toMatch(/^confirmed in 2 of 2 similar incidents \(#8, #6\)/);
  });

  it('is null when no similar incident has a confirmed cause', () => {
    expect(analyze([crashLooping], { similarIncidents: [similar(4), similar(3)] }).history).toBeNull();
  });
});

describe('analyzeOffline: large incidents', () => {
  it('combines a 50-alert, 8-signature incident into at most 5 valid causes', () => {
    const fixtures = [
      crashLooping,
      oomKilled,
      imagePullWaiting,
      pvcFilling,
      targetDown,
      http5xx,
      coreDns,
      jvmHeap,
    ];
    const alerts = Array.from({ length: 50 }, (_, i) => {
      const base = fixtures[i % fixtures.length] as IncidentAlert;
      return {
        ...base,
        fingerprint: `fp-${i}`,
        labels: {
          ...base.labels,
          pod: `checkout-api-7d9f8b6c5d-z${'bcdfg'[i % 5]}${'hjklm'[Math.floor(i / 5) % 5]}qr`,
        },
      };
    });
    const input = inputOf(alerts, {
      similarIncidents: Array.from({ length: 20 }, (_, i) => ({
        id: i + 1,
        title: 't',
        service: 'shop',
        openedAt: T0,
        confirmedCauses: [{ title: `cause ${i % 4}`, category: 'application' }],
      })),
    });
    // Speed is measured by `npm run bench` (test/bench/analysis.ts), not here.
    const analysis = analyzeOffline(input);
    expect(analysisSchema.safeParse(analysis).success).toBe(true);
    expect(analysis.rootCauses.length).toBeGreaterThan(0);
    expect(analysis.rootCauses.length).toBeLessThanOrEqual(5);
  });
});

describe('explainOffline', () => {
  it.each([
    ['Last State: Terminated, Reason: OOMKilled, Exit Code: 137', 'oom-killed', /more memory than its limit/],
    [
      'dial tcp 10.0.0.5:5432: connect: connection refused',
      'connection-refused',
      /nothing accepts connections on `10\.0\.0\.5:5432`/,
    ],
    [
      'Get "https://api.example.com/v1": x509: certificate has expired or is not yet valid: current time 2024-05-01T10:00:00Z is after 2024-04-30T23:59:59Z',
      'x509-expired',
      /expired at 2024-04-30T23:59:59Z/,
    ],
    [
      'dial tcp: lookup payments-db.prod.svc.cluster.local on 10.96.0.10:53: no such host',
      'dns',
      /`payments-db\.prod\.svc\.cluster\.local` could not be resolved/,
    ],
    [
      'Back-off restarting failed container api in pod checkout-api-7d9f8b6c5d-x2kq9_shop',
      'crash-loop',
      /keeps exiting/,
    ],
    ['FATAL:  sorry, too many clients already', 'too-many-connections', /max_connections/],
    ['open /data/cache.db: permission denied', 'permission-denied', /lacks the permission/],
    [
      'rpc error: code = DeadlineExceeded desc = context deadline exceeded',
      'timeout',
      /did not finish within its time limit/,
    ],
    [
      'Back-off pulling image "registry.example.com/shop/api:v1.2.3"',
      'image-pull',
      /cannot download the container image `registry\.example\.com\/shop\/api:v1\.2\.3`/,
    ],
    ['write /var/log/app.log: no space left on device', 'disk-full', /filesystem .* is full/],
    [
      'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
      'java-oom',
      /`Java heap space`/,
    ],
    ['Error: read ECONNRESET', 'connection-reset', /closed the connection abruptly/],
    ['upstream returned HTTP 502 Bad Gateway', 'http-502', /invalid answer/],
    ['503 Service Unavailable: no healthy upstream', 'http-503', /no healthy backend/],
    ['HTTP/1.1 504 Gateway Timeout', 'http-504', /gave up/],
    ['Readiness probe failed: HTTP probe failed with statuscode: 503', 'k8s-probe-failed', /health check/],
    [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      'go-panic',
      /unrecovered panic \(`runtime error: invalid memory address/,
    ],
    ['http: server gave HTTP response to HTTPS client', 'tls-wrong-version', /speaks TLS/],
    [
      'kafka: client has run out of available brokers to talk to',
      'kafka-no-brokers',
      /cannot reach a broker/,
    ],
    [
      'MountVolume.SetUp failed for volume "data" : mount failed: exit status 32',
      'volume-mount',
      /mount the volume `data`/,
    ],
    ['remote_write: server returned HTTP status 413 Request Entity Too Large', 'http-413', /too large/],
    ['wait: signal: killed', 'sigkill', /SIGKILL/],
  ])('%s', (text, signature, summary) => {
    const explanation = explanationSchema.parse(explainOffline(text));
    expect(explanation.signature).toBe(signature);
    expect(explanation.summary).toMatch(summary);
    expect(explanation.likelyCauses.length).toBeGreaterThan(0);
    expect(explanation.nextSteps.length).toBeGreaterThan(0);
    expect(explanation.analyzer).toBe('offline');
  });

  it('fills facts from the text into the next steps', () => {
    expect(explainOffline('dial tcp 10.0.0.5:5432: connect: connection refused').nextSteps[0]).toBe(
      'nc -vz 10.0.0.5 5432',
    );
    expect(explainOffline('lookup payments-db.prod.svc.cluster.local: no such host').nextSteps).toContain(
      'kubectl -n prod get svc payments-db',
    );
  });

  it('names other patterns the text shows', () => {
    const explanation = explainOffline(
      'context deadline exceeded\ndial tcp 10.1.2.3:443: connect: connection refused',
    );
    expect(explanation.signature).toBe('connection-refused');
    expect(explanation.summary).toContain('The text also shows: timeout');
  });

  it('unknown text: an honest "no known pattern" and no causes', () => {
    const explanation = explanationSchema.parse(explainOffline('flux capacitor desynchronised at 88 mph'));
    expect(explanation.summary).toMatch(/^No known pattern matches this text/);
    expect(explanation.summary).toContain('flux capacitor desynchronised at 88 mph');
    expect(explanation.likelyCauses).toEqual([]);
    expect(explanation.signature).toBeUndefined();
  });

  it('empty text', () => {
    expect(explanationSchema.parse(explainOffline('   ')).summary).toBe('There is no text to explain.');
  });
});

// --- Hosts, etcd, PostgreSQL locks and Alertmanager: signatures added after the first eval run ---------------

describe('analyzeOffline: host signatures', () => {
  const steal = alert({
    labels: {
      alertname: 'HostCpuStealNoisyNeighbor',
      instance: '10.20.1.7:9100',
      job: 'node-exporter',
      nodename: 'ingest-worker-2',
      severity: 'warning',
    },
    annotations: {
      summary: 'Host CPU steal noisy neighbor (instance 10.20.1.7:9100)',
      description:
        'CPU steal is > 10%. A noisy neighbor is killing VM performances or a spot instance may be out of credit.\n  VALUE = 31.8',
    },
    expr: 'avg by(instance) (rate(node_cpu_seconds_total{mode="steal"}[5m])) * 100 > 10',
  });

  it('CPU steal: a noisy neighbour or exhausted CPU credits, with mpstat on the real host', () => {
    const analysis = analyze([steal]);
    expect(analysis.rootCauses[0]?.title).toMatch(/noisy neighbour.*hypervisor/i);
    expect(analysis.rootCauses[0]?.category).toBe('infrastructure');
    expect(analysis.rootCauses.map((c) => c.title).join('\n')).toMatch(/CPU credits/);
    expect(analysis.summary).toContain('`ingest-worker-2` (`10.20.1.7:9100`)');
    expect(analysis.nextSteps).toContain(
      "ssh 10.20.1.7 'mpstat -P ALL 1 5' # %steal per CPU (or vmstat 1 5: the st column)",
    );
    expect(allEvidence(analysis)).toContain('VALUE = 31.8');
  });

  it('CPU steal: a custom alert on the steal mode matches by its expression', () => {
    const custom = alert({
      labels: { alertname: 'VmStarvedOfCpu', instance: 'batch-3:9100' },
      expr: 'rate(node_cpu_seconds_total{mode="steal"}[5m]) > 0.2',
    });
    expect(analyze([custom]).rootCauses[0]?.title).toMatch(/noisy neighbour/i);
  });

  it('iowait and disk saturation: storage that cannot keep up, with iostat and the device', () => {
    const iowait = alert({
      labels: { alertname: 'HostCpuHighIowait', instance: 'kafka-1.internal:9100', nodename: 'kafka-1' },
      annotations: {
        description: 'CPU iowait > 10%. A high iowait means that you are disk or network bound.',
      },
    });
    const iowaitAnalysis = analyze([iowait]);
    expect(iowaitAnalysis.rootCauses[0]?.title).toMatch(/disk I\/O saturated/i);
    expect(iowaitAnalysis.rootCauses.map((c) => c.title).join('\n')).toMatch(/network storage/i);
    expect(iowaitAnalysis.summary).toMatch(/waiting for I\/O/);
    expect(iowaitAnalysis.nextSteps.join('\n')).toContain("ssh kafka-1.internal 'iostat -x 1 5'");

    const saturation = alert({
      labels: {
        alertname: 'NodeDiskIOSaturation',
        device: 'nvme1n1',
        instance: '10.0.7.3:9100',
        job: 'node-exporter',
      },
      annotations: {
        description:
          'Disk IO queue (aqu-sq) is high on nvme1n1 at 10.0.7.3:9100, has been above 10 for the last 30 minutes, is currently at 14.2.',
      },
    });
    const analysis = analyze([saturation]);
    expect(analysis.rootCauses[0]?.category).toBe('resource-exhaustion');
    expect(analysis.summary).toContain('disk `nvme1n1`');
    expect(analysis.nextSteps.join('\n')).toContain(
      'node_disk_io_time_seconds_total{instance="10.0.7.3:9100", device="nvme1n1"}',
    );
  });

  it('network interface errors: the link or the NIC, with ethtool on the real device', () => {
    const receive = alert({
      labels: {
        alertname: 'HostNetworkReceiveErrors',
        device: 'enp3s0f1',
        instance: 'db-07.dc1:9100',
        job: 'node',
      },
      annotations: {
        description: 'Host enp3s0f1 interface has encountered 4.1% receive errors in the last two minutes.',
      },
    });
    const analysis = analyze([receive]);
    expect(analysis.rootCauses[0]?.title).toMatch(/cable, switch port or link/);
    expect(analysis.rootCauses.map((c) => c.title).join('\n')).toMatch(/NIC.*driver|MTU/);
    expect(analysis.summary).toContain('interface `enp3s0f1` on `db-07.dc1`');
    expect(analysis.nextSteps.join('\n')).toContain("ssh db-07.dc1 'ethtool -S enp3s0f1 | grep -iE");
    expect(analysis.nextSteps.join('\n')).toContain(
      'node_network_receive_errs_total{instance="db-07.dc1:9100"',
    );

    const transmit = alert({
      labels: { alertname: 'NodeNetworkTransmitErrs', device: 'bond0', instance: 'worker-4:9100' },
    });
    const tx = analyze([transmit]);
    expect(tx.rootCauses[0]?.title).toMatch(/faulty NIC/i);
    expect(tx.nextSteps.join('\n')).toContain('node_network_transmit_errs_total');
  });
});

describe('analyzeOffline: host OOM kills are not container OOMKilled', () => {
  const vmOom = alert({
    labels: {
      alertname: 'HostOomKillDetected',
      instance: '172.16.4.20:9100',
      job: 'node',
      nodename: 'erp-01',
    },
    annotations: {
      summary: 'Host OOM kill detected (instance 172.16.4.20:9100)',
      description: 'OOM kill detected\n  VALUE = 2',
    },
    expr: 'increase(node_vmstat_oom_kill[1m]) > 0',
  });

  it('a VM OOM kill blames host memory, states no exit code and proposes no container limits', () => {
    const analysis = analyze([vmOom]);
    expect(analysis.summary).toMatch(/OOM killer ended at least one process on `erp-01`/);
    expect(analysis.summary).not.toMatch(/137|exit code|container|OOMKilled/i);
    expect(analysis.rootCauses[0]?.title).toMatch(/process or pod on the host uses more memory/i);
    expect(analysis.rootCauses.some((c) => /memory limit of/i.test(c.title))).toBe(false);
    expect(analysis.proposedActions).toEqual([]);
    expect(analysis.nextSteps[0]).toContain("ssh 172.16.4.20 'dmesg -T | grep -iE");
  });

  it('memory alerts on the same host raise and back the host-memory cause', () => {
    const outOfMemory = alert({
      labels: { alertname: 'HostOutOfMemory', instance: '172.16.4.20:9100', job: 'node', nodename: 'erp-01' },
      annotations: { description: 'Node memory is filling up (< 10% left)\n  VALUE = 3.9' },
    });
    const analysis = analyze([vmOom, outOfMemory]);
    const top = analysis.rootCauses[0];
    expect(top?.title).toMatch(/process or pod on the host uses more memory/i);
    expect(top?.likelihood).toBeGreaterThanOrEqual(0.6);
    expect(top?.evidence.join('\n')).toContain('`HostOutOfMemory` firing for the same host');
    expect(analysis.summary).toContain('`HostOutOfMemory` on the same host show its memory was exhausted');
    // One cause per hypothesis, not one per signature.
    const titles = analysis.rootCauses.map((c) => c.title.toLowerCase());
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("the kernel's log line tells a host OOM from a memory cgroup's", () => {
    const hostLine = alert({
      labels: { alertname: 'KernelLogErrors', instance: 'legacy-app-3:9100' },
      annotations: { description: 'kernel: Out of memory: Killed process 31337 (java) total-vm:9123456kB' },
    });
    const hostAnalysis = analyze([hostLine]);
    expect(hostAnalysis.summary).toMatch(/OOM killer ended at least one process/);
    expect(hostAnalysis.summary).not.toMatch(/137/);

    const cgroupLine = alert({
      labels: {
        alertname: 'KernelLogErrors',
        namespace: 'shop',
        pod: 'search-5b7c9d8f6b-tq2wz',
        container: 'search',
      },
      annotations: { description: 'kernel: Memory cgroup out of memory: Killed process 4242 (java)' },
    });
    expect(analyze([cgroupLine]).rootCauses[0]?.title).toMatch(/memory limit of `search` is too low/i);
  });

  it('a container OOMKilled in the same incident leads, and explains the host counter by its cgroup', () => {
    const k8sOom = alert({
      labels: {
        ...vmOom.labels,
        instance: 'ip-10-0-3-17.eu-west-1.compute.internal',
        namespace: 'monitoring',
        pod: 'node-exporter-8fz2q',
      },
      annotations: vmOom.annotations,
      expr: 'increase(node_vmstat_oom_kill[1m]) > 0',
    });
    const analysis = analyze([k8sOom, oomKilled]);
    expect(analysis.summary).toMatch(
      /was OOMKilled: it used more memory than its limit and the kernel killed it\./,
    );
    expect(analysis.summary).not.toContain('137');
    expect(analysis.rootCauses[0]?.title).toMatch(/memory limit of `api` is too low/i);
    const cgroup = analysis.rootCauses.find((c) => /memory cgroup hit its limit/.test(c.title));
    expect(cgroup?.evidence.join('\n')).toContain('`KubernetesContainerOomKiller` firing');
  });
});

describe('analyzeOffline: etcd', () => {
  const etcdLabels = {
    endpoint: 'http-metrics',
    instance: '192.168.10.21:2381',
    job: 'kube-etcd',
    namespace: 'kube-system',
    pod: 'etcd-cp-2',
    service: 'prometheus-kube-etcd',
  };
  const fsync = alert({
    labels: { alertname: 'etcdHighFsyncDurations', ...etcdLabels, severity: 'warning' },
    annotations: {
      description:
        'etcd cluster "kube-etcd": 99th percentile fsync durations are 0.64s on etcd instance 192.168.10.21:2381.',
    },
    expr: 'histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket{job=~".*etcd.*"}[5m])) > 0.5',
    startsAt: '2024-05-01T10:02:00.000Z',
  });
  const leaderChanges = alert({
    labels: { alertname: 'etcdHighNumberOfLeaderChanges', job: 'kube-etcd', namespace: 'kube-system' },
    annotations: {
      description: 'etcd cluster "kube-etcd": 7 leader changes within the last 15 minutes.',
    },
    startsAt: '2024-05-01T10:07:00.000Z',
  });

  it('slow fsyncs: a disk too slow for etcd, with the fsync latency, fio and etcdctl in the real pod', () => {
    const analysis = analyze([fsync]);
    expect(analysis.rootCauses[0]?.title).toBe('Disk too slow for etcd (WAL fsync / backend commit latency)');
    expect(analysis.rootCauses[0]?.category).toBe('infrastructure');
    const steps = analysis.nextSteps.join('\n');
    expect(steps).toContain('etcd_disk_wal_fsync_duration_seconds_bucket{job="kube-etcd"}');
    expect(steps).toContain('fio --rw=write --ioengine=sync --fdatasync=1');
    expect(steps).toContain('kubectl -n kube-system exec etcd-cp-2 -- etcdctl');
    expect(steps).toContain('endpoint status --cluster --write-out=table');
  });

  it('the awesome-prometheus-alerts spelling and the commit-duration alert match the same signature', () => {
    const awesome = alert({
      labels: { alertname: 'EtcdHighCommitDurations', instance: '10.1.0.5:2379', job: 'etcd' },
      annotations: { description: 'Etcd commit duration increasing, 99th percentile is over 250ms' },
    });
    const analysis = analyze([awesome]);
    expect(analysis.rootCauses[0]?.title).toMatch(/disk too slow for etcd/i);
    expect(analysis.rootCauses.map((c) => c.title).join('\n')).toMatch(/fragmented etcd database/);
    // No pod to exec into: plain etcdctl.
    expect(analysis.nextSteps.join('\n')).toContain('etcdctl endpoint status --cluster --write-out=table');
  });

  it('leader changes with fsync alerts: the slow disk leads over members down, and cites the fsync alert', () => {
    const analysis = analyze([leaderChanges, fsync]);
    const top = analysis.rootCauses[0];
    expect(top?.title).toMatch(/disk too slow for etcd/i);
    expect(top?.likelihood).toBeGreaterThan(0.6);
    expect(top?.evidence.join('\n')).toContain('`etcdHighFsyncDurations` firing');
    expect(analysis.summary).toContain(
      '`etcdHighFsyncDurations` in the same incident point at a disk too slow',
    );
    expect(analysis.rootCauses.filter((c) => /disk too slow/i.test(c.title))).toHaveLength(1);
    expect(analysis.rootCauses.some((c) => /quorum lost/.test(c.title))).toBe(false);
  });

  it('leader changes alone do not claim lost quorum; no leader still does', () => {
    const alone = analyze([leaderChanges]);
    expect(alone.rootCauses.some((c) => /quorum lost/.test(c.title))).toBe(false);
    expect(alone.rootCauses[0]?.title).toMatch(/disk too slow/i);
    expect(analyze([etcdNoLeader]).rootCauses[0]?.title).toMatch(/quorum lost/);
  });

  it("the API server's error budget burn points at etcd when etcd alerts share the incident", () => {
    const burn = alert({
      labels: { alertname: 'KubeAPIErrorBudgetBurn', long: '6h', short: '30m', severity: 'warning' },
      annotations: { description: 'The API server is burning too much error budget.' },
    });
    expect(analyze([burn]).rootCauses[0]?.title).toMatch(/API server overloaded/);
    const withEtcd = analyze([burn, fsync]);
    const titles = withEtcd.rootCauses.map((c) => c.title);
    expect(titles.indexOf('etcd slow or unhealthy behind the API server')).toBeLessThan(
      titles.findIndex((t) => /API server overloaded/.test(t)),
    );
  });

  it('database near its quota: fragmentation, keyspace growth or a small quota, with defrag and alarms', () => {
    const quota = alert({
      labels: { alertname: 'etcdDatabaseQuotaLowSpace', instance: '10.1.0.6:2379', job: 'etcd' },
      annotations: {
        description:
          'etcd cluster "etcd": database size exceeds the defined quota on etcd instance 10.1.0.6:2379, please defrag or increase the quota as the writes to etcd will be disabled when it is full.',
      },
    });
    const analysis = analyze([quota]);
    const titles = analysis.rootCauses.map((c) => c.title).join('\n');
    expect(analysis.rootCauses[0]?.title).toMatch(/fragmented/);
    expect(titles).toMatch(/keyspace grew/i);
    expect(titles).toMatch(/--quota-backend-bytes/);
    expect(analysis.summary).toMatch(/NOSPACE alarm/);
    const steps = analysis.nextSteps.join('\n');
    expect(steps).toContain('etcdctl defrag');
    expect(steps).toContain('etcdctl alarm list');
    expect(steps).toContain(
      'etcd_mvcc_db_total_size_in_bytes{job="etcd"} / etcd_server_quota_backend_bytes{job="etcd"}',
    );

    const growth = alert({ labels: { alertname: 'etcdExcessiveDatabaseGrowth', job: 'etcd' } });
    expect(analyze([growth]).rootCauses[0]?.title).toMatch(/keyspace grew/i);
  });
});

describe('analyzeOffline: PostgreSQL locks and alert delivery', () => {
  it('too many locks: long transactions or a small lock table, with pg_locks queries on the real host', () => {
    const locks = alert({
      labels: {
        alertname: 'PostgresqlTooManyLocksAcquired',
        instance: 'orders-db.prod.internal:9187',
        job: 'postgres-exporter',
      },
      annotations: {
        description:
          'Too many locks acquired on the database. If this alert happens frequently, we may need to increase the postgres setting max_locks_per_transaction.\n  VALUE = 0.34',
      },
    });
    const analysis = analyze([locks]);
    expect(analysis.rootCauses[0]?.title).toMatch(/long-running or idle-in-transaction sessions/i);
    expect(analysis.rootCauses.map((c) => c.title).join('\n')).toMatch(/max_locks_per_transaction/);
    const steps = analysis.nextSteps.join('\n');
    expect(steps).toContain(
      'psql -h orders-db.prod.internal -c "SELECT locktype, mode, granted, count(*) FROM pg_locks',
    );
    expect(steps).toContain('pg_blocking_pids(pid)');
    expect(steps).toContain('pg_locks_count{instance="orders-db.prod.internal:9187"}');
  });

  it('deadlocks: lock order, and the pasted PostgreSQL error matches by text', () => {
    const deadlocks = alert({
      labels: { alertname: 'PostgresqlDeadLocks', instance: 'pg-1:9187', datname: 'billing' },
      annotations: { description: 'PostgreSQL has dead-locks\n  VALUE = 6' },
    });
    const analysis = analyze([deadlocks]);
    expect(analysis.rootCauses[0]?.title).toMatch(/different orders/);
    expect(analysis.nextSteps[0]).toContain('psql -h pg-1 -d billing -c');
    const pasted = alert({
      labels: { alertname: 'InvoiceJobErrors', namespace: 'billing' },
      annotations: {
        description: 'ERROR: deadlock detected DETAIL: Process 8812 waits for ShareLock on transaction 991',
      },
    });
    expect(analyze([pasted]).rootCauses[0]?.title).toMatch(/different orders/);
  });

  it('Alertmanager failing to notify: the integration rejects or is unreachable, tested from the real pod', () => {
    const failing = alert({
      labels: {
        alertname: 'AlertmanagerFailedToSendAlerts',
        container: 'alertmanager',
        instance: '10.42.1.9:9093',
        integration: 'pagerduty',
        job: 'kube-prometheus-stack-alertmanager',
        namespace: 'observability',
        pod: 'alertmanager-kube-prometheus-stack-alertmanager-0',
      },
      annotations: {
        description:
          'Alertmanager observability/alertmanager-kube-prometheus-stack-alertmanager-0 failed to send 42.1% of notifications to pagerduty.',
      },
    });
    const analysis = analyze([failing]);
    expect(analysis.rootCauses[0]?.title).toMatch(/pagerduty receiver rejects/);
    expect(analysis.rootCauses[0]?.category).toBe('configuration');
    expect(analysis.rootCauses[1]?.category).toBe('network');
    const steps = analysis.nextSteps.join('\n');
    expect(steps).toContain(
      'kubectl -n observability logs alertmanager-kube-prometheus-stack-alertmanager-0 -c alertmanager --since=1h',
    );
    expect(steps).toContain('https://events.pagerduty.com');
    expect(steps).toContain('integration="pagerduty"');
  });

  it('Prometheus failing to reach Alertmanager blames the Alertmanager side', () => {
    const any = alert({
      labels: {
        alertname: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
        namespace: 'monitoring',
        pod: 'prometheus-k8s-1',
      },
      annotations: {
        description:
          '100% minimum errors while sending alerts from Prometheus monitoring/prometheus-k8s-1 to any Alertmanager.',
      },
    });
    const analysis = analyze([any]);
    expect(analysis.rootCauses[0]?.title).toMatch(/Alertmanager is down or unreachable/);
    expect(analysis.nextSteps.join('\n')).toContain(
      'kubectl -n monitoring logs prometheus-k8s-1 -c prometheus',
    );
  });
});

describe('analyzeOffline: what a recent change touches', () => {
  const at = (minutesBefore: number): string =>
    new Date(Date.parse(T0) - minutesBefore * 60_000).toISOString();
  const change = (
    title: string,
    minutesBefore: number,
    kind: RecentChange['kind'] = 'pull_request',
  ): RecentChange => ({
    kind,
    title,
    url: `https://github.com/acme/infra/pull/${minutesBefore}`,
    at: at(minutesBefore),
    author: 'dev-sam',
  });

  it('classifies change titles by what they touch', () => {
    const kinds = (title: string) => classifyChange(title).map((k) => k.kind);
    expect(kinds('Restrict egress from the orders namespace')).toContain('network');
    expect(kinds('Open port 9464 in sg-0a1b2c for the OTel collector')).toContain('network');
    expect(kinds('Migrate invoices table: add index on customer_id')).toContain('migration');
    expect(kinds('Lower worker memory limit to 512Mi')).toContain('scaling');
    expect(kinds('Rotate the Slack webhook secret')).toContain('config');
    expect(kinds('Bump checkout-api to v1.43.0')).toEqual(['image']);
    expect(kinds('Fix typo in README')).toEqual([]);
    // "port" inside other words is not a network change.
    expect(kinds('Support exporting reports')).not.toContain('network');
  });

  it('a firewall change before a failing probe raises the network cause, cites it and names it in the summary', () => {
    const probe = alert({
      labels: { alertname: 'BlackboxProbeFailed', instance: 'https://api.partner.example', job: 'blackbox' },
      annotations: { description: 'Probe failed\n  VALUE = 0' },
    });
    const sg = change('Tighten security group sg-0f3e for the egress proxy', 25);
    const analysis = analyze([probe], { recentChanges: [sg] });
    const top = analysis.rootCauses[0];
    expect(top?.title).toMatch(/network path from the prober is broken/);
    expect(top?.category).toBe('network');
    expect(top?.evidence[0]).toMatch(/^network change \(its title says "security group"\)/);
    expect(top?.evidence[0]).toContain(sg.url);
    expect(analysis.summary).toContain(
      'It started 25 min after pull request "Tighten security group sg-0f3e',
    );
    expect(analysis.summary).toContain('a network change.');
    // A network change is no reason to roll back a Deployment.
    expect(analysis.proposedActions).toEqual([]);
  });

  it('a NetworkPolicy before TargetDown ranks the blocked scrape first', () => {
    const policy = change('Add default-deny NetworkPolicy for payments', 9);
    const analysis = analyze([targetDown], { recentChanges: [policy] });
    expect(analysis.rootCauses[0]?.title).toMatch(/network policy or firewall blocks the scrape/i);
    expect(analysis.rootCauses[0]?.evidence[0]).toContain(policy.url);
    // Without the change the process being down still leads.
    expect(analyze([targetDown]).rootCauses[0]?.title).toMatch(/target process is down/i);
  });

  it('the closest change of a matching kind is linked, even behind a later unrelated one', () => {
    const policy = change('Add default-deny NetworkPolicy for payments', 40);
    const docs = change('Fix typo in README', 5);
    const analysis = analyze([targetDown], { recentChanges: [docs, policy] });
    expect(analysis.rootCauses[0]?.title).toMatch(/network policy or firewall/i);
    expect(analysis.rootCauses[0]?.evidence[0]).toContain('40 min before the alert started');
    expect(allEvidence(analysis)).not.toContain('Fix typo in README');
  });

  it('a resources change behind a stuck rollout raises "cannot be scheduled", below the bad-change cause', () => {
    const replicas = alert({
      labels: {
        alertname: 'KubeDeploymentReplicasMismatch',
        deployment: 'ledger-worker',
        namespace: 'ledger',
      },
    });
    const pr = change('Raise ledger-worker memory request to 6Gi', 20);
    const analysis = analyze([replicas], { recentChanges: [pr] });
    expect(analysis.rootCauses[0]?.category).toBe('deployment');
    const scheduling = analysis.rootCauses[1];
    expect(scheduling?.title).toMatch(/pods cannot be scheduled/i);
    expect(scheduling?.evidence[0]).toMatch(/^scaling\/resources change \(its title says "memory request"\)/);
    expect(
      analysis.rootCauses.find((c) => /crash or fail readiness/.test(c.title))?.evidence.join('\n'),
    ).not.toContain(pr.url);
  });

  it('a migration before a lock alert cites it on the long-transaction cause', () => {
    const locks = alert({
      labels: { alertname: 'PostgresqlTooManyLocksAcquired', instance: 'pg-main:9187' },
    });
    const migration = change('Run migration 0042_partition_events', 15, 'deployment');
    const analysis = analyze([locks], { recentChanges: [migration] });
    const linked = analysis.rootCauses.find((c) => c.evidence[0]?.startsWith('database migration change'));
    expect(linked?.title).toMatch(/long-running or idle-in-transaction/i);
  });

  it('changes after the alert, long before it, or of no known kind link nothing; unknown alerts stay causeless', () => {
    for (const policy of [
      change('Add default-deny NetworkPolicy', -10),
      change('Add default-deny NetworkPolicy', 400),
    ]) {
      const analysis = analyze([targetDown], { recentChanges: [policy] });
      expect(analysis.rootCauses[0]?.title).toMatch(/target process is down/i);
      expect(allEvidence(analysis)).not.toContain(policy.url);
    }
    const unrelated = analyze([targetDown], { recentChanges: [change('Fix typo in README', 5)] });
    expect(unrelated.rootCauses[0]?.title).toMatch(/target process is down/i);
    expect(unrelated.summary).not.toContain('It started');

    const unknown = alert({ labels: { alertname: 'LedgerDriftHigh', namespace: 'ledger' } });
    const analysis = analyze([unknown], {
      recentChanges: [change('Add default-deny NetworkPolicy for ledger', 10)],
    });
    expect(analysis.rootCauses).toEqual([]);
  });

  it("a release does not add a second cause next to the signature's own bad-rollout hypothesis", () => {
    const release = change('Bump checkout-api to v1.43.0', 12, 'deployment');
    const analysis = analyze([crashLooping], { recentChanges: [release] });
    expect(analysis.rootCauses[0]?.category).toBe('deployment');
    expect(analysis.rootCauses.filter((c) => c.evidence.join('\n').includes(release.url))).toHaveLength(1);
  });
});
