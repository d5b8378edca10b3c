/**
 * Services and their dependencies: HTTP errors and latency, databases (connections, locks, replication),
 * queues, DNS, Redis, the JVM.
 */
import type { ProposedAction } from '../../schema.ts';
import { type Domain, domainIn, domainOf } from '../domain.ts';
import { alertEvidence, cause, hostOf, kubectl, listOf, pq, runbookStep, sel, sh, steps } from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';
import { type CauseSpec, family, q } from './family.ts';

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
    'NGINXTooMany500s',
    'CaddyHighHttp5xxErrorRateService',
    'EnvoyHighDownstreamHttp5xxErrorRate',
    'EnvoyHighClusterUpstream5xxErrorRate',
    'HaproxyHighHttp5xxErrorRateBackend',
    'HaproxyHighHttp5xxErrorRateServer',
    'TraefikHighHttp5xxErrorRateService',
    'TraefikHighHttp5xxErrorRateBackend',
    'GitlabHighHttpErrorRate',
    'GitlabWorkhorseHighErrorRate',
    'GitlabRackUncaughtErrors',
  ],
  namePattern: /5xx|errorrate|higherror|httperror|servererror|errorratio|errorsratio|errorshigh/,
  textPattern: /\b5xx\b|internal server error|bad gateway|service unavailable|gateway timeout|error rate/,
  accepts: notOwnDomain,
  deploy: {
    title: (ctx) =>
      `A recent rollout or config change of \`${ctx.primary.deployment ?? endpointOf(ctx.primary) ?? 'the service'}\` returns errors`,
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
    const kafka = v.key.includes('kafka') || domainOf(v) === 'kafka';
    const rabbit = !kafka && (domainOf(v) === 'rabbitmq' || v.labels.vhost !== undefined);
    const generic = !kafka && !rabbit && domainOf(v) === undefined;
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
      nextSteps: generic
        ? steps(
            exprStep(v, 'per queue over the last hours: is it growing steadily or since a moment?'),
            v.namespace
              ? `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'  # consumers down or restarting?`
              : 'Check the consumers: running, restarting, or logging errors on one message?',
            'Compare the enqueue rate with the processing rate, and the processing time per message with its usual value',
            runbookStep(v),
          )
        : kafka
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

/** ` on `x`` when the value is known, else nothing. */
const on = (value: string | undefined): string => (value ? ` on ${q(value)}` : '');

// ─── SLOs: burn rates, apdex/error SLO violations, traffic cessation, saturation SLOs ──────────────────────

/** The SLO an alert is about: Pyrra's `slo`, Sloth's `sloth_slo`/`sloth_service`, GitLab's `type`/`component`. */
const sloOf = (v: AlertView): string | undefined =>
  v.labels.slo ?? v.labels.sloth_slo ?? v.labels.sli ?? v.labels.component;
const sloService = (v: AlertView): string | undefined =>
  v.labels.sloth_service ?? v.labels.service ?? v.labels.type ?? v.labels.job ?? v.deployment;

/** A latency (apdex) objective rather than an availability (error) one. */
const isLatencySlo = (v: AlertView): boolean =>
  /apdex|latency|duration|slow/.test(v.key) ||
  /latency|duration|apdex/.test(`${sloOf(v) ?? ''} ${v.labels.category ?? ''}`.toLowerCase());

export const sloBurn: Signature = family({
  id: 'slo-error-budget-burn',
  title: 'SLO error budget burning (multi-window burn rate, apdex/error SLO violation)',
  weight: 60,
  role: 'symptom',
  names: [
    'ErrorBudgetBurn',
    'SLOErrorBudgetBurn',
    'ErrorBudgetExhausted',
    'SLOErrorBudgetExhausted',
    'SLOBurnRateHigh',
    'ApdexSLOViolation',
    'ErrorSLOViolation',
  ],
  // Pyrra's ErrorBudgetBurn, Sloth/SRE-workbook burn-rate alerts, GitLab's <Service>Service<Sli>{Apdex,Error}SLOViolation.
  namePattern:
    /errorbudget|burnrate|sloburn|sloviolation|slobreach|slo(?:availability|latency)(?:miss|breach)|apdex(?:low|breach)|lowapdex/,
  // Sloth's and Pyrra's recording rules in the expression, or the alert text saying what it is.
  textPattern:
    /slo:sli_error:ratio_rate|slo:current_burn_rate|:burnrate\d|error budget (?:burn|is burning|exhausted|consumption)|\bburn rate\b/,
  accepts: (v) => notOwnDomain(v) && !v.key.startsWith('kubeapi'),
  deploy: {
    title: (ctx) =>
      `A recent deploy or config change of \`${sloService(ctx.primary) ?? 'the service'}\` ${isLatencySlo(ctx.primary) ? 'made requests slower' : 'introduced errors'}`,
    likelihood: 0.35,
    rollback: true,
  },
  summary: (v) => {
    const slo = sloOf(v);
    const service = sloService(v);
    const window = v.labels.long ? ` (burn rate over ${v.labels.long}/${v.labels.short ?? '?'})` : '';
    const what = /exhaust/.test(v.key)
      ? 'has used up its error budget'
      : `is burning its ${isLatencySlo(v) ? 'latency (apdex)' : 'error'} budget too fast${window}`;
    return `${slo ? `SLO ${q(slo)}` : 'The SLO'}${service && service !== slo ? ` of ${q(service)}` : ''} ${what}: ${isLatencySlo(v) ? 'too many requests are slower than the objective' : 'too many requests fail'}.`;
  },
  causes: (v) =>
    isLatencySlo(v)
      ? [
          [
            'Overload: a traffic spike exhausts CPU, memory or worker pools, so requests queue',
            0.4,
            'capacity',
          ],
          [
            'A slow dependency (database queries, a downstream service, an external API) adds latency',
            0.3,
            'dependency',
          ],
          [
            'Infrastructure under it degrades (noisy or failing nodes, network latency, a zone)',
            0.1,
            'infrastructure',
          ],
        ]
      : [
          [
            'A downstream dependency it calls (database, another service, a third-party API) fails or times out',
            0.3,
            'dependency',
          ],
          [
            'Overload or resource exhaustion: more traffic than its replicas serve, pods OOM-killed or throttled',
            0.25,
            'capacity',
          ],
          ['Infrastructure under it fails (nodes, network, a zone)', 0.1, 'infrastructure'],
        ],
  steps: (v) => [
    exprStep(v, 'and break the SLI down by route, status code and instance'),
    v.labels.type &&
      v.labels.component &&
      `PromQL: gitlab_component_${isLatencySlo(v) ? 'apdex' : 'errors'}:ratio_1h${sel({ type: v.labels.type, component: v.labels.component })}  # which node/shard drags it down`,
    v.labels.sloth_id &&
      `PromQL: slo:sli_error:ratio_rate5m${sel({ sloth_id: v.labels.sloth_id })}, slo:current_burn_rate:ratio${sel({ sloth_id: v.labels.sloth_id })}`,
    v.labels.slo &&
      !v.labels.sloth_slo &&
      `kubectl get servicelevelobjectives.pyrra.dev -A | grep ${sh(v.labels.slo)}  # its indicator queries name the metric that burns`,
    v.deployment
      ? `${kubectl(v.namespace)} rollout history deployment/${sh(v.deployment)}`
      : 'List the deploys and config changes of the service and its dependencies in the hour before the burn began',
    v.namespace && `${kubectl(v.namespace)} top pods --sort-by=cpu | head -15`,
    'Compare the error rate and latency of its dependencies (database, downstream services) over the same window',
  ],
});

export const trafficDrop: Signature = family({
  id: 'traffic-drop',
  title: 'Traffic stopped (request rate dropped to zero or the signal is absent)',
  weight: 58,
  names: ['TrafficCessation', 'TrafficAbsent', 'NoTraffic', 'RequestRateDropped', 'TrafficDrop'],
  namePattern:
    /trafficcessation|trafficabsent|(?:no|zero)(?:traffic|requests)|traffic(?:drop|zero)|requestrate(?:drop|zero)/,
  accepts: notOwnDomain,
  deploy: {
    title: () => 'A recent deploy or config change broke routing to the service or its instrumentation',
    likelihood: 0.25,
  },
  summary: (v) =>
    `${(sloService(v) ?? v.labels.component ?? v.instance) ? q(sloService(v) ?? v.labels.component ?? v.instance) : 'The service'}${v.labels.component && sloService(v) !== v.labels.component ? ` (${q(v.labels.component)})` : ''} ${v.key.includes('absent') ? 'no longer reports its traffic metric, though it did an hour ago' : 'reports zero traffic where it normally has some'} (\`${v.name}\`).`,
  causes: [
    [
      'The service is down or unreachable, so nothing reaches it (pods not ready or crashed, scaled to zero)',
      0.35,
      'application',
    ],
    [
      'Traffic is routed elsewhere or blocked upstream (load balancer, ingress, DNS or network change)',
      0.3,
      'network',
    ],
    [
      'The metric changed or stopped being scraped (renamed metric, relabelling, broken exporter): traffic may be fine',
      0.2,
      'configuration',
    ],
  ],
  steps: (v) => [
    exprStep(v, 'over the last few hours'),
    v.namespace
      ? `${kubectl(v.namespace)} get pods,endpoints -o wide${v.deployment ? ` | grep ${sh(v.deployment)}` : ''}`
      : 'Check that the service runs and answers: send it a request yourself',
    v.labels.job && `PromQL: up${sel({ job: v.labels.job })}`,
    v.labels.type &&
      v.labels.component &&
      `PromQL: gitlab_component_ops:rate_5m${sel({ type: v.labels.type, component: v.labels.component })}`,
    'Check the load balancer / ingress in front of it for a routing or DNS change, and whether the period is a normal lull',
  ],
});

export const saturationSlo: Signature = family({
  id: 'saturation-slo',
  title: 'Resource saturation beyond its SLO (close to its capacity limit)',
  weight: 55,
  names: ['component_saturation_slo_out_of_bounds'],
  // GitLab's metrics catalogue: `component_saturation_slo_out_of_bounds:<component>`.
  namePattern: /^componentsaturationslooutofbounds/,
  summary: (v) =>
    `The ${q(saturationComponent(v))} resource of ${(v.labels.type ?? v.labels.service ?? v.labels.job) ? q(v.labels.type ?? v.labels.service ?? v.labels.job) : 'the service'} has a saturation above its SLO and is close to its capacity limit.`,
  causes: (v) =>
    /disk|space|volume|pvc|storage/.test(saturationComponent(v))
      ? [
          [
            'Data growth (natural growth, or an unexpected burst of writes) fills the volume',
            0.5,
            'capacity',
          ],
          [
            'Retention or cleanup is not running or not keeping up (logs, old data, artifacts)',
            0.3,
            'configuration',
          ],
        ]
      : [
          ['Traffic growth or a spike pushes the resource toward its limit', 0.4, 'capacity'],
          [
            'A runaway workload or a recent change consumes more of it (expensive requests, a heavy job, a leak)',
            0.3,
            'application',
          ],
          [
            'Capacity was not scaled with demand: the limit, pool size, quota or node count is set too low',
            0.2,
            'configuration',
          ],
        ],
  steps: (v) => [
    `PromQL: gitlab_component_saturation:ratio${sel({ type: v.labels.type, component: saturationComponent(v) })}`,
    exprStep(v, 'per instance/shard, to see whether one node or the whole fleet saturates'),
    'Check what changed in demand (request rate, job volume) versus capacity (replicas, nodes, limits) over the last days',
  ],
});

function saturationComponent(v: AlertView): string {
  if (v.labels.component) return v.labels.component;
  const i = v.name.indexOf(':');
  return i >= 0 ? v.name.slice(i + 1) : 'saturation';
}

// ─── Background jobs: Sidekiq, Celery ─────────────────────────────────────────────────────────────────────

const jobQueue = (v: AlertView): string | undefined => v.labels.queue_name ?? v.labels.queue ?? v.labels.name;
const jobSystem = (v: AlertView): 'Sidekiq' | 'Celery' | 'The job system' =>
  v.key.includes('sidekiq') ? 'Sidekiq' : v.key.includes('celery') ? 'Celery' : 'The job system';
const jobStep = (v: AlertView): string | false =>
  jobSystem(v) === 'Celery'
    ? `celery -A <app> inspect active; celery -A <app> inspect stats  # workers alive, concurrency, running tasks`
    : jobSystem(v) === 'Sidekiq' &&
      `PromQL: sidekiq_queue_size${sel({ name: v.labels.name })}, sidekiq_queue_latency${sel({ name: v.labels.name })}, sum(sidekiq_running_jobs), sum(sidekiq_concurrency)`;

export const jobQueueBacklog: Signature = family({
  id: 'job-queue-backlog',
  title: 'Background job queue backing up (Sidekiq, Celery)',
  weight: 55,
  names: [
    'SidekiqQueueSize',
    'SidekiqSchedulingLatencyTooHigh',
    'GitlabSidekiqQueueTooLarge',
    'GitlabSidekiqHighQueueLatency',
    'GitlabSidekiqQueueNotDraining',
    'GitlabSidekiqHighJobCompletionTime',
    'CeleryHighQueueLength',
  ],
  namePattern:
    /^(?:gitlab)?(?:sidekiq|celery|resque|delayedjob)\w*(?:queue|latency|backlog|completiontime|notdraining)/,
  deploy: { title: () => 'A recent release made jobs slower or makes them fail and retry', likelihood: 0.2 },
  summary: (v) =>
    `${jobSystem(v)} ${jobQueue(v) ? `queue ${q(jobQueue(v))}` : 'job queue'} is backing up (\`${v.name}\`): jobs wait before they run, so background work (mails, webhooks, pipelines) is delayed.`,
  causes: (v) =>
    v.key.includes('notdraining')
      ? [
          [
            'Workers for that queue are stuck, crashed or not listening to it (a hung job, a dead worker class)',
            0.45,
            'application',
          ],
          ['Jobs in it fail and retry forever (a poison job, a failing dependency)', 0.3, 'dependency'],
          ['Too little concurrency for the volume enqueued', 0.2, 'capacity'],
        ]
      : v.key.includes('completiontime')
        ? [
            ['Jobs wait on a slow dependency (database, external API, Gitaly)', 0.45, 'dependency'],
            ['Heavier jobs than usual (large payloads, a backfill, a recent release)', 0.3, 'application'],
            ['Workers are CPU- or memory-starved', 0.15, 'capacity'],
          ]
        : [
            [
              'Too few workers or too little concurrency for the volume enqueued (a burst of jobs, a scheduled batch)',
              0.4,
              'capacity',
            ],
            [
              'Workers are down, stuck or crashing (OOM kills, a hung job holding every thread)',
              0.35,
              'application',
            ],
            [
              'Jobs run slowly because a dependency they call is slow (database, external API)',
              0.2,
              'dependency',
            ],
          ],
  steps: (v) => [
    jobStep(v),
    v.namespace &&
      `${kubectl(v.namespace)} get pods -o wide | grep -iE '${jobSystem(v) === 'Celery' ? 'celery|worker' : 'sidekiq'}'`,
    'Check which job classes/tasks dominate the queue and how long each takes; look for one flooding it or one stuck',
  ],
});

export const jobFailures: Signature = family({
  id: 'job-failures',
  title: 'Background jobs failing (Sidekiq, Celery)',
  weight: 52,
  names: ['GitlabSidekiqJobsFailing', 'CeleryTaskHighFailRate', 'CeleryTaskFailed'],
  namePattern: /^(?:gitlab)?(?:sidekiq|celery|resque|delayedjob)\w*(?:fail|error|dead)/,
  deploy: {
    title: () => 'A recent release broke the task (a bug, a changed argument or schema)',
    likelihood: 0.35,
    rollback: true,
  },
  summary: (v) =>
    `${jobSystem(v)} ${v.labels.name ? `task ${q(v.labels.name)}` : 'jobs'}${v.labels.queue_name ? ` on queue ${q(v.labels.queue_name)}` : ''} fail at a high rate (\`${v.name}\`).`,
  causes: [
    [
      'A dependency the task calls fails or times out (database, external API, the broker)',
      0.3,
      'dependency',
    ],
    [
      'Bad input: jobs enqueued with data the task cannot handle (poison jobs that keep retrying)',
      0.2,
      'data',
    ],
    [
      'Workers are killed mid-job (OOM kills, time limits, restarts during a deploy)',
      0.15,
      'resource-exhaustion',
    ],
  ],
  steps: (v) => [
    jobSystem(v) === 'Celery'
      ? `PromQL: sum by (name, exception) (increase(celery_task_failed_total${sel({ name: v.labels.name })}[30m]))`
      : 'PromQL: sum by (worker) (rate(sidekiq_jobs_failed_total[5m]))',
    v.namespace
      ? `${kubectl(v.namespace)} logs -l ${jobSystem(v) === 'Celery' ? 'app=celery' : 'app=sidekiq'} --since=30m --tail=300 | grep -iE 'error|exception|traceback' | sort | uniq -c | sort -rn | head`
      : "Read the workers' logs for the exception the failing task raises",
    'Check whether the failures started with a release of the task code or with an error from a dependency it calls',
  ],
});

const workerWho = (v: AlertView): string | undefined => v.labels.hostname ?? v.instance ?? v.pod;

export const workersDown: Signature = family({
  id: 'workers-down',
  title: 'Worker processes down (Celery workers, Puma workers)',
  weight: 60,
  names: ['CeleryWorkerDown', 'GitlabPumaWorkersNotRunning'],
  namePattern:
    /^(?:gitlab)?(?:celery|sidekiq|puma|gunicorn|resque)\w*workers?(?:down|offline|notrunning|missing)/,
  summary: (v) =>
    `${v.key.includes('puma') ? `Puma${on(v.instance)} runs fewer workers than configured` : `${jobSystem(v)} ${workerWho(v) ? `worker ${q(workerWho(v))} is` : 'workers are'} offline`} (\`${v.name}\`): less capacity, and work piles up.`,
  causes: [
    [
      'Worker processes crash or are OOM-killed (a memory-hungry job or request, a leak)',
      0.4,
      'resource-exhaustion',
    ],
    [
      'Workers cannot start or connect: a bad release or config, or the broker/Redis/database is unreachable',
      0.35,
      'dependency',
    ],
    ['The host or pod running them is down', 0.15, 'infrastructure'],
  ],
  steps: (v) => [
    v.key.includes('puma')
      ? `ssh ${sh(hostOf(v) ?? '<host>')} 'sudo gitlab-ctl status puma; sudo grep -iE "worker|killed|memory" /var/log/gitlab/puma/current | tail -40'`
      : 'celery -A <app> inspect ping  # which workers answer',
    v.namespace && `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'`,
    `${hostOf(v) ? `ssh ${sh(hostOf(v) as string)} ` : ''}dmesg -T | grep -i 'killed process' | tail`,
  ],
});

// ─── Runtimes: Go, Python, Ruby ──────────────────────────────────────────────────────────────────────────

const runtimeOf = (v: AlertView): 'Go' | 'Python' | 'Ruby' | 'The' =>
  v.key.startsWith('go')
    ? 'Go'
    : v.key.startsWith('python')
      ? 'Python'
      : /ruby|gitlab/.test(v.key)
        ? 'Ruby'
        : 'The';
const procMatch = (v: AlertView) => ({
  namespace: v.namespace,
  pod: v.pod,
  instance: v.pod ? undefined : v.instance,
});

export const runtimeMemory: Signature = family({
  id: 'app-runtime-memory',
  title: 'Application runtime memory / GC pressure (Go, Python, Ruby)',
  weight: 50,
  names: [
    'GoGcCpuFractionHigh',
    'GoMemoryUsageHigh',
    'GoHeapObjectsCountHigh',
    'GoHeapIn-useGrowing',
    'GoMemoryLeak',
    'GoStackMemoryHigh',
    'GoGcDurationHigh',
    'PythonGcObjectsUncollectable',
    'PythonGcGeneration2CollectionsHigh',
    'PythonVirtualMemoryHigh',
    'PythonGcCollectionsHigh',
    'RubyHeapLiveSlotsHigh',
    'RubyHeapFreeSlotsHigh',
    'RubyMajorGcRateHigh',
    'RubyRssHigh',
    'RubyAllocatedObjectsSpike',
    'GitlabRubyHeapFragmentation',
    'GitlabHighMemoryUsage',
  ],
  namePattern:
    /^(?:go|golang)(?:gc|mem|heap)|^python(?:gc|virtualmemory|memory)|^ruby(?:heap|majorgc|gc|rss|allocated|memory)/,
  summary: (v) =>
    `${runtimeOf(v)} runtime of ${(v.pod ?? v.instance ?? v.labels.job) ? q(v.pod ?? v.instance ?? v.labels.job) : 'the process'} is under memory pressure (\`${v.name}\`): GC runs often and the process grows toward its memory limit.`,
  causes: (v) =>
    /fragmentation|freeslots/.test(v.key)
      ? [
          [
            'Heap fragmentation after large allocations: freed slots the allocator cannot give back',
            0.5,
            'application',
          ],
          [
            'glibc malloc arenas bloat the multi-threaded process (no jemalloc, MALLOC_ARENA_MAX unset)',
            0.3,
            'configuration',
          ],
        ]
      : v.key.includes('uncollectable')
        ? [
            [
              'Reference cycles the collector cannot free (objects with __del__, C extensions): a leak',
              0.55,
              'application',
            ],
            ['A library upgrade that leaks (a recent dependency bump)', 0.25, 'deployment'],
          ]
        : /gccpu|gcduration|gccollections|generation2|majorgc|allocated|heapobjects/.test(v.key)
          ? [
              [
                'An allocation-heavy code path (a hot endpoint or job building many short-lived objects, a recent release)',
                0.4,
                'application',
              ],
              [
                'The live heap nears its limit (a leak or a growing cache), so GC runs back to back',
                0.35,
                'resource-exhaustion',
              ],
              [
                'GC tuned for less memory than the process needs (GOGC/GOMEMLIMIT, the container limit)',
                0.15,
                'configuration',
              ],
            ]
          : [
              [
                'A memory leak: the live heap grows without bound (caches without eviction, retained references, leaked goroutines)',
                0.45,
                'application',
              ],
              [
                'The workload needs more memory than its limit (bigger payloads, more concurrency)',
                0.3,
                'capacity',
              ],
              ['An allocation-heavy code path from a recent release', 0.15, 'deployment'],
            ],
  steps: (v) => [
    runtimeOf(v) === 'Go'
      ? `PromQL: go_memstats_heap_inuse_bytes${sel(procMatch(v))}, rate(go_gc_duration_seconds_sum${sel(procMatch(v))}[5m]), go_goroutines${sel(procMatch(v))}`
      : runtimeOf(v) === 'Python'
        ? `PromQL: process_resident_memory_bytes${sel(procMatch(v))}, rate(python_gc_collections_total${sel(procMatch(v))}[5m])`
        : `PromQL: process_resident_memory_bytes${sel(procMatch(v))}, rate(ruby_major_gc_ops_total${sel(procMatch(v))}[5m])`,
    runtimeOf(v) === 'Go' &&
      `go tool pprof -top ${sh(`http://${hostOf(v) ?? '<host>'}:<port>/debug/pprof/heap`)}  # if net/http/pprof is enabled; compare two profiles an hour apart`,
    runtimeOf(v) === 'Python' &&
      v.pod &&
      `${kubectl(v.namespace)} exec ${sh(v.pod)} -- py-spy dump --pid 1  # if py-spy is in the image`,
    v.pod && `${kubectl(v.namespace)} top pod ${sh(v.pod)} --containers`,
    'Compare memory after GC across restarts/days: steady growth is a leak, a step after a release is the new code',
  ],
});

export const goroutines: Signature = family({
  id: 'go-goroutines-threads',
  title: 'Go goroutines or OS threads piling up',
  weight: 48,
  names: ['GoGoroutineCountHigh', 'GoGoroutineSpike', 'GoThreadCountHigh'],
  namePattern: /^(?:go|golang)(?:goroutine|thread)/,
  summary: (v) =>
    `${(v.pod ?? v.instance ?? v.labels.job) ? q(v.pod ?? v.instance ?? v.labels.job) : 'The process'} runs ${v.key.includes('thread') ? 'many OS threads' : 'a growing number of goroutines'} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('thread')
      ? [
          [
            'Blocking syscalls or cgo calls pin OS threads (cgo DNS resolver, C libraries)',
            0.5,
            'application',
          ],
          ['Slow I/O underneath (disk, network filesystem) holds threads in syscalls', 0.3, 'infrastructure'],
        ]
      : [
          [
            'A goroutine leak: goroutines blocked forever on channels, locks or calls without a timeout',
            0.45,
            'application',
          ],
          [
            'A slow dependency: in-flight requests pile up waiting on it (database, downstream API)',
            0.3,
            'dependency',
          ],
          ['A traffic spike: one goroutine per in-flight request or connection', 0.15, 'capacity'],
        ],
  steps: (v) => [
    `PromQL: go_goroutines${sel(procMatch(v))}, go_threads${sel(procMatch(v))}`,
    `curl -s ${sh(`http://${hostOf(v) ?? '<host>'}:<port>/debug/pprof/goroutine?debug=1`)} | head -60  # if net/http/pprof is enabled: the biggest stacks show where they block`,
    "Check the latency of the process's dependencies over the same window",
  ],
});

