/** Pods and containers: OOM kills, image pulls, config errors, crash loops, readiness, throttling. */
import type { ProposedAction } from '../../schema.ts';
import {
  alertEvidence,
  cause,
  containerRef,
  isHostOomKill,
  kubectl,
  listOf,
  notRunningStep,
  podRef,
  runbookStep,
  sel,
  sh,
  steps,
} from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';
import { family, q } from './family.ts';

const OOM_TEXT = /\boomkilled\b|\boom[- ]?kill(?:ed|er)?\b|out of memory: kill/;

/** raise-limits for each distinct deployment/container the alerts name: only when all three parameters exist. */
function raiseLimits(alerts: AlertView[]): ProposedAction[] {
  const seen = new Set<string>();
  const actions: ProposedAction[] = [];
  for (const view of alerts) {
    if (!view.namespace || !view.deployment || !view.container) continue;
    const key = `${view.namespace}/${view.deployment}/${view.container}`;
    if (seen.has(key)) continue;
    seen.add(key);
    actions.push({
      kind: 'raise-limits',
      namespace: view.namespace,
      name: view.deployment,
      container: view.container,
    });
  }
  return actions.slice(0, 3);
}

const more = (ctx: SignatureContext, what: string): string =>
  ctx.alerts.length > 1 ? ` ${ctx.alerts.length} alerts in all, ${what}.` : '';

export const oomKilled: Signature = {
  id: 'oom-killed',
  title: 'Container OOMKilled',
  weight: 90,
  names: ['KubePodOOMKilled', 'KubeContainerOOMKilled', 'KubernetesContainerOomKiller', 'ContainerOOMKilled'],
  reasons: /^oomkilled$/i,
  textPattern: OOM_TEXT,
  // A kernel OOM kill counted for the whole host is the host-oom-kill signature's.
  accepts: (view) => !isHostOomKill(view),
  deploy: {
    title: (ctx) =>
      `A recent rollout of \`${ctx.primary.deployment ?? ctx.primary.container ?? 'the workload'}\` uses more memory`,
    likelihood: 0.25,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const container = v.container ? `\`${v.container}\`` : 'the container';
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `${containerRef(v)} was OOMKilled: it used more memory than its limit and the kernel killed it.${more(ctx, `pods ${listOf(ctx.alerts, (a) => a.pod)}`)}`,
      causes: [
        cause(`Memory limit of ${container} is too low for its workload`, 0.6, 'capacity', evidence),
        cause(`Memory leak or load spike in ${container}`, 0.35, 'application', evidence.slice(0, 2)),
      ],
      nextSteps: steps(
        v.pod &&
          `${k} describe pod ${sh(v.pod)} | grep -A6 'Last State'  # look for Reason: OOMKilled, Exit Code: 137`,
        v.pod && `${k} top pod ${sh(v.pod)} --containers`,
        `PromQL: max_over_time(container_memory_working_set_bytes${sel({ namespace: v.namespace, pod: v.pod, container: v.container })}[1h]) vs kube_pod_container_resource_limits${sel({ namespace: v.namespace, pod: v.pod, container: v.container, resource: 'memory' })}`,
        v.pod &&
          `${k} get pod ${sh(v.pod)} -o jsonpath='{.spec.containers[*].resources}'  # the current requests/limits`,
        runbookStep(v),
      ),
      actions: raiseLimits(ctx.alerts),
    };
  },
};

export const imagePull: Signature = {
  id: 'image-pull',
  title: 'Image pull failing',
  weight: 88,
  names: ['KubernetesImagePullBackOff', 'KubePodImagePullBackOff'],
  reasons: /^(?:imagepullbackoff|errimagepull|invalidimagename|errimageneverpull)$/i,
  textPattern: /imagepullbackoff|errimagepull|back-off pulling image|failed to pull image/,
  deploy: {
    title: (ctx) =>
      `The rollout of \`${ctx.primary.deployment ?? ctx.primary.pod ?? 'the workload'}\` references an image that cannot be pulled`,
    likelihood: 0.3,
    rollback: true,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `${containerRef(v)} cannot start because its image cannot be pulled${v.reason ? ` (reason \`${v.reason}\`)` : ''}.${more(ctx, `pods ${listOf(ctx.alerts, (a) => a.pod)}`)}`,
      causes: [
        cause(
          'Image name or tag does not exist in the registry (typo, or the push failed)',
          0.4,
          'configuration',
          evidence,
        ),
        cause(
          'Registry credentials (imagePullSecrets) missing, wrong or expired',
          0.3,
          'configuration',
          evidence.slice(0, 1),
        ),
        cause('Registry unreachable or rate-limiting pulls', 0.2, 'dependency', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        v.pod &&
          `${k} describe pod ${sh(v.pod)}  # Events show the exact pull error (not found, unauthorized, timeout)`,
        v.pod &&
          `${k} get pod ${sh(v.pod)} -o jsonpath='{.spec.containers[*].image}{"\\n"}{.spec.imagePullSecrets}'`,
        v.deployment && `${k} rollout history deployment/${sh(v.deployment)}`,
        'Try the pull by hand on a node: crictl pull <image> (or docker pull <image>)',
        runbookStep(v),
      ),
    };
  },
};

