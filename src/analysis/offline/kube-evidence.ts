/**
 * Kubernetes evidence for the offline analyzer: what the pods themselves say (a termination reason, an event,
 * a log line) re-ranks the catalogue's causes and quotes the line that decided it.
 *
 * Knowledge is data, code is mechanism: `RULES` is the table of known messages (which explain pattern or reason,
 * read from which kind of clue, means which cause, confirming which catalogue cause); every clue is also read by
 * the failure classes (`failure-classes.ts`, vocabulary in `catalogue/evidence/failure-classes.yaml`), which
 * generalise to messages no row was written for. The functions below turn the Kubernetes context into clues,
 * read each with the table and the classes, and re-rank.
 */
import type { KubeContext, KubeObjectContext, RootCause } from '../schema.ts';
import { rankRootCauses } from '../schema.ts';
import { type ErrorPattern, type Facts, PATTERNS } from './explain-patterns.ts';
import { clip, clipEnds } from './facts.ts';
import {
  type ClassSource,
  classifyLine,
  eventMessage,
  type FailureClass,
  renderTitle,
  saidOf,
  type UnreadCause,
  unreadLine,
  vocabulary,
  wordsOf,
} from './failure-classes.ts';

/** Where a clue comes from: the decisive ones (what Kubernetes recorded) weigh more than a current log line. */
export type ClueSource = 'termination' | 'waiting' | 'event' | 'log-previous' | 'log' | 'node' | 'status';

export interface Clue {
  source: ClueSource;
  /** What rules are tested on. */
  text: string;
  /** The evidence line shown under the cause (the event, the log line, the termination, with time). */
  quote: string;
  at: string | null;
  exitCode?: number;
  /** The object (pod) the clue was read from, as `kind/namespace/name`. */
  object?: string;
  /** The container it is about (a termination, a waiting state, a log). */
  container?: string;
  /** The object in words (`pod \`ns/name\``). */
  ref?: string;
}

export interface EvidenceRule {
  id: string;
  /** An explain pattern (by id) whose regex must match the clue … */
  pattern?: string;
  /** … and/or a regex of its own (both must match when both are given). */
  re?: RegExp;
  /** Clue kinds it reads; all when absent. */
  sources?: ClueSource[];
  /** Named groups read from the clue when the rule has no pattern (or to add to the pattern's). */
  facts?: RegExp;
  /** The cause it points to; `facts` are the pattern's named groups on the clue. */
  title: (facts: Facts) => string;
  category: RootCause['category'];
  /** A catalogue cause this evidence confirms (its title): that cause is raised instead of adding a new one. */
  confirms?: RegExp;
  /** How decisive it is (0–100). */
  weight: number;
  /**
   * What a clue that names no cause shows (a bare exit code, a pod not ready): when every finding is such a clue,
   * the honest first answer is "not determined", saying what was seen. Rules without it name their cause.
   */
  seen?: (facts: Facts) => string;
  /** A symptom of the process's exit (a probe refused): yields to the lines of a run that ended on its own error. */
  yields?: boolean;
}

const q = (value: string | undefined): string => (value ? `\`${clip(value, 80)}\`` : '');
const KUBERNETES_RECORDS: ClueSource[] = ['termination', 'waiting', 'event'];
const LOGS: ClueSource[] = ['log-previous', 'log'];

/** The scheduler's decisive reasons, as `schedulingFocus` leaves them in a FailedScheduling clue. */
const SCHEDULER_FACTS = /(?<available>\d+\/\d+) nodes are available: (?<reasons>.+?)\.?$/i;
const scheduler = (f: Facts): string =>
  f.reasons
    ? ` (scheduler: ${q(`${f.available ? `${f.available} nodes available: ` : ''}${f.reasons}`)})`
    : '';
/** What an evicted pod's node ran low on, in words, when the kubelet's resource name needs them. */
const EVICTED_RESOURCE: Record<string, string> = {
  'ephemeral-storage': ' (local disk: logs, emptyDir, the writable layer)',
  pids: ' (process IDs)',
};

