/**
 * Azure Monitor and Google Cloud Monitoring alerts, and Datadog monitors, as they arrive through PagerDuty or
 * Alertmanager. PagerDuty titles: Azure `Fired:Sev2 Azure Monitor Alert <rule> on <resource>`, Google Cloud
 * `<policy>` / `<condition> on <resource>`, Datadog `[Triggered] <monitor>` / `[P1] <monitor>`. Exporter shapes:
 * stackdriver_exporter metric names (`stackdriver_cloudsql_database_cloudsql_googleapis_com_database_…`) and Cloud
 * Monitoring metric types (`pubsub.googleapis.com/subscription/…`) in the expression or description.
 *
 * Causes follow the providers' own pages: Azure Monitor recommended alert rules and the troubleshooting pages of
 * each service (Cosmos DB "request rate too large", Service Bus dead-letter queues, Storage latency, App Service
 * 5xx, AKS node NotReady); Google Cloud's Cloud SQL, Pub/Sub, Cloud Run, GKE and load-balancing troubleshooting;
 * Datadog's integration monitor templates (DataDog/integrations-core `assets/monitors`).
 */
import { hostOf, kubectl, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, family, q } from './family.ts';
import { signatureById } from './index.ts';
import { dbConnections, replicationLag } from './services.ts';
import { crashLoop } from './workloads.ts';

/** An Azure Monitor alert: the PagerDuty/email title, or a rule name that says azure. */
const AZURE = /^(?:fired|resolved|activated|deactivated)?(?:sev[0-4])?azuremonitoralert|azure/;
const isAzure = (v: AlertView): boolean => AZURE.test(v.key) || /\bazure\b|microsoft\.\w+\//.test(v.text);
/** Google Cloud: the service's own words, or Cloud Monitoring metric types / stackdriver_exporter names. */
const GCP_TEXT = /googleapis\.com\/|googleapis_com_|stackdriver_|\bgcp\b|google cloud/;
const isGcp = (v: AlertView): boolean => /gcp|googlecloud|stackdriver/.test(v.key) || GCP_TEXT.test(v.text);

/** The `… on <resource>` tail of an Azure/Google/Datadog title. */
const titleTail = (v: AlertView): string | undefined => /\son\s+([\w./:@-]+)\s*$/i.exec(v.name)?.[1];

/** Where the alert points: a resource label, else the `… on <resource>` tail of an Azure/Google/Datadog title. */
function resourceOf(v: AlertView): string | undefined {
  const l = v.labels;
  const label =
    l.resource ??
    l.resource_name ??
    l.resourceName ??
    l.resource_id ??
    l.database_id ??
    l.subscription_id ??
    l.service_name ??
    l.instance_name ??
    l.instance_id ??
    l.host;
  // An Azure resource ID (`/subscriptions/…/virtualMachines/vm-1`): the CLI wants the last segment, the name.
  if (label) return label.startsWith('/subscriptions/') ? label.split('/').filter(Boolean).pop() : label;
  return titleTail(v);
}
const res = (v: AlertView, fallback: string): string => {
  const r = resourceOf(v);
  return r ? sh(r) : fallback;
};
const on = (v: AlertView): string => {
  const r = resourceOf(v);
  return r ? ` on \`${r}\`` : '';
};
/** Google's `project:instance` database_id → the instance name gcloud wants. */
const sqlInstance = (v: AlertView): string => {
  const r = resourceOf(v);
  return r ? sh(r.includes(':') ? (r.split(':').pop() as string) : r) : '<instance>';
};
const region = (v: AlertView): string => (v.labels.region ? sh(v.labels.region) : '<region>');
const zone = (v: AlertView): string => (v.labels.zone ? sh(v.labels.zone) : '<zone>');

/** `key` or `text` has one of these. */
const says = (v: AlertView, pattern: RegExp): boolean => pattern.test(v.key) || pattern.test(v.text);

// --- Azure --------------------------------------------------------------------------------------------------------

export const azureVm: Signature = family({
  id: 'azure-vm',
  title: 'Azure VM unavailable, or its OS disk or CPU at the limit of its size',
  weight: 58,
  // Grafana Cloud's prebuilt Azure VM alerts.
  names: ['AzureVMHighCpuUtilization', 'AzureVMUnavailable'],
  namePattern:
    /^(?=.*(?:azure|^(?:fired|resolved)sev))(?=.*(?:vmavailability|vmunavailable|availabilitymetric|heartbeat|osdisk|diskiops|iopsconsumed|bandwidthconsumed|cpucredit|cpu|availablememory|memory))/,
  textPattern:
    /\bvmavailabilitymetric\b|\bos disk (?:iops|bandwidth) consumed percentage\b|\bcpu credits remaining\b/,
  // Another Azure service's CPU/memory (an App Service plan, a cache, a cluster) is not a VM's.
  accepts: (v) =>
    (isAzure(v) || /vmavailabilitymetric|cpu credits/.test(v.text)) &&
    !/aks|appservice|webapp|functionapp|serviceplan|sql|postgres|mysql|cosmos|redis|cache|servicebus|eventhub|storage/.test(
      v.key,
    ),
  role: 'cause',
  summary: (v) =>
    says(v, /availab|unavailable|heartbeat/)
      ? `Azure VM${on(v)} is reported unavailable (\`${v.name}\`): the guest may be down, rebooting or unreachable.`
      : says(v, /disk|iops|bandwidth/)
        ? `The OS disk of Azure VM${on(v)} is at its IOPS/throughput cap (\`${v.name}\`): I/O is throttled and the guest slows.`
        : says(v, /memory/)
          ? `Azure VM${on(v)} runs low on available memory (\`${v.name}\`).`
          : `Azure VM${on(v)} runs out of CPU (\`${v.name}\`).`,
  causes: (v): CauseSpec[] => {
    if (says(v, /availab|unavailable|heartbeat/))
      return [
        [
          'Host-level event: platform maintenance, host failure or redeploy (see Resource Health)',
          0.4,
          'infrastructure',
        ],
        [
          'The guest OS hung, crashed or is stuck booting (disk full, bad fstab, kernel panic)',
          0.35,
          'infrastructure',
        ],
        ['The VM was stopped, deallocated or resized by someone or an automation', 0.15, 'deployment'],
      ];
    if (says(v, /disk|iops|bandwidth/))
      return [
        ['The OS disk tier/size caps IOPS and throughput below what the workload needs', 0.45, 'capacity'],
        ['The VM size caps uncached disk IOPS/throughput below the disk limits', 0.25, 'capacity'],
        ['Heavy I/O on the OS disk: swapping/paging, logs or temp files written there', 0.2, 'application'],
      ];
    if (says(v, /memory/))
      return [
        ['A process grows without bound (leak, unbounded cache) on the VM', 0.4, 'application'],
        ['More load or data than the VM size’s memory was chosen for', 0.35, 'capacity'],
        ['Too many services packed onto one VM', 0.15, 'configuration'],
      ];
    return [
      ['A burstable (B-series) VM ran out of CPU credits and is held at its baseline', 0.35, 'capacity'],
      ['More load than the VM size was chosen for', 0.35, 'capacity'],
      ['A runaway process or a regression in a recent release burns CPU', 0.2, 'application'],
    ];
  },
  steps: (v) => [
    `az vm get-instance-view -g <resource-group> -n ${res(v, '<vm>')} --query "instanceView.statuses"`,
    'Portal: the VM → Help → Resource health, and Activity log (stop/deallocate/redeploy, platform maintenance)',
    says(v, /availab|unavailable|heartbeat/) &&
      `az vm boot-diagnostics get-boot-log -g <resource-group> -n ${res(v, '<vm>')}`,
    says(v, /disk|iops|bandwidth/)
      ? 'az monitor metrics list --resource <vm-resource-id> --metrics "OS Disk IOPS Consumed Percentage" "OS Disk Bandwidth Consumed Percentage" "VM Uncached IOPS Consumed Percentage" --interval PT1M'
      : !says(v, /availab|unavailable|heartbeat/) &&
        `az monitor metrics list --resource <vm-resource-id> --metrics ${says(v, /memory/) ? '"Available Memory Bytes"' : '"Percentage CPU" "CPU Credits Remaining"'} --interval PT1M`,
  ],
});

