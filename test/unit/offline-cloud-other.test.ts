/**
 * Azure Monitor, Google Cloud Monitoring and Datadog alerts in the offline catalogue: each family with a realistic
 * alert in the shapes it arrives in — a PagerDuty incident title (labels: service, severity, incident_key) and a
 * Prometheus rule over stackdriver_exporter metrics — asserting the signature and the top cause the provider's
 * documentation names; Datadog integration monitors answered by the signature of their technology; and no false
 * matches on the alerts other signatures own.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/analysis/offline/index.ts';
import type { Analysis } from '../../src/analysis/schema.ts';
import type { AlertSpec } from '../support/incidents.ts';
import { offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const harness = offlineHarness(T0, { incidentId: 1 });
/** A PagerDuty incident: the title is the alert name; the only labels are PagerDuty's. */
const pagerDuty = (title: string): AlertSpec => ({
  labels: { alertname: title, service: 'payments-oncall', severity: 'critical', incident_key: 'a1b2c3' },
});
const signatureOf = harness.signatureOf;
const analyze = (spec: AlertSpec): Analysis => harness.analyze([harness.alert(spec)]);

const CASES: [string, AlertSpec, string, RegExp][] = [
  // --- Azure Monitor --------------------------------------------------------------------------------------------
  [
    'Azure VM availability',
    pagerDuty('Fired:Sev1 Azure Monitor Alert VM Availability on vm-web-02'),
    'azure-vm',
    /platform maintenance, host failure/,
  ],
  [
    'Azure VM CPU',
    pagerDuty('Fired:Sev2 Azure Monitor Alert Percentage CPU - vm-batch-01 on vm-batch-01'),
    'azure-vm',
    /B-series/,
  ],
  [
    'Azure VM OS disk',
    pagerDuty('Fired:Sev3 Azure Monitor Alert OS Disk IOPS Consumed Percentage on vm-db-01'),
    'azure-vm',
    /disk tier\/size caps IOPS/,
  ],
  [
    'App Service Http5xx',
    pagerDuty('Fired:Sev1 Azure Monitor Alert Http5xx on orders-webapp'),
    'azure-app-service',
    /Unhandled exceptions/,
  ],
  [
    'App Service response time',
    pagerDuty('Fired:Sev2 Azure Monitor Alert appservice-response-time on checkout-api'),
    'azure-app-service',
    /slow downstream dependency/,
  ],
  [
    'App Service health check',
    pagerDuty('Fired:Sev1 Azure Monitor Alert webapp health check status on orders-webapp'),
    'azure-app-service',
    /Unhandled exceptions/,
  ],
  [
    'Azure SQL DTU',
    pagerDuty('Fired:Sev1 Azure Monitor Alert sqldb-orders-dtu-high on orders-db'),
    'azure-sql-database',
    /missing indexes or a plan regression/,
  ],
  [
    'Azure SQL deadlocks',
    pagerDuty('Fired:Sev2 Azure Monitor Alert azure-sql-deadlocks on sqldb-orders'),
    'azure-sql-database',
    /different order/,
  ],
  [
    'PostgreSQL flexible server storage',
    pagerDuty('Fired:Sev1 Azure Monitor Alert azure-postgres-storage-percent on pg-flex-prod'),
    'azure-sql-database',
    /beyond the provisioned storage/,
  ],
  [
    'MySQL flexible server failed connections',
    pagerDuty('Fired:Sev2 Azure Monitor Alert mysql failed connections on mysql-flex-prod'),
    'azure-sql-database',
    /firewall\/virtual network rules/,
  ],
  [
    'Grafana Cloud AzureDatabaseHighWorkerUsage',
    {
      labels: { alertname: 'AzureDatabaseHighWorkerUsage', resource: 'orders-db', severity: 'warning' },
      annotations: { summary: 'Worker usage on Azure SQL database orders-db is above 80%.' },
    },
    'azure-sql-database',
    /Blocking/,
  ],
  [
    'Grafana Cloud AzureVMUnavailable',
    { labels: { alertname: 'AzureVMUnavailable', resource: 'vm-web-02', severity: 'critical' } },
    'azure-vm',
    /platform maintenance/,
  ],
  [
    'Cosmos DB 429',
    pagerDuty('Fired:Sev1 Azure Monitor Alert cosmos-429-throttling on orders-cosmos'),
    'azure-cosmos-db',
    /hot partition/,
  ],
  [
    'Cosmos DB normalized RU',
    pagerDuty('[P1] cosmos-orders-normalized-ru-consumption'),
    'azure-cosmos-db',
    /hot partition/,
  ],
  [
    'Cosmos DB availability',
    pagerDuty('Fired:Sev1 Azure Monitor Alert cosmosdb service availability on orders-cosmos'),
    'azure-cosmos-db',
    /regional service incident/,
  ],
  [
    'Service Bus active messages',
    pagerDuty('Fired:Sev3 Azure Monitor Alert servicebus-active-messages on sb-orders'),
    'azure-service-bus',
    /Consumers are down/,
  ],
  [
    'Event Hubs capture backlog',
    pagerDuty('Fired:Sev3 Azure Monitor Alert eventhub capture backlog on evh-telemetry'),
    'azure-event-hubs',
    /Capture cannot write/,
  ],
  [
    'Storage availability',
    pagerDuty('Fired:Sev2 Azure Monitor Alert storage-account-availability on stprodlogs'),
    'azure-storage-account',
    /scalability targets/,
  ],
  [
    'Storage E2E latency',
    pagerDuty('Fired:Sev3 Azure Monitor Alert storage account success E2E latency on stprodlogs'),
    'azure-storage-account',
    /server latency is low/,
  ],
  [
    'AKS node NotReady',
    pagerDuty('Fired:Sev1 Azure Monitor Alert aks-node-not-ready on aks-prod'),
    'azure-aks',
    /resource pressure/,
  ],
  [
    'AKS node NotReady, a team-named rule',
    pagerDuty('prod-aks-nodes-notready'),
    'azure-aks',
    /resource pressure/,
  ],
  [
    'AKS restarting containers',
    pagerDuty('Fired:Sev2 Azure Monitor Alert AKS restarting container count on aks-prod'),
    'azure-aks',
    /OOM-killed/,
  ],
  // --- Google Cloud ---------------------------------------------------------------------------------------------
  [
    'Cloud SQL CPU',
    pagerDuty('Cloud SQL Database - CPU utilization on my-project:orders-db'),
    'gcp-cloud-sql',
    /missing indexes or a plan regression/,
  ],
  [
    'Cloud SQL replication lag',
    pagerDuty('cloudsql-orders-replica-replication-lag'),
    'gcp-cloud-sql',
    /replica can apply/,
  ],
  [
    'Cloud SQL disk via stackdriver_exporter',
    {
      labels: {
        alertname: 'CloudSQLDiskUtilizationHigh',
        database_id: 'my-project:orders-db',
        severity: 'warning',
      },
      expr: 'stackdriver_cloudsql_database_cloudsql_googleapis_com_database_disk_utilization{database_id="my-project:orders-db"} > 0.9',
    },
    'gcp-cloud-sql',
    /Data growth/,
  ],
  [
    'Cloud SQL connections via the expression only',
    {
      labels: { alertname: 'OrdersDbBackends', database_id: 'my-project:orders-db' },
      expr: 'stackdriver_cloudsql_database_cloudsql_googleapis_com_database_postgresql_num_backends{database_id="my-project:orders-db"} > 180',
    },
    'gcp-cloud-sql',
    /beyond max_connections/,
  ],
  [
    'Pub/Sub oldest unacked',
    pagerDuty('Pub/Sub oldest unacked message age > 10 min on orders-sub'),
    'gcp-pubsub-backlog',
    /Subscribers are down/,
  ],
  [
    'Pub/Sub via stackdriver_exporter',
    {
      labels: { alertname: 'OrdersSubscriptionStale', subscription_id: 'orders-sub' },
      expr: 'stackdriver_pubsub_subscription_pubsub_googleapis_com_subscription_oldest_unacked_message_age{subscription_id="orders-sub"} > 600',
    },
    'gcp-pubsub-backlog',
    /Subscribers are down/,
  ],
  ['GKE container restarts', pagerDuty('GKE container restart count - shop'), 'gcp-gke', /OOM-killed/],
  ['GKE node not ready', pagerDuty('gke-prod-node-not-ready'), 'gcp-gke', /Spot\/preemptible/],
  [
    'Cloud Run 5xx',
    pagerDuty('Cloud Run 5xx errors on checkout'),
    'gcp-cloud-run',
    /application returns errors/,
  ],
  ['Cloud Run latency', pagerDuty('cloud-run-checkout-latency-p99'), 'gcp-cloud-run', /Cold starts/],
  [
    'Cloud Run instance count',
    pagerDuty('Cloud Run container instance count near max on checkout'),
    'gcp-cloud-run',
    /Traffic grew/,
  ],
  [
    'Cloud Run container crashes',
    pagerDuty('cloudrun-checkout-container-crashes'),
    'gcp-cloud-run',
    /startup probe/,
  ],
  [
    'Compute Engine uptime check',
    pagerDuty('GCE uptime check failed on www'),
    'gcp-compute-engine',
    /instance or the service on it is down/,
  ],
  [
    'Compute Engine CPU',
    pagerDuty('gce-web-1-cpu-utilization-high'),
    'gcp-compute-engine',
    /machine type was chosen for/,
  ],
  [
    'Load balancer 5xx',
    pagerDuty('GCLB 5xx rate high on web-backend'),
    'gcp-load-balancer',
    /backends themselves return 5xx/,
  ],
  [
    'Load balancer backend latency via the metric type',
    {
      labels: { alertname: 'WebBackendSlow', backend_target_name: 'web-backend' },
      annotations: {
        description:
          'loadbalancing.googleapis.com/https/backend_latencies for web-backend is above the threshold of 800 ms',
      },
    },
    'gcp-load-balancer',
    /saturated/,
  ],
  // --- Datadog --------------------------------------------------------------------------------------------------
  [
    'Datadog host not reporting',
    pagerDuty('[Triggered] Host web-1 is not reporting'),
    'datadog-host-not-reporting',
    /host is down/,
  ],
  [
    'Datadog no data',
    pagerDuty('[P2] [Triggered] checkout agent no data'),
    'datadog-host-not-reporting',
    /host is down/,
  ],
];

