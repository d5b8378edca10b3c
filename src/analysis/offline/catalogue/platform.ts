/**
 * Families whose runbooks name specific causes the broader signatures blur: the API server (down, terminated
 * requests), kube-proxy and the kubelet, pod start-up latency, major page faults and load saturation,
 * CloudNativePG clusters, Kafka log directories, ingress-nginx config reloads, Prometheus target/sample/body-size
 * limits and service discovery, Loki tenant limits, alert queues (Prometheus, Thanos Ruler), postgres_exporter
 * errors and generic application restarts. Listed before the broad catalogue modules, so their name patterns win.
 */
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { family, hostArg, q } from './family.ts';

const logs = (v: AlertView, grep: string): string | null =>
  v.pod ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --tail=200 | grep -iE '${grep}' | tail -20` : null;

export const apiServerDown: Signature = family({
  id: 'kube-apiserver-down',
  title: 'Kubernetes API server down',
  weight: 86,
  names: ['KubeAPIDown', 'KubernetesApiServerDown'],
  role: 'cause',
  summary: (v) =>
    `The Kubernetes API server has disappeared from Prometheus target discovery (\`${v.name}\`): if \`kubectl\` still answers, only Prometheus cannot reach it; otherwise nothing in the cluster can be changed.`,
  causes: [
    [
      'API server pods are down or crash looping (static pod manifest, certificates, etcd unreachable)',
      0.5,
      'infrastructure',
    ],
    [
      'Network between Prometheus and the API server is broken (network policy, firewall, control-plane security group)',
      0.35,
      'network',
    ],
  ],
  steps: () => [
    'kubectl get --raw=/readyz?verbose | tail -20  # does the API answer you at all?',
    'kubectl -n kube-system get pods -l component=kube-apiserver -o wide',
    'On a control-plane node: crictl ps -a | grep kube-apiserver; crictl logs <container-id> | tail -50',
    'PromQL: up{job="apiserver"}',
  ],
});

export const apiServerTerminated: Signature = family({
  id: 'kube-apiserver-terminated-requests',
  title: 'Kubernetes API server rejecting requests (API Priority and Fairness)',
  weight: 70,
  names: ['KubeAPITerminatedRequests', 'KubeAPITerminatedRequestsHigh'],
  summary: (v) =>
    `The Kubernetes API server terminates a share of its incoming requests (\`${v.name}\`): API Priority and Fairness rejects what its queues cannot hold, so clients see 429s and retries.`,
  causes: (_v, ctx) => [
    [
      'A flood of requests from one client (a misbehaving controller, operator or CI job) is throttled by API Priority and Fairness',
      0.5,
      'capacity',
    ],
    [
      'etcd slow or unhealthy behind the API server',
      ctx.all.some((view) => view.firing && view.key.startsWith('etcd')) ? 0.6 : 0.25,
      'dependency',
    ],
    [
      'Flow schema / priority level concurrency shares too small for the legitimate load',
      0.2,
      'configuration',
    ],
  ],
  steps: () => [
    'PromQL: topk(10, sum by (flow_schema, priority_level, reason) (rate(apiserver_flowcontrol_rejected_requests_total[5m])))',
    'PromQL: topk(10, sum by (user_agent, resource, verb) (rate(apiserver_request_total[5m])))  # who sends the traffic',
    'kubectl get flowschemas,prioritylevelconfigurations',
  ],
});

export const kubeProxyDown: Signature = family({
  id: 'kube-proxy-down',
  title: 'kube-proxy down',
  weight: 80,
  names: ['KubeProxyDown'],
  role: 'cause',
  summary: (v) =>
    `kube-proxy has disappeared from Prometheus target discovery (\`${v.name}\`): Services on the affected nodes may stop routing to their pods.`,
  causes: [
    [
      'kube-proxy pods are down or crash looping (DaemonSet, node problems, bad config)',
      0.5,
      'infrastructure',
    ],
    [
      "Network policy or the node firewall blocks Prometheus from kube-proxy's metrics port (10249, often bound to 127.0.0.1)",
      0.35,
      'network',
    ],
  ],
  steps: () => [
    'kubectl -n kube-system get ds kube-proxy; kubectl -n kube-system get pods -l k8s-app=kube-proxy -o wide',
    'kubectl -n kube-system logs -l k8s-app=kube-proxy --tail=50',
    'kubectl -n kube-system get cm kube-proxy -o yaml | grep -n metricsBindAddress',
    'kubectl get networkpolicy -A',
    'PromQL: up{job="kube-proxy"}',
  ],
});

