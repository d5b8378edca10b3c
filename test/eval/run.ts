/**
 * `npm run eval`: how often the analyzer names the right root cause, measured on labelled incidents built from
 * public runbooks and alert rules (`test/eval/cases/*.json`, sources in `test/eval/README.md`).
 *
 * Each case becomes an in-memory `IncidentDetail` (alerts shaped as `getIncident` returns them, fingerprints and
 * severities as ingest computes them) plus its recent changes, and goes through every analyzer in `analyzers`.
 * Scores, per analyzer:
 *   - top-1: the first root cause matches an expected cause;
 *   - top-3: one of the first three does.
 * A cause matches an expected one when the case-insensitive regex `match` finds the cause title and, when the
 * expectation names a category, the cause has it. A `forbidden` cause ranked at or above the first match voids
 * the hit (e.g. blaming a change made after the alert began). For an `unknown` case (the sources name no cause)
 * both scores are one verdict: honest when the analyzer names no cause, or its first cause is category `unknown`
 * or one of the listed honest answers; an invented specific cause is wrong.
 *
 * Prints one line per case, the totals (also per set and per case file), the targets with PASS/FAIL, then one
 * JSON line. Exits 0 unless EVAL_STRICT=1 and a target fails. EVAL_VERBOSE=1 prints every cause (with evidence)
 * of a missed case. Sets: `cases/holdout*.json` is the held-out set (written blind, never used to develop the
 * analyzer), every other file the main set; EVAL_SET=main|holdout|all (default all) picks which cases run.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { containersOf, eventsOf, selectLogLines } from '../../src/analysis/context/kubernetes.ts';
import type { AnalysisInput } from '../../src/analysis/input.ts';
import { analyzeWithLlm } from '../../src/analysis/llm.ts';
import { analyzeOffline } from '../../src/analysis/offline/index.ts';
import {
  type Analysis,
  analysisSchema,
  type KubeContext,
  kubeContextSchema,
  type RootCause,
  rootCauseCategories,
} from '../../src/analysis/schema.ts';
import { createAnthropicClient } from '../../src/clients/anthropic.ts';
import type { IncidentAlert, IncidentDetail } from '../../src/db/incidents.ts';
import { highestSeverity, normalizeSeverity } from '../../src/ingest/alert.ts';
import { labelsFingerprint } from '../../src/ingest/fingerprint.ts';

export const CASES_DIR = fileURLToPath(new URL('./cases/', import.meta.url));

/** When a case gives no `startsAt`, and the moment the incident is analyzed. */
export const EVAL_NOW = '2024-05-01T10:15:00.000Z';

// ─── The case format ────────────────────────────────────────────────────────────────────────────────────────

