/**
 * The team's files as they were before their most recent change, for the image rollback ("the tag before the
 * change"): the repository's own history says what a manifest or values file held at the parent of the newest
 * commit touching it. Through Octokit (commits list for the path, then the contents at the parent), or with `git`
 * in a local checkout (`fixes.localPath`). Best effort: a file whose history cannot be read is left out, and the
 * generator then says it has no previous image.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GitHubClient } from '../clients/github.ts';
import type { Logger } from '../logger.ts';
import type { FixRequest, RepoFile } from './types.ts';

/** Files whose history is read at most (two requests each): the mapped manifests that name an image. */
export const MAX_HISTORY_FILES = 10;

const run = promisify(execFile);
const SHA = /^[0-9a-f]{40}$/;

export type PreviousFiles = NonNullable<FixRequest['previousFiles']>;

/** The candidates: mapped Kubernetes / Helm files that set an image (`image:`), at most MAX_HISTORY_FILES. */
export function historyCandidates(files: FixRequest['files']): RepoFile[] {
  return [...(files.kubernetes ?? []), ...(files.helm ?? [])]
    .filter((file) => /^\s*(?:-\s+)?(?:image|tag)\s*:/m.test(file.content))
    .slice(0, MAX_HISTORY_FILES);
}

/** Each file at the parent of the newest commit on `ref` that touched it, through the GitHub API. */
export async function previousFilesFromGitHub(
  github: GitHubClient,
  repo: string,
  ref: string,
  files: RepoFile[],
  logger?: Logger,
): Promise<PreviousFiles> {
  const [owner, name] = repo.split('/') as [string, string];
  const out: PreviousFiles = {};
  for (const file of files) {
    try {
      const commits = await github.rest.repos.listCommits({
        owner,
        repo: name,
        sha: ref,
        path: file.path,
        per_page: 1,
      });
      const newest = commits.data[0];
      const parent = newest?.parents[0]?.sha;
      if (!newest || !parent) continue; // never changed since it was added: no "before"
      const content = await github.rest.repos.getContent({ owner, repo: name, path: file.path, ref: parent });
      const data = content.data;
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) continue;
      const text =
        data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
      out[file.path] = { content: text, change: newest.sha.slice(0, 7) };
    } catch (error) {
      // 404: the file did not exist at the parent (added by the change) — nothing to roll back to.
      logger?.warn({ err: error, path: file.path }, 'fix: the file history could not be read');
    }
  }
  return out;
}

/** The same from a local checkout with `git` (no token): `git log -1 -- path`, then `git show parent:path`. */
export async function previousFilesFromGit(
  root: string,
  files: RepoFile[],
  logger?: Logger,
): Promise<PreviousFiles> {
  const out: PreviousFiles = {};
  for (const file of files) {
    try {
      const log = await run('git', ['log', '-1', '--format=%H %P', '--', file.path], {
        cwd: root,
        timeout: 10_000,
      });
      const [sha, parent] = log.stdout.trim().split(/\s+/);
      if (!sha || !parent || !SHA.test(sha) || !SHA.test(parent)) continue;
      const shown = await run('git', ['show', `${parent}:${file.path}`], {
        cwd: root,
        timeout: 10_000,
        maxBuffer: 2 * 1024 * 1024,
      });
      out[file.path] = { content: shown.stdout, change: sha.slice(0, 7) };
    } catch (error) {
      logger?.warn({ err: error, path: file.path }, 'fix: the file history could not be read (git)');
    }
  }
  return out;
}
