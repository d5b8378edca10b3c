/**
 * The HTTP-job executor against a local node:http receiver that verifies the HMAC signature the way a
 * real receiver would (over the raw body, with the timestamp), records every request, and answers
 * per path: success, failure, redirect, a hang, a huge body.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import {
  createExecutors,
  type HttpExecutorOptions,
  HttpJobExecutor,
} from '../../src/remediation/executors/index.ts';
import type { ExecutionContext, RemediationAction } from '../../src/remediation/types.ts';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  signatureValid: boolean | null;
}

const SECRET = 'hmac-secret-for-tests';
const TOKEN = 'awx-token-for-tests';

describe('HTTP-job executor', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  const hanging = new Set<() => void>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const timestamp = req.headers['x-aiops-timestamp'];
        const signature = req.headers['x-aiops-signature'];
        let signatureValid: boolean | null = null;
        if (typeof signature === 'string' && typeof timestamp === 'string') {
          const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex')}`;
          signatureValid =
            expected.length === signature.length &&
            timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
        }
        const path = req.url ?? '/';
        received.push({ method: req.method ?? '', path, headers: req.headers, raw, signatureValid });
        if (path.startsWith('/hang')) {
          hanging.add(() => res.destroy());
          return;
        }
        if (path.startsWith('/fail')) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":"template is busy","password":"hunter2-in-response"}');
          return;
        }
        if (path.startsWith('/moved')) {
          res.writeHead(302, { location: '/ok?token=leaky' });
          res.end();
          return;
        }
        if (path.startsWith('/huge')) {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`${'x'.repeat(2_000_000)}END`);
          return;
        }
        if (signatureValid === false) {
          res.writeHead(401).end('bad signature');
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            job: 42,
            status: 'pending',
            note: 'Authorization: Bearer abcdefghijklmnop123456',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const destroy of hanging) destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
  });

  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const env = { WEBHOOK_SECRET: SECRET, AWX_TOKEN: TOKEN };
  const jobs = (): HttpExecutorOptions => ({
    jobs: {
      'restart-web': {
        url: `${base}/ok/launch`,
        secretEnv: 'WEBHOOK_SECRET',
        params: ['host'],
        rollback: 'undo-web',
      },
      'undo-web': { url: `${base}/ok/undo`, secretEnv: 'WEBHOOK_SECRET', params: ['host'] },
      awx: {
        url: `${base}/ok/api/v2/job_templates/12/launch/?token=q`,
        secretEnv: 'AWX_TOKEN',
        auth: 'bearer',
        format: 'awx',
      },
      failing: { url: `${base}/fail`, secretEnv: 'WEBHOOK_SECRET' },
      moved: { url: `${base}/moved`, secretEnv: 'WEBHOOK_SECRET' },
      hanging: { url: `${base}/hang`, secretEnv: 'WEBHOOK_SECRET', timeoutSeconds: 0.3 },
      huge: { url: `${base}/huge`, secretEnv: 'WEBHOOK_SECRET' },
      unsigned: { url: `${base}/ok/open`, auth: 'none', method: 'PUT' },
      nosecret: { url: `${base}/ok/x`, secretEnv: 'NOT_SET_ANYWHERE' },
    },
  });
  const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
    actionId: 7,
    incidentId: 3,
    approvedBy: ['U0ALICE', 'U0BOB'],
    signal: new AbortController().signal,
    ...over,
  });
  const job = (name: string, params?: Record<string, string>): RemediationAction => ({
    kind: 'http-job',
    job: name,
    ...(params ? { params } : {}),
  });
  const executor = () => new HttpJobExecutor(jobs(), { clock, env });

  it('sends the HMAC-signed body once, with the timestamp in the signed string, and stores the answer redacted', async () => {
    const ex = executor();
    const action = job('restart-web', { host: 'web-1' });
    expect(ex.refuse(action)).toBeNull();
    const before = await ex.capture(action, context());
    expect(before).toEqual({ job: 'restart-web', method: 'POST', url: `${base}/ok/launch` });
    const result = await ex.run(action, before, context());
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/ok/launch');
    expect(request?.signatureValid).toBe(true);
    expect(request?.headers['x-aiops-timestamp']).toBe(String(Date.parse('2026-03-01T10:00:00Z') / 1000));
    expect(request?.headers['idempotency-key']).toBe('aiops-7-run');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBeUndefined();
    expect(JSON.parse(request?.raw ?? '')).toEqual({
      action: 'run',
      job: 'restart-web',
      actionId: 7,
      incidentId: 3,
      approvedBy: ['U0ALICE', 'U0BOB'],
      params: { host: 'web-1' },
    });
    expect(result.ok).toBe(true);
    expect(result.summary).toBe(`HTTP job "restart-web": POST ${base}/ok/launch → 201 Created in 0.0 s`);
    expect(result.after).toEqual({ job: 'restart-web', status: 201 });
    expect(result.output).toContain('"job":42');
    expect(result.output).not.toContain('abcdefghijklmnop123456');
    expect(result.output).toContain('[REDACTED:');
  });

  it('a signature made with another secret, or over another body, does not verify (the receiver is the judge)', async () => {
    const ex = new HttpJobExecutor(jobs(), { clock, env: { ...env, WEBHOOK_SECRET: 'wrong-secret' } });
    const result = await ex.run(job('restart-web'), null, context());
    expect(received[0]?.signatureValid).toBe(false);
    expect(result.ok).toBe(false);
    expect(result.summary).toContain('401');
  });

  it('bearer auth and the AWX launch body; the query string (a token may be there) is never shown', async () => {
    const ex = executor();
    const result = await ex.run(job('awx'), null, context());
    const [request] = received;
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['x-aiops-signature']).toBeUndefined();
    expect(request?.path).toBe('/ok/api/v2/job_templates/12/launch/?token=q');
    expect(JSON.parse(request?.raw ?? '')).toEqual({
      extra_vars: {
        aiops_action: 'run',
        aiops_job: 'awx',
        aiops_action_id: 7,
        aiops_incident_id: 3,
        aiops_approved_by: ['U0ALICE', 'U0BOB'],
      },
    });
    expect(result.ok).toBe(true);
    expect(result.summary).toContain('/ok/api/v2/job_templates/12/launch/?…');
    expect(result.summary).not.toContain('token=q');
  });

  it('dry run sends nothing and describes the request without the secret', async () => {
    const ex = executor();
    const result = await ex.dryRun(job('restart-web', { host: 'web-1' }), context());
    expect(received).toHaveLength(0);
    expect(result.ok).toBe(true);
    expect(result.summary).toBe(
      `Would send POST ${base}/ok/launch (HTTP job "restart-web", HMAC-signed); nothing was sent.`,
    );
    expect(JSON.parse(result.detail ?? '')).toMatchObject({ action: 'run', params: { host: 'web-1' } });
    expect(result.detail).not.toContain(SECRET);
  });

  it('refuses an unknown job, a missing secret, an undeclared parameter and a NUL byte, before any request', async () => {
    const ex = executor();
    expect(ex.refuse(job('nope'))).toBe('HTTP job "nope" is not configured under remediation.http.jobs');
    expect(ex.refuse(job('__proto__'))).toBe(
      'HTTP job "__proto__" is not configured under remediation.http.jobs',
    );
    expect(ex.refuse(job('nosecret'))).toBe(
      'HTTP job "nosecret": environment variable NOT_SET_ANYWHERE is not set',
    );
    expect(ex.refuse(job('restart-web', { namespace: 'kube-system' }))).toBe(
      'HTTP job "restart-web" does not accept the parameter "namespace"',
    );
    expect(ex.refuse(job('restart-web', { host: 'web-1\u0000; rm -rf /' }))).toContain(
      'must be a string under',
    );
    expect(ex.refuse({ kind: 'restart', namespace: 'shop', name: 'web', workload: 'deployment' })).toContain(
      'does not run restart',
    );
    const result = await ex.run(job('restart-web', { namespace: 'kube-system' }), null, context());
    expect(result.ok).toBe(false);
    expect((await ex.dryRun(job('nope'), context())).ok).toBe(false);
    expect(received).toHaveLength(0);
  });

  it('a non-2xx answer is a failure whose body is stored redacted', async () => {
    const result = await executor().run(job('failing'), null, context());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(`HTTP job "failing": POST ${base}/fail → 500 Internal Server Error in 0.0 s`);
    expect(result.output).toContain('template is busy');
    expect(result.output).not.toContain('hunter2-in-response');
  });

  it('does not follow a redirect (it would resend or drop the signed body) and says where it points', async () => {
    const result = await executor().run(job('moved'), null, context());
    expect(received.map((r) => r.path)).toEqual(['/moved']);
    expect(result.ok).toBe(false);
    expect(result.summary).toContain('302');
    expect(result.summary).toContain(`redirect to ${base}/ok?…`);
    expect(result.summary).not.toContain('leaky');
  });

  it('a receiver that never answers is cut at the job timeout, and the summary says the job may have started', async () => {
    const result = await executor().run(job('hanging'), null, context());
    expect(result.ok).toBe(false);
    expect(result.summary).toContain('did not answer within 0.3 s; the job may have started');
  });

  it('stops when the execution is aborted (shutdown), saying so', async () => {
    const controller = new AbortController();
    const pending = executor().run(job('hanging'), null, context({ signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('shutting down'));
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(result.summary).toContain('failed after');
  });

  it('reads a huge answer only up to its bound and stores a bounded excerpt', async () => {
    const result = await executor().run(job('huge'), null, context());
    expect(result.ok).toBe(true);
    expect(result.output?.length).toBeLessThanOrEqual(8_000);
    expect(result.output).toContain('response cut at 262144 bytes');
  });

  it('an unauthenticated PUT job carries neither signature nor token', async () => {
    const result = await executor().run(job('unsigned'), null, context());
    expect(result.ok).toBe(true);
    expect(received[0]?.method).toBe('PUT');
    expect(received[0]?.headers['x-aiops-signature']).toBeUndefined();
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it('rollback runs the declared rollback job with the same params; a job without one has no rollback', async () => {
    const ex = executor();
    expect(ex.canRollback(job('restart-web'))).toBe(true);
    expect(ex.canRollback(job('failing'))).toBe(false);
    const result = await ex.rollback(job('restart-web', { host: 'web-1' }), null, context());
    expect(result.ok).toBe(true);
    expect(result.summary).toContain('rollback HTTP job "undo-web"');
    expect(received[0]?.path).toBe('/ok/undo');
    expect(received[0]?.headers['idempotency-key']).toBe('aiops-7-rollback');
    expect(JSON.parse(received[0]?.raw ?? '')).toMatchObject({
      action: 'rollback',
      job: 'undo-web',
      params: { host: 'web-1' },
    });
    const none = await ex.rollback(job('failing'), null, context());
    expect(none.ok).toBe(false);
    expect(received).toHaveLength(1);
  });

  it('createExecutors: only configured executors exist, and an unconfigured kind is refused with what to configure', () => {
    const executors = createExecutors({ http: jobs() }, { clock, env });
    expect(executors.all.map((e) => e.name)).toEqual(['http']);
    expect(executors.forAction(job('restart-web'))?.name).toBe('http');
    expect(executors.refuse(job('restart-web'))).toBeNull();
    expect(
      executors.refuse({ kind: 'restart', namespace: 'shop', name: 'web', workload: 'deployment' }),
    ).toBe('no executor for restart actions: remediation.kubernetes is not configured');
    expect(createExecutors({}, { clock, env }).refuse(job('restart-web'))).toBe(
      'no executor for http-job actions: remediation.http is not configured',
    );
  });
});
