/**
 * A small fake of the Kubernetes API server, spoken over plain HTTP on 127.0.0.1 and reached by the real
 * `@kubernetes/client-node` through a real kubeconfig file (`writeKubeconfig`). It keeps plain JSON
 * objects in the real `apps/v1` and `v1` shapes and answers like the API server does:
 *
 * - GET / LIST (labelSelector, fieldSelector `metadata.name=`) for any stored resource: deployments,
 *   replicasets, statefulsets, daemonsets, jobs (batch/v1), pods, events…, and cluster-scoped nodes (stored
 *   with namespace ''); `GET …/pods/NAME/log` returns `setLog` text (per container, `previous=true` for
 *   the crashed instance, with the API server's 400 when there is none; `tailLines` and `limitBytes` honoured);
 * - PATCH with the three patch types (`application/json-patch+json` with add/remove/replace/test,
 *   `application/merge-patch+json`, `application/strategic-merge-patch+json` with merge keys for
 *   containers, env, ports, volumes), `dryRun=All` (answered, not stored), `metadata.generation` bumped
 *   on a spec change, `Status` errors (404 NotFound, 409 Conflict on a failed `test`, 422 Invalid, 401);
 * - the `deployments/NAME/scale` subresource (GET, PATCH, PUT) in `autoscaling/v1` Scale shape;
 * - a Deployment controller: a template change creates (or re-labels, as on `rollout undo`) the
 *   ReplicaSet for it with the next `deployment.kubernetes.io/revision`, and status then progresses one
 *   step per read of the deployment (`rollout` = 'progress', 'stuck', 'deadline-exceeded'), so a test
 *   never waits on a timer;
 * - every request recorded (method, path, query, content type, parsed body) for exact assertions, and
 *   `onRequest` to observe or fail requests (count patches, simulate an outage).
 */
