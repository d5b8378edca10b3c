/**
 * Nodes and the control plane: readiness, reachability, disks and disk I/O, memory and OOM kills, CPU and
 * steal, network interfaces, clocks, etcd, certificates.
 */
import {
  alertEvidence,
  cause,
  firedEvidence,
  HOST_OOM_TEXT,
  hostOf,
  isHostOomKill,
  kubectl,
  listOf,
  remote,
  runbookStep,
  sameHost,
  sel,
  sh,
  steps,
} from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';

const INODES = /inode|outoffiles|filesfillingup/;
/** A device name that can go into a shell command unquoted (`eth0`, `nvme0n1`, `bond0.100`). */
const DEVICE = /^[\w.@:-]+$/;

/** The host-level memory alerts (node-exporter), as `AlertView.key`. */
const HOST_MEMORY_KEYS: ReadonlySet<string> = new Set([
  'nodememoryhighutilization',
  'hostoutofmemory',
  'hostmemoryundermemorypressure',
  'nodememorymajorpagesfaults',
  'hostswapisfillingup',
]);

/** etcd's disk latency: WAL fsync and backend commit. */
const ETCD_DISK_EXPR = /etcd_disk_(?:wal_fsync|backend_commit)_duration/;
const isEtcdDiskAlert = (view: AlertView): boolean =>
  view.key === 'etcdhighfsyncdurations' ||
  view.key === 'etcdhighcommitdurations' ||
  ETCD_DISK_EXPR.test(view.expr);

/** Shared by the memory and OOM-kill signatures, so one incident's host memory causes merge. */
const HOST_MEMORY_HOG = 'A process or pod on the host uses more memory than expected (leak or load)';
const HOST_OVERCOMMIT = 'Host overcommitted: pods without memory limits or too many workloads';

/** One title for the slow-disk hypothesis, so the etcd signatures that raise it merge into one cause. */
const ETCD_SLOW_DISK = 'Disk too slow for etcd (WAL fsync / backend commit latency)';

/** etcdctl inside the etcd pod the alert names (kubeadm's certificate paths), else plain etcdctl. */
function etcdctl(view: AlertView, args: string): string {
  if (view.pod?.startsWith('etcd') && view.namespace) {
    return `${kubectl(view.namespace)} exec ${sh(view.pod)} -- etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key ${args}`;
  }
  return `etcdctl ${args}`;
}

/** A host's name for people: node-exporter's `nodename`, the node, else the instance's host. */
const hostName = (view: AlertView): string | undefined => view.labels.nodename ?? view.node ?? hostOf(view);

/** "`build-runner-03` (`10.0.5.21:9100`)", or whichever part is known. */
function hostRef(view: AlertView): string {
  const name = hostName(view);
  const instance = view.instance;
  if (name && instance && !instance.startsWith(name)) return `\`${name}\` (\`${instance}\`)`;
  return `\`${name ?? instance ?? '?'}\``;
}

const more = (ctx: SignatureContext, what: string): string =>
  ctx.alerts.length > 1 ? ` ${ctx.alerts.length} alerts in all, ${what}.` : '';

export const nodeNotReady: Signature = {
  id: 'node-not-ready',
  role: 'cause',
  title: 'Node not ready',
  weight: 80,
  names: ['KubeNodeNotReady', 'KubernetesNodeNotReady', 'KubernetesNodeReady', 'HAControlPlaneDown'],
  analyze(ctx) {
    const v = ctx.primary;
    const node = v.node ?? hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Node \`${node ?? '?'}\` is not Ready: no new pods land there and its pods are evicted after the toleration period.${more(ctx, `nodes ${listOf(ctx.alerts, (a) => a.node)}`)}`,
      causes: [
        cause(
          'Kubelet or the container runtime on the node stopped working',
          0.45,
          'infrastructure',
          evidence,
        ),
        cause('Node under memory, disk or PID pressure', 0.3, 'resource-exhaustion', evidence.slice(0, 1)),
        cause(
          'Node lost its network, or was shut down or preempted',
          0.2,
          'infrastructure',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        node &&
          `kubectl describe node ${sh(node)}  # Conditions: Ready reason, MemoryPressure, DiskPressure, PIDPressure`,
        node && `kubectl get pods -A -o wide --field-selector spec.nodeName=${sh(node)}`,
        "On the node: journalctl -u kubelet --since '-1h' | tail -100; systemctl status containerd",
        runbookStep(v),
      ),
    };
  },
};

