/**
 * Analyse an incident: compute the analysis (the offline analyzer at once for a new incident's first answer;
 * the LLM, or the offline analyzer with full context, once its storm has settled), store it, turn its
 * proposed actions into remediation rows when remediation is enabled, and show it in the thread — all in
 * one transaction under the thread lock, so a failure leaves nothing and a retried job never posts twice or
 * stores an analysis nobody saw.
 */
import {
  type AnalyzeDeps,
  type ComputedAnalysis,
  computeAnalysis,
  computeFirstAnalysis,
  latestAnalysis,
  type StoredAnalysis,
  storeAnalysis,
} from '../analysis/analyze.ts';
import { getIncident } from '../db/incidents.ts';
import { analysisParts, lockThread, showAnalysisLocked, type ThreadDeps } from '../slack/thread.ts';
import { proposeRemediations } from './remediation.ts';

/** Computes and shows the incident's `first` (offline, at once) or `settled` analysis. */
export async function analyseIncident(
  deps: AnalyzeDeps & ThreadDeps,
  incidentId: number,
  stage: 'first' | 'settled',
): Promise<StoredAnalysis | null> {
  const computed =
    stage === 'first'
      ? await computeFirstAnalysis(deps, incidentId)
      : await computeAnalysis(deps, incidentId);
  return storeAndPostAnalysis(deps, computed);
}

/**
 * Stores an analysis and shows it in the thread. Returns null when there is nothing to do: the incident no
 * longer exists, a `first` answer comes after an analysis is already there (a settled one won the race), or
 * a settled offline analysis says exactly what the thread shows already.
 */
export async function storeAndPostAnalysis(
  deps: ThreadDeps,
  computed: ComputedAnalysis,
): Promise<StoredAnalysis | null> {
  return deps.db.transaction(async (tx) => {
    await lockThread(tx, computed.incidentId);
    const incident = await getIncident(tx, computed.incidentId);
    if (!incident) return null;
    const now = deps.clock.now();
    const shown = await analysisParts(tx, incident.id);
    const current = await latestAnalysis(tx, incident.id);
    if (computed.stage === 'first' && current) return null;
    if (
      current &&
      shown.length > 0 &&
      JSON.stringify(current.analysis) === JSON.stringify(computed.analysis)
    ) {
      return null;
    }
    const stored = await storeAnalysis(tx, now, computed);
    if (deps.config) {
      await proposeRemediations(tx, deps.config, now, {
        incidentId: incident.id,
        analysisId: stored.id,
        service: incident.service,
        actions: stored.analysis.proposedActions,
      });
    }
    await showAnalysisLocked(tx, now, incident, stored, shown);
    return stored;
  });
}
