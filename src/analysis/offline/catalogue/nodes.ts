/** Nodes and the control plane: readiness, reachability, disks, memory, CPU, clocks, etcd, certificates. */
import { alertEvidence, cause, hostOf, listOf, runbookStep, sel, sh, steps } from '../facts.ts';
import type { Signature, SignatureContext } from '../types.ts';

const INODES = /inode|outoffiles|filesfillingup/;

const more = (ctx: SignatureContext, what: string): string =>
  ctx.alerts.length > 1 ? ` ${ctx.alerts.length} alerts in all, ${what}.` : '';

export const nodeNotReady: Signature = {
  id: 'node-not-ready',
  title: 'Node not ready',
  weight: 80,
  names: ['KubeNodeNotReady', 'KubernetesNodeNotReady', 'KubernetesNodeReady'],
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
        host && `ssh ${sh(host)} df -h${inodes ? 'i' : ''} ${mount ? sh(mount) : ''}`.trimEnd(),
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
    'NodeMemoryMajorPagesFaults',
    'KubeNodePressure',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const host = hostOf(v);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Memory on \`${v.instance ?? v.node ?? '?'}\` is nearly exhausted: the kernel will start OOM-killing and pods may be evicted.`,
      causes: [
        cause(
          'A process or pod on the host uses more memory than expected (leak or load)',
          0.5,
          'resource-exhaustion',
          evidence,
        ),
        cause(
          'Host overcommitted: pods without memory limits or too many workloads',
          0.35,
          'capacity',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        host && `ssh ${sh(host)} 'ps aux --sort=-rss | head -15'`,
        v.node
          ? `PromQL: topk(10, sum by (namespace, pod) (container_memory_working_set_bytes${sel({ node: v.node, container: '' })}))`
          : 'kubectl top pods -A --sort-by=memory | head -15',
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
  names: ['HostHighCpuLoad', 'NodeCPUHighUsage', 'NodeSystemSaturation', 'NodeLoadHigh'],
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
  names: ['NodeClockSkewDetected', 'NodeClockNotSynchronising', 'HostClockSkew', 'HostClockNotSynchronising'],
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
  title: 'etcd has no leader / lost members',
  weight: 92,
  names: ['etcdNoLeader', 'etcdInsufficientMembers', 'etcdMembersDown', 'etcdHighNumberOfLeaderChanges'],
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The etcd cluster${v.labels.job ? ` (job \`${v.labels.job}\`)` : ''} reports \`${v.name}\`${v.instance ? ` on \`${v.instance}\`` : ''}: without a stable leader the Kubernetes API cannot write.`,
      causes: [
        cause('etcd members down or partitioned: quorum lost', 0.5, 'infrastructure', evidence),
        cause(
          'Disk too slow for etcd (WAL fsync latency) causing leader elections',
          0.3,
          'resource-exhaustion',
          evidence.slice(0, 1),
        ),
        cause('Network latency or loss between etcd peers', 0.2, 'network', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        'etcdctl endpoint status --cluster -w table; etcdctl endpoint health --cluster',
        'PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])))',
        'PromQL: increase(etcd_server_leader_changes_seen_total[1h])',
        'kubectl -n kube-system get pods -l component=etcd -o wide',
        runbookStep(v),
      ),
    };
  },
};

export const controlPlaneDown: Signature = {
  id: 'control-plane-down',
  title: 'Kubernetes component down',
  weight: 84,
  names: [
    'KubeAPIDown',
    'KubeletDown',
    'KubeSchedulerDown',
    'KubeControllerManagerDown',
    'KubeProxyDown',
    'KubeAPIErrorBudgetBurn',
    'KubeAPITerminatedRequests',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    const burn = v.key === 'kubeapierrorbudgetburn' || v.key === 'kubeapiterminatedrequests';
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
            cause('etcd slow or unhealthy behind the API server', 0.3, 'dependency', evidence.slice(0, 1)),
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

export const nodeSignatures: Signature[] = [
  nodeNotReady,
  nodeUnreachable,
  nodeFilesystem,
  nodeMemory,
  nodeCpu,
  nodeClock,
  etcdQuorum,
  controlPlaneDown,
  clientCertExpiry,
];
