import { z } from 'zod';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import type { IncidentButtonValue, SlackMessage } from '../../src/slack/message.ts';
import { renderError } from '../../src/slack/render/index.ts';

const buttonValueSchema = z.object({
  incidentId: z.number().int().positive(),
  cause: z.string().min(1).max(500).optional(),
  category: z.string().min(1).max(100).optional(),
  fixIndex: z.number().int().min(0).max(10).optional(),
  generator: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,59}$/)
    .optional(),
});

/** Button values come back from Slack as we sent them, but they are still input: parse, don't trust. */
export function parseButtonValue(value: string | undefined): IncidentButtonValue | null {
  if (!value) return null;
  try {
    const parsed = buttonValueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The private answer to a click whose work failed (the click was already acknowledged): a known error in
 * its own words (the incident was deleted), anything else logged once and answered generically.
 */
export function buttonFailure(deps: AppDeps, error: unknown): SlackMessage {
  if (error instanceof AiopsError && error.code === ErrorCode.NotFound) return renderError(error.message);
  deps.logger.error({ err: error }, 'button click failed');
  return renderError('Something went wrong; the error was logged. Try again, or use `/aiops`.');
}
