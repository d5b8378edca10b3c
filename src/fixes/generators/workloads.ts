/**
 * Kubernetes fixes beside resources: HPA maxed out → `maxReplicas`; failing probes → `timeoutSeconds` and
 * `failureThreshold`; a bad rollout → the image tag before the change; a filling PVC → its storage request. Plain
 * manifests first, then Helm values (`autoscaling.maxReplicas`, `livenessProbe`, `image.tag`, `persistence.size`).
 */

import { parse as parseYaml } from 'yaml';
import { parseQuantity, raiseCount, roundStorageUp } from '../quantity.ts';
import {
  findByLabels,
  findContainer,
  get,
  isObj,
  loadManifests,
  type ManifestObject,
  WORKLOAD_KINDS,
} from '../target.ts';
import type { FixRequest, RepoFile } from '../types.ts';
import {
  factNumber,
  factString,
  findHelmValues,
  firstLabel,
  type Generator,
  objRef,
  type YamlChange,
  yamlEdit,
} from './common.ts';

function joinNone(...parts: (string | undefined)[]): { none: string } {
  return { none: parts.filter(Boolean).join('; ') };
}

function unreadableNote(unreadable: string[]): string | undefined {
  return unreadable.length
    ? `${unreadable.length} file(s) did not parse: ${unreadable.join('; ')}`
    : undefined;
}

// ── HPA maxed out ────────────────────────────────────────────────────────────────────────────────────────────

function hpaRule(current: number): { next: number; why: string } {
  const next = raiseCount(current);
  return { next, why: `maxReplicas ${current} was reached → ${next} (+50 %, at least +1)` };
}

const CAPACITY_NOTE = ' Check the cluster has room (nodes, quota) for the extra replicas.';

export const hpaMaxReplicas: Generator = {
  name: 'k8s-hpa-max-replicas',
  signatures: ['hpa-maxed-out'],
  propose({ alertLabels }) {
    const hpa = firstLabel(alertLabels, 'horizontalpodautoscaler', 'hpa');
    const target = firstLabel(alertLabels, 'deployment', 'statefulset', 'scaletargetref_name');
    const ns = firstLabel(alertLabels, 'namespace');
    const who = hpa ? `HPA \`${hpa}\`` : target ? `the HPA of \`${target}\`` : 'the HPA';
    return {
      kind: 'kubernetes',
      title: `Raise maxReplicas of ${who}`,
      description: `In the HorizontalPodAutoscaler manifest${ns ? ` (namespace \`${ns}\`)` : ''} or the chart's \`autoscaling\` values: maxReplicas +50 %, at least +1. Check the cluster has room (nodes, quota) for the extra replicas.`,
    };
  },
  generate(request) {
    const { objects, unreadable } = loadManifests(request.files.kubernetes ?? []);
    const hpa = findByLabels(
      objects,
      request.alertLabels,
      ['HorizontalPodAutoscaler'],
      (o) => {
        // An HPA is named by the horizontalpodautoscaler label, or matched through the workload it scales.
        const ref = get(o.value, ['spec', 'scaleTargetRef']);
        const hpaLabel = request.alertLabels.some((l) => l.horizontalpodautoscaler);
        if (hpaLabel) return o;
        return isObj(ref) && typeof ref.kind === 'string' && typeof ref.name === 'string'
          ? { kind: ref.kind, name: ref.name }
          : undefined;
      },
      request.alertLabels.some((l) => l.horizontalpodautoscaler)
        ? ['HorizontalPodAutoscaler']
        : WORKLOAD_KINDS,
    );
    if ('found' in hpa) {
      const o = hpa.found;
      const current = get(o.value, ['spec', 'maxReplicas']);
      if (typeof current !== 'number' || !Number.isInteger(current) || current < 1)
        return { none: `${objRef(o)} has no numeric spec.maxReplicas` };
      const { next, why } = hpaRule(current);
      return {
        kind: 'kubernetes',
        title: `Raise maxReplicas of ${o.name} to ${next}`,
        rationale: `${objRef(o)}: ${why}.${CAPACITY_NOTE}`,
        edits: [yamlEdit(o.file, [{ doc: o.docIndex, path: ['spec', 'maxReplicas'], value: next }], o.doc)],
        rollback: `Revert this PR (maxReplicas back to ${current}) and re-apply the manifest.`,
        generator: this.name,
      };
    }
    // Charts call it `autoscaling` (helm create) or `hpa` (podinfo and others).
    let helm = findHelmValues(request, 'autoscaling');
    if ('none' in helm) {
      const hpaKey = findHelmValues(request, 'hpa');
      if ('found' in hpaKey) helm = hpaKey;
    }
    if ('found' in helm) {
      const { file, base, value } = helm.found;
      const key = isObj(value.autoscaling) ? 'autoscaling' : 'hpa';
      const path = [...base, key, 'maxReplicas'];
      const current = get(value, [key, 'maxReplicas']);
      if (typeof current !== 'number' || !Number.isInteger(current) || current < 1)
        return { none: `${file.path} has no numeric ${path.join('.')}` };
      const { next, why } = hpaRule(current);
      return {
        kind: 'helm',
        title: `Raise ${key}.maxReplicas of ${base.length ? String(base[0]) : request.service} to ${next}`,
        rationale: `${file.path} \`${path.join('.')}\`: ${why}.${CAPACITY_NOTE}`,
        edits: [yamlEdit(file, [{ doc: 0, path, value: next }])],
        rollback: 'Revert this PR and run `helm upgrade` with the previous values.',
        generator: this.name,
      };
    }
    return joinNone(
      hpa.none,
      (request.files.helm ?? []).length ? helm.none : undefined,
      unreadableNote(unreadable),
    );
  },
};

