/**
 * AWS: CloudWatch alarms (CloudWatch's recommended alarms and the alarms teams usually add) as they arrive through
 * PagerDuty (`ALARM: "prod-orders-rds-high-cpu" in US East (N. Virginia)`, or the bare alarm name), through
 * Alertmanager from a CloudWatch exporter (YACE / cloudwatch_exporter: `aws_rds_cpuutilization_average` in the
 * expression, `dimension_DBInstanceIdentifier` labels), or from Datadog's AWS integration (`aws.rds.cpuutilization`).
 * A name is claimed only when it names the AWS service as a word (`rds`, `awsrds`, `alb` …) beside the metric, or
 * names a CloudWatch metric no other tool uses (`FreeStorageSpace`, `UnHealthyHostCount`, `ApproximateAgeOfOldest
 * Message` …). Causes follow the recommended-alarms page and each service's troubleshooting pages.
 */
import { domainOf } from '../domain.ts';
import { kubectl, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, type FamilySpec, family, q } from './family.ts';

// --- Reading the alert -------------------------------------------------------------------------------------------

const CAMEL = /([a-z0-9])([A-Z])/g;
const ACRONYM = /([A-Z]+)([A-Z][a-z])/g;
const NON_WORD = /[^a-z0-9]+/g;
/** CloudWatch's PagerDuty/SNS title: `ALARM: "name" in US East (N. Virginia)`. */
const TITLE = /^\s*(?:alarm|ok|insufficient[_ ]data)\s*:\s*"([^"]+)"(?:\s+in\s+(.+))?$/i;

/** The name as words, two ways: split at separators, and split at camel-case humps too. */
function nameForms(v: AlertView): string[] {
  const plain = ` ${v.name.toLowerCase().replace(NON_WORD, ' ')} `;
  const camel = ` ${v.name.replace(ACRONYM, '$1 $2').replace(CAMEL, '$1 $2').toLowerCase().replace(NON_WORD, ' ')} `;
  return [plain, camel];
}

/** The alarm's own name: from a CloudWatch title, else the alert name. */
const alarmName = (v: AlertView): string =>
  TITLE.exec(v.name)?.[1] ?? TITLE.exec(v.alert.summary)?.[1] ?? v.name;

const REGIONS: readonly [RegExp, string][] = [
  [/n\.? virginia/, 'us-east-1'],
  [/ohio/, 'us-east-2'],
  [/n\.? california/, 'us-west-1'],
  [/oregon/, 'us-west-2'],
  [/ireland/, 'eu-west-1'],
  [/london/, 'eu-west-2'],
  [/paris/, 'eu-west-3'],
  [/frankfurt/, 'eu-central-1'],
  [/stockholm/, 'eu-north-1'],
  [/milan/, 'eu-south-1'],
  [/tokyo/, 'ap-northeast-1'],
  [/seoul/, 'ap-northeast-2'],
  [/osaka/, 'ap-northeast-3'],
  [/singapore/, 'ap-southeast-1'],
  [/sydney/, 'ap-southeast-2'],
  [/mumbai/, 'ap-south-1'],
  [/hong kong/, 'ap-east-1'],
  [/canada/, 'ca-central-1'],
  [/s[aã]o paulo/, 'sa-east-1'],
];
const REGION_CODE = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;

/** The region: a `region` label, else the one the CloudWatch title names. */
function regionOf(v: AlertView): string | undefined {
  const label = v.labels.region ?? v.labels.aws_region;
  if (label && REGION_CODE.test(label)) return label;
  const where = (TITLE.exec(v.name) ?? TITLE.exec(v.alert.summary))?.[2]?.toLowerCase();
  if (!where) return undefined;
  for (const [pattern, code] of REGIONS) if (pattern.test(where)) return code;
  return undefined;
}

/** `` `orders-db` ``, or a pointer to the alarm when no label names the resource (a PagerDuty title). */
const named = (value: string | undefined): string => (value ? q(value) : '(named in the alarm)');

const rg = (v: AlertView): string => {
  const region = regionOf(v);
  return region ? ` --region ${sh(region)}` : '';
};

/**
 * A CloudWatch dimension from the labels, as the exporters name it: YACE `dimension_QueueName`,
 * cloudwatch_exporter `queue_name`, Datadog's tag `queuename`.
 */
function dim(v: AlertView, ...names: string[]): string | undefined {
  for (const name of names) {
    const snake = name.replace(ACRONYM, '$1_$2').replace(CAMEL, '$1_$2').toLowerCase();
    const loose = name.replace(CAMEL, '$1_$2').toLowerCase();
    for (const key of [`dimension_${name}`, snake, loose, name.toLowerCase(), name]) {
      const value = v.labels[key];
      if (value) return value;
    }
  }
  return undefined;
}

/** Whether the alert came from an exporter rule (it has an expression) rather than CloudWatch itself. */
const fromExporter = (v: AlertView): boolean => v.expr !== '';

/** The alarm's definition (its metric, dimensions and threshold) and its recent state changes. */
const alarmSteps = (v: AlertView): (string | false)[] => {
  if (fromExporter(v)) return [];
  const alarm = alarmName(v);
  return [
    `aws cloudwatch describe-alarms --alarm-names ${sh(alarm)}${rg(v)}  # its metric, dimensions (the resource) and threshold`,
    `aws cloudwatch describe-alarm-history --alarm-name ${sh(alarm)} --history-item-type StateUpdate${rg(v)}`,
  ];
};

// --- Declaring a family ------------------------------------------------------------------------------------------

interface AwsSpec extends Omit<FamilySpec, 'namePattern' | 'textPattern' | 'accepts'> {
  /** The service as a word of the name (regex source, tested at a word start): `rds|aurora`. */
  svc: string;
  /** Service words that count only when no other technology claims the alert (`dlq`). */
  weak?: string;
  /** What the alarm is about, in the name key (regex source): `cpu`. */
  metric: string;
  /** CloudWatch metric names no other tool uses: enough alone (regex source on the key). */
  own?: string;
  /** The metric as exporters and Datadog name it, in the rule's text. */
  text?: RegExp;
  /** Names this family leaves to another one (regex source on the key). */
  unless?: string;
  /** What the alarm is about as a whole word of the name (regex source): status codes like `502`. */
  word?: string;
}

const OTHER_CLOUD =
  /azure|servicebus|eventhub|cosmos|pubsub|cloudsql|cloud sql|cloudrun|cloud run|\bgke\b|\bgcp\b|googleapis/;

function aws(spec: AwsSpec): Signature {
  const { svc, weak, metric, own, text, unless, word, ...rest } = spec;
  const tokens = weak ? `${svc}|${weak}` : svc;
  const strong = new RegExp(`\\s(?:aws\\s?)?(?:${svc})`);
  const weakWord = weak ? new RegExp(`\\s(?:aws\\s?)?(?:${weak})`) : null;
  const metricRe = new RegExp(metric);
  const ownRe = own ? new RegExp(own) : null;
  const unlessRe = unless ? new RegExp(unless) : null;
  const wordRe = word ? new RegExp(`\\s(?:${word})\\s`) : null;
  const about = word ? `${metric}|${word}` : metric;
  const namePattern = new RegExp(`^(?=.*(?:${tokens}))(?=.*(?:${about}))${own ? `|${own}` : ''}`);
  const accepts = (v: AlertView): boolean => {
    if (unlessRe?.test(v.key)) return false;
    // Dead letters, throttling and 5xx exist on every cloud: an Azure or Google alert is not AWS's.
    if (OTHER_CLOUD.test(v.key) || OTHER_CLOUD.test(v.text)) return false;
    if (text?.test(v.text)) return true;
    if (ownRe?.test(v.key)) return true;
    const forms = nameForms(v);
    if (!metricRe.test(v.key) && !(wordRe && forms.some((form) => wordRe.test(form)))) return false;
    if (forms.some((form) => strong.test(form))) return true;
    return Boolean(weakWord && domainOf(v) === undefined && forms.some((form) => weakWord.test(form)));
  };
  const out: FamilySpec = { ...rest, namePattern, accepts };
  if (text) out.textPattern = text;
  return family(out);
}

const has = (v: AlertView, pattern: RegExp): boolean => pattern.test(v.key) || pattern.test(v.text);

// --- EC2 and EBS -------------------------------------------------------------------------------------------------

const ec2Id = (v: AlertView): string | undefined => dim(v, 'InstanceId');

export const awsEc2StatusCheck = aws({
  id: 'aws-ec2-status-check',
  title: 'EC2 status check failed',
  weight: 78,
  role: 'cause',
  svc: 'ec2',
  weak: 'instance',
  names: [
    'StatusCheckFailed',
    'StatusCheckFailed_System',
    'StatusCheckFailed_Instance',
    'StatusCheckFailed_AttachedEBS',
  ],
  metric: 'statuscheck|systemcheck|instancecheck|ebscheck',
  own: 'statuscheckfailed',
  text: /aws[._]ec2[._]status_?check_?failed/,
  summary: (v) => {
    const system = has(v, /system/);
    const ebs = has(v, /attached_?ebs|ebscheck/);
    return `EC2 instance ${named(ec2Id(v))} fails its ${system ? 'system' : ebs ? 'attached-EBS' : 'instance'} status check (\`${alarmName(v)}\`): ${system ? 'AWS-side host, power or network trouble' : ebs ? 'an attached volume is impaired' : 'the OS does not answer the hypervisor'} — what it serves is down or degraded.`;
  },
  causes: (v): CauseSpec[] => {
    if (has(v, /system/))
      return [
        ['Hardware or software problem on the AWS host the instance runs on', 0.5, 'infrastructure'],
        ['Loss of network connectivity or power to the physical host', 0.3, 'infrastructure'],
        ['Scheduled instance retirement or host maintenance event', 0.15, 'infrastructure'],
      ];
    if (has(v, /attached_?ebs|ebscheck/))
      return [
        ['An attached EBS volume is impaired or unreachable (storage-side fault)', 0.6, 'infrastructure'],
        ['I/O to the volume stalled (volume or instance EBS limits saturated)', 0.25, 'capacity'],
      ];
    return [
      ['The OS is out of memory or hung (kernel panic, runaway process)', 0.4, 'resource-exhaustion'],
      ['Corrupted or full file system, or a failed boot after a change/reboot', 0.3, 'infrastructure'],
      [
        'Broken network configuration inside the instance (interface, routes, firewall)',
        0.2,
        'configuration',
      ],
    ];
  },
  steps: (v) => {
    const id = ec2Id(v);
    const ref = id ? sh(id) : '<instance-id>';
    return [
      ...alarmSteps(v),
      `aws ec2 describe-instance-status --instance-ids ${ref} --include-all-instances${rg(v)}`,
      `aws ec2 get-console-output --instance-id ${ref} --latest --output text${rg(v)}  # kernel panic, OOM, fsck`,
      has(v, /system/)
        ? `Recover onto healthy hardware: aws ec2 stop-instances --instance-ids ${ref}${rg(v)}, then start-instances (not reboot); instance-store data is lost`
        : 'If the OS is hung: reboot it (aws ec2 reboot-instances), or attach its root volume to a rescue instance to repair',
    ];
  },
});

