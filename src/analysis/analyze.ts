/**
 * The analysis use-case: gather what we know about an incident, ask the LLM (when a key is configured) or
 * the offline catalogue, store the answer with its cost. Any LLM failure degrades to the offline analyzer,
 * and the stored analysis says why — an incident always gets an explanation.
 */
import type { Clock } from '../clock.ts';
import { getIncident } from '../db/incidents.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AnalysisInput } from './input.ts';
import {
  analyzeWithLlm,
  answerWithLlm,
  explainWithLlm,
  type LlmDeps,
  LlmError,
  type LlmUsage,
} from './llm.ts';
import { findSimilarIncidents } from './memory.ts';
import { recurringCause } from './offline/history.ts';
import { analyzeOffline, explainOffline } from './offline/index.ts';
import { type Analysis, analysisSchema, type Explanation, type ProposedFix } from './schema.ts';

/** Gathers the analysis input for an incident; `sources` names what was consulted (for the prompt). */
export type GatherContext = (incidentId: number) => Promise<{ input: AnalysisInput; sources: string[] }>;

export interface AnalyzeDeps {
  db: Db;
  clock: Clock;
  /** Null or absent: no ANTHROPIC_API_KEY, the offline analyzer answers. */
  llm?: LlmDeps | null;
  metrics?: Metrics;
  logger?: Logger;
  /** Context gathering (related alerts, changes, metrics, memory); the incident and memory by default. */
  gather?: GatherContext;
}

/**
 * `first`: a new incident's offline analysis, posted at once; `settled`: the analysis once its alert storm
 * settled (the LLM's, or the offline analyzer's with the full context), which replaces it in place.
 */
export type AnalysisStage = 'first' | 'settled';

export interface StoredAnalysis {
  id: number;
  incidentId: number;
  createdAt: string;
  stage: AnalysisStage;
  analysis: Analysis;
}

export const NO_KEY_REASON = 'ANTHROPIC_API_KEY is not set';
/** The first answer's note when an LLM is configured: its analysis follows. */
export const FIRST_ANSWER_REASON =
  "first answer; the LLM's analysis replaces it once the alert storm settles";

export async function buildAnalysisInput(db: Queryable, incidentId: number): Promise<AnalysisInput> {
  const incident = await getIncident(db, incidentId);
  if (!incident) throw new AiopsError(ErrorCode.NotFound, `incident ${incidentId} not found`);
  return {
    incident,
    relatedAlerts: [],
    recentChanges: [],
    metrics: [],
    similarIncidents: await findSimilarIncidents(db, incident),
  };
}

function gatherFor(deps: AnalyzeDeps): GatherContext {
  return (
    deps.gather ??
    (async (incidentId) => ({
      input: await buildAnalysisInput(deps.db, incidentId),
      sources: ['past incidents'],
    }))
  );
}

function countUsage(deps: AnalyzeDeps, usage: LlmUsage): void {
  const tokens = deps.metrics?.llmTokens;
  tokens?.inc({ kind: 'input' }, usage.input);
  tokens?.inc({ kind: 'output' }, usage.output);
  tokens?.inc({ kind: 'cache_read' }, usage.cacheRead);
  tokens?.inc({ kind: 'cache_write' }, usage.cacheWrite);
}

function llmFailure(deps: AnalyzeDeps, error: unknown, what: string): string {
  const reason = error instanceof LlmError ? error.reason : 'api';
  deps.metrics?.llmRequests.inc({ outcome: reason === 'invalid_output' ? 'invalid' : reason });
  deps.logger?.warn({ err: error, reason }, `${what}: LLM failed, the offline analyzer answers`);
  return reason === 'invalid_output' ? 'the LLM answer was invalid' : 'the LLM could not be reached';
}

/** The (redacted) Kubernetes context kept with the analysis, for `/aiops logs`: set here, never by the LLM. */
function keptContext(input: AnalysisInput): Pick<Analysis, 'kubernetes'> {
  return input.kubernetes ? { kubernetes: input.kubernetes } : {};
}

