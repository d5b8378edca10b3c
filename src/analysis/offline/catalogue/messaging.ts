/**
 * Message brokers: Kafka partitions, controller, log dirs and brokers (Strimzi, Confluent, kafka-exporter);
 * RabbitMQ nodes, partitions, memory/disk/file-descriptor alarms, connection churn, unroutable messages, queues
 * without consumers (rabbitmq-exporter, kbudde, the cluster operator's rules); NATS.
 */

import { domainOf } from '../domain.ts';
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, family, hostArg, q } from './family.ts';

const isRabbit = (v: AlertView): boolean => domainOf(v) === 'rabbitmq';
const rabbitCluster = (v: AlertView): string =>
  q(v.labels.rabbitmq_cluster ?? v.labels.cluster ?? v.instance ?? v.pod);
const rabbitctl = (v: AlertView, args: string): string =>
  v.pod ? `${kubectl(v.namespace)} exec ${sh(v.pod)} -- rabbitmqctl ${args}` : `rabbitmqctl ${args}`;
const rabbitDiag = (v: AlertView, args: string): string =>
  v.pod
    ? `${kubectl(v.namespace)} exec ${sh(v.pod)} -- rabbitmq-diagnostics ${args}`
    : `rabbitmq-diagnostics ${args}`;
const kafkaTopics = (args: string): string => `kafka-topics.sh --bootstrap-server <broker:9092> ${args}`;

export const kafkaPartitions: Signature = family({
  id: 'kafka-partitions',
  role: 'symptom',
  title: 'Kafka partitions under-replicated or offline',
  weight: 80,
  names: [
    'KafkaTopicsReplicas',
    'KafkaUnderReplicatedPartitions',
    'UnderReplicatedPartitions',
    'UnderReplicatedPartition',
    'KafkaOfflinePartitions',
    'OfflinePartitions',
    'KafkaUnderMinIsrPartitions',
    'UnderMinIsrPartitionCount',
    'KafkaOfflinePartitionsCount',
    'KafkaIsrShrinks',
    'KafkaOfflinePartitonCount',
    'KafkaUncleanLeaderElection',
  ],
  namePattern: /^kafka\w*(?:underreplicated|offlinepartition|isr|replicas)/,
  summary: (v) => {
    const offline = v.key.includes('offline');
    const minIsr = v.key.includes('minisr');
    return `Kafka${v.labels.topic ? ` topic \`${v.labels.topic}\`` : ''}${v.labels.strimzi_io_cluster ? ` (cluster \`${v.labels.strimzi_io_cluster}\`)` : ''}: ${v.key.includes('unclean') ? 'an out-of-sync replica was elected leader — messages may have been lost' : offline ? 'partitions have no leader — producers and consumers of them fail' : minIsr ? 'partitions are below min.insync.replicas — producers with acks=all are rejected' : 'partitions are under-replicated — one more broker failure can lose data or availability'} (\`${v.name}\`).`;
  },
  causes: (v): CauseSpec[] =>
    v.key.includes('unclean')
      ? [
          [
            'All in-sync replicas were lost and unclean leader election let an out-of-sync replica lead (messages lost)',
            0.6,
            'infrastructure',
          ],
          [
            'unclean.leader.election.enable is on for topics that cannot tolerate data loss',
            0.25,
            'configuration',
          ],
        ]
      : [
          [
            'A broker is down or restarting (crash, OOM, rolling restart), so its replicas dropped out of the ISR',
            0.45,
            'infrastructure',
          ],
          [
            'Followers cannot keep up: broker disk or network saturated, or replica fetcher threads too few',
            0.3,
            'capacity',
          ],
          v.key.includes('offline')
            ? [
                'All replicas of a partition are gone (unclean leader election disabled), or a log directory failed',
                0.2,
                'data',
              ]
            : ['A full or failed log directory on one broker', 0.15, 'resource-exhaustion'],
        ],
  steps: (v) => [
    kafkaTopics('--describe --under-replicated-partitions'),
    kafkaTopics('--describe --unavailable-partitions'),
    v.namespace
      ? `${kubectl(v.namespace)} get pods -o wide | grep -iE 'kafka'`
      : 'Check every broker is up: systemctl status kafka / the broker pods',
    'PromQL: sum by (instance) (kafka_server_replicamanager_underreplicatedpartitions), kafka_controller_kafkacontroller_offlinepartitionscount',
  ],
});

