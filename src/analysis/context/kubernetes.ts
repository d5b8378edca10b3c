/**
 * Kubernetes context: what an on-call engineer reads first for a pod alert — `kubectl describe pod` (status,
 * last termination, requests/limits), `kubectl get events` of the object, and `kubectl logs --previous` —
 * read for the pods, deployments, statefulsets, jobs and nodes an incident's alerts name.
 *
 * Read-only by construction: only `read*` and `list*` calls are made (get/list on pods, pods/log, events,
 * the workload kinds and nodes). Everything read is redacted before it is cut or kept. A 403, a vanished
 * pod or a container with no previous instance is noted on the object and never fails the source; the
 * source fails only when nothing at all could be read.
 */
// Types only at load time: the client library (~130 MB resident) is loaded when a cluster is configured, not
// by every process that imports the context sources (see gatherKubernetes).
import type { ConfigurationOptions, Observable, ObservableMiddleware } from '@kubernetes/client-node';
import type { KubeReadClients } from '../../clients/kubernetes.ts';
import type { IncidentAlert } from '../../db/incidents.ts';
import { viewOf } from '../offline/facts.ts';
import { redactAndCut, redactText } from '../redact.ts';
import type { KubeContainer, KubeContext, KubeEvent, KubeLogTail, KubeObjectContext } from '../schema.ts';

/** Pods read per incident at most (named ones first, then the unhealthiest of each workload). */
export const MAX_PODS = 20;
/** Pods of one workload read at most. */
export const PODS_PER_WORKLOAD = 3;
/** Requests in flight at once. */
export const CONCURRENCY = 8;
/** Lines asked of the API per log, the bytes it may send, and the lines kept. */
export const LOG_TAIL_LINES = 200;
export const LOG_LIMIT_BYTES = 64 * 1024;
export const LOG_LINES_KEPT = 20;
export const LOG_LINE_MAX = 300;
/** An error line is kept up to the schema's limit: its cause is often at its end (a JSON log's multi-line
 * message, a wrapped child's stderr). */
export const LOG_ERROR_LINE_MAX = 500;
export const EVENTS_KEPT = 8;
/** An event's or a container's message kept at most (the schema's limit): head and tail when longer. */
export const EVENT_MESSAGE_MAX = 500;
/** Event message text kept whole per incident; beyond it, messages are cut to EVENT_MESSAGE_CUT (prompt size). */
export const EVENT_BUDGET_BYTES = 32 * 1024;
export const EVENT_MESSAGE_CUT = 200;
/** Log text kept per incident at most (it is stored with the analysis and goes into the prompt). */
export const LOG_BUDGET_BYTES = 48 * 1024;
/** Containers per pod whose logs are read. */
const LOG_CONTAINERS = 2;
const MAX_OBJECTS = 40;

// biome-ignore lint/suspicious/noExplicitAny: API objects as the client deserializes them; read field by field
type Obj = Record<string, any>;

export interface KubeGatherOptions {
  clients: KubeReadClients;
  /** Only these namespaces are read (aiops.yml `context.kubernetes.namespaces`); all when absent. */
  namespaces?: string[] | undefined;
  /** The source's time box: requests in flight are cancelled when it aborts. */
  signal?: AbortSignal | undefined;
  maxPods?: number;
}

interface Target {
  kind: KubeObjectContext['kind'];
  namespace?: string;
  name: string;
  /** The container the alert names, read first. */
  container?: string;
}

const WORKLOAD_LABELS: [string, Target['kind']][] = [
  ['statefulset', 'StatefulSet'],
  ['job_name', 'Job'],
];

/**
 * An object name as the API server accepts it (DNS-1123 subdomain). Alert labels are untrusted: a name that is
 * not one (`a,involvedObject.kind=Node`, `../nodes`) is never put in a path or a field selector.
 */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The objects the alerts name, pods first, deduplicated; names the API would refuse are left out. */