export const azureAppService: Signature = family({
  id: 'azure-app-service',
  title: 'Azure App Service: 5xx, slow responses or failing health check',
  weight: 62,
  role: 'symptom',
  namePattern:
    /^(?=.*(?:appservice|webapp|functionapp|azure))(?=.*(?:http5xx|5xx|servererror|responsetime|healthcheck|httpresponsetime))/,
  textPattern:
    /\bhttp5xx\b.*\b(?:microsoft\.web|app service|webapp)|\bhealthcheckstatus\b|\bhttpresponsetime\b/,
  accepts: (v) => isAzure(v) || /appservice|webapp|functionapp/.test(v.key) || /microsoft\.web/.test(v.text),
  deploy: { title: () => 'A recent deployment or slot swap broke the app', likelihood: 0.3, rollback: true },
  summary: (v) =>
    says(v, /health/)
      ? `Instances of App Service app${on(v)} fail their health check (\`${v.name}\`): unhealthy instances are taken out of the load balancer.`
      : says(v, /responsetime|latency/)
        ? `App Service app${on(v)} answers slowly (\`${v.name}\`).`
        : `App Service app${on(v)} returns HTTP 5xx (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /responsetime|latency/)
      ? [
          ['A slow downstream dependency (database, API) the requests wait on', 0.4, 'dependency'],
          ['The App Service plan is saturated: CPU or memory of its instances at the limit', 0.3, 'capacity'],
          [
            'Outbound connections starve: SNAT port exhaustion on calls to the same endpoints',
            0.15,
            'network',
          ],
        ]
      : [
          [
            'Unhandled exceptions in the app, often from a recent deployment or configuration change',
            0.4,
            'application',
          ],
          [
            'The App Service plan is saturated (CPU/memory): requests time out and the worker recycles',
            0.25,
            'capacity',
          ],
          [
            'A dependency the app calls fails or times out (database, storage, downstream API)',
            0.2,
            'dependency',
          ],
          ['SNAT port exhaustion: outbound connections fail intermittently', 0.1, 'network'],
        ],
  steps: (v) => [
    `az webapp log tail -g <resource-group> -n ${res(v, '<app>')}`,
    `az webapp show -g <resource-group> -n ${res(v, '<app>')} --query "{state:state, plan:appServicePlanId, health:siteConfig.healthCheckPath}"`,
    'Portal: the app → Diagnose and solve problems → Availability and Performance (HTTP 5xx, CPU/memory, SNAT port exhaustion)',
    'Application Insights → Failures: the failing operations and their exceptions / dependency calls',
  ],
});

const isPg = (v: AlertView): boolean => says(v, /postgres|dbforpostgresql/);
const isMy = (v: AlertView): boolean => says(v, /mysql|dbformysql/);

export const azureSqlDatabase: Signature = family({
  id: 'azure-sql-database',
  title: 'Azure SQL / PostgreSQL / MySQL flexible server: CPU, DTU, storage, connections or deadlocks',
  weight: 64,
  // Grafana Cloud's prebuilt Azure SQL Database alerts.
  names: [
    'AzureDatabaseHighDataIoUsage',
    'AzureDatabaseHighDeadlockCount',
    'AzureDatabaseHighDtuConsumption',
    'AzureDatabaseHighStorageUsage',
    'AzureDatabaseHighSystemFailedConnections',
    'AzureDatabaseHighUserCpuUsage',
    'AzureDatabaseHighUserFailedConnections',
    'AzureDatabaseHighWorkerUsage',
    'AzureDatabaseLowTempdbLogSpace',
  ],
  namePattern:
    /^(?=.*(?:azuresql|(?<!cloud)sqldb|(?<!cloud)sqldatabase|azuredatabase|flexibleserver|flexserver|azure(?:postgres|mysql)|(?:^|sev[0-4])azuremonitoralert.*(?:sql|postgres|mysql)))(?=.*(?:cpu|dtu|vcore|worker|storage|space|dataio|logio|iops|failedconnection|connectionfailed|connectionsfailed|deadlock|activeconnections|maxconnections))/,
  textPattern:
    /\b(?:dtu_consumption_percent|connection_failed_user_error|storage_percent)\b|microsoft\.(?:sql\/servers\/databases|dbforpostgresql|dbformysql)/,
  summary: (v) => {
    const engine = isPg(v)
      ? 'Azure Database for PostgreSQL'
      : isMy(v)
        ? 'Azure Database for MySQL'
        : 'Azure SQL Database';
    return `${engine}${on(v)}: \`${v.name}\`.`;
  },
  causes: (v): CauseSpec[] => {
    if (says(v, /deadlock/))
      return [
        [
          'Transactions take the same rows/objects in a different order (application access pattern)',
          0.45,
          'application',
        ],
        ['Missing indexes make queries scan and lock more rows than needed', 0.3, 'data'],
        ['A recent release changed the queries or transaction boundaries', 0.15, 'deployment'],
      ];
    if (says(v, /tempdb/))
      return [
        [
          'Long-running transactions, large sorts or temp tables filling tempdb and its log',
          0.5,
          'application',
        ],
        ['Version store growth held by a long-running snapshot-isolation transaction', 0.3, 'application'],
        ['The service objective’s tempdb is too small for the workload', 0.15, 'capacity'],
      ];
    if (says(v, /worker/))
      return [
        [
          'Blocking: a long transaction holds locks and the waiting requests each hold a worker',
          0.45,
          'application',
        ],
        ['Expensive or highly parallel queries occupy many workers at once', 0.3, 'application'],
        ['The service objective’s worker limit is too low for the concurrency', 0.2, 'capacity'],
      ];
    if (says(v, /systemfailed/))
      return [
        [
          'Transient faults during a failover, reconfiguration or maintenance of the database',
          0.45,
          'infrastructure',
        ],
        ['The database is at its session/worker limit for its tier', 0.3, 'capacity'],
        [
          'Network path problems between clients and the gateway (private endpoint, DNS, NSG)',
          0.15,
          'network',
        ],
      ];
    if (says(v, /failed|connectionfail/))
      return [
        ['Clients are rejected by firewall/virtual network rules or private endpoint DNS', 0.35, 'network'],
        [
          'Authentication fails: wrong or rotated password, expired Entra ID token, disabled login',
          0.3,
          'configuration',
        ],
        [
          'The server is at its connection/worker limit for its tier, so new sessions are refused',
          0.2,
          'capacity',
        ],
        [
          'Transient faults during a failover, scaling or maintenance: clients without retry fail',
          0.1,
          'infrastructure',
        ],
      ];
    if (says(v, /storage|space/))
      return isPg(v)
        ? [
            [
              'Data and indexes grow (ingest, bloat not vacuumed) beyond the provisioned storage',
              0.4,
              'data',
            ],
            ['WAL retained by an inactive replication slot or lagging replica', 0.3, 'data'],
            ['Storage auto-grow is off, so the server goes read-only at 95%', 0.2, 'configuration'],
          ]
        : [
            ['Data growth (ingest, retained history, large tables) beyond the tier’s max size', 0.45, 'data'],
            ['Transaction log kept by a long-running transaction or replication', 0.3, 'data'],
            ['Storage sized or auto-grow configured too small', 0.15, 'configuration'],
          ];
    if (says(v, /activeconnections|maxconnections/))
      return [
        [
          'Client connection pools add up beyond the tier’s max_connections (more replicas, bigger pools)',
          0.45,
          'capacity',
        ],
        ['Connection leak or idle-in-transaction sessions holding connections', 0.35, 'application'],
      ];
    return [
      [
        'Expensive queries: missing indexes or a plan regression (see Query Store / Query Performance Insight)',
        0.45,
        'application',
      ],
      ['The workload outgrew the service tier / compute size (DTU, vCores)', 0.3, 'capacity'],
      ['A batch job, index rebuild or migration running in business hours', 0.15, 'application'],
    ];
  },
  steps: (v) =>
    isPg(v)
      ? [
          `az postgres flexible-server show -g <resource-group> -n ${res(v, '<server>')} --query "{sku:sku, storage:storage, state:state}"`,
          `az postgres flexible-server parameter show -g <resource-group> -s ${res(v, '<server>')} --name max_connections`,
          'psql -h <server>.postgres.database.azure.com -c "SELECT state, count(*) FROM pg_stat_activity GROUP BY 1;"',
          'Portal: the server → Monitoring → Query Performance Insight (top queries by CPU/duration)',
        ]
      : isMy(v)
        ? [
            `az mysql flexible-server show -g <resource-group> -n ${res(v, '<server>')} --query "{sku:sku, storage:storage, state:state}"`,
            `az mysql flexible-server parameter show -g <resource-group> -s ${res(v, '<server>')} --name max_connections`,
            'mysql -h <server>.mysql.database.azure.com -e "SHOW FULL PROCESSLIST;"',
          ]
        : [
            `az sql db show -g <resource-group> -s <server> -n ${res(v, '<database>')} --query "{sku:currentSku, maxSizeBytes:maxSizeBytes}"`,
            'T-SQL: SELECT TOP 20 * FROM sys.dm_db_resource_stats ORDER BY end_time DESC;',
            says(v, /deadlock/)
              ? 'Portal: the database → Intelligent Performance → Query Performance Insight; the deadlock graphs in the xml_deadlock_report extended event'
              : 'Portal: the database → Intelligent Performance → Query Performance Insight / Query Store (top resource-consuming queries)',
            says(v, /failed|connectionfail/) &&
              'Portal: the SQL server → Networking (firewall rules, private endpoints) and the database’s Resource health',
          ],
});

