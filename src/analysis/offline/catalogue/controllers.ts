/** Workload controllers and their resources: rollouts, replicas, HPAs, volumes, quotas, overcommit. */
import type { ProposedAction } from '../../schema.ts';
import { alertEvidence, cause, kubectl, listOf, runbookStep, sel, sh, steps } from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';

const MAX_REPLICAS_TEXT = /max(?:imum)?[ _-]?replicas\s*(?:\(|=|:|of|is)?\s*(\d{1,4})\b/i;

const more = (ctx: SignatureContext, what: string): string =>
  ctx.alerts.length > 1 ? ` ${ctx.alerts.length} alerts in all, ${what}.` : '';

function workloadOf(view: AlertView): { kind: string; name: string } | null {
  const labels = view.labels;
  if (labels.deployment) return { kind: 'deployment', name: labels.deployment };
  if (labels.statefulset) return { kind: 'statefulset', name: labels.statefulset };
  if (labels.daemonset) return { kind: 'daemonset', name: labels.daemonset };
  return null;
}

export const rolloutStuck: Signature = {
  id: 'rollout-stuck',
  title: 'Rollout stuck',
  weight: 62,
  names: [
    'KubeDeploymentRolloutStuck',
    'KubeDeploymentGenerationMismatch',
    'KubeStatefulSetGenerationMismatch',
    'KubeStatefulSetUpdateNotRolledOut',
    'KubeDaemonSetRolloutStuck',
    'KubernetesDeploymentGenerationMismatch',
    'KubernetesStatefulsetGenerationMismatch',
    'KubernetesStatefulsetUpdateNotRolledOut',
    'KubernetesDaemonsetRolloutStuck',
  ],
  deploy: {
    title: (ctx) => {
      const workload = workloadOf(ctx.primary);
      return `The new revision${workload ? ` of \`${workload.name}\`` : ''} is faulty: its pods crash or fail readiness`;
    },
    likelihood: 0.45,
    rollback: true,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const workload = workloadOf(v);
    const ref = workload ? `${workload.kind}/${sh(workload.name)}` : undefined;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The rollout of ${workload ? `${workload.kind} \`${v.namespace ? `${v.namespace}/` : ''}${workload.name}\`` : 'a workload'} is not progressing: new pods do not become ready, so old and new revisions are mixed.`,
      causes: [
        cause('New pods cannot be scheduled (requests, quota, node capacity)', 0.3, 'capacity', evidence),
        cause(
          'A PodDisruptionBudget or update strategy blocks the rollout',
          0.15,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        ref && `${k} rollout status ${ref} --timeout=10s`,
        ref && `${k} describe ${ref}  # Conditions: Progressing=False / ProgressDeadlineExceeded`,
        ref && `${k} rollout history ${ref}`,
        `${k} get pods --field-selector=status.phase!=Running -o wide`,
        ref && workload?.kind === 'deployment' && `Undo if the new revision is bad: ${k} rollout undo ${ref}`,
        runbookStep(v),
      ),
    };
  },
};

export const deploymentReplicasMismatch: Signature = {
  id: 'deployment-replicas-mismatch',
  role: 'symptom',
  title: 'Deployment replicas mismatch',
  weight: 52,
  names: [
    'KubeDeploymentReplicasMismatch',
    'KubernetesDeploymentReplicasMismatch',
    'KubernetesReplicasetReplicasMismatch',
    'KubernetesReplicasetMismatch',
    'KubernetesReplicassetMismatch',
  ],
  deploy: {
    title: (ctx) =>
      `A recent rollout of \`${ctx.primary.deployment ?? 'the deployment'}\` produces pods that never become available`,
    likelihood: 0.3,
  },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const d = v.deployment;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Deployment \`${v.namespace ? `${v.namespace}/` : ''}${d ?? '?'}\` has fewer available replicas than desired for a long time.${more(ctx, `deployments ${listOf(ctx.alerts, (a) => a.deployment)}`)}`,
      causes: [
        cause(
          'Pods cannot be scheduled (insufficient CPU/memory, quota, affinity or taints)',
          0.4,
          'capacity',
          evidence,
        ),
        cause('Pods crash or fail readiness', 0.35, 'application', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        d && `${k} describe deployment ${sh(d)}`,
        `${k} get pods -o wide | grep -v Running`,
        `${k} get events --field-selector reason=FailedScheduling --sort-by=.lastTimestamp`,
        d &&
          `PromQL: kube_deployment_spec_replicas${sel({ namespace: v.namespace, deployment: d })} - kube_deployment_status_replicas_available${sel({ namespace: v.namespace, deployment: d })}`,
        runbookStep(v),
      ),
    };
  },
};