import { createHash, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: fake API objects are free-form JSON, as on the wire
export type KubeObject = Record<string, any>;

export interface KubeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

export type RolloutMode = 'progress' | 'stuck' | 'deadline-exceeded';

export interface KubeFake {
  url: string;
  token: string;
  requests: KubeRequest[];
  /** Requests that changed (or, with dryRun, would change) something. */
  patches(): KubeRequest[];
  /** Called before each request is answered; return a [status, body] pair to answer that instead. */
  onRequest: ((request: KubeRequest) => [number, unknown] | undefined) | null;
  /** How a Deployment's status progresses after a template or replicas change. */
  rollout: RolloutMode;
  /** Reads of a deployment needed per rollout step (default 1). */
  stepsPerRead: number;
  put(object: KubeObject): KubeObject;
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
  list(resource: string, namespace: string): KubeObject[];
  remove(resource: string, namespace: string, name: string): void;
  /**
   * The log of a pod (any container), or of one `container`; `previous` is the log of its previous instance.
   * A `previous=true` request for which no previous log was set gets the real server's 400.
   */
  setLog(
    namespace: string,
    pod: string,
    text: string,
    options?: { container?: string; previous?: boolean },
  ): void;
  /** Adds a Deployment, rolled out and available, with its current ReplicaSet (revision 1, or `revision`). */
  addDeployment(options: DeploymentOptions): KubeObject;
  /** Changes a Deployment's template as `kubectl set image` would (a new ReplicaSet/revision, settled). */
  setImage(namespace: string, name: string, container: string, image: string): KubeObject;
  addStatefulSet(options: WorkloadOptions): KubeObject;
  addDaemonSet(options: WorkloadOptions): KubeObject;
  /** Marks every rollout as finished (status matches spec). */
  settle(namespace: string, name: string): void;
  writeKubeconfig(dir: string, options?: { namespace?: string }): Promise<string>;
  reset(): void;
  close(): Promise<void>;
}

export interface WorkloadOptions {
  namespace: string;
  name: string;
  replicas?: number;
  image?: string;
  containers?: KubeObject[];
  labels?: Record<string, string>;
}

export interface DeploymentOptions extends WorkloadOptions {
  paused?: boolean;
  annotations?: Record<string, string>;
}

const RESOURCES: Record<string, { group: string; kind: string; apiVersion: string }> = {
  deployments: { group: 'apps/v1', kind: 'Deployment', apiVersion: 'apps/v1' },
  replicasets: { group: 'apps/v1', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  statefulsets: { group: 'apps/v1', kind: 'StatefulSet', apiVersion: 'apps/v1' },
  daemonsets: { group: 'apps/v1', kind: 'DaemonSet', apiVersion: 'apps/v1' },
  controllerrevisions: { group: 'apps/v1', kind: 'ControllerRevision', apiVersion: 'apps/v1' },
  pods: { group: 'v1', kind: 'Pod', apiVersion: 'v1' },
  events: { group: 'v1', kind: 'Event', apiVersion: 'v1' },
  services: { group: 'v1', kind: 'Service', apiVersion: 'v1' },
  configmaps: { group: 'v1', kind: 'ConfigMap', apiVersion: 'v1' },
  nodes: { group: 'v1', kind: 'Node', apiVersion: 'v1' },
  jobs: { group: 'batch/v1', kind: 'Job', apiVersion: 'batch/v1' },
};
const RESOURCE_BY_KIND = new Map(Object.entries(RESOURCES).map(([resource, info]) => [info.kind, resource]));

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';

const clone = <T>(value: T): T => structuredClone(value);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

function statusBody(code: number, reason: string, message: string): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function templateHash(template: unknown): string {
  const copy = clone(template) as KubeObject;
  if (copy?.metadata?.labels) delete copy.metadata.labels[HASH];
  return createHash('sha256').update(stableJson(copy)).digest('hex').slice(0, 10);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as KubeObject)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// ---- label selectors -------------------------------------------------------------------------------

function parseSelector(selector: string): ((labels: Record<string, string>) => boolean)[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) terms.push(current);
  return terms.map((raw) => {
    const term = raw.trim();
    const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const [, key = '', op, values = ''] = set;
      const allowed = values.split(',').map((v) => v.trim());
      return (labels) =>
        op === 'in' ? allowed.includes(labels[key] ?? '\0') : !allowed.includes(labels[key] ?? '\0');
    }
    const notEqual = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(term);
    if (notEqual) return (labels) => labels[notEqual[1] ?? ''] !== notEqual[2];
    const equal = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(term);
    if (equal) return (labels) => labels[equal[1] ?? ''] === equal[2];
    if (term.startsWith('!')) return (labels) => !(term.slice(1) in labels);
    return (labels) => term in labels;
  });
}

function matchesSelector(object: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = (object.metadata?.labels ?? {}) as Record<string, string>;
  return parseSelector(selector).every((test) => test(labels));
}

function matchesFieldSelector(object: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [path = '', value = ''] = term.split('=');
    let node: unknown = object;
    for (const part of path.split('.')) node = (node as KubeObject | undefined)?.[part];
    return String(node ?? '') === value;
  });
}

// ---- patches --------------------------------------------------------------------------------------

function unescapePointer(part: string): string {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}

