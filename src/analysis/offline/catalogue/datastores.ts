/**
 * Databases beyond connections, locks and lag: instances down, MySQL replication threads, Galera and group
 * replication, slow queries, PostgreSQL vacuum and replication slots, Redis replication and client limits,
 * MongoDB replica sets, Elasticsearch/OpenSearch heap, disk watermarks and cluster health, Cassandra.
 */

import { type Domain, domainOf } from '../domain.ts';
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, family, hostArg, q } from './family.ts';

const PRODUCT: Partial<Record<Domain, string>> = {
  mysql: 'MySQL',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  mongodb: 'MongoDB',
  elasticsearch: 'Elasticsearch',
  cassandra: 'Cassandra',
};
/** Databases and caches that are no Domain of their own, by name prefix. */
const OTHER_PRODUCTS: readonly [RegExp, string, number][] = [
  [/^memcached/, 'Memcached', 11211],
  [/^clickhouse/, 'ClickHouse', 9000],
  [/^couchdb/, 'CouchDB', 5984],
  [/^sqlserver|^mssql/, 'SQL Server', 1433],
  [/^oracle/, 'Oracle Database', 1521],
];
const otherProduct = (v: AlertView) => OTHER_PRODUCTS.find(([pattern]) => pattern.test(v.key));
const product = (v: AlertView): string =>
  otherProduct(v)?.[1] ?? PRODUCT[domainOf(v) ?? 'postgres'] ?? 'The database';
const isDomain =
  (...domains: Domain[]) =>
  (v: AlertView): boolean => {
    const domain = domainOf(v);
    return domain !== undefined && domains.includes(domain);
  };
const opensearch = (v: AlertView): boolean =>
  v.key.startsWith('opensearch') || /opensearch/.test(v.labels.job ?? '');
const es = (v: AlertView): string => (opensearch(v) ? 'OpenSearch' : 'Elasticsearch');
const esCurl = (v: AlertView, path: string): string =>
  `curl -s ${sh(`${v.instance && !v.instance.includes(':9114') ? `http://${hostArg(v)}:9200` : 'http://<es-host>:9200'}${path}`)}`;
const mysqlCli = (v: AlertView, query: string): string => `mysql -h ${sh(hostArg(v))} -e "${query}"`;
const psql = (v: AlertView, query: string): string =>
  `psql -h ${sh(hostArg(v))}${v.labels.datname ? ` -d ${sh(v.labels.datname)}` : ''} -c "${query}"`;
const redisCli = (v: AlertView, args: string): string => `redis-cli -h ${sh(hostArg(v))} ${args}`;

/** Pattern families of one product decline its down/restart alerts: those are the down signature's. */
const notDown = (v: AlertView): boolean => !/down|restart|unreachable|notup/.test(v.key);

/** A CouchDB endpoint of the alert's host, as one shell word. */
const couchUrl = (v: AlertView, path: string): string => sh(`http://${hostArg(v)}:5984${path}`);

/** A liveness check in the product's own client, for the products that are no Domain. */
function otherPing(v: AlertView): string {
  const host = sh(hostArg(v));
  const name = otherProduct(v)?.[1];
  if (name === 'Memcached')
    return `echo stats | nc -w1 ${host} 11211 | grep -E 'uptime|curr_connections|evictions'`;
  if (name === 'ClickHouse') return `clickhouse-client -h ${host} -q 'SELECT version(), uptime()'`;
  if (name === 'CouchDB') return `curl -s ${couchUrl(v, '/_up')}`;
  if (name === 'SQL Server') return `sqlcmd -S ${host} -Q 'SELECT @@VERSION'`;
  return `lsnrctl status  # on ${host}: is the listener up and the instance registered?`;
}

export const datastoreDown: Signature = family({
  id: 'datastore-down',
  title: 'Database instance down or restarted',
  weight: 86,
  names: [
    'MysqlDown',
    'MysqlRestarted',
    'PostgresqlDown',
    'PostgresqlRestarted',
    'RedisDown',
    'MongodbDown',
    'MongodbServerDown',
    'CassandraNodeIsUnavailable',
    'CassandraNodeDown',
    'ElasticsearchDown',
    'MemcachedDown',
    'ClickhouseNodeDown',
    'CouchdbNodeDown',
    'CouchdbProcessRestarted',
    'SqlServerDown',
    'OracleDbDown',
  ],
  summary: (v) =>
    `${product(v)} on ${q(v.instance ?? v.pod)} ${v.key.includes('restart') ? 'restarted recently' : v.key.includes('exporter') ? 'cannot be read by its exporter' : 'is down or unreachable'} (\`${v.name}\`): its clients fail until it is back.`,
  causes: (v) => [
    [
      'The server process crashed or was killed (OOM kill, full disk, fatal error in its log)',
      0.45,
      'application',
    ],
    ['The host, pod or network path to it is down', 0.3, 'infrastructure'],
    v.key.includes('exporter') || domainOf(v) === 'mysql' || domainOf(v) === 'postgres'
      ? [
          'Only the exporter fails to connect (credentials, max connections, exporter down): the database may be fine',
          0.2,
          'configuration',
        ]
      : ['A failover or planned restart is in progress', 0.15, 'deployment'],
  ],
  steps: (v) => {
    const d = domainOf(v);
    return [
      v.pod
        ? `${kubectl(v.namespace)} describe pod ${sh(v.pod)} | tail -25`
        : v.instance &&
          `nc -zv ${sh(hostArg(v))} ${otherProduct(v)?.[2] ?? (d === 'mysql' ? 3306 : d === 'redis' ? 6379 : d === 'mongodb' ? 27017 : d === 'cassandra' ? 9042 : 5432)}`,
      otherProduct(v)
        ? otherPing(v)
        : d === 'mysql'
          ? mysqlCli(v, "SELECT 1; SHOW GLOBAL STATUS LIKE 'Uptime';")
          : d === 'redis'
            ? redisCli(v, 'PING')
            : d === 'mongodb'
              ? `mongosh --host ${sh(hostArg(v))} --eval 'db.adminCommand({ping: 1})'`
              : d === 'cassandra'
                ? 'nodetool status  # DN = down'
                : psql(v, 'SELECT 1;'),
      'Check the server log around the alert time for the reason it stopped (OOM, disk full, fatal error)',
      v.labels.job && `PromQL: up${sel({ job: v.labels.job })}`,
    ];
  },
});

