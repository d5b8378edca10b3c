/**
 * The analysis use-case: gather what we know about an incident, ask the analyzer, store the answer.
 * Today the analyzer is the offline catalogue; the LLM client plugs in here (issue 4) with the offline
 * analyzer as its fallback.
 */
import type { Clock } from '../clock.ts';
import { getIncident } from '../db/incidents.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import type { AnalysisInput } from './input.ts';
import { findSimilarIncidents } from './memory.ts';
import { analyzeOffline } from './offline/index.ts';
import { type Analysis, analysisSchema } from './schema.ts';

export interface AnalyzeDeps {
  db: Db;
  clock: Clock;
}

export interface StoredAnalysis {
  id: number;
  incidentId: number;
  createdAt: string;
  analysis: Analysis;
}

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

export async function analyzeIncident(deps: AnalyzeDeps, incidentId: number): Promise<StoredAnalysis> {
  const input = await buildAnalysisInput(deps.db, incidentId);
  const started = performance.now();
  const analysis = analysisSchema.parse(analyzeOffline(input));
  const latencyMs = Math.round(performance.now() - started);
  const createdAt = deps.clock.now();
  const stored = await deps.db.query<{ id: number }>(
    `INSERT INTO incident_analyses (incident_id, created_at, analyzer, analysis, latency_ms)
     VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id`,
    [incidentId, createdAt, analysis.analyzer, jsonParam(analysis), latencyMs],
  );
  return { id: stored.rows[0]?.id as number, incidentId, createdAt: createdAt.toISOString(), analysis };
}

export async function latestAnalysis(db: Queryable, incidentId: number): Promise<StoredAnalysis | null> {
  const result = await db.query<{ id: number; created_at: Date; analysis: unknown }>(
    'SELECT id, created_at, analysis FROM incident_analyses WHERE incident_id = $1 ORDER BY id DESC LIMIT 1',
    [incidentId],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    id: row.id,
    incidentId,
    createdAt: new Date(row.created_at).toISOString(),
    analysis: analysisSchema.parse(row.analysis),
  };
}
