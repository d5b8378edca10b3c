/**
 * The monitoring stack watching itself: Prometheus (config, service discovery, TSDB, WAL, remote write, rules,
 * notification queue, scrape limits), Alertmanager (reload, cluster), Thanos (compactor, query, receive,
 * sidecar, store, ruler) and Loki (requests, compactor, ruler), from their mixins and awesome-prometheus-alerts.
 */
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, family, q } from './family.ts';

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
    'ThanosSidecarPrometheusDown',
    'ThanosSidecarUnhealthy',
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
    ...(/sidecar(?:noconnection|prometheusdown|unhealthy)/.test(v.key)
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
    'GrafanaAlloyServiceDown',
    'FluentBitDown',
    'FluentdDown',
    'FluentdNodeDown',
    'CollectorNodeDown',
    'OpentelemetryCollectorDown',
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
    'LokiStackWriteRequestErrors',
    'LokiStackReadRequestErrors',
    'LokiIngesterUnhealthy',
  ],
  namePattern: /^loki/,
  summary: (v) =>
    `Loki${v.labels.job ? ` \`${v.labels.job}\`` : ''}${v.labels.route ? ` (route \`${v.labels.route}\`)` : ''} ${v.key.includes('latency') ? 'answers slowly' : 'returns errors'} (\`${v.name}\`): log queries or log shipping fail.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('panic')
      ? [
          [
            'A Loki component hit a code panic (a bug triggered by a request or config): the stack trace is in its logs',
            0.55,
            'application',
          ],
          ['A recent Loki upgrade or config change exposed the panic', 0.25, 'deployment'],
        ]
      : [
          [
            'Ingesters or queriers overloaded or OOM-killed (big queries, high stream cardinality)',
            0.4,
            'capacity',
          ],
          ['Object storage or the index store failing (credentials, rate limits)', 0.3, 'dependency'],
          v.key.includes('latency')
            ? ['Too few queriers for the query load: requests wait in the scheduler queue', 0.2, 'capacity']
            : ['Ingester WAL problems: WAL disk full or WAL corruption', 0.15, 'resource-exhaustion'],
        ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -o wide | grep -iE 'loki|ingester|querier|distributor'`,
    v.key.includes('panic') || v.key.includes('latency')
      ? null
      : 'PromQL: sum(rate(loki_ingester_wal_disk_full_failures_total[5m])), sum(loki_ingester_wal_corruptions_total)',
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

export const promHaGroup: Signature = family({
  id: 'prometheus-ha-group',
  title: 'A whole Prometheus HA group down, crashlooping or not ingesting',
  weight: 62,
  names: ['PrometheusHAGroupDown', 'PrometheusHAGroupCrashlooping', 'PrometheusHAGroupNotIngestingSamples'],
  summary: (v) =>
    `Most or all Prometheus replicas of the HA group${v.labels.prometheus ? ` \`${v.labels.prometheus}\`` : ''} are ${v.key.includes('notingesting') ? 'not ingesting samples' : v.key.includes('crashloop') ? 'restarting in a loop' : 'down'} (\`${v.name}\`): the redundancy is gone and monitoring of what they scrape is blind.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('notingesting')
      ? [
          [
            'The scrape configuration selects no targets any more (ServiceMonitor/relabeling change)',
            0.4,
            'configuration',
          ],
          [
            'The TSDB cannot append: the data volume is full or the head is failing',
            0.3,
            'resource-exhaustion',
          ],
          ['Every target of the group is down or unreachable from Prometheus', 0.2, 'network'],
        ]
      : [
          [
            'Out of memory: a cardinality increase or a large WAL replay after restart exceeds the memory limit (OOMKilled)',
            0.45,
            'capacity',
          ],
          [
            'The data volume is full or the WAL is corrupted, so Prometheus fails on start',
            0.25,
            'resource-exhaustion',
          ],
          ['A bad configuration or rule change rolled to all replicas at once', 0.2, 'configuration'],
        ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods${v.namespace ? '' : ' -A'} -l app.kubernetes.io/name=prometheus -o wide`,
    v.pod && `${kubectl(v.namespace)} describe pod ${sh(v.pod)} | grep -iE -A3 'last state|oomkilled|reason'`,
    'PromQL: changes(process_start_time_seconds{job=~".*prometheus.*"}[1h]), prometheus_tsdb_head_series, rate(prometheus_tsdb_head_samples_appended_total[5m])',
    logs(v, 'error|wal|no space|out of memory|corrupt'),
  ],
});

export const thanosBucketReplicate: Signature = family({
  id: 'thanos-bucket-replicate',
  title: 'Thanos bucket replicate failing or slow',
  weight: 44,
  names: [
    'ThanosBucketReplicateErrorRate',
    'ThanosBucketReplicateRunLatency',
    'ThanosStoreObjstoreOperationBlocksMissing',
  ],
  summary: (v) =>
    `Thanos ${q(v.labels.job ?? v.pod)} ${v.key.includes('latency') ? 'replicates blocks slowly' : 'fails to copy blocks between buckets'} (\`${v.name}\`): the target bucket falls behind the source.`,
  causes: [
    [
      'Object storage errors on the source or target bucket: credentials, permissions, rate limits (429/503)',
      0.5,
      'dependency',
    ],
    [
      'Network latency or bandwidth between the replicator and the buckets (cross-region copy)',
      0.3,
      'network',
    ],
    ['Large or many blocks to copy for the replicator resources', 0.15, 'capacity'],
  ],
  steps: (v) => [
    logs(v, 'replicat|bucket|error|denied|timeout') ??
      `${kubectl(v.namespace)} logs -l app.kubernetes.io/component=bucket-replicate --tail=100 | grep -iE 'error|denied'`,
    'PromQL: rate(thanos_replicate_replication_runs_total{result="error"}[5m]), rate(thanos_objstore_bucket_operation_failures_total[5m])',
    'thanos tools bucket ls --objstore.config-file=<bucket.yml>  # compare source and target',
  ],
});

export const lokiStorage: Signature = family({
  id: 'loki-storage-slow',
  title: 'Loki object storage slow to read or write',
  weight: 46,
  names: ['LokiStorageSlowWrite', 'LokiStorageSlowRead'],
  summary: (v) =>
    `Loki${v.labels.job ? ` \`${v.labels.job}\`` : ''} ${v.key.includes('read') ? 'retrieves logs from' : 'pushes logs to'} its backend storage slowly (\`${v.name}\`): ${v.key.includes('read') ? 'queries slow down or time out' : 'flushes back up and ingesters hold more in memory'}.`,
  causes: [
    [
      'The object storage backend (S3, GCS, Azure, MinIO) is slow, throttling or partly unavailable',
      0.5,
      'dependency',
    ],
    [
      'Network path from the cluster to the storage endpoint (egress, proxy, DNS, cross-region)',
      0.3,
      'network',
    ],
    ['Too few ingesters/queriers for the volume: requests queue up behind storage calls', 0.15, 'capacity'],
  ],
  steps: (v) => [
    `PromQL: histogram_quantile(0.99, sum by (le, operation) (rate(loki_boltdb_shipper_request_duration_seconds_bucket${sel({ namespace: v.namespace })}[5m])))`,
    'PromQL: sum by (operation) (rate(loki_objstore_bucket_operation_failures_total[5m]))  # or cortex_/thanos_ objstore metrics by version',
    `${kubectl(v.namespace)} logs -l app.kubernetes.io/component=ingester --tail=200 | grep -iE 'storage|s3|gcs|timeout|slow' | tail -20`,
  ],
});

