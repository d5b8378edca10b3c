/** Fix-PR delivery, the pure parts: path globs and safety, the branch name, the PR body's defences, webhook events. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prEventOf } from '../../handlers/webhooks/github.ts';
import { configFrom } from '../../src/config.ts';
import { globToRegExp, isSafeRelativePath, pathMatcher } from '../../src/fixes/files.ts';
import { fixBranch } from '../../src/fixes/github-pr.ts';
import { mdCode, mdText, prBody } from '../../src/fixes/pr-body.ts';
import type { GeneratedFix } from '../../src/fixes/types.ts';
import { ansibleDir } from '../../src/incidents/fixes.ts';

describe('path globs', () => {
  it.each([
    ['deploy/**/*.yaml', 'deploy/checkout.yaml', true],
    ['deploy/**/*.yaml', 'deploy/prod/eu/checkout.yaml', true],
    ['deploy/**/*.yaml', 'other/deploy/checkout.yaml', false],
    ['deploy/**/*.yaml', 'deploy/checkout.yml', false],
    ['deploy/*.yaml', 'deploy/prod/checkout.yaml', false],
    ['charts/**/values.yaml', 'charts/checkout/values.yaml', true],
    ['infra/**/*.tf', 'infra/main.tf', true],
    ['ansible/**/*.{yml,yaml}', 'ansible/site.yaml', true],
    ['deploy/?.yaml', 'deploy/a.yaml', true],
    ['deploy/a+b.yaml', 'deploy/a+b.yaml', true],
    ['deploy/a+b.yaml', 'deploy/aab.yaml', false],
  ])('%s matches %s: %s', (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected);
  });

  it('never maps an unsafe path, whatever the glob', () => {
    const matcher = pathMatcher({ base: 'main', paths: { kubernetes: ['**'] } });
    for (const file of [
      '../etc/passwd',
      '/etc/passwd',
      'deploy/../../x.yaml',
      '.git/config',
      'a/./b',
      'a\0b',
      'a\\b',
    ])
      expect(matcher.kindOf(file)).toBeNull();
    expect(matcher.kindOf('deploy/x.yaml')).toBe('kubernetes');
  });

  it('does not backtrack on hostile paths (deep, many ** segments)', () => {
    const glob = globToRegExp('a/**/**/**/**/**/**/*.yaml');
    expect(glob.test(`a/${'b/'.repeat(60)}c.yml`)).toBe(false);
    expect(glob.test(`a/${'b/'.repeat(60)}c.yaml`)).toBe(true);
    expect(glob.test(`a/${'b/'.repeat(5000)}c.yaml`)).toBe(false); // deeper than any repository layout
    expect(globToRegExp('x/*.yaml').test(`x/${'a'.repeat(300)}.yaml`)).toBe(false); // longer than any file name
  });

  it('isSafeRelativePath accepts ordinary repository paths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9_-]{1,12}$/), { minLength: 1, maxLength: 6 }),
        (parts) => isSafeRelativePath(parts.join('/')),
      ),
    );
  });
});

describe('config: services[].fixes', () => {
  it('reads base, globs per kind and localPath', () => {
    const config = configFrom(
      {},
      'services:\n  - name: checkout\n    repo: acme/checkout\n    fixes:\n      paths: { kubernetes: ["deploy/**/*.yaml"] }\n      localPath: ../checkout\n',
    );
    expect(config.file.services[0]?.fixes).toEqual({
      base: 'main',
      paths: { kubernetes: ['deploy/**/*.yaml'] },
      localPath: '../checkout',
    });
  });

  it('refuses a mapping without any kind, and a base that is not a branch name', () => {
    expect(() => configFrom({}, 'services:\n  - name: a\n    fixes:\n      paths: {}\n')).toThrow(
      /services\.0\.fixes\.paths: map at least one kind/,
    );
    expect(() =>
      configFrom(
        {},
        'services:\n  - name: a\n    fixes:\n      base: "../x"\n      paths: { helm: ["v.yaml"] }\n',
      ),
    ).toThrow(/services\.0\.fixes\.base: must be a branch name/);
  });

  it('reads the GitHub App and webhook environment', () => {
    const config = configFrom({
      GITHUB_WEBHOOK_SECRET: 's',
      GITHUB_APP_ID: '1',
      GITHUB_APP_PRIVATE_KEY: 'k',
      GITHUB_APP_INSTALLATION_ID: '2',
    });
    expect(config.env).toMatchObject({
      GITHUB_WEBHOOK_SECRET: 's',
      GITHUB_APP_ID: '1',
      GITHUB_APP_INSTALLATION_ID: '2',
    });
    expect(() => configFrom({ GITHUB_APP_INSTALLATION_ID: 'abc' })).toThrow(/GITHUB_APP_INSTALLATION_ID/);
  });
});

describe('fixBranch', () => {
  it('is stable, prefixed, and a valid ref name', () => {
    expect(fixBranch(42, 'k8s-memory-limit')).toBe('aiops/incident-42-k8s-memory-limit');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.string(), (id, key) =>
        /^aiops\/incident-\d+-[a-z0-9-]+$/.test(fixBranch(id, key)),
      ),
    );
  });
});

const fix: GeneratedFix = {
  kind: 'kubernetes',
  title: 'Raise memory limit of checkout to 768Mi',
  rationale: 'no measured peak: the 512Mi limit × 1.5 → 768Mi',
  edits: [{ path: 'deploy/checkout.yaml', before: 'a', after: 'b' }],
  rollback: 'Revert this PR.',
  generator: 'k8s-memory-limit',
};

