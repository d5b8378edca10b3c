/**
 * `aiops approve|reject|rollback ACTION --as USER` and `aiops audit`, in-process on an embedded database,
 * with the real HTTP-job executor calling a local automation endpoint that counts requests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, run, USAGE } from '../../src/cli.ts';
import { alertmanagerBody } from '../support/payloads.ts';
import { type JobServer, remediationYaml, startJobServer, TOKEN_ENV } from '../support/remediation.ts';

function capture(env: Record<string, string | undefined>, cwd: string) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), env, cwd };
  return { io, stdout, stderr };
}

describe('aiops approve / reject / rollback / audit', () => {
  let server: JobServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startJobServer();
    dir = mkdtempSync(path.join(tmpdir(), 'aiops-cli-rem-'));
    writeFileSync(path.join(dir, 'aiops.yml'), remediationYaml(server));
    const body = alertmanagerBody({
      groupKey: '{}:{alertname="WebDown"}',
      alerts: [
        {
          labels: { alertname: 'WebDown', service: 'checkout', namespace: 'shop', instance: 'web-1:9100' },
          annotations: { summary: 'web is down', remediation_job: 'restart-web' },
        },
      ],
    });
    writeFileSync(path.join(dir, 'alert.json'), JSON.stringify(body));
    env = { ...TOKEN_ENV, AIOPS_DATA_DIR: path.join(dir, 'data'), AIOPS_CONFIG: path.join(dir, 'aiops.yml') };
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the remediation commands in --help', () => {
    for (const line of ['approve ACTION --as USER', 'reject ACTION --as USER', 'rollback ACTION --as USER']) {
      expect(USAGE).toContain(line);
    }
    expect(USAGE).toContain('audit [INCIDENT]');
  });

  it('applies the same policy as Slack, runs the action in-process once, and audits it', async () => {
    const replayed = capture(env, dir);
    expect(await run(['replay', path.join(dir, 'alert.json')], replayed.io)).toBe(0);

    const usage = capture(env, dir);
    expect(await run(['approve', '1'], usage.io)).toBe(2);
    expect(usage.stderr[0]).toBe('aiops: approve needs --as USER (checked against the approvers, audited)');

    const outsider = capture(env, dir);
    expect(await run(['approve', '1', '--as', 'mallory'], outsider.io)).toBe(1);
    expect(outsider.stderr).toEqual([
      'aiops: refused: mallory is not an approver for checkout (allowed: U0ALICE, U0BOB, @sre, alice, bob)',
    ]);

    // An HTTP job is high risk: two different approvers.
    const first = capture(env, dir);
    expect(await run(['approve', '#1', '--as', 'alice'], first.io)).toBe(0);
    expect(first.stdout[0]).toBe('approval 1 of 2 recorded; waiting for another approver');
    expect(server.count()).toBe(0);

    const second = capture(env, dir);
    expect(await run(['approve', '1', '--as', 'bob'], second.io)).toBe(0);
    expect(second.stderr).toEqual([]);
    expect(second.stdout.at(-1)).toMatch(/^#1 succeeded: run job restart-web \[high risk, incident #1\]/);
    expect(server.count('/restart')).toBe(1);

    const again = capture(env, dir);
    expect(await run(['approve', '1', '--as', 'alice'], again.io)).toBe(0);
    expect(again.stdout[0]).toBe('unchanged: already succeeded');
    expect(server.count()).toBe(1);

    const rolledBack = capture(env, dir);
    expect(await run(['rollback', '1', '--as', 'alice'], rolledBack.io)).toBe(0);
    expect(rolledBack.stdout.at(-1)).toMatch(/^#1 rolled back: /);
    expect(server.count('/undo')).toBe(1);

    const audit = capture(env, dir);
    expect(await run(['audit', '1'], audit.io)).toBe(0);
    const events = audit.stdout.map((line) => line.split('  ')[2]).reverse();
    expect(events).toEqual([
      'propose',
      'refuse',
      'approve',
      'approve',
      'run',
      'succeed',
      'rollback',
      'rolled_back',
    ]);
    expect(audit.stdout.at(-1)).toContain('run job restart-web');

    const none = capture(env, dir);
    expect(await run(['audit', '99'], none.io)).toBe(0);
    expect(none.stdout).toEqual(['no audit entries']);
  }, 240_000);

  it('reject by a listed approver; an unknown action is a failure', async () => {
    const missing = capture(env, dir);
    expect(await run(['reject', '42', '--as', 'alice'], missing.io)).toBe(1);
    expect(missing.stderr).toEqual(['aiops: refused: remediation 42 not found']);
    const bad = capture(env, dir);
    expect(await run(['rollback', 'last', '--as', 'alice'], bad.io)).toBe(2);
  });
});