export const awsEc2CpuCredits = aws({
  id: 'aws-burstable-cpu-credits',
  title: 'Burstable instance (T-family) running out of CPU credits',
  weight: 60,
  svc: 'ec2|rds|t[234]g?',
  names: ['CPUCreditBalance', 'CPUSurplusCreditBalance'],
  metric: 'credit',
  own: 'cpucreditbalance|cpusurpluscredit',
  text: /aws[._](?:ec2|rds)[._]cpu_?(?:credit_?balance|surplus_?credit)/,
  summary: (v) =>
    `Burstable instance ${named(ec2Id(v) ?? dim(v, 'DBInstanceIdentifier'))} is low on CPU credits (\`${alarmName(v)}\`): once they are spent it is throttled to its baseline CPU.`,
  causes: [
    [
      'Sustained CPU above the instance type’s baseline (a T-class instance sized for bursty load)',
      0.5,
      'capacity',
    ],
    ['A process burns CPU constantly (runaway job, expensive queries, crawler traffic)', 0.3, 'application'],
    ['Standard credit mode with no unlimited bursting configured', 0.15, 'configuration'],
  ],
  steps: (v) => {
    const id = ec2Id(v);
    return [
      ...alarmSteps(v),
      id && `aws ec2 describe-instance-credit-specifications --instance-ids ${sh(id)}${rg(v)}`,
      id
        ? `Longer term: a non-burstable type (aws ec2 modify-instance-attribute --instance-id ${sh(id)} --instance-type … while stopped), or unlimited mode`
        : 'Longer term: move to a non-burstable instance class, or enable unlimited credit mode',
      'Find what uses the CPU: top on the instance, or Performance Insights top SQL for an RDS T-class instance',
    ];
  },
});

const volumeId = (v: AlertView): string | undefined => dim(v, 'VolumeId');

export const awsEbsVolume = aws({
  id: 'aws-ebs-volume',
  title: 'EBS volume out of burst I/O or queueing',
  weight: 62,
  svc: 'ebs|vol',
  names: ['BurstBalance', 'VolumeQueueLength'],
  metric: 'burst|queuelength|iopsexceed|throughputexceed|stalled',
  own: 'burstbalance|volumequeuelength|volumestalledio|volumeiopsexceeded|volumethroughputexceeded',
  text: /aws[._](?:ebs|rds)[._](?:burst_?balance|volume_?queue_?length)/,
  summary: (v) =>
    has(v, /burst/)
      ? `EBS volume ${named(volumeId(v) ?? dim(v, 'DBInstanceIdentifier'))} is running out of burst balance (\`${alarmName(v)}\`): at zero its I/O drops to the baseline IOPS of its size.`
      : `EBS volume ${named(volumeId(v))} has I/O queueing (\`${alarmName(v)}\`): requests wait for the volume, reads and writes slow down.`,
  causes: (v): CauseSpec[] =>
    has(v, /burst/)
      ? [
          [
            'A gp2 (or st1/sc1) volume whose size gives too low a baseline for a sustained I/O load',
            0.5,
            'capacity',
          ],
          ['An I/O-heavy job (backup, batch, reindex, swap) drains the bucket', 0.3, 'application'],
          ['Still on gp2 where gp3 would give a fixed 3000 IOPS baseline', 0.15, 'configuration'],
        ]
      : [
          ['The workload needs more IOPS/throughput than the volume is provisioned for', 0.45, 'capacity'],
          ['The instance’s own EBS bandwidth limit is reached (instance type too small)', 0.25, 'capacity'],
          ['Burst balance exhausted, so the volume fell to its baseline', 0.2, 'resource-exhaustion'],
        ],
  steps: (v) => {
    const id = volumeId(v);
    return [
      ...alarmSteps(v),
      id && `aws ec2 describe-volumes --volume-ids ${sh(id)}${rg(v)}  # type, size, Iops, Throughput`,
      id
        ? `Raise the baseline: aws ec2 modify-volume --volume-id ${sh(id)} --volume-type gp3${rg(v)} (add --iops/--throughput as needed)`
        : 'Raise the baseline: migrate the volume to gp3 (or provision IOPS) with aws ec2 modify-volume',
      'On the instance: iostat -x 5 3  # which device queues, and how long requests wait',
    ];
  },
});

// --- RDS / Aurora ------------------------------------------------------------------------------------------------

const RDS = 'rds|aurora|docdb|documentdb';
const dbId = (v: AlertView): string | undefined =>
  dim(v, 'DBInstanceIdentifier', 'DBClusterIdentifier') ?? v.labels.dbinstance ?? v.labels.db_instance;
const dbRef = (v: AlertView): string => named(dbId(v));
const dbArg = (v: AlertView): string => {
  const id = dbId(v);
  return id ? sh(id) : '<db-instance-id>';
};
const describeDb = (v: AlertView, query?: string): string =>
  `aws rds describe-db-instances --db-instance-identifier ${dbArg(v)}${query ? ` --query ${sh(query)}` : ''}${rg(v)}`;
const rdsEvents = (v: AlertView): string =>
  `aws rds describe-events --source-type db-instance --source-identifier ${dbArg(v)} --duration 240${rg(v)}`;
const PI =
  'RDS console → the instance → Monitoring → Performance Insights (or Database Insights): top SQL and wait events';

export const awsRdsCpu = aws({
  id: 'aws-rds-cpu',
  title: 'RDS/Aurora CPU high',
  weight: 66,
  svc: RDS,
  metric: 'cpu',
  unless: 'credit',
  text: /aws[._]rds[._]cpu_?utili[sz]ation/,
  deploy: { title: () => 'A release shipped new or changed queries that cost more CPU', likelihood: 0.35 },
  summary: (v) =>
    `RDS instance ${dbRef(v)} runs at high CPU (\`${alarmName(v)}\`): queries slow down and connections pile up.`,
  causes: [
    [
      'Expensive queries: missing indexes, full scans, plan changes (see top SQL in Performance Insights)',
      0.45,
      'application',
    ],
    ['More query load than the instance class can serve (traffic growth, new consumers)', 0.3, 'capacity'],
    [
      'Maintenance work on the database: vacuum/analyze, index builds, a batch or report job',
      0.15,
      'application',
    ],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    PI,
    describeDb(v, 'DBInstances[0].[DBInstanceClass,Engine,PerformanceInsightsEnabled]'),
    "In the database: SELECT pid, now()-query_start, query FROM pg_stat_activity WHERE state <> 'idle' ORDER BY 2 DESC; (MySQL: SHOW FULL PROCESSLIST)",
    rdsEvents(v),
  ],
});

