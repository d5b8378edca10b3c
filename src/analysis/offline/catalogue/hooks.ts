/**
 * The one place code may join a data signature (`hook: NAME` in a catalogue file), for what a template or a
 * condition cannot say: arithmetic on numbers parsed from the alert, a typed action computed from it, and a
 * relation between two alerts that cites the other one. A hook sees the alert and what the data produced, never
 * the file.
 */
import type { ProposedAction } from '../../schema.ts';
import { podRef } from '../facts.ts';
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

const OOM_TEXT = /\boomkilled\b|\boom[- ]?kill(?:ed|er)?\b|out of memory: kill/;

/**
 * `crash-loop-oom`: another alert of the incident (firing or not) reports an OOM kill for the same pod (the first
 * such alert; a pod-less crash loop counts pod-less alerts) — the crash loop is likely the OOM kill: the
 * `resource-exhaustion` cause becomes 0.75 and cites that alert by name and pod.
 */
const crashLoopOom: SignatureHook = {
  analyze(ctx, finding) {
    const v = ctx.primary;
    const oom = ctx.all.find((other) => other !== v && other.pod === v.pod && OOM_TEXT.test(other.text));
    if (!oom) return finding;
    const said = `\`${oom.name}\` in the same incident reports OOMKilled for pod \`${podRef(oom)}\``;
    return {
      ...finding,
      causes: finding.causes.map((item) =>
        item.category === 'resource-exhaustion'
          ? { ...item, likelihood: 0.75, evidence: [said, ...item.evidence].slice(0, 10) }
          : item,
      ),
    };
  },
};

/** Hooks by the name a catalogue file gives in `hook:`. */
export const HOOKS: Readonly<Record<string, SignatureHook>> = {
  'crash-loop-oom': crashLoopOom,
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
