/**
 * The executors behind the Executor seam, built once from the `remediation:` section of `aiops.yml`.
 * An executor exists only for a configured section: no `kubernetes:` key, no Kubernetes executor, and
 * an action of that kind is refused with a reason saying what to configure.
 */
import type { Clock } from '../../clock.ts';
import type { Executor, RemediationAction } from '../types.ts';
import { ANSIBLE_PASSED_ENV, AnsibleExecutor, type AnsibleExecutorOptions } from './ansible.ts';
import type { Sleep } from './common.ts';
import { type HttpExecutorOptions, HttpJobExecutor } from './http.ts';
import { KubernetesExecutor, type KubernetesExecutorOptions } from './kubernetes.ts';

export type { AnsibleExecutorOptions } from './ansible.ts';
export { AnsibleExecutor } from './ansible.ts';
export type { HttpExecutorOptions, HttpJobOptions } from './http.ts';
export { HttpJobExecutor } from './http.ts';
export type { KubernetesBefore, KubernetesExecutorOptions } from './kubernetes.ts';
export { KubernetesExecutor } from './kubernetes.ts';

export interface ExecutorsOptions {
  kubernetes?: KubernetesExecutorOptions;
  ansible?: AnsibleExecutorOptions;
  http?: HttpExecutorOptions;
}

export interface ExecutorsDeps {
  clock: Clock;
  /**
   * The environment the executors read: the HTTP jobs' `secretEnv` variables, KUBECONFIG and
   * KUBERNETES_SERVICE_HOST (Kubernetes), and what ansible-playbook inherits (`pickExecutorEnv`).
   * Build it in config.ts as `{ ...secrets, ...pickExecutorEnv(env) }`.
   */
  env: Record<string, string | undefined>;
  /** Relative paths in the options (kubeconfig, playbookDir, inventory) resolve against this; default cwd. */
  baseDir?: string;
  /** Default: the global fetch (HTTP jobs). */
  fetch?: typeof fetch;
  /** Waits between rollout polls; default a real timer (tests pass one that moves a manual clock). */
  sleep?: Sleep;
}

export interface Executors {
  readonly all: readonly Executor[];
  /** The executor that runs this kind of action, or null when none is configured. */
  forAction(action: RemediationAction): Executor | null;
  /**
   * Null when some configured executor accepts the action; otherwise why not (no executor configured for
   * the kind, or that executor's refusal: namespace outside the allowlist, unknown playbook or job…).
   */
  refuse(action: RemediationAction): string | null;
}

/**
 * The variables the Kubernetes and Ansible executors read from the process environment (a pure function
 * of an env object, for config.ts): KUBECONFIG, the in-cluster service host, and what ansible-playbook
 * inherits (PATH, HOME, locale, SSH agent, ANSIBLE_*). Never the bot's own tokens.
 */
export function pickExecutorEnv(env: Record<string, string | undefined>): Record<string, string> {
  const names = new Set<string>([
    'KUBECONFIG',
    'KUBERNETES_SERVICE_HOST',
    'KUBERNETES_SERVICE_PORT',
    ...ANSIBLE_PASSED_ENV,
  ]);
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (names.has(name) || name.startsWith('ANSIBLE_'))) picked[name] = value;
  }
  return picked;
}

const SECTION_FOR_KIND: Record<RemediationAction['kind'], string> = {
  restart: 'remediation.kubernetes',
  scale: 'remediation.kubernetes',
  'rollback-deployment': 'remediation.kubernetes',
  'raise-limits': 'remediation.kubernetes',
  'run-playbook': 'remediation.ansible',
  'http-job': 'remediation.http',
};

export function createExecutors(options: ExecutorsOptions, deps: ExecutorsDeps): Executors {
  const all: Executor[] = [];
  if (options.kubernetes) {
    all.push(
      new KubernetesExecutor(options.kubernetes, {
        clock: deps.clock,
        env: deps.env,
        ...(deps.baseDir ? { baseDir: deps.baseDir } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      }),
    );
  }
  if (options.ansible) {
    all.push(
      new AnsibleExecutor(options.ansible, {
        clock: deps.clock,
        env: deps.env,
        ...(deps.baseDir ? { baseDir: deps.baseDir } : {}),
      }),
    );
  }
  if (options.http) {
    all.push(new HttpJobExecutor(options.http, { clock: deps.clock, env: deps.env, fetch: deps.fetch }));
  }
  const forAction = (action: RemediationAction) => all.find((executor) => executor.handles(action)) ?? null;
  return {
    all,
    forAction,
    refuse(action) {
      const executor = forAction(action);
      if (!executor)
        return `no executor for ${action.kind} actions: ${SECTION_FOR_KIND[action.kind]} is not configured`;
      return executor.refuse(action);
    },
  };
}