export const statefulSetReplicasMismatch: Signature = {
  id: 'statefulset-replicas-mismatch',
  role: 'symptom',
  title: 'StatefulSet replicas mismatch',
  weight: 52,
  names: [
    'KubeStatefulSetReplicasMismatch',
    'KubernetesStatefulsetReplicasMismatch',
    'KubernetesStatefulsetDown',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const s = v.labels.statefulset;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `StatefulSet \`${v.namespace ? `${v.namespace}/` : ''}${s ?? '?'}\` has fewer ready replicas than desired; its ordered start-up waits on the missing pod.`,
      causes: [
        cause(
          'A pod is stuck on its volume (PVC Pending, or the volume still attached to another node)',
          0.4,
          'infrastructure',
          evidence,
        ),
        cause(
          'A pod crashes or fails readiness, blocking the ones after it',
          0.35,
          'application',
          evidence.slice(0, 1),
        ),
        cause('No node has room for the pod', 0.2, 'capacity', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        s && `${k} describe statefulset ${sh(s)}`,
        s ? `${k} get pods,pvc -o wide | grep ${sh(s)}` : `${k} get pods,pvc -o wide`,
        `${k} get events --sort-by=.lastTimestamp | grep -E 'FailedAttachVolume|FailedMount|FailedScheduling'`,
        runbookStep(v),
      ),
    };
  },
};

function hpaScale(view: AlertView): ProposedAction | null {
  const labels = view.labels;
  const kind = labels.scaletargetref_kind;
  const name =
    (kind === undefined || kind === 'Deployment' ? labels.scaletargetref_name : undefined) ??
    labels.deployment;
  const maxText = labels.maxreplicas ?? labels.max_replicas ?? labels.spec_max_replicas;
  const annotations = view.alert.annotations;
  const max = maxText
    ? Number(maxText)
    : Number(MAX_REPLICAS_TEXT.exec(`${annotations.description ?? ''} ${view.alert.summary}`)?.[1]);
  if (!view.namespace || !name || !Number.isInteger(max) || max <= 0) return null;
  return { kind: 'scale', namespace: view.namespace, name, replicas: Math.min(1000, Math.ceil(max * 1.5)) };
}

export const hpaMaxedOut: Signature = {
  id: 'hpa-maxed-out',
  title: 'HPA at max replicas',
  weight: 55,
  names: [
    'KubeHpaMaxedOut',
    'KubernetesHpaScaleMaximum',
    'KubernetesHpaScaleInability',
    'KubernetesHpaScaleCapability',
  ],
  deploy: { title: () => 'A recent rollout made each pod handle less load', likelihood: 0.2 },
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const hpa = v.labels.horizontalpodautoscaler ?? v.labels.hpa;
    const evidence = alertEvidence(ctx.alerts);
    const action = hpaScale(v);
    return {
      summary: `HPA \`${v.namespace ? `${v.namespace}/` : ''}${hpa ?? '?'}\` has been at its maximum replicas for a long time: it cannot add capacity, so more load means saturation.`,
      causes: [
        cause(
          `Load exceeds what maxReplicas of \`${hpa ?? 'the HPA'}\` can serve`,
          0.55,
          'capacity',
          evidence,
        ),
        cause(
          'Each pod became slower or heavier, so the HPA needs more of them',
          0.25,
          'application',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        hpa && `${k} describe hpa ${sh(hpa)}  # current vs target metric, min/max replicas, events`,
        hpa &&
          `PromQL: kube_horizontalpodautoscaler_status_current_replicas${sel({ namespace: v.namespace, horizontalpodautoscaler: hpa })} vs kube_horizontalpodautoscaler_spec_max_replicas${sel({ namespace: v.namespace, horizontalpodautoscaler: hpa })}`,
        action?.kind === 'scale' &&
          hpa &&
          `The HPA scales back to maxReplicas unless it is raised too: ${k} patch hpa ${sh(hpa)} -p '{"spec":{"maxReplicas":${action.replicas}}}'`,
        `${k} top pods --sort-by=cpu | head -20`,
        runbookStep(v),
      ),
      actions: action ? [action] : [],
    };
  },
};

