/**
 * The parts of `aiops` a newcomer meets first: --version, help for every command (which never loads the
 * configuration or starts anything), a replay of a payload already stored, and the start-up failures an
 * operator hits (port taken, database unreachable) said in words that name what to change.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, COMMAND_HELP, run, USAGE } from '../../src/cli.ts';
import { describeDatabaseFailure } from '../../src/startup-errors.ts';

interface Captured {
  io: CliIo;
  stdout: string[];
  stderr: string[];
}

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function capture(env: Record<string, string | undefined> = {}): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    io: {
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
      env: { LOG_LEVEL: 'silent', ...env },
      cwd: tempDir('aiops-cli-ship-'),
    },
  };
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
/** An environment config.ts refuses: any command that loads the configuration fails with it. */
const brokenEnv = { DATABASE_URL: 'mysql://localhost/aiops' };

describe('--version', () => {
  it.each([['--version'], ['-v'], ['version']])('%s prints the package version and exits 0', async (flag) => {
    const out = capture(brokenEnv);
    expect(await run([flag], out.io)).toBe(0);
    expect(out.stdout).toEqual([`aiops-bot ${pkg.version}`]);
    expect(out.stderr).toEqual([]);
  });
});

describe('COMMAND --help', () => {
  const commands = Object.keys(COMMAND_HELP);

  it('the usage lists every command of the table', () => {
    expect(commands).toEqual(expect.arrayContaining(['start', 'migrate', 'replay', 'incidents', 'why']));
    for (const command of commands) expect(USAGE).toContain(`  ${COMMAND_HELP[command]?.usage}`);
  });

  it.each(commands)(
    '%s --help prints its help on stdout without loading config or starting',
    async (command) => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
        [command, 'x', '--help'],
      ]) {
        const out = capture(brokenEnv);
        expect(await run(args, out.io)).toBe(0);
        expect(out.stderr).toEqual([]);
        const text = out.stdout.join('\n');
        expect(text).toContain(`usage: aiops ${COMMAND_HELP[command]?.usage}`);
        expect(text).toContain(COMMAND_HELP[command]?.summary);
      }
    },
  );

  it('help for an unknown command is bad usage', async () => {
    const out = capture();
    expect(await run(['help', 'frobnicate'], out.io)).toBe(2);
    expect(out.stderr[0]).toBe('aiops: unknown command "frobnicate"');
  });

  it('--help after -- is an argument, not a help request', async () => {
    const out = capture(brokenEnv);
    expect(await run(['replay', '--', '--help'], out.io)).toBe(1);
    expect(out.stderr[0]).toMatch(/DATABASE_URL/);
  });
});

describe('replay of a payload already stored', () => {
  it('says it was a duplicate instead of printing an empty thread', async () => {
    const dataDir = tempDir('aiops-replay-dup-');
    const file = new URL('../fixtures/demo/kube-crashloop.json', import.meta.url).pathname;
    const first = capture({ AIOPS_DATA_DIR: dataDir });
    expect(await run(['replay', file], first.io)).toBe(0);
    expect(first.stdout).toContain('Slack thread (local mode):');

    const second = capture({ AIOPS_DATA_DIR: dataDir });
    expect(await run(['replay', file], second.io)).toBe(0);
    expect(second.stdout[0]).toMatch(
      /^duplicate: this payload is already stored \(delivery #1, received .+\); incident #1 is unchanged$/,
    );
    expect(second.stdout).not.toContain('Slack thread (local mode):');
    expect(second.stderr).toEqual([]);
  }, 60_000);
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('start-up failures', () => {
  it('a port in use names the port and says to set PORT', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const out = capture({ PORT: String(port), AIOPS_DATA_DIR: tempDir('aiops-port-') });
      expect(await run(['start'], out.io)).toBe(1);
      expect(out.stderr).toEqual([
        `aiops: port ${port} is already in use (another aiops-bot or another program listens there); stop it or set PORT to a free port`,
      ]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 60_000);

  it('an unreachable DATABASE_URL names host, port and cause (and never the password)', async () => {
    const port = await freePort();
    const out = capture({ DATABASE_URL: `postgres://aiops:s3cret@127.0.0.1:${port}/aiops` });
    expect(await run(['incidents'], out.io)).toBe(1);
    expect(out.stderr).toEqual([
      `aiops: cannot connect to PostgreSQL at 127.0.0.1:${port} (DATABASE_URL): connection refused — is the server running and listening there?`,
    ]);
    expect(out.stderr.join('')).not.toContain('s3cret');
  });

  it('names the cause for each kind of connection failure', () => {
    const url = 'postgresql://bot:pw@db.example.internal/aiops';
    const failure = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(describeDatabaseFailure(url, failure('ENOTFOUND'))).toBe(
      'cannot connect to PostgreSQL at db.example.internal:5432 (DATABASE_URL): host not found (DNS lookup failed)',
    );
    expect(describeDatabaseFailure(url, failure('ETIMEDOUT'))).toMatch(/: timed out — /);
    expect(describeDatabaseFailure(url, failure('28P01'))).toBe(
      'cannot connect to PostgreSQL at db.example.internal:5432 (DATABASE_URL): password authentication failed for user "bot"',
    );
    expect(describeDatabaseFailure(url, failure('3D000'))).toBe(
      'cannot connect to PostgreSQL at db.example.internal:5432 (DATABASE_URL): database "aiops" does not exist',
    );
    expect(describeDatabaseFailure(url, failure('42P01', 'relation "x" does not exist'))).toBeNull();
  });
});
