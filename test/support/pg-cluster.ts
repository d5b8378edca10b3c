/**
 * A throwaway PostgreSQL server a test may stop and start: its own data folder, port and socket folder,
 * so the shared server on 127.0.0.1:5432 (which other tests use) is never touched. PostgreSQL refuses to
 * run as root, so as root the binaries run as the `postgres` user over a data folder it owns.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  /** Whether the last start() or stop() left it running. */
  readonly running: boolean;
  /** `pg_ctl stop -m fast`: open connections get 57P01 (terminating connection due to administrator command). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if running and deletes its folder. */
  destroy(): void;
}

/** The folder holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed. */
export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  const fromPgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromPgConfig.status === 0) candidates.push(fromPgConfig.stdout.trim());
  try {
    // Debian: /usr/lib/postgresql/<major>/bin, newest first.
    const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' })
      .split('\n')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not Debian
  }
  candidates.push('/usr/local/bin', '/usr/local/pgsql/bin');
  return (
    candidates.find((dir) =>
      ['initdb', 'pg_ctl', 'postgres'].every((bin) => existsSync(path.join(dir, bin))),
    ) ?? null
  );
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startPgCluster(binDir: string): Promise<PgCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aiops-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = userIds('postgres');
    chownSync(dir, uid, gid);
  }
  const command = (bin: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, bin), ...args]]
      : [path.join(binDir, bin), args];
  const run = (bin: string, args: string[]) => {
    const result = spawnSync(...command(bin, args), { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(
        `${bin} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`,
      );
    }
  };
  // Asynchronous, so the app under test keeps running while the server goes down or comes up.
  const runAsync = async (bin: string, args: string[]) => {
    await execFileAsync(...command(bin, args), { cwd: dir });
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // A free port can be taken by someone else before the server binds it: then try another.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const options = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
    ].join(' ');
    let running = false;
    const cluster: PgCluster = {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      get running() {
        return running;
      },
      async start() {
        await runAsync('pg_ctl', [
          'start',
          '-w',
          '-t',
          '60',
          '-D',
          dataDir,
          '-l',
          path.join(dir, 'server.log'),
          '-o',
          options,
        ]);
        running = true;
      },
      async stop() {
        await runAsync('pg_ctl', ['stop', '-w', '-t', '60', '-m', 'fast', '-D', dataDir]);
        running = false;
      },
      destroy() {
        if (running) {
          try {
            run('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', dataDir]);
          } catch {
            // already down
          }
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
    try {
      await cluster.start();
      return cluster;
    } catch (error) {
      if (attempt >= 3) {
        cluster.destroy();
        throw error;
      }
    }
  }
}
