/**
 * The offline catalogue's Kubernetes, node and host coverage beyond kubernetes-mixin: older
 * awesome-prometheus-alerts names, smartctl and IPMI hardware, OpenShift's machine-config, cluster-version,
 * kube-apiserver and kube-controller-manager operators, and KubeVirt — each family with one realistic alert as
 * its rule renders it, and the runbook's first cause on top.
 */
import { describe, expect, it } from 'vitest';
import type { AlertSpec } from '../support/incidents.ts';
import { awesomeDescription, offlineHarness } from '../support/offline.ts';

const T0 = '2026-03-11T09:12:00.000Z';

const { alert, analyze, signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus-k8s-0:9090',
  incidentId: 11,
  service: 'unknown',
});
const awesome = awesomeDescription;

// [name, alert, signature id, top cause, a step that quotes a real label (or a fixed command)]
const FAMILIES: [string, AlertSpec, string, RegExp, string][] = [
  [
    'KubernetesApiServerLatency',
    {
      labels: {
        alertname: 'KubernetesApiServerLatency',
        verb: 'LIST',
        resource: 'pods',
        severity: 'warning',
      },
      annotations: {
        summary: 'Kubernetes API server latency (instance 10.0.0.4:6443)',
        description: awesome(
          'Kubernetes API server has a 99th percentile latency of 2.4 seconds for LIST pods.',
        ),
      },
    },
    'kube-apiserver-slow',
    /expensive LIST/,
    'apiserver_request_duration_seconds_bucket',
  ],
  [
    'HighAdmissionWebhookLatency',
    {
      labels: {
        alertname: 'HighAdmissionWebhookLatency',
        name: 'vault.hashicorp.com',
        type: 'admit',
        namespace: 'openshift-kube-apiserver',
      },
      annotations: {
        summary: 'An admission webhook is adding a significant amount of latency to API requests.',
        description: 'Admission webhook vault.hashicorp.com adds 1.8s latency to API requests.',
      },
    },
    'admission-webhook-latency',
    /service behind the webhook is slow/,
    'vault.hashicorp.com',
  ],
  [
    'KubeStateMetricsShardsMissing',
    {
      labels: { alertname: 'KubeStateMetricsShardsMissing', namespace: 'monitoring', severity: 'critical' },
      annotations: {
        summary: 'kube-state-metrics shards are missing.',
        description: 'kube-state-metrics shards are missing, some Kubernetes objects are not being exposed.',
      },
    },
    'kube-state-metrics-sharding',
    /shard pod is down/,
    'kubectl -n monitoring get pods -l app.kubernetes.io/name=kube-state-metrics',
  ],
  [
    'GarbageCollectorSyncFailed',
    {
      labels: { alertname: 'GarbageCollectorSyncFailed', namespace: 'openshift-kube-controller-manager' },
      annotations: {
        summary: 'There was a problem with syncing the resources for garbage collection.',
        description:
          'Garbage Collector had a problem with syncing and monitoring the available resources. Please see KubeControllerManager logs for more details.',
      },
    },
    'kube-garbage-collector-sync-failed',
    /conversion webhook/,
    'kubectl get apiservices',
  ],
  [
    'AuditLogError',
    {
      labels: {
        alertname: 'AuditLogError',
        apiserver: 'kube-apiserver',
        instance: '10.0.0.5:6443',
        severity: 'warning',
      },
      annotations: {
        summary:
          'An API Server instance was unable to write audit logs. This could be triggered by the node running out of space, or a malicious actor tampering with the audit logs.',
        description: 'An API Server had an error writing to an audit log.',
      },
    },
    'apiserver-audit-log-error',
    /out of disk space/,
    'apiserver_audit_error_total{instance="10.0.0.5:6443"}',
  ],
  [
    'KubeletHealthState',
    {
      labels: { alertname: 'KubeletHealthState', node: 'worker-2.ocp.example.com', severity: 'warning' },
      annotations: { summary: 'This keeps track of Kubelet health failures, and tallys them.' },
    },
    'kubelet-health-check-failing',
    /kubelet service failed/,
    'oc debug node/worker-2.ocp.example.com',
  ],
  [
    'SystemMemoryExceedsReservation',
    {
      labels: { alertname: 'SystemMemoryExceedsReservation', node: 'worker-4', severity: 'warning' },
      annotations: {
        summary:
          'Alerts the user when, for 15 minutes, a specific node is using more memory than is reserved',
        description:
          'System memory usage of 1.02G on worker-4 exceeds 95% of the reservation. Reserved memory ensures system processes can function even when the node is fully allocated and protects against workload out of memory events impacting the proper functioning of the node.',
      },
    },
    'system-memory-exceeds-reservation',
    /system-reserved memory is too small/,
    'node="worker-4"',
  ],
  [
    'NodeStatusMaxImagesExceeded',
    {
      labels: { alertname: 'NodeStatusMaxImagesExceeded', node: 'worker-7', severity: 'info' },
      annotations: {
        summary: 'Node worker-7 has exceeded the maximum number of images reported in its status.',
      },
    },
    'node-status-max-images',
    /nodeStatusMaxImages/,
    'On worker-7',
  ],
  [
    'ClusterOperatorDegraded',
    {
      labels: {
        alertname: 'ClusterOperatorDegraded',
        name: 'authentication',
        reason: 'OAuthServerDeployment_UnavailablePod',
        severity: 'warning',
      },
      annotations: {
        summary: 'Cluster operator has been degraded for 30 minutes.',
        description:
          "The authentication operator is degraded because OAuthServerDeployment_UnavailablePod, and the components it manages may have reduced quality of service.  Cluster upgrades may not complete. For more information refer to 'oc adm upgrade' or https://console.example.com/settings/cluster/.",
      },
    },
    'openshift-cluster-operator',
    /infrastructure failure/,
    'oc get clusteroperator authentication',
  ],
  [
    'ClusterVersionOperatorDown',
    {
      labels: { alertname: 'ClusterVersionOperatorDown', severity: 'critical' },
      annotations: {
        summary: 'Cluster version operator has disappeared from Prometheus target discovery.',
        description:
          'The operator may be down or disabled. The cluster will not be kept up to date and upgrades will not be possible.',
      },
    },
    'openshift-cluster-version',
    /pod is not running/,
    'oc -n openshift-cluster-version get deployment,pods -o wide',
  ],
  [
    'ExtremelyHighIndividualControlPlaneCPU',
    {
      labels: {
        alertname: 'ExtremelyHighIndividualControlPlaneCPU',
        instance: 'master-1.ocp.example.com',
        node: 'master-1.ocp.example.com',
        severity: 'critical',
      },
      annotations: {
        summary:
          'Sustained high CPU utilization on a single control plane node, more CPU pressure is likely to cause a failover; increase available CPU.',
        description:
          'Extreme CPU pressure can cause slow serialization and poor performance from the kube-apiserver and etcd.',
      },
    },
    'control-plane-resource-pressure',
    /many API calls/,
    'node="master-1.ocp.example.com"',
  ],
  [
    'MCCDrainError',
    {
      labels: { alertname: 'MCCDrainError', exported_node: 'worker-1.ocp.example.com', severity: 'warning' },
      annotations: {
        summary:
          'Alerts the user to a failed node drain. Always triggers when the failure happens one or more times.',
        description:
          'Drain failed on worker-1.ocp.example.com , updates may be blocked. For more details check MachineConfigController pod logs: oc logs -f -n openshift-machine-config-operator machine-config-controller-xxxxx -c machine-config-controller',
      },
    },
    'mco-drain-error',
    /PodDisruptionBudget/,
    'spec.nodeName=worker-1.ocp.example.com',
  ],
  [
    'MCDPivotError',
    {
      labels: {
        alertname: 'MCDPivotError',
        node: 'worker-3.ocp.example.com',
        pod: 'machine-config-daemon-x7k2p',
        namespace: 'openshift-machine-config-operator',
      },
      annotations: {
        summary:
          'Alerts the user when an error is detected upon pivot. This triggers if the pivot errors are above zero for 2 minutes.',
        description:
          'Error detected in pivot logs on worker-3.ocp.example.com , upgrade may be blocked. For more details:  oc logs -f -n openshift-machine-config-operator machine-config-daemon-x7k2p -c machine-config-daemon',
      },
    },
    'mco-pivot-error',
    /cannot pull the OS image/,
    'oc debug node/worker-3.ocp.example.com',
  ],
  [
    'MCDRebootError',
    {
      labels: { alertname: 'MCDRebootError', node: 'worker-5.ocp.example.com', severity: 'critical' },
      annotations: {
        summary: 'Alerts the user that a node failed to reboot one or more times over a span of 5 minutes.',
        description: 'Reboot failed on worker-5.ocp.example.com , update may be blocked.',
      },
    },
    'mco-reboot-error',
    /reboot command fails/,
    'oc debug node/worker-5.ocp.example.com',
  ],
  [
    'MachineConfigControllerPausedPoolKubeletCA',
    {
      labels: { alertname: 'MachineConfigControllerPausedPoolKubeletCA', pool: 'infra', severity: 'warning' },
      annotations: {
        summary:
          'Alerts the user when a paused pool is preventing a kubelet CA rotation from being deployed.',
        description: 'Machine config pool infra is paused and is blocking a necessary certificate rotation.',
      },
    },
    'mco-pool-config',
    /administrator paused the pool/,
    'oc patch mcp infra',
  ],
  [
    'RuncDeprecated',
    {
      labels: { alertname: 'RuncDeprecated', severity: 'info' },
      annotations: { summary: 'This cluster is using runc, which is deprecated.' },
    },
    'openshift-runc-deprecated',
    /upgraded from OpenShift 4\.17/,
    'container_runtime_crio_default_runtime',
  ],
  [
    'SmartMediaErrors',
    {
      labels: {
        alertname: 'SmartMediaErrors',
        instance: 'storage-3:9633',
        device: 'nvme0',
        severity: 'critical',
      },
      annotations: {
        summary: 'Smart media errors (instance storage-3:9633)',
        description: awesome('device has media errors (instance storage-3:9633)'),
      },
    },
    'disk-smart-failing',
    /drive is failing/,
    'smartctl -a /dev/nvme0',
  ],
  [
    'IpmiFanSpeedSensorCritical',
    {
      labels: {
        alertname: 'IpmiFanSpeedSensorCritical',
        instance: 'db-7.dc1:9290',
        name: 'FAN3',
        severity: 'critical',
      },
      annotations: {
        summary: 'IPMI fan speed sensor critical (instance db-7.dc1:9290)',
        description: awesome(
          'IPMI fan sensor FAN3 on db-7.dc1:9290 is in critical state. A fan may have failed.',
        ),
      },
    },
    'ipmi-hardware',
    /fan failed/,
    'ipmitool sdr elist',
  ],
  [
    'VirtHandlerDown',
    {
      labels: { alertname: 'VirtHandlerDown', namespace: 'openshift-cnv', severity: 'critical' },
      annotations: {
        summary: 'There are no running virt-handler pods.',
      },
    },
    'kubevirt-component-down',
    /cannot be scheduled/,
    'kubectl -n openshift-cnv get pods -o wide -l kubevirt.io=virt-handler',
  ],
  [
    'VirtHandlerRESTErrorsBurst',
    {
      labels: {
        alertname: 'VirtHandlerRESTErrorsBurst',
        namespace: 'openshift-cnv',
        pod: 'virt-handler-8xq2c',
      },
      annotations: {
        summary: 'More than 80% of the rest calls failed in virt-handler for the last 5 minutes',
      },
    },
    'kubevirt-rest-errors',
    /API server is overloaded/,
    'kubectl -n openshift-cnv logs -l kubevirt.io=virt-handler',
  ],
  [
    'KubeVirtVMStuckInStartingState',
    {
      labels: {
        alertname: 'KubeVirtVMStuckInStartingState',
        name: 'rhel9-db',
        namespace: 'vms',
        status: 'starting',
      },
      annotations: {
        summary: 'Virtual Machine rhel9-db is stuck in starting state for more than 5 minutes.',
      },
    },
    'kubevirt-vm-stuck',
    /virt-launcher pod is not scheduled/,
    'kubectl -n vms describe vmi rhel9-db',
  ],
  [
    'VMCannotBeEvicted',
    {
      labels: { alertname: 'VMCannotBeEvicted', name: 'win2k22-ad', namespace: 'vms', node: 'worker-6' },
      annotations: {
        description:
          'Eviction policy for VirtualMachine win2k22-ad in namespace vms (on node worker-6) is set to Live Migration but the VM is not migratable',
      },
    },
    'kubevirt-vm-migration',
    /ReadWriteOnce/,
    'kubectl -n vms get vmi win2k22-ad',
  ],
  [
    'OrphanedVirtualMachineInstances',
    {
      labels: { alertname: 'OrphanedVirtualMachineInstances', node: 'worker-8' },
      annotations: {
        summary:
          'No ready virt-handler pod detected on node worker-8 with running vmis for more than 10 minutes',
      },
    },
    'kubevirt-orphaned-vmis',
    /virt-handler DaemonSet pod/,
    'kubectl describe node worker-8',
  ],
  [
    'KubevirtVmHighMemoryUsage',
    {
      labels: {
        alertname: 'KubevirtVmHighMemoryUsage',
        name: 'fedora-web',
        namespace: 'vms',
        pod: 'virt-launcher-fedora-web-4mlx8',
        container: 'compute',
      },
      annotations: {
        description:
          'Container compute in pod virt-launcher-fedora-web-4mlx8 in namespace vms free memory is less than 20 MB and it is close to requested memory',
      },
    },
    'kubevirt-vm-resources',
    /memory request\/limit of the VM/,
    'kubectl -n vms top pod virt-launcher-fedora-web-4mlx8 --containers',
  ],
  [
    'VMNonRecoverableOSPanic',
    {
      labels: { alertname: 'VMNonRecoverableOSPanic', name: 'win-app', namespace: 'vms' },
      annotations: {
        summary:
          'VM win-app in namespace vms has experienced more than 5 non-recoverable guest OS panics in the last 24 hours.',
      },
    },
    'kubevirt-guest-panic',
    /update made the guest unstable/,
    'kubectl -n vms describe vmi win-app',
  ],
  [
    'LowKVMNodesCount',
    {
      labels: { alertname: 'LowKVMNodesCount', severity: 'warning' },
      annotations: {
        description: 'Low number of nodes with KVM resource available.',
        summary: 'At least two nodes with kvm resource required for VM live migration.',
      },
    },
    'kubevirt-kvm-nodes',
    /Hardware virtualization/,
    '/dev/kvm',
  ],
  [
    'KubeVirtComponentExceedsRequestedMemory',
    {
      labels: {
        alertname: 'KubeVirtComponentExceedsRequestedMemory',
        namespace: 'kubevirt',
        pod: 'virt-controller-6d4f9c7b8-x2mzq',
        container: 'virt-controller',
      },
      annotations: {
        description:
          'Container virt-controller in pod virt-controller-6d4f9c7b8-x2mzq memory usage exceeds the memory requested',
        summary:
          'The container is using more memory than what is defined in the containers resource requests',
      },
    },
    'kubevirt-component-resources',
    /request\/limit is too low/,
    'kubectl -n kubevirt top pod -l kubevirt.io=virt-controller',
  ],
  [
    'KubeMacPoolDuplicateMacsFound',
    {
      labels: { alertname: 'KubeMacPoolDuplicateMacsFound', namespace: 'openshift-cnv' },
      annotations: { summary: 'Duplicate macs found.' },
    },
    'kubevirt-duplicate-mac',
    /same MAC address/,
    'already allocated',
  ],
  [
    'APIRemovedInNextReleaseInUse',
    {
      labels: {
        alertname: 'APIRemovedInNextReleaseInUse',
        group: 'policy',
        version: 'v1beta1',
        resource: 'poddisruptionbudgets',
        removed_release: '1.25',
        severity: 'info',
      },
      annotations: {
        summary: 'Deprecated API that will be removed in the next version is being used.',
        description:
          'Deprecated API that will be removed in the next version is being used. Removing the workload that is using the policy.v1beta1/poddisruptionbudgets API might be necessary for a successful upgrade to the next cluster version with Kubernetes 1.25. Refer to `oc get apirequestcounts poddisruptionbudgets.v1beta1.policy -o yaml` to identify the workload.',
      },
    },
    'kube-deprecated-api-in-use',
    /still calls the old API version/,
    'oc get apirequestcounts poddisruptionbudgets.v1beta1.policy',
  ],
  [
    'HighlyAvailableWorkloadIncorrectlySpread',
    {
      labels: {
        alertname: 'HighlyAvailableWorkloadIncorrectlySpread',
        namespace: 'openshift-monitoring',
        workload: 'prometheus-k8s',
      },
      annotations: {
        summary:
          'Highly-available workload is incorrectly spread across multiple nodes and manual intervention is needed.',
        description:
          'Workload openshift-monitoring/prometheus-k8s is incorrectly spread across multiple nodes which breaks high-availability requirements. Since the workload is using persistent volumes, manual intervention is needed.',
      },
    },
    'ha-workload-incorrectly-spread',
    /placed on the same node/,
    'grep prometheus-k8s',
  ],
  [
    'VMStorageClassWarning',
    {
      labels: { alertname: 'VMStorageClassWarning', name: 'win2k19-sql', namespace: 'vms' },
      annotations: {
        summary: '1 Virtual Machines are in risk of causing CRC errors and major service outages',
        description:
          "When running VMs using ODF storage with 'rbd' mounter or 'rbd.csi.ceph.com provisioner', VMs may cause reports of bad crc/signature errors and cluster performance may be severely degraded if krbd:rxbounce is not set.",
      },
    },
    'kubevirt-vm-config',
    /krbd:rxbounce/,
    'kubevirt_ssp_vm_rbd_block_volume_without_rxbounce',
  ],
];

