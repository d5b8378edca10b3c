/**
 * Alertmanager v4 webhook bodies for the benchmark, shaped like what a Prometheus + Alertmanager stack on
 * Kubernetes sends: realistic labels and annotations, Alertmanager-style 16-hex fingerprints, a groupKey
 * per route group. Deterministic for a given seed so two runs send the same traffic.
 */
import { createHash } from 'node:crypto';

export const SERVICES = [
  'checkout',
  'payments',
  'cart',
  'catalog',
  'search',
  'recommendations',
  'shipping',
  'inventory',
  'auth',
  'accounts',
  'notifications',
  'email',
  'frontend',
  'api-gateway',
  'orders',
  'pricing',
  'reviews',
  'media',
  'billing',
  'ledger',
] as const;

interface AlertRule {
  alertname: string;
  severity: 'critical' | 'warning' | 'info';
  summary: string;
  description: string;
  expr: string;
}

export const RULES: readonly AlertRule[] = [
  {
    alertname: 'KubePodCrashLooping',
    severity: 'warning',
    summary: 'Pod is crash looping.',
    description: 'Pod {ns}/{pod} ({container}) is in waiting state (reason: "CrashLoopBackOff").',
    expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
  },
  {
    alertname: 'HighErrorRate',
    severity: 'critical',
    summary: 'More than 5% of requests to {svc} fail.',
    description: '{svc} in {ns} answers 5xx to {pct}% of requests over the last 5 minutes (pod {pod}).',
    expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
  },
  {
    alertname: 'HighLatencyP99',
    severity: 'warning',
    summary: 'p99 latency of {svc} is above 500ms.',
    description: 'The 99th percentile latency of {svc} on {pod} is {ms}ms (threshold 500ms).',
    expr: 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, pod)) > 0.5',
  },
  {
    alertname: 'KubeContainerOOMKilled',
    severity: 'critical',
    summary: 'Container was OOM killed.',
    description: 'Container {container} in pod {ns}/{pod} was OOMKilled {n} times in the last 10 minutes.',
    expr: 'increase(kube_pod_container_status_restarts_total[10m]) > 0 and kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
  },
  {
    alertname: 'CPUThrottlingHigh',
    severity: 'info',
    summary: 'Processes experience elevated CPU throttling.',
    description: '{pct}% throttling of CPU in namespace {ns} for container {container} in pod {pod}.',
    expr: 'sum(increase(container_cpu_cfs_throttled_periods_total[5m])) by (container, pod, namespace) > 0.25',
  },
  {
    alertname: 'KubeDeploymentReplicasMismatch',
    severity: 'warning',
    summary: 'Deployment has not matched the expected number of replicas.',
    description:
      'Deployment {ns}/{svc} has not matched the expected number of replicas for longer than 15 minutes.',
    expr: 'kube_deployment_spec_replicas != kube_deployment_status_replicas_available',
  },
  {
    alertname: 'PostgresConnectionsHigh',
    severity: 'warning',
    summary: '{svc} uses more than 80% of its database connections.',
    description: 'Connection pool of {svc} on {pod} is at {pct}% of max_connections.',
    expr: 'sum(pg_stat_activity_count) by (datname) / pg_settings_max_connections > 0.8',
  },
  {
    alertname: 'TargetDown',
    severity: 'warning',
    summary: 'One or more targets are unreachable.',
    description: '{pct}% of the {svc} targets in {ns} namespace are down.',
    expr: '100 * (count(up == 0) BY (job, namespace, service) / count(up) BY (job, namespace, service)) > 10',
  },
];

export const NAMESPACES = ['prod', 'prod-eu', 'prod-us', 'staging'] as const;

/** A small, fast, seedable PRNG (mulberry32): benchmark traffic is the same from run to run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** Alertmanager's fingerprint is a 64-bit hash of the sorted label set, printed as 16 hex digits. */
function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
  return createHash('sha1').update(canonical).digest('hex').slice(0, 16);
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_match, key: string) => values[key] ?? key);

