/**
 * The offline catalogue's wider coverage: the alert families of kubernetes-mixin, node-exporter, the
 * Prometheus/Alertmanager/Thanos/Loki mixins, awesome-prometheus-alerts' databases, brokers and proxies —
 * each with a realistic alert as its rule renders it — plus domain disambiguation, CoreDNS ranking, and the
 * honest "as the alert itself says" cause for alerts no signature knows.
 */
import { describe, expect, it } from 'vitest';
import type { AlertSpec } from '../support/incidents.ts';
import { awesomeDescription, offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

type Spec = AlertSpec;
const { alert, analyze, signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus:9090',
  incidentId: 7,
  service: 'unknown',
});
const awesome = awesomeDescription;

// --- one realistic alert per family: [name, alert, signature id, top cause, step that quotes a real label] --
const FAMILIES: [string, Spec, string, RegExp, string][] = [
  [
    'KubeletTooManyPods',
    {
      labels: { alertname: 'KubeletTooManyPods', node: 'ip-10-1-4-22.ec2.internal', severity: 'info' },
      annotations: {
        description: "Kubelet 'ip-10-1-4-22.ec2.internal' is running at 96.4% of its Pod capacity.",
        summary: 'Kubelet is running at capacity.',
      },
    },
    'kubelet-too-many-pods',
    /maxPods/,
    'spec.nodeName=ip-10-1-4-22.ec2.internal',
  ],
  [
    'KubeletPlegDurationHigh',
    {
      labels: { alertname: 'KubeletPlegDurationHigh', node: 'worker-7', quantile: '0.99' },
      annotations: {
        description:
          'The Kubelet Pod Lifecycle Event Generator has a 99th percentile duration of 12.3 seconds on node worker-7.',
      },
    },
    'kubelet-pleg-slow',
    /container runtime/,
    'kubectl describe node worker-7',
  ],
  [
    'KubeNodeEviction',
    {
      labels: { alertname: 'KubeNodeEviction', node: 'worker-3', eviction_signal: 'nodefs.available' },
      annotations: {
        description:
          'Node worker-3 is evicting Pods due to nodefs.available.  Eviction occurs when eviction thresholds are crossed, typically caused by Pods exceeding RAM/ephemeral-storage limits.',
      },
    },
    'node-pressure-eviction',
    /Disk \(images, container logs/,
    'spec.nodeName=worker-3',
  ],
  [
    'KubeAggregatedAPIDown',
    {
      labels: {
        alertname: 'KubeAggregatedAPIDown',
        name: 'v1beta1.metrics.k8s.io',
        namespace: 'kube-system',
      },
      annotations: {
        description:
          'Kubernetes aggregated API v1beta1.metrics.k8s.io/kube-system has been only 0% available over the last 10m.',
      },
    },
    'aggregated-api-down',
    /metrics-server/,
    'kubectl get apiservice v1beta1.metrics.k8s.io',
  ],
  [
    'KubePersistentVolumeErrors',
    {
      labels: { alertname: 'KubePersistentVolumeErrors', persistentvolume: 'pvc-3f1e2a7c', phase: 'Failed' },
      annotations: { description: 'The persistent volume pvc-3f1e2a7c has status Failed.' },
    },
    'persistent-volume-errors',
    /provisioner/,
    'kubectl describe pv pvc-3f1e2a7c',
  ],
  [
    'KubeDaemonSetNotScheduled',
    {
      labels: { alertname: 'KubeDaemonSetNotScheduled', daemonset: 'fluent-bit', namespace: 'logging' },
      annotations: { description: '2 Pods of DaemonSet logging/fluent-bit are not scheduled.' },
    },
    'daemonset-not-scheduled',
    /taints/,
    'kubectl -n logging describe daemonset fluent-bit',
  ],
  [
    'KubePdbNotEnoughHealthyPods',
    {
      labels: {
        alertname: 'KubePdbNotEnoughHealthyPods',
        poddisruptionbudget: 'checkout-pdb',
        namespace: 'shop',
      },
      annotations: { description: 'PDB shop/checkout-pdb expects 2 more healthy pods.' },
    },
    'pdb-not-enough-healthy',
    /failing or not ready/,
    'kubectl -n shop describe pdb checkout-pdb',
  ],
  [
    'PrometheusOperatorRejectedResources',
    {
      labels: {
        alertname: 'PrometheusOperatorRejectedResources',
        controller: 'prometheus',
        namespace: 'monitoring',
        resource: 'prometheusrules',
      },
      annotations: {
        description:
          'Prometheus operator in monitoring namespace rejected 1 prometheus/prometheusrules resources.',
      },
    },
    'prometheus-operator',
    /PrometheusRule\/ServiceMonitor\/AlertmanagerConfig is invalid/,
    'kubectl -n monitoring logs deploy/prometheus-operator',
  ],
  [
    'NodeHighNumberConntrackEntriesUsed',
    {
      labels: {
        alertname: 'NodeHighNumberConntrackEntriesUsed',
        instance: '10.0.8.5:9100',
        job: 'node-exporter',
      },
      annotations: {
        description: '81.2% of conntrack entries are used.',
        summary: 'Number of conntrack are getting close to the limit.',
      },
    },
    'node-conntrack-full',
    /short-lived connections/,
    'ssh 10.0.8.5',
  ],
  [
    'NodeFileDescriptorLimit',
    {
      labels: { alertname: 'NodeFileDescriptorLimit', instance: '10.0.8.6:9100', job: 'node-exporter' },
      annotations: { description: 'File descriptors limit at 10.0.8.6:9100 is currently at 91.02%.' },
    },
    'node-file-descriptors',
    /leaks file descriptors/,
    'ssh 10.0.8.6',
  ],
  [
    'NodeNetworkInterfaceFlapping',
    {
      labels: { alertname: 'NodeNetworkInterfaceFlapping', instance: '10.0.8.7:9100', device: 'eno1' },
      annotations: {
        description:
          'Network interface "eno1" changing its up status often on node-exporter monitoring/node-exporter-x2',
      },
    },
    'node-network-flapping',
    /cable, transceiver/,
    'ethtool eno1',
  ],
  [
    'High CPU Temperature (a home-grown rule)',
    {
      labels: {
        alertname: 'High CPU Temperature',
        host: 'cobalt',
        instance: 'cobalt:9100',
        severity: 'critical',
      },
      annotations: { summary: 'High CPU core temperature', description: 'CPU core temperature is 94.75C' },
    },
    'host-hardware-errors',
    /Cooling failure/,
    'ssh cobalt',
  ],
  [
    'NodeRAIDDegraded',
    {
      labels: { alertname: 'NodeRAIDDegraded', instance: 'db-3:9100', device: 'md0' },
      annotations: {
        description: "RAID array 'md0' at db-3:9100 is in degraded state due to one or more disks failures.",
      },
    },
    'node-raid-degraded',
    /member disk failed/,
    'mdadm --detail /dev/md0',
  ],
  [
    'NodeSystemdServiceFailed',
    {
      labels: { alertname: 'NodeSystemdServiceFailed', instance: 'bastion:9100', name: 'chronyd.service' },
      annotations: {
        description: 'Systemd service chronyd.service has entered failed state at bastion:9100',
      },
    },
    'node-systemd-unit-failed',
    /exits with an error/,
    'journalctl -u chronyd.service',
  ],
  [
    'NodeTextFileCollectorScrapeError',
    {
      labels: { alertname: 'NodeTextFileCollectorScrapeError', instance: '10.0.8.9:9100' },
      annotations: { description: 'Node Exporter text file collector on 10.0.8.9:9100 failed to scrape.' },
    },
    'node-textfile-error',
    /malformed \.prom file/,
    '10.0.8.9:9100/metrics',
  ],
  [
    'WindowsServerServiceStatus',
    {
      labels: { alertname: 'WindowsServerServiceStatus', instance: 'win-app-01:9182', name: 'w3svc' },
      annotations: {
        summary: 'Windows Server service Status (instance win-app-01:9182)',
        description: awesome('Windows Service state is not OK'),
      },
    },
    'windows-host',
    /crashed or was stopped/,
    'Get-Service w3svc',
  ],
  [
    'PrometheusBadConfig',
    {
      labels: { alertname: 'PrometheusBadConfig', namespace: 'monitoring', pod: 'prometheus-k8s-0' },
      annotations: {
        description: 'Prometheus monitoring/prometheus-k8s-0 has failed to reload its configuration.',
      },
    },
    'prometheus-bad-config',
    /configuration is invalid/,
    'kubectl -n monitoring logs prometheus-k8s-0',
  ],
  [
    'PrometheusTSDBCompactionsFailing',
    {
      labels: {
        alertname: 'PrometheusTSDBCompactionsFailing',
        namespace: 'monitoring',
        pod: 'prometheus-k8s-1',
      },
      annotations: {
        description:
          'Prometheus monitoring/prometheus-k8s-1 has detected 3 compaction failures over the last 3h.',
      },
    },
    'prometheus-tsdb-failing',
    /volume is full/,
    'exec prometheus-k8s-1 -- df -h /prometheus',
  ],
  [
    'PrometheusRemoteWriteBehind',
    {
      labels: {
        alertname: 'PrometheusRemoteWriteBehind',
        pod: 'prometheus-k8s-0',
        namespace: 'monitoring',
        remote_name: 'mimir',
      },
      annotations: {
        description: 'Prometheus monitoring/prometheus-k8s-0 remote write is 142s behind for mimir.',
      },
    },
    'prometheus-remote-write',
    /rejects or throttles/,
    'prometheus_remote_storage_samples_failed_total',
  ],
  [
    'PrometheusRuleFailures',
    {
      labels: {
        alertname: 'PrometheusRuleFailures',
        pod: 'prometheus-k8s-0',
        namespace: 'monitoring',
        rule_group: '/etc/prometheus/rules/app.yaml;app',
      },
      annotations: {
        description: 'Prometheus monitoring/prometheus-k8s-0 has failed to evaluate 12 rules in the last 5m.',
      },
    },
    'prometheus-rule-failures',
    /many-to-many/,
    'kubectl -n monitoring logs prometheus-k8s-0',
  ],
  [
    'AlertmanagerMembersInconsistent',
    {
      labels: {
        alertname: 'AlertmanagerMembersInconsistent',
        namespace: 'monitoring',
        pod: 'alertmanager-main-1',
        service: 'alertmanager-main',
      },
      annotations: {
        description:
          'Alertmanager monitoring/alertmanager-main-1 has only found 1 members of the alertmanager-main cluster.',
      },
    },
    'alertmanager-cluster',
    /gossip/,
    'kubectl -n monitoring get pods',
  ],
  [
    'ThanosCompactHalted',
    {
      labels: {
        alertname: 'ThanosCompactHalted',
        job: 'thanos-compact',
        namespace: 'thanos',
        pod: 'thanos-compact-0',
      },
      annotations: { description: 'Thanos Compact thanos-compact has failed to run and now is halted.' },
    },
    'thanos-compactor',
    /Overlapping or corrupted blocks/,
    'kubectl -n thanos logs thanos-compact-0',
  ],
  [
    'LokiRequestErrors',
    {
      labels: {
        alertname: 'LokiRequestErrors',
        job: 'loki/querier',
        namespace: 'loki',
        route: 'loki_api_v1_query_range',
      },
      annotations: { message: 'loki/querier loki_api_v1_query_range is experiencing 12.50% errors.' },
    },
    'loki-request-errors',
    /Ingesters or queriers overloaded/,
    'kubectl -n loki get pods',
  ],
  [
    'MysqlSlaveSqlThreadNotRunning',
    {
      labels: { alertname: 'MysqlSlaveSqlThreadNotRunning', instance: 'mysql-replica-2:9104', job: 'mysql' },
      annotations: {
        summary: 'MySQL Slave SQL thread not running (instance mysql-replica-2:9104)',
        description: awesome('MySQL Slave SQL thread not running on mysql-replica-2:9104'),
      },
    },
    'mysql-replication-stopped',
    /duplicate key or missing row/,
    'mysql -h mysql-replica-2',
  ],
  [
    'MySQLGaleraOutOfSync',
    {
      labels: { alertname: 'MySQLGaleraOutOfSync', instance: 'galera-1:9104', job: 'mysql' },
      annotations: { description: 'galera-1:9104 is not in sync (5 != 4).' },
    },
    'mysql-galera-group-replication',
    /recovering or was evicted/,
    'wsrep_%',
  ],
  [
    'PostgresqlTooManyDeadTuples',
    {
      labels: {
        alertname: 'PostgresqlTooManyDeadTuples',
        instance: 'pg-orders:9187',
        datname: 'orders',
        relname: 'order_events',
      },
      annotations: { description: awesome('PostgreSQL dead tuples is too large') },
    },
    'postgres-vacuum-bloat',
    /xmin horizon/,
    'psql -h pg-orders -d orders',
  ],
  [
    'PostgresqlUnusedReplicationSlot',
    {
      labels: {
        alertname: 'PostgresqlUnusedReplicationSlot',
        instance: 'pg-main:9187',
        slot_name: 'debezium_orders',
      },
      annotations: { description: awesome('Unused Replication Slots') },
    },
    'postgres-replication-slot',
    /consumer of the slot/,
    'pg_replication_slots',
  ],
  [
    'RedisRejectedConnections',
    {
      labels: { alertname: 'RedisRejectedConnections', instance: 'redis-sessions:9121' },
      annotations: { description: awesome('Some connections to Redis has been rejected') },
    },
    'redis-connections',
    /without pooling/,
    'redis-cli -h redis-sessions',
  ],
  [
    'RedisMissingMaster',
    {
      labels: { alertname: 'RedisMissingMaster', instance: 'redis-ha-0:9121' },
      annotations: { description: awesome('Redis cluster has no node marked as master.') },
    },
    'redis-replication',
    /restarted, or the network/,
    'INFO replication',
  ],
  [
    'MongodbReplicationLag',
    {
      labels: {
        alertname: 'MongodbReplicationLag',
        instance: 'mongo-rs0-1:9216',
        set: 'rs0',
        member: 'mongo-rs0-1:27017',
      },
      annotations: { description: awesome('Mongodb replication lag is more than 10s') },
    },
    'mongodb-replica-set',
    /cannot keep up/,
    'mongosh --host mongo-rs0-1',
  ],
  [
    'ElasticsearchHeapUsageTooHigh',
    {
      labels: {
        alertname: 'ElasticsearchHeapUsageTooHigh',
        instance: 'es-exporter:9114',
        name: 'es-data-2',
        cluster: 'logs',
      },
      annotations: { description: awesome('The heap usage is over 90%') },
    },
    'elasticsearch-heap',
    /Expensive queries/,
    'heap.percent',
  ],
  [
    'ElasticsearchDiskOutOfSpace',
    {
      labels: {
        alertname: 'ElasticsearchDiskOutOfSpace',
        instance: 'es-exporter:9114',
        name: 'es-data-1',
        cluster: 'logs',
      },
      annotations: { description: awesome('The disk usage is over 90%') },
    },
    'elasticsearch-disk-watermark',
    /retention/,
    '_cat/allocation',
  ],
  [
    'ElasticsearchClusterRed',
    {
      labels: { alertname: 'ElasticsearchClusterRed', instance: 'es-exporter:9114', cluster: 'logs' },
      annotations: { description: awesome('Elastic Cluster Red status') },
    },
    'elasticsearch-cluster-health',
    /node left the cluster/,
    '_cluster/allocation/explain',
  ],
  [
    'CassandraManyCompactionTasksArePending',
    {
      labels: { alertname: 'CassandraManyCompactionTasksArePending', instance: 'cass-2:8080' },
      annotations: { description: awesome('Many Cassandra compaction tasks are pending') },
    },
    'cassandra',
    /Disk I\/O cannot keep up/,
    'nodetool compactionstats',
  ],
  [
    'KafkaTopicsReplicas',
    {
      labels: { alertname: 'KafkaTopicsReplicas', topic: 'payments', instance: 'kafka-exporter:9308' },
      annotations: { description: awesome('Kafka topic in-sync partition') },
    },
    'kafka-partitions',
    /broker is down/,
    '--under-replicated-partitions',
  ],
  [
    'OfflinePartitions',
    {
      labels: {
        alertname: 'OfflinePartitions',
        namespace: 'kafka',
        pod: 'prod-kafka-0',
        strimzi_io_cluster: 'prod',
      },
      annotations: {
        summary: 'Kafka has offline partitions',
        description: 'One or more partitions have no leader',
      },
    },
    'kafka-partitions',
    /broker is down/,
    'kubectl -n kafka get pods',
  ],
  [
    'RabbitmqClusterPartition',
    {
      labels: { alertname: 'RabbitmqClusterPartition', instance: 'rabbit-1:9419' },
      annotations: { description: awesome('Cluster partition') },
    },
    'rabbitmq-node-cluster',
    /Erlang distribution/,
    'rabbitmq-diagnostics cluster_status',
  ],
  [
    'RabbitMQMemoryAlarm',
    {
      labels: {
        alertname: 'RabbitMQMemoryAlarm',
        namespace: 'mq',
        pod: 'orders-rabbit-server-0',
        rabbitmq_cluster: 'orders-rabbit',
      },
      annotations: { description: 'RabbitMQ node orders-rabbit-server-0 has triggered the memory alarm.' },
    },
    'rabbitmq-resource-alarm',
    /consumers are slow/,
    'kubectl -n mq exec orders-rabbit-server-0 -- rabbitmq-diagnostics alarms',
  ],
  [
    'HighConnectionChurn',
    {
      labels: { alertname: 'HighConnectionChurn', namespace: 'mq', rabbitmq_cluster: 'orders-rabbit' },
      annotations: {
        description: 'Over the last 5 minutes, 18% of all connections are closed.',
        summary: 'More than 10% of total connections are churning.',
      },
    },
    'rabbitmq-connections',
    /connection per message/,
    'rabbitmq_connections_opened_total',
  ],
  [
    'UnroutableMessages',
    {
      labels: { alertname: 'UnroutableMessages', namespace: 'mq', rabbitmq_cluster: 'orders-rabbit' },
      annotations: {
        description:
          'There were 240 unroutable messages within the last 5 minutes in RabbitMQ cluster orders-rabbit.',
      },
    },
    'rabbitmq-routing-consumers',
    /no binding for the routing key/,
    'list_bindings',
  ],
  [
    'NatsSlowConsumers',
    {
      labels: { alertname: 'NatsSlowConsumers', instance: 'nats-0:7777', server_id: 'NDX3' },
      annotations: { description: awesome('There are slow consumers in NATS') },
    },
    'nats',
    /Subscribers read slower/,
    'connz?sort=pending_bytes',
  ],
  [
    'HaproxyHasNoAliveBackends',
    {
      labels: { alertname: 'HaproxyHasNoAliveBackends', instance: 'lb-1:8405', proxy: 'be_checkout' },
      annotations: { description: awesome('HAProxy has no alive active or backup backends for be_checkout') },
    },
    'proxy-backend-down',
    /backend pods\/servers are down/,
    'haproxy_server_up{proxy="be_checkout"}',
  ],
  [
    'EnvoyHighClusterUpstreamConnectionFailures',
    {
      labels: {
        alertname: 'EnvoyHighClusterUpstreamConnectionFailures',
        instance: '10.4.2.9:9901',
        envoy_cluster_name: 'payments',
      },
      annotations: {
        description: awesome(
          'High rate of upstream connection failures in cluster payments on 10.4.2.9:9901',
        ),
      },
    },
    'proxy-upstream-errors',
    /overloaded, restarting or refusing/,
    'grep payments',
  ],
  [
    'NginxHighHttp4xxErrorRate',
    {
      labels: { alertname: 'NginxHighHttp4xxErrorRate', ingress: 'storefront', namespace: 'shop' },
      annotations: { description: awesome('Too many HTTP requests with status 4xx (> 5%)') },
    },
    'http-4xx',
    /routes or use credentials/,
    'kubectl -n shop describe ingress storefront',
  ],
  [
    'JvmGcTimeHigh (custom name)',
    {
      labels: { alertname: 'JvmGcTimeHigh', namespace: 'shop', pod: 'catalog-6f5d8c7b9d-h4m2p' },
      annotations: { description: 'catalog spends 35% of its time in GC.' },
    },
    'jvm-gc-time',
    /heap is nearly full/,
    'jstat -gcutil',
  ],
  [
    'TomcatThreadPoolExhausted (custom name)',
    {
      labels: {
        alertname: 'TomcatThreadPoolExhausted',
        namespace: 'shop',
        pod: 'legacy-web-7c9d5b8f6d-2xkq4',
      },
      annotations: { description: 'Tomcat busy threads at 200 of 200.' },
    },
    'thread-pool-exhausted',
    /slow dependency/,
    'Thread.print',
  ],
  [
    'etcdMemberCommunicationSlow',
    {
      labels: {
        alertname: 'etcdMemberCommunicationSlow',
        instance: '10.0.1.11:2379',
        job: 'etcd',
        To: '8e9e05c52164694d',
      },
      annotations: {
        description:
          'etcd cluster "etcd": member communication with 8e9e05c52164694d is taking 0.31s on etcd instance 10.0.1.11:2379.',
      },
    },
    'etcd-requests',
    /Network latency or packet loss/,
    'etcdctl endpoint status',
  ],
  [
    'CertManagerHittingRateLimits',
    {
      labels: {
        alertname: 'CertManagerHittingRateLimits',
        host: 'acme-v02.api.letsencrypt.org',
        namespace: 'cert-manager',
      },
      annotations: { description: 'Cert manager hitting LetsEncrypt rate limits.' },
    },
    'cert-manager-rate-limits',
    /retried, or is re-issued/,
    'certificaterequests',
  ],
];

describe('offline catalogue: well-known alert families', () => {
  it.each(FAMILIES)('%s', (_name, spec, id, topCause, step) => {
    expect(signatureOf(spec)).toBe(id);
    const analysis = analyze([alert(spec)]);
    expect(analysis.summary).not.toMatch(/No known signature/);
    expect(analysis.rootCauses[0]?.title).toMatch(topCause);
    // The evidence quotes the alert's own labels and annotation.
    const evidence = analysis.rootCauses[0]?.evidence.join('\n') ?? '';
    expect(evidence).toContain(`\`${spec.labels.alertname}\` firing`);
    expect(analysis.nextSteps.join('\n')).toContain(step);
  });
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
