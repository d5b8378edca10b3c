/** The helpers the executors share: redaction before the cut, host globs, durations, the env they read. */
import { describe, expect, it } from 'vitest';
import { boundedOutput, formatDuration, globMatch } from '../../src/remediation/executors/common.ts';
import { pickExecutorEnv } from '../../src/remediation/executors/index.ts';

describe('boundedOutput', () => {
  it('redacts the whole text before cutting it, so a secret across the cut leaves no readable half', () => {
    const secret = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    const text = `${'a'.repeat(1_000)} token ${secret} ${'b'.repeat(5_000)}`;
    const cutInside = 1_000 + ' token '.length + 10;
    // Without redaction first, a head of `max/4` characters would end inside the token.
    const out = boundedOutput(text, cutInside * 4);
    expect(out).not.toContain('ghp_012345');
    expect(out).toContain('characters cut');
    expect(out.length).toBeLessThanOrEqual(cutInside * 4);
  });

  it('keeps short text whole, minus NUL bytes', () => {
    expect(boundedOutput('ok\u0000 done')).toBe('ok done');
  });
});

describe('globMatch', () => {
  it('matches * and ? and nothing else as a pattern', () => {
    expect(globMatch('web-*', 'web-1')).toBe(true);
    expect(globMatch('web-*', 'db-1')).toBe(false);
    expect(globMatch('web-?', 'web-12')).toBe(false);
    expect(globMatch('localhost', 'localhost')).toBe(true);
    expect(globMatch('web.example', 'webXexample')).toBe(false);
    expect(globMatch('team-*', 'team-a\nkube-system')).toBe(false);
  });
});

describe('formatDuration', () => {
  it('reads like a human wrote it', () => {
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(14_000)).toBe('14 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('pickExecutorEnv', () => {
  it('keeps what kubectl-like and ansible need, never the bot’s tokens', () => {
    expect(
      pickExecutorEnv({
        PATH: '/usr/bin',
        HOME: '/home/bot',
        KUBECONFIG: '/etc/kube',
        ANSIBLE_CONFIG: '/etc/ansible.cfg',
        SLACK_BOT_TOKEN: 'xoxb-1',
        DATABASE_URL: 'postgres://u:p@db/x',
        AWX_TOKEN: 'secret',
      }),
    ).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/bot',
      KUBECONFIG: '/etc/kube',
      ANSIBLE_CONFIG: '/etc/ansible.cfg',
    });
  });
});