export const mysqlReplicationBroken: Signature = family({
  id: 'mysql-replication-stopped',
  title: 'MySQL replication stopped',
  weight: 70,
  names: [
    'MysqlSlaveIoThreadNotRunning',
    'MysqlSlaveSqlThreadNotRunning',
    'MySQLReplicationNotRunning',
    'MysqlReplicaIoThreadNotRunning',
    'MysqlReplicaSqlThreadNotRunning',
  ],
  summary: (v) =>
    `Replication on the MySQL replica ${q(v.instance)} has stopped (${v.key.includes('io') ? 'IO thread' : v.key.includes('sql') ? 'SQL thread' : 'IO or SQL thread'}): it no longer receives or applies changes and falls further behind.`,
  causes: (v) =>
    v.key.includes('io')
      ? [
          [
            'The replica cannot reach or authenticate to the primary (network, replication user, TLS)',
            0.45,
            'network',
          ],
          ['The binlog the replica needs was purged on the primary', 0.3, 'data'],
        ]
      : [
          [
            'An event failed to apply: duplicate key or missing row (the replica diverged, someone wrote to it)',
            0.5,
            'data',
          ],
          [
            'Replication was stopped by hand (STOP REPLICA) or a DDL failed on the replica',
            0.25,
            'configuration',
          ],
        ],
  steps: (v) => [
    mysqlCli(v, 'SHOW REPLICA STATUS\\G') +
      '  # Replica_IO_Running, Replica_SQL_Running, Last_IO_Error, Last_SQL_Error',
    'On the primary: SHOW BINARY LOGS;  # is the binlog the replica waits for still there?',
    `PromQL: mysql_slave_status_slave_io_running${sel({ instance: v.instance })}, mysql_slave_status_slave_sql_running${sel({ instance: v.instance })}`,
    'Skipping an event (or re-cloning the replica) loses consistency: decide after reading Last_SQL_Error',
  ],
});

export const mysqlCluster: Signature = family({
  id: 'mysql-galera-group-replication',
  title: 'MySQL Galera / group replication member unhealthy',
  weight: 76,
  names: [
    'MySQLGaleraNotReady',
    'MySQLGaleraOutOfSync',
    'MySQLGaleraDonorFallingBehind',
    'MysqlGroupReplicationMemberNotOnline',
  ],
  namePattern: /galera|wsrep|groupreplication|innodbcluster|pxc/,
  textPattern: /wsrep_|group_replication|replication_group_members/,
  accepts: (v) => domainOf(v) === undefined || domainOf(v) === 'mysql',
  summary: (v) => {
    const galera = /galera|wsrep|pxc/.test(v.key) || v.text.includes('wsrep');
    return `${galera ? 'Galera' : 'Group replication'} member ${q(v.instance ?? v.pod)} is not a healthy, synced member (\`${v.name}\`): it ${galera ? 'may refuse queries or pause the whole cluster with flow control' : "does not accept writes or lags applying the group's transactions"}.`;
  },
  causes: (v) => {
    const queue = /queue|flowcontrol|behind|lag/.test(v.key) || /queue|flow control/.test(v.text);
    const out: CauseSpec[] = [
      [
        'The member is recovering or was evicted: network partition or timeouts to the other members',
        0.4,
        'network',
      ],
      [
        'The member is too slow to apply writes (applier queue grows, flow control pauses the cluster): disk or CPU saturated, large transactions',
        queue ? 0.5 : 0.3,
        'capacity',
      ],
      ['A transaction conflict or inconsistency made the member leave (error in its log)', 0.2, 'data'],
    ];
    return out.sort((a, b) => b[1] - a[1]);
  },
  steps: (v) => [
    mysqlCli(v, "SHOW GLOBAL STATUS LIKE 'wsrep_%';") +
      '  # Galera: wsrep_local_state_comment, wsrep_cluster_size, wsrep_flow_control_paused, wsrep_local_recv_queue',
    mysqlCli(
      v,
      'SELECT MEMBER_HOST, MEMBER_STATE, MEMBER_ROLE FROM performance_schema.replication_group_members; SELECT COUNT_TRANSACTIONS_IN_QUEUE, COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE FROM performance_schema.replication_group_member_stats;',
    ),
    "Read the member's error log for why it left or is recovering (SST/IST, conflicts, timeouts)",
  ],
});

export const slowQueries: Signature = family({
  id: 'db-slow-queries',
  title: 'Database slow queries / busy threads',
  weight: 46,
  names: [
    'MysqlSlowQueries',
    'MysqlHighThreadsRunning',
    'MysqlInnodbLogWaits',
    'PostgreSQLSlowQueries',
    'PostgresqlHighRateStatementTimeout',
    'PostgresqlHighRollbackRate',
    'PostgresqlCommitRateLow',
  ],
  accepts: isDomain('mysql', 'postgres'),
  namePattern: /slowquer|statementtimeout|threadsrunning/,
  deploy: {
    title: () => 'A recent rollout or migration runs new, slower queries (missing index)',
    likelihood: 0.3,
  },
  summary: (v) =>
    `${product(v)} on ${q(v.instance)} is slow or busy (\`${v.name}\`): queries pile up and clients time out.`,
  causes: (v) => [
    ['Queries without a suitable index, or a plan change after data growth', 0.4, 'application'],
    ['The server is saturated: CPU, disk I/O, or buffer pool / shared_buffers too small', 0.3, 'capacity'],
    v.key.includes('logwait')
      ? ['The InnoDB log buffer/redo log is too small for the write rate', 0.3, 'configuration']
      : ['Lock waits: long transactions block others', 0.2, 'data'],
  ],
  steps: (v) =>
    domainOf(v) === 'mysql'
      ? [
          mysqlCli(v, 'SHOW FULL PROCESSLIST;'),
          mysqlCli(
            v,
            'SELECT digest_text, count_star, round(avg_timer_wait/1e12,2) AS avg_s FROM performance_schema.events_statements_summary_by_digest ORDER BY sum_timer_wait DESC LIMIT 10;',
          ),
          `PromQL: rate(mysql_global_status_slow_queries${sel({ instance: v.instance })}[5m]), mysql_global_status_threads_running${sel({ instance: v.instance })}`,
        ]
      : [
          psql(
            v,
            "SELECT pid, now() - query_start AS age, state, wait_event_type, left(query, 100) FROM pg_stat_activity WHERE state <> 'idle' ORDER BY age DESC LIMIT 15;",
          ),
          psql(
            v,
            'SELECT left(query, 100), calls, round(mean_exec_time) AS mean_ms FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10;',
          ),
          'EXPLAIN (ANALYZE, BUFFERS) the slowest query to find the missing index',
        ],
});

export const pgVacuum: Signature = family({
  id: 'postgres-vacuum-bloat',
  title: 'PostgreSQL autovacuum behind (dead tuples, bloat, wraparound)',
  weight: 50,
  names: [
    'PostgresqlTableNotAutoVacuumed',
    'PostgresqlTableNotAutoAnalyzed',
    'PostgresqlTooManyDeadTuples',
    'PostgresqlBloatTableHigh',
    'PostgresqlBloatIndexHigh',
    'PostgresqlTxidWraparound',
    'PostgresqlLowXidConsumption',
    'PostgresqlInvalidIndex',
  ],
  namePattern: /^(?:postgres|pg)\w*(?:vacuum|deadtuple|bloat|wraparound|xid)/,
  summary: (v) =>
    `PostgreSQL on ${q(v.instance)}${v.labels.relname ? `, table \`${v.labels.relname}\`` : ''}: autovacuum is not keeping up (\`${v.name}\`) — tables bloat, queries slow down, and transaction ID wraparound can stop writes.`,
  causes: [
    [
      'A long-running or idle-in-transaction session (or an abandoned replication slot / prepared transaction) holds back the xmin horizon',
      0.45,
      'application',
    ],
    [
      "Autovacuum settings too conservative for the table's write rate (scale factor, cost limit, workers)",
      0.35,
      'configuration',
    ],
  ],
  steps: (v) => [
    psql(
      v,
      'SELECT relname, n_dead_tup, n_live_tup, last_autovacuum, last_autoanalyze FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 10;',
    ),
    psql(
      v,
      'SELECT pid, now() - xact_start AS age, state, left(query, 80) FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY age DESC LIMIT 5;',
    ),
    psql(
      v,
      'SELECT slot_name, active, xmin, catalog_xmin FROM pg_replication_slots; SELECT gid, prepared FROM pg_prepared_xacts;',
    ),
    psql(v, 'SELECT datname, age(datfrozenxid) FROM pg_database ORDER BY 2 DESC;'),
  ],
});