export const containerConfigError: Signature = {
  id: 'container-config-error',
  title: 'Container cannot be created (config error)',
  weight: 84,
  reasons: /^(?:createcontainerconfigerror|createcontainererror|runcontainererror)$/i,
  textPattern:
    /createcontainerconfigerror|createcontainererror|(?:secret|configmap) "[^"]+" not found|couldn't find key/,
  deploy: {
    title: (ctx) =>
      `The rollout of \`${ctx.primary.deployment ?? ctx.primary.pod ?? 'the workload'}\` references config that does not exist`,
    likelihood: 0.4,
    rollback: true,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `${containerRef(v)} cannot be created${v.reason ? ` (reason \`${v.reason}\`)` : ''}: Kubernetes cannot assemble its configuration.${more(ctx, `pods ${listOf(ctx.alerts, (a) => a.pod)}`)}`,
      causes: [
        cause(
          'A Secret or ConfigMap the pod references is missing, or lacks the key',
          0.55,
          'configuration',
          evidence,
        ),
        cause(
          'Invalid container command, volume mount or security context',
          0.25,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        v.pod && `${k} describe pod ${sh(v.pod)}  # Events name the missing Secret/ConfigMap or key`,
        v.pod &&
          `${k} get pod ${sh(v.pod)} -o yaml | grep -nE 'secretKeyRef|configMapKeyRef|secretName|configMap:' -A2`,
        `${k} get secrets,configmaps`,
        runbookStep(v),
      ),
    };
  },
};

export const crashLoop: Signature = {
  id: 'crash-loop',
  title: 'Pod crash looping',
  weight: 72,
  names: ['KubePodCrashLooping', 'KubernetesPodCrashLooping', 'PodCrashLooping', 'KubePodRestartingTooMuch'],
  reasons: /^crashloopbackoff$/i,
  namePattern: /crashloop/,
  textPattern: /crashloopbackoff|back-off restarting failed container/,
  deploy: {
    title: (ctx) =>
      `A recent rollout of \`${ctx.primary.deployment ?? ctx.primary.container ?? 'the workload'}\` fails at start-up`,
    likelihood: 0.35,
    rollback: true,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    const oom = ctx.all.find((other) => other !== v && other.pod === v.pod && OOM_TEXT.test(other.text));
    const oomSelf = OOM_TEXT.test(v.text);
    const oomEvidence = oom
      ? [`\`${oom.name}\` in the same incident reports OOMKilled for pod \`${podRef(oom)}\``]
      : [];
    return {
      summary: `${containerRef(v)} is crash looping: it keeps exiting and Kubernetes restarts it with growing back-off.${more(ctx, `pods ${listOf(ctx.alerts, (a) => a.pod)}`)}`,
      causes: [
        cause(
          'The application exits at start-up (bad config, missing env or secret, failing dependency)',
          0.5,
          'application',
          evidence,
        ),
        cause('Container is OOMKilled and restarted', oom || oomSelf ? 0.75 : 0.2, 'resource-exhaustion', [
          ...oomEvidence,
          ...evidence.slice(0, 1),
        ]),
        cause(
          'Liveness probe fails and the kubelet keeps killing the container',
          0.2,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        v.pod &&
          `${k} logs ${sh(v.pod)}${v.container ? ` -c ${sh(v.container)}` : ''} --previous --tail=100  # the crash's last words`,
        v.pod && `${k} describe pod ${sh(v.pod)}  # Last State: exit code and reason; Events: probe failures`,
        v.deployment && `${k} rollout history deployment/${sh(v.deployment)}`,
        `PromQL: increase(kube_pod_container_status_restarts_total${sel({ namespace: v.namespace, pod: v.pod, container: v.container })}[1h])`,
        runbookStep(v),
      ),
    };
  },
};

export const containerWaiting: Signature = {
  id: 'container-waiting',
  title: 'Container stuck waiting',
  weight: 46,
  names: ['KubeContainerWaiting', 'KubernetesContainerWaiting'],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    const reason = v.reason.toLowerCase();
    const causes =
      reason === 'podinitializing'
        ? [
            cause(
              'An init container has not finished (waiting on a dependency, or failing)',
              0.5,
              'application',
              evidence,
            ),
          ]
        : [
            cause(
              'Volume attach/mount or pod network (CNI) setup blocks container creation',
              reason === 'containercreating' ? 0.45 : 0.3,
              'infrastructure',
              evidence,
            ),
            cause(
              'A large image is still being pulled, or the registry is slow',
              0.25,
              'dependency',
              evidence.slice(0, 1),
            ),
          ];
    return {
      summary: `${containerRef(v)} has been waiting to run for a long time${v.reason ? ` (reason \`${v.reason}\`)` : ''}.${more(ctx, `pods ${listOf(ctx.alerts, (a) => a.pod)}`)}`,
      causes,
      nextSteps: steps(
        v.pod
          ? `${k} describe pod ${sh(v.pod)}  # Events: FailedMount, FailedAttachVolume, FailedCreatePodSandBox`
          : notRunningStep(v),
        v.pod && `${k} get events --field-selector involvedObject.name=${sh(v.pod)} --sort-by=.lastTimestamp`,
        reason === 'podinitializing' && v.pod && `${k} logs ${sh(v.pod)} --all-containers --prefix --tail=50`,
        runbookStep(v),
      ),
    };
  },
};

