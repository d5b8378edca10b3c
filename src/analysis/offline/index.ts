/**
 * The offline analyzer: the embedded default (no LLM key) and the LLM's fallback. A pure function of the
 * analysis input: alerts are matched against a catalogue of well-known failure signatures, the findings of
 * every signature in the incident are merged (the dominant one first), recent changes raise "bad change",
 * and incident memory ranks a cause engineers confirmed before.
 */
import type { AnalysisInput } from '../input.ts';
import { type Analysis, type ProposedAction, type RootCause, rankRootCauses } from '../schema.ts';
import {
  type ChangeKind,
  type ChangeLink,
  changeBefore,
  changeSentence,
  deployCause,
  linkChange,
  linkedChangeSentence,
} from './changes.ts';
import { mergeActions, mergeCauses, mergeFixes, mergeSteps } from './combine.ts';
import { clip, firedEvidence, hostOf, listOf, viewOf } from './facts.ts';
import { byFiringThenStart, generatorProposals, proposalFacts } from './fix-proposals.ts';
import { applyHistory, normalizeTitle, recurringCause } from './history.ts';
import { applyKubeEvidence, findingsOf } from './kube-evidence.ts';
import { matchSignature } from './match.ts';
import type { AlertView, ChangeHit, Finding, Signature, SignatureContext } from './types.ts';
import { statedCauses, unknownSteps, unknownSummary } from './unknown.ts';

export { CATALOGUE } from './catalogue/index.ts';
export { explainOffline } from './explain.ts';
export { matchSignature } from './match.ts';

const MAX_CAUSES = 5;

const upperFirst = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

interface Group {
  signature: Signature;
  alerts: AlertView[];
  firing: boolean;
  earliest: number;
}

/** Firing before resolved, then the heavier signature, then more alerts, then the earlier start. */
const byDominance = (a: Group, b: Group): number =>
  Number(b.firing) - Number(a.firing) ||
  b.signature.weight - a.signature.weight ||
  b.alerts.length - a.alerts.length ||
  a.earliest - b.earliest;

/**
 * A cause-type signature (an expired certificate, a failed disk, a scrape limit, a node down) firing beside a
 * symptom-type one (a target down, a probe failing, 5xx, latency, replicas missing) explains it: it moves to the
 * front. Returns it and the symptoms it explains, or null when the incident has no such pair.
 */
function causeBeforeSymptoms(groups: Group[]): { lead: Group; symptoms: Group[] } | null {
  const symptoms = groups.filter((group) => group.firing && group.signature.role === 'symptom');
  if (symptoms.length === 0) return null;
  let lead: Group | undefined;
  for (const group of groups) {
    if (group.firing && group.signature.role === 'cause') {
      lead = group;
      break;
    }
  }
  if (!lead) return null;
  groups.splice(groups.indexOf(lead), 1);
  groups.unshift(lead);
  return { lead, symptoms };
}

/** The lead's top cause first among the merged causes, citing the symptoms it explains. */
function leadCauseFirst(causes: RootCause[], lead: RootCause | undefined, note: string): RootCause[] {
  if (!lead) return causes;
  const key = normalizeTitle(lead.title);
  const found = causes.find((candidate) => normalizeTitle(candidate.title) === key);
  if (!found) return causes;
  const top = Math.max(...causes.map((candidate) => candidate.likelihood));
  if (found !== causes[0] || found.likelihood < top) {
    found.likelihood = Math.min(0.95, Math.round((top + 0.05) * 100) / 100);
  }
  if (!found.evidence.includes(note)) found.evidence = [note, ...found.evidence].slice(0, 10);
  return rankRootCauses(causes);
}

function earliestStart(alerts: AlertView[]): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const view of alerts) if (view.startsAt > 0 && view.startsAt < earliest) earliest = view.startsAt;
  return earliest;
}

