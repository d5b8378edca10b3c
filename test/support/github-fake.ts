/**
 * A local stand-in for GitHub's REST API at the HTTP boundary, with the response shapes of the real one for what
 * the fix-PR writer uses: the Git Data API (refs, commits, recursive trees, blobs; trees created with inline
 * content on a base tree), pulls (list by head, create, get) and issue labels. Optionally under a path prefix
 * (`/api/v3`, as GitHub Enterprise Server serves it). It records every call and can be told to fail the next
 * calls of a route (403, 422, a secondary rate limit with Retry-After).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubCall {
  method: string;
  /** Path without the prefix and query, e.g. `/repos/acme/checkout/git/trees`. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | null;
  authorization: string | null;
}

export interface Failure {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface TreeEntry {
  mode: string;
  sha: string;
}

interface Pull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  merged: boolean;
  merged_by: string | null;
  labels: string[];
  requested_reviewers: string[];
}

interface Repo {
  blobs: Map<string, string>;
  trees: Map<string, Map<string, TreeEntry>>;
  commits: Map<string, { tree: string; parents: string[]; message: string; date?: string }>;
  refs: Map<string, string>;
  pulls: Pull[];
}

export interface GitHubFake {
  url: string;
  /** GITHUB_API_URL for the app (the prefix included). */
  apiUrl: string;
  calls: GitHubCall[];
  /** Creates a repository whose `branch` holds `files` in one commit. */
  addRepo(fullName: string, files: Record<string, string>, branch?: string): void;
  /**
   * Commits `files` (added or replaced) on top of `branch`, dated `date` (ISO): the repository's history, as the
   * commits list (`GET /repos/{o}/{r}/commits`, by `sha`, `path`, `since`, `until`) and the contents API at a ref
   * (`GET /repos/{o}/{r}/contents/{path}?ref=`) serve it. Returns the commit's sha.
   */
  commitFiles(
    fullName: string,
    files: Record<string, string>,
    options: { message: string; date: string; author?: string; branch?: string },
  ): string;
  /** The file at the head of `branch`, or undefined. */
  fileAt(fullName: string, branch: string, path: string): string | undefined;
  /** Paths changed by the head commit of `branch` against its parent. */
  changedFiles(fullName: string, branch: string): string[];
  pulls(fullName: string): Pull[];
  /** Simulates a human on GitHub: merge (or close) a PR, ask for a review. */
  setPull(fullName: string, number: number, change: Partial<Pull>): void;
  /** The next calls matching `method path-regex` fail like this, one failure per call. */
  failNext(method: string, path: RegExp, ...failures: Failure[]): void;
  callsOf(method: string, path: RegExp): GitHubCall[];
  close(): Promise<void>;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export const secondaryRateLimit = (retryAfterSec = 1): Failure => ({
  status: 403,
  headers: { 'retry-after': String(retryAfterSec), 'x-ratelimit-remaining': '4980' },
  body: {
    message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    documentation_url:
      'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    status: '403',
  },
});

export const forbidden = (): Failure => ({
  status: 403,
  body: {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest/git/trees#create-a-tree',
    status: '403',
  },
});

