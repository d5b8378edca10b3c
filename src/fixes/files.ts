/**
 * Reading the team's files for a fix: only files under the service's `fixes.paths` globs are ever read, from the
 * repository's base branch on GitHub (with a token, or anonymously for a public repository) or from a local
 * checkout (`fixes.localPath`). Symlinks, `..` and absolute paths are refused; sizes and counts are bounded.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubClient } from '../clients/github.ts';
import type { ServiceFixes } from '../config.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import type { FixKind, RepoFile } from './types.ts';

export const FIX_KINDS: readonly FixKind[] = ['kubernetes', 'helm', 'terraform', 'ansible'];

/** Files per read, and bytes per file: a fix edits a few manifests, not a monorepo. */
export const READ_LIMITS = { files: 300, bytes: 1024 * 1024 };

/** One path segment's glob as a RegExp: `*` and `?` within the segment, `{x,y}` alternates, the rest literal. */
function segmentRegExp(glob: string, segment: string): RegExp {
  let out = '';
  let depth = 0;
  for (const c of segment) {
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') {
      depth += 1;
      out += '(?:';
    } else if (c === '}' && depth > 0) {
      depth -= 1;
      out += ')';
    } else if (c === ',' && depth > 0) out += '|';
    else out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  if (depth > 0) throw new AiopsError(ErrorCode.ConfigInvalid, `unbalanced { in path glob ${glob}`);
  return new RegExp(`^${out}$`);
}

/** A compiled glob: tests `/`-separated relative paths. */
export interface Glob {
  test(file: string): boolean;
}

/** File names longer than this never match (no file system allows them; it bounds the per-segment regex). */
const MAX_SEGMENT = 255;
/** Folders deeper than this are not read for fixes (it bounds the matcher's recursion). */
const MAX_DEPTH = 64;

/**
 * A glob over `/`-separated relative paths: a `**` segment spans zero or more folders, `*` and `?` stay within one
 * segment, `{x,y}` alternates. Matched segment by segment with memoisation (time ∝ glob segments × path segments),
 * so no path, however deep or crafted, makes it backtrack.
 */
export function globToRegExp(glob: string): Glob {
  const parts = glob.split('/').map((part) => (part === '**' ? null : segmentRegExp(glob, part)));
  return {
    test(file) {
      const segments = file.split('/');
      if (segments.length > MAX_DEPTH || segments.some((segment) => segment.length > MAX_SEGMENT))
        return false;
      const memo = new Map<number, boolean>();
      const match = (i: number, j: number): boolean => {
        const key = i * (segments.length + 1) + j;
        const known = memo.get(key);
        if (known !== undefined) return known;
        let result: boolean;
        if (i === parts.length) result = j === segments.length;
        else {
          const part = parts[i] as RegExp | null;
          if (part === null) result = match(i + 1, j) || (j < segments.length && match(i, j + 1));
          else result = j < segments.length && part.test(segments[j] as string) && match(i + 1, j + 1);
        }
        memo.set(key, result);
        return result;
      };
      return match(0, 0);
    },
  };
}

/** A relative path a fix may touch: no `..`, no absolute path, no NUL, no `.git`. */
export function isSafeRelativePath(file: string): boolean {
  if (!file || file.length > 1000 || file.includes('\0') || file.includes('\\')) return false;
  if (file.startsWith('/')) return false;
  return file.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && part !== '.git');
}

export interface PathMatcher {
  /** The kind whose globs hold `file`, or null when no mapped glob does (the file must not be touched). */
  kindOf(file: string): FixKind | null;
}

