import { z } from 'zod';
import type { IncidentButtonValue } from '../../src/slack/message.ts';

const buttonValueSchema = z.object({
  incidentId: z.number().int().positive(),
  cause: z.string().min(1).max(500).optional(),
  category: z.string().min(1).max(100).optional(),
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
