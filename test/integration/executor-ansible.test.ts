/**
 * The Ansible executor with the real `ansible-playbook` (Debian ansible-core) on localhost with a local
 * connection. The playbooks in test/fixtures/ansible manage a file whose path comes from the inventory's
 * host vars (nothing comes from the action but the playbook name and the limit).
 */
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import {
  AnsibleExecutor,
  type AnsibleExecutorOptions,
  parseRecap,
} from '../../src/remediation/executors/ansible.ts';
import { createExecutors } from '../../src/remediation/executors/index.ts';
import type { ExecutionContext, RemediationAction } from '../../src/remediation/types.ts';

const hasAnsible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAnsible)
  console.warn('executor-ansible: ansible-playbook is not installed (apt-get install ansible-core); skipped');

/** Alive and not a zombie (a container's PID 1 may never reap what the killed group left behind). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

const FIXTURES = join(import.meta.dirname, '../fixtures/ansible');
const SLOW = 90_000;

describe.skipIf(!hasAnsible)('Ansible executor (real ansible-playbook)', () => {
  let dir: string;
  let playbooks: string;
  let inventory: string;
  let managed: string;
  let pidFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-ansible-'));
    playbooks = join(dir, 'playbooks');
    await cp(FIXTURES, playbooks, { recursive: true });
    await writeFile(join(dir, 'outside.yml'), '- hosts: all\n  tasks: []\n');
    await symlink(join(dir, 'outside.yml'), join(playbooks, 'escape.yml'));
    managed = join(dir, 'managed.txt');
    pidFile = join(dir, 'sleep.pid');
    inventory = join(dir, 'inventory.ini');
    const vars = `ansible_connection=local ansible_python_interpreter=/usr/bin/python3 managed_file=${managed} pid_file=${pidFile}`;
    await writeFile(inventory, `localhost ${vars}\nweb-1 ${vars}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await writeFile(managed, 'original\n');
  });

  const options = (over: Partial<AnsibleExecutorOptions> = {}): AnsibleExecutorOptions => ({
    playbookDir: playbooks,
    inventory,
    hosts: ['web-*', 'localhost'],
    timeoutSeconds: 120,
    rollbacks: { 'write-file.yml': 'undo-write-file.yml' },
    ...over,
  });
  const env = { ...process.env, SLACK_BOT_TOKEN: 'xoxb-not-for-playbooks' };
  const executor = (over: Partial<AnsibleExecutorOptions> = {}) =>
    new AnsibleExecutor(options(over), { clock: systemClock, env });
  const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
    actionId: 21,
    approvedBy: ['U0ALICE', 'U0BOB'],
    signal: new AbortController().signal,
    ...over,
  });
  const play = (playbook: string, limit?: string): RemediationAction => ({
    kind: 'run-playbook',
    playbook,
    ...(limit !== undefined ? { limit } : {}),
  });

  it(
    'dry run (--check --diff) changes nothing and shows the diff; run changes the file; rollback restores it',
    async () => {
      const ex = executor();
      const action = play('write-file.yml', 'localhost');
      expect(ex.refuse(action)).toBeNull();
      expect(ex.canRollback(action)).toBe(true);

      const dry = await ex.dryRun(action, context());
      expect(dry.ok).toBe(true);
      expect(dry.summary).toMatch(
        /^dry run \(--check --diff\) of playbook write-file\.yml on localhost would change 1 task \(ok=1 changed=1 failed=0 unreachable=0\) in /,
      );
      expect(dry.detail).toContain('-original');
      expect(dry.detail).toContain('+patched');
      expect(await readFile(managed, 'utf8')).toBe('original\n');

      const before = await ex.capture(action, context());
      expect(before).toEqual({
        playbook: 'write-file.yml',
        limit: 'localhost',
        inventory,
        rollbackPlaybook: 'undo-write-file.yml',
      });
      const run = await ex.run(action, before, context());
      expect(run.ok).toBe(true);
      expect(run.summary).toMatch(
        /^playbook write-file\.yml on localhost succeeded \(ok=1 changed=1 failed=0 unreachable=0\) in /,
      );
      expect(run.output).toContain('PLAY RECAP');
      expect(run.after).toMatchObject({ playbook: 'write-file.yml', limit: 'localhost', exitCode: 0 });
      expect(await readFile(managed, 'utf8')).toBe('patched\n');

      const back = await ex.rollback(action, before, context());
      expect(back.ok).toBe(true);
      expect(back.summary).toMatch(
        /^rollback playbook undo-write-file\.yml on localhost succeeded \(ok=1 changed=1/,
      );
      expect(await readFile(managed, 'utf8')).toBe('original\n');
    },
    SLOW,
  );

  it(
    'a hanging playbook is killed at its timeout, with its whole process group',
    async () => {
      await rm(pidFile, { force: true });
      const ex = executor({ timeoutSeconds: 6, killGraceSeconds: 1 });
      const result = await ex.run(play('hang.yml', 'localhost'), null, context());
      expect(result.ok).toBe(false);
      expect(result.summary).toBe('playbook hang.yml on localhost was killed after its 6 s timeout');
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      expect(pid).toBeGreaterThan(0);
      // The `sleep 600` the playbook started is gone too, not left running.
      expect(await running(pid)).toBe(false);
    },
    SLOW,
  );

  it(
    'a failing playbook is a failure, its output stored redacted',
    async () => {
      const result = await executor().run(play('fail.yml', 'web-1'), null, context());
      expect(result.ok).toBe(false);
      expect(result.summary).toMatch(
        /^playbook fail\.yml on web-1 exited with 2 \(ok=0 changed=0 failed=1 unreachable=0\) after /,
      );
      expect(result.output).toContain('cannot connect');
      expect(result.output).not.toContain('hunter2-very-secret');
      expect(result.output).toContain('[REDACTED:');
      expect(executor().canRollback(play('fail.yml', 'web-1'))).toBe(false);
      const none = await executor().rollback(play('fail.yml', 'web-1'), null, context());
      expect(none.summary).toBe(
        'this playbook declares no rollback playbook (remediation.ansible.rollbacks)',
      );
    },
    SLOW,
  );

  it(
    'the playbook does not see the bot’s secrets (a minimal environment)',
    async () => {
      const result = await executor().run(play('env', 'localhost'), null, context());
      expect(result.ok).toBe(true);
      expect(result.output).toContain('slack token is []');
    },
    SLOW,
  );

  it(
    'a host allowed by the patterns but absent from the inventory runs nothing, and says so',
    async () => {
      const result = await executor().run(play('write-file.yml', 'web-2'), null, context());
      expect(result.ok).toBe(false);
      expect(result.summary).toBe(
        'playbook write-file.yml on web-2: no host of the inventory matched web-2; nothing ran',
      );
      expect(await readFile(managed, 'utf8')).toBe('original\n');
    },
    SLOW,
  );

  it('refuses playbooks outside playbookDir and limits outside the host patterns, before running anything', () => {
    const ex = executor();
    const outside = 'is not a plain name inside remediation.ansible.playbookDir';
    expect(ex.refuse(play('../outside.yml', 'localhost'))).toBe(`playbook "../outside.yml" ${outside}`);
    expect(ex.refuse(play('/etc/passwd', 'localhost'))).toBe(`playbook "/etc/passwd" ${outside}`);
    expect(ex.refuse(play('-e@/etc/passwd', 'localhost'))).toBe(`playbook "-e@/etc/passwd" ${outside}`);
    expect(ex.refuse(play('write-file.yml\u0000', 'localhost'))).toContain(outside);
    expect(ex.refuse(play('escape.yml', 'localhost'))).toBe(
      'playbook "escape.yml" resolves outside remediation.ansible.playbookDir',
    );
    expect(ex.refuse(play('missing.yml', 'localhost'))).toBe(
      'playbook "missing.yml" not found in remediation.ansible.playbookDir',
    );
    expect(ex.refuse(play('write-file.yml'))).toBe(
      'run-playbook needs a limit: the host(s) to run on, matching remediation.ansible.hosts',
    );
    expect(ex.refuse(play('write-file.yml', 'db-1'))).toBe(
      'host "db-1" is not in remediation.ansible.hosts (web-*, localhost)',
    );
    expect(ex.refuse(play('write-file.yml', 'web-1,db-1'))).toContain('host "db-1" is not in');
    for (const limit of [
      'all',
      'web-*',
      '@hosts.txt',
      'web-1:!web-2',
      'web-1:&db',
      '~web.*',
      '-e x=1',
      'web-1 db-1',
    ]) {
      expect(ex.refuse(play('write-file.yml', limit)), limit).not.toBeNull();
    }
    expect(ex.refuse(play('write-file', 'web-1, localhost'))).toBeNull();
    expect(ex.refuse({ kind: 'restart', namespace: 'shop', name: 'web', workload: 'deployment' })).toContain(
      'does not run restart',
    );
  });

  it('passes exactly -i INVENTORY --limit HOSTS [--check --diff] PLAYBOOK, no shell', async () => {
    const fakeBinary = join(dir, 'fake-ansible-playbook');
    await writeFile(fakeBinary, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    await chmod(fakeBinary, 0o755);
    const ex = executor({ binary: fakeBinary });
    const dry = await ex.dryRun(play('write-file', 'web-1, localhost'), context());
    expect(dry.detail?.trim().split('\n')).toEqual([
      '-i',
      inventory,
      '--limit',
      'web-1,localhost',
      '--check',
      '--diff',
      join(await import('node:fs').then((fs) => fs.realpathSync(playbooks)), 'write-file.yml'),
    ]);
    const run = await ex.run(play('write-file.yml', 'localhost'), null, context());
    expect(run.output?.trim().split('\n')).toEqual([
      '-i',
      inventory,
      '--limit',
      'localhost',
      join(await import('node:fs').then((fs) => fs.realpathSync(playbooks)), 'write-file.yml'),
    ]);
  });

  it('a missing binary is a failure that says it could not start', async () => {
    const result = await executor({ binary: join(dir, 'no-such-binary') }).run(
      play('write-file.yml', 'localhost'),
      null,
      context(),
    );
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/^playbook write-file\.yml on localhost could not start: .*ENOENT/);
  });

  it('createExecutors builds it from the ansible section, resolving paths against baseDir', () => {
    const executors = createExecutors(
      { ansible: { playbookDir: 'playbooks', inventory: 'inventory.ini', hosts: ['localhost'] } },
      { clock: systemClock, env, baseDir: dir },
    );
    expect(executors.forAction(play('write-file.yml', 'localhost'))?.name).toBe('ansible');
    expect(executors.refuse(play('write-file.yml', 'localhost'))).toBeNull();
    expect(executors.refuse(play('write-file.yml', 'web-1'))).toContain('not in remediation.ansible.hosts');
  });
});

describe('parseRecap', () => {
  it('reads every host of the PLAY RECAP', () => {
    const output = `PLAY [x] ***\n\nPLAY RECAP *********\nlocalhost                  : ok=2    changed=1    unreachable=0    failed=0    skipped=3    rescued=0    ignored=0\nweb-1 : ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0\n`;
    expect(parseRecap(output)).toEqual([
      { host: 'localhost', ok: 2, changed: 1, unreachable: 0, failed: 0, skipped: 3 },
      { host: 'web-1', ok: 0, changed: 0, unreachable: 1, failed: 0, skipped: 0 },
    ]);
    expect(parseRecap('no recap')).toEqual([]);
  });
});