// ── Failing probes ───────────────────────────────────────────────────────────────────────────────────────────

const PROBES = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' } as const;

function whichProbe(
  request: Pick<FixRequest, 'signature' | 'facts'>,
): { key: string; short: string } | { none: string } {
  const fact = factString(request.facts, 'probe')?.toLowerCase();
  if (fact && fact in PROBES) return { key: PROBES[fact as keyof typeof PROBES], short: fact };
  if (request.signature === 'pod-not-ready') return { key: 'readinessProbe', short: 'readiness' };
  return { none: 'the facts do not say a probe failed (facts.probe: liveness, readiness or startup)' };
}

/** timeoutSeconds doubled (default 1 → 2), failureThreshold +50 % (default 3 → 5). */
function probeChanges(probe: unknown): { changes: { path: string[]; value: number }[]; why: string } {
  const t = get(probe, ['timeoutSeconds']);
  const f = get(probe, ['failureThreshold']);
  const timeout = typeof t === 'number' && t > 0 ? t : 1;
  const failures = typeof f === 'number' && f > 0 ? f : 3;
  const nextTimeout = Math.min(60, Math.max(timeout * 2, timeout + 1));
  const nextFailures = raiseCount(failures);
  const tWas = typeof t === 'number' ? String(t) : '1 (the default)';
  const fWas = typeof f === 'number' ? String(f) : '3 (the default)';
  return {
    changes: [
      { path: ['timeoutSeconds'], value: nextTimeout },
      { path: ['failureThreshold'], value: nextFailures },
    ],
    why: `timeoutSeconds ${tWas} → ${nextTimeout} (doubled), failureThreshold ${fWas} → ${nextFailures} (+50 %): slow answers under load stop failing the probe, while a dead container is still caught`,
  };
}

export const probeTimeouts: Generator = {
  name: 'k8s-probe-timeouts',
  signatures: ['pod-not-ready', 'crash-loop'],
  propose({ signature, alertLabels, facts = {} }) {
    // A crash loop is a probe's doing only when the pod's events say a probe failed (facts.probe).
    const which = whichProbe({ signature, facts });
    if ('none' in which) return undefined;
    const pod = firstLabel(alertLabels, 'pod');
    return {
      kind: 'kubernetes',
      title: `Relax the ${which.short} probe of ${pod ? `\`${pod}\`` : 'the pod'}`,
      description:
        "In its workload's manifest or the chart's probe values: timeoutSeconds doubled (default 1 → 2) and failureThreshold +50 % (3 → 5), for a probe that times out under load. Not a fix for a pod that is really broken: check its events first.",
    };
  },
  generate(request) {
    const which = whichProbe(request);
    if ('none' in which) return which;
    const { objects, unreadable } = loadManifests(request.files.kubernetes ?? []);
    const target = findByLabels(objects, request.alertLabels);
    if ('found' in target) {
      const o = target.found;
      const container = findContainer(o, request.alertLabels);
      if ('none' in container) return container;
      const probe = get(container.found.value, [which.key]);
      if (!isObj(probe))
        return { none: `${objRef(o)}, container ${container.found.name}, has no ${which.key}` };
      const { changes, why } = probeChanges(probe);
      const path = [...container.found.path, which.key];
      return {
        kind: 'kubernetes',
        title: `Relax ${which.key} of ${o.name}`,
        rationale: `${objRef(o)}, container ${container.found.name}, ${which.key}: ${why}.`,
        edits: [
          yamlEdit(
            o.file,
            changes.map((c) => ({ doc: o.docIndex, path: [...path, ...c.path], value: c.value })),
            o.doc,
          ),
        ],
        rollback: `Revert this PR and re-apply the manifest.`,
        generator: this.name,
      };
    }
    // Charts put a probe at `livenessProbe` or under `probes.liveness` (podinfo and others).
    let helm = findHelmValues(request, which.key);
    let probePath: string[] = [which.key];
    if ('none' in helm) {
      const probes = findHelmValues(request, 'probes');
      if ('found' in probes && isObj(get(probes.found.value, ['probes', which.short]))) {
        helm = probes;
        probePath = ['probes', which.short];
      }
    }
    if ('found' in helm) {
      const { file, base, value } = helm.found;
      const { changes, why } = probeChanges(get(value, probePath));
      const path = [...base, ...probePath];
      return {
        kind: 'helm',
        title: `Relax ${which.key} of ${base.length ? String(base[0]) : request.service}`,
        rationale: `${file.path} \`${path.join('.')}\`: ${why}.`,
        edits: [
          yamlEdit(
            file,
            changes.map((c) => ({ doc: 0, path: [...path, ...c.path], value: c.value })),
          ),
        ],
        rollback: 'Revert this PR and run `helm upgrade` with the previous values.',
        generator: this.name,
      };
    }
    return joinNone(
      target.none,
      (request.files.helm ?? []).length ? helm.none : undefined,
      unreadableNote(unreadable),
    );
  },
};

