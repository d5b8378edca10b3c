/**
 * The monitoring stack watching itself (Prometheus HA groups, Thanos, Loki, Mimir/Cortex, Tempo, log shippers),
 * TLS revocation, and cluster add-ons (Argo CD, Flux, Vault, Consul, Istio, cluster-autoscaler, KEDA,
 * external-dns, OpenShift operators): one realistic alert per family as its rule renders it, the signature it
 * gets and the runbook's first cause on top — plus the name patterns declining other technologies.
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
const awesome = awesomeDescription;

// [name, alert, signature id, top cause, a step that quotes a real label or the tool's own command]
const FAMILIES: [string, AlertSpec, string, RegExp, string][] = [
  [
    'PrometheusHAGroupCrashlooping',
    {
      labels: { alertname: 'PrometheusHAGroupCrashlooping', namespace: 'monitoring', severity: 'critical' },
      annotations: {
        description:
          '50% of Prometheus instances within the k8s HA group have had at least 5 total restarts in the last 30m or 2 unclean restarts in the last 1h.',
        summary: 'More than half of the Prometheus instances within the same HA group are crashlooping.',
      },
    },
    'prometheus-ha-group',
    /Out of memory/,
    'kubectl -n monitoring get pods -l app.kubernetes.io/name=prometheus',
  ],
  [
    'ThanosBucketReplicateErrorRate',
    {
      labels: {
        alertname: 'ThanosBucketReplicateErrorRate',
        job: 'thanos-bucket-replicate',
        namespace: 'thanos',
      },
      annotations: { description: 'Thanos Replicate is failing to run, 12.5% of attempts failed.' },
    },
    'thanos-bucket-replicate',
    /Object storage errors/,
    'thanos_replicate_replication_runs_total',
  ],
  [
    'LokiStorageSlowWrite',
    {
      labels: {
        alertname: 'LokiStorageSlowWrite',
        job: 'lokistack-ingester',
        namespace: 'openshift-logging',
      },
      annotations: {
        description: 'The storage path is experiencing slow write response rates.',
        summary: 'The storage path is experiencing slow write response rates.',
      },
    },
    'loki-storage-slow',
    /object storage backend/,
    'namespace="openshift-logging"',
  ],
  [
    'LokiReadPathHighLoad',
    {
      labels: { alertname: 'LokiReadPathHighLoad', job: 'lokistack-querier', namespace: 'openshift-logging' },
      annotations: {
        description: 'The read path is experiencing high load.',
        summary: 'The read path has high volume of queries, causing longer response times.',
      },
    },
    'loki-path-high-load',
    /Too few queriers/,
    'kubectl -n openshift-logging get pods',
  ],
  [
    'LokiDiscardedSamplesWarning',
    {
      labels: {
        alertname: 'LokiDiscardedSamplesWarning',
        namespace: 'openshift-logging',
        tenant: 'application',
        reason: 'line_too_long',
      },
      annotations: {
        description:
          'Loki in namespace openshift-logging is discarding samples in the "application" tenant during ingestion.\nSamples are discarded because of "line_too_long" at a rate of 12 samples per second.',
        summary: 'Loki is discarding samples during ingestion because they fail validation.',
      },
    },
    'loki-discarded-samples',
    /lines or label values too long/,
    'tenant="application"',
  ],
  [
    'LokistackSchemaUpgradesRequired',
    {
      labels: {
        alertname: 'LokistackSchemaUpgradesRequired',
        stack_name: 'logging-loki',
        stack_namespace: 'openshift-logging',
      },
      annotations: {
        summary: 'One or more of the deployed LokiStacks contains an outdated storage schema configuration.',
      },
    },
    'lokistack-schema-upgrade',
    /v13/,
    'kubectl -n openshift-logging get lokistack logging-loki',
  ],
  [
    'FluentBitOutputErrors',
    {
      labels: {
        alertname: 'FluentBitOutputErrors',
        instance: '10.0.3.7:2020',
        name: 'es.0',
        pod: 'fluent-bit-x7k2p',
        namespace: 'logging',
      },
      annotations: { summary: 'Fluent Bit output errors detected' },
    },
    'log-shipper-push-failing',
    /destination .* rejects or throttles/,
    'kubectl -n logging logs fluent-bit-x7k2p',
  ],
  [
    'MimirIngesterTSDBHeadCompactionFailed',
    {
      labels: {
        alertname: 'MimirIngesterTSDBHeadCompactionFailed',
        namespace: 'mimir',
        pod: 'ingester-zone-a-3',
        job: 'mimir/ingester',
      },
      annotations: { message: 'Mimir Ingester ingester-zone-a-3 in mimir is failing to compact TSDB head.' },
    },
    'mimir-ingester-tsdb',
    /disk is full/,
    'kubectl -n mimir exec ingester-zone-a-3 -- df -h /data',
  ],
  [
    'MimirCompactorSkippedBlocks',
    {
      labels: {
        alertname: 'MimirCompactorSkippedBlocks',
        namespace: 'mimir',
        reason: 'critical',
        pod: 'compactor-0',
      },
      annotations: {
        message:
          'Mimir Compactor in mimir has found and ignored blocks that cannot be compacted (reason critical).',
      },
    },
    'mimir-compactor',
    /corrupted source block/,
    'mark-blocks --tenant <tenant> --mark-type no-compact',
  ],
  [
    'MimirGossipMembersTooHigh',
    {
      labels: { alertname: 'MimirGossipMembersTooHigh', namespace: 'mimir', job: 'mimir/distributor' },
      annotations: {
        message:
          'One or more Mimir instances in mimir consistently sees a higher than expected number of gossip members.',
      },
    },
    'mimir-ring-memberlist',
    /Memberlist communication problems/,
    'memberlist_client_cluster_members_count',
  ],
  [
    'CortexIngesterUnhealthy',
    {
      labels: {
        alertname: 'CortexIngesterUnhealthy',
        job: 'cortex/ingester',
        name: 'ingester',
        state: 'Unhealthy',
      },
      annotations: {
        summary: 'Cortex ingester unhealthy (instance 10.0.4.2:80)',
        description: awesome('Cortex has an unhealthy ingester'),
      },
    },
    'mimir-ring-memberlist',
    /Stale ring entries/,
    '/ingester/ring',
  ],
  [
    'MimirIngesterReachingSeriesLimit',
    {
      labels: { alertname: 'MimirIngesterReachingSeriesLimit', namespace: 'mimir', pod: 'ingester-zone-b-1' },
      annotations: {
        message: 'Ingester mimir/ingester-zone-b-1 has reached 82% of its series limit.',
      },
    },
    'mimir-instance-limits',
    /Active series .* grew/,
    'cortex_ingester_instance_limits',
  ],
  [
    'MimirSchedulerQueriesStuck',
    {
      labels: { alertname: 'MimirSchedulerQueriesStuck', namespace: 'mimir', job: 'mimir/query-scheduler' },
      annotations: { message: 'There are 14 queued up queries in mimir/query-scheduler.' },
    },
    'mimir-request-path',
    /Queriers saturated/,
    'cortex_query_scheduler_queue_length',
  ],
  [
    'MimirRulerTooManyFailedQueries',
    {
      labels: {
        alertname: 'MimirRulerTooManyFailedQueries',
        namespace: 'mimir',
        pod: 'ruler-5d8f7c9b4-x2lqz',
      },
      annotations: {
        message:
          'Mimir Ruler ruler-5d8f7c9b4-x2lqz in mimir is experiencing 3.2% errors while evaluating rules.',
      },
    },
    'mimir-ruler',
    /Store-gateways or ingesters fail/,
    'cortex_ruler_queries_failed_total',
  ],
  [
    'MimirAlertmanagerPersistStateFailing',
    {
      labels: {
        alertname: 'MimirAlertmanagerPersistStateFailing',
        namespace: 'mimir',
        pod: 'alertmanager-1',
      },
      annotations: {
        message:
          'Mimir Alertmanager mimir/alertmanager-1 is unable to persist full state snaphots to remote storage.',
      },
    },
    'mimir-alertmanager',
    /Object storage unreachable/,
    'kubectl -n mimir logs alertmanager-1',
  ],
  [
    'MimirBadRuntimeConfig',
    {
      labels: { alertname: 'MimirBadRuntimeConfig', namespace: 'mimir', job: 'mimir/distributor' },
      annotations: { message: 'mimir/distributor failed to reload runtime config.' },
    },
    'mimir-runtime-config',
    /invalid runtime config/,
    'cortex_runtime_config_last_reload_successful',
  ],
  [
    'MimirIngesterInstanceHasNoTenants',
    {
      labels: {
        alertname: 'MimirIngesterInstanceHasNoTenants',
        namespace: 'mimir',
        pod: 'ingester-zone-c-7',
      },
      annotations: { message: 'Mimir ingester ingester-zone-c-7 in mimir has no tenants assigned.' },
    },
    'mimir-idle-instances',
    /shard size is lower than the number of replicas/,
    'cortex_limits_overrides',
  ],
  [
    'TempoCompactionsFailing',
    {
      labels: { alertname: 'TempoCompactionsFailing', job: 'tempo/compactor', namespace: 'tracing' },
      annotations: { message: 'Greater than 2 compactions have failed in the past hour.' },
    },
    'tempo-backend',
    /OOMKilled compacting an extremely large trace/,
    'tempodb_compaction_errors_total',
  ],
  [
    'TempoLiveStorePartitionLagCritical',
    {
      labels: {
        alertname: 'TempoLiveStorePartitionLagCritical',
        container: 'live-store',
        partition: '4',
        namespace: 'tracing',
      },
      annotations: {
        description: awesome('Tempo live-store is lagging by 1400s behind Kafka ingest partition 4'),
      },
    },
    'tempo-ingest-lag',
    /Consumers under-provisioned/,
    'tempo_ingest_group_partition_lag_seconds',
  ],
  [
    'SslCertificateRevoked',
    {
      labels: { alertname: 'SslCertificateRevoked', instance: 'shop.example.com:443', job: 'ssl' },
      annotations: { summary: 'SSL certificate revoked (instance shop.example.com:443)' },
    },
    'tls-cert-revoked',
    /CA revoked the certificate/,
    'openssl s_client -connect shop.example.com:443',
  ],
  [
    'ArgoCdAppSyncFailed',
    {
      labels: {
        alertname: 'ArgoCdAppSyncFailed',
        name: 'checkout',
        project: 'shop',
        phase: 'Error',
        job: 'argocd-metrics',
      },
      annotations: { summary: 'An Argo CD Application has Failed to Sync.' },
    },
    'argocd-app-sync',
    /API server rejects the manifests/,
    'argocd app get checkout',
  ],
  [
    'ArgocdServiceUnhealthy',
    {
      labels: {
        alertname: 'ArgocdServiceUnhealthy',
        name: 'payments',
        health_status: 'Degraded',
        dest_namespace: 'pay',
      },
      annotations: {
        summary: 'ArgoCD service unhealthy (instance argocd-metrics:8082)',
        description: awesome('Service payments run by argo is currently not healthy.'),
      },
    },
    'argocd-app-health',
    /workload of the app is degraded/,
    'kubectl -n pay get pods',
  ],
  [
    'FluxHelmreleaseFailure',
    {
      labels: {
        alertname: 'FluxHelmreleaseFailure',
        customresource_kind: 'HelmRelease',
        name: 'ingress-nginx',
        exported_namespace: 'ingress',
      },
      annotations: {
        description: awesome("The HelmRelease 'ingress-nginx' in namespace ingress is marked as not ready."),
      },
    },
    'flux-reconciliation',
    /helm install\/upgrade fails/,
    'flux events --for HelmRelease/ingress-nginx -n ingress',
  ],
  [
    'VaultSealed',
    {
      labels: { alertname: 'VaultSealed', instance: 'vault-0.vault-internal:8200', namespace: 'vault' },
      annotations: { description: awesome('Vault instance is sealed on vault-0.vault-internal:8200') },
    },
    'vault',
    /waiting to be unsealed/,
    'vault status',
  ],
  [
    'ConsulServiceHealthcheckFailed',
    {
      labels: {
        alertname: 'ConsulServiceHealthcheckFailed',
        service_name: 'billing',
        service_id: 'billing-1',
      },
      annotations: { description: awesome('Service: `billing` Healthcheck: `billing-1`') },
    },
    'consul',
    /service instance itself is down/,
    '/v1/health/checks/billing',
  ],
  [
    'IstioPilotHighTotalRequestRate',
    {
      labels: { alertname: 'IstioPilotHighTotalRequestRate', namespace: 'istio-system' },
      annotations: {
        description: awesome(
          'Number of Istio Pilot push errors is too high (> 5%). Envoy sidecars might have outdated configuration.',
        ),
      },
    },
    'istio-control-plane',
    /Envoy rejects \(xDS NACK\)/,
    'istioctl proxy-status',
  ],
  [
    'IstioKubernetesGatewayAvailabilityDrop',
    {
      labels: { alertname: 'IstioKubernetesGatewayAvailabilityDrop', deployment: 'istio-ingressgateway' },
      annotations: {
        description: awesome('Gateway pods have dropped. Inbound traffic will likely be affected.'),
      },
    },
    'istio-gateway-traffic',
    /Gateway pods crash/,
    'istio-ingressgateway',
  ],
  [
    'ClusterAutoscalerUnschedulablePods',
    {
      labels: { alertname: 'ClusterAutoscalerUnschedulablePods', namespace: 'openshift-machine-api' },
      annotations: { summary: 'Cluster Autoscaler has 4 unschedulable pods' },
    },
    'cluster-autoscaler',
    /replica maximum reached/,
    'cluster_autoscaler_unschedulable_pods_count',
  ],
  [
    'KEDAScalerErrors',
    {
      labels: {
        alertname: 'KEDAScalerErrors',
        namespace: 'orders',
        scaledObject: 'orders-worker',
        scaler: 'prometheusScaler',
      },
      annotations: { description: 'KEDA scaler prometheusScaler in orders has errors' },
    },
    'keda-scaler-errors',
    /cannot query its source/,
    'kubectl -n orders describe scaledobject orders-worker',
  ],
  [
    'ExternalDNSRegistryErrors',
    {
      labels: { alertname: 'ExternalDNSRegistryErrors', namespace: 'external-dns' },
      annotations: { description: 'external-dns has 4 registry errors in the last 5 minutes' },
    },
    'external-dns',
    /DNS provider API rejects/,
    'kubectl -n external-dns logs deploy/external-dns',
  ],
  [
    'HAProxyReloadFail',
    {
      labels: {
        alertname: 'HAProxyReloadFail',
        namespace: 'openshift-ingress',
        pod: 'router-default-6c9f7d8b5-qx7zr',
      },
      annotations: {
        message:
          'HAProxy reloads are failing on router-default-6c9f7d8b5-qx7zr. Router is not respecting recently created or modified routes',
      },
    },
    'openshift-ingress-controller',
    /HAProxy tuning in the IngressController CR/,
    'oc -n openshift-ingress logs router-default-6c9f7d8b5-qx7zr',
  ],
  [
    'TelemeterClientFailures',
    {
      labels: { alertname: 'TelemeterClientFailures', namespace: 'openshift-monitoring' },
      annotations: { summary: 'Telemeter client fails to send metrics' },
    },
    'openshift-monitoring-components',
    /Telemeter service/,
    'telemeter-client',
  ],
  [
    'NodeWithoutOVNKubeNodePodRunning',
    {
      labels: { alertname: 'NodeWithoutOVNKubeNodePodRunning', node: 'worker-2.ocp.example.com' },
      annotations: { summary: 'All Linux nodes should be running an ovnkube-node pod' },
    },
    'ovn-kubernetes',
    /ovnkube-node pod on the node crashes/,
    'oc -n openshift-ovn-kubernetes get daemonset ovnkube-node',
  ],
  [
    'etcdGRPCWriteRequestsSlow',
    {
      labels: { alertname: 'etcdGRPCWriteRequestsSlow', job: 'etcd', namespace: 'openshift-etcd' },
      annotations: { description: 'etcd cluster "etcd": 99th percentile of gRPC Txn requests is 6.2s.' },
    },
    'openshift-etcd-extra',
    /Slow disk/,
    'etcd_disk_wal_fsync_duration_seconds_bucket',
  ],
  [
    'MimirRunningIngesterReceiveDelayTooHigh',
    {
      labels: {
        alertname: 'MimirRunningIngesterReceiveDelayTooHigh',
        namespace: 'mimir',
        pod: 'ingester-zone-a-0',
      },
      annotations: {
        message:
          'Mimir Ingester ingester-zone-a-0 in mimir has fallen behind in processing records from Kafka.',
      },
    },
    'mimir-ingest-storage',
    /overloaded/,
    'cortex_ingest_storage_reader_receive_delay_seconds_bucket',
  ],
  [
    'MimirMixedQuerierQueryPlanVersionSupport',
    {
      labels: {
        alertname: 'MimirMixedQuerierQueryPlanVersionSupport',
        namespace: 'mimir',
        job: 'mimir/querier',
      },
      annotations: { message: 'Queriers in mimir report different maximum supported query plan versions.' },
    },
    'mimir-cluster-validation-and-versions',
    /rollout or upgrade is in progress/,
    'cortex_querier_maximum_supported_query_plan_version',
  ],
  [
    'ClusterNotConverging',
    {
      labels: {
        alertname: 'ClusterNotConverging',
        namespace: 'monitoring',
        job: 'monitoring/alloy',
        cluster: 'prod',
      },
      annotations: {
        summary: 'Cluster is not converging: nodes report different number of peers in the cluster.',
      },
    },
    'grafana-alloy',
    /cannot gossip/,
    'cluster_node_peers',
  ],
  [
    'OpentelemetryCollectorExporterFailedSpans',
    {
      labels: {
        alertname: 'OpentelemetryCollectorExporterFailedSpans',
        exporter: 'otlp/tempo',
        job: 'otel-collector',
        namespace: 'observability',
      },
      annotations: {
        description: awesome('OpenTelemetry Collector failing to send 3.2/s spans via otlp/tempo.'),
      },
    },
    'otel-collector-pipeline',
    /destination is down, rejecting or throttling/,
    'otelcol_exporter_send_failed_spans_total',
  ],
  [
    'JaegerStorageCompletelyUnavailable',
    {
      labels: {
        alertname: 'JaegerStorageCompletelyUnavailable',
        instance: 'jaeger-0:8888',
        operation: 'find_traces',
        namespace: 'tracing',
      },
      annotations: {
        description: awesome(
          'Jaeger on jaeger-0:8888 has 100% storage errors for find_traces — storage backend may be down.',
        ),
      },
    },
    'jaeger-storage',
    /storage backend .* is down/,
    'jaeger_storage_requests_total',
  ],
];

describe('offline coverage: monitoring stack, probes and cluster add-ons', () => {
  it.each(FAMILIES)('%s', (_name, spec, id, topCause, step) => {
    expect(signatureOf(spec)).toBe(id);
    const analysis = analyze([alert(spec)]);
    expect(analysis.summary).not.toMatch(/No known signature/);
    expect(analysis.rootCauses[0]?.title).toMatch(topCause);
    const evidence = analysis.rootCauses[0]?.evidence.join('\n') ?? '';
    expect(evidence).toContain(`\`${spec.labels.alertname}\` firing`);
    expect(analysis.nextSteps.join('\n')).toContain(step);
  });
});

describe('offline coverage: name patterns stay within their technology', () => {
  const cases: [string, string | undefined][] = [
    // keda pattern: only KEDA-prefixed alerts
    ['KedaScaledJobErrorsHigh', 'keda-scaler-errors'],
    ['KafkaBrokerDown', 'kafka-broker'],
    // external-dns pattern: not ExternalSecrets
    ['ExternalDnsSourceSyncFailed', 'external-dns'],
    ['ExternalSecretsSyncFailed', undefined],
    // istio xDS pattern: push errors only, never the mesh's HTTP error-rate alerts
    ['IstiodXdsPushErrorsHigh', 'istio-control-plane'],
    ['IstioHigh5xxErrorRate', 'http-5xx'],
    // log collector pattern: Fluent Bit / Fluentd output problems only
    ['FluentdOutputRetriesHigh', 'log-shipper-push-failing'],
    ['PromtailDroppedEntries', 'log-shipper-push-failing'],
    ['PromtailFileMissing', undefined],
  ];
  it.each(cases)('%s → %s', (name, id) => {
    const matched = signatureOf({ labels: { alertname: name } });
    if (id === undefined)
      expect(matched === undefined || !/external-dns|keda|istio|log-shipper/.test(matched)).toBe(true);
    else expect(matched).toBe(id);
  });
});
