/** Recent changes (deployments, merged PRs, commits) that shortly precede an alert make "bad change" likely. */
import type { RecentChange } from '../input.ts';
import type { RootCause } from '../schema.ts';
import { cause, clip } from './facts.ts';
import type { ChangeHit } from './types.ts';

/** How long before an alert a change still counts as a suspect. */
export const CHANGE_WINDOW_MINUTES = 180;

/** The latest change at or before `startsAt` and within the window, or null. */
export function changeBefore(changes: RecentChange[], startsAt: number): ChangeHit | null {
  let best: ChangeHit | null = null;
  for (const change of changes) {
    const at = Date.parse(change.at);
    if (Number.isNaN(at) || at > startsAt) continue;
    const minutesBefore = Math.round((startsAt - at) / 60_000);
    if (minutesBefore > CHANGE_WINDOW_MINUTES) continue;
    if (!best || minutesBefore < best.minutesBefore) best = { change, minutesBefore };
  }
  return best;
}

const KIND_WORD: Record<RecentChange['kind'], string> = {
  deployment: 'deployment',
  pull_request: 'pull request',
  commit: 'commit',
};

export function changeEvidence(hit: ChangeHit): string {
  const { change } = hit;
  const by = change.author ? ` by ${change.author}` : '';
  return clip(
    `${KIND_WORD[change.kind]} "${clip(change.title, 160)}"${by} at ${change.at}, ${hit.minutesBefore} min before the alert started (${change.url})`,
    500,
  );
}

/** "It started 12 min after deployment "v1.42" by alice (https://…)." */
export function changeSentence(hit: ChangeHit): string {
  const { change } = hit;
  const by = change.author ? ` by ${change.author}` : '';
  return clip(
    `It started ${hit.minutesBefore} min after ${KIND_WORD[change.kind]} "${clip(change.title, 160)}"${by} (${change.url}).`,
    500,
  );
}

/** The closer the change, the likelier it is the cause. */
export function changeLikelihood(hit: ChangeHit): number {
  if (hit.minutesBefore <= 30) return 0.85;
  if (hit.minutesBefore <= 90) return 0.72;
  return 0.58;
}

/** The shared title for a change-caused incident, so several signatures citing one change merge into one cause. */
export const changeCauseTitle = (hit: ChangeHit): string =>
  clip(`Bad change shortly before the alert: ${KIND_WORD[hit.change.kind]} "${hit.change.title}"`, 200);

/**
 * The "bad change" hypothesis of a signature: without a change it stays at the signature's base likelihood and
 * cites the alert only; with one it is raised by how close the change was, and cites it.
 */
export function deployCause(
  title: string,
  base: number,
  hit: ChangeHit | null,
  alertEvidence: string[],
): RootCause {
  if (!hit) return cause(title, base, 'deployment', alertEvidence);
  return cause(changeCauseTitle(hit), Math.max(base, changeLikelihood(hit)), 'deployment', [
    changeEvidence(hit),
    ...alertEvidence,
  ]);
}
