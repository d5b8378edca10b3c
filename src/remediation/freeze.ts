/**
 * Change-freeze windows: a freeze starts whenever its cron expression matches (UTC, to the minute) and
 * lasts `durationMinutes`. node-cron parses and validates the expression; matching a past minute is ours
 * (node-cron only schedules forward).
 */
import { parse } from 'node-cron';
import type { FreezeWindow } from './config.ts';

interface Matcher {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  /** Vixie cron: when both day fields are restricted, either may match. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

const cache = new Map<string, Matcher>();

function matcherOf(expression: string): Matcher {
  const cached = cache.get(expression);
  if (cached) return cached;
  const fields = parse(expression);
  const raw = expression.trim().split(/\s+/);
  const numbers = (values: (number | string)[]) => new Set(values.map((value) => Number(value)));
  const matcher: Matcher = {
    minute: numbers(fields.minute),
    hour: numbers(fields.hour),
    dayOfMonth: numbers(fields.dayOfMonth),
    month: numbers(fields.month),
    dayOfWeek: new Set([...numbers(fields.dayOfWeek)].map((day) => day % 7)),
    domRestricted: raw[2] !== '*',
    dowRestricted: raw[4] !== '*',
  };
  cache.set(expression, matcher);
  return matcher;
}

/** Whether `expression` fires at the UTC minute of `at`. */
export function cronMatches(expression: string, at: Date): boolean {
  const m = matcherOf(expression);
  if (!m.minute.has(at.getUTCMinutes()) || !m.hour.has(at.getUTCHours())) return false;
  if (!m.month.has(at.getUTCMonth() + 1)) return false;
  const dom = m.dayOfMonth.has(at.getUTCDate());
  const dow = m.dayOfWeek.has(at.getUTCDay());
  if (m.domRestricted && m.dowRestricted) return dom || dow;
  return dom && dow;
}

/** The freeze in force at `now`, with when it ends; null when changes are allowed. */
export function activeFreeze(
  windows: readonly FreezeWindow[],
  now: Date,
): { window: FreezeWindow; startedAt: Date; endsAt: Date } | null {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  for (const window of windows) {
    // The latest start within the last durationMinutes (at most 31 days of minutes: cheap enough).
    for (let back = 0; back < window.durationMinutes; back += 1) {
      const start = new Date(minute - back * 60_000);
      if (cronMatches(window.cron, start)) {
        return {
          window,
          startedAt: start,
          endsAt: new Date(start.getTime() + window.durationMinutes * 60_000),
        };
      }
    }
  }
  return null;
}