const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO 8601 timestamp');
const httpsUrl = z.url({ protocol: /^https$/ });
const regex = z
  .string()
  .min(1)
  .refine((value) => {
    try {
      new RegExp(value, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');
const category = z.enum(rootCauseCategories);

const expectedCauseSchema = z.object({
  /** Case-insensitive regex tested against the cause title. */
  match: regex,
  /** When given, the cause must also have this category (or one of these). */
  category: z.union([category, z.array(category).min(1)]).optional(),
});

const caseAlertSchema = z
  .object({
    alertname: z.string().min(1),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()).default({}),
    status: z.enum(['firing', 'resolved']).default('firing'),
    startsAt: isoTime.optional(),
    generatorUrl: z.url().optional(),
    /** The rule's PromQL; becomes a Prometheus `generatorURL` (as Prometheus builds it) when none is given. */
    expr: z.string().min(1).optional(),
  })
  .refine((alert) => alert.labels.alertname === undefined || alert.labels.alertname === alert.alertname, {
    message: 'labels.alertname differs from alertname',
  });

const recentChangeSchema = z.object({
  kind: z.enum(['pull_request', 'commit', 'deployment']),
  title: z.string().min(1),
  url: httpsUrl,
  at: isoTime,
  author: z.string().optional(),
});

/**
 * What the cluster said, for a case with Kubernetes context: pod status, events and log lines as the
 * Kubernetes docs or a public runbook show them (`source`). Becomes the analysis input's `kubernetes`.
 */
const kubeCaseSchema = z.object({
  source: httpsUrl,
  /** The evidence names the cause (the target ≥ 85 % is on these); false: it is there but says nothing decisive. */
  namesCause: z.boolean().default(true),
  pods: z
    .array(
      z.object({
        namespace: z.string().min(1),
        name: z.string().min(1),
        status: z.string().default('Running'),
        containers: z
          .array(
            z.object({
              name: z.string().min(1),
              ready: z.boolean().default(false),
              restarts: z.number().int().min(0).default(0),
              state: z.enum(['running', 'waiting', 'terminated']).default('running'),
              reason: z.string().optional(),
              message: z.string().optional(),
              lastTermination: z
                .object({ reason: z.string(), exitCode: z.number().int(), message: z.string().optional() })
                .optional(),
              requests: z.record(z.string(), z.string()).default({}),
              limits: z.record(z.string(), z.string()).default({}),
            }),
          )
          .default([]),
        events: z
          .array(
            z.object({
              type: z.enum(['Normal', 'Warning']).default('Warning'),
              reason: z.string().min(1),
              message: z.string().min(1),
              count: z.number().int().min(1).default(1),
            }),
          )
          .default([]),
        logs: z
          .array(
            z.object({
              container: z.string().min(1),
              previous: z.boolean().default(false),
              lines: z.array(z.string()).min(1),
            }),
          )
          .default([]),
      }),
    )
    .min(1),
});

export const evalCaseSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case words joined by dashes'),
  /** The runbook (or rule file) the alert text and the expected causes come from. */
  source: httpsUrl,
  /** The alert rule whose templates rendered the annotations, when it is not `source` itself. */
  rule: httpsUrl.optional(),
  kind: z.enum(['single', 'multi', 'change', 'confusing', 'unknown']),
  description: z.string().min(1),
  alerts: z.array(caseAlertSchema).min(1),
  recentChanges: z.array(recentChangeSchema).default([]),
  /** Pod status, events and logs of the objects the alerts name (the Kubernetes context source's view). */
  kubernetes: kubeCaseSchema.optional(),
  expected: z
    .object({
      causes: z.array(expectedCauseSchema),
      /** Causes that must not rank at or above the first expected one. */
      forbidden: z.array(expectedCauseSchema).default([]),
      /** The sources name no cause: an honest "unknown" is right, a specific cause is invented. */
      unknown: z.boolean().default(false),
      note: z.string().optional(),
    })
    .refine((expected) => expected.unknown || expected.causes.length > 0, {
      message: 'a case that is not `unknown` needs at least one expected cause',
    }),
});

export const caseFileSchema = z.array(evalCaseSchema).min(1);

export type EvalCase = z.output<typeof evalCaseSchema>;
export type ExpectedCause = z.output<typeof expectedCauseSchema>;

/** Every `*.json` file in `dir`, parsed (a file that does not fit the schema throws, naming the file). */
export function loadCaseFiles(dir = CASES_DIR): { file: string; cases: EvalCase[] }[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const parsed = caseFileSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    return { file, cases: parsed.data };
  });
}

/** All cases, in file order; duplicate ids throw. */
export function loadCases(dir = CASES_DIR): EvalCase[] {
  const cases = loadCaseFiles(dir).flatMap((entry) => entry.cases);
  const seen = new Set<string>();
  for (const evalCase of cases) {
    if (seen.has(evalCase.id)) throw new Error(`duplicate case id "${evalCase.id}"`);
    seen.add(evalCase.id);
  }
  return cases;
}

/** The evaluation sets: `holdout*.json` files are the held-out set, all other case files the main set. */
export const evalSets = ['main', 'holdout'] as const;
export type EvalSet = (typeof evalSets)[number];

export const setOfFile = (file: string): EvalSet => (file.startsWith('holdout') ? 'holdout' : 'main');

/** Case id → the file it comes from. */
export function caseFileIndex(dir = CASES_DIR): Map<string, string> {
  return new Map(
    loadCaseFiles(dir).flatMap((entry) => entry.cases.map((evalCase) => [evalCase.id, entry.file])),
  );
}

/** EVAL_SET: `all` (default), `main` or `holdout`; anything else throws. */
export function selectedSet(value: string | undefined): EvalSet | 'all' {
  const set = (value ?? 'all').trim() || 'all';
  if (set === 'all' || (evalSets as readonly string[]).includes(set)) return set as EvalSet | 'all';
  throw new Error(`EVAL_SET must be all, main or holdout (got "${set}")`);
}

// ─── Case → AnalysisInput ───────────────────────────────────────────────────────────────────────────────────

