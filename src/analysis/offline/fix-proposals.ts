/**
 * The offline analysis's proposed fixes come from the fix generators (src/fixes/proposals.ts), not from catalogue
 * code: each matched signature a generator serves gets that generator's proposal. The fix use-case calls
 * `signatureOfFix` to find which signature (so which generator) a clicked proposal came from.
 */
import type { IncidentAlert } from '../../db/incidents.ts';
import { proposeFix, sameProposal } from '../../fixes/proposals.ts';
import type { AnalysisInput, RecentChange } from '../input.ts';
import type { KubeContext, ProposedFix } from '../schema.ts';
import { viewOf } from './facts.ts';
import { matchSignature } from './match.ts';
import type { AlertView } from './types.ts';

/** Firing before resolved, then the earlier start: a signature group's primary alert comes first. */
export const byFiringThenStart = (a: AlertView, b: AlertView): number =>
  Number(b.firing) - Number(a.firing) || a.startsAt - b.startsAt;

const PROBE_FAILED = /^(liveness|readiness|startup) probe failed/i;

/**
 * Facts for the generators from the Kubernetes context the analysis read: `probe` when a pod's events say a probe
 * failed (the most repeated such event). The same context is stored with the analysis, so a click sees the same.
 */
export function kubeFacts(kube: KubeContext | undefined): Record<string, string> {
  let best: { probe: string; count: number } | undefined;
  for (const object of kube?.objects ?? []) {
    for (const event of object.events) {
      const probe = PROBE_FAILED.exec(event.message)?.[1]?.toLowerCase();
      if (probe && (!best || event.count > best.count)) best = { probe, count: event.count };
    }
  }
  return best ? { probe: best.probe } : {};
}

/**
 * Facts for the generators from the GitHub change context the analysis read: `recentChange` (the newest deployment,
 * merged PR or commit) — the image rollback is proposed only after a change.
 */
export function changeFacts(changes: RecentChange[] | undefined): Record<string, string> {
  const newest = [...(changes ?? [])].sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  return newest ? { recentChange: newest.title.slice(0, 200) } : {};
}

/** Everything the analysis context tells the generators' proposals. */
export function proposalFacts(
  input: Pick<AnalysisInput, 'kubernetes' | 'recentChanges'>,
): Record<string, string> {
  return { ...kubeFacts(input.kubernetes), ...changeFacts(input.recentChanges) };
}

/** The generator's proposal for one signature group (alerts sorted by `byFiringThenStart`). */
export function generatorProposal(
  signature: string,
  alerts: AlertView[],
  facts: Record<string, string> = {},
): ProposedFix | undefined {
  return proposeFix(
    signature,
    alerts.map((view) => view.labels),
    facts,
  );
}

/**
 * The catalogue signature whose generator proposed `fix` for these alerts, grouped and ordered as the analysis
 * groups them; undefined when no generator's proposal is this one (an LLM's fix, or alerts that changed since).
 */
export function signatureOfFix(
  alerts: IncidentAlert[],
  fix: ProposedFix,
  facts: Record<string, string> = {},
): string | undefined {
  const groups = new Map<string, AlertView[]>();
  for (const alert of alerts) {
    const view = viewOf(alert);
    const signature = matchSignature(view);
    if (!signature) continue;
    const list = groups.get(signature.id);
    if (list) list.push(view);
    else groups.set(signature.id, [view]);
  }
  for (const [signature, views] of groups) {
    const proposed = generatorProposal(signature, views.sort(byFiringThenStart), facts);
    if (proposed && sameProposal(proposed, fix)) return signature;
  }
  return undefined;
}
