/**
 * The one place code may join a data signature (`hook: NAME` in a catalogue file), for what a template or a
 * condition cannot say — today nothing needs it; candidates are signatures that read other alerts of the
 * incident or propose actions. A hook sees the alert and what the data produced, never the file.
 */
import type { AlertView, Finding, SignatureContext } from '../types.ts';

export interface SignatureHook {
  /** Declines an alert the patterns matched (ANDed with the file's `accepts:`). */
  accepts?(view: AlertView): boolean;
  /** Adjusts what the data produced (evidence from other alerts, actions, a computed cause). */
  analyze?(ctx: SignatureContext, finding: Finding): Finding;
}

/** Hooks by the name a catalogue file gives in `hook:`. */
export const HOOKS: Readonly<Record<string, SignatureHook>> = {};
