/**
 * OOMKilled → raise the container's memory limit (and request when it equalled the limit); CPU throttling → raise
 * its CPU limit. Deployments, StatefulSets, DaemonSets, CronJobs and Jobs in plain manifests, or Helm `values.yaml`
 * `resources` (top level or under the component's key).
 */
import { humanBytes, parseQuantity, roundCpuUp, roundMemoryUp } from '../quantity.ts';
import { findByLabels, findContainer, get, loadManifests, type Obj } from '../target.ts';
import type { FixRequest } from '../types.ts';
import type { YamlPath } from '../yaml-edit.ts';
import {
  factNumber,
  factString,
  findHelmValues,
  firstLabel,
  type Generator,
  objRef,
  promString,
  shown,
  windowText,
  type YamlChange,
  yamlEdit,
} from './common.ts';

type Resource = 'memory' | 'cpu';

interface Sizing {
  changes: { path: YamlPath; value: string }[];
  newLimit: string;
  rationale: string;
}

const HEADROOM = 1.3;
const RAISE = 1.5;

/** The new limit (and request) of one resource in a `resources` map, and why. */
export function sizeResource(
  resource: Resource,
  resources: unknown,
  facts: FixRequest['facts'],
): Sizing | { none: string } {
  const limits = get(resources, ['limits']);
  const requests = get(resources, ['requests']);
  const limitText = get(limits, [resource]);
  const requestText = get(requests, [resource]);
  const limit =
    typeof limitText === 'string' || typeof limitText === 'number' ? parseQuantity(limitText) : undefined;
  const request =
    typeof requestText === 'string' || typeof requestText === 'number'
      ? parseQuantity(requestText)
      : undefined;
  if (limitText !== undefined && limit === undefined)
    return { none: `the ${resource} limit ${String(limitText)} is not a quantity` };
  const round =
    resource === 'memory'
      ? (n: number) => roundMemoryUp(n)
      : (n: number) => {
          const r = roundCpuUp(n);
          return { bytes: r.cores, text: r.text };
        };
  const show = resource === 'memory' ? humanBytes : (n: number) => `${Math.round(n * 1000)}m`;
  const peak =
    resource === 'memory'
      ? factNumber(facts, 'memoryPeakBytes', 'memoryWorkingSetPeakBytes')
      : factNumber(facts, 'cpuPeakCores', 'cpuUsagePeakCores');
  const was = limitText !== undefined ? ` (was ${String(limitText)})` : ' (no limit was set)';
  let next: { bytes: number; text: string };
  let why: string;
  if (peak !== undefined) {
    next = round(peak * HEADROOM);
    why = `peak ${show(peak)}${windowText(facts)} + 30 % headroom → ${next.text}${was}`;
    if (limit !== undefined && next.bytes <= limit) {
      next = round(limit * RAISE);
      why = `peak ${show(peak)}${windowText(facts)} stays under the ${String(limitText)} limit (spikes are faster than the scrape), so the limit × 1.5 → ${next.text}`;
    }
  } else if (limit !== undefined) {
    next = round(limit * RAISE);
    why = `no measured peak: the ${String(limitText)} limit × 1.5, rounded up → ${next.text}`;
  } else {
    return {
      none: `no ${resource} limit is set and no peak usage was measured: nothing to size a limit from`,
    };
  }
  const changes: Sizing['changes'] = [{ path: ['limits', resource], value: next.text }];
  let reqWhy = '';
  if (request !== undefined && limit !== undefined && request === limit) {
    changes.push({ path: ['requests', resource], value: next.text });
    reqWhy = `; the request equalled the limit (Guaranteed QoS), so it rises with it`;
  } else if (request !== undefined && request > next.bytes) {
    changes.push({ path: ['requests', resource], value: next.text });
    reqWhy = `; the request ${String(requestText)} would exceed the new limit, so it is set to it`;
  } else if (request !== undefined) {
    reqWhy = `; the request ${String(requestText)} is kept`;
  }
  return { changes, newLimit: next.text, rationale: `${why}${reqWhy}.` };
}

