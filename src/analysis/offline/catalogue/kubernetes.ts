/**
 * More of kubernetes-mixin and awesome-prometheus-alerts' kube-state-metrics rules: kubelet capacity and
 * health, node pressure, aggregated APIs, API clients, persistent volumes, DaemonSets, HPAs, PDBs.
 */
import { hostOf, kubectl, pq, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { family, q } from './family.ts';

export const kubeletTooManyPods: Signature = family({
  id: 'kubelet-too-many-pods',
  title: 'Node at its pod capacity',
  weight: 47,
  names: ['KubeletTooManyPods', 'KubernetesNodeOutOfPodCapacity', 'KubernetesOutOfCapacity'],
  summary: (v) =>
    `Node ${q(v.node)} runs close to its maximum number of pods (\`${v.name}\`): new pods cannot be scheduled there.`,
  causes: [
    [
      'Many small pods packed on the node: the kubelet maxPods limit (often 110, or the ENI limit on EKS) is reached before CPU/memory',
      0.45,
      'capacity',
    ],
    ['Completed or evicted pods, or a DaemonSet/Job burst, pile up on the node', 0.3, 'resource-exhaustion'],
    ['The cluster is short of nodes: the autoscaler is at its maximum or cannot add nodes', 0.2, 'capacity'],
  ],
  steps: (v) => [
    v.node
      ? `kubectl get pods -A --field-selector spec.nodeName=${sh(v.node)} --no-headers | wc -l; kubectl get node ${sh(v.node)} -o jsonpath='{.status.capacity.pods}'`
      : 'kubectl get nodes -o custom-columns=NAME:.metadata.name,PODS:.status.capacity.pods',
    v.node && `kubectl get pods -A --field-selector spec.nodeName=${sh(v.node)},status.phase!=Running`,
    'Check the kubelet maxPods setting (or the CNI/ENI pod limit) and the cluster autoscaler status',
  ],
});

export const kubeletPleg: Signature = family({
  id: 'kubelet-pleg-slow',
  title: 'Kubelet slow to relist or start pods',
  weight: 56,
  names: ['KubeletPlegDurationHigh'],
  summary: (v) =>
    v.key === 'kubeletplegdurationhigh'
      ? `The kubelet on ${q(v.node)} takes too long to relist its containers (PLEG): the node is about to turn NotReady ("PLEG is not healthy").`
      : `The kubelet on ${q(v.node)} takes over a minute (p99) to start pods.`,
  causes: [
    ['The container runtime (containerd/CRI-O) is slow or hung', 0.4, 'infrastructure'],
    ['Node overloaded: too many containers, CPU or disk I/O saturated', 0.35, 'capacity'],
    ['Slow image pulls or volume attachment delay pod start-up', 0.2, 'dependency'],
  ],
  steps: (v) => [
    v.node && `kubectl describe node ${sh(v.node)} | sed -n '/Conditions/,/Addresses/p'`,
    'On the node: journalctl -u kubelet --since "30 min ago" | grep -iE "pleg|runtime|timeout" | tail -30',
    'On the node: crictl ps | wc -l; crictl info | head -20; iostat -x 1 3',
    `PromQL: histogram_quantile(0.99, sum by (le) (rate(kubelet_pleg_relist_duration_seconds_bucket${sel({ node: v.node })}[5m])))`,
  ],
});

export const nodeFlapping: Signature = family({
  id: 'node-readiness-flapping',
  title: 'Node readiness flapping',
  weight: 62,
  names: ['KubeNodeReadinessFlapping'],
  summary: (v) =>
    `Node ${q(v.node)} keeps switching between Ready and NotReady: pods on it get evicted and rescheduled.`,
  causes: [
    [
      'The kubelet loses contact with the API server intermittently (network, overloaded API server)',
      0.35,
      'network',
    ],
    ['Node resource pressure (memory, disk, PIDs) or a struggling container runtime', 0.35, 'capacity'],
    ['Kubelet restarting (crashes, certificate or config problems)', 0.2, 'infrastructure'],
  ],
  steps: (v) => [
    v.node ? `kubectl describe node ${sh(v.node)} | sed -n '/Conditions/,/Addresses/p'` : 'kubectl get nodes',
    v.node &&
      `kubectl get events -A --field-selector involvedObject.name=${sh(v.node)} --sort-by=.lastTimestamp | tail -20`,
    'On the node: journalctl -u kubelet --since "1 hour ago" | grep -iE "error|fail|not ready" | tail -30',
  ],
});

/** Which resource a node-pressure alert is about: its `condition` or `eviction_signal` label, else its name. */
function pressureOf(v: AlertView): 'memory' | 'disk' | 'pid' | 'network' | undefined {
  if (v.key.includes('networkunavailable')) return 'network';
  const said = `${v.labels.condition ?? ''} ${v.labels.eviction_signal ?? ''} ${v.key}`.toLowerCase();
  if (said.includes('memory')) return 'memory';
  if (said.includes('pid')) return 'pid';
  if (/disk|nodefs|imagefs|containerfs/.test(said)) return 'disk';
  return undefined;
}

const DISK_PRESSURE =
  'Disk (images, container logs, emptyDir) fills the node filesystem: nodefs/imagefs eviction threshold';

export const nodePressure: Signature = family({
  id: 'node-pressure-eviction',
  title: 'Node under pressure, evicting pods',
  weight: 66,
  names: [
    'KubeNodeEviction',
    'KubeNodePressure',
    'KubernetesNodeDiskPressure',
    'KubernetesNodeNetworkUnavailable',
    'KubernetesNodePidPressure',
    'KubernetesDiskPressure',
    'KubernetesNetworkUnavailable',
  ],
  summary: (v) =>
    pressureOf(v) === 'network'
      ? `Node ${q(v.node)} reports NetworkUnavailable: its pod network (CNI) is not set up.`
      : `Node ${q(v.node)} is under ${pressureOf(v) ?? 'resource'} pressure${v.labels.eviction_signal ? ` (\`${v.labels.eviction_signal}\`)` : v.labels.condition ? ` (\`${v.labels.condition}\`)` : ''}: the kubelet evicts pods to reclaim it.`,
  causes: (v) => {
    switch (pressureOf(v)) {
      case 'network':
        return [
          [
            'The CNI plugin pod on the node (Calico, Cilium, aws-node…) is down or failing',
            0.55,
            'infrastructure',
          ],
          ['Cloud route or IP address allocation for the node failed', 0.25, 'network'],
        ];
      case 'disk':
        return [
          [DISK_PRESSURE, 0.5, 'resource-exhaustion'],
          [
            'Pods write large ephemeral data (emptyDir, logs) without ephemeral-storage limits',
            0.25,
            'application',
          ],
          ['Non-Kubernetes files on the node (old logs, temporary files) take the space', 0.15, 'data'],
        ];
      case 'memory':
        return [
          ['Pods without memory requests/limits use more than the node has', 0.45, 'capacity'],
          ['A pod or a non-Kubernetes process on the node leaks or spikes memory', 0.3, 'application'],
          [
            'Kubelet eviction thresholds or system-reserved are set too tight for the node',
            0.15,
            'configuration',
          ],
        ];
      case 'pid':
        return [
          ['Too many processes (PID pressure) from a fork-happy workload', 0.5, 'application'],
          ['Too many pods and containers for the node PID limit (no podPidsLimit set)', 0.3, 'configuration'],
        ];
      default:
        return [
          [DISK_PRESSURE, 0.4, 'resource-exhaustion'],
          ['Pods without memory requests/limits use more than the node has', 0.35, 'capacity'],
          ['Too many processes (PID pressure) from a fork-happy workload', 0.15, 'application'],
        ];
    }
  },
  steps: (v) => [
    v.node ? `kubectl describe node ${sh(v.node)} | sed -n '/Conditions/,/Addresses/p'` : 'kubectl get nodes',
    `kubectl get events -A --field-selector reason=Evicted --sort-by=.lastTimestamp | tail -20`,
    v.node &&
      `kubectl get pods -A --field-selector spec.nodeName=${sh(v.node)} -o wide | grep -E 'Evicted|Error'`,
    pressureOf(v) === 'memory'
      ? `PromQL: topk(10, sum by (namespace, pod) (container_memory_working_set_bytes{container!=""${v.node ? `, node=${pq(v.node)}` : ''}}))`
      : pressureOf(v) === 'pid'
        ? 'On the node: ps -eLf | wc -l; cat /proc/sys/kernel/pid_max; ps -e -o comm= | sort | uniq -c | sort -rn | head'
        : 'On the node: df -h /var/lib/kubelet /var/lib/containerd; crictl rmi --prune  # unused images',
  ],
});

export const aggregatedApi: Signature = family({
  id: 'aggregated-api-down',
  title: 'Aggregated API unavailable',
  weight: 60,
  names: ['KubeAggregatedAPIDown', 'KubeAggregatedAPIErrors', 'AggregatedAPIErrors'],
  summary: (v) =>
    `The aggregated API ${q(v.labels.name)}${v.labels.namespace ? ` in \`${v.labels.namespace}\`` : ''} is ${v.key === 'kubeaggregatedapidown' ? 'unavailable' : 'reported unavailable again and again'}: \`kubectl top\`, HPAs and namespace deletion that depend on it fail.`,
  causes: [
    ['The backing service (metrics-server, custom metrics adapter) is down or not ready', 0.5, 'application'],
    [
      'The API server cannot reach it: network policy, firewall between control plane and pods, expired serving certificate',
      0.35,
      'network',
    ],
  ],
  steps: (v) => [
    'kubectl get apiservices | grep -v True',
    v.labels.name && `kubectl get apiservice ${sh(v.labels.name)} -o yaml | sed -n '/status:/,$p'`,
    'kubectl -n kube-system get pods -l k8s-app=metrics-server -o wide',
    `PromQL: sum by (name, namespace) (increase(aggregator_unavailable_apiservice_total${sel({ name: v.labels.name })}[10m]))`,
  ],
});

export const apiClientErrors: Signature = family({
  id: 'kube-api-client-errors',
  title: 'Kubernetes API errors',
  weight: 50,
  names: [
    'KubeClientErrors',
    'KubernetesApiClientErrors',
    'KubernetesApiServerErrors',
    'KubeStateMetricsListErrors',
    'KubeStateMetricsWatchErrors',
  ],
  summary: (v) =>
    `${v.labels.job ? `\`${v.labels.job}\`${v.instance ? ` on \`${v.instance}\`` : ''}` : 'A client of the Kubernetes API'} gets errors from the API server (\`${v.name}\`).`,
  causes: [
    ['The API server answers 5xx: overloaded, or etcd behind it slow', 0.4, 'dependency'],
    ['The client lacks RBAC permissions or uses an expired token/certificate', 0.3, 'configuration'],
    ['Network between the client and the API server is unreliable', 0.2, 'network'],
  ],
  steps: (v) => [
    'kubectl get --raw=/readyz?verbose | tail -15',
    `PromQL: sum by (code, job) (rate(rest_client_requests_total${sel({ job: v.labels.job, instance: v.instance })}[5m]))`,
    v.labels.job &&
      v.namespace &&
      `${kubectl(v.namespace)} logs -l app.kubernetes.io/name=${sh(v.labels.job)} --tail=50 | grep -iE 'forbidden|unauthorized|error'`,
  ],
});

