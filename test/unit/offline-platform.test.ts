/**
 * The platform families (API server, kube-proxy, pod start-up, page faults, CloudNativePG, Kafka log dirs,
 * ingress-nginx reloads, Prometheus limits, Loki tenant limits, alert queues, exporter errors, restarts) and the
 * multi-alert rule: a cause-type signature's top cause leads a symptom-type one's. One alert per family, with
 * the signature and first cause it gets, is an `examples:` entry in `catalogue/*.yaml` (catalogue-data.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisInput } from '../../src/analysis/input.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline, matchSignature } from '../../src/analysis/offline/index.ts';
import { type Analysis, analysisSchema } from '../../src/analysis/schema.ts';
import type { IncidentAlert } from '../../src/db/incidents.ts';
import { type AlertSpec, testAlert, testIncident, testInput } from '../support/incidents.ts';

const T0 = '2024-07-09T14:20:00.000Z';
const alert = (spec: AlertSpec): IncidentAlert =>
  testAlert(spec, { at: T0, prometheus: 'http://prometheus:9090' });

function analyze(alerts: IncidentAlert[], extra: Partial<AnalysisInput> = {}): Analysis {
  const input: AnalysisInput = {
    ...testInput(alerts, T0),
    incident: { ...testIncident(alerts, T0, 3), service: 'unknown' },
    ...extra,
  };
  const analysis = analyzeOffline(input);
  expect(analysisSchema.parse(analysis)).toEqual(analysis);
  return analysis;
}

describe('offline catalogue: platform families', () => {
  it('does not take Kubernetes restart alerts as generic application restarts', () => {
    expect(
      matchSignature(viewOf(alert({ labels: { alertname: 'KubePodRestarts', namespace: 'x' } })))?.id,
    ).not.toBe('application-restarts');
  });

  it('names an upgrade shortly before etcd members went down', () => {
    const spec = { labels: { alertname: 'etcdMembersDown', job: 'etcd', namespace: 'kube-system' } };
    const alerts = [alert(spec)];
    const analysis = analyze(alerts, {
      recentChanges: [
        {
          kind: 'deployment',
          title: 'Roll control-plane nodes to Kubernetes 1.30.2',
          url: 'https://ci.example.com/runs/42',
          at: '2024-07-09T14:05:00.000Z',
        },
      ],
    });
    expect(analysis.rootCauses[0]?.category).toBe('deployment');
    expect(analysis.rootCauses[0]?.title).toMatch(/1\.30\.2/);
  });

  it('keeps an unknown alert honest', () => {
    const analysis = analyze([
      alert({ labels: { alertname: 'BillingLedgerDriftObserved', team: 'billing' } }),
    ]);
    expect(analysis.rootCauses.every((c) => c.category === 'unknown')).toBe(true);
  });
});

describe('offline analyzer: a cause-type alert leads its symptoms', () => {
  it('ranks an expiring certificate above failing probes of the same endpoint', () => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'BlackboxProbeFailed', instance: 'https://api.example.org', job: 'blackbox' },
        annotations: { description: 'Probe failed' },
      }),
      alert({
        labels: { alertname: 'SSLCertificateExpired', instance: 'https://api.example.org', job: 'blackbox' },
        annotations: { description: 'SSL certificate has expired already' },
      }),
    ]);
    expect(analysis.rootCauses[0]?.category).toBe('certificate');
    expect(analysis.rootCauses[0]?.evidence[0]).toMatch(/a known cause/);
  });

  it('ranks a scrape body-size limit above TargetDown', () => {
    const analysis = analyze([
      alert({ labels: { alertname: 'TargetDown', job: 'node-exporter', namespace: 'observability' } }),
      alert({
        labels: {
          alertname: 'PrometheusScrapeBodySizeLimitHit',
          pod: 'prometheus-main-0',
          namespace: 'observability',
        },
      }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(/body_size_limit/);
  });

  it('ranks an offline Kafka log directory above under-replicated partitions', () => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'KafkaUnderReplicatedPartitions', instance: '10.2.0.6:9308', job: 'kafka' },
      }),
      alert({
        labels: { alertname: 'KafkaUnderReplicatedPartitions', instance: '10.2.0.7:9308', job: 'kafka' },
      }),
      alert({ labels: { alertname: 'KafkaOfflineLogDirs', instance: '10.2.0.5:9308', job: 'kafka' } }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(/disk or filesystem/);
  });

  it('leaves a lone symptom alone', () => {
    const analysis = analyze([alert({ labels: { alertname: 'TargetDown', job: 'api', namespace: 'shop' } })]);
    expect(analysis.rootCauses[0]?.title).toMatch(/target process is down/);
  });
});
