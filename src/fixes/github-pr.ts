/**
 * The GitHub PR writer: one branch, one commit holding every changed file (Git Data API: tree with the new
 * contents on top of the base tree → commit → ref), one **draft** PR, labels. Safe to run again for the same
 * branch: an open PR from the branch is reused, an existing branch is moved to the new commit.
 */
import type { GitHubClient } from '../clients/github.ts';
import { AiopsError, ErrorCode } from '../errors.ts';

export interface PrRequest {
  repo: string;
  base: string;
  branch: string;
  title: string;
  body: string;
  commitMessage: string;
  labels: string[];
  files: { path: string; content: string; mode?: string | undefined }[];
  /** The base commit the files were read at; the branch head of `base` when absent. */
  baseSha?: string | undefined;
}

export interface PrResult {
  number: number;
  url: string;
  /** An open PR from the branch already existed (a crash after opening it, or a second replica). */
  reused: boolean;
  draft: boolean;
}

interface HttpError {
  status: number;
  message: string;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
}

function httpError(error: unknown): HttpError | null {
  if (error && typeof error === 'object' && 'status' in error && typeof error.status === 'number') {
    return error as HttpError;
  }
  return null;
}

/** GitHub's own words for a 422: `message` and each `errors[].message`. */
function githubMessage(error: HttpError): string {
  const data = error.response?.data as { message?: unknown; errors?: { message?: unknown }[] } | undefined;
  const parts = [typeof data?.message === 'string' ? data.message : error.message];
  for (const item of data?.errors ?? []) if (typeof item.message === 'string') parts.push(item.message);
  return parts.join('; ').slice(0, 500);
}

/** A refusal from GitHub in words an operator can act on (the token is never part of it). */
export function describeGitHubError(error: unknown, repo: string): AiopsError {
  const http = httpError(error);
  if (!http) return error instanceof AiopsError ? error : new AiopsError(ErrorCode.Unknown, String(error));
  const said = githubMessage(http);
  let message: string;
  if (http.status === 401)
    message = `GitHub refused the credentials (401): check GITHUB_TOKEN or the GitHub App`;
  else if (http.status === 403 && /rate limit/i.test(said))
    message = `GitHub rate limit reached for ${repo}; try again later (${said})`;
  else if (http.status === 403)
    message = `GitHub refused access to ${repo} (403): the token or app needs contents and pull-requests write (${said})`;
  else if (http.status === 404)
    message = `${repo} or its base branch was not found on GitHub (404), or the token cannot see it`;
  else if (http.status === 422) message = `GitHub refused the change to ${repo} (422): ${said}`;
  else message = `GitHub answered ${http.status} for ${repo}: ${said}`;
  return new AiopsError(ErrorCode.Unknown, message, { cause: error });
}

const isStatus = (error: unknown, status: number, pattern?: RegExp): boolean => {
  const http = httpError(error);
  return http !== null && http.status === status && (!pattern || pattern.test(githubMessage(http)));
};

async function openPrFromBranch(
  github: GitHubClient,
  owner: string,
  repo: string,
  branch: string,
): Promise<{ number: number; html_url: string; draft?: boolean | undefined } | undefined> {
  const existing = await github.rest.pulls.list({
    owner,
    repo,
    head: `${owner}:${branch}`,
    state: 'open',
    per_page: 5,
  });
  return existing.data[0];
}

export async function writeFixPr(github: GitHubClient, request: PrRequest): Promise<PrResult> {
  const [owner, repo] = request.repo.split('/') as [string, string];
  const found = await openPrFromBranch(github, owner, repo, request.branch);
  if (found) return { number: found.number, url: found.html_url, reused: true, draft: Boolean(found.draft) };

  const baseSha =
    request.baseSha ??
    (await github.rest.git.getRef({ owner, repo, ref: `heads/${request.base}` })).data.object.sha;
  const baseCommit = await github.rest.git.getCommit({ owner, repo, commit_sha: baseSha });
  const tree = await github.rest.git.createTree({
    owner,
    repo,
    base_tree: baseCommit.data.tree.sha,
    tree: request.files.map((file) => ({
      path: file.path,
      mode: (file.mode === '100755' ? '100755' : '100644') as '100644' | '100755',
      type: 'blob' as const,
      content: file.content,
    })),
  });
  const commit = await github.rest.git.createCommit({
    owner,
    repo,
    message: request.commitMessage,
    tree: tree.data.sha,
    parents: [baseSha],
  });
  try {
    await github.rest.git.createRef({
      owner,
      repo,
      ref: `refs/heads/${request.branch}`,
      sha: commit.data.sha,
    });
  } catch (error) {
    // Left by an earlier attempt that failed before its PR: the branch is ours (aiops/…), move it.
    if (!isStatus(error, 422, /already exists/i)) throw error;
    await github.rest.git.updateRef({
      owner,
      repo,
      ref: `heads/${request.branch}`,
      sha: commit.data.sha,
      force: true,
    });
  }
  let pr: { number: number; html_url: string; draft?: boolean | undefined };
  let draft = true;
  try {
    pr = (
      await github.rest.pulls.create({
        owner,
        repo,
        head: request.branch,
        base: request.base,
        title: request.title,
        body: request.body,
        draft: true,
      })
    ).data;
  } catch (error) {
    if (isStatus(error, 422, /pull request already exists/i)) {
      const again = await openPrFromBranch(github, owner, repo, request.branch);
      if (again)
        return { number: again.number, url: again.html_url, reused: true, draft: Boolean(again.draft) };
    }
    if (!isStatus(error, 422, /draft/i)) throw error;
    // Draft PRs are not available on this plan: open a normal one, and say so at the top.
    draft = false;
    pr = (
      await github.rest.pulls.create({
        owner,
        repo,
        head: request.branch,
        base: request.base,
        title: request.title,
        body: `> **Not opened as a draft**: this repository's plan has no draft PRs. Review before merging.\n\n${request.body}`,
      })
    ).data;
  }
  if (request.labels.length > 0) {
    try {
      await github.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: request.labels });
    } catch {
      // Labels are a convenience: a token without issues:write still gets its PR.
    }
  }
  return { number: pr.number, url: pr.html_url, reused: false, draft };
}

/** `aiops/incident-42-raise-memory-limit-of-checkout`: stable per incident and fix, safe as a ref name. */
export function fixBranch(incidentId: number, fixKey: string): string {
  const slug = fixKey
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return `aiops/incident-${incidentId}-${slug || 'fix'}`;
}
