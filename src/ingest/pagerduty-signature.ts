import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * PagerDuty Webhooks V3 sign the raw body with HMAC-SHA256 per secret; during rotation the header
 * carries several entries: `X-PagerDuty-Signature: v1=abc…,v1=def…`. Accept when any entry matches any
 * of our secrets. Comparison is constant-time over equal-length digests.
 */
export function verifyPagerDutySignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!header || secrets.length === 0) return false;
  const offered = header
    .split(',')
    .map((entry) => entry.trim())
    // Exactly 64 hex digits: Buffer.from(…, 'hex') silently drops a trailing odd digit or garbage.
    .filter((entry) => /^v1=[0-9a-fA-F]{64}$/.test(entry))
    .map((entry) => Buffer.from(entry.slice(3), 'hex'));
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    for (const candidate of offered) {
      // Every pair is compared (no early exit), so timing does not reveal which secret matched.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}

export function signPagerDutyBody(rawBody: Buffer | string, secret: string): string {
  return `v1=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
