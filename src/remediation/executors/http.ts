/**
 * The HTTP-job executor: triggers a named job on an automation system (AWX, Rundeck, a CI pipeline,
 * any webhook) declared in `aiops.yml` under `remediation.http.jobs`. The action only names the job and,
 * optionally, values for the parameters the job declares; the URL, method and secret come from config.
 *
 * Request: `METHOD url` with a JSON body
 *   `{ "action": "run"|"rollback", "job", "actionId", "incidentId"?, "approvedBy": [...], "params": {...} }`
 * and, per `auth`:
 * - `hmac` (default): `X-Aiops-Timestamp: <unix seconds>` and
 *   `X-Aiops-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` — the receiver
 *   recomputes it over the raw body and refuses stale timestamps, so a captured request cannot be replayed;
 * - `bearer`: `Authorization: Bearer <secret>` (AWX, Rundeck tokens, most CI APIs);
 * - `none`: neither (a receiver on a trusted network; not recommended).
 * `Idempotency-Key: aiops-<actionId>-<run|rollback>` lets a receiver drop a duplicate.
 * With `format: awx` the body is AWX's launch body instead: `{ "extra_vars": { aiops_action_id, … } }`.
 *
 * Redirects are not followed (a redirect would resend or drop the signed body); a 3xx is a failure that
 * names the Location to configure instead. The response status and body (redacted, bounded) are stored.
 * Dry run sends nothing: it describes the request. Rollback exists only when the job names a `rollback`
 * job, which is then run with the same params.
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type {
  DryRunResult,
  ExecutionContext,
  Executor,
  Json,
  RemediationAction,
  RunResult,
} from '../types.ts';
import { boundedOutput, errorMessage, formatDuration } from './common.ts';

export interface HttpJobOptions {
  url: string;
  /** Default POST. */
  method?: 'POST' | 'PUT' | 'PATCH';
  /** Name of the environment variable holding the secret (HMAC key or bearer token). */
  secretEnv?: string;
  /** Default `hmac` (needs `secretEnv`). */
  auth?: 'hmac' | 'bearer' | 'none';
  /** Default `aiops`; `awx` sends `{ extra_vars: {...} }` as AWX's job-template launch expects. */
  format?: 'aiops' | 'awx';
  /** Parameter names an action may pass to this job; any other is refused. Default: none. */
  params?: string[];
  /** Name of another job in `jobs` that undoes this one (run with the same params). */
  rollback?: string;
  /** Default 30. */
  timeoutSeconds?: number;
}

export interface HttpExecutorOptions {
  jobs: Record<string, HttpJobOptions>;
}

export interface HttpExecutorDeps {
  clock: Clock;
  /** Where `secretEnv` is looked up; `process.env` in production. */
  env: Record<string, string | undefined>;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

type HttpJobAction = Extract<RemediationAction, { kind: 'http-job' }>;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const PARAM_VALUE_MAX = 1_000;
/** Most of a response body that is read; the rest is not downloaded. */
const RESPONSE_READ_MAX = 256 * 1024;

function isHttpJob(action: RemediationAction): action is HttpJobAction {
  return action.kind === 'http-job';
}

/** The URL as shown in Slack and stored: no userinfo, no query (either may carry a token). */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

export class HttpJobExecutor implements Executor {
  readonly name = 'http' as const;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly options: HttpExecutorOptions,
    private readonly deps: HttpExecutorDeps,
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
  }

  handles(action: RemediationAction): boolean {
    return isHttpJob(action);
  }

  refuse(action: RemediationAction): string | null {
    if (!isHttpJob(action)) return `the HTTP-job executor does not run ${action.kind} actions`;
    return this.refuseJob(action.job, action.params);
  }

  private refuseJob(name: string, params: Record<string, string> | undefined): string | null {
    const job = Object.hasOwn(this.options.jobs, name) ? this.options.jobs[name] : undefined;
    if (!job) return `HTTP job "${name}" is not configured under remediation.http.jobs`;
    let url: URL;
    try {
      url = new URL(job.url);
    } catch {
      return `HTTP job "${name}" has an invalid url`;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return `HTTP job "${name}" url must be http(s), not ${url.protocol}`;
    }
    const auth = job.auth ?? 'hmac';
    if (auth !== 'none') {
      if (!job.secretEnv) return `HTTP job "${name}" uses ${auth} auth but names no secretEnv`;
      if (!this.deps.env[job.secretEnv])
        return `HTTP job "${name}": environment variable ${job.secretEnv} is not set`;
    }
    const allowed = new Set(job.params ?? []);
    for (const [key, value] of Object.entries(params ?? {})) {
      if (!allowed.has(key)) return `HTTP job "${name}" does not accept the parameter "${key}"`;
      if (!PARAM_NAME.test(key)) return `HTTP job "${name}": invalid parameter name "${key}"`;
      if (typeof value !== 'string' || value.length > PARAM_VALUE_MAX || value.includes('\u0000')) {
        return `HTTP job "${name}": parameter "${key}" must be a string under ${PARAM_VALUE_MAX} characters`;
      }
    }
    return null;
  }

  async dryRun(action: RemediationAction, context: ExecutionContext): Promise<DryRunResult> {
    const refusal = this.refuse(action);
    if (refusal || !isHttpJob(action)) return { ok: false, summary: refusal ?? 'not an HTTP job' };
    const job = this.job(action.job);
    const body = this.body(job, action.job, 'run', action.params ?? {}, context);
    const auth = job.auth ?? 'hmac';
    return {
      ok: true,
      summary: `Would send ${job.method ?? 'POST'} ${displayUrl(job.url)} (HTTP job "${action.job}", ${
        auth === 'hmac' ? 'HMAC-signed' : auth === 'bearer' ? 'bearer token' : 'unauthenticated'
      }); nothing was sent.`,
      detail: boundedOutput(JSON.stringify(body, null, 2)),
    };
  }

