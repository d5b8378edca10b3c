/**
 * Services and their dependencies: HTTP errors and latency, databases (connections, locks, replication),
 * queues, DNS, Redis, the JVM.
 */
import type { ProposedAction } from '../../schema.ts';
import { type Domain, domainIn, domainOf } from '../domain.ts';
import { alertEvidence, cause, hostOf, kubectl, listOf, runbookStep, sel, sh, steps } from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';

const MYSQL = /mysql|mariadb/;

/** Domains with signatures of their own: the generic HTTP error and latency signatures leave them alone. */
const OWN_DOMAINS: ReadonlySet<Domain> = new Set<Domain>([
  'prometheus',
  'alertmanager',
  'thanos',
  'loki',
  'etcd',
  'coredns',
  'mysql',
  'postgres',
  'redis',
  'mongodb',
  'elasticsearch',
  'cassandra',
  'kafka',
  'rabbitmq',
  'nats',
]);
const notOwnDomain = (view: AlertView): boolean => {
  const domain = domainOf(view);
  return domain === undefined || !OWN_DOMAINS.has(domain);
};

const more = (ctx: SignatureContext, what: string): string =>
  ctx.alerts.length > 1 ? ` ${ctx.alerts.length} alerts in all, ${what}.` : '';

/** What an HTTP alert is about: the service, ingress, backend or job label. */
function endpointOf(view: AlertView): string | undefined {
  const l = view.labels;
  return l.service ?? l.ingress ?? l.backend ?? l.upstream ?? l.host ?? l.route ?? l.deployment ?? l.job;
}

const exprStep = (view: AlertView, what: string): string | null =>
  view.expr ? `Re-run the alert's own query ${what}: ${view.expr}` : null;

export const http5xx: Signature = {
  id: 'http-5xx',
  role: 'symptom',
  title: 'High HTTP 5xx error rate',
  weight: 64,
  names: [
    'NginxHighHttp5xxErrorRate',
    'TraefikServiceHighHttp5xxErrorRate',
    'HAProxyHighHttp5xxErrorRate',
    'HighErrorRate',
  ],
  namePattern: /5xx|errorrate|higherror|httperror|servererror|errorratio|errorsratio|errorshigh/,
  textPattern: /\b5xx\b|internal server error|bad gateway|service unavailable|gateway timeout|error rate/,
  accepts: notOwnDomain,
  deploy: {
    title: (ctx) =>
      `A recent rollout of \`${ctx.primary.deployment ?? endpointOf(ctx.primary) ?? 'the service'}\` returns errors`,
    likelihood: 0.35,
    rollback: true,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const target = endpointOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `\`${target ?? v.name}\`${v.namespace ? ` in \`${v.namespace}\`` : ''} answers a high share of requests with HTTP 5xx errors.${more(ctx, `targets ${listOf(ctx.alerts, endpointOf)}`)}`,
      causes: [
        cause('Backend pods failing (crashing, not ready, or overloaded)', 0.4, 'application', evidence),
        cause(
          'A dependency of the service (database, downstream API) fails or times out',
          0.35,
          'dependency',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        exprStep(v, 'broken down by status code and route'),
        v.deployment
          ? `${k} logs deployment/${sh(v.deployment)} --since=30m | grep -iE 'error|exception|timeout' | tail -50`
          : `${k} get pods -o wide | grep -v Running`,
        `${k} get events --sort-by=.lastTimestamp | tail -20`,
        v.deployment && `${k} rollout history deployment/${sh(v.deployment)}`,
        runbookStep(v),
      ),
    };
  },
};

export const highLatency: Signature = {
  id: 'high-latency',
  role: 'symptom',
  title: 'High latency',
  weight: 44,
  names: [
    'NginxLatencyHigh',
    'BlackboxSlowProbe',
    'HighLatency',
    'TraefikServiceHighLatency',
    'BlackboxProbeSlowHttp',
    'BlackboxProbeSlowPing',
  ],
  namePattern: /latency|slowrequest|slowprobe|requestduration|responsetime|slowresponse/,
  accepts: notOwnDomain,
  deploy: {
    title: (ctx) =>
      `A recent rollout of \`${ctx.primary.deployment ?? endpointOf(ctx.primary) ?? 'the service'}\` is slower`,
    likelihood: 0.25,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const target = endpointOf(v) ?? v.instance;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `\`${target ?? v.name}\`${v.namespace ? ` in \`${v.namespace}\`` : ''} responds slowly (\`${v.name}\`).${more(ctx, `targets ${listOf(ctx.alerts, (a) => endpointOf(a) ?? a.instance)}`)}`,
      causes: [
        cause(
          'Saturation: the service is CPU-throttled, overloaded or at its max replicas',
          0.4,
          'capacity',
          evidence,
        ),
        cause(
          'A slow dependency (database, downstream API) adds latency',
          0.35,
          'dependency',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        exprStep(v, 'per route and per pod'),
        v.namespace && `${k} top pods --sort-by=cpu | head -15`,
        v.deployment && `${k} get hpa | grep ${sh(v.deployment)}`,
        'Compare the latency of its dependencies (database query time, downstream p99) over the same window',
        runbookStep(v),
      ),
    };
  },
};

