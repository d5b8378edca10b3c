/**
 * The Kubernetes executor: the four workload actions the analysis proposes, done the way `kubectl` does
 * them, through `@kubernetes/client-node` (kubeconfig from `remediation.kubernetes.kubeconfig`, else
 * `KUBECONFIG`, else the in-cluster service account).
 *
 * - `restart` = `kubectl rollout restart`: a strategic-merge patch setting the pod template annotation
 *   `kubectl.kubernetes.io/restartedAt` (RFC 3339) on a Deployment, StatefulSet or DaemonSet.
 * - `scale` = `kubectl scale`: a merge patch `{"spec":{"replicas":N}}` on the `deployments/scale` subresource.
 * - `rollback-deployment` = `kubectl rollout undo`: the ReplicaSets the Deployment controls (its selector
 *   and a controller ownerReference), the previous `deployment.kubernetes.io/revision` or `toRevision`, and
 *   kubectl's JSON patch replacing `/spec/template` (without `pod-template-hash`) and `/metadata/annotations`.
 * - `raise-limits` = `kubectl set resources --limits`: a strategic-merge patch of one container's limits;
 *   it only raises (a lower value is refused).
 *
 * Dry run is the same request with `dryRun=All` (admission and validation run, nothing is stored). The
 * before-state (template, replicas, revision, annotations) is captured before the change; rollback
 * restores it with the narrowest patch: the restartedAt annotation, the container's resources (guarded by a
 * JSON-patch `test` on the container's name), the replica count, or kubectl's undo patch with the
 * captured template. After each change the executor follows the rollout like `kubectl rollout status`,
 * bounded by `rolloutTimeoutSeconds`, and reports the outcome, not "patch accepted".
 *
 * Every name is validated (RFC 1123) and the namespace checked against the allowlist before any request.
 */
import { delimiter, resolve } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  type ConfigurationOptions,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  PatchStrategy,
  SelfDecodingBody,
} from '@kubernetes/client-node';
import type { Clock } from '../../clock.ts';
import type {
  DryRunResult,
  ExecutionContext,
  Executor,
  Json,
  RemediationAction,
  RunResult,
} from '../types.ts';
import { boundedOutput, errorMessage, formatDuration, globMatch, realSleep, type Sleep } from './common.ts';

export interface KubernetesExecutorOptions {
  /** Path of a kubeconfig file (relative to the config file's directory); else KUBECONFIG, else in-cluster. */
  kubeconfig?: string;
  /** Context of the kubeconfig to use; default its current-context. */
  context?: string;
  /** Namespaces the bot may change (exact names, or globs with `*`). */
  namespaces: string[];
  /** How long to follow a rollout before reporting it unfinished; default 120. */
  rolloutTimeoutSeconds?: number;
  /** Time between two reads of the rollout status; default 2. */
  rolloutPollSeconds?: number;
  /** `fieldManager` of every change (shows in managedFields); default `aiops-bot`. */
  fieldManager?: string;
}

export interface KubernetesExecutorDeps {
  clock: Clock;
  env: Record<string, string | undefined>;
  /** Relative kubeconfig paths resolve against this; default cwd. */
  baseDir?: string;
  /** Waits between rollout polls; tests pass one that moves a manual clock. */
  sleep?: Sleep;
}

type K8sAction = Extract<
  RemediationAction,
  { kind: 'restart' | 'scale' | 'rollback-deployment' | 'raise-limits' }
>;
type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset';

interface Container {
  name: string;
  image?: string;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}
interface PodTemplate {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: { containers?: Container[]; [key: string]: unknown };
}
interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}
interface Workload {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; controller?: boolean }[];
  };
  spec: {
    replicas?: number;
    paused?: boolean;
    selector?: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values?: string[] }[];
    };
    template: PodTemplate;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: Condition[];
  };
}
interface WorkloadList {
  items: Workload[];
}
interface Scale {
  spec?: { replicas?: number };
}

/** What `capture` stores and `rollback` restores. */
export interface KubernetesBefore {
  workload: WorkloadKind;
  namespace: string;
  name: string;
  uid: string | null;
  generation: number | null;
  revision: string | null;
  replicas: number | null;
  annotations: Record<string, string>;
  template: PodTemplate;
  /** raise-limits: the container's resources before. */
  container?: string;
  resources?: Container['resources'] | null;
}

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
/** kubectl rollback.go: kept from the deployment, never copied from the ReplicaSet. */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const K8S_KINDS = new Set(['restart', 'scale', 'rollback-deployment', 'raise-limits']);