export const versionMismatch: Signature = family({
  id: 'kube-version-mismatch',
  title: 'Kubernetes components at different versions',
  weight: 12,
  names: ['KubeVersionMismatch', 'KubernetesVersionMismatch'],
  summary: () =>
    'Kubernetes components run different minor versions: usually an upgrade in progress or left half-done.',
  causes: [
    [
      'A cluster upgrade is in progress or stopped half-way (control plane upgraded, some node pools not)',
      0.6,
      'deployment',
    ],
    ['A node pool was left on an old version (auto-upgrade disabled)', 0.3, 'configuration'],
  ],
  steps: () => [
    'kubectl version; kubectl get nodes -o custom-columns=NAME:.metadata.name,VERSION:.status.nodeInfo.kubeletVersion | sort -k2',
    'PromQL: count by (git_version) (kubernetes_build_info)',
  ],
});

export const pvErrors: Signature = family({
  id: 'persistent-volume-errors',
  title: 'Persistent volume failed or claim pending',
  weight: 70,
  names: [
    'KubePersistentVolumeErrors',
    'KubernetesPersistentvolumeError',
    'KubernetesPersistentvolumeclaimPending',
  ],
  summary: (v) =>
    v.key === 'kubernetespersistentvolumeclaimpending'
      ? `PersistentVolumeClaim ${q(v.labels.persistentvolumeclaim)}${v.namespace ? ` in \`${v.namespace}\`` : ''} is Pending: no volume is bound, so its pods cannot start.`
      : `PersistentVolume ${q(v.labels.persistentvolume)} is in phase \`${v.labels.phase ?? 'Failed/Pending'}\`.`,
  causes: [
    [
      'The storage provisioner (CSI driver) fails to create or attach the volume: quota, zone, driver down',
      0.45,
      'infrastructure',
    ],
    [
      'StorageClass missing or wrong (name typo, no default class, WaitForFirstConsumer with no pod)',
      0.3,
      'configuration',
    ],
    [
      'The released volume cannot be reclaimed (Retain policy, recycler or deleter failed)',
      0.15,
      'configuration',
    ],
  ],
  steps: (v) => [
    v.labels.persistentvolumeclaim
      ? `${kubectl(v.namespace)} describe pvc ${sh(v.labels.persistentvolumeclaim)}`
      : v.labels.persistentvolume
        ? `kubectl describe pv ${sh(v.labels.persistentvolume)}`
        : 'kubectl get pv,pvc -A | grep -vE "Bound"',
    'kubectl get storageclass',
    'kubectl get pods -A | grep -iE "csi|provisioner"',
    `${kubectl(v.namespace)} get events --sort-by=.lastTimestamp | grep -iE 'provision|attach|mount' | tail -20`,
  ],
});