export function pathMatcher(fixes: ServiceFixes): PathMatcher {
  const compiled = FIX_KINDS.map((kind) => ({
    kind,
    patterns: (fixes.paths[kind] ?? []).map((glob) => globToRegExp(glob.replace(/^\.\//, ''))),
  }));
  return {
    kindOf(file) {
      if (!isSafeRelativePath(file)) return null;
      return compiled.find((entry) => entry.patterns.some((re) => re.test(file)))?.kind ?? null;
    },
  };
}

export type ServiceFiles = Record<FixKind, RepoFile[]>;

export interface FilesRead {
  files: ServiceFiles;
  /** Where they came from: `acme/checkout@main (3f2a…)` or a local folder. */
  source: string;
  /** The base commit read from (GitHub only); the PR's commit has it as parent. */
  baseSha?: string;
  /** Git modes of the files read from GitHub (an executable script keeps its mode). */
  modes?: Record<string, string>;
}

function emptyFiles(): ServiceFiles {
  return { kubernetes: [], helm: [], terraform: [], ansible: [] };
}

function tooMany(where: string): AiopsError {
  return new AiopsError(
    ErrorCode.BadUsage,
    `more than ${READ_LIMITS.files} files under the mapped globs in ${where}: narrow services[].fixes.paths`,
  );
}

/** Mapped files of `repo` at the head of `fixes.base`, through the Git Data API (one tree read, then blobs). */
export async function readGitHubFiles(
  github: GitHubClient,
  repo: string,
  fixes: ServiceFixes,
): Promise<FilesRead> {
  const [owner, name] = repo.split('/') as [string, string];
  const matcher = pathMatcher(fixes);
  const ref = await github.rest.git.getRef({ owner, repo: name, ref: `heads/${fixes.base}` });
  const baseSha = ref.data.object.sha;
  const commit = await github.rest.git.getCommit({ owner, repo: name, commit_sha: baseSha });
  const tree = await github.rest.git.getTree({
    owner,
    repo: name,
    tree_sha: commit.data.tree.sha,
    recursive: 'true',
  });
  const wanted = tree.data.tree.filter(
    (entry) =>
      entry.type === 'blob' &&
      entry.path !== undefined &&
      entry.sha !== undefined &&
      entry.mode !== '120000' && // a symlink's blob is its target, not a file to edit
      matcher.kindOf(entry.path) !== null,
  );
  if (wanted.length > READ_LIMITS.files) throw tooMany(repo);
  const files = emptyFiles();
  const modes: Record<string, string> = {};
  for (const entry of wanted) {
    if ((entry.size ?? 0) > READ_LIMITS.bytes) continue;
    const blob = await github.rest.git.getBlob({ owner, repo: name, file_sha: entry.sha as string });
    const content =
      blob.data.encoding === 'base64'
        ? Buffer.from(blob.data.content, 'base64').toString('utf8')
        : blob.data.content;
    if (content.includes('\0')) continue; // binary
    const kind = matcher.kindOf(entry.path as string) as FixKind;
    files[kind].push({ path: entry.path as string, content });
    if (entry.mode) modes[entry.path as string] = entry.mode;
  }
  return {
    files,
    source: `${repo}@${fixes.base} (${baseSha.slice(0, 7)})${tree.data.truncated ? ', tree truncated by GitHub' : ''}`,
    baseSha,
    modes,
  };
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** Mapped files of a local checkout (no symlinks followed, `.git` and `node_modules` skipped). */
export async function readLocalFiles(root: string, fixes: ServiceFixes): Promise<FilesRead> {
  const matcher = pathMatcher(fixes);
  const files = emptyFiles();
  let count = 0;
  try {
    const info = await stat(root); // the configured folder itself may be a symlink; nothing below it is followed
    if (!info.isDirectory()) throw new Error('not a directory');
  } catch {
    throw new AiopsError(ErrorCode.NotFound, `services[].fixes.localPath ${root} is not a readable folder`);
  }
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path.join(dir, entry.name), relPath);
        continue;
      }
      if (!entry.isFile()) continue; // symlinks, sockets: never followed
      const kind = matcher.kindOf(relPath);
      if (!kind) continue;
      count += 1;
      if (count > READ_LIMITS.files) throw tooMany(root);
      const full = path.join(dir, entry.name);
      if ((await lstat(full)).size > READ_LIMITS.bytes) continue;
      const content = await readFile(full, 'utf8');
      if (content.includes('\0')) continue;
      files[kind].push({ path: relPath, content });
    }
  };
  await walk(root, '');
  return { files, source: `local checkout ${root}` };
}
