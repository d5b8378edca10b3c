/**
 * The Ansible executor: runs `ansible-playbook` as a subprocess — an argument vector, never a shell
 * string — for a `run-playbook` action.
 *
 * - The playbook is a name inside `remediation.ansible.playbookDir` (`restart-app.yml`, or `restart-app`
 *   for `restart-app.yml`/`.yaml`): no absolute path, no `..`, nothing starting with `-`, and its real
 *   path (symlinks resolved) must stay inside the directory.
 * - The inventory is the configured one. `--limit` comes only from the action's `limit`: one host name or
 *   a comma-separated list of host names (no patterns, no `@file`, no `!`/`&`), each matching one of
 *   `remediation.ansible.hosts` (globs with `*`). An action without a limit is refused: a playbook never
 *   runs on every host of its play by surprise. No extra vars come from the action; the only inputs are
 *   the playbook, the inventory and the limit.
 * - Dry run = `--check --diff`. The process runs in its own process group; at `timeoutSeconds` (or when
 *   the execution is aborted) the whole group gets SIGTERM, then SIGKILL after `killGraceSeconds`.
 * - stdout and stderr are captured together (bounded: head and tail), redacted, then cut to an excerpt;
 *   the summary is built from the PLAY RECAP. "No hosts matched" is a failure, not a success.
 * - The child gets a minimal environment (PATH, HOME, locale, SSH agent, ANSIBLE_* settings), not the
 *   bot's: Slack, GitHub and database credentials stay out of playbooks and modules.
 * - Rollback = the playbook's declared rollback playbook (`rollbacks`), run with the same limit; none
 *   declared, no rollback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Clock } from '../../clock.ts';
import type {
  DryRunResult,
  ExecutionContext,
  Executor,
  Json,
  RemediationAction,
  RunResult,
} from '../types.ts';
import { boundedOutput, errorMessage, formatDuration, globMatch } from './common.ts';

export interface AnsibleExecutorOptions {
  /** Directory holding the playbooks (relative to baseDir). */
  playbookDir: string;
  /** Inventory file or directory (relative to baseDir); absent: ansible's own default (ansible.cfg). */
  inventory?: string;
  /** Host patterns (`web-*`, `localhost`) a `--limit` may name. */
  hosts: string[];
  /** Default 300. */
  timeoutSeconds?: number;
  /** Playbook → the playbook that undoes it, both inside playbookDir. */
  rollbacks?: Record<string, string>;
  /** Default `ansible-playbook` (looked up on PATH). */
  binary?: string;
  /** Between SIGTERM and SIGKILL of the process group; default 10. */
  killGraceSeconds?: number;
}

export interface AnsibleExecutorDeps {
  clock: Clock;
  /** The environment the child's minimal environment is picked from (`process.env` in production). */
  env: Record<string, string | undefined>;
  baseDir?: string;
}

type PlaybookAction = Extract<RemediationAction, { kind: 'run-playbook' }>;

const PLAYBOOK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MAX_HOSTS = 20;
/** Captured output kept in memory: the head and the tail of what the process printed. */
const CAPTURE_HEAD = 64 * 1024;
const CAPTURE_TAIL = 448 * 1024;
/** What the child gets from the bot's environment (besides ANSIBLE_*): never the bot's own secrets. */
export const ANSIBLE_PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'TZ',
];

function isPlaybook(action: RemediationAction): action is PlaybookAction {
  return action.kind === 'run-playbook';
}

interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  killedFor: 'timeout' | 'abort' | null;
  error: string | null;
}

/** Interleaved stdout+stderr, keeping the first CAPTURE_HEAD and the last CAPTURE_TAIL characters. */
class Capture {
  private head = '';
  private tail = '';
  private dropped = 0;

