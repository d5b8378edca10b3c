/**
 * A team's own signatures (issue 12, part 2): the files or folders `aiops.yml` `catalogue.paths` names, in the
 * built-in format, loaded once at start after the built-in catalogue. A team signature with a built-in id
 * **overrides** it (in its place in the catalogue order); a new id **extends** the catalogue, ahead of the
 * built-in signatures (a team's patterns are tried first, and an alert name it claims is its own). Two team
 * signatures claiming one alert name, or one id, are refused naming both files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../../errors.ts';
import { alertKey } from '../facts.ts';
import { useCatalogue } from '../match.ts';
import type { Signature } from '../types.ts';
import {
  compileCatalogueFile,
  type DataSignature,
  type LoadedFile,
  loadCatalogueDir,
  type Resolve,
  shownPath,
} from './data.ts';
import { builtInSignatureById, CATALOGUE, signatureById, useSignatureIndex } from './index.ts';

/**
 * The files of `target` (a `.yaml` file, or a folder of them), compiled; a broken one throws a ConfigError.
 * Files are named relative to `shownFrom` (the working directory), absolute when outside it.
 */
export function loadTeamPath(
  target: string,
  baseDir: string,
  shownFrom: string = process.cwd(),
): LoadedFile[] {
  const full = path.resolve(baseDir, target);
  if (!existsSync(full)) throw new ConfigError(`catalogue path ${target}: no such file or folder (${full})`);
  const resolve = (): Resolve => signatureById;
  if (statSync(full).isDirectory()) return loadCatalogueDir(full, resolve, shownFrom);
  return [compileCatalogueFile(readFileSync(full, 'utf8'), shownPath(full, shownFrom), resolve)];
}

/** Every file of every path, relative to `baseDir` (the folder of `aiops.yml`). */
export function loadTeamPaths(paths: readonly string[], baseDir: string, shownFrom?: string): LoadedFile[] {
  return paths.flatMap((target) => loadTeamPath(target, baseDir, shownFrom));
}

/** The built-in owner of each alert key. */
const BUILT_IN_NAMES: ReadonlyMap<string, Signature> = (() => {
  const map = new Map<string, Signature>();
  for (const signature of CATALOGUE)
    for (const name of signature.names ?? [])
      if (!map.has(alertKey(name))) map.set(alertKey(name), signature);
  return map;
})();

export interface SignatureClaims {
  file: string;
  id: string;
  title: string;
  /** The exact alert names it claims. */
  names: string[];
  /** Its patterns, as `name /RE/`, `reason /RE/`, `text /RE/`. */
  patterns: string[];
  /** It replaces the built-in signature of the same id. */
  overrides: boolean;
}

export interface CatalogueConflict {
  /** `files`: two team signatures claim one name or id — start-up refuses it. `built-in`: the team wins. */
  kind: 'files' | 'built-in';
  message: string;
}

export interface TeamReport {
  claims: SignatureClaims[];
  conflicts: CatalogueConflict[];
}

const where = (file: string, id: string): string => `${file} (signature ${id})`;

/** What each team signature claims, and where claims meet: between team files, or with a built-in signature. */
export function describeTeamFiles(files: readonly LoadedFile[]): TeamReport {
  const claims: SignatureClaims[] = [];
  const conflicts: CatalogueConflict[] = [];
  const ids = new Map<string, string>();
  const names = new Map<string, { file: string; id: string; name: string }>();
  const teamIds = new Set(files.flatMap((loaded) => loaded.signatures.map((signature) => signature.id)));
  for (const loaded of files) {
    for (const signature of loaded.signatures) {
      const overrides = builtInSignatureById(signature.id) !== undefined;
      claims.push({
        file: loaded.file,
        id: signature.id,
        title: signature.title,
        names: signature.names ?? [],
        patterns: [
          ...(signature.reasons ? [`reason ${signature.reasons}`] : []),
          ...(signature.namePattern ? [`name ${signature.namePattern}`] : []),
          ...(signature.textPattern ? [`text ${signature.textPattern}`] : []),
        ],
        overrides,
      });
      const other = ids.get(signature.id);
      if (other !== undefined)
        conflicts.push({
          kind: 'files',
          message: `signature id ${signature.id} is in ${other} and in ${loaded.file}`,
        });
      else ids.set(signature.id, loaded.file);
      for (const name of signature.names ?? []) {
        const key = alertKey(name);
        const claimed = names.get(key);
        if (claimed && claimed.id !== signature.id) {
          conflicts.push({
            kind: 'files',
            message: `alert name ${name} is claimed by ${where(claimed.file, claimed.id)} and by ${where(loaded.file, signature.id)}`,
          });
          continue;
        }
        names.set(key, { file: loaded.file, id: signature.id, name });
        const builtIn = BUILT_IN_NAMES.get(key);
        // A built-in signature a team file overrides gives up its names: no conflict with it.
        if (builtIn && builtIn.id !== signature.id && !teamIds.has(builtIn.id))
          conflicts.push({
            kind: 'built-in',
            message: `alert name ${name} is claimed by built-in signature ${builtIn.id} too: ${where(loaded.file, signature.id)} takes it (give it id ${builtIn.id} to replace that signature instead)`,
          });
      }
    }
  }
  return { claims, conflicts };
}

/**
 * The catalogue with a team's files: new signatures first, then the built-in ones with each overridden id
 * replaced in place. Throws a ConfigError naming both files when two team signatures claim one alert name or id.
 */
export function assembleCatalogue(files: readonly LoadedFile[]): Signature[] {
  const refused = describeTeamFiles(files).conflicts.find((conflict) => conflict.kind === 'files');
  if (refused) throw new ConfigError(`catalogue.paths: ${refused.message}`);
  const team = new Map<string, DataSignature>();
  for (const loaded of files) for (const signature of loaded.signatures) team.set(signature.id, signature);
  const added = [...team.values()].filter((signature) => !builtInSignatureById(signature.id));
  return [...added, ...CATALOGUE.map((signature) => team.get(signature.id) ?? signature)];
}

export interface InstalledCatalogue {
  signatures: number;
  overridden: string[];
  added: string[];
}

/**
 * Makes the built-in catalogue plus `files` the one alerts are matched against (the built-in one alone when
 * `files` is empty). Checked first — claims between files, every `delegate.to` — so a refusal changes nothing.
 */
export function installTeamCatalogue(files: readonly LoadedFile[]): InstalledCatalogue {
  if (files.length === 0) {
    useSignatureIndex();
    useCatalogue();
    return { signatures: CATALOGUE.length, overridden: [], added: [] };
  }
  const signatures = assembleCatalogue(files);
  const byId = new Map(signatures.map((signature) => [signature.id, signature]));
  for (const loaded of files)
    for (const signature of loaded.signatures)
      for (const delegate of signature.delegates ?? [])
        if (!byId.has(delegate.to))
          throw new ConfigError(`${delegate.at ?? loaded.file}: no signature with id "${delegate.to}"`);
  useSignatureIndex(byId);
  useCatalogue(signatures);
  const ids = files.flatMap((loaded) => loaded.signatures.map((signature) => signature.id));
  return {
    signatures: signatures.length,
    overridden: ids.filter((id) => builtInSignatureById(id)),
    added: ids.filter((id) => !builtInSignatureById(id)),
  };
}

/** The folder `catalogue.paths` are relative to: that of the aiops.yml file, else the working directory. */
export function catalogueBaseDir(configSource: string, cwd: string): string {
  return configSource === 'built-in defaults' ? cwd : path.dirname(path.resolve(cwd, configSource));
}
