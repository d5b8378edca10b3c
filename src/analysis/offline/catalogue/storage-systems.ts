/**
 * Storage systems and backups: Ceph (ceph-mixin, Rook, OpenShift Data Foundation runbooks) — OSDs, monitors,
 * capacity, placement groups, slow ops, failing devices, CephFS/MDS, mgr and cephadm; MinIO; ZFS; OpenEBS
 * LVM LocalPV; Longhorn; Velero backups.
 */

import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, family, hostArg, q } from './family.ts';

/** Rook and ODF run Ceph in a namespace like `rook-ceph` or `openshift-storage`; elsewhere it is cephadm/bare metal. */
const ROOK_NAMESPACE = /rook|openshift-storage/;
const rookNs = (v: AlertView): string | undefined =>
  v.namespace && ROOK_NAMESPACE.test(v.namespace) ? v.namespace : undefined;

/** A Ceph CLI command (`ceph …`, `rados …`) run where the alert lives: the Rook/ODF toolbox on Kubernetes. */
const tool = (v: AlertView, command: string): string => {
  const ns = rookNs(v);
  return ns ? `${kubectl(ns)} exec deploy/rook-ceph-tools -- ${command}` : command;
};
const ceph = (v: AlertView, args: string): string => tool(v, `ceph ${args}`);
const cephWho = (v: AlertView): string =>
  q(v.labels.ceph_daemon ?? v.labels.name ?? v.labels.hostname ?? v.labels.instance ?? v.labels.namespace);
const daemonPods = (v: AlertView, app: string): string | false =>
  Boolean(rookNs(v)) && `${kubectl(rookNs(v))} get pods -l app=${app} -o wide`;

