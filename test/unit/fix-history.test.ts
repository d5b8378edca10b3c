/**
 * The files before their most recent change from a local checkout (`fixes.localPath`, no token): `git log` for the
 * newest commit touching the file, `git show` at its parent. A real git repository in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyCandidates, previousFilesFromGit } from '../../src/fixes/history.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function repo(): { root: string; commit(files: Record<string, string>, message: string): string } {
  const root = mkdtempSync(path.join(tmpdir(), 'aiops-history-'));
  dirs.push(root);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  return {
    root,
    commit(files, message) {
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), content);
      }
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

describe('previous files from a local checkout', () => {
  it('each file at the parent of the newest commit that touched it; a file never changed is left out', async () => {
    const r = repo();
    r.commit({ 'deploy/app.yaml': 'image: app:1.0\n', 'deploy/db.yaml': 'image: db:2\n' }, 'initial');
    const change = r.commit({ 'deploy/app.yaml': 'image: app:1.1\n' }, 'Bump app');
    r.commit({ 'README.md': 'docs\n' }, 'Docs');
    const files = [
      { path: 'deploy/app.yaml', content: 'image: app:1.1\n' },
      { path: 'deploy/db.yaml', content: 'image: db:2\n' },
    ];
    const previous = await previousFilesFromGit(r.root, files);
    expect(previous).toEqual({
      'deploy/app.yaml': { content: 'image: app:1.0\n', change: change.slice(0, 7) },
    });
  });

  it('a folder that is not a git checkout gives nothing, without throwing', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'aiops-nogit-'));
    dirs.push(root);
    expect(await previousFilesFromGit(root, [{ path: 'a.yaml', content: 'image: a:1\n' }])).toEqual({});
  });

  it('only mapped manifests and values that set an image are candidates', () => {
    const candidates = historyCandidates({
      kubernetes: [
        { path: 'deploy/app.yaml', content: 'spec:\n  containers:\n    - image: app:1\n' },
        { path: 'deploy/hpa.yaml', content: 'kind: HorizontalPodAutoscaler\n' },
      ],
      helm: [{ path: 'charts/app/values.yaml', content: 'image:\n  repository: app\n  tag: 1.0\n' }],
      terraform: [{ path: 'infra/main.tf', content: 'image = "x"\n' }],
      ansible: [],
    });
    expect(candidates.map((file) => file.path)).toEqual(['deploy/app.yaml', 'charts/app/values.yaml']);
  });
});