export function targetsOf(alerts: IncidentAlert[]): Target[] {
  const out = new Map<string, Target>();
  const add = (target: Target) => {
    if (!OBJECT_NAME.test(target.name)) return;
    if (target.container !== undefined && !CONTAINER_NAME.test(target.container)) delete target.container;
    const key = `${target.kind}/${target.namespace ?? ''}/${target.name}`;
    if (!out.has(key)) out.set(key, target);
  };
  const firingFirst = [...alerts].sort(
    (a, b) => Number(b.status === 'firing') - Number(a.status === 'firing'),
  );
  for (const alert of firingFirst) {
    const view = viewOf(alert);
    const namespace = view.namespace;
    if (namespace && view.pod) {
      add({
        kind: 'Pod',
        namespace,
        name: view.pod,
        ...(view.container ? { container: view.container } : {}),
      });
    } else if (namespace && view.deployment) {
      add({ kind: 'Deployment', namespace, name: view.deployment });
    }
    if (namespace) {
      for (const [label, kind] of WORKLOAD_LABELS) {
        const name = alert.labels[label];
        if (name && !view.pod) add({ kind, namespace, name });
      }
    }
    if (view.node) add({ kind: 'Node', name: view.node });
  }
  return [...out.values()];
}

/** The status code of a client error (ApiException has `code`), or undefined. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own message (a Status body), else the error's, one line, redacted. */
function messageOf(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      message = body;
    }
  } else if (body && typeof (body as { message?: unknown }).message === 'string') {
    message = (body as { message: string }).message;
  }
  message ??= error instanceof Error ? error.message : String(error);
  return redactAndCut(redactText(message).split('\n')[0] ?? '', 200);
}

function describeFailure(what: string, error: unknown): string {
  const status = statusOf(error);
  if (status === 403)
    return `${what}: forbidden (HTTP 403) — the Role needs get/list on it: ${messageOf(error)}`;
  if (status === 404) return `${what}: not found (deleted or replaced?)`;
  return redactAndCut(`${what}: ${status ? `HTTP ${status}: ` : ''}${messageOf(error)}`, 300);
}

const iso = (value: unknown): string | null => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return null;
};

/** One line, redacted, then cut to `max` keeping head and tail (the reason is often at the end). */
const text = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.trim()
    ? redactAndCut(value.trim().replace(/\s+/g, ' '), max, { keep: 'ends' })
    : undefined;

const quantities = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [key, quantity] of Object.entries(value as Obj).slice(0, 6)) {
      out[key.slice(0, 100)] = String(quantity).slice(0, 100);
    }
  }
  return out;
};

// Control characters other than tab and newline: a NUL in a log line must not hide or split a secret.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const SEVERE =
  /\b(?:error|err|fatal|panic|exception|fail(?:ed|ure|s)?|refused|timed? ?out|denied|killed|critical|crit|traceback|unable|cannot|could not|no such|not found|oom)\b|\blevel=(?:error|fatal)\b|[a-z](?:Error|Exception)\b/i;
const WARNING = /\bwarn(?:ing)?\b|\blevel=warn/i;

/**
 * The lines of a log tail worth keeping: the whole text is redacted first, then errors, then warnings, then
 * the latest other lines fill `max`, and the kept lines are returned in log order, each cut to `lineMax`.
 */
export function selectLogLines(
  raw: string,
  max = LOG_LINES_KEPT,
  lineMax = LOG_LINE_MAX,
): { lines: string[]; truncated: boolean } {
  const lines = redactText(raw.replace(CONTROL, ''))
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim().length > 0);
  const rank = (line: string) => (SEVERE.test(line) ? 2 : WARNING.test(line) ? 1 : 0);
  const cut = (line: string) =>
    cutLine(line, rank(line) === 2 ? Math.max(lineMax, LOG_ERROR_LINE_MAX) : lineMax);
  if (lines.length <= max) return { lines: lines.map(cut), truncated: false };
  const order = lines.map((line, index) => ({ index, rank: rank(line) }));
  // Highest rank first; within a rank the latest first.
  order.sort((a, b) => b.rank - a.rank || b.index - a.index);
  const kept = order
    .slice(0, max)
    .map((entry) => entry.index)
    .sort((a, b) => a - b);
  return { lines: kept.map((index) => cut(lines[index] as string)), truncated: true };
}

const cutLine = (line: string, max: number): string => redactAndCut(line, max);

