/**
 * The `remediation:` block of aiops.yml (DESIGN.md §3). Off until `enabled: true`; every key is checked
 * strictly so a typo is a start-up error naming the key, never a silently absent safety rule.
 */
import { validateDetailed } from 'node-cron';
import { z } from 'zod';

export const ACTION_KINDS = [
  'restart',
  'scale',
  'raise-limits',
  'rollback-deployment',
  'run-playbook',
  'http-job',
] as const;

export const riskSchema = z.enum(['low', 'medium', 'high']);

/** The issue's defaults: restart low; scale, raise-limits medium; the rest high. */
export const DEFAULT_RISK = {
  restart: 'low',
  scale: 'medium',
  'raise-limits': 'medium',
  'rollback-deployment': 'high',
  'run-playbook': 'high',
  'http-job': 'high',
} as const satisfies Record<(typeof ACTION_KINDS)[number], z.output<typeof riskSchema>>;

const cronExpression = z.string().superRefine((value, ctx) => {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a 5-field cron expression (minute hour day month weekday)',
    });
    return;
  }
  const detail = validateDetailed(value);
  if (!detail.valid) {
    const first = detail.errors[0];
    ctx.addIssue({
      code: 'custom',
      message: `invalid cron expression${first ? ` (${first.field}: ${first.message})` : ''}`,
    });
  }
});

const freezeSchema = z.strictObject({
  /** When a freeze starts, in UTC (minute hour day-of-month month day-of-week). */
  cron: cronExpression,
  durationMinutes: z
    .number()
    .int()
    .positive()
    .max(31 * 24 * 60),
});

const hostPattern = z.string().min(1).max(253);

export const remediationSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    approvalTtlMinutes: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 60)
      .default(30),
    maxPerServicePerHour: z.number().int().min(0).max(1000).default(3),
    risk: z
      .strictObject({
        restart: riskSchema.default(DEFAULT_RISK.restart),
        scale: riskSchema.default(DEFAULT_RISK.scale),
        'raise-limits': riskSchema.default(DEFAULT_RISK['raise-limits']),
        'rollback-deployment': riskSchema.default(DEFAULT_RISK['rollback-deployment']),
        'run-playbook': riskSchema.default(DEFAULT_RISK['run-playbook']),
        'http-job': riskSchema.default(DEFAULT_RISK['http-job']),
      })
      .default({ ...DEFAULT_RISK }),
    freeze: z.array(freezeSchema).default([]),
    kubernetes: z
      .strictObject({
        kubeconfig: z.string().min(1).optional(),
        /** Context of the kubeconfig; default its current-context. */
        context: z.string().min(1).optional(),
        /** Namespaces the bot may change (exact names or `*` globs). */
        namespaces: z.array(z.string().min(1).max(253)).default([]),
        rolloutTimeoutSeconds: z.number().int().positive().max(3600).optional(),
        rolloutPollSeconds: z.number().positive().max(60).optional(),
      })
      .optional(),
    ansible: z
      .strictObject({
        playbookDir: z.string().min(1),
        inventory: z.string().min(1).optional(),
        /** Hosts a playbook may be limited to; `*` globs (`web-*`). */
        hosts: z.array(hostPattern).default([]),
        timeoutSeconds: z.number().int().positive().max(3600).default(300),
        /** Playbook → the playbook that undoes it (no entry: no Rollback button). */
        rollbacks: z.record(z.string().min(1), z.string().min(1)).default({}),
      })
      .optional(),
    http: z
      .strictObject({
        jobs: z.record(
          z.string().regex(/^[\w.-]{1,100}$/, 'job names are letters, digits, . _ -'),
          z.strictObject({
            url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
            /** The environment variable holding the HMAC key / bearer token (never the value itself). */
            secretEnv: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
              .optional(),
            method: z.enum(['POST', 'PUT', 'PATCH']).optional(),
            /** hmac (default; needs secretEnv), bearer (AWX, Rundeck, CI tokens) or none. */
            auth: z.enum(['hmac', 'bearer', 'none']).optional(),
            /** `awx` sends AWX's launch body `{ extra_vars }`. */
            format: z.enum(['aiops', 'awx']).optional(),
            /** Parameter names an action may pass. */
            params: z.array(z.string().min(1).max(64)).optional(),
            /** Another job under jobs that undoes this one (no entry: no Rollback button). */
            rollback: z.string().min(1).optional(),
            timeoutSeconds: z.number().int().positive().max(3600).optional(),
          }),
        ),
      })
      .optional(),
    /** Self-healing: low-risk actions that run without a click when an alert matches. */
    autoRun: z
      .array(
        z.strictObject({
          action: z.enum(ACTION_KINDS),
          match: z.record(z.string().min(1), z.string()).refine((m) => Object.keys(m).length > 0, {
            message: 'must name at least one label',
          }),
          maxPerHour: z.number().int().positive().max(60).default(1),
        }),
      )
      .default([]),
  })
  .superRefine((value, ctx) => {
    for (const [index, rule] of value.autoRun.entries()) {
      if (value.risk[rule.action] !== 'low') {
        ctx.addIssue({
          code: 'custom',
          path: ['autoRun', index, 'action'],
          message: `${rule.action} is ${value.risk[rule.action]} risk: self-healing runs low-risk actions only`,
        });
      }
    }
  })
  .default({
    enabled: false,
    approvalTtlMinutes: 30,
    maxPerServicePerHour: 3,
    risk: { ...DEFAULT_RISK },
    freeze: [],
    autoRun: [],
  });

export type RemediationConfig = z.output<typeof remediationSchema>;

/** The environment variables the remediation config names as secrets (read once, by config.ts). */
export function secretEnvNames(config: RemediationConfig): string[] {
  return Object.values(config.http?.jobs ?? {}).flatMap((job) => (job.secretEnv ? [job.secretEnv] : []));
}
export type AutoRunRule = RemediationConfig['autoRun'][number];
export type FreezeWindow = RemediationConfig['freeze'][number];
