/**
 * Proxies and apps: HAProxy, Traefik, Envoy/Istio backends down, upstream connection errors, saturation;
 * 4xx rates (client errors, not server ones); JVM GC time and thread pools; etcd request failures;
 * cert-manager rate limits.
 */

import { domainOf } from '../domain.ts';
import { hostOf, kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { family, hostArg, q, where } from './family.ts';

/** The backend/cluster/service a proxy alert names. */
const backend = (v: AlertView): string | undefined =>
  v.labels.backend ??
  v.labels.proxy ??
  v.labels.envoy_cluster_name ??
  v.labels.cluster_name ??
  v.labels.service ??
  v.labels.server ??
  v.labels.upstream;
const proxyName = (v: AlertView): string =>
  v.key.startsWith('haproxy')
    ? 'HAProxy'
    : v.key.startsWith('traefik')
      ? 'Traefik'
      : v.key.startsWith('envoy') || v.key.startsWith('istio')
        ? 'Envoy'
        : v.key.startsWith('nginx')
          ? 'NGINX'
          : v.key.startsWith('apache')
            ? 'Apache'
            : v.key.startsWith('caddy')
              ? 'Caddy'
              : 'The proxy';
const proxyStats = (v: AlertView): string =>
  v.key.startsWith('haproxy')
    ? `echo "show stat" | socat stdio /var/run/haproxy.sock | cut -d, -f1,2,18,37,38 | grep -v ',UP'  # or the stats page of ${v.instance ?? 'HAProxy'}`
    : v.key.startsWith('envoy') || v.key.startsWith('istio')
      ? `curl -s ${sh(`http://${v.instance ? v.instance.replace(/:\d+$/, '') : '<envoy>'}:9901/clusters`)} | grep -E 'health_flags|cx_connect_fail'${backend(v) ? ` | grep ${sh(backend(v) as string)}` : ''}`
      : "Check the proxy dashboard/API for the service's servers and their health";

/** The metric that shows the proxy's (or its servers') health. */
function healthQuery(v: AlertView): string {
  if (v.key.startsWith('envoy'))
    return `envoy_cluster_membership_healthy${sel({ envoy_cluster_name: v.labels.envoy_cluster_name })}`;
  if (v.key.startsWith('traefik')) return `traefik_service_server_up${sel({ service: v.labels.service })}`;
  if (v.key.startsWith('caddy'))
    return `caddy_reverse_proxy_upstreams_healthy${sel({ upstream: v.labels.upstream })}`;
  if (v.key.startsWith('apache')) return `apache_up${sel({ instance: v.instance })}`;
  if (v.key.startsWith('nginx')) return `nginx_up${sel({ instance: v.instance })}`;
  return `haproxy_server_up${sel({ proxy: v.labels.proxy ?? v.labels.backend })}`;
}

/** Alerts about the proxy/web server process itself, not its backends. */
const PROXY_ITSELF: ReadonlySet<string> = new Set([
  'haproxydown',
  'envoyservernotlive',
  'nginxdown',
  'apachedown',
]);

export const proxyBackendDown: Signature = family({
  id: 'proxy-backend-down',
  title: 'Proxy backend down / no healthy upstream',
  weight: 73,
  names: [
    'HaproxyDown',
    'HaproxyBackendDown',
    'HaproxyServerDown',
    'HaproxyHasNoAliveBackends',
    'HaproxyServerHealthcheckFailure',
    'TraefikServiceDown',
    'TraefikBackendDown',
    'EnvoyServerNotLive',
    'EnvoyClusterMembershipEmpty',
    'EnvoyClusterMembershipDegraded',
    'EnvoyNoHealthyUpstream',
    'EnvoyClusterHealthCheckFailures',
    'EnvoyClusterOutlierDetectionEjectionsActive',
    'NginxDown',
    'ApacheDown',
    'CaddyReverseProxyDown',
  ],
  // `down` but not `downstream` (Envoy's downstream 5xx/timeouts/overflow are not a backend down).
  namePattern:
    /^(?:haproxy|traefik|envoy|nginx|caddy)\w*(?:down(?!stream)|noalive|nohealthy|healthcheck|notlive|membership)/,
  summary: (v) =>
    PROXY_ITSELF.has(v.key)
      ? `${proxyName(v)} ${q(v.instance ?? v.pod)} itself is down or draining: all traffic through it fails.`
      : `${proxyName(v)} has no (or too few) healthy servers for ${q(backend(v))}: requests routed there fail with 503 "no healthy upstream".`,
  causes: (v) =>
    PROXY_ITSELF.has(v.key)
      ? [
          ['The proxy process crashed, was OOM-killed, or is draining for a restart', 0.5, 'infrastructure'],
          ['A bad proxy configuration makes it fail to start or reload', 0.3, 'configuration'],
        ]
      : [
          ['The backend pods/servers are down, crashing or not ready', 0.5, 'application'],
          [
            'The health check fails although the app runs (wrong path/port, check timeout too short, app slow)',
            0.3,
            'configuration',
          ],
          ['Network/firewall between the proxy and its backends', 0.15, 'network'],
        ],
  steps: (v) => [
    proxyStats(v),
    v.namespace && backend(v)
      ? `${kubectl(v.namespace)} get endpoints ${sh(backend(v) as string)}`
      : v.namespace && `${kubectl(v.namespace)} get pods -o wide | grep -v Running`,
    `PromQL: ${healthQuery(v)}`,
  ],
});

export const proxyUpstreamErrors: Signature = family({
  id: 'proxy-upstream-errors',
  title: 'Proxy upstream connection errors / timeouts',
  weight: 62,
  names: [
    'HaproxyBackendConnectionErrors',
    'HaproxyServerConnectionErrors',
    'HaproxyServerResponseErrors',
    'HaproxyRetryHigh',
    'EnvoyHighClusterUpstreamConnectionFailures',
    'EnvoyHighClusterUpstreamRequestTimeoutRate',
    'EnvoyClusterCircuitBreakerTripped',
    'EnvoyHighDownstreamRequestTimeoutRate',
    'EnvoyListenerSslConnectionErrors',
  ],
  namePattern:
    /^(?:haproxy|envoy|traefik)\w*(?:connectionerror|connectionfailure|timeout|retr|circuitbreak|responseerror)/,
  summary: (v) =>
    `${proxyName(v)} fails to connect to, or times out on, ${q(backend(v))} (\`${v.name}\`): clients see 502/503/504.`,
  causes: [
    ['The upstream servers are overloaded, restarting or refusing connections', 0.45, 'application'],
    ["Timeouts or circuit-breaker limits tighter than the upstream's normal latency", 0.25, 'configuration'],
    [
      'Network problems or connection exhaustion (ports, conntrack) between proxy and upstream',
      0.2,
      'network',
    ],
  ],
  steps: (v) => [
    proxyStats(v),
    v.namespace && `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'`,
    "Compare the upstream's own latency and error rate with the proxy's timeouts over the same window",
  ],
});

export const proxySaturation: Signature = family({
  id: 'proxy-saturation',
  title: 'Proxy saturated (queued requests, session or connection limits)',
  weight: 54,
  names: [
    'HaproxyPendingRequests',
    'HaproxyBackendMaxActiveSession',
    'HaproxyBackendMaxActiveSessions',
    'HaproxyBackendMaxActiveSession>80%',
    'HaproxyHttpSlowingDown',
    'EnvoyDownstreamConnectionsOverflowing',
    'EnvoyGlobalDownstreamConnectionsOverflowing',
    'EnvoyHighMemoryUsage',
    'NginxTooManyConnections',
  ],
  summary: (v) =>
    `${proxyName(v)} ${q(backend(v) ?? v.instance)} is saturated (\`${v.name}\`): requests queue or connections are refused.`,
  causes: [
    [
      'More traffic than the backend servers/maxconn allow (spike, retries, a slow backend holding sessions)',
      0.45,
      'capacity',
    ],
    ['maxconn / connection limits configured too low', 0.3, 'configuration'],
  ],
  steps: (v) => [
    proxyStats(v),
    'Check the request rate over the last hours for a spike, and the backend latency for a slowdown',
  ],
});

export const http4xx: Signature = family({
  id: 'http-4xx',
  title: 'High HTTP 4xx (client error) rate',
  weight: 34,
  names: [
    'NginxHighHttp4xxErrorRate',
    'HaproxyHighHttp4xxErrorRateBackend',
    'HaproxyHighHttp4xxErrorRateServer',
    'TraefikHighHttp4xxErrorRateService',
    'TraefikHighHttp4xxErrorRateBackend',
    'EnvoyHighDownstreamHttp4xxErrorRate',
    'CaddyHighHttp4xxErrorRateService',
    'NGINXTooMany400s',
    'HaproxyFrontendSecurityBlockedRequests',
  ],
  namePattern: /4xx/,
  deploy: {
    title: () => 'A recent release changed routes, auth or the API contract clients rely on',
    likelihood: 0.35,
  },
  summary: (v) =>
    v.key.includes('denied') || v.key.includes('blocked')
      ? `${proxyName(v)} ${q(v.labels.frontend ?? v.labels.proxy ?? v.instance)} denies many requests by its ACL/security rules (\`${v.name}\`): clients get 403 or are cut off.`
      : `${q(backend(v) ?? v.labels.ingress ?? v.labels.host ?? v.instance)} answers many requests with 4xx (client errors): clients send requests the service rejects.`,
  causes: (v) =>
    v.key.includes('denied') || v.key.includes('blocked')
      ? [
          [
            'A scanner, bot or abusive client trips the deny ACLs or stick-table rate limits (an attack or a crawler)',
            0.45,
            'application',
          ],
          [
            'A recent ACL/allow-list or rate-limit change denies legitimate clients (new client IPs, NAT, a limit too low)',
            0.35,
            'configuration',
          ],
        ]
      : [
          [
            'Clients call routes or use credentials that no longer work (removed route, expired token, 401/403/404)',
            0.4,
            'configuration',
          ],
          ['Rate limiting (429) or request size limits (413) hit by a client or a bot', 0.3, 'capacity'],
          ['A scanner or misbehaving client generates bad requests', 0.2, 'application'],
        ],
  steps: (v) => [
    (v.key.includes('denied') || v.key.includes('blocked')) &&
      `echo "show table" | socat stdio /var/run/haproxy.sock  # stick tables: which clients are tracked and at what rates${(v.labels.proxy ?? v.labels.frontend) ? `; then: echo ${sh(`show table ${v.labels.proxy ?? v.labels.frontend}`)} | socat stdio /var/run/haproxy.sock` : ''}`,
    (v.key.includes('denied') || v.key.includes('blocked')) &&
      `PromQL: sum by (proxy) (rate(haproxy_frontend_denied_connections_total${sel({ proxy: v.labels.proxy })}[5m])), sum by (proxy) (rate(haproxy_frontend_requests_denied_total${sel({ proxy: v.labels.proxy })}[5m]))`,
    "Break the 4xx down by status code and path in the access logs: `awk '{print $9, $7}' access.log | sort | uniq -c | sort -rn | head`",
    v.namespace &&
      (v.labels.ingress ?? v.labels.service) &&
      `${kubectl(v.namespace)} describe ingress ${sh((v.labels.ingress ?? v.labels.service) as string)}`,
  ],
});

const OTHER_RUNTIME = /^(?:go(?=gc|mem|heap|goroutine|stack|thread)|golang|python|ruby|nodejs)/;

export const traefikConfigReload: Signature = family({
  id: 'traefik-config-reload-failed',
  title: 'Traefik failing to reload its configuration',
  weight: 60,
  names: ['TraefikConfigReloadFailuresIncreasing'],
  namePattern: /^traefik\w*(?:config|reload)\w*fail/,
  role: 'cause',
  deploy: {
    title: () => 'A recent change to an IngressRoute, Ingress, middleware or Traefik config is invalid',
    likelihood: 0.4,
  },
  summary: (v) =>
    `Traefik${v.labels.job ? ` (${q(v.labels.job)})` : ''} fails to reload its configuration: it keeps serving the last good one, so new or changed routes are not applied.`,
  causes: [
    [
      'A provider supplies an invalid configuration (a bad IngressRoute/Ingress/middleware, a malformed TLS secret, a broken dynamic file)',
      0.45,
      'configuration',
    ],
    [
      'Traefik cannot read its provider (Kubernetes API RBAC for new CRDs, an unreachable file/KV/Docker provider)',
      0.3,
      'configuration',
    ],
  ],
  steps: (v) => [
    `${kubectl(v.namespace ?? 'traefik')} logs -l app.kubernetes.io/name=traefik --since=30m | grep -iE 'error|cannot|invalid|skipping' | tail -30`,
    'kubectl get ingressroutes,middlewares,ingresses -A --sort-by=.metadata.creationTimestamp | tail -10  # the newest routing objects',
    `PromQL: sum by (job) (rate(traefik_config_reloads_failure_total${sel({ job: v.labels.job })}[5m]))`,
  ],
});

export const jvmGc: Signature = family({
  id: 'jvm-gc-time',
  title: 'JVM spending too much time in GC',
  weight: 57,
  names: ['JvmGcTimeHigh', 'JvmHighGcTime', 'JvmGcPauseTooLong', 'JavaGcOverhead', 'JvmGcOverheadHigh'],
  namePattern: /(?:jvm|java)\w*gc|gc\w*(?:time|pause|overhead|duration)/,
  // Go, Python and Ruby runtimes have GC alerts of their own (app-runtime-memory).
  accepts: (v) =>
    domainOf(v) !== 'elasticsearch' && domainOf(v) !== 'cassandra' && !OTHER_RUNTIME.test(v.key),
  summary: (v) =>
    `The JVM of ${q(v.pod ?? v.instance ?? v.labels.job)} spends a large share of its time in garbage collection: requests stall during pauses.`,
  causes: [
    [
      'The heap is nearly full: live data grows (leak, cache without bound) and GC runs back to back',
      0.45,
      'application',
    ],
    ['Heap too small or GC poorly tuned for the allocation rate', 0.3, 'capacity'],
    ["The container's CPU limit throttles the GC threads", 0.15, 'capacity'],
  ],
  steps: (v) => [
    `PromQL: sum by (gc) (rate(jvm_gc_collection_seconds_sum${sel({ namespace: v.namespace, pod: v.pod, instance: v.pod ? undefined : v.instance })}[5m])), jvm_memory_bytes_used{area="heap"} / jvm_memory_bytes_max{area="heap"}`,
    v.pod && `${kubectl(v.namespace)} exec ${sh(v.pod)} -- jcmd 1 GC.heap_info`,
    v.pod && `${kubectl(v.namespace)} exec ${sh(v.pod)} -- jstat -gcutil 1 1000 5`,
  ],
});

export const threadPool: Signature = family({
  id: 'thread-pool-exhausted',
  title: 'Thread pool exhausted / threads blocked',
  weight: 55,
  names: [
    'JvmThreadPoolExhausted',
    'TomcatThreadPoolExhausted',
    'JvmThreadsDeadlocked',
    'JvmThreadsBlocked',
    'TomcatThreadsBusy',
  ],
  namePattern: /threadpool|threadsdeadlock|threadsblocked|threadsbusy|workerpool\w*(?:exhaust|full)/,
  accepts: (v) => domainOf(v) !== 'elasticsearch' && domainOf(v) !== 'mysql',
  summary: (v) =>
    `${q(v.pod ?? v.instance ?? v.labels.job)} has run out of worker threads (\`${v.name}\`): new requests queue or are rejected.`,
  causes: (v) =>
    v.key.includes('deadlock')
      ? [["Threads deadlock on each other's locks (a code bug)", 0.6, 'application']]
      : [
          [
            'Threads wait on a slow dependency (database, HTTP call without timeout), so the pool fills',
            0.45,
            'dependency',
          ],
          ['More concurrent requests than the pool size (traffic spike)', 0.3, 'capacity'],
          ['Threads blocked on a lock or deadlocked', 0.15, 'application'],
        ],
  steps: (v) => [
    v.pod
      ? `${kubectl(v.namespace)} exec ${sh(v.pod)} -- jcmd 1 Thread.print | grep -E 'java.lang.Thread.State' | sort | uniq -c`
      : 'Take a thread dump (jcmd <pid> Thread.print) and count threads per state and per top frame',
    "Check the latency of the service's dependencies over the same window",
  ],
});

const ssh = (v: AlertView): string => `ssh ${sh(hostOf(v) ?? '<host>')}`;

/** Which application server a worker-pool alert is about. */
const appServer = (v: AlertView): 'apache' | 'phpfpm' | 'puma' | 'workhorse' | 'other' =>
  v.key.startsWith('apache')
    ? 'apache'
    : v.key.includes('phpfpm') || v.key.startsWith('fpm')
      ? 'phpfpm'
      : v.key.includes('puma') || v.key.includes('rubythreads')
        ? 'puma'
        : v.key.includes('workhorse')
          ? 'workhorse'
          : 'other';

export const webServerWorkers: Signature = family({
  id: 'web-server-workers-saturated',
  title: 'Web/app server worker pool saturated (Apache, PHP-FPM, Puma, Gunicorn)',
  weight: 56,
  names: [
    'ApacheWorkersLoad',
    'Php-fpmMax-childrenReached',
    'Php-fpmListenQueueSaturation',
    'Php-fpmBusyProcessRatioHigh',
    'Php-fpmSlowRequestsRatio',
    'GitlabPumaHighQueuedConnections',
    'GitlabPumaNoAvailablePoolCapacity',
    'GitlabPumaHighThreadPoolUtilization',
    'GitlabRubyThreadsSaturated',
    'GitlabWorkhorseHighIn-flightRequests',
  ],
  // The app servers by prefix; an unprefixed `WorkersSaturated`/`WorkerSaturation` only for no known domain.
  namePattern:
    /^(?:apache|phpfpm|fpm|puma|gunicorn|uwsgi|unicorn|passenger)\w*(?:worker|children|busy|listenqueue|queued|pool|capacity|saturat|thread|slowrequest)|^workers?(?:saturat|busy|exhaust)|^\w*workerssaturated$/,
  // Apache Kafka, Spark, Flink… are not the Apache HTTP server.
  accepts: (v) =>
    !/^apache(?:kafka|spark|flink|cassandra|zookeeper|pulsar|solr|hadoop|druid|ignite|activemq|nifi)/.test(
      v.key,
    ) &&
    (/^(?:apache|phpfpm|fpm|puma|gunicorn|uwsgi|unicorn|passenger)/.test(v.key) || domainOf(v) === undefined),
  role: 'symptom',
  deploy: {
    title: () => 'A recent release made requests slower (a heavier code path holds workers longer)',
    likelihood: 0.2,
  },
  summary: (v) =>
    v.key.includes('slow')
      ? `${appServerName(v)} on ${q(where(v))} serves many requests slower than its slow-log threshold (\`${v.name}\`).`
      : `${appServerName(v)} on ${q(where(v))} is running out of free workers (\`${v.name}\`): new requests queue in the listen backlog and then time out (502/504 at the proxy).`,
  causes: (v) =>
    v.key.includes('slow')
      ? [
          [
            'Slow downstream calls (database queries, external APIs) keep requests past the slow-log threshold',
            0.45,
            'dependency',
          ],
          ['CPU-heavy or inefficient code paths (a heavy endpoint, a recent release)', 0.3, 'application'],
          ['The host or container is CPU-starved (throttling, noisy neighbours)', 0.15, 'capacity'],
        ]
      : [
          [
            'Requests hold workers longer than usual: a slow dependency (database, external API) or slow code',
            0.4,
            'dependency',
          ],
          [
            'More concurrent traffic than the pool can serve (a spike, a bot, client retries)',
            0.3,
            'capacity',
          ],
          [
            `The pool is sized too small for the load (${appServer(v) === 'apache' ? 'MaxRequestWorkers/ServerLimit' : appServer(v) === 'phpfpm' ? 'pm.max_children' : appServer(v) === 'puma' ? "puma['worker_processes'] / max_threads" : 'workers/threads'})`,
            0.2,
            'configuration',
          ],
        ],
  steps: (v) => {
    const kind = appServer(v);
    return [
      kind === 'apache' &&
        `curl -s ${sh(`http://${hostArg(v)}/server-status?auto`)} | grep -E 'BusyWorkers|IdleWorkers|ReqPerSec'  # needs mod_status`,
      kind === 'apache' &&
        `${ssh(v)} "grep -RiE 'MaxRequestWorkers|ServerLimit|KeepAliveTimeout' /etc/apache2 /etc/httpd 2>/dev/null"`,
      kind === 'phpfpm' &&
        `PromQL: increase(phpfpm_max_children_reached_total${sel({ instance: v.instance })}[1h]), phpfpm_listen_queue_connections${sel({ instance: v.instance })}, phpfpm_processes_total${sel({ instance: v.instance, state: 'active' })}  # bakins exporter; the hipages one: phpfpm_max_children_reached, phpfpm_listen_queue, phpfpm_active_processes`,
      kind === 'phpfpm' &&
        `${ssh(v)} "grep -hE '^(pm|pm\\.max_children|request_slowlog_timeout|slowlog)' /etc/php/*/fpm/pool.d/*.conf /etc/php-fpm.d/*.conf 2>/dev/null"  # then read the slowlog for the slow call stacks`,
      kind === 'puma' &&
        `PromQL: puma_pool_capacity${sel({ instance: v.instance })}, puma_queued_connections${sel({ instance: v.instance })}, puma_active_connections${sel({ instance: v.instance })} / puma_max_threads${sel({ instance: v.instance })}`,
      kind === 'puma' &&
        `${ssh(v)} 'sudo gitlab-ctl status puma; sudo tail -n 100 /var/log/gitlab/puma/current'`,
      kind === 'workhorse' &&
        `PromQL: histogram_quantile(0.95, sum by (le, route) (rate(gitlab_workhorse_http_request_duration_seconds_bucket${sel({ instance: v.instance })}[5m])))`,
      v.pod
        ? `${kubectl(v.namespace)} top pod ${sh(v.pod)}`
        : v.namespace && `${kubectl(v.namespace)} top pods --sort-by=cpu | head -15`,
      "Compare the request latency of the app's dependencies (database, downstream APIs) over the same window",
    ];
  },
});

function appServerName(v: AlertView): string {
  switch (appServer(v)) {
    case 'apache':
      return 'Apache';
    case 'phpfpm':
      return 'PHP-FPM';
    case 'puma':
      return 'Puma';
    case 'workhorse':
      return 'GitLab Workhorse';
    default:
      return 'The app server';
  }
}

export const webServerRestarted: Signature = family({
  id: 'web-server-restarted',
  title: 'Web server restarted',
  weight: 40,
  names: ['ApacheRestart'],
  summary: (v) =>
    `${appServerName(v)} on ${q(v.instance)} has just restarted (uptime under a minute): in-flight requests were dropped.`,
  causes: [
    ['A deploy, configuration reload or package upgrade restarted it', 0.4, 'deployment'],
    [
      'The server crashed (segfault in a module, OOM kill) and its supervisor restarted it',
      0.35,
      'application',
    ],
    ['The host rebooted', 0.15, 'infrastructure'],
  ],
  steps: (v) => [
    `${ssh(v)} "journalctl -u apache2 -u httpd --since '1 hour ago' --no-pager | tail -30; last -x reboot | head -3"`,
    `${ssh(v)} "grep -iE 'segfault|exit signal|resuming normal operations|caught SIGTERM' /var/log/apache2/error.log /var/log/httpd/error_log 2>/dev/null | tail -20"`,
    `${ssh(v)} "dmesg -T | grep -iE 'oom|segfault' | tail"`,
  ],
});

export const etcdRequests: Signature = family({
  id: 'etcd-requests',
  title: 'etcd requests failing or slow',
  weight: 72,
  names: [
    'etcdHighNumberOfFailedGRPCRequests',
    'etcdGRPCRequestsSlow',
    'etcdMemberCommunicationSlow',
    'etcdHighNumberOfFailedProposals',
    'etcdHighNumberOfFailedHTTPRequests',
    'etcdHTTPRequestsSlow',
  ],
  summary: (v) =>
    `etcd ${q(v.instance ?? v.pod)}: \`${v.name}\` — the Kubernetes API server sees slow or failing writes and reads.`,
  causes: (v) =>
    v.key.includes('communication') || v.key.includes('proposal')
      ? [
          ['Network latency or packet loss between etcd members', 0.45, 'network'],
          ['Disk too slow for etcd (WAL fsync / backend commit latency)', 0.35, 'infrastructure'],
          ['Leader elections from an overloaded member', 0.15, 'capacity'],
        ]
      : [
          ['Disk too slow for etcd (WAL fsync / backend commit latency)', 0.4, 'infrastructure'],
          ['Expensive requests (large LISTs from a controller) overload etcd', 0.3, 'capacity'],
          ['A member is unhealthy or unreachable', 0.2, 'infrastructure'],
        ],
  steps: () => [
    'etcdctl endpoint status --cluster -w table; etcdctl endpoint health --cluster',
    'PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m]))), histogram_quantile(0.99, sum by (instance, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[5m])))',
    'PromQL: sum by (grpc_method, grpc_code) (rate(grpc_server_handled_total{job=~".*etcd.*", grpc_code!="OK"}[5m]))',
  ],
});

export const certManagerRateLimit: Signature = family({
  id: 'cert-manager-rate-limits',
  title: 'cert-manager hitting ACME rate limits',
  weight: 60,
  names: ['CertManagerHittingRateLimits', 'CertManagerHittingACMERateLimits'],
  summary: () =>
    "cert-manager is being rate-limited by the ACME server (Let's Encrypt): new certificates and renewals are refused until the limit window passes.",
  causes: [
    [
      'ACME rate limits hit: a Certificate keeps failing and being retried, or is re-issued in a loop (a secret deleted, duplicate Certificates)',
      0.5,
      'configuration',
    ],
    [
      'Too many certificates for one registered domain per week (per-subdomain certs instead of a wildcard)',
      0.3,
      'capacity',
    ],
  ],
  steps: () => [
    'kubectl get certificates,certificaterequests,orders -A | grep -v True',
    'kubectl -n cert-manager logs deploy/cert-manager --tail=200 | grep -i "rate limit"',
    'PromQL: sum by (host, status) (rate(certmanager_http_acme_client_request_count[1h]))',
  ],
});

export const proxySignatures: Signature[] = [
  proxyBackendDown,
  proxyUpstreamErrors,
  proxySaturation,
  http4xx,
  webServerWorkers,
  webServerRestarted,
  traefikConfigReload,
  jvmGc,
  threadPool,
  etcdRequests,
  certManagerRateLimit,
];
