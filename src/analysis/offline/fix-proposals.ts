/**
 * The offline analysis's proposed fixes come from the fix generators (src/fixes/proposals.ts), not from catalogue
 * code: each matched signature a generator serves gets that generator's proposal. The fix use-case calls
 * `signatureOfFix` to find which signature (so which generator) a clicked proposal came from.
 */
import type { IncidentAlert } from '../../db/incidents.ts';
import { proposeFix, sameProposal } from '../../fixes/proposals.ts';
import type { ProposedFix } from '../schema.ts';
import { viewOf } from './facts.ts';
import { matchSignature } from './match.ts';
import type { AlertView } from './types.ts';

/** Firing before resolved, then the earlier start: a signature group's primary alert comes first. */
export const byFiringThenStart = (a: AlertView, b: AlertView): number =>
  Number(b.firing) - Number(a.firing) || a.startsAt - b.startsAt;

/** The generator's proposal for one signature group (alerts sorted by `byFiringThenStart`). */
export function generatorProposal(signature: string, alerts: AlertView[]): ProposedFix | undefined {
  return proposeFix(
    signature,
    alerts.map((view) => view.labels),
  );
}

/**
 * The catalogue signature whose generator proposed `fix` for these alerts, grouped and ordered as the analysis
 * groups them; undefined when no generator's proposal is this one (an LLM's fix, or alerts that changed since).
 */
export function signatureOfFix(alerts: IncidentAlert[], fix: ProposedFix): string | undefined {
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
    const proposed = generatorProposal(signature, views.sort(byFiringThenStart));
    if (proposed && sameProposal(proposed, fix)) return signature;
  }
  return undefined;
}