export const podNotReady: Signature = {
  id: 'pod-not-ready',
  title: 'Pod not ready',
  weight: 42,
  names: ['KubePodNotReady', 'KubernetesPodNotHealthy', 'PodNotReady'],
  deploy: {
    title: (ctx) =>
      `A recent rollout of \`${ctx.primary.deployment ?? 'the workload'}\` fails its readiness checks`,
    likelihood: 0.25,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Pod \`${podRef(v)}\` has not been ready for a long time: it receives no traffic from its Services.${more(ctx, `pods ${listOf(ctx.alerts, (a) => a.pod)}`)}`,
      causes: [
        cause(
          'Readiness probe fails: the application is unhealthy or a dependency it checks is down',
          0.45,
          'application',
          evidence,
        ),
        cause(
          'Pod is Pending: no node has room for its requests, or taints/affinity/an unbound PVC keep it off',
          0.35,
          'capacity',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        v.pod ? `${k} get pod ${sh(v.pod)} -o wide` : notRunningStep(v),
        v.pod &&
          `${k} describe pod ${sh(v.pod)}  # Conditions; Events: FailedScheduling or Readiness probe failed`,
        v.pod && `${k} logs ${sh(v.pod)} --all-containers --tail=50`,
        runbookStep(v),
      ),
    };
  },
};

export const cpuThrottling: Signature = {
  id: 'cpu-throttling',
  title: 'CPU throttling high',
  weight: 30,
  names: ['CPUThrottlingHigh', 'ContainerHighThrottleRate', 'KubernetesContainerCpuThrottling'],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    const matchers = { namespace: v.namespace, pod: v.pod, container: v.container };
    return {
      summary: `${containerRef(v)} is throttled by its CPU limit much of the time: requests slow down, though nothing is down.${more(ctx, `containers ${listOf(ctx.alerts, (a) => a.container)}`)}`,
      causes: [
        cause(
          `CPU limit of ${v.container ? `\`${v.container}\`` : 'the container'} is too low for its load`,
          0.55,
          'capacity',
          evidence,
        ),
        cause(
          'Bursty work (start-up, GC, batch) hits the limit in short spikes',
          0.3,
          'application',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        `PromQL: sum(increase(container_cpu_cfs_throttled_periods_total${sel(matchers)}[5m])) / sum(increase(container_cpu_cfs_periods_total${sel(matchers)}[5m]))`,
        `PromQL: rate(container_cpu_usage_seconds_total${sel(matchers)}[5m]) vs kube_pod_container_resource_limits${sel({ ...matchers, resource: 'cpu' })}`,
        v.pod && `${k} top pod ${sh(v.pod)} --containers`,
        runbookStep(v),
      ),
      actions: raiseLimits(ctx.alerts),
    };
  },
};

export const jobFailed: Signature = {
  id: 'job-failed',
  title: 'Job failed',
  weight: 44,
  names: [
    'KubeJobFailed',
    'KubeJobNotCompleted',
    'KubeJobCompletion',
    'KubernetesJobFailed',
    'KubernetesCronjobTooLong',
    'KubeCronJobRunning',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const job = v.labels.job_name ?? v.labels.cronjob;
    const evidence = alertEvidence(ctx.alerts);
    const notCompleted = [
      'kubejobnotcompleted',
      'kubejobcompletion',
      'kubernetescronjobtoolong',
      'kubecronjobrunning',
    ].includes(v.key);
    return {
      summary: `Job \`${v.namespace ? `${v.namespace}/` : ''}${job ?? '?'}\` ${notCompleted ? 'is taking far longer than expected to complete' : 'failed to complete'}.${more(ctx, `jobs ${listOf(ctx.alerts, (a) => a.labels.job_name)}`)}`,
      causes: notCompleted
        ? [
            cause(
              'The job is stuck or much slower than usual (waiting on a dependency or lock)',
              0.5,
              'application',
              evidence,
            ),
            cause('Its pods cannot be scheduled (no room, quota)', 0.25, 'capacity', evidence.slice(0, 1)),
          ]
        : [
            cause(
              "The job's pod exits non-zero (bug, bad input, failing dependency)",
              0.55,
              'application',
              evidence,
            ),
            cause(
              'It hit backoffLimit or activeDeadlineSeconds',
              0.25,
              'configuration',
              evidence.slice(0, 1),
            ),
          ],
      nextSteps: steps(
        job
          ? `${k} describe job ${sh(job)}`
          : `${k} get jobs${v.namespace ? '' : ' -A'} --field-selector status.successful=0`,
        job && `${k} logs job/${sh(job)} --tail=100`,
        job && `${k} get pods -l job-name=${sh(job)} -o wide`,
        !notCompleted &&
          job &&
          `Once understood, delete the failed Job to clear the alert: ${k} delete job ${sh(job)}`,
        runbookStep(v),
      ),
    };
  },
};