/** `http://prometheus…/graph?g0.expr=…&g0.tab=1`, the link Prometheus puts in `generatorURL`. */
export const generatorUrlOf = (expr: string): string =>
  `http://prometheus-k8s-0.prometheus-operated:9090/graph?${new URLSearchParams({ 'g0.expr': expr, 'g0.tab': '1' })}`;

function alertOf(spec: EvalCase['alerts'][number]): IncidentAlert {
  const labels: Record<string, string> = { alertname: spec.alertname, ...spec.labels };
  const annotations = spec.annotations;
  const startsAt = new Date(spec.startsAt ?? EVAL_NOW).toISOString();
  return {
    fingerprint: labelsFingerprint(labels),
    status: spec.status,
    alertname: spec.alertname,
    service: labels.service ?? labels.namespace ?? 'unknown',
    severity: normalizeSeverity(labels.severity),
    // The same precedence as the Alertmanager normalizer.
    summary:
      annotations.summary ??
      annotations.title ??
      annotations.description ??
      annotations.message ??
      spec.alertname,
    labels,
    annotations,
    startsAt,
    endsAt: spec.status === 'resolved' ? EVAL_NOW : null,
    generatorUrl: spec.generatorUrl ?? (spec.expr ? generatorUrlOf(spec.expr) : null),
    firstSeen: startsAt,
    lastSeen: EVAL_NOW,
    deliveryCount: 1,
  };
}

/** Labels every alert of the incident shares, as Alertmanager's `commonLabels`. */
function commonLabels(alerts: IncidentAlert[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first.labels).filter(([key, value]) => rest.every((alert) => alert.labels[key] === value)),
  );
}

export function incidentOf(evalCase: EvalCase, id: number): IncidentDetail {
  const alerts = evalCase.alerts.map(alertOf);
  const first = alerts[0] as IncidentAlert;
  const firing = alerts.filter((alert) => alert.status === 'firing').length;
  const openedAt = alerts.map((alert) => alert.startsAt).sort()[0] as string;
  return {
    id,
    title: first.summary !== first.alertname ? `${first.alertname}: ${first.summary}` : first.alertname,
    service: first.service,
    severity: highestSeverity(alerts.map((alert) => normalizeSeverity(alert.severity))),
    status: firing > 0 ? 'triggered' : 'resolved',
    source: 'alertmanager',
    channel: '#eval',
    alertCount: alerts.length,
    firingCount: firing,
    openedAt,
    acknowledgedAt: null,
    resolvedAt: firing > 0 ? null : EVAL_NOW,
    lastEventAt: EVAL_NOW,
    externalId: null,
    externalUrl: null,
    reopenCount: 0,
    labels: commonLabels(alerts),
    alerts,
    timeline: [],
  };
}

/**
 * The case's cluster view as the Kubernetes source builds it: the case's containers and events are shaped as
 * the API returns them (core/v1 Pod, Event) and go through the source's own `containersOf` and `eventsOf`
 * (redacted, one line, long messages cut keeping head and tail, Warnings first), log lines through
 * `selectLogLines`.
 */
export function kubeContextOf(evalCase: EvalCase): KubeContext | undefined {
  const kube = evalCase.kubernetes;
  if (!kube) return undefined;
  const at = new Date(Date.parse(EVAL_NOW) - 60_000).toISOString();
  return kubeContextSchema.parse({
    objects: kube.pods.map((pod) => ({
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      status: pod.status,
      containers: containersOf({
        spec: {
          containers: pod.containers.map((container) => ({
            name: container.name,
            resources: { requests: container.requests, limits: container.limits },
          })),
        },
        status: {
          containerStatuses: pod.containers.map((container) => ({
            name: container.name,
            ready: container.ready,
            restartCount: container.restarts,
            state: {
              [container.state]: {
                ...(container.reason ? { reason: container.reason } : {}),
                ...(container.message ? { message: container.message } : {}),
              },
            },
            ...(container.lastTermination
              ? { lastState: { terminated: { ...container.lastTermination, finishedAt: at } } }
              : {}),
          })),
        },
      }),
      events: eventsOf(
        pod.events.map((event) => ({
          type: event.type,
          reason: event.reason,
          message: event.message,
          count: event.count,
          lastTimestamp: at,
        })),
      ),
      logs: pod.logs.map((tail) => ({
        container: tail.container,
        previous: tail.previous,
        ...selectLogLines(tail.lines.join('\n')),
      })),
      notes: [],
    })),
    notes: [],
  });
}

