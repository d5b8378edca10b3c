/**
 * Metric context: what the alert's own expression did around the time it fired, as a few numbers an
 * analyzer can cite ("went from 0.4 to 12 at 09:52"). The Prometheus to ask and the expression come from
 * the alert's generatorURL (`http://prometheus:9090/graph?g0.expr=…`); aiops.yml `prometheus.url` replaces
 * the base when those URLs carry a host name the bot cannot reach.
 */
import { z } from 'zod';
import type { IncidentAlert } from '../../db/incidents.ts';
import type { MetricSummary } from '../input.ts';
import { redactAndCut } from '../redact.ts';

/** How much history before the alert started makes the baseline, and how long after it to look. */
export const BEFORE_MS = 60 * 60_000;
export const AFTER_MS = 15 * 60_000;
/** Points per series at most: the step is chosen so the range fits. */
export const MAX_POINTS = 120;
/** Each range query's deadline unless aiops.yml `prometheus.timeoutMs` says otherwise. */
export const PROMETHEUS_TIMEOUT_MS = 3_000;
/** Distinct expressions queried per incident at most. */
export const MAX_EXPRS = 3;
/** Series examined per query at most (a query over every pod of a big cluster can return thousands). */
const MAX_SERIES = 500;

export interface PrometheusTarget {
  /** The Prometheus base URL, without a trailing slash (`http://prometheus:9090`, or with a path prefix). */
  base: string;
  expr: string;
}

/**
 * The base URL and the expression of a Prometheus generatorURL, or null when it is not one (another kind of
 * link, no expression, not http(s)). The base is everything before the UI page (`/graph`, `/query`), so a
 * Prometheus served under a path prefix keeps it.
 */
export function parseGeneratorUrl(generatorUrl: string | null | undefined): PrometheusTarget | null {
  if (!generatorUrl) return null;
  let url: URL;
  try {
    url = new URL(generatorUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const expr = url.searchParams.get('g0.expr')?.trim();
  if (!expr) return null;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(graph|query)$/, '');
  return { base: `${url.origin}${path}`, expr };
}

const COMPARISON = /^(==|!=|>=|<=|>|<)/;
const SET_OPERATOR = /^(and|or|unless)\b/i;

/**
 * An alerting expression is usually `something > threshold`: it returns series only while the alert
 * holds, so it has no history to compare with. This takes such a top-level comparison with a number off
 * (`rate(errors[5m]) > 0.05` → `rate(errors[5m])`, 0.05) so the query returns the underlying values.
 * Anything else (no comparison, `bool`, several comparisons, set operators, a comparison of two vectors)
 * is left as it is (null).
 */
export function splitThreshold(expr: string): { query: string; op: string; threshold: number } | null {
  let depth = 0;
  let quote: string | null = null;
  let found: { index: number; op: string } | null = null;
  for (let i = 0; i < expr.length; i++) {
    const char = expr[i] as string;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') quote = char;
    else if (char === '(' || char === '[' || char === '{') depth++;
    else if (char === ')' || char === ']' || char === '}') depth--;
    else if (depth === 0) {
      const rest = expr.slice(i);
      const before = i === 0 ? ' ' : (expr[i - 1] as string);
      if (/[\s)\]}]/.test(before) && SET_OPERATOR.test(rest)) return null;
      const op = COMPARISON.exec(rest)?.[1];
      if (op) {
        if (found) return null;
        found = { index: i, op };
        i += op.length - 1;
      }
    }
  }
  if (!found || depth !== 0) return null;
  const query = expr.slice(0, found.index).trim();
  const right = expr.slice(found.index + found.op.length).trim();
  if (!query || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(right)) return null;
  return { query, op: found.op, threshold: Number(right) };
}

export interface Point {
  /** Unix seconds. */
  t: number;
  v: number;
}

