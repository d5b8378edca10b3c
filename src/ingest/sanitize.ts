/**
 * Safe forms for hostile text in webhook bodies (issue 10 item 2). The decisions, per case:
 *
 * - **NUL (U+0000) and lone surrogates (U+D800–U+DFFF unpaired)**, anywhere in a body's strings — label
 *   names and values, annotations, `groupKey`, titles — become U+FFFD. PostgreSQL refuses both in `text`
 *   (22021) and `jsonb` (22P02); an SRE expects the alert anyway, not lost for one bad byte. The mapping is
 *   deterministic, so the same odd `groupKey` still correlates to the same incident on every redelivery.
 * - **Over-long identifiers and label values** (correlation key, fingerprint, delivery key, external id,
 *   service, alert name, label values) are cut to a bounded prefix followed by a hash of the whole value:
 *   btree indexes refuse entries over ~2.7 kB (54000), and distinct values stay distinct.
 * - **Timestamps** PostgreSQL cannot hold (year ≤ 0 or > 9999 in UTC) or that are no timestamp at all are
 *   refused with a 400 naming the field (`timestampSchema` in parse.ts): such a value means nothing, and
 *   guessing one would put the alert at a wrong time.
 * - The **raw body** is stored as received; only when it holds NUL or a lone surrogate (which never parses
 *   as JSON from the wire, but `aiops replay` hands over a string) are those replaced, so the delivery row
 *   can always be written.
 * - A body **nested deeper than 64 levels** is refused with a 400 (no payload nests past 10; walking a
 *   million nested arrays would overflow the stack).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, ValidationError } from '../errors.ts';
import type { AlertGroup, NormalizedAlert, NormalizedDelivery } from './alert.ts';

/**
 * NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one (code units,
 * no `u` flag). String.prototype.toWellFormed would do the surrogates, but the TypeScript lib is ES2023.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text PostgreSQL accepts in `text` and `jsonb`: NUL and lone surrogates become U+FFFD. */
export function storableText(value: string): string {
  UNSTORABLE.lastIndex = 0;
  return UNSTORABLE.test(value) ? value.replace(UNSTORABLE, '\ufffd') : value;
}

/**
 * Deeper than any Alertmanager or PagerDuty payload (they nest under 10 levels). JSON.parse accepts a
 * million nested arrays; walking them would overflow the stack, so such a body is refused with a 400.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * A parsed JSON value with every string (object keys too) made storable; untouched values are reused.
 * Throws ValidationError (→ 400) for a body nested deeper than MAX_JSON_DEPTH.
 */
export function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) {
    throw new ValidationError(
      ErrorCode.InvalidJson,
      `request body is nested deeper than ${MAX_JSON_DEPTH} levels; no webhook payload is`,
    );
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const clean = storableJson(item, depth + 1);
      if (clean !== item) changed = true;
      return clean;
    });
    return changed ? out : value;
  }
  let changed = false;
  const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
    const cleanKey = storableText(key);
    const clean = storableJson(item, depth + 1);
    if (cleanKey !== key || clean !== item) changed = true;
    return [cleanKey, clean];
  });
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return changed ? Object.fromEntries(entries) : value;
}

/** Longest identifier or label value kept whole, in UTF-8 bytes: well under btree's ~2.7 kB per entry. */
export const MAX_IDENTIFIER_BYTES = 1024;
const PREFIX_CHARS = 200;

/** `value` when short enough, else its first 200 characters, `…#` and 16 hex digits of its SHA-256. */
export function boundedIdentifier(value: string): string {
  if (value.length * 3 <= MAX_IDENTIFIER_BYTES || Buffer.byteLength(value) <= MAX_IDENTIFIER_BYTES)
    return value;
  // Whole code points only, so the cut never leaves half a surrogate pair.
  const prefix = Array.from(value.slice(0, PREFIX_CHARS * 2))
    .slice(0, PREFIX_CHARS)
    .join('');
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
  return `${storableText(prefix)}…#${hash}`;
}

function boundedLabels(labels: Record<string, string>): Record<string, string> {
  let changed = false;
  const entries = Object.entries(labels).map(([key, item]): [string, string] => {
    const bounded = boundedIdentifier(item);
    if (bounded !== item) changed = true;
    return [key, bounded];
  });
  return changed ? Object.fromEntries(entries) : labels;
}

function boundedAlert(alert: NormalizedAlert): NormalizedAlert {
  return {
    ...alert,
    fingerprint: boundedIdentifier(alert.fingerprint),
    alertname: boundedIdentifier(alert.alertname),
    service: boundedIdentifier(alert.service),
    labels: boundedLabels(alert.labels),
  };
}

function boundedGroup(group: AlertGroup): AlertGroup {
  return {
    ...group,
    correlationKey: boundedIdentifier(group.correlationKey),
    service: boundedIdentifier(group.service),
    externalId: group.externalId === null ? null : boundedIdentifier(group.externalId),
    labels: boundedLabels(group.labels),
    alerts: group.alerts.map(boundedAlert),
  };
}

/** Bounds every indexed identifier of a normalized delivery (see the module comment). */
export function boundedDelivery(delivery: NormalizedDelivery): NormalizedDelivery {
  return {
    ...delivery,
    deliveryKey: delivery.deliveryKey === null ? null : boundedIdentifier(delivery.deliveryKey),
    groups: delivery.groups.map(boundedGroup),
  };
}