export const daemonSetScheduling: Signature = family({
  id: 'daemonset-not-scheduled',
  title: 'DaemonSet pods not scheduled where expected',
  weight: 50,
  names: ['KubeDaemonSetNotScheduled', 'KubeDaemonSetMisScheduled', 'KubernetesDaemonsetMisscheduled'],
  summary: (v) =>
    `DaemonSet ${q(v.labels.daemonset)}${v.namespace ? ` in \`${v.namespace}\`` : ''} ${v.key.includes('misscheduled') ? 'runs pods on nodes where it should not' : 'does not run on every node it should'} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('misscheduled')
      ? [
          [
            'Node labels or taints changed after the pods were placed (nodeSelector/affinity no longer matches)',
            0.55,
            'configuration',
          ],
          ['Tolerations broader than intended', 0.25, 'configuration'],
        ]
      : [
          [
            'Nodes have taints the DaemonSet does not tolerate, or do not match its nodeSelector',
            0.4,
            'configuration',
          ],
          ['Not enough free CPU/memory on some nodes for the DaemonSet pod', 0.35, 'capacity'],
          ['The DaemonSet pods crash or fail to pull their image on some nodes', 0.2, 'application'],
        ],
  steps: (v) => [
    v.labels.daemonset
      ? `${kubectl(v.namespace)} describe daemonset ${sh(v.labels.daemonset)} | sed -n '/Desired/,/Events/p'`
      : `${kubectl(v.namespace)} get daemonsets`,
    v.labels.daemonset &&
      `${kubectl(v.namespace)} get pods -o wide | grep ${sh(v.labels.daemonset)} | grep -v Running`,
    'kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints[*].key',
  ],
});

export const hpaMismatch: Signature = family({
  id: 'hpa-replicas-mismatch',
  title: 'HPA cannot reach its desired replicas or read its metrics',
  weight: 48,
  names: [
    'KubeHpaReplicasMismatch',
    'KubernetesHpaMetricsUnavailability',
    'KubernetesHpaMetricAvailability',
    'KubernetesHpaScalingAbility',
  ],
  summary: (v) =>
    `HPA ${q(v.labels.horizontalpodautoscaler)}${v.namespace ? ` in \`${v.namespace}\`` : ''} ${v.key.includes('metric') ? 'cannot read its metrics, so it does not scale' : v.key.includes('scalingability') ? 'reports AbleToScale=False: it cannot change the scale of its target' : 'has not matched its desired replicas'} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('metric')
      ? [
          [
            'metrics-server or the custom metrics adapter is down (aggregated API unavailable)',
            0.5,
            'dependency',
          ],
          [
            'Target pods have no CPU/memory requests, or the metric name/selector is wrong',
            0.35,
            'configuration',
          ],
        ]
      : v.key.includes('scalingability')
        ? [
            [
              'The HPA cannot get or update the scale of its target (scaleTargetRef names a missing or renamed workload, or RBAC denies it)',
              0.5,
              'configuration',
            ],
            [
              'The controller-manager cannot reach the API server to update the scale subresource',
              0.25,
              'dependency',
            ],
          ]
        : [
            [
              'New replicas cannot be scheduled: cluster out of capacity or the autoscaler cannot add nodes',
              0.4,
              'capacity',
            ],
            ['A ResourceQuota or the namespace limits block new pods', 0.25, 'configuration'],
            ['New replicas crash or never get ready', 0.25, 'application'],
          ],
  steps: (v) => [
    v.labels.horizontalpodautoscaler
      ? `${kubectl(v.namespace)} describe hpa ${sh(v.labels.horizontalpodautoscaler)}  # Conditions: AbleToScale, ScalingActive, ScalingLimited`
      : `${kubectl(v.namespace)} get hpa`,
    `${kubectl(v.namespace)} get pods | grep -E 'Pending|CrashLoop|Error'`,
    'kubectl get apiservices | grep metrics',
  ],
});

