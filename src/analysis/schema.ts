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

/** A proposed fix as the model writes it (the LLM's tool schema): what, where, why. */
export const modelProposedFixSchema = z.object({
  kind: z.enum(['kubernetes', 'terraform', 'ansible']),
  title: z.string().min(1).max(200),
  description: z.string().max(2000),
});

/**
 * A proposed fix as stored: a deterministic generator's proposal also names that generator (`k8s-image-rollback`),
 * so a click plans exactly the fix that was shown; the model's fixes and analyses stored before it have none.
 */
export const proposedFixSchema = modelProposedFixSchema.extend({
  generator: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,59}$/)
    .optional(),
});

/**
 * What the Kubernetes context source read about the objects an incident's alerts name: already redacted and
 * bounded when it is built, re-validated wherever it crosses a boundary (the database, Slack, the prompt).
 */
export const kubeEventSchema = z.object({
  type: z.string().max(20),
  reason: z.string().max(100),
  message: z.string().max(500),
  count: z.number().int().min(0),
  /** Last seen (ISO), when the event says. */
  at: z.string().max(40).nullable(),
});

export const kubeContainerSchema = z.object({
  name: z.string().min(1).max(253),
  ready: z.boolean(),
  restarts: z.number().int().min(0),
  /** `running`, `waiting`, `terminated` or `unknown`. */
  state: z.string().max(20),
  /** The waiting or terminated reason (`CrashLoopBackOff`, `CreateContainerConfigError`). */
  reason: z.string().max(100).optional(),
  message: z.string().max(500).optional(),
  lastTermination: z
    .object({
      reason: z.string().max(100),
      exitCode: z.number().int(),
      at: z.string().max(40).nullable(),
      message: z.string().max(500).optional(),
    })
    .nullable(),
  requests: z.record(z.string().max(100), z.string().max(100)),
  limits: z.record(z.string().max(100), z.string().max(100)),
});

export const kubeLogTailSchema = z.object({
  container: z.string().min(1).max(253),
  /** The log of the previous (crashed) instance of the container. */
  previous: z.boolean(),
  /** Selected lines in log order: errors and warnings kept first, then the latest others. */
  lines: z.array(z.string().max(500)).max(40),
  /** More lines were read than kept. */
  truncated: z.boolean(),
});

export const kubeObjectSchema = z.object({
  kind: z.enum(['Pod', 'Deployment', 'StatefulSet', 'Job', 'Node']),
  namespace: z.string().max(253).optional(),
  name: z.string().min(1).max(253),
  /** One line: phase, readiness, restarts, conditions. */
  status: z.string().max(500),
  containers: z.array(kubeContainerSchema).max(10),
  events: z.array(kubeEventSchema).max(10),
  logs: z.array(kubeLogTailSchema).max(6),
  /** What could not be read (403, gone, no previous container), never an error of the analysis. */
  notes: z.array(z.string().max(300)).max(10),
});

export const kubeContextSchema = z.object({
  objects: z.array(kubeObjectSchema).max(40),
  notes: z.array(z.string().max(300)).max(20),
});

export type KubeEvent = z.output<typeof kubeEventSchema>;
export type KubeContainer = z.output<typeof kubeContainerSchema>;
export type KubeLogTail = z.output<typeof kubeLogTailSchema>;
export type KubeObjectContext = z.output<typeof kubeObjectSchema>;
export type KubeContext = z.output<typeof kubeContextSchema>;

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
  /** The Kubernetes context the analysis used (redacted), for `/aiops logs`; set by the bot, never the LLM. */
  kubernetes: kubeContextSchema.optional(),
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
