/**
 * The service an alert belongs to, derived the way an on-call engineer reads its labels: the workload it is
 * about, not the exporter that scraped it. In kube-prometheus `job` and `service` name the scrape target's
 * Service (kube-state-metrics, kubelet, node-exporter, `<db>-metrics`), so they decide only when nothing
 * better does. Routing (`services[].channel`), history, incident memory and fix PRs (`services[].repo`) all
 * key on the result, and the labels that decided it are kept with the alert and the incident.
 *
 * Precedence, first that applies:
 * 1. `services[].match` in aiops.yml — the team's own label sets (the entry's name is the service);
 * 2. `ingest.serviceLabels` when set explicitly — the labels tried in order, as before (a team convention);
 * 3. derivation: workload labels (`deployment`, `statefulset`, `daemonset`, `cronjob`, `job_name`, …), a
 *    PersistentVolumeClaim's owner, an exporter's own alert (TargetDown, KubeStateMetrics…), a pod's owner
 *    (ReplicaSet hash and pod suffix trimmed; `container` as a hint), an application label that is no
 *    exporter's, the system behind a `*-exporter`/`*-metrics` job, a probe's target, the host of a host alert,
 *    then the job, the instance's host, `name`, the namespace.
 */
import { isRegexMatcher } from '../config.ts';

/** How the service was decided, shown on the incident and returned by the API. */
export interface ServiceSource {
  /** The rule that decided (`match`, `labels`, `workload`, `volume`, `exporter`, `pod`, `host`, …). */
  rule: string;
  /** The labels it read, with their values on the alert. */
  labels: Record<string, string>;
  /** For `match`: the `services[]` entry. */
  entry?: string;
}

export interface ServiceDecision {
  service: string;
  source: ServiceSource;
}

type Matcher = string | readonly string[];
export type LabelSet = Readonly<Record<string, Matcher>>;

export interface ServiceRules {
  /** `services[]` of aiops.yml: `match` is one label set or a list of them (any may match). */
  services?: readonly { name: string; match?: LabelSet | readonly LabelSet[] | undefined }[];
  /** `ingest.serviceLabels` when the file sets it. */
  serviceLabels?: readonly string[] | undefined;
}

/**
 * The list aiops.example.yml shipped and the old built-in default. A file that still carries it has copied
 * the example, not chosen a convention: it would name the exporter again, so it counts as unset.
 */
export const LEGACY_SERVICE_LABELS: readonly string[] = [
  'service',
  'app_kubernetes_io_name',
  'app',
  'job',
  'namespace',
];

export const UNKNOWN_SERVICE = 'unknown';

/** The first non-empty label of `keys`, as before derivation existed (kept for the legacy correlation key). */
export function serviceOf(labels: Record<string, string>, keys: readonly string[]): string {
  for (const key of keys) {
    const value = labels[key];
    if (value) return value;
  }
  return UNKNOWN_SERVICE;
}

function explicitServiceLabels(rules: ServiceRules): readonly string[] | null {
  const keys = rules.serviceLabels;
  if (!keys || keys.length === 0) return null;
  const legacy =
    keys.length === LEGACY_SERVICE_LABELS.length && keys.every((k, i) => k === LEGACY_SERVICE_LABELS[i]);
  return legacy ? null : keys;
}

// ---------------------------------------------------------------------------------------------------
// aiops.yml services[].match

const regexCache = new Map<string, RegExp>();

