/**
 * The monitoring stack watching itself: Prometheus (config, service discovery, TSDB, WAL, remote write, rules,
 * notification queue, scrape limits), Alertmanager (reload, cluster), Thanos (compactor, query, receive,
 * sidecar, store, ruler) and Loki (requests, compactor, ruler), from their mixins and awesome-prometheus-alerts.
 */
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { family, q } from './family.ts';

/** The Prometheus/Alertmanager the alert is about: pod, else instance, else job. */
const server = (v: AlertView): string => q(v.pod ?? v.instance ?? v.labels.job);
const logs = (v: AlertView, grep: string): string | null =>
  v.pod ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --tail=200 | grep -iE '${grep}' | tail -20` : null;
const inst = (v: AlertView) => ({ instance: v.instance, pod: v.pod });

export const promConfig: Signature = family({
  id: 'prometheus-bad-config',
  title: 'Prometheus/Alertmanager configuration reload failed',
  weight: 58,
  names: [
    'PrometheusBadConfig',
    'PrometheusConfigurationReloadFailure',
    'AlertmanagerFailedReload',
    'PrometheusAlertmanagerConfigurationReloadFailure',
    'BlackboxConfigurationReloadFailure',
    'ThanosRuleConfigReloadFailure',
    'ThanosReceiveConfigReloadFailure',
    'ConfigReloaderSidecarErrors',
  ],
  namePattern: /(?:config\w*reload\w*fail|failedreload|badconfig)/,
  summary: (v) =>
    `${server(v)} failed to reload its configuration (\`${v.name}\`): it keeps running the previous config, so the latest changes (rules, receivers, scrape jobs) are not in effect.`,
  causes: [
    [
      'The new configuration is invalid (YAML/template syntax, unknown field, bad PromQL in a rule)',
      0.55,
      'configuration',
    ],
    [
      'A file the config references is missing or unreadable (secret, rule file, TLS certificate)',
      0.25,
      'configuration',
    ],
  ],
  deploy: {
    title: () => 'A recent config change (PrometheusRule, AlertmanagerConfig, Helm values) is invalid',
    likelihood: 0.4,
  },
  steps: (v) => [
    logs(v, 'error|reload|config'),
    v.key.startsWith('alertmanager') || v.key.includes('alertmanager')
      ? 'amtool check-config alertmanager.yml'
      : 'promtool check config prometheus.yml && promtool check rules <rule-files>',
    `PromQL: ${v.key.includes('alertmanager') ? 'alertmanager' : 'prometheus'}_config_last_reload_successful${sel(inst(v))}`,
    v.namespace && `${kubectl(v.namespace)} get events --sort-by=.lastTimestamp | tail -10`,
  ],
});

export const promDiscovery: Signature = family({
  id: 'prometheus-service-discovery',
  title: 'Prometheus service discovery failing',
  weight: 48,
  names: [
    'PrometheusSDRefreshFailure',
    'PrometheusKubernetesListWatchFailures',
    'PrometheusTargetSyncFailure',
    'PrometheusTargetEmpty',
    'PrometheusJobMissing',
    'PrometheusAllTargetsMissing',
    'PrometheusAlertmanagerJobMissing',
  ],
  summary: (v) =>
    `${server(v)} ${v.key.includes('missing') || v.key.includes('empty') ? 'has no targets for a job' : 'fails to discover or sync its targets'} (\`${v.name}\`): the metrics of those targets stop and their alerts cannot fire.`,
  causes: [
    [
      'Prometheus lacks RBAC to list/watch (Endpoints, Pods, Services) or the cloud SD credentials expired',
      0.4,
      'configuration',
    ],
    [
      'The selectors match nothing any more (ServiceMonitor labels, namespace selector, renamed service)',
      0.35,
      'configuration',
    ],
    ['The API server or discovery backend is unavailable', 0.2, 'dependency'],
  ],
  steps: (v) => [
    logs(v, 'discovery|list|watch|forbidden'),
    'PromQL: sum by (mechanism) (rate(prometheus_sd_kubernetes_failures_total[5m]) or rate(prometheus_sd_refresh_failures_total[5m]))',
    v.labels.job && `PromQL: up${sel({ job: v.labels.job })}`,
    'kubectl get servicemonitors,podmonitors -A',
  ],
});