// --- KubeVirt (kubevirt/monitoring runbooks): the virt-* components, and the virtual machines they run ---

/** `kubectl -n <kubevirt namespace>`: the alert's namespace, else the usual install namespace. */
const virtNs = (v: AlertView): string => kubectl(v.namespace ?? 'kubevirt');

const VIRT_COMPONENT = /^virt-(?:api|controller|handler|operator)/;

/** The virt-* component an alert names (its container or pod, else its name): `virt-handler` for `VirtHandlerDown`, `LowReadyVirtHandlerCount`… */
function virtComponent(v: AlertView): string {
  const named = VIRT_COMPONENT.exec(v.container ?? v.pod ?? '')?.[0];
  if (named) return named;
  if (v.key.includes('handler')) return 'virt-handler';
  if (v.key.includes('controller')) return 'virt-controller';
  if (v.key.includes('operator')) return 'virt-operator';
  return 'virt-api';
}

/** The VMI an alert names: KubeVirt's alerts carry it as `name` (or `vmi`). */
const vmiOf = (v: AlertView): string | undefined => v.labels.name ?? v.labels.vmi ?? v.labels.vm;

/** "VM `web` in `vms`", or `none` when the alert names no VM (rules that count VMs carry no name). */
const vmRef = (v: AlertView, none = 'A VM'): string => {
  const vm = vmiOf(v);
  return vm ? `VM \`${vm}\`${v.namespace ? ` in \`${v.namespace}\`` : ''}` : none;
};

export const kubevirtComponentDown: Signature = family({
  id: 'kubevirt-component-down',
  title: 'KubeVirt component down or not ready',
  weight: 64,
  names: [
    'VirtAPIDown',
    'VirtControllerDown',
    'VirtHandlerDown',
    'VirtOperatorDown',
    'LowVirtAPICount',
    'LowVirtControllersCount',
    'LowVirtOperatorCount',
    'LowReadyVirtControllersCount',
    'LowReadyVirtHandlerCount',
    'LowReadyVirtOperatorsCount',
    'NoReadyVirtController',
    'NoReadyVirtHandler',
    'NoReadyVirtOperator',
    'NoLeadingVirtOperator',
    'VirtHandlerDaemonSetRolloutFailing',
  ],
  summary: (v) =>
    `KubeVirt's \`${virtComponent(v)}\` ${v.key.includes('rollout') ? 'DaemonSet has not deployed on every node' : v.key.startsWith('low') ? 'runs fewer (ready) replicas than it should' : v.key.includes('leading') ? 'has no leader' : 'has no running or ready pod'} (\`${v.name}\`): ${virtComponent(v) === 'virt-handler' ? 'VMs on the affected nodes cannot be started, stopped or migrated' : 'VM lifecycle actions (start, stop, migrate) fail'}.`,
  causes: [
    ['Its pods cannot be scheduled: not enough CPU/memory on the nodes, or nodes down', 0.4, 'capacity'],
    [
      'Its pods crash or fail readiness (see their logs; image pull errors after an upgrade)',
      0.3,
      'application',
    ],
    ['The API server is overloaded or unreachable from the pods (networking)', 0.2, 'dependency'],
  ],
  steps: (v) => [
    `${virtNs(v)} get pods -o wide -l kubevirt.io=${virtComponent(v)}`,
    `${virtNs(v)} ${virtComponent(v) === 'virt-handler' ? 'describe daemonset virt-handler' : `describe deployment ${virtComponent(v)}`}`,
    `${virtNs(v)} logs -l kubevirt.io=${virtComponent(v)} --tail=50`,
    `${virtNs(v)} get events --sort-by=.lastTimestamp | tail -20`,
    'kubectl get nodes; kubectl top nodes',
  ],
});

