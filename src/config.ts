/**
 * The one place that reads the environment and `aiops.yml`. Both are pure functions of their input
 * (an env object, a file's text) so tests build configs without touching process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { remediationSchema, secretEnvNames } from './remediation/config.ts';
import { ANSIBLE_PASSED_ENV } from './remediation/executors/ansible.ts';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const optionalUrl = optionalString.pipe(z.url().optional());

const envSchema = z.object({
  PORT: optionalString
    .transform((value) => (value === undefined ? 3000 : Number(value)))
    .pipe(z.number({ error: 'must be a port number' }).int().min(0).max(65535)),
  LOG_LEVEL: optionalString.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  LOG_FORMAT: optionalString.pipe(z.enum(['json', 'pretty']).optional()),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  AIOPS_DATA_DIR: optionalString.pipe(z.string().default('./.aiops')),
  AIOPS_CONFIG: optionalString,
  SLACK_BOT_TOKEN: optionalString.pipe(
    z.string().startsWith('xoxb-', 'must be a bot token (xoxb-…)').optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.pipe(
    z.string().startsWith('xapp-', 'must be an app token (xapp-…)').optional(),
  ),
  SLACK_API_URL: optionalUrl,
  AIOPS_DEFAULT_CHANNEL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  AIOPS_MODEL: optionalString.pipe(z.string().default('claude-sonnet-5-5')),
  GITHUB_TOKEN: optionalString,
  GITHUB_API_URL: optionalUrl,
  /** Verifies POST /webhooks/github (X-Hub-Signature-256); unset: fix-PR state is polled. */
  GITHUB_WEBHOOK_SECRET: optionalString,
  /** GitHub App auth instead of GITHUB_TOKEN: all three are needed. */
  GITHUB_APP_ID: optionalString,
  GITHUB_APP_PRIVATE_KEY: optionalString,
  GITHUB_APP_INSTALLATION_ID: optionalString.pipe(
    z.string().regex(/^\d+$/, 'must be the numeric installation id').optional(),
  ),
  ALERTMANAGER_TOKEN: optionalString,
  PAGERDUTY_WEBHOOK_SECRETS: optionalString.transform((value) =>
    value === undefined
      ? []
      : value
          .split(',')
          .map((secret) => secret.trim())
          .filter(Boolean),
  ),
  AIOPS_API_TOKEN: optionalString,
  /** Kubernetes credentials (a path list, the first entry is used); in-cluster when running in a pod. */
  KUBECONFIG: optionalString,
  KUBERNETES_SERVICE_HOST: optionalString,
});

export type EnvOptions = z.output<typeof envSchema>;

const matcherValue = z.union([z.string(), z.array(z.string()).nonempty()]);

const routeSchema = z.strictObject({
  /** Label matchers; `service` and `severity` match the normalized fields. A value `/re/` is a regex. */
  match: z.record(z.string(), matcherValue),
  channel: z.string().min(1),
});

/** Label matchers: a value, a list of values (any), or `/regex/` (anchored). */
const labelSetSchema = z.record(z.string(), matcherValue).refine((set) => Object.keys(set).length > 0, {
  error: 'must name at least one label',
});

const globList = z.array(z.string().min(1).max(300)).max(50);

/** Where a service's fix PRs go: the base branch and, per kind, the only files fixes may read or change. */
const serviceFixesSchema = z.strictObject({
  base: z
    .string()
    .min(1)
    .max(200)
    .regex(/^(?!-)(?!.*\.\.)[\w./-]+$/, 'must be a branch name')
    .default('main'),
  paths: z
    .strictObject({
      kubernetes: globList.optional(),
      helm: globList.optional(),
      terraform: globList.optional(),
      ansible: globList.optional(),
    })
    .refine((paths) => Object.values(paths).some((globs) => globs && globs.length > 0), {
      message: 'map at least one kind (kubernetes, helm, terraform, ansible) to path globs',
    }),
  /** A local checkout read when there is no GitHub token (the fix is shown as a diff, no PR). */
  localPath: z.string().min(1).optional(),
});

export type ServiceFixes = z.output<typeof serviceFixesSchema>;

