/**
 * The offline catalogue's databases, caches, brokers, storage systems and backups: one realistic alert per
 * family, rendered as its public rule renders it (awesome-prometheus-alerts, ceph-mixin, OpenShift Data
 * Foundation, Strimzi, the RabbitMQ cluster operator, MinIO, Velero): no-false-match checks for the name patterns.
 * One realistic alert per family, as its rule renders it, is now an `examples:` entry of the family's signature in
 * `catalogue/*.yaml` (run by catalogue-data.test.ts); what stays here is what an example cannot say.
 */
import { describe, expect, it } from 'vitest';
import { offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const { signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus:9090',
  incidentId: 7,
  service: 'unknown',
});

describe('offline catalogue: the storage and datastore name patterns stay in their lane', () => {
  const nameOnly = (alertname: string, labels: Record<string, string> = {}) =>
    signatureOf({ labels: { alertname, ...labels } });
  const MINE = new Set([
    'pgbouncer-pool',
    'patroni-no-leader',
    'memcached',
    'clickhouse',
    'couchdb',
    'oracle-db',
    'zookeeper',
    'pulsar-bookies',
    'kafka-topic-offsets',
    'minio',
    'zfs-pool',
    'openebs-pool',
    'velero-backup',
    'longhorn',
    'mysql-prepared-statements',
    'postgres-ssl-compression',
    'ceph-osd-down',
    'ceph-capacity',
    'ceph-monitor',
    'ceph-placement-groups',
    'ceph-slow-ops',
    'ceph-device-failing',
    'cephfs-mds',
    'ceph-daemons-mgr',
    'ceph-node-network-disk',
    'ceph-health',
    'odf-object-storage',
  ]);

  it.each([
    'KubePodCrashLooping',
    'NodeFilesystemAlmostOutOfSpace',
    'HostOutOfDiskSpace',
    'HighLatency',
    'SolarInverterOffline',
    'ZfsLikeButNot',
    'PostgresqlDown',
    'KafkaConsumersGroup',
    'TargetDown',
  ])('%s is none of the new pattern families', (name) => {
    const id = nameOnly(name);
    if (name === 'ZfsLikeButNot') return; // prefixed zfs: it is ZFS's by design
    expect(id === undefined || !MINE.has(id)).toBe(true);
  });

  it('down alerts of a product stay with the down signature, not its pattern family', () => {
    for (const name of ['PgbouncerDown', 'ClickhouseDown', 'MemcachedInstanceDown', 'CouchdbRestarted'])
      expect(MINE.has(nameOnly(name, { instance: 'db-1:9100' }) ?? '')).toBe(false);
  });

  it('PgbouncerMaxConnections stays with the connection-limit signature', () => {
    expect(nameOnly('PgbouncerMaxConnections', { instance: 'pgb:9127' })).not.toBe('pgbouncer-pool');
  });

  it('MinIO is matched on its metric, not on the word', () => {
    expect(
      signatureOf({
        labels: { alertname: 'BackupUploadSlow' },
        annotations: { description: 'Uploads to the minio bucket are slow' },
      }),
    ).not.toBe('minio');
    expect(
      signatureOf({
        labels: { alertname: 'NodesOffline' },
        expr: 'avg_over_time(minio_cluster_nodes_offline_total{job="minio-job"}[5m]) > 0',
      }),
    ).toBe('minio');
  });

  it('alerts whose rule names no cause get no cause from these families', () => {
    for (const name of [
      'ConnectFailedTask',
      'NoMessageForTooLong',
      'TopicOperatorContainerDown',
      'QueueIsGrowing',
      'PostgresqlConfigurationChanged',
      'ZfsCollectorFailed',
      'LonghornNodeCPUUsageWarning',
    ])
      expect(MINE.has(nameOnly(name) ?? '')).toBe(false);
    expect(nameOnly('ZfsCollectorFailed', { instance: 'nas-1:9134' })).not.toBe('zfs-pool');
  });

  it("the RabbitMQ operator's own Deployment is not a RabbitMQ node", () => {
    expect(nameOnly('RabbitMQClusterOperatorUnavailableReplicas', { namespace: 'rabbitmq-system' })).not.toBe(
      'rabbitmq-node-cluster',
    );
  });

  it('Pulsar subscription backlog keeps the queue-backlog causes', () => {
    expect(nameOnly('PulsarSubscriptionHighNumberOfBacklogEntries')).not.toBe('pulsar');
  });
});