  push(chunk: string): void {
    if (this.head.length < CAPTURE_HEAD) {
      const room = CAPTURE_HEAD - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (!chunk) return;
    this.tail += chunk;
    if (this.tail.length > CAPTURE_TAIL * 2) {
      const cut = this.tail.length - CAPTURE_TAIL;
      this.dropped += cut;
      this.tail = this.tail.slice(cut);
    }
  }

  text(): string {
    let tail = this.tail;
    if (tail.length > CAPTURE_TAIL) {
      this.dropped += tail.length - CAPTURE_TAIL;
      tail = tail.slice(tail.length - CAPTURE_TAIL);
      this.tail = tail;
    }
    return this.dropped > 0
      ? `${this.head}\n… [${this.dropped} characters not kept] …\n${tail}`
      : this.head + tail;
  }
}

export interface PlayRecap {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

/** The PLAY RECAP lines of ansible-playbook's default output. */
export function parseRecap(output: string): PlayRecap[] {
  const recap: PlayRecap[] = [];
  const start = output.lastIndexOf('PLAY RECAP');
  if (start < 0) return recap;
  const line =
    /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?/gm;
  for (const match of output.slice(start).matchAll(line)) {
    recap.push({
      host: match[1] ?? '',
      ok: Number(match[2]),
      changed: Number(match[3]),
      unreachable: Number(match[4]),
      failed: Number(match[5]),
      skipped: Number(match[6] ?? 0),
    });
  }
  return recap;
}

export class AnsibleExecutor implements Executor {
  readonly name = 'ansible' as const;

  constructor(
    private readonly options: AnsibleExecutorOptions,
    private readonly deps: AnsibleExecutorDeps,
  ) {}

  handles(action: RemediationAction): boolean {
    return isPlaybook(action);
  }

  private get base(): string {
    return this.deps.baseDir ?? process.cwd();
  }

  /** The playbook's real path inside playbookDir, or why not. */
  resolvePlaybook(name: string): { path: string; name: string } | { refusal: string } {
    if (
      name.includes('\u0000') ||
      !PLAYBOOK_NAME.test(name) ||
      name.split('/').some((part) => part === '..' || part === '')
    ) {
      return { refusal: `playbook "${name}" is not a plain name inside remediation.ansible.playbookDir` };
    }
    let dir: string;
    try {
      dir = realpathSync(resolve(this.base, this.options.playbookDir));
    } catch {
      return { refusal: `remediation.ansible.playbookDir ${this.options.playbookDir} does not exist` };
    }
    const candidates = /\.ya?ml$/.test(name) ? [name] : [name, `${name}.yml`, `${name}.yaml`];
    for (const candidate of candidates) {
      const joined = resolve(dir, candidate);
      if (!existsSync(joined)) continue;
      let real: string;
      try {
        real = realpathSync(joined);
      } catch {
        continue;
      }
      const inside = relative(dir, real);
      if (inside.startsWith('..') || isAbsolute(inside) || !real.startsWith(dir + sep)) {
        return { refusal: `playbook "${name}" resolves outside remediation.ansible.playbookDir` };
      }
      if (!statSync(real).isFile()) return { refusal: `playbook "${name}" is not a file` };
      return { path: real, name: candidate };
    }
    return { refusal: `playbook "${name}" not found in remediation.ansible.playbookDir` };
  }

  private refuseLimit(limit: string | undefined): string | null {
    if (limit === undefined || limit.trim() === '') {
      return 'run-playbook needs a limit: the host(s) to run on, matching remediation.ansible.hosts';
    }
    const hosts = limit.split(',').map((host) => host.trim());
    if (hosts.length > MAX_HOSTS) return `limit names more than ${MAX_HOSTS} hosts`;
    for (const host of hosts) {
      if (!HOST_NAME.test(host)) {
        return `limit "${limit}" must be host names separated by commas (no patterns, groups operators or @files)`;
      }
      if (!this.options.hosts.some((pattern) => globMatch(pattern, host))) {
        return `host "${host}" is not in remediation.ansible.hosts (${this.options.hosts.join(', ') || 'none'})`;
      }
    }
    return null;
  }

  refuse(action: RemediationAction): string | null {
    if (!isPlaybook(action)) return `the Ansible executor does not run ${action.kind} actions`;
    const playbook = this.resolvePlaybook(action.playbook);
    if ('refusal' in playbook) return playbook.refusal;
    const limit = this.refuseLimit(action.limit);
    if (limit) return limit;
    if (this.options.inventory !== undefined && !existsSync(resolve(this.base, this.options.inventory))) {
      return `remediation.ansible.inventory ${this.options.inventory} does not exist`;
    }
    return null;
  }

