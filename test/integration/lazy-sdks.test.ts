/**
 * A default install (no Slack, LLM, GitHub or Kubernetes configured) must not load those clients: each
 * costs tens of MB resident (the Kubernetes client ~130 MB), which is what the embedded default's RSS target
 * is about. The app is started in a child process whose module loads are recorded by a loader hook.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

const script = `
const { createApp } = await import(${JSON.stringify(path.join(root, 'src/app.ts'))});
const { configFrom } = await import(${JSON.stringify(path.join(root, 'src/config.ts'))});
const { createPgliteDb } = await import(${JSON.stringify(path.join(root, 'src/db/pglite.ts'))});
const db = await createPgliteDb();
const app = await createApp({ config: configFrom({ LOG_LEVEL: 'silent' }), db, startWorkers: false, print: () => {} });
await app.close();
await db.close();
`;

describe('a default process', () => {
  it('loads none of the Slack, Anthropic, GitHub or Kubernetes client libraries', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aiops-loads-'));
    const log = path.join(dir, 'loads.txt');
    try {
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--import',
          path.join(root, 'test/support/record-loads.mjs'),
          '--input-type=module',
          '-e',
          script,
        ],
        { cwd: root, env: { ...process.env, AIOPS_LOAD_LOG: log }, encoding: 'utf8', timeout: 110_000 },
      );
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.status).toBe(0);
      const loaded = readFileSync(log, 'utf8').split('\n');
      expect(loaded.some((url) => url.includes('/src/app.ts'))).toBe(true);
      for (const library of [
        '@kubernetes/client-node',
        '@slack/bolt',
        '@anthropic-ai/sdk',
        '@octokit/rest',
      ]) {
        expect(loaded.filter((url) => url.includes(`/node_modules/${library}/`))).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A whole process starts (PGlite's initdb, migrations): on a loaded 2-core machine that took 42 s.
  }, 120_000);
});