// ─── CI: Jenkins, GitLab CI, Gitaly ───────────────────────────────────────────────────────────────────────

export const ciAgentsOffline: Signature = family({
  id: 'ci-agents-offline',
  title: 'CI agents/nodes offline (Jenkins)',
  weight: 56,
  names: ['JenkinsNodeOffline', 'JenkinsNoNodeOnline'],
  namePattern: /^jenkins\w*(?:node|agent|executor)\w*(?:offline|down|online)/,
  summary: (v) =>
    `${v.key.includes('nonode') ? 'No Jenkins node is online' : 'Jenkins nodes are offline'}${on(v.instance)}: builds queue and wait for an executor.`,
  causes: [
    [
      'The agent lost its connection to the controller (agent host down, inbound/SSH connection broken, agent process crashed)',
      0.4,
      'infrastructure',
    ],
    [
      "Jenkins took the node offline itself: free disk, temp or swap space below the node monitors' thresholds",
      0.3,
      'resource-exhaustion',
    ],
    [
      'Cloud agents cannot be provisioned (Kubernetes/EC2 plugin credentials, quota, pod template or image errors)',
      0.2,
      'configuration',
    ],
  ],
  steps: (v) => [
    `curl -sg -u '<user>:<api-token>' ${sh(`https://${hostOf(v) ?? '<jenkins>'}/computer/api/json?tree=computer[displayName,offline,offlineCauseReason]`)}`,
    'Manage Jenkins → Nodes: the offline reason per node (disk space, disconnected, marked offline by a user)',
    'On an agent host: df -h $AGENT_WORKDIR /tmp; systemctl status jenkins-agent (or the agent pod logs)',
  ],
});