export const pdbNotEnoughHealthy: Signature = family({
  id: 'pdb-not-enough-healthy',
  title: 'PodDisruptionBudget not met',
  weight: 45,
  names: [
    'KubePdbNotEnoughHealthyPods',
    'KubernetesPdbNotEnoughHealthyPods',
    'PodDisruptionBudgetLimit',
    'PodDisruptionBudgetAtLimit',
  ],
  summary: (v) =>
    v.key === 'poddisruptionbudgetatlimit'
      ? `PodDisruptionBudget ${q(v.labels.poddisruptionbudget)}${v.namespace ? ` in \`${v.namespace}\`` : ''} is at its limit: it allows no disruption, so node drains and upgrades block on its pods.`
      : `PodDisruptionBudget ${q(v.labels.poddisruptionbudget)}${v.namespace ? ` in \`${v.namespace}\`` : ''} has fewer healthy pods than it requires: node drains and upgrades are blocked, and the service runs with no margin.`,
  causes: (v) =>
    v.key === 'poddisruptionbudgetatlimit'
      ? [
          [
            'The PDB leaves no slack: minAvailable equals the replica count (or maxUnavailable is 0)',
            0.5,
            'configuration',
          ],
          [
            'Extra pods of the workload are not healthy (crashing, pending, failing readiness)',
            0.35,
            'application',
          ],
        ]
      : [
          ['Pods of the workload are failing or not ready', 0.45, 'application'],
          ['The PDB is stricter than the replica count (minAvailable = replicas)', 0.35, 'configuration'],
        ],
  steps: (v) => [
    v.labels.poddisruptionbudget
      ? `${kubectl(v.namespace)} describe pdb ${sh(v.labels.poddisruptionbudget)}  # Min available / Max unavailable, Allowed disruptions, current healthy`
      : `${kubectl(v.namespace)} get pdb`,
    `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'`,
    `${kubectl(v.namespace)} get events --sort-by=.lastTimestamp | tail -20`,
  ],
});

export const cronJobSuspended: Signature = family({
  id: 'cronjob-not-running',
  title: 'CronJob suspended or Job not starting',
  weight: 30,
  names: ['KubernetesCronjobSuspended', 'KubernetesJobNotStarting', 'KubernetesJobSlowCompletion'],
  summary: (v) =>
    `${v.labels.cronjob ? `CronJob ${q(v.labels.cronjob)}` : `Job ${q(v.labels.job_name)}`}${v.namespace ? ` in \`${v.namespace}\`` : ''}: \`${v.name}\`.`,
  causes: (v) =>
    v.key === 'kubernetescronjobsuspended'
      ? [['Someone suspended the CronJob (spec.suspend: true) and did not resume it', 0.7, 'configuration']]
      : [
          ['Job pods cannot be scheduled (quota, capacity) or fail to start', 0.45, 'capacity'],
          ['The job runs longer than expected (more data, slow dependency)', 0.3, 'application'],
        ],
  steps: (v) => [
    v.labels.cronjob
      ? `${kubectl(v.namespace)} get cronjob ${sh(v.labels.cronjob)} -o jsonpath='{.spec.suspend} {.status.lastScheduleTime}'`
      : `${kubectl(v.namespace)} get jobs`,
    v.labels.cronjob &&
      `${kubectl(v.namespace)} patch cronjob ${sh(v.labels.cronjob)} -p '{"spec":{"suspend":false}}'  # once intended`,
    v.labels.job_name && `${kubectl(v.namespace)} describe job ${sh(v.labels.job_name)}`,
  ],
});