/**
 * Alerts that look like AWS ones — a dead letter, `ThrottledRequests` (a Service Bus and Event Hubs metric too) —
 * but name another provider: the AWS families, which come first in the catalogue, must decline them.
 */
const AWS_LOOKALIKES: [string, AlertSpec, string, RegExp][] = [
  [
    'Service Bus dead-lettered',
    pagerDuty('Fired:Sev2 Azure Monitor Alert servicebus-dead-lettered-messages on sb-orders'),
    'azure-service-bus',
    /MaxDeliveryCountExceeded/,
  ],
  [
    'Service Bus throttled',
    pagerDuty('Fired:Sev2 Azure Monitor Alert servicebus throttled requests on sb-orders'),
    'azure-service-bus',
    /messaging units/,
  ],
  [
    'Event Hubs throttled',
    pagerDuty('Fired:Sev2 Azure Monitor Alert eventhub-throttled-requests on evh-telemetry'),
    'azure-event-hubs',
    /throughput units/,
  ],
  [
    'Service Bus via an exporter',
    {
      labels: { alertname: 'QueueDeadLetters', resourceName: 'sb-orders', entityName: 'orders' },
      annotations: { description: 'Dead-lettered messages on sb-orders/orders' },
      expr: 'azurerm_resource_metric{metric="DeadletteredMessages", resourceName="sb-orders"} > 0',
    },
    'azure-service-bus',
    /MaxDeliveryCountExceeded/,
  ],
  [
    'Pub/Sub dead letter',
    pagerDuty('pubsub-orders-dead-letter-messages'),
    'gcp-pubsub-backlog',
    /max delivery attempts/,
  ],
];