/** A Jenkins job name (`folder/job`) as its URL path: `job/folder/job/job`. */
const jenkinsJobPath = (job: string): string => `job/${job.split('/').map(encodeURIComponent).join('/job/')}`;

export const ciBuildFailures: Signature = family({
  id: 'ci-build-failures',
  title: 'CI builds or pipelines failing',
  weight: 40,
  names: [
    'JenkinsRunFailureTotal',
    'JenkinsBuildTestsFailing',
    'JenkinsLastBuildFailed',
    'JenkinsBuildsHealthScore',
    'GitlabCiPipelineFailuresIncreasing',
  ],
  namePattern:
    /^(?:jenkins|gitlabci)\w*(?:buildfail|testsfailing|runfailure|lastbuild|healthscore|pipelinefail)/,
  summary: (v) =>
    `${v.labels.jenkins_job ? `Job ${q(v.labels.jenkins_job)}` : 'CI builds'} ${v.key.includes('test') ? 'have failing tests' : 'fail'} (\`${v.name}\`).`,
  causes: [
    ['A code or pipeline change broke the build or its tests', 0.4, 'application'],
    ['Flaky tests or agent/runner trouble (out of disk or memory, killed executors)', 0.3, 'infrastructure'],
    [
      'An external dependency of the build is unavailable (package or container registry, SCM, expired credentials)',
      0.2,
      'dependency',
    ],
  ],
  steps: (v) => [
    v.labels.jenkins_job
      ? `curl -s -u '<user>:<api-token>' ${sh(`https://${hostOf(v) ?? '<jenkins>'}/${jenkinsJobPath(v.labels.jenkins_job)}/lastFailedBuild/consoleText`)} | tail -80`
      : "Open the latest failed build's log and find the first error",
    'Compare the first failing build with the last green one: which commits, which agent, which dependency versions',
  ],
});