export const nodeUnreachable: Signature = {
  id: 'node-unreachable',
  role: 'cause',
  title: 'Node unreachable',
  weight: 82,
  names: ['KubeNodeUnreachable', 'KubernetesNodeUnreachable'],
  analyze(ctx) {
    const v = ctx.primary;
    const node = v.node ?? hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Node \`${node ?? '?'}\` is unreachable (tainted \`node.kubernetes.io/unreachable\`): its workloads are being rescheduled.${more(ctx, `nodes ${listOf(ctx.alerts, (a) => a.node)}`)}`,
      causes: [
        cause(
          'The machine was shut down, crashed or preempted (spot/preemptible)',
          0.5,
          'infrastructure',
          evidence,
        ),
        cause(
          'Network partition between the node and the control plane',
          0.35,
          'network',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        node && `kubectl describe node ${sh(node)}  # Taints, Conditions, last heartbeat`,
        'Check the instance state in the cloud console or hypervisor (stopped, terminated, preempted?)',
        node && `kubectl get pods -A -o wide --field-selector spec.nodeName=${sh(node)}`,
        runbookStep(v),
      ),
    };
  },
};

export const nodeFilesystem: Signature = {
  id: 'node-filesystem',
  role: 'symptom',
  title: 'Node filesystem filling up',
  weight: 76,
  names: [
    'NodeFilesystemSpaceFillingUp',
    'NodeFilesystemAlmostOutOfSpace',
    'NodeFilesystemFilesFillingUp',
    'NodeFilesystemAlmostOutOfFiles',
    'HostOutOfDiskSpace',
    'HostDiskWillFillIn24Hours',
    'HostDiskMayFillIn24Hours',
    'HostOutOfInodes',
    'HostInodesMayFillIn24Hours',
    'HostInodesWillFillIn24Hours',
  ],
  textPattern: /no space left on device|disk quota exceeded/,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const mount = v.labels.mountpoint;
    const inodes = INODES.test(v.key);
    const matchers = { instance: v.instance, mountpoint: mount };
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Filesystem ${mount ? `\`${mount}\`` : ''}${v.labels.device ? ` (device \`${v.labels.device}\`)` : ''} on \`${v.instance ?? host ?? '?'}\` is running out of ${inodes ? 'inodes' : 'space'}.${more(ctx, `hosts ${listOf(ctx.alerts, (a) => a.instance)}`)}`,
      causes: inodes
        ? [
            cause(
              'Many small files exhaust the inodes (caches, mail queues, session files)',
              0.55,
              'data',
              evidence,
            ),
          ]
        : [
            cause(
              `Logs, container images or temporary files fill ${mount ? `\`${mount}\`` : 'the disk'}`,
              0.45,
              'data',
              evidence,
            ),
            cause('Application data grew past the disk size', 0.3, 'capacity', evidence.slice(0, 1)),
            cause('Deleted files still held open by a process', 0.15, 'application', evidence.slice(0, 1)),
          ],
      nextSteps: steps(
        host && remote(host, `df -h${inodes ? 'i' : ''} ${mount ? sh(mount) : ''}`.trimEnd()),
        `sudo du -xh --max-depth=2 ${mount ? sh(mount) : '/'} 2>/dev/null | sort -h | tail -20`,
        !inodes && 'sudo lsof +L1 | head -20  # deleted files still open',
        `PromQL: predict_linear(node_filesystem_avail_bytes${sel(matchers)}[6h], 24 * 3600)`,
        'On Kubernetes nodes: crictl rmi --prune; journalctl --vacuum-size=500M',
        runbookStep(v),
      ),
    };
  },
};

export const nodeMemory: Signature = {
  id: 'node-memory',
  title: 'Node memory high',
  weight: 58,
  names: [
    'NodeMemoryHighUtilization',
    'HostOutOfMemory',
    'HostMemoryUnderMemoryPressure',
    'HostSwapIsFillingUp',
    'KubernetesNodeMemoryPressure',
    'KubernetesMemoryPressure',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Memory on \`${v.instance ?? v.node ?? '?'}\` is nearly exhausted: the kernel will start OOM-killing and pods may be evicted.`,
      causes: [
        cause(HOST_MEMORY_HOG, 0.5, 'resource-exhaustion', evidence),
        cause(HOST_OVERCOMMIT, 0.35, 'capacity', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        host && `ssh ${sh(host)} 'ps aux --sort=-rss | head -15'`,
        v.node
          ? `PromQL: topk(10, sum by (namespace, pod) (container_memory_working_set_bytes${sel({ node: v.node, container: '' })}))`
          : (v.pod || v.namespace) && 'kubectl top pods -A --sort-by=memory | head -15',
        `PromQL: node_memory_MemAvailable_bytes${sel({ instance: v.instance })} / node_memory_MemTotal_bytes${sel({ instance: v.instance })}`,
        runbookStep(v),
      ),
    };
  },
};