export function inputOf(evalCase: EvalCase, id: number): AnalysisInput {
  const kubernetes = kubeContextOf(evalCase);
  return {
    incident: incidentOf(evalCase, id),
    relatedAlerts: [],
    recentChanges: evalCase.recentChanges,
    metrics: [],
    similarIncidents: [],
    ...(kubernetes ? { kubernetes } : {}),
  };
}

/** The same input without the Kubernetes context: what the analyzer says from the alerts alone. */
export function withoutKubernetes(input: AnalysisInput): AnalysisInput {
  const { kubernetes: _dropped, ...rest } = input;
  return rest;
}

// ─── Scoring ────────────────────────────────────────────────────────────────────────────────────────────────

export function causeMatches(cause: RootCause, expected: ExpectedCause): boolean {
  if (!new RegExp(expected.match, 'i').test(cause.title)) return false;
  if (expected.category === undefined) return true;
  const categories: readonly string[] = Array.isArray(expected.category)
    ? expected.category
    : [expected.category];
  return categories.includes(cause.category);
}

export interface CaseScore {
  top1: boolean;
  top3: boolean;
  /** 1-based rank of the first matching cause (or honest answer), null when none. */
  rank: number | null;
  /** Why a hit was voided or a case judged, when it is not obvious. */
  reason?: string;
}

export function scoreCase(evalCase: EvalCase, causes: readonly RootCause[]): CaseScore {
  const { expected } = evalCase;
  if (expected.unknown) {
    const first = causes[0];
    if (!first) return { top1: true, top3: true, rank: null, reason: 'no cause named' };
    const honest = first.category === 'unknown' || expected.causes.some((exp) => causeMatches(first, exp));
    return honest
      ? { top1: true, top3: true, rank: 1 }
      : { top1: false, top3: false, rank: null, reason: 'invented a specific cause' };
  }
  for (const [index, cause] of causes.slice(0, 3).entries()) {
    if (expected.forbidden.some((exp) => causeMatches(cause, exp))) {
      return { top1: false, top3: false, rank: null, reason: `forbidden cause at #${index + 1}` };
    }
    if (expected.causes.some((exp) => causeMatches(cause, exp))) {
      return { top1: index === 0, top3: true, rank: index + 1 };
    }
  }
  return { top1: false, top3: false, rank: null };
}

// ─── Analyzers ──────────────────────────────────────────────────────────────────────────────────────────────

export type Analyzer = (input: AnalysisInput) => Promise<Analysis>;

export interface EvalTargets {
  top1: number;
  top3: number;
}

export interface NamedAnalyzer {
  name: string;
  analyze: Analyzer;
  targets: EvalTargets;
}

export const OFFLINE_TARGETS: EvalTargets = { top1: 0.6, top3: 0.85 };
/** The LLM should do at least as well as the catalogue it backs up. */
export const LLM_TARGETS: EvalTargets = { top1: 0.6, top3: 0.85 };

/**
 * The LLM analyzer (the product's own path: `analyzeWithLlm`, redaction and prompts included) when
 * ANTHROPIC_API_KEY is set; ANTHROPIC_BASE_URL and AIOPS_MODEL as for the bot. An LLM failure counts as
 * a miss for that case (the bot would fall back to the offline analyzer, which is scored on its own).
 */
function llmAnalyzer(env: NodeJS.ProcessEnv): NamedAnalyzer | { skipped: string } {
  if (!env.ANTHROPIC_API_KEY) return { skipped: 'ANTHROPIC_API_KEY is not set' };
  const llm = {
    client: createAnthropicClient({ apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL }),
    model: env.AIOPS_MODEL ?? 'claude-sonnet-5-5',
  };
  return {
    name: `llm (${llm.model})`,
    analyze: async (input) =>
      (await analyzeWithLlm(llm, input, ['past incidents', 'recent changes'])).analysis,
    targets: LLM_TARGETS,
  };
}

// ─── Running ────────────────────────────────────────────────────────────────────────────────────────────────

interface CaseResult {
  evalCase: EvalCase;
  score: CaseScore;
  causes: RootCause[];
  error?: string;
}