export const cephOsdDown: Signature = family({
  id: 'ceph-osd-down',
  title: 'Ceph OSDs down, flapping or missing heartbeats',
  weight: 80,
  role: 'cause',
  names: [
    'CephOsdDown',
    'CephOSDDownHigh',
    'CephOSDHostDown',
    'CephOSDFlapping',
    'CephOSDDiskNotResponding',
    'CephOSDDiskUnavailable',
    'CephNodeDown',
    'CephOSDTimeoutsPublicNetwork',
    'CephOSDTimeoutsClusterNetwork',
  ],
  summary: (v) =>
    `Ceph OSD ${cephWho(v)}${v.labels.hostname ? ` on \`${v.labels.hostname}\`` : ''}: \`${v.name}\` — its placement groups run degraded; with more OSDs down, I/O to them blocks.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('flapping') || v.key.includes('timeouts'))
      return [
        [
          'Network problems on the Ceph public or cluster network (latency, packet loss, MTU mismatch) delay OSD heartbeats',
          0.55,
          'network',
        ],
        ['The OSD host is overloaded (CPU, memory, swapping) and misses heartbeats', 0.25, 'capacity'],
        ['A failing disk makes the OSD stall and be marked down by its peers', 0.15, 'infrastructure'],
      ];
    if (v.key.includes('disknotresponding') || v.key.includes('diskunavailable'))
      return [
        [
          'A network problem between the OSD host and the rest of the cluster makes the device look unresponsive',
          0.4,
          'network',
        ],
        ['The disk device failed or hangs (I/O errors, timeouts in dmesg)', 0.35, 'infrastructure'],
        ['The OSD pod is down or crash-looping on that host', 0.2, 'infrastructure'],
      ];
    if (v.key.includes('hostdown') || v.key.includes('nodedown'))
      return [
        [
          'The OSD host (Kubernetes node) is down: power, kernel panic, NotReady kubelet',
          0.55,
          'infrastructure',
        ],
        ['The host lost its network link to the rest of the cluster', 0.3, 'network'],
      ];
    return [
      [
        'The disk behind the OSD failed or stopped responding (I/O errors in dmesg, device gone)',
        0.4,
        'infrastructure',
      ],
      [
        'The ceph-osd daemon or its pod is down: crashed, OOM-killed, or its node went away',
        0.35,
        'infrastructure',
      ],
      ['A network partition keeps the OSD from reaching its peers and the monitors', 0.15, 'network'],
    ];
  },
  steps: (v) => [
    ceph(v, 'osd tree down'),
    ceph(v, 'health detail'),
    daemonPods(v, 'rook-ceph-osd'),
    v.labels.hostname &&
      `ssh ${sh(v.labels.hostname)} 'dmesg -T | grep -iE "i/o error|blk_update|medium error" | tail'`,
    (v.key.includes('timeouts') || v.key.includes('flapping')) &&
      'PromQL: topk(10, rate(node_network_receive_drop_total[5m]) + rate(node_network_receive_errs_total[5m]))  # hosts dropping packets',
    (v.key.includes('timeouts') || v.key.includes('flapping')) &&
      'PromQL: count_values("mtu", node_network_mtu_bytes{device!~"lo|veth.*"})  # more than one MTU = mismatch',
  ],
});

export const cephCapacity: Signature = family({
  id: 'ceph-capacity',
  title: 'Ceph OSDs, pools or cluster (nearly) full',
  weight: 78,
  role: 'cause',
  names: [
    'CephOsdLowSpace',
    'CephOSDNearFull',
    'CephOSDFull',
    'CephOSDBackfillFull',
    'CephOSDCriticallyFull',
    'CephPoolFull',
    'CephPoolNearFull',
    'CephPoolBackfillFull',
    'CephPoolGrowthWarning',
    'CephClusterNearFull',
    'CephClusterCriticallyFull',
    'CephClusterReadOnly',
    'CephPgBackfillFull',
    'CephPGBackfillAtRisk',
    'CephPGRecoveryAtRisk',
    'CephPoolQuotaBytesNearExhaustion',
    'CephPoolQuotaBytesCriticallyExhausted',
    'CephPGImbalance',
    'CephOsdReweighted',
  ],
  summary: (v) =>
    `Ceph ${v.key.includes('pool') ? `pool ${q(v.labels.name ?? v.labels.pool)}` : v.key.includes('cluster') ? 'cluster' : `OSD ${cephWho(v)}`}: \`${v.name}\` — past the full ratio (or quota) Ceph blocks writes, and recovery/backfill stops.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('quota'))
      return [
        ["The pool's quota (max_bytes) is too low for the data written to it", 0.55, 'configuration'],
        ['Data growth in the pool: old images, snapshots or objects never deleted', 0.3, 'data'],
      ];
    if (v.key.includes('imbalance') || v.key.includes('reweight'))
      return [
        [
          'Data is unevenly distributed: the balancer is off, or CRUSH weights/reweights are skewed',
          0.5,
          'configuration',
        ],
        ['OSDs of different sizes in one failure domain, or too few PGs per pool', 0.3, 'configuration'],
      ];
    return [
      [
        'Data has grown to the raw capacity of the cluster: it needs more OSDs or data deleted',
        0.4,
        'capacity',
      ],
      [
        'Uneven distribution (balancer off, skewed CRUSH weights, too few PGs) fills some OSDs first',
        0.3,
        'configuration',
      ],
      ['OSDs are down/out, so their data was re-replicated onto the remaining OSDs', 0.2, 'infrastructure'],
    ];
  },
  steps: (v) => [
    ceph(v, 'df detail'),
    ceph(v, 'osd df tree'),
    ceph(v, 'balancer status'),
    v.key.includes('quota') &&
      ceph(v, `osd pool get-quota ${sh(v.labels.name ?? v.labels.pool ?? '<pool>')}`),
    'Add OSDs (or delete data) before raising full_ratio; raising ratios only buys time',
  ],
});

export const cephMon: Signature = family({
  id: 'ceph-monitor',
  title: 'Ceph monitors down, out of quorum, low on space or clock-skewed',
  weight: 82,
  names: [
    'CephMonDown',
    'CephMonDownQuorumAtRisk',
    'CephMonQuorumAtRisk',
    'CephMonQuorumLost',
    'CephMonLowNumber',
    'CephMonHighNumberOfLeaderChanges',
    'CephMonDiskspaceCritical',
    'CephMonDiskspaceLow',
    'CephMonitorLowSpace',
    'CephMonClockSkew',
    'CephMonitorClockSkew',
  ],
  summary: (v) =>
    `Ceph monitor ${cephWho(v)}: \`${v.name}\` — without a majority of monitors in quorum the whole cluster stops serving I/O.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('clockskew'))
      return [
        ['NTP/chrony is not running or not synchronised on a monitor host', 0.6, 'infrastructure'],
        ['The host or VM clock drifts (hypervisor pauses, bad hardware clock)', 0.25, 'infrastructure'],
      ];
    if (v.key.includes('space'))
      return [
        [
          "Other files fill the monitor's filesystem (logs in /var/log, old rotated logs, /var/lib/rook on the node)",
          0.45,
          'resource-exhaustion',
        ],
        [
          'The monitor store (store.db) grows because the cluster has been unhealthy and old maps are kept',
          0.3,
          'data',
        ],
        ["The monitor's volume is too small", 0.2, 'capacity'],
      ];
    if (v.key.includes('leaderchanges'))
      return [
        [
          'Slow disk under the monitor store or an overloaded monitor host delays the monitors',
          0.45,
          'capacity',
        ],
        ['Network flaps or latency between monitors trigger elections', 0.4, 'network'],
      ];
    if (v.key.includes('lownumber'))
      return [
        [
          'Fewer monitors configured than the cluster size warrants (e.g. 3 where 5 fit the failure domains)',
          0.6,
          'configuration',
        ],
      ];
    return [
      [
        'A monitor daemon or its pod/host is down (node failure, eviction, OOM, crash)',
        0.45,
        'infrastructure',
      ],
      ['Network problems between the monitors (ports 3300/6789) break quorum', 0.3, 'network'],
      ["A monitor's store disk is full or corrupted, so it cannot start", 0.15, 'resource-exhaustion'],
    ];
  },
  steps: (v) => [
    ceph(v, 'quorum_status -f json-pretty | grep -A5 quorum_names'),
    ceph(v, 'health detail'),
    v.key.includes('clockskew') ? ceph(v, 'time-sync-status') : daemonPods(v, 'rook-ceph-mon'),
    v.key.includes('space') &&
      'On the monitor host: du -sh /var/lib/ceph/mon-*/store.db /var/lib/rook/mon-*/data/store.db /var/log  (never delete *.sst files)',
  ],
});

export const cephPgs: Signature = family({
  id: 'ceph-placement-groups',
  title: 'Ceph placement groups inactive, damaged, unclean or not scrubbed',
  weight: 76,
  names: [
    'CephPgDown',
    'CephPgIncomplete',
    'CephPgInconsistent',
    'CephPgActivationLong',
    'CephPgUnavailable',
    'CephPGsInactive',
    'CephPGsUnclean',
    'CephPGsDamaged',
    'CephPGUnavilableBlockingIO',
    'CephPGUnavailableBlockingIO',
    'CephPGNotScrubbed',
    'CephPGNotDeepScrubbed',
    'CephPGsHighPerOSD',
    'CephObjectMissing',
    'CephDataRecoveryTakingTooLong',
    'CephPgRepairTakingTooLong',
  ],
  summary: (v) =>
    `Ceph placement groups${v.labels.name ? ` in pool \`${v.labels.name}\`` : ''}: \`${v.name}\` — ${/inconsistent|damaged|repair|missing/.test(v.key) ? 'replicas disagree or objects are missing' : /scrub|highperosd/.test(v.key) ? 'maintenance of the PGs is behind' : 'some data cannot be read or written until they recover'}.`,
  causes: (v): CauseSpec[] => {
    if (/inconsistent|damaged|repair|objectmissing/.test(v.key))
      return [
        [
          'A failing disk returned bad data: scrub found replicas that differ (check the OSD for read errors)',
          0.5,
          'infrastructure',
        ],
        ['An unclean shutdown or a Ceph bug left an object inconsistent or unfound', 0.3, 'data'],
      ];
    if (v.key.includes('notscrubbed') || v.key.includes('notdeepscrubbed'))
      return [
        [
          'The scrub window or osd_scrub/deep_scrub intervals are too tight for the amount of data',
          0.45,
          'configuration',
        ],
        ['PGs were busy recovering/backfilling (not clean), so scrubs were deferred', 0.35, 'capacity'],
      ];
    if (v.key.includes('highperosd'))
      return [
        ['pg_num set too high for the number of OSDs, or the pg_autoscaler is off', 0.55, 'configuration'],
        ['OSDs were removed, so fewer OSDs carry the same PGs', 0.3, 'infrastructure'],
      ];
    if (v.key.includes('recovery') || v.key.includes('unclean'))
      return [
        [
          'OSDs are down or flapping, or network problems between OSDs, so recovery stalls',
          0.4,
          'infrastructure',
        ],
        ['Disks are saturated (near 100% busy) by rebalancing plus client I/O', 0.3, 'capacity'],
        [
          'A very large object count, or recovery throttled (osd_max_backfills, osd_max_push_objects)',
          0.2,
          'configuration',
        ],
      ];
    return [
      ['Too many OSDs holding these PGs are down: the acting set is below min_size', 0.5, 'infrastructure'],
      ['OSDs are too full for recovery/backfill (backfill_toofull)', 0.2, 'capacity'],
      ['A CRUSH rule cannot place the replicas (too few hosts/failure domains)', 0.2, 'configuration'],
    ];
  },
  steps: (v) => [
    ceph(v, 'health detail'),
    ceph(v, 'pg dump_stuck inactive unclean | head -20'),
    /inconsistent|damaged|repair/.test(v.key) ? ceph(v, 'pg ls inconsistent') : ceph(v, 'osd tree down'),
    /inconsistent|damaged|repair/.test(v.key) &&
      tool(v, `rados list-inconsistent-pg ${sh(v.labels.name ?? '<pool>')}`),
    'Query one stuck PG for the reason: ceph pg <pgid> query | grep -A5 recovery_state',
  ],
});

