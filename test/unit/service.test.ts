/**
 * The service an alert belongs to: the affected workload, volume owner, monitored system or host — not the
 * exporter that scraped it (issue 10, item 8). Label sets are those the public rule collections' series carry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from '../../src/ingest/alertmanager.ts';
import {
  claimOwner,
  hostOf,
  LEGACY_SERVICE_LABELS,
  monitoredSystem,
  podOwner,
  resolveService,
  type ServiceRules,
} from '../../src/ingest/service.ts';
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

  it('an exporter that is itself crash-looping is the affected service (it is not the scrape target)', () => {
    expect(
      serviceFor({
        alertname: 'KubePodCrashLooping',
        ...KSM_TARGET,
        namespace: 'db',
        pod: 'postgres-exporter-6c7d8f9b5-k2l4m',
        container: 'postgres-exporter',
      }).service,
    ).toBe('postgres-exporter');
  });

  it('a Node.js alert is the app, not a host alert', () => {
    expect(
      serviceFor({ alertname: 'NodeJSHeapUsageHigh', job: 'api', instance: '10.0.0.5:3000' }).service,
    ).toBe('api');
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

describe('precedence', () => {
  const crash = {
    alertname: 'KubePodCrashLooping',
    ...KSM_TARGET,
    namespace: 'shop',
    pod: 'api-7d9f8b6c5d-x2k4q',
  };

  it('an explicit ingest.serviceLabels wins over derivation, then derivation when none is set', () => {
    expect(resolveService(crash, { serviceLabels: ['service'] })).toEqual({
      service: 'kube-state-metrics',
      source: { rule: 'labels', labels: { service: 'kube-state-metrics' } },
    });
    expect(resolveService(crash, { serviceLabels: ['team'] }).service).toBe('api');
  });

  it('treats the list aiops.example.yml shipped as unset (it names the exporter)', () => {
    expect(resolveService(crash, { serviceLabels: [...LEGACY_SERVICE_LABELS] }).service).toBe('api');
  });

  it('services[].match wins over ingest.serviceLabels; regex values are anchored', () => {
    const rules: ServiceRules = {
      serviceLabels: ['service'],
      services: [
        { name: 'nope', match: { namespace: '/sho/' } },
        { name: 'shop-api', match: [{ namespace: 'other' }, { namespace: '/sh.p/', pod: '/api-.*/' }] },
      ],
    };
    expect(resolveService(crash, rules)).toEqual({
      service: 'shop-api',
      source: {
        rule: 'match',
        labels: { namespace: 'shop', pod: 'api-7d9f8b6c5d-x2k4q' },
        entry: 'shop-api',
      },
    });
  });
});

describe('names', () => {
  it.each([
    ['api-7d9f8b6c5d-x2k4q', 'api'],
    ['checkout-api-6b8c9d7f5-q2w4r', 'checkout-api'],
    ['legacy-1234567890-x2k4q', 'legacy'],
    ['nightly-report-28934510-x2z4q', 'nightly-report'],
    ['orders-postgresql-0', 'orders-postgresql'],
    ['fluent-bit-x2z4q', 'fluent-bit'],
    ['checkout-redis', 'checkout-redis'], // vowels: no generated suffix
    ['standalone', 'standalone'],
  ])('podOwner(%s) is %s', (pod, owner) => expect(podOwner(pod)).toBe(owner));

  it.each([
    ['data-orders-postgresql-0', 'orders-postgresql'],
    ['prometheus-k8s-db-prometheus-k8s-0', 'prometheus-k8s'],
    ['redis-data-cache-redis-master-0', 'cache-redis-master'],
    ['www-web-2', 'web'],
    ['uploads-pvc', 'uploads'],
    ['grafana', 'grafana'],
  ])('claimOwner(%s) is %s', (claim, owner) => expect(claimOwner(claim)).toBe(owner));

  it.each([
    ['10.0.0.5:9100', '10.0.0.5'],
    ['[2001:db8::1]:9100', '2001:db8::1'],
    ['redis://cache-1:6379', 'cache-1'],
    ['https://shop.example.com/healthz', 'shop.example.com'],
    ['db-1', 'db-1'],
  ])('hostOf(%s) is %s', (instance, host) => expect(hostOf(instance)).toBe(host));

  it.each([
    ['postgres-exporter', 'postgres'],
    ['redis_exporter', 'redis'],
    ['redis_exporter_targets', 'redis'],
    ['mysqld-exporter', 'mysql'],
    ['prometheus-postgres-exporter', 'postgres'],
    ['orders-db-prometheus-postgres-exporter', 'orders-db'],
    ['orders-postgresql-metrics', 'orders-postgresql'],
    ['node-exporter', null],
    ['kube-state-metrics', null],
    ['blackbox-exporter', null],
    ['checkout', null],
  ])('monitoredSystem(%s) is %s', (name, system) => expect(monitoredSystem(name)).toBe(system));
});

