/**
 * Where the package's own files are, the same whether the code runs from TypeScript sources
 * (`src/…`, a checkout) or compiled (`dist/src/…`, the published package and the image): the nearest
 * ancestor holding aiops-bot's package.json. Migrations, prompts and the version are found from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'aiops-bot')
          return dir;
      } catch {
        // Not ours (or unreadable): keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`aiops-bot's package.json not found above ${from}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A file or folder shipped with the package (`migrations/`, `prompts/`, `package.json`). */
export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}

export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return version;
}