export const kafkaBroker: Signature = family({
  id: 'kafka-broker',
  title: 'Kafka broker/controller unhealthy',
  weight: 78,
  names: [
    'KafkaActiveController',
    'AbnormalControllerState',
    'KafkaNoActiveController',
    'KafkaRunningOutOfSpace',
    'KafkaBrokerDown',
    'KafkaBrokerContainersDown',
    'KafkaContainerRestartedInTheLast5Minutes',
  ],
  namePattern: /^kafka\w*(?:broker|controller|logdir|outofspace|down)/,
  summary: (v) =>
    `Kafka${v.labels.strimzi_io_cluster ? ` cluster \`${v.labels.strimzi_io_cluster}\`` : ''}: \`${v.name}\`${v.pod ? ` on \`${v.pod}\`` : v.instance ? ` on \`${v.instance}\`` : ''}.`,
  causes: (v) =>
    v.key.includes('controller')
      ? [
          [
            'No or several active controllers: ZooKeeper/KRaft quorum problems or a network partition',
            0.5,
            'infrastructure',
          ],
          ['Brokers restarting (rolling update, crash) during controller election', 0.3, 'deployment'],
        ]
      : v.key.includes('space') || v.key.includes('logdir')
        ? [
            ['Retention too long for the data rate: the log volume fills', 0.45, 'data'],
            ['A failed disk/log directory (I/O errors)', 0.35, 'infrastructure'],
          ]
        : [
            [
              'The broker process crashed or was OOM-killed (heap, page cache), or its host went away',
              0.45,
              'infrastructure',
            ],
            ['A rolling restart or upgrade is in progress', 0.3, 'deployment'],
          ],
  steps: (v) => [
    v.namespace
      ? `${kubectl(v.namespace)} get pods -o wide | grep -iE 'kafka|zookeeper'`
      : 'Check every broker process and its log (server.log)',
    'PromQL: sum(kafka_controller_kafkacontroller_activecontrollercount), kafka_log_logmanager_offlinelogdirectorycount',
    v.pod && `${kubectl(v.namespace)} exec ${sh(v.pod)} -- df -h /var/lib/kafka`,
  ],
});

export const rabbitNode: Signature = family({
  id: 'rabbitmq-node-cluster',
  title: 'RabbitMQ node down or cluster partitioned',
  weight: 82,
  names: [
    'RabbitmqNodeDown',
    'RabbitmqDown',
    'RabbitmqClusterDown',
    'RabbitmqClusterPartition',
    'RabbitmqNodeNotDistributed',
    'NoMajorityOfNodesReady',
    'InsufficientEstablishedErlangDistributionLinks',
    'RabbitmqInstancesDifferentVersions',
  ],
  namePattern: /^rabbit\w*(?:down|partition|cluster|distributed|node)/,
  // The cluster operator's own Deployment is not a RabbitMQ node.
  accepts: (v) => !v.key.includes('operator'),
  summary: (v) =>
    `RabbitMQ ${rabbitCluster(v)}: ${v.key.includes('partition') ? 'the cluster is partitioned — nodes disagree and queues may diverge' : v.key.includes('version') ? 'nodes run different versions' : 'nodes are down or not clustered — queues on them are unavailable'} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('version')
      ? [['A rolling upgrade is in progress or stopped half-way', 0.7, 'deployment']]
      : [
          [
            'Network problems between nodes (Erlang distribution port 25672, DNS of node names)',
            0.4,
            'network',
          ],
          ['A node crashed or was OOM-killed, or its pod/host went away', 0.4, 'infrastructure'],
          ['A memory or disk alarm stalled the node', 0.15, 'resource-exhaustion'],
        ],
  steps: (v) => [
    rabbitDiag(v, 'cluster_status'),
    rabbitDiag(v, 'check_running'),
    rabbitDiag(v, 'alarms'),
    v.namespace
      ? `${kubectl(v.namespace)} get pods -o wide | grep -i rabbit`
      : 'Check each node\'s log for "partial partition" / "node down"',
  ],
});

