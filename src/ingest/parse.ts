import { z } from 'zod';
import { ErrorCode, ValidationError } from '../errors.ts';

export function parseJsonBody(raw: string): unknown {
  if (raw.trim() === '')
    throw new ValidationError(ErrorCode.InvalidJson, 'request body is empty; expected JSON');
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ValidationError(
      ErrorCode.InvalidJson,
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** Validates with zod and names the first offending field in the error (`alerts.0.labels`). */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  /** Where `value` sits in the request body, so `field` names the full path (`event.data.title`). */
  pathPrefix: readonly string[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [...pathPrefix, ...(issue?.path.map(String) ?? [])];
  const field = issue && path.length > 0 ? path.join('.') : undefined;
  const message = issue?.message ?? 'invalid';
  throw new ValidationError(
    ErrorCode.SchemaViolation,
    field ? `invalid ${what}: field ${field}: ${message}` : `invalid ${what}: ${message}`,
    field,
  );
}

/**
 * An RFC 3339 / ISO 8601 timestamp PostgreSQL's `timestamptz` can hold once in UTC: years 0001–9999.
 * A year ≤ 0 (`-002026-…`, `0000-…`) or past 9999 means nothing for an alert and is refused with a 400
 * naming the field, rather than guessed at (see sanitize.ts for the other decisions).
 */
export const timestampSchema = z.string().superRefine((value, ctx) => {
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    ctx.addIssue({ code: 'custom', message: 'not an RFC 3339 timestamp' });
    return;
  }
  const year = new Date(time).getUTCFullYear();
  if (year < 1 || year > 9999) {
    ctx.addIssue({ code: 'custom', message: `timestamp out of range (year ${year}; expected 0001–9999)` });
  }
});