export const nodeCpu: Signature = {
  id: 'node-cpu',
  title: 'Node CPU saturated',
  weight: 36,
  names: [
    'HostHighCpuLoad',
    'NodeCPUHighUsage',
    'HostContextSwitchingHigh',
    'HighCPUWorkload',
    'HighNodeCPUFrequency',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `CPU on \`${v.instance ?? v.node ?? '?'}\` is saturated: everything on it slows down.`,
      causes: [
        cause(
          'A workload on the host uses all CPU (load spike or runaway process)',
          0.5,
          'resource-exhaustion',
          evidence,
        ),
        cause(
          'Too many pods for the node: CPU requests set below real use',
          0.3,
          'capacity',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        host && `ssh ${sh(host)} 'top -b -n1 | head -25'`,
        `PromQL: 1 - avg(rate(node_cpu_seconds_total${sel({ instance: v.instance, mode: 'idle' })}[5m]))`,
        'PromQL: topk(10, sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[5m])))',
        runbookStep(v),
      ),
    };
  },
};

export const nodeClock: Signature = {
  id: 'node-clock',
  title: 'Clock skew / NTP',
  weight: 40,
  names: [
    'NodeClockSkewDetected',
    'NodeClockNotSynchronising',
    'NodeClockNotSynchronizing',
    'HostClockSkew',
    'HostClockNotSynchronising',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The clock of \`${v.instance ?? '?'}\` is off or not synchronising: TLS, tokens, logs and distributed systems misbehave with skewed time.`,
      causes: [
        cause(
          'NTP/chrony not syncing (daemon stopped, or NTP servers unreachable)',
          0.6,
          'configuration',
          evidence,
        ),
        cause('VM clock drift after suspend or live migration', 0.25, 'infrastructure', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        host && `ssh ${sh(host)} 'timedatectl status; chronyc tracking; chronyc sources -v'`,
        `PromQL: node_timex_offset_seconds${sel({ instance: v.instance })} and node_timex_sync_status${sel({ instance: v.instance })}`,
        runbookStep(v),
      ),
    };
  },
};

