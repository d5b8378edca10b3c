/**
 * Which signature an alert shows: reason label, then exact alert name, then name pattern, then text. A pattern
 * match counts only if the signature accepts the alert.
 */
import { CATALOGUE } from './catalogue/index.ts';
import { alertKey } from './facts.ts';
import type { AlertView, Signature } from './types.ts';

/** Built once: exact names → signature. */
const BY_NAME: ReadonlyMap<string, Signature> = (() => {
  const map = new Map<string, Signature>();
  for (const signature of CATALOGUE) {
    for (const name of signature.names ?? []) {
      const key = alertKey(name);
      if (map.has(key)) throw new Error(`alert name ${name} is in two signatures`);
      map.set(key, signature);
    }
  }
  return map;
})();

const WITH_REASON = CATALOGUE.filter((signature) => signature.reasons);
const WITH_NAME_PATTERN = CATALOGUE.filter((signature) => signature.namePattern);
const WITH_TEXT = CATALOGUE.filter((signature) => signature.textPattern);

const accepted = (signature: Signature, view: AlertView): boolean => signature.accepts?.(view) ?? true;

export function matchSignature(view: AlertView): Signature | null {
  if (view.reason) {
    for (const signature of WITH_REASON) {
      if (signature.reasons?.test(view.reason) && accepted(signature, view)) return signature;
    }
  }
  const byName = BY_NAME.get(view.key);
  if (byName) return byName;
  for (const signature of WITH_NAME_PATTERN) {
    if (signature.namePattern?.test(view.key) && accepted(signature, view)) return signature;
  }
  if (view.text) {
    for (const signature of WITH_TEXT) {
      if (signature.textPattern?.test(view.text) && accepted(signature, view)) return signature;
    }
  }
  return null;
}

export const signatureCount = (): number => CATALOGUE.length;