function applyJsonPatch(target: KubeObject, operations: unknown): KubeObject {
  if (!Array.isArray(operations)) throw new HttpError(400, 'BadRequest', 'json patch must be an array');
  const doc = clone(target);
  for (const op of operations as KubeObject[]) {
    const parts = String(op.path ?? '')
      .split('/')
      .slice(1)
      .map(unescapePointer);
    const last = parts.pop();
    if (last === undefined) throw new HttpError(422, 'Invalid', 'json patch path must not be empty');
    let parent: KubeObject = doc;
    for (const part of parts) {
      const next = Array.isArray(parent) ? parent[Number(part)] : parent[part];
      if (next === undefined || next === null || typeof next !== 'object') {
        throw new HttpError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: missing path ${op.path}`,
        );
      }
      parent = next;
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : Object.hasOwn(parent, last);
    switch (op.op) {
      case 'test':
        if (!exists || stableJson(parent[last]) !== stableJson(op.value)) {
          throw new HttpError(
            409,
            'Conflict',
            `the server rejected our request due to an error in our request: testing value ${op.path} failed`,
          );
        }
        break;
      case 'remove':
        if (!exists) throw new HttpError(422, 'Invalid', `unable to remove nonexistent key: ${last}`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'replace':
        if (!exists)
          throw new HttpError(
            422,
            'Invalid',
            `replace operation does not apply: doc is missing key: ${op.path}`,
          );
        parent[last] = clone(op.value);
        break;
      case 'add':
        if (Array.isArray(parent)) {
          if (last === '-') parent.push(clone(op.value));
          else parent.splice(Number(last), 0, clone(op.value));
        } else parent[last] = clone(op.value);
        break;
      default:
        throw new HttpError(422, 'Invalid', `unsupported json patch op ${String(op.op)}`);
    }
  }
  return doc;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: KubeObject =
    target && typeof target === 'object' && !Array.isArray(target) ? clone(target as KubeObject) : {};
  for (const [key, value] of Object.entries(patch as KubeObject)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** Merge keys of the lists a remediation touches (the real server reads them from the OpenAPI schema). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  tolerations: 'key',
};

function strategicMerge(target: unknown, patch: unknown, listKey?: string): unknown {
  if (Array.isArray(patch)) {
    const mergeKey = listKey ? MERGE_KEYS[listKey] : undefined;
    if (!mergeKey || !Array.isArray(target)) return clone(patch);
    const out = clone(target) as KubeObject[];
    for (const item of patch as KubeObject[]) {
      const index = out.findIndex((existing) => existing[mergeKey] === item[mergeKey]);
      if (item.$patch === 'delete') {
        if (index >= 0) out.splice(index, 1);
      } else if (index >= 0) out[index] = strategicMerge(out[index], item) as KubeObject;
      else out.push(clone(item));
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object') return clone(patch);
  const patchObject = patch as KubeObject;
  if (patchObject.$patch === 'replace') {
    const { $patch: _, ...rest } = patchObject;
    return clone(rest);
  }
  const out: KubeObject =
    target && typeof target === 'object' && !Array.isArray(target) ? clone(target as KubeObject) : {};
  for (const [key, value] of Object.entries(patchObject)) {
    if (value === null) delete out[key];
    else out[key] = strategicMerge(out[key], value, key);
  }
  return out;
}

// ---- the fake -------------------------------------------------------------------------------------

export async function startKubeFake(options: { token?: string } = {}): Promise<KubeFake> {
  const token = options.token ?? `fake-token-${randomUUID()}`;
  const store = new Map<string, KubeObject>();
  const logs = new Map<string, string>();
  const rolloutReads = new Map<string, number>();
  let resourceVersion = 1000;

  const key = (resource: string, namespace: string, name: string) => `${resource}/${namespace}/${name}`;
  const nextVersion = () => String(++resourceVersion);

  const stamp = (object: KubeObject): KubeObject => {
    object.metadata ??= {};
    object.metadata.uid ??= randomUUID();
    object.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
    object.metadata.generation ??= 1;
    object.metadata.resourceVersion = nextVersion();
    return object;
  };

  const put = (object: KubeObject): KubeObject => {
    const resource = RESOURCE_BY_KIND.get(object.kind);
    if (!resource) throw new Error(`kube-fake: unknown kind ${object.kind}`);
    const copy = stamp(clone(object));
    store.set(key(resource, copy.metadata.namespace ?? '', copy.metadata.name), copy);
    return clone(copy);
  };

  const ownedReplicaSets = (deployment: KubeObject): KubeObject[] =>
    [...store.entries()]
      .filter(([k]) => k.startsWith(`replicasets/${deployment.metadata.namespace}/`))
      .map(([, rs]) => rs)
      .filter((rs) =>
        (rs.metadata.ownerReferences ?? []).some(
          (ref: KubeObject) => ref.uid === deployment.metadata.uid && ref.controller,
        ),
      );

  const maxRevision = (deployment: KubeObject): number =>
    Math.max(
      0,
      ...ownedReplicaSets(deployment).map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)),
    );

  /** The Deployment controller's reaction to a stored change: the ReplicaSet for the current template. */
  const syncReplicaSet = (deployment: KubeObject): void => {
    const hash = templateHash(deployment.spec.template);
    const owned = ownedReplicaSets(deployment);
    let current = owned.find((rs) => rs.metadata.labels?.[HASH] === hash);
    const max = maxRevision(deployment);
    const revision = String(
      current && current.metadata.annotations?.[REVISION] === String(max) ? max : max + 1,
    );
    if (!current) {
      const template = clone(deployment.spec.template);
      template.metadata ??= {};
      template.metadata.labels = { ...(template.metadata.labels ?? {}), [HASH]: hash };
      current = stamp({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${deployment.metadata.name}-${hash}`,
          namespace: deployment.metadata.namespace,
          labels: { ...(deployment.spec.selector?.matchLabels ?? {}), [HASH]: hash },
          annotations: {},
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: deployment.metadata.name,
              uid: deployment.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          replicas: deployment.spec.replicas ?? 1,
          selector: { matchLabels: { ...(deployment.spec.selector?.matchLabels ?? {}), [HASH]: hash } },
          template,
        },
        status: { replicas: 0 },
      });
    }
    current.metadata.annotations = {
      ...(current.metadata.annotations ?? {}),
      [REVISION]: revision,
      'deployment.kubernetes.io/desired-replicas': String(deployment.spec.replicas ?? 1),
    };
    store.set(key('replicasets', current.metadata.namespace, current.metadata.name), current);
    deployment.metadata.annotations = { ...(deployment.metadata.annotations ?? {}), [REVISION]: revision };
  };

  /** Start a rollout: status as the controller reports right after observing the new generation. */
  const startRollout = (deployment: KubeObject, templateChanged: boolean): void => {
    const replicas = deployment.spec.replicas ?? 1;
    const previous = deployment.status ?? {};
    deployment.status = {
      observedGeneration: deployment.metadata.generation,
      replicas: Math.max(replicas, previous.replicas ?? 0),
      updatedReplicas: templateChanged ? 0 : Math.min(previous.updatedReplicas ?? 0, replicas),
      readyReplicas: Math.min(previous.readyReplicas ?? 0, replicas),
      availableReplicas: Math.min(previous.availableReplicas ?? 0, replicas),
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
    };
    rolloutReads.set(key('deployments', deployment.metadata.namespace, deployment.metadata.name), 0);
  };

  /** One step of progress per `stepsPerRead` reads: one more replica updated and available. */
  const progress = (deployment: KubeObject): void => {
    const k = key('deployments', deployment.metadata.namespace, deployment.metadata.name);
    const reads = rolloutReads.get(k);
    if (reads === undefined) return;
    rolloutReads.set(k, reads + 1);
    if ((reads + 1) % fake.stepsPerRead !== 0) return;
    const replicas = deployment.spec.replicas ?? 1;
    const status = deployment.status;
    if (fake.rollout === 'deadline-exceeded') {
      status.conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }];
      return;
    }
    const cap = fake.rollout === 'stuck' ? Math.max(0, replicas - 1) : replicas;
    status.updatedReplicas = Math.min(cap, (status.updatedReplicas ?? 0) + 1, replicas);
    status.availableReplicas = status.updatedReplicas;
    status.readyReplicas = status.updatedReplicas;
    status.replicas =
      status.updatedReplicas >= replicas ? replicas : Math.max(replicas, status.replicas ?? 0);
    if (status.updatedReplicas >= replicas) {
      status.unavailableReplicas = 0;
      status.conditions = [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }];
      rolloutReads.delete(k);
    }
  };

  const settle = (namespace: string, name: string): void => {
    const deployment = store.get(key('deployments', namespace, name));
    if (!deployment) return;
    const replicas = deployment.spec.replicas ?? 1;
    deployment.status = {
      observedGeneration: deployment.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    };
    rolloutReads.delete(key('deployments', namespace, name));
  };

  const workloadSpec = (o: WorkloadOptions) => {
    const labels = o.labels ?? { app: o.name };
    return {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: o.containers ?? [
            {
              name: o.name,
              image: o.image ?? `registry.example.com/${o.name}:1.0.0`,
              resources: {
                limits: { memory: '256Mi', cpu: '500m' },
                requests: { memory: '128Mi', cpu: '100m' },
              },
            },
          ],
        },
      },
    };
  };

  const changeSpec = (resource: string, before: KubeObject | undefined, after: KubeObject): void => {
    if (before && stableJson(before.spec) !== stableJson(after.spec)) {
      after.metadata.generation = (before.metadata.generation ?? 1) + 1;
      if (resource === 'deployments') {
        const templateChanged = stableJson(before.spec.template) !== stableJson(after.spec.template);
        if (templateChanged) syncReplicaSet(after);
        if (!after.spec.paused) startRollout(after, templateChanged);
      }
      if (resource === 'statefulsets' || resource === 'daemonsets') {
        // No controller for these: the rollout is done by the next read (DaemonSets keep their node count).
        const replicas = after.spec.replicas ?? before.status?.desiredNumberScheduled ?? 1;
        after.status = {
          ...(after.status ?? {}),
          observedGeneration: after.metadata.generation,
          replicas,
          readyReplicas: replicas,
          updatedReplicas: replicas,
          currentReplicas: replicas,
          desiredNumberScheduled: replicas,
          updatedNumberScheduled: replicas,
          numberAvailable: replicas,
          numberReady: replicas,
        };
      }
    }
  };

  const fake: KubeFake = {
    url: '',
    token,
    requests: [],
    patches: () =>
      fake.requests.filter((r) => r.method === 'PATCH' || r.method === 'PUT' || r.method === 'POST'),
    onRequest: null,
    rollout: 'progress',
    stepsPerRead: 1,
    put,
    get: (resource, namespace, name) => {
      const object = store.get(key(resource, namespace, name));
      return object ? clone(object) : undefined;
    },
    list: (resource, namespace) =>
      [...store.entries()]
        .filter(([k]) => k.startsWith(`${resource}/${namespace}/`))
        .map(([, o]) => clone(o)),
    remove: (resource, namespace, name) => {
      store.delete(key(resource, namespace, name));
    },
    setLog: (namespace, pod, text, logOptions = {}) => {
      const which = `${logOptions.container ?? '*'}/${logOptions.previous ? 'previous' : 'current'}`;
      logs.set(`${namespace}/${pod}/${which}`, text);
    },
    addDeployment: (o) => {
      const deployment = stamp({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: o.name,
          namespace: o.namespace,
          labels: o.labels ?? { app: o.name },
          annotations: { ...(o.annotations ?? {}) },
        },
        spec: {
          ...workloadSpec(o),
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
          revisionHistoryLimit: 10,
          progressDeadlineSeconds: 600,
          ...(o.paused ? { paused: true } : {}),
        },
        status: {},
      });
      store.set(key('deployments', o.namespace, o.name), deployment);
      syncReplicaSet(deployment);
      settle(o.namespace, o.name);
      return clone(deployment);
    },
    setImage: (namespace, name, container, image) => {
      const deployment = store.get(key('deployments', namespace, name));
      if (!deployment) throw new Error(`kube-fake: no deployment ${namespace}/${name}`);
      const before = clone(deployment);
      const target = deployment.spec.template.spec.containers.find((c: KubeObject) => c.name === container);
      target.image = image;
      deployment.metadata.resourceVersion = nextVersion();
      changeSpec('deployments', before, deployment);
      settle(namespace, name);
      return clone(deployment);
    },
    addStatefulSet: (o) => {
      const replicas = o.replicas ?? 3;
      return put({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: o.name, namespace: o.namespace, labels: o.labels ?? { app: o.name } },
        spec: { ...workloadSpec(o), serviceName: o.name, updateStrategy: { type: 'RollingUpdate' } },
        status: {
          observedGeneration: 1,
          replicas,
          readyReplicas: replicas,
          updatedReplicas: replicas,
          currentReplicas: replicas,
          currentRevision: `${o.name}-1`,
          updateRevision: `${o.name}-1`,
        },
      });
    },
    addDaemonSet: (o) => {
      const spec = workloadSpec(o);
      const { replicas: _, ...rest } = spec;
      const scheduled = o.replicas ?? 3;
      return put({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: o.name, namespace: o.namespace, labels: o.labels ?? { app: o.name } },
        spec: { ...rest, updateStrategy: { type: 'RollingUpdate' } },
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: scheduled,
          currentNumberScheduled: scheduled,
          updatedNumberScheduled: scheduled,
          numberAvailable: scheduled,
          numberReady: scheduled,
        },
      });
    },
    settle,
    async writeKubeconfig(dir, kubeconfigOptions = {}) {
      const path = join(dir, 'kubeconfig');
      const namespace = kubeconfigOptions.namespace ? `\n    namespace: ${kubeconfigOptions.namespace}` : '';
      await writeFile(
        path,
        `apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster:
      server: ${fake.url}
      insecure-skip-tls-verify: true
users:
  - name: aiops-bot
    user:
      token: ${token}
contexts:
  - name: fake
    context:
      cluster: fake
      user: aiops-bot${namespace}
current-context: fake
`,
        { mode: 0o600 },
      );
      return path;
    },
    reset() {
      store.clear();
      logs.clear();
      rolloutReads.clear();
      fake.requests.length = 0;
      fake.onRequest = null;
      fake.rollout = 'progress';
      fake.stepsPerRead = 1;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const handle = (request: KubeRequest, res: ServerResponse): void => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (request.authorization !== `Bearer ${token}`) {
      send(401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const override = fake.onRequest?.(request);
    if (override) {
      send(override[0], override[1]);
      return;
    }
    const clusterScoped = /^\/api\/v1\/(nodes)(?:\/([^/]+))?$/.exec(request.path);
    const match = clusterScoped
      ? ['', '', clusterScoped[1], clusterScoped[2], undefined]
      : /^\/(?:api\/v1|apis\/(?:apps|batch)\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?(?:\/(scale|status|log))?$/.exec(
          request.path,
        );
    if (!match) {
      send(
        404,
        statusBody(404, 'NotFound', `the server could not find the requested resource (${request.path})`),
      );
      return;
    }
    const [, namespace = '', resource = '', name, sub] = match;
    const info = RESOURCES[resource];
    if (!info || !request.path.startsWith(info.group === 'v1' ? '/api/v1/' : `/apis/${info.group}/`)) {
      send(404, statusBody(404, 'NotFound', `the server could not find the requested resource`));
      return;
    }
    if (!name) {
      if (request.method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'method not allowed');
      const items = fake
        .list(resource, namespace)
        .filter((o) => matchesSelector(o, request.query.labelSelector))
        .filter((o) => matchesFieldSelector(o, request.query.fieldSelector));
      send(200, {
        apiVersion: info.apiVersion,
        kind: `${info.kind}List`,
        metadata: { resourceVersion: String(resourceVersion) },
        items,
      });
      return;
    }
    const k = key(resource, namespace, name);
    const stored = store.get(k);
    if (sub === 'log') {
      const prefix = `${namespace}/${name}/`;
      if (!stored && ![...logs.keys()].some((k) => k.startsWith(prefix))) {
        throw new HttpError(404, 'NotFound', `pods "${name}" not found`);
      }
      const container = request.query.container ?? stored?.spec?.containers?.[0]?.name ?? '';
      const previous = request.query.previous === 'true';
      const which = previous ? 'previous' : 'current';
      let text = logs.get(`${prefix}${container}/${which}`) ?? logs.get(`${prefix}*/${which}`);
      if (text === undefined) {
        if (previous) {
          throw new HttpError(
            400,
            'BadRequest',
            `previous terminated container "${container}" in pod "${name}" not found`,
          );
        }
        text = '';
      }
      const tailLines = request.query.tailLines ? Number(request.query.tailLines) : undefined;
      if (tailLines !== undefined) {
        const lines = text.split('\n');
        const trailing = lines.at(-1) === '' ? lines.pop() : undefined;
        text = lines.slice(-tailLines).join('\n') + (trailing !== undefined ? '\n' : '');
      }
      const limitBytes = request.query.limitBytes ? Number(request.query.limitBytes) : undefined;
      if (limitBytes !== undefined) text = Buffer.from(text).subarray(0, limitBytes).toString('utf8');
      send(200, text, 'text/plain');
      return;
    }
    if (!stored)
      throw new HttpError(
        404,
        'NotFound',
        `${resource}.${info.group === 'v1' ? '' : 'apps'} "${name}" not found`.replace('. "', ' "'),
      );
    const dryRun = request.query.dryRun === 'All';
    if (request.query.dryRun !== undefined && !dryRun) {
      throw new HttpError(400, 'BadRequest', `unsupported dry run value: ${request.query.dryRun}`);
    }

    if (sub === 'scale') {
      if (resource !== 'deployments' && resource !== 'statefulsets' && resource !== 'replicasets') {
        throw new HttpError(404, 'NotFound', 'no scale subresource');
      }
      const scaleOf = (object: KubeObject) => ({
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: {
          name: object.metadata.name,
          namespace: object.metadata.namespace,
          uid: object.metadata.uid,
          resourceVersion: object.metadata.resourceVersion,
          creationTimestamp: object.metadata.creationTimestamp,
        },
        spec: { replicas: object.spec.replicas ?? 1 },
        status: {
          replicas: object.status?.replicas ?? 0,
          selector: Object.entries(object.spec.selector?.matchLabels ?? {})
            .map(([a, b]) => `${a}=${b}`)
            .join(','),
        },
      });
      if (request.method === 'GET') {
        send(200, scaleOf(stored));
        return;
      }
      let scale: KubeObject = scaleOf(stored);
      if (request.method === 'PUT') scale = clone(request.body as KubeObject);
      else scale = patchWith(scale, request) as KubeObject;
      const replicas = scale.spec?.replicas;
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new HttpError(
          422,
          'Invalid',
          `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value`,
        );
      }
      const after = clone(stored);
      after.spec.replicas = replicas;
      if (!dryRun) {
        after.metadata.resourceVersion = nextVersion();
        changeSpec(resource, stored, after);
        store.set(k, after);
      }
      send(200, scaleOf(after));
      return;
    }

    if (request.method === 'GET') {
      if (resource === 'deployments') progress(stored);
      send(200, clone(stored));
      return;
    }
    if (request.method !== 'PATCH') throw new HttpError(405, 'MethodNotAllowed', 'method not allowed');
    const patched = patchWith(stored, request) as KubeObject;
    if (patched.metadata?.name !== stored.metadata.name || patched.metadata?.uid !== stored.metadata.uid) {
      throw new HttpError(422, 'Invalid', 'metadata.name and metadata.uid are immutable');
    }
    validate(resource, patched);
    const after = clone(patched);
    after.metadata.resourceVersion = dryRun ? stored.metadata.resourceVersion : nextVersion();
    if (dryRun) {
      if (stableJson(stored.spec) !== stableJson(after.spec))
        after.metadata.generation = (stored.metadata.generation ?? 1) + 1;
    } else {
      changeSpec(resource, stored, after);
      store.set(k, after);
    }
    send(200, clone(after));
  };

  const patchWith = (target: KubeObject, request: KubeRequest): unknown => {
    switch (request.contentType) {
      case 'application/json-patch+json':
        return applyJsonPatch(target, request.body);
      case 'application/merge-patch+json':
        return mergePatch(target, request.body);
      case 'application/strategic-merge-patch+json':
        return strategicMerge(target, request.body);
      default:
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${request.contentType})`,
        );
    }
  };

  const validate = (resource: string, object: KubeObject): void => {
    if (resource !== 'deployments' && resource !== 'statefulsets' && resource !== 'daemonsets') return;
    const containers = object.spec?.template?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) {
      throw new HttpError(
        422,
        'Invalid',
        `${RESOURCES[resource]?.kind} "${object.metadata.name}" is invalid: spec.template.spec.containers: Required value`,
      );
    }
    const selector = object.spec?.selector?.matchLabels ?? {};
    const labels = object.spec?.template?.metadata?.labels ?? {};
    for (const [a, b] of Object.entries(selector)) {
      if (labels[a] !== b) {
        throw new HttpError(
          422,
          'Invalid',
          `${RESOURCES[resource]?.kind} "${object.metadata.name}" is invalid: spec.template.metadata.labels: Invalid value: selector does not match template labels`,
        );
      }
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type']?.split(';')[0]?.trim();
      let body: unknown = raw;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const request: KubeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        contentType,
        authorization: req.headers.authorization,
        body: raw ? body : undefined,
      };
      fake.requests.push(request);
      try {
        handle(request, res);
      } catch (error) {
        const e = error instanceof HttpError ? error : new HttpError(500, 'InternalError', String(error));
        res.writeHead(e.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(statusBody(e.status, e.reason, e.message)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
