/**
 * `/aiops explain TEXT` offline: a plain-language reading of a pasted log line or error message, from a
 * catalogue of well-known error patterns. Unknown text gets an honest "no known pattern", never a guess.
 */

import { redactAndCut } from '../redact.ts';
import type { Explanation } from '../schema.ts';
import { type Facts, PATTERNS } from './explain-patterns.ts';
import { clip } from './facts.ts';

/** Only so much of a pasted text is scanned. */
const MAX_SCAN = 20_000;

export const explainPatternCount = (): number => PATTERNS.length;

export function explainOffline(text: string): Explanation {
  const scanned = redactAndCut(text, MAX_SCAN, { ellipsis: '' });
  const matched = PATTERNS.filter((pattern) => pattern.re.test(scanned));
  const [primary, ...also] = matched;
  if (!primary) {
    const trimmed = clip(scanned, 200);
    return {
      summary: trimmed
        ? `No known pattern matches this text, so the offline analyzer cannot say what it means: "${trimmed}". Paste the first error of the log (the root error usually comes before the ones it causes).`
        : 'There is no text to explain.',
      likelyCauses: [],
      nextSteps: [],
      analyzer: 'offline',
    };
  }
  const facts: Facts = primary.facts?.exec(scanned)?.groups ?? {};
  const alsoNote =
    also.length > 0
      ? ` The text also shows: ${also
          .slice(0, 3)
          .map((pattern) => pattern.title)
          .join(', ')}.`
      : '';
  const nextSteps: string[] = [];
  for (const step of primary.steps(facts)) if (step) nextSteps.push(clip(step, 500));
  for (const pattern of also.slice(0, 2)) {
    const [first] = pattern.steps({});
    if (first && nextSteps.length < 6) nextSteps.push(clip(first, 500));
  }
  return {
    summary: clip(`${primary.summary(facts)}${alsoNote}`, 2000),
    likelyCauses: primary.causes.slice(0, 5).map((text) => clip(text, 500)),
    nextSteps: [...new Set(nextSteps)].slice(0, 6),
    signature: primary.id,
    analyzer: 'offline',
  };
}
