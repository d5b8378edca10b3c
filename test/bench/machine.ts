/** What the benchmark ran on, and where the CPU went: this process, the Postgres server, the whole machine. */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let cpuModel = cpus[0]?.model?.trim() ?? 'unknown';
  try {
    // Virtual machines often report a bare family name; lscpu's source has the same, so keep what we have.
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: os.cpus() is all there is.
  }
  return {
    cpuModel,
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** A client backend's process title: `postgres: 15/main: USER DATABASE HOST(PORT) STATE`. */
const BACKEND_TITLE = /^postgres: [^:]+: (\S+) (\S+) (\S+\(\d+\)|\[local\])/;

/**
 * CPU time (ms) used so far by each local process named `postgres` (Linux only; null elsewhere): the
 * server's own processes (WAL writer, checkpointer, …) and the backends of `database`, not the backends
 * other clients have open on other databases.
 */
export function postgresCpuMs(database?: string): Map<number, number> | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const byPid = new Map<number, number>();
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      if (name !== 'postgres') continue;
      if (database) {
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        const backendOf = BACKEND_TITLE.exec(title)?.[2];
        if (backendOf !== undefined && backendOf !== database) continue;
      }
      const fields = stat.slice(close + 2).split(' ');
      // Fields after the name start at field 3 (state); utime and stime are fields 14 and 15.
      byPid.set(Number(pid), ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND);
    } catch {
      // The process ended while we looked.
    }
  }
  return byPid.size > 0 ? byPid : null;
}

/** CPU the postgres processes used between two samples (a process that ended in between is not counted). */
function postgresCpuDelta(
  before: Map<number, number> | null,
  after: Map<number, number> | null,
): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU time (ms) of the whole machine so far, from /proc/stat (null off Linux). */
export function machineCpuMs(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return {
      busy: ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND,
      total: (total * 1000) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** Samples this process's RSS every `everyMs` and keeps the peak (overall and since the last mark). */
export class RssSampler {
  peak = process.memoryUsage().rss;
  peakSinceMark = this.peak;
  /** process.memoryUsage() at the moment of the overall peak: what the RSS was made of. */
  atPeak: NodeJS.MemoryUsage = process.memoryUsage();
  private timer: NodeJS.Timeout | null = null;

  start(everyMs = 50): void {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): number {
    const usage = process.memoryUsage();
    const rss = usage.rss;
    if (rss > this.peak) {
      this.peak = rss;
      this.atPeak = usage;
    }
    if (rss > this.peakSinceMark) this.peakSinceMark = rss;
    return rss;
  }

  /** Starts a new "since mark" window and returns the peak of the one that ended. */
  mark(): number {
    const peak = Math.max(this.peakSinceMark, this.sample());
    this.peakSinceMark = process.memoryUsage().rss;
    return peak;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** CPU used by the server (this process), Postgres and the machine between `begin` and `end`. */
export class CpuWindow {
  private readonly process = process.cpuUsage();
  private readonly postgres: Map<number, number> | null;
  private readonly machine = machineCpuMs();
  private readonly startedAt = performance.now();

  /** `database`: count only that database's backends (plus the server's own processes). */
  constructor(private readonly database?: string) {
    this.postgres = postgresCpuMs(database);
  }

  end(): { wallMs: number; serverMs: number; postgresMs: number | null; machineBusyPct: number | null } {
    const wallMs = performance.now() - this.startedAt;
    const used = process.cpuUsage(this.process);
    const postgresNow = postgresCpuMs(this.database);
    const machineNow = machineCpuMs();
    return {
      wallMs,
      serverMs: (used.user + used.system) / 1000,
      postgresMs: postgresCpuDelta(this.postgres, postgresNow),
      machineBusyPct:
        this.machine && machineNow
          ? (100 * (machineNow.busy - this.machine.busy)) / Math.max(1, machineNow.total - this.machine.total)
          : null,
    };
  }
}

/** How busy the machine is (%, of all cores) over `ms` before the benchmark starts: other work skews figures. */
export async function backgroundLoadPct(ms = 1_000): Promise<number | null> {
  const before = machineCpuMs();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineCpuMs();
  if (!before || !after) return null;
  return (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
}
