/**
 * `aiops start` as a process, the way a container runs it: JSON logs when stdout is not a terminal (or
 * readable ones with LOG_FORMAT=pretty), and on SIGTERM a clear line, a clean close and exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = new URL('../../bin/aiops.js', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function startBot(env: Record<string, string>) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'aiops-process-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', AIOPS_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves with the URL once the listening line is out. */
    async listening(): Promise<string> {
      for (;;) {
        const match = /listening on (http:\/\/[^\s"]+)/.exec(stdout);
        if (match) return match[1] as string;
        if (child.exitCode !== null) throw new Error(`exited early:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => child.stdout?.once('data', resolve));
      }
    },
  };
}

async function stop(child: ChildProcess, exited: Promise<number | null>) {
  child.kill('SIGTERM');
  return exited;
}

describe('aiops start as a process', () => {
  it('logs JSON when stdout is not a terminal, and stops on SIGTERM with a clear line and exit 0', async () => {
    const bot = startBot({});
    const url = await bot.listening();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await stop(bot.child, bot.exited)).toBe(0);
    const lines = bot.output().stdout.trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { msg: string });
    const messages = events.map((event) => event.msg);
    expect(messages).toContain('received SIGTERM: stopping (finishing requests and jobs in flight)');
    expect(messages.at(-1)).toBe('aiops-bot stopped');
    expect(bot.output().stderr).toBe('');
  }, 60_000);

  it('logs readable lines with LOG_FORMAT=pretty', async () => {
    const bot = startBot({ LOG_FORMAT: 'pretty' });
    await bot.listening();
    expect(await stop(bot.child, bot.exited)).toBe(0);
    const lines = bot.output().stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line).toMatch(/^(\d\d:\d\d:\d\d\.\d{3} (INFO |WARN |ERROR|DEBUG)| {4})/);
    expect(lines.at(-1)).toMatch(/INFO {2}aiops-bot stopped$/);
  }, 60_000);
});