export const cephHealth: Signature = family({
  id: 'ceph-health',
  title: 'Ceph cluster in HEALTH_WARN / HEALTH_ERR',
  weight: 60,
  role: 'symptom',
  names: [
    'CephState',
    'CephHealthError',
    'CephHealthWarning',
    'CephClusterErrorState',
    'CephClusterWarningState',
  ],
  summary: (v) =>
    `Ceph cluster${v.namespace ? ` in \`${v.namespace}\`` : ''} is ${v.key.includes('error') ? 'in HEALTH_ERR' : v.key.includes('warn') ? 'in HEALTH_WARN' : 'unhealthy'} (\`${v.name}\`): \`ceph health detail\` names the failing checks.`,
  causes: [
    ['OSDs are down or out (disk or host failure), leaving PGs degraded', 0.4, 'infrastructure'],
    ['OSDs or pools are near full', 0.25, 'capacity'],
    [
      'A daemon or mgr module crashed recently and the crash is not archived (RECENT_CRASH)',
      0.15,
      'application',
    ],
    ['Monitor clock skew or a monitor down', 0.1, 'infrastructure'],
  ],
  steps: (v) => [ceph(v, 'health detail'), ceph(v, 'status'), ceph(v, 'crash ls-new')],
});

export const cephSlowOps: Signature = family({
  id: 'ceph-slow-ops',
  title: 'Ceph slow OSD operations / high OSD latency',
  weight: 66,
  names: [
    'CephSlowOps',
    'CephOSDSlowOps',
    'CephHighOsdLatency',
    'ODFRBDClientBlocked',
    'CephXattrSetLatency',
  ],
  summary: (v) =>
    `Ceph ${cephWho(v)}: OSD requests take too long (\`${v.name}\`) — clients (RBD volumes, CephFS, RGW) see I/O stalls.`,
  causes: [
    ['A slow or failing OSD disk (high commit/apply latency on one device)', 0.4, 'infrastructure'],
    ['Network latency or packet loss between OSDs', 0.3, 'network'],
    ['The cluster is saturated by recovery/backfill or client load', 0.2, 'capacity'],
  ],
  steps: (v) => [
    ceph(v, 'health detail | grep -i slow'),
    ceph(v, 'osd perf | sort -k3 -n | tail'),
    `PromQL: topk(5, ceph_osd_apply_latency_ms), topk(5, ceph_osd_commit_latency_ms)`,
    'On the slow OSD: ceph daemon osd.<id> dump_historic_ops (the op that waited and where)',
  ],
});