export const promTsdb: Signature = family({
  id: 'prometheus-tsdb-failing',
  title: 'Prometheus TSDB failing (compaction, reload, WAL)',
  weight: 66,
  names: [
    'PrometheusTSDBReloadsFailing',
    'PrometheusTSDBCompactionsFailing',
    'PrometheusTsdbCompactionsFailed',
    'PrometheusTsdbReloadFailures',
    'PrometheusTsdbWalCorruptions',
    'PrometheusTsdbWalTruncationsFailed',
    'PrometheusTsdbHeadTruncationsFailed',
    'PrometheusTsdbCheckpointCreationFailures',
    'PrometheusTsdbCheckpointDeletionFailures',
    'PrometheusNotIngestingSamples',
  ],
  namePattern: /^prometheus\w*(?:tsdb|wal|compaction)/,
  summary: (v) =>
    `Prometheus ${server(v)} fails TSDB maintenance (\`${v.name}\`): blocks are not compacted or the WAL is unhealthy, so disk grows, queries slow, and samples may be lost.`,
  causes: [
    ['The data volume is full or nearly full', 0.45, 'resource-exhaustion'],
    ['A corrupted block or WAL segment (unclean shutdown, OOM kill, disk error)', 0.35, 'data'],
    ['Not enough memory for compaction of a high-cardinality head', 0.15, 'capacity'],
  ],
  steps: (v) => [
    logs(v, 'compact|wal|corrupt|no space|error'),
    v.pod && `${kubectl(v.namespace)} exec ${sh(v.pod)} -- df -h /prometheus`,
    `PromQL: rate(prometheus_tsdb_compactions_failed_total${sel(inst(v))}[1h]), prometheus_tsdb_wal_corruptions_total${sel(inst(v))}`,
    'A corrupt block can be moved out of the data directory (then restart); `promtool tsdb analyze` shows cardinality',
  ],
});

export const promRemoteWrite: Signature = family({
  id: 'prometheus-remote-write',
  title: 'Prometheus remote write failing or behind',
  weight: 56,
  names: [
    'PrometheusRemoteStorageFailures',
    'PrometheusRemoteWriteBehind',
    'PrometheusRemoteWriteDesiredShards',
  ],
  namePattern: /remotewrite|remotestorage/,
  summary: (v) =>
    `Prometheus ${server(v)} cannot ship samples to remote storage ${q(v.labels.remote_name ?? v.labels.url)} fast enough (\`${v.name}\`): the remote side lags and, past the WAL retention, data is lost.`,
  causes: [
    [
      'The remote endpoint (Thanos Receive, Mimir, Cortex, a vendor) rejects or throttles writes: 5xx, 429, auth',
      0.45,
      'dependency',
    ],
    [
      'Too few shards or too small queue settings for the sample rate (max_shards reached)',
      0.3,
      'configuration',
    ],
    ['Network latency or bandwidth to the endpoint', 0.2, 'network'],
  ],
  steps: (v) => [
    logs(v, 'remote|429|5[0-9][0-9]|timeout'),
    `PromQL: rate(prometheus_remote_storage_samples_failed_total${sel(inst(v))}[5m]), prometheus_remote_storage_shards_desired${sel(inst(v))} / prometheus_remote_storage_shards_max${sel(inst(v))}`,
    'Check the receiving side for errors and ingestion limits at the same time',
  ],
});

