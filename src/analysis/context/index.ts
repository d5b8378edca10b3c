/**
 * Context gathering for an analysis: the incident, plus whatever the optional sources can tell in time —
 * related alerts, recent changes in the service's repository, what the alert's metric did, and similar past
 * incidents. The sources run concurrently, each in its own time box; one that fails, hangs or does not
 * apply is left out and reported in `sources`, and never fails the analysis.
 */
import type { Octokit } from '@octokit/rest';
import type { KubeClientResult } from '../../clients/kubernetes.ts';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import { getIncident } from '../../db/incidents.ts';
import type { Queryable } from '../../db/index.ts';
import { AiopsError, ErrorCode } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { AnalysisInput } from '../input.ts';
import { findSimilarIncidents } from '../memory.ts';
import { redactAndCut, redactText } from '../redact.ts';
import { describeKubeContext, gatherKubernetes } from './kubernetes.ts';
import { gatherMetrics, PROMETHEUS_TIMEOUT_MS } from './prometheus.ts';
import { findRecentChanges, repoForService } from './recent-changes.ts';
import { findRelatedAlerts, incidentStart } from './related-alerts.ts';

export { gatherKubernetes, selectLogLines, targetsOf } from './kubernetes.ts';
export { parseGeneratorUrl, splitThreshold, summarizeSeries } from './prometheus.ts';
export { findRecentChanges, repoForService } from './recent-changes.ts';
export { findRelatedAlerts, incidentStart } from './related-alerts.ts';

export type SourceName = 'related-alerts' | 'recent-changes' | 'metrics' | 'similar-incidents' | 'kubernetes';
export type SourceStatus = 'ok' | 'skipped' | 'failed' | 'timeout';

export interface SourceReport {
  name: string;
  status: SourceStatus;
  /** Wall time the source took (up to its time box). */
  ms: number;
  /** Why it was skipped or failed, or what it found. */
  detail?: string;
}

export interface GatheredContext {
  input: AnalysisInput;
  sources: SourceReport[];
}

export interface GatherDeps {
  db: Queryable;
  config: Config;
  clock: Clock;
  /** Null or absent: no GITHUB_TOKEN, recent changes are skipped. */
  github?: Octokit | null;
  /** The global fetch by default (tests pass their own). */
  fetch?: typeof fetch;
  logger: Logger;
  /** Kubernetes read clients (`kubeReadClients`), or why there are none; absent: the source is skipped. */
  kubernetes?: KubeClientResult;
}

export interface GatherOptions {
  /** Time box of each source (default 4 s); `timeouts` overrides it per source. */
  timeoutMs?: number;
  timeouts?: Partial<Record<SourceName, number>>;
  /** Related alerts: from this long before the incident started (default 3 h). */
  relatedWindowMs?: number;
  /** Recent changes: this long before the incident started (default 6 h). */
  changesWindowMs?: number;
  /** Similar incidents at most (default 20). */
  similarLimit?: number;
}

export const DEFAULT_SOURCE_TIMEOUT_MS = 4_000;

/** What a source returns: its value (and a note on it), or why it does not apply. */
type Outcome<T> = { value: T; detail?: string } | { skipped: string };

class SourceTimeout extends Error {
  override name = 'SourceTimeout';
}