function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!isRegexMatcher(pattern)) return pattern === value;
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern.slice(1, -1)})$`);
    if (regexCache.size < 1000) regexCache.set(pattern, re);
  }
  return re.test(value);
}

/** The labels of `labels` that a label set matched, or null when it does not match. */
function matchLabelSet(set: LabelSet, labels: Record<string, string>): Record<string, string> | null {
  const keys = Object.keys(set);
  if (keys.length === 0) return null;
  const used: Record<string, string> = {};
  for (const key of keys) {
    const expected = set[key] as Matcher;
    const actual = Object.hasOwn(labels, key) ? labels[key] : undefined;
    const patterns = typeof expected === 'string' ? [expected] : expected;
    if (!patterns.some((pattern) => valueMatches(pattern, actual))) return null;
    used[key] = actual as string;
  }
  return used;
}

function configuredMatch(labels: Record<string, string>, rules: ServiceRules): ServiceDecision | null {
  for (const entry of rules.services ?? []) {
    if (!entry.match) continue;
    const sets: readonly LabelSet[] = Array.isArray(entry.match) ? entry.match : [entry.match as LabelSet];
    for (const set of sets) {
      const used = matchLabelSet(set, labels);
      if (used) return { service: entry.name, source: { rule: 'match', labels: used, entry: entry.name } };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Names: Kubernetes generated suffixes, exporters, hosts

/** Kubernetes' `rand.String` / pod-template-hash alphabet: no vowels, no 0, 1, 3. */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
const POD_OF_CRONJOB = new RegExp(`^(.+)-\\d{8,10}-[${SAFE}]{5}$`);
const POD_OF_DEPLOYMENT = new RegExp(`^(.+)-(?:[${SAFE}]{6,10}|\\d{6,10})-[${SAFE}]{5}$`);
const POD_OF_STATEFULSET = /^(.+)-\d+$/;
const POD_WITH_SUFFIX = new RegExp(`^(.+)-[${SAFE}]{5}$`);
const REPLICASET_HASH = new RegExp(`^(.+)-(?:[${SAFE}]{6,10}|\\d{6,10})$`);
const CRONJOB_RUN = /^(.+)-\d{8,10}$/;

/** The controller a pod name comes from: Deployment, CronJob, StatefulSet, DaemonSet/Job, or the name itself. */
export function podOwner(pod: string): string {
  for (const pattern of [POD_OF_CRONJOB, POD_OF_DEPLOYMENT, POD_OF_STATEFULSET, POD_WITH_SUFFIX]) {
    const match = pattern.exec(pod);
    if (match?.[1]) return match[1];
  }
  return pod;
}

/** Last words of a volumeClaimTemplate name (`data`, `prometheus-k8s-db`, `redis-data`, …). */
const CLAIM_TEMPLATE_WORDS = new Set([
  'data',
  'datadir',
  'db',
  'storage',
  'pgdata',
  'volume',
  'vol',
  'pvc',
  'disk',
  'export',
  'www',
  'wal',
  'logs',
  'cache',
  'home',
]);

/**
 * The workload a PersistentVolumeClaim belongs to. A StatefulSet's claims are `<template>-<statefulset>-<n>`
 * (`data-orders-postgresql-0`, `prometheus-k8s-db-prometheus-k8s-0`); any other claim is named for itself.
 */
export function claimOwner(claim: string): string {
  const ordinal = /^(.+)-\d+$/.exec(claim);
  if (!ordinal?.[1]) return claim.replace(/[-_](?:pvc|claim|data|storage)$/, '') || claim;
  const words = ordinal[1].split('-');
  if (words.length < 2) return ordinal[1];
  let split = words.findIndex((word, index) => index < words.length - 1 && CLAIM_TEMPLATE_WORDS.has(word));
  if (split === -1) split = 0;
  return words.slice(split + 1).join('-');
}

const norm = (value: string) => value.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Exporters that watch the platform or a host, never one application: they are not the affected service. */
const PLATFORM_EXPORTER =
  /(?:^|[-_])(?:kube-state-metrics|kubelet|cadvisor|node[-_]?exporter|windows[-_]?exporter|wmi[-_]?exporter|blackbox(?:[-_]exporter)?|snmp(?:[-_]exporter)?|pushgateway|kube-rbac-proxy|process[-_]exporter|systemd[-_]exporter)$/i;
/** A scrape job of node-exporter in a plain Prometheus config: `node`, `nodes`, `docker_nodes`, `node_exporter`. */
const NODE_JOB =
  /(?:^|[-_])(?:nodes?|node[-_]?exporter|prometheus-node-exporter|windows[-_]?exporter|wmi[-_]?exporter)$/i;
/** Jobs whose `instance` is the probed target, not the exporter (itself no service either). */
const PROBE_JOB = /blackbox|probe|snmp|icmp|ping|ssl[-_]?exporter|json[-_]?exporter/i;
/** Containers that are not the application: sidecars and exporters. */
const NOT_THE_APP_CONTAINER =
  /^(?:POD|metrics|exporter|.*[-_]exporter|istio-proxy|linkerd-proxy|envoy|kube-rbac-proxy.*|config-reloader|.*-sidecar)$/i;
const SYSTEM_ALIASES: Record<string, string> = { mysqld: 'mysql', pg: 'postgres' };

function isPlatformExporter(name: string): boolean {
  return PLATFORM_EXPORTER.test(name) || NODE_JOB.test(name);
}

/**
 * The system a `*-exporter` / `*-metrics` name stands for, or null when the name is no exporter's:
 * `postgres-exporter` → postgres, `redis_exporter_targets` → redis, `orders-postgresql-metrics` →
 * orders-postgresql, `orders-db-prometheus-postgres-exporter` (a chart's `<release>-prometheus-<x>-exporter`)
 * → orders-db, `prometheus-postgres-exporter` → postgres.
 */
export function monitoredSystem(name: string): string | null {
  if (isPlatformExporter(name) || PROBE_JOB.test(name)) return null;
  const exporter = /^(.*?)[-_]?exporters?(?:[-_].*)?$/i.exec(name);
  if (exporter) {
    const base = (exporter[1] ?? '').replace(/[-_]+$/, '');
    if (!base) return null;
    const chart = /^(?:(.+?)[-_])?prometheus[-_]([a-z0-9]+)$/i.exec(base);
    if (chart?.[2]) return chart[1] ?? SYSTEM_ALIASES[chart[2].toLowerCase()] ?? chart[2].toLowerCase();
    const words = base.split(/[-_]/);
    const last = (words.at(-1) ?? '').toLowerCase();
    if (SYSTEM_ALIASES[last]) words[words.length - 1] = SYSTEM_ALIASES[last];
    return words.join('-');
  }
  const metrics = /^(.+?)[-_]metrics$/i.exec(name);
  return metrics?.[1] ?? null;
}

function isExporterName(name: string): boolean {
  return isPlatformExporter(name) || PROBE_JOB.test(name) || monitoredSystem(name) !== null;
}

/** The host part of an `instance`: `10.0.0.5:9100` → `10.0.0.5`, `redis://cache:6379` → `cache`. */
export function hostOf(instance: string): string {
  const value = instance.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const host = new URL(value).hostname;
      if (host) return host.replace(/^\[(.*)\]$/, '$1');
    } catch {
      // not a URL after all: fall through
    }
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1]) return bracketed[1];
  const hostPort = /^([^:/]+):\d+$/.exec(value);
  if (hostPort?.[1]) return hostPort[1];
  return value.split('/')[0] || value;
}