  private rollbackName(action: PlaybookAction): string | undefined {
    const rollbacks = this.options.rollbacks ?? {};
    const resolved = this.resolvePlaybook(action.playbook);
    const keys = [action.playbook, ...('name' in resolved ? [resolved.name] : [])];
    for (const key of keys) if (Object.hasOwn(rollbacks, key)) return rollbacks[key];
    return undefined;
  }

  canRollback(action: RemediationAction): boolean {
    if (!isPlaybook(action)) return false;
    const name = this.rollbackName(action);
    return name !== undefined && 'path' in this.resolvePlaybook(name);
  }

  async capture(action: RemediationAction, _context?: ExecutionContext): Promise<Json> {
    if (!isPlaybook(action)) throw new Error(`not a playbook action: ${action.kind}`);
    const refusal = this.refuse(action);
    if (refusal) throw new Error(refusal);
    // A playbook's before-state is not readable in general; its rollback is a playbook too.
    return {
      playbook: action.playbook,
      limit: action.limit ?? null,
      inventory: this.options.inventory ?? null,
      rollbackPlaybook: this.rollbackName(action) ?? null,
    };
  }

  async dryRun(action: RemediationAction, context: ExecutionContext): Promise<DryRunResult> {
    const result = await this.play(action, 'check', context);
    return { ok: result.ok, summary: result.summary, ...(result.output ? { detail: result.output } : {}) };
  }

  run(action: RemediationAction, _before: Json, context: ExecutionContext): Promise<RunResult> {
    return this.play(action, 'run', context);
  }

  async rollback(action: RemediationAction, _before: Json, context: ExecutionContext): Promise<RunResult> {
    if (!isPlaybook(action) || !this.canRollback(action)) {
      return {
        ok: false,
        summary: 'this playbook declares no rollback playbook (remediation.ansible.rollbacks)',
      };
    }
    const name = this.rollbackName(action) as string;
    return this.play({ ...action, playbook: name }, 'rollback', context);
  }

  private async play(
    action: RemediationAction,
    mode: 'check' | 'run' | 'rollback',
    context: ExecutionContext,
  ): Promise<RunResult> {
    const refusal = this.refuse(action);
    if (refusal || !isPlaybook(action)) return { ok: false, summary: refusal ?? 'not a playbook action' };
    const playbook = this.resolvePlaybook(action.playbook) as { path: string; name: string };
    const limit = (action.limit ?? '')
      .split(',')
      .map((host) => host.trim())
      .join(',');
    const args = [
      ...(this.options.inventory !== undefined ? ['-i', resolve(this.base, this.options.inventory)] : []),
      '--limit',
      limit,
    ];
    if (mode === 'check') args.push('--check', '--diff');
    args.push(playbook.path);
    const started = this.deps.clock.now().getTime();
    const result = await this.spawn(args, context);
    const elapsed = formatDuration(this.deps.clock.now().getTime() - started);
    const output = boundedOutput(result.output);
    const what =
      mode === 'check'
        ? `dry run (--check --diff) of playbook ${playbook.name} on ${limit}`
        : mode === 'rollback'
          ? `rollback playbook ${playbook.name} on ${limit}`
          : `playbook ${playbook.name} on ${limit}`;
    const timeout = this.options.timeoutSeconds ?? 300;
    if (result.error) return { ok: false, summary: `${what} could not start: ${result.error}`, output };
    if (result.killedFor === 'timeout') {
      return { ok: false, summary: `${what} was killed after its ${timeout} s timeout`, output };
    }
    if (result.killedFor === 'abort') {
      const reason = context.signal.reason instanceof Error ? context.signal.reason.message : 'aborted';
      return { ok: false, summary: `${what} was stopped after ${elapsed} (${reason})`, output };
    }
    const recap = parseRecap(result.output);
    const totals = recap.reduce(
      (sum, host) => ({
        ok: sum.ok + host.ok,
        changed: sum.changed + host.changed,
        failed: sum.failed + host.failed,
        unreachable: sum.unreachable + host.unreachable,
      }),
      { ok: 0, changed: 0, failed: 0, unreachable: 0 },
    );
    const after: Json = {
      playbook: playbook.name,
      limit,
      exitCode: result.code,
      recap: recap as unknown as Json,
    };
    if (
      recap.length === 0 &&
      /no hosts matched|provided hosts list is empty|Could not match supplied host pattern/i.test(
        result.output,
      )
    ) {
      return {
        ok: false,
        summary: `${what}: no host of the inventory matched ${limit}; nothing ran`,
        output,
        after,
      };
    }
    const counts = `ok=${totals.ok} changed=${totals.changed} failed=${totals.failed} unreachable=${totals.unreachable}`;
    if (result.code !== 0) {
      const how = result.code === null ? `was killed by ${result.signal}` : `exited with ${result.code}`;
      return { ok: false, summary: `${what} ${how} (${counts}) after ${elapsed}`, output, after };
    }
    const verb =
      mode === 'check'
        ? `would change ${totals.changed} task${totals.changed === 1 ? '' : 's'}`
        : 'succeeded';
    return { ok: true, summary: `${what} ${verb} (${counts}) in ${elapsed}`, output, after };
  }