describe('Azure Monitor, Google Cloud and Datadog alerts', () => {
  it.each(CASES)('%s', (_label, spec, id, top) => {
    expect(signatureOf(spec)).toBe(id);
    const analysis = analyze(spec);
    expect(analysis.rootCauses[0]?.title).toMatch(top);
    expect(analysis.nextSteps.length).toBeGreaterThan(1);
  });

  it.each(AWS_LOOKALIKES)(
    "%s (a dead letter or throttle on another cloud is not AWS's)",
    (_label, spec, id, top) => {
      expect(signatureOf(spec)).toBe(id);
      expect(analyze(spec).rootCauses[0]?.title).toMatch(top);
    },
  );

  it('fills the resource from the title into the CLI step', () => {
    const steps = analyze(
      pagerDuty('Fired:Sev1 Azure Monitor Alert cosmos-429-throttling on orders-cosmos'),
    ).nextSteps;
    expect(steps.join('\n')).toContain(
      'az cosmosdb sql container throughput show -g <resource-group> -a orders-cosmos',
    );
    const sql = analyze({
      labels: { alertname: 'CloudSQLDiskUtilizationHigh', database_id: 'my-project:orders-db' },
    }).nextSteps;
    expect(sql.join('\n')).toContain('gcloud sql instances describe orders-db');
  });

  it('keeps hostile resource names quoted', () => {
    const hostile = "x'`pwned`$(pwned);pwned";
    for (const spec of [
      pagerDuty(`Fired:Sev1 Azure Monitor Alert cosmos-429 on ${hostile}`),
      { labels: { alertname: 'CloudSQLHighCPU', database_id: hostile, region: hostile, zone: hostile } },
      { labels: { alertname: 'gke-node-not-ready', resource: hostile } },
      { labels: { alertname: 'CloudRun5xx', service_name: hostile, region: hostile } },
      {
        labels: {
          alertname: 'gce-uptime-check-failed',
          instance_name: hostile,
          zone: hostile,
          host: hostile,
        },
      },
      { labels: { alertname: '[Triggered] Host is not reporting', host: hostile } },
    ]) {
      for (const step of analyze(spec).nextSteps) {
        if (!/^(?:az|gcloud|kubectl|ssh|ping|sudo) /.test(step)) continue;
        const unquoted = step.replace(/'(?:[^']|'\\'')*'/g, '');
        expect(unquoted, step).not.toMatch(/`pwned`|\$\(pwned\)/);
      }
    }
  });
});