const serviceSchema = z.strictObject({
  name: z.string().min(1),
  /** Label sets that mean this service (one, or a list of which any may match); checked before derivation. */
  match: z.union([labelSetSchema, z.array(labelSetSchema).nonempty()]).optional(),
  channel: z.string().min(1).optional(),
  repo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name')
    .optional(),
  /** Who may approve remediations: Slack user ids, `@group` handles, CLI names. None: nobody may. */
  approvers: z.array(z.string().min(1)).optional(),
  fixes: serviceFixesSchema.optional(),
});

/** `retention: { deliveriesDays: N }` (the first spelling) as `retention: { rawDeliveries: { days: N } }`. */
function legacyRetention(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !('deliveriesDays' in value)) return value;
  if ('rawDeliveries' in value) return value; // both: refused as an unknown key, not guessed at
  const { deliveriesDays, ...rest } = value as Record<string, unknown>;
  return { ...rest, rawDeliveries: { days: deliveriesDays } };
}

const fileSchema = z.strictObject({
  defaults: z.strictObject({ channel: z.string().min(1).optional() }).default({}),
  correlation: z
    .strictObject({
      windowMinutes: z
        .number()
        .positive()
        .max(7 * 24 * 60)
        .default(30),
    })
    .default({ windowMinutes: 30 }),
  ingest: z
    .strictObject({
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      /**
       * Labels tried in order to name the service, before the service is derived from the alert's
       * workload, volume, exporter or host (src/ingest/service.ts). Unset: derivation only.
       */
      serviceLabels: z.array(z.string().min(1)).nonempty().optional(),
    })
    .default({ maxBodyBytes: 5 * 1024 * 1024 }),
  services: z.array(serviceSchema).default([]),
  routes: z.array(routeSchema).default([]),
  /**
   * Metric context for analyses: the alert's expression (from its generatorURL) is queried around its start.
   * `url` is the Prometheus to query. Without it, a generatorURL's own host is queried only when listed in
   * `allowedHosts` — a webhook sender must not be able to make the bot send requests to any host it names.
   * Neither set: no metric context. `timeoutMs` bounds each query (3 s when unset).
   */
  prometheus: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
      allowedHosts: z.array(z.string().min(1)).optional(),
      timeoutMs: z.number().int().positive().max(60_000).optional(),
    })
    .optional(),
  /** Remediation policy (off until `enabled: true`); see src/remediation/config.ts. */
  remediation: remediationSchema,
  /**
   * How long raw webhook deliveries (the request bodies as received) are kept; the scheduled retention job
   * deletes older ones. Kept whatever their age: deliveries that touched an incident still open. Failed
   * deliveries (kept for replay: nothing else holds what they carried) have their own, longer period.
   * Incidents, alerts, analyses and the audit log are not affected. `deliveriesDays` is the old spelling of
   * `rawDeliveries.days`.
   */
  retention: z.preprocess(
    legacyRetention,
    z
      .strictObject({
        rawDeliveries: z
          .strictObject({
            days: z.number().int().positive().max(3650).default(30),
            failedDays: z.number().int().positive().max(3650).default(90),
          })
          .default({ days: 30, failedDays: 90 }),
      })
      .default({ rawDeliveries: { days: 30, failedDays: 90 } }),
  ),
  /**
   * The team's own catalogue signatures (docs/catalogue.md): files or folders of `*.yaml`, relative to this
   * file, in the built-in format; loaded once at start, overriding (same id) or extending the built-in ones.
   */
  catalogue: z.strictObject({ paths: z.array(z.string().min(1)).default([]) }).optional(),
  /**
   * Read-only context for analyses. `kubernetes`: pod status, events and logs of the objects an incident's
   * alerts name, with these credentials (see `kubeconfigPath`), only in `namespaces` when given.
   */
  context: z
    .strictObject({
      kubernetes: z
        .strictObject({
          kubeconfig: z.string().min(1).optional(),
          namespaces: z.array(z.string().min(1)).optional(),
          timeoutMs: z.number().int().positive().max(60_000).optional(),
        })
        .optional(),
    })
    .optional(),
});

export type FileConfig = z.output<typeof fileSchema>;
export type RouteRule = z.output<typeof routeSchema>;

