/**
 * The one place code may join a data signature (`hook: NAME` in a catalogue file), for what a template or a
 * condition cannot say. A hook sees the alert and what the data produced, never the file.
 */
import { podRef } from '../facts.ts';
import type { AlertView, Finding, SignatureContext } from '../types.ts';

export interface SignatureHook {
  /** Declines an alert the patterns matched (ANDed with the file's `accepts:`). */
  accepts?(view: AlertView): boolean;
  /** Adjusts what the data produced (evidence from other alerts, actions, a computed cause). */
  analyze?(ctx: SignatureContext, finding: Finding): Finding;
}

const OOM_TEXT = /\boomkilled\b|\boom[- ]?kill(?:ed|er)?\b|out of memory: kill/;

/**
 * `crash-loop-oom`: another alert of the incident (firing or not) reports an OOM kill for the same pod — the
 * crash loop is likely the OOM kill: the `resource-exhaustion` cause becomes 0.75 and cites that alert. A
 * relation between two alerts (same pod, cite the other one) is what no condition or template says.
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
export const HOOKS: Readonly<Record<string, SignatureHook>> = { 'crash-loop-oom': crashLoopOom };
