/**
 * What the analysis proposes from the generators themselves: when an incident's matched catalogue signature is one
 * deterministic generators serve, each of them whose facts hold writes a proposal (title and description from the
 * alert's labels, and its own generator id) that renders an *Open fix PR* button. A signature may have several: a
 * crash loop after a recent change gets the image rollback and the probe fix. The click runs the generator named
 * by the proposal it came from.
 */
import type { ProposedFix } from '../analysis/schema.ts';
import type { FactQuery, Generator, ProposalContext } from './generators/common.ts';
import { generators } from './generators/index.ts';
import type { FixRequest } from './types.ts';

/** Every generator serving `signature`, in list order. */
export function generatorsFor(signature: string): Generator[] {
  return generators.filter((g) => g.signatures.includes(signature));
}

/** The first generator serving `signature` (what a click without a generator id runs). */
export function generatorFor(signature: string): Generator | undefined {
  return generatorsFor(signature)[0];
}

/** The generator named `name` if it serves `signature`. */
export function generatorNamed(name: string, signature: string): Generator | undefined {
  return generatorsFor(signature).find((g) => g.name === name);
}

/**
 * The fixes the generators serving `signature` propose for these alerts (primary first), each naming its generator:
 * the ones that lead in this context (`Generator.leads`) first, then the others in list order.
 */
export function proposeFixes(
  signature: string,
  alertLabels: Record<string, string>[],
  facts: FixRequest['facts'] = {},
): ProposedFix[] {
  const context: ProposalContext = { signature, alertLabels, facts };
  const leading: ProposedFix[] = [];
  const rest: ProposedFix[] = [];
  for (const generator of generatorsFor(signature)) {
    const proposed = generator.propose(context);
    if (!proposed) continue;
    (generator.leads?.(context) ? leading : rest).push({ ...proposed, generator: generator.name });
  }
  return [...leading, ...rest];
}

/** The first fix the generators serving `signature` propose for these alerts, if any. */
export function proposeFix(
  signature: string,
  alertLabels: Record<string, string>[],
  facts: FixRequest['facts'] = {},
): ProposedFix | undefined {
  return proposeFixes(signature, alertLabels, facts)[0];
}

/**
 * The Prometheus queries the generator sizes from, for these alerts: the one named `generator` when given, else the
 * first serving `signature`.
 */
export function factQueriesFor(
  signature: string,
  alertLabels: Record<string, string>[],
  generator?: string,
): FactQuery[] {
  const chosen = generator ? generatorNamed(generator, signature) : generatorFor(signature);
  return chosen?.factQueries?.({ signature, alertLabels }) ?? [];
}

/** Same proposal: what a click carries back is the stored analysis's fix, compared by kind and title. */
export function sameProposal(a: ProposedFix, b: ProposedFix): boolean {
  return a.kind === b.kind && a.title === b.title;
}