export const kubeletDown: Signature = family({
  id: 'kubelet-down',
  title: 'Kubelet down',
  weight: 80,
  names: ['KubeletDown'],
  role: 'cause',
  summary: (v) =>
    `Kubelets have disappeared from Prometheus target discovery (\`${v.name}\`): pods on those nodes are not managed and the nodes go NotReady.`,
  causes: [
    [
      'The kubelet is down or crashing on some nodes (node crash, kubelet config, certificate, container runtime)',
      0.5,
      'infrastructure',
    ],
    ['Network between Prometheus and the nodes (port 10250) is blocked or unreachable', 0.35, 'network'],
  ],
  steps: () => [
    'kubectl get nodes -o wide | grep -v " Ready"',
    'PromQL: up{job="kubelet", metrics_path="/metrics"} == 0',
    "On an affected node: systemctl status kubelet; journalctl -u kubelet --since '-30min' | tail -50",
  ],
});

export const podStartupLatency: Signature = family({
  id: 'kubelet-pod-startup-latency',
  title: 'Kubelet pod start-up slow',
  weight: 56,
  names: ['KubeletPodStartUpLatencyHigh'],
  summary: (v) =>
    `Pods take long to start on node ${q(v.node)} (\`${v.name}\`): new replicas and restarts are slow there.`,
  causes: [
    [
      'The node storage is slow: disk IOPS exhausted (image layers, volumes, logs)',
      0.5,
      'resource-exhaustion',
    ],
    ['The container runtime (containerd/CRI-O) is slow or hung', 0.3, 'infrastructure'],
    ['Slow image pulls or volume attachment delay pod start-up', 0.2, 'dependency'],
  ],
  steps: (v) => [
    v.node && `kubectl describe node ${sh(v.node)} | sed -n '/Conditions/,/Events/p'`,
    `PromQL: rate(node_disk_io_time_seconds_total${sel({ instance: v.instance?.replace(/:\d+$/, ':9100') })}[5m])`,
    v.node &&
      `PromQL: histogram_quantile(0.99, sum by (le) (rate(kubelet_pod_worker_duration_seconds_bucket${sel({ node: v.node })}[5m])))`,
    v.node && `kubectl cordon ${sh(v.node)}  # then drain and replace the node if its disk stays saturated`,
  ],
});

export const majorPageFaults: Signature = family({
  id: 'node-major-page-faults',
  title: 'Node memory thrashing (major page faults)',
  weight: 60,
  names: ['NodeMemoryMajorPagesFaults', 'HostMemoryMajorPageFaults'],
  summary: (v) =>
    `\`${v.instance ?? v.node ?? '?'}\` reads pages back from disk at a high rate (\`${v.name}\`): it lacks free memory and swaps or thrashes, so everything on it slows down.`,
  causes: [
    ['Not enough free memory: the host swaps and thrashes (memory pressure)', 0.55, 'resource-exhaustion'],
    ['Pods without memory limits, or requests far below use, overcommit the host', 0.3, 'capacity'],
  ],
  steps: (v) => [
    `ssh ${sh(hostArg(v))} 'free -m; vmstat 1 5; ps aux --sort=-rss | head -15'`,
    `PromQL: rate(node_vmstat_pgmajfault${sel({ instance: v.instance })}[5m]), node_memory_MemAvailable_bytes${sel({ instance: v.instance })}`,
    'Add memory or capacity, set memory requests/limits, tune swap (vm.swappiness)',
  ],
});