/** Runs `tasks` with at most `limit` at once, in order of the list. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

class Reader {
  /** Errors that were not 403/404: when nothing was read at all, the source fails with the first. */
  readonly hardErrors: string[] = [];
  private readonly options: ConfigurationOptions<ObservableMiddleware> | undefined;

  constructor(
    private readonly clients: KubeReadClients,
    signal: AbortSignal | undefined,
    ObservableClass: typeof Observable,
  ) {
    // Each request carries the time box's signal, so an abandoned gathering stops using sockets. The object
    // API takes observable-style middleware (the library's own `Observable`), as `setHeaderOptions` builds.
    const middleware: ObservableMiddleware = {
      pre: (context) => {
        if (signal) context.setSignal(signal);
        return new ObservableClass(Promise.resolve(context));
      },
      post: (context) => new ObservableClass(Promise.resolve(context)),
    };
    this.options = signal ? { middleware: [middleware], middlewareMergeStrategy: 'append' } : undefined;
  }

  /** A read that may fail: the failure becomes a note on `notes` (a 403 or 404 is not a hard error). */
  async attempt<T>(what: string, notes: string[], read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      const status = statusOf(error);
      if (status !== 403 && status !== 404) this.hardErrors.push(describeFailure(what, error));
      notes.push(describeFailure(what, error));
      return undefined;
    }
  }

  events(namespace: string, kind: string, name: string, notes: string[]): Promise<KubeEvent[]> {
    return this.attempt(`events of ${kind.toLowerCase()} ${name}`, notes, async () => {
      const list = await this.clients.core.listNamespacedEvent(
        {
          namespace,
          fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}`,
          limit: 100,
        },
        this.options,
      );
      return eventsOf(list.items as Obj[]);
    }).then((events) => events ?? []);
  }

  async log(
    namespace: string,
    pod: string,
    container: string,
    previous: boolean,
    notes: string[],
  ): Promise<KubeLogTail | null> {
    try {
      const raw = await this.clients.core.readNamespacedPodLog(
        { namespace, name: pod, container, previous, tailLines: LOG_TAIL_LINES, limitBytes: LOG_LIMIT_BYTES },
        this.options,
      );
      const { lines, truncated } = selectLogLines(typeof raw === 'string' ? raw : String(raw ?? ''));
      return { container, previous, lines, truncated };
    } catch (error) {
      const status = statusOf(error);
      // 400 for `previous` when the container has not restarted: not a failure.
      if (previous && status === 400) {
        notes.push(`no previous instance of container ${container}: ${messageOf(error)}`);
        return null;
      }
      const what = `${previous ? 'previous ' : ''}log of ${container}`;
      if (status !== 403 && status !== 404) this.hardErrors.push(describeFailure(what, error));
      notes.push(describeFailure(what, error));
      return null;
    }
  }

  async pod(namespace: string, name: string, container?: string): Promise<KubeObjectContext> {
    const notes: string[] = [];
    const [pod, events] = await Promise.all([
      this.attempt(`pod ${namespace}/${name}`, notes, () =>
        this.clients.core.readNamespacedPod({ namespace, name }, this.options),
      ),
      this.events(namespace, 'Pod', name, notes),
    ]);
    const containers = pod ? containersOf(pod as Obj) : [];
    const logs: KubeLogTail[] = [];
    if (pod) {
      // The alert's container first, then the ones that restarted or are not ready.
      const byTrouble = [...containers].sort(
        (a, b) =>
          Number(b.name === container) - Number(a.name === container) ||
          b.restarts - a.restarts ||
          Number(a.ready) - Number(b.ready),
      );
      const chosen = byTrouble.slice(0, LOG_CONTAINERS);
      const reads = chosen.flatMap((c) => {
        const current = () => this.log(namespace, name, c.name, false, notes);
        const previous = () => this.log(namespace, name, c.name, true, notes);
        return c.restarts > 0 || c.lastTermination ? [previous, current] : [current];
      });
      for (const tail of await Promise.all(reads.map((read) => read()))) if (tail) logs.push(tail);
    }
    return {
      kind: 'Pod',
      namespace,
      name,
      status: pod ? podStatusLine(pod as Obj, containers) : 'not read',
      containers,
      events,
      logs: logs.slice(0, 6),
      notes: notes.slice(0, 10),
    };
  }

  /** A workload: its status and events, and the names of its unhealthiest pods. */
  async workload(target: Target): Promise<{ object: KubeObjectContext; pods: string[] }> {
    const notes: string[] = [];
    const namespace = target.namespace as string;
    const { name, kind } = target;
    const opts = this.options;
    const read = (): Promise<Obj> => {
      if (kind === 'Deployment') return this.clients.apps.readNamespacedDeployment({ namespace, name }, opts);
      if (kind === 'StatefulSet')
        return this.clients.apps.readNamespacedStatefulSet({ namespace, name }, opts);
      return this.clients.batch.readNamespacedJob({ namespace, name }, opts);
    };
    const [object, events] = await Promise.all([
      this.attempt(`${kind.toLowerCase()} ${namespace}/${name}`, notes, read),
      this.events(namespace, kind, name, notes),
    ]);
    let pods: string[] = [];
    const selector = (object as Obj | undefined)?.spec?.selector?.matchLabels as
      | Record<string, string>
      | undefined;
    if (selector && Object.keys(selector).length > 0) {
      const labelSelector = Object.entries(selector)
        .map(([key, value]) => `${key}=${value}`)
        .join(',');
      const list = await this.attempt(`pods of ${kind.toLowerCase()} ${name}`, notes, () =>
        this.clients.core.listNamespacedPod({ namespace, labelSelector, limit: 100 }, opts),
      );
      pods = unhealthiest((list?.items ?? []) as Obj[]).slice(0, PODS_PER_WORKLOAD);
    }
    return {
      object: {
        kind,
        namespace,
        name,
        status: object ? workloadStatusLine(kind, object as Obj) : 'not read',
        containers: [],
        events,
        logs: [],
        notes: notes.slice(0, 10),
      },
      pods,
    };
  }

  async node(name: string): Promise<KubeObjectContext> {
    const notes: string[] = [];
    const [node, events] = await Promise.all([
      this.attempt(`node ${name}`, notes, () => this.clients.core.readNode({ name }, this.options)),
      // Node events are recorded in the default namespace.
      this.events('default', 'Node', name, notes),
    ]);
    return {
      kind: 'Node',
      name,
      status: node ? nodeStatusLine(node as Obj) : 'not read',
      containers: [],
      events,
      logs: [],
      notes: notes.slice(0, 10),
    };
  }
}

/** Events as the API returns them (core/v1 or events.k8s.io/v1) → what is kept: Warnings first, the latest first. */
export function eventsOf(items: Obj[]): KubeEvent[] {
  const events = items.map(
    (event): KubeEvent => ({
      type: String(event.type ?? 'Normal').slice(0, 20),
      reason: String(event.reason ?? '').slice(0, 100),
      message: text(event.message ?? event.note, EVENT_MESSAGE_MAX) ?? '',
      count: Number.isInteger(event.count) && event.count >= 0 ? event.count : 1,
      at: iso(event.lastTimestamp) ?? iso(event.eventTime) ?? iso(event.firstTimestamp),
    }),
  );
  // Warnings first, then the most recent.
  events.sort(
    (a, b) =>
      Number(b.type === 'Warning') - Number(a.type === 'Warning') ||
      (b.at ? Date.parse(b.at) : 0) - (a.at ? Date.parse(a.at) : 0),
  );
  return events.slice(0, EVENTS_KEPT);
}

/** A pod as the API returns it → its containers' states, last terminations, requests and limits. */
export function containersOf(pod: Obj): KubeContainer[] {
  const specs = new Map<string, Obj>(
    ((pod.spec?.containers ?? []) as Obj[]).map((container) => [String(container.name), container]),
  );
  const statuses = (pod.status?.containerStatuses ?? []) as Obj[];
  const names = statuses.length > 0 ? statuses.map((status) => String(status.name)) : [...specs.keys()];
  return names.slice(0, 10).map((name): KubeContainer => {
    const status = statuses.find((candidate) => candidate.name === name) ?? {};
    const spec = specs.get(name) ?? {};
    const state = (status.state ?? {}) as Obj;
    const which = state.waiting
      ? 'waiting'
      : state.terminated
        ? 'terminated'
        : state.running
          ? 'running'
          : 'unknown';
    const detail = (state.waiting ?? state.terminated ?? {}) as Obj;
    const last = status.lastState?.terminated as Obj | undefined;
    const out: KubeContainer = {
      name: name.slice(0, 253),
      ready: status.ready === true,
      restarts: Number.isInteger(status.restartCount) ? Math.max(0, status.restartCount) : 0,
      state: which,
      lastTermination: last
        ? {
            reason: String(last.reason ?? 'Unknown').slice(0, 100),
            exitCode: Number.isInteger(last.exitCode) ? last.exitCode : -1,
            at: iso(last.finishedAt),
            ...(text(last.message, EVENT_MESSAGE_MAX)
              ? { message: text(last.message, EVENT_MESSAGE_MAX) as string }
              : {}),
          }
        : null,
      requests: quantities(spec.resources?.requests),
      limits: quantities(spec.resources?.limits),
    };
    if (typeof detail.reason === 'string') out.reason = detail.reason.slice(0, 100);
    const message = text(detail.message, EVENT_MESSAGE_MAX);
    if (message) out.message = message;
    // A container terminated right now carries its reason in `state`, not `lastState`.
    if (which === 'terminated' && !out.lastTermination) {
      out.lastTermination = {
        reason: String(detail.reason ?? 'Unknown').slice(0, 100),
        exitCode: Number.isInteger(detail.exitCode) ? detail.exitCode : -1,
        at: iso(detail.finishedAt),
      };
    }
    return out;
  });
}

function podStatusLine(pod: Obj, containers: KubeContainer[]): string {
  const phase = String(pod.status?.phase ?? 'Unknown');
  const ready = containers.filter((c) => c.ready).length;
  const restarts = containers.reduce((sum, c) => sum + c.restarts, 0);
  const parts = [
    phase,
    `${ready}/${containers.length} ready`,
    `${restarts} restart${restarts === 1 ? '' : 's'}`,
  ];
  const reason = text(pod.status?.reason, 100);
  if (reason) parts.push(reason);
  const unscheduled = ((pod.status?.conditions ?? []) as Obj[]).find(
    (condition) => condition.type === 'PodScheduled' && condition.status === 'False',
  );
  if (unscheduled) parts.push(`not scheduled${unscheduled.reason ? ` (${String(unscheduled.reason)})` : ''}`);
  if (pod.spec?.nodeName) parts.push(`on node ${String(pod.spec.nodeName)}`);
  return redactAndCut(parts.join(', '), 500);
}

function workloadStatusLine(kind: Target['kind'], object: Obj): string {
  const status = (object.status ?? {}) as Obj;
  const conditions = ((status.conditions ?? []) as Obj[])
    .filter((condition) => condition.status !== 'True' || condition.type === 'Failed')
    .map(
      (condition) =>
        `${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}`,
    );
  let line: string;
  if (kind === 'Job') {
    line = `${status.active ?? 0} active, ${status.succeeded ?? 0} succeeded, ${status.failed ?? 0} failed`;
  } else {
    line = `${status.readyReplicas ?? 0}/${object.spec?.replicas ?? 1} ready, ${status.updatedReplicas ?? 0} updated`;
  }
  return redactAndCut([line, ...conditions].join(', '), 500);
}

function nodeStatusLine(node: Obj): string {
  const conditions = ((node.status?.conditions ?? []) as Obj[])
    .filter((condition) => (condition.type === 'Ready') !== (condition.status === 'True'))
    .map(
      (condition) =>
        `${condition.type}=${condition.status}${condition.reason ? ` (${condition.reason})` : ''}`,
    );
  const ready = ((node.status?.conditions ?? []) as Obj[]).find((condition) => condition.type === 'Ready');
  const parts = [`Ready=${ready?.status ?? 'Unknown'}`, ...conditions.filter((c) => !c.startsWith('Ready='))];
  if (node.spec?.unschedulable) parts.push('cordoned');
  return redactAndCut(parts.join(', '), 500);
}

/**
 * Keeps the incident's event messages within EVENT_BUDGET_BYTES: the first-read objects (the named pods) keep
 * theirs whole (up to EVENT_MESSAGE_MAX); once the budget is spent, later messages are cut to
 * EVENT_MESSAGE_CUT, head and tail. Returns whether anything was cut.
 */
export function capEventMessages(objects: KubeObjectContext[], budget = EVENT_BUDGET_BYTES): boolean {
  let left = budget;
  let cut = false;
  for (const object of objects) {
    for (const event of object.events) {
      if (left - event.message.length < 0 && event.message.length > EVENT_MESSAGE_CUT) {
        event.message = redactAndCut(event.message, EVENT_MESSAGE_CUT, { keep: 'ends' });
        cut = true;
      }
      left -= event.message.length;
    }
  }
  return cut;
}

/** Pod names, the most troubled first: not ready, more restarts, then by name. */
function unhealthiest(pods: Obj[]): string[] {
  const score = (pod: Obj) => {
    const statuses = (pod.status?.containerStatuses ?? []) as Obj[];
    const notReady =
      statuses.some((status) => status.ready !== true) || pod.status?.phase !== 'Running' ? 1 : 0;
    const restarts = statuses.reduce((sum, status) => sum + (Number(status.restartCount) || 0), 0);
    return notReady * 1_000_000 + restarts;
  };
  return [...pods]
    .sort((a, b) => score(b) - score(a) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)))
    .map((pod) => String(pod.metadata?.name ?? ''))
    .filter(Boolean);
}

/**
 * Reads the Kubernetes objects the alerts name. Throws only when every read failed for a reason other than
 * 403/404 (the API server unreachable, credentials rejected): the caller's time box reports the source failed.
 */
export async function gatherKubernetes(
  options: KubeGatherOptions,
  alerts: IncidentAlert[],
): Promise<KubeContext> {
  // Already loaded by whoever built the clients: this import only hands us the module.
  const { Observable: ObservableClass } = await import('@kubernetes/client-node');
  const reader = new Reader(options.clients, options.signal, ObservableClass);
  const maxPods = options.maxPods ?? MAX_PODS;
  const allowed = options.namespaces?.length ? new Set(options.namespaces) : null;
  const notes: string[] = [];
  const targets: Target[] = [];
  for (const target of targetsOf(alerts)) {
    if (allowed && target.namespace && !allowed.has(target.namespace)) {
      notes.push(
        `namespace ${target.namespace} is not in context.kubernetes.namespaces: ${target.kind.toLowerCase()} ${target.name} not read`,
      );
    } else targets.push(target);
  }
  const podTargets = targets.filter((target) => target.kind === 'Pod');
  const workloads = targets.filter((target) => target.kind !== 'Pod' && target.kind !== 'Node');
  const nodes = targets.filter((target) => target.kind === 'Node');

  // Workloads first (their pods join the pods to read), then every pod and node, bounded.
  const workloadResults = await pool(
    CONCURRENCY,
    workloads.map((target) => () => reader.workload(target)),
  );
  const podKeys = new Set(podTargets.map((target) => `${target.namespace}/${target.name}`));
  for (const [index, result] of workloadResults.entries()) {
    const namespace = workloads[index]?.namespace as string;
    for (const pod of result.pods) {
      if (podKeys.has(`${namespace}/${pod}`)) continue;
      podKeys.add(`${namespace}/${pod}`);
      podTargets.push({ kind: 'Pod', namespace, name: pod });
    }
  }
  if (podTargets.length > maxPods) {
    notes.push(`${podTargets.length} pods named: the first ${maxPods} read`);
    podTargets.length = maxPods;
  }
  const [pods, nodeResults] = await Promise.all([
    pool(
      CONCURRENCY,
      podTargets.map((target) => () => reader.pod(target.namespace as string, target.name, target.container)),
    ),
    pool(
      CONCURRENCY,
      nodes.map((target) => () => reader.node(target.name)),
    ),
  ]);
  const objects = [...pods, ...workloadResults.map((result) => result.object), ...nodeResults].slice(
    0,
    MAX_OBJECTS,
  );
  // The named pods come first: when the budget runs out, later pods' tails are cut.
  let budget = LOG_BUDGET_BYTES;
  let cut = false;
  for (const object of objects) {
    for (const tail of object.logs) {
      const kept: string[] = [];
      for (const line of tail.lines) {
        if (budget - line.length < 0) {
          cut = true;
          tail.truncated = true;
          continue;
        }
        budget -= line.length;
        kept.push(line);
      }
      tail.lines = kept;
    }
  }
  if (cut) notes.push(`log text capped at ${LOG_BUDGET_BYTES / 1024} KiB for the incident: later tails cut`);
  if (capEventMessages(objects)) {
    notes.push(
      `event messages capped at ${EVENT_BUDGET_BYTES / 1024} KiB for the incident: later ones cut to ${EVENT_MESSAGE_CUT} characters (head and tail)`,
    );
  }
  const requested = objects.length;
  const read = objects.filter((object) => object.status !== 'not read' || object.events.length > 0).length;
  if (requested > 0 && read === 0 && reader.hardErrors.length > 0) {
    throw new Error(reader.hardErrors[0]);
  }
  return { objects, notes: notes.slice(0, 20) };
}

/** One line on what was read, for the source report. */
export function describeKubeContext(context: KubeContext): string {
  const count = (kind: string) => context.objects.filter((object) => object.kind === kind).length;
  const parts = (['Pod', 'Deployment', 'StatefulSet', 'Job', 'Node'] as const)
    .map((kind) => [kind, count(kind)] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind.toLowerCase()}${n === 1 ? '' : 's'}`);
  const logs = context.objects.reduce((sum, object) => sum + object.logs.length, 0);
  const events = context.objects.reduce((sum, object) => sum + object.events.length, 0);
  const noted = context.objects.reduce((sum, object) => sum + object.notes.length, 0) + context.notes.length;
  return `${parts.join(', ') || 'nothing'}; ${events} events, ${logs} log tails${noted ? `; ${noted} notes` : ''}`;
}
