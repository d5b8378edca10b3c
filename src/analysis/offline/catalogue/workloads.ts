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
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const job = v.labels.job_name ?? v.labels.cronjob;
    const evidence = alertEvidence(ctx.alerts);
    const notCompleted = v.key === 'kubejobnotcompleted' || v.key === 'kubejobcompletion';
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

export const workloadSignatures: Signature[] = [
  oomKilled,
  imagePull,
  containerConfigError,
  crashLoop,
  containerWaiting,
  podNotReady,
  cpuThrottling,
  jobFailed,
];