export const apiServerSlow: Signature = family({
  id: 'kube-apiserver-slow',
  title: 'Kubernetes API server slow or failing requests',
  weight: 58,
  names: ['KubernetesApiServerLatency', 'KubeAPILatencyHigh', 'KubeAPILatencyCritical', 'KubeAPIErrorsHigh'],
  summary: (v) =>
    v.key === 'kubeapierrorshigh'
      ? `The Kubernetes API server answers a high share of requests with errors${v.labels.verb ? ` (\`${v.labels.verb}\`${v.labels.resource ? ` ${v.labels.resource}` : ''})` : ''}.`
      : `The Kubernetes API server is slow${v.labels.verb ? ` for \`${v.labels.verb}\`${v.labels.resource ? ` ${v.labels.resource}` : ''}` : ''}: every controller, kubectl and operator waits on it.`,
  causes: (v) =>
    v.key === 'kubeapierrorshigh'
      ? [
          ['etcd behind the API server is slow, overloaded or unhealthy', 0.4, 'dependency'],
          [
            'API server overloaded by expensive LIST/WATCH calls from a misbehaving controller or client',
            0.3,
            'capacity',
          ],
          ['An admission webhook or aggregated API it calls fails or times out', 0.2, 'dependency'],
        ]
      : [
          [
            'API server overloaded by expensive LIST calls or a client flooding it (operator, controller, CI)',
            0.4,
            'capacity',
          ],
          ['etcd behind the API server is slow (disk latency, large database)', 0.3, 'dependency'],
          ['A slow admission webhook adds latency to every write it intercepts', 0.2, 'dependency'],
        ],
  steps: () => [
    "kubectl get --raw='/readyz?verbose' | tail -20",
    'PromQL: histogram_quantile(0.99, sum by (verb, resource, le) (rate(apiserver_request_duration_seconds_bucket{verb!~"WATCH|CONNECT"}[5m])))',
    'PromQL: topk(10, sum by (verb, resource) (rate(apiserver_request_total[5m])))  # which requests dominate',
    'PromQL: topk(10, sum by (flow_schema, priority_level) (rate(apiserver_flowcontrol_dispatched_requests_total[5m])))  # which clients (API Priority and Fairness)',
    'PromQL: histogram_quantile(0.99, sum by (name, le) (rate(apiserver_admission_webhook_admission_duration_seconds_bucket[5m])))',
    'PromQL: histogram_quantile(0.99, sum by (le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])))',
  ],
});

export const admissionWebhookLatency: Signature = family({
  id: 'admission-webhook-latency',
  title: 'Admission webhook slowing API requests',
  weight: 50,
  names: ['HighAdmissionWebhookLatency'],
  summary: (v) =>
    `Admission webhook ${q(v.labels.name)} adds significant latency to the API requests it intercepts${v.labels.type ? ` (${v.labels.type})` : ''}.`,
  causes: [
    [
      'The service behind the webhook is slow or overloaded (too few replicas, CPU throttled)',
      0.5,
      'dependency',
    ],
    [
      'The API server reaches the webhook slowly or times out (network policy, DNS, an unhealthy endpoint)',
      0.3,
      'network',
    ],
    [
      'The webhook intercepts far more requests than it needs (broad rules or namespaceSelector)',
      0.15,
      'configuration',
    ],
  ],
  steps: (v) => [
    'kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations',
    v.labels.name &&
      `kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations -o json | jq --arg n ${sh(v.labels.name)} '.items[] | .metadata.name as $config | .webhooks[]? | select(.name == $n) | {config: $config, service: .clientConfig.service, timeoutSeconds, failurePolicy}'`,
    `PromQL: histogram_quantile(0.99, sum by (name, le) (rate(apiserver_admission_webhook_admission_duration_seconds_bucket${sel({ name: v.labels.name })}[5m])))`,
    'Check the webhook service pods (their logs, readiness, CPU) and the API server logs for "failed calling webhook"',
  ],
});

export const ksmSharding: Signature = family({
  id: 'kube-state-metrics-sharding',
  title: 'kube-state-metrics shards misconfigured or missing',
  weight: 30,
  names: ['KubeStateMetricsShardingMismatch', 'KubeStateMetricsShardsMissing'],
  summary: (v) =>
    v.key.includes('missing')
      ? 'kube-state-metrics shards are missing: the Kubernetes objects of those shards are not exposed, so alerts on them go silent.'
      : 'kube-state-metrics pods run with different --total-shards: some objects are exposed twice and some not at all.',
  causes: (v) =>
    v.key.includes('missing')
      ? [
          ['A kube-state-metrics shard pod is down, pending or crash looping', 0.55, 'infrastructure'],
          [
            'Prometheus no longer scrapes one shard (ServiceMonitor or endpoints changed)',
            0.3,
            'configuration',
          ],
        ]
      : [
          [
            'The shard pods were started with different --total-shards (rollout in progress or a manual edit)',
            0.6,
            'configuration',
          ],
          ['The StatefulSet replica count and the --total-shards flag disagree', 0.3, 'configuration'],
        ],
  steps: (v) => [
    v.namespace
      ? `${kubectl(v.namespace)} get pods -l app.kubernetes.io/name=kube-state-metrics -o wide`
      : 'kubectl get pods -A -l app.kubernetes.io/name=kube-state-metrics -o wide',
    'PromQL: kube_state_metrics_shard_ordinal  # one series per running shard',
    'PromQL: count_values("total_shards", kube_state_metrics_total_shards)  # every shard must report the same total',
  ],
});

export const garbageCollectorSync: Signature = family({
  id: 'kube-garbage-collector-sync-failed',
  title: 'Garbage collector cannot sync',
  weight: 40,
  names: ['GarbageCollectorSyncFailed'],
  summary: () =>
    'The kube-controller-manager garbage collector cannot sync its caches: objects owned by deleted objects (pods of a deleted ReplicaSet, old Jobs) are not cleaned up.',
  causes: [
    [
      'A CustomResourceDefinition conversion webhook fails (broken or half-upgraded CRD)',
      0.5,
      'configuration',
    ],
    ['API discovery fails: an aggregated API (APIService) is unavailable', 0.3, 'dependency'],
    ['kube-controller-manager cannot reach the API server reliably (network)', 0.15, 'network'],
  ],
  steps: () => [
    'kubectl -n openshift-kube-controller-manager logs -l app=kube-controller-manager -c kube-controller-manager --tail=200 | grep -iE "garbage|graph_builder|conversion"  # or kube-system on vanilla clusters',
    'kubectl get apiservices | grep -v True',
    'kubectl get crd -o json | jq -r \'.items[] | select(.spec.conversion.strategy == "Webhook") | .metadata.name\'',
  ],
});

export const auditLogError: Signature = family({
  id: 'apiserver-audit-log-error',
  title: 'API server cannot write audit logs',
  weight: 40,
  names: ['AuditLogError'],
  summary: (v) =>
    `The API server${v.instance ? ` on \`${v.instance}\`` : ''} fails to write audit log events: security events go unrecorded.`,
  causes: [
    [
      'The node hosting this API server is out of disk space where the audit logs are written',
      0.5,
      'resource-exhaustion',
    ],
    [
      'Audit log files or directory have wrong ownership, mode or attributes (possible tampering)',
      0.25,
      'configuration',
    ],
    ['The API server hits an unexpected error writing the log', 0.15, 'application'],
  ],
  steps: (v) => [
    `PromQL: rate(apiserver_audit_error_total${sel({ instance: v.instance })}[5m]) / rate(apiserver_audit_event_total${sel({ instance: v.instance })}[5m])`,
    'On the node: df -h /var/log; ls -la /var/log/kube-apiserver/ /var/log/openshift-apiserver/ 2>/dev/null; lsattr /var/log/kube-apiserver/*.log',
    'Check whether NodeFilesystemSpaceFillingUp / NodeFilesystemAlmostOutOfSpace fires for the same node',
  ],
});

export const kubeletHealthState: Signature = family({
  id: 'kubelet-health-check-failing',
  role: 'cause',
  title: 'Kubelet health check failing',
  weight: 70,
  names: ['KubeletHealthState'],
  summary: (v) =>
    `The machine-config-daemon's kubelet health check (localhost:10248/healthz) keeps failing${v.node ? ` on \`${v.node}\`` : ''}: the node is about to go NotReady.`,
  causes: [
    ['The kubelet service failed or is inactive (see its journal for the reason)', 0.5, 'infrastructure'],
    [
      'The node is starved of CPU, memory or disk, so the kubelet stops answering',
      0.3,
      'resource-exhaustion',
    ],
    ['localhost does not resolve on the node (/etc/hosts lost its localhost entries)', 0.15, 'configuration'],
  ],
  steps: (v) => [
    v.node ? `kubectl describe node ${sh(v.node)} | sed -n '/Conditions/,/Addresses/p'` : 'kubectl get nodes',
    v.node
      ? `oc debug node/${sh(v.node)} -- chroot /host sh -c 'systemctl status kubelet --no-pager; journalctl -u kubelet -n 100 --no-pager'`
      : 'On the node: systemctl status kubelet --no-pager; journalctl -u kubelet -n 100 --no-pager',
    'On the node: curl -s http://localhost:10248/healthz; ss -ltnp | grep 10248; grep localhost /etc/hosts',
  ],
});