/** The table. For one clue, the first rule that matches it wins: the more specific rules come first. */
export const RULES: readonly EvidenceRule[] = [
  {
    id: 'oom-killed',
    // The reason, not the exit code: 137 with reason Error is a SIGKILL (a failed liveness probe's kill).
    re: /\boomkill(?:ed|ing)?\b|\boom[- ]?killer\b|out of memory: kill/i,
    sources: ['termination', 'event', 'waiting'],
    title: () => 'Container is OOMKilled: its memory limit is too low for what it uses (or it leaks memory)',
    category: 'resource-exhaustion',
    confirms: /oomkilled|memory limit|out of memory/i,
    weight: 100,
  },
  {
    // The node lifecycle controller's event on each pod of a node that stopped posting status: the node is the
    // cause; the pods stuck Terminating and their replacements waiting for room are its consequences.
    id: 'node-not-ready',
    re: /^(?:NodeNotReady|NodeLost|NodeUnreachable)\b|^\w+: node is not ready\b/i,
    sources: ['event'],
    title: () =>
      "The pod's node is NotReady or unreachable (its kubelet stopped posting status): its pods are evicted, stuck Terminating",
    category: 'infrastructure',
    confirms: /kubelet|node (?:is )?(?:not ?ready|down|lost|unreachable)/i,
    weight: 95,
  },
  {
    id: 'job-deadline',
    re: /^DeadlineExceeded\b|active longer than specified deadline/i,
    sources: ['event', 'termination', 'waiting'],
    title: () =>
      'The Job ran longer than its activeDeadlineSeconds and was stopped (DeadlineExceeded): the work is too slow or the deadline too short',
    category: 'configuration',
    confirms: /activedeadlineseconds|deadline/i,
    weight: 96,
  },
  {
    id: 'missing-config-object',
    pattern: 'create-container-config-error',
    title: (f) =>
      `Missing configuration: ${f.name ? `${f.kind ?? 'object'} ${q(f.name)}` : 'a Secret or ConfigMap'} the pod references does not exist (or lacks the key)`,
    category: 'configuration',
    weight: 95,
  },
  {
    // containerd's words for an image with no build for the node's OS/architecture (e.g. built on an arm64 laptop
    // and run on amd64 nodes): before not-found, whose "not found" the same message ends with.
    id: 'image-platform',
    re: /no match for platform in manifest|no matching manifest for|image with reference .* was found but does not match the specified platform/i,
    sources: KUBERNETES_RECORDS,
    facts: /Failed to pull image "(?<image>[^"]+)"/i,
    title: (f) =>
      `The image has no build for the node's platform (OS/architecture, e.g. arm64-only on amd64 nodes)${f.image ? `: ${q(f.image)}` : ''}; build it multi-arch`,
    category: 'configuration',
    weight: 94,
  },
  {
    id: 'image-rate-limit',
    pattern: 'image-pull',
    // Before the others: Docker Hub's 429 says "You may increase the limit by authenticating", which is not a
    // refused credential, and the manifest URL it quotes is not a missing tag.
    re: /toomanyrequests|too many requests|\b429\b|pull rate limit|rate[- ]limit(?:ed|ing)?\b/i,
    sources: KUBERNETES_RECORDS,
    title: () =>
      "The registry is rate-limiting image pulls (e.g. Docker Hub's anonymous pull limit): authenticate the pulls or use a mirror",
    category: 'dependency',
    confirms: /rate[- ]limit/i,
    weight: 93,
  },
  {
    id: 'image-unauthorized',
    pattern: 'image-pull',
    // Before not-found: "pull access denied, repository does not exist or may require authorization:
    // … authorization failed" is a registry refusing credentials it did not get.
    re: /unauthori[sz]ed|authentication required|authorization failed|insufficient_scope|no basic auth credentials|\b40[13]\b/i,
    sources: KUBERNETES_RECORDS,
    title: () => 'Registry credentials (imagePullSecrets) missing, wrong or expired',
    category: 'configuration',
    confirms: /registry credentials|imagepullsecrets/i,
    weight: 92,
  },
  {
    id: 'image-not-found',
    pattern: 'image-pull',
    re: /not found|manifest unknown|does not exist|name unknown/i,
    sources: KUBERNETES_RECORDS,
    title: (f) => `Image name or tag does not exist in the registry${f.image ? `: ${q(f.image)}` : ''}`,
    category: 'configuration',
    confirms: /image name or tag/i,
    weight: 92,
  },
  {
    id: 'image-pull',
    pattern: 'image-pull',
    sources: KUBERNETES_RECORDS,
    title: (f) =>
      `The image cannot be pulled${f.image ? `: ${q(f.image)}` : ''} (registry unreachable or the image is wrong)`,
    category: 'dependency',
    confirms: /image|registry/i,
    weight: 88,
  },
  {
    // The runtime's reason alone (no message) says that the container could not start, not why: a command, a
    // volume mount or the image. A Failed event or a message that says why decides over it.
    id: 'start-error',
    re: /^(?:StartError|ContainerCannotRun|RunContainerError) exit code -?\d+(?: \(not restarted\))?$/i,
    sources: ['termination'],
    title: () =>
      'The container runtime cannot start the container (its command, a volume mount or the image: its Failed events say which)',
    category: 'configuration',
    weight: 70,
  },
  {
    id: 'cannot-run',
    re: /containercannotrun|starterror|runcontainererror|executable file not found|exec format error|no such file or directory: unknown/i,
    // The runtime's own words also reach the container's log ("exec /app: exec format error").
    title: () => "The container cannot start: its command, entrypoint or image's architecture is wrong",
    category: 'configuration',
    weight: 90,
  },
  {
    // Before scheduling: the eviction is what happened to the pod; its replacement then waits for a node.
    id: 'evicted',
    pattern: 'k8s-evicted',
    sources: KUBERNETES_RECORDS,
    facts:
      /low on resource: (?<resource>[\w.-]+?)\.?\s(?:.*?Container (?<container>\S+) was using (?<usage>\d+(?:\.\d+)?\w*),? (?:which exceeds its request of|request is) (?<request>\d+(?:\.\d+)?\w*))?/i,
    title: (f) =>
      `The pod was evicted: its node ran low on ${f.resource ? `${f.resource}${EVICTED_RESOURCE[f.resource] ?? ''}` : 'memory or disk'}${f.usage ? ` (container ${q(f.container)} used ${f.usage}, request ${f.request ?? 'none'})` : ''}`,
    category: 'capacity',
    weight: 92,
  },
  {
    id: 'scheduling-volume-zone',
    pattern: 'k8s-failed-scheduling',
    re: /volume node affinity conflict|volume zone/i,
    sources: ['event'],
    title: () =>
      'Pod is Pending: its PersistentVolume lives in another zone than the nodes that could take it (volume node affinity conflict)',
    category: 'infrastructure',
    weight: 91,
  },
  {
    id: 'scheduling-pvc',
    pattern: 'k8s-failed-scheduling',
    re: /persistentvolumeclaim|unbound|persistent volumes to bind/i,
    sources: ['event'],
    title: () => 'Pod is Pending: its PersistentVolumeClaim is not bound (no volume or storage class for it)',
    category: 'infrastructure',
    weight: 90,
  },
  {
    // The taints the node lifecycle controller puts on a node in trouble: the nodes are the problem.
    id: 'scheduling-node-condition',
    pattern: 'k8s-failed-scheduling',
    re: /node\.kubernetes\.io\/(?:not-ready|unreachable|memory-pressure|disk-pressure|pid-pressure|network-unavailable|unschedulable)\b|were unschedulable/i,
    sources: ['event'],
    facts: SCHEDULER_FACTS,
    title: (f) =>
      `Pod is Pending: the nodes it could run on are NotReady, under memory/disk/PID pressure or cordoned${scheduler(f)}`,
    category: 'infrastructure',
    weight: 89,
  },
  {
    id: 'scheduling-constraints',
    pattern: 'k8s-failed-scheduling',
    re: /taint|affinity|node selector|didn't match|free ports|topology spread/i,
    sources: ['event'],
    facts: SCHEDULER_FACTS,
    title: (f) =>
      `Pod is Pending: taints, node selectors or affinity rules keep it off every node${scheduler(f)}`,
    category: 'configuration',
    weight: 88,
  },
  {
    id: 'scheduling-capacity',
    pattern: 'k8s-failed-scheduling',
    sources: ['event'],
    facts: SCHEDULER_FACTS,
    title: (f) => `Pod is Pending: no node has enough free CPU/memory for the pod's requests${scheduler(f)}`,
    category: 'capacity',
    // No `confirms`: the scheduler's reasons (which resource, how many nodes) say more than a generic cause.
    weight: 90,
  },
  {
    id: 'volume-multi-attach',
    re: /multi-attach error|already (?:exclusively )?attached to (?:one|another) node/i,
    sources: ['event', 'waiting'],
    title: () =>
      'The volume is still attached to another node (Multi-Attach error on a ReadWriteOnce volume, e.g. its old node was lost): it cannot attach here',
    category: 'infrastructure',
    confirms: /still attached|multi-?attach/i,
    weight: 90,
  },
  {
    id: 'volume-mount',
    pattern: 'volume-mount',
    sources: ['event', 'waiting'],
    title: () => 'A volume cannot be attached or mounted, so the container cannot be created',
    category: 'infrastructure',
    confirms: /volume attach|mount/i,
    weight: 85,
  },
  {
    // A probe that fails and prints nothing (an exec probe exiting non-zero without output) names no cause.
    id: 'probe-silent',
    re: /^\w+: (?<probe>liveness|readiness|startup) probe failed:\s*$/i,
    sources: ['event'],
    facts: /(?<probe>liveness|readiness|startup) probe failed/i,
    title: (f) =>
      `The ${f.probe?.toLowerCase() ?? 'health'} probe fails without output (an exec probe exiting non-zero)`,
    category: 'application',
    weight: 60,
    seen: (f) => `its ${f.probe?.toLowerCase() ?? 'health'} probe fails without output`,
  },
  {
    // A probe that times out says the application answers too slowly: it corroborates a CPU-starvation cause the
    // incident already has (CPUThrottlingHigh on the container), else it is the probe killing the container.
    id: 'liveness-timeout',
    re: /(?:liveness|startup) probe failed: .*(?:deadline exceeded|timeout|timed out)/i,
    sources: ['event'],
    title: () =>
      'Liveness probe times out and the kubelet keeps killing the container (the application answers too slowly: CPU-starved, overloaded or blocked)',
    category: 'configuration',
    confirms: /\bcpu\b.{0,40}(?:throttl|limit|starv)|liveness/i,
    weight: 70,
  },
  {
    id: 'liveness-probe',
    re: /(?:liveness|startup) probe failed/i,
    sources: ['event'],
    title: () => 'Liveness probe fails and the kubelet keeps killing the container',
    category: 'configuration',
    confirms: /liveness/i,
    weight: 70,
  },
  {
    // The application answers its own readiness check with a 5xx, or gRPC health's NOT_SERVING: it says it is
    // unhealthy, not why.
    id: 'readiness-http-error',
    re: /readiness probe failed: (?:HTTP probe failed with statuscode: 5\d\d\b|.*\b(?:NOT_SERVING|SERVICE_UNKNOWN)\b)/i,
    sources: ['event'],
    facts: /statuscode: (?<status>\d+)|\b(?<grpc>NOT_SERVING|SERVICE_UNKNOWN)\b/i,
    title: () => 'Readiness probe fails: the application is unhealthy or a dependency it checks is down',
    category: 'application',
    confirms: /readiness/i,
    weight: 60,
    seen: (f) =>
      `its readiness endpoint answers ${f.grpc ? `gRPC \`${f.grpc}\`` : `HTTP ${f.status ?? '5xx'}`}`,
  },
  {
    id: 'readiness-probe',
    re: /readiness probe failed/i,
    sources: ['event'],
    title: () => 'Readiness probe fails: the application is unhealthy or a dependency it checks is down',
    category: 'application',
    confirms: /readiness/i,
    weight: 60,
  },
  {
    id: 'heap-oom',
    re: /java\.lang\.OutOfMemoryError|javascript heap out of memory|allocation failed - javascript heap/i,
    sources: LOGS,
    title: () => 'The application runs out of heap memory (heap too small for its load, or a leak)',
    category: 'resource-exhaustion',
    confirms: /memory leak|heap/i,
    weight: 88,
  },
  {
    // The API server refusing the pod's service account: its RBAC (a Role/ClusterRole binding) is missing.
    id: 'rbac-forbidden',
    re: /\bis forbidden: User \\*"system:serviceaccount:/i,
    sources: LOGS,
    facts:
      /(?<resource>[\w.-]+) is forbidden: User \\*"system:serviceaccount:(?<account>[\w.-]+:[\w.-]+)\\*"(?: cannot (?<verb>\w+) resource \\*"(?<kind>[\w.-]+))?/i,
    title: (f) =>
      `The service account${f.account ? ` ${q(f.account)}` : ''} lacks RBAC permission${f.verb ? ` to ${f.verb} ${q(f.kind)}` : f.resource ? ` on ${q(f.resource)}` : ''}: a Role/ClusterRole binding is missing or wrong`,
    category: 'configuration',
    weight: 86,
  },
  {
    // Go's flag package: the chart passes an argument the image's binary does not know (versions out of step).
    id: 'unknown-flag',
    re: /flag provided but not defined|unknown (?:flag|shorthand flag)|unrecognized (?:option|arguments?)/i,
    sources: LOGS,
    facts:
      /(?:flag provided but not defined|unknown (?:shorthand )?flag|unrecognized (?:option|arguments?)):? '?(?<flag>-{1,2}[\w.-]+)/i,
    title: (f) =>
      `The container is started with a command-line flag its binary does not know${f.flag ? ` (${q(f.flag)})` : ''}: the args (chart) and the image version do not match`,
    category: 'configuration',
    weight: 88,
  },
  {
    id: 'kafka-cluster-id',
    re: /InconsistentClusterIdException|cluster ?id .{0,80}doesn't match stored cluster ?id/i,
    sources: LOGS,
    title: () =>
      'The Kafka broker cannot start: its stored cluster id does not match (meta.properties of another cluster, or the wrong ZooKeeper)',
    category: 'data',
    weight: 90,
  },
  {
    // "lookup X on 10.96.0.10:53: read udp …: i/o timeout": the resolver (in a pod, the cluster DNS) does not answer.
    id: 'cluster-dns-timeout',
    re: /lookup \S+ on [\d.]+:53: .*(?:i\/o timeout|timed out|connection refused)|getaddrinfo EAI_AGAIN/i,
    sources: LOGS,
    facts: /lookup (?<host>\S+) on (?<server>[\d.]+:53)/i,
    title: (f) =>
      `The cluster DNS (CoreDNS/kube-dns) does not answer${f.server ? `: lookups to ${q(f.server)} time out` : ''} (its pods down, overloaded or OOMKilled)`,
    category: 'dependency',
    weight: 100,
  },
  {
    id: 'missing-config',
    pattern: 'missing-config',
    sources: LOGS,
    title: (f) =>
      `The application exits at start-up on missing configuration${f.name ? `: ${q(f.name)} is not set` : f.file ? `: ${q(f.file)} is missing` : ''} (env var, ConfigMap or Secret)`,
    category: 'configuration',
    weight: 84,
  },
  {
    // Python's `os.environ["NAME"]` on an unset variable: an upper-case key with an underscore (case-sensitive,
    // so a dict lookup such as KeyError: 'user_id' is not taken for configuration).
    id: 'missing-env-keyerror',
    re: /KeyError: '[A-Z][A-Z0-9]*_[A-Z0-9_]+'/,
    facts: /KeyError: '(?<name>[A-Z][A-Z0-9_]+)'/,
    sources: LOGS,
    title: (f) =>
      `The application exits at start-up on missing configuration${f.name ? `: ${q(f.name)} is not set` : ''} (env var, ConfigMap or Secret)`,
    category: 'configuration',
    weight: 84,
  },
  {
    id: 'db-auth',
    pattern: 'db-auth',
    sources: LOGS,
    title: () => 'Database credentials are wrong or were rotated: the application cannot log in',
    category: 'configuration',
    weight: 82,
  },
  {
    id: 'tls-name-mismatch',
    re: /certificate is valid for .+, not \S+/i,
    sources: LOGS,
    facts: /certificate is valid for (?<names>.+?), not (?<host>[^\s"\\]+)/i,
    title: (f) =>
      `The dependency's TLS certificate does not cover the name it is called by${f.host ? `: ${q(f.host)} is not among its names (SANs)` : ' (a name missing from its SANs)'}`,
    category: 'certificate',
    weight: 84,
  },
  {
    id: 'tls',
    re: /x509|certificate has expired|certificate is not yet valid|signed by unknown authority|unable to verify|certificate is valid for|tls handshake|wrong version number/i,
    sources: LOGS,
    title: () =>
      'TLS fails between the application and a dependency (expired, untrusted or mismatched certificate)',
    category: 'certificate',
    weight: 80,
  },
  {
    id: 'dependency-refused',
    pattern: 'connection-refused',
    sources: LOGS,
    title: (f) =>
      `A dependency it needs is down or unreachable: ${f.address ? `${q(f.address)} refuses connections` : 'connections are refused'}`,
    category: 'dependency',
    weight: 80,
  },
  {
    id: 'dependency-dns',
    pattern: 'dns',
    sources: LOGS,
    title: (f) => {
      const host = f.host1 ?? f.host2 ?? f.host3 ?? f.host4;
      return `A dependency cannot be found: ${host ? `the name ${q(host)} does not resolve` : 'DNS lookups fail'} (wrong name, deleted Service or DNS failing)`;
    },
    category: 'dependency',
    weight: 78,
  },
  {
    id: 'dependency-brokers',
    pattern: 'kafka-no-brokers',
    sources: LOGS,
    title: () => 'A dependency it needs is down or unreachable: the Kafka broker is not available',
    category: 'dependency',
    weight: 78,
  },
  {
    id: 'dependency-connections',
    pattern: 'too-many-connections',
    sources: LOGS,
    title: () => 'The database refuses new connections: its connection limit is reached',
    category: 'dependency',
    weight: 78,
  },
  {
    id: 'dependency-timeout',
    pattern: 'timeout',
    sources: LOGS,
    title: () => 'A dependency it needs does not answer in time (down, overloaded or blocked by the network)',
    category: 'dependency',
    weight: 72,
  },
  {
    id: 'disk-full',
    pattern: 'disk-full',
    sources: LOGS,
    title: () => 'The disk or volume it writes to is full',
    category: 'resource-exhaustion',
    weight: 80,
  },
  {
    id: 'read-only-fs',
    pattern: 'read-only-fs',
    sources: LOGS,
    title: () =>
      'It writes to a read-only file system (securityContext readOnlyRootFilesystem, or a read-only volume)',
    category: 'configuration',
    weight: 76,
  },
  {
    id: 'permission-denied',
    pattern: 'permission-denied',
    sources: LOGS,
    title: () => 'Permission denied at start-up: the user it runs as cannot read or write what it needs',
    category: 'configuration',
    weight: 70,
  },
  {
    id: 'crash-bug',
    re: /panic: |nil pointer dereference|goroutine \d+ \[running\]|segmentation fault|sigsegv|unhandled exception|uncaught exception|traceback \(most recent call last\)/i,
    sources: LOGS,
    title: () => 'The application crashes on a bug (a panic or unhandled exception in its code)',
    category: 'application',
    weight: 73,
  },
  {
    // Reachable only from inside its own container: probes (from the kubelet) and Services are refused. Weak:
    // a start-up line, so any event, log error or termination that names a cause comes first.
    id: 'listens-on-loopback',
    re: /\b(?:listening|running|serving|bound|started|server started)\b.{0,40}\b(?:on|at)\s+(?:https?:\/\/)?(?:127\.0\.0\.1|localhost|\[::1\]):\d+/i,
    sources: LOGS,
    facts: /(?<address>(?:127\.0\.0\.1|localhost|\[::1\]):\d+)/i,
    title: (f) =>
      `The application listens on ${f.address ? q(f.address) : '127.0.0.1'} (loopback) only, so probes and Services are refused: bind it to 0.0.0.0`,
    category: 'configuration',
    weight: 72,
  },
  {
    // A pod whose main container finished while another still runs (`cluesOf` reads it from the containers'
    // states): a Job's pod cannot complete while its sidecar (a mesh proxy, a log shipper) never exits.
    id: 'sidecar-keeps-pod',
    re: /^finished container \S+ while \S+ keeps running\b/,
    sources: ['status'],
    facts: /^finished container (?<main>\S+) while (?<sidecar>\S+) keeps running/,
    title: (f) =>
      `The pod cannot complete: ${q(f.main)} finished (exit 0) but the sidecar ${q(f.sidecar)} keeps running (a mesh proxy or log shipper that never exits); make it a native sidecar or have it exit`,
    category: 'configuration',
    weight: 92,
  },
  {
    // Exit code 0 and restarted: the process finished its work; a one-shot task belongs in a Job.
    id: 'completed-restarted',
    re: /^completed exit code 0\b(?! \(not restarted\))/i,
    sources: ['termination'],
    title: () =>
      'The container exits 0 (Completed) and is restarted: a one-shot task run as a Deployment (restartPolicy Always); run it as a Job',
    category: 'configuration',
    weight: 85,
  },
  {
    // The pod status alone: scheduled, running, never restarted, not ready. Weak, so any event, log line or
    // termination that names a cause comes first.
    id: 'running-not-ready',
    re: /running but not ready/i,
    sources: ['status'],
    title: () =>
      'The pod runs but is not ready: its readiness probe fails or the application has not finished starting',
    category: 'application',
    confirms: /readiness|not ready/i,
    weight: 40,
    seen: () => 'the pod runs but is not ready',
  },
  {
    id: 'exit-code',
    // 137 with reason Error is a SIGKILL that names nothing by itself (an OOM kill has its own reason).
    re: /^(?:error|completed|unknown) exit code (?!0\b)\d+/i,
    sources: ['termination'],
    facts: /^(?<reason>\w+) exit code (?<code>\d+)/i,
    title: () => 'The application exits at start-up with an error (see its last log lines)',
    category: 'application',
    confirms: /application exits at start-up|exits/i,
    weight: 30,
    seen: (f) => `the application exits with code ${f.code ?? '≠ 0'}${f.reason ? ` (${f.reason})` : ''}`,
  },
];