export const systemSaturation: Signature = family({
  id: 'node-system-saturation',
  title: 'Node system saturated (load)',
  weight: 40,
  names: ['NodeSystemSaturation', 'NodeLoadHigh', 'HostHighLoad'],
  summary: (v) =>
    `The load per core on \`${v.instance ?? v.node ?? '?'}\` is high (\`${v.name}\`): more runnable or I/O-blocked tasks than CPUs, so processes wait.`,
  causes: [
    ['Too many processes or pods compete for the CPUs (the host is overloaded)', 0.45, 'capacity'],
    ['Tasks blocked on slow disk I/O raise the load (I/O saturation)', 0.3, 'resource-exhaustion'],
  ],
  steps: (v) => [
    `ssh ${sh(hostArg(v))} 'uptime; top -b -n1 | head -20; vmstat 1 5'`,
    `PromQL: node_load1${sel({ instance: v.instance })} / count without (cpu, mode) (node_cpu_seconds_total${sel({ instance: v.instance, mode: 'idle' })})`,
  ],
});

const cnpgCluster = (v: AlertView): string =>
  q(v.labels.cnpg_cluster ?? v.labels.cluster ?? v.labels.pg_cluster, '<cluster>');

export const cnpg: Signature = family({
  id: 'cloudnativepg-cluster',
  title: 'CloudNativePG cluster degraded',
  weight: 74,
  namePattern: /^cnpg/,
  summary: (v) =>
    `CloudNativePG cluster ${cnpgCluster(v)}${v.namespace ? ` in \`${v.namespace}\`` : ''}: \`${v.name}\`.`,
  causes: (v) =>
    v.key.includes('samenode') || v.key.includes('zonespread')
      ? [
          [
            'Pod anti-affinity / topology spread not set or not enforced (preferred, not required)',
            0.5,
            'configuration',
          ],
          ['Not enough schedulable nodes (taints, cordoned nodes) to spread the instances', 0.35, 'capacity'],
        ]
      : v.key.includes('connection')
        ? [
            [
              'Clients open more connections than max_connections allows (no pooler, leaked connections)',
              0.5,
              'capacity',
            ],
            ['max_connections too low for the workload', 0.3, 'configuration'],
          ]
        : v.key.includes('lag') || v.key.includes('replication')
          ? [
              ['A replica cannot keep up: write burst, slow disk or network', 0.5, 'capacity'],
              ['A replica is down or stuck replaying WAL', 0.3, 'infrastructure'],
            ]
          : v.key.includes('disk') || v.key.includes('space') || v.key.includes('storage')
            ? [
                [
                  'The PVC fills up: data growth, WAL piling up (failing archive or replication slot)',
                  0.55,
                  'resource-exhaustion',
                ],
                ['The volume is too small for the data', 0.3, 'capacity'],
              ]
            : [
                [
                  'Instances are down: pods failing or unschedulable (node failure, PVC problems, resource limits)',
                  0.5,
                  'infrastructure',
                ],
                ['Storage of the instances is full or unavailable', 0.25, 'resource-exhaustion'],
                ['A failed failover or operator problem keeps replicas from rejoining', 0.2, 'application'],
              ],
  steps: (v) => [
    `kubectl cnpg status ${cnpgCluster(v).replaceAll('`', '')}${v.namespace ? ` -n ${sh(v.namespace)}` : ''}`,
    `${kubectl(v.namespace)} get pods -l cnpg.io/cluster=${(v.labels.cnpg_cluster ?? '<cluster>').replaceAll("'", '')} -o wide`,
    v.key.includes('samenode') &&
      `${kubectl(v.namespace)} get cluster ${cnpgCluster(v).replaceAll('`', '')} -o jsonpath='{.spec.affinity}'; kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints`,
  ],
});

export const kafkaLogDir: Signature = family({
  id: 'kafka-log-dir-offline',
  title: 'Kafka log directory offline',
  weight: 84,
  names: ['KafkaOfflineLogDirs', 'OfflineLogDirectoryCount', 'KafkaOfflineLogDirectory'],
  namePattern: /^kafka\w*logdir\w*offline|^kafka\w*offline\w*logdir/,
  role: 'cause',
  summary: (v) =>
    `A Kafka log directory is offline${v.labels.kubernetes_pod_name ? ` on \`${v.labels.kubernetes_pod_name}\`` : v.instance ? ` on \`${v.instance}\`` : ''} (\`${v.name}\`): the replicas on it are lost, so partitions go under-replicated or offline.`,
  causes: [
    [
      'The disk or filesystem behind the log directory failed (I/O errors, corruption): Kafka took it offline',
      0.6,
      'infrastructure',
    ],
    ['The log volume is full', 0.3, 'resource-exhaustion'],
  ],
  steps: (v) => [
    v.labels.kubernetes_pod_name &&
      `${kubectl(v.namespace)} logs ${sh(v.labels.kubernetes_pod_name)} | grep -iE 'IOException|offline|log dir' | tail -20`,
    'PromQL: kafka_log_logmanager_offlinelogdirectorycount > 0',
    'dmesg -T | grep -iE "i/o error|ext4|xfs" on the broker host; replace the disk, then restart the broker to reassign replicas',
  ],
});

