/**
 * Validation before any PR: every changed YAML file parses; every changed Kubernetes object passes its OpenAPI
 * schema (kubernetes-models) and requests ≤ limits; HCL parses (@cdktf/hcl2json); `terraform validate` when a
 * binary and the providers are at hand; `ansible-playbook --syntax-check` and `ansible-lint` when installed. A check
 * that cannot run says so (ok, "skipped: …"); one that fails makes `ok` false and the fix is never opened.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { redact } from '../analysis/redact.ts';
import { parseQuantity } from './quantity.ts';
import { get, isObj, podSpecPath } from './target.ts';
import type { FileEdit, GeneratedFix, RepoFile, ValidationResult } from './types.ts';
import { parseYamlFile } from './yaml-edit.ts';

type Check = ValidationResult['checks'][number];

export interface ValidateOptions {
  /** Per external command; default 60 s. */
  timeoutMs?: number;
  /** Binaries, looked up on PATH by default; `null` means absent (tests of the skip path). */
  tools?: { ansiblePlaybook?: string | null; ansibleLint?: string | null; terraform?: string | null };
  /**
   * For `terraform validate`: every `.tf` file of the changed modules as read (the request's `files.terraform`),
   * and a plugin directory (`terraform providers mirror`) when the module needs providers.
   */
  terraform?: { moduleFiles?: RepoFile[]; pluginDir?: string };
}

const isYaml = (p: string) => /\.ya?ml$/i.test(p);
const isTf = (p: string) => /\.tf$/i.test(p);

export async function validateFix(
  fix: GeneratedFix,
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const checks: Check[] = [];
  if (fix.edits.length === 0) checks.push({ name: 'edits', ok: false, output: 'the fix changes no file' });
  for (const edit of fix.edits) {
    if (edit.before === edit.after)
      checks.push({ name: `change (${edit.path})`, ok: false, output: 'the file is unchanged' });
    if (isYaml(edit.path)) checks.push(...(await yamlChecks(fix, edit)));
    else if (isTf(edit.path)) checks.push(await hclCheck(edit));
    else
      checks.push({
        name: `file type (${edit.path})`,
        ok: false,
        output: 'not a YAML or Terraform file: no validator',
      });
  }
  const tfEdits = fix.edits.filter((e) => isTf(e.path));
  if (tfEdits.length) checks.push(await terraformValidate(tfEdits, options));
  const playbooks = fix.kind === 'ansible' ? fix.edits.filter((e) => isYaml(e.path)) : [];
  if (playbooks.length) checks.push(...(await ansibleChecks(playbooks, options)));
  const clean = checks.map((c) => ({ ...c, output: redact(c.output).text.slice(0, 4000) }));
  return { ok: clean.every((c) => c.ok), checks: clean };
}

async function yamlChecks(fix: GeneratedFix, edit: FileEdit): Promise<Check[]> {
  const after = parseYamlFile(edit.path, edit.after);
  if ('error' in after) return [{ name: `yaml parse (${edit.path})`, ok: false, output: after.error }];
  const checks: Check[] = [
    { name: `yaml parse (${edit.path})`, ok: true, output: `${after.docs.length} document(s)` },
  ];
  if (fix.kind !== 'kubernetes') return checks;
  const before = edit.created ? undefined : parseYamlFile(edit.path, edit.before);
  const beforeDocs = before && !('error' in before) ? before.values : [];
  for (const [i, value] of after.values.entries()) {
    if (isDeepStrictEqual(value, beforeDocs[i])) continue;
    if (!isObj(value)) continue;
    checks.push(await kubernetesSchema(value));
    const limits = requestsWithinLimits(value);
    if (limits) checks.push(limits);
  }
  return checks;
}

const API_VERSION = /^(?:([a-z0-9][a-z0-9.-]*)\/)?(v\d+(?:(?:alpha|beta)\d+)?)$/;