export const kubevirtRestErrors: Signature = family({
  id: 'kubevirt-rest-errors',
  title: 'KubeVirt component failing its API server calls',
  weight: 46,
  names: [
    'VirtApiRESTErrorsBurst',
    'VirtApiRESTErrorsHigh',
    'VirtControllerRESTErrorsBurst',
    'VirtControllerRESTErrorsHigh',
    'VirtHandlerRESTErrorsBurst',
    'VirtHandlerRESTErrorsHigh',
    'VirtOperatorRESTErrorsBurst',
    'VirtOperatorRESTErrorsHigh',
  ],
  summary: (v) =>
    `Many REST calls from \`${virtComponent(v)}\` to the Kubernetes API server fail (\`${v.name}\`): status updates and VM actions${virtComponent(v) === 'virt-handler' ? ' such as migrations on its node' : ''} fail.`,
  causes: [
    ['The API server is overloaded and times out', 0.45, 'dependency'],
    ['The pod cannot reach the API server: DNS or network problems on its node', 0.35, 'network'],
  ],
  steps: (v) => [
    `${virtNs(v)} get pods -o wide -l kubevirt.io=${virtComponent(v)}`,
    `${virtNs(v)} logs -l kubevirt.io=${virtComponent(v)} --tail=100 | grep -iE "error|timeout|refused"`,
    "kubectl get --raw='/readyz?verbose' | tail -15",
    `If one pod cannot reach the API server, restart it: ${virtNs(v)} delete pod <${virtComponent(v)} pod>`,
  ],
});

export const kubevirtVmStuck: Signature = family({
  id: 'kubevirt-vm-stuck',
  title: 'Virtual machine stuck starting, in error or migrating',
  weight: 60,
  names: ['KubeVirtVMStuckInStartingState', 'KubeVirtVMStuckInErrorState', 'KubeVirtVMStuckInMigratingState'],
  summary: (v) =>
    `${vmRef(v)} has been ${v.key.includes('starting') ? 'starting' : v.key.includes('migrating') ? 'migrating' : 'in an error state'} for over 5 minutes${v.labels.status ? ` (\`${v.labels.status}\`)` : ''}.`,
  causes: (v) =>
    v.key.includes('migrating')
      ? [
          ['The target node lacks resources (CPU, memory, hugepages) for the VM', 0.4, 'capacity'],
          ['Network disruption or too little bandwidth: the migration does not converge', 0.35, 'network'],
          [
            'The migration policy/configuration does not fit the workload (timeouts, bandwidth limits)',
            0.15,
            'configuration',
          ],
        ]
      : v.key.includes('starting')
        ? [
            [
              'The virt-launcher pod is not scheduled: not enough resources or no matching node',
              0.4,
              'capacity',
            ],
            [
              'VM misconfiguration: missing PriorityClass, network attachment or device',
              0.3,
              'configuration',
            ],
            ['Its DataVolume is not provisioned or ready', 0.2, 'infrastructure'],
          ]
        : [
            [
              'The virt-launcher pod cannot be scheduled (Unschedulable: insufficient CPU/memory)',
              0.4,
              'capacity',
            ],
            ['A missing PVC or a failed DataVolume (PvcNotFound, DataVolumeError)', 0.3, 'configuration'],
            [
              'The VM image cannot be pulled, or the launcher crashes (ErrImagePull, CrashLoopBackOff)',
              0.2,
              'dependency',
            ],
          ],
  steps: (v) => [
    vmiOf(v)
      ? `${kubectl(v.namespace)} describe vm ${sh(vmiOf(v) ?? '')}  # status.printableStatus, Conditions and Events name the failure`
      : 'kubectl get vm -A -o wide',
    vmiOf(v) && `${kubectl(v.namespace)} describe vmi ${sh(vmiOf(v) ?? '')} | tail -20`,
    vmiOf(v) && `${kubectl(v.namespace)} get pods -l kubevirt.io/domain=${sh(vmiOf(v) ?? '')} -o wide`,
    v.key.includes('migrating') &&
      `${kubectl(v.namespace)} get vmim -o wide  # VirtualMachineInstanceMigration objects`,
    "kubectl get nodes -l node-role.kubernetes.io/worker= -o json | jq '.items[].status.allocatable'",
  ],
});

