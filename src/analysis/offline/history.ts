/**
 * Incident memory: "in N of M similar past incidents the cause was X". X is the cause engineers confirmed
 * most often; when it is well established it is ranked first.
 */
import type { SimilarIncident } from '../input.ts';
import { type Analysis, type RootCause, rootCauseCategories } from '../schema.ts';
import { clip } from './facts.ts';

export type History = NonNullable<Analysis['history']>;

export interface Recurring extends History {
  category: RootCause['category'];
  /** Ids of the similar incidents where X was confirmed, newest first. */
  incidentIds: number[];
  /** How many similar incidents have any confirmed cause. */
  withCauses: number;
}

const NON_WORD = /[^a-z0-9]+/g;
const CATEGORIES: ReadonlySet<string> = new Set(rootCauseCategories);

export const normalizeTitle = (title: string): string => title.toLowerCase().replace(NON_WORD, ' ').trim();

/** The most often confirmed cause among the similar incidents (ties: the most recent), or null. */
export function recurringCause(similar: SimilarIncident[]): Recurring | null {
  const tally = new Map<string, { title: string; category: string; ids: number[] }>();
  let withCauses = 0;
  for (const incident of similar) {
    if (incident.confirmedCauses.length === 0) continue;
    withCauses++;
    const seen = new Set<string>();
    for (const confirmed of incident.confirmedCauses) {
      const key = normalizeTitle(confirmed.title);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const entry = tally.get(key);
      if (entry) entry.ids.push(incident.id);
      else
        tally.set(key, { title: confirmed.title.trim(), category: confirmed.category, ids: [incident.id] });
    }
  }
  let best: { title: string; category: string; ids: number[] } | null = null;
  // Map order is first-seen order, and similar incidents come newest first: `>` keeps the most recent on ties.
  for (const entry of tally.values()) if (!best || entry.ids.length > best.ids.length) best = entry;
  if (!best) return null;
  return {
    similar: similar.length,
    confirmed: best.ids.length,
    cause: best.title,
    category: CATEGORIES.has(best.category) ? (best.category as RootCause['category']) : 'unknown',
    incidentIds: best.ids,
    withCauses,
  };
}

/** Confirmed at least twice, or in at least half of the similar incidents that have any confirmed cause. */
export const isEstablished = (recurring: Recurring): boolean =>
  recurring.confirmed >= 2 || recurring.confirmed * 2 >= recurring.withCauses;

export function historyEvidence(recurring: Recurring): string {
  const ids = recurring.incidentIds.slice(0, 6).map((id) => `#${id}`);
  const moreIds = recurring.incidentIds.length > ids.length ? ', …' : '';
  return clip(
    `confirmed in ${recurring.confirmed} of ${recurring.similar} similar incidents (${ids.join(', ')}${moreIds})`,
    500,
  );
}

function sameCause(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = a.length < b.length ? a : b;
  return shorter.length >= 12 && (a.includes(b) || b.includes(a));
}

/**
 * Applies the memory to ranked causes: an established cause goes first (boosted if the analysis already
 * has it, inserted otherwise); a weaker one only adds its evidence to a matching cause.
 */
export function applyHistory(causes: RootCause[], recurring: Recurring | null): RootCause[] {
  if (!recurring) return causes;
  const key = normalizeTitle(recurring.cause);
  const index = causes.findIndex((candidate) => sameCause(normalizeTitle(candidate.title), key));
  const evidence = historyEvidence(recurring);
  if (!isEstablished(recurring)) {
    if (index < 0) return causes;
    return causes.map((candidate, i) =>
      i === index ? { ...candidate, evidence: [evidence, ...candidate.evidence].slice(0, 10) } : candidate,
    );
  }
  const others = causes.filter((_, i) => i !== index);
  const top = Math.max(0, ...others.map((candidate) => candidate.likelihood));
  const existing = index >= 0 ? causes[index] : undefined;
  const likelihood = Math.min(
    1,
    Math.max(top + 0.02, 0.55 + 0.1 * recurring.confirmed, existing?.likelihood ?? 0),
  );
  const first: RootCause = existing
    ? { ...existing, likelihood, evidence: [evidence, ...existing.evidence].slice(0, 10) }
    : { title: clip(recurring.cause, 200), likelihood, category: recurring.category, evidence: [evidence] };
  return [first, ...others];
}