  async capture(action: RemediationAction, _context?: ExecutionContext): Promise<Json> {
    if (!isHttpJob(action)) throw new Error(`not an HTTP job: ${action.kind}`);
    const job = this.job(action.job);
    // An outside job has no before-state we can read; keep what was targeted, for the audit log.
    return { job: action.job, method: job.method ?? 'POST', url: displayUrl(job.url) };
  }

  run(action: RemediationAction, _before: Json, context: ExecutionContext): Promise<RunResult> {
    if (!isHttpJob(action)) throw new Error(`not an HTTP job: ${action.kind}`);
    return this.send(action.job, 'run', action.params ?? {}, context);
  }

  canRollback(action: RemediationAction): boolean {
    if (!isHttpJob(action)) return false;
    const rollback = Object.hasOwn(this.options.jobs, action.job)
      ? this.options.jobs[action.job]?.rollback
      : undefined;
    return rollback !== undefined && Object.hasOwn(this.options.jobs, rollback);
  }

  rollback(action: RemediationAction, _before: Json, context: ExecutionContext): Promise<RunResult> {
    if (!isHttpJob(action) || !this.canRollback(action)) {
      return Promise.resolve({ ok: false, summary: 'this HTTP job declares no rollback job' });
    }
    const rollbackJob = this.job(action.job).rollback as string;
    return this.send(rollbackJob, 'rollback', action.params ?? {}, context);
  }

  private job(name: string): HttpJobOptions {
    const job = Object.hasOwn(this.options.jobs, name) ? this.options.jobs[name] : undefined;
    if (!job) throw new Error(`HTTP job "${name}" is not configured`);
    return job;
  }

  private body(
    job: HttpJobOptions,
    name: string,
    phase: 'run' | 'rollback',
    params: Record<string, string>,
    context: ExecutionContext,
  ): Json {
    if (job.format === 'awx') {
      return {
        extra_vars: {
          ...params,
          aiops_action: phase,
          aiops_job: name,
          aiops_action_id: context.actionId,
          ...(context.incidentId !== undefined ? { aiops_incident_id: context.incidentId } : {}),
          aiops_approved_by: context.approvedBy,
        },
      };
    }
    return {
      action: phase,
      job: name,
      actionId: context.actionId,
      ...(context.incidentId !== undefined ? { incidentId: context.incidentId } : {}),
      approvedBy: context.approvedBy,
      params,
    };
  }

  private async send(
    name: string,
    phase: 'run' | 'rollback',
    params: Record<string, string>,
    context: ExecutionContext,
  ): Promise<RunResult> {
    const refusal = this.refuseJob(name, params);
    if (refusal) return { ok: false, summary: refusal };
    const job = this.job(name);
    const method = job.method ?? 'POST';
    const raw = JSON.stringify(this.body(job, name, phase, params, context));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
      'user-agent': 'aiops-bot',
      'idempotency-key': `aiops-${context.actionId}-${phase}`,
    };
    const auth = job.auth ?? 'hmac';
    const secret = job.secretEnv ? (this.deps.env[job.secretEnv] ?? '') : '';
    const started = this.deps.clock.now().getTime();
    if (auth === 'hmac') {
      const timestamp = String(Math.floor(started / 1000));
      headers['x-aiops-timestamp'] = timestamp;
      headers['x-aiops-signature'] =
        `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
    } else if (auth === 'bearer') {
      headers.authorization = `Bearer ${secret}`;
    }
    const timeoutSeconds = job.timeoutSeconds ?? 30;
    const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutSeconds * 1000)]);
    const target = `${method} ${displayUrl(job.url)}`;
    const label = phase === 'run' ? `HTTP job "${name}"` : `rollback HTTP job "${name}"`;
    let response: Response;
    try {
      response = await this.fetch(job.url, { method, headers, body: raw, redirect: 'manual', signal });
    } catch (error) {
      const elapsed = formatDuration(this.deps.clock.now().getTime() - started);
      const timedOut = signal.aborted && !context.signal.aborted;
      return {
        ok: false,
        summary: timedOut
          ? `${label}: ${target} did not answer within ${timeoutSeconds} s; the job may have started — check the automation system`
          : `${label}: ${target} failed after ${elapsed}: ${redactMessage(errorMessage(error))}`,
        after: { job: name, status: null },
      };
    }
    const text = await readBounded(response, signal).catch(
      (error) => `(body not read: ${errorMessage(error)})`,
    );
    const elapsed = formatDuration(this.deps.clock.now().getTime() - started);
    const statusLine = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const output = boundedOutput(text);
    const after: Json = { job: name, status: response.status };
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      return {
        ok: false,
        summary: `${label}: ${target} answered ${statusLine}, a redirect${
          location ? ` to ${displayUrl(new URL(location, job.url).href)}` : ''
        }; redirects are not followed — configure the final URL`,
        output,
        after,
      };
    }
    return {
      ok: response.ok,
      summary: `${label}: ${target} → ${statusLine} in ${elapsed}`,
      output,
      after,
    };
  }
}

function redactMessage(message: string): string {
  return boundedOutput(message, 500);
}

/** Reads at most RESPONSE_READ_MAX bytes of the body as text, then stops downloading. */
async function readBounded(response: Response, signal: AbortSignal): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= RESPONSE_READ_MAX) {
        truncated = true;
        break;
      }
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(
    Buffer.concat(chunks).subarray(0, RESPONSE_READ_MAX),
  );
  return truncated ? `${text}\n… [response cut at ${RESPONSE_READ_MAX} bytes]` : text;
}