export const etcdQuorum: Signature = {
  id: 'etcd-quorum',
  role: 'symptom',
  title: 'etcd has no leader / lost members',
  weight: 92,
  names: ['etcdNoLeader', 'etcdInsufficientMembers', 'etcdMembersDown', 'etcdHighNumberOfLeaderChanges'],
  // During a cluster upgrade each control-plane node reboots in turn: its etcd member is down until it is back.
  deploy: {
    title: () => 'A cluster upgrade or rolling reboot of the control-plane nodes took etcd members down',
    likelihood: 0.15,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    // Leader changes alone do not mean quorum is lost; slow disks and the network are their usual causes.
    const electionsOnly = ctx.alerts.every((view) => view.key === 'etcdhighnumberofleaderchanges');
    // Slow fsyncs and commits make members miss heartbeats: the etcd runbooks' first suspect for elections.
    const disk = ctx.all.filter(isEtcdDiskAlert);
    const diskEvidence = [...alertEvidence(disk).slice(0, 4), ...evidence.slice(0, 1)];
    const members = cause(
      electionsOnly
        ? 'etcd members restarting or partitioned, forcing leader elections'
        : 'etcd members down or partitioned: quorum lost',
      electionsOnly ? 0.3 : 0.5,
      'infrastructure',
      evidence,
    );
    const slowDisk = cause(
      ETCD_SLOW_DISK,
      disk.length > 0 ? 0.7 : electionsOnly ? 0.4 : 0.3,
      'infrastructure',
      disk.length > 0 ? diskEvidence : evidence.slice(0, 1),
    );
    const network = cause(
      'Network latency or loss between etcd peers',
      electionsOnly ? 0.3 : 0.2,
      'network',
      evidence.slice(0, 1),
    );
    const diskNote =
      disk.length > 0
        ? ` ${listOf(disk, (view) => view.name)} in the same incident point at a disk too slow for etcd.`
        : '';
    return {
      summary: `The etcd cluster${v.labels.job ? ` (job \`${v.labels.job}\`)` : ''} reports \`${v.name}\`${v.instance ? ` on \`${v.instance}\`` : ''}: without a stable leader the Kubernetes API cannot write.${diskNote}`,
      causes: [members, slowDisk, network],
      nextSteps: steps(
        etcdctl(v, 'endpoint status --cluster --write-out=table; etcdctl endpoint health --cluster'),
        'PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])))',
        'PromQL: increase(etcd_server_leader_changes_seen_total[1h])',
        'PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[5m])))',
        'kubectl -n kube-system get pods -l component=etcd -o wide',
        runbookStep(v),
      ),
    };
  },
};

export const etcdSlowDisk: Signature = {
  id: 'etcd-slow-disk',
  title: 'etcd disk too slow',
  weight: 86,
  names: ['etcdHighFsyncDurations', 'etcdHighCommitDurations'],
  textPattern: ETCD_DISK_EXPR,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const job = v.labels.job;
    const commit = ctx.alerts.some((view) => view.key === 'etcdhighcommitdurations');
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The etcd member${v.instance ? ` on \`${v.instance}\`` : ''} writes to its disk too slowly (${listOf(ctx.alerts, (view) => view.name)}): every write to the Kubernetes API waits for it, and slow fsyncs make members miss heartbeats and trigger leader elections.`,
      causes: [
        cause(ETCD_SLOW_DISK, 0.55, 'infrastructure', evidence),
        cause(
          'Other I/O on the same disk competes with etcd (images, logs, other workloads, a noisy neighbour)',
          0.3,
          'resource-exhaustion',
          evidence.slice(0, 1),
        ),
        cause(
          'A large or fragmented etcd database makes backend commits slow (defragment it)',
          commit ? 0.2 : 0.1,
          'data',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        `PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket${sel({ job })}[5m])))  # etcd wants p99 < 10ms`,
        `PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket${sel({ job })}[5m])))  # etcd wants p99 < 25ms`,
        host && `ssh ${sh(host)} 'iostat -x 1 5'  # await and %util of the disk under /var/lib/etcd`,
        'Benchmark that disk: fio --rw=write --ioengine=sync --fdatasync=1 --directory=<empty dir on the etcd disk> --size=22m --bs=2300 --name=etcd-fsync  # fdatasync p99 should be < 10ms',
        etcdctl(v, 'endpoint status --cluster --write-out=table  # DB SIZE per member'),
        'Give etcd a dedicated local SSD/NVMe (or a provisioned-IOPS volume): not network-attached or shared storage',
        runbookStep(v),
      ),
    };
  },
};