export const systemMemoryReservation: Signature = family({
  id: 'system-memory-exceeds-reservation',
  title: 'System daemons exceed their memory reservation',
  weight: 34,
  names: ['SystemMemoryExceedsReservation'],
  summary: (v) =>
    `System daemons (system.slice: kubelet, CRI-O, …) on ${q(v.node)} use more than 95% of the memory the kubelet reserves for them.`,
  causes: [
    ['system-reserved memory is too small for the node (default 1Gi)', 0.5, 'configuration'],
    [
      'A system daemon (kubelet, CRI-O, journald) uses more memory than usual (leak or many containers)',
      0.35,
      'application',
    ],
  ],
  steps: (v) => [
    `PromQL: sum by (node) (container_memory_rss${sel({ id: '/system.slice', node: v.node })})`,
    `PromQL: kube_node_status_capacity${sel({ node: v.node, resource: 'memory' })} - kube_node_status_allocatable${sel({ node: v.node, resource: 'memory' })}`,
    `${v.node ? `oc debug node/${sh(v.node)} -- chroot /host ` : 'On the node: '}systemd-cgtop -b -m -n 1 system.slice`,
    'Raise systemReserved memory (or set autoSizingReserved: true) in a KubeletConfig for the pool',
  ],
});

export const nodeStatusMaxImages: Signature = family({
  id: 'node-status-max-images',
  title: 'Node reports the maximum number of images',
  weight: 10,
  names: ['NodeStatusMaxImagesExceeded'],
  summary: (v) =>
    `Node ${q(v.node)} holds more images than its status reports (nodeStatusMaxImages): the scheduler's image-locality scoring is wrong.`,
  causes: [
    [
      'Many images cached on the node exceed the kubelet nodeStatusMaxImages limit (default 50)',
      0.65,
      'configuration',
    ],
  ],
  steps: (v) => [
    'kubectl get nodes -o json | jq -r \'.items[] | "\\(.metadata.name) \\(.status.images | length)"\'',
    v.node && `On ${v.node}: crictl images | wc -l; crictl rmi --prune`,
    'Raise nodeStatusMaxImages in the KubeletConfig (or -1 to disable the limit)',
  ],
});

