/**
 * The embedded database is one process's: PGlite has no server to arbitrate, and two processes writing one
 * data folder corrupt it. A lock file naming its owner keeps a second `aiops` process out with a clear
 * message. A lock whose owner is not a live `aiops` process is stale and is taken over, with a log line:
 * the owner is gone, is a zombie (killed, not yet reaped by its parent — what `kill -9` leaves for a while
 * under a shell, npm or a container's init), or its pid now belongs to another program (pid reuse, common
 * in containers where every run gets the same few pids).
 *
 * The file holds the owner's pid on its first line and, on Linux, its identity on the second: the boot id
 * and the process start time (/proc/PID/stat field 22), which together name one process for good — a
 * reused pid has another start time. Locks written before that line existed (pid only) are judged by the
 * owner's command line instead. The file is created with its content in one step (link of a written temp
 * file), so a reader never sees it empty; a stale lock is deleted under a guard file (deleteStale), so
 * two processes taking over at once cannot both win.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { AiopsError, ErrorCode } from '../errors.ts';

export interface LockOptions {
  /** Told when a stale lock is taken over (one line for the log). */
  onTakeover?: (message: string, details: { file: string; owner: number; reason: StaleReason }) => void;
  /** Where process facts come from: /proc by default (tests point it elsewhere). */
  procDir?: string;
}

export type StaleReason = 'gone' | 'zombie' | 'pid-reused' | 'not-aiops' | 'this-process' | 'unreadable';

const REASON_TEXT: Record<StaleReason, string> = {
  gone: 'is no longer running',
  zombie: 'has exited (a zombie its parent has not reaped yet)',
  'pid-reused': 'is gone and its pid now belongs to another process',
  'not-aiops': 'is not an aiops process (its pid was reused)',
  'this-process': 'has this process id (a previous run in this container)',
  unreadable: 'left an unreadable lock file',
};

interface ProcInfo {
  state: string;
  startTime: string;
}

/** State and start time of `pid` from /proc, null when it does not exist, undefined without /proc access. */
function procInfo(procDir: string, pid: number): ProcInfo | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${procDir}/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return procAvailable(procDir) ? null : undefined;
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); start time is field 22.
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

function procAvailable(procDir: string): boolean {
  try {
    readFileSync(`${procDir}/self/stat`, 'utf8');
    return true;
  } catch {
    return false;
  }
}