interface AnalyzerReport {
  name: string;
  results: CaseResult[];
  top1: number;
  top3: number;
  targets: EvalTargets;
  pass: { top1: boolean; top3: boolean };
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

export async function evaluate(analyzer: NamedAnalyzer, cases: EvalCase[]): Promise<AnalyzerReport> {
  const results: CaseResult[] = [];
  for (const [index, evalCase] of cases.entries()) {
    try {
      const analysis = analysisSchema.parse(await analyzer.analyze(inputOf(evalCase, index + 1)));
      results.push({
        evalCase,
        causes: analysis.rootCauses,
        score: scoreCase(evalCase, analysis.rootCauses),
      });
    } catch (error) {
      results.push({
        evalCase,
        causes: [],
        score: { top1: false, top3: false, rank: null },
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const ratio = (pick: (result: CaseResult) => boolean) =>
    results.length === 0 ? 0 : results.filter(pick).length / results.length;
  const top1 = ratio((result) => result.score.top1);
  const top3 = ratio((result) => result.score.top3);
  return {
    name: analyzer.name,
    results,
    top1,
    top3,
    targets: analyzer.targets,
    pass: { top1: top1 >= analyzer.targets.top1, top3: top3 >= analyzer.targets.top3 },
  };
}

function expectedText(evalCase: EvalCase): string {
  if (evalCase.expected.unknown) return 'no specific cause';
  const parts = evalCase.expected.causes.map((exp) =>
    exp.category ? `/${exp.match}/ [${[exp.category].flat().join('|')}]` : `/${exp.match}/`,
  );
  return clip(parts.join(' or '), 160);
}

function gotText(result: CaseResult): string {
  if (result.error) return `error: ${clip(result.error, 200)}`;
  if (result.causes.length === 0) return 'no cause';
  return result.causes
    .slice(0, 3)
    .map((cause, index) => `${index + 1}. ${clip(cause.title, 90)} [${cause.category}]`)
    .join(' | ');
}

/** top-1 / top-3 counts of the results whose case comes from a file `pick` accepts. */
function tally(results: CaseResult[], fileOf: Map<string, string>, pick: (file: string) => boolean) {
  const chosen = results.filter((result) => pick(fileOf.get(result.evalCase.id) ?? ''));
  return {
    cases: chosen.length,
    top1: chosen.filter((result) => result.score.top1).length,
    top3: chosen.filter((result) => result.score.top3).length,
  };
}

/** Cases that carry Kubernetes context, and those whose evidence names the cause. */
function kubeTally(results: CaseResult[]) {
  const count = (list: CaseResult[]) => ({
    cases: list.length,
    top1: list.filter((result) => result.score.top1).length,
    top3: list.filter((result) => result.score.top3).length,
  });
  const withKube = results.filter((result) => result.evalCase.kubernetes);
  return {
    ...count(withKube),
    named: count(withKube.filter((result) => result.evalCase.kubernetes?.namesCause)),
  };
}

function printReport(report: AnalyzerReport, verbose: boolean, fileOf: Map<string, string>): void {
  console.log(`\n${report.name} analyzer — marks: top-1 top-3\n`);
  for (const result of report.results) {
    const marks = `${result.score.top1 ? '✓' : '✗'}${result.score.top3 ? '✓' : '✗'}`;
    const rank = result.score.rank && result.score.rank > 1 ? ` (match at #${result.score.rank})` : '';
    const reason = result.score.reason && !result.score.top1 ? ` (${result.score.reason})` : '';
    console.log(`${marks} ${result.evalCase.id}${rank}${reason}`);
    console.log(`     expected ${expectedText(result.evalCase)}`);
    console.log(`     got      ${gotText(result)}`);
    if (verbose && !result.score.top1) {
      for (const cause of result.causes) {
        console.log(`       - ${cause.title} [${cause.category}, ${cause.likelihood}]`);
        for (const line of cause.evidence) console.log(`           ${clip(line, 160)}`);
      }
    }
  }
  const total = report.results.length;
  const count = (pick: (result: CaseResult) => boolean) => report.results.filter(pick).length;
  console.log(`\n${report.name}: ${total} cases`);
  console.log(`  top-1  ${count((r) => r.score.top1)}/${total}  ${pct(report.top1)}`);
  console.log(`  top-3  ${count((r) => r.score.top3)}/${total}  ${pct(report.top3)}`);
  const kinds = [...new Set(report.results.map((result) => result.evalCase.kind))];
  for (const kind of kinds) {
    const ofKind = report.results.filter((result) => result.evalCase.kind === kind);
    const top1 = ofKind.filter((result) => result.score.top1).length;
    const top3 = ofKind.filter((result) => result.score.top3).length;
    console.log(`    ${kind.padEnd(10)} top-1 ${top1}/${ofKind.length}  top-3 ${top3}/${ofKind.length}`);
  }
  const ratioText = (hits: number, of: number) => `${hits}/${of} ${of === 0 ? '-' : pct(hits / of)}`;
  const kube = kubeTally(report.results);
  if (kube.cases > 0) {
    console.log(
      `  with Kubernetes context: top-1 ${ratioText(kube.top1, kube.cases)}  top-3 ${ratioText(kube.top3, kube.cases)}; evidence names the cause: top-1 ${ratioText(kube.named.top1, kube.named.cases)}`,
    );
  }
  console.log('  by set:');
  for (const set of evalSets) {
    const t = tally(report.results, fileOf, (file) => setOfFile(file) === set);
    if (t.cases === 0) continue;
    console.log(
      `    ${set.padEnd(10)} top-1 ${ratioText(t.top1, t.cases)}  top-3 ${ratioText(t.top3, t.cases)}`,
    );
  }
  console.log('  by file:');
  for (const file of [...new Set(fileOf.values())].sort()) {
    const t = tally(report.results, fileOf, (name) => name === file);
    if (t.cases === 0) continue;
    console.log(`    ${file.padEnd(34)} top-1 ${t.top1}/${t.cases}  top-3 ${t.top3}/${t.cases}`);
  }
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  console.log(
    `  target top-3 ≥ ${pct(report.targets.top3)}: ${verdict(report.pass.top3)} (${pct(report.top3)})`,
  );
  console.log(
    `  target top-1 ≥ ${pct(report.targets.top1)}: ${verdict(report.pass.top1)} (${pct(report.top1)})`,
  );
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const set = selectedSet(env.EVAL_SET);
  const fileOf = caseFileIndex();
  const cases = loadCases().filter(
    (evalCase) => set === 'all' || setOfFile(fileOf.get(evalCase.id) ?? '') === set,
  );
  if (set !== 'all') console.log(`EVAL_SET=${set}: ${cases.length} cases`);
  const analyzers: NamedAnalyzer[] = [
    { name: 'offline', analyze: async (input) => analyzeOffline(input), targets: OFFLINE_TARGETS },
    {
      name: 'offline without Kubernetes context',
      analyze: async (input) => analyzeOffline(withoutKubernetes(input)),
      targets: OFFLINE_TARGETS,
    },
  ];
  const llm = llmAnalyzer(env);
  if ('skipped' in llm) console.log(`LLM: skipped (${llm.skipped})`);
  else {
    // The same input is analysed once: only the cases that carry Kubernetes context cost a second call.
    const answers = new Map<string, Promise<Analysis>>();
    const once: Analyzer = (input) => {
      const key = JSON.stringify(input);
      let answer = answers.get(key);
      if (!answer) {
        answer = llm.analyze(input);
        answers.set(key, answer);
      }
      return answer;
    };
    analyzers.push(
      { ...llm, analyze: once },
      {
        ...llm,
        name: `${llm.name} without Kubernetes context`,
        analyze: (input) => once(withoutKubernetes(input)),
      },
    );
  }

  const reports: AnalyzerReport[] = [];
  for (const analyzer of analyzers) {
    const report = await evaluate(analyzer, cases);
    printReport(report, env.EVAL_VERBOSE === '1', fileOf);
    reports.push(report);
  }

  const pass = reports.every((report) => report.pass.top1 && report.pass.top3);
  console.log(
    JSON.stringify({
      eval: 'root-cause',
      set,
      cases: cases.length,
      llm: 'skipped' in llm ? `skipped: ${llm.skipped}` : 'evaluated',
      analyzers: Object.fromEntries(
        reports.map((report) => [
          report.name,
          {
            top1: Number(report.top1.toFixed(4)),
            top3: Number(report.top3.toFixed(4)),
            targets: report.targets,
            pass: report.pass.top1 && report.pass.top3,
            sets: Object.fromEntries(
              evalSets
                .map(
                  (name) =>
                    [name, tally(report.results, fileOf, (file) => setOfFile(file) === name)] as const,
                )
                .filter(([, t]) => t.cases > 0),
            ),
            kubernetes: kubeTally(report.results),
            missedTop1: report.results.filter((r) => !r.score.top1).map((r) => r.evalCase.id),
            missedTop3: report.results.filter((r) => !r.score.top3).map((r) => r.evalCase.id),
            errors: report.results.filter((r) => r.error).map((r) => r.evalCase.id),
          },
        ]),
      ),
      pass,
    }),
  );
  return env.EVAL_STRICT === '1' && !pass ? 1 : 0;
}

const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