function isK8sAction(action: RemediationAction): action is K8sAction {
  return K8S_KINDS.has(action.kind);
}

function workloadOf(action: K8sAction): WorkloadKind {
  return action.kind === 'restart' ? action.workload : 'deployment';
}

const DISPLAY: Record<WorkloadKind, string> = {
  deployment: 'deployment',
  statefulset: 'statefulset',
  daemonset: 'daemon set',
};

export class KubernetesApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }
}

/** kubectl's RFC 3339 timestamp (seconds, UTC). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const QUANTITY =
  /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("512Mi", "1.5Gi", "500m", "2") as a number; null when unparseable. */
export function parseQuantity(text: string): number | null {
  const match = QUANTITY.exec(text.trim());
  if (!match) return null;
  const [, digits = '0', exponent, suffix = ''] = match;
  const value = Number(digits) * 10 ** Number(exponent ?? 0) * (SUFFIX[suffix] ?? 1);
  return Number.isFinite(value) ? value : null;
}

function selectorString(selector: Workload['spec']['selector']): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') terms.push(`${expression.key} in (${values})`);
    else if (expression.operator === 'NotIn') terms.push(`${expression.key} notin (${values})`);
    else if (expression.operator === 'Exists') terms.push(expression.key);
    else if (expression.operator === 'DoesNotExist') terms.push(`!${expression.key}`);
  }
  return terms.join(',');
}

function withoutHash(template: PodTemplate): PodTemplate {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[HASH_LABEL];
  }
  return copy;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function images(template: PodTemplate | undefined): string {
  return (template?.spec?.containers ?? []).map((c) => c.image ?? '?').join(', ');
}

function pointer(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}

interface RolloutState {
  done: boolean;
  /** Set when the rollout can no longer finish (ProgressDeadlineExceeded). */
  failed?: string;
  message: string;
  /** "3/3 replicas updated and available" */
  counts: string;
}