export const cephDevices: Signature = family({
  id: 'ceph-device-failing',
  title: 'Ceph device predicted to fail or returning read errors',
  weight: 72,
  role: 'cause',
  names: [
    'CephDeviceFailurePredicted',
    'CephDeviceFailurePredictionTooHigh',
    'CephDeviceFailureRelocationIncomplete',
    'CephOSDTooManyRepairs',
    'CephOSDReadErrors',
    'CephOSDInternalDiskSizeMismatch',
  ],
  summary: (v) =>
    `Ceph OSD ${cephWho(v)}: \`${v.name}\` — a device under it is failing or inconsistent; data on it must be moved before it dies.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('relocationincomplete') || v.key.includes('toohigh')
      ? [
          [
            'Not enough free capacity to move the data off the failing devices (or too many fail at once)',
            0.55,
            'capacity',
          ],
          ['The drives themselves are wearing out (SMART errors)', 0.35, 'infrastructure'],
        ]
      : v.key.includes('sizemismatch')
        ? [
            [
              'The device was resized or replaced under the OSD; BlueStore metadata no longer matches',
              0.6,
              'configuration',
            ],
          ]
        : [
            ['The drive is wearing out or failing (SMART errors, media errors)', 0.6, 'infrastructure'],
            ['A controller, cable or kernel problem causes the read errors', 0.25, 'infrastructure'],
          ],
  steps: (v) => [
    ceph(v, 'device ls'),
    ceph(v, 'health detail'),
    v.labels.hostname && `ssh ${sh(v.labels.hostname)} 'sudo smartctl -a /dev/<device>'`,
    'Mark the OSD out, let it drain, then replace the device and redeploy the OSD',
  ],
});

export const cephFs: Signature = family({
  id: 'cephfs-mds',
  title: 'CephFS degraded, offline or damaged (MDS)',
  weight: 74,
  names: [
    'CephFilesystemDamaged',
    'CephFilesystemOffline',
    'CephFilesystemDegraded',
    'CephFilesystemMDSRanksLow',
    'CephFilesystemInsufficientStandby',
    'CephFilesystemFailureNoStandby',
    'CephFilesystemReadOnly',
    'CephMdsMissingReplicas',
    'CephMdsCacheUsageHigh',
    'CephMdsCpuUsageHigh',
    'CephMdsCPUUsageHighNeedsVerticalScaling',
    'CephMdsCPUUsageHighNeedsHorizontalScaling',
  ],
  summary: (v) =>
    `CephFS${v.labels.fs_name ? ` \`${v.labels.fs_name}\`` : ''}: \`${v.name}\` — ${/damaged|readonly/.test(v.key) ? 'metadata cannot be written, clients see errors' : /cache|cpu/.test(v.key) ? 'the metadata server is saturated, file operations slow down' : 'metadata servers are missing, so the filesystem is partly or fully unavailable'}.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('damaged') || v.key.includes('readonly'))
      return [
        [
          'Writes to the metadata pool fail: the pool or its OSDs are full, or OSDs are failing',
          0.45,
          'resource-exhaustion',
        ],
        ['The MDS detected metadata corruption (damage table entries)', 0.35, 'data'],
      ];
    if (v.key.includes('cpu'))
      return [
        [
          'Metadata operations exceed the MDS CPU allocation (2-3 CPUs by default): give it more CPU or more active MDS',
          0.55,
          'capacity',
        ],
        [
          'Clients run many metadata operations (creates, renames, deletes, recursive scans)',
          0.3,
          'application',
        ],
      ];
    if (v.key.includes('cache'))
      return [
        [
          'Many clients access files and return capabilities slowly, so the MDS cannot trim its cache',
          0.45,
          'application',
        ],
        [
          'mds_cache_memory_limit (half the MDS pod memory in ODF/Rook) is too small: 8 GB is recommended',
          0.4,
          'capacity',
        ],
      ];
    return [
      ['MDS daemons crashed or their pods are down (OOM, node failure)', 0.5, 'infrastructure'],
      ['Too few MDS daemons deployed for max_mds plus standby_count_wanted', 0.3, 'configuration'],
      ['The metadata pool is unavailable (PGs inactive), so the MDS cannot start', 0.15, 'dependency'],
    ];
  },
  steps: (v) => [
    ceph(v, 'fs status'),
    ceph(v, 'health detail'),
    daemonPods(v, 'rook-ceph-mds'),
    /damaged|readonly/.test(v.key) && ceph(v, `tell ${sh(`mds.${v.labels.fs_name ?? '<fs>'}:0`)} damage ls`),
  ],
});

export const cephDaemons: Signature = family({
  id: 'ceph-daemons-mgr',
  title: 'Ceph daemon crash, mgr missing, version mismatch or cephadm problem',
  weight: 62,
  names: [
    'CephMgrModuleCrash',
    'CephMgrPrometheusModuleInactive',
    'CephMgrIsAbsent',
    'CephMgrIsMissingReplicas',
    'CephDaemonCrash',
    'CephadmDaemonFailed',
    'CephadmUpgradeFailed',
    'CephadmPaused',
    'CephMonVersionMismatch',
    'CephOSDVersionMismatch',
  ],
  summary: (v) =>
    `Ceph${v.namespace ? ` (\`${v.namespace}\`)` : ''}: \`${v.name}\`${v.instance ? ` on \`${v.instance}\`` : ''}.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('versionmismatch'))
      return [
        ['An upgrade is in progress or stalled half-way (daemons on two versions)', 0.65, 'deployment'],
        ['Some daemons failed to restart on the new version', 0.25, 'deployment'],
      ];
    if (v.key.includes('paused'))
      return [['Orchestration was paused by hand (ceph orch pause) and not resumed', 0.75, 'configuration']];
    if (v.key.includes('upgrade'))
      return [
        [
          'The upgrade failed: image pull error or a daemon failed its health check on the new version',
          0.55,
          'deployment',
        ],
        ['The cluster was not healthy enough for the upgrade to proceed', 0.3, 'infrastructure'],
      ];
    if (v.key.includes('crash') || v.key.includes('daemonfailed'))
      return [
        ['A Ceph daemon or mgr module hit a bug/assert (see `ceph crash info`)', 0.45, 'application'],
        ['The daemon was OOM-killed or its host/disk failed', 0.3, 'infrastructure'],
      ];
    return [
      ['The mgr daemon/pod is down (OOM, crash, node failure)', 0.45, 'infrastructure'],
      [
        'The mgr prometheus module is disabled or its port is unreachable (service, network policy)',
        0.3,
        'configuration',
      ],
    ];
  },
  steps: (v) => [
    ceph(v, 'status'),
    /crash|daemonfailed/.test(v.key) ? ceph(v, 'crash ls-new') : ceph(v, 'versions'),
    v.key.includes('mgr')
      ? ceph(v, 'mgr module ls | head -20')
      : ceph(v, 'orch ps --refresh 2>/dev/null | grep -v running'),
    daemonPods(v, 'rook-ceph-mgr'),
  ],
});