export const dbConnections: Signature = {
  id: 'db-too-many-connections',
  title: 'Database connections exhausted',
  weight: 68,
  names: [
    'PostgresqlTooManyConnections',
    'MysqlTooManyConnections',
    'PgbouncerMaxClientConnections',
    'PostgreSQLMaxConnectionsReached',
    'PostgreSQLHighConnections',
  ],
  namePattern: /toomanyconnections|connectionsexhausted|maxconnections|toomanyclients/,
  // Redis, MongoDB, RabbitMQ… have connection limits too, with their own signatures.
  accepts: domainIn('mysql', 'postgres'),
  textPattern: /too many connections|too many clients|remaining connection slots are reserved/,
  deploy: {
    title: () => 'A recent rollout opens more connections (bigger pool, leak, more replicas)',
    likelihood: 0.25,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const mysql = MYSQL.test(v.key) || MYSQL.test(v.labels.job ?? '');
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `${mysql ? 'MySQL' : 'PostgreSQL'} on \`${v.instance ?? '?'}\` is close to max_connections: new clients get "too many connections" and fail.`,
      causes: [
        cause(
          'Client connection pools add up beyond max_connections (more replicas, bigger pools)',
          0.45,
          'capacity',
          evidence,
        ),
        cause(
          'Connection leak or idle-in-transaction sessions holding connections',
          0.35,
          'application',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: mysql
        ? steps(
            `mysql -h ${host ? sh(host) : '<host>'} -e "SHOW VARIABLES LIKE 'max_connections'; SHOW STATUS LIKE 'Threads_connected'; SHOW FULL PROCESSLIST;"`,
            `PromQL: mysql_global_status_threads_connected${sel({ instance: v.instance })} / mysql_global_variables_max_connections${sel({ instance: v.instance })}`,
            runbookStep(v),
          )
        : steps(
            `psql -h ${host ? sh(host) : '<host>'} -c "SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 20;"`,
            `psql -h ${host ? sh(host) : '<host>'} -c "SELECT pid, now() - xact_start AS age, query FROM pg_stat_activity WHERE state = 'idle in transaction' ORDER BY age DESC LIMIT 20;"`,
            `PromQL: sum(pg_stat_activity_count${sel({ instance: v.instance })}) / max(pg_settings_max_connections${sel({ instance: v.instance })})`,
            'Consider a pooler (PgBouncer) in front, or smaller per-pod pools',
            runbookStep(v),
          ),
    };
  },
};

export const dbLocks: Signature = {
  id: 'db-locks',
  title: 'Database locks piling up',
  weight: 64,
  names: ['PostgresqlTooManyLocksAcquired', 'PostgresqlDeadLocks', 'PostgresqlHighRateDeadlock'],
  namePattern: /^(?:postgres|pg)\w*(?:deadlock|toomanylocks|lockwait)/,
  textPattern: /deadlock detected|max_locks_per_transaction|pg_locks_count/,
  deploy: {
    title: () => 'A recent rollout or migration runs long transactions or takes heavy locks',
    likelihood: 0.25,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const psql = `psql -h ${host ? sh(host) : '<host>'}${v.labels.datname ? ` -d ${sh(v.labels.datname)}` : ''}`;
    const deadlocks = v.key.includes('deadlock') || v.text.includes('deadlock');
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: deadlocks
        ? `PostgreSQL on \`${v.instance ?? '?'}\` reports deadlocks (\`${v.name}\`): transactions wait on each other and one of them is aborted each time.`
        : `PostgreSQL on \`${v.instance ?? '?'}\` holds an unusually large share of its lock table (\`${v.name}\`): once it is full, queries fail with "out of shared memory".`,
      causes: deadlocks
        ? [
            cause(
              'Transactions lock the same rows or tables in different orders',
              0.55,
              'application',
              evidence,
            ),
            cause(
              'Long transactions hold their locks too long, widening the window for conflicts',
              0.3,
              'application',
              evidence.slice(0, 1),
            ),
          ]
        : [
            cause(
              'Long-running or idle-in-transaction sessions hold many locks (batch jobs, migrations, a stuck client)',
              0.45,
              'application',
              evidence,
            ),
            cause(
              'Transactions touch many tables or partitions: max_locks_per_transaction × max_connections too small',
              0.3,
              'configuration',
              evidence.slice(0, 1),
            ),
            cause(
              'Lock contention: sessions queue behind one blocker (DDL, an explicit LOCK TABLE)',
              0.2,
              'data',
              evidence.slice(0, 1),
            ),
          ],
      nextSteps: steps(
        `${psql} -c "SELECT locktype, mode, granted, count(*) FROM pg_locks GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 15;"`,
        `${psql} -c "SELECT pid, usename, state, now() - xact_start AS xact_age, left(query, 80) FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY xact_age DESC LIMIT 10;"`,
        `${psql} -c "SELECT pid, pg_blocking_pids(pid) AS blocked_by, wait_event_type, left(query, 80) FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0;"`,
        `${psql} -c "SHOW max_locks_per_transaction; SHOW max_connections;"`,
        `PromQL: sum by (mode) (pg_locks_count${sel({ instance: v.instance })})`,
        'A stuck blocker can be ended once understood: SELECT pg_terminate_backend(<pid>);',
        runbookStep(v),
      ),
    };
  },
};

