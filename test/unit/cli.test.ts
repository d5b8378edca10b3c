/** The `aiops` command, driven in-process with a captured io. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, detectSource, run, runMode, USAGE } from '../../src/cli.ts';
import { configFrom } from '../../src/config.ts';
import { MANIFEST, oomBody } from '../support/fix-fixtures.ts';
import { readFixture } from '../support/payloads.ts';

interface Captured {
  io: CliIo;
  stdout: string[];
  stderr: string[];
}

/** An io whose env is exactly `env` (never process.env) and whose cwd has no aiops.yml. */
function capture(env: Record<string, string | undefined> = {}, cwd = emptyDir): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    io: { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), env, cwd },
  };
}

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
const emptyDir = tempDir('aiops-cli-cwd-');

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('usage', () => {
  it.each([['help'], ['--help'], ['-h']])('%s prints the usage on stdout and exits 0', async (command) => {
    const out = capture();
    expect(await run([command], out.io)).toBe(0);
    expect(out.stdout).toEqual([USAGE]);
    expect(out.stderr).toEqual([]);
  });

  it('no command is bad usage: exit 2, usage on stderr', async () => {
    const out = capture();
    expect(await run([], out.io)).toBe(2);
    expect(out.stderr).toEqual([USAGE]);
    expect(out.stdout).toEqual([]);
  });

  it('an unknown command exits 2 with the reason and the usage on stderr', async () => {
    const out = capture();
    expect(await run(['frobnicate'], out.io)).toBe(2);
    expect(out.stderr).toEqual(['aiops: unknown command "frobnicate"', USAGE]);
    expect(out.stdout).toEqual([]);
  });

  it('replay without a file exits 2', async () => {
    const out = capture();
    expect(await run(['replay'], out.io)).toBe(2);
    expect(out.stderr[0]).toBe('aiops: replay takes exactly one FILE');
    expect(out.stderr[1]).toBe(USAGE);
  });

  it('replay with two files or a bad --source exits 2', async () => {
    expect(await run(['replay', 'a.json', 'b.json'], capture().io)).toBe(2);
    const out = capture();
    expect(await run(['replay', 'a.json', '--source', 'nagios'], out.io)).toBe(2);
    expect(out.stderr[0]).toBe('aiops: --source must be alertmanager or pagerduty, not nagios');
  });

  it('an unknown option exits 2', async () => {
    const out = capture();
    expect(await run(['incidents', '--colour'], out.io)).toBe(2);
    expect(out.stderr[0]).toMatch(/^aiops: .*--colour/);
  });

  it('incidents --status bogus exits 2', async () => {
    const out = capture();
    expect(await run(['incidents', '--status', 'bogus'], out.io)).toBe(2);
    expect(out.stderr[0]).toBe(
      'aiops: --status must be open, triggered, acknowledged or resolved, not bogus',
    );
  });

  it('incidents --limit 0 exits 2', async () => {
    expect(await run(['incidents', '--limit', '0'], capture().io)).toBe(2);
  });
});

describe('failures', () => {
  it('replay of a missing file exits 1 with one line', async () => {
    const out = capture();
    expect(await run(['replay', '/missing/alert.json'], out.io)).toBe(1);
    expect(out.stderr).toEqual(['aiops: cannot read /missing/alert.json: ENOENT']);
    expect(out.stdout).toEqual([]);
  });

  it('an invalid environment exits 1 with one line naming the variable', async () => {
    const out = capture({ DATABASE_URL: 'mysql://localhost/aiops' });
    expect(await run(['incidents'], out.io)).toBe(1);
    expect(out.stderr).toHaveLength(1);
    expect(out.stderr[0]).toMatch(/^aiops: invalid environment variable DATABASE_URL: /);
  });
});

