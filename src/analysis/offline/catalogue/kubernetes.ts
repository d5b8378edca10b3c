/**
 * More of kubernetes-mixin and awesome-prometheus-alerts' kube-state-metrics rules: kubelet capacity and
 * health, node pressure, aggregated APIs, API clients, persistent volumes, DaemonSets, HPAs, PDBs.
 */
import { kubectl, sel, sh } from '../facts.ts';
import type { Signature } from '../types.ts';
import { family, q } from './family.ts';

export const kubeletTooManyPods: Signature = family({
  id: 'kubelet-too-many-pods',
  title: 'Node at its pod capacity',
  weight: 47,
  names: ['KubeletTooManyPods', 'KubernetesNodeOutOfPodCapacity'],
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

export const nodePressure: Signature = family({
  id: 'node-pressure-eviction',
  title: 'Node under pressure, evicting pods',
  weight: 66,
  names: [
    'KubeNodeEviction',
    'KubernetesNodeDiskPressure',
    'KubernetesNodeNetworkUnavailable',
    'KubernetesNodePidPressure',
  ],
  summary: (v) =>
    v.key === 'kubernetesnodenetworkunavailable'
      ? `Node ${q(v.node)} reports NetworkUnavailable: its pod network (CNI) is not set up.`
      : `Node ${q(v.node)} is under resource pressure${v.labels.eviction_signal ? ` (\`${v.labels.eviction_signal}\`)` : ''}: the kubelet evicts pods to reclaim it.`,
  causes: (v) =>
    v.key === 'kubernetesnodenetworkunavailable'
      ? [
          [
            'The CNI plugin pod on the node (Calico, Cilium, aws-node…) is down or failing',
            0.55,
            'infrastructure',
          ],
          ['Cloud route or IP address allocation for the node failed', 0.25, 'network'],
        ]
      : [
          [
            'Disk (images, container logs, emptyDir) fills the node filesystem: nodefs/imagefs eviction threshold',
            0.4,
            'resource-exhaustion',
          ],
          ['Pods without memory requests/limits use more than the node has', 0.35, 'capacity'],
          ['Too many processes (PID pressure) from a fork-happy workload', 0.15, 'application'],
        ],
  steps: (v) => [
    v.node ? `kubectl describe node ${sh(v.node)} | sed -n '/Conditions/,/Addresses/p'` : 'kubectl get nodes',
    `kubectl get events -A --field-selector reason=Evicted --sort-by=.lastTimestamp | tail -20`,
    v.node &&
      `kubectl get pods -A --field-selector spec.nodeName=${sh(v.node)} -o wide | grep -E 'Evicted|Error'`,
    'On the node: df -h /var/lib/kubelet /var/lib/containerd; crictl rmi --prune  # unused images',
  ],
});

export const aggregatedApi: Signature = family({
  id: 'aggregated-api-down',
  title: 'Aggregated API unavailable',
  weight: 60,
  names: ['KubeAggregatedAPIDown', 'KubeAggregatedAPIErrors'],
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
  names: ['KubeHpaReplicasMismatch', 'KubernetesHpaMetricsUnavailability'],
  summary: (v) =>
    `HPA ${q(v.labels.horizontalpodautoscaler)}${v.namespace ? ` in \`${v.namespace}\`` : ''} ${v.key.includes('metrics') ? 'cannot read its metrics, so it does not scale' : 'has not matched its desired replicas'} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('metrics')
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
      ? `${kubectl(v.namespace)} describe hpa ${sh(v.labels.horizontalpodautoscaler)}`
      : `${kubectl(v.namespace)} get hpa`,
    `${kubectl(v.namespace)} get pods | grep -E 'Pending|CrashLoop|Error'`,
    'kubectl get apiservices | grep metrics',
  ],
});

export const pdbNotEnoughHealthy: Signature = family({
  id: 'pdb-not-enough-healthy',
  title: 'PodDisruptionBudget not met',
  weight: 45,
  names: ['KubePdbNotEnoughHealthyPods', 'KubernetesPdbNotEnoughHealthyPods'],
  summary: (v) =>
    `PodDisruptionBudget ${q(v.labels.poddisruptionbudget)}${v.namespace ? ` in \`${v.namespace}\`` : ''} has fewer healthy pods than it requires: node drains and upgrades are blocked, and the service runs with no margin.`,
  causes: [
    ['Pods of the workload are failing or not ready', 0.45, 'application'],
    ['The PDB is stricter than the replica count (minAvailable = replicas)', 0.35, 'configuration'],
  ],
  steps: (v) => [
    v.labels.poddisruptionbudget
      ? `${kubectl(v.namespace)} describe pdb ${sh(v.labels.poddisruptionbudget)}`
      : `${kubectl(v.namespace)} get pdb`,
    `${kubectl(v.namespace)} get pods -o wide | grep -vE 'Running|Completed'`,
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
];