// ── Bad rollout → previous image ─────────────────────────────────────────────────────────────────────────────

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** `registry:5000/app:1.2` → repo `registry:5000/app`, tag `1.2`; digests are `@sha256:…`. */
function splitImage(image: string): { repo: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { repo: image.slice(0, at), digest: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { repo: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repo: image };
}

/**
 * The image the same container had in the file before its most recent change (`request.previousFiles`): the same
 * object (kind, name, namespace) in the same document position or anywhere in the old file, the same container name.
 */
function imageBefore(
  request: FixRequest,
  o: ManifestObject,
  container: string,
): { image: string; change: string } | undefined {
  const before = request.previousFiles?.[o.file.path];
  if (!before) return undefined;
  const { objects } = loadManifests([{ path: o.file.path, content: before.content }]);
  const same = objects.find(
    (p) => p.kind === o.kind && p.name === o.name && (p.namespace ?? '') === (o.namespace ?? ''),
  );
  if (!same) return undefined;
  const found = findContainer(same, [{ container }]);
  const image = 'found' in found ? found.found.value.image : undefined;
  return typeof image === 'string' ? { image, change: before.change } : undefined;
}

/** The Helm values' `image.tag` under `base` before the file's most recent change. */
function helmTagBefore(
  request: FixRequest,
  file: RepoFile,
  base: (string | number)[],
): { tag: string; change: string } | undefined {
  const before = request.previousFiles?.[file.path];
  if (!before) return undefined;
  let value: unknown;
  try {
    value = parseYaml(before.content);
  } catch {
    return undefined;
  }
  const tag = get(value, [...base, 'image', 'tag']);
  return typeof tag === 'string' || typeof tag === 'number'
    ? { tag: String(tag), change: before.change }
    : undefined;
}

/**
 * The image before the change: the change context's facts (`previousImage` or `previousImageTag`), else what the
 * repository's history says the file held before its most recent change.
 */
function previousImage(
  request: FixRequest,
  current: string,
  history?: { image?: string; tag?: string },
): { image: string; tag: string } | { none: string } {
  const cur = splitImage(current);
  const full = factString(request.facts, 'previousImage') ?? history?.image;
  const tagFact = factString(request.facts, 'previousImageTag') ?? history?.tag;
  let tag: string | undefined;
  if (full) {
    const prev = splitImage(full);
    if (prev.repo !== cur.repo)
      return { none: `the previous image ${full} is not of the same repository as ${current}` };
    tag = prev.tag ?? prev.digest;
  } else tag = tagFact;
  if (!tag)
    return { none: 'the change context gives no previous image (facts.previousImage or previousImageTag)' };
  if (!TAG.test(tag) && !DIGEST.test(tag))
    return { none: `the previous tag ${JSON.stringify(tag)} is not a valid image tag` };
  if (tag === (cur.tag ?? cur.digest)) return { none: `${current} already runs the previous tag ${tag}` };
  return { image: `${cur.repo}${DIGEST.test(tag) ? '@' : ':'}${tag}`, tag };
}

function changeNote(request: FixRequest, fromHistory?: string): string {
  const ref = factString(request.facts, 'changeRef', 'changeUrl') ?? fromHistory;
  return ref && /^[\w./:#@-]{1,200}$/.test(ref) ? ` (the change: ${ref})` : '';
}

/** Minutes from the newest change of the service's repository before the alerts to their start, if one preceded. */
function minutesAfterChange(facts: FixRequest['facts']): number | undefined {
  const value = facts.changeMinutesBefore;
  const minutes = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(minutes) && minutes >= 0 ? minutes : undefined;
}

export const imageRollback: Generator = {
  name: 'k8s-image-rollback',
  signatures: ['rollout-stuck', 'image-pull', 'crash-loop'],
  // Proposed only when the analysis's change context saw a recent change (fact `recentChange`): the tag before it is
  // read from the repository's history at click time (`previousFiles`). A crash loop is a release's doing only when
  // the change came before the loop started (fact `changeMinutesBefore`); then the probe fix is proposed beside it.
  propose({ signature, alertLabels, facts = {} }) {
    if (!factString(facts, 'recentChange')) return undefined;
    if (signature === 'crash-loop' && minutesAfterChange(facts) === undefined) return undefined;
    const workload =
      firstLabel(alertLabels, 'deployment', 'statefulset', 'daemonset') ??
      firstLabel(alertLabels, 'pod')?.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '');
    const container = firstLabel(alertLabels, 'container');
    const who = workload ? `\`${workload}\`` : container ? `container \`${container}\`` : 'the workload';
    return {
      kind: 'kubernetes',
      title: `Roll ${who} back to the image before the recent change`,
      description: `The image tag ${who} had before the most recent change of its manifest or chart values, read from the repository's history (the parent of the newest commit touching the file). Revert the PR to go forward again once the new image is fixed.`,
    };
  },
  // What an SRE tries first when the alerts started within the change window (fact `changeInWindow`, set by the
  // analysis when the change was at most its window before them): put the release back, then tune.
  leads({ facts = {} }) {
    return minutesAfterChange(facts) !== undefined && factNumber(facts, 'changeInWindow') === 1;
  },
  generate(request) {
    const { objects, unreadable } = loadManifests(request.files.kubernetes ?? []);
    const target = findByLabels(objects, request.alertLabels);
    if ('found' in target) {
      const o: ManifestObject = target.found;
      const container = findContainer(o, request.alertLabels);
      if ('none' in container) return container;
      const image = container.found.value.image;
      if (typeof image !== 'string')
        return { none: `${objRef(o)}, container ${container.found.name}, has no image` };
      const history = imageBefore(request, o, container.found.name);
      const prev = previousImage(request, image, history && { image: history.image });
      if ('none' in prev) return prev;
      return {
        kind: 'kubernetes',
        title: `Roll ${o.name} back to ${prev.tag}`,
        rationale: `${objRef(o)}, container ${container.found.name}: the recent change moved the image to ${image}${changeNote(request, history?.change)}; the image before it was ${prev.image}.`,
        edits: [
          yamlEdit(
            o.file,
            [{ doc: o.docIndex, path: [...container.found.path, 'image'], value: prev.image }],
            o.doc,
          ),
        ],
        rollback: `Revert this PR to go forward to ${image} again, once it is fixed.`,
        generator: this.name,
      };
    }
    const helm = findHelmValues(request, 'image');
    if ('found' in helm) {
      const { file, base, value } = helm.found;
      const tag = get(value, ['image', 'tag']);
      const repo = get(value, ['image', 'repository']);
      if (typeof tag !== 'string' && typeof tag !== 'number')
        return { none: `${file.path} sets no image.tag` };
      const history = helmTagBefore(request, file, base);
      const prev = previousImage(
        request,
        `${typeof repo === 'string' ? repo : 'image'}:${tag}`,
        history && { tag: history.tag },
      );
      if ('none' in prev) return prev;
      return {
        kind: 'helm',
        title: `Roll ${base.length ? String(base[0]) : request.service} back to ${prev.tag}`,
        rationale: `${file.path} \`${[...base, 'image', 'tag'].join('.')}\`: the recent change set ${String(tag)}${changeNote(request, history?.change)}; the tag before it was ${prev.tag}.`,
        edits: [yamlEdit(file, [{ doc: 0, path: [...base, 'image', 'tag'], value: prev.tag }])],
        rollback: `Revert this PR to go forward to ${String(tag)} again, once it is fixed.`,
        generator: this.name,
      };
    }
    return joinNone(
      target.none,
      (request.files.helm ?? []).length ? helm.none : undefined,
      unreadableNote(unreadable),
    );
  },
};

// ── Filling PVC → storage request ────────────────────────────────────────────────────────────────────────────

const EXPANSION_NOTE =
  ' Expansion happens in place only when the StorageClass has allowVolumeExpansion: true; some drivers also need the pod restarted to grow the filesystem.';

function storageRule(
  current: string | number,
  facts: FixRequest['facts'],
): { text: string; why: string } | { none: string } {
  const bytes = parseQuantity(current);
  if (bytes === undefined || bytes <= 0)
    return { none: `the storage request ${String(current)} is not a quantity` };
  const used = factNumber(facts, 'volumeUsedBytes');
  const target = Math.max(bytes * 1.5, used ? used * 2 : 0);
  const next = roundStorageUp(target);
  const usedNote = used ? ` (${Math.round((used / bytes) * 100)} % used)` : '';
  return { text: next.text, why: `storage ${String(current)}${usedNote} +50 %, rounded up → ${next.text}` };
}

export const pvcStorage: Generator = {
  name: 'k8s-pvc-storage',
  signatures: ['pvc-filling-up'],
  propose({ alertLabels }) {
    const pvc = firstLabel(alertLabels, 'persistentvolumeclaim');
    if (!pvc) return undefined;
    const ns = firstLabel(alertLabels, 'namespace');
    return {
      kind: 'kubernetes',
      title: `Expand PVC ${pvc}`,
      description: `Raise spec.resources.requests.storage of PersistentVolumeClaim ${ns ? `${ns}/` : ''}${pvc} (or the chart's \`persistence.size\`) by 50 %, rounded up to Gi (its StorageClass needs allowVolumeExpansion: true), and review what fills it.`,
    };
  },
  generate(request) {
    const { objects, unreadable } = loadManifests(request.files.kubernetes ?? []);
    const pvc = findByLabels(objects, request.alertLabels, ['PersistentVolumeClaim']);
    if ('found' in pvc) {
      const o = pvc.found;
      const current = get(o.value, ['spec', 'resources', 'requests', 'storage']);
      if (typeof current !== 'string' && typeof current !== 'number')
        return { none: `${objRef(o)} has no spec.resources.requests.storage` };
      const rule = storageRule(current, request.facts);
      if ('none' in rule) return rule;
      return {
        kind: 'kubernetes',
        title: `Grow PVC ${o.name} to ${rule.text}`,
        rationale: `${objRef(o)}: ${rule.why}.${EXPANSION_NOTE}`,
        edits: [
          yamlEdit(
            o.file,
            [{ doc: o.docIndex, path: ['spec', 'resources', 'requests', 'storage'], value: rule.text }],
            o.doc,
          ),
        ],
        rollback:
          'A volume cannot shrink: reverting this PR only stops future growth; the PVC keeps its new size.',
        generator: this.name,
      };
    }
    // A StatefulSet's claim (`data-db-0`) comes from volumeClaimTemplates, which the API server never lets change.
    const claim = request.alertLabels.map((l) => l.persistentvolumeclaim).find(Boolean);
    const sts = claim
      ? objects.find(
          (o) =>
            o.kind === 'StatefulSet' && new RegExp(`^[a-z0-9.-]+-${escapeRegExp(o.name)}-\\d+$`).test(claim),
        )
      : undefined;
    if (sts)
      return {
        none: `PVC ${claim} comes from the volumeClaimTemplates of ${objRef(sts)}, which cannot be changed on a live StatefulSet: expand the PVC itself (kubectl patch pvc ${claim} …) if the StorageClass allows it`,
      };
    const helm = findHelmValues(request, 'persistence');
    if ('found' in helm) {
      const { file, base, value } = helm.found;
      const current = get(value, ['persistence', 'size']);
      if (typeof current !== 'string' && typeof current !== 'number')
        return { none: `${file.path} sets no persistence.size` };
      const rule = storageRule(current, request.facts);
      if ('none' in rule) return rule;
      return {
        kind: 'helm',
        title: `Grow ${base.length ? `${String(base[0])} ` : ''}persistence.size to ${rule.text}`,
        rationale: `${file.path} \`${[...base, 'persistence', 'size'].join('.')}\`: ${rule.why}.${EXPANSION_NOTE} A chart that puts the size in a StatefulSet's volumeClaimTemplates cannot apply it to existing claims: expand those PVCs too.`,
        edits: [yamlEdit(file, [{ doc: 0, path: [...base, 'persistence', 'size'], value: rule.text }])],
        rollback: 'A volume cannot shrink: reverting this PR only stops future growth.',
        generator: this.name,
      };
    }
    return joinNone(
      pvc.none,
      (request.files.helm ?? []).length ? helm.none : undefined,
      unreadableNote(unreadable),
    );
  },
};

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type { YamlChange };
