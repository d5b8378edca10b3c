/**
 * The alerts teams write themselves — `HighCpuUsage`, `high_memory_load`, `DiskSpaceLow`, `HostDown`,
 * `PodRestarting`, `NTPOutOfSync` — and cAdvisor's container rules (awesome-prometheus-alerts). Home-grown names
 * are matched by shape only when no technology claims the alert, and answered like the well-known family they
 * are a variant of: a host's CPU like node-exporter's, a container's against its limits. Listed last, so every
 * specific signature wins first.
 */
import { domainOf } from '../domain.ts';
import { hostOf, kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';
import { pvcFillingUp } from './controllers.ts';
import { family, q } from './family.ts';
import { nodeClock, nodeCpu, nodeFilesystem, nodeMemory, nodeUnreachable } from './nodes.ts';
import { appRestarts } from './platform.ts';
import { blackboxProbe, targetDown } from './probes.ts';
import { jobFailed } from './workloads.ts';

/** No technology (database, broker, proxy …) claims the alert: only then is a name's shape enough. */
const unclaimed = (view: AlertView): boolean => domainOf(view) === undefined;

/**
 * The alert is about a container or pod rather than a host. cAdvisor names a Docker container in `name`, but
 * `name` means other things elsewhere: it counts only beside cAdvisor's `image` or `id`, or from a cAdvisor job.
 */
const inContainer = (view: AlertView): boolean => {
  const l = view.labels;
  const cadvisorName = Boolean(l.name && (l.image || l.id || /cadvisor/.test(l.job ?? '')));
  return Boolean(view.pod || view.container || l.container_name || cadvisorName);
};

/** A signature answered by `pick(ctx)`, one of the well-known families, for alert names of the given shape. */
function variantOf(spec: {
  id: string;
  title: string;
  weight: number;
  names: string[];
  namePattern: RegExp;
  /** For free-text titles (PagerDuty, Datadog, CloudWatch): "CPU usage is high on web-1". */
  textPattern?: RegExp;
  accepts?: (view: AlertView) => boolean;
  role?: Signature['role'];
  pick: (ctx: SignatureContext) => Signature;
}): Signature {
  const signature: Signature = {
    id: spec.id,
    title: spec.title,
    weight: spec.weight,
    names: spec.names,
    namePattern: spec.namePattern,
    accepts: (view) => unclaimed(view) && (spec.accepts?.(view) ?? true),
    analyze: (ctx) => spec.pick(ctx).analyze(ctx),
  };
  if (spec.textPattern) signature.textPattern = spec.textPattern;
  if (spec.role) signature.role = spec.role;
  return signature;
}

const container = (v: AlertView): string =>
  q(v.container ?? v.labels.name ?? v.labels.container_name, 'the container');
const podOf = (v: AlertView): string =>
  v.pod ? ` of pod \`${v.namespace ? `${v.namespace}/` : ''}${v.pod}\`` : '';

/** cAdvisor's container rules, and home-grown CPU/memory alerts about a container. */
export const containerResources: Signature = family({
  id: 'container-resources',
  title: 'Container near its CPU or memory limit, or over-provisioned',
  weight: 52,
  names: [
    'ContainerHighCpuUtilization',
    'ContainerHighMemoryUsage',
    'ContainerLowCpuUtilization',
    'ContainerLowMemoryUsage',
  ],
  summary: (v) => {
    const low = v.key.includes('low');
    const what = v.key.includes('cpu') ? 'CPU' : 'memory';
    return low
      ? `${container(v)}${podOf(v)} uses a small share of the ${what} it is allocated (\`${v.name}\`): resources are reserved for nothing.`
      : `${container(v)}${podOf(v)} runs close to its ${what} limit (\`${v.name}\`)${what === 'memory' ? ': at the limit it is OOM-killed' : ': at the limit it is throttled and slows down'}.`;
  },
  causes: (v) => {
    if (v.key.includes('low'))
      return [['Requests/limits set far above real usage (over-provisioned)', 0.6, 'configuration']];
    return v.key.includes('cpu')
      ? [
          ['More load than the container was sized for (traffic growth, bigger batches)', 0.4, 'capacity'],
          ['A code path burns CPU: a hot loop or a regression in a recent release', 0.3, 'application'],
          ['The CPU limit is set too low for the workload', 0.2, 'configuration'],
        ]
      : [
          ['Memory grows without bound: a leak, or an unbounded cache or heap', 0.4, 'application'],
          ['The memory limit is set too low for the real working set', 0.3, 'configuration'],
          ['More load or bigger data than the container was sized for', 0.2, 'capacity'],
        ];
  },
  steps: (v) => {
    const cpu = v.key.includes('cpu');
    const who = sel({ namespace: v.namespace, pod: v.pod, container: v.container ?? v.labels.name });
    return [
      v.pod && `${kubectl(v.namespace)} top pod ${sh(v.pod)} --containers`,
      v.pod && `${kubectl(v.namespace)} get pod ${sh(v.pod)} -o jsonpath='{.spec.containers[*].resources}'`,
      !v.pod && v.labels.name && `docker stats --no-stream ${sh(v.labels.name)}`,
      cpu
        ? `PromQL: sum by (pod, container) (rate(container_cpu_usage_seconds_total${who}[5m]))`
        : `PromQL: container_memory_working_set_bytes${who}`,
    ];
  },
});

export const containerGone: Signature = family({
  id: 'container-gone',
  title: 'Container disappeared',
  weight: 50,
  names: ['ContainerKilled', 'ContainerAbsent'],
  summary: (v) =>
    `${v.key.includes('absent') ? 'No container metrics at all' : `A container${v.labels.name ? ` (${q(v.labels.name)})` : ''} disappeared`}${v.instance ? ` on \`${v.instance}\`` : ''} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('absent')
      ? [
          [
            'cAdvisor (or the kubelet serving it) is down, or its scrape target is gone',
            0.5,
            'infrastructure',
          ],
          [
            'The containers were removed on purpose (host drained, service scaled to zero)',
            0.3,
            'deployment',
          ],
        ]
      : [
          ['The container was OOM-killed or crashed', 0.4, 'application'],
          ['It was stopped or replaced by a deploy, restart or scale-down', 0.35, 'deployment'],
          ['Its host went down or rebooted', 0.15, 'infrastructure'],
        ],
  steps: (v) => [
    v.labels.name &&
      `docker ps -a --filter name=${sh(v.labels.name)}; docker inspect ${sh(v.labels.name)} --format '{{.State}}'`,
    v.instance && `PromQL: time() - container_last_seen${sel({ instance: v.instance })} > 60`,
    'journalctl -k --since "1 hour ago" | grep -iE "out of memory|killed process"  # on the host',
  ],
});