const normalTitle = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[`'"*_]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * The model's proposed fixes plus the fix generators' own for the signatures the offline matcher finds (cheap: no
 * I/O), so an LLM analysis shows the same *Open fix PR* buttons an offline one does. The generators' come first
 * (a click runs their deterministic change); a model fix with the same kind and title is left out, then at most 3.
 */
export function withGeneratorProposals(modelFixes: ProposedFix[], input: AnalysisInput): ProposedFix[] {
  const generated = analyzeOffline(input).proposedFixes;
  const seen = new Set(generated.map((fix) => `${fix.kind}:${normalTitle(fix.title)}`));
  const rest = modelFixes.filter((fix) => !seen.has(`${fix.kind}:${normalTitle(fix.title)}`));
  return [...generated, ...rest].slice(0, 3);
}

/** The analysis itself, not stored: the LLM when configured, the offline analyzer otherwise or on failure. */
export async function runAnalysis(
  deps: AnalyzeDeps,
  input: AnalysisInput,
  sources: string[],
): Promise<{ analysis: Analysis; latencyMs: number }> {
  const started = performance.now();
  let analysis: Analysis;
  let fallbackReason = NO_KEY_REASON;
  if (deps.llm) {
    try {
      const result = await analyzeWithLlm(deps.llm, input, sources);
      countUsage(deps, result.usage);
      deps.metrics?.llmRequests.inc({ outcome: result.usage.calls > 1 ? 'repaired' : 'ok' });
      const recurring = recurringCause(input.similarIncidents);
      analysis = analysisSchema.parse({
        ...result.analysis,
        proposedFixes: withGeneratorProposals(result.analysis.proposedFixes, input),
        history: recurring && {
          similar: recurring.similar,
          confirmed: recurring.confirmed,
          cause: recurring.cause,
        },
        ...keptContext(input),
      });
      const latencyMs = Math.round(performance.now() - started);
      deps.metrics?.analysisDuration.observe({ analyzer: 'llm' }, latencyMs / 1000);
      return { analysis, latencyMs };
    } catch (error) {
      fallbackReason = `${llmFailure(deps, error, `incident ${input.incident.id}`)}; offline fallback`;
    }
  }
  analysis = analysisSchema.parse({ ...analyzeOffline(input), fallbackReason, ...keptContext(input) });
  const latencyMs = Math.round(performance.now() - started);
  deps.metrics?.analysisDuration.observe({ analyzer: 'offline' }, latencyMs / 1000);
  return { analysis, latencyMs };
}

/** An analysis computed for an incident, not yet stored. */
export interface ComputedAnalysis {
  incidentId: number;
  analysis: Analysis;
  latencyMs: number;
  /** `settled` when absent. */
  stage?: AnalysisStage;
}

/** Gathers the context and runs the analysis (the LLM call, when there is one); stores nothing. */
export async function computeAnalysis(deps: AnalyzeDeps, incidentId: number): Promise<ComputedAnalysis> {
  const { input, sources } = await gatherFor(deps)(incidentId);
  const { analysis, latencyMs } = await runAnalysis(deps, input, sources);
  return { incidentId, analysis, latencyMs };
}

/**
 * A new incident's first answer: the offline analyzer on what the database knows (its alerts, similar past
 * incidents) — no remote context source and no LLM, so it is there within milliseconds of the alert, not
 * after the storm settle. The settled analysis (computeAnalysis) replaces it.
 */
export async function computeFirstAnalysis(deps: AnalyzeDeps, incidentId: number): Promise<ComputedAnalysis> {
  const input = await buildAnalysisInput(deps.db, incidentId);
  const started = performance.now();
  const analysis = analysisSchema.parse({
    ...analyzeOffline(input),
    fallbackReason: deps.llm ? FIRST_ANSWER_REASON : NO_KEY_REASON,
  });
  const latencyMs = Math.round(performance.now() - started);
  deps.metrics?.analysisDuration.observe({ analyzer: 'offline' }, latencyMs / 1000);
  return { incidentId, analysis, latencyMs, stage: 'first' };
}

/** Stores a computed analysis inside `db` (a transaction when the caller needs it atomic with more). */
export async function storeAnalysis(
  db: Queryable,
  createdAt: Date,
  computed: ComputedAnalysis,
): Promise<StoredAnalysis> {
  const { incidentId, analysis, latencyMs } = computed;
  const stage = computed.stage ?? 'settled';
  const stored = await db.query<{ id: number }>(
    `INSERT INTO incident_analyses (incident_id, created_at, analyzer, analysis, latency_ms, stage)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id`,
    [incidentId, createdAt, analysis.analyzer, jsonParam(analysis), latencyMs, stage],
  );
  return {
    id: stored.rows[0]?.id as number,
    incidentId,
    createdAt: createdAt.toISOString(),
    stage,
    analysis,
  };
}

export async function analyzeIncident(deps: AnalyzeDeps, incidentId: number): Promise<StoredAnalysis> {
  return storeAnalysis(deps.db, deps.clock.now(), await computeAnalysis(deps, incidentId));
}

export async function latestAnalysis(db: Queryable, incidentId: number): Promise<StoredAnalysis | null> {
  const result = await db.query<{ id: number; created_at: Date; analysis: unknown; stage: AnalysisStage }>(
    `SELECT id, created_at, analysis, stage FROM incident_analyses WHERE incident_id = $1
     ORDER BY id DESC LIMIT 1`,
    [incidentId],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    id: row.id,
    incidentId,
    createdAt: new Date(row.created_at).toISOString(),
    stage: row.stage,
    analysis: analysisSchema.parse(row.analysis),
  };
}

export interface AnalysisRecord extends StoredAnalysis {
  analyzer: Analysis['analyzer'];
  latencyMs: number;
}

/**
 * The incident's analyses, newest first (the API's audit of what was said and by which analyzer): the first
 * is the one the thread shows now, the others what it showed before.
 */
export async function listAnalyses(db: Queryable, incidentId: number, limit = 20): Promise<AnalysisRecord[]> {
  const result = await db.query<{
    id: number;
    created_at: Date;
    analysis: unknown;
    latency_ms: number;
    stage: AnalysisStage;
  }>(
    `SELECT id, created_at, analysis, latency_ms, stage FROM incident_analyses WHERE incident_id = $1
     ORDER BY id DESC LIMIT $2`,
    [incidentId, limit],
  );
  return result.rows.map((row) => {
    const analysis = analysisSchema.parse(row.analysis);
    return {
      id: row.id,
      incidentId,
      createdAt: new Date(row.created_at).toISOString(),
      stage: row.stage,
      analyzer: analysis.analyzer,
      latencyMs: row.latency_ms,
      analysis,
    };
  });
}

/** `/aiops explain TEXT`: the LLM when configured (offline on failure), else the offline patterns. */
export async function explainText(deps: AnalyzeDeps, text: string): Promise<Explanation> {
  if (deps.llm) {
    try {
      const { explanation, usage } = await explainWithLlm(deps.llm, text);
      countUsage(deps, usage);
      deps.metrics?.llmRequests.inc({ outcome: usage.calls > 1 ? 'repaired' : 'ok' });
      return explanation;
    } catch (error) {
      llmFailure(deps, error, 'explain');
    }
  }
  return explainOffline(text);
}

/**
 * A free-form question about an incident (`/aiops why is it slow?`, `@aiops …`): answered by the LLM with
 * the incident and its latest analysis as context. Null without an LLM or when it fails: the caller shows
 * the ranked causes instead.
 */
export async function answerQuestion(
  deps: AnalyzeDeps,
  incidentId: number,
  question: string,
  analysis: Analysis | null,
): Promise<{ answer: string; model: string } | null> {
  if (!deps.llm) return null;
  try {
    const { input } = await gatherFor(deps)(incidentId);
    const { answer, usage } = await answerWithLlm(deps.llm, input, analysis, question);
    countUsage(deps, usage);
    deps.metrics?.llmRequests.inc({ outcome: 'ok' });
    return { answer, model: deps.llm.model };
  } catch (error) {
    llmFailure(deps, error, 'question');
    return null;
  }
}