export const pgReplicationSlot: Signature = family({
  id: 'postgres-replication-slot',
  title: 'PostgreSQL replication slot retaining WAL',
  weight: 60,
  names: [
    'PostgresqlUnusedReplicationSlot',
    'PostgresqlReplicationSlotLag',
    'PostgresqlInactiveReplicationSlot',
    'PostgresqlWalRetention',
  ],
  namePattern: /^(?:postgres|pg)\w*(?:replicationslot|walretention)/,
  summary: (v) =>
    `A replication slot${v.labels.slot_name ? ` (\`${v.labels.slot_name}\`)` : ''} on PostgreSQL ${q(v.instance)} is unused or lagging: the primary keeps all WAL since, and its disk fills.`,
  causes: [
    [
      'The consumer of the slot (replica, Debezium/CDC, logical subscriber) is gone or stopped',
      0.6,
      'dependency',
    ],
    ['The consumer is too slow for the write rate', 0.25, 'capacity'],
  ],
  steps: (v) => [
    psql(
      v,
      'SELECT slot_name, slot_type, active, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained FROM pg_replication_slots;',
    ),
    "Drop a slot whose consumer is gone for good: SELECT pg_drop_replication_slot('<slot>');  (the consumer must then resync)",
  ],
});

export const dbTooFewConnections: Signature = family({
  id: 'db-too-few-connections',
  title: 'Database has fewer client connections than expected',
  weight: 35,
  names: ['PostgresqlNotEnoughConnections', 'RedisNotEnoughConnections', 'MongodbNotEnoughConnections'],
  summary: (v) =>
    `${product(v)} on ${q(v.instance)} has fewer client connections than usual: its clients may be down or unable to connect.`,
  causes: [
    [
      'The applications that use it are down, scaled to zero or failing before they connect',
      0.45,
      'application',
    ],
    [
      'Clients cannot reach or authenticate to it (network policy, credentials rotated, pg_hba/ACL)',
      0.35,
      'configuration',
    ],
  ],
  steps: (v) => [
    domainOf(v) === 'redis'
      ? redisCli(v, 'CLIENT LIST | head')
      : psql(
          v,
          'SELECT usename, application_name, client_addr, count(*) FROM pg_stat_activity GROUP BY 1, 2, 3;',
        ),
    'Check the client applications: running, and what their logs say about connecting',
  ],
});

export const redisReplication: Signature = family({
  id: 'redis-replication',
  title: 'Redis replication broken',
  weight: 68,
  names: [
    'RedisMissingMaster',
    'RedisTooManyMasters',
    'RedisDisconnectedSlaves',
    'RedisDisconnectedReplicas',
    'RedisReplicationBroken',
    'RedisClusterFlapping',
    'RedisClusterStateNotOk',
    'RedisReplicationLag',
  ],
  namePattern: /^redis\w*(?:master|slave|replica|replication|cluster|sentinel)/,
  summary: (v) =>
    `Redis replication${v.instance ? ` around \`${v.instance}\`` : ''} is broken (\`${v.name}\`): ${v.key.includes('toomanymasters') ? 'more than one master (split brain) — writes diverge' : v.key.includes('missingmaster') ? 'no master, so writes fail' : 'replicas are disconnected or resyncing'}.`,
  causes: (v) =>
    v.key.includes('toomanymasters')
      ? [
          [
            'A failover happened while the old master was isolated, and it came back as master (split brain)',
            0.5,
            'network',
          ],
          ['Sentinel/operator misconfiguration (quorum, announce addresses)', 0.3, 'configuration'],
        ]
      : [
          ['The master or replica restarted, or the network between them broke', 0.4, 'infrastructure'],
          [
            'Full resyncs keep failing: client-output-buffer-limit for replicas or repl-backlog too small for the write rate',
            0.35,
            'configuration',
          ],
          ['Failover in progress (Sentinel/cluster), or too few masters in the cluster', 0.2, 'deployment'],
        ],
  steps: (v) => [
    redisCli(v, 'INFO replication  # role, connected_slaves, master_link_status, master_sync_in_progress'),
    redisCli(v, 'CLUSTER INFO 2>/dev/null | head -5'),
    `PromQL: redis_connected_slaves${sel({ instance: v.instance })}, count(redis_instance_info{role="master"})`,
    'Look for "Connection with replica lost" / "psync" / "buffer limit" lines in the Redis logs',
  ],
});

export const redisClients: Signature = family({
  id: 'redis-connections',
  title: 'Redis rejecting connections (maxclients)',
  weight: 66,
  names: ['RedisTooManyConnections', 'RedisRejectedConnections', 'RedisTooManyClients'],
  namePattern: /^redis\w*(?:connection|client)|toomanyconnections|rejectedconnections|maxclients/,
  textPattern: /max number of clients reached/,
  accepts: (v) => isDomain('redis')(v) || v.text.includes('max number of clients reached'),
  summary: (v) =>
    `Redis on ${q(v.instance)} ${v.key.includes('rejected') ? 'rejects new client connections' : 'is close to maxclients'}: clients get "max number of clients reached".`,
  causes: [
    [
      'Clients open connections without pooling or leak them (more pods, retries without backoff)',
      0.45,
      'application',
    ],
    ['maxclients (or the file-descriptor limit) is too low for the number of clients', 0.35, 'configuration'],
  ],
  steps: (v) => [
    redisCli(v, `INFO clients; redis-cli -h ${sh(hostArg(v))} CONFIG GET maxclients`),
    redisCli(
      v,
      "CLIENT LIST | awk '{print $2}' | cut -d= -f2 | cut -d: -f1 | sort | uniq -c | sort -rn | head  # connections per client address",
    ),
    `PromQL: redis_connected_clients${sel({ instance: v.instance })} / redis_config_maxclients${sel({ instance: v.instance })}, rate(redis_rejected_connections_total${sel({ instance: v.instance })}[5m])`,
  ],
});

export const redisPersistence: Signature = family({
  id: 'redis-persistence',
  title: 'Redis backups/persistence failing',
  weight: 40,
  names: ['RedisMissingBackup', 'RedisRdbLastSaveFailed', 'RedisAofRewriteFailed'],
  summary: (v) =>
    `Redis on ${q(v.instance)} has not saved a snapshot recently: a restart would lose data since the last save.`,
  causes: [
    [
      'BGSAVE fails: disk full or not writable, or fork fails for lack of memory (overcommit)',
      0.55,
      'resource-exhaustion',
    ],
    ['Persistence is disabled or the save schedule changed', 0.3, 'configuration'],
  ],
  steps: (v) => [
    redisCli(v, 'INFO persistence  # rdb_last_bgsave_status, rdb_last_save_time, aof_last_write_status'),
    redisCli(v, 'CONFIG GET save'),
  ],
});

export const mongoReplication: Signature = family({
  id: 'mongodb-replica-set',
  title: 'MongoDB replica set unhealthy or lagging',
  weight: 66,
  names: [
    'MongodbReplicaMemberUnhealthy',
    'MongodbReplicationLag',
    'MongodbReplicationHeadroom',
    'MongodbReplicationStatus3',
    'MongodbReplicationStatus6',
    'MongodbReplicationStatus8',
    'MongodbReplicationStatus9',
    'MongodbReplicationStatus10',
  ],
  namePattern: /^mongo\w*(?:replica|replication|member|oplog)/,
  summary: (v) =>
    `MongoDB replica set${v.labels.set ? ` \`${v.labels.set}\`` : ''}: member ${q(v.labels.member ?? v.instance)} is unhealthy or lagging (\`${v.name}\`) — reads from it are stale and it may fall off the oplog.`,
  causes: [
    [
      "The secondary cannot keep up with the primary's writes (disk I/O, CPU, large batch writes)",
      0.4,
      'capacity',
    ],
    [
      'The member is down, recovering or cannot reach the others (network, DNS, keyfile)',
      0.35,
      'infrastructure',
    ],
    [
      'The oplog window is too small for the write rate (headroom): a lagging member needs a full resync',
      0.2,
      'configuration',
    ],
  ],
  steps: (v) => [
    `mongosh --host ${sh(hostArg(v))} --eval 'rs.status().members.map(m => [m.name, m.stateStr, m.optimeDate, m.health])'`,
    `mongosh --host ${sh(hostArg(v))} --eval 'rs.printSecondaryReplicationInfo(); rs.printReplicationInfo()'`,
    `PromQL: mongodb_rs_members_optimeDate${sel({ instance: v.instance })}`,
  ],
});

export const mongoResources: Signature = family({
  id: 'mongodb-resources',
  title: 'MongoDB connections, cursors or memory',
  weight: 50,
  names: [
    'MongodbTooManyConnections',
    'MongodbNumberCursorsOpen',
    'MongodbCursorsTimeouts',
    'MongodbVirtualMemoryUsage',
    'MongodbTooManyCursors',
  ],
  namePattern: /^mongo/,
  summary: (v) =>
    `MongoDB on ${q(v.instance)}: \`${v.name}\` — clients are close to being refused or the server is short of memory.`,
  causes: (v) =>
    v.key.includes('cursor')
      ? [
          [
            'The application opens cursors and does not exhaust or close them (no batch limit, abandoned iterations)',
            0.55,
            'application',
          ],
          ['Long queries time out and leave cursors behind', 0.25, 'application'],
        ]
      : v.key.includes('memory')
        ? [
            [
              'WiredTiger cache and connections use more memory than the host has (cache size too large for the container)',
              0.5,
              'capacity',
            ],
          ]
        : [
            [
              'Client connection pools add up beyond the connection limit (more pods, big pools)',
              0.45,
              'capacity',
            ],
            ['A connection leak in a client', 0.3, 'application'],
          ],
  steps: (v) => [
    `mongosh --host ${sh(hostArg(v))} --eval 'db.serverStatus().connections; db.serverStatus().metrics.cursor'`,
    `mongosh --host ${sh(hostArg(v))} --eval 'db.currentOp({active: true, secs_running: {$gt: 5}})'`,
  ],
});

export const esHeap: Signature = family({
  id: 'elasticsearch-heap',
  title: 'Elasticsearch/OpenSearch heap pressure',
  weight: 64,
  names: [
    'ElasticsearchHeapUsageTooHigh',
    'ElasticsearchHeapUsageWarning',
    'ElasticsearchHeapTooHigh',
    'OpensearchHeapUsageTooHigh',
    'ElasticsearchJVMHeapUseHigh',
  ],
  namePattern: /^(?:elasticsearch|opensearch|es)\w*(?:heap|jvm|memory|circuitbreak|breakerstripped)/,
  summary: (v) =>
    `${es(v)} node ${q(v.labels.name ?? v.labels.node ?? v.instance)} is short of JVM heap: long GC pauses, circuit-breaker rejections ("Data too large"), then the node may drop out.`,
  causes: [
    [
      'Expensive queries/aggregations (large terms aggs, deep pagination) or fielddata on text fields',
      0.4,
      'application',
    ],
    [
      'Too many shards per node for its heap (each shard costs heap), or the heap is too small',
      0.35,
      'capacity',
    ],
    ['Heavy indexing bulk requests queueing on the node', 0.2, 'capacity'],
  ],
  steps: (v) => [
    esCurl(v, '/_cat/nodes?v&h=name,heap.percent,ram.percent,cpu,load_1m,node.role&s=heap.percent:desc'),
    `${esCurl(v, '/_nodes/stats/breaker?pretty')} | grep -E '"(tripped|estimated_size)"'`,
    `${esCurl(v, '/_cat/shards?v')} | wc -l  # shards in the cluster`,
    `${esCurl(v, '/_tasks?detailed&actions=*search*&pretty')} | head -50`,
  ],
});

export const esDisk: Signature = family({
  id: 'elasticsearch-disk-watermark',
  title: 'Elasticsearch/OpenSearch disk watermark',
  weight: 72,
  names: [
    'ElasticsearchDiskOutOfSpace',
    'ElasticsearchDiskSpaceLow',
    'ElasticsearchDiskWatermarkReached',
    'OpensearchDiskOutOfSpace',
    'OpensearchDiskSpaceLow',
  ],
  namePattern: /^(?:elasticsearch|opensearch|es)\w*(?:disk|watermark|space)/,
  textPattern: /flood[- ]stage|disk watermark|index read-only \/ allow delete|cluster_block_exception/,
  summary: (v) =>
    `${es(v)} node ${q(v.labels.name ?? v.labels.node ?? v.instance)} is low on disk: past the high watermark shards move away, past flood-stage its indices turn read-only and writes fail.`,
  causes: [
    ['Data grows faster than expected: retention (ILM/ISM policy) not deleting old indices', 0.45, 'data'],
    ['Shards are unevenly balanced, or the cluster is simply out of disk capacity', 0.3, 'capacity'],
    ['A node left, and its replicas were rebuilt onto the others', 0.15, 'infrastructure'],
  ],
  steps: (v) => [
    esCurl(v, '/_cat/allocation?v&s=disk.percent:desc'),
    `${esCurl(v, '/_cat/indices?v&s=store.size:desc&h=index,store.size,creation.date.string')} | head -20`,
    esCurl(v, '/_cluster/settings?include_defaults=true&filter_path=**.watermark*&pretty'),
    'After freeing space, clear the read-only block: PUT /_all/_settings {"index.blocks.read_only_allow_delete": null} (automatic since 7.4)',
  ],
});

export const esHealth: Signature = family({
  id: 'elasticsearch-cluster-health',
  title: 'Elasticsearch/OpenSearch cluster red/yellow',
  weight: 78,
  names: [
    'ElasticsearchClusterRed',
    'ElasticsearchClusterYellow',
    'ElasticsearchClusterNotHealthy',
    'ElasticsearchHealthyNodes',
    'ElasticsearchHealthyDataNodes',
    'ElasticsearchTooFewNodesRunning',
    'ElasticsearchUnassignedShards',
    'ElasticsearchRelocatingShards',
    'ElasticsearchRelocatingShardsTooLong',
    'ElasticsearchInitializingShards',
    'ElasticsearchInitializingShardsTooLong',
    'OpensearchClusterRed',
    'OpensearchClusterYellow',
  ],
  namePattern: /^(?:elasticsearch|opensearch)\w*(?:red|yellow|health|shard|nodes)/,
  summary: (v) => {
    const red = v.key.includes('red') || v.labels.color === 'red';
    return `${es(v)} cluster${v.labels.cluster ? ` \`${v.labels.cluster}\`` : ''} is ${red ? 'RED: some primary shards are unassigned, so part of the data is unavailable and writes to it fail' : v.key.includes('yellow') ? 'YELLOW: replica shards are unassigned, so there is no redundancy' : 'degraded'} (\`${v.name}\`).`;
  },
  causes: (v) => {
    const red = v.key.includes('red');
    return [
      [
        'A node left the cluster (crash, OOM, network, restart) and its shards are not allocated',
        red ? 0.45 : 0.4,
        'infrastructure',
      ],
      [
        'Shards cannot be allocated: disk watermark reached, allocation filtering, too few nodes for the replica count',
        0.35,
        'capacity',
      ],
      ...(red
        ? ([['Corrupted or lost primary shard data (no replica to promote)', 0.15, 'data']] as const)
        : []),
    ];
  },
  steps: (v) => [
    esCurl(v, '/_cluster/health?pretty'),
    esCurl(v, '/_cat/shards?v&h=index,shard,prirep,state,unassigned.reason,node') +
      ' | grep -v STARTED | head -20',
    esCurl(v, '/_cluster/allocation/explain?pretty'),
    esCurl(v, '/_cat/nodes?v'),
  ],
});

export const esIndexing: Signature = family({
  id: 'elasticsearch-indexing',
  title: 'Elasticsearch/OpenSearch indexing stalled or queued',
  weight: 44,
  names: [
    'ElasticsearchPendingTasks',
    'ElasticsearchNoNewDocuments',
    'ElasticsearchHighIndexingLatency',
    'ElasticsearchHighIndexingRate',
    'ElasticsearchHighQueryLatency',
    'ElasticsearchHighQueryRate',
    'ElasticsearchThreadPoolRejections',
    'ElasticsearchBulkRejections',
  ],
  namePattern: /^(?:elasticsearch|opensearch)/,
  summary: (v) =>
    `${es(v)}${v.labels.cluster ? ` \`${v.labels.cluster}\`` : ''}: \`${v.name}\` — indexing or searches are stalled, queued or rejected.`,
  causes: (v) =>
    v.key.includes('nonewdocuments')
      ? [
          [
            'The log/data shippers stopped sending (Logstash, Beats, Fluentd down or blocked)',
            0.5,
            'dependency',
          ],
          [
            'Indexing is blocked: read-only index (flood-stage) or mapping errors reject documents',
            0.3,
            'configuration',
          ],
        ]
      : [
          [
            'The cluster is overloaded: write/search thread pools queue and reject (too few or saturated data nodes)',
            0.45,
            'capacity',
          ],
          [
            'The master is slow: too many shards or mapping updates pile up as pending tasks',
            0.3,
            'configuration',
          ],
        ],
  steps: (v) => [
    esCurl(v, '/_cat/thread_pool/write,search?v&h=node_name,name,active,queue,rejected'),
    `${esCurl(v, '/_cluster/pending_tasks?pretty')} | head -40`,
    `${esCurl(v, '/_cat/indices?v&s=creation.date:desc')} | head -10`,
  ],
});

