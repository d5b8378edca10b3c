/**
 * Which object to edit: the workload named by the alert labels (namespace + deployment/statefulset/daemonset/
 * cronjob/job label, kube_pod_owner's owner, or a pod name with its ReplicaSet/pod hash trimmed) among the team's
 * manifests. Alert labels are untrusted: they are only compared with names, never written anywhere. Nothing that
 * does not match is ever edited; two matches are ambiguous and reported as such.
 */
import type { Document } from 'yaml';
import type { RepoFile } from './types.ts';
import { parseYamlFile } from './yaml-edit.ts';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export type Obj = Record<string, unknown>;

export interface ManifestObject {
  file: RepoFile;
  docIndex: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  value: Obj;
  doc: Document.Parsed;
}

/**
 * An alert label value as it may appear in a reason or a title: label values are untrusted (a Slack mention, a
 * newline, a megabyte of text), so only name characters are kept and the length is clipped.
 */
export function shown(value: string): string {
  const clean = value.replace(/[^A-Za-z0-9._:/-]/g, '?');
  return clean.length > 63 ? `${clean.slice(0, 63)}…` : clean;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function get(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const step of path) {
    if (typeof step === 'number') cur = Array.isArray(cur) ? cur[step] : undefined;
    else cur = isObj(cur) ? cur[step] : undefined;
  }
  return cur;
}

/** Every Kubernetes object of the files; files that do not parse are listed with the reason, not guessed at. */
export function loadManifests(files: RepoFile[]): { objects: ManifestObject[]; unreadable: string[] } {
  const objects: ManifestObject[] = [];
  const unreadable: string[] = [];
  for (const file of files) {
    const parsed = parseYamlFile(file.path, file.content);
    if ('error' in parsed) {
      unreadable.push(parsed.error);
      continue;
    }
    parsed.docs.forEach((doc, docIndex) => {
      const value = parsed.values[docIndex];
      if (!isObj(value)) return;
      const { apiVersion, kind } = value;
      const name = get(value, ['metadata', 'name']);
      const namespace = get(value, ['metadata', 'namespace']);
      if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') return;
      objects.push({
        file,
        docIndex,
        apiVersion,
        kind,
        name,
        namespace: typeof namespace === 'string' ? namespace : undefined,
        value,
        doc,
      });
    });
  }
  return { objects, unreadable };
}

interface Candidate {
  kinds: readonly string[];
  name: string;
  namespace?: string;
  /** Named by a label (strong) or guessed from a pod name (weak). */
  strong: boolean;
}

const LABEL_KINDS: [string, string][] = [
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['cronjob', 'CronJob'],
  ['job_name', 'Job'],
  ['horizontalpodautoscaler', 'HorizontalPodAutoscaler'],
  ['persistentvolumeclaim', 'PersistentVolumeClaim'],
];

const KIND_NAMES: Record<string, WorkloadKind> = {
  deployment: 'Deployment',
  replicaset: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  cronjob: 'CronJob',
  job: 'Job',
};

/** `checkout-7d9f8b6c5d` (a ReplicaSet) → `checkout`; `report-28901234` (a CronJob's Job) → `report`. */
function trimHash(kind: WorkloadKind, name: string): { kind: WorkloadKind; name: string } {
  if (kind === 'Deployment') return { kind, name: name.replace(/-[a-z0-9]{6,10}$/, '') };
  return { kind, name };
}

function candidates(labels: Record<string, string>): Candidate[] {
  const namespace = labels.namespace || labels.exported_namespace || undefined;
  const out: Candidate[] = [];
  for (const [label, kind] of LABEL_KINDS) {
    const name = labels[label];
    if (!name) continue;
    out.push({ kinds: [kind], name, namespace, strong: true });
    if (kind === 'Job' && /-\d{6,}$/.test(name))
      out.push({ kinds: ['CronJob'], name: name.replace(/-\d{6,}$/, ''), namespace, strong: true });
  }
  for (const [kindLabel, nameLabel] of [
    ['owner_kind', 'owner_name'],
    ['created_by_kind', 'created_by_name'],
    ['workload_type', 'workload'],
  ] as const) {
    const kind = KIND_NAMES[(labels[kindLabel] ?? '').toLowerCase()];
    const name = labels[nameLabel];
    if (kind && name) {
      const t =
        (labels[kindLabel] ?? '').toLowerCase() === 'replicaset' ? trimHash(kind, name) : { kind, name };
      out.push({ kinds: [t.kind], name: t.name, namespace, strong: true });
    }
  }
  const pod = labels.pod || labels.pod_name;
  if (pod) {
    let m = /^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$/.exec(pod);
    if (m?.[1]) out.push({ kinds: ['Deployment'], name: m[1], namespace, strong: false });
    m = /^(.+)-\d+$/.exec(pod);
    if (m?.[1]) out.push({ kinds: ['StatefulSet'], name: m[1], namespace, strong: false });
    m = /^(.+)-[a-z0-9]{5}$/.exec(pod);
    if (m?.[1]) {
      out.push({ kinds: ['DaemonSet', 'Job'], name: m[1], namespace, strong: false });
      const cron = /^(.+)-\d{6,}$/.exec(m[1]);
      if (cron?.[1]) out.push({ kinds: ['CronJob'], name: cron[1], namespace, strong: false });
    }
  }
  return out;
}