function rollbacks(alerts: AlertView[]): ProposedAction[] {
  const out: ProposedAction[] = [];
  for (const view of alerts) {
    if (view.namespace && view.deployment) {
      out.push({ kind: 'rollback-deployment', namespace: view.namespace, name: view.deployment });
    }
  }
  return out;
}

/** An alert rule that names its playbook (`playbook` annotation) gets it proposed, limited to the alert's host. */
function playbooks(alerts: AlertView[]): ProposedAction[] {
  const out: ProposedAction[] = [];
  for (const view of alerts) {
    const playbook = view.alert.annotations.playbook ?? view.alert.annotations.ansible_playbook;
    if (!playbook) continue;
    const limit = hostOf(view);
    out.push(limit ? { kind: 'run-playbook', playbook, limit } : { kind: 'run-playbook', playbook });
  }
  return out;
}

/** A signature with its own bad-rollout hypothesis already covers releases. */
const RELEASES: ReadonlySet<ChangeKind> = new Set(['image']);
const NOTHING: ReadonlySet<ChangeKind> = new Set();

interface GroupFinding extends Finding {
  /** The change the summary names: the signature's bad-change suspect, else the change linked to a cause. */
  change: ChangeHit | null;
  link: ChangeLink | null;
}

function analyzeGroup(group: Group, all: AlertView[], input: AnalysisInput): GroupFinding {
  const { signature, alerts } = group;
  const primary = alerts[0] as AlertView;
  const change = Number.isFinite(group.earliest) ? changeBefore(input.recentChanges, group.earliest) : null;
  const ctx: SignatureContext = { alerts, primary, all, input, change };
  const finding = signature.analyze(ctx);
  // What a recent change touches raises the cause it would bring about (a NetworkPolicy → a blocked scrape).
  const linked = linkChange(
    finding.causes,
    input.recentChanges,
    group.earliest,
    signature.deploy ? RELEASES : NOTHING,
  );
  const { link } = linked;
  const causes = [...linked.causes];
  const actions = [...(finding.actions ?? [])];
  if (signature.deploy) {
    causes.push(
      deployCause(signature.deploy.title(ctx), signature.deploy.likelihood, change, [firedEvidence(primary)]),
    );
    if (change && signature.deploy.rollback) actions.unshift(...rollbacks(alerts));
  }
  return {
    ...finding,
    causes: rankRootCauses(causes),
    actions,
    change: signature.deploy ? change : (link?.hit ?? null),
    link,
  };
}

/** The sentences about the change behind the dominant finding: what it touches, when known. */
function changeSentences(finding: GroupFinding): string[] {
  const { change, link } = finding;
  if (link && change?.change === link.hit.change) return [linkedChangeSentence(link)];
  const out: string[] = [];
  if (change) out.push(changeSentence(change));
  if (link) out.push(linkedChangeSentence(link));
  return out;
}

function contextNotes(input: AnalysisInput): string {
  const notes: string[] = [];
  const related = input.relatedAlerts.slice(0, 3);
  if (related.length > 0) {
    const more =
      input.relatedAlerts.length > related.length
        ? ` and ${input.relatedAlerts.length - related.length} more`
        : '';
    notes.push(
      `Related alerts nearby: ${related.map((a) => `\`${a.alertname}\` on ${a.service} (${a.status})`).join(', ')}${more}.`,
    );
  }
  for (const metric of input.metrics.slice(0, 2)) {
    if (metric.baseline === null || metric.peak === null) continue;
    notes.push(
      `\`${clip(metric.expr, 120)}\` went from ${metric.baseline} to ${metric.peak}${metric.changedAt ? ` at ${metric.changedAt}` : ''}.`,
    );
  }
  return notes.join(' ');
}

