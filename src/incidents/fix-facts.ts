/**
 * Measurements a fix generator sizes from, asked of Prometheus when aiops.yml configures it: each generator names
 * its queries (`factQueries`, e.g. the host's `node_nf_conntrack_entries_limit` for a conntrack playbook), each is
 * run over the last hours and its highest value becomes the fact. A query that fails or returns nothing leaves the
 * fact out (the generator then says it has nothing to size from); nothing here throws.
 */
import {
  isAllowedHost,
  PROMETHEUS_TIMEOUT_MS,
  parseGeneratorUrl,
  queryRange,
  stepFor,
} from '../analysis/context/prometheus.ts';
import type { Config } from '../config.ts';
import type { IncidentAlert } from '../db/incidents.ts';
import type { FixRequest } from '../fixes/index.ts';
import { factQueriesFor } from '../fixes/proposals.ts';
import type { Logger } from '../logger.ts';

/** The window the facts are measured over (the generators say "peak … over 6h"). */
const WINDOW_SECONDS = 6 * 3600;

/** aiops.yml `prometheus.url`, else the base of an alert's generatorURL on an allowed host. */
export function prometheusBase(config: Config, alerts: IncidentAlert[]): string | undefined {
  const prometheus = config.file.prometheus;
  if (prometheus?.url) return prometheus.url.replace(/\/+$/, '');
  const allowed = prometheus?.allowedHosts ?? [];
  if (allowed.length === 0) return undefined;
  for (const alert of alerts) {
    const target = parseGeneratorUrl(alert.generatorUrl);
    if (target && isAllowedHost(target.base, allowed)) return target.base;
  }
  return undefined;
}

export async function prometheusFacts(
  deps: { config: Config; logger?: Logger | undefined; fetch?: typeof fetch | undefined },
  now: Date,
  alerts: IncidentAlert[],
  signature: string | undefined,
  generator?: string,
): Promise<FixRequest['facts']> {
  if (!signature) return {};
  const firing = [...alerts].sort((a, b) => Number(b.status === 'firing') - Number(a.status === 'firing'));
  const queries = factQueriesFor(
    signature,
    firing.map((alert) => alert.labels),
    generator,
  );
  if (queries.length === 0) return {};
  const base = prometheusBase(deps.config, alerts);
  if (!base) return {};
  const end = Math.floor(now.getTime() / 1000);
  const start = end - WINDOW_SECONDS;
  const facts: FixRequest['facts'] = {};
  await Promise.all(
    queries.map(async ({ fact, query }) => {
      try {
        const series = await queryRange(
          deps.fetch ?? globalThis.fetch,
          { base, query, start, end, step: stepFor(start, end) },
          { timeoutMs: deps.config.file.prometheus?.timeoutMs ?? PROMETHEUS_TIMEOUT_MS },
        );
        const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v > 0);
        if (values.length > 0) facts[fact] = Math.max(...values);
      } catch (error) {
        deps.logger?.warn({ err: error, fact }, 'fix: a sizing query failed; the fact is left out');
      }
    }),
  );
  if (Object.keys(facts).length > 0 && facts.window === undefined) facts.window = '6h';
  return facts;
}