export const nginxConfigFailed: Signature = family({
  id: 'ingress-nginx-config-failed',
  title: 'ingress-nginx configuration reload failed',
  weight: 70,
  names: ['NGINXConfigFailed', 'NginxIngressConfigReloadFailed', 'IngressNginxConfigReloadFailed'],
  namePattern: /^(?:ingress)?nginx\w*config\w*(?:fail|reload)/,
  summary: (v) =>
    `ingress-nginx failed its config test (\`${v.name}\`): it keeps the previous configuration, so new or changed Ingresses are not served until the bad one is fixed.`,
  causes: [
    [
      'A bad Ingress configuration (annotation, configuration-snippet) fails the nginx config test',
      0.55,
      'configuration',
    ],
  ],
  deploy: {
    title: () => 'A recent Ingress change (annotation, snippet) broke the nginx configuration',
    likelihood: 0.35,
  },
  steps: (v) => [
    `${kubectl(v.namespace ?? 'ingress-nginx')} logs -l app.kubernetes.io/component=controller --tail=200 | grep -iE 'emerg|error|test failed' | tail -20`,
    'PromQL: nginx_ingress_controller_config_last_reload_successful == 0',
    'kubectl get ingress -A --sort-by=.metadata.creationTimestamp | tail -5  # the latest Ingress changes; revert the faulty one',
  ],
});

const prom = (v: AlertView): string => q(v.pod ?? v.instance ?? v.labels.job);

export const promTargetLimit: Signature = family({
  id: 'prometheus-target-limit',
  title: 'Prometheus target limit hit',
  weight: 52,
  names: ['PrometheusTargetLimitHit'],
  role: 'cause',
  summary: (v) =>
    `${prom(v)} drops targets because a scrape config has more targets than its target_limit (\`${v.name}\`): their metrics are missing.`,
  causes: [
    [
      'More scrape targets than the target_limit allows (the job grew): raise the limit or shard Prometheus',
      0.6,
      'capacity',
    ],
  ],
  steps: (v) => [
    'PromQL: sum by (scrape_job) (prometheus_target_scrape_pool_exceeded_target_limit_total), prometheus_target_scrape_pool_targets',
    logs(v, 'target_limit|limit'),
  ],
});

export const promSampleLimit: Signature = family({
  id: 'prometheus-sample-limit',
  title: 'Prometheus sample, label or body-size limit hit',
  weight: 54,
  names: ['PrometheusScrapeSampleLimitHit', 'PrometheusScrapeBodySizeLimitHit', 'PrometheusLabelLimitHit'],
  role: 'cause',
  summary: (v) =>
    `${prom(v)} rejects scrapes that exceed a configured limit (\`${v.name}\`): those targets are not ingested and count as down.`,
  causes: (v) =>
    v.key.includes('bodysize')
      ? [
          [
            "A target's response exceeds body_size_limit: it exposes far more series than before (cardinality), or the limit is too small",
            0.6,
            'application',
          ],
        ]
      : [
          [
            'A target exposes more samples/labels than its limit: a cardinality explosion, or the limit is too small',
            0.6,
            'application',
          ],
        ],
  steps: (v) => [
    'PromQL: topk(10, scrape_samples_scraped), topk(10, scrape_body_size_bytes)',
    'Prometheus UI → Status → Targets: the scrape error names the target and the limit',
    logs(v, 'limit|body size'),
  ],
});

