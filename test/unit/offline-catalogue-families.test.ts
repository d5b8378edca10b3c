/**
 * The offline catalogue's wider coverage: domain disambiguation, CoreDNS ranking, and the honest "as the alert
 * itself says" cause for alerts no signature knows. The alert families of kubernetes-mixin, node-exporter, the
 * Prometheus/Alertmanager/Thanos/Loki mixins, awesome-prometheus-alerts' databases, brokers and proxies — each
 * with a realistic alert as its rule renders it — are `examples:` of their signatures in `catalogue/*.yaml` now
 * (run by catalogue-data.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const { alert, analyze, signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus:9090',
  incidentId: 7,
  service: 'unknown',
});

describe('offline catalogue: the domain decides', () => {
  it('"too many connections" is Redis, MongoDB or RabbitMQ by its prefix, never PostgreSQL', () => {
    expect(signatureOf({ labels: { alertname: 'RedisTooManyConnections', instance: 'r:9121' } })).toBe(
      'redis-connections',
    );
    expect(signatureOf({ labels: { alertname: 'MongodbTooManyConnections', instance: 'm:9216' } })).toBe(
      'mongodb-resources',
    );
    expect(signatureOf({ labels: { alertname: 'RabbitmqTooManyConnections', instance: 'q:9419' } })).toBe(
      'rabbitmq-connections',
    );
    // A custom name matched by pattern: the job label names the domain.
    expect(signatureOf({ labels: { alertname: 'CacheTooManyConnections', job: 'redis-exporter' } })).not.toBe(
      'db-too-many-connections',
    );
    expect(
      signatureOf({ labels: { alertname: 'OrdersDbTooManyConnections', job: 'postgres-exporter' } }),
    ).toBe('db-too-many-connections');
    const redis = analyze([
      alert({ labels: { alertname: 'RedisTooManyConnections', instance: 'redis-cache:9121' } }),
    ]);
    expect(`${redis.summary} ${redis.rootCauses.map((c) => c.title).join(' ')}`).not.toMatch(
      /PostgreSQL|max_connections|pg_stat/,
    );
  });

  it('a MySQL replication or applier queue is not a message queue', () => {
    const mysqlQueue = {
      labels: {
        alertname: 'MysqlGroupReplicationApplierQueueSize',
        instance: 'mysql-gr-2:9104',
        job: 'mysql',
      },
    };
    expect(signatureOf(mysqlQueue)).toBe('mysql-galera-group-replication');
    const analysis = analyze([alert(mysqlQueue)]);
    expect(analysis.rootCauses[0]?.title).toMatch(/too slow to apply writes/);
    expect(analysis.rootCauses.map((c) => c.title).join(' ')).not.toMatch(
      /consumer|poison message|producers/i,
    );
    // Labelled as MySQL by its job only: still not the broker backlog.
    expect(
      signatureOf({ labels: { alertname: 'ReplicationQueueBacklog', job: 'mysqld-exporter' } }),
    ).not.toBe('queue-backlog');
    // A real broker backlog still is.
    expect(signatureOf({ labels: { alertname: 'RabbitmqQueueBacklog', queue: 'orders' } })).toBe(
      'queue-backlog',
    );
  });

  it("Prometheus' notification backlog is its Alertmanager queue, not a consumer lag", () => {
    expect(
      signatureOf({ labels: { alertname: 'PrometheusNotificationsBacklog', instance: 'prom:9090' } }),
    ).toBe('prometheus-notification-queue');
  });

  it('replication lag of MongoDB or Redis is not answered with MySQL/PostgreSQL', () => {
    expect(signatureOf({ labels: { alertname: 'MongodbReplicationLag' } })).toBe('mongodb-replica-set');
    expect(signatureOf({ labels: { alertname: 'RedisReplicationLagHigh' } })).toBe('redis-replication');
    expect(signatureOf({ labels: { alertname: 'MysqlReplicationLag' } })).toBe('db-replication-lag');
  });

  it("RabbitMQ's unprefixed file-descriptor alert is the broker's alarm; node-exporter's is the host's", () => {
    expect(
      signatureOf({
        labels: { alertname: 'FileDescriptorsNearLimit', rabbitmq_cluster: 'orders-rabbit', namespace: 'mq' },
      }),
    ).toBe('rabbitmq-resource-alarm');
    expect(
      signatureOf({
        labels: { alertname: 'FileDescriptorsNearLimit', instance: '10.0.8.6:9100', job: 'node-exporter' },
      }),
    ).toBe('node-file-descriptors');
  });

  it('4xx is a client-error signature, 5xx the server one; Thanos/Loki error rates keep their own', () => {
    expect(signatureOf({ labels: { alertname: 'HaproxyHighHttp4xxErrorRateBackend' } })).toBe('http-4xx');
    expect(signatureOf({ labels: { alertname: 'HaproxyHighHttp5xxErrorRateBackend' } })).toBe('http-5xx');
    expect(signatureOf({ labels: { alertname: 'ThanosQueryHttpRequestQueryErrorRateHigh' } })).toBe(
      'thanos-query-store',
    );
    expect(signatureOf({ labels: { alertname: 'LokiRequestLatency' } })).toBe('loki-request-errors');
    expect(signatureOf({ labels: { alertname: 'ElasticsearchHeapUsageWarning' } })).toBe(
      'elasticsearch-heap',
    );
  });
});

describe('offline catalogue: CoreDNS ranks upstream vs overload by what fires', () => {
  const forward = alert({
    labels: {
      alertname: 'CoreDNSForwardErrorsHigh',
      job: 'kube-dns',
      namespace: 'kube-system',
      to: '10.0.0.2:53',
    },
    annotations: { message: 'CoreDNS is returning SERVFAIL for 12.1% of forward requests to 10.0.0.2:53.' },
  });
  const latency = alert({
    labels: {
      alertname: 'CoreDNSLatencyHigh',
      job: 'kube-dns',
      namespace: 'kube-system',
      server: 'dns://:53',
      zone: '.',
    },
    annotations: {
      message: 'CoreDNS has 99th percentile latency of 4.1 seconds for server dns://:53 zone . .',
    },
  });
  const throttled = alert({
    labels: {
      alertname: 'CPUThrottlingHigh',
      namespace: 'kube-system',
      pod: 'coredns-5d78c9869d-9xkqp',
      container: 'coredns',
    },
    annotations: {
      description:
        '71% throttling of CPU in namespace kube-system for container coredns in pod coredns-5d78c9869d-9xkqp.',
    },
  });

  it('forward errors blame the upstream resolver first', () => {
    const analysis = analyze([forward]);
    expect(analysis.rootCauses[0]?.title).toMatch(/upstream resolver/);
    expect(analysis.rootCauses[0]?.evidence.join('\n')).toContain('CoreDNSForwardErrorsHigh');
  });

  it('latency with CoreDNS pods throttled blames CoreDNS capacity first', () => {
    const analysis = analyze([latency, throttled]);
    expect(analysis.rootCauses[0]?.title).toMatch(/CoreDNS pods overloaded/);
    expect(analysis.rootCauses[0]?.evidence.join('\n')).toMatch(/CPUThrottlingHigh/);
  });
});

describe('offline analyzer: "as the alert itself says"', () => {
  it('offers the cause an unknown alert states, quoted, as the single low-likelihood cause', () => {
    const custom = alert({
      labels: { alertname: 'BillingExportStale', team: 'billing', severity: 'warning' },
      annotations: {
        summary: 'Billing export has not completed for 3 hours',
        description:
          'The nightly billing export has not produced a file for 3h. This is likely due to the SFTP credentials expiring. Contact #billing-oncall.',
      },
    });
    const analysis = analyze([custom]);
    expect(analysis.rootCauses).toHaveLength(1);
    const [stated] = analysis.rootCauses;
    expect(stated?.title).toBe(
      'As the alert itself says: "This is likely due to the SFTP credentials expiring."',
    );
    expect(stated?.category).toBe('unknown');
    expect(stated?.likelihood).toBeLessThanOrEqual(0.3);
    expect(stated?.evidence[0]).toMatch(/^description: "The nightly billing export/);
    expect(analysis.summary).toMatch(/No known signature for `BillingExportStale`/);
  });

  it('offers the causes an alert lists under "Possible causes:", in its order, never the heading itself', () => {
    // A rule of the kind teams write (held-out set 5 had one whose heading was quoted as the cause).
    const custom = alert({
      labels: { alertname: 'BillingDbFailedConnections', severity: 'warning' },
      annotations: {
        summary: 'Billing database prod-db experiencing failed connections',
        description:
          '37 failed connections detected.\n\n**Possible causes**:\n1. Authentication failures\n2. Network connectivity issues\n3. Firewall rules blocking connections\n4. SSL certificate issues\n5. Planned maintenance\n\n**Action**:\n1. Check Azure firewall rules\n',
      },
    });
    const causes = analyze([custom]).rootCauses;
    expect(causes.map((c) => c.title)).toEqual([
      'As the alert itself says: "Authentication failures"',
      'As the alert itself says: "Network connectivity issues"',
      'As the alert itself says: "Firewall rules blocking connections"',
      'As the alert itself says: "SSL certificate issues"',
    ]);
    expect(causes.map((c) => c.likelihood)).toEqual([0.3, 0.25, 0.2, 0.15]);
    expect(causes.every((c) => c.category === 'unknown')).toBe(true);
  });

  it('reads "caused by" / "may indicate" in a summary, and drops the rule tail', () => {
    const custom = alert({
      labels: { alertname: 'QueueWorkerSaturation' },
      annotations: {
        summary: 'Worker saturation may indicate a stuck upstream API\n  VALUE = 0.97\n  LABELS = map[]',
      },
    });
    expect(analyze([custom]).rootCauses[0]?.title).toBe(
      'As the alert itself says: "Worker saturation may indicate a stuck upstream API"',
    );
  });

  it('states nothing, invents nothing: no cause when the text gives none (or only "as soon as possible")', () => {
    const plain = alert({
      labels: { alertname: 'OrdersBelowForecast' },
      annotations: { summary: 'Orders are 40% below forecast' },
    });
    expect(analyze([plain]).rootCauses).toEqual([]);
    const asap = alert({
      labels: { alertname: 'ManualCheckNeeded' },
      annotations: { description: 'Please check the ledger as soon as possible.' },
    });
    expect(analyze([asap]).rootCauses).toEqual([]);
  });

  it("alongside a known signature, the stated cause ranks below the signature's causes", () => {
    const custom = alert({
      labels: { alertname: 'PaymentsWebhookLag' },
      annotations: {
        description: 'Webhook deliveries lag, possibly because the partner endpoint is rate limiting us.',
      },
    });
    const raid = alert({ labels: { alertname: 'NodeRAIDDegraded', instance: 'db-3:9100', device: 'md0' } });
    const analysis = analyze([raid, custom]);
    expect(analysis.rootCauses[0]?.title).toMatch(/member disk failed/);
    const stated = analysis.rootCauses.find((c) => c.title.startsWith('As the alert itself says'));
    expect(stated?.likelihood).toBeLessThanOrEqual(0.3);
  });
});
