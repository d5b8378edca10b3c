/**
 * The analysis contract: what any analyzer (the LLM or the offline catalogue) says about an incident.
 * Validated with zod wherever it crosses a boundary (LLM output, the database, Slack rendering).
 * Proposed actions and fixes are data only, from a fixed vocabulary with typed parameters — never shell.
 */
import { z } from 'zod';

export const rootCauseCategories = [
  'deployment',
  'configuration',
  'capacity',
  'resource-exhaustion',
  'dependency',
  'network',
  'infrastructure',
  'certificate',
  'data',
  'application',
  'unknown',
] as const;

export const rootCauseSchema = z.object({
  title: z.string().min(1).max(200),
  likelihood: z.number().min(0).max(1),
  evidence: z.array(z.string().min(1).max(500)).max(10),
  category: z.enum(rootCauseCategories),
});

const k8sTarget = {
  namespace: z.string().min(1).max(253),
  name: z.string().min(1).max(253),
};

export const proposedActionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('restart'),
    ...k8sTarget,
    workload: z.enum(['deployment', 'statefulset', 'daemonset']),
  }),
  z.object({ kind: z.literal('scale'), ...k8sTarget, replicas: z.number().int().min(0).max(1000) }),
  z.object({
    kind: z.literal('rollback-deployment'),
    ...k8sTarget,
    toRevision: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('raise-limits'),
    ...k8sTarget,
    container: z.string().min(1).max(253),
    memory: z
      .string()
      .regex(/^\d+(Mi|Gi)$/)
      .optional(),
    cpu: z
      .string()
      .regex(/^\d+m?$/)
      .optional(),
  }),
  z.object({
    kind: z.literal('run-playbook'),
    playbook: z.string().min(1).max(200),
    limit: z.string().max(200).optional(),
  }),
]);

export const proposedFixSchema = z.object({
  kind: z.enum(['kubernetes', 'terraform', 'ansible']),
  title: z.string().min(1).max(200),
  description: z.string().max(2000),
});

export const analysisSchema = z.object({
  summary: z.string().min(1).max(3000),
  rootCauses: z.array(rootCauseSchema).max(5),
  nextSteps: z.array(z.string().min(1).max(500)).max(10),
  proposedActions: z.array(proposedActionSchema).max(5),
  proposedFixes: z.array(proposedFixSchema).max(3),
  /** "in N of M similar past incidents the cause was X" */
  history: z
    .object({ similar: z.number().int().min(0), confirmed: z.number().int().min(0), cause: z.string() })
    .nullable()
    .default(null),
  analyzer: z.enum(['llm', 'offline']),
  model: z.string().optional(),
  tokens: z.object({ input: z.number().int(), output: z.number().int() }).optional(),
  /** Why the offline analyzer answered instead of the LLM (no key, LLM failure), shown in Slack. */
  fallbackReason: z.string().optional(),
});

export type RootCause = z.output<typeof rootCauseSchema>;
export type ProposedAction = z.output<typeof proposedActionSchema>;
export type ProposedFix = z.output<typeof proposedFixSchema>;
export type Analysis = z.output<typeof analysisSchema>;

/** Ranked by likelihood, highest first. */
export function rankRootCauses(causes: RootCause[]): RootCause[] {
  return [...causes].sort((a, b) => b.likelihood - a.likelihood);
}

/** What `/aiops explain TEXT` answers about a pasted log line or error message. */
export const explanationSchema = z.object({
  /** Plain-language meaning of the text, one to three sentences. */
  summary: z.string().min(1).max(2000),
  /** Likely causes, most likely first; empty when nothing known matches (never invented). */
  likelyCauses: z.array(z.string().min(1).max(500)).max(5),
  nextSteps: z.array(z.string().min(1).max(500)).max(6),
  /** The catalogue signature that matched (offline analyzer), when one did. */
  signature: z.string().optional(),
  analyzer: z.enum(['llm', 'offline']),
  model: z.string().optional(),
});

export type Explanation = z.output<typeof explanationSchema>;