export const replicationLag: Signature = {
  id: 'db-replication-lag',
  title: 'Database replication lag',
  weight: 58,
  names: [
    'PostgresqlReplicationLag',
    'MysqlSlaveReplicationLag',
    'MysqlReplicationLag',
    'PostgresqlReplicationLagBytes',
  ],
  namePattern: /replicationlag|replicalag|slavelag|replicationdelay/,
  accepts: domainIn('mysql', 'postgres'),
  analyze(ctx) {
    const v = ctx.primary;
    const mysql = MYSQL.test(v.key) || MYSQL.test(v.labels.job ?? '');
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The ${mysql ? 'MySQL' : 'PostgreSQL'} replica \`${v.instance ?? '?'}\` lags behind its primary: reads from it return stale data, and failover would lose recent writes.`,
      causes: [
        cause(
          'The replica cannot keep up with the write volume (bulk writes, migrations)',
          0.4,
          'capacity',
          evidence,
        ),
        mysql
          ? cause(
              'A long transaction or single-threaded apply blocks replication',
              0.3,
              'data',
              evidence.slice(0, 1),
            )
          : cause(
              'Long queries on the replica hold back WAL replay (hot standby conflicts)',
              0.3,
              'data',
              evidence.slice(0, 1),
            ),
        cause(
          'Network or disk throughput between primary and replica too low',
          0.2,
          'infrastructure',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: mysql
        ? steps(
            'On the replica: SHOW REPLICA STATUS\\G  # Seconds_Behind_Source, Last_SQL_Error',
            `PromQL: mysql_slave_status_seconds_behind_master${sel({ instance: v.instance })}`,
            runbookStep(v),
          )
        : steps(
            'On the primary: SELECT client_addr, state, write_lag, flush_lag, replay_lag FROM pg_stat_replication;',
            'On the replica: SELECT now() - pg_last_xact_replay_timestamp() AS lag;',
            `PromQL: pg_replication_lag${sel({ instance: v.instance })}`,
            runbookStep(v),
          ),
    };
  },
};

export const queueBacklog: Signature = {
  id: 'queue-backlog',
  title: 'Queue / consumer lag growing',
  weight: 54,
  names: [
    'KafkaConsumerLag',
    'KafkaConsumersGroup',
    'KafkaConsumerGroupLag',
    'RabbitmqTooManyMessagesInQueue',
    'RabbitmqTooManyUnackMessages',
    'RabbitmqNoConsumer',
  ],
  namePattern: /consumer\w*lag|toomanymessages|unackmessages|backlog|queuesize|queuedepth/,
  // A MySQL replication queue or Prometheus' notification queue is not a message queue.
  accepts: domainIn('kafka', 'rabbitmq', 'nats'),
  deploy: {
    title: () => 'A recent rollout of the consumer processes messages slower, or fails on them',
    likelihood: 0.3,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const kafka = v.key.includes('kafka');
    const group = v.labels.consumergroup ?? v.labels.group;
    const queue = v.labels.queue ?? v.labels.topic;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `${kafka ? `Consumer group \`${group ?? '?'}\`${v.labels.topic ? ` on topic \`${v.labels.topic}\`` : ''}` : `Queue \`${queue ?? '?'}\`${v.labels.vhost ? ` (vhost \`${v.labels.vhost}\`)` : ''}`} is falling behind: messages pile up faster than they are consumed.`,
      causes: [
        cause('Consumers are down, crashing or stuck', 0.45, 'application', evidence),
        cause(
          'Producers publish faster than consumers can process (traffic spike)',
          0.35,
          'capacity',
          evidence.slice(0, 1),
        ),
        cause('A poison message makes consumers fail and retry', 0.15, 'data', evidence.slice(0, 1)),
      ],
      nextSteps: kafka
        ? steps(
            `kafka-consumer-groups.sh --bootstrap-server <broker:9092> --describe --group ${group ? sh(group) : '<group>'}  # lag per partition, members`,
            `PromQL: sum by (consumergroup, topic) (kafka_consumergroup_lag${sel({ consumergroup: group, topic: v.labels.topic })})`,
            'Check the consumer pods: running, restarting, or logging errors on one message?',
            runbookStep(v),
          )
        : steps(
            `rabbitmqctl list_queues name messages messages_unacknowledged consumers${queue ? ` | grep ${sh(queue)}` : ''}`,
            `PromQL: rabbitmq_queue_messages${sel({ queue })}`,
            'Check the consumer pods: running, restarting, or logging errors on one message?',
            runbookStep(v),
          ),
    };
  },
};