export interface Config {
  env: EnvOptions;
  file: FileConfig;
  /** Where the file came from, or `built-in defaults`. */
  configSource: string;
  defaultChannel: string;
  correlationWindowMs: number;
  /**
   * What the remediation executors read from the environment (never logged): the secrets
   * `remediation.http.jobs[].secretEnv` names, KUBECONFIG and the in-cluster service host, and what
   * ansible-playbook inherits (PATH, HOME, locale, SSH agent, ANSIBLE_*) — never the bot's own tokens.
   */
  executorEnv: Record<string, string | undefined>;
}

function describeIssue(issue: z.core.$ZodIssue, prefix: string): string {
  const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  // A top-level issue (an unknown key) has no path: no empty `: ` before the message.
  return where ? `${where}: ${issue.message}` : issue.message;
}

export function readEnvOptions(env: Record<string, string | undefined> = process.env): EnvOptions {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(
      issue ? `invalid environment variable ${describeIssue(issue, '')}` : 'invalid environment',
    );
  }
  return result.data;
}

export function parseConfigFile(text: string, source: string): FileConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(issue ? `${source}: ${describeIssue(issue, '')}` : `${source}: invalid`);
  }
  const labelSets: [string, Record<string, string | string[]>][] = result.data.routes.map((route, index) => [
    `routes.${index}.match`,
    route.match,
  ]);
  for (const [index, service] of result.data.services.entries()) {
    if (!service.match) continue;
    if (Array.isArray(service.match))
      for (const [n, set] of service.match.entries()) labelSets.push([`services.${index}.match.${n}`, set]);
    else labelSets.push([`services.${index}.match`, service.match as Record<string, string | string[]>]);
  }
  for (const [where, set] of labelSets) {
    for (const [label, value] of Object.entries(set)) {
      for (const pattern of Array.isArray(value) ? value : [value]) {
        if (isRegexMatcher(pattern)) {
          try {
            new RegExp(pattern.slice(1, -1));
          } catch {
            throw new ConfigError(`${source}: ${where}.${label}: invalid regular expression ${pattern}`);
          }
        }
      }
    }
  }
  return result.data;
}

export function isRegexMatcher(pattern: string): boolean {
  return pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/');
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Config {
  const envOptions = readEnvOptions(env);
  let file: FileConfig;
  let configSource = 'built-in defaults';
  const explicit = envOptions.AIOPS_CONFIG;
  const candidate = explicit ?? path.join(cwd, 'aiops.yml');
  if (explicit && !existsSync(explicit)) {
    throw new ConfigError(`invalid environment variable AIOPS_CONFIG: file ${explicit} does not exist`);
  }
  if (existsSync(candidate)) {
    file = parseConfigFile(readFileSync(candidate, 'utf8'), candidate);
    configSource = candidate;
  } else {
    file = parseConfigFile('', 'built-in defaults');
  }
  return { ...buildConfig(envOptions, file, configSource), executorEnv: pickExecutorEnv(env, file) };
}

const EXECUTOR_ENV = new Set([
  'KUBECONFIG',
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
  ...ANSIBLE_PASSED_ENV,
]);

function pickExecutorEnv(
  env: Record<string, string | undefined>,
  file: FileConfig,
): Record<string, string | undefined> {
  const picked: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (EXECUTOR_ENV.has(name) || name.startsWith('ANSIBLE_'))) picked[name] = value;
  }
  for (const name of secretEnvNames(file.remediation)) picked[name] = env[name];
  return picked;
}

export function buildConfig(env: EnvOptions, file: FileConfig, configSource = 'built-in defaults'): Config {
  return {
    env,
    file,
    configSource,
    defaultChannel: env.AIOPS_DEFAULT_CHANNEL ?? file.defaults.channel ?? '#incidents',
    correlationWindowMs: file.correlation.windowMinutes * 60_000,
    executorEnv: {},
  };
}

/** A config from an env object and optional YAML text, for tests and the benchmark. */
export function configFrom(env: Record<string, string | undefined> = {}, yamlText = ''): Config {
  const file = parseConfigFile(yamlText, 'aiops.yml');
  return { ...buildConfig(readEnvOptions(env), file), executorEnv: pickExecutorEnv(env, file) };
}
