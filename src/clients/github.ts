/**
 * The GitHub REST client, built once in the composition root. Octokit with the retry plugin (5xx and network
 * errors are retried with backoff, 4xx are not) and the throttling plugin (requests are queued to stay
 * under GitHub's limits; a rate-limited request is retried once after the wait GitHub asks for). Every
 * request ends after `timeoutMs`; callers with a tighter budget pass their own `request.signal` and
 * `request.retries: 0`.
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from '../logger.ts';

export type GitHubClient = Octokit;

/** GitHub App auth: the client authenticates as the installation (tokens are minted and renewed by auth-app). */
export interface GitHubAppAuth {
  appId: string;
  privateKey: string;
  installationId: number;
}

export interface GitHubClientOptions {
  /** A token; or `app` for a GitHub App installation; neither: anonymous (public repositories, low rate limit). */
  token?: string | undefined;
  app?: GitHubAppAuth | undefined;
  /** GITHUB_API_URL: GitHub Enterprise (`https://ghe.example/api/v3`) or a test fake; api.github.com when unset. */
  baseUrl?: string | undefined;
  /** Per request (each retry gets its own); default 10 s. */
  timeoutMs?: number;
  /** Retries of a failed request (5xx, network error, timeout); default 3. */
  retries?: number;
  logger?: Logger;
  userAgent?: string;
  /**
   * GitHub asks integrations to space mutating requests (≥ 1 s, 3 s for those that notify); the throttling
   * plugin does. `false` lifts only that spacing (tests and the benchmark against a local fake); rate-limit
   * and secondary-rate-limit answers are still waited out and retried.
   */
  paceWrites?: boolean;
  /** The fetch to send with (a proxy's, or a test's that bypasses an HTTP interceptor); the global one by default. */
  fetch?: typeof fetch;
}

/** The throttling plugin's limiter interface, as a pass-through (no spacing). */
const unpaced = {
  key: () => ({ schedule: (_options: unknown, task: () => unknown) => task() }),
} as unknown as NonNullable<ThrottlingOptions['write']>;

const RetryingOctokit = Octokit.plugin(retry, throttling);

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = options.logger?.child({ component: 'github' });
  const auth = options.app
    ? {
        authStrategy: createAppAuth,
        auth: {
          appId: options.app.appId,
          privateKey: options.app.privateKey,
          installationId: options.app.installationId,
        },
      }
    : options.token
      ? { auth: options.token }
      : {};
  return new RetryingOctokit({
    ...auth,
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: options.userAgent ?? 'aiops-bot',
    request: { fetch: fetchWithTimeout(timeoutMs, options.fetch) },
    retry: { retries: options.retries ?? 3 },
    throttle: {
      ...(options.paceWrites === false ? { write: unpaced, notifications: unpaced } : {}),
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log?.warn({ method: request.method, url: request.url, retryAfter, retryCount }, 'github rate limit');
        return retryCount < 1;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        log?.warn(
          { method: request.method, url: request.url, retryAfter, retryCount },
          'github secondary rate limit',
        );
        return retryCount < 1;
      },
    },
    // Octokit's own console warnings (deprecations) go to the structured log instead.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => log?.warn(message),
      error: (message: string) => log?.error(message),
    },
  });
}

/** The global fetch (looked up per call, so test interceptors apply) with a deadline on every request. */
function fetchWithTimeout(timeoutMs: number, own?: typeof fetch): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return (own ?? globalThis.fetch)(input, { ...init, signal });
  };
}

/** GitHub App credentials from the environment when all three are set, else undefined. */
export function gitHubAppFromEnv(env: {
  GITHUB_APP_ID?: string | undefined;
  GITHUB_APP_PRIVATE_KEY?: string | undefined;
  GITHUB_APP_INSTALLATION_ID?: string | undefined;
}): GitHubAppAuth | undefined {
  if (!env.GITHUB_APP_ID || !env.GITHUB_APP_PRIVATE_KEY || !env.GITHUB_APP_INSTALLATION_ID) return undefined;
  return {
    appId: env.GITHUB_APP_ID,
    // A key pasted into one env line keeps its newlines as `\n`.
    privateKey: env.GITHUB_APP_PRIVATE_KEY.replaceAll('\\n', '\n'),
    installationId: Number(env.GITHUB_APP_INSTALLATION_ID),
  };
}

/** The client when GITHUB_TOKEN is set, else null (features that need GitHub are skipped). */
export function gitHubClientFromEnv(
  env: { GITHUB_TOKEN?: string | undefined; GITHUB_API_URL?: string | undefined },
  options: Omit<GitHubClientOptions, 'token' | 'baseUrl'> = {},
): GitHubClient | null {
  if (!env.GITHUB_TOKEN) return null;
  return createGitHubClient({ ...options, token: env.GITHUB_TOKEN, baseUrl: env.GITHUB_API_URL });
}