const PATTERN_BY_ID = new Map<string, ErrorPattern>(PATTERNS.map((pattern) => [pattern.id, pattern]));

/** Log clues weigh a little less when they come from the running instance rather than the crashed one. */
const SOURCE_FACTOR: Record<ClueSource, number> = {
  termination: 1,
  waiting: 1,
  event: 1,
  'log-previous': 1,
  log: 0.9,
  node: 1,
  status: 1,
};

/** A quoted line's length: with its prefix, the quote fits the thread's 300 characters per piece of evidence. */
const QUOTED = 180;
const ISO_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s/;
const hhmm = (at: string | null): string => (at ? ` at ${at.replace(/\.\d+Z$/, 'Z')}` : '');

function objectRef(object: KubeObjectContext): string {
  return `${object.kind.toLowerCase()} \`${object.namespace ? `${object.namespace}/` : ''}${object.name}\``;
}

type SchedulerReasonKind =
  | 'incidental'
  | 'extended'
  | 'volume'
  | 'resources'
  | 'node-condition'
  | 'constraints'
  | 'other';

/**
 * What each reason in the scheduler's "0/N nodes are available: …" list means. The first match wins; on a tie
 * in nodes, the earlier kind decides.
 */
export const SCHEDULER_REASONS: readonly { re: RegExp; kind: SchedulerReasonKind }[] = [
  // Control-plane nodes refuse workloads by design: their taint explains nothing unless it is all there is.
  { re: /taint \{node-role\.kubernetes\.io\/(?:control-plane|master)\b/i, kind: 'incidental' },
  // An extended resource (`vendor.domain/name`: a GPU, an FPGA, a device) exists only on the nodes that have it:
  // the other nodes fail on taints or selectors whatever their number, so the few nodes short of it decide.
  { re: /insufficient [a-z0-9][\w-]*(?:\.[\w-]+)*\.[a-z]{2,}\/[\w.-]+/i, kind: 'extended' },
  {
    re: /persistentvolumeclaim|persistent volumes to bind|volume node affinity conflict|max volume count|volume zone/i,
    kind: 'volume',
  },
  { re: /insufficient|too many pods/i, kind: 'resources' },
  {
    re: /taint \{node\.kubernetes\.io\/(?:not-ready|unreachable|memory-pressure|disk-pressure|pid-pressure|network-unavailable|unschedulable)\b|were unschedulable/i,
    kind: 'node-condition',
  },
  {
    re: /taint|affinity|selector|didn't match|free ports|topology spread|didn't satisfy/i,
    kind: 'constraints',
  },
];
const KIND_ORDER: SchedulerReasonKind[] = [...SCHEDULER_REASONS.map((reason) => reason.kind), 'other'];

/**
 * A FailedScheduling message's decisive reasons: the scheduler counts the nodes each reason excludes, and the
 * kind of reason that excludes the most nodes decides (control-plane taints only when nothing else is
 * listed; an extended resource such as `nvidia.com/gpu` whenever it is listed). `list` is the message without its "preemption: …" part; null when the message has no such list.
 */
export function schedulingFocus(message: string): { decisive: string; list: string } | null {
  const match = /(\d+)\/(\d+) nodes are available:\s*/i.exec(message);
  if (!match) return null;
  const total = Number(match[2]);
  const rest = message.slice(match.index + match[0].length);
  // The list ends at the preemption part, the end of the message, or the source's cut ("…"): after it, unknown.
  const end = rest.search(/\.?\s*preemption:|…|\.\s*$/i);
  const body = end === -1 ? rest : rest.slice(0, end);
  // Items are "<count> <reason>"; a reason may hold a comma ("…, that the pod didn't tolerate").
  const items = body
    .split(/,\s+(?=\d+\s)/)
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const counted = /^(\d+)\s+(.*)$/.exec(item);
      // An uncounted reason is the pod's own ("pod has unbound immediate PersistentVolumeClaims"): every node.
      const count = counted ? Number(counted[1]) : total;
      const kind = SCHEDULER_REASONS.find((reason) => reason.re.test(item))?.kind ?? 'other';
      return { item, count, kind };
    });
  if (items.length === 0) return null;
  const nodes = new Map<SchedulerReasonKind, number>();
  for (const { kind, count } of items) nodes.set(kind, (nodes.get(kind) ?? 0) + count);
  const relevant = [...nodes.keys()].filter((kind) => kind !== 'incidental');
  const candidates = nodes.has('extended')
    ? ['extended' as const]
    : relevant.length > 0
      ? relevant
      : ['incidental' as const];
  const [winner] = candidates.sort(
    (a, b) => (nodes.get(b) ?? 0) - (nodes.get(a) ?? 0) || KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b),
  );
  const decisive = items.filter((entry) => entry.kind === winner).map((entry) => entry.item);
  const head = `${match[1]}/${match[2]} nodes are available: `;
  return {
    decisive: `${head}${decisive.join(', ')}.`,
    list: `${message.slice(0, match.index)}${head}${body}.`,
  };
}