const NIC_NAME = /^[\w.:-]+$/;
/** The alert's interface name when it is plain (safe inside a single-quoted remote command). */
const nic = (v: AlertView): string | undefined =>
  v.labels.device && NIC_NAME.test(v.labels.device) ? v.labels.device : undefined;

export const cephNodes: Signature = family({
  id: 'ceph-node-network-disk',
  title: 'Ceph host network errors, MTU mismatch, degraded bond or full root disk',
  weight: 58,
  names: [
    'CephNodeNetworkPacketDrops',
    'CephNodeNetworkPacketErrors',
    'CephNodeNetworkBondDegraded',
    'CephNodeInconsistentMTU',
    'CephNodeRootFilesystemFull',
    'CephNodeDiskspaceWarning',
    'ODFNodeMTULessThan9000',
  ],
  summary: (v) =>
    `Ceph host ${q(v.instance ?? v.labels.nodename)}${v.labels.device ? `, device \`${v.labels.device}\`` : ''}: \`${v.name}\` — OSD traffic on this host suffers, which shows as slow ops and flapping OSDs.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('lessthan9000'))
      return [
        [
          'Jumbo frames are not configured: the node interfaces carrying storage traffic run the default 1500 MTU',
          0.65,
          'configuration',
        ],
      ];
    if (v.key.includes('mtu'))
      return [
        [
          'Jumbo frames (MTU 9000) configured on some hosts or switch ports but not all',
          0.65,
          'configuration',
        ],
      ];
    if (v.key.includes('bond'))
      return [
        ['A member link of the bond is down: cable, transceiver or switch port', 0.6, 'infrastructure'],
        ['Switch-side LACP/bond configuration mismatch', 0.25, 'configuration'],
      ];
    if (v.key.includes('errors'))
      return [
        ['A faulty cable, transceiver or NIC (CRC/frame errors)', 0.55, 'infrastructure'],
        ['Duplex/speed or MTU mismatch with the switch port', 0.3, 'configuration'],
      ];
    if (v.key.includes('drops'))
      return [
        ['The NIC receive ring/backlog overflows under OSD traffic (ring size, IRQ/CPU)', 0.45, 'capacity'],
        ['Network congestion on the link or switch', 0.35, 'network'],
      ];
    return [
      ['Logs, crash dumps or container images fill the root filesystem', 0.5, 'resource-exhaustion'],
      ['The root disk is too small for the daemons placed on the host', 0.3, 'capacity'],
    ];
  },
  steps: (v) => [
    v.key.includes('filesystem') || v.key.includes('diskspace')
      ? `ssh ${sh(hostArg(v))} 'df -h /; du -xsh /var/log /var/lib/containers /var/lib/ceph 2>/dev/null'`
      : `ssh ${sh(hostArg(v))} 'ip -s link show ${nic(v) ?? ''}; ethtool -S ${nic(v) ?? '<nic>'} | grep -iE "err|drop|crc"'`,
    !(v.key.includes('filesystem') || v.key.includes('diskspace')) &&
      `PromQL: node_network_mtu_bytes${sel({ instance: v.instance, device: v.labels.device })}`,
  ],
});

export const odfObjectStorage: Signature = family({
  id: 'odf-object-storage',
  title: 'ODF object storage (RGW / NooBaa) unhealthy or over quota',
  weight: 56,
  names: [
    'ClusterObjectStoreState',
    'NooBaaSystemCapacityWarning85',
    'NooBaaSystemCapacityWarning95',
    'NooBaaSystemCapacityWarning100',
    'ObcQuotaBytesAlert',
    'ObcQuotaBytesExhausedAlert',
    'ObcQuotaBytesExhaustedAlert',
    'ObcQuotaObjectsAlert',
    'ObcQuotaObjectsExhausedAlert',
    'ObcQuotaObjectsExhaustedAlert',
  ],
  summary: (v) =>
    `OpenShift Data Foundation object storage${v.labels.obc_name ? `, bucket claim \`${v.labels.obc_name}\`` : ''}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('quota')
      ? [
          ['The application stores more than the ObjectBucketClaim quota allows', 0.55, 'capacity'],
          ['Old objects are never deleted (no lifecycle/expiration)', 0.3, 'data'],
        ]
      : v.key.includes('capacity')
        ? [
            ['Buckets grow to the capacity of the backing stores', 0.55, 'capacity'],
            ['Old objects are never deleted (no lifecycle/expiration)', 0.3, 'data'],
          ]
        : [
            ['The RGW pods of the object store are down or crash-looping', 0.45, 'infrastructure'],
            ['The Ceph cluster under it is unhealthy (PGs inactive, OSDs full)', 0.35, 'dependency'],
          ],
  steps: (v) => [
    'kubectl get cephobjectstore,obc -A 2>/dev/null | head -20',
    `${kubectl(v.namespace ?? 'openshift-storage')} get pods -l app=rook-ceph-rgw -o wide`,
    v.key.includes('noobaa') && 'noobaa status -n openshift-storage',
  ],
});