describe('untrusted labels', () => {
  const labelKeys = fc.constantFrom(
    'alertname',
    'job',
    'service',
    'pod',
    'container',
    'namespace',
    'instance',
    'deployment',
    'job_name',
    'persistentvolumeclaim',
    'node',
    'host',
    'name',
    'app',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
  );
  const labelValues = fc.oneof(
    fc.string(),
    fc.constantFrom(
      '',
      '\u0000',
      'a\u0000b-7d9f8b6c5d-x2k4q',
      'kube-state-metrics',
      'node-exporter',
      'redis://',
      '-0',
      '-',
    ),
  );

  it('always names some service, never with NUL, from values the alert carries', () => {
    fc.assert(
      fc.property(fc.dictionary(labelKeys, labelValues), (labels) => {
        const { service, source } = resolveService(labels);
        expect(service.length).toBeGreaterThan(0);
        expect(service).not.toContain('\u0000');
        for (const [key, value] of Object.entries(source.labels)) {
          expect(Object.hasOwn(labels, key), key).toBe(true);
          expect(labels[key]).toBe(value);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the incident of a group', () => {
  const normalizeGroup = (alerts: Record<string, string>[], commonLabels: Record<string, string> = {}) =>
    normalizeAlertmanager(
      parseAlertmanagerPayload(
        alertmanagerBody({ groupKey: 'g', alerts: alerts.map((labels) => ({ labels })), commonLabels }),
      ),
      {},
    ).groups[0];

  it('is the service all its alerts agree on, with the first one’s labels', () => {
    const group = normalizeGroup([
      { alertname: 'KubePodCrashLooping', ...KSM_TARGET, namespace: 'shop', pod: 'api-7d9f8b6c5d-x2k4q' },
      { alertname: 'KubePodCrashLooping', ...KSM_TARGET, namespace: 'shop', pod: 'api-7d9f8b6c5d-m5n6p' },
    ]);
    expect([group?.service, group?.serviceSource]).toEqual([
      'api',
      { rule: 'pod', labels: { pod: 'api-7d9f8b6c5d-x2k4q' } },
    ]);
  });

  it('is what the labels they share say when they differ (a routing group of one namespace)', () => {
    const group = normalizeGroup([
      { alertname: 'KubePodCrashLooping', ...KSM_TARGET, namespace: 'shop', pod: 'api-7d9f8b6c5d-x2k4q' },
      { alertname: 'KubePodCrashLooping', ...KSM_TARGET, namespace: 'shop', pod: 'cart-6b8c9d7f5-q2w4r' },
    ]);
    expect([group?.service, group?.serviceSource]).toEqual([
      'shop',
      { rule: 'namespace', labels: { namespace: 'shop' } },
    ]);
    expect(group?.alerts.map((alert) => alert.service)).toEqual(['api', 'cart']);
  });
});