export const cassandra: Signature = family({
  id: 'cassandra',
  title: 'Cassandra node struggling (compactions, blocked tasks, request failures)',
  weight: 58,
  names: [
    'CassandraManyCompactionTasksArePending',
    'CassandraCompactionTaskPending',
    'CassandraCommitlogPendingTasks',
    'CassandraCompactionExecutorBlockedTasks',
    'CassandraFlushWriterBlockedTasks',
    'CassandraRepairPending',
    'CassandraRepairBlocked',
    'CassandraHintsCount',
    'CassandraConnectionTimeoutsTotal',
    'CassandraStorageExceptions',
    'CassandraTombstoneDump',
    'CassandraClientRequestUnavailableWrite',
    'CassandraClientRequestUnavailableRead',
    'CassandraClientRequestWriteFailure',
    'CassandraClientRequestReadFailure',
    'CassandraWriteFailures',
    'CassandraReadFailures',
    'CassandraRepairPendingTasks',
    'CassandraRepairBlockedTasks',
    'CassandraBadHacker',
    'CassandraCacheHitRateKeyCache',
    'CassandraViewwriteLatency',
  ],
  namePattern: /^cassandra/,
  summary: (v) =>
    `Cassandra on ${q(v.instance ?? v.labels.cassandra_node)}: \`${v.name}\` — the node falls behind or requests fail.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('badhacker') || v.key.includes('authfailure')
      ? [
          ['A client uses wrong or rotated credentials and retries in a loop', 0.5, 'configuration'],
          ['Someone is trying to guess passwords against the CQL port', 0.3, 'network'],
        ]
      : v.key.includes('cachehitrate')
        ? [
            ['The key cache is too small for the working set (key_cache_size_in_mb)', 0.45, 'configuration'],
            [
              'The read pattern changed: reads scan many partitions/SSTables (full scans, new queries)',
              0.35,
              'application',
            ],
          ]
        : v.key.includes('viewwrite')
          ? [
              [
                'Materialized views amplify writes: every base-table write reads and writes the view replicas',
                0.45,
                'application',
              ],
              ['Replicas of the view are slow or down (disk I/O, GC)', 0.35, 'capacity'],
            ]
          : v.key.includes('tombstone')
            ? [
                [
                  'A data model or delete pattern creates many tombstones (queues, TTL-heavy tables), scanned by reads',
                  0.55,
                  'data',
                ],
              ]
            : v.key.includes('unavailable') || v.key.includes('hints') || v.key.includes('timeout')
              ? [
                  [
                    'Replicas are down or unreachable: not enough for the consistency level',
                    0.45,
                    'infrastructure',
                  ],
                  ['Nodes overloaded (GC pauses, disk) so requests time out', 0.3, 'capacity'],
                ]
              : [
                  ['Disk I/O cannot keep up with writes: compactions and flushes queue', 0.45, 'capacity'],
                  [
                    'Compaction strategy or throughput settings wrong for the workload',
                    0.25,
                    'configuration',
                  ],
                  ["Long GC pauses block the node's thread pools", 0.2, 'application'],
                ],
  steps: () => [
    'nodetool status; nodetool tpstats | grep -vE "^\\s*0\\s"  # pending/blocked tasks',
    'nodetool compactionstats; nodetool proxyhistograms',
    'grep -E "GCInspector|tombstone|Timeout" /var/log/cassandra/system.log | tail -20',
  ],
});

export const mysqlPreparedStatements: Signature = family({
  id: 'mysql-prepared-statements',
  title: 'MySQL prepared statements near max_prepared_stmt_count',
  weight: 44,
  names: ['MysqlHighPreparedStatementsUtilization', 'MysqlHighPreparedStatementsUtilization(>80%)'],
  summary: (v) =>
    `MySQL on ${q(v.instance)} holds nearly max_prepared_stmt_count prepared statements: new PREPAREs fail with "Can't create more than max_prepared_stmt_count statements".`,
  causes: [
    [
      'The application or its driver prepares statements and never deallocates them (statement leak)',
      0.55,
      'application',
    ],
    [
      'max_prepared_stmt_count too low for connections × statements cached per connection',
      0.3,
      'configuration',
    ],
  ],
  steps: (v) => [
    mysqlCli(
      v,
      "SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'; SHOW VARIABLES LIKE 'max_prepared_stmt_count';",
    ),
    mysqlCli(
      v,
      'SELECT t.PROCESSLIST_USER, t.PROCESSLIST_HOST, count(*) FROM performance_schema.prepared_statements_instances p JOIN performance_schema.threads t ON t.THREAD_ID = p.OWNER_THREAD_ID GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10;',
    ),
  ],
});

export const pgSslCompression: Signature = family({
  id: 'postgres-ssl-compression',
  title: 'PostgreSQL connections use SSL compression',
  weight: 30,
  names: ['PostgresqlSslCompressionActive'],
  summary: (v) =>
    `PostgreSQL on ${q(v.instance)} accepts connections with SSL compression: it adds jitter to replication delay and is a known TLS weakness (CRIME).`,
  causes: [
    [
      'Replicas or clients connect with sslcompression=1 (primary_conninfo / recovery.conf, old libpq)',
      0.6,
      'configuration',
    ],
    ['The server OpenSSL build still allows TLS compression', 0.25, 'configuration'],
  ],
  steps: (v) => [
    psql(
      v,
      'SELECT a.pid, a.usename, a.client_addr, a.application_name FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.compression;',
    ),
    'On each replica set sslcompression=0 in primary_conninfo (recovery.conf / postgresql.auto.conf) and reload',
  ],
});

export const pgbouncerPool: Signature = family({
  id: 'pgbouncer-pool',
  title: 'PgBouncer pool saturated: clients waiting for a server connection',
  weight: 62,
  names: [
    'PgbouncerServerConnectionSaturationCritical',
    'PgbouncerServerConnectionSaturationWarning',
    'PgbouncerActiveConnections',
    'PgbouncerClientsWaitingForConnection',
    'PgbouncerHighClientWaitTime',
    'PgbouncerErrors',
  ],
  namePattern: /^pgbouncer/,
  // max_client_conn reached is a client-side connection limit: the connections signature explains it.
  accepts: (v) => notDown(v) && !/maxconnections|maxclient/.test(v.key),
  deploy: {
    title: () =>
      'A recent rollout holds server connections longer (slower queries, longer transactions, more pods)',
    likelihood: 0.25,
  },
  summary: (v) =>
    `PgBouncer on ${q(v.instance)}${v.labels.database ? `, pool \`${v.labels.database}\`${v.labels.user ? `/\`${v.labels.user}\`` : ''}` : ''}: \`${v.name}\` — ${v.key.includes('errors') ? 'PgBouncer logs errors: clients or server connections fail' : 'clients queue for a server connection and time out'}.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('errors')
      ? [
          [
            'PostgreSQL behind it restarted or is unreachable, so server connections fail or are closed',
            0.45,
            'dependency',
          ],
          [
            'Clients fail to log in (wrong credentials, unknown database/user in auth_file or userlist)',
            0.3,
            'configuration',
          ],
          ['An admin ran commands on the PgBouncer console (PAUSE, KILL, RECONNECT)', 0.15, 'deployment'],
        ]
      : [
          [
            'Slow queries or long/idle-in-transaction sessions hold the server connections of the pool',
            0.4,
            'application',
          ],
          [
            'pool_size / max_db_connections / max_user_connections too small for the number of clients',
            0.35,
            'configuration',
          ],
          [
            'PostgreSQL behind it is slow or at max_connections, so new server connections fail',
            0.2,
            'dependency',
          ],
        ],
  steps: (v) => [
    `psql -h ${sh(hostArg(v))} -p 6432 -U pgbouncer pgbouncer -c 'SHOW POOLS;'  # cl_waiting, sv_active, maxwait`,
    `psql -h ${sh(hostArg(v))} -p 6432 -U pgbouncer pgbouncer -c 'SHOW CONFIG;' | grep -E 'pool_size|max_client_conn|max_db_connections|max_user_connections|pool_mode'`,
    psql(
      v,
      "SELECT pid, now() - xact_start AS xact_age, state, left(query, 80) FROM pg_stat_activity WHERE state <> 'idle' ORDER BY xact_age DESC NULLS LAST LIMIT 10;",
    ),
  ],
});