export interface SeriesSummary {
  baseline: number | null;
  /** Median absolute deviation of the baseline points. */
  mad: number | null;
  peak: number | null;
  peakAt: number | null;
  changedAt: number | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Baseline: the median of the points before `startsAt` (the hour before). Peak: of the points from
 * `startsAt` on, the one furthest from the baseline (the max for a rise, the min for a drop; the max when
 * there is no baseline). changedAt: the first point of the excursion that reaches the peak, going back from
 * it while points stay off the baseline by more than 3 × the baseline's MAD or more than 50 % of it; it can
 * precede `startsAt` (the alert's `for:`). Null when the peak is not off the baseline.
 */
export function summarizeSeries(points: Point[], startsAt: number): SeriesSummary {
  const before = points.filter((point) => point.t < startsAt);
  const baseline = before.length > 0 ? median(before.map((point) => point.v)) : null;
  const mad = baseline === null ? null : median(before.map((point) => Math.abs(point.v - baseline)));
  const distance = (point: Point) => (baseline === null ? point.v : Math.abs(point.v - baseline));
  let peakIndex = -1;
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as Point;
    if (point.t < startsAt) continue;
    const best = points[peakIndex];
    if (!best || distance(point) > distance(best)) peakIndex = i;
  }
  const peak = points[peakIndex];
  if (!peak) return { baseline, mad, peak: null, peakAt: null, changedAt: null };
  let changedAt: number | null = null;
  if (baseline !== null && mad !== null) {
    const off = (value: number) => {
      const deviation = Math.abs(value - baseline);
      return deviation > 3 * mad || (baseline !== 0 && deviation > 0.5 * Math.abs(baseline));
    };
    if (off(peak.v)) {
      let first = peakIndex;
      while (first > 0 && off((points[first - 1] as Point).v)) first--;
      changedAt = (points[first] as Point).t;
    }
  }
  return { baseline, mad, peak: peak.v, peakAt: peak.t, changedAt };
}

/** How far a series moved, relative to its baseline's size and noise: used to pick the one to report. */
function movement(summary: SeriesSummary): number {
  if (summary.peak === null) return -2;
  // Without a baseline nothing is known to have moved: rank below every series with one, bigger peaks first.
  if (summary.baseline === null || summary.mad === null) return -1 / (1 + Math.abs(summary.peak));
  const scale = Math.max(Math.abs(summary.baseline), summary.mad, 1e-12);
  return Math.abs(summary.peak - summary.baseline) / scale;
}

const round = (value: number | null): number | null =>
  value === null ? null : Number.parseFloat(value.toPrecision(4));
const isoOf = (seconds: number | null): string | null =>
  seconds === null ? null : new Date(seconds * 1000).toISOString();

const sampleSchema = z.tuple([z.number(), z.string()]);
const matrixSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleSchema) })),
  }),
});
const errorSchema = z.object({
  status: z.literal('error'),
  errorType: z.string().optional(),
  error: z.string(),
});

export class PrometheusError extends Error {
  override name = 'PrometheusError';
}

export interface RangeQuery {
  base: string;
  query: string;
  /** Unix seconds. */
  start: number;
  end: number;
  step: number;
}

/** The step (whole seconds) so a range has at most `MAX_POINTS` points. */
export function stepFor(startSeconds: number, endSeconds: number): number {
  return Math.max(1, Math.ceil((endSeconds - startSeconds) / (MAX_POINTS - 1)));
}

/** `GET {base}/api/v1/query_range`: the series as points, non-finite samples (NaN, ±Inf) dropped. */
export async function queryRange(
  fetchImpl: typeof fetch,
  range: RangeQuery,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<{ metric: Record<string, string>; points: Point[] }[]> {
  const url = new URL(`${range.base}/api/v1/query_range`);
  url.searchParams.set('query', range.query);
  url.searchParams.set('start', String(range.start));
  url.searchParams.set('end', String(range.end));
  url.searchParams.set('step', String(range.step));
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal });
    text = await response.text();
  } catch (error) {
    if (deadline.aborted) throw new PrometheusError(`${url.host}: no answer within ${options.timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PrometheusError(
      `${url.host}: ${cause?.code ?? cause?.message ?? (error as Error).message ?? 'request failed'}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PrometheusError(`${url.host}: HTTP ${response.status}, not a Prometheus API answer`);
  }
  const failure = errorSchema.safeParse(body);
  if (failure.success) {
    throw new PrometheusError(
      `${url.host}: HTTP ${response.status} ${failure.data.errorType ?? 'error'}: ${redactAndCut(failure.data.error, 200)}`,
    );
  }
  const parsed = matrixSchema.safeParse(body);
  if (!response.ok || !parsed.success) {
    throw new PrometheusError(`${url.host}: HTTP ${response.status}, not a range query answer`);
  }
  return parsed.data.data.result.slice(0, MAX_SERIES).map((series) => ({
    metric: series.metric,
    points: series.values
      .map(([t, value]) => ({ t, v: Number(value) }))
      .filter((point) => Number.isFinite(point.v)),
  }));
}