export const rabbitAlarm: Signature = family({
  id: 'rabbitmq-resource-alarm',
  title: 'RabbitMQ memory/disk/file-descriptor alarm: publishers blocked',
  weight: 84,
  names: [
    'RabbitmqMemoryHigh',
    'RabbitmqOutOfMemory',
    'RabbitMQMemoryAlarm',
    'RabbitMQDiskSpaceAlarm',
    'RabbitMQFileDescriptorAlarm',
    'RabbitmqFileDescriptorsUsage',
    'LowDiskWatermarkPredicted',
    'TCPSocketsRunningOut',
    'RabbitmqDiskSpaceLow',
    'MemoryAlarm',
    'RabbitmqDiskAlarm',
  ],
  namePattern: /^rabbit\w*(?:memory|disk|alarm|socket)|filedescriptor/,
  // The cluster operator's `FileDescriptorsNearLimit` has no prefix: its labels say RabbitMQ.
  textPattern: /rabbitmq_alarms_|rabbitmq_process_open_fds|rabbitmq_disk_space_available/,
  accepts: isRabbit,
  summary: (v) => {
    const what = v.key.includes('disk')
      ? 'disk'
      : v.key.includes('file') || v.key.includes('socket')
        ? 'file descriptor/socket'
        : 'memory';
    return `RabbitMQ ${rabbitCluster(v)} is at or near its ${what} limit: when the alarm is raised RabbitMQ blocks every publishing connection until it clears.`;
  },
  causes: (v) =>
    v.key.includes('file') || v.key.includes('socket')
      ? [
          ['Too many client connections/channels (connection leak, churn)', 0.5, 'application'],
          ['The open-file limit (ulimit -n) is too low for the node', 0.3, 'configuration'],
        ]
      : [
          ['Messages pile up in queues because consumers are slow or absent', 0.45, 'application'],
          [
            `The ${v.key.includes('disk') ? 'disk_free_limit or the volume' : 'vm_memory_high_watermark or the memory limit'} is too small for the load`,
            0.3,
            'capacity',
          ],
          ['Many connections/channels or large messages use the memory', 0.15, 'application'],
        ],
  steps: (v) => [
    rabbitDiag(v, 'alarms'),
    rabbitDiag(v, 'memory_breakdown --unit mb'),
    rabbitctl(v, 'list_queues name messages consumers memory --sort-by messages | tail -15'),
    'PromQL: rabbitmq_alarms_memory_used_watermark, rabbitmq_alarms_free_disk_space_watermark, rabbitmq_process_resident_memory_bytes / rabbitmq_resident_memory_limit_bytes',
  ],
});

export const rabbitConnections: Signature = family({
  id: 'rabbitmq-connections',
  title: 'RabbitMQ connection churn or too many connections',
  weight: 60,
  names: [
    'HighConnectionChurn',
    'RabbitmqTooManyConnections',
    'RabbitmqHighConnectionChurn',
    'RabbitmqTooManyChannels',
  ],
  namePattern: /^rabbit\w*(?:connection|channel|churn)/,
  accepts: isRabbit,
  summary: (v) =>
    `RabbitMQ ${rabbitCluster(v)}: ${v.key.includes('churn') ? 'connections are opened and closed at a high rate' : 'too many client connections'} — each connection costs memory and CPU on the broker.`,
  causes: [
    [
      'Clients open a connection per message/request instead of reusing long-lived connections',
      0.5,
      'application',
    ],
    ['Clients crash-loop or reconnect in a loop (auth failure, heartbeat timeouts)', 0.3, 'application'],
  ],
  steps: (v) => [
    rabbitctl(v, 'list_connections name user client_properties connected_at | head -30'),
    'PromQL: sum(rate(rabbitmq_connections_opened_total[5m])), sum(rate(rabbitmq_connections_closed_total[5m]))',
    'Find the client (client_properties / source address) and make it pool connections',
  ],
});

export const rabbitRouting: Signature = family({
  id: 'rabbitmq-routing-consumers',
  title: 'RabbitMQ messages unroutable or queues without consumers',
  weight: 52,
  names: [
    'UnroutableMessages',
    'RabbitmqUnroutableMessages',
    'RabbitmqNoQueueConsumer',
    'RabbitmqUnactiveExchange',
    'RabbitmqDeadLetterQueueFillingUp',
    'RabbitmqTooManyReadyMessages',
    'RabbitmqSlowQueueConsuming',
    'RabbitmqTooManyConsumers',
  ],
  accepts: isRabbit,
  summary: (v) =>
    `RabbitMQ ${rabbitCluster(v)}${v.labels.queue ? `, queue \`${v.labels.queue}\`` : ''}${v.labels.exchange ? `, exchange \`${v.labels.exchange}\`` : ''}: \`${v.name}\`.`,
  causes: (v) =>
    v.key.includes('unroutable') || v.key.includes('exchange')
      ? [
          [
            'Publishers send to an exchange with no binding for the routing key (queue deleted, binding or key changed)',
            0.6,
            'configuration',
          ],
          ['A consumer that declares its queue/bindings is not running', 0.25, 'application'],
        ]
      : v.key.includes('deadletter')
        ? [
            [
              'Consumers reject messages (poison messages, a bug) so they are dead-lettered',
              0.55,
              'application',
            ],
          ]
        : [
            ['The consumers of the queue are down, crashing or stuck', 0.5, 'application'],
            ['Consumers cannot keep up (prefetch, too few replicas)', 0.3, 'capacity'],
          ],
  steps: (v) => [
    rabbitctl(
      v,
      `list_queues name messages_ready messages_unacknowledged consumers${v.labels.queue ? ` | grep ${sh(v.labels.queue)}` : ''}`,
    ),
    rabbitctl(
      v,
      `list_bindings source_name destination_name routing_key${v.labels.exchange ? ` | grep ${sh(v.labels.exchange)}` : ''}`,
    ),
    'PromQL: sum(rate(rabbitmq_channel_messages_unroutable_dropped_total[5m])) + sum(rate(rabbitmq_channel_messages_unroutable_returned_total[5m]))',
  ],
});