/** The object against its Kubernetes OpenAPI schema, via the kubernetes-models class of its apiVersion/kind. */
export async function kubernetesSchema(value: Record<string, unknown>): Promise<Check> {
  const { apiVersion, kind } = value;
  const name = get(value, ['metadata', 'name']);
  const label = `kubernetes schema (${String(apiVersion)} ${String(kind)} ${String(name)})`;
  const m = typeof apiVersion === 'string' ? API_VERSION.exec(apiVersion) : null;
  if (!m || typeof kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(kind))
    return { name: label, ok: false, output: 'no valid apiVersion/kind' };
  const modulePath = `kubernetes-models/${m[1] ? `${m[1]}/` : ''}${m[2]}/${kind}`;
  let Model: (new (data: unknown) => { validate(): void }) | undefined;
  try {
    const mod = (await import(modulePath)) as Record<string, unknown>;
    Model = mod[kind] as typeof Model;
  } catch {
    Model = undefined;
  }
  if (!Model)
    return {
      name: label,
      ok: true,
      output: `skipped: no built-in schema for ${apiVersion} ${kind} (a CRD?)`,
    };
  try {
    new Model(value).validate();
    return { name: label, ok: true, output: 'ok' };
  } catch (error) {
    return { name: label, ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}

/** The API server rejects a container whose request exceeds its limit: check every container of a workload. */
function requestsWithinLimits(value: Record<string, unknown>): Check | undefined {
  const kind = String(value.kind);
  const spec = kind === 'Pod' ? ['spec'] : podSpecPath(kind);
  const containers = ['containers', 'initContainers'].flatMap((k) => {
    const list = get(value, [...spec, k]);
    return Array.isArray(list) ? list.filter(isObj) : [];
  });
  if (containers.length === 0) return undefined;
  const problems: string[] = [];
  for (const c of containers)
    for (const r of ['cpu', 'memory']) {
      const req = get(c, ['resources', 'requests', r]);
      const lim = get(c, ['resources', 'limits', r]);
      const q = typeof req === 'string' || typeof req === 'number' ? parseQuantity(req) : undefined;
      const l = typeof lim === 'string' || typeof lim === 'number' ? parseQuantity(lim) : undefined;
      if (q !== undefined && l !== undefined && q > l)
        problems.push(`${String(c.name)}: ${r} request ${req} > limit ${lim}`);
    }
  return {
    name: `requests within limits (${kind} ${String(get(value, ['metadata', 'name']))})`,
    ok: problems.length === 0,
    output: problems.length ? problems.join('; ') : 'ok',
  };
}

async function hclCheck(edit: FileEdit): Promise<Check> {
  const name = `hcl parse (${edit.path})`;
  try {
    await parseHcl(edit.path, edit.after);
    return { name, ok: true, output: 'ok' };
  } catch (error) {
    return { name, ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}

interface RunResult {
  code: number | null;
  output: string;
  missing: boolean;
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT')
          resolve({ code: null, output, missing: true });
        else if (error?.killed)
          resolve({ code: null, output: `timed out after ${timeoutMs} ms\n${output}`, missing: false });
        else
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
            output,
            missing: false,
          });
      },
    );
  });
}

async function withTempFiles<T>(edits: FileEdit[], fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'aiops-fix-'));
  try {
    for (const e of edits) {
      const file = join(dir, safeRelative(e.path));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, e.after);
    }
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A repository path made safe to write under a temporary folder (no `..`, no absolute path). */
function safeRelative(p: string): string {
  return p
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .join('/');
}

/**
 * `terraform validate` (or `tofu validate`) of each changed module: the module's files with the edits laid over
 * them, `init -backend=false` then `validate`. Runs offline when the module needs no provider from the registry
 * (only built-ins such as `terraform_data`) or a plugin directory is given; otherwise skipped with the reason.
 */
