import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { verifyPagerDutySignature } from '../../src/ingest/pagerduty-signature.ts';
import { receiveWebhook } from './receive.ts';

/** POST /webhooks/pagerduty — PagerDuty Webhooks V3, HMAC-verified when PAGERDUTY_WEBHOOK_SECRETS is set. */
export function pagerdutyWebhook(deps: AppDeps) {
  const secrets = deps.config.env.PAGERDUTY_WEBHOOK_SECRETS;
  const verify = (req: IncomingMessage, rawBody: Buffer) => {
    if (secrets.length === 0) return;
    const header = req.headers['x-pagerduty-signature'];
    const value = Array.isArray(header) ? header.join(',') : header;
    if (!value) throw new AiopsError(ErrorCode.Unauthorized, 'missing X-PagerDuty-Signature header');
    if (!verifyPagerDutySignature(rawBody, value, secrets)) {
      throw new AiopsError(
        ErrorCode.Unauthorized,
        'X-PagerDuty-Signature does not match any configured secret',
      );
    }
  };
  return (req: IncomingMessage, res: ServerResponse) =>
    receiveWebhook(deps, 'pagerduty', { afterBody: verify }, req, res, (request) => {
      const id = request.headers['x-webhook-id'];
      return { webhookId: Array.isArray(id) ? id[0] : id };
    });
}