export function analyzeOffline(input: AnalysisInput): Analysis {
  const views = input.incident.alerts.map(viewOf);
  const bySignature = new Map<Signature, AlertView[]>();
  const unknown: AlertView[] = [];
  for (const view of views) {
    const signature = matchSignature(view);
    if (!signature) unknown.push(view);
    else {
      const list = bySignature.get(signature);
      if (list) list.push(view);
      else bySignature.set(signature, [view]);
    }
  }
  const groups: Group[] = [...bySignature].map(([signature, alerts]) => {
    alerts.sort(byFiringThenStart);
    return { signature, alerts, firing: alerts.some((view) => view.firing), earliest: earliestStart(alerts) };
  });
  groups.sort(byDominance);
  const explained = causeBeforeSymptoms(groups);
  unknown.sort(byFiringThenStart);

  const findings = groups.map((group) => analyzeGroup(group, views, input));
  const unknownChange = unknown.length > 0 ? changeBefore(input.recentChanges, earliestStart(unknown)) : null;

  const summaryParts: string[] = [];
  if (views.length > 0 && views.every((view) => !view.firing)) summaryParts.push('All alerts have resolved.');
  const [dominant] = findings;
  if (dominant) {
    summaryParts.push(upperFirst(dominant.summary));
    summaryParts.push(...changeSentences(dominant));
    const others = groups
      .slice(1, 5)
      .map(
        (group) =>
          `${group.signature.title} (${group.alerts.length} alert${group.alerts.length > 1 ? 's' : ''})`,
      );
    if (groups.length > 5) others.push(`${groups.length - 5} more`);
    if (others.length > 0) summaryParts.push(`Also in this incident: ${others.join(', ')}.`);
  }
  if (unknown.length > 0) summaryParts.push(unknownSummary(unknown));
  if (views.length === 0) summaryParts.push('The incident has no alerts to analyze.');
  const notes = contextNotes(input);
  if (notes) summaryParts.push(notes);

  const causeLists = findings.map((finding) => finding.causes);
  // An unknown alert whose own text states or lists causes offers them, quoted.
  const stated = unknown.length > 0 ? statedCauses(unknown) : [];
  if (stated.length > 0) causeLists.push(stated);
  const recurring = recurringCause(input.similarIncidents);
  const merged = explained
    ? leadCauseFirst(
        mergeCauses(causeLists),
        findings[0]?.causes[0],
        clip(
          `${listOf(explained.lead.alerts, (view) => view.name)} (a known cause) fired with ${listOf(
            explained.symptoms.flatMap((group) => group.alerts),
            (view) => view.name,
          )} (its symptom) in the same incident`,
          500,
        ),
      )
    : mergeCauses(causeLists);
  // What the pods themselves say (termination, events, logs) re-ranks the causes and is quoted.
  const kube = applyKubeEvidence(
    applyHistory(merged, recurring),
    input.kubernetes ? findingsOf(input.kubernetes) : [],
    // A cause-type alert explaining its symptoms is a strong match: only decisive evidence displaces it.
    { strong: explained ? findings[0]?.causes[0]?.title : undefined, context: input.kubernetes },
  );
  const rootCauses = kube.causes.slice(0, MAX_CAUSES);
  if (kube.decisive) {
    summaryParts.push(`Kubernetes says: ${clip(kube.decisive.clue.quote, 400)}.`);
  }

  const stepLists = findings.map((finding) => finding.nextSteps);
  if (unknown.length > 0) stepLists.push(unknownSteps(unknown, unknownChange));

  return {
    summary: clip(summaryParts.join(' '), 3000),
    rootCauses,
    nextSteps: mergeSteps(stepLists),
    proposedActions: mergeActions([...findings.map((finding) => finding.actions ?? []), playbooks(views)]),
    // A signature fix generators serve gets their proposals (each an *Open fix PR* button), the leading one first.
    proposedFixes: mergeFixes(
      findings.map((finding, index) => {
        const group = groups[index] as Group;
        const facts = proposalFacts(input, group.earliest);
        return [...(finding.fixes ?? []), ...generatorProposals(group.signature.id, group.alerts, facts)];
      }),
    ),
    history: recurring
      ? { similar: recurring.similar, confirmed: recurring.confirmed, cause: recurring.cause }
      : null,
    analyzer: 'offline',
  };
}