/** OpenShift's cluster-version-operator reports every ClusterOperator: `name` is the operator. */
export const clusterOperator: Signature = family({
  id: 'openshift-cluster-operator',
  title: 'OpenShift cluster operator down or degraded',
  weight: 64,
  names: ['ClusterOperatorDown', 'ClusterOperatorDegraded', 'ClusterOperatorFlapping'],
  summary: (v) =>
    `ClusterOperator ${q(v.labels.name)} is ${v.key.includes('down') ? 'not Available' : v.key.includes('flapping') ? 'changing its Available/Degraded state again and again' : 'Degraded'}${v.reason ? ` (reason \`${v.reason}\`)` : ''}: what it manages runs below its desired state.`,
  causes: (v) =>
    v.key.includes('down')
      ? [
          [
            'The operand of the operator is down: its pods crash, are unschedulable, or sit on a failed node',
            0.45,
            'infrastructure',
          ],
          ['An upgrade is rolling this operator and stalled', 0.25, 'deployment'],
          [
            'The operator is misconfigured (its config resource or a required secret is invalid)',
            0.2,
            'configuration',
          ],
        ]
      : [
          [
            'A persistent infrastructure failure under the operand (unhealthy control-plane node, storage, network)',
            0.4,
            'infrastructure',
          ],
          [
            'The operator or its operand is misconfigured; the condition message names what',
            0.3,
            'configuration',
          ],
          ['An upgrade in progress; the state may recover by itself', 0.2, 'deployment'],
        ],
  steps: (v) => [
    'oc get clusteroperators',
    v.labels.name
      ? `oc get clusteroperator ${sh(v.labels.name)} -o json | jq .status.conditions`
      : 'oc get clusteroperators -o json | jq -r \'.items[] | select(.status.conditions[] | select(.type == "Degraded" and .status == "True")) | .metadata.name\'',
    v.labels.name && `oc get clusteroperator ${sh(v.labels.name)} -o json | jq .status.relatedObjects`,
    v.labels.name &&
      `oc adm inspect clusteroperator/${sh(v.labels.name)} --dest-dir=inspect-${sh(v.labels.name)}`,
    'oc get clusterversion; oc get nodes',
  ],
});

export const clusterVersion: Signature = family({
  id: 'openshift-cluster-version',
  title: 'OpenShift cluster-version operator or update service problem',
  weight: 44,
  names: ['ClusterVersionOperatorDown', 'CannotRetrieveUpdates'],
  summary: (v) =>
    v.key === 'cannotretrieveupdates'
      ? 'The cluster-version operator cannot retrieve the available updates from its update service.'
      : 'The cluster-version operator has provided no metrics for over 10 minutes: cluster updates and operator reconciliation may be stalled.',
  causes: (v) =>
    v.key === 'cannotretrieveupdates'
      ? [
          [
            'The cluster cannot reach the update service (disconnected network, proxy or firewall blocking it)',
            0.5,
            'network',
          ],
          ['The configured channel or upstream URL in ClusterVersion is wrong', 0.3, 'configuration'],
        ]
      : [
          [
            'The cluster-version-operator pod is not running (crashing, or its node failed or evicted it)',
            0.5,
            'infrastructure',
          ],
          [
            'Prometheus cannot scrape it: certificate problems between Prometheus and the CVO metrics endpoint',
            0.25,
            'certificate',
          ],
          [
            'Prometheus cannot store metrics: its volume is full ("no space left on device")',
            0.15,
            'resource-exhaustion',
          ],
        ],
  steps: (v) => [
    "oc get clusterversion -o json | jq '.items[].status.conditions'",
    v.key === 'cannotretrieveupdates'
      ? "oc get clusterversion version -o jsonpath='{.spec.channel} {.spec.upstream}'; oc get proxy cluster -o yaml"
      : 'oc -n openshift-cluster-version get deployment,pods -o wide',
    'oc -n openshift-cluster-version logs deployment/cluster-version-operator --tail=100',
  ],
});

export const controlPlaneResources: Signature = family({
  id: 'control-plane-resource-pressure',
  title: 'Control-plane nodes short of CPU or memory',
  weight: 50,
  names: [
    'ExtremelyHighIndividualControlPlaneCPU',
    'HighOverallControlPlaneCPU',
    'ExtremelyHighIndividualControlPlaneMemory',
    'HighOverallControlPlaneMemory',
  ],
  summary: (v) =>
    `${v.key.includes('individual') ? `Control-plane node ${q(v.node ?? hostOf(v))}` : 'The control-plane nodes together'} ${v.key.includes('memory') ? 'use too much memory' : 'run at very high CPU'}: the API server and etcd slow down, and losing one control-plane node could cascade.`,
  causes: (v) =>
    v.key.includes('memory')
      ? [
          [
            'Control-plane nodes are undersized for the cluster (objects, clients, workloads)',
            0.4,
            'capacity',
          ],
          [
            'kube-apiserver or etcd memory grows with many objects or expensive LIST/WATCH clients',
            0.35,
            'capacity',
          ],
          ['Workloads other than the control plane run on the control-plane nodes', 0.15, 'configuration'],
        ]
      : [
          [
            'A new or misbehaving workload generates many API calls, loading kube-apiserver and etcd',
            0.4,
            'application',
          ],
          ['Control-plane nodes are undersized for the cluster', 0.3, 'capacity'],
          [
            'Clients retry heavily because of an underlying degradation, multiplying the load',
            0.2,
            'dependency',
          ],
        ],
  steps: (v) => [
    v.key.includes('memory')
      ? 'oc adm top pods -A --sort-by=memory | head -20'
      : `PromQL: topk(5, sum by (namespace, pod, container) (irate(container_cpu_usage_seconds_total{container!="", pod!=""${v.node ? `, node=${pq(v.node)}` : ''}}[4m])))`,
    'oc get nodes -l node-role.kubernetes.io/control-plane; oc adm top nodes',
    'PromQL: topk(10, sum by (resource, verb) (rate(apiserver_request_total[5m])))',
    'Grow the control-plane nodes (CPU/memory) if the load is legitimate',
  ],
});

export const mcoDrainError: Signature = family({
  id: 'mco-drain-error',
  title: 'Machine config update cannot drain a node',
  weight: 56,
  names: ['MCCDrainError', 'MCDDrainError'],
  summary: (v) =>
    `The Machine Config Operator cannot drain node ${q(v.node ?? v.labels.exported_node)}: the node cannot reboot into its new config, so MachineConfig changes and the cluster upgrade stall.`,
  causes: [
    ['A PodDisruptionBudget forbids evicting a pod on the node', 0.45, 'configuration'],
    [
      'A pod cannot terminate: its volume does not unmount (e.g. NFS server unreachable) or finalizers hold it',
      0.25,
      'infrastructure',
    ],
    ['An admission webhook blocks or times out on the pod deletion', 0.2, 'dependency'],
  ],
  steps: (v) => [
    'oc -n openshift-machine-config-operator logs deployment/machine-config-controller -c machine-config-controller | grep -iE "drain|evict" | tail -30',
    "oc get pdb -A -o wide | awk '$5 == 0 || NR == 1'  # ALLOWED DISRUPTIONS 0",
    (v.node ?? v.labels.exported_node) &&
      `oc get pods -A -o wide --field-selector spec.nodeName=${sh(v.node ?? v.labels.exported_node ?? '')} | grep -v Running`,
    'oc get validatingwebhookconfigurations,mutatingwebhookconfigurations',
  ],
});

export const mcoPivotError: Signature = family({
  id: 'mco-pivot-error',
  title: 'Machine config daemon cannot update the OS image',
  weight: 54,
  names: ['MCDPivotError'],
  summary: (v) =>
    `The Machine Config Daemon on ${q(v.node)} fails to pivot the node to its new OS image or kernel: the node stays on the old config and upgrades stall.`,
  causes: [
    [
      'The node cannot pull the OS image (registry, proxy or firewall blocks it; bad reference)',
      0.45,
      'network',
    ],
    ['rpm-ostree is stuck ("Transaction in progress") or its service fails', 0.35, 'infrastructure'],
    ['ostree-finalize-staged fails to apply the staged update', 0.15, 'infrastructure'],
  ],
  steps: (v) => [
    `oc -n openshift-machine-config-operator logs ${v.pod ? sh(v.pod) : '<machine-config-daemon pod on the node>'} -c machine-config-daemon | grep -iE "rebase|pivot|error" | tail -30`,
    v.node && `oc debug node/${sh(v.node)} -- chroot /host rpm-ostree status`,
    v.node &&
      `oc debug node/${sh(v.node)} -- chroot /host journalctl -u rpm-ostreed -u ostree-finalize-staged -n 50 --no-pager`,
    'If rpm-ostree is stuck: on the node, systemctl restart rpm-ostreed',
  ],
});

export const mcoRebootError: Signature = family({
  id: 'mco-reboot-error',
  title: 'Machine config daemon cannot reboot a node',
  weight: 52,
  names: ['MCDRebootError'],
  summary: (v) =>
    `The Machine Config Daemon on ${q(v.node)} cannot reboot the node: pending MachineConfig changes are not applied and the machine-config operator degrades.`,
  causes: [
    [
      'The reboot command fails on the node (systemd-run/systemctl reboot error; see the daemon log)',
      0.55,
      'infrastructure',
    ],
    [
      'The node OS is in a bad state (failed systemd units, read-only or full filesystem)',
      0.3,
      'infrastructure',
    ],
  ],
  steps: (v) => [
    `oc -n openshift-machine-config-operator logs ${v.pod ? sh(v.pod) : '<machine-config-daemon pod on the node>'} -c machine-config-daemon | grep -iE "reboot" | tail -20`,
    v.node && `oc debug node/${sh(v.node)} -- chroot /host journalctl -b -n 100 --no-pager`,
    'PromQL: mcd_reboots_failed_total > 0',
  ],
});

export const mcoPoolConfig: Signature = family({
  id: 'mco-pool-config',
  title: 'MachineConfigPool will not apply its config',
  weight: 46,
  names: ['MCCPoolAlert', 'MachineConfigControllerPausedPoolKubeletCA'],
  summary: (v) =>
    v.key === 'mccpoolalert'
      ? `Node ${q(v.node)} matches both the master pool and a custom MachineConfigPool: only the master configs apply to it.`
      : `MachineConfigPool ${q(v.labels.pool)} is paused while a rotated kubelet CA waits to be deployed: its nodes stop working when the old CA expires.`,
  causes: (v) =>
    v.key === 'mccpoolalert'
      ? [
          [
            'Overlapping node labels: the node matches the nodeSelector of the master pool and of a custom pool',
            0.7,
            'configuration',
          ],
        ]
      : [
          [
            'An administrator paused the pool (spec.paused: true) and did not resume it',
            0.7,
            'configuration',
          ],
          ['An operator (e.g. SR-IOV) paused the pool and did not finish its work', 0.15, 'application'],
        ],
  steps: (v) => [
    `oc get mcp -o custom-columns='NAME:.metadata.name,PAUSED:.spec.paused,UPDATED:.status.conditions[?(@.type=="Updated")].status'`,
    v.key === 'mccpoolalert'
      ? v.node
        ? `oc get node ${sh(v.node)} --show-labels; oc get mcp -o json | jq '.items[] | {name: .metadata.name, nodeSelector: .spec.nodeSelector}'`
        : "oc get mcp -o json | jq '.items[] | {name: .metadata.name, nodeSelector: .spec.nodeSelector}'"
      : `oc patch mcp ${sh(v.labels.pool ?? '<pool>')} --type=merge -p '{"spec":{"paused":false}}'  # applies ALL pending config, not only the CA`,
    'oc -n openshift-machine-config-operator logs deployment/machine-config-controller -c machine-config-controller --tail=50',
  ],
});