export const jenkinsHealth: Signature = family({
  id: 'jenkins-health',
  title: 'Jenkins controller health check failing',
  weight: 45,
  names: ['JenkinsHealthcheck', 'JenkinsOutdatedPlugins'],
  summary: (v) =>
    v.key.includes('plugins')
      ? `Jenkins${on(v.instance)} has several plugins with updates available.`
      : `A Jenkins health check${on(v.instance)} fails (\`${v.name}\`): the controller is degraded.`,
  causes: (v) =>
    v.key.includes('plugins')
      ? [['Plugin updates (often security fixes) are available and not yet applied', 0.6, 'configuration']]
      : [
          [
            'The controller is low on disk or temporary space (JENKINS_HOME, /tmp)',
            0.4,
            'resource-exhaustion',
          ],
          ['A plugin failed to load (a failed update, a missing dependency)', 0.3, 'configuration'],
          ['Deadlocked threads in the controller JVM', 0.2, 'application'],
        ],
  steps: (v) => [
    v.key.includes('plugins')
      ? 'Manage Jenkins → Plugins → Updates: read the security warnings first, then update in a maintenance window'
      : `curl -s ${sh(`https://${hostOf(v) ?? '<jenkins>'}/metrics/<metrics-api-key>/healthcheck?pretty=true`)}  # which check fails: disk-space, plugins, temporary-space, thread-deadlock`,
    !v.key.includes('plugins') && 'df -h $JENKINS_HOME /tmp  # on the controller',
  ],
});