// ---------------------------------------------------------------------------------------------------
// Derivation

const WORKLOAD_LABELS = [
  'deployment',
  'statefulset',
  'daemonset',
  'cronjob',
  'job_name',
  'replicaset',
  'horizontalpodautoscaler',
  'workload',
  // Istio's standard metrics name the workload a request went to.
  'destination_workload',
] as const;
const APP_LABELS = [
  'service',
  'app_kubernetes_io_name',
  'app',
  'k8s_app',
  'application',
  'sloth_service',
  'destination_service_name',
] as const;
/** Older label names: Prometheus' example `kubernetes-pods` job, cAdvisor before Kubernetes 1.16. */
const POD_LABELS = ['pod', 'kubernetes_pod_name', 'pod_name'] as const;
const CONTAINER_LABELS = ['container', 'container_name'] as const;
/** Jobs whose `instance` is the node itself (node-exporter, the kubelet and its cAdvisor). */
const INSTANCE_IS_NODE =
  /(?:^|[-_])(?:nodes?|node[-_]?exporter|kubelet|cadvisor|windows[-_]?exporter|wmi[-_]?exporter)$/i;
const HOST_LABELS = ['node', 'nodename', 'hostname', 'host', 'instance'] as const;
/** Alerts about a scrape target being down: the target (job) is what is affected. */
const TARGET_DOWN = /^(?:TargetDown|PrometheusTargetMissing|TargetMissing|ExporterDown|ScrapeTargetDown)$/i;
const HOST_ALERT = /^(?:Node(?!JS|Js|js)|Host)[A-Z]|^(?:node|host)_/;

function decided(rule: string, service: string, labels: Record<string, string>): ServiceDecision {
  return { service, source: { rule, labels } };
}

function workloadName(label: string, value: string): string {
  if (label === 'job_name') return CRONJOB_RUN.exec(value)?.[1] ?? value;
  if (label === 'replicaset') return REPLICASET_HASH.exec(value)?.[1] ?? value;
  return value;
}

/** The scrape job (or its Service) when it names an exporter, with the label it came from. */
function exporterLabel(labels: Record<string, string>): [string, string] | null {
  for (const key of ['job', 'service', 'app_kubernetes_io_name', 'container'] as const) {
    const value = labels[key];
    if (value && isExporterName(value)) return [key, value];
  }
  return null;
}