/** Every clue in the Kubernetes context, in the order they were read. */
export function cluesOf(context: KubeContext): Clue[] {
  const clues: Clue[] = [];
  for (const object of context.objects) {
    const ref = objectRef(object);
    const from = clues.length;
    for (const container of object.containers) {
      const last = container.lastTermination;
      if (last) {
        const limits = container.limits.memory ? `; memory limit ${container.limits.memory}` : '';
        // A container terminated now and never restarted (a Job's, restartPolicy Never/OnFailure) says so: its
        // exit 0 is no one-shot task restarted by a Deployment.
        const kept = container.state === 'terminated' && container.restarts === 0 ? ' (not restarted)' : '';
        clues.push({
          source: 'termination',
          text: `${last.reason} exit code ${last.exitCode}${kept}${last.message ? ` ${last.message}` : ''}`,
          quote: `Last termination of \`${container.name}\` in ${ref}: ${last.reason} (exit code ${last.exitCode})${hhmm(last.at)}${limits}${last.message ? `: "${clipEnds(last.message, QUOTED)}"` : ''}`,
          at: last.at,
          exitCode: last.exitCode,
          container: container.name,
        });
      }
      // Running, never restarted, not ready: the status itself says where to look (not at scheduling or a crash).
      if (container.state === 'running' && !container.ready && container.restarts === 0) {
        clues.push({
          source: 'status',
          text: `${container.name} running but not ready, never restarted`,
          quote: `\`${container.name}\` in ${ref} is running but not ready (never restarted); pod status: ${clip(object.status, 120)}`,
          at: null,
        });
      }
      if (container.state === 'waiting' && container.reason) {
        clues.push({
          source: 'waiting',
          text: `${container.reason} ${container.message ?? ''}`.trim(),
          quote: `\`${container.name}\` in ${ref} is waiting: ${container.reason}${container.message ? `: "${clipEnds(container.message, QUOTED)}"` : ''}`,
          at: null,
          container: container.name,
        });
      }
    }
    // A container that finished (exit 0) beside one still running: the pod stays Running while its sidecar runs.
    const finished = object.containers.find(
      (container) => container.state === 'terminated' && container.lastTermination?.exitCode === 0,
    );
    const running = object.containers.find((container) => container.state === 'running');
    if (finished && running && !/^(?:Succeeded|Failed)\b/i.test(object.status ?? '')) {
      clues.push({
        source: 'status',
        text: `finished container ${finished.name} while ${running.name} keeps running`,
        quote: `\`${finished.name}\` in ${ref} finished (exit code 0${hhmm(finished.lastTermination?.at ?? null)}) while \`${running.name}\` keeps running; pod status: ${clip(object.status ?? '', 120)}`,
        at: finished.lastTermination?.at ?? null,
      });
    }
    for (const event of object.events) {
      if (event.type !== 'Warning') continue;
      // A scheduler message is read for its decisive reasons, and quoted without its preemption part.
      const focus = schedulingFocus(event.message);
      clues.push({
        source: 'event',
        text: `${event.reason}: ${focus?.decisive ?? event.message}`,
        quote: `Event ${event.reason}${event.count > 1 ? ` ×${event.count}` : ''} on ${ref}${hhmm(event.at)}: "${clipEnds(focus?.list ?? event.message, QUOTED)}"`,
        at: event.at,
      });
    }
    for (const tail of object.logs) {
      const ended = tail.previous
        ? (object.containers.find((container) => container.name === tail.container)?.lastTermination?.at ??
          null)
        : null;
      for (const line of tail.lines) {
        const stamped = ISO_PREFIX.exec(line)?.[1];
        const at = stamped && !Number.isNaN(Date.parse(stamped)) ? new Date(stamped).toISOString() : ended;
        clues.push({
          source: tail.previous ? 'log-previous' : 'log',
          text: line,
          quote: `Log of \`${tail.container}\` in ${ref}${tail.previous ? ' (previous instance)' : ''}${hhmm(at)}: "${clip(line, QUOTED)}"`,
          at,
          container: tail.container,
        });
      }
    }
    const key = `${object.kind}/${object.namespace ?? ''}/${object.name}`;
    for (const clue of clues.slice(from)) {
      clue.object = key;
      clue.ref = ref;
    }
  }
  return clues;
}

