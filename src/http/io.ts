import type { IncomingMessage, ServerResponse } from 'node:http';
import { AiopsError, asCodedError, ErrorCode, ValidationError } from '../errors.ts';

/** Reads the whole body, refusing (413) as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): AiopsError {
  return new AiopsError(ErrorCode.PayloadTooLarge, `request body is larger than the limit of ${limit} bytes`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidJson]: 400,
  [ErrorCode.SchemaViolation]: 400,
  [ErrorCode.UnsupportedPayload]: 400,
  [ErrorCode.BadUsage]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.FixUnavailable]: 422,
  [ErrorCode.DatabaseUnavailable]: 503,
};

export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string; field?: string };
}

/** The one mapping from errors to HTTP answers. Unknown errors become a 500 without internals. */
export function errorAnswer(error: unknown): ErrorAnswer {
  const coded = asCodedError(error);
  const status = STATUS_BY_CODE[coded.code] ?? 500;
  const message =
    status === 500
      ? 'internal error; the delivery was kept and can be retried'
      : status === 503
        ? 'database unavailable; nothing was stored, retry later'
        : coded.message;
  const body: ErrorAnswer['body'] = { error: coded.code, message };
  if (coded instanceof ValidationError && coded.field) body.field = coded.field;
  return { status, body };
}

export function sendError(res: ServerResponse, error: unknown): ErrorAnswer {
  const answer = errorAnswer(error);
  if (answer.status === 413 || answer.status === 503) res.setHeader('connection', 'close');
  if (answer.status === 503) res.setHeader('retry-after', '5');
  sendJson(res, answer.status, answer.body);
  return answer;
}

export function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