export const lokiHighLoad: Signature = family({
  id: 'loki-path-high-load',
  title: 'Loki write or read path under high load',
  weight: 42,
  names: ['LokiWritePathHighLoad', 'LokiReadPathHighLoad'],
  summary: (v) =>
    v.key.includes('write')
      ? `The Loki write path${v.namespace ? ` in \`${v.namespace}\`` : ''} is back-pressured and flushing ingester WALs (\`${v.name}\`): pushes may be refused.`
      : `The Loki read path${v.namespace ? ` in \`${v.namespace}\`` : ''} is overloaded (\`${v.name}\`): queries wait in the queue and respond slowly.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('write')
      ? [
          [
            'A tenant ingests more than the ingesters can hold: too few ingesters for the volume',
            0.5,
            'capacity',
          ],
          ['Ingestion limits too high for the stack size, letting a log burst through', 0.3, 'configuration'],
          ['Slow object storage makes flushes back up', 0.15, 'dependency'],
        ]
      : [
          [
            'Too few queriers for the query volume (dashboards, alert rules, large time ranges)',
            0.5,
            'capacity',
          ],
          [
            'Expensive queries: wide label selectors or long ranges over high-volume streams',
            0.3,
            'application',
          ],
          ['Slow object storage or index gateway behind the queriers', 0.15, 'dependency'],
        ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -o wide | grep -iE '${v.key.includes('write') ? 'ingester|distributor' : 'querier|query-frontend|index-gateway'}'`,
    v.key.includes('write')
      ? 'PromQL: sum by (job) (loki_ingester_wal_replay_flushing), sum by (tenant) (rate(loki_distributor_bytes_received_total[5m]))'
      : `PromQL: histogram_quantile(0.99, sum by (job, le) (rate(loki_logql_querystats_latency_seconds_bucket${sel({ namespace: v.namespace })}[5m]))), histogram_quantile(0.99, sum by (route, le) (rate(loki_request_duration_seconds_bucket${sel({ namespace: v.namespace })}[5m])))`,
    v.key.includes('write')
      ? 'Scale the ingesters or lower the tenant ingestion limits in the LokiStack/limits config'
      : 'Scale the queriers (LokiStack size or querier replicas)',
  ],
});

export const lokiDiscarded: Signature = family({
  id: 'loki-discarded-samples',
  title: 'Loki discarding log lines that fail validation',
  weight: 40,
  names: ['LokiDiscardedSamplesWarning', 'LokiDiscardedSamples'],
  summary: (v) =>
    `Loki discards log lines${v.labels.tenant ? ` of tenant \`${v.labels.tenant}\`` : ''}${v.labels.reason ? ` for \`${v.labels.reason}\`` : ''} (\`${v.name}\`): those logs are lost.`,
  causes: (v): CauseSpec[] => {
    const reason = v.labels.reason ?? '';
    const first: CauseSpec = /too_far_behind|out_of_order|greater_than_max_sample_age/.test(reason)
      ? [
          'A client sends old or out-of-order entries (replayed backlog, clock skew, a restarted shipper)',
          0.5,
          'application',
        ]
      : /label|line_too_long|max_label/.test(reason)
        ? [
            'A client sends entries that break the tenant limits: lines or label values too long, too many labels',
            0.5,
            'application',
          ]
        : [
            'A client sends log entries that fail validation (line or label limits, entries too old)',
            0.45,
            'application',
          ];
    return [
      first,
      [
        'The per-tenant validation limits are set lower than the logs need (max_line_size, label limits)',
        0.3,
        'configuration',
      ],
      ['A log shipper pipeline change adds high-cardinality or oversized labels', 0.15, 'deployment'],
    ];
  },
  steps: (v) => [
    `PromQL: sum by (tenant, reason) (rate(loki_discarded_samples_total${sel({ namespace: v.namespace, tenant: v.labels.tenant })}[5m]))`,
    `${kubectl(v.namespace)} logs -l app.kubernetes.io/component=distributor --tail=200 | grep -iE 'discard|validation|too long|too old' | tail -20`,
    'Raise the matching limit (maxLineSize, maxLabelValueLength, …) only if the entries are legitimate; else fix the shipper',
  ],
});

export const lokiSchema: Signature = family({
  id: 'lokistack-schema-upgrade',
  title: 'LokiStack storage schema outdated',
  weight: 8,
  names: ['LokistackSchemaUpgradesRequired'],
  summary: (v) =>
    `${v.labels.stack_name ? `LokiStack ${q(v.labels.stack_name)}` : 'A LokiStack'}${v.labels.stack_namespace ? ` in \`${v.labels.stack_namespace}\`` : ''} uses a storage schema configuration without the latest schema version (\`${v.name}\`): nothing is broken now.`,
  causes: [
    [
      'The LokiStack schema list has no entry for the latest schema version (v13) after an operator upgrade',
      0.7,
      'configuration',
    ],
  ],
  steps: (v) => [
    v.labels.stack_name &&
      `kubectl -n ${sh(v.labels.stack_namespace ?? v.namespace ?? 'openshift-logging')} get lokistack ${sh(v.labels.stack_name)} -o jsonpath='{.spec.storage.schemas}'`,
    'Add a schema entry `version: v13` with an effectiveDate in the future (UTC), then let the operator apply it',
  ],
});

const SHIPPER_PODS = 'app.kubernetes.io/name in (promtail,fluent-bit,fluentd,alloy,collector)';

/** The shipper's own delivery metrics. */
function shipperQuery(v: AlertView): string {
  const at = sel({ instance: v.instance });
  if (v.key.startsWith('promtail'))
    return `PromQL: sum by (status_code, host) (rate(promtail_request_duration_seconds_count${at}[5m]))`;
  if (v.key.startsWith('fluentbit'))
    return `PromQL: sum by (name) (rate(fluentbit_output_errors_total${at}[5m])), sum by (name) (rate(fluentbit_output_retries_failed_total${at}[5m]))`;
  if (v.key.startsWith('fluentd'))
    return `PromQL: fluentd_output_status_buffer_queue_length${at}, rate(fluentd_output_status_num_errors${at}[5m]), fluentd_output_status_retry_count${at}`;
  if (v.key.startsWith('lokiwrite'))
    return `PromQL: sum by (reason) (rate(loki_write_dropped_entries_total${at}[5m])), sum by (status_code) (rate(loki_write_request_duration_seconds_count${at}[5m]))`;
  return 'PromQL: sum by (component_id) (rate(vector_component_errors_total[5m])), sum by (component_id, status) (rate(vector_http_client_responses_total[5m]))  # the OpenShift collector is Vector';
}

export const logShipperPush: Signature = family({
  id: 'log-shipper-push-failing',
  title: 'Log shipper failing to deliver logs (Promtail, Fluent Bit, Fluentd, Vector collector)',
  weight: 44,
  names: [
    'PromtailRequestErrors',
    'PromtailRequestsErrors',
    'PromtailRequestLatency',
    'FluentBitOutputErrors',
    'FluentBitOutputErrorsHigh',
    'FluentBitHighErrorRate',
    'FluentBitBacklogHigh',
    'FluentdBufferSize',
    'FluentdBufferQueueCritical',
    'FluentdBufferHighUtilization',
    'FluentdBufferHigh',
    'FluentdQueueLengthIncreasing',
    'FluentdHighErrorRate',
    'ClusterLogForwarderOutputErrorRate',
    'CollectorHigh403ForbiddenResponseRate',
    'LokiWriteDroppedEntries',
    'LokiWriteWALWriteFailures',
    'LokiWriteWALStreamNotFound',
    'LokiWriteSustainedRetries',
  ],
  namePattern:
    /^(?:fluentbit|fluentd)\w*(?:output|error|retr|buffer|backlog|queue|drop)|^promtail\w*(?:request|error|drop|retr)/,
  summary: (v) =>
    `${v.key.startsWith('lokiwrite') ? 'Grafana Alloy loki.write' : v.key.startsWith('promtail') ? 'Promtail' : v.key.startsWith('fluentbit') ? 'Fluent Bit' : v.key.startsWith('fluentd') ? 'Fluentd' : 'The log collector'}${v.instance ? ` on \`${v.instance}\`` : ''} ${v.key.includes('latency') ? 'delivers logs slowly' : /buffer|backlog|queue/.test(v.key) ? 'is buffering logs it cannot deliver' : 'fails to deliver logs'}${(v.labels.component_id ?? v.labels.name ?? v.labels.plugin_id) ? ` (output \`${v.labels.component_id ?? v.labels.name ?? v.labels.plugin_id}\`)` : ''} (\`${v.name}\`): logs back up on the node and are lost when buffers fill or files rotate.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('walwrite')
      ? [
          [
            'The disk holding the loki.write WAL directory is full or not writable',
            0.6,
            'resource-exhaustion',
          ],
          ['The WAL volume is too small for the backlog while the endpoint is unreachable', 0.25, 'capacity'],
        ]
      : v.key.includes('403') || v.key.includes('forbidden')
        ? [
            [
              'The output credentials are wrong or expired (the Secret referenced by the forwarder output)',
              0.5,
              'configuration',
            ],
            [
              'The collector service account lacks write permission on the log store (e.g. logs-writer ClusterRole binding)',
              0.35,
              'configuration',
            ],
          ]
        : [
            [
              'The destination (Loki, Elasticsearch, S3, Splunk, …) rejects or throttles writes: tenant limits (429), auth, 5xx',
              0.45,
              'dependency',
            ],
            [
              'The path to the destination is broken or slow: DNS, TLS, proxy, network policy',
              0.3,
              'network',
            ],
            [
              'Wrong output configuration (URL, tenant, index, credentials) after a pipeline change',
              0.15,
              'configuration',
            ],
          ],
  steps: (v) => [
    shipperQuery(v),
    v.pod
      ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --tail=200 | grep -iE 'error|retry|429|403|5[0-9][0-9]' | tail -20`
      : v.namespace
        ? `${kubectl(v.namespace)} logs -l '${SHIPPER_PODS}' --prefix --tail=50 | grep -iE 'error|retry'`
        : `kubectl get pods -A -l '${SHIPPER_PODS}' -o wide  # then read the logs of the shipper pods on the affected nodes`,
    'PromQL: sum by (tenant, reason) (rate(loki_discarded_samples_total[5m]))  # if Loki is the destination',
  ],
});