/** `kubectl rollout status`, one reading. */
export function rolloutState(workload: WorkloadKind, object: Workload): RolloutState {
  const name = object.metadata.name;
  const status = object.status ?? {};
  const generation = object.metadata.generation ?? 0;
  const observed = status.observedGeneration ?? -1;
  if (workload === 'deployment') {
    const replicas = object.spec.replicas ?? 1;
    const updated = status.updatedReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const counts = `${Math.min(updated, available)}/${replicas} replicas updated and available`;
    if (generation > observed) {
      return { done: false, message: 'Waiting for deployment spec update to be observed...', counts };
    }
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      const failed = `deployment "${name}" exceeded its progress deadline`;
      return { done: false, failed, message: failed, counts };
    }
    if (updated < replicas) {
      return {
        done: false,
        message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
        counts,
      };
    }
    if ((status.replicas ?? 0) > updated) {
      return {
        done: false,
        message: `Waiting for deployment "${name}" rollout to finish: ${(status.replicas ?? 0) - updated} old replicas are pending termination...`,
        counts,
      };
    }
    if (available < updated) {
      return {
        done: false,
        message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
        counts,
      };
    }
    return { done: true, message: `deployment "${name}" successfully rolled out`, counts };
  }
  if (workload === 'statefulset') {
    const replicas = object.spec.replicas ?? 1;
    const ready = status.readyReplicas ?? 0;
    const counts = `${ready}/${replicas} replicas ready`;
    if (generation > observed) {
      return { done: false, message: 'Waiting for statefulset spec update to be observed...', counts };
    }
    if (object.spec.updateStrategy?.type && object.spec.updateStrategy.type !== 'RollingUpdate') {
      return {
        done: true,
        message: 'rollout status is only available for RollingUpdate strategy type',
        counts,
      };
    }
    if (ready < replicas) {
      return { done: false, message: `Waiting for ${replicas - ready} pods to be ready...`, counts };
    }
    const partition = object.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) {
      const updated = status.updatedReplicas ?? 0;
      if (updated < replicas - partition) {
        return {
          done: false,
          message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`,
          counts,
        };
      }
      return {
        done: true,
        message: `partitioned roll out complete: ${updated} new pods have been updated...`,
        counts,
      };
    }
    if (status.updateRevision !== status.currentRevision) {
      return {
        done: false,
        message: `waiting for statefulset rolling update to complete ${status.updatedReplicas ?? 0} pods at revision ${status.updateRevision}...`,
        counts,
      };
    }
    return {
      done: true,
      message: `statefulset rolling update complete ${status.currentReplicas ?? replicas} pods at revision ${status.currentRevision}...`,
      counts,
    };
  }
  const desired = status.desiredNumberScheduled ?? 0;
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  const counts = `${Math.min(updated, available)}/${desired} pods updated and available`;
  if (object.spec.updateStrategy?.type && object.spec.updateStrategy.type !== 'RollingUpdate') {
    return {
      done: true,
      message: 'rollout status is only available for RollingUpdate strategy type',
      counts,
    };
  }
  if (generation > observed) {
    return { done: false, message: 'Waiting for daemon set spec update to be observed...', counts };
  }
  if (updated < desired) {
    return {
      done: false,
      message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
      counts,
    };
  }
  if (available < desired) {
    return {
      done: false,
      message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
      counts,
    };
  }
  return { done: true, message: `daemon set "${name}" successfully rolled out`, counts };
}

interface CallOptions {
  contentType?: string;
  signal?: AbortSignal;
}

/** The generated client, with the raw JSON of each answer kept (the typed models drop unknown fields). */
class KubeApi {
  constructor(readonly apps: AppsV1Api) {}

  async call<T>(
    request: (apps: AppsV1Api, options: ConfigurationOptions) => Promise<unknown>,
    options: CallOptions = {},
  ): Promise<T> {
    let raw: string | undefined;
    const middleware: ObservableMiddleware = {
      pre: (context) => {
        if (options.contentType) context.setHeaderParam('Content-Type', options.contentType);
        if (options.signal) context.setSignal(options.signal);
        return new Observable(Promise.resolve(context));
      },
      post: (context) =>
        new Observable(
          (async () => {
            const buffer = await context.body.binary();
            raw = buffer.toString('utf8');
            context.body = new SelfDecodingBody(Promise.resolve(buffer));
            return context;
          })(),
        ),
    };
    try {
      await request(this.apps, { middleware: [middleware], middlewareMergeStrategy: 'append' });
    } catch (error) {
      if (error instanceof ApiException) {
        let message = `HTTP ${error.code}`;
        let reason = '';
        try {
          const status = JSON.parse(raw ?? '') as { message?: string; reason?: string };
          message = status.message ?? message;
          reason = status.reason ?? '';
        } catch {
          // not a Status object: keep the HTTP code
        }
        throw new KubernetesApiError(error.code, reason, message);
      }
      throw error;
    }
    if (raw === undefined) throw new Error('the Kubernetes API answered without a body');
    return JSON.parse(raw) as T;
  }
}

export class KubernetesExecutor implements Executor {
  readonly name = 'kubernetes' as const;
  private api: KubeApi | null = null;
  private loadError: string | null = null;
  private readonly sleep: Sleep;

  constructor(
    private readonly options: KubernetesExecutorOptions,
    private readonly deps: KubernetesExecutorDeps,
  ) {
    this.sleep = deps.sleep ?? realSleep;
  }

  handles(action: RemediationAction): boolean {
    return isK8sAction(action);
  }

  refuse(action: RemediationAction): string | null {
    if (!isK8sAction(action)) return `the Kubernetes executor does not run ${action.kind} actions`;
    if (action.namespace.length > 63 || !DNS_LABEL.test(action.namespace)) {
      return `invalid namespace "${action.namespace}" (RFC 1123 label)`;
    }
    if (action.name.length > 253 || !DNS_SUBDOMAIN.test(action.name)) {
      return `invalid ${DISPLAY[workloadOf(action)]} name "${action.name}" (RFC 1123 subdomain)`;
    }
    if (!this.options.namespaces.some((pattern) => globMatch(pattern, action.namespace))) {
      return `namespace "${action.namespace}" is not in remediation.kubernetes.namespaces (${
        this.options.namespaces.join(', ') || 'none'
      })`;
    }
    if (action.kind === 'raise-limits') {
      if (action.container.length > 63 || !DNS_LABEL.test(action.container)) {
        return `invalid container name "${action.container}" (RFC 1123 label)`;
      }
      if (!action.memory && !action.cpu) return 'raise-limits needs a memory or cpu limit';
    }
    if (action.kind === 'scale' && (!Number.isInteger(action.replicas) || action.replicas < 0)) {
      return 'scale needs a whole number of replicas';
    }
    if (this.client() === null) return this.loadError;
    return null;
  }

  private client(): KubeApi | null {
    if (this.api || this.loadError) return this.api;
    try {
      const config = new KubeConfig();
      const kubeconfig = this.options.kubeconfig
        ? resolve(this.deps.baseDir ?? process.cwd(), this.options.kubeconfig)
        : this.deps.env.KUBECONFIG?.split(delimiter).find((path) => path.length > 0);
      if (kubeconfig) config.loadFromFile(kubeconfig);
      else if (this.deps.env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
      else {
        this.loadError =
          'no Kubernetes credentials: set remediation.kubernetes.kubeconfig or KUBECONFIG, or run the bot in the cluster';
        return null;
      }
      if (this.options.context) config.setCurrentContext(this.options.context);
      if (!config.getCurrentCluster()) {
        this.loadError = `the kubeconfig has no cluster for context "${config.getCurrentContext()}"`;
        return null;
      }
      this.api = new KubeApi(config.makeApiClient(AppsV1Api));
    } catch (error) {
      this.loadError = `cannot load the kubeconfig: ${errorMessage(error)}`;
    }
    return this.api;
  }

  private requireClient(): KubeApi {
    const api = this.client();
    if (!api) throw new Error(this.loadError ?? 'no Kubernetes client');
    return api;
  }

  private get fieldManager(): string {
    return this.options.fieldManager ?? 'aiops-bot';
  }

  // ---- API calls ---------------------------------------------------------------------------------

  private read(kind: WorkloadKind, namespace: string, name: string, signal?: AbortSignal): Promise<Workload> {
    const api = this.requireClient();
    return api.call<Workload>(
      (apps, options) => {
        if (kind === 'deployment') return apps.readNamespacedDeployment({ name, namespace }, options);
        if (kind === 'statefulset') return apps.readNamespacedStatefulSet({ name, namespace }, options);
        return apps.readNamespacedDaemonSet({ name, namespace }, options);
      },
      signal ? { signal } : {},
    );
  }

  private patch(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    body: unknown,
    contentType: string,
    dryRun: boolean,
    signal?: AbortSignal,
  ): Promise<Workload> {
    const api = this.requireClient();
    const request = {
      name,
      namespace,
      body,
      fieldManager: this.fieldManager,
      ...(dryRun ? { dryRun: 'All' } : {}),
    };
    return api.call<Workload>(
      (apps, options) => {
        if (kind === 'deployment') return apps.patchNamespacedDeployment(request, options);
        if (kind === 'statefulset') return apps.patchNamespacedStatefulSet(request, options);
        return apps.patchNamespacedDaemonSet(request, options);
      },
      { contentType, ...(signal ? { signal } : {}) },
    );
  }

  private patchScale(
    namespace: string,
    name: string,
    replicas: number,
    dryRun: boolean,
    signal?: AbortSignal,
  ) {
    const api = this.requireClient();
    return api.call<Scale>(
      (apps, options) =>
        apps.patchNamespacedDeploymentScale(
          {
            name,
            namespace,
            body: { spec: { replicas } },
            fieldManager: this.fieldManager,
            ...(dryRun ? { dryRun: 'All' } : {}),
          },
          options,
        ),
      { contentType: PatchStrategy.MergePatch, ...(signal ? { signal } : {}) },
    );
  }

  private async replicaSets(deployment: Workload, signal?: AbortSignal): Promise<Workload[]> {
    const api = this.requireClient();
    const list = await api.call<WorkloadList>(
      (apps, options) =>
        apps.listNamespacedReplicaSet(
          {
            namespace: deployment.metadata.namespace,
            labelSelector: selectorString(deployment.spec.selector),
          },
          options,
        ),
      signal ? { signal } : {},
    );
    // kubectl's GetAllReplicaSets: only those this deployment controls.
    return list.items.filter((rs) =>
      (rs.metadata.ownerReferences ?? []).some(
        (ref) => ref.controller === true && ref.uid === deployment.metadata.uid,
      ),
    );
  }

  /** kubectl rollback.go `deploymentRevision`: the ReplicaSet for `toRevision`, or the one before the latest. */
  private async targetRevision(deployment: Workload, toRevision: number | undefined, signal?: AbortSignal) {
    const sets = await this.replicaSets(deployment, signal);
    let latest: { rs: Workload; revision: number } | null = null;
    let previous: { rs: Workload; revision: number } | null = null;
    for (const rs of sets) {
      const revision = Number(rs.metadata.annotations?.[REVISION] ?? Number.NaN);
      if (!Number.isInteger(revision)) continue;
      if (toRevision !== undefined) {
        if (revision === toRevision) return { rs, revision };
        continue;
      }
      if (!latest || latest.revision < revision) {
        previous = latest;
        latest = { rs, revision };
      } else if (!previous || previous.revision < revision) {
        previous = { rs, revision };
      }
    }
    if (toRevision !== undefined) {
      throw new KubernetesApiError(
        404,
        'NotFound',
        `unable to find specified revision ${toRevision} in history`,
      );
    }
    if (!previous) {
      throw new KubernetesApiError(
        404,
        'NotFound',
        `no rollout history found for deployment "${deployment.metadata.name}"`,
      );
    }
    return previous;
  }

  // ---- the Executor interface ---------------------------------------------------------------------

  async capture(action: RemediationAction, context: ExecutionContext): Promise<Json> {
    const k8s = this.checked(action);
    const kind = workloadOf(k8s);
    const object = await this.read(kind, k8s.namespace, k8s.name, context.signal);
    return this.beforeOf(k8s, kind, object) as unknown as Json;
  }

  private beforeOf(action: K8sAction, kind: WorkloadKind, object: Workload): KubernetesBefore {
    const before: KubernetesBefore = {
      workload: kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid ?? null,
      generation: object.metadata.generation ?? null,
      revision: object.metadata.annotations?.[REVISION] ?? null,
      replicas: kind === 'daemonset' ? null : (object.spec.replicas ?? 1),
      annotations: object.metadata.annotations ?? {},
      template: object.spec.template,
    };
    if (action.kind === 'raise-limits') {
      const container = object.spec.template.spec?.containers?.find((c) => c.name === action.container);
      before.container = action.container;
      before.resources = container ? (container.resources ?? {}) : null;
    }
    return before;
  }

  async dryRun(action: RemediationAction, context: ExecutionContext): Promise<DryRunResult> {
    const refusal = this.refuse(action);
    if (refusal) return { ok: false, summary: refusal };
    const k8s = action as K8sAction;
    const kind = workloadOf(k8s);
    const target = `${DISPLAY[kind]} ${k8s.namespace}/${k8s.name}`;
    try {
      const current = await this.read(kind, k8s.namespace, k8s.name, context.signal);
      const change = await this.change(k8s, kind, current, true, context);
      if ('skip' in change) return { ok: change.ok, summary: change.skip };
      return {
        ok: true,
        summary: `Server dry run accepted (nothing changed): would ${change.describe}.`,
        detail: boundedOutput(JSON.stringify(change.detail, null, 2)),
      };
    } catch (error) {
      return { ok: false, summary: `dry run of ${k8s.kind} on ${target} failed: ${describeError(error)}` };
    }
  }

  async run(action: RemediationAction, _before: Json, context: ExecutionContext): Promise<RunResult> {
    const refusal = this.refuse(action);
    if (refusal) return { ok: false, summary: refusal };
    const k8s = action as K8sAction;
    const kind = workloadOf(k8s);
    const target = `${DISPLAY[kind]} ${k8s.namespace}/${k8s.name}`;
    const started = this.deps.clock.now().getTime();
    let change: Awaited<ReturnType<KubernetesExecutor['change']>>;
    try {
      const current = await this.read(kind, k8s.namespace, k8s.name, context.signal);
      change = await this.change(k8s, kind, current, false, context);
    } catch (error) {
      return { ok: false, summary: `${k8s.kind} of ${target} failed: ${describeError(error)}` };
    }
    if ('skip' in change) return { ok: change.ok, summary: change.skip };
    return this.follow(k8s, kind, change.done, started, context);
  }

  canRollback(action: RemediationAction): boolean {
    return isK8sAction(action);
  }

  async rollback(action: RemediationAction, before: Json, context: ExecutionContext): Promise<RunResult> {
    const refusal = this.refuse(action);
    if (refusal) return { ok: false, summary: refusal };
    const k8s = action as K8sAction;
    const kind = workloadOf(k8s);
    const target = `${DISPLAY[kind]} ${k8s.namespace}/${k8s.name}`;
    const saved = before as unknown as KubernetesBefore | null;
    if (!saved || typeof saved !== 'object' || saved.name !== k8s.name || saved.namespace !== k8s.namespace) {
      return { ok: false, summary: `no before-state of ${target} was captured; nothing to restore` };
    }
    const started = this.deps.clock.now().getTime();
    let done: string;
    try {
      const current = await this.read(kind, k8s.namespace, k8s.name, context.signal);
      if (saved.uid && current.metadata.uid && saved.uid !== current.metadata.uid) {
        return {
          ok: false,
          summary: `${target} was deleted and re-created since the action ran; the captured state is not restored`,
        };
      }
      done = await this.restore(k8s, kind, saved, current, context);
    } catch (error) {
      return { ok: false, summary: `rollback of ${k8s.kind} on ${target} failed: ${describeError(error)}` };
    }
    return this.follow(k8s, kind, done, started, context);
  }

  // ---- changes -----------------------------------------------------------------------------------

  private checked(action: RemediationAction): K8sAction {
    const refusal = this.refuse(action);
    if (refusal) throw new Error(refusal);
    return action as K8sAction;
  }

  /**
   * Sends the change (or its dry run). Returns what was done for the summary, or `skip` when nothing is
   * sent (a paused deployment, limits already at the value, the template already at the revision).
   */
  private async change(
    action: K8sAction,
    kind: WorkloadKind,
    current: Workload,
    dryRun: boolean,
    context: ExecutionContext,
  ): Promise<{ done: string; describe: string; detail: unknown } | { skip: string; ok: boolean }> {
    const { namespace, name } = action;
    const target = `${DISPLAY[kind]} ${namespace}/${name}`;
    const signal = context.signal;
    switch (action.kind) {
      case 'restart': {
        if (kind === 'deployment' && current.spec.paused) {
          return {
            skip: `can't restart paused deployment ${namespace}/${name} (run rollout resume first)`,
            ok: false,
          };
        }
        const at = rfc3339(this.deps.clock.now());
        const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
        const result = await this.patch(
          kind,
          namespace,
          name,
          body,
          PatchStrategy.StrategicMergePatch,
          dryRun,
          signal,
        );
        const replicas = kind === 'daemonset' ? 'every pod' : `${current.spec.replicas ?? 1} replicas`;
        return {
          done: `restarted ${target}`,
          describe: `restart ${target} (${replicas} replaced by a rolling update; ${RESTARTED_AT}=${at})`,
          detail: {
            patch: body,
            generation: {
              before: current.metadata.generation ?? null,
              after: result.metadata.generation ?? null,
            },
          },
        };
      }
      case 'scale': {
        const from = current.spec.replicas ?? 1;
        if (from === action.replicas) {
          return {
            skip: `deployment ${namespace}/${name} already has ${from} replicas; nothing to change`,
            ok: true,
          };
        }
        const result = await this.patchScale(namespace, name, action.replicas, dryRun, signal);
        return {
          done: `scaled ${target} from ${from} to ${result.spec?.replicas ?? action.replicas} replicas`,
          describe: `scale ${target} from ${from} to ${result.spec?.replicas ?? action.replicas} replicas`,
          detail: { patch: { spec: { replicas: action.replicas } }, scale: result as unknown },
        };
      }
      case 'rollback-deployment': {
        if (current.spec.paused) {
          return {
            skip: `you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`,
            ok: false,
          };
        }
        const { rs, revision } = await this.targetRevision(current, action.toRevision, signal);
        const from = current.metadata.annotations?.[REVISION] ?? '?';
        if (stable(withoutHash(rs.spec.template)) === stable(withoutHash(current.spec.template))) {
          return {
            skip: `skipped rollback of deployment ${namespace}/${name} (current template already matches revision ${revision})`,
            ok: true,
          };
        }
        const patch = undoPatch(
          rs.spec.template,
          current.metadata.annotations ?? {},
          rs.metadata.annotations ?? {},
        );
        await this.patch(kind, namespace, name, patch, PatchStrategy.JsonPatch, dryRun, signal);
        const change = `images ${images(current.spec.template)} → ${images(rs.spec.template)}`;
        return {
          done: `rolled back ${target} from revision ${from} to revision ${revision} (${change})`,
          describe: `roll back ${target} from revision ${from} to revision ${revision} (${change})`,
          detail: { patch },
        };
      }
      case 'raise-limits': {
        if (current.spec.paused) {
          return {
            skip: `deployment ${namespace}/${name} is paused; a new limit would not roll out`,
            ok: false,
          };
        }
        const container = current.spec.template.spec?.containers?.find((c) => c.name === action.container);
        if (!container) {
          const names = (current.spec.template.spec?.containers ?? []).map((c) => c.name).join(', ');
          return {
            skip: `deployment ${namespace}/${name} has no container "${action.container}" (it has: ${names})`,
            ok: false,
          };
        }
        const limits: Record<string, string> = {};
        const changes: string[] = [];
        for (const resource of ['memory', 'cpu'] as const) {
          const wanted = action[resource];
          if (!wanted) continue;
          const present = container.resources?.limits?.[resource];
          const presentValue = present ? parseQuantity(present) : null;
          const wantedValue = parseQuantity(wanted);
          if (present && presentValue !== null && wantedValue !== null && wantedValue < presentValue) {
            return {
              skip: `would lower the ${resource} limit of container ${action.container} from ${present} to ${wanted}; raise-limits only raises`,
              ok: false,
            };
          }
          if (present && presentValue !== null && wantedValue === presentValue) continue;
          limits[resource] = wanted;
          changes.push(`${resource} ${present ?? 'unlimited'} → ${wanted}`);
        }
        if (changes.length === 0) {
          return {
            skip: `container ${action.container} already has these limits; nothing to change`,
            ok: true,
          };
        }
        const body = {
          spec: { template: { spec: { containers: [{ name: action.container, resources: { limits } }] } } },
        };
        const result = await this.patch(
          kind,
          namespace,
          name,
          body,
          PatchStrategy.StrategicMergePatch,
          dryRun,
          signal,
        );
        const after = result.spec.template.spec?.containers?.find((c) => c.name === action.container);
        return {
          done: `raised the limits of container ${action.container} in ${target} (${changes.join(', ')})`,
          describe: `raise the limits of container ${action.container} in ${target} (${changes.join(', ')})`,
          detail: {
            patch: body,
            resources: { before: container.resources ?? {}, after: after?.resources ?? {} },
          },
        };
      }
    }
  }

  /** Sends the narrowest patch that puts back what `capture` saw. */
  private async restore(
    action: K8sAction,
    kind: WorkloadKind,
    saved: KubernetesBefore,
    current: Workload,
    context: ExecutionContext,
  ): Promise<string> {
    const { namespace, name } = action;
    const target = `${DISPLAY[kind]} ${namespace}/${name}`;
    const signal = context.signal;
    if (kind === 'deployment' && current.spec.paused && action.kind !== 'scale') {
      throw new Error(
        `deployment ${namespace}/${name} is paused: a restored template would not roll out (run rollout resume first)`,
      );
    }
    switch (action.kind) {
      case 'restart': {
        const annotations = current.spec.template.metadata?.annotations;
        const previous = saved.template.metadata?.annotations?.[RESTARTED_AT];
        const has = annotations?.[RESTARTED_AT] !== undefined;
        const map = '/spec/template/metadata/annotations';
        const path = `${map}/${pointer(RESTARTED_AT)}`;
        let patch: unknown[];
        if (previous !== undefined) {
          patch = annotations
            ? [{ op: has ? 'replace' : 'add', path, value: previous }]
            : [{ op: 'add', path: map, value: { [RESTARTED_AT]: previous } }];
        } else if (!has) {
          return `${target} already has the pod template it had before the restart`;
        } else if (Object.keys(annotations ?? {}).length === 1 && !saved.template.metadata?.annotations) {
          patch = [{ op: 'remove', path: map }];
        } else {
          patch = [{ op: 'remove', path }];
        }
        await this.patch(kind, namespace, name, patch, PatchStrategy.JsonPatch, false, signal);
        return `restored the pod template of ${target} as before the restart (${RESTARTED_AT} ${previous ?? 'removed'}; pods are replaced again)`;
      }
      case 'scale': {
        if (saved.replicas === null) throw new Error('the captured state has no replica count');
        await this.patchScale(namespace, name, saved.replicas, false, signal);
        return `scaled ${target} back to ${saved.replicas} replicas`;
      }
      case 'rollback-deployment': {
        const patch = undoPatch(saved.template, current.metadata.annotations ?? {}, saved.annotations);
        await this.patch(kind, namespace, name, patch, PatchStrategy.JsonPatch, false, signal);
        return `restored ${target} to its template before the rollback (revision ${saved.revision ?? '?'}, images ${images(saved.template)})`;
      }
      case 'raise-limits': {
        const containers = current.spec.template.spec?.containers ?? [];
        const index = containers.findIndex((c) => c.name === action.container);
        if (index < 0)
          throw new Error(`deployment ${namespace}/${name} no longer has a container "${action.container}"`);
        const base = `/spec/template/spec/containers/${index}`;
        const patch = [
          { op: 'test', path: `${base}/name`, value: action.container },
          { op: 'add', path: `${base}/resources`, value: saved.resources ?? {} },
        ];
        await this.patch(kind, namespace, name, patch, PatchStrategy.JsonPatch, false, signal);
        const limits = Object.entries(saved.resources?.limits ?? {})
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        return `restored the resources of container ${action.container} in ${target} (limits ${limits || 'none'})`;
      }
    }
  }

  /** Follows the rollout like `kubectl rollout status`, bounded; the result says how it ended. */
  private async follow(
    action: K8sAction,
    kind: WorkloadKind,
    done: string,
    started: number,
    context: ExecutionContext,
  ): Promise<RunResult> {
    const timeoutSeconds = this.options.rolloutTimeoutSeconds ?? 120;
    const pollMs = (this.options.rolloutPollSeconds ?? 2) * 1000;
    const deadline = started + timeoutSeconds * 1000;
    const lines: string[] = [];
    let last: RolloutState | null = null;
    let object: Workload | null = null;
    const elapsed = () => this.deps.clock.now().getTime() - started;
    const result = (ok: boolean, summary: string): RunResult => ({
      ok,
      summary,
      output: boundedOutput(lines.join('\n')),
      ...(object ? { after: this.beforeOf(action, kind, object) as unknown as Json } : {}),
    });
    for (;;) {
      let state: RolloutState | null = null;
      try {
        object = await this.read(kind, action.namespace, action.name, context.signal);
        state = rolloutState(kind, object);
      } catch (error) {
        if (context.signal.aborted) {
          return result(
            false,
            `${done}; stopped following the rollout (${describeError(context.signal.reason)})`,
          );
        }
        // Deleted, or no right to read it: waiting will not help. Anything else (a 5xx, a dropped
        // connection, an API server restarting) is retried until the deadline.
        if (error instanceof KubernetesApiError && [401, 403, 404].includes(error.status)) {
          return result(false, `${done}, but its rollout status could not be read: ${describeError(error)}`);
        }
        lines.push(
          `[${formatDuration(elapsed())}] could not read the rollout status: ${describeError(error)}`,
        );
        if (this.deps.clock.now().getTime() >= deadline) {
          return result(
            false,
            `${done}, but its rollout status could not be read for ${timeoutSeconds} s: ${describeError(error)}`,
          );
        }
      }
      if (state) {
        if (state.message !== last?.message) lines.push(`[${formatDuration(elapsed())}] ${state.message}`);
        last = state;
        if (state.failed) return result(false, `${done}, but ${state.failed} (${state.counts})`);
        if (state.done) return result(true, `${done}: ${state.counts} in ${formatDuration(elapsed())}`);
      }
      const counts = last?.counts ?? 'status unknown';
      const now = this.deps.clock.now().getTime();
      if (now >= deadline) {
        return result(false, `${done}, but the rollout did not finish in ${timeoutSeconds} s (${counts})`);
      }
      try {
        await this.sleep(Math.min(pollMs, deadline - now), context.signal);
      } catch {
        return result(
          false,
          `${done}; stopped following the rollout after ${formatDuration(elapsed())} (${describeError(context.signal.reason)}; ${counts})`,
        );
      }
    }
  }
}

/** kubectl rollback.go `getDeploymentPatch`, with the annotations it computes. */
function undoPatch(
  template: PodTemplate,
  deploymentAnnotations: Record<string, string>,
  sourceAnnotations: Record<string, string>,
): unknown[] {
  const annotations: Record<string, string> = {};
  for (const key of ANNOTATIONS_TO_SKIP) {
    const value = deploymentAnnotations[key];
    if (value !== undefined) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(sourceAnnotations)) {
    if (!ANNOTATIONS_TO_SKIP.has(key)) annotations[key] = value;
  }
  return [
    { op: 'replace', path: '/spec/template', value: withoutHash(template) },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}

function describeError(error: unknown): string {
  if (error instanceof KubernetesApiError) {
    if (error.status === 403) return `forbidden by RBAC: ${boundedOutput(error.message, 500)}`;
    return boundedOutput(error.message, 500);
  }
  return boundedOutput(errorMessage(error), 500);
}