describe('the PR body', () => {
  it('defuses mentions, HTML and secrets from alert text', () => {
    const text = mdText(
      'ping @octocat and @acme/sre <img src=x onerror=alert(1)> token ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    );
    expect(text).not.toMatch(/@(octocat|acme)/);
    expect(text).not.toContain('<img');
    expect(text).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('code spans hold backticks without breaking out', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
  });

  it('has the sections a reviewer acts on, and names the requester without pinging', () => {
    const body = prBody({
      incident: {
        id: 7,
        title: 'KubePodOOMKilled @here',
        service: 'checkout',
        severity: 'critical',
        openedAt: '2026-03-01T10:00:00Z',
      },
      threadUrl: 'https://slack.com/archives/C1/p1700000000000100',
      cause: {
        title: 'Memory limit too low',
        likelihood: 0.6,
        category: 'capacity',
        evidence: ['OOMKilled 3 times'],
      },
      fix,
      validation: {
        ok: true,
        checks: [{ name: 'yaml parse (deploy/checkout.yaml)', ok: true, output: '2 document(s)' }],
      },
      requestedBy: '<@U0ALICE>',
      requestId: 'r1',
    });
    for (const part of [
      '### Cause',
      '### What changed and why',
      '### Validation',
      '### How to roll back',
      '[Slack thread](https://slack.com/archives/C1/p1700000000000100)',
      'Slack user `U0ALICE`',
      '**draft**',
    ])
      expect(body).toContain(part);
    expect(body).not.toContain('@here');
  });

  it('marks a model-written fix, and its per-file rationale is defused like any untrusted text', () => {
    const body = prBody({
      incident: {
        id: 8,
        title: 'Pool',
        service: 'checkout',
        severity: 'critical',
        openedAt: '2026-03-01T10:00:00Z',
      },
      fix: {
        ...fix,
        generator: 'llm-fix-1',
        model: 'claude-sonnet-5-5',
        edits: [
          {
            path: 'deploy/checkout.yaml',
            before: 'a',
            after: 'b',
            rationale: 'cc @octocat <script>x</script> pool 5 → 20',
          },
        ],
      },
      validation: { ok: true, checks: [] },
      requestedBy: 'cli',
      requestId: 'r2',
    });
    expect(body).toContain('**Written by a language model** (`claude-sonnet-5-5`)');
    expect(body).toContain('generator `llm-fix-1`, model `claude-sonnet-5-5`');
    expect(body).toContain(
      '- `deploy/checkout.yaml`: cc @\u200doctocat &lt;script&gt;x&lt;/script&gt; pool 5 → 20',
    );
    // A deterministic generator's PR carries no such warning.
    expect(
      prBody({
        incident: { id: 8, title: 'x', service: 's', severity: 'info', openedAt: '' },
        fix,
        validation: { ok: true, checks: [] },
        requestedBy: 'cli',
        requestId: 'r3',
      }),
    ).not.toContain('language model');
  });
});

describe('GitHub webhook events', () => {
  const base = {
    pull_request: { number: 3, merged: false, merged_by: null },
    repository: { full_name: 'acme/checkout' },
    sender: { login: 'erin' },
  };
  it.each([
    [
      'pull_request',
      { ...base, action: 'closed', pull_request: { number: 3, merged: true, merged_by: { login: 'dave' } } },
      { status: 'merged', by: 'dave' },
    ],
    ['pull_request', { ...base, action: 'closed' }, { status: 'closed', by: 'erin' }],
    [
      'pull_request',
      { ...base, action: 'review_requested', requested_reviewer: { login: 'carol' } },
      { status: 'review_requested', by: 'carol' },
    ],
    [
      'pull_request',
      { ...base, action: 'review_requested', requested_team: { slug: 'sre' } },
      { status: 'review_requested', by: 'sre' },
    ],
    ['pull_request', { ...base, action: 'ready_for_review' }, { status: 'ready_for_review', by: 'erin' }],
    ['pull_request', { ...base, action: 'reopened' }, { status: 'open', by: 'erin' }],
    [
      'pull_request_review',
      { ...base, action: 'submitted', review: { state: 'APPROVED', user: { login: 'carol' } } },
      { status: 'approved', by: 'carol' },
    ],
  ])('%s %j → %j', (event, payload, expected) => {
    expect(prEventOf(event, payload as Parameters<typeof prEventOf>[1])).toEqual({
      repo: 'acme/checkout',
      number: 3,
      ...expected,
    });
  });

  it('ignores actions it does not tell', () => {
    expect(
      prEventOf('pull_request', { ...base, action: 'synchronize' } as Parameters<typeof prEventOf>[1]),
    ).toBeNull();
    expect(
      prEventOf('pull_request_review', {
        ...base,
        action: 'submitted',
        review: { state: 'commented', user: null },
      } as Parameters<typeof prEventOf>[1]),
    ).toBeNull();
  });
});

describe('ansibleDir', () => {
  it('is the fixed folder prefix of the first ansible glob', () => {
    const dir = (globs: string[]) => ansibleDir({ base: 'main', paths: { ansible: globs } });
    expect(dir(['ansible/**/*.yml'])).toBe('ansible');
    expect(dir(['./ops/ansible/playbooks/*.yml'])).toBe('ops/ansible/playbooks');
    expect(dir(['**/*.yml'])).toBeUndefined();
    expect(ansibleDir({ base: 'main', paths: { kubernetes: ['k/*.yaml'] } })).toBeUndefined();
  });
});