export const kubevirtMigration: Signature = family({
  id: 'kubevirt-vm-migration',
  title: 'Virtual machines migrating too often or not migratable',
  weight: 44,
  names: ['KubeVirtVMIExcessiveMigrations', 'VMCannotBeEvicted', 'OutdatedVirtualMachineInstanceWorkloads'],
  summary: (v) =>
    v.key === 'vmcannotbeevicted'
      ? `${vmRef(v)} has evictionStrategy LiveMigrate but cannot migrate: it blocks drains and upgrades of its node.`
      : v.key.includes('outdated')
        ? 'VMs still run in outdated virt-launcher pods 24 hours after KubeVirt was updated: they miss its fixes.'
        : `${vmRef(v)} live-migrated more than 12 times in 24 hours.`,
  causes: (v) =>
    v.key === 'vmcannotbeevicted'
      ? [
          [
            'Its disks are on ReadWriteOnce volumes: live migration needs shared (ReadWriteMany) storage',
            0.45,
            'configuration',
          ],
          [
            'It uses a feature that cannot migrate: a bridge (non-masquerade) interface on the pod network, host devices, hostDisk',
            0.4,
            'configuration',
          ],
        ]
      : v.key.includes('outdated')
        ? [
            [
              'Automatic workload updates are not configured (workloadUpdateStrategy without LiveMigrate/Evict)',
              0.5,
              'configuration',
            ],
            [
              'The outdated VMIs are not live-migratable, so they wait for a manual restart',
              0.35,
              'configuration',
            ],
          ]
        : [
            [
              'Nodes are short of CPU, memory or disk, so VMs are evicted and moved again and again',
              0.45,
              'capacity',
            ],
            [
              'Node or network disruptions keep triggering evictions (kubelet, NotReady nodes)',
              0.35,
              'infrastructure',
            ],
          ],
  steps: (v) => [
    v.key.includes('outdated')
      ? 'kubectl get vmi -A -l kubevirt.io/outdatedLauncherImage'
      : `${kubectl(v.namespace)} get vmi${vmiOf(v) ? ` ${sh(vmiOf(v) ?? '')}` : ''} -o wide  # LIVE-MIGRATABLE column`,
    vmiOf(v) &&
      `${kubectl(v.namespace)} get vmi ${sh(vmiOf(v) ?? '')} -o jsonpath='{.status.conditions[?(@.type=="LiveMigratable")]}'`,
    v.key.includes('outdated') &&
      "kubectl get kubevirt -A -o jsonpath='{.items[0].spec.workloadUpdateStrategy}'",
    v.key.includes('excessive') &&
      'kubectl get nodes -o json | jq \'.items[] | {name: .metadata.name, conditions: [.status.conditions[] | select(.status == "True") | .type]}\'',
  ],
});

export const kubevirtOrphaned: Signature = family({
  id: 'kubevirt-orphaned-vmis',
  title: 'Virtual machines on nodes without virt-handler',
  weight: 52,
  names: ['OrphanedVirtualMachineInstances'],
  summary: (v) =>
    `VMs run on ${v.node ? `node \`${v.node}\`` : 'a node'} where no virt-handler pod runs: they cannot be managed.`,
  causes: [
    [
      'The virt-handler DaemonSet pod on that node is missing or failing (node resources, crashes)',
      0.45,
      'infrastructure',
    ],
    [
      'The node left the KubeVirt workloads placement or its taints changed, so virt-handler no longer runs there',
      0.4,
      'configuration',
    ],
  ],
  steps: (v) => [
    'kubectl get pods -A -o wide -l kubevirt.io=virt-handler',
    'kubectl get daemonset -A -l kubevirt.io=virt-handler',
    "kubectl get kubevirt -A -o jsonpath='{.items[0].spec.workloads}'",
    v.node && `kubectl describe node ${sh(v.node)} | grep -A5 Taints`,
  ],
});

export const kubevirtVmResources: Signature = family({
  id: 'kubevirt-vm-resources',
  title: 'Virtual machine short of memory, CPU or disk',
  weight: 42,
  names: [
    'KubevirtVmHighMemoryUsage',
    'KubevirtVmHighMemoryUsageBasedOnRequests',
    'KubeVirtVMGuestMemoryHigh',
    'KubeVirtVMGuestMemoryAvailableLow',
    'KubeVirtVMGuestMemoryPressure',
    'KubeVirtVMHighCPUUsage',
    'GuestVCPUQueueHighWarning',
    'GuestVCPUQueueHighCritical',
    'GuestFilesystemAlmostOutOfSpace',
  ],
  summary: (v) =>
    v.key.startsWith('kubevirtvmhighmemoryusage')
      ? `The virt-launcher pod ${q(v.pod)}${vmiOf(v) ? ` hosting VM \`${vmiOf(v)}\`` : ''} has under 20 MB of memory left in its compute container: the VM is killed if the container exceeds its limit.`
      : `${vmRef(v)}: \`${v.name}\`.`,
  causes: (v) => {
    if (v.key.startsWith('kubevirtvmhighmemoryusage'))
      return [
        [
          'The memory request/limit of the VM (plus the launcher overhead) is too low for the guest',
          0.55,
          'capacity',
        ],
        [
          'A process in the compute container (QEMU overhead, hotplug) uses more than planned',
          0.25,
          'application',
        ],
      ];
    if (v.key.includes('memory'))
      return [
        ['The guest workload needs more memory than the VM has (VM undersized)', 0.5, 'capacity'],
        ['A memory-heavy or leaking process inside the guest', 0.35, 'application'],
      ];
    if (v.key.includes('filesystem'))
      return [
        ['Data, logs or temporary files inside the guest fill its filesystem', 0.5, 'data'],
        ['The VM disk is too small for its workload', 0.35, 'capacity'],
      ];
    return [
      ['The guest workload needs more vCPUs than the VM has', 0.45, 'capacity'],
      ['A runaway or bursty process inside the guest', 0.3, 'application'],
      ['The node is CPU-contended, so the VM gets less CPU time', 0.2, 'capacity'],
    ];
  },
  steps: (v) => [
    vmiOf(v) &&
      `${kubectl(v.namespace)} get vmi ${sh(vmiOf(v) ?? '')} -o jsonpath='{.spec.domain.cpu} {.spec.domain.resources} {.spec.domain.memory}'`,
    v.key.startsWith('kubevirtvmhighmemoryusage') && v.pod
      ? `${kubectl(v.namespace)} top pod ${sh(v.pod)} --containers; ${kubectl(v.namespace)} get pod ${sh(v.pod)} -o jsonpath='{.spec.containers[?(@.name=="compute")].resources}'`
      : vmiOf(v) &&
        `virtctl console ${sh(vmiOf(v) ?? '')}${v.namespace ? ` -n ${sh(v.namespace)}` : ''}  # then top / free -m / df -h inside the guest`,
    v.key.includes('filesystem')
      ? `PromQL: kubevirt_vmi_filesystem_used_bytes${sel({ namespace: v.namespace, name: vmiOf(v) })} / kubevirt_vmi_filesystem_capacity_bytes${sel({ namespace: v.namespace, name: vmiOf(v) })}`
      : v.key.includes('memory')
        ? `PromQL: kubevirt_vmi_memory_available_bytes${sel({ namespace: v.namespace, name: vmiOf(v) })}`
        : v.key.includes('vcpuqueue')
          ? `PromQL: kubevirt_vmi_guest_vcpu_queue${sel({ namespace: v.namespace, name: vmiOf(v) })}`
          : `PromQL: rate(kubevirt_vmi_cpu_usage_seconds_total${sel({ namespace: v.namespace, name: vmiOf(v) })}[2m])`,
    'Grow the VM (memory/vCPU hotplug where supported, or raise it in the VirtualMachine spec and restart)',
  ],
});

