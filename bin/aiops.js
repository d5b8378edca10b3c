#!/usr/bin/env node
// The `aiops` command. In a git checkout (TypeScript sources and the dev dependency tsx present) it runs
// the sources through tsx, so it is never stale; the published package and the container image hold only
// the compiled JavaScript (`npm run build` → dist/) and run that, with no TypeScript loader at all.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli.ts', import.meta.url);
const compiled = new URL('../dist/src/cli.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null; // installed with --omit=dev: run the build instead
  }
}

const tsx = existsSync(sources) ? await loadTsx() : null;
try {
  if (tsx) {
    tsx.register();
    await import(sources.href);
  } else if (existsSync(compiled)) {
    await import(compiled.href);
  } else {
    process.stderr.write('aiops: no compiled code in dist/ and no TypeScript loader: run `npm run build`\n');
    process.exitCode = 1;
  }
} catch (error) {
  // A broken file read while the modules load (the catalogue's data files): one line naming file, line and
  // field, exit 1 — like any other configuration error.
  if (error?.code !== 'aiops_config_invalid') throw error;
  process.stderr.write(`aiops: ${error.message}\n`);
  process.exitCode = 1;
}