/** Text of a forward/upstream failure: CoreDNS's forward plugin or its log lines. */
const UPSTREAM_TEXT =
  /coredns_forward_|forward(?:ing)? (?:request|to upstream)|upstream (?:dns|resolver|server)|i\/o timeout.*:53/;
const COREDNS_POD = /^(?:coredns|kube-dns)/;

export const dnsFailures: Signature = {
  id: 'dns-failures',
  title: 'DNS resolution failing',
  weight: 74,
  names: [
    'CoreDNSErrorsHigh',
    'CoreDNSDown',
    'CoreDNSLatencyHigh',
    'CoreDNSForwardErrorsHigh',
    'CoreDNSForwardLatencyHigh',
    'CoreDNSForwardHealthcheckFailureCount',
    'CoreDNSForwardHealthcheckBrokenCount',
    'CoreDNSPanicCount',
    'KubeDNSDown',
  ],
  namePattern: /coredns|kubedns|dns(?:error|failure|down)/,
  textPattern: /no such host|nxdomain|servfail|dns (?:lookup|resolution) fail/,
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    // Which side fails, from the alerts present: forward errors/health checks blame the upstream resolver;
    // latency, panics, or CoreDNS pods throttled/OOM-killed/crash-looping blame CoreDNS itself.
    const firing = ctx.all.filter((view) => view.firing);
    const upstream = firing.filter(
      (view) =>
        (view.key.startsWith('coredns') && view.key.includes('forward')) || UPSTREAM_TEXT.test(view.text),
    );
    const overloaded = firing.filter(
      (view) =>
        (view.key.startsWith('coredns') &&
          !view.key.includes('forward') &&
          /latency|panic|down/.test(view.key)) ||
        (COREDNS_POD.test(view.pod ?? view.container ?? '') &&
          /throttl|oom|crashloop|restart|notready/.test(view.key + view.reason.toLowerCase())),
    );
    const upstreamLikely = upstream.length > 0 && upstream.length >= overloaded.length;
    const overloadCause = cause(
      'CoreDNS pods overloaded or crashing (too few replicas, CPU throttling, OOM)',
      overloaded.length > 0 && !upstreamLikely ? 0.55 : upstreamLikely ? 0.25 : 0.4,
      'capacity',
      overloaded.length > 0
        ? [`${listOf(overloaded, (a) => a.name)} firing`, ...evidence.slice(0, 2)]
        : evidence,
    );
    const upstreamCause = cause(
      'The upstream resolver CoreDNS forwards to fails or is unreachable',
      upstreamLikely ? 0.6 : 0.3,
      'dependency',
      upstream.length > 0
        ? [`${listOf(upstream, (a) => a.name)} firing`, ...evidence.slice(0, 2)]
        : evidence.slice(0, 1),
    );
    return {
      summary: upstreamLikely
        ? `DNS in the cluster is failing (\`${v.name}\`): CoreDNS's forwards to its upstream resolver fail, so external names (and anything not in the cluster zone) do not resolve.`
        : `DNS in the cluster is failing or slow (\`${v.name}\`): services that look up names get "no such host" or time out.`,
      causes: [
        upstreamLikely ? upstreamCause : overloadCause,
        upstreamLikely ? overloadCause : upstreamCause,
        cause(
          'Clients look up names that do not exist (deleted Service, typo, ndots search expansion)',
          0.2,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        'kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide',
        'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=100',
        upstreamLikely
          ? 'kubectl -n kube-system get configmap coredns -o yaml | grep -A3 forward  # then test that upstream: dig @<upstream-ip> example.com'
          : 'kubectl -n kube-system top pods -l k8s-app=kube-dns',
        'kubectl run dnscheck --rm -it --restart=Never --image=busybox:1.36 -- nslookup kubernetes.default',
        'PromQL: sum by (rcode) (rate(coredns_dns_responses_total[5m])) and sum by (rcode) (rate(coredns_forward_responses_total[5m]))',
        runbookStep(v),
      ),
    };
  },
};