/** Runs `work` with a deadline; on timeout its signal aborts what it has in flight. Never rejects. */
async function timeBox<T>(
  name: SourceName,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<Outcome<T>>,
): Promise<{ report: SourceReport; value: T | undefined; error?: unknown }> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new SourceTimeout(`no answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const elapsed = () => Math.round(performance.now() - started);
  const running = Promise.resolve().then(() => work(controller.signal));
  // After a timeout the source may still settle (a database query cannot be cancelled): nothing waits for it.
  running.catch(() => {});
  try {
    const outcome = await Promise.race([running, deadline]);
    if ('skipped' in outcome) {
      return {
        report: { name, status: 'skipped', ms: elapsed(), detail: outcome.skipped },
        value: undefined,
      };
    }
    const report: SourceReport = { name, status: 'ok', ms: elapsed() };
    if (outcome.detail) report.detail = outcome.detail;
    return { report, value: outcome.value };
  } catch (error) {
    const status = error instanceof SourceTimeout ? 'timeout' : 'failed';
    return { report: { name, status, ms: elapsed(), detail: describeError(error) }, value: undefined, error };
  } finally {
    clearTimeout(timer);
    // A source that failed part-way may still have requests in flight: they are no longer wanted.
    if (!controller.signal.aborted) controller.abort(new Error(`${name} finished`));
  }
}

/** A one-line reason, without request headers or bodies (Octokit errors carry the request). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactAndCut(String(error), 300);
  const status = (error as { status?: unknown }).status;
  const prefix = typeof status === 'number' && !(error instanceof SourceTimeout) ? `HTTP ${status}: ` : '';
  return redactAndCut(`${prefix}${redactText(error.message).split('\n')[0]}`, 300);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The analysis input for an incident and a report per source. Throws only when the incident itself cannot
 * be read (not found: `AiopsError` NotFound; the database down).
 */
export async function gatherContext(
  deps: GatherDeps,
  incidentId: number,
  options: GatherOptions = {},
): Promise<GatheredContext> {
  const incident = await getIncident(deps.db, incidentId);
  if (!incident) throw new AiopsError(ErrorCode.NotFound, `incident ${incidentId} not found`);
  const now = deps.clock.now();
  const started = incidentStart(incident);
  const configured: Partial<Record<SourceName, number | undefined>> = {
    kubernetes: deps.config.file.context?.kubernetes?.timeoutMs,
  };
  const boxFor = (name: SourceName) =>
    options.timeouts?.[name] ?? configured[name] ?? options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;

  const [related, changes, metrics, similar, kubernetes] = await Promise.all([
    timeBox('related-alerts', boxFor('related-alerts'), async () => {
      const alerts = await findRelatedAlerts(deps.db, incident, {
        until: now,
        ...(options.relatedWindowMs !== undefined ? { windowMs: options.relatedWindowMs } : {}),
      });
      return { value: alerts, detail: plural(alerts.length, 'alert') };
    }),

    timeBox('recent-changes', boxFor('recent-changes'), async (signal) => {
      if (!deps.github) return { skipped: 'GITHUB_TOKEN is not set' };
      const target = repoForService(deps.config, incident.service);
      if (!target) return { skipped: `no repo for service ${incident.service} in aiops.yml` };
      const found = await findRecentChanges(deps.github, {
        ...target,
        until: started,
        signal,
        ...(options.changesWindowMs !== undefined ? { windowMs: options.changesWindowMs } : {}),
      });
      return { value: found, detail: `${target.owner}/${target.repo}: ${plural(found.length, 'change')}` };
    }),

    timeBox('metrics', boxFor('metrics'), async (signal) => {
      const prometheus = deps.config.file.prometheus;
      if (!prometheus?.url && !prometheus?.allowedHosts?.length) {
        return { skipped: 'set prometheus.url (or prometheus.allowedHosts) in aiops.yml' };
      }
      const outcome = await gatherMetrics(
        {
          fetch: deps.fetch ?? globalThis.fetch,
          now,
          baseUrl: prometheus.url,
          allowedHosts: prometheus.allowedHosts,
          timeoutMs: prometheus?.timeoutMs ?? PROMETHEUS_TIMEOUT_MS,
          signal,
        },
        incident.alerts,
      );
      if (outcome.queried === 0) {
        return { skipped: 'no alert has a Prometheus generatorURL (on an allowed host)' };
      }
      if (outcome.failures.length === outcome.queried) throw new Error(outcome.failures.join('; '));
      const failed = outcome.failures.length > 0 ? `; failed: ${outcome.failures.join('; ')}` : '';
      return {
        value: outcome.metrics,
        detail: `${plural(outcome.metrics.length, 'expression')} with data of ${outcome.queried}${failed}`,
      };
    }),

    timeBox('similar-incidents', boxFor('similar-incidents'), async () => {
      const found = await findSimilarIncidents(deps.db, incident, options.similarLimit);
      return { value: found, detail: plural(found.length, 'incident') };
    }),

    timeBox('kubernetes', boxFor('kubernetes'), async (signal) => {
      const kube = deps.kubernetes;
      if (!kube) return { skipped: 'Kubernetes context is not configured' };
      if ('unavailable' in kube) return { skipped: kube.unavailable };
      const found = await gatherKubernetes(
        { clients: kube.clients, namespaces: deps.config.file.context?.kubernetes?.namespaces, signal },
        incident.alerts,
      );
      if (found.objects.length === 0 && found.notes.length === 0) {
        return { skipped: 'no alert names a pod, workload or node' };
      }
      return { value: found, detail: describeKubeContext(found) };
    }),
  ]);

  const results = [related, changes, metrics, similar, kubernetes];
  for (const result of results) {
    const { report } = result;
    if (report.status === 'failed' || report.status === 'timeout') {
      deps.logger.warn(
        { incidentId, source: report.name, status: report.status, ms: report.ms, err: result.error },
        `context source ${report.name}: ${report.status}`,
      );
    }
  }
  deps.logger.debug({ incidentId, sources: results.map((result) => result.report) }, 'context gathered');

  return {
    input: {
      incident,
      relatedAlerts: related.value ?? [],
      recentChanges: changes.value ?? [],
      metrics: metrics.value ?? [],
      similarIncidents: similar.value ?? [],
      ...(kubernetes.value ? { kubernetes: kubernetes.value } : {}),
    },
    sources: results.map((result) => result.report),
  };
}