export const ciAuthFailures: Signature = family({
  id: 'ci-auth-failures',
  title: 'GitLab runner / Gitaly authentication failures',
  weight: 45,
  names: ['GitlabCiRunnerAuthenticationFailures', 'GitlabGitalyAuthenticationFailures'],
  summary: (v) =>
    `${v.key.includes('gitaly') ? 'Gitaly' : 'GitLab CI runners'}${on(v.instance)} ${v.key.includes('gitaly') ? 'rejects' : 'fail'} authentication (\`${v.name}\`).`,
  causes: (v) => [
    [
      v.key.includes('gitaly')
        ? 'The Gitaly token differs between Gitaly and its clients (rotated on one side, a config change)'
        : 'A runner authentication token expired, was revoked or was rotated',
      0.5,
      'configuration',
    ],
    ['A misconfigured or decommissioned client keeps retrying with old credentials', 0.3, 'configuration'],
    ['Unauthorised access attempts', 0.15, 'application'],
  ],
  steps: (v) => [
    v.key.includes('gitaly')
      ? 'sudo gitlab-rake gitlab:gitaly:check'
      : 'sudo gitlab-runner verify  # on each runner host',
    v.key.includes('gitaly')
      ? `sudo grep -nE "gitaly_token|auth_token|gitaly\\['configuration'\\]|token:" /etc/gitlab/gitlab.rb  # on Gitaly and on the Rails nodes: the tokens must match`
      : 'In GitLab: Admin → CI/CD → Runners — which runners are stale or have expired tokens',
  ],
});

