/** The embedded database's data folder belongs to one process at a time. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/db/data-dir-lock.ts';

const dirs: string[] = [];
const lockFile = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aiops-lock-'));
  dirs.push(dir);
  return path.join(dir, 'pgdata.lock');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('takes the lock with this pid and gives it back', () => {
    const file = lockFile();
    const release = lockDataDir(file, 'here');
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses while another running process holds it, naming that process', async () => {
    const file = lockFile();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      writeFileSync(file, String(other.pid));
      expect(() => lockDataDir(file, '/data/aiops')).toThrow(
        `the embedded database in /data/aiops is in use by process ${other.pid}`,
      );
      expect(readFileSync(file, 'utf8')).toBe(String(other.pid));
    } finally {
      other.kill();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const file = lockFile();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(file, String(gone.pid));
    const release = lockDataDir(file, 'here');
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
  });
});