export const minio: Signature = family({
  id: 'minio',
  title: 'MinIO drives or nodes offline, or storage running out',
  weight: 72,
  names: ['MinioClusterDiskOffline', 'MinioNodeDiskOffline', 'MinioDiskSpaceUsage'],
  namePattern: /^minio/,
  // MinIO's documented rules are named `NodesOffline` / `DisksOffline`: their expression says MinIO.
  textPattern: /minio_cluster_(?:nodes|drive|disk)_offline/,
  summary: (v) =>
    `MinIO${v.labels.server ? ` server \`${v.labels.server}\`` : v.instance ? ` on \`${v.instance}\`` : ''}: \`${v.name}\` — ${/space|capacity|usage/.test(v.key) ? 'when the drives fill, writes fail' : 'erasure coding keeps serving while enough drives remain, but each further loss cuts redundancy (and below quorum, writes fail)'}.`,
  causes: (v): CauseSpec[] =>
    /space|capacity|usage/.test(v.key)
      ? [
          ['Bucket data grows without lifecycle/expiration rules', 0.45, 'data'],
          [
            'Versioning keeps noncurrent object versions, or incomplete multipart uploads pile up',
            0.3,
            'data',
          ],
          ['The deployment is simply too small for the data: add a server pool', 0.2, 'capacity'],
        ]
      : [
          [
            'A drive failed or is unmounted (I/O errors, fstab/mount missing after reboot)',
            0.45,
            'infrastructure',
          ],
          ['A MinIO node or pod is down or unreachable from its peers', 0.35, 'infrastructure'],
          ['A slow drive times out and is marked offline', 0.15, 'capacity'],
        ],
  steps: (v) => [
    'mc admin info <alias>  # servers, drives online/offline, usage',
    v.pod
      ? `${kubectl(v.namespace)} logs ${sh(v.pod)} --since=1h | grep -iE 'drive|disk|offline' | tail`
      : null,
    'PromQL: minio_cluster_drive_offline_total, minio_cluster_nodes_offline_total, minio_cluster_capacity_usable_free_bytes',
    /space|capacity|usage/.test(v.key) &&
      'mc ilm rule ls <alias>/<bucket>  # lifecycle rules that expire data',
  ],
});

