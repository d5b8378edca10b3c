/**
 * The embedded database is one process's: PGlite has no server to arbitrate, and two processes writing one
 * data folder corrupt it. A lock file holding the owner's pid keeps a second `aiops` process out with a
 * clear message; a lock left by a process that no longer runs is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AiopsError, ErrorCode } from '../errors.ts';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `file` for this process; returns its release. Throws when another process holds it. */
export function lockDataDir(file: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && running(owner)) {
        throw new AiopsError(
          ErrorCode.DatabaseUnavailable,
          `the embedded database in ${what} is in use by process ${owner} (a running \`aiops start\`?): stop it, or set DATABASE_URL to share a PostgreSQL server`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new AiopsError(ErrorCode.DatabaseUnavailable, `cannot lock the embedded database in ${what}`);
}