export interface KubeFinding {
  rule: EvidenceRule;
  clue: Clue;
  facts: Facts;
  score: number;
}

export function ruleMatches(rule: EvidenceRule, clue: Clue): Facts | null {
  if (rule.sources && !rule.sources.includes(clue.source)) return null;
  let facts: Facts = {};
  if (rule.pattern) {
    const pattern = PATTERN_BY_ID.get(rule.pattern);
    if (!pattern?.re.test(clue.text)) return null;
    facts = pattern.facts?.exec(clue.text)?.groups ?? {};
  }
  if (rule.re && !rule.re.test(clue.text)) return null;
  if (rule.facts) facts = { ...facts, ...(rule.facts.exec(clue.text)?.groups ?? {}) };
  return facts;
}

/** Which failure classes read a clue (`failure-classes.yaml`'s `sources`); none for a status summary. */
const CLASS_SOURCE: Record<ClueSource, ClassSource | null> = {
  termination: 'status',
  waiting: 'status',
  event: 'events',
  'log-previous': 'logs',
  log: 'logs',
  node: null,
  status: null,
};

const CLASS_RULES = new Map<FailureClass, EvidenceRule>();
/** A failure class as a rule of the table: its title is rendered from the facts its line gave. */
export function classRule(cls: FailureClass): EvidenceRule {
  let rule = CLASS_RULES.get(cls);
  if (!rule) {
    rule = {
      id: `class:${cls.id}`,
      title: (facts) => renderTitle(cls.title, facts),
      category: cls.category,
      weight: cls.weight,
      ...(cls.confirms ? { confirms: cls.confirms } : {}),
      ...(cls.yields ? { yields: true } : {}),
    };
    CLASS_RULES.set(cls, rule);
  }
  return rule;
}