export const nats: Signature = family({
  id: 'nats',
  title: 'NATS server unhealthy (slow consumers, limits, JetStream)',
  weight: 56,
  names: [
    'NatsServerDown',
    'NatsSlowConsumers',
    'NatsHighPendingBytes',
    'NatsHighConnectionCount',
    'NatsHighMemoryUsage',
    'NatsHighJetstreamStoreUsage',
    'NatsHighJetstreamMemoryUsage',
    'NatsJetstreamConsumersExceeded',
    'NatsHighRoutesCount',
    'NatsHighSubscriptionsCount',
    'NatsMaxPayloadSizeExceeded',
  ],
  namePattern: /^nats/,
  summary: (v) => `NATS ${q(v.labels.server_id ?? v.instance ?? v.pod)}: \`${v.name}\`.`,
  causes: (v) =>
    v.key.includes('slowconsumer') || v.key.includes('pending')
      ? [
          [
            'Subscribers read slower than messages arrive: NATS drops them as slow consumers',
            0.5,
            'application',
          ],
          ['Network or CPU saturation on the subscriber side', 0.25, 'capacity'],
        ]
      : v.key.includes('jetstream')
        ? [
            [
              'Stream retention/limits too generous for the storage reserved (max_file_store/max_mem)',
              0.5,
              'capacity',
            ],
            ['Consumers not acknowledging, so messages are kept', 0.3, 'application'],
          ]
        : v.key.includes('down')
          ? [
              ['The nats-server process or its pod is down', 0.55, 'infrastructure'],
              ['Cluster routes broken (network, TLS)', 0.25, 'network'],
            ]
          : [
              ['Clients open too many connections/subscriptions (leak, no reuse)', 0.45, 'application'],
              ['The server is undersized for the load', 0.3, 'capacity'],
            ],
  steps: (v) => [
    `curl -s ${sh(`http://${hostArg(v)}:8222/varz`)} | grep -E '"(connections|slow_consumers|mem|cpu)"'`,
    `curl -s ${sh(`http://${hostArg(v)}:8222/connz?sort=pending_bytes&limit=10`)}`,
    `curl -s ${sh(`http://${hostArg(v)}:8222/jsz`)}`,
    `PromQL: gnatsd_varz_slow_consumers${sel({ instance: v.instance })}`,
  ],
});

export const zookeeper: Signature = family({
  id: 'zookeeper',
  title: 'ZooKeeper down, without a leader, slow or out of disk',
  weight: 76,
  names: [
    'ZookeeperDown',
    'ZookeeperMissingLeader',
    'ZookeeperTooManyLeaders',
    'ZookeeperNotOk',
    'AvgRequestLatency',
    'OutstandingRequests',
    'ZookeeperRunningOutOfSpace',
    'ZookeeperContainerRestartedInTheLast5Minutes',
    'ZookeeperContainersDown',
  ],
  namePattern: /^zookeeper/,
  summary: (v) =>
    `ZooKeeper ${q(v.labels.kubernetes_pod_name ?? v.pod ?? v.instance)}: \`${v.name}\` — Kafka, ClickHouse, Solr and other clients that keep their metadata in it stall or lose their sessions.`,
  causes: (v): CauseSpec[] => {
    const k = v.key;
    if (k.includes('latency') || k.includes('outstanding'))
      return [
        [
          'Slow fsync of the transaction log: the data directory shares a busy or slow disk',
          0.45,
          'capacity',
        ],
        ['Too many clients, watches or large znodes load the ensemble', 0.3, 'application'],
        ['Long JVM garbage-collection pauses (heap too small)', 0.2, 'capacity'],
      ];
    if (k.includes('space'))
      return [
        [
          'Old snapshots and transaction logs are not purged (autopurge.purgeInterval = 0)',
          0.55,
          'configuration',
        ],
        ['The data volume is too small for the snapshot size', 0.3, 'capacity'],
      ];
    if (k.includes('toomanyleaders'))
      return [
        [
          'A network partition split the ensemble, or members run with different server lists',
          0.55,
          'network',
        ],
        ['A misconfigured ensemble after scaling (myid / server.N entries)', 0.3, 'configuration'],
      ];
    return [
      [
        'A majority of ensemble members are down or cannot reach each other, so quorum is lost',
        0.4,
        'infrastructure',
      ],
      [
        'The ZooKeeper process crashes: JVM out of memory, or a full disk for snapshots/logs',
        0.35,
        'resource-exhaustion',
      ],
      ['A misconfigured ensemble (server list, myid, TLS) after a change or scaling', 0.15, 'configuration'],
    ];
  },
  steps: (v) => [
    `echo srvr | nc -w2 ${sh(hostArg(v))} 2181  # Mode: leader/follower, latency, outstanding`,
    `echo mntr | nc -w2 ${sh(hostArg(v))} 2181 | grep -E 'zk_server_state|zk_avg_latency|zk_outstanding_requests|zk_znode_count|zk_watch_count|zk_synced_followers'  # mntr must be in 4lw.commands.whitelist`,
    v.namespace
      ? `${kubectl(v.namespace)} get pods -o wide | grep -i zookeeper`
      : 'Check each member\'s log for "Exception causing close" / "fsync-ing the write ahead log took"',
  ],
});