export const gitalyOverload: Signature = family({
  id: 'gitaly-overload',
  title: 'Gitaly overloaded (throttled, rejecting or failing RPCs)',
  weight: 55,
  names: [
    'GitlabGitalyCpuThrottled',
    'GitlabGitalyResourceExhausted',
    'GitlabGitalyCircuitBreakerTripped',
    'GitlabGitalyHighGrpcErrorRate',
    'GitlabGitalyHighRpcLatency',
  ],
  namePattern: /^(?:gitlab)?gitaly\w*(?:throttl|exhaust|circuitbreak|grpcerror|latency)/,
  summary: (v) =>
    `Gitaly${on(v.instance)} is overloaded (\`${v.name}\`): Git operations (push, pull, clone) and the pages that read repositories slow down or fail.`,
  causes: [
    [
      'Expensive Git traffic overloads Gitaly (clone/fetch storms from CI, a very large repository, heavy RPCs)',
      0.45,
      'capacity',
    ],
    ['Concurrency/rate limits or the cgroup CPU limit are set too low for the load', 0.3, 'configuration'],
    ['Slow storage under the repositories (disk I/O latency)', 0.15, 'infrastructure'],
  ],
  steps: (v) => [
    `PromQL: sum by (grpc_method, grpc_code) (rate(grpc_server_handled_total${sel({ job: v.labels.job ?? 'gitaly', instance: v.instance })}[5m]))`,
    'PromQL: topk(10, sum by (grpc_method) (rate(grpc_server_handling_seconds_sum{job="gitaly"}[5m])))  # where Gitaly spends its time',
    "Find the repository and client behind the load in Gitaly's logs (grpc.request.glRepository, correlation_id)",
  ],
});

export const gitlabVersionMismatch: Signature = family({
  id: 'gitlab-version-mismatch',
  title: 'Several GitLab versions running',
  weight: 35,
  names: ['GitlabVersionMismatch'],
  summary: () => 'Several GitLab versions run across the fleet at once.',
  causes: [
    ['A rolling deployment or upgrade is still in progress', 0.5, 'deployment'],
    ['An upgrade failed or stalled on some nodes, leaving them on the old version', 0.35, 'deployment'],
  ],
  steps: () => [
    'PromQL: count by (version) (gitlab_build_info)',
    'sudo gitlab-rake gitlab:env:info  # on a node of each version',
  ],
});