export const patroniLeader: Signature = family({
  id: 'patroni-no-leader',
  title: 'Patroni cluster has no leader',
  weight: 84,
  names: ['PatroniHasNoLeader'],
  namePattern: /^patroni\w*(?:leader|unlocked|primary|master)/,
  summary: (v) =>
    `Patroni cluster ${q(v.labels.scope ?? v.labels.cluster)} has no leader (neither primary nor standby leader): writes fail until one is elected.`,
  causes: [
    [
      'The DCS (etcd, Consul, ZooKeeper or the Kubernetes API) is unreachable, so no member can hold the leader lock',
      0.45,
      'dependency',
    ],
    [
      'The primary failed and no replica is eligible (lag beyond maximum_lag_on_failover, nofailover tags, replicas down)',
      0.35,
      'infrastructure',
    ],
    ['The cluster is paused (maintenance mode) or failover is otherwise blocked', 0.15, 'configuration'],
  ],
  steps: (v) => [
    `patronictl -c /etc/patroni/patroni.yml list ${v.labels.scope ? sh(v.labels.scope) : ''}`.trim(),
    'Read the Patroni log of each member for DCS errors ("failed to update leader lock", "Error communicating with DCS")',
    'Check the DCS health: etcdctl endpoint health / consul members / kubectl get endpoints -l application=spilo',
  ],
});