/**
 * What one clue says: the table's first matching row, or the failure class of the line when it is more
 * decisive than that row (a specific class over a generic row; a known message keeps its row on a tie).
 */
export function readClue(clue: Clue): { rule: EvidenceRule; facts: Facts } | null {
  // A clue is read once: the fallback and "not determined" ask again about the same clues.
  if (READ.has(clue)) return READ.get(clue) ?? null;
  const read = readClueOnce(clue);
  READ.set(clue, read);
  return read;
}

const READ = new WeakMap<Clue, { rule: EvidenceRule; facts: Facts } | null>();

function readClueOnce(clue: Clue): { rule: EvidenceRule; facts: Facts } | null {
  let read: { rule: EvidenceRule; facts: Facts } | null = null;
  for (const rule of RULES) {
    const facts = ruleMatches(rule, clue);
    if (facts) {
      read = { rule, facts };
      break;
    }
  }
  const source = CLASS_SOURCE[clue.source];
  const classified = source ? classifyLine(clue.text, source) : null;
  if (classified && (!read || classified.cls.weight > read.rule.weight))
    return { rule: classRule(classified.cls), facts: classified.facts };
  return read;
}

/**
 * The strongest finding per rule or class, strongest first (ties: the earlier-read clue; within one log, the
 * later line: the last error before the crash).
 */
export function findingsOf(context: KubeContext): KubeFinding[] {
  const best = new Map<string, KubeFinding>();
  const clues = cluesOf(context);
  const crashed = crashedOnTheirOwn(context);
  const yielded = (rule: EvidenceRule, clue: Clue) =>
    rule.yields === true && clue.object !== undefined && crashed.has(clue.object);
  for (const clue of clues) {
    const read = readClue(clue);
    if (!read) continue;
    const { rule, facts } = read;
    // A symptom of the exit (a probe refused: nothing listens) ranks below what that run's lines say.
    const score = yielded(rule, clue)
      ? Math.min(rule.weight, YIELDED_WEIGHT) * SOURCE_FACTOR[clue.source]
      : rule.weight * SOURCE_FACTOR[clue.source];
    const known = best.get(rule.id);
    // In the logs, the later line of a kind is the last error before the crash: it decides (tail order).
    const later =
      (clue.source === 'log-previous' || clue.source === 'log') &&
      known?.clue.source === clue.source &&
      score === known.score;
    if (!known || score > known.score || later) best.set(rule.id, { rule, clue, facts, score });
  }
  // Per pod: where nothing decisive names a cause, a failure line that nothing reads is quoted as the cause.
  const findings = [...best.values()];
  for (const object of new Set(clues.map((clue) => clue.object))) {
    const decisive = findings.some(
      (finding) =>
        finding.clue.object === object &&
        !finding.rule.seen &&
        finding.rule.weight >= DECISIVE_WEIGHT &&
        !yielded(finding.rule, finding.clue),
    );
    if (decisive) continue;
    const unread = unreadFinding(clues.filter((clue) => clue.object === object));
    if (unread) best.set(`unread:${object ?? ''}`, unread);
  }
  return probeKillFirst(
    ownFailureFirst(
      [...best.values()].sort((a, b) => b.score - a.score),
      clues,
    ),
  );
}

/** A yielding finding's weight on a pod whose container crashed on its own: below an unread line's. */
const YIELDED_WEIGHT = 70;

/**
 * The pods (`kind/namespace/name`) with a container whose last run ended on an error exit of its own: not an
 * OOM kill, not a signal the kubelet sends (137, 143), not a clean exit.
 */
function crashedOnTheirOwn(context: KubeContext): Set<string> {
  const keys = new Set<string>();
  for (const object of context.objects) {
    const crashed = object.containers.some((container) => {
      const last = container.lastTermination;
      return last && last.reason !== 'OOMKilled' && ![0, 137, 143].includes(last.exitCode);
    });
    if (crashed) keys.add(`${object.kind}/${object.namespace ?? ''}/${object.name}`);
  }
  return keys;
}

/** Waiting reasons whose message only repeats the symptom (a restart backing off, a container being created). */
const SYMPTOM_WAITING = /^(?:CrashLoopBackOff|ContainerCreating|PodInitializing)\b/;
/** Where an unread line is looked for, in this order: what the app or Kubernetes recorded, then the logs. */
const UNREAD_ORDER: ClueSource[] = ['termination', 'event', 'log-previous', 'log', 'waiting'];

/** A termination clue's message, after its reason and exit code (`Error exit code 1 <message>`). */
const TERMINATION_MESSAGE = /\bexit code -?\d+(?: \(not restarted\))? (.+)$/s;