// --- Grafana Mimir / Cortex / Tempo, from the Mimir runbooks, the Tempo runbook and awesome-prometheus-alerts ---

/** Both prefixes: Cortex's mixin names its alerts the Mimir way with `Cortex`. */
const gm = (...names: string[]): string[] => names.flatMap((name) => [`Mimir${name}`, `Cortex${name}`]);
const stack = (v: AlertView): string =>
  v.key.startsWith('cortex') ? 'Cortex' : v.key.startsWith('tempo') ? 'Tempo' : 'Mimir';
const component = (v: AlertView): string => q(v.pod ?? v.labels.job ?? v.instance);
const stackLogs = (v: AlertView, grep: string): string =>
  v.pod
    ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --tail=300 | grep -iE '${grep}' | tail -20`
    : `${kubectl(v.namespace)} logs -l ${v.labels.container ? `name=${sh(v.labels.container)}` : 'app.kubernetes.io/part-of=memberlist'} --tail=200 | grep -iE '${grep}' | tail -20`;

export const mimirIngesterStorage: Signature = family({
  id: 'mimir-ingester-tsdb',
  title: 'Mimir/Cortex ingester TSDB or block shipping failing',
  weight: 64,
  names: [
    ...gm(
      'IngesterTSDBHeadCompactionFailed',
      'IngesterTSDBHeadTruncationFailed',
      'IngesterTSDBCheckpointCreateFailed',
      'IngesterTSDBCheckpointCreationFailed',
      'IngesterTSDBCheckpointDeleteFailed',
      'IngesterTSDBCheckpointDeletionFailed',
      'IngesterTSDBWALTruncationFailed',
      'IngesterTSDBWALCorrupted',
      'IngesterTSDBWALWritesFailed',
      'IngesterNotShippingBlocks',
      'IngesterNotShippingBlocksSinceStart',
      'IngesterHasNotShippedBlocks',
      'IngesterHasNotShippedBlocksSinceStart',
      'IngesterHasUnshippedBlocks',
    ),
    'CortexCheckpointCreationFailed',
    'CortexCheckpointDeletionFailed',
    'CortexWALCorruption',
  ],
  summary: (v) =>
    `${stack(v)} ingester ${component(v)} ${/shipp/.test(v.key) ? 'is not uploading its TSDB blocks to object storage' : 'fails TSDB maintenance (head compaction, WAL, checkpoint)'} (\`${v.name}\`): disk and memory grow, and losing the ingester would lose data.`,
  causes: (v): CauseSpec[] =>
    /shipp/.test(v.key)
      ? [
          [
            'Upload errors to object storage: network, authentication or permission problems on the bucket',
            0.45,
            'dependency',
          ],
          [
            'The ingester disk is full, so head compaction (and so shipping) fails',
            0.3,
            'resource-exhaustion',
          ],
          ['The ingester receives no write traffic any more (ring/sharding change)', 0.15, 'configuration'],
        ]
      : v.key.includes('corrupt')
        ? [
            [
              'Unclean shutdown: the pod was killed with its node (NotReady, power, storage or network fault) mid-write',
              0.55,
              'infrastructure',
            ],
            [
              'The disk behind the WAL returned errors or filled up during a write',
              0.3,
              'resource-exhaustion',
            ],
          ]
        : [
            [
              'The ingester disk is full (WAL grows when head compaction or truncation keeps failing)',
              0.45,
              'resource-exhaustion',
            ],
            ['A corrupted WAL segment or checkpoint ("corruption in segment")', 0.3, 'data'],
            ['Memory pressure: high series count per ingester makes compaction fail or OOM', 0.2, 'capacity'],
          ],
  steps: (v) => [
    stackLogs(v, 'tsdb|wal|compact|ship|upload|corrupt|no space'),
    v.pod && `${kubectl(v.namespace)} exec ${sh(v.pod)} -- df -h /data`,
    `PromQL: rate(cortex_ingester_tsdb_compactions_failed_total${sel({ pod: v.pod })}[5m]), time() - cortex_ingester_shipper_last_successful_upload_timestamp_seconds${sel({ pod: v.pod })}`,
    v.pod && `kubectl get events -A --field-selector involvedObject.name=${sh(v.pod)}`,
  ],
});

