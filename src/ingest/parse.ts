import type { z } from 'zod';
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