export async function startGitHubFake(options: { prefix?: string } = {}): Promise<GitHubFake> {
  const prefix = options.prefix ?? '';
  const repos = new Map<string, Repo>();
  const calls: GitHubCall[] = [];
  const failures: { method: string; path: RegExp; failure: Failure }[] = [];
  let baseUrl = '';

  const storeBlob = (repo: Repo, content: string) => {
    const sha = sha1(`blob ${content}`);
    repo.blobs.set(sha, content);
    return sha;
  };
  const storeTree = (repo: Repo, entries: Map<string, TreeEntry>) => {
    const sha = sha1(`tree ${JSON.stringify([...entries].sort())}`);
    repo.trees.set(sha, entries);
    return sha;
  };
  const headTree = (repo: Repo, branch: string) => {
    const head = repo.refs.get(`refs/heads/${branch}`);
    const commit = head ? repo.commits.get(head) : undefined;
    return commit ? repo.trees.get(commit.tree) : undefined;
  };

  const pullJson = (fullName: string, pull: Pull) => {
    const [owner] = fullName.split('/');
    return {
      url: `${baseUrl}/repos/${fullName}/pulls/${pull.number}`,
      id: 1_000_000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: `https://github.test/${fullName}/pull/${pull.number}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: { login: 'aiops-bot[bot]', id: 1, type: 'Bot' },
      body: pull.body,
      labels: pull.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })),
      created_at: '2026-03-01T10:00:00Z',
      updated_at: '2026-03-01T10:00:00Z',
      closed_at: pull.state === 'closed' ? '2026-03-01T11:00:00Z' : null,
      merged_at: pull.merged ? '2026-03-01T11:00:00Z' : null,
      requested_reviewers: pull.requested_reviewers.map((login, i) => ({ login, id: 100 + i, type: 'User' })),
      requested_teams: [],
      head: { label: `${owner}:${pull.head}`, ref: pull.head, sha: '0'.repeat(40) },
      base: { label: `${owner}:${pull.base}`, ref: pull.base, sha: '0'.repeat(40) },
      draft: pull.draft,
      merged: pull.merged,
      mergeable: null,
      merged_by: pull.merged_by ? { login: pull.merged_by, id: 7, type: 'User' } : null,
    };
  };

  const commitJson = (
    fullName: string,
    sha: string,
    commit: { tree: string; parents: string[]; message: string; date?: string },
  ) => {
    const who = { name: 'Dev', email: 'dev@example.com', date: commit.date ?? '2020-01-01T00:00:00Z' };
    return {
      sha,
      node_id: `C_${sha.slice(0, 8)}`,
      commit: {
        author: who,
        committer: who,
        message: commit.message,
        tree: { sha: commit.tree, url: `${baseUrl}/repos/${fullName}/git/trees/${commit.tree}` },
        url: `${baseUrl}/repos/${fullName}/git/commits/${sha}`,
        comment_count: 0,
      },
      url: `${baseUrl}/repos/${fullName}/commits/${sha}`,
      html_url: `https://github.test/${fullName}/commit/${sha}`,
      comments_url: `${baseUrl}/repos/${fullName}/commits/${sha}/comments`,
      author: { login: 'dev', id: 42, type: 'User' },
      committer: { login: 'dev', id: 42, type: 'User' },
      parents: commit.parents.map((p) => ({
        sha: p,
        url: `${baseUrl}/repos/${fullName}/commits/${p}`,
        html_url: `https://github.test/${fullName}/commit/${p}`,
      })),
    };
  };

  function route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown> | null,
  ): [number, unknown] {
    const install = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === 'POST' && install) {
      // A GitHub App's installation token, minted for the app's JWT (checked by the test through `calls`).
      return [
        201,
        {
          token: `ghs_installation${install[1]}`,
          expires_at: '2099-01-01T00:00:00Z',
          permissions: { contents: 'write', pull_requests: 'write', issues: 'write' },
          repository_selection: 'all',
        },
      ];
    }
    const m = /^\/repos\/([^/]+\/[^/]+)\/(.+)$/.exec(path);
    if (!m) return [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }];
    const fullName = m[1] as string;
    const rest = m[2] as string;
    const repo = repos.get(fullName);
    if (!repo)
      return [
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
      ];
    let r: RegExpExecArray | null;
    r = method === 'GET' ? /^git\/ref\/(.+)$/.exec(rest) : null;
    if (r) {
      const ref = `refs/${r[1]}`;
      const sha = repo.refs.get(ref);
      if (!sha)
        return [
          404,
          {
            message: 'Not Found',
            documentation_url: 'https://docs.github.com/rest/git/refs#get-a-reference',
            status: '404',
          },
        ];
      return [
        200,
        {
          ref,
          node_id: 'REF_1',
          url: `${baseUrl}/repos/${fullName}/git/${ref}`,
          object: { sha, type: 'commit', url: `${baseUrl}/repos/${fullName}/git/commits/${sha}` },
        },
      ];
    }
    r = method === 'GET' ? /^git\/commits\/([0-9a-f]{40})$/.exec(rest) : null;
    if (r) {
      const commit = repo.commits.get(r[1] as string);
      if (!commit) return [404, { message: 'Not Found' }];
      return [
        200,
        {
          sha: r[1],
          node_id: 'C_1',
          url: `${baseUrl}/repos/${fullName}/git/commits/${r[1]}`,
          html_url: `https://github.test/${fullName}/commit/${r[1]}`,
          author: { name: 'dev', email: 'dev@example.com', date: '2026-03-01T09:00:00Z' },
          committer: { name: 'dev', email: 'dev@example.com', date: '2026-03-01T09:00:00Z' },
          message: commit.message,
          tree: { sha: commit.tree, url: `${baseUrl}/repos/${fullName}/git/trees/${commit.tree}` },
          parents: commit.parents.map((sha) => ({ sha, url: '', html_url: '' })),
          verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
        },
      ];
    }
    r = method === 'GET' ? /^git\/trees\/([0-9a-f]{40})$/.exec(rest) : null;
    if (r) {
      const tree = repo.trees.get(r[1] as string);
      if (!tree) return [404, { message: 'Not Found' }];
      // Recursive: folders as `tree` entries, files as `blob` entries, like GitHub's listing.
      const dirs = new Set<string>();
      for (const path of tree.keys()) {
        const parts = path.split('/');
        for (let i = 1; i < parts.length; i += 1) dirs.add(parts.slice(0, i).join('/'));
      }
      const entries = [
        ...[...dirs].map((path) => ({
          path,
          mode: '040000',
          type: 'tree',
          sha: sha1(`dir ${path}`),
          url: '',
        })),
        ...[...tree].map(([path, entry]) => ({
          path,
          mode: entry.mode,
          type: 'blob',
          sha: entry.sha,
          size: Buffer.byteLength(repo.blobs.get(entry.sha) ?? ''),
          url: `${baseUrl}/repos/${fullName}/git/blobs/${entry.sha}`,
        })),
      ].sort((a, b) => a.path.localeCompare(b.path));
      return [
        200,
        { sha: r[1], url: `${baseUrl}/repos/${fullName}/git/trees/${r[1]}`, tree: entries, truncated: false },
      ];
    }
    r = method === 'GET' ? /^git\/blobs\/([0-9a-f]{40})$/.exec(rest) : null;
    if (r) {
      const content = repo.blobs.get(r[1] as string);
      if (content === undefined) return [404, { message: 'Not Found' }];
      return [
        200,
        {
          sha: r[1],
          node_id: 'B_1',
          size: Buffer.byteLength(content),
          url: '',
          content: `${Buffer.from(content)
            .toString('base64')
            .replace(/(.{60})/g, '$1\n')}\n`,
          encoding: 'base64',
        },
      ];
    }
    if (method === 'POST' && rest === 'git/trees') {
      const base = body?.base_tree ? repo.trees.get(String(body.base_tree)) : new Map<string, TreeEntry>();
      if (!base)
        return [
          422,
          {
            message: 'Invalid tree info',
            documentation_url: 'https://docs.github.com/rest/git/trees#create-a-tree',
            status: '422',
          },
        ];
      const entries = new Map(base);
      for (const item of (body?.tree ?? []) as {
        path: string;
        mode: string;
        content?: string;
        sha?: string | null;
      }[]) {
        if (item.sha === null) entries.delete(item.path);
        else if (typeof item.content === 'string')
          entries.set(item.path, { mode: item.mode, sha: storeBlob(repo, item.content) });
        else if (item.sha) entries.set(item.path, { mode: item.mode, sha: item.sha });
      }
      const sha = storeTree(repo, entries);
      return [
        201,
        {
          sha,
          url: `${baseUrl}/repos/${fullName}/git/trees/${sha}`,
          tree: [...entries].map(([path, e]) => ({ path, mode: e.mode, type: 'blob', sha: e.sha })),
          truncated: false,
        },
      ];
    }
    if (method === 'POST' && rest === 'git/commits') {
      const tree = String(body?.tree);
      if (!repo.trees.has(tree)) return [422, { message: 'Tree SHA does not exist', status: '422' }];
      const parents = (body?.parents ?? []) as string[];
      const message = String(body?.message ?? '');
      const sha = sha1(`commit ${tree} ${parents.join(',')} ${message}`);
      repo.commits.set(sha, { tree, parents, message });
      return [
        201,
        {
          sha,
          node_id: 'C_2',
          url: `${baseUrl}/repos/${fullName}/git/commits/${sha}`,
          html_url: '',
          author: {},
          committer: {},
          message,
          tree: { sha: tree, url: '' },
          parents: parents.map((p) => ({ sha: p, url: '', html_url: '' })),
          verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
        },
      ];
    }
    if (method === 'POST' && rest === 'git/refs') {
      const ref = String(body?.ref);
      if (repo.refs.has(ref))
        return [
          422,
          {
            message: 'Reference already exists',
            documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference',
            status: '422',
          },
        ];
      repo.refs.set(ref, String(body?.sha));
      return [201, { ref, node_id: 'REF_2', url: '', object: { sha: body?.sha, type: 'commit', url: '' } }];
    }
    r = method === 'PATCH' ? /^git\/refs\/(.+)$/.exec(rest) : null;
    if (r) {
      const ref = `refs/${r[1]}`;
      if (!repo.refs.has(ref)) return [422, { message: 'Reference does not exist', status: '422' }];
      repo.refs.set(ref, String(body?.sha));
      return [200, { ref, node_id: 'REF_2', url: '', object: { sha: body?.sha, type: 'commit', url: '' } }];
    }
    // The commits list, as GitHub answers it: first-parent history from `sha` (a branch or a sha, default main),
    // newest first, only the commits that changed `path` when given, within `since`/`until` (undated: never).
    if (method === 'GET' && rest === 'commits') {
      const start = query.get('sha') ?? 'main';
      let at: string | undefined =
        repo.refs.get(`refs/heads/${start}`) ?? (repo.commits.has(start) ? start : undefined);
      const file = query.get('path');
      const since = query.get('since') ? Date.parse(query.get('since') as string) : undefined;
      const until = query.get('until') ? Date.parse(query.get('until') as string) : undefined;
      const perPage = Number(query.get('per_page') ?? 30);
      const list: unknown[] = [];
      while (at && list.length < perPage) {
        const commit = repo.commits.get(at) as {
          tree: string;
          parents: string[];
          message: string;
          date?: string;
        };
        const parent = commit.parents[0] ? repo.commits.get(commit.parents[0]) : undefined;
        const touched =
          !file ||
          repo.trees.get(commit.tree)?.get(file)?.sha !==
            (parent ? repo.trees.get(parent.tree)?.get(file)?.sha : undefined);
        const time = commit.date ? Date.parse(commit.date) : undefined;
        const inRange =
          (since === undefined || (time !== undefined && time >= since)) &&
          (until === undefined || (time !== undefined && time <= until));
        if (touched && inRange && (commit.date || (since === undefined && until === undefined)))
          list.push(commitJson(fullName, at, commit));
        at = commit.parents[0];
      }
      return [200, list];
    }
    r = method === 'GET' ? /^contents\/(.+)$/.exec(rest) : null;
    if (r) {
      const ref = query.get('ref') ?? 'main';
      const sha = repo.refs.get(`refs/heads/${ref}`) ?? ref;
      const commit = repo.commits.get(sha);
      const entry = commit ? repo.trees.get(commit.tree)?.get(r[1] as string) : undefined;
      if (!entry)
        return [
          404,
          {
            message: 'Not Found',
            documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content',
            status: '404',
          },
        ];
      const content = repo.blobs.get(entry.sha) as string;
      const name = (r[1] as string).split('/').at(-1);
      const url = `${baseUrl}/repos/${fullName}/contents/${r[1]}?ref=${ref}`;
      return [
        200,
        {
          type: 'file',
          encoding: 'base64',
          size: Buffer.byteLength(content),
          name,
          path: r[1],
          // GitHub wraps the base64 at 60 characters.
          content: `${Buffer.from(content).toString('base64').replace(/.{60}/g, '$&\n')}\n`,
          sha: entry.sha,
          url,
          git_url: `${baseUrl}/repos/${fullName}/git/blobs/${entry.sha}`,
          html_url: `https://github.test/${fullName}/blob/${ref}/${r[1]}`,
          download_url: `https://raw.github.test/${fullName}/${ref}/${r[1]}`,
          _links: { self: url, git: `${baseUrl}/repos/${fullName}/git/blobs/${entry.sha}`, html: '' },
        },
      ];
    }
    // The recent-changes context of the analysis: no deployments or releases in these repositories.
    if (method === 'GET' && (rest === 'deployments' || rest === 'releases')) return [200, []];
    if (method === 'GET' && rest === 'pulls') {
      const head = query.get('head');
      const state = query.get('state') ?? 'open';
      const [owner] = fullName.split('/');
      const list = repo.pulls.filter(
        (p) => (state === 'all' || p.state === state) && (!head || `${owner}:${p.head}` === head),
      );
      return [200, list.map((p) => pullJson(fullName, p))];
    }
    if (method === 'POST' && rest === 'pulls') {
      const head = String(body?.head);
      const [owner] = fullName.split('/');
      if (!repo.refs.has(`refs/heads/${head}`))
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
            documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            status: '422',
          },
        ];
      if (repo.pulls.some((p) => p.state === 'open' && p.head === head))
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: `A pull request already exists for ${owner}:${head}.`,
              },
            ],
            documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            status: '422',
          },
        ];
      const pull: Pull = {
        number: repo.pulls.length + 1,
        title: String(body?.title),
        body: String(body?.body ?? ''),
        head,
        base: String(body?.base),
        draft: body?.draft === true,
        state: 'open',
        merged: false,
        merged_by: null,
        labels: [],
        requested_reviewers: [],
      };
      repo.pulls.push(pull);
      return [201, pullJson(fullName, pull)];
    }
    r = method === 'GET' ? /^pulls\/(\d+)$/.exec(rest) : null;
    if (r) {
      const pull = repo.pulls.find((p) => p.number === Number(r?.[1]));
      return pull ? [200, pullJson(fullName, pull)] : [404, { message: 'Not Found', status: '404' }];
    }
    r = method === 'POST' ? /^issues\/(\d+)\/labels$/.exec(rest) : null;
    if (r) {
      const pull = repo.pulls.find((p) => p.number === Number(r?.[1]));
      if (!pull) return [404, { message: 'Not Found', status: '404' }];
      for (const label of (body?.labels ?? []) as string[])
        if (!pull.labels.includes(label)) pull.labels.push(label);
      return [
        200,
        pull.labels.map((name, i) => ({
          id: i + 1,
          node_id: `L_${i}`,
          url: '',
          name,
          color: 'ededed',
          default: false,
          description: null,
        })),
      ];
    }
    return [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }];
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'x-github-media-type': 'github.v3; format=json',
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '4990',
          'x-ratelimit-reset': '1900000000',
          ...headers,
        });
        res.end(text);
      };
      if (!url.pathname.startsWith(`${prefix}/`)) return send(404, { message: 'Not Found' });
      const path = decodeURIComponent(url.pathname.slice(prefix.length));
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        return send(400, { message: 'Problems parsing JSON' });
      }
      calls.push({
        method,
        path,
        query: url.searchParams,
        body,
        authorization: req.headers.authorization ?? null,
      });
      const index = failures.findIndex((f) => f.method === method && f.path.test(path));
      if (index >= 0) {
        const failure = (failures.splice(index, 1)[0] as { failure: Failure }).failure;
        return send(failure.status, failure.body, failure.headers);
      }
      const [status, answer] = route(method, path, url.searchParams, body);
      send(status, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}${prefix}`;

  return {
    url: `http://127.0.0.1:${port}`,
    apiUrl: baseUrl,
    calls,
    addRepo(fullName, files, branch = 'main') {
      const repo: Repo = {
        blobs: new Map(),
        trees: new Map(),
        commits: new Map(),
        refs: new Map(),
        pulls: [],
      };
      const entries = new Map<string, TreeEntry>();
      for (const [path, content] of Object.entries(files))
        entries.set(path, { mode: '100644', sha: storeBlob(repo, content) });
      const tree = storeTree(repo, entries);
      const sha = sha1(`commit ${tree} initial`);
      repo.commits.set(sha, { tree, parents: [], message: 'initial' });
      repo.refs.set(`refs/heads/${branch}`, sha);
      repos.set(fullName, repo);
    },
    commitFiles(fullName, files, { message, date, branch = 'main' }) {
      const repo = repos.get(fullName) as Repo;
      const head = repo.refs.get(`refs/heads/${branch}`) as string;
      const entries = new Map(repo.trees.get((repo.commits.get(head) as { tree: string }).tree));
      for (const [path, content] of Object.entries(files))
        entries.set(path, { mode: '100644', sha: storeBlob(repo, content) });
      const tree = storeTree(repo, entries);
      const sha = sha1(`commit ${tree} ${head} ${message}`);
      repo.commits.set(sha, { tree, parents: [head], message, date });
      repo.refs.set(`refs/heads/${branch}`, sha);
      return sha;
    },
    fileAt(fullName, branch, path) {
      const repo = repos.get(fullName);
      const tree = repo && headTree(repo, branch);
      const entry = tree?.get(path);
      return entry ? repo?.blobs.get(entry.sha) : undefined;
    },
    changedFiles(fullName, branch) {
      const repo = repos.get(fullName) as Repo;
      const head = repo.commits.get(repo.refs.get(`refs/heads/${branch}`) ?? '');
      const parent = head?.parents[0] ? repo.commits.get(head.parents[0]) : undefined;
      const now = head ? repo.trees.get(head.tree) : undefined;
      const before = parent ? repo.trees.get(parent.tree) : new Map<string, TreeEntry>();
      const paths = new Set([...(now?.keys() ?? []), ...(before?.keys() ?? [])]);
      return [...paths].filter((p) => now?.get(p)?.sha !== before?.get(p)?.sha).sort();
    },
    pulls: (fullName) => repos.get(fullName)?.pulls ?? [],
    setPull(fullName, number, change) {
      const pull = repos.get(fullName)?.pulls.find((p) => p.number === number);
      if (pull) Object.assign(pull, change);
    },
    failNext(method, path, ...list) {
      for (const failure of list) failures.push({ method, path, failure });
    },
    callsOf: (method, path) => calls.filter((c) => c.method === method && path.test(c.path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
