import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AiopsError, ErrorCode } from '../../src/errors.ts';

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function requireBearer(req: IncomingMessage, token: string | undefined, what: string): void {
  if (!token) return;
  const header = req.headers.authorization;
  if (!header)
    throw new AiopsError(
      ErrorCode.Unauthorized,
      `missing Authorization header: ${what} expects "Bearer <token>"`,
    );
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match)
    throw new AiopsError(ErrorCode.Unauthorized, `Authorization header is not of the form "Bearer <token>"`);
  if (!safeEqual(match[1] as string, token))
    throw new AiopsError(ErrorCode.Unauthorized, `wrong bearer token for ${what}`);
}