export const lokiRateLimit: Signature = family({
  id: 'loki-tenant-rate-limit',
  title: 'Loki tenant rate-limited',
  weight: 52,
  names: ['LokiTenantRateLimit', 'LokiIngestionRateLimited'],
  namePattern: /^loki\w*ratelimit/,
  summary: (v) =>
    `Loki answers 429 to ${q(v.labels.job)}${v.labels.route ? ` on \`${v.labels.route}\`` : ''} (\`${v.name}\`): a tenant is over its limits and its logs or queries are rejected.`,
  causes: [
    [
      'A tenant exceeds its ingestion limits (ingestion rate, per-stream rate, max streams): more logs than its limits allow',
      0.6,
      'capacity',
    ],
    ['The per-tenant limits are set too low for the normal log volume', 0.3, 'configuration'],
  ],
  steps: () => [
    'PromQL: sum by (tenant, reason) (rate(loki_discarded_samples_total[5m]))  # rate_limited, stream_limit, line_too_long…',
    'Raise the tenant limits (ingestion_rate_mb, ingestion_burst_size_mb, max_global_streams_per_user) or reduce the log volume',
  ],
});

export const exporterErrors: Signature = family({
  id: 'exporter-query-errors',
  title: 'Database exporter query errors',
  weight: 30,
  names: ['PostgresqlExporterError', 'PostgresExporterError', 'PgExporterScrapeError'],
  summary: (v) =>
    `The PostgreSQL exporter on ${q(v.instance)} reports errors (\`${v.name}\`): some metrics are missing; the database itself may be fine.`,
  causes: [
    [
      'A custom query in the exporter (queries.yaml) is buggy or fails on this server version/schema',
      0.55,
      'configuration',
    ],
    ['The monitoring user lacks permissions (pg_monitor) or cannot connect', 0.3, 'configuration'],
  ],
  steps: (v) => [
    `curl -s ${sh(`http://${v.instance ?? '<exporter>:9187'}/metrics`)} | grep -E '^pg_exporter_last_scrape_error|^pg_up'`,
    'Check the exporter log for the failing query; run it by hand with psql as the monitoring user',
  ],
});

export const appRestarts: Signature = family({
  id: 'application-restarts',
  title: 'Application restarting too often',
  weight: 45,
  namePattern: /(?:toomany|frequent|high)\w*restarts?$|restarts(?:high|toohigh)?$/,
  accepts: (v) => !/^(?:kube|kubernetes|container)/.test(v.key),
  summary: (v) =>
    `${q(v.labels.service ?? v.labels.job ?? v.deployment ?? v.pod, 'The service')}${v.namespace ? ` in \`${v.namespace}\`` : ''} restarts more than expected (\`${v.name}\`): an unstable service.`,
  causes: [
    ['An application bug: a panic or unhandled exception crashes it', 0.45, 'application'],
    ['A misconfiguration (bad config, missing env variable or secret) makes it exit', 0.3, 'configuration'],
    [
      'A resource constraint: OOM kills at the memory limit, or failing liveness probes under load',
      0.25,
      'resource-exhaustion',
    ],
  ],
  deploy: { title: () => 'A recent rollout makes the service crash', likelihood: 0.2 },
  steps: (v) => [
    v.namespace &&
      `${kubectl(v.namespace)} get pods -o wide${v.labels.service ? ` | grep ${sh(v.labels.service)}` : ''}`,
    v.namespace &&
      `${kubectl(v.namespace)} describe pod ${v.pod ? sh(v.pod) : '<pod>'} | grep -A5 'Last State'  # exit code, OOMKilled`,
    v.namespace && `${kubectl(v.namespace)} logs ${v.pod ? sh(v.pod) : '<pod>'} --previous | tail -50`,
    // Every Prometheus client library exports the process start time: each change is a restart.
    `PromQL: changes(process_start_time_seconds${sel({ job: v.labels.job, instance: v.instance })}[1h])`,
    !v.namespace &&
      `journalctl -u ${sh(v.labels.service ?? v.labels.job ?? '<unit>')} --since "1 hour ago" | grep -iE "exit|killed|panic|fatal"  # on the host`,
  ],
});

export const platformSignatures: readonly Signature[] = [
  apiServerDown,
  apiServerTerminated,
  kubeProxyDown,
  kubeletDown,
  podStartupLatency,
  majorPageFaults,
  systemSaturation,
  cnpg,
  kafkaLogDir,
  nginxConfigFailed,
  promTargetLimit,
  promSampleLimit,
  lokiRateLimit,
  exporterErrors,
  appRestarts,
];
