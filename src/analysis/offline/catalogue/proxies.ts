/**
 * Proxies and apps: HAProxy, Traefik, Envoy/Istio backends down, upstream connection errors, saturation;
 * 4xx rates (client errors, not server ones); JVM GC time and thread pools; etcd request failures;
 * cert-manager rate limits.
 */

import { domainOf } from '../domain.ts';
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { family, q } from './family.ts';

/** The backend/cluster/service a proxy alert names. */
const backend = (v: AlertView): string | undefined =>
  v.labels.backend ??
  v.labels.proxy ??
  v.labels.envoy_cluster_name ??
  v.labels.cluster_name ??
  v.labels.service ??
  v.labels.server;
const proxyName = (v: AlertView): string =>
  v.key.startsWith('haproxy')
    ? 'HAProxy'
    : v.key.startsWith('traefik')
      ? 'Traefik'
      : v.key.startsWith('envoy') || v.key.startsWith('istio')
        ? 'Envoy'
        : v.key.startsWith('nginx')
          ? 'NGINX'
          : 'The proxy';
const proxyStats = (v: AlertView): string =>
  v.key.startsWith('haproxy')
    ? `echo "show stat" | socat stdio /var/run/haproxy.sock | cut -d, -f1,2,18,37,38 | grep -v ',UP'  # or the stats page of ${v.instance ?? 'HAProxy'}`
    : v.key.startsWith('envoy') || v.key.startsWith('istio')
      ? `curl -s http://${v.instance ? v.instance.replace(/:\d+$/, '') : '<envoy>'}:9901/clusters | grep -E 'health_flags|cx_connect_fail'${backend(v) ? ` | grep ${sh(backend(v) as string)}` : ''}`
      : "Check the proxy dashboard/API for the service's servers and their health";

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
  ],
  namePattern: /^(?:haproxy|traefik|envoy|nginx)\w*(?:down|noalive|nohealthy|healthcheck|notlive|membership)/,
  summary: (v) =>
    v.key === 'haproxydown' || v.key === 'envoyservernotlive' || v.key === 'nginxdown'
      ? `${proxyName(v)} ${q(v.instance ?? v.pod)} itself is down or draining: all traffic through it fails.`
      : `${proxyName(v)} has no (or too few) healthy servers for ${q(backend(v))}: requests routed there fail with 503 "no healthy upstream".`,
  causes: (v) =>
    v.key === 'haproxydown' || v.key === 'envoyservernotlive' || v.key === 'nginxdown'
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
    `PromQL: ${v.key.startsWith('envoy') ? `envoy_cluster_membership_healthy${sel({ envoy_cluster_name: v.labels.envoy_cluster_name })}` : v.key.startsWith('traefik') ? `traefik_service_server_up${sel({ service: v.labels.service })}` : `haproxy_server_up${sel({ proxy: v.labels.proxy ?? v.labels.backend })}`}`,
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
  ],
  namePattern: /4xx/,
  deploy: {
    title: () => 'A recent release changed routes, auth or the API contract clients rely on',
    likelihood: 0.35,
  },
  summary: (v) =>
    `${q(backend(v) ?? v.labels.ingress ?? v.labels.host ?? v.instance)} answers many requests with 4xx (client errors): clients send requests the service rejects.`,
  causes: [
    [
      'Clients call routes or use credentials that no longer work (removed route, expired token, 401/403/404)',
      0.4,
      'configuration',
    ],
    ['Rate limiting (429) or request size limits (413) hit by a client or a bot', 0.3, 'capacity'],
    ['A scanner or misbehaving client generates bad requests', 0.2, 'application'],
  ],
  steps: (v) => [
    "Break the 4xx down by status code and path in the access logs: `awk '{print $9, $7}' access.log | sort | uniq -c | sort -rn | head`",
    v.namespace &&
      (v.labels.ingress ?? v.labels.service) &&
      `${kubectl(v.namespace)} describe ingress ${sh((v.labels.ingress ?? v.labels.service) as string)}`,
  ],
});

export const jvmGc: Signature = family({
  id: 'jvm-gc-time',
  title: 'JVM spending too much time in GC',
  weight: 57,
  names: ['JvmGcTimeHigh', 'JvmHighGcTime', 'JvmGcPauseTooLong', 'JavaGcOverhead', 'JvmGcOverheadHigh'],
  namePattern: /(?:jvm|java)\w*gc|gc\w*(?:time|pause|overhead|duration)/,
  accepts: (v) => domainOf(v) !== 'elasticsearch' && domainOf(v) !== 'cassandra',
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
  jvmGc,
  threadPool,
  etcdRequests,
  certManagerRateLimit,
];