export const etcdDatabaseSize: Signature = {
  id: 'etcd-database-size',
  title: 'etcd database near its quota',
  weight: 88,
  names: [
    'etcdBackendQuotaLowSpace',
    'etcdDatabaseQuotaLowSpace',
    'etcdExcessiveDatabaseGrowth',
    'etcdDatabaseHighFragmentationRatio',
  ],
  textPattern: /mvcc: database space exceeded|etcd_server_quota_backend_bytes/,
  analyze(ctx) {
    const v = ctx.primary;
    const job = v.labels.job;
    const growth = v.key === 'etcdexcessivedatabasegrowth';
    const fragmented = v.key === 'etcddatabasehighfragmentationratio';
    const evidence = alertEvidence(ctx.alerts);
    const causes = [
      cause(
        'Database fragmented: space freed by compaction is not returned until a defrag',
        fragmented ? 0.6 : growth ? 0.2 : 0.45,
        'data',
        evidence,
      ),
      cause(
        'Keyspace grew: too many objects (Events, custom resources, Secrets/ConfigMaps) or a controller writing in a loop',
        growth ? 0.55 : 0.35,
        'capacity',
        evidence,
      ),
      cause(
        'Backend quota (--quota-backend-bytes) too small for the cluster',
        0.2,
        'configuration',
        evidence.slice(0, 1),
      ),
    ];
    const where = v.instance ? ` on \`${v.instance}\`` : '';
    return {
      summary: fragmented
        ? `The etcd database${where} is highly fragmented (\`${v.name}\`): much of its file is free space that only a defrag returns.`
        : `The etcd database${where} ${growth ? 'grows fast towards' : 'is close to'} its backend quota (\`${v.name}\`): once full, etcd raises a NOSPACE alarm and accepts only reads and deletes, so the Kubernetes API cannot write.`,
      causes,
      nextSteps: steps(
        etcdctl(v, 'endpoint status --cluster --write-out=table  # DB SIZE of each member'),
        `PromQL: etcd_mvcc_db_total_size_in_bytes${sel({ job })} / etcd_server_quota_backend_bytes${sel({ job })}`,
        `PromQL: etcd_mvcc_db_total_size_in_use_in_bytes${sel({ job })} / etcd_mvcc_db_total_size_in_bytes${sel({ job })}  # well below 1 = fragmented`,
        'kubectl get --raw /metrics | grep ^apiserver_storage_objects | sort -k2 -n | tail -15  # which resources fill etcd',
        etcdctl(v, 'defrag  # one member at a time, the leader last: the member blocks while it defragments'),
        etcdctl(v, 'alarm list  # after freeing space: etcdctl alarm disarm'),
        runbookStep(v),
      ),
    };
  },
};

export const controlPlaneDown: Signature = {
  id: 'control-plane-down',
  title: 'Kubernetes component down',
  weight: 84,
  names: ['KubeSchedulerDown', 'KubeControllerManagerDown', 'KubeAPIErrorBudgetBurn'],
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    const burn = v.key === 'kubeapierrorbudgetburn' || v.key === 'kubeapiterminatedrequests';
    // etcd alerts in the same incident: the API server's errors likely come from its storage.
    const etcd = burn ? ctx.all.filter((view) => view.firing && view.key.startsWith('etcd')) : [];
    return {
      summary: burn
        ? `The Kubernetes API server is burning its error budget (\`${v.name}\`): too many requests fail or are slow.`
        : `\`${v.name}\`: Prometheus cannot scrape this Kubernetes component; either it is down or its metrics endpoint is unreachable.`,
      causes: burn
        ? [
            cause(
              'API server overloaded (expensive LIST calls, a misbehaving controller or operator)',
              0.45,
              'capacity',
              evidence,
            ),
            cause(
              'etcd slow or unhealthy behind the API server',
              etcd.length > 0 ? 0.6 : 0.3,
              'dependency',
              etcd.length > 0
                ? [
                    `${listOf(etcd, (view) => view.name)} firing in the same incident`,
                    ...evidence.slice(0, 1),
                  ]
                : evidence.slice(0, 1),
            ),
          ]
        : [
            cause('The component is down or crash looping', 0.45, 'infrastructure', evidence),
            cause(
              'Scrape config no longer finds it (managed control plane hides it, ServiceMonitor selector, port change)',
              0.35,
              'configuration',
              evidence.slice(0, 1),
            ),
          ],
      nextSteps: steps(
        'kubectl get --raw=/readyz?verbose | tail -20',
        'kubectl -n kube-system get pods -o wide | grep -E "apiserver|scheduler|controller-manager|etcd|kube-proxy"',
        burn
          ? 'PromQL: sum by (verb, resource, code) (rate(apiserver_request_total{code=~"5.."}[5m]))'
          : `PromQL: up${sel({ job: v.labels.job })} == 0`,
        runbookStep(v),
      ),
    };
  },
};

