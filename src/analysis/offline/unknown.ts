/** Alerts no signature knows: say honestly what the alert says, and point at where to look — no invented cause. */
import type { RootCause } from '../schema.ts';
import { changeEvidence } from './changes.ts';
import { cause, clip, firedEvidence, kubectl, runbookStep, saidEvidence, sh, steps } from './facts.ts';
import type { AlertView, ChangeHit } from './types.ts';

/** Words with which an alert's own text states a cause ("… due to …", "likely …", "may indicate …"). */
const STATES_CAUSE =
  /\b(?:due to|caused by|because|as a result of|(?:is |are )?(?:most |very )?likely|probably|(?:may|might|could|can) (?:indicate|mean|be caused|be due|be a sign)|indicat(?:es|ing)|suggests?|possibl[ey]|a sign of)\b/i;
/** "possible" that states no cause: "as soon as possible", "if possible", "not possible". */
const NOT_A_CAUSE = /\b(?:as soon as|as much as|if|where|when|whenever|not|im) possible\b|\bunlikely\b/i;
/** awesome-prometheus-alerts' description tail: `VALUE = … LABELS = map[…]`. */
const RULE_TAIL = /\n\s*(?:VALUE|LABELS)\s*=[\s\S]*$/;
const SENTENCES = /(?<=[.!?])\s+(?=[A-Z{])|\n+/;
const PREFIX = 'As the alert itself says: "';
/** The title may hold 200 characters: the quoted clause gets what the prefix and closing quote leave. */
const MAX_CLAUSE = 200 - PREFIX.length - 1;

/** A heading that introduces a list of causes: `**Possible causes**:`, `Likely root causes:`, `Causes -`. */
const CAUSES_HEADING =
  /^[#*_\s]*(?:possible|likely|probable|common|potential|known)?\s*(?:root\s+)?causes?[*_\s]*[:\-–]?[*_\s]*$/i;
const LIST_ITEM = /^\s*(?:[-*•]|\d{1,2}[.)])\s+(.+?)\s*$/;
const MAX_LISTED = 4;

/** The causes the alert's own text lists under a "Possible causes:" heading, as written (at most four). */
export function listedCauses(view: AlertView): string[] {
  const annotations = view.alert.annotations;
  for (const text of [annotations.description, annotations.message]) {
    if (!text) continue;
    const lines = text.replace(RULE_TAIL, '').split('\n');
    const heading = lines.findIndex((line) => CAUSES_HEADING.test(line));
    if (heading === -1) continue;
    const items: string[] = [];
    for (const line of lines.slice(heading + 1)) {
      const item = LIST_ITEM.exec(line)?.[1];
      if (!item) {
        if (items.length > 0 || line.trim() !== '') break;
        continue;
      }
      items.push(clip(item.replace(/[*_`]/g, ''), MAX_CLAUSE));
      if (items.length === MAX_LISTED) break;
    }
    if (items.length > 0) return items;
  }
  return [];
}

/** The sentence of the alert's description (else message, else summary) that states a cause, as written. */
export function statedClause(view: AlertView): string | null {
  const annotations = view.alert.annotations;
  for (const text of [
    annotations.description,
    annotations.message,
    annotations.summary ?? view.alert.summary,
  ]) {
    if (!text) continue;
    for (const sentence of text.replace(RULE_TAIL, '').split(SENTENCES)) {
      const trimmed = sentence.trim();
      // A heading ("Possible causes:") introduces causes; it is not one.
      if (trimmed.endsWith(':') || CAUSES_HEADING.test(trimmed)) continue;
      if (trimmed && STATES_CAUSE.test(trimmed) && !NOT_A_CAUSE.test(trimmed))
        return clip(trimmed, MAX_CLAUSE);
    }
  }
  return null;
}

/**
 * For alerts no signature knows: the causes the alert's own text lists ("Possible causes: 1. … 2. …"), else the
 * one sentence that states a cause in so many words — quoted, never paraphrased, category `unknown`, no more
 * likely than 0.3, in the order written.
 */
export function statedCauses(unknown: AlertView[]): RootCause[] {
  for (const view of unknown) {
    const evidence = [saidEvidence(view), firedEvidence(view)].filter((item): item is string =>
      Boolean(item),
    );
    const listed = listedCauses(view);
    if (listed.length > 0) {
      return listed.map((item, index) =>
        cause(`${PREFIX}${item}"`, Math.round((0.3 - index * 0.05) * 100) / 100, 'unknown', evidence),
      );
    }
    const clause = statedClause(view);
    if (clause) return [cause(`${PREFIX}${clause}"`, 0.3, 'unknown', evidence)];
  }
  return [];
}

/** What the alert itself says, quoted (description, else summary); '' when it says nothing beyond its name. */
function saying(view: AlertView): string {
  const annotations = view.alert.annotations;
  const text = annotations.description ?? annotations.message ?? view.alert.summary;
  return text && text !== view.name ? clip(text, 300) : '';
}

export function unknownSummary(unknown: AlertView[]): string {
  const names = [...new Set(unknown.map((view) => view.name))];
  const shown = names.slice(0, 4).map((name) => `\`${name}\``);
  const more = names.length > shown.length ? ` (+${names.length - shown.length} more)` : '';
  const first = unknown[0];
  const said = first ? saying(first) : '';
  return `No known signature for ${shown.join(', ')}${more}; ${said ? `the alert says: "${said}"` : 'the alert carries no description'}.`;
}

export function unknownSteps(unknown: AlertView[], change: ChangeHit | null): string[] {
  const v = unknown[0];
  if (!v) return [];
  const k = kubectl(v.namespace);
  return steps(
    runbookStep(v),
    v.expr && `Look at the alert's query over the last hours: ${v.expr}`,
    !v.expr && v.alert.generatorUrl && `Open the alert's source: ${v.alert.generatorUrl}`,
    v.pod && `${k} describe pod ${sh(v.pod)}`,
    v.pod && `${k} logs ${sh(v.pod)} --all-containers --tail=100`,
    !v.pod && v.namespace && `${k} get events --sort-by=.lastTimestamp | tail -20`,
    v.node && `kubectl describe node ${sh(v.node)}`,
    change && `Check whether this change is related: ${changeEvidence(change)}`,
  );
}
