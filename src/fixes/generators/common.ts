import type { Document } from 'yaml';
import type { ProposedFix } from '../../analysis/schema.ts';
import { type Found, get, isObj, type ManifestObject, type Obj } from '../target.ts';
import type { FileEdit, FixRequest, GeneratedFix, RepoFile } from '../types.ts';
import { applyYamlEdits, applyYamlEditsInDoc, parseYamlFile, type YamlPath } from '../yaml-edit.ts';

/** What the analysis knows when it proposes a fix: the matched signature and its alerts' labels (firing first). */
export interface ProposalContext {
  signature: string;
  /** Labels of the alerts the signature matched, the primary one first (untrusted: shown, never executed). */
  alertLabels: Record<string, string>[];
  /**
   * What the analysis context saw, e.g. `{ probe: 'liveness' }` when the pod's events say that probe failed, or
   * `{ recentChange: 'Bump checkout to 1.43', changeMinutesBefore: 12 }` when the service's repository changed
   * before these alerts started.
   */
  facts?: FixRequest['facts'];
}

/** A Prometheus query (instant, at the incident) whose value a generator sizes from, stored as fact `fact`. */
export interface FactQuery {
  fact: string;
  query: string;
}

export interface Generator {
  name: string;
  /** Catalogue signatures (offline analyzer) whose mechanical fix this generator writes. */
  signatures: readonly string[];
  /**
   * The fix the analysis proposes for an incident with one of these signatures (the *Open fix PR* button), written
   * from the alert's labels before any file is read; undefined when the labels say this generator cannot help.
   * Its `kind` is where the change lands: a Helm values change is proposed as `kubernetes` (which file, manifest or
   * values, is only known once the team's files are read; the generated fix says `helm`).
   */
  propose(context: ProposalContext): ProposedFix | undefined;
  /**
   * Whether this generator's proposal goes before the others' for the same signature (several generators may serve
   * one: a crash loop gets the probe fix and, after a recent change, the image rollback). Absent: list order.
   */
  leads?(context: ProposalContext): boolean;
  /** Measurements to size from that Prometheus can give (asked by the fix use-case when Prometheus is configured). */
  factQueries?(context: ProposalContext): FactQuery[];
  generate(request: FixRequest): GeneratedFix | { none: string } | Promise<GeneratedFix | { none: string }>;
}

/** A label value fit for a proposal's title: one line, no backticks, at most 80 characters. */
export function shown(value: string | undefined): string | undefined {
  const clean = value
    ?.replace(/[`\s]+/g, ' ')
    .trim()
    .slice(0, 80);
  return clean ? clean : undefined;
}

/** The first non-empty value of these label keys on the primary alert (then the others). */
export function firstLabel(labels: Record<string, string>[], ...keys: string[]): string | undefined {
  return shown(labelValues(labels, ...keys)[0]);
}

/** A PromQL string literal (double-quoted, escaped). */
export function promString(value: string): string {
  return JSON.stringify(value);
}

export interface YamlChange {
  doc: number;
  path: YamlPath;
  value: string | number;
}

/**
 * One file's edit from targeted YAML changes (throws YamlEditError when the edit cannot be made safely). With the
 * parsed document the changes are in, only that document's source is re-parsed (large multi-document files).
 */
export function yamlEdit(file: RepoFile, changes: YamlChange[], doc?: Document.Parsed): FileEdit {
  const range = doc?.range;
  if (range && changes.every((c) => c.doc === changes[0]?.doc)) {
    const after = applyYamlEditsInDoc(file.path, file.content, [range[0], range[2]], changes);
    return { path: file.path, before: file.content, after };
  }
  return { path: file.path, before: file.content, after: applyYamlEdits(file.path, file.content, changes) };
}

export function factNumber(facts: FixRequest['facts'], ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = facts[k];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isFinite(n) && n > 0) return n;
  }
  return undefined;
}

export function factString(facts: FixRequest['facts'], ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = facts[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/** `over 6h` when the facts say over which window a peak was measured. */
export function windowText(facts: FixRequest['facts']): string {
  const w = factString(facts, 'window');
  return w && /^[0-9a-z .]{1,20}$/i.test(w) ? ` over ${w}` : '';
}

export function objRef(o: ManifestObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (${o.file.path})`;
}

/** Labels values of one key, distinct, non-empty. */
export function labelValues(labels: Record<string, string>[], ...keys: string[]): string[] {
  return [...new Set(labels.flatMap((l) => keys.map((k) => l[k] ?? '')).filter((v) => v !== ''))];
}

export interface HelmTarget {
  file: RepoFile;
  /** Path of the map that holds the setting, e.g. `[]` (top level) or `['master']`. */
  base: YamlPath;
  value: Obj;
}

/**
 * The Helm values map for the alert's workload: a top-level key named after the container or component (or the
 * workload name ending in it, `shop-redis-master` → `master`) holding `key`, else the top level's own `key`.
 */
export function findHelmValues(request: FixRequest, key: string): Found<HelmTarget> {
  const files = request.files.helm ?? [];
  if (files.length === 0) return { none: 'no Helm values files are mapped' };
  const labels = request.alertLabels;
  const norm = (s: string) => s.toLowerCase().replaceAll('_', '-');
  const names = labelValues(
    labels,
    'container',
    'app_kubernetes_io_component',
    'component',
    'app_kubernetes_io_name',
  ).map(norm);
  const workloads = labelValues(labels, 'deployment', 'statefulset', 'daemonset', 'cronjob').map(norm);
  const found: HelmTarget[] = [];
  const errors: string[] = [];
  for (const file of files) {
    const parsed = parseYamlFile(file.path, file.content);
    if ('error' in parsed) {
      errors.push(parsed.error);
      continue;
    }
    const root = parsed.values[0];
    if (!isObj(root)) continue;
    const named = Object.keys(root).filter(
      (k) =>
        isObj(root[k]) &&
        isObj(get(root, [k, key])) &&
        (names.includes(norm(k)) || workloads.some((w) => w.endsWith(`-${norm(k)}`))),
    );
    if (named.length === 1)
      found.push({ file, base: [named[0] as string], value: root[named[0] as string] as Obj });
    else if (named.length > 1)
      return { none: `ambiguous: ${file.path} has ${named.join(', ')} matching the alert` };
    else if (key in root) found.push({ file, base: [], value: root });
  }
  if (found.length === 1) return { found: found[0] as HelmTarget };
  if (found.length > 1) {
    // Several charts: keep the one whose folder is named after the workload or container.
    const hint = [...names, ...workloads];
    const byDir = found.filter((f) => hint.some((n) => f.file.path.split('/').includes(n)));
    if (byDir.length === 1) return { found: byDir[0] as HelmTarget };
    return { none: `ambiguous: ${found.map((f) => f.file.path).join(', ')} all hold \`${key}\`` };
  }
  return {
    none: `no Helm values file holds \`${key}\`${errors.length ? `; ${errors.length} did not parse: ${errors.join('; ')}` : ''}`,
  };
}
