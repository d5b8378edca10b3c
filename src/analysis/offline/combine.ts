/** Merging what several signatures found in one incident: dominant first, deduplicated, within the schema's limits. */
import {
  type ProposedAction,
  type ProposedFix,
  proposedActionSchema,
  type RootCause,
  rankRootCauses,
} from '../schema.ts';
import { normalizeTitle } from './history.ts';

/** Causes of signatures other than the dominant one count for a little less. */
export const SECONDARY_FACTOR = 0.8;

export function mergeCauses(lists: RootCause[][]): RootCause[] {
  const byTitle = new Map<string, RootCause>();
  for (const [index, list] of lists.entries()) {
    const factor = index === 0 ? 1 : SECONDARY_FACTOR;
    for (const candidate of list) {
      const likelihood = Math.round(candidate.likelihood * factor * 100) / 100;
      const key = normalizeTitle(candidate.title);
      const existing = byTitle.get(key);
      if (!existing) {
        byTitle.set(key, { ...candidate, likelihood, evidence: [...candidate.evidence] });
        continue;
      }
      existing.likelihood = Math.max(existing.likelihood, likelihood);
      for (const item of candidate.evidence) {
        if (existing.evidence.length >= 10) break;
        if (!existing.evidence.includes(item)) existing.evidence.push(item);
      }
    }
  }
  return rankRootCauses([...byTitle.values()]);
}

/** The dominant signature's steps first, then the first steps of each other one, then the rest. */
export function mergeSteps(lists: string[][], max = 10): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (step: string) => {
    if (out.length < max && !seen.has(step)) {
      seen.add(step);
      out.push(step);
    }
  };
  const [first = [], ...rest] = lists;
  for (const step of first.slice(0, 6)) add(step);
  for (const list of rest) for (const step of list.slice(0, 2)) add(step);
  for (const step of first.slice(6)) add(step);
  for (const list of rest) for (const step of list.slice(2)) add(step);
  return out;
}

/** Valid, distinct actions (a label value too long for the schema drops the action rather than the analysis). */
export function mergeActions(lists: ProposedAction[][], max = 5): ProposedAction[] {
  const out: ProposedAction[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const action of list) {
      const key = JSON.stringify(action);
      if (seen.has(key) || !proposedActionSchema.safeParse(action).success) continue;
      seen.add(key);
      out.push(action);
      if (out.length >= max) return out;
    }
  }
  return out;
}

export function mergeFixes(lists: ProposedFix[][], max = 3): ProposedFix[] {
  const out: ProposedFix[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const fix of list) {
      if (seen.has(fix.title)) continue;
      seen.add(fix.title);
      out.push(fix);
      if (out.length >= max) return out;
    }
  }
  return out;
}