function matches(obj: { kind: string; name: string; namespace?: string }, c: Candidate): boolean {
  if (!c.kinds.includes(obj.kind) || obj.name !== c.name) return false;
  // A manifest without a namespace takes it from kustomize/helm/kubectl -n: the name alone must do.
  return !(obj.namespace && c.namespace && obj.namespace !== c.namespace);
}

export type Found<T> = { found: T } | { none: string };

/** What an object is matched on: itself, or (an HPA) the workload it scales. */
export type RefOf = (o: ManifestObject) => { kind: string; name: string; namespace?: string } | undefined;

/**
 * The one object the labels name among `objects` of `kinds` (matched on `refOf`, by default the object itself,
 * whose kind is one of `refKinds`); `none` with the reason otherwise.
 */
export function findByLabels(
  objects: ManifestObject[],
  alertLabels: Record<string, string>[],
  kinds: readonly string[] = WORKLOAD_KINDS,
  refOf: RefOf = (o) => o,
  refKinds: readonly string[] = kinds,
): Found<ManifestObject> {
  const all = alertLabels.flatMap(candidates).filter((c) => c.kinds.some((k) => refKinds.includes(k)));
  if (all.length === 0)
    return {
      none: `the alert labels name no ${refKinds.join('/')} (no deployment, statefulset, daemonset, cronjob, job_name, pod or ${refKinds.map((k) => k.toLowerCase()).join('/')} label)`,
    };
  const pool = objects.filter((o) => kinds.includes(o.kind));
  for (const strong of [true, false]) {
    const hits = new Set<ManifestObject>();
    for (const c of all.filter((x) => x.strong === strong))
      for (const o of pool) {
        const ref = refOf(o);
        if (ref && matches({ ...ref, namespace: ref.namespace ?? o.namespace }, c)) hits.add(o);
      }
    if (hits.size === 1) return { found: [...hits][0] as ManifestObject };
    if (hits.size > 1)
      return {
        none: `ambiguous: the alert labels match ${hits.size} objects (${[...hits].map((o) => `${o.kind} ${o.name} in ${o.file.path}`).join(', ')})`,
      };
  }
  const named = [
    ...new Set(
      all.map((c) => `${c.kinds.join('/')} ${c.namespace ? `${shown(c.namespace)}/` : ''}${shown(c.name)}`),
    ),
  ];
  return {
    none: `no manifest among ${pool.length} ${kinds.join('/')} object(s) matches ${named.join(' or ')}`,
  };
}

/** The pod spec's path inside a workload object. */
export function podSpecPath(kind: string): string[] {
  return kind === 'CronJob'
    ? ['spec', 'jobTemplate', 'spec', 'template', 'spec']
    : ['spec', 'template', 'spec'];
}

/** Distinct container names the alerts name (`POD` — the pause container — is not one). */
export function containerNames(alertLabels: Record<string, string>[]): string[] {
  return [
    ...new Set(alertLabels.map((l) => l.container || l.container_name || '').filter((c) => c && c !== 'POD')),
  ];
}

/** The container to edit, with its path inside the object; one container without a label is that one. */
export function findContainer(
  obj: ManifestObject,
  alertLabels: Record<string, string>[],
): Found<{ path: (string | number)[]; name: string; value: Obj }> {
  const spec = podSpecPath(obj.kind);
  const names = containerNames(alertLabels);
  if (names.length > 1)
    return { none: `ambiguous: the alerts name several containers (${names.map(shown).join(', ')})` };
  const lists: ['containers' | 'initContainers', Obj[]][] = (['containers', 'initContainers'] as const).map(
    (k) => {
      const list = get(obj.value, [...spec, k]);
      return [k, Array.isArray(list) ? list.map((c) => (isObj(c) ? c : {})) : []];
    },
  );
  const want = names[0];
  if (!want) {
    const main = lists[0]?.[1] ?? [];
    if (main.length !== 1)
      return {
        none: `ambiguous: ${obj.kind} ${obj.name} has ${main.length} containers and the alerts name none`,
      };
    return {
      found: { path: [...spec, 'containers', 0], name: String(main[0]?.name), value: main[0] as Obj },
    };
  }
  for (const [key, list] of lists) {
    const i = list.findIndex((c) => c.name === want);
    if (i >= 0) return { found: { path: [...spec, key, i], name: want, value: list[i] as Obj } };
  }
  return { none: `${obj.kind} ${obj.name} in ${obj.file.path} has no container named ${shown(want)}` };
}