/** The words of a clue an unread line may be: a termination's message, an event, a log line, a waiting message. */
function unreadText(clue: Clue): string | null {
  switch (clue.source) {
    case 'termination':
      return TERMINATION_MESSAGE.exec(clue.text)?.[1] ?? null;
    case 'event':
      return GENERIC_EVENTS.test(clue.text) ? null : clue.text;
    case 'waiting':
      return SYMPTOM_WAITING.test(clue.text) ? null : clue.text;
    case 'log-previous':
    case 'log':
      return clue.text;
    default:
      return null;
  }
}

/**
 * When no finding names a cause, a line that reads as a failure but that no rule or class reads is quoted as the
 * cause itself (`failure-classes.yaml`'s `unread`): the app's termination message, a Warning event, the crashed
 * container's last such line before it exited (the previous instance's log first), a waiting message. An honest
 * "this is what it says" instead of the runbook's generic list; below decisive weight, so a strong catalogue match
 * keeps the lead.
 */
function unreadFinding(clues: Clue[]): KubeFinding | null {
  const { unread } = vocabulary();
  if (!unread) return null;
  for (const source of UNREAD_ORDER) {
    let found: { clue: Clue; read: UnreadCause } | null = null;
    for (const clue of clues.filter((candidate) => candidate.source === source)) {
      const text = unreadText(clue);
      const as = CLASS_SOURCE[clue.source];
      if (!text || !as) continue;
      // A line a rule read as naming nothing (a probe answering 500) stays so; a termination's message is read
      // apart from its exit code; a line read only as "a bug" (an exception, whatever it says) is read again.
      const known = readClue(clue);
      const asBug =
        known &&
        !known.rule.seen &&
        known.rule.category === 'application' &&
        known.rule.weight < unread.weight;
      if (known && !asBug && (source !== 'termination' || !known.rule.seen)) continue;
      const names: Facts = {};
      if (clue.container) names.container = clue.container;
      if (clue.ref) names.object = clue.ref;
      const read = unreadLine(text, as, names);
      // The line that says most; in a log, the later on a tie (the last error before the crash).
      if (read && (!found || read.detail >= found.read.detail)) found = { clue, read };
    }
    if (!found) continue;
    const { clue, read } = found;
    const rule: EvidenceRule = {
      id: 'unread',
      title: () => read.title,
      category: read.category,
      weight: unread.weight,
    };
    return { rule, clue, facts: read.facts, score: unread.weight * SOURCE_FACTOR[clue.source] };
  }
  return null;
}

/**
 * A container that exits 0 and is restarted beside failing liveness probes on its pod was stopped by the
 * kubelet (the application exits cleanly on SIGTERM): no one-shot task, the probe's failure says why it restarts.
 */
function probeKillFirst(findings: KubeFinding[]): KubeFinding[] {
  const [first] = findings;
  if (first?.rule.id !== 'completed-restarted') return findings;
  const probe = findings.find(
    (finding) =>
      finding.clue.object === first.clue.object &&
      /^Unhealthy: Liveness probe failed\b/i.test(finding.clue.text) &&
      !finding.rule.seen,
  );
  return probe ? [probe, ...findings.filter((finding) => finding !== probe)] : findings;
}

/**
 * A workload's name from its pod's: without a Deployment's ReplicaSet hash and pod suffix, a DaemonSet's or
 * Job's pod suffix, or a StatefulSet's ordinal.
 */
export function workloadOf(pod: string): string {
  return pod
    .replace(/-[a-z0-9]{6,10}-[a-z0-9]{5}$/, '')
    .replace(/-(?=[a-z0-9]*\d)[a-z0-9]{5}$/, '')
    .replace(/-\d+$/, '');
}

/**
 * Several pods in one incident: when the strongest finding says a dependency refuses or does not answer and the
 * dependency's own pod — one whose workload the first pod's evidence names (its Service, its host) — shows a
 * failure of its own that names a cause, that failure is why the dependency is down: it leads.
 */
function ownFailureFirst(findings: KubeFinding[], clues: Clue[]): KubeFinding[] {
  const [first] = findings;
  const from = first?.clue.object;
  if (!first || !from || first.rule.category !== 'dependency') return findings;
  const said = clues
    .filter((clue) => clue.object === from)
    .map((clue) => clue.text.toLowerCase())
    .join('\n');
  const own = findings.find((finding) => {
    const object = finding.clue.object;
    if (!object || object === from || finding.rule.category === 'dependency') return false;
    // The dependency's own failure: decisive, or a failure line of its own that nothing else reads.
    if (finding.rule.seen || (finding.rule.weight < DECISIVE_WEIGHT && finding.rule.id !== 'unread'))
      return false;
    const name = workloadOf(object.split('/').pop() ?? '').toLowerCase();
    return name.length >= 3 && new RegExp(`(?<![\\w-])${escapeRegExp(name)}(?!\\w)`).test(said);
  });
  return own ? [own, ...findings.filter((finding) => finding !== own)] : findings;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * A finding at or above this weight is decisive: what Kubernetes recorded (an OOM kill, a missing Secret, the
 * scheduler's reasons) or a log line that names its cause. Below it, a clue is generic (a bare exit code, a probe
 * failing, a timeout, `Permission denied`, a panic): it raises its cause but never above a strong match.
 */
export const DECISIVE_WEIGHT = 75;
/** A cause at or above this likelihood is a strong match (a bad change just before the alert, a sure signature). */
export const STRONG_MATCH = 0.7;

/**
 * The causes re-ranked by the evidence: the strongest finding's cause first (a catalogue cause it confirms,
 * raised, else a new cause with its own title), then the others' causes raised below it; each carries the
 * quoted clue as its first piece of evidence.
 */
export function applyKubeEvidence(
  causes: RootCause[],
  findings: KubeFinding[],
  options: { strong?: string | undefined; context?: KubeContext | undefined } = {},
): { causes: RootCause[]; decisive: KubeFinding | null } {
  const out = causes.map((cause) => ({ ...cause, evidence: [...cause.evidence] }));
  const unnamed = notDetermined(out, findings, options);
  if (findings.length === 0) {
    if (!unnamed) return { causes, decisive: null };
    return { causes: rankRootCauses(leadWith(out, unnamed)), decisive: null };
  }
  const top = Math.max(0, ...out.map((cause) => cause.likelihood));
  // Only decisive evidence displaces a strong match (a cause at STRONG_MATCH or above, or the one the caller
  // names by title, e.g. a cause-type alert's that explains its symptoms): generic clues rank just below it.
  const [first] = findings;
  const strongest =
    first && first.rule.weight < DECISIVE_WEIGHT
      ? out
          .filter((cause) => cause.likelihood >= STRONG_MATCH || cause.title === options.strong)
          .sort((a, b) => b.likelihood - a.likelihood)[0]
      : undefined;
  const kept = new Set<RootCause>(
    strongest ? out.filter((cause) => cause.likelihood >= strongest.likelihood) : [],
  );
  const lead = strongest
    ? round(Math.max(0.3, strongest.likelihood - 0.01))
    : Math.min(0.95, round(Math.max(top + 0.05, 0.8)));
  const used = new Set<RootCause>();
  for (const [index, finding] of findings.slice(0, 4).entries()) {
    const likelihood = round(
      Math.max(0.3, lead - 0.1 * index - (index > 0 ? (100 - finding.score) / 200 : 0)),
    );
    const quote = clip(finding.clue.quote, 500);
    const title = clip(finding.rule.title(finding.facts), 200);
    let target = finding.rule.confirms
      ? out.find((cause) => !used.has(cause) && !kept.has(cause) && finding.rule.confirms?.test(cause.title))
      : undefined;
    target ??= out.find((cause) => !used.has(cause) && !kept.has(cause) && cause.title === title);
    if (target) {
      target.likelihood = index === 0 ? lead : Math.max(target.likelihood, Math.min(likelihood, lead - 0.01));
      target.evidence = [quote, ...target.evidence.filter((item) => item !== quote)].slice(0, 10);
    } else {
      target = {
        title: withWords(title, finding.clue),
        likelihood: index === 0 ? lead : Math.min(likelihood, lead - 0.01),
        category: finding.rule.category,
        evidence: [quote],
      };
      out.push(target);
    }
    used.add(target);
  }
  // A finding raised its cause to the lead: nothing else may stay level with it.
  const leader = out.find((cause) => cause.likelihood === lead && used.has(cause));
  for (const cause of out) {
    if (cause !== leader && !kept.has(cause) && cause.likelihood >= lead)
      cause.likelihood = round(lead - 0.02);
  }
  return { causes: rankRootCauses(unnamed ? leadWith(out, unnamed) : out), decisive: findings[0] ?? null };
}

/** A stack trace's header names nothing ("Traceback (most recent call last):", "goroutine 1 [running]:"). */
const TRACE_HEADER =
  /^\s*(?:Traceback \(most recent call last\):?|goroutine \d+ \[[^\]]*\]:?|Exception in thread "[^"]*"\s*)\s*$/;

