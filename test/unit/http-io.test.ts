/** HTTP helpers: the one mapping from errors to answers, body reading with a size limit. */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  AiopsError,
  ConfigError,
  DatabaseUnavailableError,
  ErrorCode,
  ValidationError,
} from '../../src/errors.ts';
import { errorAnswer, isLoopback, readBody } from '../../src/http/io.ts';

describe('errorAnswer', () => {
  it.each([
    [ErrorCode.InvalidJson, 400],
    [ErrorCode.SchemaViolation, 400],
    [ErrorCode.UnsupportedPayload, 400],
    [ErrorCode.BadUsage, 400],
    [ErrorCode.Unauthorized, 401],
    [ErrorCode.Forbidden, 403],
    [ErrorCode.NotFound, 404],
    [ErrorCode.PayloadTooLarge, 413],
  ])('answers %s with %i and the message', (code, status) => {
    const answer = errorAnswer(new AiopsError(code, `something about ${code}`));
    expect(answer).toEqual({ status, body: { error: code, message: `something about ${code}` } });
  });

  it('includes the offending field of a validation error', () => {
    const error = new ValidationError(
      ErrorCode.SchemaViolation,
      'invalid: field alerts.0.labels',
      'alerts.0.labels',
    );
    expect(errorAnswer(error)).toEqual({
      status: 400,
      body: {
        error: ErrorCode.SchemaViolation,
        message: 'invalid: field alerts.0.labels',
        field: 'alerts.0.labels',
      },
    });
    expect(errorAnswer(new ValidationError(ErrorCode.InvalidJson, 'not JSON')).body).not.toHaveProperty(
      'field',
    );
  });

  it('hides the internals of an unknown error behind a 500', () => {
    const answer = errorAnswer(new Error('relation "secret_table" does not exist at /srv/app/src/db.ts:12'));
    expect(answer.status).toBe(500);
    expect(answer.body.error).toBe(ErrorCode.Unknown);
    expect(answer.body.message).not.toMatch(/secret_table|\/srv\/app/);
    expect(answer.body).not.toHaveProperty('field');
  });

  it('answers 500 for thrown non-errors and for codes without an HTTP meaning', () => {
    expect(errorAnswer('a string').status).toBe(500);
    expect(errorAnswer(undefined).status).toBe(500);
    const config = errorAnswer(new ConfigError('aiops.yml: token xoxb-123 is wrong'));
    expect(config.status).toBe(500);
    expect(config.body.message).not.toContain('xoxb-123');
  });

  it('answers 503 for an unavailable database, including raw connection errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (const error of [new DatabaseUnavailableError(new Error('down')), refused]) {
      const answer = errorAnswer(error);
      expect(answer.status).toBe(503);
      expect(answer.body.error).toBe(ErrorCode.DatabaseUnavailable);
      expect(answer.body.message).not.toContain('127.0.0.1');
    }
  });
});

function request(chunks: string[], headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), {
    headers,
  }) as unknown as IncomingMessage;
}

describe('readBody', () => {
  it('returns the whole body', async () => {
    const body = await readBody(request(['{"a":', '1}']), 100);
    expect(body.toString('utf8')).toBe('{"a":1}');
  });

  it('accepts a body exactly at the limit', async () => {
    expect((await readBody(request(['12345']), 5)).length).toBe(5);
  });

  it('refuses a body over the limit with PayloadTooLarge', async () => {
    await expect(readBody(request(['123', '456']), 5)).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
    });
  });

  it('refuses a declared content-length over the limit before reading', async () => {
    await expect(readBody(request([], { 'content-length': '6' }), 5)).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
    });
  });
});

describe('isLoopback', () => {
  it('knows the loopback addresses', () => {
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', undefined].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
