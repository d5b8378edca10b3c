/** Facts read from an alert once (names, objects, text), and the helpers that quote them as evidence. */
import type { IncidentAlert } from '../../db/incidents.ts';
import { redactAndCut, redactText, safeCutIndex } from '../redact.ts';
import type { RootCause } from '../schema.ts';
import type { AlertView } from './types.ts';

// pod-template-hash and the pod suffix use Kubernetes' "safe" alphabet (no vowels, no 0/1/3).
const REPLICASET_POD = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const REPLICASET_NAME = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5,10}$/;
const NOT_ALNUM = /[^a-z0-9]/g;
const EXPR_PARAM = /[?&]g0\.expr=([^&]*)/;
const PLUS = /\+/g;
const SHELL_SAFE = /^[\w.:/@%+=,-]+$/;
const QUOTE = /'/g;
const SPACES = /\s+/g;
const PORT = /:\d+$/;

export const alertKey = (name: string): string => name.toLowerCase().replace(NOT_ALNUM, '');

function decodeExpr(url: string | null): string {
  if (!url) return '';
  const match = EXPR_PARAM.exec(url);
  if (!match?.[1]) return '';
  try {
    return decodeURIComponent(match[1].replace(PLUS, ' '));
  } catch {
    return '';
  }
}

function deploymentOf(labels: Record<string, string>, pod: string | undefined): string | undefined {
  if (labels.deployment) return labels.deployment;
  if (labels.workload && labels.workload_type?.toLowerCase() === 'deployment') return labels.workload;
  for (const [kind, name] of [
    [labels.owner_kind, labels.owner_name],
    [labels.created_by_kind, labels.created_by_name],
  ]) {
    if (kind === 'Deployment' && name) return name;
    if (kind === 'ReplicaSet' && name) return REPLICASET_NAME.exec(name)?.[1];
  }
  return pod ? REPLICASET_POD.exec(pod)?.[1] : undefined;
}

/** A Kubernetes namespace name (an RFC 1123 label); other `namespace` labels (`team/app`) are not one. */
const KUBE_NAMESPACE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const kubeNamespace = (value: string | undefined): string | undefined =>
  value && KUBE_NAMESPACE.test(value) ? value : undefined;

export function viewOf(alert: IncidentAlert): AlertView {
  const labels = alert.labels;
  const annotations = alert.annotations;
  const reason = labels.reason ?? labels.last_terminated_reason ?? '';
  const expr = decodeExpr(alert.generatorUrl);
  const pod = labels.pod ?? labels.pod_name;
  const text = [alert.summary, annotations.description, annotations.message, annotations.title, reason, expr]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
  const startsAt = Date.parse(alert.startsAt);
  return {
    alert,
    name: alert.alertname,
    key: alertKey(alert.alertname),
    labels,
    firing: alert.status === 'firing',
    reason,
    text,
    expr,
    namespace: kubeNamespace(labels.namespace ?? labels.exported_namespace),
    pod,
    container: labels.container ?? labels.container_name,
    node: labels.node ?? labels.kubernetes_node,
    instance: labels.instance,
    deployment: deploymentOf(labels, pod),
    startsAt: Number.isNaN(startsAt) ? 0 : startsAt,
  };
}

/** One line of at most `max` characters, secrets redacted first (before the lines are joined and cut). */
export function clip(text: string, max: number): string {
  const flat = redactText(text).replace(SPACES, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, safeCutIndex(flat, max - 1))}…`;
}

/** As `clip`, but a longer text keeps its head and its tail ("…" in the middle): where a message says why. */
export function clipEnds(text: string, max: number): string {
  return redactAndCut(redactText(text).replace(SPACES, ' ').trim(), max, { keep: 'ends' });
}

/** A value as a shell word: bare when safe, else single-quoted. */
export function sh(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replace(QUOTE, `'\\''`)}'`;
}

/**
 * A command to run on a host over ssh, as one quoted word: values inside `command` must already be `sh()`-quoted,
 * so they survive both the local shell and the remote one.
 */
export const remote = (host: string, command: string): string => `ssh ${sh(host)} ${sh(command)}`;

/** A value as a PromQL string literal. */
export const pq = (value: string): string => JSON.stringify(value);

/** `kubectl -n NS` when the namespace is known, else `kubectl -A`-style fallbacks are the caller's choice. */
export const kubectl = (namespace: string | undefined): string =>
  namespace ? `kubectl -n ${sh(namespace)}` : 'kubectl';

/** `instance` without the port (else the node, else a `host`/`hostname` label): the host to log in to. */
export function hostOf(view: AlertView): string | undefined {
  const instance = view.instance ?? view.node ?? view.labels.host ?? view.labels.hostname;
  if (!instance) return undefined;
  return instance.startsWith('[') ? instance.slice(1, instance.indexOf(']')) : instance.replace(PORT, '');
}

/** Two alerts about the same machine (`instance` or `node`, port ignored). */
export function sameHost(a: AlertView, b: AlertView): boolean {
  const host = hostOf(a);
  return host !== undefined && host === hostOf(b);
}

/**
 * A kernel OOM kill counted for the whole host: node-exporter's `node_vmstat_oom_kill`, or the kernel's own
 * "Out of memory: Killed process" (a container limit logs "Memory cgroup out of memory" instead).
 */
export const HOST_OOM_TEXT = /node_vmstat_oom_kill|(?<!cgroup )out of memory: kill/;

/** The alert reports a host's kernel OOM kill, not a container's OOMKilled (which kube-state-metrics labels). */
export const isHostOomKill = (view: AlertView): boolean =>
  view.reason.toLowerCase() !== 'oomkilled' && HOST_OOM_TEXT.test(view.text);

/** Labels that say nothing about what is broken. */
const QUIET_LABELS: ReadonlySet<string> = new Set([
  'alertname',
  'severity',
  'prometheus',
  'alertgroup',
  'receiver',
  'monitor',
  'tags',
  'summary',
  'endpoint',
  'uid',
]);

const FACT_LABELS = [
  'namespace',
  'pod',
  'container',
  'deployment',
  'statefulset',
  'daemonset',
  'horizontalpodautoscaler',
  'persistentvolumeclaim',
  'job_name',
  'node',
  'instance',
  'job',
  'service',
  'mountpoint',
  'device',
  'reason',
  'last_terminated_reason',
  'queue',
  'topic',
  'consumergroup',
  'datname',
  'cluster',
];

/** `namespace="shop", pod="checkout-…"`: the identifying labels the alert carries. */
export function labelFacts(view: AlertView, max = 6): string {
  const parts: string[] = [];
  for (const key of FACT_LABELS) {
    const value = view.labels[key];
    if (value) parts.push(`${key}="${clip(value, 80)}"`);
    if (parts.length >= max) break;
  }
  if (parts.length > 0) return parts.join(', ');
  // No well-known label: quote whatever else identifies the alert (host, device, …).
  for (const [key, value] of Object.entries(view.labels)) {
    if (!value || QUIET_LABELS.has(key)) continue;
    parts.push(`${key}="${clip(value, 80)}"`);
    if (parts.length >= max) break;
  }
  return parts.join(', ');
}

/** "`KubePodCrashLooping` is firing for namespace="shop", pod="…" (since …)". */
export function firedEvidence(view: AlertView): string {
  const facts = labelFacts(view);
  const state = view.firing ? 'firing' : view.alert.status;
  return clip(`\`${view.name}\` ${state}${facts ? ` for ${facts}` : ''} (since ${view.alert.startsAt})`, 500);
}