export const memcached: Signature = family({
  id: 'memcached',
  title: 'Memcached connections, memory or evictions',
  weight: 48,
  names: [
    'MemcachedConnectionLimitApproaching(>80%)',
    'MemcachedConnectionLimitApproaching(>95%)',
    'MemcachedConnectionsRejected',
    'MemcachedOutOfMemoryErrors',
    'MemcachedMemoryUsageHigh(>90%)',
    'MemcachedHighEvictionRate',
    'MemcachedLowCacheHitRate(<80%)',
    'MemcachedItemsTooLarge',
  ],
  namePattern: /^memcached/,
  accepts: notDown,
  summary: (v) => `Memcached on ${q(v.instance)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('connection'))
      return [
        [
          'Clients open too many connections: no pooling, more app instances, connection leak',
          0.5,
          'application',
        ],
        ['The connection limit (-c, max_connections) is too low for the clients', 0.35, 'configuration'],
      ];
    if (v.key.includes('toolarge'))
      return [
        [
          'The application stores values bigger than the item size limit (-I, 1 MB by default)',
          0.6,
          'application',
        ],
      ];
    if (v.key.includes('hitrate'))
      return [
        ['Items are evicted early because the cache is too small for the working set', 0.4, 'capacity'],
        [
          'The application changed its keys or TTLs, or the cache is cold after a restart or a new node',
          0.35,
          'application',
        ],
      ];
    return [
      ['The memory limit (-m) is too small for the working set', 0.5, 'capacity'],
      [
        'Slab imbalance: memory is held by slab classes of other item sizes (slab_reassign/automove off)',
        0.25,
        'configuration',
      ],
      ['Eviction is disabled (-M), so full slabs return out-of-memory errors', 0.15, 'configuration'],
    ];
  },
  steps: (v) => [
    `echo stats | nc -w1 ${sh(hostArg(v))} 11211 | grep -E 'curr_connections|max_connections|rejected|limit_maxbytes|bytes |evictions|get_hits|get_misses'`,
    `echo 'stats slabs' | nc -w1 ${sh(hostArg(v))} 11211 | tail -5`,
    `PromQL: rate(memcached_items_evicted_total${sel({ instance: v.instance })}[5m]), memcached_current_connections${sel({ instance: v.instance })}`,
  ],
});

const chClient = (v: AlertView, query: string): string =>
  `clickhouse-client -h ${sh(hostArg(v))} -q "${query}"`;

export const clickhouse: Signature = family({
  id: 'clickhouse',
  title: 'ClickHouse memory, disk, replicas, ZooKeeper or inserts',
  weight: 60,
  names: [
    'ClickhouseMemoryUsageCritical',
    'ClickhouseMemoryUsageWarning',
    'ClickhouseDiskSpaceLowOnDefault',
    'ClickhouseDiskSpaceCriticalOnDefault',
    'ClickhouseDiskSpaceLowOnBackups',
    'ClickhouseReplicaErrors',
    'ClickhouseNoAvailableReplicas',
    'ClickhouseNoLiveReplicas',
    'ClickhouseHighNetworkTraffic',
    'ClickhouseHighNetworkUsage',
    'ClickhouseHighTcpConnections',
    'ClickhouseInterserverConnectionIssues',
    'ClickhouseZookeeperConnectionIssues',
    'ClickhouseZookeeperHardwareException',
    'ClickhouseAuthenticationFailures',
    'ClickhouseAccessDeniedErrors',
    'ClickhouseRejectedInsertQueries',
    'ClickhouseDelayedInsertQueries',
    'ClickhouseDistributedRejectedInserts',
  ],
  namePattern: /^clickhouse/,
  accepts: notDown,
  summary: (v) => `ClickHouse on ${q(v.instance ?? v.pod)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    const k = v.key;
    if (k.includes('distributedrejected'))
      return [
        [
          'Inserts into a Distributed table queue up because remote shards are slow or unreachable',
          0.5,
          'dependency',
        ],
        ['Insert rate too high for the shards to absorb (pending bytes limit reached)', 0.3, 'capacity'],
      ];
    if (k.includes('insert'))
      return [
        [
          'Too many small INSERTs create parts faster than merges combine them ("Too many parts")',
          0.55,
          'application',
        ],
        ['Merges are slow: disk I/O saturated or background pool too small', 0.25, 'capacity'],
        ['Partitioning too fine-grained, so each insert touches many partitions', 0.15, 'configuration'],
      ];
    if (k.includes('zookeeper'))
      return [
        ['The ZooKeeper/ClickHouse Keeper ensemble is down or lost quorum', 0.45, 'dependency'],
        ['Network timeouts or session expiry between ClickHouse and ZooKeeper', 0.35, 'network'],
        [
          'ZooKeeper overloaded by replication metadata (many parts, many replicated tables)',
          0.15,
          'capacity',
        ],
      ];
    if (k.includes('replica'))
      return [
        ['Replicas are down or lost their ZooKeeper session (tables go read-only)', 0.45, 'infrastructure'],
        ['The replication queue is stuck or a replica fell far behind (stale)', 0.3, 'data'],
        ['Network problems between replicas (interserver port 9009)', 0.2, 'network'],
      ];
    if (k.includes('memory'))
      return [
        [
          'Heavy queries (large GROUP BY / JOIN, high-cardinality aggregations) without max_memory_usage limits',
          0.45,
          'application',
        ],
        ['Memory limit too small for merges, caches and concurrent queries', 0.35, 'capacity'],
      ];
    if (k.includes('backups'))
      return [
        ['Old backups are not rotated on the backups disk', 0.55, 'data'],
        ['The backups disk is too small for the growing dataset', 0.3, 'capacity'],
      ];
    if (k.includes('disk'))
      return [
        ['Data grows without TTL or partition drops; detached/old parts are kept', 0.45, 'data'],
        ['Merges need temporary free space and the volume is too small', 0.3, 'capacity'],
        ['system.*_log tables (query_log, trace_log) grow without TTL', 0.15, 'configuration'],
      ];
    if (k.includes('authentication') || k.includes('accessdenied'))
      return [
        [
          k.includes('accessdenied')
            ? 'A user lacks the GRANT for the table/resource it uses (role or grant changed)'
            : 'A client uses wrong or rotated credentials',
          0.5,
          'configuration',
        ],
        ['Unauthorized access attempts against an exposed port', 0.25, 'network'],
      ];
    if (k.includes('tcp'))
      return [
        ['Clients open many connections without pooling (or a leak)', 0.45, 'application'],
        ['Distributed queries fan out many interserver connections', 0.3, 'application'],
      ];
    return [
      ['Heavy distributed queries or replica fetches move much data between servers', 0.45, 'application'],
      ['A replica is re-fetching parts after it was down or lost data', 0.3, 'data'],
    ];
  },
  steps: (v) => [
    /insert|disk/.test(v.key)
      ? chClient(
          v,
          'SELECT database, table, count() AS parts, formatReadableSize(sum(bytes_on_disk)) AS size FROM system.parts WHERE active GROUP BY database, table ORDER BY parts DESC LIMIT 10',
        )
      : /replica|zookeeper/.test(v.key)
        ? chClient(
            v,
            'SELECT database, table, is_readonly, is_session_expired, absolute_delay, queue_size FROM system.replicas ORDER BY absolute_delay DESC LIMIT 10',
          )
        : chClient(
            v,
            'SELECT query_id, user, elapsed, formatReadableSize(memory_usage) AS mem, left(query, 80) FROM system.processes ORDER BY memory_usage DESC LIMIT 10',
          ),
    /disk/.test(v.key) &&
      chClient(
        v,
        'SELECT name, formatReadableSize(free_space), formatReadableSize(total_space) FROM system.disks',
      ),
    chClient(v, 'SELECT name, value FROM system.errors ORDER BY last_error_time DESC LIMIT 10'),
  ],
});