function bootId(procDir: string): string {
  try {
    return readFileSync(`${procDir}/sys/kernel/random/boot_id`, 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}

/** "bootid:starttime" for `pid`, or null off Linux. */
function identityOf(procDir: string, pid: number): string | null {
  const info = procInfo(procDir, pid);
  return info ? `${bootId(procDir)}:${info.startTime}` : null;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A command line that runs aiops: the `aiops` bin, `npm start` (src/cli.ts) or a checkout named so. */
const AIOPS_COMMAND = /aiops|[/\\]cli\.[cm]?[jt]s\b/i;

/** Why the lock's owner no longer holds it, or null when it is a live aiops process. */
export function staleReason(
  content: string,
  options: { procDir?: string; selfPid?: number } = {},
): StaleReason | null {
  const procDir = options.procDir ?? '/proc';
  const [pidLine = '', identity] = content.split('\n');
  const owner = /^\d+$/.test(pidLine.trim()) ? Number(pidLine.trim()) : Number.NaN;
  if (!Number.isSafeInteger(owner) || owner <= 0) return 'unreadable';
  const self = options.selfPid ?? process.pid;
  if (owner === self) {
    // Our pid: a previous run (a container gives every run the same pid), unless the lock names this very
    // process — the database opened twice in one process, which corrupts it as surely as two processes.
    const ours = identityOf(procDir, self);
    return ours !== null && identity?.trim() === ours ? null : 'this-process';
  }
  const info = procInfo(procDir, owner);
  if (info === undefined) return signalable(owner) ? null : 'gone'; // no /proc: all we can know
  if (info === null) return 'gone';
  if (info.state === 'Z' || info.state === 'X') return 'zombie';
  if (identity?.trim()) {
    return identity.trim() === `${bootId(procDir)}:${info.startTime}` ? null : 'pid-reused';
  }
  // A lock from before identities were written: judge by what the process runs.
  try {
    const cmdline = readFileSync(`${procDir}/${owner}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return AIOPS_COMMAND.test(cmdline) ? null : 'not-aiops';
  } catch {
    return null; // cannot tell: keep out rather than risk two owners
  }
}

const uniqueSuffix = () => `${process.pid}.${randomBytes(4).toString('hex')}`;

/** Creates `file` holding `content` in one step; false when it exists. */
function create(file: string, content: string): boolean {
  const temp = `${file}.${uniqueSuffix()}.tmp`;
  writeFileSync(temp, content, { flag: 'wx', mode: 0o644 });
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: exclusive create, then write (a reader may see it empty for an instant).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      return createWithoutLink(file, content);
    }
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

function createWithoutLink(file: string, content: string): boolean {
  try {
    writeFileSync(file, content, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** `file`'s content, or null when there is no such file. */
function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Removes `file` only if it still holds `expected`: renamed aside first (atomic), checked, and put back
 * if it turns out to be someone else's. For a lock's owner releasing it; true when removed.
 */
function removeIf(file: string, expected: string): boolean {
  const aside = `${file}.${uniqueSuffix()}.old`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (readFileSync(aside, 'utf8') === expected) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    linkSync(aside, file);
  } catch {
    // Someone created a lock in the instant it was aside; theirs stands.
  }
  rmSync(aside, { force: true });
  return false;
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Deletes the stale lock `file` (holding `stale`), one process at a time: only the holder of the guard
 * file `file.takeover` may delete a lock, and it re-reads the lock first, so of several processes that
 * judged the same lock stale exactly one deletes it and none deletes a fresh lock taken meanwhile. (A
 * lock is only ever created where there is none, which needs no guard.) True when this call deleted it.
 */
function deleteStale(file: string, stale: string, mine: string, procDir: string): boolean {
  const guard = `${file}.takeover`;
  if (!create(guard, mine)) {
    const holder = readIfExists(guard);
    if (holder === null) return false;
    // Another process is taking over right now (a few microseconds), unless it died doing so.
    if (staleReason(holder, { procDir }) === null) pause(5);
    else removeIf(guard, holder);
    return false;
  }
  try {
    if (readIfExists(file) !== stale) return false;
    rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

/** Takes the lock at `file` for this process; returns its release. Throws when another process holds it. */
export function lockDataDir(file: string, what: string, options: LockOptions = {}): () => void {
  const procDir = options.procDir ?? '/proc';
  const identity = identityOf(procDir, process.pid);
  const mine = `${process.pid}\n${identity ?? ''}\n`;
  let removed: { owner: number; reason: StaleReason } | null = null;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (create(file, mine)) {
      if (removed) {
        const owner = Number.isNaN(removed.owner) ? '?' : String(removed.owner);
        options.onTakeover?.(
          `took over the embedded database lock in ${what}: its owner, process ${owner}, ${REASON_TEXT[removed.reason]}`,
          { file, ...removed },
        );
      }
      return () => void removeIf(file, mine);
    }
    const content = readIfExists(file);
    if (content === null) continue; // released meanwhile
    if (content === '' && attempt < 10) {
      pause(10); // being written (only where hard links are not available, see create)
      continue;
    }
    const reason = staleReason(content, { procDir });
    const owner = Number.parseInt(content, 10);
    if (reason === null && owner === process.pid) {
      throw new AiopsError(
        ErrorCode.DatabaseUnavailable,
        `the embedded database in ${what} is already open in this process: close it before opening it again`,
      );
    }
    if (reason === null) {
      throw new AiopsError(
        ErrorCode.DatabaseUnavailable,
        `the embedded database in ${what} is in use by process ${owner} (a running \`aiops start\`?): stop it, or set DATABASE_URL to share a PostgreSQL server`,
      );
    }
    if (deleteStale(file, content, mine, procDir)) removed = { owner, reason };
  }
  throw new AiopsError(ErrorCode.DatabaseUnavailable, `cannot lock the embedded database in ${what}`);
}
