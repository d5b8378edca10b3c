/**
 * Where a proposed action may point. Analysis output (the LLM's especially) is untrusted: an action is
 * proposed only when its target comes from the incident's own alert labels AND the configured allowlists.
 * Alert text (annotations, summaries) never names a target — only labels set by the monitoring system.
 */
import type { IncidentAlert } from '../db/incidents.ts';
import type { RemediationConfig } from './config.ts';
import type { RemediationAction } from './types.ts';

const K8S_KINDS = new Set(['restart', 'scale', 'rollback-deployment', 'raise-limits']);

export function isKubernetesAction(
  action: RemediationAction,
): action is Extract<RemediationAction, { namespace: string }> {
  return K8S_KINDS.has(action.kind);
}

type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset';

interface Workload {
  kind: WorkloadKind | null;
  name: string;
}

/** ReplicaSet pod `checkout-7d9f8b6c5-x2x9z` → deployment `checkout`; `db-0` → statefulset `db`. */
export function workloadOfPod(pod: string): Workload[] {
  const out: Workload[] = [];
  const deployment = /^(.+)-[0-9a-f]{5,10}-[0-9a-z]{5}$/.exec(pod);
  if (deployment?.[1]) out.push({ kind: 'deployment', name: deployment[1] });
  const statefulset = /^(.+)-\d+$/.exec(pod);
  if (statefulset?.[1]) out.push({ kind: 'statefulset', name: statefulset[1] });
  const daemonset = /^(.+)-[0-9a-z]{5}$/.exec(pod);
  if (daemonset?.[1]) out.push({ kind: 'daemonset', name: daemonset[1] });
  return out;
}

/** The workloads an alert's labels name (kube-state-metrics and cAdvisor label names). */
export function workloadsOf(labels: Record<string, string>): Workload[] {
  const out: Workload[] = [];
  for (const kind of ['deployment', 'statefulset', 'daemonset'] as const) {
    const name = labels[kind];
    if (name) out.push({ kind, name });
  }
  if (labels.replicaset) {
    const trimmed = /^(.+)-[0-9a-f]{5,10}$/.exec(labels.replicaset)?.[1];
    if (trimmed) out.push({ kind: 'deployment', name: trimmed });
  }
  if (labels.pod) out.push(...workloadOfPod(labels.pod));
  if (labels.workload) out.push({ kind: null, name: labels.workload });
  return out;
}

/** Hosts an alert names: `instance` without its port, `host`, `hostname`, `nodename`. */
export function hostsOf(labels: Record<string, string>): string[] {
  const hosts: string[] = [];
  if (labels.instance) {
    const instance = labels.instance;
    // [v6]:port, host:port, host
    const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
    hosts.push(v6?.[1] ?? instance.replace(/:\d+$/, ''));
  }
  for (const key of ['host', 'hostname', 'nodename']) {
    const value = labels[key];
    if (value) hosts.push(value);
  }
  return hosts;
}

/** A shell-style glob over the whole name: `*` matches any run of characters. */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}

const SAFE_PLAYBOOK = /^[\w-][\w.-]*\.ya?ml$/;

/**
 * Null when the action's target is allowed for this incident, else the reason it is not. Checked when an
 * action is proposed and again when it is approved (the configuration may have changed in between).
 */
export function refuseTarget(
  action: RemediationAction,
  alerts: readonly Pick<IncidentAlert, 'labels'>[],
  config: RemediationConfig,
): string | null {
  if (isKubernetesAction(action)) {
    const allowed = config.kubernetes?.namespaces ?? [];
    if (!config.kubernetes) return 'Kubernetes remediation is not configured (remediation.kubernetes)';
    if (!allowed.some((pattern) => globMatches(pattern, action.namespace))) {
      return `namespace ${action.namespace} is not in remediation.kubernetes.namespaces`;
    }
    const inNamespace = alerts.filter((alert) => alert.labels.namespace === action.namespace);
    if (inNamespace.length === 0) {
      return `no alert of this incident is in namespace ${action.namespace}`;
    }
    // restart names its workload kind; a rollback acts on a deployment; scale and raise-limits on any.
    const wanted: WorkloadKind | null =
      action.kind === 'restart'
        ? action.workload
        : action.kind === 'rollback-deployment'
          ? 'deployment'
          : null;
    const named = inNamespace.some((alert) =>
      workloadsOf(alert.labels).some(
        (workload) =>
          workload.name === action.name &&
          (wanted === null || workload.kind === null || workload.kind === wanted),
      ),
    );
    if (!named) {
      return `${action.namespace}/${action.name} is not a workload named by this incident's alert labels`;
    }
    return null;
  }
  if (action.kind === 'run-playbook') {
    if (!config.ansible) return 'Ansible remediation is not configured (remediation.ansible)';
    if (!SAFE_PLAYBOOK.test(action.playbook)) {
      return `playbook ${action.playbook} must be a file name in remediation.ansible.playbookDir`;
    }
    if (!action.limit) return 'a playbook must be limited to the alert host (no limit: every host)';
    const limit = action.limit;
    const alertHosts = new Set(alerts.flatMap((alert) => hostsOf(alert.labels)));
    if (!alertHosts.has(limit)) return `host ${limit} is not named by this incident's alerts`;
    if (!config.ansible.hosts.some((pattern) => globMatches(pattern, limit))) {
      return `host ${limit} is not in remediation.ansible.hosts`;
    }
    return null;
  }
  if (action.kind === 'http-job') {
    if (!config.http?.jobs[action.job]) return `job ${action.job} is not in remediation.http.jobs`;
    return null;
  }
  return `unknown action kind ${(action as { kind: string }).kind}`;
}

/** One line naming the exact target, for confirm dialogs, audit and logs. */
export function describeTarget(action: RemediationAction): string {
  switch (action.kind) {
    case 'restart':
      return `restart ${action.workload} ${action.namespace}/${action.name}`;
    case 'scale':
      return `scale ${action.namespace}/${action.name} to ${action.replicas} replicas`;
    case 'rollback-deployment':
      return `roll back deployment ${action.namespace}/${action.name}${action.toRevision ? ` to revision ${action.toRevision}` : ''}`;
    case 'raise-limits':
      return `raise limits of ${action.namespace}/${action.name} container ${action.container}${action.memory ? ` memory ${action.memory}` : ''}${action.cpu ? ` cpu ${action.cpu}` : ''}`;
    case 'run-playbook':
      return `run playbook ${action.playbook}${action.limit ? ` on ${action.limit}` : ''}`;
    case 'http-job':
      return `run job ${action.job}`;
  }
}