export const azureCosmosDb: Signature = family({
  id: 'azure-cosmos-db',
  title: 'Azure Cosmos DB rate-limited (429) or unavailable',
  weight: 66,
  namePattern:
    /^(?=.*cosmos)(?=.*(?:429|throttl|ratelimit|toomanyrequests|normalizedru|ruconsumption|requestunit|ru(?:usage|utili[sz]ation)|availab|serviceavailability|latency))/,
  textPattern: /\bnormalizedruconsumption\b|\bcosmos\w*\b.*\b(?:429|request rate (?:is )?(?:too )?large)\b/,
  summary: (v) =>
    says(v, /availab/)
      ? `Azure Cosmos DB account${on(v)} reports reduced availability (\`${v.name}\`).`
      : `Azure Cosmos DB${on(v)} is rate-limiting requests (HTTP 429, \`${v.name}\`): operations consumed more RU/s than provisioned.`,
  causes: (v): CauseSpec[] =>
    says(v, /availab/)
      ? [
          [
            'A regional service incident or failover (see Service Health / Resource Health)',
            0.4,
            'infrastructure',
          ],
          [
            'Requests fail client-side: timeouts, exhausted connections or SDK misconfiguration',
            0.3,
            'application',
          ],
          ['Rate limiting (429) counted against availability by a strict alert definition', 0.2, 'capacity'],
        ]
      : [
          [
            'A hot partition: a few partition keys take one physical partition’s RU/s while others idle',
            0.4,
            'data',
          ],
          ['Request volume grew beyond the provisioned (or autoscale max) RU/s', 0.3, 'capacity'],
          [
            'Expensive operations: cross-partition queries or queries without a fitting index burn RUs',
            0.2,
            'application',
          ],
          [
            'Metadata requests (client recreated per request) hit the system throughput limit',
            0.1,
            'application',
          ],
        ],
  steps: (v) => [
    'Portal: the Cosmos DB account → Insights → Requests → Total Requests by Status Code (share of 429s; 1–5% is normal)',
    'Portal: Insights → Throughput → Normalized RU Consumption (%) By PartitionKeyRangeID (one hot range = hot partition)',
    `az cosmosdb sql container throughput show -g <resource-group> -a ${res(v, '<account>')} -d <database> -n <container>`,
    'Log Analytics: CDBPartitionKeyRUConsumption | summarize sum(RequestCharge) by PartitionKey | top 10 by sum_RequestCharge',
  ],
});

