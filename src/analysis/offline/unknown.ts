/** Alerts no signature knows: say honestly what the alert says, and point at where to look — no invented cause. */
import { changeEvidence } from './changes.ts';
import { clip, kubectl, runbookStep, sh, steps } from './facts.ts';
import type { AlertView, ChangeHit } from './types.ts';

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