export const runcDeprecated: Signature = family({
  id: 'openshift-runc-deprecated',
  title: 'Nodes still use the deprecated runc runtime',
  weight: 6,
  names: ['RuncDeprecated'],
  summary: () =>
    'Some nodes run containers with the deprecated runc runtime instead of crun: future upgrades may be blocked.',
  causes: [
    [
      'The cluster was upgraded from OpenShift 4.17, whose override MachineConfigs keep runc as the default runtime',
      0.6,
      'configuration',
    ],
    ['A ContainerRuntimeConfig sets defaultRuntime: runc', 0.3, 'configuration'],
  ],
  steps: () => [
    'PromQL: container_runtime_crio_default_runtime{runtime="runc"}',
    'oc get machineconfig | grep -E "override.*container-runtime"; oc get containerruntimeconfig',
  ],
});

export const deprecatedApiInUse: Signature = family({
  id: 'kube-deprecated-api-in-use',
  title: 'Clients use an API version that is being removed',
  weight: 14,
  names: [
    'APIRemovedInNextReleaseInUse',
    'APIRemovedInNextEUSReleaseInUse',
    'KubeVirtDeprecatedAPIRequested',
  ],
  summary: (v) =>
    `Requests use the deprecated API ${q([v.labels.group, v.labels.version, v.labels.resource].filter(Boolean).join('/') || undefined)}${v.labels.removed_release ? `, removed in Kubernetes ${v.labels.removed_release}` : ''}: they fail once the cluster is upgraded past it.`,
  causes: (v) =>
    v.key.startsWith('kubevirt')
      ? [
          [
            'A client, script or VM manifest still uses the deprecated KubeVirt API version',
            0.55,
            'configuration',
          ],
          [
            'KubeVirt components themselves still request it (harmless until the API is removed)',
            0.3,
            'application',
          ],
        ]
      : [
          [
            'A workload, operator, Helm chart or CI job still calls the old API version',
            0.65,
            'configuration',
          ],
        ],
  steps: (v) => [
    v.labels.resource && v.labels.version
      ? `oc get apirequestcounts ${sh([v.labels.resource, v.labels.version, v.labels.group].filter(Boolean).join('.'))} -o yaml  # status.currentHour…byUser: the username and userAgent of each caller`
      : 'oc get apirequestcounts  # REMOVEDINRELEASE column: the deprecated APIs still requested',
    'PromQL: sum by (group, version, resource, removed_release) (apiserver_requested_deprecated_apis)',
    'Move the callers (manifests, charts, operators) to the supported API version before upgrading',
  ],
});

export const haWorkloadSpread: Signature = family({
  id: 'ha-workload-incorrectly-spread',
  title: 'Highly available workload runs on a single node',
  weight: 26,
  names: ['HighlyAvailableWorkloadIncorrectlySpread'],
  summary: (v) =>
    `All replicas of ${q(v.labels.workload)}${v.namespace ? ` in \`${v.namespace}\`` : ''} run on one node: that node is a single point of failure.`,
  causes: [
    [
      'Its replicas and their persistent volumes were placed on the same node before anti-affinity or spread constraints existed',
      0.55,
      'configuration',
    ],
    [
      'Zone-bound persistent volumes pin the replicas to the node where they were first created',
      0.3,
      'infrastructure',
    ],
  ],
  steps: (v) => [
    `${kubectl(v.namespace)} get pods -o wide${v.labels.workload ? ` | grep ${sh(v.labels.workload)}` : ''}`,
    'kubectl get nodes -L topology.kubernetes.io/zone',
    'Cordon the node, delete one replica (and its PVC if volumes are zone-bound: data loss for that replica), let it reschedule, then uncordon',
  ],
});

export const kubernetesSignatures: Signature[] = [
  kubeletTooManyPods,
  kubeletPleg,
  nodeFlapping,
  nodePressure,
  aggregatedApi,
  apiClientErrors,
  versionMismatch,
  pvErrors,
  daemonSetScheduling,
  hpaMismatch,
  pdbNotEnoughHealthy,
  cronJobSuspended,
  apiServerSlow,
  admissionWebhookLatency,
  ksmSharding,
  garbageCollectorSync,
  auditLogError,
  kubeletHealthState,
  systemMemoryReservation,
  nodeStatusMaxImages,
  clusterOperator,
  clusterVersion,
  controlPlaneResources,
  mcoDrainError,
  mcoPivotError,
  mcoRebootError,
  mcoPoolConfig,
  runcDeprecated,
  deprecatedApiInUse,
  haWorkloadSpread,
];