export const kafkaTopicFlow: Signature = family({
  id: 'kafka-topic-offsets',
  title: 'Kafka topic offset went backwards',
  weight: 44,
  names: ['KafkaTopicOffsetDecreased'],
  summary: (v) =>
    `Kafka topic ${q(v.labels.topic)}${v.labels.partition ? `, partition ${v.labels.partition}` : ''}: the log end offset went backwards — consumers' committed offsets now point past the end of the log.`,
  causes: [
    ['The topic was deleted and re-created, so offsets restarted from zero', 0.45, 'data'],
    ['Unclean leader election: an out-of-sync replica became leader and the log was truncated', 0.35, 'data'],
  ],
  steps: (v) => [
    kafkaTopics(`--describe --topic ${sh(v.labels.topic ?? '<topic>')}`),
    `kafka-get-offsets.sh --bootstrap-server <broker:9092> --topic ${sh(v.labels.topic ?? '<topic>')}`,
    `PromQL: kafka_topic_partition_current_offset${sel({ topic: v.labels.topic })}`,
  ],
});

export const pulsar: Signature = family({
  id: 'pulsar-bookies',
  title: 'Pulsar bookies read-only, ledger disks full or writes slow',
  weight: 56,
  names: ['PulsarHighWriteLatency', 'PulsarHighLedgerDiskUsage', 'PulsarReadOnlyBookies'],
  namePattern: /^pulsar\w*(?:bookie|ledger)/,
  summary: (v) =>
    `Pulsar${v.labels.topic ? ` topic \`${v.labels.topic}\`` : v.pod ? ` \`${v.pod}\`` : ''}: \`${v.name}\` — ${v.key.includes('latency') ? 'bookie writes are slow, so producers see high publish latency' : 'a read-only bookie takes no new entries, so writes slow down or fail once too few writable bookies remain'}.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('latency')
      ? [
          [
            'Slow journal or ledger disks on the bookies (journal not on a dedicated fast disk)',
            0.45,
            'capacity',
          ],
          [
            'Bookie ledger disks are filling, so bookies turn read-only and the rest carry the writes',
            0.3,
            'resource-exhaustion',
          ],
          ['Long JVM garbage-collection pauses on brokers or bookies', 0.15, 'capacity'],
        ]
      : [
          [
            'Bookie ledger disks are filling (retention/backlog too large): past diskUsageThreshold the bookie turns read-only',
            0.5,
            'resource-exhaustion',
          ],
          ['Slow journal or ledger disks on the bookies', 0.3, 'capacity'],
          ['Too few writable bookies for the ensemble and write quorum', 0.15, 'infrastructure'],
        ],
  steps: (v) => [
    'bookkeeper shell listbookies -rw; bookkeeper shell listbookies -ro',
    v.pod
      ? `${kubectl(v.namespace)} exec ${sh(v.pod)} -- df -h`
      : 'df -h on each bookie (ledger and journal directories)',
    v.labels.topic
      ? `pulsar-admin topics stats ${sh(v.labels.topic)}`
      : 'pulsar-admin topics stats <topic>  # backlog kept',
  ],
});

export const messagingSignatures: Signature[] = [
  kafkaPartitions,
  kafkaBroker,
  rabbitAlarm,
  rabbitConnections,
  rabbitNode,
  rabbitRouting,
  nats,
  zookeeper,
  kafkaTopicFlow,
  pulsar,
];