export const azureServiceBus: Signature = family({
  id: 'azure-service-bus',
  title: 'Azure Service Bus: dead-lettered or piling-up messages, throttling, server errors',
  weight: 64,
  namePattern:
    /^(?=.*(?:servicebus|azure.*(?:queue|topic)|(?:deadletter|dlq).*azure))(?=.*(?:deadletter|dlq|activemessage|messagecount|backlog|throttl|servererror|usererror|queuelength|queuedepth))/,
  textPattern: /\bdeadletteredmessages\b|\bmicrosoft\.servicebus\b/,
  summary: (v) => `Azure Service Bus${on(v)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    if (says(v, /deadletter|dlq/))
      return [
        [
          'Consumers keep failing to process messages: MaxDeliveryCountExceeded after repeated abandon/errors',
          0.5,
          'application',
        ],
        [
          'Messages expire before they are consumed (TTLExpiredException with dead-lettering on expiry)',
          0.25,
          'capacity',
        ],
        ['The application dead-letters messages it rejects (poison or malformed payloads)', 0.15, 'data'],
      ];
    if (says(v, /throttl/))
      return [
        [
          'The namespace’s messaging units (Premium) or Standard-tier credits are exhausted by the request rate',
          0.5,
          'capacity',
        ],
        [
          'Inefficient clients: polling receives, a new connection per message, no batching or prefetch',
          0.3,
          'application',
        ],
      ];
    if (says(v, /servererror/))
      return [
        [
          'Transient service-side errors during an update or incident (see Resource Health)',
          0.5,
          'infrastructure',
        ],
        ['Throttled or busy namespace returning ServerBusy', 0.3, 'capacity'],
      ];
    return [
      ['Consumers are down, stuck or scaled to zero', 0.45, 'application'],
      [
        'Consumers process slower than producers send (slow handler, slow dependency, too little concurrency)',
        0.35,
        'capacity',
      ],
      ['A producer burst or replay sent far more messages than usual', 0.15, 'application'],
    ];
  },
  steps: (v) => [
    `az servicebus queue show -g <resource-group> --namespace-name <namespace> -n ${v.labels.queue ? sh(v.labels.queue) : res(v, '<queue>')} --query "{count:countDetails, maxDeliveryCount:maxDeliveryCount, ttl:defaultMessageTimeToLive}"`,
    says(v, /deadletter|dlq/) &&
      'Portal: the queue/subscription → Service Bus Explorer → Dead-letter: peek messages and read DeadLetterReason / DeadLetterErrorDescription',
    says(v, /throttl/) && 'az servicebus namespace show -g <resource-group> -n <namespace> --query "sku"',
    'For a topic subscription: az servicebus topic subscription show -g <resource-group> --namespace-name <namespace> --topic-name <topic> -n <subscription> --query countDetails',
    'Check the consumers: are they running, and what do their logs say about failed messages?',
  ],
});

export const azureEventHubs: Signature = family({
  id: 'azure-event-hubs',
  title: 'Azure Event Hubs throttled, or Capture falling behind',
  weight: 62,
  namePattern: /^(?=.*eventhub)(?=.*(?:throttl|capture|backlog|servererror|quotaexceeded|incomingbytes))/,
  textPattern: /\bmicrosoft\.eventhub\b.*\b(?:throttledrequests|capturebacklog)\b|\bcapturebacklog\b/,
  summary: (v) =>
    says(v, /capture|backlog/)
      ? `Event Hubs Capture${on(v)} is falling behind (\`${v.name}\`): events are not written to storage in time.`
      : `Azure Event Hubs${on(v)} throttles requests (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /capture|backlog/)
      ? [
          [
            'Capture cannot write to its destination: storage account/Data Lake permissions, firewall or account unavailable',
            0.45,
            'dependency',
          ],
          ['Ingress exceeds what the namespace’s throughput/processing units can capture', 0.35, 'capacity'],
        ]
      : [
          [
            'Ingress/egress exceeds the namespace’s throughput units (Standard) or processing units (Premium)',
            0.5,
            'capacity',
          ],
          ['Auto-inflate is off or its maximum is reached', 0.3, 'configuration'],
          ['Uneven partition use: a few partitions take most of the traffic', 0.15, 'data'],
        ],
  steps: (v) => [
    `az eventhubs namespace show -g <resource-group> -n ${res(v, '<namespace>')} --query "{sku:sku, autoInflate:isAutoInflateEnabled, maxTU:maximumThroughputUnits}"`,
    'az monitor metrics list --resource <namespace-resource-id> --metrics ThrottledRequests IncomingBytes OutgoingBytes CaptureBacklog --interval PT1M',
    says(v, /capture|backlog/) &&
      'Portal: the event hub → Capture: destination container and the namespace identity’s role on it',
  ],
});

export const azureStorage: Signature = family({
  id: 'azure-storage-account',
  title: 'Azure Storage account: availability, throttling or end-to-end latency',
  weight: 60,
  namePattern:
    /^(?=.*(?:storageaccount|azurestorage|blobstorage|azureblob|(?:^|sev[0-4])azuremonitoralert.*storage))(?=.*(?:availab|throttl|latency|e2e|servertimeout|servererror|successrate))/,
  textPattern: /\bsuccesse2elatency\b|\bsuccessserverlatency\b|\bmicrosoft\.storage\/storageaccounts\b/,
  summary: (v) =>
    says(v, /latency|e2e/)
      ? `Requests to storage account${on(v)} are slow end to end (\`${v.name}\`).`
      : `Storage account${on(v)} fails requests (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /latency|e2e/)
      ? [
          [
            'Client or network side: E2E latency high while server latency is low (slow client, bandwidth, distance)',
            0.45,
            'network',
          ],
          [
            'The account is near its scalability targets: requests are throttled and retried',
            0.3,
            'capacity',
          ],
          ['Large requests or many small ones on one partition (hot blob/partition key)', 0.15, 'data'],
        ]
      : [
          [
            'Throttling: requests exceed the account’s or a partition’s scalability targets (ServerBusy / 503)',
            0.4,
            'capacity',
          ],
          [
            'Client errors counted as failures: expired SAS, missing RBAC role, firewall/private endpoint rules',
            0.3,
            'configuration',
          ],
          ['Server timeouts or a regional storage incident (see Resource Health)', 0.2, 'infrastructure'],
        ],
  steps: (v) => [
    `az storage account show -g <resource-group> -n ${res(v, '<account>')} --query "{sku:sku, kind:kind, network:networkRuleSet.defaultAction}"`,
    'az monitor metrics list --resource <storage-account-resource-id> --metrics Availability SuccessE2ELatency SuccessServerLatency Transactions --interval PT1M',
    'Portal: the account → Insights → Failures: split Transactions by ResponseType (ServerBusyError, ClientOtherError, AuthorizationError)',
  ],
});

/** `aks` as a word of the name (`prod-aks-nodes`, `AKS restarts`), never inside one (`leaks`, `peaks`). */
const AKS_WORD = /(?:^|[^a-z])aks(?:[^a-z]|$)/i;

export const azureAks: Signature = family({
  id: 'azure-aks',
  title: 'AKS nodes NotReady, or containers restarting',
  weight: 60,
  namePattern:
    /^(?=.*aks)(?=.*(?:notready|nodeready|nodesnotready|nodecondition|restart|crashloop|oomkilled|failedpods|podsfailed))/,
  accepts: (v) => AKS_WORD.test(v.name) || /\baks\b|microsoft\.containerservice/.test(v.text),
  summary: (v) =>
    says(v, /notready|nodeready|nodecondition/)
      ? `AKS cluster${on(v)} has nodes that are NotReady (\`${v.name}\`): their pods are evicted or unreachable.`
      : `Containers in AKS cluster${on(v)} keep restarting (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /notready|nodeready|nodecondition/)
      ? [
          [
            'Node resource pressure (memory, disk, PIDs) stalls the kubelet or container runtime',
            0.35,
            'resource-exhaustion',
          ],
          [
            'The node VM (scale set instance) is stopped, failed or under maintenance/upgrade',
            0.3,
            'infrastructure',
          ],
          [
            'Egress to the API server blocked: NSG, firewall or route table (UDR) changes, DNS failures',
            0.25,
            'network',
          ],
        ]
      : [
          ['Containers are OOM-killed: memory limit below the working set', 0.35, 'resource-exhaustion'],
          [
            'The application crashes at start or at runtime (bad release, missing config or secret)',
            0.35,
            'application',
          ],
          [
            'Liveness probes fail (too strict, or a slow dependency) and the kubelet restarts them',
            0.2,
            'configuration',
          ],
        ],
  steps: (v) =>
    says(v, /notready|nodeready|nodecondition/)
      ? [
          'kubectl get nodes -o wide',
          'kubectl describe node <node>  # Conditions: MemoryPressure, DiskPressure, PIDPressure; Events',
          `az aks show -g <resource-group> -n ${res(v, '<cluster>')} --query "{state:powerState, provisioning:provisioningState, nodeRG:nodeResourceGroup}"`,
          'az vmss list-instances -g <node-resource-group> -n <scale-set> -o table',
        ]
      : [
          `${kubectl(v.namespace)} get pods${v.namespace ? '' : ' -A'} --sort-by='.status.containerStatuses[0].restartCount'`,
          'kubectl describe pod <pod>  # Last State: Terminated, Reason (OOMKilled / Error), Exit Code',
          'kubectl logs <pod> --previous',
        ],
});

// --- Google Cloud ------------------------------------------------------------------------------------------------

export const gcpCloudSql: Signature = family({
  id: 'gcp-cloud-sql',
  title: 'Cloud SQL: CPU, memory, disk, replication lag or connections',
  weight: 64,
  namePattern: /^(?=.*cloudsql)(?=.*(?:cpu|memory|mem|disk|storage|replica|replication|lag|connection))/,
  textPattern:
    /cloudsql[._]googleapis[._]com[/_]database[/_](?:cpu|memory|disk|replication|network[/_]connections|postgresql[/_]num_backends|mysql[/_]|postgresql[/_]replication)/,
  summary: (v) => `Cloud SQL instance${on(v)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    const all = `${v.key} ${v.text}`;
    if (/replica|replication|lag/.test(all))
      return [
        [
          'The primary writes faster than the replica can apply (large write bursts, bulk loads)',
          0.4,
          'capacity',
        ],
        ['Long-running queries on the replica hold back replay', 0.3, 'application'],
        ['The replica is smaller (CPU/disk throughput) than the primary', 0.2, 'capacity'],
      ];
    if (/connection|backends/.test(all))
      return [
        ['Client connection pools add up beyond max_connections for the machine tier', 0.45, 'capacity'],
        ['Connection leak or idle-in-transaction sessions holding connections', 0.35, 'application'],
        ['Clients reconnect in a storm after a failover or restart', 0.1, 'infrastructure'],
      ];
    if (/disk|storage/.test(all))
      return [
        [
          'Data growth, or temporary files and binary/WAL logs from large queries and retention',
          0.45,
          'data',
        ],
        ['Automatic storage increase is disabled', 0.3, 'configuration'],
        ['Point-in-time recovery logs or a stale replication slot keep WAL/binlogs', 0.15, 'data'],
      ];
    if (/mem/.test(all))
      return [
        ['Many connections, each with its own memory (work_mem, sort/join buffers)', 0.4, 'capacity'],
        ['Database flags set memory too high for the machine type (buffers, work_mem)', 0.3, 'configuration'],
        ['Memory-heavy queries: large sorts, hash joins, big result sets', 0.2, 'application'],
      ];
    return [
      ['Expensive queries: missing indexes or a plan regression (see Query Insights)', 0.45, 'application'],
      ['The workload outgrew the instance’s vCPUs', 0.3, 'capacity'],
      ['Maintenance work (vacuum, index builds, exports) competing with traffic', 0.15, 'application'],
    ];
  },
  steps: (v) => [
    `gcloud sql instances describe ${sqlInstance(v)} --format="yaml(settings.tier, settings.dataDiskSizeGb, settings.storageAutoResize, state, replicaNames)"`,
    `gcloud sql operations list --instance=${sqlInstance(v)} --limit=10`,
    'Console: Cloud SQL → the instance → Query insights (top queries by load)',
    /replica|replication|lag/.test(`${v.key} ${v.text}`) &&
      'Metrics Explorer: cloudsql.googleapis.com/database/replication/replica_lag for the replica',
  ],
});

export const gcpPubSub: Signature = family({
  id: 'gcp-pubsub-backlog',
  title: 'Pub/Sub subscription backlog, old unacked messages or dead-lettered messages',
  weight: 64,
  namePattern:
    /^(?=.*pubsub)(?=.*(?:unacked|unack|undelivered|backlog|oldest|deadletter|dlq|messageage|notacked|ackdeadline))/,
  textPattern:
    /pubsub[._]googleapis[._]com[/_]subscription[/_](?:oldest_unacked_message_age|num_undelivered_messages|dead_letter_message_count)/,
  summary: (v) =>
    says(v, /deadletter|dead_letter|dlq/)
      ? `Pub/Sub subscription${on(v)} forwards messages to its dead-letter topic (\`${v.name}\`).`
      : `Pub/Sub subscription${on(v)} is not keeping up: messages wait unacknowledged (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /deadletter|dead_letter|dlq/)
      ? [
          [
            'Subscribers nack or fail to ack messages until max delivery attempts is reached (processing errors)',
            0.55,
            'application',
          ],
          ['Poison or malformed messages a release of the subscriber cannot handle', 0.3, 'data'],
        ]
      : [
          ['Subscribers are down, crashed or scaled to zero', 0.35, 'application'],
          [
            'Subscribers are too slow or too few for the publish rate (flow control, slow dependency)',
            0.3,
            'capacity',
          ],
          [
            'Messages are received but never acked (errors, ack deadline too short, so they are redelivered)',
            0.25,
            'application',
          ],
        ],
  steps: (v) => [
    `gcloud pubsub subscriptions describe ${res(v, '<subscription>')} --format="yaml(ackDeadlineSeconds, deadLetterPolicy, pushConfig, retryPolicy)"`,
    'Metrics Explorer: pubsub.googleapis.com/subscription/num_undelivered_messages, oldest_unacked_message_age, ack_message_count and expired_ack_deadlines_count',
    'Check the subscriber deployment: running instances, errors in their logs',
  ],
});

export const gcpGke: Signature = family({
  id: 'gcp-gke',
  title: 'GKE nodes NotReady or recreated, or containers restarting',
  weight: 60,
  namePattern:
    /^(?=.*gke)(?=.*(?:notready|nodeready|node(?:restart|down|unavailable|recreat)|restart|crashloop|oomkill|preempt))/,
  textPattern: /kubernetes[._]io[/_]container[/_]restart_count|\bgke\b.*\bnot ?ready\b/,
  accepts: (v) =>
    /gke/.test(v.key) || /\bgke\b|kubernetes\.io\/container\/restart_count|k8s_container/.test(v.text),
  summary: (v) =>
    says(v, /node|preempt/)
      ? `GKE cluster${on(v)}: nodes are NotReady or being recreated (\`${v.name}\`).`
      : `Containers in GKE cluster${on(v)} keep restarting (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /node|preempt/)
      ? [
          [
            'Spot/preemptible VMs were reclaimed, or auto-repair recreated unhealthy nodes',
            0.35,
            'infrastructure',
          ],
          ['A node upgrade or maintenance window is draining and recreating nodes', 0.3, 'deployment'],
          ['Node resource pressure (memory, disk, PIDs) stalls the kubelet', 0.25, 'resource-exhaustion'],
        ]
      : [
          ['Containers are OOM-killed: memory limit below the working set', 0.35, 'resource-exhaustion'],
          [
            'The application crashes at start or at runtime (bad release, missing config or secret)',
            0.35,
            'application',
          ],
          [
            'Liveness probes fail (too strict, or a slow dependency) and the kubelet restarts them',
            0.2,
            'configuration',
          ],
        ],
  steps: (v) =>
    says(v, /node|preempt/)
      ? [
          'kubectl get nodes -o wide',
          `gcloud container operations list --filter=${sh(`targetLink~${resourceOf(v) ?? '<cluster>'}`)} --limit=10`,
          'gcloud logging read \'resource.type="gce_instance" AND protoPayload.methodName="compute.instances.preempted"\' --freshness=1d --limit=20',
        ]
      : [
          `${kubectl(v.namespace)} get pods${v.namespace ? '' : ' -A'} --sort-by='.status.containerStatuses[0].restartCount'`,
          'kubectl describe pod <pod>  # Last State: Terminated, Reason (OOMKilled / Error), Exit Code',
          'kubectl logs <pod> --previous',
        ],
});

export const gcpCloudRun: Signature = family({
  id: 'gcp-cloud-run',
  title: 'Cloud Run service: 5xx, latency, instance limit or container crashes',
  weight: 62,
  namePattern:
    /^(?=.*cloudrun)(?=.*(?:5xx|error|latency|slow|instance|maxinstances|scaling|crash|restart|unhealthy|startup))/,
  textPattern: /run[._]googleapis[._]com[/_](?:request_count|request_latencies|container[/_]instance_count)/,
  role: 'symptom',
  deploy: { title: () => 'A new revision took traffic and is broken', likelihood: 0.3, rollback: true },
  summary: (v) => `Cloud Run service${on(v)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] => {
    if (says(v, /crash|restart|unhealthy|startup/))
      return [
        [
          'The container exits or fails its startup probe: not listening on $PORT in time, crash at start',
          0.45,
          'application',
        ],
        [
          'Out of memory: the instance exceeds its memory limit and is terminated',
          0.3,
          'resource-exhaustion',
        ],
        [
          'Missing or wrong configuration in the new revision (env var, secret, service account)',
          0.2,
          'configuration',
        ],
      ];
    if (says(v, /instance|scaling/) && !says(v, /5xx|error|latency/))
      return [
        [
          'Traffic grew or requests got slower, so more instances are needed at the same concurrency',
          0.45,
          'capacity',
        ],
        ['Max instances reached: further requests queue and fail with 429/500', 0.3, 'configuration'],
        ['Concurrency set low (1 or a few requests per instance) for the traffic', 0.15, 'configuration'],
      ];
    if (says(v, /latency|slow/))
      return [
        [
          'Cold starts: new instances start while traffic grows (no min instances, slow startup)',
          0.35,
          'capacity',
        ],
        ['A slow downstream dependency the requests wait on', 0.35, 'dependency'],
        ['CPU throttled outside requests, or too little CPU/memory for the work', 0.15, 'capacity'],
      ];
    return [
      [
        'The application returns errors: a bad revision, exceptions, a failing dependency',
        0.4,
        'application',
      ],
      ['No instance available: max instances reached, requests time out or get 429/500', 0.25, 'capacity'],
      ['Instances crash or run out of memory mid-request', 0.2, 'resource-exhaustion'],
    ];
  },
  steps: (v) => [
    `gcloud run services describe ${res(v, '<service>')} --region=${region(v)} --format="yaml(status.traffic, spec.template.metadata.annotations, spec.template.spec.containerConcurrency)"`,
    `gcloud run revisions list --service=${res(v, '<service>')} --region=${region(v)} --limit=5`,
    `gcloud logging read 'resource.type="cloud_run_revision" AND severity>=ERROR' --freshness=1h --limit=50`,
  ],
});

export const gcpComputeEngine: Signature = family({
  id: 'gcp-compute-engine',
  title: 'Compute Engine instance failing its uptime check or out of CPU',
  weight: 58,
  namePattern:
    /^(?=.*(?:gce|computeengine|gcpvm|gcpinstance|uptimecheck))(?=.*(?:uptime|down|unreachable|cpu|utili[sz]ation|check(?:failed|failing|failure)))/,
  textPattern:
    /monitoring[._]googleapis[._]com[/_]uptime_check[/_]check_passed|compute[._]googleapis[._]com[/_]instance[/_]cpu[/_]utilization/,
  // "Uptime check" alone is any tool's word: Google's needs a Google token, or its check_id/project_id labels.
  accepts: (v) =>
    /gce|computeengine/.test(v.key) || isGcp(v) || Boolean(v.labels.check_id || v.labels.project_id),
  summary: (v) =>
    says(v, /uptime|down|unreachable|check/)
      ? `The uptime check${on(v)} fails (\`${v.name}\`): the endpoint does not answer from Google’s checkers.`
      : `Compute Engine instance${on(v)} runs out of CPU (\`${v.name}\`).`,
  role: 'cause',
  causes: (v): CauseSpec[] =>
    says(v, /uptime|down|unreachable|check/)
      ? [
          [
            'The instance or the service on it is down (stopped, crashed, rebooting, process not listening)',
            0.4,
            'infrastructure',
          ],
          ['A firewall rule does not allow the uptime-check source ranges', 0.25, 'configuration'],
          [
            'The response does not match: wrong path, status, content match, or an expired TLS certificate',
            0.2,
            'configuration',
          ],
        ]
      : [
          ['More load than the machine type was chosen for', 0.4, 'capacity'],
          [
            'A shared-core machine type (e2-micro/small/medium, f1, g1) exhausted its burst',
            0.25,
            'capacity',
          ],
          ['A runaway process or a regression in a recent release burns CPU', 0.25, 'application'],
        ],
  steps: (v) => [
    `gcloud compute instances describe ${res(v, '<instance>')} --zone=${zone(v)} --format="yaml(status, machineType, lastStartTimestamp)"`,
    says(v, /uptime|down|unreachable|check/)
      ? `gcloud compute instances get-serial-port-output ${res(v, '<instance>')} --zone=${zone(v)}`
      : 'Metrics Explorer: compute.googleapis.com/instance/cpu/utilization for the instance',
    says(v, /uptime|down|unreachable|check/) &&
      'gcloud compute firewall-rules list --format="table(name, sourceRanges.list(), allowed[].map().firewall_rule().list())"',
    hostOf(v) && `ssh ${sh(hostOf(v) as string)} uptime`,
  ],
});

export const gcpLoadBalancer: Signature = family({
  id: 'gcp-load-balancer',
  title: 'Google Cloud load balancer: 5xx or slow backends',
  weight: 62,
  role: 'symptom',
  namePattern:
    /^(?=.*(?:gclb|gcplb|gcploadbalanc|googleloadbalanc|cloudloadbalanc|httpsloadbalanc|httpslb|gcp.*(?:lb|loadbalanc)))(?=.*(?:5xx|error|latency|slow|backend))/,
  textPattern:
    /loadbalancing[._]googleapis[._]com[/_]https[/_](?:request_count|backend_latencies|total_latencies|backend_request_count)/,
  summary: (v) =>
    says(v, /latency|slow/)
      ? `Backends behind load balancer${on(v)} answer slowly (\`${v.name}\`).`
      : `Load balancer${on(v)} returns 5xx (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    says(v, /latency|slow/)
      ? [
          ['The backends are saturated (CPU, connections) or wait on a slow dependency', 0.45, 'capacity'],
          ['Too few healthy backends: failing health checks or autoscaling behind the load', 0.3, 'capacity'],
          ['A slow region or zone: traffic spills to farther backends', 0.1, 'network'],
        ]
      : [
          ['The backends themselves return 5xx (application errors, a bad release)', 0.4, 'application'],
          [
            'No healthy backend: health checks fail or firewall blocks the health-check ranges (failed_to_pick_backend)',
            0.3,
            'infrastructure',
          ],
          [
            'Backends time out or close connections: backend service timeout or keepalive shorter than the LB’s',
            0.2,
            'configuration',
          ],
        ],
  steps: (v) => [
    `gcloud compute backend-services get-health ${res(v, '<backend-service>')} --global`,
    `gcloud logging read 'resource.type="http_load_balancer" AND httpRequest.status>=500' --freshness=1h --limit=50 --format="table(httpRequest.status, jsonPayload.statusDetails, httpRequest.requestUrl)"`,
    'Metrics Explorer: loadbalancing.googleapis.com/https/backend_request_count grouped by response_code_class and backend',
  ],
});

// --- Datadog ------------------------------------------------------------------------------------------------------

/** `[Triggered]`, `[Re-Triggered]`, `[Warn]`, `[P1]` … (then maybe an integration tag `[Postgres]`). */
const DATADOG = '^(?:re)?(?:triggered|warn(?!ing)|p[1-5])(?:p[1-5])?';

/**
 * Datadog integration monitors (DataDog/integrations-core `assets/monitors`) whose wording no existing signature's
 * patterns catch: answered by the signature that knows the technology, so its causes are not duplicated here.
 */
const DD_ROUTES: readonly [RegExp, Signature | string][] = [
  [/^(?:postgres|postgresql|mysql)\w*connections?\w*(?:approaching|limit|saturat)/, dbConnections],
  [/^(?:postgres|postgresql|mysql)\w*(?:isunavailable|unavailable|isdown)$/, 'datastore-down'],
  [/^mysql\w*replica\w*(?:notrunning|stopped)/, 'mysql-replication-stopped'],
  [/^mysql\w*(?:secondsbehind|behindmaster|behindsource)/, replicationLag],
  [/^kubernetes\w*deployment\w*replicas?\w*(?:down|unavailable|mismatch)/, 'deployment-replicas-mismatch'],
  [/^kubernetes\w*statefulset\w*replicas?\w*(?:down|unavailable|mismatch)/, 'statefulset-replicas-mismatch'],
  [/^kubernetes\w*node\w*(?:unavailable|notready)/, 'node-not-ready'],
  [/^kubernetes\w*pods?\w*restart/, crashLoop],
  [/^nginx\w*upstream\w*(?:peer|fail|health)/, 'proxy-backend-down'],
  [/^kafka\w*offlinepartition/, 'kafka-partitions'],
];
/** A route's signature: an object, or the id of one the catalogue's data files define. */
const routeTarget = (target: Signature | string): Signature | undefined =>
  typeof target === 'string' ? signatureById(target) : target;
const ddRoute = (key: string): Signature | undefined => {
  const route = DD_ROUTES.find(([pattern]) => pattern.test(key.replace(new RegExp(DATADOG), '')));
  return route ? routeTarget(route[1]) : undefined;
};

export const datadogIntegrationMonitor: Signature = {
  id: 'datadog-integration-monitor',
  title: 'A Datadog integration monitor (answered by the signature of its technology)',
  weight: 60,
  namePattern: new RegExp(`${DATADOG}(?:postgres|mysql|kubernetes|nginx|kafka)`),
  accepts: (v) => ddRoute(v.key) !== undefined,
  analyze: (ctx) => {
    // A PagerDuty title carries the host only in its `… on {{host.name}}` tail: give it to the target as `instance`.
    const v = ctx.primary;
    const host = v.instance ? undefined : titleTail(v);
    const primary: AlertView = host ? { ...v, instance: host } : v;
    const alerts = ctx.alerts.map((a) => (a === v ? primary : a));
    const target = ddRoute(v.key) ?? routeTarget('host-down');
    if (!target) throw new Error('signature host-down is missing from the catalogue');
    return target.analyze({ ...ctx, primary, alerts });
  },
};

/** The host of a Datadog no-data monitor: a label, or `Host {{host.name}} is not reporting` in the title. */
const ddHost = (v: AlertView): string | undefined =>
  hostOf(v) ?? /\bhost\s+([\w.:-]+)\s+(?:is\s+)?not\s+reporting/i.exec(v.name)?.[1] ?? resourceOf(v);

export const datadogNoData: Signature = family({
  id: 'datadog-host-not-reporting',
  title: 'Datadog: a host or check stopped reporting',
  weight: 56,
  role: 'cause',
  namePattern: new RegExp(
    `${DATADOG}.*(?:isnotreporting|notreporting|stoppedreporting|nodata|agentdown|agentnotreporting|heartbeatmissing)`,
  ),
  textPattern: /\bdatadog\.agent\.up\b|\bdatadog-agent\b.*\bnot reporting\b/,
  summary: (v) =>
    `${ddHost(v) ? `Host ${q(ddHost(v))}` : 'A host'} stopped sending data to Datadog (\`${v.name}\`): the host may be down, or only its agent.`,
  causes: [
    [
      'The host is down, rebooting, or was terminated/scaled in (autoscaling group, spot reclaim)',
      0.4,
      'infrastructure',
    ],
    [
      'The Datadog Agent stopped or crashed on a live host (OOM, upgrade, config error)',
      0.35,
      'infrastructure',
    ],
    [
      'The Agent cannot reach the Datadog intake: proxy/firewall/DNS change, or an invalid API key',
      0.15,
      'network',
    ],
  ],
  steps: (v) => {
    const host = ddHost(v);
    return [
      host && `ping -c 3 ${sh(host)}`,
      host ? `ssh ${sh(host)} 'sudo datadog-agent status'` : 'sudo datadog-agent status  # on the host',
      host ? `ssh ${sh(host)} 'sudo systemctl status datadog-agent'` : 'sudo systemctl status datadog-agent',
      'Datadog: Infrastructure → Host list (last reported, agent version); the instance state in the cloud console',
    ];
  },
});

export const otherCloudSignatures: Signature[] = [
  azureCosmosDb,
  azureServiceBus,
  azureEventHubs,
  azureSqlDatabase,
  azureStorage,
  azureAks,
  azureAppService,
  azureVm,
  gcpCloudSql,
  gcpPubSub,
  gcpGke,
  gcpCloudRun,
  gcpLoadBalancer,
  gcpComputeEngine,
  datadogIntegrationMonitor,
  datadogNoData,
];