export const pvcFillingUp: Signature = {
  id: 'pvc-filling-up',
  title: 'PersistentVolume filling up',
  weight: 78,
  names: [
    'KubePersistentVolumeFillingUp',
    'KubePersistentVolumeInodesFillingUp',
    'KubernetesVolumeOutOfDiskSpace',
    'KubernetesVolumeFullInFourDays',
    'KubePersistentVolumeUsageCritical',
    'KubePersistentVolumeFullInFourDays',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const pvc = v.labels.persistentvolumeclaim;
    const inodes = v.key.includes('inode');
    const matchers = { namespace: v.namespace, persistentvolumeclaim: pvc };
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The volume claimed by PVC \`${v.namespace ? `${v.namespace}/` : ''}${pvc ?? '?'}\` is running out of ${inodes ? 'inodes' : 'space'}; writes will fail when it is full.${more(ctx, `claims ${listOf(ctx.alerts, (a) => a.labels.persistentvolumeclaim)}`)}`,
      causes: inodes
        ? [cause("Many small files exhaust the volume's inodes", 0.6, 'data', evidence)]
        : [
            cause(
              'Data grows faster than planned (retention or compaction not keeping up)',
              0.5,
              'capacity',
              evidence,
            ),
            cause('Logs, temporary files or WAL accumulate on the volume', 0.3, 'data', evidence.slice(0, 1)),
          ],
      nextSteps: steps(
        pvc && `${k} get pvc ${sh(pvc)} -o wide`,
        pvc &&
          `${k} get pods -o json | jq -r --arg pvc ${sh(pvc)} '.items[] | select(.spec.volumes[]?.persistentVolumeClaim.claimName == $pvc) | .metadata.name'  # who mounts it`,
        `PromQL: kubelet_volume_stats_available_bytes${sel(matchers)} / kubelet_volume_stats_capacity_bytes${sel(matchers)}`,
        `PromQL: predict_linear(kubelet_volume_stats_available_bytes${sel(matchers)}[6h], 4 * 24 * 3600)`,
        pvc &&
          `If the StorageClass allows expansion: ${k} patch pvc ${sh(pvc)} -p '{"spec":{"resources":{"requests":{"storage":"<bigger size>"}}}}'`,
        runbookStep(v),
      ),
    };
  },
};

export const quotaExceeded: Signature = {
  id: 'quota-exceeded',
  title: 'Resource quota exhausted',
  weight: 40,
  names: ['KubeQuotaExceeded', 'KubeQuotaFullyUsed', 'KubeQuotaAlmostFull'],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Namespace \`${v.namespace ?? '?'}\` has used up its ResourceQuota${v.labels.resource ? ` for \`${v.labels.resource}\`` : ''}: new pods or objects are rejected.`,
      causes: [
        cause('Workloads in the namespace grew past its ResourceQuota', 0.55, 'capacity', evidence),
        cause('Requests are set far above real usage', 0.25, 'configuration', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        `${k} describe resourcequota`,
        `${k} get events --sort-by=.lastTimestamp | grep -i 'exceeded quota'`,
        runbookStep(v),
      ),
    };
  },
};

export const overcommit: Signature = {
  id: 'overcommit',
  title: 'Cluster resources overcommitted',
  weight: 28,
  names: [
    'KubeMemoryOvercommit',
    'KubeCPUOvercommit',
    'KubeMemoryQuotaOvercommit',
    'KubeCPUQuotaOvercommit',
    'KubeMemOvercommit',
    'KubeMemQuotaOvercommit',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const resource = v.key.includes('mem') ? 'memory' : 'CPU';
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The cluster has overcommitted ${resource} requests: if a node fails, its pods cannot be rescheduled elsewhere.`,
      causes: [
        cause(
          `Pod ${resource} requests exceed what the cluster can hold with one node down`,
          0.6,
          'capacity',
          evidence,
        ),
        cause('Requests set far above real usage', 0.3, 'configuration', evidence.slice(0, 1)),
      ],
      nextSteps: steps(
        "kubectl describe nodes | grep -A8 'Allocated resources'",
        resource === 'memory'
          ? 'PromQL: sum(kube_pod_container_resource_requests{resource="memory"}) / sum(kube_node_status_allocatable{resource="memory"})'
          : 'PromQL: sum(kube_pod_container_resource_requests{resource="cpu"}) / sum(kube_node_status_allocatable{resource="cpu"})',
        'Add a node, or lower over-sized requests (compare requests with actual usage per namespace)',
        runbookStep(v),
      ),
    };
  },
};

export const controllerSignatures: Signature[] = [
  rolloutStuck,
  deploymentReplicasMismatch,
  statefulSetReplicasMismatch,
  hpaMaxedOut,
  pvcFillingUp,
  quotaExceeded,
  overcommit,
];