export const kubevirtGuestPanic: Signature = family({
  id: 'kubevirt-guest-panic',
  title: 'Virtual machine guest OS panics',
  weight: 58,
  names: ['VMNonRecoverableOSPanic', 'VMPVPanicReboot'],
  summary: (v) =>
    `The guest OS of ${vmRef(v, 'a VM')} crashed (kernel panic / BSOD)${v.key === 'vmnonrecoverableospanic' ? ' more than 5 times' : ''} in the last 24 hours.`,
  causes: [
    ['A guest OS, driver or kernel update made the guest unstable', 0.4, 'deployment'],
    ['The guest workload exhausts its resources (memory) and the kernel panics', 0.3, 'resource-exhaustion'],
    ['A guest kernel or driver bug (see the panic type / bugcheck code)', 0.2, 'application'],
  ],
  steps: (v) => [
    vmiOf(v)
      ? `${kubectl(v.namespace)} describe vmi ${sh(vmiOf(v) ?? '')}  # GuestPanicked events`
      : 'kubectl get vmi -A',
    `PromQL: kubevirt_vmi_guest_os_panic_total${sel({ namespace: v.namespace, name: vmiOf(v) })}`,
    vmiOf(v) &&
      `${kubectl(v.namespace)} logs -l kubevirt.io/domain=${sh(vmiOf(v) ?? '')} -c compute --tail=100`,
  ],
});

export const kubevirtKvmNodes: Signature = family({
  id: 'kubevirt-kvm-nodes',
  title: 'Too few nodes can run virtual machines',
  weight: 50,
  names: ['LowKVMNodesCount', 'KubeVirtNoAvailableNodesToRunVMs'],
  summary: (v) =>
    v.key === 'lowkvmnodescount'
      ? 'Fewer than two nodes expose KVM: VMs cannot live-migrate.'
      : 'No node can run VMs: every node lacks hardware (CPU) virtualization support.',
  causes: [
    [
      'Hardware virtualization (VT-x/AMD-V) is disabled in the BIOS or not exposed to the VM nodes (no nested virtualization)',
      0.55,
      'infrastructure',
    ],
    ['Nodes with KVM are down, cordoned, or excluded by the workloads placement', 0.3, 'configuration'],
  ],
  steps: () => [
    "kubectl get nodes -o custom-columns='NAME:.metadata.name,KVM:.status.allocatable.devices\\.kubevirt\\.io/kvm'",
    'On a node: ls -l /dev/kvm; grep -cE "vmx|svm" /proc/cpuinfo',
    'Without hardware support, software emulation can be enabled (useEmulation) for testing only',
  ],
});