export interface BenchAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** One Alertmanager aggregation group: what every notification for that group carries. */
export interface BenchGroup {
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: BenchAlert[];
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
const PROMETHEUS = 'http://prometheus-k8s.monitoring.svc:9090';

function podName(random: () => number, service: string): string {
  const hash = Math.floor(random() * 0xffffffff)
    .toString(36)
    .padStart(7, '0')
    .slice(0, 10);
  const suffix = Math.floor(random() * 36 ** 5)
    .toString(36)
    .padStart(5, '0');
  return `${service}-${hash}-${suffix}`;
}

/** One firing alert for a pod of `service`, with a fresh pod name (hence a distinct fingerprint). */
function makeAlert(
  random: () => number,
  rule: AlertRule,
  where: { service: string; namespace: string; cluster: string },
): BenchAlert {
  const { service, namespace, cluster } = where;
  const pod = podName(random, service);
  const container = service;
  const labels: Record<string, string> = {
    alertname: rule.alertname,
    service,
    namespace,
    pod,
    container,
    severity: rule.severity,
    instance: `10.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}:8080`,
    job: `${namespace}/${service}`,
    cluster,
    prometheus: 'monitoring/k8s',
  };
  const values = {
    svc: service,
    ns: namespace,
    pod,
    container,
    pct: String(5 + Math.floor(random() * 60)),
    ms: String(500 + Math.floor(random() * 2000)),
    n: String(1 + Math.floor(random() * 5)),
  };
  return {
    status: 'firing',
    labels,
    annotations: {
      summary: fill(rule.summary, values),
      description: fill(rule.description, values),
      runbook_url: `https://runbooks.example.com/${rule.alertname.toLowerCase()}`,
    },
    startsAt: new Date(Date.now() - Math.floor(random() * 600_000)).toISOString(),
    endsAt: GO_ZERO_TIME,
    generatorURL: `${PROMETHEUS}/graph?g0.expr=${encodeURIComponent(rule.expr)}&g0.tab=1`,
    fingerprint: fingerprintOf(labels),
  };
}

function groupKeyOf(route: string, groupLabels: Record<string, string>): string {
  const inner = Object.keys(groupLabels)
    .sort()
    .map((key) => `${key}="${groupLabels[key]}"`)
    .join(', ');
  return `{}/{${route}}:{${inner}}`;
}

/** Labels every alert of the group shares (what Alertmanager puts in commonLabels / commonAnnotations). */
function common(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(first))
    if (rest.every((map) => map[key] === value)) result[key] = value;
  return result;
}

/** The webhook body Alertmanager posts for `group` (version 4). */
export function alertmanagerBody(group: BenchGroup, receiver = 'aiops-bot'): string {
  const firing = group.alerts.some((alert) => alert.status === 'firing');
  return JSON.stringify({
    receiver,
    status: firing ? 'firing' : 'resolved',
    alerts: group.alerts,
    groupLabels: group.groupLabels,
    commonLabels: common(group.alerts.map((alert) => alert.labels)),
    commonAnnotations: common(group.alerts.map((alert) => alert.annotations)),
    externalURL: 'http://alertmanager-main.monitoring.svc:9093',
    version: '4',
    groupKey: group.groupKey,
    truncatedAlerts: 0,
  });
}

/**
 * The same alerts as Alertmanager's own `POST /api/v2/alerts` takes them (postableAlert[]): what Prometheus
 * sends to Alertmanager. A firing alert carries no endsAt (Alertmanager then sets its resolve timeout).
 */
export function alertmanagerApiBody(group: BenchGroup): string {
  return JSON.stringify(
    group.alerts.map((alert) => ({
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      ...(alert.status === 'resolved' ? { endsAt: alert.endsAt } : {}),
      generatorURL: alert.generatorURL,
    })),
  );
}

/** How a benchmark body is written: our webhook (Alertmanager's notification) or Alertmanager's own API. */
export type BodyFormat = 'webhook' | 'alertmanager-api';