export const redisMemory: Signature = {
  id: 'redis-memory',
  title: 'Redis out of memory',
  weight: 63,
  names: ['RedisOutOfMemory', 'RedisOutOfSystemMemory', 'RedisOutOfConfiguredMaxmemory', 'RedisMemoryHigh'],
  namePattern: /redis\w*memory/,
  textPattern: /oom command not allowed when used memory/,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const cli = `redis-cli -h ${host ? sh(host) : '<host>'}`;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Redis on \`${v.instance ?? '?'}\` is running out of memory: writes fail ("OOM command not allowed") or keys get evicted.`,
      causes: [
        cause(
          'The dataset grows without eviction (keys without TTL, maxmemory-policy noeviction)',
          0.45,
          'data',
          evidence,
        ),
        cause(
          'maxmemory (or the container limit) too low for the working set',
          0.35,
          'capacity',
          evidence.slice(0, 1),
        ),
        cause('Big keys or memory fragmentation', 0.15, 'data', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        `${cli} INFO memory  # used_memory, maxmemory, mem_fragmentation_ratio`,
        `${cli} CONFIG GET maxmemory-policy`,
        `${cli} --bigkeys`,
        `PromQL: redis_memory_used_bytes${sel({ instance: v.instance })} / redis_memory_max_bytes${sel({ instance: v.instance })}`,
        runbookStep(v),
      ),
    };
  },
};

function restartDeployment(alerts: AlertView[]): ProposedAction[] {
  const seen = new Set<string>();
  const actions: ProposedAction[] = [];
  for (const view of alerts) {
    if (!view.namespace || !view.deployment || seen.has(`${view.namespace}/${view.deployment}`)) continue;
    seen.add(`${view.namespace}/${view.deployment}`);
    actions.push({
      kind: 'restart',
      namespace: view.namespace,
      name: view.deployment,
      workload: 'deployment',
    });
  }
  return actions.slice(0, 2);
}

export const jvmMemory: Signature = {
  id: 'jvm-memory',
  title: 'JVM heap filling up',
  weight: 61,
  names: ['JvmMemoryFillingUp', 'JvmHeapUsageHigh', 'JvmHeapFull', 'JavaHeapUsageHigh'],
  namePattern: /jvm\w*(?:memory|heap)|javaheap/,
  textPattern: /outofmemoryerror|java heap space|gc overhead limit/,
  deploy: { title: () => 'A recent rollout leaks memory or holds more in the heap', likelihood: 0.3 },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const matchers = { namespace: v.namespace, pod: v.pod, instance: v.pod ? undefined : v.instance };
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The JVM heap of \`${v.pod ?? v.instance ?? v.labels.job ?? '?'}\` is nearly full: long GC pauses, then java.lang.OutOfMemoryError.${more(ctx, `instances ${listOf(ctx.alerts, (a) => a.pod ?? a.instance)}`)}`,
      causes: [
        cause('Memory leak: the heap keeps growing across full GCs', 0.45, 'application', evidence),
        cause(
          'Heap (-Xmx / MaxRAMPercentage) too small for the load',
          0.35,
          'capacity',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        `PromQL: sum(jvm_memory_used_bytes${sel({ ...matchers, area: 'heap' })}) / sum(jvm_memory_max_bytes${sel({ ...matchers, area: 'heap' })})`,
        v.pod && `${k} exec ${sh(v.pod)} -- jcmd 1 GC.heap_info`,
        v.pod &&
          `Heap dump before restarting: ${k} exec ${sh(v.pod)} -- jcmd 1 GC.heap_dump /tmp/heap.hprof && ${k} cp ${sh(v.pod)}:/tmp/heap.hprof ./heap.hprof`,
        'A restart buys time, not a fix: compare heap after full GC across days to confirm a leak',
        runbookStep(v),
      ),
      actions: restartDeployment(ctx.alerts),
    };
  },
};

export const serviceSignatures: Signature[] = [
  dbConnections,
  dbLocks,
  replicationLag,
  queueBacklog,
  dnsFailures,
  redisMemory,
  jvmMemory,
  http5xx,
  highLatency,
];
