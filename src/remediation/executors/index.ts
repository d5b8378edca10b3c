/**
 * The executors behind the Executor seam, built once from the `remediation:` section of `aiops.yml`.
 * An executor exists only for a configured section: no `kubernetes:` key, no Kubernetes executor, and
 * an action of that kind is refused with a reason saying what to configure.
 */
import type { Clock } from '../../clock.ts';
import type { Executor, RemediationAction } from '../types.ts';
import { type HttpExecutorOptions, HttpJobExecutor } from './http.ts';

export type { HttpExecutorOptions, HttpJobOptions } from './http.ts';
export { HttpJobExecutor } from './http.ts';

export interface ExecutorsOptions {
  http?: HttpExecutorOptions;
}

export interface ExecutorsDeps {
  clock: Clock;
  /** Secrets for HTTP jobs are read from here (`process.env` in production). */
  env: Record<string, string | undefined>;
  /** Relative paths in the options (kubeconfig, playbookDir, inventory) resolve against this; default cwd. */
  baseDir?: string;
  /** Default: the global fetch (HTTP jobs). */
  fetch?: typeof fetch;
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
