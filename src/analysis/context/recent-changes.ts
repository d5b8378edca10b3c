/**
 * Recent changes: what was merged, committed and deployed in the service's repository in the hours before
 * the incident started. "It started 12 minutes after deployment v1.42" is the most useful sentence an
 * analysis can say.
 */
import type { Octokit } from '@octokit/rest';
import type { Config } from '../../config.ts';
import type { RecentChange } from '../input.ts';

export const CHANGES_WINDOW_MS = 6 * 60 * 60_000;
export const MAX_CHANGES = 15;
/** Pages of closed pull requests read at most, most recently updated first. */
const MAX_PULL_PAGES = 3;
const PULLS_PER_PAGE = 50;
const MAX_COMMITS = 30;
/** Deployments in the window whose latest status is looked up. */
const MAX_DEPLOYMENTS = 10;

/** The `owner/name` aiops.yml maps the service to, or null. */
export function repoForService(config: Config, service: string): { owner: string; repo: string } | null {
  const entry = config.file.services.find((candidate) => candidate.name === service && candidate.repo);
  if (!entry?.repo) return null;
  const [owner, repo] = entry.repo.split('/') as [string, string];
  return { owner, repo };
}

export interface RecentChangesOptions {
  owner: string;
  repo: string;
  /** When the incident started: the window ends here. */
  until: Date;
  windowMs?: number;
  limit?: number;
  /** Cancels the outstanding requests (the caller's time box). */
  signal?: AbortSignal | undefined;
}

const firstLine = (text: string): string => (text.split('\n')[0] ?? '').trim();
const shortRef = (ref: string): string => (/^[0-9a-f]{40}$/i.test(ref) ? ref.slice(0, 7) : ref);

/**
 * Merged pull requests, commits on the default branch, and deployments (with their latest status) in
 * [until − window, until], newest first. A commit that is a merged pull request's merge commit is left out
 * (the pull request says more). When there are more than `limit`, deployments are kept first, then pull
 * requests, then commits.
 */
export async function findRecentChanges(
  github: Octokit,
  options: RecentChangesOptions,
): Promise<RecentChange[]> {
  const until = options.until.getTime();
  const since = until - (options.windowMs ?? CHANGES_WINDOW_MS);
  const inWindow = (at: string | null | undefined): at is string => {
    if (!at) return false;
    const time = Date.parse(at);
    return time >= since && time <= until;
  };
  // Inside a time box: no retries with backoff, and the box's signal cancels what is in flight.
  const request = { signal: options.signal, retries: 0 };
  const { owner, repo } = options;

  // Pages by hand: Octokit's paginate drops per-request options (the signal, `retries`).
  const pullsTask = (async () => {
    const merged: { change: RecentChange; mergeSha: string | null }[] = [];
    for (let page = 1; page <= MAX_PULL_PAGES; page++) {
      const { data } = await github.rest.pulls.list({
        owner,
        repo,
        state: 'closed',
        sort: 'updated',
        direction: 'desc',
        per_page: PULLS_PER_PAGE,
        page,
        request,
      });
      for (const pull of data) {
        if (!inWindow(pull.merged_at)) continue;
        merged.push({
          change: {
            kind: 'pull_request',
            title: `#${pull.number} ${pull.title}`,
            url: pull.html_url,
            at: new Date(pull.merged_at).toISOString(),
            ...(pull.user?.login ? { author: pull.user.login } : {}),
          },
          mergeSha: pull.merge_commit_sha ?? null,
        });
      }
      // Sorted by last update: once a page reaches past the window's start, no later page merged inside it.
      const last = data.at(-1);
      if (data.length < PULLS_PER_PAGE || !last || Date.parse(last.updated_at) < since) break;
    }
    return merged;
  })();

  const commitsTask = github.rest.repos
    .listCommits({
      owner,
      repo,
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      per_page: MAX_COMMITS,
      request,
    })
    .then((response) =>
      response.data.flatMap((commit): { change: RecentChange; sha: string }[] => {
        const at = commit.commit.committer?.date ?? commit.commit.author?.date;
        if (!inWindow(at)) return [];
        const author = commit.author?.login ?? commit.commit.author?.name;
        return [
          {
            sha: commit.sha,
            change: {
              kind: 'commit',
              title: `${commit.sha.slice(0, 7)} ${firstLine(commit.commit.message)}`,
              url: commit.html_url,
              at: new Date(at).toISOString(),
              ...(author ? { author } : {}),
            },
          },
        ];
      }),
    );

  const deploymentsTask = github.rest.repos
    .listDeployments({ owner, repo, per_page: 30, request })
    .then((response) =>
      Promise.all(
        response.data
          .filter((deployment) => inWindow(deployment.created_at))
          .slice(0, MAX_DEPLOYMENTS)
          .map(async (deployment): Promise<RecentChange> => {
            // Newest first. A status that cannot be read leaves the deployment in, marked so.
            const latest = await github.rest.repos
              .listDeploymentStatuses({ owner, repo, deployment_id: deployment.id, per_page: 1, request })
              .then(
                (statuses) => statuses.data[0] ?? null,
                () => undefined,
              );
            const state = latest ? ` (${latest.state})` : latest === undefined ? ' (status unknown)' : '';
            const what = deployment.description?.trim() || shortRef(deployment.ref);
            return {
              kind: 'deployment',
              title: `${what} to ${deployment.environment}${state}`,
              url: latest?.log_url || latest?.target_url || latest?.environment_url || deployment.url,
              at: new Date(deployment.created_at).toISOString(),
              ...(deployment.creator?.login ? { author: deployment.creator.login } : {}),
            };
          }),
      ),
    );

  const [pulls, commits, deployments] = await Promise.all([pullsTask, commitsTask, deploymentsTask]);
  const mergeShas = new Set(pulls.map((pull) => pull.mergeSha).filter(Boolean));
  const newestFirst = (a: RecentChange, b: RecentChange) => Date.parse(b.at) - Date.parse(a.at);
  const byPriority = [
    ...deployments.sort(newestFirst),
    ...pulls.map((pull) => pull.change).sort(newestFirst),
    ...commits
      .filter((commit) => !mergeShas.has(commit.sha))
      .map((commit) => commit.change)
      .sort(newestFirst),
  ];
  return byPriority.slice(0, options.limit ?? MAX_CHANGES).sort(newestFirst);
}