export const kubevirtComponentResources: Signature = family({
  id: 'kubevirt-component-resources',
  title: 'KubeVirt component uses more than it requests',
  weight: 30,
  names: [
    'KubeVirtComponentExceedsRequestedCPU',
    'KubeVirtComponentExceedsRequestedMemory',
    'VirtControllerHighMemory',
  ],
  summary: (v) =>
    `KubeVirt's ${q(v.container ?? v.pod ?? virtComponent(v))} uses more ${v.key.includes('cpu') ? 'CPU' : 'memory'} than ${v.key === 'virtcontrollerhighmemory' ? '90% of its limit' : 'it requests'}: the node may be overloaded${v.key.includes('memory') ? ' and the component OOM-killed' : ''}.`,
  causes: [
    ['Its resource request/limit is too low for the number of VMs and nodes it manages', 0.55, 'capacity'],
    [
      'The component uses more than usual (many VM operations at once, or a leak; see its logs)',
      0.3,
      'application',
    ],
  ],
  steps: (v) => [
    `${virtNs(v)} top pod -l kubevirt.io=${virtComponent(v)}`,
    `${virtNs(v)} get ${virtComponent(v) === 'virt-handler' ? 'daemonset' : 'deployment'} ${virtComponent(v)} -o jsonpath='{.spec.template.spec.containers[*].resources}'`,
    `PromQL: container_memory_working_set_bytes${sel({ namespace: v.namespace, container: v.container })}`,
    'Raise the request through customizeComponents in the KubeVirt (or HyperConverged) resource',
  ],
});

export const kubevirtDuplicateMac: Signature = family({
  id: 'kubevirt-duplicate-mac',
  title: 'Duplicate MAC addresses among virtual machines',
  weight: 40,
  names: ['KubeMacPoolDuplicateMacsFound', 'KubemacpoolMACCollisionDetected'],
  summary: () =>
    'KubeMacPool found virtual machines with the same MAC address: on a shared LAN they disrupt each other’s traffic.',
  causes: [
    ['VMs were given the same MAC address by hand, or cloned with their MAC', 0.55, 'configuration'],
    [
      'VMs created outside KubeMacPool-managed namespaces (or before it ran) picked clashing MACs',
      0.3,
      'configuration',
    ],
  ],
  steps: () => [
    'kubectl get pod -A -l control-plane=mac-controller-manager -o wide',
    'kubectl logs -n <namespace> <kubemacpool-mac-controller pod> | grep "already allocated"',
    'Change the MAC of one VM of each pair, then restart the kubemacpool-mac-controller pod',
  ],
});

export const kubevirtVmConfig: Signature = family({
  id: 'kubevirt-vm-config',
  title: 'Virtual machines with an unsupported machine type or storage class',
  weight: 24,
  names: ['VMOutdatedMachineType', 'DeprecatedMachineType', 'VMStorageClassWarning'],
  summary: (v) =>
    v.key === 'vmstorageclasswarning'
      ? `${vmRef(v)} uses a Ceph RBD volume without krbd:rxbounce: Windows guests can cause CRC errors that saturate the storage network.`
      : `${vmRef(v)} uses a machine type${v.labels.machine_type ? ` (\`${v.labels.machine_type}\`)` : ''} that is deprecated or no longer supported: it may fail to restart after an upgrade.`,
  causes: (v) =>
    v.key === 'vmstorageclasswarning'
      ? [['Its disks use an RBD storage class without the "krbd:rxbounce" map option', 0.7, 'configuration']]
      : [
          [
            'The VM was created with, or pinned to, an old machine type (spec.template.spec.domain.machine.type)',
            0.7,
            'configuration',
          ],
        ],
  steps: (v) => [
    v.key === 'vmstorageclasswarning'
      ? 'PromQL: kubevirt_ssp_vm_rbd_block_volume_without_rxbounce > 0'
      : vmiOf(v)
        ? `${kubectl(v.namespace)} get vm ${sh(vmiOf(v) ?? '')} -o jsonpath='{.spec.template.spec.domain.machine.type}'`
        : `${kubectl(v.namespace)} get vms${v.namespace ? '' : ' -A'} -o custom-columns='NAME:.metadata.name,MACHINE:.spec.template.spec.domain.machine.type'`,
    v.key === 'vmstorageclasswarning'
      ? 'Create a StorageClass with mapOptions: "krbd:rxbounce" (or use ocs-storagecluster-ceph-rbd-virtualization) and move the VM disks to it'
      : 'Set a supported machine type in the VM spec and restart the VM in a maintenance window',
  ],
});

export const workloadSignatures: Signature[] = [
  oomKilled,
  imagePull,
  containerConfigError,
  crashLoop,
  containerWaiting,
  podNotReady,
  cpuThrottling,
  jobFailed,
  kubevirtComponentDown,
  kubevirtRestErrors,
  kubevirtVmStuck,
  kubevirtMigration,
  kubevirtOrphaned,
  kubevirtVmResources,
  kubevirtGuestPanic,
  kubevirtKvmNodes,
  kubevirtComponentResources,
  kubevirtDuplicateMac,
  kubevirtVmConfig,
];