const SUBJECT = '(?:host|node|server|instance|vm|machine|system|container|pod|app|application|service)?';
const LEVEL = '(?:high|critical|warning|warn|toohigh|alert|exceeded|over\\d*)?';

export const homeGrownCpu = variantOf({
  id: 'home-grown-cpu',
  title: 'High CPU (a home-grown alert)',
  weight: 40,
  names: ['HighCpuUsage', 'HighCPU', 'CpuUsageHigh', 'HighCpuLoad'],
  namePattern: new RegExp(
    `^(?:high|excessive)?${SUBJECT}(?:cpu|processor)(?:usage|load|utili[sz]ation|util|percent|busy)?${LEVEL}$|^high(?:system)?load(?:average)?$|^(?:system)?loadaverage(?:high)?$|^(?:host|node|server|system)loadhigh$`,
  ),
  textPattern:
    /\b(?:cpu|processor) (?:usage|load|utili[sz]ation)(?: is)? (?:high|too high|above|over|exceed\w*|critical)|\bhigh cpu (?:usage|load|utili[sz]ation)\b/,
  pick: (ctx) => (inContainer(ctx.primary) ? containerResources : nodeCpu),
});

export const homeGrownMemory = variantOf({
  id: 'home-grown-memory',
  title: 'High memory use (a home-grown alert)',
  weight: 40,
  names: ['HighMemoryUsage', 'MemoryUsageHigh', 'HighMemoryLoad', 'LowFreeMemory'],
  namePattern: new RegExp(
    `^(?:high|excessive)?${SUBJECT}(?:mem|memory|ram)(?:usage|load|utili[sz]ation|util|percent|used|pressure)?${LEVEL}$|^low(?:free|available)?(?:mem|memory|ram)$|^(?:free|available)(?:mem|memory|ram)low$`,
  ),
  textPattern:
    /\b(?:memory|ram) (?:usage|utili[sz]ation|use)(?: is)? (?:high|too high|above|over|exceed\w*|critical)|\bhigh (?:memory|ram) (?:usage|utili[sz]ation|load)\b|\blow (?:free|available) memory\b/,
  pick: (ctx) => (inContainer(ctx.primary) ? containerResources : nodeMemory),
});

export const homeGrownSwap = variantOf({
  id: 'home-grown-swap',
  title: 'High swap use (a home-grown alert)',
  weight: 40,
  names: ['HighSwapUsage', 'SwapUsageHigh'],
  namePattern:
    /^(?:high)?(?:host|node|server|system)?swap(?:usage|used|util|utili[sz]ation|percent)?(?:high|full|fillingup|critical|warning)?$/,
  pick: () => nodeMemory,
});

export const homeGrownDisk = variantOf({
  id: 'home-grown-disk',
  title: 'Disk filling (a home-grown alert)',
  weight: 45,
  role: 'cause',
  names: ['DiskSpaceLow', 'LowDiskSpace', 'DiskUsageHigh', 'DiskFull', 'DiskAlmostFull', 'InodeUsageHigh'],
  namePattern:
    /^(?:high|low)?(?:host|node|server|instance|vm|machine|system)?(?:disk|filesystem|fs|partition|inode)s?(?:space|usage|used|full|util|utili[sz]ation|percent|free)?(?:low|high|full|almostfull|critical|warning|toohigh|runningout|exceeded)?$|^(?:low|outof)diskspace$/,
  // Single words ("disk", "fs") say nothing: a qualifier has to be there.
  accepts: (view) => !/^(?:disk|fs|filesystem|partition|inodes?)$/.test(view.key),
  textPattern:
    /\b(?:disk|filesystem|file system|partition) (?:space|usage)(?: is)? (?:low|high|above|over|exceed\w*|critical|running out)|\b(?:low|out of) disk space\b|\bdisk (?:is )?(?:almost |nearly )?full\b/,
  pick: (ctx) => (ctx.primary.labels.persistentvolumeclaim ? pvcFillingUp : nodeFilesystem),
});

