/**
 * The offline catalogue's Kubernetes, node and host coverage beyond kubernetes-mixin: older
 * awesome-prometheus-alerts names, smartctl and IPMI hardware, OpenShift's machine-config, cluster-version,
 * kube-apiserver and kube-controller-manager operators, and KubeVirt — each family with one realistic alert as
 * its rule renders it, and the runbook's first cause on top. The families of signatures that are data now are
 * `examples:` in `catalogue/*.yaml` (run by catalogue-data.test.ts); the KubeVirt ones stay until theirs is.
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
