/**
 * A real Prometheus Alertmanager as a child process, for integration tests: its own temp dir, storage and
 * loopback port, clustering off, one webhook receiver (bearer token, send_resolved) pointing at the app.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';

const CANDIDATES = ['prometheus-alertmanager', 'alertmanager'];

/** The Alertmanager binary (Debian names it prometheus-alertmanager), or null when none is installed. */
export function alertmanagerBinary(): string | null {
  const explicit = process.env.ALERTMANAGER_BIN;
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const paths = explicit ? [explicit] : CANDIDATES.flatMap((name) => dirs.map((dir) => path.join(dir, name)));
  for (const candidate of paths) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return null;
}

/** A port that was free a moment ago: listen on 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the port'))));
    });
  });
}

/** An alert as POST /api/v2/alerts takes it (postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** An alert as GET /api/v2/alerts answers (gettableAlert), reduced to what tests read. */
export interface GettableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export interface AlertmanagerOptions {
  /** Where the webhook receiver sends notifications; none: a null receiver (the benchmark's baseline). */
  webhookUrl?: string;
  /** Sent as `Authorization: Bearer <token>`; omit for no Authorization header. */
  bearerToken?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for /-/ready. */
  readyTimeoutMs?: number;
}

export interface RunningAlertmanager {
  url: string;
  dir: string;
  process: ChildProcess;
  /** Everything Alertmanager wrote to stdout/stderr (its logs), for assertion messages. */
  output(): string;
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  getAlerts(): Promise<GettableAlert[]>;
  /** Terminates the process (SIGTERM, then SIGKILL) and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export function alertmanagerConfig(options: AlertmanagerOptions): string {
  if (options.webhookUrl === undefined) {
    return toYaml({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] });
  }
  return toYaml({
    route: {
      receiver: 'aiops',
      group_by: options.groupBy ?? ['alertname', 'service'],
      group_wait: options.groupWait ?? '1s',
      group_interval: options.groupInterval ?? '1s',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: 'aiops',
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: true,
            ...(options.bearerToken
              ? { http_config: { authorization: { type: 'Bearer', credentials: options.bearerToken } } }
              : {}),
          },
        ],
      },
    ],
  });
}

// Children still running when the test process exits for any reason get killed with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function terminate(child: ChildProcess): Promise<void> {
  // A child that failed to spawn has no pid and never emits 'exit'.
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited(child);
    clearTimeout(timer);
  }
  running.delete(child);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function launch(binary: string, dir: string, port: number, options: AlertmanagerOptions) {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      `--log.level=${options.logLevel ?? 'info'}`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk) => chunks.push(String(chunk)));
  child.stderr?.on('data', (chunk) => chunks.push(String(chunk)));
  const state: { failure: string | null } = { failure: null };
  child.once('error', (error) => {
    state.failure ??= `could not be spawned: ${error.message}`;
  });
  child.once('exit', (code, signal) => {
    state.failure ??= `exited early (code ${code}, signal ${signal})`;
  });
  const output = () => chunks.join('');

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (state.failure) {
      await terminate(child);
      return { ok: false as const, reason: state.failure, output };
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { ok: true as const, child, url, output };
    await delay(100);
  }
  await terminate(child);
  return { ok: false as const, reason: 'not ready in time', output };
}

/** Starts Alertmanager and resolves once /-/ready answers 200. Retries on a new port if the port was taken. */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const binary = alertmanagerBinary();
  if (!binary) throw new Error('Alertmanager is not installed (apt-get install prometheus-alertmanager)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aiops-alertmanager-'));
  await writeFile(path.join(dir, 'alertmanager.yml'), alertmanagerConfig(options));

  let lastFailure = '';
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const started = await launch(binary, dir, await freePort(), options);
    if (!started.ok) {
      lastFailure = `${started.reason}\n${started.output()}`;
      continue;
    }
    const { child, url, output } = started;
    const call = async (method: 'GET' | 'POST', body?: unknown) => {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`Alertmanager ${method} /api/v2/alerts: ${response.status} ${text}`);
      return text;
    };
    return {
      url,
      dir,
      process: child,
      output,
      async postAlerts(alerts) {
        await call('POST', alerts);
      },
      async getAlerts() {
        return JSON.parse(await call('GET')) as GettableAlert[];
      },
      async stop() {
        await terminate(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`Alertmanager did not start: ${lastFailure}`);
}