export const zfs: Signature = family({
  id: 'zfs-pool',
  title: 'ZFS pool degraded or out of space',
  weight: 70,
  names: ['ZfsPoolOutOfSpace', 'ZfsPoolUnhealthy'],
  namePattern: /^zfs/,
  // The exporter's own collector failure names no pool problem.
  accepts: (v) => !v.key.includes('collector'),
  summary: (v) => `ZFS pool ${q(v.labels.pool ?? v.labels.device)} on ${q(v.instance)}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('space')
      ? [
          ['Data and snapshots grow: old snapshots are not pruned', 0.5, 'data'],
          ['The pool is too small for the data (ZFS slows down badly above ~80% full)', 0.35, 'capacity'],
        ]
      : [
          ['A disk in the pool failed or was removed (DEGRADED/FAULTED vdev)', 0.6, 'infrastructure'],
          ['Cabling, controller or power problems cause read/write/checksum errors', 0.25, 'infrastructure'],
        ],
  steps: (v) => [
    `ssh ${sh(hostArg(v))} 'zpool status -x; zpool list'`,
    v.key.includes('space') && `ssh ${sh(hostArg(v))} 'zfs list -t snapshot -o name,used -s used | tail -20'`,
  ],
});

export const openebs: Signature = family({
  id: 'openebs-pool',
  title: 'OpenEBS pool or LVM volume group full or missing a disk',
  weight: 66,
  names: [
    'OpenebsLvmVolumeGroupMissingPhysicalVolume',
    'OpenebsUsedPoolCapacity',
    'OpenebsLvmVolumeGroupCapacityHigh',
    'OpenebsLvmThinPoolCapacityHigh',
  ],
  namePattern: /^openebs/,
  summary: (v) =>
    `OpenEBS on ${q(v.instance ?? v.node)}${v.labels.vg_name ? `, volume group \`${v.labels.vg_name}\`` : ''}: \`${v.name}\`.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('missing')
      ? [
          [
            'A disk under the volume group failed or was detached (node disk replaced, cloud volume lost)',
            0.6,
            'infrastructure',
          ],
          ['The device was renamed after a reboot and LVM no longer finds it', 0.2, 'configuration'],
        ]
      : [
          ['Volumes provisioned on the node plus their data growth fill the pool', 0.45, 'capacity'],
          [
            v.key.includes('thin')
              ? 'Thin provisioning overcommitted: volumes were promised more than the pool holds'
              : 'Data growth in the volumes without cleanup',
            0.35,
            v.key.includes('thin') ? 'configuration' : 'data',
          ],
        ],
  steps: (v) => [
    `ssh ${sh(hostArg(v))} 'vgs; lvs -a -o +data_percent,metadata_percent; pvs'`,
    'kubectl get lvmvolumes -A 2>/dev/null | head -20',
  ],
});

export const longhorn: Signature = family({
  id: 'longhorn',
  title: 'Longhorn volume degraded/faulted, node down or storage full',
  weight: 72,
  names: [
    'LonghornVolumeStatusCritical',
    'LonghornVolumeStatusWarning',
    'LonghornVolumeActualSpaceUsedWarning',
    'LonghornNodeStorageWarning',
    'LonghornDiskStorageWarning',
    'LonghornNodeDown',
  ],
  namePattern: /^longhorn\w*(?:volume|storage|disk|nodedown)/,
  // The CPU-usage examples name no cause.
  accepts: (v) => !v.key.includes('cpu'),
  summary: (v) =>
    `Longhorn${v.labels.volume ? ` volume \`${v.labels.volume}\`` : ''}${v.labels.node ? ` on \`${v.labels.node}\`` : ''}: \`${v.name}\` — ${v.key.includes('critical') ? 'the volume is Faulted: no healthy replica is left and its pod cannot use it' : v.key.includes('statuswarning') ? 'the volume is Degraded: it runs on fewer replicas than configured' : 'storage is running short'}.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('nodedown'))
      return [
        ['The node is down or NotReady (power, kernel, kubelet)', 0.5, 'infrastructure'],
        ['The longhorn-manager pod on the node is not running', 0.3, 'application'],
      ];
    if (v.key.includes('status'))
      return [
        [
          'A node or disk holding replicas failed or went offline, so replicas were lost',
          0.45,
          'infrastructure',
        ],
        [
          'Replicas cannot be rebuilt: not enough schedulable nodes/disks or space (replica count > nodes, disk full)',
          0.35,
          'capacity',
        ],
        ['Network problems between the engine and its replicas', 0.15, 'network'],
      ];
    if (v.key.includes('actualspace'))
      return [
        ['Snapshots accumulate and keep old data blocks (no recurring snapshot cleanup)', 0.45, 'data'],
        ['The filesystem in the volume is full or deleted blocks are not trimmed', 0.35, 'data'],
      ];
    return [
      ['Volumes and their snapshots grow until the node disks fill', 0.45, 'capacity'],
      ['Storage over-provisioning allows more volume size than the disks hold', 0.35, 'configuration'],
    ];
  },
  steps: (v) => [
    'kubectl -n longhorn-system get volumes.longhorn.io -o wide | grep -vE "healthy"',
    v.labels.volume &&
      `kubectl -n longhorn-system get replicas.longhorn.io -l longhornvolume=${sh(v.labels.volume)} -o wide`,
    'kubectl -n longhorn-system get nodes.longhorn.io -o wide',
    v.labels.node && `kubectl describe node ${sh(v.labels.node)} | grep -A6 Conditions`,
  ],
});

export const veleroBackup: Signature = family({
  id: 'velero-backup',
  title: 'Velero backups or restores failing',
  weight: 60,
  names: [
    'VeleroBackupFailure',
    'VeleroBackupFailures',
    'VeleroBackupFailed',
    'VeleroBackupPartialFailures',
    'VeleroHighBackupDuration',
    'VeleroHighRestoreFailureRate',
    'VeleroUnsuccessfulBackup',
    'VeleroNoFirstSuccessfulBackup',
  ],
  namePattern: /^velero/,
  summary: (v) =>
    `Velero${v.labels.schedule ? ` schedule \`${v.labels.schedule}\`` : ''}: \`${v.name}\` — without recent good backups a restore after an incident loses data.`,
  causes: (v): CauseSpec[] => {
    if (v.key.includes('duration'))
      return [
        ['The data to back up grew (more or larger volumes, file-system backups of big PVs)', 0.45, 'data'],
        ['The object store or snapshot API is slow or throttling', 0.35, 'dependency'],
      ];
    if (v.key.includes('restore'))
      return [
        [
          'Restored resources conflict or cannot be created (existing objects, missing CRDs/namespaces, admission webhooks)',
          0.45,
          'configuration',
        ],
        ['The backup storage location or volume snapshots are unavailable', 0.35, 'dependency'],
      ];
    const partial = v.key.includes('partial');
    const out: CauseSpec[] = [
      [
        'Volume backups fail: CSI snapshot class/driver errors, node-agent (restic/kopia) pod errors, provider snapshot quota',
        partial ? 0.45 : 0.3,
        'infrastructure',
      ],
      [
        'The backup storage location is unavailable: object-store credentials expired, bucket gone or unreachable',
        partial ? 0.25 : 0.4,
        'dependency',
      ],
      ['The Velero pod was OOM-killed or restarted mid-backup, or the backup timed out', 0.15, 'capacity'],
    ];
    return out.sort((a, b) => b[1] - a[1]);
  },
  steps: (v) => [
    'velero backup get | head -15',
    'velero backup describe <backup> --details; velero backup logs <backup> | grep -iE "error|fail" | tail -20',
    'velero backup-location get  # PHASE must be Available',
    `${kubectl(v.namespace ?? 'velero')} get pods -o wide`,
  ],
});

export const storageSystemSignatures: Signature[] = [
  cephOsdDown,
  cephDevices,
  cephCapacity,
  cephMon,
  cephPgs,
  cephSlowOps,
  cephFs,
  cephDaemons,
  cephNodes,
  cephHealth,
  odfObjectStorage,
  minio,
  zfs,
  openebs,
  longhorn,
  veleroBackup,
];
