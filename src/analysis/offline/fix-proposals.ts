/**
 * The offline analysis's proposed fixes come from the fix generators (src/fixes/proposals.ts), not from catalogue
 * code: each matched signature gets the proposals of the generators serving it (each naming its generator). The fix
 * use-case calls `originOfFix` to find which signature and generator a clicked proposal came from.
 */
import type { IncidentAlert } from '../../db/incidents.ts';
import { generatorNamed, proposeFixes, sameProposal } from '../../fixes/proposals.ts';
import type { AnalysisInput, RecentChange } from '../input.ts';
import type { KubeContext, ProposedFix } from '../schema.ts';
import { CHANGE_WINDOW_MINUTES } from './changes.ts';
import { viewOf } from './facts.ts';
import { matchSignature } from './match.ts';
import type { AlertView } from './types.ts';

/** Firing before resolved, then the earlier start: a signature group's primary alert comes first. */
export const byFiringThenStart = (a: AlertView, b: AlertView): number =>
  Number(b.firing) - Number(a.firing) || a.startsAt - b.startsAt;

const PROBE_FAILED = /^(liveness|readiness|startup) probe failed/i;

/**
 * Facts for the generators from the Kubernetes context the analysis read: `probe` when a pod's events say a probe
 * failed (the most repeated such event), and `oomKilled` (the container's name) when a container's last
 * termination — or its current one — was OOMKilled. The same context is stored with the analysis, so a click sees the
 * same.
 */
export function kubeFacts(kube: KubeContext | undefined): Record<string, string> {
  let best: { probe: string; count: number } | undefined;
  let oomKilled: string | undefined;
  for (const object of kube?.objects ?? []) {
    for (const event of object.events) {
      const probe = PROBE_FAILED.exec(event.message)?.[1]?.toLowerCase();
      if (probe && (!best || event.count > best.count)) best = { probe, count: event.count };
    }
    for (const container of object.containers) {
      const reasons = [
        container.lastTermination?.reason,
        container.state === 'terminated' && container.reason,
      ];
      if (!oomKilled && reasons.some((reason) => reason === 'OOMKilled')) oomKilled = container.name;
    }
  }
  return { ...(best ? { probe: best.probe } : {}), ...(oomKilled ? { oomKilled } : {}) };
}

/**
 * Facts for the generators from the GitHub change context the analysis read: `recentChange` (the newest deployment,
 * merged PR or commit) — the image rollback is proposed only after a change. With the alerts' start: how many
 * minutes before it the newest change at or before it was (`changeMinutesBefore`), and `changeInWindow` 1 when that
 * is within the window a change stays a suspect (CHANGE_WINDOW_MINUTES): the rollback is then proposed first.
 */
export function changeFacts(
  changes: RecentChange[] | undefined,
  startsAt?: number,
): Record<string, string | number> {
  const sorted = [...(changes ?? [])].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const newest = sorted[0];
  if (!newest) return {};
  const facts: Record<string, string | number> = { recentChange: newest.title.slice(0, 200) };
  if (startsAt !== undefined && Number.isFinite(startsAt)) {
    const before = sorted.find((change) => Date.parse(change.at) <= startsAt);
    if (before) {
      const minutes = Math.round((startsAt - Date.parse(before.at)) / 60_000);
      facts.changeMinutesBefore = minutes;
      facts.changeInWindow = minutes <= CHANGE_WINDOW_MINUTES ? 1 : 0;
    }
  }
  return facts;
}

/** Everything the analysis context tells the generators' proposals, for alerts that started at `startsAt`. */
export function proposalFacts(
  input: Pick<AnalysisInput, 'kubernetes' | 'recentChanges'>,
  startsAt?: number,
): Record<string, string | number> {
  return { ...kubeFacts(input.kubernetes), ...changeFacts(input.recentChanges, startsAt) };
}

/** The generators' proposals for one signature group (alerts sorted by `byFiringThenStart`), leading one first. */
export function generatorProposals(
  signature: string,
  alerts: AlertView[],
  facts: Record<string, string | number> = {},
): ProposedFix[] {
  return proposeFixes(
    signature,
    alerts.map((view) => view.labels),
    facts,
  );
}

/** Where a proposed fix came from: the catalogue signature its alerts matched and the generator that proposed it. */
export interface FixOrigin {
  signature: string;
  generator: string;
}

/** The incident's alerts grouped by matched catalogue signature, each group ordered as the analysis orders it. */
function signatureGroups(alerts: IncidentAlert[]): Map<string, AlertView[]> {
  const groups = new Map<string, AlertView[]>();
  for (const alert of alerts) {
    const view = viewOf(alert);
    const signature = matchSignature(view);
    if (!signature) continue;
    const list = groups.get(signature.id);
    if (list) list.push(view);
    else groups.set(signature.id, [view]);
  }
  for (const views of groups.values()) views.sort(byFiringThenStart);
  return groups;
}

/** The first signature of these alerts (as the analysis groups them) that the generator named `generator` serves. */
export function originOfGenerator(alerts: IncidentAlert[], generator: string): FixOrigin | undefined {
  for (const signature of signatureGroups(alerts).keys())
    if (generatorNamed(generator, signature)) return { signature, generator };
  return undefined;
}

/**
 * The signature and generator behind `fix` for these alerts. A fix naming its generator (proposals stored since
 * generators were named) is that generator's, for the first signature of the alerts it serves; an older one (no
 * name) is the generator whose proposal for these alerts has the same kind and title. Undefined when neither holds
 * (an LLM's fix, or alerts that changed since).
 */
export function originOfFix(
  alerts: IncidentAlert[],
  fix: ProposedFix,
  facts: Record<string, string | number> = {},
): FixOrigin | undefined {
  if (fix.generator) return originOfGenerator(alerts, fix.generator);
  for (const [signature, views] of signatureGroups(alerts)) {
    const proposed = generatorProposals(signature, views, facts).find((p) => sameProposal(p, fix));
    if (proposed?.generator) return { signature, generator: proposed.generator };
  }
  return undefined;
}

/** The catalogue signature whose generator proposed `fix` for these alerts (see `originOfFix`). */
export function signatureOfFix(
  alerts: IncidentAlert[],
  fix: ProposedFix,
  facts: Record<string, string | number> = {},
): string | undefined {
  return originOfFix(alerts, fix, facts)?.signature;
}
