/**
 * The Dockerfile, checked without a Docker daemon or hadolint (neither exists here; hadolint is not a
 * Debian package): it parses into instructions, and follows the rules hadolint and the issue ask for —
 * named stages on tagged images (never `latest`), a runtime stage with production dependencies and
 * dist/ only, a non-root USER, a HEALTHCHECK on /healthz, the data directory as a VOLUME, exec-form
 * ENTRYPOINT/CMD so SIGTERM reaches node. test/ship/runtime.sh performs the runtime stage's install.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Dockerfile syntax: comments, `\` continuations, KEYWORD args. Throws on a line it cannot read. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending && line.trimStart().startsWith('#')) return; // comments inside a continuation
    if (!pending) start = index + 1;
    pending += `${pending ? ' ' : ''}${line.trim()}`;
    if (pending.endsWith('\\')) {
      pending = pending.slice(0, -1).trimEnd();
      return;
    }
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(pending);
    if (!match) throw new Error(`line ${start}: not an instruction: ${pending}`);
    instructions.push({ keyword: (match[1] as string).toUpperCase(), args: match[2] as string, line: start });
    pending = '';
  });
  if (pending) throw new Error('the Dockerfile ends inside a continuation');
  return instructions;
}

const KNOWN = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

const instructions = parseDockerfile(readFileSync(`${root}Dockerfile`, 'utf8'));
const stages: { name: string; image: string; body: Instruction[] }[] = [];
for (const instruction of instructions) {
  if (instruction.keyword === 'FROM') {
    const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
    stages.push({ image: match?.[1] ?? '', name: match?.[2] ?? '', body: [] });
  } else stages.at(-1)?.body.push(instruction);
}
const runtime = stages.at(-1) as (typeof stages)[number];
const args = (keyword: string) => runtime.body.filter((i) => i.keyword === keyword).map((i) => i.args);
const isExecForm = (value: string) => Array.isArray(JSON.parse(value));

describe('Dockerfile', () => {
  it('parses: every line is a known instruction; the ARGs before FROM are all that precede it', () => {
    for (const instruction of instructions)
      expect(KNOWN, `line ${instruction.line}`).toContain(instruction.keyword);
    const firstFrom = instructions.findIndex((i) => i.keyword === 'FROM');
    expect(instructions.slice(0, firstFrom).every((i) => i.keyword === 'ARG')).toBe(true);
  });

  it('builds in named stages from tagged images, never latest (hadolint DL3006, DL3007)', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'deps', 'runtime']);
    for (const stage of stages) {
      expect(stage.image).toMatch(/^[\w./-]+:[\w.${}-]+$/);
      expect(stage.image).not.toMatch(/:latest$/);
    }
  });

  it('the runtime stage holds production dependencies and dist/ only', () => {
    const copies = args('COPY');
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /app/dist ./dist');
    const deps = stages.find((stage) => stage.name === 'deps');
    expect(deps?.body.find((i) => i.keyword === 'RUN')?.args).toMatch(/npm ci --omit=dev/);
    for (const copy of copies.filter((c) => !c.startsWith('--from='))) {
      const [source] = copy.split(/\s+/);
      expect(['package.json', 'bin', 'migrations', 'prompts', 'catalogue']).toContain(source);
      expect(existsSync(`${root}${source}`), source).toBe(true);
    }
    expect(copies.join('\n')).not.toMatch(/\b(src|test|handlers)\b/);
    expect(runtime.body.some((i) => i.keyword === 'ADD')).toBe(false);
  });

  it('runs as a non-root user (hadolint DL3002)', () => {
    const users = args('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const lastUser = runtime.body.findLastIndex((i) => i.keyword === 'USER');
    expect(runtime.body.slice(lastUser).some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it('has a HEALTHCHECK on /healthz without curl, and the data directory as a VOLUME', () => {
    const [healthcheck] = args('HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \[/);
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).not.toMatch(/curl|wget/);
    const env = args('ENV').join(' ');
    const dataDir = /AIOPS_DATA_DIR=(\S+)/.exec(env)?.[1];
    expect(dataDir).toBeTruthy();
    expect(args('VOLUME').flatMap((value) => JSON.parse(value) as string[])).toContain(dataDir);
  });

  it('lets SIGTERM reach node: exec-form ENTRYPOINT and CMD, STOPSIGNAL SIGTERM, no shell wrapper', () => {
    expect(args('STOPSIGNAL')).toEqual(['SIGTERM']);
    const [entrypoint] = args('ENTRYPOINT');
    const [cmd] = args('CMD');
    expect(isExecForm(entrypoint as string)).toBe(true);
    expect(isExecForm(cmd as string)).toBe(true);
    const command = JSON.parse(entrypoint as string) as string[];
    expect(command[0]).toBe('node');
    expect(command).not.toContain('sh');
    expect(
      existsSync(`${root}${(command.at(-1) as string).replace(/^dist\/src\/(.*)\.js$/, 'src/$1.ts')}`),
    ).toBe(true);
    expect(JSON.parse(cmd as string)).toEqual(['start']);
  });

  it('the build context excludes local state, and keeps what the stages copy', () => {
    const ignored = readFileSync(`${root}.dockerignore`, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.aiops', '.git', '.env']));
    const copied = stages
      .flatMap((stage) => stage.body)
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(ignored, source).not.toContain(source);
  });
});