export const clientCertExpiry: Signature = {
  id: 'kube-client-cert-expiry',
  title: 'Kubernetes client certificate expiring',
  weight: 70,
  names: [
    'KubeClientCertificateExpiration',
    'KubeletClientCertificateExpiration',
    'KubeletServerCertificateExpiration',
    'KubeletClientCertificateRenewalErrors',
    'KubeletServerCertificateRenewalErrors',
    'KubernetesClientCertificateExpiresNextWeek',
    'KubernetesClientCertificateExpiresSoon',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `A certificate used inside the cluster is about to expire (\`${v.name}\`${v.node ? ` on node \`${v.node}\`` : ''}); when it does, the clients using it cannot authenticate to the API server.`,
      causes: [
        cause(
          'A client certificate (kubeconfig, kubelet or component) was not rotated',
          0.6,
          'certificate',
          evidence,
        ),
        cause(
          'Certificate rotation disabled or failing (rotateCertificates off, CSRs not approved)',
          0.3,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        'On a control-plane node: kubeadm certs check-expiration',
        'kubectl get csr  # pending kubelet CSRs waiting for approval',
        'PromQL: histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m]))) / 86400',
        v.node &&
          `On ${v.node}: openssl x509 -noout -enddate -in /var/lib/kubelet/pki/kubelet-client-current.pem`,
        runbookStep(v),
      ),
    };
  },
};

export const hostOomKill: Signature = {
  id: 'host-oom-kill',
  title: 'Kernel OOM kill on the host',
  weight: 60,
  names: ['HostOomKillDetected'],
  namePattern: /^(?:host|node|vm|system)\w*oomkill/,
  textPattern: HOST_OOM_TEXT,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    // node_vmstat_oom_kill counts every kill of the kernel's OOM killer: the whole host out of memory, or a
    // memory cgroup (a container's limit, a systemd unit's MemoryMax) at its limit.
    const memory = ctx.all.filter((view) => HOST_MEMORY_KEYS.has(view.key) && sameHost(view, v));
    const containerOom = ctx.all.find(
      (view) =>
        view !== v &&
        !isHostOomKill(view) &&
        (view.reason.toLowerCase() === 'oomkilled' || /\boomkilled\b/.test(view.text)),
    );
    const kubernetes = Boolean(v.node || v.pod || containerOom);
    const memoryEvidence =
      memory.length > 0 ? [`${listOf(memory, (view) => view.name)} firing for the same host`] : [];
    return {
      summary: `\`${v.name}\`: the kernel's OOM killer ended at least one process on ${hostRef(v)}, because memory ran out for the whole host or for a memory cgroup on it.${memory.length > 0 ? ` ${listOf(memory, (view) => view.name)} on the same host show its memory was exhausted.` : ''}`,
      causes: [
        cause(HOST_MEMORY_HOG, memory.length > 0 ? 0.65 : kubernetes ? 0.35 : 0.5, 'resource-exhaustion', [
          ...evidence,
          ...memoryEvidence,
        ]),
        cause(HOST_OVERCOMMIT, 0.3, 'capacity', evidence.slice(0, 1)),
        cause(
          'A memory cgroup hit its limit (a container limit or a systemd MemoryMax): the kernel counts those kills too',
          containerOom ? 0.7 : kubernetes ? 0.45 : 0.15,
          'capacity',
          containerOom ? [firedEvidence(containerOom), ...evidence.slice(0, 1)] : evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        host &&
          `ssh ${sh(host)} 'dmesg -T | grep -iE "out of memory|killed process" | tail -20'  # "Memory cgroup out of memory" = a cgroup limit; "Out of memory" alone = the whole host`,
        host && `ssh ${sh(host)} 'free -m; swapon --show; ps aux --sort=-rss | head -15'`,
        `PromQL: increase(node_vmstat_oom_kill${sel({ instance: v.instance })}[1h])`,
        `PromQL: node_memory_MemAvailable_bytes${sel({ instance: v.instance })} / node_memory_MemTotal_bytes${sel({ instance: v.instance })}`,
        kubernetes &&
          'kubectl get events -A --field-selector reason=SystemOOM  # the kubelet names the victim',
        runbookStep(v),
      ),
    };
  },
};