describe('detectSource', () => {
  it('recognizes each source by its top-level key', () => {
    expect(detectSource(JSON.parse(readFixture('am-firing-2alerts-zulip.json')))).toBe('alertmanager');
    expect(detectSource(JSON.parse(readFixture('pd-v3-incident.triggered-zulip.json')))).toBe('pagerduty');
    expect(detectSource(JSON.parse(readFixture('pd-v2-incident.trigger-pd-docs.json')))).toBe('pagerduty');
    expect(detectSource({})).toBeNull();
    expect(detectSource(null)).toBeNull();
    expect(detectSource('alerts')).toBeNull();
  });
});

describe('replay and incidents on an embedded database', () => {
  const env = { AIOPS_DATA_DIR: tempDir('aiops-cli-data-') };

  it('replay prints the incident with both alerts, then incidents lists it', async () => {
    const replayed = capture(env);
    const code = await run(['replay', 'test/fixtures/payloads/am-firing-2alerts-zulip.json'], replayed.io);
    expect(replayed.stderr).toEqual([]);
    expect(code).toBe(0);
    // The incident, then (local mode) the Slack thread the pipeline produced.
    const text = replayed.stdout[0] as string;
    const thread = replayed.stdout.slice(replayed.stdout.indexOf('Slack thread (local mode):') + 1);
    expect(thread.length).toBeGreaterThanOrEqual(2);
    expect(thread[0]).toMatch(/^── #incidents · message local\.1 ──\n/);
    expect(thread[0]).toContain('High CPU Temperature');
    expect(thread[0]).toContain('[Acknowledge] [Resolve]');
    expect(thread.slice(1).join('\n')).toContain('↳ #incidents · reply in thread local.1');
    expect(thread.slice(1).join('\n')).toContain('Offline analyzer');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(
      /^🔴 #1 \[triggered\] critical · andromeda · High CPU Temperature: High CPU core temperature \(2\/2 firing, opened /,
    );
    expect(lines[1]).toBe('   channel #incidents · source alertmanager · http://ops1:9093');
    const alertLines = lines.filter((line) => line.startsWith('     - '));
    expect(alertLines).toHaveLength(2);
    for (const line of alertLines) {
      expect(line).toMatch(
        /^ {5}- \[firing\] High CPU Temperature \(critical\) High CPU core temperature <http:\/\/cobalt:9090\/graph\?/,
      );
    }
    expect(text).toContain(' opened by alertmanager');
    expect(text).toContain('alerts_firing by alertmanager {"count":2,"alertnames":["High CPU Temperature"]}');

    const listed = capture(env);
    expect(await run(['incidents'], listed.io)).toBe(0);
    expect(listed.stderr).toEqual([]);
    expect(listed.stdout).toHaveLength(1);
    expect(listed.stdout[0]).toBe(lines[0]);

    const filtered = capture(env);
    expect(await run(['incidents', '--status', 'resolved'], filtered.io)).toBe(0);
    expect(filtered.stdout).toEqual(['no incidents']);
  });

  it('ack, why, confirm and resolve work on the replayed incident and print the thread updates', async () => {
    const acked = capture(env);
    expect(await run(['ack', '#1', '--as', 'alice'], acked.io)).toBe(0);
    expect(acked.stderr).toEqual([]);
    expect(acked.stdout.join('\n')).toMatch(/Incident #1 acknowledged by \*?alice/);
    expect(acked.stdout.join('\n')).toContain('message local.1 updated');

    const again = capture(env);
    expect(await run(['ack', '1', '--as', 'bob'], again.io)).toBe(0);
    expect(again.stdout.join('\n')).toMatch(/already acknowledged by \*?alice/);

    const why = capture(env);
    expect(await run(['why', '1'], why.io)).toBe(0);
    expect(why.stdout.join('\n')).toContain('#1');

    const confirmed = capture(env);
    expect(await run(['confirm', '1', 'CPU', 'overheating', '--as', 'alice'], confirmed.io)).toBe(0);
    expect(confirmed.stdout[0]).toBe('recorded "CPU overheating" as the cause of incident #1');

    const resolved = capture(env);
    expect(await run(['resolve', '1', '--as', 'alice'], resolved.io)).toBe(0);
    expect(resolved.stdout.join('\n')).toContain('updated');
    const listed = capture(env);
    await run(['incidents', '--status', 'resolved'], listed.io);
    expect(listed.stdout[0]).toMatch(/^🔴 #1 \[resolved\]/);
  });

  it('bad incident references and missing --as are bad usage; an unknown incident is a failure', async () => {
    const noActor = capture(env);
    expect(await run(['ack', '1'], noActor.io)).toBe(2);
    expect(noActor.stderr[0]).toBe('aiops: ack needs --as USER (recorded in the timeline)');
    const badRef = capture(env);
    expect(await run(['resolve', 'yesterday', '--as', 'a'], badRef.io)).toBe(2);
    const missing = capture(env);
    expect(await run(['why', '999'], missing.io)).toBe(1);
    expect(missing.stderr).toEqual(['aiops: incident 999 not found']);
  });
});

describe('runMode', () => {
  it('says what a default install talks to', () => {
    expect(Object.values(runMode(configFrom({}, '')))).toEqual([
      'Slack: local mode (threads printed here; no SLACK_BOT_TOKEN)',
      'analysis: offline analyzer (no ANTHROPIC_API_KEY)',
      'recent changes: off (no GITHUB_TOKEN)',
      'metrics context: off (no prometheus.url in aiops.yml)',
    ]);
  });

  it('names each configured service', () => {
    const mode = runMode(
      configFrom(
        {
          SLACK_BOT_TOKEN: 'xoxb-1',
          SLACK_APP_TOKEN: 'xapp-1',
          ANTHROPIC_API_KEY: 'k',
          AIOPS_MODEL: 'claude-x',
          GITHUB_TOKEN: 'g',
        },
        'prometheus:\n  url: http://prom:9090\n',
      ),
    );
    expect(mode).toEqual({
      slack: 'Slack: Socket Mode',
      analysis: 'analysis: claude-x (offline analyzer as fallback)',
      changes: 'recent changes: GitHub',
      metrics: 'metrics: http://prom:9090',
    });
  });
});

describe('aiops fix', () => {
  it('prints the fix as a diff in local mode without a token; bad usage and unmapped services fail plainly', async () => {
    const checkout = tempDir('aiops-cli-checkout-');
    mkdirSync(path.join(checkout, 'deploy'));
    writeFileSync(path.join(checkout, 'deploy', 'checkout.yaml'), MANIFEST);
    const cwd = tempDir('aiops-cli-fix-cwd-');
    writeFileSync(
      path.join(cwd, 'aiops.yml'),
      `services:\n  - name: checkout\n    fixes:\n      paths: { kubernetes: ["deploy/**/*.yaml"] }\n      localPath: ${JSON.stringify(checkout)}\n`,
    );
    const payload = path.join(cwd, 'oom.json');
    writeFileSync(payload, JSON.stringify(oomBody('{}:{cli="fix"}')));
    const env = { AIOPS_DATA_DIR: tempDir('aiops-cli-fix-data-') };
    expect(await run(['replay', payload], capture(env, cwd).io)).toBe(0);

    const fixed = capture(env, cwd);
    expect(await run(['fix', '1'], fixed.io)).toBe(0);
    expect(fixed.stderr).toEqual([]);
    const text = fixed.stdout.join('\n');
    expect(text).toContain('fix for incident #1: Raise memory limit of checkout');
    expect(text).toContain('--- a/deploy/checkout.yaml');
    expect(text).toMatch(/^-\s+memory: 512Mi$/m);
    expect(text).toContain('no PR opened: no GITHUB_TOKEN or GitHub App is configured');

    const usage = capture(env, cwd);
    expect(await run(['fix'], usage.io)).toBe(2);
    expect(usage.stderr[0]).toBe('aiops: fix takes exactly one INCIDENT');

    const unmapped = capture(env);
    expect(await run(['fix', '1'], unmapped.io)).toBe(1);
    expect(unmapped.stderr).toEqual([
      'aiops: service `checkout` has no `fixes` mapping in aiops.yml (services[].repo and services[].fixes.paths): no fix PR for incident #1',
    ]);
  });
});