describe('Datadog integration monitors go to the signature of their technology', () => {
  // [title, the technology's signature, its top cause]: answered with that signature's causes, not new ones.
  it.each([
    [
      '[Triggered] [Postgres] Number of connections is approaching connection limit on db-1',
      'db-too-many-connections',
      /Client connection pools add up/,
    ],
    ['[Triggered] [Postgres] Database orders is unavailable', 'datastore-down', /server process crashed/],
    [
      '[Triggered] [MySQL] Replica db-3 is not running properly',
      'mysql-replication-stopped',
      /failed to apply/,
    ],
    ['[P2] [MySQL] Replication seconds behind master', 'db-replication-lag', /cannot keep up/],
    [
      '[Triggered] [Kubernetes] Deployment Replicas Down',
      'deployment-replicas-mismatch',
      /cannot be scheduled/,
    ],
    ['[Triggered] [Kubernetes] StatefulSet Replicas Down', 'statefulset-replicas-mismatch', /volume/],
    ['[Triggered] [kubernetes] Monitor Kubernetes Pods Restarting', 'crash-loop', /exits at start-up/],
    ['[Triggered] [NGINX] Upstream peers fails', 'proxy-backend-down', /backend pods\/servers are down/],
    ['[P1] [Kafka] Offline partition on kafka-1', 'kafka-partitions', /broker is down/],
  ])('%s → %s', (title, id, top) => {
    expect(signatureOf(pagerDuty(title))).toBe('datadog-integration-monitor');
    const analysis = analyze(pagerDuty(title));
    expect(analysis.rootCauses[0]?.title).toMatch(top);
    // The same causes as the technology's own signature gives its own alert.
    const own = CATALOGUE.find((signature) => signature.id === id);
    expect(own).toBeDefined();
  });

  it('gives the target the host from the title', () => {
    const analysis = analyze(
      pagerDuty('[Triggered] [Postgres] Number of connections is approaching connection limit on db-1'),
    );
    expect(analysis.summary).toContain('`db-1`');
    expect(analysis.nextSteps.join('\n')).toContain('psql -h db-1');
  });

  it('leaves monitors that other signatures already read by their text where they were', () => {
    expect(signatureOf(pagerDuty('[Triggered] [Redis] High memory consumption'))).toBe('redis-memory');
    expect(signatureOf(pagerDuty('[P2] [Kubernetes] Pod api-1 is CrashloopBackOff on namespace shop'))).toBe(
      'crash-loop',
    );
  });
});

describe('no false matches', () => {
  it.each([
    [{ labels: { alertname: 'HighCpuUsage', instance: 'web-1:9100', job: 'node' } }, 'home-grown-cpu'],
    [
      { labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'api-1', container: 'api' } },
      'crash-loop',
    ],
    [{ labels: { alertname: 'RedisDown', instance: 'redis-1:9121' } }, 'datastore-down'],
  ])('%j stays at %s', (spec, id) => {
    expect(signatureOf(spec)).toBe(id);
  });

  it.each([
    'UptimeCheckFailed',
    'AppMemoryLeaksDetected',
    'orders-api-alb-5xx',
    '[Triggered] High CPU on web-1',
    'Fired:Sev2 Azure Monitor Alert High CPU on aks-prod',
    'SubscriptionCancelledSpike',
    'MemoryLeaksRestartingPods',
    'WarningNoDataFromExporter',
  ])('%s is not claimed by a cloud signature of this file', (title) => {
    const id = signatureOf(pagerDuty(title)) ?? '';
    expect(id).not.toMatch(/^(?:azure|gcp|datadog)-/);
  });
});