/**
 * A new cause's title in general words only (a row's or class's: "Volume attach/mount … blocks container
 * creation") ends with the line's own words, so what the line names (`fsck`, `Metaspace`) is in the title as well
 * as in the evidence. A title that quotes its line or names a fact (`DATABASE_URL`), or a clue without words of
 * its own (a status summary), stays as it is.
 */
function withWords(title: string, clue: Clue): string {
  if (title.includes('"') || title.includes('`')) return title;
  const words =
    clue.source === 'log-previous' || clue.source === 'log'
      ? wordsOf(clue.text)
      : clue.source === 'event'
        ? eventMessage(clue.text)
        : clue.source === 'termination'
          ? (TERMINATION_MESSAGE.exec(clue.text)?.[1] ?? '')
          : '';
  if (!words.trim() || TRACE_HEADER.test(words)) return title;
  return clip(`${title}: ${saidOf(words, 0, 120)}`, 200);
}

/** `first` above every other cause (the clues raised theirs: they say what happened, not why). */
function leadWith(causes: RootCause[], first: RootCause): RootCause[] {
  const best = Math.max(0, ...causes.map((cause) => cause.likelihood));
  const likelihood = Math.min(0.95, round(best + 0.05));
  for (const cause of causes) {
    if (cause.likelihood >= likelihood) cause.likelihood = round(likelihood - 0.01);
  }
  return [...causes, { ...first, likelihood }];
}

/**
 * Waiting reasons that name nothing by themselves: the kubelet records a Warning event for every reason it
 * knows a container cannot be created (mount, sandbox, image), so waiting here without one says nothing.
 */
const SILENT_WAITING = /^(?:ContainerCreating|PodInitializing)$/;
/** Warning events that only repeat the symptom (restarts backing off, a Job out of retries). */
const GENERIC_EVENTS = /^(?:BackOff|BackoffLimitExceeded):/;

/**
 * Pods that say nothing, with no finding at all: a container waiting in a state the kubelet would explain with a
 * Warning event (none came), or a Pending pod without any event (not even the scheduler's). Null when a pod
 * shows more.
 */
function silentPods(pods: KubeObjectContext[]): { seen: string; evidence: string } | null {
  const all = pods.flatMap((object) => object.containers.map((container) => ({ object, container })));
  const waiting = all.find(
    ({ container }) => container.state === 'waiting' && SILENT_WAITING.test(container.reason ?? ''),
  );
  if (waiting)
    return {
      seen: `the container waits in \`${waiting.container.reason}\``,
      evidence: `\`${waiting.container.name}\` in ${objectRef(waiting.object)} is waiting: ${waiting.container.reason}; no Warning event, no log line`,
    };
  const pending = pods.find(
    (object) =>
      /^Pending\b/i.test(object.status ?? '') &&
      object.events.length === 0 &&
      object.containers.every((container) => container.state === 'waiting' && !container.reason),
  );
  if (pending)
    return {
      seen: 'the pod is Pending and no event says why (not even the scheduler)',
      evidence: `${objectRef(pending).replace(/^./, (c) => c.toUpperCase())} is Pending; no event at all, no container started`,
    };
  // Pods that run ready and never restarted are not said to be "not determined": that they are healthy is
  // consistent with the catalogue's causes of many alerts (load over maxReplicas, a slow dependency), not
  // evidence against them.
  return null;
}

/**
 * No clue, no invented cause: when the pods were read and every finding names nothing (a bare exit code, a pod
 * not ready, a 5xx readiness answer; or nothing at all while a container waits), and no strong match stands,
 * the first answer is "not determined", saying what was seen and quoting it. Null otherwise.
 */
function notDetermined(
  causes: RootCause[],
  findings: KubeFinding[],
  options: { strong?: string | undefined; context?: KubeContext | undefined },
): RootCause | null {
  const pods = options.context?.objects.filter((object) => object.containers.length > 0) ?? [];
  if (pods.length === 0) return null;
  if (findings.some((finding) => !finding.rule.seen)) return null;
  if (causes.some((cause) => cause.likelihood >= STRONG_MATCH || cause.title === options.strong)) return null;
  // A Warning event or a failure line nothing reads may well say why: then "nothing says why" is not true. The
  // test is the unread-line fallback's own (a line it would quote), so the two never disagree.
  const unread = cluesOf({ ...(options.context as KubeContext), objects: pods }).some((clue) => {
    const text = unreadText(clue);
    const as = CLASS_SOURCE[clue.source];
    return text !== null && as !== null && !readClue(clue) && unreadLine(text, as) !== null;
  });
  if (unread) return null;
  const seen = findings.map((finding) => finding.rule.seen?.(finding.facts) ?? '');
  const evidence = findings.map((finding) => clip(finding.clue.quote, 500));
  if (findings.length === 0) {
    const silent = silentPods(pods);
    if (!silent) return null;
    seen.push(silent.seen);
    evidence.push(clip(silent.evidence, 500));
  }
  return {
    title: clip(
      `Not determined: ${[...new Set(seen)].join('; ')}, and nothing in its events or logs says why`,
      200,
    ),
    likelihood: 0.5,
    category: 'unknown',
    evidence: evidence.slice(0, 10),
  };
}