export const couchdb: Signature = family({
  id: 'couchdb',
  title: 'CouchDB resources, errors or replication',
  weight: 46,
  names: [
    'CouchdbAtomMemoryUsageCritical',
    'CouchdbOpenDatabasesCritical',
    'CouchdbOpenOsFilesCritical',
    'Couchdb5xxErrorRatioHigh',
    'CouchdbTemporaryViewReadRateCritical',
    'CouchdbMangoQueriesScanningTooManyDocs',
    'CouchdbMangoQueriesFailedDueToInvalidIndex',
    'CouchdbMangoDocsExaminedHigh',
    'CouchdbReplicatorManagerDied',
    'CouchdbReplicatorQueueProcessDied',
    'CouchdbReplicatorReaderProcessDied',
    'CouchdbReplicatorFailedToStart',
    'CouchdbReplicationClusterUnstable',
    'CouchdbReplicationReadFailures',
    'CouchdbFileDescriptorsHigh',
    'CouchdbCriticalLogEntries',
  ],
  namePattern: /^couchdb/,
  accepts: notDown,
  summary: (v) => `CouchDB on ${q(v.instance)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    const k = v.key;
    if (k.includes('mango') || k.includes('temporaryview'))
      return [
        [
          'Queries without a matching index scan whole databases (missing or invalid index)',
          0.55,
          'application',
        ],
        [
          'Temporary views/ad-hoc queries used in production instead of design-document views',
          0.25,
          'application',
        ],
      ];
    if (k.includes('replicat'))
      return [
        [
          'The replication source or target is unreachable or rejects credentials (network, auth, deleted database)',
          0.45,
          'dependency',
        ],
        ['Cluster membership changes (nodes joining/leaving) restart the replicator', 0.3, 'infrastructure'],
      ];
    if (k.includes('openosfiles') || k.includes('filedescriptor') || k.includes('opendatabases'))
      return [
        [
          'Many databases/shards open at once (max_dbs_open too high for the file limit, many q shards)',
          0.45,
          'capacity',
        ],
        ['The process open-file limit (ulimit -n) is too low', 0.35, 'configuration'],
      ];
    if (k.includes('atom'))
      return [
        [
          'The application creates dynamic atoms (e.g. many unique database names) until the atom table fills',
          0.5,
          'application',
        ],
      ];
    return [
      ['A node of the cluster is down or overloaded, so requests fail', 0.4, 'infrastructure'],
      ['Disk full or slow under the database files', 0.3, 'resource-exhaustion'],
      [
        'Application requests that CouchDB rejects or times out on (large documents, expensive views)',
        0.2,
        'application',
      ],
    ];
  },
  steps: (v) => [
    `curl -s ${couchUrl(v, '/_up')}; curl -s -u admin ${couchUrl(v, '/_membership')}`,
    `curl -s -u admin ${couchUrl(v, '/_scheduler/jobs')} | head -50`,
    `curl -s -u admin ${couchUrl(v, '/_node/_local/_system')} | jq '{open_os_files, process_count, memory}'`,
  ],
});

export const oracleDb: Signature = family({
  id: 'oracle-db',
  title: 'Oracle Database tablespace, sessions or waits',
  weight: 52,
  names: [
    'OracleDbTablespaceFull(>95%)',
    'OracleDbTablespaceReachingCapacity(>85%)',
    'OracleDbSessionsReachingLimit(>85%)',
    'OracleDbProcessesReachingLimit(>85%)',
    'OracleDbHighUserRollbacks',
    'OracleDbTooManyActiveSessions',
    'OracleDbHighWaitTime(userI/o)',
  ],
  namePattern: /^oracledb/,
  accepts: notDown,
  summary: (v) =>
    `Oracle Database on ${q(v.instance)}${v.labels.tablespace ? `, tablespace \`${v.labels.tablespace}\`` : ''}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    const k = v.key;
    if (k.includes('tablespace'))
      return [
        ['Data growth with autoextend off or datafiles at their max size', 0.5, 'capacity'],
        ['Old data never purged (no partition drops / archiving)', 0.3, 'data'],
      ];
    if (k.includes('session') || k.includes('process'))
      return [
        [
          'Application connection pools add up beyond SESSIONS/PROCESSES (more instances, leaked sessions)',
          0.5,
          'application',
        ],
        ['Sessions pile up waiting on locks or slow I/O', 0.3, 'application'],
        ['The SESSIONS/PROCESSES parameters are too low for the workload', 0.15, 'configuration'],
      ];
    if (k.includes('rollback'))
      return [
        [
          'Application errors abort transactions (constraint violations, deadlocks, timeouts)',
          0.55,
          'application',
        ],
      ];
    return [
      ['Storage behind the datafiles is slow or saturated', 0.45, 'capacity'],
      ['Queries doing large full scans (missing index, bad plan)', 0.35, 'application'],
    ];
  },
  steps: () => [
    'sqlplus / as sysdba <<< "SELECT tablespace_name, round(used_percent,1) FROM dba_tablespace_usage_metrics ORDER BY 2 DESC;"',
    "sqlplus / as sysdba <<< \"SELECT resource_name, current_utilization, max_utilization, limit_value FROM v\\$resource_limit WHERE resource_name IN ('sessions','processes');\"",
    'sqlplus / as sysdba <<< "SELECT event, count(*) FROM v\\$session WHERE wait_class <> \'Idle\' GROUP BY event ORDER BY 2 DESC;"',
  ],
});