/** A plain host (no Kubernetes node) that stopped answering. */
export const hostDown: Signature = family({
  id: 'host-down',
  role: 'cause',
  title: 'Host down or unreachable',
  weight: 60,
  names: ['HostUnreachable'],
  summary: (v) =>
    `Host ${q(hostOf(v) ?? v.instance)} does not answer (\`${v.name}\`): everything it runs is unavailable, or cannot be seen.`,
  causes: [
    ['The machine is down: crashed, rebooted, powered off or terminated', 0.45, 'infrastructure'],
    ['The network path to it is broken (switch, routing, firewall, security group)', 0.3, 'network'],
    ['Only the agent/exporter reporting on it stopped: the host itself may be fine', 0.15, 'infrastructure'],
  ],
  steps: (v) => {
    const host = hostOf(v);
    return [
      host && `ping -c 3 ${sh(host)}`,
      host && `ssh ${sh(host)} uptime`,
      'Check the instance state in the cloud console or hypervisor (stopped, terminated, rebooting?)',
      `PromQL: up${sel({ instance: v.instance })}`,
    ];
  },
});

export const homeGrownHostDown = variantOf({
  id: 'home-grown-host-down',
  title: 'Host down (a home-grown alert)',
  weight: 60,
  role: 'cause',
  names: ['HostDown', 'NodeDown', 'ServerDown'],
  namePattern:
    /^(?:host|node|server|machine|vm|instance)(?:is)?(?:down|unreachable|unavailable|offline|notresponding)$/,
  // `InstanceDown` on a scrape target is the classic target-down rule, known by name already.
  textPattern: /\b(?:host|server|machine|vm) (?:\S+ )?(?:is )?(?:down|unreachable|not responding)\b/,
  pick: (ctx) => (ctx.primary.node ? nodeUnreachable : hostDown),
});

export const homeGrownServiceDown = variantOf({
  id: 'home-grown-service-down',
  title: 'Service or endpoint down (a home-grown alert)',
  weight: 55,
  role: 'symptom',
  names: ['ServiceDown', 'WebsiteDown', 'ApiDown', 'PingFailed'],
  namePattern:
    /^(?:service|app|application|api|website|site|web|webapp|endpoint|backend|process|url|http|ping|icmp)(?:is)?(?:down|unavailable|unreachable|notresponding|offline|failed|failing|check(?:failed|failing))$|^healthcheck(?:failed|failing)$/,
  // A probe (blackbox exporter) sees an endpoint from outside; anything else is a scrape target.
  pick: (ctx) => {
    const v = ctx.primary;
    const probed =
      /^(?:website|site|web|webapp|endpoint|url|http|ping|icmp|healthcheck)/.test(v.key) ||
      /probe_success|probe_http/.test(v.expr) ||
      /blackbox/.test(v.labels.job ?? '');
    return probed ? blackboxProbe : targetDown;
  },
});

export const homeGrownRestarts = variantOf({
  id: 'home-grown-restarts',
  title: 'Restarting (a home-grown alert)',
  weight: 45,
  names: ['PodRestarting', 'ContainerRestarting', 'ServiceRestarting'],
  namePattern:
    /^(?:pod|container|app|application|service|process)s?(?:is|are)?(?:restarting|restarted|flapping|crashing)$/,
  pick: () => appRestarts,
});

export const homeGrownClock = variantOf({
  id: 'home-grown-clock',
  title: 'Clock out of sync (a home-grown alert)',
  weight: 40,
  names: ['NTPOutOfSync', 'ClockSkew', 'TimeDrift'],
  namePattern:
    /^(?:host|node)?(?:ntp|clock|time|chrony)(?:outofsync|skew|drift|notsynced|notsynchronized|unsynchronized|unsynced|offset)(?:high|detected|toohigh)?$|^(?:ntp|clock|time)sync(?:failed|lost|error)$/,
  pick: () => nodeClock,
});

export const homeGrownJobFailed = variantOf({
  id: 'home-grown-job-failed',
  title: 'Job failed (a home-grown alert)',
  weight: 45,
  names: ['JobFailed', 'CronJobFailed'],
  namePattern: /^(?:kube|k8s)?(?:cron)?jobs?(?:failed|failing|failure|failures|error|errors)$/,
  pick: () => jobFailed,
});

export const homeGrownSignatures: readonly Signature[] = [
  containerResources,
  containerGone,
  hostDown,
  homeGrownHostDown,
  homeGrownServiceDown,
  homeGrownDisk,
  homeGrownCpu,
  homeGrownMemory,
  homeGrownSwap,
  homeGrownRestarts,
  homeGrownClock,
  homeGrownJobFailed,
];