export const appDbPool: Signature = family({
  id: 'app-db-connection-pool',
  title: "Application's database connection pool saturated",
  weight: 58,
  names: [
    'GitlabDatabaseConnectionPoolSaturation',
    'GitlabDatabaseConnectionPoolWaiting',
    'GitlabDatabaseConnectionPoolDeadConnections',
  ],
  namePattern:
    /connectionpool\w*(?:saturat|waiting|exhaust|pending|busy|full|dead)|hikaricp\w*(?:pending|timeout|usage|saturat)/,
  accepts: notOwnDomain,
  summary: (v) =>
    v.key.includes('dead')
      ? `The database connection pool of ${q(v.instance ?? v.pod)}${v.labels.class ? ` (${q(v.labels.class)})` : ''} holds dead connections (\`${v.name}\`).`
      : `The database connection pool of ${q(v.instance ?? v.pod)}${v.labels.class ? ` (${q(v.labels.class)})` : ''} is nearly exhausted (\`${v.name}\`): threads wait for a connection and requests slow down or time out.`,
  causes: (v) =>
    v.key.includes('dead')
      ? [
          [
            'The database restarted or failed over, or the network dropped connections (pooler, firewall or NAT idle timeouts)',
            0.5,
            'dependency',
          ],
          [
            'A server-side idle timeout shorter than the pool reaper kills idle connections',
            0.3,
            'configuration',
          ],
        ]
      : [
          ['Slow queries or lock waits hold connections longer, so the pool runs dry', 0.4, 'dependency'],
          [
            'The pool is smaller than the threads/workers sharing it (db_pool_size below the thread count)',
            0.3,
            'configuration',
          ],
          ['A connection leak: code checks out connections and does not return them', 0.2, 'application'],
        ],
  steps: (v) => [
    v.key.startsWith('gitlab')
      ? `PromQL: gitlab_database_connection_pool_busy${sel({ instance: v.instance })} / gitlab_database_connection_pool_size${sel({ instance: v.instance })}, gitlab_database_connection_pool_waiting${sel({ instance: v.instance })}`
      : exprStep(v, 'per instance'),
    'On the database: the longest-running queries and lock waits now (pg_stat_activity / SHOW PROCESSLIST)',
    v.key.startsWith('gitlab') &&
      'grep -E "db_pool|max_threads" /etc/gitlab/gitlab.rb  # pool size vs Puma/Sidekiq threads',
  ],
});

// ─── DNS: NodeLocal DNSCache ─────────────────────────────────────────────────────────────────────────────

export const nodeLocalDns: Signature = family({
  id: 'nodelocaldns',
  title: 'NodeLocal DNSCache down or failing to set up',
  weight: 62,
  names: ['NodeLocalDNSMetricsDown', 'NodeLocalDNSSetupErrorsHigh', 'NodeLocalDNSSetupErrorsHighNew'],
  summary: (v) =>
    v.key.includes('setup')
      ? `NodeLocal DNSCache${v.node ? ` on ${q(v.node)}` : ''} fails to set itself up${v.labels.errortype ? ` (${q(v.labels.errortype)} errors)` : ''}: pods on the node may lose DNS.`
      : 'NodeLocal DNSCache has disappeared from Prometheus target discovery: its pods are down or no longer scraped.',
  causes: (v) =>
    v.key.includes('setup')
      ? [
          [
            'It cannot add its link-local interface or iptables rules (iptables lock contention, kube-proxy mode or IP conflicts)',
            0.45,
            'configuration',
          ],
          ['Its ConfigMap (Corefile) is invalid or names an unreachable upstream', 0.3, 'configuration'],
        ]
      : [
          ['node-local-dns pods are down or crash-looping', 0.45, 'application'],
          [
            'The scrape configuration no longer finds them (ServiceMonitor/port/label changed)',
            0.3,
            'configuration',
          ],
        ],
  steps: (v) => [
    'kubectl -n kube-system get pods -l k8s-app=node-local-dns -o wide',
    `kubectl -n kube-system logs -l k8s-app=node-local-dns --tail=100${v.labels.errortype ? ` | grep -i ${sh(v.labels.errortype)}` : ''}`,
    'kubectl -n kube-system get configmap node-local-dns -o yaml',
  ],
});

// ─── Spinnaker (CD) and Keycloak (identity) ──────────────────────────────────────────────────────────────

function spinnakerCauses(v: AlertView): CauseSpec[] {
  const k = v.key;
  if (k.includes('zombie'))
    return [
      [
        'Orca lost the queue messages of running executions (Redis failover, eviction or data loss)',
        0.45,
        'dependency',
      ],
      ['An Orca instance was killed or restarted mid-execution', 0.3, 'infrastructure'],
    ];
  if (k.includes('deadmessage'))
    return [
      [
        'Tasks keep failing against a downstream service (Clouddriver, a cloud provider API) until their retries run out',
        0.45,
        'dependency',
      ],
      ['A bad stage or pipeline configuration makes the task fail every time', 0.3, 'configuration'],
    ];
  if (k.includes('itemsoverthreshold'))
    return [
      [
        "A burst of new items (many new tags, builds or images at once) exceeds Igor's caching threshold",
        0.55,
        'data',
      ],
      ['The polling threshold is set too low for that repository or registry', 0.3, 'configuration'],
    ];
  if (k.includes('pollingmonitorfail'))
    return [
      [
        'The CI server, SCM or registry Igor polls is unreachable or rejects its credentials',
        0.5,
        'dependency',
      ],
      ['A wrong Igor integration setting (URL, account, token) after a change', 0.3, 'configuration'],
    ];
  if (k.includes('circuitbreaker'))
    return [
      ['The downstream service behind the breaker fails or times out repeatedly', 0.55, 'dependency'],
      ['Breaker thresholds or timeouts too tight for its normal latency', 0.2, 'configuration'],
    ];
  if (k.includes('ratelimitthrottl'))
    return [
      [
        'A client (a script, automation, a busy UI) sends more API calls than Gate allows',
        0.5,
        'application',
      ],
      ['The rate limit is set too low for legitimate use', 0.3, 'configuration'],
    ];
  if (k.includes('awsratelimit'))
    return [
      [
        'Too many AWS API calls from Clouddriver (caching agents across many accounts and regions)',
        0.5,
        'capacity',
      ],
      ["Other tools share the AWS account's API request quota", 0.3, 'dependency'],
    ];
  return [
    ['Orca has too few instances or handler threads for the pipeline load', 0.4, 'capacity'],
    [
      'A slow downstream service (Clouddriver, rate-limited cloud APIs) holds tasks longer',
      0.35,
      'dependency',
    ],
    ['Its Redis queue store is slow or saturated', 0.15, 'dependency'],
  ];
}

