/** A webhook payload read from a file (`aiops replay`, `aiops catalogue test`): its bytes and its source. */
import { readFileSync } from 'node:fs';
import { AiopsError, ErrorCode } from '../errors.ts';
import type { AlertSource } from './alert.ts';

/** Alertmanager bodies carry `alerts`; PagerDuty V3 bodies carry `event`. */
export function detectSource(body: unknown): AlertSource | null {
  if (body && typeof body === 'object') {
    if ('alerts' in body) return 'alertmanager';
    if ('event' in body || 'messages' in body) return 'pagerduty';
  }
  return null;
}

/**
 * Reads `file`; the source is `source` when given, else guessed from the body (Alertmanager when it cannot
 * be told, or the body is not JSON: ingest then names the JSON error precisely).
 */
export function readPayloadFile(
  file: string,
  source?: AlertSource,
): { rawBody: string; source: AlertSource } {
  let rawBody: string;
  try {
    rawBody = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AiopsError(
      ErrorCode.NotFound,
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  if (source) return { rawBody, source };
  try {
    return { rawBody, source: detectSource(JSON.parse(rawBody)) ?? 'alertmanager' };
  } catch {
    return { rawBody, source: 'alertmanager' };
  }
}
