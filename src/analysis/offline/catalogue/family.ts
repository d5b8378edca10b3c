/**
 * A compact way to declare a well-known alert family: its names, what it means, the causes its runbook names
 * (ranked), and the next steps with the alert's real labels filled in. The first cause cites every alert; the
 * others cite the first one.
 */
import type { ProposedAction, RootCause } from '../../schema.ts';
import { alertEvidence, cause, hostOf, runbookStep, steps } from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';

export type CauseSpec = readonly [title: string, likelihood: number, category: RootCause['category']];

export interface FamilySpec {
  id: string;
  title: string;
  weight: number;
  names?: string[];
  namePattern?: RegExp;
  textPattern?: RegExp;
  accepts?: (view: AlertView) => boolean;
  deploy?: Signature['deploy'];
  role?: Signature['role'];
  summary: (v: AlertView, ctx: SignatureContext) => string;
  causes: readonly CauseSpec[] | ((v: AlertView, ctx: SignatureContext) => readonly CauseSpec[]);
  steps: (v: AlertView, ctx: SignatureContext) => (string | null | undefined | false)[];
  /** Extra evidence for the first cause (another alert of the incident that backs it). */
  extraEvidence?: (ctx: SignatureContext) => (string | null | undefined)[];
  actions?: (ctx: SignatureContext) => ProposedAction[];
}

export function family(spec: FamilySpec): Signature {
  const signature: Signature = {
    id: spec.id,
    title: spec.title,
    weight: spec.weight,
    analyze(ctx) {
      const v = ctx.primary;
      const evidence = alertEvidence(ctx.alerts, spec.extraEvidence?.(ctx) ?? []);
      const specs = typeof spec.causes === 'function' ? spec.causes(v, ctx) : spec.causes;
      const more = ctx.alerts.length > 1 ? ` (${ctx.alerts.length} alerts)` : '';
      return {
        summary: `${spec.summary(v, ctx)}${more}`,
        causes: specs.map(([title, likelihood, category], index) =>
          cause(title, likelihood, category, index === 0 ? evidence : evidence.slice(0, 1)),
        ),
        nextSteps: steps(...spec.steps(v, ctx), runbookStep(v)),
        actions: spec.actions?.(ctx) ?? [],
      };
    },
  };
  if (spec.names) signature.names = spec.names;
  if (spec.namePattern) signature.namePattern = spec.namePattern;
  if (spec.textPattern) signature.textPattern = spec.textPattern;
  if (spec.accepts) signature.accepts = spec.accepts;
  if (spec.deploy) signature.deploy = spec.deploy;
  if (spec.role) signature.role = spec.role;
  return signature;
}

/** `` `value` `` or a fallback. */
export const q = (value: string | undefined, fallback = '?'): string => `\`${value ?? fallback}\``;

/** Where the alert points: instance, else pod, else job. */
export const where = (v: AlertView): string | undefined =>
  v.instance ?? v.pod ?? v.labels.job ?? v.labels.service ?? v.node;

/** The host to run a client against: the instance without its port. */
export const hostArg = (v: AlertView): string => hostOf(v) ?? '<host>';
