/**
 * The catalogue of well-known failure signatures, keyed on real alert names (kube-prometheus,
 * kubernetes-mixin, awesome-prometheus-alerts) and on reason labels and alert text. Order matters for the
 * pattern tiers: specific signatures come before broad ones.
 *
 * All of it is data: `catalogue/*.yaml` at the package root, loaded and validated once, here, at start (see
 * docs/catalogue.md). `ORDER` places each domain file; a data file it does not name goes last. Code joins a
 * signature only through a hook (`hooks.ts`).
 */
import type { Signature } from '../types.ts';
import { CATALOGUE_DIR, checkDelegates, type LoadedFile, loadCatalogueDir } from './data.ts';

let byId: ReadonlyMap<string, Signature> = new Map();
let builtInById: ReadonlyMap<string, Signature> = new Map();
/** A signature of the whole catalogue by id (data signatures delegate to others through it). */
export const signatureById = (id: string): Signature | undefined => byId.get(id);
/** A built-in signature by id, whatever a team's files override. */
export const builtInSignatureById = (id: string): Signature | undefined => builtInById.get(id);
/**
 * Makes `map` the catalogue delegates resolve in (a team's override of `node-cpu` answers for every built-in
 * signature that delegates to `node-cpu`); the built-in map when omitted.
 */
export function useSignatureIndex(map?: ReadonlyMap<string, Signature>): void {
  byId = map ?? builtInById;
}

/** The data files, loaded once. */
export const DATA_FILES: readonly LoadedFile[] = loadCatalogueDir(CATALOGUE_DIR, () => signatureById);

const data = (domain: string): readonly Signature[] => {
  const found = DATA_FILES.find((loaded) => loaded.domain === domain);
  if (!found) throw new Error(`catalogue/${domain}.yaml is missing`);
  return found.signatures;
};

const ORDER: readonly string[] = [
  'platform',
  'workloads',
  'controllers',
  'kubernetes',
  'messaging',
  'nodes',
  'hosts',
  'monitoring',
  'datastores',
  'storage-systems',
  'cluster-addons',
  'cloud-aws',
  'cloud-other',
  'proxies',
  'probes',
  'services',
  'home-grown',
];

export const CATALOGUE: readonly Signature[] = (() => {
  const placed = new Set(ORDER);
  const all = [
    ...ORDER.flatMap(data),
    ...DATA_FILES.filter((loaded) => !placed.has(loaded.domain)).flatMap((loaded) => loaded.signatures),
  ];
  const map = new Map<string, Signature>();
  for (const signature of all) {
    if (map.has(signature.id)) throw new Error(`signature id ${signature.id} is in the catalogue twice`);
    map.set(signature.id, signature);
  }
  byId = map;
  builtInById = map;
  checkDelegates(DATA_FILES, signatureById);
  return all;
})();