async function terraformValidate(edits: FileEdit[], options: ValidateOptions): Promise<Check> {
  const name = 'terraform validate';
  const timeout = options.timeoutMs ?? 60_000;
  const candidates =
    options.tools?.terraform === undefined ? ['terraform', 'tofu'] : [options.tools.terraform];
  let bin: string | undefined;
  for (const c of candidates) {
    if (c === null) continue;
    const version = await run(c, ['version'], tmpdir(), timeout);
    if (!version.missing && version.code === 0) {
      bin = c;
      break;
    }
  }
  if (!bin) return { name, ok: true, output: 'skipped: no terraform/tofu binary on PATH' };
  const moduleFiles = options.terraform?.moduleFiles;
  if (!moduleFiles)
    return {
      name,
      ok: true,
      output:
        'skipped: only the changed files are at hand, not the whole module (pass terraform.moduleFiles)',
    };
  const dirs = [...new Set(edits.map((e) => dirname(safeRelative(e.path))))];
  const byPath = new Map(
    moduleFiles.filter((f) => isTf(f.path)).map((f) => [safeRelative(f.path), f.content]),
  );
  for (const e of edits) byPath.set(safeRelative(e.path), e.after);
  const files = [...byPath].filter(([p]) => dirs.includes(dirname(p)));
  const providers = new Set<string>();
  for (const [p, content] of files) {
    try {
      for (const provider of providersOf(await parseHcl(p, content))) providers.add(provider);
    } catch {
      // hcl parse reports it.
    }
  }
  if (providers.has('module'))
    return {
      name,
      ok: true,
      output: 'skipped: the module calls other modules, which `terraform init` would download',
    };
  const pluginDir = options.terraform?.pluginDir;
  if (providers.size > 0 && !pluginDir)
    return {
      name,
      ok: true,
      output: `skipped: needs the ${[...providers].sort().join(', ')} provider(s) from the registry, not reachable offline (pass terraform.pluginDir: a \`terraform providers mirror\` folder)`,
    };
  return withTempFiles(
    files.map(([path, after]) => ({ path, before: '', after })),
    async (dir) => {
      const outputs: string[] = [];
      for (const d of dirs) {
        const cwd = join(dir, d);
        const initArgs = ['init', '-backend=false', '-input=false', '-no-color'];
        if (pluginDir) initArgs.push(`-plugin-dir=${pluginDir}`);
        const env = { TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
        const init = await run(bin, initArgs, cwd, timeout, env);
        if (init.code !== 0)
          return {
            name,
            ok: true,
            output: `skipped: terraform init failed offline: ${lastLines(init.output, 8)}`,
          };
        const v = await run(bin, ['validate', '-no-color'], cwd, timeout, env);
        if (v.code !== 0) return { name: `${name} (${d || '.'})`, ok: false, output: lastLines(v.output) };
        outputs.push(`${d || '.'}: ${lastLines(v.output, 2)}`);
      }
      return { name, ok: true, output: outputs.join('\n') };
    },
  );
}

/** Providers a parsed module needs from outside (`module` when it calls another module). */
function providersOf(json: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const block of ['resource', 'data'] as const) {
    const types = json[block];
    if (isObj(types))
      for (const type of Object.keys(types)) {
        const provider = type.split('_')[0] ?? type;
        if (provider !== 'terraform') out.push(provider);
      }
  }
  if (isObj(json.provider)) out.push(...Object.keys(json.provider));
  const terraform = json.terraform;
  for (const t of Array.isArray(terraform) ? terraform : []) {
    const req = isObj(t) ? t.required_providers : undefined;
    for (const r of Array.isArray(req) ? req : []) if (isObj(r)) out.push(...Object.keys(r));
  }
  if (isObj(json.module) && Object.keys(json.module).length > 0) out.push('module');
  return out;
}

async function ansibleChecks(edits: FileEdit[], options: ValidateOptions): Promise<Check[]> {
  const timeout = options.timeoutMs ?? 60_000;
  const playbook =
    options.tools?.ansiblePlaybook === undefined ? 'ansible-playbook' : options.tools.ansiblePlaybook;
  const lint = options.tools?.ansibleLint === undefined ? 'ansible-lint' : options.tools.ansibleLint;
  return withTempFiles(edits, async (dir) => {
    const checks: Check[] = [];
    const env = {
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_LOCAL_TEMP: join(dir, '.ansible-tmp'),
      ANSIBLE_HOME: join(dir, '.ansible'),
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    };
    for (const e of edits) {
      const rel = safeRelative(e.path);
      const name = `ansible-playbook --syntax-check (${e.path})`;
      if (playbook === null) {
        checks.push({ name, ok: true, output: 'skipped: ansible-playbook is not installed' });
        continue;
      }
      const r = await run(playbook, ['--syntax-check', '-i', 'localhost,', rel], dir, timeout, env);
      if (r.missing) checks.push({ name, ok: true, output: 'skipped: ansible-playbook is not installed' });
      else checks.push({ name, ok: r.code === 0, output: lastLines(r.output) || 'ok' });
    }
    for (const e of edits) {
      const rel = safeRelative(e.path);
      const name = `ansible-lint (${e.path})`;
      if (lint === null) {
        checks.push({ name, ok: true, output: 'skipped: ansible-lint is not installed' });
        continue;
      }
      const r = await run(lint, ['--offline', '--nocolor', '-p', rel], dir, timeout, env);
      if (r.missing) checks.push({ name, ok: true, output: 'skipped: ansible-lint is not installed' });
      // A team's own playbook may carry lint findings of its own: only a playbook the fix creates must be clean.
      else if (r.code !== 0 && !e.created)
        checks.push({
          name,
          ok: true,
          output: `findings (not blocking: the playbook existed): ${lastLines(r.output)}`,
        });
      else checks.push({ name, ok: r.code === 0, output: r.code === 0 ? 'ok' : lastLines(r.output) });
    }
    return checks;
  });
}

function lastLines(s: string, n = 20): string {
  return s.split('\n').slice(-n).join('\n');
}
