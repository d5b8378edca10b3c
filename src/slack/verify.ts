/**
 * Verification of POST /slack/events before Bolt parses anything: Slack's `v0` HMAC-SHA256 signature of
 * `v0:<timestamp>:<raw body>` with the signing secret, and a timestamp within 5 minutes of the app's clock
 * **either way**. Bolt's own check (verify-request.ts) refuses only old timestamps and reads the wall
 * clock, so a request signed for 6 minutes in the future stayed good for 11 minutes (issue 10); here the
 * clock is a dependency, so tests control time.
 *
 * What is left of a replay inside the window — the same signed bytes sent again — is caught by the
 * receipts (receipts.ts), keyed by Slack's ids.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Slack's window: a request whose timestamp is further than this from now, either way, is refused. */
export const SLACK_MAX_SKEW_SEC = 5 * 60;

export type SlackVerification = { ok: true } | { ok: false; reason: string };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};

export function verifySlackRequest(input: {
  signingSecret: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  now: Date;
}): SlackVerification {
  const timestamp = header(input.headers, 'x-slack-request-timestamp');
  const signature = header(input.headers, 'x-slack-signature');
  // Seconds since the epoch, digits only: `1.5`, `1e9`, ` 17…` or a second header are no timestamp.
  if (timestamp === undefined || !/^[0-9]{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'missing or malformed x-slack-request-timestamp' };
  }
  const skewSec = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (skewSec > SLACK_MAX_SKEW_SEC) {
    return { ok: false, reason: `x-slack-request-timestamp is ${skewSec} s off the clock (limit 300 s)` };
  }
  const match = signature === undefined ? null : /^v0=([0-9a-fA-F]{64})$/.exec(signature);
  if (!match?.[1]) return { ok: false, reason: 'missing or malformed x-slack-signature' };
  const expected = createHmac('sha256', input.signingSecret)
    .update(`v0:${timestamp}:`)
    .update(input.body)
    .digest();
  if (!timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}
