/**
 * What the analysis proposes from the generators themselves: when an incident's matched catalogue signature is one
 * a deterministic generator serves, that generator writes the proposal (title and description from the alert's
 * labels) that renders the *Open fix PR* button. The click finds the same generator again from the proposal.
 */
import type { ProposedFix } from '../analysis/schema.ts';
import type { FactQuery, Generator } from './generators/common.ts';
import { generators } from './generators/index.ts';
import type { FixRequest } from './types.ts';

export function generatorFor(signature: string): Generator | undefined {
  return generators.find((g) => g.signatures.includes(signature));
}

/** The fix the generator serving `signature` proposes for these alerts (primary first), if any. */
export function proposeFix(
  signature: string,
  alertLabels: Record<string, string>[],
  facts: FixRequest['facts'] = {},
): ProposedFix | undefined {
  return generatorFor(signature)?.propose({ signature, alertLabels, facts });
}

/** The Prometheus queries the generator serving `signature` sizes from, for these alerts. */
export function factQueriesFor(signature: string, alertLabels: Record<string, string>[]): FactQuery[] {
  return generatorFor(signature)?.factQueries?.({ signature, alertLabels }) ?? [];
}

/** Same proposal: what a click carries back is the stored analysis's fix, compared by kind and title. */
export function sameProposal(a: ProposedFix, b: ProposedFix): boolean {
  return a.kind === b.kind && a.title === b.title;
}
