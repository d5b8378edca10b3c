/**
 * The offline catalogue's databases, caches, brokers, storage systems and backups: one realistic alert per
 * family, rendered as its public rule renders it (awesome-prometheus-alerts, ceph-mixin, OpenShift Data
 * Foundation, Strimzi, the RabbitMQ cluster operator, MinIO, Velero), asserting the signature and that the
 * top cause is the one the rule's runbook names first — plus no-false-match checks for the name patterns.
 */
import { describe, expect, it } from 'vitest';
import type { AlertSpec } from '../support/incidents.ts';
import { awesomeDescription, offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const { alert, analyze, signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus:9090',
  incidentId: 7,
  service: 'unknown',
});
/** awesome-prometheus-alerts appends the value and labels to every description. */
const awesome = awesomeDescription;

// [name, alert, signature id, top cause, text a next step contains]
const FAMILIES: [string, AlertSpec, string, RegExp, string][] = [
  [
    'PostgresqlSslCompressionActive',
    {
      labels: { alertname: 'PostgresqlSslCompressionActive', instance: 'pg-main:9187', severity: 'critical' },
      annotations: {
        summary: 'Postgresql SSL compression active (instance pg-main:9187)',
        description: awesome(
          'Database allows connections with SSL compression enabled. This may add significant jitter in replication delay. Replicas should turn off SSL compression via `sslcompression=0` in `recovery.conf`.',
        ),
      },
      expr: 'sum(pg_stat_ssl_compression) > 0',
    },
    'postgres-ssl-compression',
    /sslcompression=1/,
    'psql -h pg-main',
  ],
  [
    'PgbouncerClientsWaitingForConnection',
    {
      labels: {
        alertname: 'PgbouncerClientsWaitingForConnection',
        instance: 'pgbouncer-0:9127',
        database: 'orders',
        user: 'app',
      },
      annotations: {
        summary: 'PGBouncer clients waiting for connection (instance pgbouncer-0:9127)',
        description: awesome(
          '34 client connections are queued in pool orders/app waiting for a server connection, indicating pool exhaustion.',
        ),
      },
      expr: 'pgbouncer_pools_client_waiting_connections > 20',
    },
    'pgbouncer-pool',
    /Slow queries or long\/idle-in-transaction/,
    'SHOW POOLS',
  ],
  [
    'PatroniHasNoLeader',
    {
      labels: { alertname: 'PatroniHasNoLeader', scope: 'billing-pg', severity: 'critical' },
      annotations: {
        summary: 'Patroni has no Leader (instance 10.0.3.4:8008)',
        description: awesome(
          'A leader node (neither primary nor standby) cannot be found inside the cluster billing-pg',
        ),
      },
    },
    'patroni-no-leader',
    /DCS/,
    'patronictl -c /etc/patroni/patroni.yml list billing-pg',
  ],
  [
    'MysqlHighPreparedStatementsUtilization(>80%)',
    {
      labels: { alertname: 'MysqlHighPreparedStatementsUtilization(>80%)', instance: 'mysql-1:9104' },
      annotations: { description: awesome('High utilization of prepared statements (>80%) on mysql-1:9104') },
    },
    'mysql-prepared-statements',
    /never deallocates/,
    'mysql -h mysql-1',
  ],
  [
    'MemcachedHighEvictionRate',
    {
      labels: { alertname: 'MemcachedHighEvictionRate', instance: 'memcached-2:9150' },
      annotations: {
        summary: 'Memcached high eviction rate (instance memcached-2:9150)',
        description: awesome(
          'Memcached is evicting items at a high rate on memcached-2:9150 (31 evictions/s)',
        ),
      },
    },
    'memcached',
    /memory limit \(-m\)/,
    'nc -w1 memcached-2 11211',
  ],
  [
    'ClickhouseRejectedInsertQueries',
    {
      labels: { alertname: 'ClickhouseRejectedInsertQueries', instance: 'ch-0:9363' },
      annotations: {
        summary: 'ClickHouse rejected insert queries (instance ch-0:9363)',
        description: awesome('INSERTs rejected due to too many active data parts. Reduce insert frequency.'),
      },
    },
    'clickhouse',
    /Too many small INSERTs/,
    'clickhouse-client -h ch-0',
  ],
  [
    'CouchdbMangoQueriesScanningTooManyDocs',
    {
      labels: { alertname: 'CouchdbMangoQueriesScanningTooManyDocs', instance: 'couch-1:9984' },
      annotations: {
        description: awesome('Some Mango queries are scanning too many documents, consider adding indexes'),
      },
    },
    'couchdb',
    /without a matching index/,
    'couch-1:5984',
  ],
  [
    'OracleDbTablespaceFull(>95%)',
    {
      labels: { alertname: 'OracleDbTablespaceFull(>95%)', instance: 'ora-1:9161', tablespace: 'USERS' },
      annotations: {
        description: awesome(
          'Oracle Database tablespace USERS is critically full on ora-1:9161 (current value: 97%)',
        ),
      },
    },
    'oracle-db',
    /autoextend/,
    'dba_tablespace_usage_metrics',
  ],
  [
    'SqlServerDeadlock',
    {
      labels: { alertname: 'SqlServerDeadlock', instance: 'mssql-1:4000' },
      annotations: { description: awesome('SQL Server is having some deadlock.') },
    },
    'sqlserver-deadlock',
    /different orders/,
    'sqlcmd -S mssql-1',
  ],
  [
    'ZookeeperRunningOutOfSpace',
    {
      labels: {
        alertname: 'ZookeeperRunningOutOfSpace',
        namespace: 'kafka',
        persistentvolumeclaim: 'data-events-zookeeper-0',
      },
      annotations: {
        summary: 'Zookeeper is running out of free disk space',
        description: 'There are only 4123456789 bytes available at data-events-zookeeper-0 PVC',
      },
    },
    'zookeeper',
    /autopurge/,
    'kubectl -n kafka get pods -o wide | grep -i zookeeper',
  ],
  [
    'ZookeeperMissingLeader',
    {
      labels: { alertname: 'ZookeeperMissingLeader', instance: 'zk-1:9141' },
      annotations: { description: awesome('Zookeeper cluster has no node marked as leader') },
    },
    'zookeeper',
    /quorum is lost/,
    'echo srvr | nc -w2 zk-1 2181',
  ],
  [
    'KafkaTopicOffsetDecreased',
    {
      labels: {
        alertname: 'KafkaTopicOffsetDecreased',
        topic: 'payments',
        partition: '3',
        instance: 'burrow:8500',
      },
      annotations: { description: awesome('Kafka topic offset has decreased') },
    },
    'kafka-topic-offsets',
    /re-created/,
    '--topic payments',
  ],
  [
    'PulsarReadOnlyBookies',
    {
      labels: { alertname: 'PulsarReadOnlyBookies', pod: 'pulsar-bookie-2', namespace: 'pulsar' },
      annotations: { description: awesome('Observing Readonly Bookies') },
    },
    'pulsar-bookies',
    /ledger disks are filling/,
    'listbookies -ro',
  ],
  [
    'CephOSDDown',
    {
      labels: { alertname: 'CephOSDDown', namespace: 'rook-ceph', severity: 'warning', type: 'ceph_default' },
      annotations: {
        summary: 'An OSD has been marked down',
        description: '1 OSD down for over 5mins. The following OSD is down: - osd.7 on storage-node-3',
      },
      expr: 'ceph_health_detail{name="OSD_DOWN"} == 1',
    },
    'ceph-osd-down',
    /disk behind the OSD failed/,
    'kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph osd tree down',
  ],
  [
    'CephOSDFlapping',
    {
      labels: {
        alertname: 'CephOSDFlapping',
        ceph_daemon: 'osd.12',
        hostname: 'stor-2',
        instance: '10.0.0.9:9283',
      },
      annotations: {
        summary: 'Network issues are causing OSDs to flap (mark each other down)',
        description:
          'OSD osd.12 on stor-2 was marked down and back up 3 times once a minute for 5 minutes. This may indicate a network issue (latency, packet loss, MTU mismatch) on the cluster network, or the public network if no cluster network is deployed. Check the network stats on the listed host(s).',
      },
    },
    'ceph-osd-down',
    /Network problems on the Ceph/,
    'ceph health detail',
  ],
  [
    'CephOSDNearFull',
    {
      labels: { alertname: 'CephOSDNearFull', namespace: 'openshift-storage', severity: 'warning' },
      annotations: {
        summary: 'OSD(s) running low on free space (NEARFULL)',
        description:
          "One or more OSDs have reached the NEARFULL threshold. Use 'ceph health detail' and 'ceph osd df' to identify the problem. To resolve, add capacity to the affected OSD's failure domain, restore down/out OSDs, or delete unwanted data.",
      },
    },
    'ceph-capacity',
    /needs more OSDs/,
    'ceph osd df tree',
  ],
  [
    'CephMonClockSkew',
    {
      labels: { alertname: 'CephMonClockSkew', namespace: 'rook-ceph' },
      annotations: {
        summary: 'Clock skew detected among monitors',
        description:
          "Ceph monitors rely on closely synchronized time to maintain quorum and cluster consistency. This event indicates that the time on at least one mon has drifted too far from the lead mon. Review cluster status with ceph -s. This will show which monitors are affected. Check the time sync status on each monitor host with 'ceph time-sync-status' and the state and peers of your ntpd or chrony daemon.",
      },
    },
    'ceph-monitor',
    /NTP\/chrony/,
    'ceph time-sync-status',
  ],
  [
    'CephMonDownQuorumAtRisk',
    {
      labels: { alertname: 'CephMonDownQuorumAtRisk', namespace: 'rook-ceph', severity: 'critical' },
      annotations: {
        summary: 'Monitor quorum is at risk',
        description:
          'Quorum requires a majority of monitors (x 2) to be active. Without quorum the cluster will become inoperable, affecting all services and connected clients. The following monitors are down: - mon.b on node-2',
      },
    },
    'ceph-monitor',
    /monitor daemon or its pod\/host is down/,
    'app=rook-ceph-mon',
  ],
  [
    'CephPGsDamaged',
    {
      labels: { alertname: 'CephPGsDamaged', namespace: 'rook-ceph', severity: 'critical' },
      annotations: {
        summary: 'Placement group damaged, manual intervention needed',
        description:
          "During data consistency checks (scrub), at least one PG has been flagged as being damaged or inconsistent. Check to see which PG is affected, and attempt a manual repair if necessary. To list problematic placement groups, use 'rados list-inconsistent-pg <pool>'. To repair PGs use the 'ceph pg repair <pg_num>' command.",
      },
    },
    'ceph-placement-groups',
    /failing disk returned bad data/,
    'rados list-inconsistent-pg',
  ],
  [
    'CephPGsInactive',
    {
      labels: { alertname: 'CephPGsInactive', name: 'replicapool', pool_id: '2', instance: '10.0.0.9:9283' },
      annotations: {
        summary: 'One or more placement groups are inactive',
        description:
          '4 PGs have been inactive for more than 5 minutes in pool replicapool. Inactive placement groups are not able to serve read/write requests.',
      },
    },
    'ceph-placement-groups',
    /below min_size/,
    'pg dump_stuck',
  ],
  [
    'CephSlowOps',
    {
      labels: { alertname: 'CephSlowOps', namespace: 'rook-ceph' },
      annotations: {
        summary: 'OSD operations are slow to complete',
        description: '12 OSD requests are taking too long to process (osd_op_complaint_time exceeded)',
      },
    },
    'ceph-slow-ops',
    /slow or failing OSD disk/,
    'ceph osd perf',
  ],
  [
    'CephDeviceFailurePredicted',
    {
      labels: { alertname: 'CephDeviceFailurePredicted', namespace: 'rook-ceph' },
      annotations: {
        summary: 'Device(s) predicted to fail soon',
        description:
          "The device health module has determined that one or more devices will fail soon. To review device status use 'ceph device ls'.",
      },
    },
    'ceph-device-failing',
    /wearing out/,
    'ceph device ls',
  ],
  [
    'CephFilesystemOffline',
    {
      labels: { alertname: 'CephFilesystemOffline', namespace: 'rook-ceph', severity: 'critical' },
      annotations: {
        summary: 'CephFS filesystem is offline',
        description:
          'All MDS ranks are unavailable. The MDS daemons managing metadata are down, rendering the filesystem offline.',
      },
    },
    'cephfs-mds',
    /MDS daemons crashed/,
    'ceph fs status',
  ],
  [
    'CephMgrPrometheusModuleInactive',
    {
      labels: { alertname: 'CephMgrPrometheusModuleInactive', instance: 'ceph-mgr:9283', job: 'ceph' },
      annotations: {
        summary: 'The mgr/prometheus module is not available',
        description:
          'The mgr/prometheus module at ceph-mgr:9283 is unreachable. This could mean that the module has been disabled or the mgr daemon itself is down.',
      },
    },
    'ceph-daemons-mgr',
    /mgr daemon\/pod is down/,
    'ceph mgr module ls',
  ],
  [
    'CephNodeInconsistentMTU',
    {
      labels: { alertname: 'CephNodeInconsistentMTU', instance: 'stor-4:9100', device: 'eth1' },
      annotations: {
        summary: 'MTU settings across Ceph hosts are inconsistent',
        description:
          'Node stor-4:9100 has a different MTU size (1500) than the median of devices named eth1.',
      },
    },
    'ceph-node-network-disk',
    /Jumbo frames/,
    'ip -s link show eth1',
  ],
  [
    'CephClusterErrorState',
    {
      labels: { alertname: 'CephClusterErrorState', namespace: 'openshift-storage', severity: 'critical' },
      annotations: {
        description: 'Storage cluster is in error state for more than 10m.',
        message: 'Storage cluster is in error state',
      },
    },
    'ceph-health',
    /OSDs are down or out/,
    'kubectl -n openshift-storage exec deploy/rook-ceph-tools -- ceph health detail',
  ],
  [
    'ObcQuotaBytesAlert',
    {
      labels: { alertname: 'ObcQuotaBytesAlert', namespace: 'openshift-storage', obc_name: 'logs-bucket' },
      annotations: {
        description:
          'ObjectBucketClaim logs-bucket has crossed 80% of the size limit set by the quota(bytes)',
      },
    },
    'odf-object-storage',
    /ObjectBucketClaim quota/,
    'get cephobjectstore,obc',
  ],
  [
    'MinioClusterDiskOffline',
    {
      labels: { alertname: 'MinioClusterDiskOffline', instance: 'minio-0:9000', job: 'minio' },
      annotations: { description: awesome('Minio cluster disk is offline') },
    },
    'minio',
    /drive failed or is unmounted/,
    'mc admin info',
  ],
  [
    'DisksOffline (MinIO docs)',
    {
      labels: { alertname: 'DisksOffline', job: 'minio-job' },
      annotations: { summary: 'Disks down in MinIO deployment' },
      expr: 'avg_over_time(minio_cluster_drive_offline_total{job="minio-job"}[5m]) > 0',
    },
    'minio',
    /drive failed or is unmounted/,
    'mc admin info',
  ],
  [
    'ZfsPoolUnhealthy',
    {
      labels: { alertname: 'ZfsPoolUnhealthy', instance: 'nas-1:9134', pool: 'tank' },
      annotations: { description: awesome('ZFS pool state is 1. See comments for more information.') },
    },
    'zfs-pool',
    /disk in the pool failed/,
    "ssh nas-1 'zpool status -x",
  ],
  [
    'OpenebsLvmVolumeGroupMissingPhysicalVolume',
    {
      labels: {
        alertname: 'OpenebsLvmVolumeGroupMissingPhysicalVolume',
        instance: 'worker-5:9500',
        vg_name: 'lvmvg',
      },
      annotations: {
        description: awesome(
          'OpenEBS LVM LocalPV volume group worker-5:9500 is missing 1 underlying physical volume(s), which puts data at risk of loss.',
        ),
      },
    },
    'openebs-pool',
    /disk under the volume group failed/,
    "ssh worker-5 'vgs",
  ],
  [
    'VeleroBackupPartialFailures',
    {
      labels: { alertname: 'VeleroBackupPartialFailures', schedule: 'nightly', namespace: 'velero' },
      annotations: { message: 'Velero backup nightly has 2 partially failed backups.' },
      expr: 'velero_backup_partial_failure_total{schedule!=""} > 1',
    },
    'velero-backup',
    /Volume backups fail/,
    'velero backup-location get',
  ],
  [
    'VeleroBackupFailure',
    {
      labels: { alertname: 'VeleroBackupFailure', schedule: 'daily', instance: 'velero:8085' },
      annotations: {
        summary: 'Velero backup failures detected.',
        description:
          'Backup failures detected on velero:8085. This could lead to data loss or inability to recover in case of a disaster.',
      },
    },
    'velero-backup',
    /backup storage location is unavailable/,
    'velero backup get',
  ],
  [
    'MemcachedDown',
    {
      labels: { alertname: 'MemcachedDown', instance: 'memcached-0:9150' },
      annotations: { description: awesome('Memcached instance is down on memcached-0:9150') },
    },
    'datastore-down',
    /crashed or was killed/,
    'echo stats | nc -w1 memcached-0 11211',
  ],
  [
    'CassandraBadHacker',
    {
      labels: { alertname: 'CassandraBadHacker', instance: 'cass-2:8080' },
      annotations: { description: awesome('Increase of Cassandra authentication failures') },
    },
    'cassandra',
    /wrong or rotated credentials/,
    'nodetool status',
  ],
  [
    'RabbitMQ operator MemoryAlarm',
    {
      labels: { alertname: 'MemoryAlarm', rabbitmq_cluster: 'events', namespace: 'rabbitmq' },
      annotations: {
        description: 'RabbitMQ cluster `events` memory alarm active. Publishers are blocked.',
        summary: 'A RabbitMQ node reached the `vm_memory_high_watermark` threshold.',
      },
    },
    'rabbitmq-resource-alarm',
    /consumers are slow or absent/,
    'rabbitmq-diagnostics alarms',
  ],
  [
    'CephOSDDiskNotResponding',
    {
      labels: {
        alertname: 'CephOSDDiskNotResponding',
        namespace: 'openshift-storage',
        device: '/dev/sdb',
        host: 'worker-2',
      },
      annotations: {
        description: 'Disk device /dev/sdb not responding, on host worker-2.',
        message: 'Disk not responding',
      },
    },
    'ceph-osd-down',
    /network problem between the OSD host/,
    'ceph osd tree down',
  ],
  [
    'CephDataRecoveryTakingTooLong',
    {
      labels: { alertname: 'CephDataRecoveryTakingTooLong', namespace: 'openshift-storage' },
      annotations: {
        description: 'Data recovery has been active for too long. Contact Support.',
        message: 'Data recovery is slow',
      },
    },
    'ceph-placement-groups',
    /OSDs are down or flapping/,
    'pg dump_stuck',
  ],
  [
    'CephMdsCpuUsageHigh',
    {
      labels: {
        alertname: 'CephMdsCpuUsageHigh',
        namespace: 'openshift-storage',
        ceph_daemon: 'mds.ocs-storagecluster-cephfilesystem-a',
      },
      annotations: {
        description:
          'Ceph metadata server pod (rook-ceph-mds-ocs-storagecluster-cephfilesystem-a) has high cpu usage',
        message: 'Ceph metadata server pod has high cpu usage',
      },
    },
    'cephfs-mds',
    /exceed the MDS CPU allocation/,
    'ceph fs status',
  ],
  [
    'KafkaUncleanLeaderElection',
    {
      labels: { alertname: 'KafkaUncleanLeaderElection', instance: 'kafka-1:7071', job: 'kafka' },
      annotations: { description: 'Unclean leader election detected on kafka-1:7071' },
    },
    'kafka-partitions',
    /unclean leader election/,
    'kafka-topics.sh',
  ],
  [
    'LonghornVolumeStatusWarning',
    {
      labels: {
        alertname: 'LonghornVolumeStatusWarning',
        volume: 'pvc-3f2a',
        node: 'worker-1',
        severity: 'warning',
      },
      annotations: {
        description: 'Longhorn volume pvc-3f2a on worker-1 is Degraded for more than 5 minutes.',
        summary: 'Longhorn volume pvc-3f2a is Degraded',
      },
      expr: 'longhorn_volume_robustness == 2',
    },
    'longhorn',
    /node or disk holding replicas failed/,
    'longhornvolume=pvc-3f2a',
  ],
];

describe('offline catalogue: databases, brokers, storage and backups', () => {
  it.each(FAMILIES)('%s', (_name, spec, id, topCause, step) => {
    expect(signatureOf(spec)).toBe(id);
    const analysis = analyze([alert(spec)]);
    expect(analysis.summary).not.toMatch(/No known signature/);
    expect(analysis.rootCauses[0]?.title).toMatch(topCause);
    const likelihoods = analysis.rootCauses.map((cause) => cause.likelihood);
    expect([...likelihoods].sort((a, b) => b - a)).toEqual(likelihoods);
    expect(analysis.rootCauses[0]?.evidence.join('\n')).toContain(`\`${spec.labels.alertname}\` firing`);
    expect(analysis.nextSteps.join('\n')).toContain(step);
  });
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