export const promRules: Signature = family({
  id: 'prometheus-rule-failures',
  title: 'Prometheus rule evaluation failing or slow',
  weight: 54,
  names: [
    'PrometheusRuleFailures',
    'PrometheusRuleEvaluationFailures',
    'PrometheusMissingRuleEvaluations',
    'PrometheusRuleEvaluationSlow',
    'PrometheusTemplateTextExpansionFailures',
    'ThanosRuleHighRuleEvaluationFailures',
    'ThanosRuleHighRuleEvaluationWarnings',
    'ThanosRuleRuleEvaluationLatencyHigh',
    'ThanosRuleNoEvaluationFor10Intervals',
    'ThanosNoRuleEvaluations',
    'LokiRulerFailedEvaluations',
  ],
  namePattern: /ruleevaluation|rulefailures|rulegroup/,
  summary: (v) =>
    `${server(v)} fails or is too slow to evaluate rules${v.labels.rule_group ? ` (group \`${v.labels.rule_group}\`)` : ''} (\`${v.name}\`): alerts from those rules may not fire.`,
  causes: [
    [
      'A rule is broken: "many-to-many matching", "vector contains metrics with the same labelset", a bad template',
      0.45,
      'configuration',
    ],
    [
      'Queries too expensive for the interval (high cardinality, long ranges): evaluation overruns',
      0.3,
      'capacity',
    ],
    ['The query backend (Thanos Query, remote read) is slow or failing', 0.2, 'dependency'],
  ],
  steps: (v) => [
    logs(v, 'rule|evaluat|error'),
    'PromQL: sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[10m])) > 0',
    'PromQL: topk(10, prometheus_rule_group_last_duration_seconds / prometheus_rule_group_interval_seconds)',
    'promtool check rules <rule-files>; run the failing expression in the UI to see its error',
  ],
});

export const promNotificationQueue: Signature = family({
  id: 'prometheus-notification-queue',
  title: 'Prometheus alert notification queue full',
  weight: 50,
  names: [
    'PrometheusNotificationQueueRunningFull',
    'PrometheusNotificationsBacklog',
    'ThanosRuleQueueIsDroppingAlerts',
    'ThanosRuleSenderIsFailingAlerts',
  ],
  summary: (v) =>
    `${server(v)} cannot hand its alerts to Alertmanager fast enough (\`${v.name}\`): the notification queue fills and alerts are dropped or delayed.`,
  causes: [
    [
      'An alert storm: far more firing alerts than the queue holds (duplicate or erroneous alerts from a misconfigured rule, a cluster-wide outage)',
      0.45,
      'capacity',
    ],
    ['Alertmanager is slow, down or unreachable from the sender', 0.35, 'dependency'],
    [
      'A problematic alerting configuration (a conflicting option, bad relabeling) keeps alerts from being sent',
      0.2,
      'configuration',
    ],
  ],
  steps: (v) => [
    `PromQL: prometheus_notifications_queue_length${sel(inst(v))} / prometheus_notifications_queue_capacity${sel(inst(v))}`,
    'PromQL: rate(prometheus_notifications_errors_total[5m]), count(ALERTS{alertstate="firing"})',
    logs(v, 'notif|alertmanager'),
  ],
});

export const promScrapeLimits: Signature = family({
  id: 'prometheus-scrape-problems',
  title: 'Prometheus scrape limits or sample problems',
  weight: 30,
  names: [
    'PrometheusLargeScrape',
    'PrometheusDuplicateTimestamps',
    'PrometheusOutOfOrderTimestamps',
    'PrometheusTargetScrapeDuplicate',
    'PrometheusTargetScrapingSlow',
    'PrometheusTimeseriesCardinality',
    'PrometheusHighQueryLoad',
  ],
  summary: (v) =>
    `${server(v)} drops or rejects scraped data (\`${v.name}\`): some targets' metrics are incomplete.`,
  causes: [
    [
      'A target exposes far more series than before (cardinality explosion: a label with user IDs, URLs)',
      0.45,
      'application',
    ],
    [
      'Two targets or relabelings produce the same series (duplicate/out-of-order samples)',
      0.25,
      'configuration',
    ],
    ['Prometheus is under-provisioned for its load (CPU, memory, query load)', 0.2, 'capacity'],
  ],
  steps: (v) => [
    'PromQL: topk(10, scrape_samples_scraped), topk(10, count by (__name__) ({__name__=~".+"}))',
    logs(v, 'limit|duplicate|out of order'),
    'Drop or relabel the offending metric/label with metric_relabel_configs, or raise sample_limit deliberately',
  ],
});

export const alertmanagerCluster: Signature = family({
  id: 'alertmanager-cluster',
  title: 'Alertmanager cluster unhealthy',
  weight: 52,
  names: [
    'AlertmanagerMembersInconsistent',
    'AlertmanagerConfigInconsistent',
    'AlertmanagerClusterDown',
    'AlertmanagerClusterCrashlooping',
    'PrometheusAlertmanagerConfigNotSynced',
  ],
  summary: (v) =>
    `The Alertmanager cluster${v.labels.service ? ` \`${v.labels.service}\`` : ''} is unhealthy (\`${v.name}\`): members disagree or are down, so notifications may be duplicated or lost.`,
  causes: [
    ['Members cannot gossip with each other (port 9094 blocked, wrong --cluster.peer, DNS)', 0.4, 'network'],
    ['Pods crash or restart (OOM, bad config on one replica)', 0.35, 'application'],
    ['Replicas run different configs (a rollout in progress or a stuck replica)', 0.2, 'configuration'],
  ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -l app.kubernetes.io/name=alertmanager -o wide`,
    'PromQL: alertmanager_cluster_members, count by (config_hash) (alertmanager_config_hash)',
    logs(v, 'cluster|gossip|peer|error'),
  ],
});

export const thanosCompact: Signature = family({
  id: 'thanos-compactor',
  title: 'Thanos compactor halted or failing',
  weight: 60,
  names: [
    'ThanosCompactHalted',
    'ThanosCompactMultipleRunning',
    'ThanosCompactHighCompactionFailures',
    'ThanosCompactHasNotRun',
    'ThanosCompactBucketHighOperationFailures',
    'LokiTooManyCompactorsRunning',
    'LokiCompactorHasNotSuccessfullyRunCompaction',
  ],
  namePattern: /^(?:thanos|loki|mimir|cortex)\w*compact/,
  summary: (v) =>
    `The ${v.key.startsWith('loki') ? 'Loki' : 'Thanos'} compactor${v.pod ? ` \`${v.pod}\`` : ''} ${v.key.includes('multiple') || v.key.includes('toomany') ? 'runs more than once: concurrent compactors corrupt the bucket' : 'is halted or not compacting'} (\`${v.name}\`): blocks pile up, queries slow down and retention is not applied.`,
  causes: (v) =>
    v.key.includes('multiple') || v.key.includes('toomany')
      ? [
          [
            'More than one compactor points at the same bucket (a second deployment, scaled replicas)',
            0.7,
            'configuration',
          ],
        ]
      : [
          [
            'Overlapping or corrupted blocks in the bucket halt the compactor (it stops on a critical error)',
            0.45,
            'data',
          ],
          ['Object storage errors: credentials, permissions, rate limits', 0.3, 'dependency'],
          ['Not enough local disk or memory to compact large blocks', 0.2, 'resource-exhaustion'],
        ],
  steps: (v) => [
    logs(v, 'halt|overlap|error|critical') ??
      `${kubectl(v.namespace)} logs -l app.kubernetes.io/component=compactor --tail=200 | grep -iE 'halt|overlap|error'`,
    'PromQL: thanos_compact_halted, rate(thanos_compact_group_compactions_failures_total[1h]), rate(thanos_objstore_bucket_operation_failures_total[5m])',
    'thanos tools bucket verify --objstore.config-file=<bucket.yml>  # find overlapping blocks; mark them for deletion/no-compaction, then restart the compactor',
  ],
});

export const thanosQuery: Signature = family({
  id: 'thanos-query-store',
  title: 'Thanos query path failing or slow',
  weight: 50,
  names: [
    'ThanosQueryHttpRequestQueryErrorRateHigh',
    'ThanosQueryHttpRequestQueryRangeErrorRateHigh',
    'ThanosQueryGrpcServerErrorRate',
    'ThanosQueryGrpcClientErrorRate',
    'ThanosQueryHighDNSFailures',
    'ThanosQueryInstantLatencyHigh',
    'ThanosQueryRangeLatencyHigh',
    'ThanosQueryOverload',
    'ThanosStoreGrpcErrorRate',
    'ThanosStoreSeriesGateLatencyHigh',
    'ThanosStoreBucketHighOperationFailures',
    'ThanosStoreObjstoreOperationLatencyHigh',
    'ThanosSidecarBucketOperationsFailed',
    'ThanosSidecarNoConnectionToStartedPrometheus',
    'ThanosRuleQueryHighDNSFailures',
    'ThanosRuleAlertmanagerHighDNSFailures',
    'ThanosRuleGrpcErrorRate',
  ],
  namePattern: /^thanos(?:query|store|sidecar)/,
  summary: (v) =>
    `Thanos ${q(v.labels.job ?? v.pod)} is failing or slow (\`${v.name}\`): dashboards and rules that query through it get errors or time out.`,
  causes: (v) => [
    ...(v.key.includes('dns')
      ? ([
          ['Store/endpoint DNS names do not resolve (renamed service, SRV records)', 0.5, 'configuration'],
        ] as const)
      : []),
    ...(v.key.includes('sidecarnoconnection')
      ? ([['The Prometheus next to the sidecar is down or not ready', 0.55, 'dependency']] as const)
      : []),
    ['A StoreAPI behind it (store gateway, sidecar, receive) is down or slow', 0.4, 'dependency'],
    ['Object storage errors or latency (credentials, rate limits, region)', 0.3, 'dependency'],
    ['Queries too heavy: high cardinality or long ranges exhaust memory/concurrency', 0.25, 'capacity'],
  ],
  steps: (v) => [
    logs(v, 'error|timeout|dns|store') ??
      `${kubectl(v.namespace)} logs -l app.kubernetes.io/name=thanos-query --tail=100 | grep -iE 'error|timeout'`,
    'PromQL: sum by (job, grpc_code) (rate(grpc_server_handled_total{grpc_code!="OK", job=~".*thanos.*"}[5m]))',
    'Check the Stores page of Thanos Query (/stores) for unhealthy endpoints',
  ],
});

export const thanosReceive: Signature = family({
  id: 'thanos-receive',
  title: 'Thanos Receive failing to ingest or replicate',
  weight: 56,
  names: [
    'ThanosReceiveHttpRequestErrorRateHigh',
    'ThanosReceiveHttpRequestLatencyHigh',
    'ThanosReceiveHighReplicationFailures',
    'ThanosReceiveHighForwardRequestFailures',
    'ThanosReceiveHighHashringFileRefreshFailures',
    'ThanosReceiveNoUpload',
    'ThanosReceiveTrafficBelowThreshold',
  ],
  namePattern: /^thanosreceive/,
  summary: (v) =>
    `Thanos Receive ${q(v.pod ?? v.labels.job)} fails to ingest (\`${v.name}\`): remote-writing Prometheus servers back up and may lose samples.`,
  causes: [
    [
      'Receive replicas down or restarting: the hashring cannot reach its replication factor',
      0.4,
      'infrastructure',
    ],
    ['Hashring config out of date (scaled replicas not in the hashring file)', 0.3, 'configuration'],
    ['Overloaded: too many series per tenant, memory limits, slow disk', 0.2, 'capacity'],
  ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -l app.kubernetes.io/component=receive -o wide`,
    logs(v, 'hashring|replicat|forward|error'),
    'PromQL: rate(thanos_receive_replications_total{result="error"}[5m]), rate(thanos_receive_forward_requests_total{result="error"}[5m])',
  ],
});

export const monitoringComponentDown: Signature = family({
  id: 'monitoring-component-down',
  title: 'Monitoring component down',
  weight: 40,
  names: [
    'ThanosCompactIsDown',
    'ThanosQueryIsDown',
    'ThanosReceiveIsDown',
    'ThanosRuleIsDown',
    'ThanosSidecarIsDown',
    'ThanosStoreIsDown',
    'ThanosBucketReplicateIsDown',
    'PrometheusTooManyRestarts',
    'LokiProcessTooManyRestarts',
    'CertManagerAbsent',
    'PrometheusOperatorDown',
    'KubeStateMetricsDown',
    'NodeExporterDown',
  ],
  namePattern: /^(?:thanos|loki|promtail|mimir|tempo)\w*(?:isdown|down|absent)$/,
  summary: (v) =>
    `\`${v.name}\`: ${q(v.labels.job ?? v.pod ?? v.instance)} is not running or not scraped — what it does (and the alerts built on it) is blind meanwhile.`,
  causes: [
    ['Its pods crash, are OOM-killed or cannot be scheduled', 0.45, 'application'],
    ['Its scrape target vanished (ServiceMonitor/labels changed) while it still runs', 0.3, 'configuration'],
  ],
  steps: (v) => [
    v.labels.job
      ? `${kubectl(v.namespace)} get pods${v.namespace ? '' : ' -A'} | grep -i ${sh(v.labels.job)}`
      : `${kubectl(v.namespace)} get pods${v.namespace ? '' : ' -A'} | grep -vE 'Running|Completed'`,
    `PromQL: up${sel({ job: v.labels.job })}`,
    v.pod && `${kubectl(v.namespace)} describe pod ${sh(v.pod)} | tail -20`,
  ],
});

export const lokiRequests: Signature = family({
  id: 'loki-request-errors',
  title: 'Loki requests failing or slow',
  weight: 48,
  names: [
    'LokiRequestErrors',
    'LokiRequestPanics',
    'LokiRequestPanic',
    'LokiRequestLatency',
    'PromtailRequestErrors',
    'PromtailRequestLatency',
    'LokiIngesterUnhealthy',
    'LokiDiscardedSamples',
  ],
  namePattern: /^(?:loki|promtail)/,
  summary: (v) =>
    `Loki${v.labels.job ? ` \`${v.labels.job}\`` : ''}${v.labels.route ? ` (route \`${v.labels.route}\`)` : ''} ${v.key.includes('latency') ? 'answers slowly' : 'returns errors'} (\`${v.name}\`): log queries or log shipping fail.`,
  causes: [
    [
      'Ingesters or queriers overloaded or OOM-killed (big queries, high stream cardinality)',
      0.4,
      'capacity',
    ],
    ['Object storage or the index store failing (credentials, rate limits)', 0.3, 'dependency'],
    ['Clients hit per-tenant limits (rate, streams, max query length)', 0.2, 'configuration'],
  ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -o wide | grep -iE 'loki|ingester|querier|distributor'`,
    `PromQL: sum by (job, route, status_code) (rate(loki_request_duration_seconds_count${sel({ job: v.labels.job })}[5m]))`,
    `${kubectl(v.namespace)} logs -l app.kubernetes.io/name=loki --tail=200 | grep -iE 'level=error|limit|panic' | tail -20`,
  ],
});

export const promOperator: Signature = family({
  id: 'prometheus-operator',
  title: 'Prometheus Operator failing to reconcile',
  weight: 46,
  names: [
    'PrometheusOperatorRejectedResources',
    'PrometheusOperatorReconcileErrors',
    'PrometheusOperatorSyncFailed',
    'PrometheusOperatorNotReady',
    'PrometheusOperatorListErrors',
    'PrometheusOperatorWatchErrors',
    'PrometheusOperatorNodeLookupErrors',
    'PrometheusOperatorStatusUpdateErrors',
  ],
  summary: (v) =>
    `The Prometheus Operator${v.labels.controller ? ` (\`${v.labels.controller}\` controller)` : ''} ${v.key.includes('rejected') ? `rejects ${v.labels.resource ? `\`${v.labels.resource}\`` : ''} resources as invalid` : 'fails to reconcile'} (\`${v.name}\`): changes to monitoring resources are not applied.`,
  causes: (v) =>
    v.key.includes('rejected') || v.key.includes('sync')
      ? [
          [
            'A PrometheusRule/ServiceMonitor/AlertmanagerConfig is invalid (bad PromQL, unknown field, missing secret)',
            0.6,
            'configuration',
          ],
          ['A CRD version mismatch after upgrading the operator or the chart', 0.2, 'deployment'],
        ]
      : [
          ['The operator lacks RBAC permissions or cannot reach the API server', 0.45, 'configuration'],
          ['The operator pod is crashing or overloaded', 0.3, 'application'],
        ],
  steps: (v) => [
    `${kubectl(v.namespace)} logs deploy/prometheus-operator --tail=200 | grep -iE 'level=(error|warn)' | tail -20`,
    'PromQL: sum by (controller, resource) (prometheus_operator_managed_resources{state="rejected"})',
    'kubectl get prometheusrules,servicemonitors,podmonitors -A  # then promtool check rules on the rejected rule',
  ],
});

export const monitoringSignatures: Signature[] = [
  promConfig,
  promOperator,
  promDiscovery,
  promTsdb,
  promRemoteWrite,
  promRules,
  promNotificationQueue,
  promScrapeLimits,
  alertmanagerCluster,
  thanosCompact,
  thanosReceive,
  thanosQuery,
  monitoringComponentDown,
  lokiRequests,
];