export const awsRdsMemory = aws({
  id: 'aws-rds-memory',
  title: 'RDS/Aurora low freeable memory or swapping',
  weight: 66,
  svc: RDS,
  names: ['FreeableMemory'],
  metric: 'memory|mem|swap',
  own: 'freeablememory',
  text: /aws[._]rds[._](?:freeable_?memory|swap_?usage)/,
  summary: (v) =>
    `RDS instance ${dbRef(v)} is low on memory (\`${alarmName(v)}\`): it ${has(v, /swap/) ? 'swaps, and' : 'may start swapping, and'} the engine can be restarted out of memory.`,
  causes: [
    [
      'Too many connections, each with its own memory (work_mem, sort/join buffers per session)',
      0.4,
      'resource-exhaustion',
    ],
    [
      'Memory parameters set too high for the class (shared_buffers/innodb_buffer_pool_size, work_mem)',
      0.3,
      'configuration',
    ],
    ['The working set outgrew the instance class (data growth, new workload)', 0.2, 'capacity'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    describeDb(v, 'DBInstances[0].[DBInstanceClass,DBParameterGroups]'),
    'RDS console → the instance → Monitoring: DatabaseConnections and SwapUsage beside FreeableMemory; Enhanced Monitoring → OS process list',
    "aws rds describe-db-parameters --db-parameter-group-name <group> --query \"Parameters[?ParameterName=='work_mem' || ParameterName=='shared_buffers']\"",
    rdsEvents(v),
  ],
});

export const awsRdsStorage = aws({
  id: 'aws-rds-storage',
  title: 'RDS/Aurora running out of storage',
  weight: 74,
  role: 'cause',
  svc: RDS,
  metric: 'storage|diskspace|disk(?:full|free|usage|low)|freespace|space',
  own: 'freestoragespace|freelocalstorage',
  text: /aws[._]rds[._]free_?(?:storage_?space|local_?storage)/,
  summary: (v) =>
    `RDS instance ${dbRef(v)} is running out of ${has(v, /local/) ? 'local (temporary) storage' : 'storage'} (\`${alarmName(v)}\`): at zero it goes to storage-full and stops accepting writes.`,
  causes: (v): CauseSpec[] =>
    has(v, /local/)
      ? [
          [
            'Large sorts, hash joins or temporary tables spilling to local storage (Aurora)',
            0.55,
            'application',
          ],
          ['Big index builds or ALTER TABLE copying the table on local storage', 0.3, 'application'],
        ]
      : [
          ['Data growth without storage autoscaling (or its maximum reached)', 0.4, 'capacity'],
          [
            'Logs retained on the instance: binlogs, WAL held by a replication slot or a lagging replica',
            0.3,
            'data',
          ],
          ['Temporary files and bloat from large queries, or tables never vacuumed', 0.2, 'application'],
        ],
  steps: (v) => [
    ...alarmSteps(v),
    describeDb(v, 'DBInstances[0].[AllocatedStorage,MaxAllocatedStorage,StorageType]'),
    `Enable/raise storage autoscaling: aws rds modify-db-instance --db-instance-identifier ${dbArg(v)} --max-allocated-storage <GiB> --apply-immediately${rg(v)}`,
    'PostgreSQL: SELECT slot_name, active, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots; MySQL: CALL mysql.rds_show_configuration; (binlog retention)',
    rdsEvents(v),
  ],
});

export const awsRdsReplicaLag = aws({
  id: 'aws-rds-replica-lag',
  title: 'RDS/Aurora replica lag',
  weight: 68,
  svc: RDS,
  names: ['ReplicaLag', 'AuroraReplicaLag', 'AuroraGlobalDBReplicationLag'],
  metric: 'lag|behind|replicationdelay|replicationstatus|replicationerror|replicationbroken',
  text: /aws[._]rds[._](?:aurora_?)?(?:replica_?lag|aurora_?global_?db_?replication_?lag|oldest_?replication_?slot_?lag)/,
  summary: (v) =>
    `RDS ${has(v, /global/) ? 'Aurora global database' : 'replica'} ${dbRef(v)} is behind its source (\`${alarmName(v)}\`): reads from it return stale data, and failover to it would lose or wait for changes.`,
  causes: [
    [
      'High write workload on the primary (write bursts, big transactions): the replica cannot keep up',
      0.4,
      'capacity',
    ],
    ['The replica is smaller or busier than the primary (long queries on it, I/O limits)', 0.3, 'capacity'],
    ['Network problems between primary and replica (cross-Region replication)', 0.15, 'network'],
    [
      'Replication broke or stopped (ReplicaLag -1: SQL error on the replica, read_only=0 writes)',
      0.1,
      'data',
    ],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    describeDb(v, 'DBInstances[0].[DBInstanceClass,ReadReplicaSourceDBInstanceIdentifier,StatusInfos]'),
    'MySQL: SHOW REPLICA STATUS\\G (Seconds_Behind_Source, Last_SQL_Error); PostgreSQL on the replica: SELECT now() - pg_last_xact_replay_timestamp();',
    'RDS console → the source instance → Monitoring: WriteIOPS / WriteThroughput at the time the lag started',
    rdsEvents(v),
  ],
});

export const awsRdsConnections = aws({
  id: 'aws-rds-connections',
  title: 'RDS/Aurora database connections high',
  weight: 64,
  svc: RDS,
  metric: 'connection|conn',
  text: /aws[._]rds[._]database_?connections/,
  summary: (v) =>
    `RDS instance ${dbRef(v)} has many open connections (\`${alarmName(v)}\`): near max_connections new clients are refused, and each connection costs memory.`,
  causes: [
    [
      'Clients without connection pooling, or leaking connections (each pod/Lambda opens its own)',
      0.4,
      'application',
    ],
    ['A scale-out of the application (more pods, tasks or concurrent Lambdas)', 0.3, 'capacity'],
    ['Slow queries hold connections longer, so more are open at once', 0.2, 'application'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    'PostgreSQL: SELECT usename, application_name, client_addr, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3,4 ORDER BY 5 DESC; MySQL: SELECT user, host, command, count(*) FROM information_schema.processlist GROUP BY 1,2,3;',
    describeDb(v, 'DBInstances[0].[DBInstanceClass,DBParameterGroups]'),
    'Put RDS Proxy or a pooler (PgBouncer) in front of many short-lived clients',
  ],
});

export const awsRdsDeadlocks = aws({
  id: 'aws-rds-deadlocks',
  title: 'RDS/Aurora deadlocks',
  weight: 60,
  svc: RDS,
  metric: 'deadlock',
  text: /aws[._]rds[._]deadlocks/,
  deploy: {
    title: () => 'A release changed which rows or tables transactions lock, and in what order',
    likelihood: 0.35,
  },
  summary: (v) =>
    `RDS ${dbRef(v)} reports deadlocks (\`${alarmName(v)}\`): the engine kills one transaction of each cycle, so some writes fail and retry.`,
  causes: [
    ['Transactions lock the same rows/tables in different orders', 0.5, 'application'],
    ['Long transactions or missing indexes widen the locks (range/gap locks on scans)', 0.3, 'application'],
    ['More concurrent writers on hot rows than before (traffic, a new batch job)', 0.15, 'capacity'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    'MySQL: SHOW ENGINE INNODB STATUS\\G (LATEST DETECTED DEADLOCK); PostgreSQL: the "deadlock detected" entries in the error log',
    `aws rds describe-db-log-files --db-instance-identifier ${dbArg(v)}${rg(v)}`,
  ],
});

export const awsRdsLatency = aws({
  id: 'aws-rds-latency',
  title: 'RDS/Aurora read/write latency or disk queue high',
  weight: 62,
  svc: RDS,
  names: ['DiskQueueDepth'],
  metric: 'latency|diskqueue|queuedepth|iops|throughput|slow',
  own: 'diskqueuedepth',
  text: /aws[._]rds[._](?:read_?latency|write_?latency|disk_?queue_?depth)/,
  summary: (v) =>
    `RDS instance ${dbRef(v)} waits on storage (\`${alarmName(v)}\`): each read/write takes longer, and queries slow down.`,
  causes: [
    ['The workload needs more IOPS/throughput than the storage is provisioned for', 0.4, 'capacity'],
    [
      'gp2 burst balance exhausted, or the instance class’s EBS bandwidth limit reached',
      0.3,
      'resource-exhaustion',
    ],
    [
      'Queries reading far more than needed (full scans, missing indexes, cold cache after a restart)',
      0.2,
      'application',
    ],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    describeDb(v, 'DBInstances[0].[DBInstanceClass,StorageType,Iops,StorageThroughput,AllocatedStorage]'),
    'RDS console → the instance → Monitoring: ReadIOPS, WriteIOPS, BurstBalance, DiskQueueDepth beside the latency',
    PI,
  ],
});

// --- Elastic Load Balancing --------------------------------------------------------------------------------------

const LB =
  'alb|elb|nlb|clb|lb|elbv2|loadbalancer|load\\s?balancer|applicationelb|networkelb|targetgroup|target\\s?group|tg';
/** Load balancers that are not AWS's: their alerts (`haproxy-lb-5xx`) belong to their own signatures. */
const OTHER_LB = 'haproxy|nginx|traefik|envoy|istio|bigip|f5|netscaler|citrix|ingress|metallb|kong|caddy';
const ELB_TEXT = 'aws[._](?:applicationelb|networkelb|elb)[._]';
const lbOf = (v: AlertView): string | undefined => dim(v, 'LoadBalancer', 'LoadBalancerName');
/** `app/orders-alb/50dc6c495c0c9188` → `orders-alb`. */
const lbName = (v: AlertView): string | undefined => {
  const lb = lbOf(v);
  return lb?.includes('/') ? lb.split('/')[1] : lb;
};
const tgName = (v: AlertView): string | undefined => {
  const tg = dim(v, 'TargetGroup');
  return tg?.includes('/') ? tg.split('/')[1] : tg;
};
const lbRef = (v: AlertView): string => named(lbName(v));
const lbSteps = (v: AlertView): string[] => {
  const lb = lbName(v);
  const tg = tgName(v);
  return [
    lb
      ? `aws elbv2 describe-load-balancers --names ${sh(lb)}${rg(v)}  # its ARN, then: aws elbv2 describe-target-groups --load-balancer-arn <arn>`
      : 'aws elbv2 describe-target-groups --load-balancer-arn <arn>  # the load balancer from the alarm’s dimensions',
    tg
      ? `aws elbv2 describe-target-groups --names ${sh(tg)}${rg(v)}  # its ARN, then: aws elbv2 describe-target-health --target-group-arn <arn>`
      : 'aws elbv2 describe-target-health --target-group-arn <target-group-arn>  # State and Reason of every target',
  ];
};
const accessLogs =
  'ALB access logs (S3): elb_status_code vs target_status_code, target_processing_time -1, error_reason — which requests fail and where';

export const awsElbUnhealthy = aws({
  id: 'aws-elb-unhealthy-hosts',
  title: 'Load balancer targets unhealthy',
  weight: 74,
  role: 'cause',
  svc: LB,
  unless: OTHER_LB,
  metric: 'unhealthy|healthyhost|healthcheck|nohealthy|healthytarget',
  names: ['UnHealthyHostCount'],
  own: 'unhealthyhostcount|healthyhostcount',
  text: new RegExp(`${ELB_TEXT}(?:un_?)?healthy_?host_?count`),
  summary: (v) =>
    `Targets of ${lbRef(v)}${tgName(v) ? ` (target group ${q(tgName(v))})` : ''} fail their health checks (\`${alarmName(v)}\`): the load balancer stops sending them traffic; with none healthy it answers 503.`,
  causes: [
    [
      'The application on the targets is down, crashing or restarting (deploy, OOM, dependency failure)',
      0.4,
      'application',
    ],
    [
      'Health check misconfigured: wrong path, port or matcher, or a timeout shorter than the check takes',
      0.25,
      'configuration',
    ],
    ['Security group or NACL does not let the load balancer reach the target port', 0.15, 'network'],
    ['Targets overloaded and answering the health check too slowly', 0.15, 'capacity'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    ...lbSteps(v),
    'The TargetHealth Reason says which: Target.Timeout, Target.ResponseCodeMismatch, Target.FailedHealthChecks, Elb.RegistrationInProgress',
    'Check the health-check path from inside the VPC: curl -sv http://<target-ip>:<port>/<health-path>',
  ],
});

export const awsElb5xx = aws({
  id: 'aws-elb-5xx',
  title: 'Load balancer returning 5xx itself (502/503/504)',
  weight: 70,
  role: 'symptom',
  svc: LB,
  metric: 'httpcodeelb|elb5xx|elbgenerated|lbgenerated|badgateway|gatewaytimeout|serviceunavailable',
  word: '50[234]',
  names: [
    'HTTPCode_ELB_5XX_Count',
    'HTTPCode_ELB_502_Count',
    'HTTPCode_ELB_503_Count',
    'HTTPCode_ELB_504_Count',
  ],
  own: 'httpcodeelb5|httpcodeelb50',
  unless: `target5|backend5|${OTHER_LB}`,
  text: new RegExp(`${ELB_TEXT}httpcode_?elb_?5`),
  summary: (v) =>
    `${lbRef(v)} generates 5xx responses itself (\`${alarmName(v)}\`): requests fail between the load balancer and its targets, not inside the application.`,
  causes: (v): CauseSpec[] => {
    if (has(v, /503|unavailable/))
      return [
        [
          'No healthy targets registered in the target group (all failing health checks, or none registered)',
          0.6,
          'infrastructure',
        ],
        ['A listener rule forwards to an empty target group', 0.25, 'configuration'],
      ];
    if (has(v, /504|timeout/))
      return [
        [
          'Targets take longer than the load balancer’s idle timeout to answer (slow requests, overloaded)',
          0.5,
          'capacity',
        ],
        [
          'The load balancer cannot connect to targets: security group/NACL, target not listening',
          0.25,
          'network',
        ],
        ['Targets overloaded or stuck on a slow dependency', 0.2, 'capacity'],
      ];
    return [
      [
        'Targets close connections early: their keep-alive timeout is shorter than the load balancer’s idle timeout',
        0.35,
        'configuration',
      ],
      [
        'Targets crash or reset connections, or send malformed responses (502); a Lambda target errors',
        0.3,
        'application',
      ],
      ['No healthy targets in the target group (503)', 0.2, 'infrastructure'],
      ['Targets answer after the idle timeout (504)', 0.1, 'capacity'],
    ];
  },
  steps: (v) => [
    ...alarmSteps(v),
    ...lbSteps(v),
    'CloudWatch: HTTPCode_ELB_502_Count / 503 / 504 and HTTPCode_Target_5XX_Count side by side — who answers the 5xx',
    accessLogs,
    lbName(v)
      ? 'aws elbv2 describe-load-balancer-attributes --load-balancer-arn <arn>  # idle_timeout.timeout_seconds vs the targets’ keep-alive'
      : null,
  ],
});

export const awsElbTarget5xx = aws({
  id: 'aws-elb-target-5xx',
  title: 'Targets behind the load balancer returning 5xx',
  weight: 66,
  role: 'symptom',
  svc: LB,
  metric: '5xx|errors?|fail',
  word: '5\\d\\d',
  names: ['HTTPCode_Target_5XX_Count', 'HTTPCode_Backend_5XX'],
  own: 'httpcodetarget5|httpcodebackend5',
  unless: `unhealthy|latency|4xx|${OTHER_LB}`,
  text: new RegExp(`${ELB_TEXT}httpcode_?(?:target|backend)_?5`),
  deploy: {
    title: () => 'The release that just rolled out fails requests',
    likelihood: 0.3,
    rollback: true,
  },
  summary: (v) =>
    `Targets behind ${lbRef(v)}${tgName(v) ? ` (target group ${q(tgName(v))})` : ''} answer with 5xx (\`${alarmName(v)}\`): the application itself fails requests.`,
  causes: [
    ['Application errors in the targets (unhandled exceptions, crashes mid-request)', 0.45, 'application'],
    ['A dependency of the targets fails or times out (database, downstream API)', 0.3, 'dependency'],
    ['Targets overloaded (CPU/memory, thread or connection pools exhausted)', 0.2, 'capacity'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    'CloudWatch: HTTPCode_Target_5XX_Count beside HTTPCode_ELB_5XX_Count — if the load balancer generates them, see 502/503/504 causes instead',
    accessLogs,
    ...lbSteps(v),
    'The targets’ application logs for the same minutes (errors, stack traces)',
  ],
});

export const awsElbLatency = aws({
  id: 'aws-elb-latency',
  title: 'Load balancer target response time high',
  weight: 60,
  role: 'symptom',
  svc: LB,
  unless: OTHER_LB,
  metric: 'latency|responsetime|slow|duration',
  names: ['TargetResponseTime'],
  own: 'targetresponsetime',
  text: new RegExp(`${ELB_TEXT}(?:target_?response_?time|latency)`),
  summary: (v) =>
    `Targets behind ${lbRef(v)} answer slowly (\`${alarmName(v)}\`): the time is spent in the targets, after the load balancer sent the request.`,
  causes: [
    ['A slow dependency of the targets (database queries, downstream API)', 0.4, 'dependency'],
    ['Targets under-provisioned for the load (CPU, memory, too few tasks/instances)', 0.35, 'capacity'],
    ['A release made a request path slower', 0.15, 'deployment'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    'CloudWatch: TargetResponseTime p99 beside RequestCountPerTarget and the targets’ CPU — load or dependency?',
    accessLogs,
    ...lbSteps(v),
  ],
});

export const awsElbConnections = aws({
  id: 'aws-elb-connections',
  title: 'Load balancer rejecting connections or failing to reach targets',
  weight: 62,
  svc: LB,
  unless: OTHER_LB,
  metric: 'rejected|surgequeue|spillover|connectionerror|reset',
  names: ['RejectedConnectionCount', 'SurgeQueueLength', 'SpilloverCount', 'TargetConnectionErrorCount'],
  own: 'rejectedconnectioncount|surgequeuelength|spillovercount|targetconnectionerrorcount|backendconnectionerrors|tcptargetresetcount',
  text: new RegExp(
    `${ELB_TEXT}(?:rejected_?connection|surge_?queue|spillover|target_?connection_?error|backend_?connection_?errors|tcp_?target_?reset)`,
  ),
  summary: (v) =>
    has(v, /connectionerror|reset/)
      ? `${lbRef(v)} cannot open or keep connections to its targets (\`${alarmName(v)}\`): those requests fail.`
      : `${lbRef(v)} turns connections away (\`${alarmName(v)}\`): clients get refused connections or errors.`,
  causes: (v): CauseSpec[] =>
    has(v, /connectionerror|reset/)
      ? [
          ['Security group or NACL blocks the load balancer from the target port', 0.35, 'network'],
          ['Targets not listening or refusing connections (process down, backlog full)', 0.35, 'application'],
          [
            'Targets closing idle connections the load balancer still reuses (keep-alive shorter than idle timeout)',
            0.2,
            'configuration',
          ],
        ]
      : [
          [
            'Targets too slow or too few, so requests queue at the load balancer (surge queue full → spillover)',
            0.45,
            'capacity',
          ],
          ['The load balancer reached its maximum connections during a traffic spike', 0.3, 'capacity'],
          [
            'Clients opening a new connection per request (no keep-alive), or a flood of traffic',
            0.15,
            'application',
          ],
        ],
  steps: (v) => [...alarmSteps(v), ...lbSteps(v), accessLogs],
});

// --- Lambda ------------------------------------------------------------------------------------------------------

const LAMBDA = 'lambda|λ';
const fnName = (v: AlertView): string | undefined => dim(v, 'FunctionName');
const fnRef = (v: AlertView): string => named(fnName(v));
const fnArg = (v: AlertView): string => {
  const name = fnName(v);
  return name ? sh(name) : '<function-name>';
};
const fnLogs = (v: AlertView, pattern?: string): string => {
  const name = fnName(v);
  return `aws logs tail ${name ? sh(`/aws/lambda/${name}`) : '/aws/lambda/<function-name>'} --since 1h${pattern ? ` --filter-pattern ${sh(pattern)}` : ''}${rg(v)}`;
};
const fnConfig = (v: AlertView): string =>
  `aws lambda get-function-configuration --function-name ${fnArg(v)}${rg(v)}  # Timeout, MemorySize, LastModified, DeadLetterConfig`;

export const awsLambdaDlqErrors = aws({
  id: 'aws-lambda-dead-letter-errors',
  title: 'Lambda cannot deliver failed events to its dead-letter queue or destination',
  weight: 66,
  svc: LAMBDA,
  metric: 'deadlettererror|dlqerror|dlqfail|destinationdelivery|asynceventsdropped|droppedevents',
  names: ['DeadLetterErrors', 'DestinationDeliveryFailures'],
  own: 'deadlettererrors|destinationdeliveryfailures|asynceventsdropped',
  text: /aws[._]lambda[._](?:dead_?letter_?errors|destination_?delivery_?failures|async_?events_?dropped)/,
  summary: (v) =>
    `Lambda ${fnRef(v)} failed events could not be sent to its dead-letter queue/destination (\`${alarmName(v)}\`): those events are lost.`,
  causes: [
    [
      'The function’s role lacks permission to send to the DLQ/destination (sqs:SendMessage, sns:Publish, kms)',
      0.45,
      'configuration',
    ],
    ['The DLQ or destination was deleted, or its ARN is wrong', 0.25, 'configuration'],
    ['The event is larger than the queue/topic accepts (256 KB), or the target throttles', 0.2, 'data'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    fnConfig(v),
    `aws lambda get-function-event-invoke-config --function-name ${fnArg(v)}${rg(v)}  # on-failure destination`,
    'IAM console → the function’s execution role: does it allow SendMessage/Publish on that ARN (and kms:GenerateDataKey for an encrypted queue)?',
  ],
});

export const awsLambdaThrottles = aws({
  id: 'aws-lambda-throttles',
  title: 'Lambda throttled or near its concurrency limit',
  weight: 68,
  svc: LAMBDA,
  metric: 'throttl|concurren|429|toomanyrequests',
  names: ['ConcurrentExecutions'],
  own: 'concurrentexecutions|unreservedconcurrentexecutions|provisionedconcurrencyspillover',
  text: /aws[._]lambda[._](?:throttles|concurrent_?executions|unreserved_?concurrent|provisioned_?concurrency_?spillover)/,
  summary: (v) =>
    has(v, /throttl/)
      ? `Lambda ${fnRef(v)} is throttled (\`${alarmName(v)}\`): invocations over its concurrency limit are rejected (429) — synchronous callers see errors, async events are retried.`
      : `Lambda ${fnRef(v)} runs close to its concurrency limit (\`${alarmName(v)}\`): past it, invocations are throttled.`,
  causes: [
    [
      'The function hit its reserved concurrency, or the account’s Regional concurrency limit is used up',
      0.45,
      'capacity',
    ],
    ['Other functions in the account consume the shared unreserved concurrency', 0.25, 'capacity'],
    [
      'Invocations last longer than before (slow dependency), so more run at once for the same traffic',
      0.2,
      'dependency',
    ],
    ['A traffic burst or a retry storm / recursive invocation loop', 0.1, 'application'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    `aws lambda get-function-concurrency --function-name ${fnArg(v)}${rg(v)}  # ReservedConcurrentExecutions`,
    `aws lambda get-account-settings${rg(v)}  # AccountLimit.ConcurrentExecutions, UnreservedConcurrentExecutions`,
    'CloudWatch: ConcurrentExecutions (account and per function) and Duration for the same minutes',
    'Raise reserved concurrency (aws lambda put-function-concurrency) or request a higher account quota in Service Quotas',
  ],
});

export const awsLambdaDuration = aws({
  id: 'aws-lambda-duration',
  title: 'Lambda duration near its timeout, or timing out',
  weight: 64,
  svc: LAMBDA,
  metric: 'duration|timeout|timedout|slow|latency|runtime',
  text: /aws[._]lambda[._]duration/,
  deploy: {
    title: () => 'The new version does more work per invocation, or calls something slow',
    likelihood: 0.3,
  },
  summary: (v) =>
    `Lambda ${fnRef(v)} runs close to (or past) its timeout (\`${alarmName(v)}\`): invocations that reach it are killed and count as errors.`,
  causes: [
    [
      'A downstream dependency is slow or unreachable (database, API; from a VPC without a NAT/endpoint)',
      0.45,
      'dependency',
    ],
    [
      'Too little memory, hence too little CPU, for the work (memory size sets CPU share)',
      0.25,
      'configuration',
    ],
    ['Larger payloads or batches than before, or cold starts with heavy initialisation', 0.2, 'application'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    fnConfig(v),
    fnLogs(v, 'Task timed out'),
    'CloudWatch Logs Insights on the function: filter @type = "REPORT" | stats max(@duration), avg(@maxMemoryUsed) by bin(5m)',
    'X-Ray / Application Signals traces: which downstream call takes the time',
  ],
});

export const awsLambdaIteratorAge = aws({
  id: 'aws-lambda-iterator-age',
  title: 'Lambda falling behind its stream (iterator age)',
  weight: 64,
  svc: LAMBDA,
  metric: 'iterator|streamlag|behind',
  names: ['IteratorAge'],
  own: '^(?:alarm)?(?:aws)?(?:lambda)?iteratorage',
  unless: 'getrecords|kinesis',
  text: /aws[._]lambda[._]iterator_?age/,
  summary: (v) =>
    `Lambda ${fnRef(v)} processes its Kinesis/DynamoDB stream late (\`${alarmName(v)}\`): the newest records wait, and at the retention limit they expire unprocessed.`,
  causes: [
    [
      'A failing batch is retried over and over and blocks its shard (poison record, no bisect/max-retry)',
      0.4,
      'application',
    ],
    [
      'The function is too slow for the stream’s write rate (duration, batch size, parallelization factor)',
      0.3,
      'capacity',
    ],
    [
      'The function is throttled (concurrency limit), so the event source mapping cannot keep up',
      0.2,
      'capacity',
    ],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    `aws lambda list-event-source-mappings --function-name ${fnArg(v)}${rg(v)}  # State, BatchSize, ParallelizationFactor, BisectBatchOnFunctionError, MaximumRetryAttempts`,
    fnLogs(v, 'ERROR'),
    'CloudWatch: the function’s Errors, Throttles and Duration beside IteratorAge',
  ],
});

export const awsLambdaErrors = aws({
  id: 'aws-lambda-errors',
  title: 'Lambda function errors',
  weight: 64,
  role: 'symptom',
  svc: LAMBDA,
  metric: 'errors?|fail|exception|5xx|crash',
  text: /aws[._]lambda[._]errors/,
  deploy: {
    title: () => 'The newly deployed function code or configuration fails',
    likelihood: 0.3,
    rollback: true,
  },
  summary: (v) =>
    `Lambda ${fnRef(v)} invocations fail (\`${alarmName(v)}\`): its callers get errors, async events are retried and then sent to the DLQ/destination.`,
  causes: [
    [
      'Unhandled exceptions in the function code (unexpected input, an untested code path)',
      0.4,
      'application',
    ],
    ['Invocations time out or run out of memory', 0.25, 'resource-exhaustion'],
    [
      'A dependency fails or denies access (downstream errors, missing IAM permission, expired secret)',
      0.25,
      'dependency',
    ],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    fnLogs(v, 'ERROR'),
    fnConfig(v),
    'CloudWatch Logs Insights: fields @timestamp, @message | filter @message like /(?i)(error|exception|Task timed out|Runtime exited)/ | sort @timestamp desc | limit 50',
    `aws lambda list-versions-by-function --function-name ${fnArg(v)}${rg(v)}  # what changed last`,
  ],
});

// --- SQS and SNS -------------------------------------------------------------------------------------------------

const queueName = (v: AlertView): string | undefined => dim(v, 'QueueName') ?? v.labels.queue;
const queueRef = (v: AlertView): string => named(queueName(v));
const queueAttrs = (v: AlertView): string => {
  const name = queueName(v);
  return `aws sqs get-queue-attributes --queue-url $(aws sqs get-queue-url --queue-name ${name ? sh(name) : '<queue-name>'} --query QueueUrl --output text${rg(v)}) --attribute-names All${rg(v)}`;
};

export const awsSqsDlq = aws({
  id: 'aws-sqs-dlq',
  title: 'Messages in an SQS dead-letter queue',
  weight: 66,
  svc: 'sqs',
  weak: 'dlq|dead\\s?letter|deadletter',
  metric: 'dlq|deadletter',
  text: /aws[._]sqs[._]approximate_?number_?of_?messages_?visible[^\n]*(?:dlq|dead)/,
  summary: (v) =>
    `Dead-letter queue ${queueRef(v)} has messages (\`${alarmName(v)}\`): messages failed processing maxReceiveCount times on the source queue and were set aside — that work is not done.`,
  causes: [
    [
      'The consumer fails on these messages: a bug or a bad/unexpected payload (poison messages)',
      0.45,
      'application',
    ],
    ['A dependency of the consumer was down, so processing failed until retries ran out', 0.25, 'dependency'],
    [
      'Visibility timeout shorter than processing time (or than the Lambda timeout), so messages are received again and again',
      0.2,
      'configuration',
    ],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    queueAttrs(v),
    `Look at a few (without deleting): aws sqs receive-message --queue-url <dlq-url> --max-number-of-messages 5 --attribute-names All --message-attribute-names All --visibility-timeout 30${rg(v)}`,
    'The consumer’s logs for the failures (for a Lambda consumer: its Errors and the /aws/lambda/… log group)',
    'Once fixed, redrive: aws sqs start-message-move-task --source-arn <dlq-arn>',
  ],
});

export const awsSqsBacklog = aws({
  id: 'aws-sqs-backlog',
  title: 'SQS queue backlog: messages waiting too long',
  weight: 62,
  svc: 'sqs',
  metric: 'age|oldest|visible|backlog|depth|messages|notprocessed|stuck|queuelength|queuesize',
  names: ['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible'],
  own: 'approximateageofoldestmessage|approximatenumberofmessagesvisible',
  unless: 'dlq|deadletter',
  text: /aws[._]sqs[._]approximate_?(?:age_?of_?oldest_?message|number_?of_?messages_?visible)/,
  summary: (v) =>
    `SQS queue ${queueRef(v)} is not drained fast enough (\`${alarmName(v)}\`): ${has(v, /age|oldest/) ? 'its oldest message waits long — past the retention period messages are deleted unprocessed' : 'messages accumulate'}.`,
  causes: [
    [
      'Consumers are down, stuck or scaled to zero (crashed workers, disabled Lambda trigger)',
      0.4,
      'application',
    ],
    [
      'Consumers too slow or too few for the incoming rate (slow dependency, no autoscaling)',
      0.3,
      'capacity',
    ],
    ['Poison messages received and failed again and again without a redrive policy', 0.2, 'application'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    queueAttrs(v),
    'CloudWatch: NumberOfMessagesSent vs NumberOfMessagesDeleted — did producers speed up or consumers stop?',
    'aws lambda list-event-source-mappings --event-source-arn <queue-arn>  # a Lambda consumer: State must be Enabled',
  ],
});

export const awsSnsFailed = aws({
  id: 'aws-sns-delivery-failed',
  title: 'SNS notifications failing to deliver',
  weight: 60,
  svc: 'sns',
  metric: 'fail|error|deliver|undeliver',
  names: ['NumberOfNotificationsFailed'],
  own: 'numberofnotificationsfailed|notificationsfailed',
  text: /aws[._]sns[._]number_?of_?notifications_?failed/,
  summary: (v) =>
    `SNS topic ${named(dim(v, 'TopicName'))} fails to deliver notifications (\`${alarmName(v)}\`): subscribers miss messages once retries run out.`,
  causes: [
    [
      'A subscriber endpoint is down or erroring (HTTP/S endpoint 5xx, Lambda throttled or failing)',
      0.45,
      'dependency',
    ],
    [
      'Missing permissions to deliver: SQS queue policy, Lambda resource policy, KMS key policy',
      0.3,
      'configuration',
    ],
    [
      'Subscriptions to disabled or invalid endpoints (mobile push tokens, SMS spend limit reached)',
      0.15,
      'configuration',
    ],
  ],
  steps: (v) => {
    const topic = dim(v, 'TopicName');
    return [
      ...alarmSteps(v),
      topic
        ? `aws sns list-topics --output text${rg(v)} | grep -F -- ${sh(`:${topic}`)}`
        : 'aws sns list-topics  # the topic from the alarm’s dimensions',
      `aws sns list-subscriptions-by-topic --topic-arn <topic-arn>${rg(v)}`,
      'SNS console → the topic → Delivery status logging: enable it to see the per-subscription failure reason',
    ];
  },
});

// --- DynamoDB ----------------------------------------------------------------------------------------------------

const DDB = 'dynamo|dynamodb|ddb';
const tableName = (v: AlertView): string | undefined => dim(v, 'TableName');
const tableArg = (v: AlertView): string => {
  const t = tableName(v);
  return t ? sh(t) : '<table-name>';
};

export const awsDynamoThrottles = aws({
  id: 'aws-dynamodb-throttles',
  title: 'DynamoDB requests throttled',
  weight: 66,
  svc: DDB,
  metric: 'throttl|capacity|consumed|provisioned|exceed',
  names: ['ReadThrottleEvents', 'WriteThrottleEvents', 'ThrottledRequests'],
  own: 'throttledrequests|readthrottleevents|writethrottleevents|consumedreadcapacity|consumedwritecapacity',
  text: /aws[._]dynamodb[._](?:throttled_?requests|read_?throttle_?events|write_?throttle_?events|consumed_?(?:read|write)_?capacity)/,
  summary: (v) =>
    `DynamoDB table ${named(tableName(v))} ${has(v, /consumed|capacity/) && !has(v, /throttl/) ? 'consumes close to its provisioned capacity' : 'throttles requests'} (\`${alarmName(v)}\`): throttled reads/writes fail with ProvisionedThroughputExceededException after SDK retries.`,
  causes: [
    [
      'Provisioned capacity too low for the load, or auto scaling too slow/capped for a spike',
      0.4,
      'capacity',
    ],
    ['A hot partition: traffic concentrated on few partition keys (per-partition limits)', 0.3, 'data'],
    [
      'A global secondary index with too little write capacity throttles the table’s writes',
      0.15,
      'configuration',
    ],
    ['A batch job, scan or backfill consuming the capacity', 0.1, 'application'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    `aws dynamodb describe-table --table-name ${tableArg(v)}${rg(v)}  # BillingModeSummary, ProvisionedThroughput, GlobalSecondaryIndexes`,
    `aws application-autoscaling describe-scaling-policies --service-namespace dynamodb --resource-id table/${tableArg(v)}${rg(v)}`,
    `aws dynamodb update-contributor-insights --table-name ${tableArg(v)} --contributor-insights-action ENABLE${rg(v)}  # shows the most-throttled keys`,
  ],
});

export const awsDynamoErrors = aws({
  id: 'aws-dynamodb-errors',
  title: 'DynamoDB system or user errors',
  weight: 58,
  svc: DDB,
  metric: 'systemerror|usererror|errors?|5xx|fail',
  text: /aws[._]dynamodb[._](?:system_?errors|user_?errors)/,
  summary: (v) =>
    `DynamoDB ${named(tableName(v))} returns ${has(v, /user/) ? 'client (4xx) errors' : 'server (5xx) errors'} (\`${alarmName(v)}\`).`,
  causes: (v): CauseSpec[] =>
    has(v, /user/)
      ? [
          [
            'Requests denied or invalid: missing IAM permission, wrong table/key schema, bad parameters',
            0.55,
            'application',
          ],
          ['A release sends malformed requests', 0.3, 'deployment'],
        ]
      : [
          [
            'Transient internal errors on the DynamoDB side (a service event in the Region)',
            0.55,
            'dependency',
          ],
          ['Clients not retrying with backoff, so transient 500s surface as failures', 0.3, 'application'],
        ],
  steps: (v) => [
    ...alarmSteps(v),
    'AWS Health Dashboard (console → Health) for DynamoDB events in this Region',
    `aws dynamodb describe-table --table-name ${tableArg(v)}${rg(v)}`,
    'The callers’ logs for the error codes (InternalServerError, AccessDeniedException, ValidationException)',
  ],
});

// --- ECS / EKS ---------------------------------------------------------------------------------------------------

const ECS = 'ecs|fargate|eks|containerinsights';
const ecsCluster = (v: AlertView): string | undefined => dim(v, 'ClusterName');
const ecsService = (v: AlertView): string | undefined => dim(v, 'ServiceName');
const isEks = (v: AlertView): boolean =>
  /eks|pod_|node_|containerinsights/.test(`${v.key} ${v.text}`) && !/ecs/.test(v.key);
const ecsDescribe = (v: AlertView): string => {
  const cluster = ecsCluster(v);
  const service = ecsService(v);
  return `aws ecs describe-services --cluster ${cluster ? sh(cluster) : '<cluster>'} --services ${service ? sh(service) : '<service>'}${rg(v)}  # events, deployments, desired/running`;
};

export const awsEcsTasks = aws({
  id: 'aws-ecs-running-tasks',
  title: 'ECS service running fewer tasks than desired',
  weight: 70,
  svc: ECS,
  metric:
    'runningtask|taskcount|tasks?(?:low|down|missing|stopped|failed)|desiredcount|pendingtask|notrunning',
  names: ['RunningTaskCount'],
  own: 'runningtaskcount',
  text: /aws[._]ecs[._]running_?task_?count|ecs[/.]containerinsights[._]running_?task_?count/,
  summary: (v) =>
    `ECS service ${named(ecsService(v))}${ecsCluster(v) ? ` in cluster ${q(ecsCluster(v))}` : ''} runs fewer tasks than it should (\`${alarmName(v)}\`).`,
  causes: [
    [
      'Tasks exit or fail health checks and are replaced in a loop (crash, OOM, failing container health check)',
      0.4,
      'application',
    ],
    [
      'Tasks cannot start: image pull failure, missing secret/permission, no capacity or IPs in the subnets',
      0.3,
      'infrastructure',
    ],
    [
      'A deployment is failing (circuit breaker rolling back) or the desired count was lowered',
      0.2,
      'deployment',
    ],
  ],
  steps: (v) => {
    const cluster = ecsCluster(v);
    const service = ecsService(v);
    return [
      ...alarmSteps(v),
      ecsDescribe(v),
      `aws ecs list-tasks --cluster ${cluster ? sh(cluster) : '<cluster>'} --service-name ${service ? sh(service) : '<service>'} --desired-status STOPPED${rg(v)}`,
      `aws ecs describe-tasks --cluster ${cluster ? sh(cluster) : '<cluster>'} --tasks <task-arn>${rg(v)}  # stoppedReason, containers[].exitCode/reason`,
    ];
  },
});

export const awsEcsResources = aws({
  id: 'aws-ecs-service-resources',
  title: 'ECS/EKS service CPU or memory high',
  weight: 58,
  svc: ECS,
  metric: 'cpu|memory|mem',
  text: /aws[._]ecs[._](?:cpu|memory)_?utili[sz]ation|aws[._]containerinsights[._](?:pod|node|service)_(?:cpu|memory)_utili[sz]ation/,
  summary: (v) =>
    `${isEks(v) ? 'EKS workload' : `ECS service ${named(ecsService(v))}`} uses ${has(v, /mem/) ? 'most of its memory' : 'most of its CPU'} (\`${alarmName(v)}\`)${has(v, /mem/) ? ': at the limit tasks/pods are OOM-killed' : ': it slows down, and may fail health checks'}.`,
  causes: (v): CauseSpec[] =>
    has(v, /mem/)
      ? [
          ['Memory grows without bound in the application (leak, unbounded cache)', 0.4, 'application'],
          ['Task/pod memory sized too small for the real working set', 0.3, 'configuration'],
          [
            'More load per task than planned: service auto scaling absent, capped or too slow',
            0.2,
            'capacity',
          ],
        ]
      : [
          [
            'More load than the running tasks/pods can serve: auto scaling absent, at its maximum, or too slow',
            0.4,
            'capacity',
          ],
          ['A code path burns CPU (hot loop, regression in a recent release)', 0.3, 'application'],
          ['Task/pod CPU units sized too small for the workload', 0.2, 'configuration'],
        ],
  steps: (v) =>
    isEks(v)
      ? [
          ...alarmSteps(v),
          `${kubectl(v.namespace)} top pods${v.namespace ? '' : ' -A'} --sort-by=${has(v, /mem/) ? 'memory' : 'cpu'}`,
          'kubectl top nodes',
          'CloudWatch → Container Insights → the cluster: which pods/nodes carry the load',
        ]
      : [
          ...alarmSteps(v),
          ecsDescribe(v),
          `aws application-autoscaling describe-scaling-policies --service-namespace ecs${rg(v)}  # is the service scaling, and up to what?`,
          'CloudWatch → Container Insights → the service: per-task CPU/memory against the task definition’s sizes',
        ],
});

// --- ElastiCache -------------------------------------------------------------------------------------------------

const CACHE = 'elasticache|memcached|valkey';
const cacheId = (v: AlertView): string | undefined => dim(v, 'CacheClusterId', 'ReplicationGroupId');
const cacheRef = (v: AlertView): string => named(cacheId(v));
const cacheDescribe = (v: AlertView): string => {
  const id = cacheId(v);
  return `aws elasticache describe-cache-clusters --cache-cluster-id ${id ? sh(id) : '<cache-cluster-id>'} --show-cache-node-info${rg(v)}`;
};

export const awsElasticacheMemory = aws({
  id: 'aws-elasticache-memory',
  title: 'ElastiCache memory full: evictions or swapping',
  weight: 64,
  svc: CACHE,
  metric: 'evict|memory|mem|swap',
  names: ['DatabaseMemoryUsagePercentage'],
  own: 'databasememoryusagepercentage|databasememoryusagecountedforevictpercentage',
  text: /aws[._]elasticache[._](?:evictions|database_?memory_?usage|freeable_?memory|swap_?usage)/,
  summary: (v) =>
    `ElastiCache ${cacheRef(v)} ${has(v, /evict/) ? 'evicts keys' : has(v, /swap/) ? 'swaps' : 'is nearly out of memory'} (\`${alarmName(v)}\`): ${has(v, /swap/) ? 'commands slow down' : 'cached data is dropped early, so misses and load on the database rise'}.`,
  causes: (v): CauseSpec[] =>
    has(v, /swap/)
      ? [
          [
            'Too little memory reserved for non-data use (reserved-memory-percent), so backups/failover swap',
            0.45,
            'configuration',
          ],
          ['Many connections and large client output buffers eating memory', 0.3, 'resource-exhaustion'],
          ['The node type is too small for the dataset', 0.2, 'capacity'],
        ]
      : [
          ['The dataset outgrew the node’s maxmemory (node type too small, no scale-out)', 0.4, 'capacity'],
          ['Keys written without a TTL, or TTLs far longer than needed', 0.3, 'application'],
          ['Large keys or growing client output buffers (slow pub/sub consumers)', 0.2, 'application'],
        ],
  steps: (v) => [
    ...alarmSteps(v),
    cacheDescribe(v),
    'redis-cli -h <primary-endpoint> --tls INFO memory; redis-cli -h <primary-endpoint> --tls INFO stats | grep evicted_keys',
    'redis-cli -h <primary-endpoint> --tls --bigkeys  # the largest keys',
    'aws elasticache describe-cache-parameters --cache-parameter-group-name <group> --source user  # maxmemory-policy, reserved-memory-percent',
  ],
});

export const awsElasticacheCpu = aws({
  id: 'aws-elasticache-cpu',
  title: 'ElastiCache engine CPU high',
  weight: 62,
  svc: CACHE,
  metric: 'cpu',
  names: ['EngineCPUUtilization'],
  own: 'enginecpuutili[sz]ation',
  text: /aws[._]elasticache[._](?:engine_?)?cpu_?utili[sz]ation/,
  summary: (v) =>
    `ElastiCache ${cacheRef(v)} is CPU-bound (\`${alarmName(v)}\`): Redis/Valkey runs commands on one thread, so every client waits.`,
  causes: [
    [
      'Expensive commands: KEYS, large SMEMBERS/HGETALL/ZRANGE, long Lua scripts (see SLOWLOG)',
      0.4,
      'application',
    ],
    ['More requests than one node’s engine thread serves (add shards or read replicas)', 0.3, 'capacity'],
    ['Hot keys concentrating traffic on one shard', 0.15, 'data'],
    ['Connection churn: many new connections per second (TLS handshakes)', 0.1, 'application'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    cacheDescribe(v),
    'redis-cli -h <endpoint> --tls SLOWLOG GET 20',
    'redis-cli -h <endpoint> --tls INFO commandstats  # which commands use the most usec',
    'CloudWatch: EngineCPUUtilization per node, NewConnections, CurrConnections',
  ],
});

// --- API Gateway and CloudFront ----------------------------------------------------------------------------------

const APIGW = 'apigw|apigateway|api\\s?gateway|api\\s?gw|apigatewayv2|restapi|httpapi';
const apiName = (v: AlertView): string | undefined => dim(v, 'ApiName', 'ApiId');
const apiRef = (v: AlertView): string => named(apiName(v));
const apiStage = (v: AlertView): string | undefined => dim(v, 'Stage');
const apiFind = (v: AlertView): string => {
  const name = apiName(v);
  return name
    ? `aws apigateway get-rest-apis --output text${rg(v)} | grep -F -- ${sh(name)}  # HTTP APIs: aws apigatewayv2 get-apis`
    : 'aws apigateway get-rest-apis  # (HTTP APIs: aws apigatewayv2 get-apis) the API from the alarm’s dimensions';
};

export const awsApiGatewayErrors = aws({
  id: 'aws-apigateway-errors',
  title: 'API Gateway 5XX or 4XX errors',
  weight: 64,
  role: 'symptom',
  svc: APIGW,
  metric: '5xx|4xx|errors?|fail|throttl|429',
  text: /aws[._]apigateway[._](?:5_?xx|4_?xx)/,
  deploy: {
    title: () => 'A deployment of the API or its backend broke requests',
    likelihood: 0.35,
    rollback: true,
  },
  summary: (v) =>
    `API Gateway ${apiRef(v)}${apiStage(v) ? ` (stage ${q(apiStage(v))})` : ''} returns ${has(v, /4xx|429|throttl/) ? '4XX' : '5XX'} errors (\`${alarmName(v)}\`).`,
  causes: (v): CauseSpec[] =>
    has(v, /4xx|429|throttl/)
      ? [
          [
            'Requests throttled (429): stage/method throttling, usage plan or account limit reached',
            0.35,
            'capacity',
          ],
          [
            'Authorization failures (401/403): expired tokens, authorizer rejecting, WAF, wrong path ("Missing Authentication Token")',
            0.35,
            'configuration',
          ],
          ['Clients send invalid requests after an API or client change (400, 404)', 0.2, 'deployment'],
        ]
      : [
          [
            'The integration fails: Lambda errors or a malformed Lambda proxy response (502)',
            0.4,
            'application',
          ],
          ['The integration takes longer than the 29 s integration timeout (504)', 0.3, 'dependency'],
          [
            'The backend is throttled or unreachable (Lambda throttles, VPC link/NLB targets unhealthy)',
            0.2,
            'dependency',
          ],
        ],
  steps: (v) => [
    ...alarmSteps(v),
    apiFind(v),
    'Execution logs (enable on the stage): aws logs tail API-Gateway-Execution-Logs_<rest-api-id>/<stage> --since 1h',
    'CloudWatch: 5XXError/4XXError beside IntegrationLatency and Count; the Lambda integration’s Errors and Throttles',
  ],
});

export const awsApiGatewayLatency = aws({
  id: 'aws-apigateway-latency',
  title: 'API Gateway latency high',
  weight: 58,
  role: 'symptom',
  svc: APIGW,
  metric: 'latency|slow|duration|responsetime',
  names: ['IntegrationLatency'],
  own: 'integrationlatency',
  text: /aws[._]apigateway[._](?:integration_?)?latency/,
  summary: (v) =>
    `API Gateway ${apiRef(v)} answers slowly (\`${alarmName(v)}\`)${has(v, /integration/) ? ': the backend integration takes the time' : ''}.`,
  causes: [
    [
      'The backend integration is slow (Lambda duration, cold starts, slow downstream service)',
      0.55,
      'dependency',
    ],
    ['A Lambda authorizer adds latency (no result caching)', 0.2, 'configuration'],
    ['Larger payloads or a traffic spike the backend cannot absorb', 0.15, 'capacity'],
  ],
  steps: (v) => [
    ...alarmSteps(v),
    'CloudWatch: Latency minus IntegrationLatency = time in API Gateway itself (authorizers, mapping); the rest is the backend',
    apiFind(v),
    'X-Ray traces on the stage (if enabled): which segment takes the time',
  ],
});

export const awsCloudFrontErrors = aws({
  id: 'aws-cloudfront-errors',
  title: 'CloudFront 5xx (or 4xx) error rate high',
  weight: 62,
  role: 'symptom',
  svc: 'cloudfront|cdn|distribution',
  metric: '5xx|4xx|errors?|50[234]|origin',
  text: /aws[._]cloudfront[._](?:5|4|total_?)?_?xx_?error_?rate|aws[._]cloudfront[._](?:50[234]|4\d\d)_?error_?rate/,
  summary: (v) =>
    `CloudFront distribution ${named(dim(v, 'DistributionId'))} returns ${has(v, /4xx/) ? '4xx' : '5xx'} errors to viewers (\`${alarmName(v)}\`).`,
  causes: (v): CauseSpec[] =>
    has(v, /4xx/)
      ? [
          [
            'Requests for missing objects or paths (404) after a release or cache invalidation',
            0.4,
            'deployment',
          ],
          [
            'Access denied (403): origin access control/bucket policy, signed URLs, geo restriction or WAF',
            0.4,
            'configuration',
          ],
        ]
      : [
          ['The origin returns 5xx (application errors, origin overloaded)', 0.45, 'dependency'],
          [
            'CloudFront cannot reach the origin or times out (504): security group, DNS, origin response timeout',
            0.3,
            'network',
          ],
          [
            'TLS handshake to the origin fails (502): certificate name/expiry or protocol mismatch',
            0.15,
            'configuration',
          ],
        ],
  steps: (v) => {
    const id = dim(v, 'DistributionId');
    return [
      ...alarmSteps(v),
      `aws cloudfront get-distribution-config --id ${id ? sh(id) : '<distribution-id>'}  # origins, timeouts, protocol policy`,
      'CloudWatch (us-east-1): enable additional metrics for 502/503/504ErrorRate and OriginLatency; or the standard logs’ x-edge-detailed-result-type',
      'Test the origin directly: curl -sv -o /dev/null https://<origin-domain>/<path>',
    ];
  },
});

// --- Kinesis -----------------------------------------------------------------------------------------------------

const streamName = (v: AlertView): string | undefined => dim(v, 'StreamName');
const streamArg = (v: AlertView): string => {
  const s = streamName(v);
  return s ? sh(s) : '<stream-name>';
};

export const awsKinesis = aws({
  id: 'aws-kinesis-stream',
  title: 'Kinesis stream consumers behind, or writes throttled',
  weight: 64,
  svc: 'kinesis|kds|datastream',
  metric: 'iterator|age|lag|behind|throttl|provisionedthroughput|exceed',
  names: [
    'GetRecords.IteratorAgeMilliseconds',
    'WriteProvisionedThroughputExceeded',
    'ReadProvisionedThroughputExceeded',
  ],
  own: 'getrecordsiteratorage|writeprovisionedthroughputexceeded|readprovisionedthroughputexceeded',
  text: /aws[._]kinesis[._](?:get_?records_?iterator_?age|write_?provisioned_?throughput_?exceeded|read_?provisioned_?throughput_?exceeded)/,
  summary: (v) =>
    has(v, /write|put/)
      ? `Kinesis stream ${named(streamName(v))} throttles writes (\`${alarmName(v)}\`): producers get ProvisionedThroughputExceeded and must retry or drop records.`
      : `Kinesis stream ${named(streamName(v))} is read late (\`${alarmName(v)}\`): consumers fall behind, and records older than the retention period are lost unread.`,
  causes: (v): CauseSpec[] =>
    has(v, /write|put/)
      ? [
          [
            'A shard’s write limit (1 MB/s or 1,000 records/s) exceeded: too few shards for the rate',
            0.45,
            'capacity',
          ],
          ['A hot partition key sends most records to one shard', 0.35, 'data'],
        ]
      : [
          [
            'Consumers too slow or failing (errors retrying a batch, a stuck KCL worker or Lambda)',
            0.45,
            'application',
          ],
          [
            'Read throughput exceeded: too many consumers sharing a shard’s 2 MB/s (use enhanced fan-out)',
            0.25,
            'capacity',
          ],
          ['More data than the consumers were scaled for (shards added, traffic spike)', 0.2, 'capacity'],
        ],
  steps: (v) => [
    ...alarmSteps(v),
    `aws kinesis describe-stream-summary --stream-name ${streamArg(v)}${rg(v)}  # OpenShardCount, StreamModeDetails, retention`,
    has(v, /write|put/)
      ? `aws kinesis update-shard-count --stream-name ${streamArg(v)} --target-shard-count <n> --scaling-type UNIFORM_SCALING${rg(v)}  # or switch to on-demand mode`
      : 'The consumer: Lambda (Errors, Throttles, IteratorAge of its event source mapping) or the KCL application’s logs and lease table',
  ],
});

// --- OpenSearch Service ------------------------------------------------------------------------------------------

const OS = 'opensearch|aoss|awses|amazones|open\\s?search';
const domainName = (v: AlertView): string | undefined => dim(v, 'DomainName');
const osRef = (v: AlertView): string => named(domainName(v));
const osDescribe = (v: AlertView): string => {
  const d = domainName(v);
  return `aws opensearch describe-domain --domain-name ${d ? sh(d) : '<domain-name>'}${rg(v)}  # instance types/counts, EBS, endpoint`;
};

export const awsOpenSearchHealth = aws({
  id: 'aws-opensearch-cluster-health',
  title: 'OpenSearch Service cluster red/yellow or writes blocked',
  weight: 76,
  role: 'cause',
  svc: OS,
  metric: 'red|yellow|status|health|writesblocked|writeblock|unassigned|shard',
  names: ['ClusterStatus.red', 'ClusterStatus.yellow', 'ClusterIndexWritesBlocked'],
  own: 'clusterstatus(?:red|yellow)|clusterindexwritesblocked',
  text: /aws[._]es[._](?:cluster_?status_?(?:red|yellow)|cluster_?index_?writes_?blocked)/,
  summary: (v) => {
    const red = has(v, /red/);
    const blocked = has(v, /writesblocked|writeblock/);
    return `OpenSearch domain ${osRef(v)} ${blocked ? 'blocks index writes' : red ? 'is red: at least one primary shard is unassigned — part of the data cannot be searched or written' : 'is yellow: replica shards are unassigned — one more node loss can lose data'} (\`${alarmName(v)}\`).`;
  },
  causes: (v): CauseSpec[] => {
    if (has(v, /writesblocked|writeblock/))
      return [
        [
          'Free storage below the limit: a node’s disk is nearly full (flood-stage watermark)',
          0.55,
          'resource-exhaustion',
        ],
        [
          'JVM memory pressure high enough that the domain protects itself by blocking writes',
          0.3,
          'resource-exhaustion',
        ],
      ];
    if (has(v, /red/))
      return [
        ['Data nodes failed or left the cluster (several at once)', 0.35, 'infrastructure'],
        ['High JVM memory pressure or CPU made nodes unresponsive', 0.25, 'resource-exhaustion'],
        ['Low disk space or disk skew: shards cannot be allocated', 0.2, 'resource-exhaustion'],
        ['A corrupt shard, or an index with no replicas lost its primary', 0.15, 'data'],
      ];
    return [
      [
        'Not enough data nodes for the replicas (replica count ≥ data nodes, or a single node lost)',
        0.35,
        'configuration',
      ],
      ['Disk watermark or disk skew prevents allocating replicas', 0.25, 'resource-exhaustion'],
      ['High JVM memory pressure', 0.2, 'resource-exhaustion'],
      ['A new index, or a blue/green deployment relocating shards (transient)', 0.15, 'deployment'],
    ];
  },
  steps: (v) => [
    ...alarmSteps(v),
    osDescribe(v),
    "curl -s 'https://<domain-endpoint>/_cat/shards?h=index,shard,prirep,state,unassigned.reason' | grep UNASSIGNED",
    "curl -s 'https://<domain-endpoint>/_cluster/allocation/explain?pretty'",
    "curl -s 'https://<domain-endpoint>/_cat/allocation?v'  # disk per node",
    'Or run the AWSSupport-TroubleshootOpenSearchRedYellowCluster runbook (Systems Manager → Automation)',
  ],
});

export const awsOpenSearchResources = aws({
  id: 'aws-opensearch-resources',
  title: 'OpenSearch Service JVM memory pressure, storage or CPU',
  weight: 66,
  svc: OS,
  metric: 'jvm|heap|memorypressure|storage|disk|space|cpu',
  names: ['JVMMemoryPressure', 'OldGenJVMMemoryPressure', 'MasterJVMMemoryPressure'],
  own: '(?:old(?:gen)?|master)?jvmmemorypressure',
  text: /aws[._]es[._](?:(?:old_?gen_?|master_?)?jvm_?memory_?pressure|free_?storage_?space|cpu_?utili[sz]ation)/,
  summary: (v) =>
    `OpenSearch domain ${osRef(v)} is short of ${has(v, /jvm|heap|memory/) ? 'JVM heap' : has(v, /storage|disk|space/) ? 'storage' : 'CPU'} (\`${alarmName(v)}\`).`,
  causes: (v): CauseSpec[] => {
    if (has(v, /jvm|heap|memory/))
      return [
        [
          'Too many shards for the heap (many small indices; unbalanced shard strategy)',
          0.35,
          'configuration',
        ],
        ['Heavy queries or aggregations (high-cardinality terms, large fielddata)', 0.3, 'application'],
        ['Instance type too small for the indexing and search load', 0.25, 'capacity'],
      ];
    if (has(v, /storage|disk|space/))
      return [
        ['Data growth without retention: old indices never deleted (no ISM policy)', 0.45, 'data'],
        ['Disk skew: shards unevenly spread, one node fills first', 0.25, 'configuration'],
        ['Too little EBS storage for the data plus replicas', 0.2, 'capacity'],
      ];
    return [
      ['Expensive searches or aggregations', 0.4, 'application'],
      ['Indexing load above what the data nodes handle (bulk size, refresh interval)', 0.3, 'capacity'],
      ['Too few or too small data nodes', 0.2, 'capacity'],
    ];
  },
  steps: (v) => [
    ...alarmSteps(v),
    osDescribe(v),
    "curl -s 'https://<domain-endpoint>/_cat/allocation?v'; curl -s 'https://<domain-endpoint>/_cat/indices?v&s=store.size:desc' | head -20",
    "curl -s 'https://<domain-endpoint>/_nodes/stats/jvm,breaker?pretty'  # heap and circuit breakers per node",
  ],
});

export const awsSignatures: Signature[] = [
  awsEc2StatusCheck,
  awsEc2CpuCredits,
  awsEbsVolume,
  awsOpenSearchHealth,
  awsOpenSearchResources,
  awsElasticacheMemory,
  awsElasticacheCpu,
  awsRdsStorage,
  awsRdsMemory,
  awsRdsReplicaLag,
  awsRdsDeadlocks,
  awsRdsConnections,
  awsRdsLatency,
  awsRdsCpu,
  awsElbUnhealthy,
  awsElbConnections,
  awsElb5xx,
  awsElbTarget5xx,
  awsElbLatency,
  awsKinesis,
  awsLambdaDlqErrors,
  awsLambdaThrottles,
  awsLambdaIteratorAge,
  awsLambdaDuration,
  awsLambdaErrors,
  awsSqsDlq,
  awsSqsBacklog,
  awsSnsFailed,
  awsDynamoThrottles,
  awsDynamoErrors,
  awsEcsTasks,
  awsEcsResources,
  awsApiGatewayErrors,
  awsApiGatewayLatency,
  awsCloudFrontErrors,
];