export const nodeCpuSteal: Signature = {
  id: 'node-cpu-steal',
  title: 'CPU steal (noisy neighbour)',
  weight: 38,
  names: ['HostCpuStealNoisyNeighbor'],
  namePattern: /cpusteal|stealtime/,
  textPattern: /mode="steal"|\bcpu steal\b/,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The VM ${hostRef(v)} loses CPU time to its hypervisor (steal): it waits for physical CPUs that other guests use, so everything on it slows down.${more(ctx, `hosts ${listOf(ctx.alerts, (a) => a.instance)}`)}`,
      causes: [
        cause(
          'Noisy neighbour: other VMs on the same hypervisor take the CPU (oversubscribed host)',
          0.5,
          'infrastructure',
          evidence,
        ),
        cause(
          'Burstable or spot instance out of CPU credits, throttled by the hypervisor',
          0.35,
          'capacity',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        host && `ssh ${sh(host)} 'mpstat -P ALL 1 5'  # %steal per CPU (or vmstat 1 5: the st column)`,
        `PromQL: avg by (instance) (rate(node_cpu_seconds_total${sel({ instance: v.instance, mode: 'steal' })}[5m])) * 100`,
        'Burstable instances (AWS T-class and the like): check the CPU credit balance (CloudWatch CPUCreditBalance)',
        'If the steal persists: stop and start the VM (not a reboot) to land on another hypervisor host, or move to a dedicated or larger instance type',
        runbookStep(v),
      ),
    };
  },
};

export const nodeDiskIo: Signature = {
  id: 'node-disk-io',
  title: 'Disk I/O saturated',
  weight: 48,
  names: [
    'HostCpuHighIowait',
    'NodeDiskIOSaturation',
    'HostUnusualDiskIo',
    'HostUnusualDiskReadLatency',
    'HostUnusualDiskWriteLatency',
    'HostUnusualDiskReadRate',
    'HostUnusualDiskWriteRate',
    'NodeDiskIOQueueHigh',
  ],
  namePattern: /iowait|diskiosaturation|disk\w*latency/,
  textPattern: /mode="iowait"|node_disk_io_time/,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const device = v.labels.device;
    const iowait = v.key.includes('iowait') || v.expr.includes('iowait');
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: iowait
        ? `\`${v.name}\`: the CPUs of ${hostRef(v)} spend much of their time waiting for I/O, so processes block on disk (or network storage) reads and writes.`
        : `\`${v.name}\`: disk${device ? ` \`${device}\`` : ''} on ${hostRef(v)} is saturated or slow, and every process reading or writing it waits.${more(ctx, `hosts ${listOf(ctx.alerts, (a) => a.instance)}`)}`,
      causes: [
        cause(
          'Disk I/O saturated: the storage cannot keep up (IOPS or throughput limit of the disk or volume)',
          0.45,
          'resource-exhaustion',
          evidence,
        ),
        cause(
          'A process does heavy disk I/O (backup, compaction, batch job, or swapping)',
          0.3,
          'application',
          evidence.slice(0, 1),
        ),
        cause(
          'Network storage (NFS, iSCSI, a cloud block volume) is slow or degraded',
          0.2,
          'infrastructure',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        host &&
          `ssh ${sh(host)} 'iostat -x 1 5'  # %util near 100 and high r_await/w_await mark the saturated device`,
        host &&
          `ssh ${sh(host)} 'sudo iotop -obn 3 | head -20'  # which processes do the I/O (or: pidstat -d 1 5)`,
        host && `ssh ${sh(host)} 'vmstat 1 5'  # si/so > 0: swapping adds to the I/O`,
        `PromQL: rate(node_disk_io_time_seconds_total${sel({ instance: v.instance, device })}[5m])  # ~1 = the device is busy all the time`,
        iowait &&
          `PromQL: avg by (instance) (rate(node_cpu_seconds_total${sel({ instance: v.instance, mode: 'iowait' })}[5m]))`,
        'Cloud volumes: compare with the provisioned IOPS and throughput (EBS BurstBalance, gp3/pd limits); NFS: nfsiostat',
        runbookStep(v),
      ),
    };
  },
};