  private childEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.deps.env)) {
      if (value === undefined) continue;
      if (ANSIBLE_PASSED_ENV.includes(key) || key.startsWith('ANSIBLE_')) env[key] = value;
    }
    env.ANSIBLE_NOCOLOR = '1';
    env.ANSIBLE_FORCE_COLOR = '0';
    env.ANSIBLE_RETRY_FILES_ENABLED = '0';
    env.PYTHONUNBUFFERED = '1';
    return env;
  }

  private spawn(args: string[], context: ExecutionContext): Promise<ProcessResult> {
    const binary = this.options.binary ?? 'ansible-playbook';
    const timeoutMs = (this.options.timeoutSeconds ?? 300) * 1000;
    const graceMs = (this.options.killGraceSeconds ?? 10) * 1000;
    const capture = new Capture();
    return new Promise<ProcessResult>((done) => {
      let child: ChildProcess;
      let killedFor: ProcessResult['killedFor'] = null;
      let spawnError: string | null = null;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      try {
        child = spawn(binary, args, {
          cwd: resolve(this.base, this.options.playbookDir),
          env: this.childEnv(),
          detached: true, // its own process group, so a timeout kills the playbook's children too
          stdio: ['ignore', 'pipe', 'pipe'],
          shell: false,
        });
      } catch (error) {
        done({ code: null, signal: null, output: '', killedFor: null, error: errorMessage(error) });
        return;
      }
      const killGroup = (signal: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // the group is already gone
        }
      };
      const stop = (reason: 'timeout' | 'abort') => {
        if (killedFor || settled) return;
        killedFor = reason;
        killGroup('SIGTERM');
        const hard = setTimeout(() => killGroup('SIGKILL'), graceMs);
        hard.unref();
        timers.push(hard);
      };
      const onAbort = () => stop('abort');
      if (context.signal.aborted) queueMicrotask(onAbort);
      else context.signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => stop('timeout'), timeoutMs);
      timers.push(timer);
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => capture.push(chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => capture.push(chunk));
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        context.signal.removeEventListener('abort', onAbort);
        // Whatever the playbook left behind in its group goes with it.
        if (killedFor) killGroup('SIGKILL');
        done({ code, signal, output: capture.text(), killedFor, error: spawnError });
      };
      child.on('error', (error) => {
        spawnError = errorMessage(error);
        finish(null, null);
      });
      child.on('exit', (code, signal) => {
        // Let the pipes drain, but do not wait on a grandchild that kept them open.
        const drain = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish(code, signal);
        }, 1_000);
        drain.unref();
        child.on('close', () => {
          clearTimeout(drain);
          finish(code, signal);
        });
      });
    });
  }
}