function hostDecision(labels: Record<string, string>, instanceIsHost = true): ServiceDecision | null {
  for (const key of HOST_LABELS) {
    if (key === 'instance' && !instanceIsHost) continue;
    const value = labels[key];
    if (value) return decided('host', key === 'instance' ? hostOf(value) : value, { [key]: value });
  }
  return null;
}

function firstLabel(labels: Record<string, string>, keys: readonly string[]): [string, string] | null {
  for (const key of keys) {
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    if (value) return [key, value];
  }
  return null;
}

/**
 * Whether a pod is the exporter that was scraped (node-exporter's own pod on every node-exporter series),
 * not what the alert is about: an exporter's name that the job or its Service also carries. A crash-looping
 * postgres-exporter reported by kube-state-metrics is the subject.
 */
function isScrapeTarget(owner: string, labels: Record<string, string>): boolean {
  if (!isExporterName(owner)) return false;
  const name = norm(owner);
  return ['job', 'service'].some((key) => {
    const value = Object.hasOwn(labels, key) ? norm(labels[key] ?? '') : '';
    return value.length >= 4 && (value.includes(name) || name.includes(value));
  });
}

/** Derives the service from the labels alone (step 3 of the precedence). */
export function deriveService(labels: Record<string, string>): ServiceDecision {
  const get = (key: string) =>
    Object.hasOwn(labels, key) && labels[key] ? (labels[key] as string) : undefined;
  const alertname = get('alertname') ?? '';

  for (const key of WORKLOAD_LABELS) {
    const value = get(key);
    if (value) return decided('workload', workloadName(key, value), { [key]: value });
  }

  const claim = get('persistentvolumeclaim');
  if (claim) return decided('volume', claimOwner(claim), { persistentvolumeclaim: claim });
  const volume = get('persistentvolume');
  if (volume) return decided('volume', volume, { persistentvolume: volume });
  // Consumer lag (kafka_exporter, Burrow) is the consumer's: its group names the service that falls behind.
  const consumer = firstLabel(labels, ['consumergroup', 'consumer_group']);
  if (consumer) return decided('consumer', consumer[1], { [consumer[0]]: consumer[1] });

  // An alert about the exporter or scrape target itself: KubeStateMetricsListErrors, KubeletDown, TargetDown.
  const job = get('job');
  const exporter = exporterLabel(labels);
  if (job && !PROBE_JOB.test(job) && TARGET_DOWN.test(alertname))
    return decided('scrape-target', job, { job, alertname });
  // (`node` is a node-exporter job and also the first word of every node-exporter alert: not a self-alert.)
  if (exporter && !PROBE_JOB.test(exporter[1]) && !/(?:^|[-_])nodes?$/i.test(exporter[1])) {
    const [key, value] = exporter;
    const name = norm(value);
    if (name.length >= 4 && norm(alertname).includes(name))
      return decided('scrape-target', value, { [key]: value, alertname });
  }

  const podLabel = firstLabel(labels, POD_LABELS);
  const containerLabel = firstLabel(labels, CONTAINER_LABELS);
  if (podLabel) {
    const [podKey, pod] = podLabel;
    const owner = podOwner(pod);
    if (!isScrapeTarget(owner, labels)) {
      const used: Record<string, string> = { [podKey]: pod };
      if (containerLabel && !NOT_THE_APP_CONTAINER.test(containerLabel[1])) {
        const [containerKey, container] = containerLabel;
        // A pod name no controller pattern trims (a bare or static pod): its container may name it.
        if (owner === pod && pod.startsWith(`${container}-`))
          return decided('pod', container, { ...used, [containerKey]: container });
        if (container === owner || owner.endsWith(`-${container}`)) used[containerKey] = container;
      }
      return decided('pod', owner, used);
    }
  }

  for (const key of APP_LABELS) {
    const value = get(key);
    if (value && !isExporterName(value)) return decided('label', value, { [key]: value });
  }
  const destination = get('destination_service');
  if (destination)
    return decided('label', destination.split('.')[0] || destination, { destination_service: destination });

  if (containerLabel && !NOT_THE_APP_CONTAINER.test(containerLabel[1]) && !isExporterName(containerLabel[1]))
    return decided('container', containerLabel[1], { [containerLabel[0]]: containerLabel[1] });

  if (exporter) {
    const [key, value] = exporter;
    const instance = get('instance');
    if (instance && PROBE_JOB.test(value))
      return decided('probe', hostOf(instance), { [key]: value, instance });
    // cAdvisor outside Kubernetes: `name` is the container.
    const name = get('name');
    if (name && /cadvisor/i.test(value)) return decided('container', name, { [key]: value, name });
    if (isPlatformExporter(value) || HOST_ALERT.test(alertname)) {
      const host = hostDecision(labels, INSTANCE_IS_NODE.test(value));
      if (host) return host;
    } else {
      // Multi-target exporters put the system in `instance` (redis://cache:6379); otherwise the job names it.
      if (instance && /^[a-z][a-z0-9+.-]*:\/\//i.test(instance))
        return decided('exporter', hostOf(instance), { [key]: value, instance });
      const system = monitoredSystem(value);
      if (system) return decided('exporter', system, { [key]: value });
    }
  }
  if (job && PROBE_JOB.test(job)) {
    const instance = get('instance');
    if (instance) return decided('probe', hostOf(instance), { job, instance });
  }
  if (HOST_ALERT.test(alertname) || (job && NODE_JOB.test(job))) {
    const host = hostDecision(labels);
    if (host) return host;
  }
  if (job && !isExporterName(job)) return decided('job', job, { job });
  for (const key of ['node', 'nodename', 'hostname', 'host'] as const) {
    const value = get(key);
    if (value) return decided('host', value, { [key]: value });
  }
  // The `instance` of kube-state-metrics and other platform exporters is the exporter's pod, never a host.
  const instance = get('instance');
  if (instance && !(exporter && isPlatformExporter(exporter[1]) && !INSTANCE_IS_NODE.test(exporter[1])))
    return decided('host', hostOf(instance), { instance });
  const name = get('name');
  if (name) return decided('label', name, { name });
  const namespace = get('namespace');
  if (namespace) return decided('namespace', namespace, { namespace });
  return decided('none', UNKNOWN_SERVICE, {});
}

/**
 * A service name as stored: PostgreSQL text cannot hold U+0000, which a label value may carry; it becomes
 * U+FFFD like everywhere else (src/db/json.ts), so one odd label never fails a delivery.
 */
export function storableService(service: string): string {
  return service.includes('\u0000') ? service.replaceAll('\u0000', '\ufffd') : service;
}

function resolveRaw(labels: Record<string, string>, rules: ServiceRules): ServiceDecision {
  const configured = configuredMatch(labels, rules);
  if (configured) return configured;
  const keys = explicitServiceLabels(rules);
  if (keys) {
    for (const key of keys) {
      const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
      if (value) return decided('labels', value, { [key]: value });
    }
  }
  return deriveService(labels);
}

/** The service of one alert's labels under the team's rules (see the precedence at the top). */
export function resolveService(labels: Record<string, string>, rules: ServiceRules = {}): ServiceDecision {
  const decision = resolveRaw(labels, rules);
  return { service: storableService(decision.service), source: decision.source };
}

/**
 * The service of a group of alerts (the incident): the one all its alerts agree on; else what the labels
 * they share say (a routing group of one namespace); else the most common among them, first seen first.
 */
export function groupService(
  decisions: readonly ServiceDecision[],
  commonLabels: Record<string, string>,
  rules: ServiceRules = {},
): ServiceDecision {
  const first = decisions[0];
  if (!first) return resolveService(commonLabels, rules);
  if (decisions.every((decision) => decision.service === first.service)) return first;
  const common = resolveService(commonLabels, rules);
  if (common.service !== UNKNOWN_SERVICE) return common;
  const counts = new Map<string, number>();
  for (const decision of decisions) counts.set(decision.service, (counts.get(decision.service) ?? 0) + 1);
  let best = first;
  for (const decision of decisions)
    if ((counts.get(decision.service) ?? 0) > (counts.get(best.service) ?? 0)) best = decision;
  return best;
}

/** One line for people: `deployment="api"`, `aiops.yml checkout: namespace="shop"`. */
export function describeServiceSource(source: ServiceSource): string {
  const labels = Object.entries(source.labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ');
  if (source.rule === 'match') return `aiops.yml services.${source.entry ?? '?'}.match: ${labels}`;
  if (source.rule === 'labels') return `ingest.serviceLabels: ${labels}`;
  if (source.rule === 'none') return 'no label names it';
  if (source.rule === 'pagerduty') return `PagerDuty service ${labels}`;
  return labels;
}