export const nodeNetworkErrors: Signature = {
  id: 'node-network-errors',
  title: 'Network interface errors',
  weight: 46,
  names: [
    'NodeNetworkReceiveErrs',
    'NodeNetworkTransmitErrs',
    'HostNetworkReceiveErrors',
    'HostNetworkTransmitErrors',
  ],
  namePattern: /network(?:receive|transmit)err/,
  textPattern: /node_network_(?:receive|transmit)_errs_total/,
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const device = v.labels.device;
    const dev = device && DEVICE.test(device) ? device : undefined;
    const transmit = v.key.includes('transmit') || v.expr.includes('transmit_errs');
    const direction = transmit ? 'transmit' : 'receive';
    const matchers = { instance: v.instance, device };
    const evidence = alertEvidence(ctx.alerts);
    const link = cause(
      'Bad cable, switch port or link (CRC/frame errors, speed or duplex mismatch)',
      transmit ? 0.3 : 0.4,
      'network',
      evidence,
    );
    const nic = cause(
      'Faulty NIC, or its driver or firmware',
      transmit ? 0.4 : 0.35,
      'infrastructure',
      evidence,
    );
    return {
      summary: `\`${v.name}\`: interface ${device ? `\`${device}\`` : '?'} on ${hostRef(v)} reports ${direction} errors; frames fail at the NIC, so connections through it retransmit, slow down or fail.${more(ctx, `interfaces ${listOf(ctx.alerts, (a) => (a.labels.device ? `${hostOf(a)}/${a.labels.device}` : a.instance))}`)}`,
      causes: [
        transmit ? nic : link,
        transmit ? link : nic,
        cause(
          'MTU mismatch with the peer, or NIC ring buffers/queues overflowing under load',
          0.2,
          'network',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        host &&
          `ssh ${sh(host)} 'ip -s -s link show${dev ? ` dev ${dev}` : ''}'  # errors, dropped, overrun, crc`,
        host &&
          dev &&
          `ssh ${sh(host)} 'ethtool -S ${dev} | grep -iE "err|crc|drop|fifo|miss|over"'  # which NIC counter grows`,
        host &&
          dev &&
          `ssh ${sh(host)} 'ethtool ${dev}'  # link speed and duplex, to compare with the switch port`,
        host &&
          `ssh ${sh(host)} 'dmesg -T | grep -iE "${dev ? `${dev}|` : ''}link is (up|down)|tx timeout|reset" | tail -20'`,
        `PromQL: rate(node_network_${direction}_errs_total${sel(matchers)}[5m]) / rate(node_network_${direction}_packets_total${sel(matchers)}[5m])`,
        'Physical host: reseat or swap the cable, try another switch port and read its counters; VM: check the virtual NIC driver and the hypervisor',
        runbookStep(v),
      ),
    };
  },
};

export const nodeSignatures: Signature[] = [
  nodeNotReady,
  nodeUnreachable,
  nodeFilesystem,
  nodeMemory,
  nodeCpu,
  nodeClock,
  hostOomKill,
  nodeCpuSteal,
  nodeDiskIo,
  nodeNetworkErrors,
  etcdQuorum,
  etcdSlowDisk,
  etcdDatabaseSize,
  controlPlaneDown,
  clientCertExpiry,
];
