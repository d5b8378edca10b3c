/** The offline analyzer: signature catalogue, combination, recent changes, incident memory, `explain`. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnalysisInput, RecentChange, SimilarIncident } from '../../src/analysis/input.ts';
import { analyzeOffline, CATALOGUE, explainOffline } from '../../src/analysis/offline/index.ts';
import { type Analysis, analysisSchema, explanationSchema } from '../../src/analysis/schema.ts';
import type { IncidentAlert, IncidentDetail } from '../../src/db/incidents.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from '../../src/ingest/alertmanager.ts';

const T0 = '2024-05-01T10:15:00.000Z';

interface AlertSpec {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  expr?: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
}

/** An alert as `getIncident` returns it; labels include `alertname` like Alertmanager's. */
function alert(spec: AlertSpec): IncidentAlert {
  const annotations = spec.annotations ?? {};
  const alertname = spec.labels.alertname ?? 'unnamed alert';
  const startsAt = spec.startsAt ?? T0;
  return {
    fingerprint: `${alertname}-${JSON.stringify(spec.labels).length}`,
    status: spec.status ?? 'firing',
    alertname,
    service: spec.labels.service ?? spec.labels.namespace ?? 'unknown',
    severity: spec.labels.severity ?? 'warning',
    summary: annotations.summary ?? annotations.description ?? alertname,
    labels: spec.labels,
    annotations,
    startsAt,
    endsAt: null,
    generatorUrl: spec.expr
      ? `http://prometheus-k8s-0:9090/graph?g0.expr=${encodeURIComponent(spec.expr)}&g0.tab=1`
      : null,
    firstSeen: startsAt,
    lastSeen: startsAt,
    deliveryCount: 1,
  };
}

function incidentOf(alerts: IncidentAlert[]): IncidentDetail {
  return {
    id: 99,
    title: alerts[0]?.alertname ?? 'incident',
    service: alerts[0]?.service ?? 'unknown',
    severity: 'warning',
    status: 'triggered',
    source: 'alertmanager',
    channel: '#incidents',
    alertCount: alerts.length,
    firingCount: alerts.filter((a) => a.status === 'firing').length,
    openedAt: T0,
    acknowledgedAt: null,
    resolvedAt: null,
    lastEventAt: T0,
    externalId: null,
    externalUrl: null,
    reopenCount: 0,
    labels: {},
    alerts,
    timeline: [],
  };
}

function inputOf(
  alerts: IncidentAlert[],
  extra: Partial<Omit<AnalysisInput, 'incident'>> = {},
): AnalysisInput {
  return {
    incident: incidentOf(alerts),
    relatedAlerts: [],
    recentChanges: [],
    metrics: [],
    similarIncidents: [],
    ...extra,
  };
}

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
    ['SSL certificate expiry', certExpiring, /nobody renewed the certificate/i, 'certificate'],
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
    expect(diskSteps).toContain('ssh 10.0.3.17 df -h /var/lib/containerd');

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
