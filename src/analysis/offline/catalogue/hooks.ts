/**
 * The one place code may join a data signature (`hook: NAME` in a catalogue file), for what a template or a
 * condition cannot say: arithmetic on numbers parsed from the alert, and typed actions. A hook sees the alert
 * and what the data produced, never the file.
 */
import type { ProposedAction } from '../../schema.ts';
import type { AlertView, Finding, SignatureContext } from '../types.ts';

export interface SignatureHook {
  /** Declines an alert the patterns matched (ANDed with the file's `accepts:`). */
  accepts?(view: AlertView): boolean;
  /** The names of the values `values` gives: templates and conditions use them as `hook.NAME`. */
  provides?: readonly string[];
  /** Values computed from the alert, for the signature's templates and conditions (`{{hook.replicas}}`). */
  values?(view: AlertView): Readonly<Record<string, string | undefined>>;
  /** Adjusts what the data produced (evidence from other alerts, actions, a computed cause). */
  analyze?(ctx: SignatureContext, finding: Finding): Finding;
}

const MAX_REPLICAS_TEXT = /max(?:imum)?[ _-]?replicas\s*(?:\(|=|:|of|is)?\s*(\d{1,4})\b/i;

/**
 * Scaling an HPA's Deployment past the HPA's maxReplicas: the max from a label, else from the alert's text, times
 * 1.5 (at most 1000). A number parsed from text and arithmetic on it, and a typed action: not data.
 */
function hpaScale(view: AlertView): Extract<ProposedAction, { kind: 'scale' }> | null {
  const labels = view.labels;
  const kind = labels.scaletargetref_kind;
  const name =
    (kind === undefined || kind === 'Deployment' ? labels.scaletargetref_name : undefined) ??
    labels.deployment;
  const maxText = labels.maxreplicas ?? labels.max_replicas ?? labels.spec_max_replicas;
  const annotations = view.alert.annotations;
  const max = maxText
    ? Number(maxText)
    : Number(MAX_REPLICAS_TEXT.exec(`${annotations.description ?? ''} ${view.alert.summary}`)?.[1]);
  if (!view.namespace || !name || !Number.isInteger(max) || max <= 0) return null;
  return { kind: 'scale', namespace: view.namespace, name, replicas: Math.min(1000, Math.ceil(max * 1.5)) };
}

/** Hooks by the name a catalogue file gives in `hook:`. */
export const HOOKS: Readonly<Record<string, SignatureHook>> = {
  /** hpa-maxed-out: `hook.replicas`, the replicas to scale to, and the scale action. */
  'hpa-scale': {
    provides: ['replicas'],
    values: (view) => ({ replicas: hpaScale(view)?.replicas.toString() }),
    analyze: (ctx, finding) => {
      const action = hpaScale(ctx.primary);
      return action ? { ...finding, actions: [...(finding.actions ?? []), action] } : finding;
    },
  },
};