/** What the alert's text says, quoted: the description, else the summary. */
export function saidEvidence(view: AlertView): string | null {
  const annotations = view.alert.annotations;
  const key = annotations.description ? 'description' : annotations.message ? 'message' : 'summary';
  const text = annotations[key] ?? view.alert.summary;
  if (!text || text === view.name) return null;
  return clip(`${key}: "${clip(text, 420)}"`, 500);
}

/** Evidence from the matched alerts: each one's labels (up to three), and what the first one says. */
export function alertEvidence(alerts: AlertView[], extra: (string | null | undefined)[] = []): string[] {
  const out: string[] = [];
  for (const view of alerts.slice(0, 3)) out.push(firedEvidence(view));
  if (alerts.length > 3) out.push(`and ${alerts.length - 3} more \`${alerts[0]?.name}\` alert(s)`);
  const said = alerts[0] ? saidEvidence(alerts[0]) : null;
  if (said) out.push(said);
  for (const item of extra) if (item) out.push(clip(item, 500));
  return out.slice(0, 10);
}

/** Distinct values of a label across the alerts: "a, b, c (+2 more)". */
export function listOf(alerts: AlertView[], pick: (view: AlertView) => string | undefined, max = 3): string {
  const values = [...new Set(alerts.map(pick).filter((value): value is string => Boolean(value)))];
  const shown = values.slice(0, max).map((value) => `\`${value}\``);
  return values.length > max ? `${shown.join(', ')} (+${values.length - max} more)` : shown.join(', ');
}

export function cause(
  title: string,
  likelihood: number,
  category: RootCause['category'],
  evidence: string[],
): RootCause {
  return { title: clip(title, 200), likelihood, category, evidence: evidence.slice(0, 10) };
}

/** `ns/pod` (or whichever part is known). */
export function podRef(view: AlertView): string {
  if (view.namespace && view.pod) return `${view.namespace}/${view.pod}`;
  return view.pod ?? view.namespace ?? 'the pod';
}

/** The runbook the alert links to, as a step. */
export function runbookStep(view: AlertView): string | null {
  const url = view.alert.annotations.runbook_url ?? view.alert.annotations.runbook;
  return url ? clip(`Follow the alert's runbook: ${url}`, 500) : null;
}

/** A PromQL label selector from the known values: `{namespace="shop", pod="api-1"}`; '' when none is known. */
export function sel(matchers: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(matchers)) if (value) parts.push(`${key}=${pq(value)}`);
  // `metric{}` is not valid PromQL: with no known value, the bare metric name.
  return parts.length > 0 ? `{${parts.join(', ')}}` : '';
}

/** The steps that apply (falsy entries dropped), each clipped to the schema's limit. */
export function steps(...items: (string | null | undefined | false)[]): string[] {
  const out: string[] = [];
  for (const item of items) if (item) out.push(clip(item, 500));
  return out;
}

/** "container `api` of pod `shop/api-1`", or as much of it as the labels give. */
export function containerRef(view: AlertView): string {
  const pod = view.pod ? `pod \`${podRef(view)}\`` : view.namespace ? `namespace \`${view.namespace}\`` : '';
  if (view.container)
    return pod ? `container \`${view.container}\` of ${pod}` : `container \`${view.container}\``;
  return pod || `\`${view.name}\``;
}

/** Pods that are not running, in the alert's namespace or everywhere: the fallback when no pod is named. */
export function notRunningStep(view: AlertView): string {
  return `${kubectl(view.namespace)} get pods${view.namespace ? '' : ' -A'} -o wide | grep -vE 'Running|Completed'`;
}