export const spinnaker: Signature = family({
  id: 'spinnaker',
  title: 'Spinnaker pipelines delayed or failing (Orca queue, Igor polling, Clouddriver)',
  weight: 50,
  names: [
    'SpinnakerDeadMessages',
    'SpinnakerPollingMonitorItemsOverThreshold',
    'SpinnakerCircuitBreakerOpen',
    'SpinnakerOrcaQueueBackingUp',
    'SpinnakerOrcaQueueMessageLagHigh',
    'SpinnakerZombieExecutions',
    'SpinnakerPollingMonitorFailures',
    'SpinnakerApiRateLimitThrottling',
    'SpinnakerAwsRateLimiting',
  ],
  summary: (v) =>
    `Spinnaker${on(v.instance)}: \`${v.name}\`${v.labels.monitor ? ` (monitor ${q(v.labels.monitor)})` : ''}${v.labels.name ? ` (${q(v.labels.name)})` : ''} — pipeline executions are delayed, not triggered or failing.`,
  causes: spinnakerCauses,
  steps: (v) => [
    v.key.includes('orca') || v.key.includes('zombie') || v.key.includes('deadmessage')
      ? 'PromQL: queue_ready_depth, rate(queue_dead_messages_total[5m]), rate(queue_zombies_total[5m])'
      : v.key.includes('polling')
        ? `PromQL: sum by (monitor, partition) (pollingMonitor_itemsOverThreshold${sel({ monitor: v.labels.monitor })}), rate(pollingMonitor_failed_total[5m])`
        : exprStep(v, 'per instance'),
    v.namespace
      ? `${kubectl(v.namespace)} logs deploy/${v.key.includes('polling') ? 'spin-igor' : v.key.includes('aws') ? 'spin-clouddriver' : v.key.includes('ratelimit') ? 'spin-gate' : 'spin-orca'} --since=30m | grep -iE 'error|exception|threshold|throttl' | tail -40`
      : 'Read the logs of the Spinnaker service named in the alert (Orca, Igor, Gate, Clouddriver) for the failing calls',
  ],
});

const realm = (v: AlertView): string => (v.labels.realm ? ` in realm ${q(v.labels.realm)}` : '');

export const keycloakAuth: Signature = family({
  id: 'keycloak-auth-failures',
  title: 'Keycloak logins or token exchanges failing',
  weight: 52,
  names: [
    'KeycloakNoSuccessfulLogins',
    'KeycloakHighLoginFailureRate',
    'KeycloakHighTokenRefreshErrorRate',
    'KeycloakHighCode-to-tokenExchangeErrorRate',
  ],
  summary: (v) =>
    v.key.includes('nosuccessful')
      ? `No login succeeds${realm(v)} although users try: an authentication outage.`
      : `Keycloak${realm(v)}: \`${v.name}\` — a high share of ${v.key.includes('refresh') ? 'token refreshes' : v.key.includes('codetotoken') ? 'code-to-token exchanges' : 'logins'} fail.`,
  causes: (v) =>
    v.key.includes('nosuccessful')
      ? [
          [
            'The user store behind the realm (LDAP/AD federation, the database) is unreachable or rejects binds',
            0.4,
            'dependency',
          ],
          [
            'A realm, client or identity-provider change broke authentication (flow, certificate, secret)',
            0.35,
            'configuration',
          ],
        ]
      : v.key.includes('refresh')
        ? [
            [
              'Sessions were lost or expired (a restart or cache/cluster problem, session timeouts shortened)',
              0.4,
              'application',
            ],
            ['Clients keep using revoked or expired refresh tokens', 0.3, 'configuration'],
          ]
        : v.key.includes('codetotoken')
          ? [
              [
                'A misconfigured OAuth client (redirect URI, client secret, PKCE settings)',
                0.45,
                'configuration',
              ],
              ['Replayed or stale authorization codes (double submits, replay attacks)', 0.25, 'application'],
            ]
          : [
              ['A brute-force or credential-stuffing attack', 0.4, 'application'],
              ['A misconfigured client or integration keeps sending wrong credentials', 0.3, 'configuration'],
              ['The user store (LDAP/AD federation) rejects or times out on binds', 0.2, 'dependency'],
            ],
  steps: (v) => [
    `PromQL: sum by (realm, error) (rate({__name__=~"keycloak_failed_login_attempts(_total)?"${v.labels.realm ? `, realm=${pq(v.labels.realm)}` : ''}}[5m]))  # keycloak-metrics-spi; Keycloak 26 native metrics: keycloak_user_events_total{event="login"} by error`,
    v.namespace
      ? `${kubectl(v.namespace)} logs -l app.kubernetes.io/name=keycloak --since=30m | grep -E 'type=(LOGIN_ERROR|CODE_TO_TOKEN_ERROR|REFRESH_TOKEN_ERROR)' | grep -oE 'error=[a-z_]+' | sort | uniq -c | sort -rn`
      : "Group Keycloak's LOGIN_ERROR / CODE_TO_TOKEN_ERROR events by their error= field (invalid_user_credentials, invalid_client_credentials, user_not_found…)",
    v.key.includes('nosuccessful') &&
      'Admin console → User federation: "Test connection" and "Test authentication" on the LDAP provider',
  ],
});

export const serviceSignatures: Signature[] = [
  // Technology-prefixed first: their patterns are narrow.
  nodeLocalDns,
  jobQueueBacklog,
  jobFailures,
  workersDown,
  runtimeMemory,
  goroutines,
  ciAgentsOffline,
  ciBuildFailures,
  jenkinsHealth,
  ciAuthFailures,
  gitalyOverload,
  gitlabVersionMismatch,
  spinnaker,
  keycloakAuth,
  dbConnections,
  dbLocks,
  replicationLag,
  queueBacklog,
  dnsFailures,
  redisMemory,
  jvmMemory,
  // Generic application families last, so that a specific signature gets its alerts first.
  appDbPool,
  saturationSlo,
  sloBurn,
  trafficDrop,
  http5xx,
  highLatency,
];