/** Where the alert's container runs, for a proposal: `pod x in namespace y`. */
function workloadText(labels: Record<string, string>[]): string {
  const ns = firstLabel(labels, 'namespace');
  const workload = firstLabel(labels, 'deployment', 'statefulset', 'daemonset', 'cronjob', 'job_name');
  const pod = firstLabel(labels, 'pod');
  const what = workload ? `workload \`${workload}\`` : pod ? `pod \`${pod}\`` : 'the workload';
  return `${what}${ns ? ` in namespace \`${ns}\`` : ''}`;
}

const SIZING: Record<Resource, string> = {
  memory:
    'the measured peak + 30 % when Prometheus has it, else the current limit × 1.5 (rounded up); the request follows when it equalled the limit',
  cpu: 'the measured peak + 30 % when Prometheus has it, else the current limit × 1.5, rounded up to 100m; the request is kept unless it would exceed the new limit',
};

function resourcesGenerator(resource: Resource, name: string, signatures: string[]): Generator {
  const noun = resource === 'memory' ? 'memory limit' : 'CPU limit';
  return {
    name,
    signatures,
    propose({ signature, alertLabels, facts = {} }) {
      const container = firstLabel(alertLabels, 'container');
      // A crash loop is a memory limit's doing only when the pod says this container was OOMKilled (facts.oomKilled).
      if (signature === 'crash-loop') {
        const killed = factString(facts, 'oomKilled');
        if (resource !== 'memory' || !killed || (container !== undefined && shown(killed) !== container))
          return undefined;
      }
      return {
        kind: 'kubernetes',
        title: `Raise the ${noun} of ${container ? `\`${container}\`` : 'the container'} in its manifest`,
        description: `In the manifest (Deployment, StatefulSet, DaemonSet, CronJob) of ${workloadText(alertLabels)}, or the chart's \`resources\` values: ${SIZING[resource]}.`,
      };
    },
    factQueries({ alertLabels }) {
      // The container's peak use over the window: CPU cores, or the memory working set (what the OOM killer counts).
      // A memory peak the analysis context measured still wins over this one (the fix use-case merges it last).
      const first = alertLabels[0] ?? {};
      if (!first.pod || !first.container) return [];
      const selector = ['namespace', 'pod', 'container']
        .filter((k) => first[k])
        .map((k) => `${k}=${promString(first[k] as string)}`)
        .join(',');
      return resource === 'cpu'
        ? [{ fact: 'cpuPeakCores', query: `max(rate(container_cpu_usage_seconds_total{${selector}}[5m]))` }]
        : [{ fact: 'memoryPeakBytes', query: `max(container_memory_working_set_bytes{${selector}})` }];
    },
    generate(request) {
      const k8s = request.files.kubernetes ?? [];
      const { objects, unreadable } = loadManifests(k8s);
      const target = findByLabels(objects, request.alertLabels);
      if ('found' in target) {
        const obj = target.found;
        const container = findContainer(obj, request.alertLabels);
        if ('none' in container) return container;
        const resPath = [...container.found.path, 'resources'];
        const sizing = sizeResource(resource, get(obj.value, resPath), request.facts);
        if ('none' in sizing)
          return { none: `${objRef(obj)}, container ${container.found.name}: ${sizing.none}` };
        const changes: YamlChange[] = sizing.changes.map((c) => ({
          doc: obj.docIndex,
          path: [...resPath, ...c.path],
          value: c.value,
        }));
        return {
          kind: 'kubernetes',
          title: `Raise ${noun} of ${obj.name}${container.found.name !== obj.name ? ` (container ${container.found.name})` : ''} to ${sizing.newLimit}`,
          rationale: `${objRef(obj)}, container ${container.found.name}: ${sizing.rationale}`,
          edits: [yamlEdit(obj.file, changes, obj.doc)],
          rollback: `Revert this PR (or set the ${noun} of ${container.found.name} back) and re-apply the manifest.`,
          generator: name,
        };
      }
      const helm = findHelmValues(request, 'resources');
      if ('found' in helm) {
        const { file, base, value } = helm.found;
        const sizing = sizeResource(resource, (value as Obj).resources, request.facts);
        if ('none' in sizing)
          return { none: `${file.path} ${[...base, 'resources'].join('.')}: ${sizing.none}` };
        // The values file's own key, or the service: never a label value (untrusted) in a PR title.
        const who = base.length ? String(base[0]) : request.service;
        return {
          kind: 'helm',
          title: `Raise ${noun} of ${who} to ${sizing.newLimit}`,
          rationale: `${file.path} \`${[...base, 'resources'].join('.')}\`: ${sizing.rationale}`,
          edits: [
            yamlEdit(
              file,
              sizing.changes.map((c) => ({
                doc: 0,
                path: [...base, 'resources', ...c.path],
                value: c.value,
              })),
            ),
          ],
          rollback: `Revert this PR and run \`helm upgrade\` with the previous values.`,
          generator: name,
        };
      }
      const why = [target.none];
      if ((request.files.helm ?? []).length) why.push(helm.none);
      if (unreadable.length) why.push(`${unreadable.length} file(s) did not parse: ${unreadable.join('; ')}`);
      return { none: why.join('; ') };
    },
  };
}

export const memoryLimit = resourcesGenerator('memory', 'k8s-memory-limit', ['oom-killed']);
/**
 * The same memory fix (same name, so the same branch) for a crash loop whose container the pod says was OOMKilled;
 * its own entry so that for `crash-loop` it comes after the probe fix in the generators' order.
 */
export const crashLoopMemoryLimit: Generator = { ...memoryLimit, signatures: ['crash-loop'] };
export const cpuLimit = resourcesGenerator('cpu', 'k8s-cpu-limit', ['cpu-throttling']);