export const sqlServerDeadlock: Signature = family({
  id: 'sqlserver-deadlock',
  title: 'SQL Server deadlocks',
  weight: 50,
  names: ['SqlServerDeadlock'],
  summary: (v) =>
    `SQL Server on ${q(v.instance)} reports deadlocks: one transaction of each pair is rolled back with error 1205.`,
  causes: [
    ['Transactions take locks on the same tables/rows in different orders', 0.5, 'application'],
    ['Missing indexes make queries scan and lock more rows than needed', 0.3, 'application'],
  ],
  steps: (v) => [
    `sqlcmd -S ${sh(hostArg(v))} -Q "SELECT XEvent.query('(event/data/value/deadlock)[1]') FROM (SELECT CAST(target_data AS XML) AS TargetData FROM sys.dm_xe_session_targets st JOIN sys.dm_xe_sessions s ON s.address = st.event_session_address WHERE s.name = 'system_health' AND st.target_name = 'ring_buffer') AS Data CROSS APPLY TargetData.nodes('RingBufferTarget/event[@name=\\"xml_deadlock_report\\"]') AS XEventData(XEvent)"`,
  ],
});

export const datastoreSignatures: Signature[] = [
  datastoreDown,
  mysqlReplicationBroken,
  mysqlCluster,
  slowQueries,
  pgVacuum,
  pgReplicationSlot,
  dbTooFewConnections,
  redisReplication,
  redisClients,
  redisPersistence,
  mongoReplication,
  esHeap,
  esDisk,
  esHealth,
  esIndexing,
  cassandra,
  mongoResources,
  mysqlPreparedStatements,
  pgSslCompression,
  pgbouncerPool,
  patroniLeader,
  memcached,
  clickhouse,
  couchdb,
  oracleDb,
  sqlServerDeadlock,
];