export interface MetricsDeps {
  fetch: typeof fetch;
  now: Date;
  /** aiops.yml `prometheus.url`: replaces the generatorURL's base. */
  baseUrl?: string | undefined;
  /** aiops.yml `prometheus.allowedHosts`: generatorURL hosts (`host` or `host:port`) that may be queried. */
  allowedHosts?: readonly string[] | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface MetricsOutcome {
  metrics: MetricSummary[];
  /** How many expressions were queried, and why the ones that failed did. */
  queried: number;
  failures: string[];
}

interface Target extends PrometheusTarget {
  /** Epoch ms: the earliest start of the alerts with this expression. */
  startsAt: number;
}

/** Whether a generatorURL base may be queried: its `host` or `host:port` is listed. */
export function isAllowedHost(base: string, allowedHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return false;
  }
  return allowedHosts.some((allowed) => {
    const entry = allowed.toLowerCase();
    return entry === url.host.toLowerCase() || entry === url.hostname.toLowerCase();
  });
}

/** Up to `MAX_EXPRS` distinct expressions of the incident's alerts (firing ones first), with their start. */
export function metricTargets(
  alerts: IncidentAlert[],
  baseUrl?: string,
  allowedHosts: readonly string[] = [],
): Target[] {
  const byExpr = new Map<string, Target>();
  const ordered = [...alerts].sort((a, b) => Number(b.status === 'firing') - Number(a.status === 'firing'));
  for (const alert of ordered) {
    const target = parseGeneratorUrl(alert.generatorUrl);
    const startsAt = Date.parse(alert.startsAt);
    if (!target || Number.isNaN(startsAt)) continue;
    if (!baseUrl && !isAllowedHost(target.base, allowedHosts)) continue;
    const known = byExpr.get(target.expr);
    if (known) known.startsAt = Math.min(known.startsAt, startsAt);
    else if (byExpr.size < MAX_EXPRS) {
      byExpr.set(target.expr, {
        base: baseUrl ? baseUrl.replace(/\/+$/, '') : target.base,
        expr: target.expr,
        startsAt,
      });
    }
  }
  return [...byExpr.values()];
}

async function summarizeTarget(deps: MetricsDeps, target: Target): Promise<MetricSummary | null> {
  const split = splitThreshold(target.expr);
  const query = split?.query ?? target.expr;
  const start = Math.floor((target.startsAt - BEFORE_MS) / 1000);
  const end = Math.max(
    Math.floor(target.startsAt / 1000),
    Math.floor(Math.min(target.startsAt + AFTER_MS, deps.now.getTime()) / 1000),
  );
  const series = await queryRange(
    deps.fetch,
    { base: target.base, query, start, end, step: stepFor(start, end) },
    { timeoutMs: deps.timeoutMs, signal: deps.signal },
  );
  if (series.length === 0) return null;
  const startsAtSeconds = target.startsAt / 1000;
  let best: { metric: Record<string, string>; summary: SeriesSummary } | null = null;
  for (const one of series) {
    const summary = summarizeSeries(one.points, startsAtSeconds);
    if (!best || movement(summary) > movement(best.summary)) best = { metric: one.metric, summary };
  }
  if (!best) return null;
  return {
    expr: target.expr,
    baseline: round(best.summary.baseline),
    peak: round(best.summary.peak),
    changedAt: isoOf(best.summary.changedAt),
    peakAt: isoOf(best.summary.peakAt),
    ...(split ? { query, threshold: split.threshold } : {}),
    series: series.length,
    labels: best.metric,
  };
}

/** Queries the incident's alert expressions concurrently; a failing one is reported, the others kept. */
export async function gatherMetrics(deps: MetricsDeps, alerts: IncidentAlert[]): Promise<MetricsOutcome> {
  const targets = metricTargets(alerts, deps.baseUrl, deps.allowedHosts);
  const settled = await Promise.allSettled(targets.map((target) => summarizeTarget(deps, target)));
  const metrics: MetricSummary[] = [];
  const failures: string[] = [];
  for (const result of settled) {
    if (result.status === 'rejected') failures.push(describe(result.reason));
    else if (result.value) metrics.push(result.value);
  }
  return { metrics, queried: targets.length, failures };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