export const mimirCompactor: Signature = family({
  id: 'mimir-compactor',
  title: 'Mimir/Cortex compactor not compacting, cleaning or uploading',
  weight: 60,
  names: [
    ...gm(
      'CompactorNotRunningCompaction',
      'CompactorHasNotSuccessfullyRunCompaction',
      'CompactorHasConsecutiveFailures',
      'CompactorNeverRunCompactionCritical',
      'CompactorNeverRunCompactionWarning',
      'CompactorHasRunOutOfDiskSpace',
      'CompactorSkippedBlocks',
      'CompactorSkippedUnhealthyBlocks',
      'CompactorNotCleaningUpBlocks',
      'CompactorNotCleaningUpBlocksSinceStart',
      'CompactorHasNotSuccessfullyCleanedUpBlocks',
      'CompactorHasNotSuccessfullyCleanedUpBlocksSinceStart',
      'CompactorHasNotUploadedBlocks',
      'CompactorHasNotUploadedBlocksSinceStart',
      'CompactorBuildingSparseIndexFailed',
      'CompactorOOMKilled',
      'CompactorSchedulerUnreachable',
      'CompactorSchedulerRepeatedJobFailure',
      'CompactorSchedulerNotCompletingJobs',
      'BucketIndexNotUpdated',
      'HighVolumeLevel1BlocksQueried',
    ),
  ],
  summary: (v) =>
    `The ${stack(v)} compactor ${component(v)} ${v.key.includes('disk') ? 'ran out of disk space' : v.key.includes('skipped') ? 'marked blocks as no-compact' : v.key.includes('clean') || v.key.includes('bucketindex') ? 'does not clean up blocks or update the bucket index' : 'is not compacting or uploading blocks'} (\`${v.name}\`): blocks pile up and long-range queries slow down or fail.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('disk')
      ? [
          ['The compactor volume is too small for the largest compaction job', 0.6, 'resource-exhaustion'],
          ['Compaction concurrency > 1 runs several large jobs at once', 0.25, 'configuration'],
        ]
      : v.key.includes('skipped')
        ? [
            ['A corrupted source block ("not healthy index found", out-of-order chunks)', 0.45, 'data'],
            [
              'High label cardinality: the result block exceeds the symbol/postings table or index size limit',
              0.4,
              'capacity',
            ],
          ]
        : v.key.includes('scheduler')
          ? [
              [
                'The compactor scheduler is down or unreachable from the compactor workers',
                0.45,
                'dependency',
              ],
              [
                'A job fails repeatedly in the workers (corrupted block, OOM, object storage errors)',
                0.35,
                'data',
              ],
              ["Fatal errors from the scheduler's corrupted bbolt database", 0.1, 'data'],
            ]
          : v.key.includes('oom')
            ? [
                [
                  'Not enough memory for the blocks it compacts (high-cardinality tenant, big jobs)',
                  0.6,
                  'capacity',
                ],
                ['Compaction concurrency too high for the memory limit', 0.25, 'configuration'],
              ]
            : [
                [
                  'A corrupted block of one tenant blocks compaction ("not healthy index found", "invalid result block")',
                  0.35,
                  'data',
                ],
                [
                  'Object storage errors: delete/upload/list failing (credentials, permissions, rate limits)',
                  0.3,
                  'dependency',
                ],
                [
                  'The compactor has fallen behind: under-sized, OOMKilled or too few split shards for the series count',
                  0.25,
                  'capacity',
                ],
              ],
  steps: (v) => [
    stackLogs(v, 'compact|error|corrupt|invalid result|no space|symbol table|bucket'),
    'PromQL: time() - cortex_compactor_last_successful_run_timestamp_seconds, rate(cortex_compactor_runs_failed_total[1h]), rate(thanos_objstore_bucket_operation_failures_total{component="compactor"}[5m])',
    v.key.includes('skipped') || v.key.includes('notrunning') || v.key.includes('consecutive')
      ? 'mark-blocks --tenant <tenant> --mark-type no-compact --blocks <block-ids> --backend <gcs|s3|azure> <bucket flags> --dry-run  # Mimir tools/mark-blocks, for the blocks the compactor log names'
      : v.pod && `${kubectl(v.namespace)} exec ${sh(v.pod)} -- df -h /data`,
  ],
});

export const mimirRing: Signature = family({
  id: 'mimir-ring-memberlist',
  title: 'Mimir/Cortex/Tempo hash ring or memberlist unhealthy',
  weight: 56,
  names: [
    ...gm(
      'IngesterUnhealthy',
      'KVStoreFailure',
      'RingMembersMismatch',
      'GossipMembersTooHigh',
      'GossipMembersTooLow',
      'GossipMembersCountTooHigh',
      'GossipMembersCountTooLow',
      'GossipMembersEndpointsOutOfSync',
      'RulerFailedRingCheck',
      'AlertmanagerRingCheckFailing',
      'MemberlistBridgeZoneUnavailable',
    ),
    'CortexGossipMembersMismatch',
    'TempoCompactorUnhealthy',
    'TempoDistributorUnhealthy',
    'TempoIngesterUnhealthy',
    'TempoLiveStoreUnhealthy',
    'TempoMetricsGeneratorUnhealthy',
    'TempoLiveStorePartitionsUnowned',
    'TempoBlockBuildersPartitionsMismatch',
  ],
  summary: (v) =>
    `${stack(v)}${v.labels.job ? ` \`${v.labels.job}\`` : ''}: the hash ring or memberlist cluster is inconsistent (\`${v.name}\`): requests may fail quorum or some instances own no work.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('gossip') || v.key.includes('memberlist')
      ? [
          [
            'Memberlist communication problems between pods (port 7946 blocked, NetworkPolicy, packet errors)',
            0.4,
            'network',
          ],
          [
            'The gossip-ring Service endpoints are out of sync or match another cluster (merged memberlist clusters)',
            0.35,
            'configuration',
          ],
          ['Pods restarted or rolled out and left stale members behind', 0.2, 'infrastructure'],
        ]
      : v.key.includes('kvstore')
        ? [
            ['The KV store backend (Consul, etcd) is down or unreachable', 0.55, 'dependency'],
            ['Wrong KV store address, prefix or credentials in the config', 0.25, 'configuration'],
          ]
        : [
            [
              'Stale ring entries: instances terminated without leaving the ring (node shut down, pod deleted); "Forget" them on the ring page',
              0.5,
              'infrastructure',
            ],
            ['Instances crash or cannot heartbeat (OOMKilled, unready)', 0.3, 'application'],
            ['Memberlist/KV store problems keep ring updates from propagating', 0.15, 'network'],
          ],
  steps: (v) => [
    `Open the ring page of the component (e.g. /ingester/ring, /compactor/ring, /ruler/ring, /memberlist) and look for Unhealthy entries${v.namespace ? ` — kubectl -n ${sh(v.namespace)} port-forward svc/<component> 8080` : ''}`,
    'PromQL: sum by (name, state) (cortex_ring_members or tempo_ring_members), memberlist_client_cluster_members_count',
    `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'`,
    v.key.includes('endpoints') &&
      `${kubectl(v.namespace)} get endpoints gossip-ring -o json | jq '.subsets[].addresses | length'`,
  ],
});

