/**
 * Small helpers shared by the executors: bounded, redacted output; durations; an abortable sleep.
 * Redaction always runs on the whole captured text before it is cut, so a secret split by the cut
 * cannot survive half-redacted.
 */
import { redact } from '../../analysis/redact.ts';

/** Longest output kept on a result (stored in the database; the Slack renderer cuts its own excerpt). */
export const OUTPUT_MAX_CHARS = 8_000;

/**
 * Redact `text`, then keep its head and its tail (the tail matters most in logs: errors, PLAY RECAP)
 * within `max` characters, saying how much was cut. NUL bytes are dropped (PostgreSQL text refuses them).
 */
export function boundedOutput(text: string, max = OUTPUT_MAX_CHARS): string {
  const clean = redact(text.replaceAll('\u0000', '')).text;
  if (clean.length <= max) return clean;
  const head = Math.floor(max / 4);
  const tail = max - head - 40;
  const cut = clean.length - head - tail;
  return `${clean.slice(0, head)}\n… [${cut} characters cut] …\n${clean.slice(clean.length - tail)}`;
}

/** "0.4 s", "14 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message)
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}

/** Glob with `*` (any run of characters, including none) and `?` (one character); the rest is literal. */
export function globMatch(pattern: string, value: string): boolean {
  let source = '^';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`${source}$`).test(value);
}
