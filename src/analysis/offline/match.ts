/**
 * Which signature an alert shows: reason label, then exact alert name, then name pattern, then text. A pattern
 * match counts only if the signature accepts the alert.
 *
 * The tables are built from the built-in catalogue at load, and again once at start when a team's signatures
 * (`aiops.yml` `catalogue.paths`, see catalogue/team.ts) join it: one catalogue per process.
 */
import { CATALOGUE } from './catalogue/index.ts';
import { alertKey } from './facts.ts';
import type { AlertView, Signature } from './types.ts';

interface Tables {
  all: readonly Signature[];
  byName: ReadonlyMap<string, Signature>;
  withReason: readonly Signature[];
  withNamePattern: readonly Signature[];
  withText: readonly Signature[];
}

/** Exact names → signature; the first signature to claim a name keeps it (`strict`: a second claim throws). */
function tablesOf(signatures: readonly Signature[], strict: boolean): Tables {
  const byName = new Map<string, Signature>();
  for (const signature of signatures) {
    for (const name of signature.names ?? []) {
      const key = alertKey(name);
      if (byName.has(key)) {
        if (strict) throw new Error(`alert name ${name} is in two signatures`);
        continue;
      }
      byName.set(key, signature);
    }
  }
  return {
    all: signatures,
    byName,
    withReason: signatures.filter((signature) => signature.reasons),
    withNamePattern: signatures.filter((signature) => signature.namePattern),
    withText: signatures.filter((signature) => signature.textPattern),
  };
}

const BUILT_IN = tablesOf(CATALOGUE, true);
let tables: Tables = BUILT_IN;

/**
 * Makes `signatures` the catalogue alerts are matched against (the built-in one when omitted). An alert name
 * two of them claim goes to the first: the caller puts the team's signatures first and has refused claims
 * between two team files already.
 */
export function useCatalogue(signatures?: readonly Signature[]): void {
  tables = signatures ? tablesOf(signatures, false) : BUILT_IN;
}

/** The catalogue in use: the built-in one, with a team's signatures when `catalogue.paths` named some. */
export const activeCatalogue = (): readonly Signature[] => tables.all;

const accepted = (signature: Signature, view: AlertView): boolean => signature.accepts?.(view) ?? true;

export function matchSignature(view: AlertView): Signature | null {
  if (view.reason) {
    for (const signature of tables.withReason) {
      if (signature.reasons?.test(view.reason) && accepted(signature, view)) return signature;
    }
  }
  const byName = tables.byName.get(view.key);
  if (byName) return byName;
  for (const signature of tables.withNamePattern) {
    if (signature.namePattern?.test(view.key) && accepted(signature, view)) return signature;
  }
  if (view.text) {
    for (const signature of tables.withText) {
      if (signature.textPattern?.test(view.text) && accepted(signature, view)) return signature;
    }
  }
  return null;
}

export const signatureCount = (): number => tables.all.length;
