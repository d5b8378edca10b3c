/**
 * The service an alert belongs to: the affected workload, volume owner, monitored system or host — not the
 * exporter that scraped it (issue 10, item 8). Label sets are those the public rule collections' series carry.
 */
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from '../../src/ingest/alertmanager.ts';
import { alertmanagerBody } from '../support/payloads.ts';

function serviceFor(labels: Record<string, string>, yaml = '') {
  const config = configFrom({}, yaml);
  const body = alertmanagerBody({ groupKey: 'g', alerts: [{ labels }] });
  const delivery = normalizeAlertmanager(parseAlertmanagerPayload(body), {
    serviceLabels: config.file.ingest.serviceLabels,
    services: config.file.services,
  });
  const alert = delivery.groups[0]?.alerts[0];
  return {
    service: alert?.service,
    source: (alert as { serviceSource?: unknown } | undefined)?.serviceSource,
  };
}

// kube-state-metrics series, scraped through the kube-state-metrics Service (honorLabels keeps pod/namespace).
const KSM_TARGET = {
  job: 'kube-state-metrics',
  service: 'kube-state-metrics',
  endpoint: 'http',
  instance: '10.2.0.14:8080',
};

describe('the affected service, not the exporter', () => {
  it('KubePodCrashLooping of a Deployment pod is the Deployment (was kube-state-metrics)', () => {
    const result = serviceFor({
      alertname: 'KubePodCrashLooping',
      ...KSM_TARGET,
      namespace: 'shop',
      pod: 'api-7d9f8b6c5d-x2k4q',
      container: 'api',
      reason: 'CrashLoopBackOff',
    });
    expect(result.service).toBe('api');
    expect(result.source).toEqual({ rule: 'pod', labels: { pod: 'api-7d9f8b6c5d-x2k4q', container: 'api' } });
  });

  it('an OOM kill seen by cAdvisor is the pod owner (was kubelet)', () => {
    expect(
      serviceFor({
        alertname: 'ContainerOomKiller',
        job: 'kubelet',
        service: 'kubelet',
        metrics_path: '/metrics/cadvisor',
        node: 'worker-3',
        namespace: 'shop',
        pod: 'orders-5f6d7c8b9-qwxzt',
        container: 'orders',
      }).service,
    ).toBe('orders');
  });

  it('a filling disk on a host is the host (was node-exporter)', () => {
    const result = serviceFor({
      alertname: 'NodeFilesystemSpaceFillingUp',
      job: 'node-exporter',
      service: 'node-exporter',
      namespace: 'monitoring',
      pod: 'node-exporter-7x2vq',
      container: 'kube-rbac-proxy',
      instance: 'db-1',
      device: '/dev/nvme1n1',
      mountpoint: '/var/lib/postgresql',
      fstype: 'ext4',
    });
    expect(result.service).toBe('db-1');
    expect(result.source).toEqual({ rule: 'host', labels: { instance: 'db-1' } });
  });

  it('a PostgreSQL exporter alert is the database behind it (was its -metrics job)', () => {
    expect(
      serviceFor({
        alertname: 'PostgresqlTooManyConnections',
        job: 'orders-db-metrics',
        service: 'orders-db-metrics',
        instance: '10.2.3.4:9187',
      }).service,
    ).toBe('orders-db');
    expect(
      serviceFor({
        alertname: 'RedisDown',
        job: 'redis-exporter',
        instance: 'redis://cache-1.internal:6379',
      }).service,
    ).toBe('cache-1.internal');
  });

  it('a workload label decides (the Ericsson fixture names kube-state-metrics everywhere else)', () => {
    const result = serviceFor({
      alertname: 'Deployment',
      app_kubernetes_io_name: 'eric-pm-kube-state-metrics',
      deployment: 'eric-log-transformer',
      job: 'eric-pm-kube-state-metrics',
      namespace: 'eric-eo-cm-ci406',
    });
    expect(result.service).toBe('eric-log-transformer');
    expect(result.source).toEqual({ rule: 'workload', labels: { deployment: 'eric-log-transformer' } });
  });

  it('aiops.yml services[].match maps a label set to a service first', () => {
    const yaml = [
      'services:',
      '  - name: checkout',
      '    match: { namespace: shop, container: [checkout, checkout-worker] }',
      '  - name: orders-db',
      '    match: [{ instance: "/db-[0-9]+(:[0-9]+)?/" }]',
    ].join('\n');
    const result = serviceFor(
      {
        alertname: 'KubePodCrashLooping',
        ...KSM_TARGET,
        namespace: 'shop',
        pod: 'web-0',
        container: 'checkout',
      },
      yaml,
    );
    expect(result.service).toBe('checkout');
    expect(result.source).toEqual({
      rule: 'match',
      labels: { namespace: 'shop', container: 'checkout' },
      entry: 'checkout',
    });
    expect(
      serviceFor({ alertname: 'NodeFilesystemAlmostOutOfSpace', job: 'node', instance: 'db-12:9100' }, yaml)
        .service,
    ).toBe('orders-db');
  });
});
