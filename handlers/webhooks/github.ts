/**
 * POST /webhooks/github — `pull_request` and `pull_request_review` events for fix PRs, verified with
 * `@octokit/webhooks` against GITHUB_WEBHOOK_SECRET (`X-Hub-Signature-256`): 401 unsigned or forged (or no secret
 * configured: PR state is polled then), 400 bad JSON, 202 once recorded. Events about other PRs are answered 202
 * and ignored; a replayed delivery tells the thread nothing twice.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode, ValidationError } from '../../src/errors.ts';
import { readBody, sendError, sendJson } from '../../src/http/io.ts';
import { type PrEvent, recordPrEvent } from '../../src/incidents/fixes.ts';

const login = z.object({ login: z.string().min(1).max(100) }).nullish();

export const pullRequestPayload = z.object({
  action: z.string().max(100),
  pull_request: z.object({
    number: z.number().int().positive(),
    merged: z.boolean().nullish(),
    merged_by: login,
  }),
  repository: z.object({ full_name: z.string().regex(/^[\w.-]+\/[\w.-]+$/) }),
  sender: login,
  requested_reviewer: login,
  requested_team: z.object({ slug: z.string().max(100) }).nullish(),
  review: z.object({ state: z.string().max(50), user: login }).nullish(),
});

type Payload = z.output<typeof pullRequestPayload>;

/** The PR event a delivery means for us, or null for actions we do not tell (edited, synchronize, …). */
export function prEventOf(event: string, payload: Payload): PrEvent | null {
  const base = { repo: payload.repository.full_name, number: payload.pull_request.number };
  const sender = payload.sender?.login;
  if (event === 'pull_request') {
    switch (payload.action) {
      case 'closed':
        return payload.pull_request.merged
          ? { ...base, status: 'merged', by: payload.pull_request.merged_by?.login ?? sender }
          : { ...base, status: 'closed', by: sender };
      case 'reopened':
        return { ...base, status: 'open', by: sender };
      case 'review_requested':
        return {
          ...base,
          status: 'review_requested',
          by: payload.requested_reviewer?.login ?? payload.requested_team?.slug,
        };
      case 'ready_for_review':
        return { ...base, status: 'ready_for_review', by: sender };
      default:
        return null;
    }
  }
  if (event === 'pull_request_review' && payload.action === 'submitted') {
    const state = payload.review?.state?.toLowerCase();
    if (state === 'approved' || state === 'changes_requested')
      return { ...base, status: state, by: payload.review?.user?.login ?? sender };
  }
  return null;
}

export function githubWebhook(deps: AppDeps) {
  const secret = deps.config.env.GITHUB_WEBHOOK_SECRET;
  const webhooks = secret ? new Webhooks({ secret }) : null;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (!webhooks) {
        throw new AiopsError(
          ErrorCode.Unauthorized,
          'GITHUB_WEBHOOK_SECRET is not set: GitHub webhooks are refused and fix-PR state is polled',
        );
      }
      const header = req.headers['x-hub-signature-256'];
      const signature = Array.isArray(header) ? header[0] : header;
      if (!signature) throw new AiopsError(ErrorCode.Unauthorized, 'missing X-Hub-Signature-256 header');
      const raw = (await readBody(req, deps.config.file.ingest.maxBodyBytes)).toString('utf8');
      let valid = false;
      try {
        valid = await webhooks.verify(raw, signature);
      } catch {
        valid = false; // a malformed signature header
      }
      if (!valid) throw new AiopsError(ErrorCode.Unauthorized, 'X-Hub-Signature-256 does not match');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new ValidationError(ErrorCode.InvalidJson, 'body is not valid JSON');
      }
      const eventHeader = req.headers['x-github-event'];
      const event = (Array.isArray(eventHeader) ? eventHeader[0] : eventHeader) ?? '';
      if (event === 'ping') return sendJson(res, 202, { ok: true, note: 'pong' });
      if (event !== 'pull_request' && event !== 'pull_request_review')
        return sendJson(res, 202, { recorded: false, note: `event ${event || '(none)'} is not used` });
      const parsed = pullRequestPayload.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') ?? '';
        throw new ValidationError(
          ErrorCode.SchemaViolation,
          `${field || 'body'}: ${issue?.message ?? 'invalid'}`,
          field,
        );
      }
      const prEvent = prEventOf(event, parsed.data);
      const recorded = prEvent ? await recordPrEvent(deps, prEvent) : false;
      if (recorded) deps.logger.info({ ...prEvent }, 'fix PR event recorded');
      sendJson(res, 202, { recorded });
    } catch (error) {
      const answer = sendError(res, error);
      (answer.status >= 500 ? deps.logger.error : deps.logger.warn).call(
        deps.logger,
        { status: answer.status, reason: answer.body.message, err: answer.status >= 500 ? error : undefined },
        'github webhook refused',
      );
    }
  };
}