export const mimirLimits: Signature = family({
  id: 'mimir-instance-limits',
  title: 'Mimir/Cortex instance reaching its limits (series, tenants, in-flight, memory)',
  weight: 54,
  names: [
    ...gm(
      'IngesterReachingSeriesLimit',
      'IngesterReachingSeriesLimitCritical',
      'IngesterReachingSeriesLimitWarning',
      'IngesterReachingTenantsLimit',
      'IngesterReachingTenantsLimitCritical',
      'IngesterReachingTenantsLimitWarning',
      'DistributorInflightRequestsHigh',
      'DistributorReachingInflightPushRequestLimit',
      'ReachingTCPConnectionsLimit',
      'ProvisioningTooManyWrites',
      'ProvisioningTooManyActiveSeries',
      'AllocatingTooMuchMemory',
      'MemoryMapAreasTooHigh',
      'GoThreadsTooHigh',
      'GoThreadsTooHighCritical',
      'GoThreadsTooHighWarning',
      'DistributorGcUsesTooMuchCpu',
      'IngesterRestarts',
    ),
    'TempoProvisioningTooManyWrites',
  ],
  summary: (v) =>
    `${stack(v)} ${component(v)} is close to a per-instance limit (\`${v.name}\`): once reached, writes fail with 5xx and senders queue up.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('restarts')
      ? [
          ['A cloud node restarted and the ingester was rescheduled elsewhere', 0.45, 'infrastructure'],
          ['More active series than the memory provisioned: OOMKilled ingesters', 0.35, 'capacity'],
          ['A traffic surge after an outage (remote-write senders catching up)', 0.15, 'capacity'],
        ]
      : v.key.includes('memorymap')
        ? [
            [
              'vm.max_map_count is too low for the number of mmap-ed TSDB files on the host',
              0.55,
              'configuration',
            ],
            ['Store-gateway mmaps every index-header (lazy loading disabled)', 0.3, 'configuration'],
          ]
        : v.key.includes('gothreads')
          ? [
              [
                'Goroutines blocked in blocking syscalls (slow disk I/O) make the Go runtime start new OS threads',
                0.5,
                'infrastructure',
              ],
              [
                'An earlier spike left idle threads the Go runtime never terminates (restart to reclaim)',
                0.3,
                'application',
              ],
            ]
          : v.key.includes('gc')
            ? [
                ['GOMEMLIMIT set too low: GC runs too often', 0.45, 'configuration'],
                [
                  'The component is under-scaled for the request load (autoscaling not keeping up)',
                  0.35,
                  'capacity',
                ],
              ]
            : v.key.includes('inflight') || v.key.includes('tcpconnections')
              ? [
                  [
                    'High latency further down the write path: requests pile up in flight (slow ingesters or Kafka)',
                    0.4,
                    'dependency',
                  ],
                  [
                    'Too few distributors/gateways for the request rate, or one tenant ramped up traffic',
                    0.35,
                    'capacity',
                  ],
                  ['The instance limit is set lower than normal peak traffic', 0.15, 'configuration'],
                ]
              : [
                  [
                    'Active series (or tenants) grew past what the ingesters are provisioned for: scale up ingesters',
                    0.45,
                    'capacity',
                  ],
                  [
                    'Shuffle-sharding shard size too small for a big tenant, concentrating its series on few ingesters',
                    0.3,
                    'configuration',
                  ],
                  [
                    'Per-tenant series limits set far above real usage, letting one tenant flood the ingesters',
                    0.15,
                    'configuration',
                  ],
                ],
  steps: (v) => [
    'PromQL: cortex_ingester_memory_series / on (pod) group_left cortex_ingester_instance_limits{limit="max_series"}, cortex_distributor_inflight_push_requests',
    'PromQL: topk(10, sum by (user) (rate(cortex_distributor_samples_in_total[5m])))  # which tenant grew',
    `${kubectl(v.namespace)} get pods -o wide | grep -iE 'ingester|distributor'`,
    v.key.includes('restarts') &&
      `${kubectl(v.namespace)} get events --sort-by=.lastTimestamp | grep -iE 'node|evict|oom' | tail -20`,
  ],
});

export const mimirReadPath: Signature = family({
  id: 'mimir-request-path',
  title: 'Mimir/Cortex/Tempo requests failing, slow or stuck in the queue',
  weight: 52,
  names: [
    ...gm(
      'RequestErrors',
      'RequestLatency',
      'RequestLatencyHigh',
      'SchedulerQueriesStuck',
      'FrontendQueriesStuck',
      'QueriesIncorrect',
      'CacheRequestErrors',
      'StoreGatewayTooManyFailedOperations',
      'StoreGatewayHasNotSyncTheBucket',
      'StoreGatewayHasNotSyncedBucket',
      'QuerierHasNotScanTheBucket',
      'QuerierHighRefetchRate',
      'ContinuousTestNotRunningOnWrites',
      'ContinuousTestNotRunningOnReads',
      'ContinuousTestFailed',
      'RolloutStuck',
    ),
    'CortexMemcachedRequestErrors',
    'CortexProvisioningMemcachedTooSmall',
    'TempoRequestErrors',
    'TempoRequestLatency',
    'TempoMemcachedErrorsElevated',
  ],
  summary: (v) =>
    `${stack(v)}${v.labels.job ? ` \`${v.labels.job}\`` : ''}${v.labels.route ? ` route \`${v.labels.route}\`` : ''} ${v.key.includes('stuck') ? 'has queries piling up in the queue' : v.key.includes('latency') ? 'answers slowly' : v.key.includes('incorrect') ? 'returns query results that differ from what the continuous test wrote' : 'is failing'} (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    v.key.includes('stuck')
      ? [
          ['Queriers saturated: too few queriers (or concurrency) for the query load', 0.45, 'capacity'],
          [
            'Queriers disconnected or crashing (OOMKilled), so nothing consumes the queue',
            0.35,
            'application',
          ],
          ['A few expensive queries (high cardinality, long ranges) hold all workers', 0.15, 'application'],
        ]
      : v.key.includes('incorrect') || v.key.includes('continuoustestfailed')
        ? [
            [
              'Samples the continuous test wrote are missing from reads: writes failed or were dropped on the write path',
              0.4,
              'dependency',
            ],
            [
              'Data loss or corruption in ingesters or blocks (unclean shutdown, a partial block, missed Kafka records)',
              0.3,
              'data',
            ],
            ['A Mimir bug or a recent upgrade changes query results', 0.2, 'deployment'],
          ]
        : v.key.includes('cache')
          ? [
              ['The cache (memcached) is under-scaled: timeouts and evictions', 0.5, 'capacity'],
              ['Network errors between the component and memcached', 0.3, 'network'],
            ]
          : v.key.includes('storegateway') || v.key.includes('bucket')
            ? [
                [
                  'Object storage errors: rate limiting (429), authentication or network failures',
                  0.55,
                  'dependency',
                ],
                ['A corrupted or partially uploaded object in the bucket', 0.25, 'data'],
              ]
            : v.key.includes('rollout')
              ? [
                  [
                    'New pods fail (CrashLoopBackOff, OOMKilled, Error) and block the rollout',
                    0.5,
                    'deployment',
                  ],
                  [
                    'New pods never become Ready (ring join, WAL replay, readiness probe)',
                    0.35,
                    'application',
                  ],
                ]
              : [
                  ['The failing component is OOMKilled or crashing (panic in the logs)', 0.4, 'application'],
                  [
                    'Under-scaled for the load: ingesters/queriers/store-gateways saturated or cache hit ratio low',
                    0.3,
                    'capacity',
                  ],
                  [
                    'Ring/memberlist problems ("too many unhealthy instances in the ring") or Kafka down with ingest storage',
                    0.2,
                    'dependency',
                  ],
                ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'`,
    `PromQL: sum by (job, route, status_code) (rate(${v.key.startsWith('tempo') ? 'tempo' : 'cortex'}_request_duration_seconds_count${sel({ job: v.labels.job, route: v.labels.route })}[5m]))`,
    v.key.includes('stuck')
      ? 'PromQL: sum by (job) (cortex_query_scheduler_queue_length), sum(cortex_query_scheduler_connected_querier_clients), sum(cortex_query_scheduler_querier_inflight_requests)'
      : 'PromQL: sum by (name, operation, reason) (rate(thanos_cache_operation_failures_total[5m])), sum by (operation) (rate(thanos_objstore_bucket_operation_failures_total[5m]))',
    stackLogs(v, 'level=error|panic|oom|timeout'),
  ],
});

export const mimirRuler: Signature = family({
  id: 'mimir-ruler',
  title: 'Mimir/Cortex ruler failing to evaluate or push',
  weight: 52,
  names: [
    ...gm(
      'RulerTooManyFailedPushes',
      'RulerTooManyFailedQueries',
      'RulerMissedEvaluations',
      'RulersMissedEvaluations',
      'RulerRemoteEvaluationFailing',
    ),
  ],
  summary: (v) =>
    `The ${stack(v)} ruler ${component(v)} ${v.key.includes('push') ? 'cannot write rule results to the ingesters' : v.key.includes('missed') ? 'misses rule group evaluations' : 'fails to evaluate rule queries'} (\`${v.name}\`): recording rules get gaps and alerts may not fire.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('missed')
      ? [
          [
            'A rule group takes longer than its interval: expensive queries or too many rules in one group',
            0.55,
            'configuration',
          ],
          [
            'The query path behind the ruler is slow (ingesters, store-gateways, remote query-frontend)',
            0.3,
            'dependency',
          ],
        ]
      : v.key.includes('push')
        ? [
            ['Ingesters unavailable: too many crashed or unhealthy to accept writes', 0.5, 'dependency'],
            ['Ring/memberlist problems keep the ruler from finding ingesters', 0.3, 'network'],
          ]
        : [
            ['Store-gateways or ingesters fail to return data (5xx on the read path)', 0.45, 'dependency'],
            [
              'Remote evaluation: ruler-query-frontend unreachable or response too large ("received message larger than max")',
              0.3,
              'configuration',
            ],
            ['Ring/memberlist problems on the read path', 0.15, 'network'],
          ],
  steps: (v) => [
    stackLogs(v, 'rule|evaluat|push|error'),
    'PromQL: sum by (pod) (rate(cortex_ruler_queries_failed_total[5m])), sum by (pod) (rate(cortex_ruler_write_requests_failed_total[5m])), rate(cortex_prometheus_rule_group_iterations_missed_total[5m])',
    'Check the Mimir / Ruler and Mimir / Remote ruler reads dashboards for the failing component',
  ],
});

export const mimirAlertmanager: Signature = family({
  id: 'mimir-alertmanager',
  title: 'Mimir/Cortex multi-tenant Alertmanager state or config failing',
  weight: 50,
  names: [
    ...gm(
      'AlertmanagerSyncConfigsFailing',
      'AlertmanagerStateMergeFailing',
      'AlertmanagerPartialStateMergeFailing',
      'AlertmanagerReplicationFailing',
      'AlertmanagerPersistStateFailing',
      'AlertmanagerInitialSyncFailed',
      'AlertmanagerAllocatingTooMuchMemory',
    ),
  ],
  summary: (v) =>
    `The ${stack(v)} Alertmanager${v.labels.job ? ` \`${v.labels.job}\`` : ''} cannot ${v.key.includes('syncconfig') ? 'load tenant configs from object storage' : v.key.includes('memory') ? 'stay within its memory limit' : 'replicate or persist its state (silences, notification log)'} (\`${v.name}\`): tenants may miss notifications or see duplicates.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('memory')
      ? [['Too many alerts and silences for the replicas: scale up the alertmanager', 0.6, 'capacity']]
      : v.key.includes('replication') || v.key.includes('merge')
        ? [
            ['RPC/communication errors between alertmanager replicas', 0.5, 'network'],
            ['The receiving replica cannot merge the state (invalid or corrupted state)', 0.3, 'data'],
          ]
        : [
            [
              'Object storage unreachable or rejecting requests (network, authentication, permissions)',
              0.5,
              'dependency',
            ],
            ['Wrong object store configuration for the alertmanager storage', 0.3, 'configuration'],
            ['Stored state that cannot be decoded (corruption)', 0.1, 'data'],
          ],
  steps: (v) => [
    stackLogs(v, 'failed to (persist|read|sync|replicate)|state|error'),
    'PromQL: rate(cortex_alertmanager_sync_configs_failed_total[5m]), rate(cortex_alertmanager_state_replication_failed_total[5m]), rate(cortex_alertmanager_state_persist_failed_total[15m])',
  ],
});

export const mimirRuntimeConfig: Signature = family({
  id: 'mimir-runtime-config',
  title: 'Mimir/Cortex runtime config invalid or inconsistent',
  weight: 50,
  names: [
    ...gm('BadRuntimeConfig', 'InconsistentRuntimeConfig'),
    'TempoBadOverrides',
    'TempoUserConfigurableOverridesReloadFailing',
  ],
  summary: (v) =>
    v.key.includes('inconsistent')
      ? `Replicas of the same ${stack(v)} service run different runtime configs (\`${v.name}\`): limits and overrides differ between replicas.`
      : `${stack(v)}${v.labels.job ? ` \`${v.labels.job}\`` : ''} cannot reload its runtime config/overrides (\`${v.name}\`): it keeps the previous one, and new replicas will not start until fixed.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('inconsistent')
      ? [
          [
            'The updated runtime-config ConfigMap has not reached some replicas (mount propagation, stuck pods)',
            0.5,
            'configuration',
          ],
          ['Some replicas fail to parse the new file and keep the old one', 0.35, 'configuration'],
        ]
      : [
          [
            'An invalid runtime config/overrides file was deployed (YAML error, unknown field, bad value)',
            0.7,
            'configuration',
          ],
        ],
  deploy: { title: () => 'A recent runtime-config/overrides change is invalid', likelihood: 0.45 },
  steps: (v) => [
    stackLogs(v, 'runtime.config|overrides|reload|error'),
    'PromQL: count by (job, sha256) (cortex_runtime_config_hash), cortex_runtime_config_last_reload_successful == 0',
    `${kubectl(v.namespace)} get configmap | grep -iE 'runtime|overrides'`,
  ],
});

export const grafanaStackIdle: Signature = family({
  id: 'mimir-idle-instances',
  title: 'Mimir/Cortex instances owning no tenants or rule groups',
  weight: 12,
  names: [
    ...gm(
      'IngesterInstanceHasNoTenants',
      'RulerInstanceHasNoRuleGroups',
      'StoreGatewayNoSyncedTenants',
      'AlertmanagerInstanceHasNoTenants',
    ),
  ],
  summary: (v) =>
    `${stack(v)} ${component(v)} owns no work and idles (\`${v.name}\`): capacity is wasted, nothing is broken.`,
  causes: [
    [
      'The tenant shard size is lower than the number of replicas (shuffle sharding), leaving some replicas idle',
      0.6,
      'configuration',
    ],
    ['More replicas than tenants or rule groups need', 0.3, 'capacity'],
  ],
  steps: (v) => [
    'PromQL: cortex_limits_overrides{limit_name=~".*shard_size"}, count by (name) (cortex_ring_members{state="ACTIVE"})',
    `Raise the tenant shard size (or set it to 0) or scale the component down${v.namespace ? ` in \`${v.namespace}\`` : ''}`,
  ],
});

export const mimirIngestStorage: Signature = family({
  id: 'mimir-ingest-storage',
  title: 'Mimir ingest storage (Kafka) consumption or block-builder failing',
  weight: 58,
  names: [
    ...gm(
      'IngesterOffsetCommitFailed',
      'IngesterLastConsumedOffsetCommitFailed',
      'IngesterKafkaReadFailed',
      'IngesterFailedToReadRecordsFromKafka',
      'IngesterKafkaFetchErrorsRateTooHigh',
      'StartingIngesterKafkaDelayGrowing',
      'StartingIngesterKafkaReceiveDelayIncreasing',
      'RunningIngesterReceiveDelayTooHigh',
      'IngesterKafkaProcessingFailed',
      'IngesterFailsToProcessRecordsFromKafka',
      'IngesterKafkaProcessingStuck',
      'IngesterStuckProcessingRecordsFromKafka',
      'IngesterMissedRecordsFromKafka',
      'StrongConsistencyEnforcementFailed',
      'StrongConsistencyOffsetMissing',
      'KafkaClientProduceBufferHigh',
      'KafkaClientBufferedProduceBytesTooHigh',
      'FewerIngestersConsumingThanActivePartitions',
      'BlockBuilderSchedulerPendingJobs',
      'BlockBuilderCompactAndUploadFailed',
      'BlockBuilderHasNotShippedBlocks',
      'BlockBuilderSchedulerNotRunning',
      'BlockBuilderDataSkipped',
      'BlockBuilderPersistentJobFailure',
      'BlockBuilderLagging',
      'BlockBuilderNoCycleProcessing',
    ),
  ],
  summary: (v) =>
    `${stack(v)} ${component(v)}: ${v.key.includes('blockbuilder') ? 'the block-builder is not turning Kafka records into blocks' : v.key.includes('produce') ? 'writers cannot hand records to Kafka fast enough' : 'ingesters are not consuming their Kafka partitions properly'} (\`${v.name}\`): recent data may be missing from queries or at risk.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('fewer')
      ? [
          [
            'Ingesters scaled down or crashed without marking their partitions INACTIVE: active partitions have no consumer',
            0.55,
            'deployment',
          ],
          ['Too few ingester replicas for the number of active partitions', 0.3, 'capacity'],
        ]
      : /delay|lag|pendingjobs|strongconsistency/.test(v.key)
        ? [
            [
              'Ingesters (or block-builders) overloaded: more series per partition than they can process (scale up)',
              0.45,
              'capacity',
            ],
            ['Consumers restarting or OOMKilled, so partitions are not consumed', 0.3, 'application'],
            ['Kafka slow or unhealthy', 0.15, 'dependency'],
          ]
        : /read|fetch|commit|produce/.test(v.key)
          ? [
              ['The Kafka backend is unhealthy (brokers restarting, unavailable, slow)', 0.55, 'dependency'],
              ['Network problems between the component and Kafka', 0.25, 'network'],
              [
                'File-based offset storage not writable or out of disk (commit failures)',
                0.1,
                'resource-exhaustion',
              ],
            ]
          : [
              [
                'Processing errors in the consumer: instance limits hit (max series) or OOM while processing records',
                0.45,
                'capacity',
              ],
              ['Object storage errors while compacting/uploading blocks', 0.3, 'dependency'],
              [
                'A bug or deadlock in processing (stuck, gaps in offsets): needs a goroutine profile and a bug report',
                0.15,
                'application',
              ],
            ],
  steps: (v) => [
    stackLogs(v, 'kafka|offset|consum|error|block-builder'),
    'PromQL: histogram_quantile(0.99, sum by (le) (rate(cortex_ingest_storage_reader_receive_delay_seconds_bucket[5m]))), sum by (pod) (rate(cortex_ingest_storage_reader_requests_failed_total[5m]) or rate(cortex_ingest_storage_reader_records_failed_total[5m]))',
    `${kubectl(v.namespace)} get pods -o wide | grep -iE 'ingester|block-builder|kafka'`,
  ],
});

export const mimirMisc: Signature = family({
  id: 'mimir-cluster-validation-and-versions',
  title: 'Mimir cross-cluster requests, query plan version mismatch, gRPC streams or future samples',
  weight: 30,
  names: [
    ...gm(
      'ServerInvalidClusterLabelRequests',
      'ServerInvalidClusterValidationLabelRequests',
      'ClientInvalidClusterLabelRequests',
      'ClientInvalidClusterValidationLabelRequests',
      'MixedQuerierQueryPlanVersionSupport',
      'MixedQueryFrontendQueryPlanVersionSupport',
      'QueryFrontendsAndQueriersDisagreeOnSupportedQueryPlanVersion',
      'QueryFrontendNotComputingSupportedQueryPlanVersion',
      'HighGRPCStreamsPerConnection',
      'HighGRPCConcurrentStreamsPerConnection',
      'IngestedDataTooFarInTheFuture',
      'UsageTrackerSnapshotUploadFailing',
      'UsageTrackerSnapshotDownloadFailing',
      'UsageTrackerSnapshotLoadFailedAtStartup',
    ),
  ],
  summary: (v) =>
    `${stack(v)}${v.labels.job ? ` \`${v.labels.job}\`` : ''}: ${
      v.key.includes('clusterlabel') || v.key.includes('clustervalidation')
        ? 'requests carry a cluster validation label that does not match this cluster'
        : v.key.includes('queryplan')
          ? 'queriers and query-frontends disagree on the supported query plan version'
          : v.key.includes('grpc')
            ? 'gRPC connections carry close to the maximum number of concurrent streams'
            : v.key.includes('future')
              ? 'ingested samples are timestamped far in the future'
              : 'the usage-tracker cannot upload or load its snapshots'
    } (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    v.key.includes('clusterlabel') || v.key.includes('clustervalidation')
      ? [
          ['A client is configured with the wrong cluster validation label', 0.5, 'configuration'],
          [
            'Requests come from (or go to) a different Mimir cluster (shared addresses, merged memberlist)',
            0.35,
            'configuration',
          ],
        ]
      : v.key.includes('queryplan')
        ? [
            [
              'A rollout or upgrade is in progress: queriers/query-frontends run different Mimir versions',
              0.55,
              'deployment',
            ],
            ['Query-frontends have an incomplete or split view of the querier ring', 0.3, 'network'],
          ]
        : v.key.includes('grpc')
          ? [
              [
                'Organic growth of concurrent streams per connection beyond -server.grpc-max-concurrent-streams',
                0.5,
                'capacity',
              ],
              ['Another issue (slow downstream) holds streams open longer', 0.3, 'dependency'],
            ]
          : v.key.includes('future')
            ? [
                [
                  'A corrupted message or a client with a wrong clock wrote samples far in the future',
                  0.6,
                  'data',
                ],
                ['Within the tenant creation grace period: a false positive', 0.2, 'configuration'],
              ]
            : [
                [
                  'Object storage bucket missing, inaccessible or the credentials lack read/write permission',
                  0.5,
                  'dependency',
                ],
                ['Network issues or latency to object storage', 0.3, 'network'],
              ],
  steps: (v) => [
    stackLogs(v, 'cluster validation|query plan|snapshot|future|error'),
    'PromQL: sum by (job, protocol) (rate(cortex_server_invalid_cluster_validation_label_requests_total[5m])), sum by (job) (rate(cortex_client_invalid_cluster_validation_label_requests_total[5m])), count_values("version", cortex_querier_maximum_supported_query_plan_version)',
  ],
});

export const grafanaAlloy: Signature = family({
  id: 'grafana-alloy',
  title: 'Grafana Alloy cluster not converging or components unhealthy',
  weight: 40,
  names: [
    'ClusterNotConverging',
    'ClusterNodeCountMismatch',
    'ClusterNodeNameConflict',
    'ClusterNodeStuckTerminating',
    'ClusterConfigurationDrift',
    'SlowComponentEvaluations',
    'UnhealthyComponents',
  ],
  summary: (v) =>
    `Grafana Alloy${v.labels.job ? ` \`${v.labels.job}\`` : ''}${v.namespace ? ` in \`${v.namespace}\`` : ''}: ${v.key.startsWith('cluster') ? 'the Alloy cluster is not in agreement' : 'components are unhealthy or slow'} (\`${v.name}\`): targets may be scraped twice or not at all.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('drift')
      ? [['A rollout is incomplete: nodes load different configuration files', 0.6, 'deployment']]
      : v.key.includes('nameconflict')
        ? [['Two nodes use the same cluster node name (duplicated hostname/pod name)', 0.65, 'configuration']]
        : v.key.startsWith('cluster')
          ? [
              [
                'Nodes cannot gossip with each other (cluster port blocked, NetworkPolicy, DNS for --cluster.join-addresses)',
                0.45,
                'network',
              ],
              ['Pods restarting or stuck terminating leave stale peers (split brain)', 0.3, 'infrastructure'],
              [
                'Some Alloy metrics are missing, so the peer count disagrees with the scraped count',
                0.15,
                'configuration',
              ],
            ]
          : [
              [
                'A component is misconfigured or its upstream (API, file, endpoint) fails — see its health message in the UI',
                0.5,
                'configuration',
              ],
              [
                'Alloy is CPU-starved: component evaluations run long (too many targets/relabels)',
                0.3,
                'capacity',
              ],
            ],
  steps: (v) => [
    v.pod
      ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --tail=200 | grep -iE 'level=(error|warn)'`
      : `${kubectl(v.namespace)} get pods -l app.kubernetes.io/name=alloy -o wide`,
    'Alloy UI (:12345) → Clustering and component health pages',
    'PromQL: sum without (state) (cluster_node_peers), alloy_component_controller_running_components{health_type!="healthy"}, count by (sha256) (alloy_config_hash)',
  ],
});

export const otelCollector: Signature = family({
  id: 'otel-collector-pipeline',
  title: 'OpenTelemetry Collector refusing or failing to export telemetry',
  weight: 46,
  names: [
    'OtelcolReceiverRefusedSpans',
    'OtelcolExporterFailedSpans',
    'OpentelemetryCollectorReceiverRefusedSpans',
    'OpentelemetryCollectorReceiverRefusedMetricPoints',
    'OpentelemetryCollectorReceiverRefusedLogRecords',
    'OpentelemetryCollectorOtlpReceiverErrors',
    'OpentelemetryCollectorExporterFailedSpans',
    'OpentelemetryCollectorExporterFailedMetricPoints',
    'OpentelemetryCollectorExporterFailedLogRecords',
    'OpentelemetryCollectorExporterQueueNearlyFull',
    'OpentelemetryCollectorProcessorRefusedSpans',
    'OpentelemetryCollectorProcessorRefusedMetricPoints',
    'OpentelemetryCollectorExporterEnqueueFailedSpans',
    'OpentelemetryCollectorExporterEnqueueFailedMetricPoints',
    'OpentelemetryCollectorExporterEnqueueFailedLogRecords',
    'OpentelemetryCollectorHighMemoryUsage',
  ],
  summary: (v) =>
    `The OpenTelemetry Collector${v.labels.job ? ` \`${v.labels.job}\`` : ''} ${/refused|receiver/.test(v.key) ? `refuses incoming telemetry${v.labels.receiver ? ` on \`${v.labels.receiver}\`` : ''}` : /memory/.test(v.key) ? 'is close to its memory limit' : `cannot export telemetry${v.labels.exporter ? ` via \`${v.labels.exporter}\`` : ''}`} (\`${v.name}\`): spans, metrics or logs are being dropped.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('memory')
      ? [
          [
            'Exporters are slow or failing downstream, so sending queues and batches hold data in memory',
            0.45,
            'dependency',
          ],
          ['More telemetry than the collector is sized for (an ingest spike, new senders)', 0.35, 'capacity'],
          ['No memory_limiter processor, or one set above the container memory limit', 0.15, 'configuration'],
        ]
      : /refused|receiver/.test(v.key)
        ? [
            [
              'Back-pressure: the memory_limiter refuses data because the collector is near its memory limit',
              0.5,
              'capacity',
            ],
            ['Exporters are slow or failing downstream, so queues and memory fill up', 0.3, 'dependency'],
            ['Senders send malformed or oversized payloads', 0.1, 'application'],
          ]
        : [
            ['The export destination is down, rejecting or throttling (auth, 429, 5xx)', 0.5, 'dependency'],
            ['Network path to the destination broken or slow (DNS, TLS, proxy)', 0.25, 'network'],
            ['Sending queue too small or too few consumers for the data rate', 0.15, 'capacity'],
          ],
  steps: (v) => [
    'PromQL: sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total[5m])), sum by (receiver) (rate(otelcol_receiver_refused_spans_total[5m])), otelcol_exporter_queue_size / otelcol_exporter_queue_capacity',
    v.pod
      ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --tail=200 | grep -iE 'error|dropping|refused|memory'`
      : `${kubectl(v.namespace)} logs -l app.kubernetes.io/name=opentelemetry-collector --tail=100 | grep -iE 'error|dropping'`,
  ],
});

export const jaegerStorage: Signature = family({
  id: 'jaeger-storage',
  title: 'Jaeger storage backend failing or slow',
  weight: 44,
  names: [
    'JaegerStorageCompletelyUnavailable',
    'JaegerNoStorageReadsSucceeding',
    'JaegerHighStorageErrorRate',
    'JaegerSlowStorageOperations',
    'JaegerQueryServiceHighErrorRate',
    'JaegerQueryServiceSlowResponses',
    'JaegerSlowSingleTraceRetrieval',
    'JaegerServiceDiscoveryErrors',
  ],
  summary: (v) =>
    `Jaeger${v.instance ? ` on \`${v.instance}\`` : ''} ${/slow/.test(v.key) ? 'reads traces slowly' : 'fails storage operations'}${v.labels.operation ? ` (\`${v.labels.operation}\`)` : ''} (\`${v.name}\`): trace search and the UI fail or time out.`,
  causes: [
    [
      'The storage backend (Elasticsearch/OpenSearch, Cassandra, Badger) is down, unreachable or misconfigured',
      0.5,
      'dependency',
    ],
    [
      'The storage backend is overloaded: large traces or wide searches over long time ranges',
      0.3,
      'capacity',
    ],
    [
      'Index/keyspace missing or rolled over incorrectly (index cleaner, rollover aliases)',
      0.1,
      'configuration',
    ],
  ],
  steps: (v) => [
    'PromQL: sum by (operation, result) (rate(jaeger_storage_requests_total[5m])), histogram_quantile(0.99, sum by (le, operation) (rate(jaeger_storage_latency_seconds_bucket[5m])))',
    `${kubectl(v.namespace)} logs -l app.kubernetes.io/name=jaeger --tail=200 | grep -iE 'error|storage'`,
  ],
});

export const tempoBackend: Signature = family({
  id: 'tempo-backend',
  title: 'Tempo compaction, flushing or blocklist polling failing',
  weight: 54,
  names: [
    'TempoCompactionsFailing',
    'TempoIngesterFlushesFailing',
    'TempoPollsFailing',
    'TempoTenantIndexFailures',
    'TempoNoTenantIndexBuilders',
    'TempoTenantIndexTooOld',
    'TempoBlockListRisingQuickly',
    'TempoCompactorsTooManyOutstandingBlocks',
    'TempoCompactionTooManyOutstandingBlocksCritical',
    'TempoCompactionTooManyOutstandingBlocksWarning',
    'TempoBackendSchedulerJobsFailing',
    'TempoIngesterReplayErrors',
  ],
  summary: (v) =>
    `Tempo${v.labels.job ? ` \`${v.labels.job}\`` : ''} has a backend problem (\`${v.name}\`): traces may be delayed, unqueryable or lost.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('compaction') ||
    v.key.includes('outstanding') ||
    v.key.includes('blocklist') ||
    v.key.includes('scheduler')
      ? v.key.includes('outstanding') || v.key.includes('blocklist')
        ? [
            ['Too few compactors for the ingest volume: outstanding blocks pile up', 0.45, 'capacity'],
            [
              'Compactors failing or OOMKilled on an extremely large trace, so nothing gets compacted',
              0.3,
              'capacity',
            ],
            ['Object storage errors during compaction', 0.15, 'dependency'],
          ]
        : [
            ['Compactors OOMKilled compacting an extremely large trace', 0.45, 'capacity'],
            ['Too few compactors for the ingest volume: outstanding blocks pile up', 0.3, 'capacity'],
            ['Object storage errors during compaction', 0.15, 'dependency'],
          ]
      : v.key.includes('flush') || v.key.includes('replay')
        ? [
            [
              'Object storage rejects the flush: permissions, rate limiting or a failing backend',
              0.4,
              'dependency',
            ],
            ['A corrupted or bad block in the ingester WAL keeps failing', 0.35, 'data'],
            ['The ingester WAL disk is filling up from retried blocks', 0.15, 'resource-exhaustion'],
          ]
        : v.key.includes('nobuilders') || v.key.includes('notenantindexbuilders')
          ? [
              ['Unhealthy compactors in the ring hold the tenant-index-builder role', 0.55, 'infrastructure'],
              ['Too few compactors configured as tenant index builders', 0.3, 'configuration'],
            ]
          : [
              [
                'Intermittent or sustained object storage errors when listing or writing the tenant index',
                0.55,
                'dependency',
              ],
              ['No healthy compactor is building the tenant index', 0.3, 'infrastructure'],
            ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -o wide | grep -iE 'compactor|ingester|backend'`,
    'PromQL: increase(tempodb_compaction_errors_total[1h]), rate(tempo_ingester_failed_flushes_total[5m]), increase(tempodb_blocklist_poll_errors_total[1h]), max by (tenant) (tempodb_blocklist_tenant_index_age_seconds)',
    stackLogs(v, 'error|flush|compact|poll|tenant index|oom'),
    'Ring page /compactor/ring: Forget unhealthy compactors',
  ],
});

export const tempoIngestLag: Signature = family({
  id: 'tempo-ingest-lag',
  title: 'Tempo Kafka ingest lagging or failing',
  weight: 50,
  names: [
    'TempoDistributorKafkaProduceFailures',
    'TempoLiveStoreAllOwnersLagging',
    'TempoLiveStorePartitionLagCritical',
    'TempoLiveStorePartitionLagWarning',
    'TempoBlockBuilderPartitionLagCritical',
    'TempoBlockBuilderPartitionLagWarning',
    'TempoMetricsGeneratorPartitionLagCritical',
  ],
  summary: (v) =>
    `Tempo ${q(v.labels.container ?? v.labels.job)}${v.labels.partition ? ` partition \`${v.labels.partition}\`` : ''} ${v.key.includes('produce') ? 'fails to write traces to Kafka' : 'lags behind its Kafka ingest partition'} (\`${v.name}\`): recent traces are delayed or missing.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('produce')
      ? [
          ['The Kafka cluster is unavailable or rejecting writes', 0.55, 'dependency'],
          ['Network problems between distributors and Kafka', 0.25, 'network'],
        ]
      : [
          [
            'Consumers under-provisioned for the ingest throughput (CPU/memory, too few replicas)',
            0.45,
            'capacity',
          ],
          ['Consumer pods restarting or unhealthy, so partitions are not consumed', 0.3, 'application'],
          ['Slow Kafka or object storage behind the consumer', 0.15, 'dependency'],
        ],
  steps: (v) => [
    'PromQL: max by (container, partition) (tempo_ingest_group_partition_lag_seconds)',
    `${kubectl(v.namespace)} get pods -o wide | grep -iE 'live-store|block-builder|metrics-generator|distributor'`,
    stackLogs(v, 'kafka|lag|error'),
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
  promHaGroup,
  thanosBucketReplicate,
  lokiStorage,
  lokiHighLoad,
  lokiDiscarded,
  lokiSchema,
  logShipperPush,
  mimirIngesterStorage,
  mimirCompactor,
  mimirRing,
  mimirLimits,
  mimirReadPath,
  mimirRuler,
  mimirAlertmanager,
  mimirRuntimeConfig,
  grafanaStackIdle,
  mimirIngestStorage,
  mimirMisc,
  grafanaAlloy,
  otelCollector,
  jaegerStorage,
  tempoBackend,
  tempoIngestLag,
  monitoringComponentDown,
  lokiRequests,
];