describe('offline catalogue: Kubernetes, nodes, hosts, OpenShift and KubeVirt families', () => {
  it.each(FAMILIES)('%s', (_name, spec, id, topCause, step) => {
    expect(signatureOf(spec)).toBe(id);
    const analysis = analyze([alert(spec)]);
    expect(analysis.summary).not.toMatch(/No known signature/);
    expect(analysis.rootCauses[0]?.title).toMatch(topCause);
    expect(analysis.rootCauses[0]?.evidence.join('\n')).toContain(`\`${spec.labels.alertname}\` firing`);
    expect(analysis.nextSteps.join('\n')).toContain(step);
    const likelihoods = analysis.rootCauses.map((c) => c.likelihood);
    expect([...likelihoods].sort((a, b) => b - a)).toEqual(likelihoods);
  });
});

describe('offline catalogue: names added to existing Kubernetes and host signatures', () => {
  const cases: [string, string][] = [
    ['KubernetesMemoryPressure', 'node-memory'],
    ['KubernetesDiskPressure', 'node-pressure-eviction'],
    ['KubernetesNetworkUnavailable', 'node-pressure-eviction'],
    ['KubernetesOutOfCapacity', 'kubelet-too-many-pods'],
    ['KubernetesHpaMetricAvailability', 'hpa-replicas-mismatch'],
    ['KubernetesHpaScalingAbility', 'hpa-replicas-mismatch'],
    ['KubernetesHpaScaleCapability', 'hpa-maxed-out'],
    ['KubernetesReplicassetMismatch', 'deployment-replicas-mismatch'],
    ['KubernetesClientCertificateExpiresSoon', 'kube-client-cert-expiry'],
    ['PodDisruptionBudgetAtLimit', 'pdb-not-enough-healthy'],
    ['HAControlPlaneDown', 'node-not-ready'],
    ['HighCPUWorkload', 'node-cpu'],
    ['NodeClockNotSynchronizing', 'node-clock'],
    ['HostInodesWillFillIn24Hours', 'node-filesystem'],
    ['HostRaidDiskFailure', 'node-raid-degraded'],
    ['NodeNetworkInterfaceDown', 'node-network-flapping'],
    ['OutdatedSnapshots', 'vmware-host'],
    ['VMPVPanicReboot', 'kubevirt-guest-panic'],
    ['HighNodeCPUFrequency', 'node-cpu'],
    ['NodeDiskIOQueueHigh', 'node-disk-io'],
    ['AggregatedAPIErrors', 'aggregated-api-down'],
    ['KubeAPILatencyHigh', 'kube-apiserver-slow'],
    ['ClusterOperatorDown', 'openshift-cluster-operator'],
    ['CannotRetrieveUpdates', 'openshift-cluster-version'],
    ['MCCPoolAlert', 'mco-pool-config'],
    ['SmartNvmeWearoutIndicator', 'disk-smart-failing'],
    ['IpmiChassisPowerOff', 'ipmi-hardware'],
    ['KubeVirtVMStuckInMigratingState', 'kubevirt-vm-stuck'],
    ['OutdatedVirtualMachineInstanceWorkloads', 'kubevirt-vm-migration'],
    ['GuestVCPUQueueHighCritical', 'kubevirt-vm-resources'],
    ['KubeVirtNoAvailableNodesToRunVMs', 'kubevirt-kvm-nodes'],
    ['NoReadyVirtController', 'kubevirt-component-down'],
    ['VirtApiRESTErrorsHigh', 'kubevirt-rest-errors'],
    ['KubevirtVmHighMemoryUsageBasedOnRequests', 'kubevirt-vm-resources'],
    ['VMOutdatedMachineType', 'kubevirt-vm-config'],
    ['KubeMemOvercommit', 'overcommit'],
    ['KubeCronJobRunning', 'job-failed'],
    ['KubeNodePressure', 'node-pressure-eviction'],
  ];
  it.each(cases)('%s → %s', (name, id) => {
    expect(signatureOf({ labels: { alertname: name } })).toBe(id);
  });

  it('KubernetesNetworkUnavailable names the CNI, not disk pressure', () => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'KubernetesNetworkUnavailable', node: 'worker-2' },
        annotations: { description: awesome('worker-2 has NetworkUnavailable condition') },
      }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(/CNI plugin/);
  });

  it('KubernetesHpaMetricAvailability blames the metrics pipeline', () => {
    const analysis = analyze([
      alert({
        labels: {
          alertname: 'KubernetesHpaMetricAvailability',
          namespace: 'shop',
          horizontalpodautoscaler: 'web',
        },
        annotations: { description: awesome('HPA is not able to collect metrics') },
      }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(/metrics-server/);
  });

  it('PodDisruptionBudgetAtLimit puts the PDB configuration first', () => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'PodDisruptionBudgetAtLimit', namespace: 'shop', poddisruptionbudget: 'web' },
        annotations: {
          summary: 'The pod disruption budget is preventing further disruption to pods.',
          description:
            'The pod disruption budget is at the minimum disruptions allowed level. The number of current healthy pods is equal to the desired healthy pods.',
        },
      }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(/no slack/);
  });

  it.each([
    ['MemoryPressure', /memory requests\/limits/],
    ['DiskPressure', /Disk \(images, container logs/],
    ['PIDPressure', /Too many processes/],
  ])('KubeNodePressure with condition %s puts that resource first', (condition, topCause) => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'KubeNodePressure', node: 'worker-3', condition, status: 'true' },
        annotations: {
          description: `Node worker-3 has active Condition ${condition}. This is caused by resource usage exceeding eviction thresholds.`,
          summary: 'Node has as active Condition.',
        },
      }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(topCause);
  });

  it('KubernetesCronjobTooLong is a job that does not finish, not one that failed', () => {
    const analysis = analyze([
      alert({
        labels: { alertname: 'KubernetesCronjobTooLong', namespace: 'etl', cronjob: 'nightly-export' },
        annotations: {
          description: awesome('CronJob etl/nightly-export is taking more than 1h to complete.'),
        },
      }),
    ]);
    expect(analysis.rootCauses[0]?.title).toMatch(/stuck or much slower/);
  });

  // Rules that name no cause get the honest "no known signature" answer.
  it.each([
    'HostUnusualNetworkThroughputIn',
    'HostNetworkInterfaceSaturated',
    'HostCpuIsUnderutilized',
    'KubernetesHpaUnderutilized',
  ])('%s stays unknown', (name) => {
    expect(signatureOf({ labels: { alertname: name, instance: 'h:9100' } })).toBeUndefined();
  });
});