export const formatBody = (group: BenchGroup, format: BodyFormat = 'webhook') =>
  format === 'webhook' ? alertmanagerBody(group) : alertmanagerApiBody(group);

export interface TrafficOptions {
  seed: number;
  alertsPerGroup: number;
  /** Share of deliveries that re-send a recent group (Alertmanager's group_interval / repeat_interval). */
  redeliveryShare: number;
  /** Share of redeliveries in which some of the group's alerts have resolved. */
  resolveShare: number;
  /** Makes group keys unique to one phase of one run (no two phases share incidents). */
  tag: string;
}

/**
 * Sustained traffic: a mix of new aggregation groups (groupKey per service + alertname, one incident each)
 * and redeliveries of recent groups (same fingerprints; now and then with some alerts resolved).
 */
export class TrafficGenerator {
  private readonly random: () => number;
  private readonly recent: BenchGroup[] = [];
  private sequence = 0;
  newGroups = 0;
  redeliveries = 0;

  constructor(private readonly options: TrafficOptions) {
    this.random = prng(options.seed);
  }

  next(): string {
    return alertmanagerBody(this.nextGroup());
  }

  /** The group the next delivery carries (a new one, or a recent one again). */
  nextGroup(): BenchGroup {
    const random = this.random;
    if (this.recent.length > 0 && random() < this.options.redeliveryShare) {
      this.redeliveries += 1;
      const group = pick(random, this.recent);
      if (random() < this.options.resolveShare) {
        const endsAt = new Date().toISOString();
        for (const alert of group.alerts) {
          if (alert.status === 'firing' && random() < 0.3) {
            alert.status = 'resolved';
            alert.endsAt = endsAt;
          }
        }
      }
      return group;
    }
    this.newGroups += 1;
    const group = this.newGroup();
    if (this.recent.length < 512) this.recent.push(group);
    else this.recent[Math.floor(random() * this.recent.length)] = group;
    return group;
  }

  private newGroup(): BenchGroup {
    const random = this.random;
    this.sequence += 1;
    const service = pick(random, SERVICES);
    const rule = pick(random, RULES);
    // A fresh cluster per group keeps the (service, alertname) route group new: a new incident each time.
    const cluster = `${this.options.tag}-${this.sequence}`;
    const namespace = pick(random, NAMESPACES);
    const groupLabels = { alertname: rule.alertname, cluster, service };
    const alerts = Array.from({ length: this.options.alertsPerGroup }, () =>
      makeAlert(random, rule, { service, namespace, cluster }),
    );
    return { groupKey: groupKeyOf('severity=~"critical|warning|info"', groupLabels), groupLabels, alerts };
  }
}

/**
 * An alert storm: `services` services each firing many alerts at once. The route groups by service only,
 * so each service's storm is one incident; each delivery carries `alertsPerGroup` new alerts of that service.
 */
export class StormGenerator {
  private readonly random: () => number;
  private sequence = 0;

  constructor(
    private readonly options: { seed: number; services: number; alertsPerGroup: number; tag: string },
  ) {
    this.random = prng(options.seed);
  }

  /** The names of the storm's services (each its own incident). */
  serviceNames(): string[] {
    return Array.from({ length: this.options.services }, (_, index) => {
      const base = SERVICES[index % SERVICES.length] as string;
      const round = Math.floor(index / SERVICES.length);
      return round === 0 ? base : `${base}-${round}`;
    });
  }

  next(): string {
    return alertmanagerBody(this.nextGroup());
  }

  nextGroup(): BenchGroup {
    const random = this.random;
    const services = this.serviceNames();
    const service = services[this.sequence % services.length] as string;
    this.sequence += 1;
    const groupLabels = { cluster: this.options.tag, service };
    const cluster = this.options.tag;
    const alerts = Array.from({ length: this.options.alertsPerGroup }, () =>
      makeAlert(random, pick(random, RULES), { service, namespace: pick(random, NAMESPACES), cluster }),
    );
    return { groupKey: groupKeyOf('alertstorm="true"', groupLabels), groupLabels, alerts };
  }
}
